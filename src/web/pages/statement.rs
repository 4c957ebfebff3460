//! The pages every footer links to: the accessibility statement (tilgængelighedserklæring)
//! here, contact and the privacy notice in [`super::site_pages`]. They belong to the
//! installation, not to one KKR, and are kept by installation admins (admins with the
//! installation flag). Links on them are `https://` or `http://` addresses only.
//!
//! Routes:
//! - `GET  /tilgaengelighed` (anyone; `/was` leads there, as the Danish rules suggest)
//! - `GET`/`POST /tilgaengelighed/rediger`: installation admins (403 for anyone else)

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpResponse};
use chrono::NaiveDate;
use serde::Deserialize;

use crate::csrf_protected;
use crate::domain::installation::{
    can_edit_installation_pages, parse_link, parse_optional_link, LinkRefusal, LINK_MAX_CHARS,
};
use crate::domain::time::danish_datetime;
use crate::domain::{Role, User};
use crate::store::statement::{self, Statement, StoredStatement};
use crate::store::users;
use crate::views::fields::{Choice, FieldError};
use crate::views::site_pages::{EditErrors, StatementDetails, StatementEditPage, StatementPage};
use crate::web::error::AppError;
use crate::web::extract::{CsrfForm, OpenPage, Page};
use crate::web::{db, AppState};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/tilgaengelighed", web::get().to(show))
        .route("/was", web::get().to(was))
        .route("/tilgaengelighed/rediger", web::get().to(edit))
        .route("/tilgaengelighed/rediger", web::post().to(save));
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
pub(super) const SHORT_MAX: usize = 300;
pub(super) const LONG_MAX: usize = 5000;

pub(super) fn label(options: &[(&str, &'static str)], code: &str) -> &'static str {
    options
        .iter()
        .find(|(c, _)| *c == code)
        .map_or("", |(_, l)| *l)
}

/// The options as radio buttons, `chosen` checked.
pub(super) fn choices(options: &[(&'static str, &'static str)], chosen: &str) -> Vec<Choice> {
    options
        .iter()
        .map(|&(code, label)| Choice::new(code, label, code == chosen))
        .collect()
}

/// Whether the user may edit the installation's pages (an admin with the installation flag).
pub(super) async fn may_edit(
    state: &web::Data<AppState>,
    user: Option<&User>,
) -> Result<bool, AppError> {
    let Some(user) = user.filter(|u| u.role == Role::Admin) else {
        return Ok(false);
    };
    let id = user.id;
    let flagged = db(state, move |conn| {
        Ok(users::is_installation_admin(conn, id)?)
    })
    .await?;
    Ok(can_edit_installation_pages(user, flagged))
}

/// 403 unless the page's user is an installation admin.
pub(super) async fn installation_admin(page: &Page) -> Result<(), AppError> {
    if may_edit(&page.state, Some(&page.user)).await? {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// The Danish message for a refused link.
pub(super) fn link_message(refusal: LinkRefusal) -> String {
    match refusal {
        LinkRefusal::NotWeb => {
            "Skriv en webadresse, der begynder med https:// eller http://, fx https://kkr.dk/rapport."
                .to_owned()
        }
        LinkRefusal::Malformed => "Adressen kan ikke bruges som link: skriv den uden mellemrum, \
            anførselstegn og vinkelparenteser, fx https://kkr.dk/rapport."
            .to_owned(),
        LinkRefusal::TooLong => format!("Linket må højst være {LINK_MAX_CHARS} tegn."),
    }
}

/// `2026-11-24` as "24. november 2026".
pub(super) fn danish_date(iso: &str) -> String {
    match NaiveDate::parse_from_str(iso, "%Y-%m-%d") {
        Ok(d) => crate::domain::time::danish_day(d),
        Err(_) => iso.to_owned(),
    }
}

async fn load(state: &web::Data<AppState>) -> Result<Option<statement::StoredStatement>, AppError> {
    db(state, |conn| Ok(statement::get(conn)?)).await
}

/// What the statement page shows of a stored statement.
fn statement_details(stored: &StoredStatement) -> StatementDetails {
    let s = &stored.statement;
    StatementDetails {
        // Only a web address becomes a link, also if one was stored before links were checked.
        report_link: parse_optional_link(&s.evaluation_report_url).ok().flatten(),
        compliance_label: label(COMPLIANCE, &s.compliance),
        method_label: label(METHODS, &s.evaluation_method),
        prepared: danish_date(&s.prepared_on),
        reviewed: danish_date(&s.reviewed_on),
        updated: danish_datetime(stored.updated_at),
        nonaccessible: s
            .nonaccessible
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect(),
    }
}

async fn show(page: OpenPage) -> Result<HttpResponse, AppError> {
    let stored = load(&page.state).await?;
    let model = StatementPage {
        can_edit: may_edit(&page.state, page.user.as_ref()).await?,
        saved: false,
        details: stored.as_ref().map(statement_details),
        statement: stored.map(|s| s.statement),
    };
    page.render("statement.html", &model)
}

async fn was() -> HttpResponse {
    HttpResponse::Found()
        .insert_header((header::LOCATION, "/tilgaengelighed"))
        .finish()
}

fn render_edit(
    page: &Page,
    statement: &Statement,
    errors: Vec<FieldError>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let model = StatementEditPage {
        statement,
        errors: EditErrors::new(errors),
        compliance_choices: choices(COMPLIANCE, &statement.compliance),
        method_choices: choices(METHODS, &statement.evaluation_method),
    };
    page.render_status(status, "statement_edit.html", &model)
}

async fn edit(page: Page) -> Result<HttpResponse, AppError> {
    installation_admin(&page).await?;
    let statement = match load(&page.state).await? {
        Some(stored) => stored.statement,
        None => Statement {
            organisation: page.state.pages.site_name().to_owned(),
            compliance: "delvist".into(),
            evaluation_method: "selv".into(),
            ..Statement::default()
        },
    };
    render_edit(&page, &statement, Vec::new(), StatusCode::OK)
}

#[derive(Debug, Deserialize)]
pub struct EditForm {
    csrf_token: Option<String>,
    #[serde(flatten)]
    statement: Statement,
}

csrf_protected!(EditForm);

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
    if !s.website.trim().is_empty() {
        if let Err(refusal) = parse_link(&s.website) {
            errors.push(FieldError {
                field: "website",
                message: link_message(refusal),
            });
        }
    }
    if let Err(refusal) = parse_optional_link(&s.evaluation_report_url) {
        errors.push(FieldError {
            field: "evaluation_report_url",
            message: link_message(refusal),
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

pub(super) fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

async fn save(page: Page, form: CsrfForm<EditForm>) -> Result<HttpResponse, AppError> {
    let now = page.state.clock.now();
    installation_admin(&page).await?;
    let mut statement = form.into_inner().statement;
    for value in [&mut statement.prepared_on, &mut statement.reviewed_on] {
        *value = value.trim().to_owned();
    }
    let errors = validate(&statement);
    if !errors.is_empty() {
        return render_edit(&page, &statement, errors, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let actor = page.user.id;
    db(&page.state, move |conn| {
        Ok(statement::save(conn, &statement, actor, now)?)
    })
    .await?;
    Ok(see_other("/tilgaengelighed?gemt=1"))
}

pub(super) fn see_other(to: &'static str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, to))
        .finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::site_pages::Contact;
    use crate::web::pages::site_pages::validate_contact;

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
    fn a_script_or_data_link_is_refused_at_its_field() {
        let mut s = complete();
        s.evaluation_report_url = "javascript:alert(document.cookie)".into();
        s.website = "data:text/html,x".into();
        let errors = validate(&s);
        let fields: Vec<&str> = errors.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["website", "evaluation_report_url"]);
        assert!(errors[1].message.contains("https://"));
        let contact = Contact {
            organisation: "KKR".into(),
            email: "kkr@example.dk".into(),
            phone: "33 70 33 70".into(),
            link: "JAVASCRIPT:x".into(),
            ..Contact::default()
        };
        let fields: Vec<&str> = validate_contact(&contact).iter().map(|e| e.field).collect();
        assert_eq!(fields, ["link"]);
    }

    #[test]
    fn dates_read_in_danish() {
        assert_eq!(danish_date("2026-11-24"), "24. november 2026");
    }
}
