//! Page rendering: the tera templates (compiled into the binary, with an override folder),
//! the context every page shares, and the CSRF token that every form carries.

use std::path::Path;

use actix_session::Session;
use actix_web::HttpResponse;
use serde::Serialize;
use tera::{Context, Tera};

use crate::domain::User;
use crate::web::error::AppError;

const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../../../templates/base.html")),
    (
        "components.html",
        include_str!("../../../templates/components.html"),
    ),
    (
        "trend_table.html",
        include_str!("../../../templates/trend_table.html"),
    ),
    (
        "account.html",
        include_str!("../../../templates/account.html"),
    ),
    ("home.html", include_str!("../../../templates/home.html")),
    ("login.html", include_str!("../../../templates/login.html")),
    (
        "sso_refused.html",
        include_str!("../../../templates/sso_refused.html"),
    ),
    (
        "totp_code.html",
        include_str!("../../../templates/totp_code.html"),
    ),
    (
        "totp_enrol.html",
        include_str!("../../../templates/totp_enrol.html"),
    ),
    (
        "totp_recovery.html",
        include_str!("../../../templates/totp_recovery.html"),
    ),
    (
        "password_forgotten.html",
        include_str!("../../../templates/password_forgotten.html"),
    ),
    (
        "dashboard.html",
        include_str!("../../../templates/dashboard.html"),
    ),
    ("form.html", include_str!("../../../templates/form.html")),
    (
        "clusters.html",
        include_str!("../../../templates/clusters.html"),
    ),
    (
        "expectations.html",
        include_str!("../../../templates/expectations.html"),
    ),
    (
        "form_unsaved.html",
        include_str!("../../../templates/form_unsaved.html"),
    ),
    (
        "history.html",
        include_str!("../../../templates/history.html"),
    ),
    (
        "heatmap.html",
        include_str!("../../../templates/heatmap.html"),
    ),
    (
        "recommendation.html",
        include_str!("../../../templates/recommendation.html"),
    ),
    (
        "municipality.html",
        include_str!("../../../templates/municipality.html"),
    ),
    (
        "snapshot_changes.html",
        include_str!("../../../templates/snapshot_changes.html"),
    ),
    (
        "agenda_form.html",
        include_str!("../../../templates/agenda_form.html"),
    ),
    (
        "national.html",
        include_str!("../../../templates/national.html"),
    ),
    (
        "users_list.html",
        include_str!("../../../templates/users_list.html"),
    ),
    (
        "users_import.html",
        include_str!("../../../templates/users_import.html"),
    ),
    (
        "users_new.html",
        include_str!("../../../templates/users_new.html"),
    ),
    (
        "users_link.html",
        include_str!("../../../templates/users_link.html"),
    ),
    (
        "users_show.html",
        include_str!("../../../templates/users_show.html"),
    ),
    (
        "users_invitation.html",
        include_str!("../../../templates/users_invitation.html"),
    ),
    (
        "groups_list.html",
        include_str!("../../../templates/groups_list.html"),
    ),
    (
        "groups_selector.html",
        include_str!("../../../templates/groups_selector.html"),
    ),
    (
        "groups_fields.html",
        include_str!("../../../templates/groups_fields.html"),
    ),
    (
        "groups_edit.html",
        include_str!("../../../templates/groups_edit.html"),
    ),
    (
        "reminders_tracker.html",
        include_str!("../../../templates/reminders_tracker.html"),
    ),
    (
        "reminders.html",
        include_str!("../../../templates/reminders.html"),
    ),
    (
        "admin_problems.html",
        include_str!("../../../templates/admin_problems.html"),
    ),
    (
        "admin_rounds.html",
        include_str!("../../../templates/admin_rounds.html"),
    ),
    (
        "admin_round_new.html",
        include_str!("../../../templates/admin_round_new.html"),
    ),
    (
        "admin_round.html",
        include_str!("../../../templates/admin_round.html"),
    ),
    (
        "admin_confirm.html",
        include_str!("../../../templates/admin_confirm.html"),
    ),
    (
        "admin_round_confirm_deadline.html",
        include_str!("../../../templates/admin_round_confirm_deadline.html"),
    ),
    (
        "admin_set_confirm.html",
        include_str!("../../../templates/admin_set_confirm.html"),
    ),
    (
        "admin_set.html",
        include_str!("../../../templates/admin_set.html"),
    ),
    (
        "admin_recommendation.html",
        include_str!("../../../templates/admin_recommendation.html"),
    ),
    (
        "admin_proposals.html",
        include_str!("../../../templates/admin_proposals.html"),
    ),
    (
        "admin_import.html",
        include_str!("../../../templates/admin_import.html"),
    ),
    (
        "admin_municipalities.html",
        include_str!("../../../templates/admin_municipalities.html"),
    ),
    (
        "public_round.html",
        include_str!("../../../templates/public_round.html"),
    ),
    (
        "statement.html",
        include_str!("../../../templates/statement.html"),
    ),
    (
        "statement_edit.html",
        include_str!("../../../templates/statement_edit.html"),
    ),
    (
        "contact.html",
        include_str!("../../../templates/contact.html"),
    ),
    (
        "privacy.html",
        include_str!("../../../templates/privacy.html"),
    ),
    (
        "contact_edit.html",
        include_str!("../../../templates/contact_edit.html"),
    ),
    (
        "privacy_edit.html",
        include_str!("../../../templates/privacy_edit.html"),
    ),
];

/// Who runs the installation, named in every page's header and footer when
/// `TRAFIKLYS_SITE_NAME` is not set.
pub const DEFAULT_SITE_NAME: &str = "Kommunekontaktrådene (KKR)";

/// The page templates.
pub struct Pages {
    tera: Tera,
    site_name: String,
    /// Seconds a signed-in page can count on before the idle timeout: the warning's clock.
    session_idle_seconds: i64,
}

impl Pages {
    /// Loads the built-in templates; a file of the same name in `override_dir` replaces one.
    pub fn new(override_dir: Option<&Path>) -> Result<Pages, crate::web::StartError> {
        let mut sources = Vec::new();
        for &(name, builtin) in TEMPLATES {
            let text = match override_dir.map(|d| d.join(name)) {
                Some(path) if path.is_file() => {
                    std::fs::read_to_string(&path).map_err(|source| crate::web::StartError::Io {
                        path: path.display().to_string(),
                        source,
                    })?
                }
                _ => builtin.to_owned(),
            };
            sources.push((name, text));
        }
        let mut tera = Tera::default();
        // `{{ share | da }}`: a number with a Danish decimal comma.
        tera.register_filter("da", |x: f64, _: tera::Kwargs, _: &tera::State| {
            crate::domain::prose::decimal(x)
        });
        tera.add_raw_templates(sources)?;
        Ok(Pages {
            tera,
            site_name: DEFAULT_SITE_NAME.to_owned(),
            session_idle_seconds: 3600,
        })
    }

    /// Names the owner (a KKR, or the installation) in the header and footer.
    pub fn with_site_name(mut self, name: Option<&str>) -> Pages {
        if let Some(name) = name.map(str::trim).filter(|n| !n.is_empty()) {
            name.clone_into(&mut self.site_name);
        }
        self
    }

    /// The idle timeout a signed-in page warns before (its seconds a page can count on).
    pub fn with_session_idle(mut self, seconds: i64) -> Pages {
        self.session_idle_seconds = seconds;
        self
    }

    pub fn site_name(&self) -> &str {
        &self.site_name
    }

    pub fn render(&self, name: &str, context: &Context) -> Result<String, AppError> {
        let mut context = context.clone();
        context.extend(Context::from_serialize(&Site {
            site_name: &self.site_name,
            session_idle_seconds: self.session_idle_seconds,
        })?);
        Ok(self.tera.render(name, &context)?)
    }

    /// A full HTML response with the given status.
    pub fn respond(
        &self,
        status: actix_web::http::StatusCode,
        name: &str,
        context: &Context,
    ) -> Result<HttpResponse, AppError> {
        let body = self.render(name, context)?;
        Ok(HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .insert_header(("Cache-Control", "no-store"))
            .body(body))
    }

    pub fn ok(&self, name: &str, context: &Context) -> Result<HttpResponse, AppError> {
        self.respond(actix_web::http::StatusCode::OK, name, context)
    }
}

/// The signed-in user as the page header shows them.
#[derive(Debug, Serialize)]
struct UserView<'a> {
    name: &'a str,
    email: &'a str,
    role: &'a str,
    role_label: &'static str,
    municipality_code: Option<&'a str>,
}

/// The context every page starts from: the user in the header and the CSRF token.
pub fn base_context(session: &Session, user: Option<&User>) -> Result<Context, AppError> {
    Ok(context_with(
        &crate::web::session::csrf_token(session)?,
        user,
    ))
}

/// The shared context with a given CSRF token (a cached page renders it as a marker).
pub fn context_with(csrf_token: &str, user: Option<&User>) -> Context {
    let shared = Shared {
        csrf_token,
        // Always present (null when anonymous), so templates can test it plainly.
        user: user.map(|user| UserView {
            name: &user.name,
            email: &user.email,
            role: user.role.as_str(),
            role_label: user.role.label_da(),
            municipality_code: user.municipality_code.as_ref().map(|c| c.as_str()),
        }),
    };
    // A struct of strings and numbers always serialises; an empty context would only hide
    // the header's user.
    Context::from_serialize(&shared).unwrap_or_default()
}

/// What every page shows of the installation: its owner's name, and the idle time the
/// session warning counts down from.
#[derive(Serialize)]
struct Site<'a> {
    site_name: &'a str,
    session_idle_seconds: i64,
}

/// What every page shows of the request: the form's CSRF token and the signed-in user.
#[derive(Serialize)]
struct Shared<'a> {
    csrf_token: &'a str,
    user: Option<UserView<'a>>,
}
