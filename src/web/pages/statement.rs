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

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpResponse};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::csrf_protected;
use crate::domain::installation::{
    can_edit_installation_pages, parse_link, parse_optional_link, LinkRefusal, LINK_MAX_CHARS,
};
use crate::domain::time::danish_datetime;
use crate::domain::{Role, User};
use crate::store::site_pages::{self, Contact, Privacy};
use crate::store::statement::{self, Statement, StoredStatement};
use crate::store::users;
use crate::views::fields::{Choice, FieldError};
use crate::views::site_pages::{
    ContactPage, EditErrors, PrivacyPage, SiteEditPage, StatementDetails, StatementEditPage,
    StatementPage,
};
use crate::web::error::AppError;
use crate::web::extract::{CsrfForm, OpenPage, Page};
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

/// The options as radio buttons, `chosen` checked.
fn choices(options: &[(&'static str, &'static str)], chosen: &str) -> Vec<Choice> {
    options
        .iter()
        .map(|&(code, label)| Choice::new(code, label, code == chosen))
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

/// 403 unless the page's user is an installation admin.
async fn installation_admin(page: &Page) -> Result<(), AppError> {
    if may_edit(&page.state, Some(&page.user)).await? {
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

fn see_other(to: &'static str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, to))
        .finish()
}

fn non_empty(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

/// The contact page from the installation's own contact page, else the accessibility
/// statement's contact, else the site's name.
fn contact_page(
    own: Option<Contact>,
    statement: Option<Statement>,
    site_name: &str,
    can_edit: bool,
) -> ContactPage {
    let page = match (own, statement) {
        (Some(c), _) => ContactPage {
            organisation: c.organisation,
            email: non_empty(&c.email),
            phone: non_empty(&c.phone),
            address: non_empty(&c.address),
            hours: non_empty(&c.hours),
            link: parse_optional_link(&c.link).ok().flatten(),
            ..ContactPage::default()
        },
        (None, Some(st)) => ContactPage {
            organisation: st.organisation,
            email: non_empty(&st.contact_email),
            phone: non_empty(&st.contact_phone),
            ..ContactPage::default()
        },
        (None, None) => ContactPage {
            organisation: site_name.to_owned(),
            ..ContactPage::default()
        },
    };
    ContactPage { can_edit, ..page }
}

async fn contact(page: OpenPage) -> Result<HttpResponse, AppError> {
    let (own, statement) = db(&page.state, |conn| {
        Ok((site_pages::contact(conn)?, statement::get(conn)?))
    })
    .await?;
    let model = contact_page(
        own.map(|o| o.content),
        statement.map(|s| s.statement),
        page.state.pages.site_name(),
        may_edit(&page.state, page.user.as_ref()).await?,
    );
    page.render("contact.html", &model)
}

/// The privacy notice from the installation's own text where written, the statement's
/// organisation and contact otherwise.
fn privacy_page(
    own: Option<Privacy>,
    statement: Option<Statement>,
    site_name: &str,
    can_edit: bool,
    session_minutes: i64,
) -> PrivacyPage {
    let page = match (own, statement) {
        (Some(p), _) => PrivacyPage {
            controller: p.controller,
            email: non_empty(&p.email),
            phone: non_empty(&p.phone),
            dpo_email: non_empty(&p.dpo_email),
            retention: non_empty(&p.retention),
            link: parse_optional_link(&p.link).ok().flatten(),
            ..PrivacyPage::default()
        },
        (None, Some(st)) => PrivacyPage {
            controller: st.organisation,
            email: non_empty(&st.contact_email),
            phone: non_empty(&st.contact_phone),
            ..PrivacyPage::default()
        },
        (None, None) => PrivacyPage {
            controller: site_name.to_owned(),
            ..PrivacyPage::default()
        },
    };
    PrivacyPage {
        can_edit,
        session_minutes,
        ..page
    }
}

async fn privacy(page: OpenPage) -> Result<HttpResponse, AppError> {
    let (own, statement) = db(&page.state, |conn| {
        Ok((site_pages::privacy(conn)?, statement::get(conn)?))
    })
    .await?;
    let model = privacy_page(
        own.map(|o| o.content),
        statement.map(|s| s.statement),
        page.state.pages.site_name(),
        may_edit(&page.state, page.user.as_ref()).await?,
        (page.state.session_idle_seconds / 60).max(1),
    );
    page.render("privacy.html", &model)
}

fn render_page_edit<T: Serialize>(
    page: &Page,
    template: &str,
    text: &T,
    errors: Vec<FieldError>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let model = SiteEditPage {
        page: text,
        errors: EditErrors::new(errors),
    };
    page.render_status(status, template, &model)
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

async fn contact_edit(page: Page) -> Result<HttpResponse, AppError> {
    installation_admin(&page).await?;
    let (own, statement) = db(&page.state, |conn| {
        Ok((site_pages::contact(conn)?, statement::get(conn)?))
    })
    .await?;
    let text = match (own, statement) {
        (Some(own), _) => own.content,
        (None, Some(st)) => Contact {
            organisation: st.statement.organisation,
            email: st.statement.contact_email,
            phone: st.statement.contact_phone,
            ..Contact::default()
        },
        (None, None) => Contact {
            organisation: page.state.pages.site_name().to_owned(),
            ..Contact::default()
        },
    };
    render_page_edit(
        &page,
        "contact_edit.html",
        &text,
        Vec::new(),
        StatusCode::OK,
    )
}

#[derive(Debug, Deserialize)]
pub struct ContactForm {
    csrf_token: Option<String>,
    #[serde(flatten)]
    page: Contact,
}

async fn contact_save(page: Page, form: CsrfForm<ContactForm>) -> Result<HttpResponse, AppError> {
    let now = page.state.clock.now();
    installation_admin(&page).await?;
    let mut text = form.into_inner().page;
    text.link = text.link.trim().to_owned();
    let errors = validate_contact(&text);
    if !errors.is_empty() {
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return render_page_edit(&page, "contact_edit.html", &text, errors, status);
    }
    let actor = page.user.id;
    db(&page.state, move |conn| {
        Ok(site_pages::save_contact(conn, &text, actor, now)?)
    })
    .await?;
    Ok(see_other("/kontakt"))
}

async fn privacy_edit(page: Page) -> Result<HttpResponse, AppError> {
    installation_admin(&page).await?;
    let (own, statement) = db(&page.state, |conn| {
        Ok((site_pages::privacy(conn)?, statement::get(conn)?))
    })
    .await?;
    let text = match (own, statement) {
        (Some(own), _) => own.content,
        (None, Some(st)) => Privacy {
            controller: st.statement.organisation,
            email: st.statement.contact_email,
            phone: st.statement.contact_phone,
            ..Privacy::default()
        },
        (None, None) => Privacy {
            controller: page.state.pages.site_name().to_owned(),
            ..Privacy::default()
        },
    };
    render_page_edit(
        &page,
        "privacy_edit.html",
        &text,
        Vec::new(),
        StatusCode::OK,
    )
}

#[derive(Debug, Deserialize)]
pub struct PrivacyForm {
    csrf_token: Option<String>,
    #[serde(flatten)]
    page: Privacy,
}

async fn privacy_save(page: Page, form: CsrfForm<PrivacyForm>) -> Result<HttpResponse, AppError> {
    let now = page.state.clock.now();
    installation_admin(&page).await?;
    let mut text = form.into_inner().page;
    text.link = text.link.trim().to_owned();
    let errors = validate_privacy(&text);
    if !errors.is_empty() {
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return render_page_edit(&page, "privacy_edit.html", &text, errors, status);
    }
    let actor = page.user.id;
    db(&page.state, move |conn| {
        Ok(site_pages::save_privacy(conn, &text, actor, now)?)
    })
    .await?;
    Ok(see_other("/privatliv"))
}

csrf_protected!(EditForm, ContactForm, PrivacyForm);

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
