//! Users of a KKR, managed by its admins: inviting them, and their role, state and one-time
//! links (a link is used on the pages of [`super::invitations`]).
//!
//! Routes: `GET /users`, `GET /users/new` (`?role=editor&municipality=147` fills it in),
//! `POST /users` (invite), `GET /users/{id}`,
//! `POST /users/{id}/role`, `POST /users/{id}/deactivate`, `POST /users/{id}/reactivate`,
//! `POST /users/{id}/reset`, `POST /users/{id}/installation`: the KKR's admins, for users of
//! their own KKR only (others: 404).

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpResponse};
use serde::Deserialize;

use crate::csrf_protected;
use crate::domain::account::{parse_person_name, EmailAddress, Placement};
use crate::domain::time::danish_datetime;
use crate::domain::{Municipality, MunicipalityCode, Role, User};
use crate::store::invitations::{self, Invitation, Purpose};
use crate::store::outbox::{self, Mail, MailKind, MailState};
use crate::store::users::{self, Account, NewUser};
use crate::store::{audit, reference};
use crate::views::fields::{Choice, FieldError};
use crate::views::users::{
    AccountView, HistoryView, InviteValues, LinkMailView, LinkOutcome, LinkPage, NewUserPage,
    UserPage, UsersPage,
};
use crate::web::error::AppError;
use crate::web::extract::{AdminPage, CsrfForm};
use crate::web::pages::invitations::link_mail;
use crate::web::{db, AppState};

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
        .route("/users/{id}/totp/reset", web::post().to(reset_totp));
}

/// The account's state; `waiting_link`: a link to choose a password waits to be used.
fn status_of(account: &Account, waiting_link: bool) -> (&'static str, &'static str) {
    if !account.active {
        ("deactivated", "Deaktiveret")
    } else if !account.has_password && waiting_link {
        ("invited", "Inviteret, har ikke valgt adgangskode")
    } else if !account.has_password {
        ("expired", "Invitationen er udløbet")
    } else {
        ("active", "Aktiv")
    }
}

fn account_view(
    account: &Account,
    waiting_link: bool,
    municipalities: &[Municipality],
) -> AccountView {
    let (status, status_label) = status_of(account, waiting_link);
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

fn role_choices() -> Vec<Choice> {
    Role::ALL
        .iter()
        .map(|r| {
            let label = format!("{} ({})", r.label_da(), role_hint(*r));
            Choice::new(r.as_str(), label, false)
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
        .map(|m| Choice::new(m.code.as_str(), format!("{} ({})", m.name, m.code), false))
        .collect()
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

async fn list(page: AdminPage) -> Result<HttpResponse, AppError> {
    let kkr_id = page.kkr_id();
    let now = page.state.clock.now();
    let (accounts, waiting, municipalities) = db(&page.state, move |conn| {
        let accounts = users::list_in_kkr(conn, kkr_id)?;
        let ids: Vec<i32> = accounts.iter().map(|a| a.user.id).collect();
        Ok((
            accounts,
            invitations::with_waiting_link(conn, &ids, now)?,
            reference::municipalities_of_kkr(conn, kkr_id)?,
        ))
    })
    .await?;
    let accounts = accounts
        .iter()
        .map(|a| account_view(a, waiting.contains(&a.user.id), &municipalities))
        .collect();
    page.render("users_list.html", &UsersPage { accounts })
}

/// The invitation form as sent.
#[derive(Debug, Deserialize)]
pub struct InviteForm {
    csrf_token: Option<String>,
    #[serde(flatten)]
    values: InviteValues,
}

async fn render_new(
    page: &AdminPage,
    values: InviteValues,
    errors: Vec<FieldError>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let municipalities = kkr_municipalities(&page.state, page.kkr_id()).await?;
    let model = NewUserPage {
        values,
        field_errors: NewUserPage::field_errors(&errors),
        errors,
        roles: role_choices(),
        municipalities: municipality_choices(&municipalities),
        mail_configured: page.state.mailer.is_some(),
        valid_days: invitations::VALID_DAYS,
    };
    page.render_status(status, "users_new.html", &model)
}

/// The invitation form, filled in from the query when a link names the role and
/// municipality (the response tracker's "Invitér en redaktør").
async fn new_form(
    page: AdminPage,
    query: web::Query<InviteValues>,
) -> Result<HttpResponse, AppError> {
    let mut values = query.into_inner();
    if values.role.is_empty() {
        values.role = Role::Editor.as_str().to_owned();
    }
    render_new(&page, values, Vec::new(), StatusCode::OK).await
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
            errors.push(FieldError::new("role", "Vælg en rolle."));
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

/// An invitation's fields checked: the parts that are good, and what is wrong with the rest.
struct CheckedInvite {
    email: Option<EmailAddress>,
    name: Option<String>,
    role: Option<(Role, Placement)>,
    errors: Vec<FieldError>,
}

impl CheckedInvite {
    fn check(values: &InviteValues, kkr_id: i32, municipalities: &[Municipality]) -> Self {
        let mut errors = Vec::new();
        let email = EmailAddress::parse(&values.email)
            .map_err(|e| errors.push(FieldError::new("email", e.to_string())))
            .ok();
        let name = if values.name.trim().is_empty() {
            email.as_ref().map(|e| e.as_str().to_owned())
        } else {
            parse_person_name(&values.name)
                .map_err(|e| errors.push(FieldError::new("name", e.to_string())))
                .ok()
        };
        let role = parse_role_and_place(
            &values.role,
            &values.municipality,
            kkr_id,
            municipalities,
            &mut errors,
        );
        CheckedInvite {
            email,
            name,
            role,
            errors,
        }
    }

    /// The email is taken by another user.
    fn taken(&mut self, email: &EmailAddress) {
        self.errors.push(FieldError::new(
            "email",
            format!(
                "Der findes allerede en bruger med e-mailen {}.",
                email.as_str()
            ),
        ));
    }

    /// The user to invite, or every error.
    fn new_user(self) -> Result<NewUser, Vec<FieldError>> {
        match (self.email, self.name, self.role) {
            (Some(email), Some(name), Some((role, placement))) if self.errors.is_empty() => {
                Ok(NewUser {
                    email: email.into_string(),
                    name,
                    role,
                    kkr_id: placement.kkr_id(),
                    municipality_code: placement.municipality_code().cloned(),
                })
            }
            _ => Err(self.errors),
        }
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

fn show_link(page: &AdminPage, outcome: LinkOutcome) -> Result<HttpResponse, AppError> {
    page.render("users_link.html", &LinkPage { outcome })
}

/// Whether another user has this email.
async fn email_taken(state: &web::Data<AppState>, email: &EmailAddress) -> Result<bool, AppError> {
    let lookup = email.as_str().to_owned();
    db(state, move |conn| {
        Ok(users::find_account_by_email(conn, &lookup)?.is_some())
    })
    .await
}

async fn invite(page: AdminPage, form: CsrfForm<InviteForm>) -> Result<HttpResponse, AppError> {
    let now = page.state.clock.now();
    let values = form.into_inner().values;
    let municipalities = kkr_municipalities(&page.state, page.kkr_id()).await?;
    let mut checked = CheckedInvite::check(&values, page.kkr_id(), &municipalities);
    if let Some(email) = checked.email.clone() {
        if email_taken(&page.state, &email).await? {
            checked.taken(&email);
        }
    }
    let new = match checked.new_user() {
        Ok(new) => new,
        Err(errors) => {
            return render_new(&page, values, errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    };
    let token = invitations::new_token();
    let (stored_token, admin_id) = (token.clone(), page.user.id);
    let compose = link_mail(&page.state, &token);
    let (user, invitation) = db(&page.state, move |conn| {
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
    tracing::info!(user = user.id, by = admin_id, "user invited");
    let heading = format!("{} er inviteret", user.name);
    show_link(
        &page,
        link_outcome(&page.state, &user, &token, &invitation, heading),
    )
}

/// A user of the admin's KKR, or 404.
async fn managed_account(page: &AdminPage, id: i32) -> Result<Account, AppError> {
    let kkr_id = page.kkr_id();
    db(&page.state, move |conn| Ok(users::get_account(conn, id)?))
        .await?
        .filter(|a| a.user.kkr_id == Some(kkr_id))
        .ok_or(AppError::NotFound)
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
            | Event::AccessibilityStatement(_)
            | Event::SignIn(_),
        )
        | Err(_) => "Ændret",
    }
}

#[derive(Debug, Default)]
struct UserPageFeedback {
    errors: Vec<FieldError>,
    notice: Option<String>,
}

/// The user's page again with one refused field, as a 422: nothing was changed.
async fn refuse_on_user_page(
    page: &AdminPage,
    account: &Account,
    field: &'static str,
    message: &str,
) -> Result<HttpResponse, AppError> {
    let feedback = UserPageFeedback {
        errors: vec![FieldError::new(field, message)],
        notice: None,
    };
    render_user(page, account, feedback, StatusCode::UNPROCESSABLE_ENTITY).await
}

/// What a user's page reads besides the user.
struct UserFacts {
    municipalities: Vec<Municipality>,
    history: Vec<audit::AuditEvent>,
    pending: Option<Invitation>,
    link_mail: Option<Mail>,
    /// The admin looking is an installation admin.
    acting_installation_admin: bool,
    /// The user has the second step of password sign-in.
    totp: bool,
    /// The identity providers (their ids) the user has signed in with.
    providers: Vec<String>,
}

async fn user_facts(page: &AdminPage, account: &Account) -> Result<UserFacts, AppError> {
    let now = page.state.clock.now();
    let (kkr_id, id, admin_id) = (page.kkr_id(), account.user.id, page.user.id);
    db(&page.state, move |conn| {
        Ok(UserFacts {
            municipalities: reference::municipalities_of_kkr(conn, kkr_id)?,
            history: audit::history(conn, "user", &id.to_string())?,
            pending: invitations::pending_for(conn, id, now)?,
            link_mail: outbox::latest_to_user(conn, id, &[MailKind::Invitation, MailKind::Reset])?,
            acting_installation_admin: users::is_installation_admin(conn, admin_id)?,
            totp: crate::store::sign_in::totp_of(conn, id)?.is_some(),
            providers: crate::store::sign_in::identities_of(conn, id)?
                .into_iter()
                .map(|(provider, _)| provider)
                .collect(),
        })
    })
    .await
}

fn user_page(
    admin: &User,
    account: &Account,
    facts: UserFacts,
    feedback: UserPageFeedback,
    mail_configured: bool,
) -> UserPage {
    let errors = feedback.errors;
    let error = |field: &str| FieldError::message_of(&errors, field);
    UserPage {
        account: account_view(account, facts.pending.is_some(), &facts.municipalities),
        is_self: account.user.id == admin.id,
        can_set_installation: facts.acting_installation_admin
            && account.user.role == Role::Admin
            && account.user.id != admin.id,
        roles: role_choices(),
        municipalities: municipality_choices(&facts.municipalities),
        pending_expires: facts.pending.map(|p| danish_datetime(p.expires_at)),
        link_mail: facts.link_mail.as_ref().map(link_mail_view),
        history: facts
            .history
            .iter()
            .rev()
            .map(|e| HistoryView {
                at: danish_datetime(e.at),
                by: e.user_name.clone(),
                action: action_label(e),
            })
            .collect::<Vec<_>>(),
        role_error: error("role"),
        municipality_error: error("municipality"),
        confirm_error: error("confirm"),
        reset_error: error("reset-confirm"),
        totp_error: error("totp-confirm"),
        errors,
        notice: feedback.notice,
        mail_configured,
        valid_days: invitations::VALID_DAYS,
        totp: facts.totp,
        providers: facts.providers,
    }
}

async fn render_user(
    page: &AdminPage,
    account: &Account,
    feedback: UserPageFeedback,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let mut facts = user_facts(page, account).await?;
    for id in facts.providers.iter_mut() {
        if let Some(provider) = page.state.sso.find(id) {
            *id = provider.label.clone();
        }
    }
    let mail_configured = page.state.mailer.is_some();
    let model = user_page(&page.user, account, facts, feedback, mail_configured);
    page.render_status(status, "users_show.html", &model)
}

async fn show(page: AdminPage, path: web::Path<i32>) -> Result<HttpResponse, AppError> {
    let account = managed_account(&page, path.into_inner()).await?;
    render_user(&page, &account, UserPageFeedback::default(), StatusCode::OK).await
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

#[derive(Debug, Deserialize)]
pub struct ConfirmForm {
    csrf_token: Option<String>,
    confirm: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct InstallationForm {
    csrf_token: Option<String>,
    /// "ja" gives the flag, "nej" takes it.
    grant: Option<String>,
}

csrf_protected!(InviteForm, RoleForm, ConfirmForm, InstallationForm);

/// The new role and placement, or what is wrong (an admin cannot change their own role).
fn checked_role(
    form: &RoleForm,
    is_self: bool,
    kkr_id: i32,
    municipalities: &[Municipality],
) -> Result<(Role, Placement), Vec<FieldError>> {
    let mut errors = Vec::new();
    if is_self {
        errors.push(FieldError::new(
            "role",
            "Du kan ikke ændre din egen rolle. Bed en anden fra KKR-sekretariatet om det.",
        ));
    }
    let parsed = parse_role_and_place(
        &form.role,
        &form.municipality,
        kkr_id,
        municipalities,
        &mut errors,
    );
    match (parsed, errors.is_empty()) {
        (Some(parsed), true) => Ok(parsed),
        _ => Err(errors),
    }
}

async fn change_role(
    page: AdminPage,
    path: web::Path<i32>,
    form: CsrfForm<RoleForm>,
) -> Result<HttpResponse, AppError> {
    let now = page.state.clock.now();
    let account = managed_account(&page, path.into_inner()).await?;
    let municipalities = kkr_municipalities(&page.state, page.kkr_id()).await?;
    let is_self = account.user.id == page.user.id;
    let (role, placement) = match checked_role(&form, is_self, page.kkr_id(), &municipalities) {
        Ok(parsed) => parsed,
        Err(errors) => {
            let feedback = UserPageFeedback {
                errors,
                notice: None,
            };
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return render_user(&page, &account, feedback, status).await;
        }
    };
    let (user_id, admin_id) = (account.user.id, page.user.id);
    db(&page.state, move |conn| {
        Ok(users::set_role(
            conn, user_id, role, &placement, admin_id, now,
        )?)
    })
    .await?;
    Ok(back_to(user_id))
}

async fn deactivate(
    page: AdminPage,
    path: web::Path<i32>,
    form: CsrfForm<ConfirmForm>,
) -> Result<HttpResponse, AppError> {
    let now = page.state.clock.now();
    let account = managed_account(&page, path.into_inner()).await?;
    let problem = if account.user.id == page.user.id {
        Some("Du kan ikke deaktivere dig selv. Bed en anden fra KKR-sekretariatet om det.")
    } else if form.confirm.as_deref() != Some("ja") {
        Some(
            "Bekræft deaktiveringen: sæt kryds i feltet «Ja, deaktivér …» og tryk på knappen igen.",
        )
    } else {
        None
    };
    if let Some(message) = problem {
        return refuse_on_user_page(&page, &account, "confirm", message).await;
    }
    let (user_id, admin_id) = (account.user.id, page.user.id);
    db(&page.state, move |conn| {
        Ok(users::deactivate(conn, user_id, admin_id, now)?)
    })
    .await?;
    tracing::info!(user = user_id, by = admin_id, "user deactivated");
    Ok(back_to(user_id))
}

/// Removes another user's second step (a lost phone): they sign in with the password alone,
/// or enrol again where the installation requires it; their sessions end. Audited.
async fn reset_totp(
    page: AdminPage,
    path: web::Path<i32>,
    form: CsrfForm<ConfirmForm>,
) -> Result<HttpResponse, AppError> {
    let now = page.state.clock.now();
    let account = managed_account(&page, path.into_inner()).await?;
    if account.user.id == page.user.id {
        let message =
            "Du kan ikke nulstille din egen totrinsbekræftelse her. Slå den fra under «Min konto».";
        return refuse_on_user_page(&page, &account, "totp-confirm", message).await;
    }
    if form.confirm.as_deref() != Some("ja") {
        let message =
            "Bekræft nulstillingen: sæt kryds i feltet «Ja, nulstil …» og tryk på knappen igen.";
        return refuse_on_user_page(&page, &account, "totp-confirm", message).await;
    }
    let (user_id, admin_id) = (account.user.id, page.user.id);
    db(&page.state, move |conn| {
        Ok(crate::store::sign_in::remove_totp(
            conn, user_id, admin_id, now,
        )?)
    })
    .await?;
    tracing::info!(user = user_id, by = admin_id, "second step reset");
    Ok(back_to(user_id))
}

async fn reactivate(
    page: AdminPage,
    path: web::Path<i32>,
    _form: CsrfForm<ConfirmForm>,
) -> Result<HttpResponse, AppError> {
    let now = page.state.clock.now();
    let account = managed_account(&page, path.into_inner()).await?;
    let (user_id, admin_id) = (account.user.id, page.user.id);
    db(&page.state, move |conn| {
        Ok(users::reactivate(conn, user_id, admin_id, now)?)
    })
    .await?;
    Ok(back_to(user_id))
}

/// Why a reset is refused: a deactivated user, or no confirmation.
fn reset_refusal(account: &Account, form: &ConfirmForm) -> Option<&'static str> {
    if !account.active {
        Some("Brugeren er deaktiveret. Aktivér brugeren igen først.")
    } else if form.confirm.as_deref() != Some("ja") && !account.has_password {
        Some("Bekræft den nye invitation: sæt kryds i feltet «Ja, send en ny invitation …» og tryk på knappen igen.")
    } else if form.confirm.as_deref() != Some("ja") {
        Some("Bekræft nulstillingen: sæt kryds i feltet «Ja, nulstil …» og tryk på knappen igen.")
    } else {
        None
    }
}

async fn reset(
    page: AdminPage,
    path: web::Path<i32>,
    form: CsrfForm<ConfirmForm>,
) -> Result<HttpResponse, AppError> {
    let now = page.state.clock.now();
    let account = managed_account(&page, path.into_inner()).await?;
    if let Some(message) = reset_refusal(&account, &form) {
        return refuse_on_user_page(&page, &account, "reset-confirm", message).await;
    }
    let token = invitations::new_token();
    let (stored_token, user_id, admin_id) = (token.clone(), account.user.id, page.user.id);
    let user = &account.user;
    let compose = link_mail(&page.state, &token);
    let invitation = db(&page.state, move |conn| {
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
        Purpose::Reset | Purpose::Forgotten => {
            format!("Adgangskoden for {} er nulstillet", user.name)
        }
        Purpose::Invite => format!("{} har fået en ny invitation", user.name),
    };
    show_link(
        &page,
        link_outcome(&page.state, user, &token, &invitation, heading),
    )
}

/// The flag to set, or why not: no choice made, or a user who is no admin.
fn installation_choice(account: &Account, grant: Option<&str>) -> Result<bool, &'static str> {
    let on = match grant {
        Some("ja") => true,
        Some("nej") => false,
        _ => return Err("Vælg, om brugeren skal være installationsadministrator."),
    };
    if account.user.role != Role::Admin {
        return Err(
            "Kun en administrator kan være installationsadministrator. Giv brugeren rollen først.",
        );
    }
    Ok(on)
}

/// Gives or takes another admin's installation flag: only an installation admin may, and not
/// for themselves (so the installation always keeps the one who acts).
async fn set_installation(
    page: AdminPage,
    path: web::Path<i32>,
    form: CsrfForm<InstallationForm>,
) -> Result<HttpResponse, AppError> {
    let now = page.state.clock.now();
    let account = managed_account(&page, path.into_inner()).await?;
    let admin_id = page.user.id;
    let allowed = db(&page.state, move |conn| {
        Ok(users::is_installation_admin(conn, admin_id)?)
    })
    .await?;
    if !allowed || account.user.id == admin_id {
        return Err(AppError::Forbidden);
    }
    let on = match installation_choice(&account, form.grant.as_deref()) {
        Ok(on) => on,
        Err(message) => {
            return refuse_on_user_page(&page, &account, "installation", message).await;
        }
    };
    let user_id = account.user.id;
    db(&page.state, move |conn| {
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
