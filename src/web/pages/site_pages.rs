//! The contact page and the privacy notice, kept by installation admins like the
//! accessibility statement ([`super::statement`]).
//!
//! Routes:
//! - `GET  /kontakt`, `GET /privatliv` (anyone)
//! - `GET`/`POST /kontakt/rediger`, `/privatliv/rediger`: installation admins (403 for anyone
//!   else)

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};

use super::statement::{
    capitalise, installation_admin, link_message, may_edit, see_other, LONG_MAX, SHORT_MAX,
};
use crate::csrf_protected;
use crate::domain::installation::parse_optional_link;
use crate::store::site_pages::{self, Contact, Privacy};
use crate::store::statement::{self, Statement};
use crate::views::fields::FieldError;
use crate::views::site_pages::{ContactPage, EditErrors, PrivacyPage, SiteEditPage};
use crate::web::db;
use crate::web::error::AppError;
use crate::web::extract::{CsrfForm, OpenPage, Page};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/kontakt", web::get().to(contact))
        .route("/kontakt/rediger", web::get().to(contact_edit))
        .route("/kontakt/rediger", web::post().to(contact_save))
        .route("/privatliv", web::get().to(privacy))
        .route("/privatliv/rediger", web::get().to(privacy_edit))
        .route("/privatliv/rediger", web::post().to(privacy_save));
}

fn non_empty(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

/// The contact page from the installation's own contact page, else the accessibility
/// statement's contact, else the site's name.
pub(crate) fn contact_page(
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

pub(super) fn validate_contact(c: &Contact) -> Vec<FieldError> {
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

csrf_protected!(ContactForm, PrivacyForm);
