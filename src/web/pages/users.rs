//! Users of a KKR, managed by its admins, and the one-time links that let a person choose a
//! password.
//!
//! Routes and who may use them:
//! - `GET /users`, `GET /users/new`, `POST /users` (invite), `GET /users/{id}`,
//!   `POST /users/{id}/role`, `POST /users/{id}/deactivate`, `POST /users/{id}/reactivate`,
//!   `POST /users/{id}/reset`: the KKR's admins, for users of their own KKR only (others: 404).
//! - `GET /invitation/{token}`, `POST /invitation/{token}`: whoever holds the link; choosing
//!   a password signs them in.

use actix_session::Session;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};

use crate::domain::account::{parse_person_name, EmailAddress, NewPassword, Placement};
use crate::domain::time::danish_datetime;
use crate::domain::{Municipality, MunicipalityCode, Role, User};
use crate::mail;
use crate::password;
use crate::store::invitations::{self, Invitation, LinkProblem, Purpose};
use crate::store::outbox::{self, Mail, MailKind, MailState, NewMail};
use crate::store::users::{self, Account, NewUser};
use crate::store::{audit, reference};
use crate::web::error::AppError;
use crate::web::infra::templates::base_context;
use crate::web::session::verify_csrf;
use crate::web::session::{start_session, SignedIn};
use crate::web::{blocking, db, AppState};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/users", web::get().to(list))
        .route("/users", web::post().to(invite))
        .route("/users/new", web::get().to(new_form))
        .route("/users/{id}", web::get().to(show))
        .route("/users/{id}/role", web::post().to(change_role))
        .route("/users/{id}/deactivate", web::post().to(deactivate))
        .route("/users/{id}/reactivate", web::post().to(reactivate))
        .route("/users/{id}/reset", web::post().to(reset))
        .route("/users/{id}/installation", web::post().to(set_installation))
        .route("/invitation/{token}", web::get().to(invitation_page))
        .route("/invitation/{token}", web::post().to(accept_invitation));
}

/// The KKR an admin manages; anyone else may not use these pages.
pub fn admin_kkr(user: &User) -> Result<i32, AppError> {
    match (user.role, user.kkr_id) {
        (Role::Admin, Some(kkr_id)) => Ok(kkr_id),
        _ => Err(AppError::Forbidden),
    }
}

#[derive(Debug, Serialize)]
struct AccountView {
    id: i32,
    name: String,
    email: String,
    role: &'static str,
    role_label: &'static str,
    municipality_code: Option<String>,
    municipality: Option<String>,
    /// "active", "invited" or "deactivated".
    status: &'static str,
    status_label: &'static str,
    created: String,
    /// Edits the installation's pages (statement, contact, privacy).
    installation_admin: bool,
}

fn status_of(account: &Account) -> (&'static str, &'static str) {
    if !account.active {
        ("deactivated", "Deaktiveret")
    } else if !account.has_password {
        ("invited", "Inviteret, har ikke valgt adgangskode")
    } else {
        ("active", "Aktiv")
    }
}

fn account_view(account: &Account, municipalities: &[Municipality]) -> AccountView {
    let (status, status_label) = status_of(account);
    let code = account.user.municipality_code.as_ref();
    AccountView {
        id: account.user.id,
        name: account.user.name.clone(),
        email: account.user.email.clone(),
        role: account.user.role.as_str(),
        role_label: account.user.role.label_da(),
        municipality_code: code.map(|c| c.to_string()),
        municipality: code.and_then(|c| {
            municipalities
                .iter()
                .find(|m| &m.code == c)
                .map(|m| m.name.clone())
        }),
        status,
        status_label,
        created: danish_datetime(account.created_at),
        installation_admin: account.installation_admin && account.user.role == Role::Admin,
    }
}

#[derive(Debug, Serialize)]
struct Choice {
    value: String,
    label: String,
}

fn role_choices() -> Vec<Choice> {
    Role::ALL
        .iter()
        .map(|r| Choice {
            value: r.as_str().to_owned(),
            label: format!("{} ({})", r.label_da(), role_hint(*r)),
        })
        .collect()
}

fn role_hint(role: Role) -> &'static str {
    match role {
        Role::Admin => "alt i KKR'en: runder, brugere, alle svar",
        Role::Kkr => "læser KKR'ens resultater og indsendte svar",
        Role::Editor => "udfylder sin kommunes skema",
        Role::Reader => "læser og henter sin kommunes svar og bilag",
    }
}

fn municipality_choices(municipalities: &[Municipality]) -> Vec<Choice> {
    municipalities
        .iter()
        .map(|m| Choice {
            value: m.code.to_string(),
            label: format!("{} ({})", m.name, m.code),
        })
        .collect()
}

/// A field's message, for the error summary at the top of a form.
#[derive(Debug, Clone, Serialize)]
struct FieldError {
    field: &'static str,
    message: String,
}

fn message_of(errors: &[FieldError], field: &str) -> Option<String> {
    errors
        .iter()
        .find(|e| e.field == field)
        .map(|e| e.message.clone())
}

async fn kkr_municipalities(
    state: &web::Data<AppState>,
    kkr_id: i32,
) -> Result<Vec<Municipality>, AppError> {
    db(state, move |conn| {
        Ok(reference::municipalities_of_kkr(conn, kkr_id)?)
    })
    .await
}

async fn list(
    state: web::Data<AppState>,
    session: Session,
    SignedIn(user): SignedIn,
) -> Result<HttpResponse, AppError> {
    let kkr_id = admin_kkr(&user)?;
    let (accounts, municipalities) = db(&state, move |conn| {
        Ok((
            users::list_in_kkr(conn, kkr_id)?,
            reference::municipalities_of_kkr(conn, kkr_id)?,
        ))
    })
    .await?;
    let views: Vec<AccountView> = accounts
        .iter()
        .map(|a| account_view(a, &municipalities))
        .collect();
    let mut context = base_context(&session, Some(&user))?;
    context.insert("accounts", &views);
    state.pages.ok("users_list.html", &context)
}

/// What the invitation form holds, kept when it is shown again with errors.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct InviteForm {
    csrf_token: Option<String>,
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    municipality: String,
}

#[derive(Debug, Default, Serialize)]
struct InviteErrors {
    email: Option<String>,
    name: Option<String>,
    role: Option<String>,
    municipality: Option<String>,
}

async fn render_new(
    state: &web::Data<AppState>,
    session: &Session,
    user: &User,
    values: &InviteForm,
    errors: Vec<FieldError>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let kkr_id = admin_kkr(user)?;
    let municipalities = kkr_municipalities(state, kkr_id).await?;
    let mut context = base_context(session, Some(user))?;
    context.insert("values", values);
    context.insert(
        "field_errors",
        &InviteErrors {
            email: message_of(&errors, "email"),
            name: message_of(&errors, "name"),
            role: message_of(&errors, "role"),
            municipality: message_of(&errors, "municipality"),
        },
    );
    context.insert("errors", &errors);
    context.insert("roles", &role_choices());
    context.insert("municipalities", &municipality_choices(&municipalities));
    context.insert("mail_configured", &state.mailer.is_some());
    context.insert("valid_days", &invitations::VALID_DAYS);
    state.pages.respond(status, "users_new.html", &context)
}

async fn new_form(
    state: web::Data<AppState>,
    session: Session,
    SignedIn(user): SignedIn,
) -> Result<HttpResponse, AppError> {
    admin_kkr(&user)?;
    let values = InviteForm {
        role: Role::Editor.as_str().to_owned(),
        ..InviteForm::default()
    };
    render_new(&state, &session, &user, &values, Vec::new(), StatusCode::OK).await
}

/// The role and placement a form names, or the messages that say what is wrong.
fn parse_role_and_place(
    role: &str,
    municipality: &str,
    kkr_id: i32,
    municipalities: &[Municipality],
    errors: &mut Vec<FieldError>,
) -> Option<(Role, Placement)> {
    let role = match Role::parse(role) {
        Ok(role) => role,
        Err(_) => {
            errors.push(FieldError {
                field: "role",
                message: "Vælg en rolle.".into(),
            });
            return None;
        }
    };
    let code = if municipality.trim().is_empty() {
        None
    } else {
        match MunicipalityCode::parse(municipality) {
            Ok(code) => Some(code),
            Err(e) => {
                errors.push(FieldError {
                    field: "municipality",
                    message: e.to_string(),
                });
                return None;
            }
        }
    };
    match Placement::for_role(role, kkr_id, code.as_ref(), |c| {
        municipalities.iter().any(|m| &m.code == c)
    }) {
        Ok(placement) => Some((role, placement)),
        Err(e) => {
            errors.push(FieldError {
                field: "municipality",
                message: e.to_string(),
            });
            None
        }
    }
}

/// Where a one-time link went: queued for mailing, or shown to the admin to pass on.
#[derive(Debug, Serialize)]
struct LinkOutcome {
    heading: String,
    name: String,
    email: String,
    /// Shown only when the link is not mailed.
    link: Option<String>,
    /// The mail with the link is queued in the outbox.
    mailed: bool,
    expires: String,
    user_id: i32,
}

/// The mail with a one-time link, queued with the link when a mail server is set up (made
/// inside the store's transaction, which knows the link's purpose and expiry).
fn link_mail(
    state: &AppState,
    name: String,
    email: String,
    token: &str,
) -> impl FnOnce(&Invitation) -> Option<NewMail> + Send + 'static {
    let configured = state.mailer.is_some();
    let link = format!("{}/invitation/{token}", state.public_url);
    let at = state.clock.now();
    move |invitation| {
        configured.then(|| {
            let message =
                mail::invitation_mail(&name, invitation.purpose, &link, invitation.expires_at);
            NewMail {
                kind: match invitation.purpose {
                    Purpose::Invite => MailKind::Invitation,
                    Purpose::Reset => MailKind::Reset,
                },
                recipient: email,
                subject: message.subject,
                body: message.body,
                user_id: None,
                at,
            }
        })
    }
}

/// Says where a new link went: queued for mailing (and the sender woken), or to be passed on.
fn link_outcome(
    state: &AppState,
    user: &User,
    token: &str,
    invitation: &Invitation,
    heading: String,
) -> LinkOutcome {
    let mailed = state.mailer.is_some();
    if mailed {
        state.wake_outbox();
    }
    LinkOutcome {
        heading,
        name: user.name.clone(),
        email: user.email.clone(),
        link: (!mailed).then(|| format!("{}/invitation/{token}", state.public_url)),
        mailed,
        expires: danish_datetime(invitation.expires_at),
        user_id: user.id,
    }
}

/// The state of the newest mail with a link to the user, in Danish.
#[derive(Debug, Serialize)]
struct LinkMailView {
    /// "queued", "sent" or "failed".
    state: &'static str,
    text: String,
}

fn link_mail_view(mail: &Mail) -> LinkMailView {
    match &mail.state {
        MailState::Sent { at } => LinkMailView {
            state: "sent",
            text: format!("Sendt til {} {}", mail.recipient, danish_datetime(*at)),
        },
        MailState::Queued {
            attempts,
            last_error,
            next_attempt_at,
        } => LinkMailView {
            state: "queued",
            text: match last_error {
                None => format!("I kø til {}, sendes om lidt", mail.recipient),
                Some(error) => format!(
                    "I kø til {}: {attempts} forsøg er mislykkedes (sidst: {error}). Næste forsøg {}",
                    mail.recipient,
                    danish_datetime(*next_attempt_at)
                ),
            },
        },
        MailState::Failed { attempts, error } => LinkMailView {
            state: "failed",
            text: format!(
                "Ikke afleveret til {} efter {attempts} forsøg ({}). Nulstil adgangskoden igen for at lave et nyt link",
                mail.recipient,
                error.as_deref().unwrap_or("ukendt fejl")
            ),
        },
    }
}

async fn show_link(
    state: &web::Data<AppState>,
    session: &Session,
    admin: &User,
    outcome: &LinkOutcome,
) -> Result<HttpResponse, AppError> {
    let mut context = base_context(session, Some(admin))?;
    context.insert("outcome", outcome);
    state.pages.ok("users_link.html", &context)
}

async fn invite(
    state: web::Data<AppState>,
    session: Session,
    SignedIn(admin): SignedIn,
    form: web::Form<InviteForm>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    verify_csrf(&session, form.csrf_token.as_deref())?;
    let kkr_id = admin_kkr(&admin)?;
    let values = form.into_inner();
    let municipalities = kkr_municipalities(&state, kkr_id).await?;
    let mut errors = Vec::new();
    let email = match EmailAddress::parse(&values.email) {
        Ok(email) => Some(email),
        Err(e) => {
            errors.push(FieldError {
                field: "email",
                message: e.to_string(),
            });
            None
        }
    };
    let name = if values.name.trim().is_empty() {
        email.as_ref().map(|e| e.as_str().to_owned())
    } else {
        match parse_person_name(&values.name) {
            Ok(name) => Some(name),
            Err(e) => {
                errors.push(FieldError {
                    field: "name",
                    message: e.to_string(),
                });
                None
            }
        }
    };
    let role = parse_role_and_place(
        &values.role,
        &values.municipality,
        kkr_id,
        &municipalities,
        &mut errors,
    );
    if let Some(email) = &email {
        let lookup = email.as_str().to_owned();
        let exists = db(&state, move |conn| {
            Ok(users::find_account_by_email(conn, &lookup)?.is_some())
        })
        .await?;
        if exists {
            errors.push(FieldError {
                field: "email",
                message: format!(
                    "Der findes allerede en bruger med e-mailen {}.",
                    email.as_str()
                ),
            });
        }
    }
    let (Some(email), Some(name), Some((role, placement)), true) =
        (email, name, role, errors.is_empty())
    else {
        return render_new(
            &state,
            &session,
            &admin,
            &values,
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let new = NewUser {
        email: email.into_string(),
        name,
        role,
        kkr_id: placement.kkr_id(),
        municipality_code: placement.municipality_code().cloned(),
    };
    let token = invitations::new_token();
    let (stored_token, admin_id) = (token.clone(), admin.id);
    let compose = link_mail(&state, new.name.clone(), new.email.clone(), &token);
    let (user, invitation) = db(&state, move |conn| {
        Ok(invitations::invite(
            conn,
            &new,
            &stored_token,
            Some(admin_id),
            compose,
            now,
        )?)
    })
    .await?;
    tracing::info!(user = user.id, by = admin.id, "user invited");
    let outcome = link_outcome(
        &state,
        &user,
        &token,
        &invitation,
        format!("{} er inviteret", user.name),
    );
    show_link(&state, &session, &admin, &outcome).await
}

/// A user of the admin's KKR, or 404.
async fn managed_account(
    state: &web::Data<AppState>,
    admin: &User,
    id: i32,
) -> Result<Account, AppError> {
    let kkr_id = admin_kkr(admin)?;
    db(state, move |conn| Ok(users::get_account(conn, id)?))
        .await?
        .filter(|a| a.user.kkr_id == Some(kkr_id))
        .ok_or(AppError::NotFound)
}

#[derive(Debug, Serialize)]
struct HistoryView {
    at: String,
    by: Option<String>,
    action: &'static str,
}

fn action_label(event: &audit::AuditEvent) -> &'static str {
    use crate::domain::events::Event;
    match event.event() {
        Ok(Event::User(change)) => crate::views::audit::user_change_da(&change),
        Ok(
            Event::Round(_)
            | Event::Submission(_)
            | Event::ApiToken(_)
            | Event::Group(_)
            | Event::Mail(_)
            | Event::Attachment(_)
            | Event::Municipality(_)
            | Event::SitePage(_)
            | Event::AccessibilityStatement(_),
        )
        | Err(_) => "Ændret",
    }
}

#[derive(Debug, Default, Serialize)]
struct UserPageFeedback {
    errors: Vec<FieldError>,
    notice: Option<String>,
}

/// The user's page again with one refused field, as a 422: nothing was changed.
async fn refuse_on_user_page(
    state: &web::Data<AppState>,
    session: &Session,
    admin: &User,
    account: &Account,
    field: &'static str,
    message: &str,
) -> Result<HttpResponse, AppError> {
    let feedback = UserPageFeedback {
        errors: vec![FieldError {
            field,
            message: message.into(),
        }],
        notice: None,
    };
    render_user(
        state,
        session,
        admin,
        account,
        feedback,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

async fn render_user(
    state: &web::Data<AppState>,
    session: &Session,
    admin: &User,
    account: &Account,
    feedback: UserPageFeedback,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    let kkr_id = admin_kkr(admin)?;
    let id = account.user.id;
    let (municipalities, history, pending, link_mail) = db(state, move |conn| {
        Ok((
            reference::municipalities_of_kkr(conn, kkr_id)?,
            audit::history(conn, "user", &id.to_string())?,
            invitations::pending_for(conn, id, now)?,
            outbox::latest_to_user(conn, id, &[MailKind::Invitation, MailKind::Reset])?,
        ))
    })
    .await?;
    let admin_id = admin.id;
    let acting_installation_admin = db(state, move |conn| {
        Ok(users::is_installation_admin(conn, admin_id)?)
    })
    .await?;
    let mut context = base_context(session, Some(admin))?;
    context.insert("account", &account_view(account, &municipalities));
    context.insert("is_self", &(account.user.id == admin.id));
    // Another installation admin may give or take the flag of the KKR's other admins.
    context.insert(
        "can_set_installation",
        &(acting_installation_admin
            && account.user.role == Role::Admin
            && account.user.id != admin.id),
    );
    context.insert("roles", &role_choices());
    context.insert("municipalities", &municipality_choices(&municipalities));
    context.insert(
        "pending_expires",
        &pending.map(|p| danish_datetime(p.expires_at)),
    );
    context.insert("link_mail", &link_mail.as_ref().map(link_mail_view));
    context.insert(
        "history",
        &history
            .iter()
            .rev()
            .map(|e| HistoryView {
                at: danish_datetime(e.at),
                by: e.user_name.clone(),
                action: action_label(e),
            })
            .collect::<Vec<_>>(),
    );
    context.insert("role_error", &message_of(&feedback.errors, "role"));
    context.insert(
        "municipality_error",
        &message_of(&feedback.errors, "municipality"),
    );
    context.insert("confirm_error", &message_of(&feedback.errors, "confirm"));
    context.insert(
        "reset_error",
        &message_of(&feedback.errors, "reset-confirm"),
    );
    context.insert("errors", &feedback.errors);
    context.insert("notice", &feedback.notice);
    context.insert("mail_configured", &state.mailer.is_some());
    state.pages.respond(status, "users_show.html", &context)
}

async fn show(
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<i32>,
    SignedIn(admin): SignedIn,
) -> Result<HttpResponse, AppError> {
    let account = managed_account(&state, &admin, path.into_inner()).await?;
    render_user(
        &state,
        &session,
        &admin,
        &account,
        UserPageFeedback::default(),
        StatusCode::OK,
    )
    .await
}

fn back_to(id: i32) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, format!("/users/{id}")))
        .finish()
}

#[derive(Debug, Deserialize)]
pub struct RoleForm {
    csrf_token: Option<String>,
    #[serde(default)]
    role: String,
    #[serde(default)]
    municipality: String,
}

async fn change_role(
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<i32>,
    SignedIn(admin): SignedIn,
    form: web::Form<RoleForm>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    verify_csrf(&session, form.csrf_token.as_deref())?;
    let kkr_id = admin_kkr(&admin)?;
    let account = managed_account(&state, &admin, path.into_inner()).await?;
    let municipalities = kkr_municipalities(&state, kkr_id).await?;
    let mut errors = Vec::new();
    if account.user.id == admin.id {
        errors.push(FieldError {
            field: "role",
            message: "Du kan ikke ændre din egen rolle. Bed en anden fra KKR-sekretariatet om det."
                .into(),
        });
    }
    let parsed = parse_role_and_place(
        &form.role,
        &form.municipality,
        kkr_id,
        &municipalities,
        &mut errors,
    );
    let (Some((role, placement)), true) = (parsed, errors.is_empty()) else {
        let feedback = UserPageFeedback {
            errors,
            notice: None,
        };
        return render_user(
            &state,
            &session,
            &admin,
            &account,
            feedback,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let (user_id, admin_id) = (account.user.id, admin.id);
    db(&state, move |conn| {
        Ok(users::set_role(
            conn, user_id, role, &placement, admin_id, now,
        )?)
    })
    .await?;
    Ok(back_to(user_id))
}

#[derive(Debug, Deserialize)]
pub struct ConfirmForm {
    csrf_token: Option<String>,
    confirm: Option<String>,
}

async fn deactivate(
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<i32>,
    SignedIn(admin): SignedIn,
    form: web::Form<ConfirmForm>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    verify_csrf(&session, form.csrf_token.as_deref())?;
    let account = managed_account(&state, &admin, path.into_inner()).await?;
    let problem = if account.user.id == admin.id {
        Some("Du kan ikke deaktivere dig selv. Bed en anden fra KKR-sekretariatet om det.")
    } else if form.confirm.as_deref() != Some("ja") {
        Some(
            "Bekræft deaktiveringen: sæt kryds i feltet «Ja, deaktivér …» og tryk på knappen igen.",
        )
    } else {
        None
    };
    if let Some(message) = problem {
        return refuse_on_user_page(&state, &session, &admin, &account, "confirm", message).await;
    }
    let (user_id, admin_id) = (account.user.id, admin.id);
    db(&state, move |conn| {
        Ok(users::deactivate(conn, user_id, admin_id, now)?)
    })
    .await?;
    tracing::info!(user = user_id, by = admin_id, "user deactivated");
    Ok(back_to(user_id))
}

async fn reactivate(
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<i32>,
    SignedIn(admin): SignedIn,
    form: web::Form<ConfirmForm>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    verify_csrf(&session, form.csrf_token.as_deref())?;
    let account = managed_account(&state, &admin, path.into_inner()).await?;
    let (user_id, admin_id) = (account.user.id, admin.id);
    db(&state, move |conn| {
        Ok(users::reactivate(conn, user_id, admin_id, now)?)
    })
    .await?;
    Ok(back_to(user_id))
}

async fn reset(
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<i32>,
    SignedIn(admin): SignedIn,
    form: web::Form<ConfirmForm>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    verify_csrf(&session, form.csrf_token.as_deref())?;
    let account = managed_account(&state, &admin, path.into_inner()).await?;
    let problem = if !account.active {
        Some("Brugeren er deaktiveret. Aktivér brugeren igen først.")
    } else if form.confirm.as_deref() != Some("ja") {
        Some("Bekræft nulstillingen: sæt kryds i feltet «Ja, nulstil …» og tryk på knappen igen.")
    } else {
        None
    };
    if let Some(message) = problem {
        return refuse_on_user_page(&state, &session, &admin, &account, "reset-confirm", message)
            .await;
    }
    let token = invitations::new_token();
    let (stored_token, user_id, admin_id) = (token.clone(), account.user.id, admin.id);
    let compose = link_mail(
        &state,
        account.user.name.clone(),
        account.user.email.clone(),
        &token,
    );
    let invitation = db(&state, move |conn| {
        Ok(invitations::issue_reset(
            conn,
            user_id,
            &stored_token,
            Some(admin_id),
            compose,
            now,
        )?)
    })
    .await?;
    tracing::info!(user = user_id, by = admin_id, "password reset");
    let heading = match invitation.purpose {
        Purpose::Reset => format!("Adgangskoden for {} er nulstillet", account.user.name),
        Purpose::Invite => format!("{} har fået en ny invitation", account.user.name),
    };
    let outcome = link_outcome(&state, &account.user, &token, &invitation, heading);
    show_link(&state, &session, &admin, &outcome).await
}

#[derive(Debug, Deserialize)]
pub struct InstallationForm {
    csrf_token: Option<String>,
    /// "ja" gives the flag, "nej" takes it.
    grant: Option<String>,
}

/// Gives or takes another admin's installation flag: only an installation admin may, and not
/// for themselves (so the installation always keeps the one who acts).
async fn set_installation(
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<i32>,
    SignedIn(admin): SignedIn,
    form: web::Form<InstallationForm>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    verify_csrf(&session, form.csrf_token.as_deref())?;
    let account = managed_account(&state, &admin, path.into_inner()).await?;
    let admin_id = admin.id;
    let allowed = db(&state, move |conn| {
        Ok(users::is_installation_admin(conn, admin_id)?)
    })
    .await?;
    if !allowed || account.user.id == admin.id {
        return Err(AppError::Forbidden);
    }
    let on = match form.grant.as_deref() {
        Some("ja") => true,
        Some("nej") => false,
        _ => {
            return refuse_on_user_page(
                &state,
                &session,
                &admin,
                &account,
                "installation",
                "Vælg, om brugeren skal være installationsadministrator.",
            )
            .await
        }
    };
    if account.user.role != Role::Admin {
        return refuse_on_user_page(
            &state,
            &session,
            &admin,
            &account,
            "installation",
            "Kun en administrator kan være installationsadministrator. Giv brugeren rollen først.",
        )
        .await;
    }
    let user_id = account.user.id;
    db(&state, move |conn| {
        Ok(users::set_installation_admin(
            conn,
            user_id,
            on,
            Some(admin_id),
            now,
        )?)
    })
    .await?;
    Ok(back_to(user_id))
}

fn link_problem_text(problem: LinkProblem) -> &'static str {
    match problem {
        LinkProblem::Unknown => {
            "Linket findes ikke. Tjek, at du har kopieret hele linket, eller bed KKR-sekretariatet om et nyt."
        }
        LinkProblem::Used => {
            "Linket er allerede brugt. Log ind med din adgangskode, eller bed KKR-sekretariatet om et nyt link."
        }
        LinkProblem::Revoked => {
            "Linket gælder ikke længere, fordi der er lavet et nyere link, eller fordi brugeren er deaktiveret. Bed KKR-sekretariatet om et nyt."
        }
        LinkProblem::Expired => {
            "Linket er udløbet. Bed KKR-sekretariatet om et nyt link."
        }
    }
}

fn link_problem_page(
    state: &web::Data<AppState>,
    session: &Session,
    problem: LinkProblem,
) -> Result<HttpResponse, AppError> {
    let mut context = base_context(session, None)?;
    context.insert("problem", link_problem_text(problem));
    let status = match problem {
        LinkProblem::Unknown => StatusCode::NOT_FOUND,
        _ => StatusCode::GONE,
    };
    state
        .pages
        .respond(status, "users_invitation.html", &context)
}

#[derive(Debug, Default, Serialize)]
struct InvitationErrors {
    name: Option<String>,
    password: Option<String>,
    confirm: Option<String>,
}

fn render_invitation(
    state: &web::Data<AppState>,
    session: &Session,
    token: &str,
    (invitation, account): &(Invitation, Account),
    name: &str,
    errors: Vec<FieldError>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let mut context = base_context(session, None)?;
    context.insert("problem", &Option::<String>::None);
    context.insert("token", token);
    context.insert("is_reset", &(invitation.purpose == Purpose::Reset));
    context.insert("email", &account.user.email);
    context.insert("role_label", account.user.role.label_da());
    context.insert("name", name);
    context.insert("expires", &danish_datetime(invitation.expires_at));
    context.insert("password_min", &NewPassword::MIN_CHARS);
    context.insert(
        "field_errors",
        &InvitationErrors {
            name: message_of(&errors, "name"),
            password: message_of(&errors, "password"),
            confirm: message_of(&errors, "password-confirm"),
        },
    );
    context.insert("errors", &errors);
    state
        .pages
        .respond(status, "users_invitation.html", &context)
}

async fn invitation_page(
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    let token = path.into_inner();
    let lookup = token.clone();
    let found = db(&state, move |conn| {
        Ok(invitations::look_up(conn, &lookup, now)?)
    })
    .await?;
    match found {
        Err(problem) => link_problem_page(&state, &session, problem),
        Ok(found) => {
            // A name that is only the email address is no name: let the person write theirs.
            let account = &found.1;
            let name = if account.user.name == account.user.email {
                String::new()
            } else {
                account.user.name.clone()
            };
            render_invitation(
                &state,
                &session,
                &token,
                &found,
                &name,
                Vec::new(),
                StatusCode::OK,
            )
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct AcceptForm {
    csrf_token: Option<String>,
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirm: String,
}

async fn accept_invitation(
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<String>,
    form: web::Form<AcceptForm>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    verify_csrf(&session, form.csrf_token.as_deref())?;
    let token = path.into_inner();
    let lookup = token.clone();
    let found = db(&state, move |conn| {
        Ok(invitations::look_up(conn, &lookup, now)?)
    })
    .await?;
    let found = match found {
        Err(problem) => return link_problem_page(&state, &session, problem),
        Ok(found) => found,
    };
    let AcceptForm {
        name,
        password: typed,
        password_confirm,
        ..
    } = form.into_inner();
    let mut errors = Vec::new();
    let parsed_name = match parse_person_name(&name) {
        Ok(name) => Some(name),
        Err(e) => {
            errors.push(FieldError {
                field: "name",
                message: e.to_string(),
            });
            None
        }
    };
    let parsed_password = match NewPassword::parse(&typed, &password_confirm) {
        Ok(p) => Some(p),
        Err(rejection) => {
            errors.push(FieldError {
                field: rejection.field(),
                message: rejection.message(),
            });
            None
        }
    };
    let (Some(new_name), Some(new_password)) = (parsed_name, parsed_password) else {
        return render_invitation(
            &state,
            &session,
            &token,
            &found,
            &name,
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    };
    let hash =
        blocking(move || password::hash(new_password.as_str()).map_err(AppError::from)).await?;
    let accepted = db(&state, move |conn| {
        Ok(invitations::accept(conn, &token, &hash, &new_name, now)?)
    })
    .await?;
    match accepted {
        Err(problem) => link_problem_page(&state, &session, problem),
        Ok((user, generation)) => {
            start_session(&session, user.id, generation, state.clock.timestamp())?;
            tracing::info!(user = user.id, "one-time link used; signed in");
            Ok(HttpResponse::SeeOther()
                .insert_header((header::LOCATION, "/"))
                .finish())
        }
    }
}
