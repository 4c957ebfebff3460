//! Reminders to the municipalities that have not submitted their form: who is missing, their
//! editors' emails to copy, and a mail to each editor with the deadline and the form's link.
//!
//! Routes and who may use them (the KKR's admins; others: 403):
//! - `GET /rounds/{id}/reminders`: who would get a reminder, the message, earlier sendings,
//!   and the button that sends (the confirmation step).
//! - `POST /rounds/{id}/reminders`: queues a mail to each editor in the outbox (the outbox's
//!   sender delivers them; this request never waits for the mail server), while the round is
//!   open and a mail server is set up, leaving out editors reminded about the round within the
//!   last 12 hours.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use crate::domain::analysis::RoundAnalysis;
use crate::domain::mail_policy;
use crate::domain::summary::Response;
use crate::domain::time::danish_datetime;
use crate::domain::{MunicipalityCode, Role, Round, RoundState, User};
use crate::mail::{self, RoundFacts};
use crate::store::reminders::{self, Delivery, QueueError, Refusal, Sending, Skipped, ToRemind};
use crate::store::users::{self, Editor};
use crate::web::error::AppError;
use crate::web::infra::templates::base_context;
use crate::web::session::verify_csrf;
use crate::web::session::SignedIn;
use crate::web::{db, round_view, AppState};

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
    /// Taken by the mail server.
    pub delivered: usize,
    pub queued: usize,
    pub failed: usize,
    pub total: usize,
    pub recipients: Vec<RecipientView>,
}

#[derive(Debug, Serialize)]
pub struct RecipientView {
    pub municipality: String,
    pub email: String,
    /// "queued", "sent" or "failed" (shown with a word and a symbol, never by colour alone).
    pub state: &'static str,
    /// What happened, in Danish.
    pub outcome: String,
}

/// One recipient's reminder state in Danish.
fn delivery_view(delivery: &Delivery) -> (&'static str, String) {
    match delivery {
        Delivery::Sent { at: Some(at) } => (
            "sent",
            format!("Afleveret til mailserveren {}", danish_datetime(*at)),
        ),
        Delivery::Sent { at: None } => ("sent", "Afleveret til mailserveren".to_owned()),
        Delivery::Queued {
            last_error: None, ..
        } => ("queued", "I kø, sendes om lidt".to_owned()),
        Delivery::Queued {
            attempts,
            last_error: Some(error),
            next_attempt_at,
        } => (
            "queued",
            format!(
                "I kø: {attempts} forsøg er mislykkedes (sidst: {error}). Næste forsøg {}",
                danish_datetime(*next_attempt_at)
            ),
        ),
        Delivery::Failed { error } => (
            "failed",
            format!(
                "Ikke afleveret: {}",
                error.as_deref().unwrap_or("ukendt fejl")
            ),
        ),
    }
}

fn municipality_name(view: &RoundAnalysis, code: &MunicipalityCode) -> String {
    view.data
        .content
        .municipality(code)
        .map_or_else(|| code.to_string(), |m| m.name.clone())
}

pub fn sending_views(sendings: &[Sending], view: &RoundAnalysis) -> Vec<SendingView> {
    sendings
        .iter()
        .map(|s| {
            let count = |wanted: fn(&Delivery) -> bool| {
                s.recipients.iter().filter(|r| wanted(&r.delivery)).count()
            };
            SendingView {
                at: danish_datetime(s.sent_at),
                by: s.sent_by.clone(),
                delivered: count(|d| matches!(d, Delivery::Sent { .. })),
                queued: count(|d| matches!(d, Delivery::Queued { .. })),
                failed: count(|d| matches!(d, Delivery::Failed { .. })),
                total: s.recipients.len(),
                recipients: s
                    .recipients
                    .iter()
                    .map(|r| {
                        let (state, outcome) = delivery_view(&r.delivery);
                        RecipientView {
                            municipality: municipality_name(view, &r.municipality_code),
                            email: r.email.clone(),
                            state,
                            outcome,
                        }
                    })
                    .collect(),
            }
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

/// Why reminders cannot be sent now.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Blocked {
    NotOpen,
    NoMailServer,
    NoEditors,
    /// Every editor was reminded within the cooldown; the earliest time one may be again.
    AllRemindedRecently {
        again_at: NaiveDateTime,
    },
    NotConfirmed,
}

impl Blocked {
    fn danish(&self) -> String {
        match self {
            Blocked::NotOpen => "Runden er ikke åben, så der sendes ikke påmindelser.".to_owned(),
            Blocked::NoMailServer => "Der er ikke sat en mailserver op (TRAFIKLYS_SMTP_URL), så Trafiklys kan ikke sende påmindelser. Kopiér adresserne ovenfor ind i jeres eget mailprogram i stedet.".to_owned(),
            Blocked::NoEditors => "Der er ingen redaktører at minde om: alle kommuner har indsendt, eller de manglende kommuner har ingen redaktør med adgang.".to_owned(),
            Blocked::AllRemindedRecently { again_at } => format!(
                "Påmindelsen er ikke sendt: alle redaktørerne har fået en påmindelse om runden inden for de sidste {} timer. Den første kan mindes igen fra {}.",
                mail_policy::REMINDER_COOLDOWN_HOURS,
                danish_datetime(*again_at)
            ),
            Blocked::NotConfirmed => "Påmindelsen er ikke sendt: bekræft afsendelsen med knappen på denne side.".to_owned(),
        }
    }
}

/// Why reminders cannot be sent now, if they cannot; `due` editors are not in the cooldown.
fn blocked_reason(
    state: &AppState,
    round: &Round,
    recipients: usize,
    cooldown: &[Skipped],
) -> Option<Blocked> {
    if round.state != RoundState::Open {
        Some(Blocked::NotOpen)
    } else if state.mailer.is_none() {
        Some(Blocked::NoMailServer)
    } else if recipients == 0 {
        Some(Blocked::NoEditors)
    } else if cooldown.len() >= recipients {
        cooldown
            .iter()
            .map(|s| s.again_at)
            .min()
            .map(|again_at| Blocked::AllRemindedRecently { again_at })
    } else {
        None
    }
}

/// A recipient left out of a sending because of the cooldown, in Danish.
#[derive(Debug, Serialize)]
pub struct SkippedView {
    pub municipality: String,
    pub email: String,
    pub reminded: String,
    pub again: String,
}

fn skipped_views(skipped: &[Skipped], view: &RoundAnalysis) -> Vec<SkippedView> {
    skipped
        .iter()
        .map(|s| SkippedView {
            municipality: municipality_name(view, &s.municipality_code),
            email: s.email.clone(),
            reminded: danish_datetime(s.last_reminded),
            again: danish_datetime(s.again_at),
        })
        .collect()
}

/// Every editor of the list as a reminder to queue (the store leaves out those in the
/// cooldown).
fn to_remind(state: &AppState, round: &Round, list: &[Outstanding]) -> Vec<ToRemind> {
    list.iter()
        .flat_map(|m| {
            let link = form_link(state, round.id, &m.code);
            let message = mail::reminder_mail(RoundFacts::from(round), &m.name, &link);
            m.editors.iter().filter_map(move |e| {
                MunicipalityCode::parse(&m.code).ok().map(|code| ToRemind {
                    municipality_code: code,
                    email: e.email.clone(),
                    user_id: None,
                    subject: message.subject.clone(),
                    body: message.body.clone(),
                })
            })
        })
        .collect()
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

/// What a sending did, for the page that follows it.
#[derive(Debug, Serialize)]
struct SentView {
    queued: usize,
    skipped: Vec<SkippedView>,
}

/// The reminders page.
#[derive(Debug, Serialize)]
struct RemindersPage<'a> {
    round: &'a Round,
    deadline: String,
    outstanding: &'a [Outstanding],
    tracker_level: u8,
    emails: String,
    /// Editors a sending now would remind (not in the cooldown).
    recipient_count: usize,
    municipality_count: usize,
    example: Option<mail::OutgoingMail>,
    blocked: Option<String>,
    /// Editors reminded within the cooldown: a sending now leaves them out.
    cooldown: Vec<SkippedView>,
    cooldown_hours: i64,
    sendings: Vec<SendingView>,
    sent: Option<SentView>,
    error: Option<String>,
}

async fn render(
    state: &web::Data<AppState>,
    session: &Session,
    user: &User,
    view: &RoundAnalysis,
    sent: Option<SentView>,
    error: Option<Blocked>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let round = &view.data.content.round;
    let list = outstanding(state, view).await?;
    let candidates = to_remind(state, round, &list);
    let (round_id, now) = (round.id, state.clock.now());
    let last = db(state, move |conn| {
        Ok(reminders::last_reminded(conn, round_id, now)?)
    })
    .await?;
    let (due, cooldown) = reminders::partition(&candidates, &last, now);
    let with_editors = list
        .iter()
        .filter(|m| {
            m.editors
                .iter()
                .any(|e| due.iter().any(|d| d.email == e.email))
        })
        .count();
    let example = list.iter().find(|m| !m.editors.is_empty()).map(|m| {
        mail::reminder_mail(
            RoundFacts::from(round),
            &m.name,
            &form_link(state, round.id, &m.code),
        )
    });
    let page = RemindersPage {
        round,
        deadline: danish_datetime(round.deadline),
        outstanding: &list,
        tracker_level: 2,
        emails: emails_to_copy(&list),
        recipient_count: due.len(),
        municipality_count: with_editors,
        example,
        blocked: blocked_reason(state, round, candidates.len(), &cooldown).map(|b| b.danish()),
        cooldown: skipped_views(&cooldown, view),
        cooldown_hours: mail_policy::REMINDER_COOLDOWN_HOURS,
        sendings: sendings(state, view).await?,
        sent,
        error: error.map(|e| e.danish()),
    };
    let mut context = base_context(session, Some(user))?;
    context.extend(tera::Context::from_serialize(&page)?);
    state.pages.respond(status, "reminders.html", &context)
}

async fn page(
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<i32>,
    SignedIn(user): SignedIn,
) -> Result<HttpResponse, AppError> {
    let view = admin_view(&state, &user, path.into_inner()).await?;
    render(&state, &session, &user, &view, None, None, StatusCode::OK).await
}

#[derive(Debug, Deserialize)]
pub struct SendForm {
    csrf_token: Option<String>,
    confirm: Option<String>,
}

/// Queues a reminder to each editor not reminded within the cooldown and shows the page with
/// what was queued and who was left out. Sending again (a second click, a reload) is refused
/// for the editors just reminded.
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
    let candidates = to_remind(&state, &round, &list);
    let refusal = if form.confirm.as_deref() != Some("ja") {
        Some(Blocked::NotConfirmed)
    } else {
        blocked_reason(&state, &round, candidates.len(), &[])
    };
    if let Some(blocked) = refusal {
        let status = StatusCode::CONFLICT;
        return render(&state, &session, &user, &view, None, Some(blocked), status).await;
    }
    let (round_id, sender, now) = (round.id, user.id, state.clock.now());
    let queued = db(&state, move |conn| {
        Ok(reminders::queue(conn, round_id, sender, now, &candidates))
    })
    .await?;
    match queued {
        Ok(queued) => {
            state.wake_outbox();
            tracing::info!(
                round = round_id,
                by = sender,
                queued = queued.queued,
                skipped = queued.skipped.len(),
                "reminders queued"
            );
            let sent = SentView {
                queued: queued.queued,
                skipped: skipped_views(&queued.skipped, &view),
            };
            render(
                &state,
                &session,
                &user,
                &view,
                Some(sent),
                None,
                StatusCode::OK,
            )
            .await
        }
        Err(QueueError::Refused(refusal)) => {
            let blocked = match refusal {
                Refusal::NobodyToRemind => Blocked::NoEditors,
                Refusal::AllRemindedRecently(skipped) => Blocked::AllRemindedRecently {
                    again_at: skipped.iter().map(|s| s.again_at).min().unwrap_or(now),
                },
            };
            let status = StatusCode::CONFLICT;
            render(&state, &session, &user, &view, None, Some(blocked), status).await
        }
        Err(QueueError::Database(e)) => Err(e.into()),
    }
}
