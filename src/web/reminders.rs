//! Reminders to the municipalities that have not submitted their form: who is missing, their
//! editors' emails to copy, and a mail to each editor with the deadline and the form's link.
//!
//! Routes and who may use them (the KKR's admins; others: 403):
//! - `GET /rounds/{id}/reminders`: who would get a reminder, the message, earlier sendings,
//!   and the button that sends (the confirmation step).
//! - `POST /rounds/{id}/reminders`: sends, while the round is open and a mail server is set up.

use actix_session::Session;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};

use super::auth::SignedIn;
use super::error::AppError;
use super::pages::{base_context, verify_csrf};
use super::{blocking, db, round_view, AppState};
use crate::domain::analysis::RoundAnalysis;
use crate::domain::summary::Response;
use crate::domain::time::danish_datetime;
use crate::domain::{MunicipalityCode, Role, Round, RoundState, User};
use crate::mail::{self, RoundFacts};
use crate::store::reminders::{self, Recipient, Sending};
use crate::store::users::{self, Editor};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/rounds/{id}/reminders", web::get().to(page))
        .route("/rounds/{id}/reminders", web::post().to(send));
}

/// Reminders are the KKR secretariat's: the admins of the round's KKR.
pub fn can_remind(user: &User, round: &Round) -> bool {
    user.role == Role::Admin && user.kkr_id == Some(round.kkr_id)
}

/// A municipality that has not submitted, with the editors a reminder goes to.
#[derive(Debug, Serialize)]
pub struct Outstanding {
    pub code: String,
    pub name: String,
    pub response: &'static str,
    pub editors: Vec<EditorView>,
}

#[derive(Debug, Serialize)]
pub struct EditorView {
    pub name: String,
    pub email: String,
}

/// The municipalities of the (possibly narrowed) round that have not submitted (a draft or
/// not started), with their editors.
pub async fn outstanding(
    state: &web::Data<AppState>,
    view: &RoundAnalysis,
) -> Result<Vec<Outstanding>, AppError> {
    let missing: Vec<(MunicipalityCode, String, &'static str)> = view
        .summary
        .municipalities
        .iter()
        .filter(|m| m.response != Response::Submitted)
        .map(|m| (m.code.clone(), m.name.clone(), m.response.label_da()))
        .collect();
    let codes: Vec<MunicipalityCode> = missing.iter().map(|m| m.0.clone()).collect();
    let editors: Vec<Editor> = db(state, move |conn| Ok(users::editors_of(conn, &codes)?)).await?;
    Ok(missing
        .into_iter()
        .map(|(code, name, response)| Outstanding {
            editors: editors
                .iter()
                .filter(|e| e.municipality_code == code)
                .map(|e| EditorView {
                    name: e.name.clone(),
                    email: e.email.clone(),
                })
                .collect(),
            code: code.to_string(),
            name,
            response,
        })
        .collect())
}

/// The editors' addresses, ready to paste into a mail program's recipient field (an address
/// belongs to one user, so none repeats).
pub fn emails_to_copy(list: &[Outstanding]) -> String {
    list.iter()
        .flat_map(|m| m.editors.iter().map(|e| e.email.as_str()))
        .collect::<Vec<_>>()
        .join("; ")
}

#[derive(Debug, Serialize)]
pub struct SendingView {
    pub at: String,
    pub by: String,
    pub delivered: usize,
    pub total: usize,
    pub recipients: Vec<RecipientView>,
}

#[derive(Debug, Serialize)]
pub struct RecipientView {
    pub municipality: String,
    pub email: String,
    pub delivered: bool,
    pub error: Option<String>,
}

pub fn sending_views(sendings: &[Sending], view: &RoundAnalysis) -> Vec<SendingView> {
    let name_of = |code: &MunicipalityCode| {
        view.data
            .content
            .municipality(code)
            .map_or_else(|| code.to_string(), |m| m.name.clone())
    };
    sendings
        .iter()
        .map(|s| SendingView {
            at: danish_datetime(s.sent_at),
            by: s.sent_by.clone(),
            delivered: s.recipients.iter().filter(|r| r.delivered).count(),
            total: s.recipients.len(),
            recipients: s
                .recipients
                .iter()
                .map(|r| RecipientView {
                    municipality: name_of(&r.municipality_code),
                    email: r.email.clone(),
                    delivered: r.delivered,
                    error: r.error.clone(),
                })
                .collect(),
        })
        .collect()
}

/// The round's recorded sendings, newest first.
pub async fn sendings(
    state: &web::Data<AppState>,
    view: &RoundAnalysis,
) -> Result<Vec<SendingView>, AppError> {
    let round_id = view.data.content.round.id;
    let list = db(state, move |conn| Ok(reminders::list(conn, round_id)?)).await?;
    Ok(sending_views(&list, view))
}

fn form_link(state: &AppState, round_id: i32, code: &str) -> String {
    format!(
        "{}/rounds/{round_id}/municipalities/{code}/form",
        state.public_url
    )
}

/// Why reminders cannot be sent now, if they cannot.
fn blocked_reason(state: &AppState, round: &Round, recipients: usize) -> Option<&'static str> {
    if round.state != RoundState::Open {
        Some("Runden er ikke åben, så der sendes ikke påmindelser.")
    } else if state.mailer.is_none() {
        Some("Der er ikke sat en mailserver op (TRAFIKLYS_SMTP_URL), så Trafiklys kan ikke sende påmindelser. Kopiér adresserne ovenfor ind i jeres eget mailprogram i stedet.")
    } else if recipients == 0 {
        Some("Der er ingen redaktører at minde om: alle kommuner har indsendt, eller de manglende kommuner har ingen redaktør med adgang.")
    } else {
        None
    }
}

#[derive(Debug, Deserialize)]
pub struct PageQuery {
    sendt: Option<String>,
}

async fn admin_view(
    state: &web::Data<AppState>,
    user: &User,
    round_id: i32,
) -> Result<std::sync::Arc<RoundAnalysis>, AppError> {
    let view = round_view(state, round_id).await?;
    if can_remind(user, &view.data.content.round) {
        Ok(view)
    } else {
        Err(AppError::Forbidden)
    }
}

async fn render(
    state: &web::Data<AppState>,
    session: &Session,
    user: &User,
    view: &RoundAnalysis,
    notice: Option<String>,
    error: Option<String>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let round = &view.data.content.round;
    let list = outstanding(state, view).await?;
    let recipients: usize = list.iter().map(|m| m.editors.len()).sum();
    let with_editors = list.iter().filter(|m| !m.editors.is_empty()).count();
    let example = list.iter().find(|m| !m.editors.is_empty()).map(|m| {
        mail::reminder_mail(
            RoundFacts::from(round),
            &m.name,
            &form_link(state, round.id, &m.code),
        )
    });
    let mut context = base_context(session, Some(user))?;
    context.insert("round", round);
    context.insert("deadline", &danish_datetime(round.deadline));
    context.insert("outstanding", &list);
    context.insert("tracker_level", &2);
    context.insert("emails", &emails_to_copy(&list));
    context.insert("recipient_count", &recipients);
    context.insert("municipality_count", &with_editors);
    context.insert(
        "example",
        &example.map(|m| serde_json::json!({ "subject": m.subject, "body": m.body })),
    );
    context.insert("blocked", &blocked_reason(state, round, recipients));
    context.insert("sendings", &sendings(state, view).await?);
    context.insert("notice", &notice);
    context.insert("error", &error);
    state.pages.respond(status, "reminders.html", &context)
}

async fn page(
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<i32>,
    query: web::Query<PageQuery>,
    SignedIn(user): SignedIn,
) -> Result<HttpResponse, AppError> {
    let view = admin_view(&state, &user, path.into_inner()).await?;
    let notice = query.sendt.as_ref().map(|_| {
        "Påmindelsen er sendt. Se udfaldet for hver modtager under «Sendte påmindelser».".to_owned()
    });
    render(&state, &session, &user, &view, notice, None, StatusCode::OK).await
}

#[derive(Debug, Deserialize)]
pub struct SendForm {
    csrf_token: Option<String>,
    confirm: Option<String>,
}

async fn send(
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<i32>,
    SignedIn(user): SignedIn,
    form: web::Form<SendForm>,
) -> Result<HttpResponse, AppError> {
    verify_csrf(&session, form.csrf_token.as_deref())?;
    let view = admin_view(&state, &user, path.into_inner()).await?;
    let round = view.data.content.round.clone();
    let list = outstanding(&state, &view).await?;
    let recipients: usize = list.iter().map(|m| m.editors.len()).sum();
    let refusal = if form.confirm.as_deref() != Some("ja") {
        Some("Påmindelsen er ikke sendt: bekræft afsendelsen med knappen på denne side.")
    } else {
        blocked_reason(&state, &round, recipients)
    };
    if let Some(message) = refusal {
        return render(
            &state,
            &session,
            &user,
            &view,
            None,
            Some(message.to_owned()),
            StatusCode::CONFLICT,
        )
        .await;
    }
    let mailer = state
        .mailer
        .clone()
        .ok_or_else(|| AppError::Internal("mailer missing after the check".into()))?;
    let messages: Vec<(MunicipalityCode, String, mail::OutgoingMail)> = list
        .iter()
        .flat_map(|m| {
            let link = form_link(&state, round.id, &m.code);
            let message = mail::reminder_mail(RoundFacts::from(&round), &m.name, &link);
            m.editors.iter().filter_map(move |e| {
                MunicipalityCode::parse(&m.code)
                    .ok()
                    .map(|code| (code, e.email.clone(), message.clone()))
            })
        })
        .collect();
    // Sent one by one, one recipient per message, so no editor sees another's address.
    let outcomes = blocking(move || {
        Ok(messages
            .into_iter()
            .map(|(code, email, message)| {
                let result = mailer.send(&email, &message);
                if let Err(e) = &result {
                    tracing::warn!(error = %e, %email, "reminder not delivered");
                }
                Recipient {
                    municipality_code: code,
                    email,
                    delivered: result.is_ok(),
                    error: result.err().map(|e| e.to_string()),
                }
            })
            .collect::<Vec<_>>())
    })
    .await?;
    let (round_id, sender) = (round.id, user.id);
    let delivered = outcomes.iter().filter(|r| r.delivered).count();
    db(&state, move |conn| {
        Ok(reminders::record(
            conn,
            round_id,
            sender,
            crate::store::now(),
            &outcomes,
        )?)
    })
    .await?;
    tracing::info!(round = round_id, by = sender, delivered, "reminders sent");
    Ok(HttpResponse::SeeOther()
        .insert_header((
            header::LOCATION,
            format!("/rounds/{round_id}/reminders?sendt=1"),
        ))
        .finish())
}
