//! The pages every footer links to: the accessibility statement (tilgængelighedserklæring),
//! contact and the privacy notice. The statement is kept by an admin.
//!
//! Routes:
//! - `GET  /tilgaengelighed` (anyone; `/was` leads there, as the Danish rules suggest)
//! - `GET  /tilgaengelighed/rediger`, `POST /tilgaengelighed/rediger`: admins
//! - `GET  /kontakt`, `GET /privatliv` (anyone)

use actix_session::Session;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpResponse};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::auth::{MaybeSignedIn, SignedIn};
use super::error::AppError;
use super::pages::{base_context, verify_csrf};
use super::{db, AppState};
use crate::domain::time::danish_datetime;
use crate::domain::{Role, User};
use crate::store::statement::{self, Statement};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/tilgaengelighed", web::get().to(show))
        .route("/was", web::get().to(was))
        .route("/tilgaengelighed/rediger", web::get().to(edit))
        .route("/tilgaengelighed/rediger", web::post().to(save))
        .route("/kontakt", web::get().to(contact))
        .route("/privatliv", web::get().to(privacy));
}

/// The choices the statement offers, in the words of the Danish template.
const COMPLIANCE: &[(&str, &str)] = &[
    ("fuldt", "Webstedet overholder standarden fuldt ud"),
    (
        "delvist",
        "Webstedet overholder standarden delvist (overholder de fleste krav)",
    ),
    (
        "ikke",
        "Webstedet overholder ikke standarden (overholder ikke de fleste krav)",
    ),
];
const METHODS: &[(&str, &str)] = &[
    ("selv", "Vi har selv evalueret webstedet"),
    ("ekstern", "Vurderingen er foretaget af en ekstern part"),
    ("anden", "Vi har anvendt en anden metode"),
];
const SHORT_MAX: usize = 300;
const LONG_MAX: usize = 5000;

fn label(options: &[(&str, &'static str)], code: &str) -> &'static str {
    options
        .iter()
        .find(|(c, _)| *c == code)
        .map_or("", |(_, l)| *l)
}

#[derive(Debug, Serialize)]
struct Choice {
    code: &'static str,
    label: &'static str,
}

fn choices(options: &[(&'static str, &'static str)]) -> Vec<Choice> {
    options
        .iter()
        .map(|&(code, label)| Choice { code, label })
        .collect()
}

fn is_admin(user: Option<&User>) -> bool {
    user.is_some_and(|u| u.role == Role::Admin)
}

/// `2026-11-24` as "24. november 2026".
fn danish_date(iso: &str) -> String {
    match NaiveDate::parse_from_str(iso, "%Y-%m-%d") {
        Ok(d) => crate::domain::time::danish_day(d),
        Err(_) => iso.to_owned(),
    }
}

async fn load(state: &web::Data<AppState>) -> Result<Option<statement::StoredStatement>, AppError> {
    db(state, |conn| Ok(statement::get(conn)?)).await
}

async fn show(
    state: web::Data<AppState>,
    session: Session,
    MaybeSignedIn(user): MaybeSignedIn,
) -> Result<HttpResponse, AppError> {
    let stored = load(&state).await?;
    let mut context = base_context(&session, user.as_ref())?;
    context.insert("can_edit", &is_admin(user.as_ref()));
    context.insert("saved", &false);
    if let Some(stored) = &stored {
        let s = &stored.statement;
        context.insert("statement", s);
        context.insert("compliance_label", label(COMPLIANCE, &s.compliance));
        context.insert("method_label", label(METHODS, &s.evaluation_method));
        context.insert("prepared", &danish_date(&s.prepared_on));
        context.insert("reviewed", &danish_date(&s.reviewed_on));
        context.insert("updated", &danish_datetime(stored.updated_at));
        let items: Vec<&str> = s
            .nonaccessible
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        context.insert("nonaccessible", &items);
    } else {
        context.insert("statement", &None::<Statement>);
    }
    state.pages.ok("statement.html", &context)
}

async fn was() -> HttpResponse {
    HttpResponse::Found()
        .insert_header((header::LOCATION, "/tilgaengelighed"))
        .finish()
}

fn admin(user: &User) -> Result<(), AppError> {
    if is_admin(Some(user)) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// One message per field in error, keyed by the field's id.
#[derive(Debug, Serialize)]
struct FieldError {
    field: &'static str,
    message: String,
}

fn render_edit(
    state: &AppState,
    session: &Session,
    user: &User,
    statement: &Statement,
    errors: &[FieldError],
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let mut context = base_context(session, Some(user))?;
    context.insert("statement", statement);
    context.insert("errors", errors);
    let by_field: std::collections::BTreeMap<&str, &str> = errors
        .iter()
        .map(|e| (e.field, e.message.as_str()))
        .collect();
    context.insert("field_errors", &by_field);
    context.insert("compliance_choices", &choices(COMPLIANCE));
    context.insert("method_choices", &choices(METHODS));
    state.pages.respond(status, "statement_edit.html", &context)
}

async fn edit(
    state: web::Data<AppState>,
    session: Session,
    SignedIn(user): SignedIn,
) -> Result<HttpResponse, AppError> {
    admin(&user)?;
    let statement = match load(&state).await? {
        Some(stored) => stored.statement,
        None => Statement {
            organisation: state.pages.site_name().to_owned(),
            compliance: "delvist".into(),
            evaluation_method: "selv".into(),
            ..Statement::default()
        },
    };
    render_edit(&state, &session, &user, &statement, &[], StatusCode::OK)
}

#[derive(Debug, Deserialize)]
struct EditForm {
    csrf_token: Option<String>,
    #[serde(flatten)]
    statement: Statement,
}

/// The form's input checked field by field, with Danish messages.
fn validate(s: &Statement) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let mut need = |field: &'static str, value: &str, what: &str, max: usize| {
        if value.trim().is_empty() {
            errors.push(FieldError {
                field,
                message: format!("Skriv {what}."),
            });
        } else if value.chars().count() > max {
            errors.push(FieldError {
                field,
                message: format!("{} må højst være {max} tegn.", capitalise(what)),
            });
        }
    };
    need(
        "organisation",
        &s.organisation,
        "myndighedens navn",
        SHORT_MAX,
    );
    need("website", &s.website, "webstedets adresse", SHORT_MAX);
    need(
        "evaluation_description",
        &s.evaluation_description,
        "hvordan webstedet er vurderet",
        LONG_MAX,
    );
    need(
        "contact_email",
        &s.contact_email,
        "en e-mailadresse",
        SHORT_MAX,
    );
    need(
        "contact_phone",
        &s.contact_phone,
        "et telefonnummer",
        SHORT_MAX,
    );
    if s.nonaccessible.chars().count() > LONG_MAX {
        errors.push(FieldError {
            field: "nonaccessible",
            message: format!("Beskrivelsen må højst være {LONG_MAX} tegn."),
        });
    }
    if s.evaluation_report_url.chars().count() > SHORT_MAX {
        errors.push(FieldError {
            field: "evaluation_report_url",
            message: format!("Linket må højst være {SHORT_MAX} tegn."),
        });
    }
    if !s.contact_email.trim().is_empty() && !s.contact_email.contains('@') {
        errors.push(FieldError {
            field: "contact_email",
            message: "Skriv en e-mailadresse med @, fx tilgaengelighed@kkr.dk.".into(),
        });
    }
    let digits = s.contact_phone.chars().filter(char::is_ascii_digit).count();
    if !s.contact_phone.trim().is_empty() && digits < 8 {
        errors.push(FieldError {
            field: "contact_phone",
            message: "Skriv et telefonnummer med mindst 8 cifre.".into(),
        });
    }
    if !COMPLIANCE.iter().any(|(c, _)| *c == s.compliance) {
        errors.push(FieldError {
            field: "compliance",
            message: "Vælg, hvor godt webstedet overholder standarden.".into(),
        });
    }
    if !METHODS.iter().any(|(c, _)| *c == s.evaluation_method) {
        errors.push(FieldError {
            field: "evaluation_method",
            message: "Vælg, hvordan webstedet er vurderet.".into(),
        });
    }
    let date = |field: &'static str, value: &str, what: &str, errors: &mut Vec<FieldError>| {
        let parsed = NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d").ok();
        if parsed.is_none() {
            errors.push(FieldError {
                field,
                message: format!("Skriv {what} som en dato, fx 2026-11-24."),
            });
        }
        parsed
    };
    let prepared = date(
        "prepared_on",
        &s.prepared_on,
        "datoen for erklæringen",
        &mut errors,
    );
    let reviewed = date(
        "reviewed_on",
        &s.reviewed_on,
        "datoen for seneste gennemgang",
        &mut errors,
    );
    if let (Some(p), Some(r)) = (prepared, reviewed) {
        if r < p {
            errors.push(FieldError {
                field: "reviewed_on",
                message: "Seneste gennemgang kan ikke ligge før erklæringen blev udarbejdet."
                    .into(),
            });
        }
    }
    errors
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

async fn save(
    state: web::Data<AppState>,
    session: Session,
    SignedIn(user): SignedIn,
    form: web::Form<EditForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    verify_csrf(&session, form.csrf_token.as_deref())?;
    admin(&user)?;
    let mut statement = form.statement;
    for value in [&mut statement.prepared_on, &mut statement.reviewed_on] {
        *value = value.trim().to_owned();
    }
    let errors = validate(&statement);
    if !errors.is_empty() {
        return render_edit(
            &state,
            &session,
            &user,
            &statement,
            &errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    let actor = user.id;
    db(&state, move |conn| {
        Ok(statement::save(conn, &statement, actor)?)
    })
    .await?;
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/tilgaengelighed?gemt=1"))
        .finish())
}

async fn contact(
    state: web::Data<AppState>,
    session: Session,
    MaybeSignedIn(user): MaybeSignedIn,
) -> Result<HttpResponse, AppError> {
    let stored = load(&state).await?;
    let mut context = base_context(&session, user.as_ref())?;
    context.insert("statement", &stored.map(|s| s.statement));
    state.pages.ok("contact.html", &context)
}

async fn privacy(
    state: web::Data<AppState>,
    session: Session,
    MaybeSignedIn(user): MaybeSignedIn,
) -> Result<HttpResponse, AppError> {
    let stored = load(&state).await?;
    let mut context = base_context(&session, user.as_ref())?;
    context.insert("statement", &stored.map(|s| s.statement));
    context.insert("session_minutes", &(state.session_idle_seconds / 60).max(1));
    state.pages.ok("privacy.html", &context)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn complete() -> Statement {
        Statement {
            organisation: "KKR Hovedstaden".into(),
            website: "https://trafiklys.example.dk".into(),
            compliance: "delvist".into(),
            nonaccessible: String::new(),
            evaluation_method: "selv".into(),
            evaluation_description: "Automatiske og manuelle test.".into(),
            evaluation_report_url: String::new(),
            contact_email: "kkr@example.dk".into(),
            contact_phone: "33 70 33 70".into(),
            prepared_on: "2026-11-24".into(),
            reviewed_on: "2026-11-24".into(),
        }
    }

    #[test]
    fn a_complete_statement_has_no_errors() {
        assert!(validate(&complete()).is_empty());
    }

    #[test]
    fn a_review_before_the_statement_was_prepared_is_refused() {
        let mut s = complete();
        s.reviewed_on = "2026-01-01".into();
        let errors = validate(&s);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].field, "reviewed_on");
    }

    #[test]
    fn both_written_and_telephone_contact_are_required() {
        let mut s = complete();
        s.contact_email = "ingen".into();
        s.contact_phone = "12".into();
        let fields: Vec<&str> = validate(&s).iter().map(|e| e.field).collect();
        assert_eq!(fields, ["contact_email", "contact_phone"]);
    }

    #[test]
    fn dates_read_in_danish() {
        assert_eq!(danish_date("2026-11-24"), "24. november 2026");
    }
}
