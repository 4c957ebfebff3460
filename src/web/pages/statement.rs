//! The pages every footer links to: the accessibility statement (tilgængelighedserklæring),
//! contact and the privacy notice. They belong to the installation, not to one KKR, and are
//! kept by installation admins (admins with the installation flag). Links on them are
//! `https://` or `http://` addresses only.
//!
//! Routes:
//! - `GET  /tilgaengelighed` (anyone; `/was` leads there, as the Danish rules suggest)
//! - `GET  /kontakt`, `GET /privatliv` (anyone)
//! - `GET`/`POST /tilgaengelighed/rediger`, `/kontakt/rediger`, `/privatliv/rediger`:
//!   installation admins (403 for anyone else)

use actix_session::Session;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpResponse};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::domain::installation::{
    can_edit_installation_pages, parse_link, parse_optional_link, LinkRefusal, LINK_MAX_CHARS,
};
use crate::domain::time::danish_datetime;
use crate::domain::{Role, User};
use crate::store::site_pages::{self, Contact, Privacy};
use crate::store::statement::{self, Statement};
use crate::store::users;
use crate::web::error::AppError;
use crate::web::infra::templates::base_context;
use crate::web::session::verify_csrf;
use crate::web::session::{MaybeSignedIn, SignedIn};
use crate::web::{db, AppState};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/tilgaengelighed", web::get().to(show))
        .route("/was", web::get().to(was))
        .route("/tilgaengelighed/rediger", web::get().to(edit))
        .route("/tilgaengelighed/rediger", web::post().to(save))
        .route("/kontakt", web::get().to(contact))
        .route("/kontakt/rediger", web::get().to(contact_edit))
        .route("/kontakt/rediger", web::post().to(contact_save))
        .route("/privatliv", web::get().to(privacy))
        .route("/privatliv/rediger", web::get().to(privacy_edit))
        .route("/privatliv/rediger", web::post().to(privacy_save));
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

/// Whether the user may edit the installation's pages (an admin with the installation flag).
async fn may_edit(state: &web::Data<AppState>, user: Option<&User>) -> Result<bool, AppError> {
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

/// 403 unless the user is an installation admin.
async fn installation_admin(state: &web::Data<AppState>, user: &User) -> Result<(), AppError> {
    if may_edit(state, Some(user)).await? {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// The Danish message for a refused link.
fn link_message(refusal: LinkRefusal) -> String {
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
    context.insert("can_edit", &may_edit(&state, user.as_ref()).await?);
    context.insert("saved", &false);
    if let Some(stored) = &stored {
        let s = &stored.statement;
        context.insert("statement", s);
        // Only a web address becomes a link, also if one was stored before links were checked.
        context.insert(
            "report_link",
            &parse_optional_link(&s.evaluation_report_url).ok().flatten(),
        );
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
    installation_admin(&state, &user).await?;
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
    let now = state.clock.now();
    let form = form.into_inner();
    verify_csrf(&session, form.csrf_token.as_deref())?;
    installation_admin(&state, &user).await?;
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
        Ok(statement::save(conn, &statement, actor, now)?)
    })
    .await?;
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/tilgaengelighed?gemt=1"))
        .finish())
}

/// The contact page as shown: the installation's own contact page, else the accessibility
/// statement's contact, else the site's name.
#[derive(Debug, Serialize)]
struct ContactView {
    can_edit: bool,
    organisation: String,
    email: Option<String>,
    phone: Option<String>,
    address: Option<String>,
    hours: Option<String>,
    link: Option<String>,
}

fn non_empty(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

async fn contact(
    state: web::Data<AppState>,
    session: Session,
    MaybeSignedIn(user): MaybeSignedIn,
) -> Result<HttpResponse, AppError> {
    let (own, statement) = db(&state, |conn| {
        Ok((site_pages::contact(conn)?, statement::get(conn)?))
    })
    .await?;
    let view = match (own, statement) {
        (Some(own), _) => {
            let c = own.content;
            ContactView {
                can_edit: false,
                organisation: c.organisation,
                email: non_empty(&c.email),
                phone: non_empty(&c.phone),
                address: non_empty(&c.address),
                hours: non_empty(&c.hours),
                link: parse_optional_link(&c.link).ok().flatten(),
            }
        }
        (None, Some(st)) => ContactView {
            can_edit: false,
            organisation: st.statement.organisation,
            email: non_empty(&st.statement.contact_email),
            phone: non_empty(&st.statement.contact_phone),
            address: None,
            hours: None,
            link: None,
        },
        (None, None) => ContactView {
            can_edit: false,
            organisation: state.pages.site_name().to_owned(),
            email: None,
            phone: None,
            address: None,
            hours: None,
            link: None,
        },
    };
    let view = ContactView {
        can_edit: may_edit(&state, user.as_ref()).await?,
        ..view
    };
    let mut context = base_context(&session, user.as_ref())?;
    context.extend(tera::Context::from_serialize(&view)?);
    state.pages.ok("contact.html", &context)
}

/// The privacy notice as shown: the installation's own text where written, the statement's
/// organisation and contact otherwise.
#[derive(Debug, Serialize)]
struct PrivacyView {
    can_edit: bool,
    controller: String,
    email: Option<String>,
    phone: Option<String>,
    dpo_email: Option<String>,
    retention: Option<String>,
    link: Option<String>,
    session_minutes: i64,
}

async fn privacy(
    state: web::Data<AppState>,
    session: Session,
    MaybeSignedIn(user): MaybeSignedIn,
) -> Result<HttpResponse, AppError> {
    let (own, statement) = db(&state, |conn| {
        Ok((site_pages::privacy(conn)?, statement::get(conn)?))
    })
    .await?;
    let session_minutes = (state.session_idle_seconds / 60).max(1);
    let can_edit = may_edit(&state, user.as_ref()).await?;
    let view = match (own, statement) {
        (Some(own), _) => {
            let p = own.content;
            PrivacyView {
                can_edit,
                controller: p.controller,
                email: non_empty(&p.email),
                phone: non_empty(&p.phone),
                dpo_email: non_empty(&p.dpo_email),
                retention: non_empty(&p.retention),
                link: parse_optional_link(&p.link).ok().flatten(),
                session_minutes,
            }
        }
        (None, Some(st)) => PrivacyView {
            can_edit,
            controller: st.statement.organisation,
            email: non_empty(&st.statement.contact_email),
            phone: non_empty(&st.statement.contact_phone),
            dpo_email: None,
            retention: None,
            link: None,
            session_minutes,
        },
        (None, None) => PrivacyView {
            can_edit,
            controller: state.pages.site_name().to_owned(),
            email: None,
            phone: None,
            dpo_email: None,
            retention: None,
            link: None,
            session_minutes,
        },
    };
    let mut context = base_context(&session, user.as_ref())?;
    context.extend(tera::Context::from_serialize(&view)?);
    state.pages.ok("privacy.html", &context)
}

/// An edit page of the contact page or the privacy notice: the fields as typed, and the
/// errors, each linked from the summary to its field.
#[derive(Debug, Serialize)]
struct EditView<'a, T: Serialize> {
    page: &'a T,
    errors: &'a [FieldError],
    field_errors: std::collections::BTreeMap<&'static str, &'a str>,
}

fn render_page_edit<T: Serialize>(
    state: &AppState,
    session: &Session,
    user: &User,
    template: &str,
    page: &T,
    errors: &[FieldError],
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let view = EditView {
        page,
        errors,
        field_errors: errors
            .iter()
            .map(|e| (e.field, e.message.as_str()))
            .collect(),
    };
    let mut context = base_context(session, Some(user))?;
    context.extend(tera::Context::from_serialize(&view)?);
    state.pages.respond(status, template, &context)
}

/// A required text: present and at most `max` characters.
fn required(
    errors: &mut Vec<FieldError>,
    field: &'static str,
    value: &str,
    what: &str,
    max: usize,
) {
    if value.trim().is_empty() {
        errors.push(FieldError {
            field,
            message: format!("Skriv {what}."),
        });
    } else {
        at_most(errors, field, value, what, max);
    }
}

fn at_most(errors: &mut Vec<FieldError>, field: &'static str, value: &str, what: &str, max: usize) {
    if value.chars().count() > max {
        errors.push(FieldError {
            field,
            message: format!("{} må højst være {max} tegn.", capitalise(what)),
        });
    }
}

fn email_field(errors: &mut Vec<FieldError>, field: &'static str, value: &str) {
    if !value.trim().is_empty() {
        if let Err(e) = crate::domain::account::EmailAddress::parse(value) {
            errors.push(FieldError {
                field,
                message: e.to_string(),
            });
        }
    }
}

fn link_field(errors: &mut Vec<FieldError>, field: &'static str, value: &str) {
    if let Err(refusal) = parse_optional_link(value) {
        errors.push(FieldError {
            field,
            message: link_message(refusal),
        });
    }
}

fn validate_contact(c: &Contact) -> Vec<FieldError> {
    let mut errors = Vec::new();
    required(
        &mut errors,
        "organisation",
        &c.organisation,
        "organisationens navn",
        SHORT_MAX,
    );
    required(
        &mut errors,
        "email",
        &c.email,
        "en e-mailadresse",
        SHORT_MAX,
    );
    email_field(&mut errors, "email", &c.email);
    required(
        &mut errors,
        "phone",
        &c.phone,
        "et telefonnummer",
        SHORT_MAX,
    );
    at_most(&mut errors, "address", &c.address, "adressen", SHORT_MAX);
    at_most(&mut errors, "hours", &c.hours, "åbningstiden", SHORT_MAX);
    link_field(&mut errors, "link", &c.link);
    errors
}

fn validate_privacy(p: &Privacy) -> Vec<FieldError> {
    let mut errors = Vec::new();
    required(
        &mut errors,
        "controller",
        &p.controller,
        "den dataansvarliges navn",
        SHORT_MAX,
    );
    required(
        &mut errors,
        "email",
        &p.email,
        "en e-mailadresse",
        SHORT_MAX,
    );
    email_field(&mut errors, "email", &p.email);
    at_most(&mut errors, "phone", &p.phone, "telefonnummeret", SHORT_MAX);
    email_field(&mut errors, "dpo_email", &p.dpo_email);
    required(
        &mut errors,
        "retention",
        &p.retention,
        "hvor længe oplysningerne gemmes",
        LONG_MAX,
    );
    link_field(&mut errors, "link", &p.link);
    errors
}

async fn contact_edit(
    state: web::Data<AppState>,
    session: Session,
    SignedIn(user): SignedIn,
) -> Result<HttpResponse, AppError> {
    installation_admin(&state, &user).await?;
    let (own, statement) = db(&state, |conn| {
        Ok((site_pages::contact(conn)?, statement::get(conn)?))
    })
    .await?;
    let page = match (own, statement) {
        (Some(own), _) => own.content,
        (None, Some(st)) => Contact {
            organisation: st.statement.organisation,
            email: st.statement.contact_email,
            phone: st.statement.contact_phone,
            ..Contact::default()
        },
        (None, None) => Contact {
            organisation: state.pages.site_name().to_owned(),
            ..Contact::default()
        },
    };
    render_page_edit(
        &state,
        &session,
        &user,
        "contact_edit.html",
        &page,
        &[],
        StatusCode::OK,
    )
}

#[derive(Debug, Deserialize)]
struct ContactForm {
    csrf_token: Option<String>,
    #[serde(flatten)]
    page: Contact,
}

async fn contact_save(
    state: web::Data<AppState>,
    session: Session,
    SignedIn(user): SignedIn,
    form: web::Form<ContactForm>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    let form = form.into_inner();
    verify_csrf(&session, form.csrf_token.as_deref())?;
    installation_admin(&state, &user).await?;
    let mut page = form.page;
    page.link = page.link.trim().to_owned();
    let errors = validate_contact(&page);
    if !errors.is_empty() {
        return render_page_edit(
            &state,
            &session,
            &user,
            "contact_edit.html",
            &page,
            &errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    let actor = user.id;
    db(&state, move |conn| {
        Ok(site_pages::save_contact(conn, &page, actor, now)?)
    })
    .await?;
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/kontakt"))
        .finish())
}

async fn privacy_edit(
    state: web::Data<AppState>,
    session: Session,
    SignedIn(user): SignedIn,
) -> Result<HttpResponse, AppError> {
    installation_admin(&state, &user).await?;
    let (own, statement) = db(&state, |conn| {
        Ok((site_pages::privacy(conn)?, statement::get(conn)?))
    })
    .await?;
    let page = match (own, statement) {
        (Some(own), _) => own.content,
        (None, Some(st)) => Privacy {
            controller: st.statement.organisation,
            email: st.statement.contact_email,
            phone: st.statement.contact_phone,
            ..Privacy::default()
        },
        (None, None) => Privacy {
            controller: state.pages.site_name().to_owned(),
            ..Privacy::default()
        },
    };
    render_page_edit(
        &state,
        &session,
        &user,
        "privacy_edit.html",
        &page,
        &[],
        StatusCode::OK,
    )
}

#[derive(Debug, Deserialize)]
struct PrivacyForm {
    csrf_token: Option<String>,
    #[serde(flatten)]
    page: Privacy,
}

async fn privacy_save(
    state: web::Data<AppState>,
    session: Session,
    SignedIn(user): SignedIn,
    form: web::Form<PrivacyForm>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    let form = form.into_inner();
    verify_csrf(&session, form.csrf_token.as_deref())?;
    installation_admin(&state, &user).await?;
    let mut page = form.page;
    page.link = page.link.trim().to_owned();
    let errors = validate_privacy(&page);
    if !errors.is_empty() {
        return render_page_edit(
            &state,
            &session,
            &user,
            "privacy_edit.html",
            &page,
            &errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    let actor = user.id;
    db(&state, move |conn| {
        Ok(site_pages::save_privacy(conn, &page, actor, now)?)
    })
    .await?;
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/privatliv"))
        .finish())
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
