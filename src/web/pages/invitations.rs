//! The one-time links that let a person choose a password (an invitation, or a reset).
//!
//! Routes: `GET /invitation/{token}`, `POST /invitation/{token}`: whoever holds the link;
//! choosing a password signs them in.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Deserialize;

use crate::account_mail::{self, LinkMailFacts};
use crate::csrf_protected;
use crate::domain::account::{parse_person_name, NewPassword};
use crate::domain::time::danish_datetime;
use crate::password;
use crate::store::invitations::{self, Invitation, LinkProblem, Purpose};
use crate::store::outbox::{MailKind, NewMail};
use crate::store::users::Account;
use crate::views::fields::FieldError;
use crate::views::users::{InvitationForm, InvitationPage};
use crate::web::error::AppError;
use crate::web::extract::{page_context, CsrfForm};
use crate::web::pages::second_step::after_first_step;
use crate::web::{blocking, db, AppState};

/// The mail with a one-time link, queued with the link when a mail server is set up (made
/// inside the store's transaction, which knows the link's purpose and expiry and what the mail
/// says about its user).
pub fn link_mail(
    state: &AppState,
    token: &str,
) -> impl FnOnce(&Invitation, &LinkMailFacts) -> Option<NewMail> + Send + 'static {
    let configured = state.mailer.is_some();
    let link = format!("{}/invitation/{token}", state.public_url);
    let contact_page = format!("{}/kontakt", state.public_url);
    let at = state.clock.now();
    move |invitation, facts| {
        configured.then(|| {
            let links = account_mail::Links {
                link: &link,
                contact_page: &contact_page,
            };
            let message =
                account_mail::link_mail(facts, invitation.purpose, links, invitation.expires_at);
            NewMail {
                kind: match invitation.purpose {
                    Purpose::Invite => MailKind::Invitation,
                    Purpose::Reset | Purpose::Forgotten => MailKind::Reset,
                },
                recipient: facts.email.clone(),
                subject: message.subject,
                body: message.body,
                user_id: None,
                at,
            }
        })
    }
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/invitation/{token}", web::get().to(invitation_page))
        .route("/invitation/{token}", web::post().to(accept_invitation));
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

csrf_protected!(AcceptForm);

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
            "Linket er udløbet. Har du valgt en adgangskode før, så bed om et nyt link under «Glemt adgangskode?», når du logger ind; ellers bed KKR-sekretariatet om en ny invitation."
        }
    }
}

/// The invitation page: a one-time link's form, or why the link does not work. It never
/// shows a user in its header.
fn render_invitation_page(
    state: &AppState,
    session: &Session,
    model: &InvitationPage,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let context = page_context(session, None, model)?;
    state
        .pages
        .respond(status, "users_invitation.html", &context)
}

fn link_problem_page(
    state: &AppState,
    session: &Session,
    problem: LinkProblem,
) -> Result<HttpResponse, AppError> {
    let model = InvitationPage {
        problem: Some(link_problem_text(problem)),
        form: None,
    };
    let status = match problem {
        LinkProblem::Unknown => StatusCode::NOT_FOUND,
        _ => StatusCode::GONE,
    };
    render_invitation_page(state, session, &model, status)
}

fn render_invitation(
    state: &AppState,
    session: &Session,
    token: &str,
    (invitation, account): &(Invitation, Account),
    name: &str,
    errors: Vec<FieldError>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let form = InvitationForm {
        token: token.to_owned(),
        is_reset: invitation.purpose != Purpose::Invite,
        email: account.user.email.clone(),
        role_label: account.user.role.label_da(),
        name: name.to_owned(),
        expires: danish_datetime(invitation.expires_at),
        password_min: NewPassword::MIN_CHARS,
        field_errors: InvitationForm::field_errors(&errors),
        errors,
    };
    let model = InvitationPage {
        problem: None,
        form: Some(form),
    };
    render_invitation_page(state, session, &model, status)
}

/// The invitation behind a one-time link, or why it does not work.
async fn look_up(
    state: &web::Data<AppState>,
    token: &str,
) -> Result<Result<(Invitation, Account), LinkProblem>, AppError> {
    let now = state.clock.now();
    let lookup = token.to_owned();
    db(state, move |conn| {
        Ok(invitations::look_up(conn, &lookup, now)?)
    })
    .await
}

async fn invitation_page(
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = path.into_inner();
    let found = match look_up(&state, &token).await? {
        Err(problem) => return link_problem_page(&state, &session, problem),
        Ok(found) => found,
    };
    // A name that is only the email address is no name: let the person write theirs.
    let user = &found.1.user;
    let name = if user.name == user.email {
        String::new()
    } else {
        user.name.clone()
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

/// The name and password chosen, or what is wrong with them.
fn checked_acceptance(form: &AcceptForm) -> Result<(String, NewPassword), Vec<FieldError>> {
    let mut errors = Vec::new();
    let name = parse_person_name(&form.name)
        .map_err(|e| errors.push(FieldError::new("name", e.to_string())))
        .ok();
    let password = NewPassword::parse(&form.password, &form.password_confirm)
        .map_err(|rejection| errors.push(FieldError::new(rejection.field(), rejection.message())))
        .ok();
    match (name, password) {
        (Some(name), Some(password)) => Ok((name, password)),
        _ => Err(errors),
    }
}

/// The stored form of a new password.
async fn password_hash(new_password: NewPassword) -> Result<String, AppError> {
    blocking(move || password::hash(new_password.as_str()).map_err(AppError::from)).await
}

async fn accept_invitation(
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<String>,
    form: CsrfForm<AcceptForm>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    let token = path.into_inner();
    let found = match look_up(&state, &token).await? {
        Err(problem) => return link_problem_page(&state, &session, problem),
        Ok(found) => found,
    };
    let (new_name, new_password) = match checked_acceptance(&form) {
        Ok(accepted) => accepted,
        Err(errors) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return render_invitation(&state, &session, &token, &found, &form.name, errors, status);
        }
    };
    let hash = password_hash(new_password).await?;
    let accepted = db(&state, move |conn| {
        Ok(invitations::accept(conn, &token, &hash, &new_name, now)?)
    })
    .await?;
    let (user, generation) = match accepted {
        Err(problem) => return link_problem_page(&state, &session, problem),
        Ok(accepted) => accepted,
    };
    tracing::info!(user = user.id, "one-time link used");
    // A link signs in like a password: the second step still comes after it.
    after_first_step(&state, &session, &user, generation, "/".to_owned()).await
}
