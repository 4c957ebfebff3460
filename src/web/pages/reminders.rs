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
//! - `POST /rounds/{id}/reminders/plan`: changes the round's reminder plan (pause, resume,
//!   add a step counted from the deadline or at a chosen time, remove a step not yet done).
//!   The plan's steps are sent by the outbox's sender at their time (`store::reminder_plan`).

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use chrono::NaiveDateTime;
use serde::Deserialize;

use crate::csrf_protected;
use crate::domain::analysis::RoundAnalysis;
use crate::domain::mail_policy;
use crate::domain::notices::{parse_days, PlanRule};
use crate::domain::summary::Response;
use crate::domain::time::{danish_datetime, parse_deadline};
use crate::domain::{MunicipalityCode, Role, Round, RoundState, User};
use crate::mail::{self, RoundFacts};
use crate::store::reminder_plan::{self, Outcome, Plan, PlanChange, PlanError, PlanRefusal, Step};
use crate::store::reminders::{
    self, Delivery, QueueError, Queued, Refusal, Sending, Skipped, ToRemind,
};
use crate::store::users::{self, Editor};
pub use crate::views::reminders::{
    EditorView, Outstanding, RecipientView, SendingView, SkippedView,
};
use crate::views::reminders::{PlanStepView, PlanView, RemindersPage, SentView};
use crate::web::error::AppError;
use crate::web::extract::{CsrfForm, Page};
use crate::web::{db, round_view, AppState};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/rounds/{id}/reminders", web::get().to(page))
        .route("/rounds/{id}/reminders", web::post().to(send))
        .route("/rounds/{id}/reminders/plan", web::post().to(change_plan));
}

/// Reminders are the KKR secretariat's: the admins of the round's KKR.
pub fn can_remind(user: &User, round: &Round) -> bool {
    user.role == Role::Admin && user.kkr_id == Some(round.kkr_id)
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
                id: s.id,
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

/// The round's analysis, for an admin of its KKR (403 for anyone else).
async fn admin_view(page: &Page, round_id: i32) -> Result<std::sync::Arc<RoundAnalysis>, AppError> {
    let view = round_view(&page.state, round_id).await?;
    if can_remind(&page.user, &view.data.content.round) {
        Ok(view)
    } else {
        Err(AppError::Forbidden)
    }
}

/// Who a sending now would remind: every editor of the outstanding municipalities
/// (`candidates`), of them those not reminded within the cooldown (`due`), and the rest.
struct Recipients {
    list: Vec<Outstanding>,
    candidates: Vec<ToRemind>,
    due: Vec<ToRemind>,
    cooldown: Vec<Skipped>,
}

async fn recipients(
    state: &web::Data<AppState>,
    view: &RoundAnalysis,
) -> Result<Recipients, AppError> {
    let round = &view.data.content.round;
    let list = outstanding(state, view).await?;
    let candidates = to_remind(state, round, &list);
    let (round_id, now) = (round.id, state.clock.now());
    let last = db(state, move |conn| {
        Ok(reminders::last_reminded(conn, round_id, now)?)
    })
    .await?;
    let (due, cooldown) = reminders::partition(&candidates, &last, now);
    Ok(Recipients {
        list,
        candidates,
        due,
        cooldown,
    })
}

/// The reminders page from who would be reminded and the earlier sendings.
fn reminders_page<'a>(
    state: &AppState,
    view: &RoundAnalysis,
    round: &'a Round,
    recipients: &'a Recipients,
    sendings: Vec<SendingView>,
) -> RemindersPage<'a> {
    let Recipients {
        list,
        candidates,
        due,
        cooldown,
    } = recipients;
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
    RemindersPage {
        round,
        deadline: danish_datetime(round.deadline),
        outstanding: list,
        tracker_level: 2,
        emails: emails_to_copy(list),
        recipient_count: due.len(),
        municipality_count: with_editors,
        example,
        blocked: blocked_reason(state, round, candidates.len(), cooldown).map(|b| b.danish()),
        cooldown: skipped_views(cooldown, view),
        cooldown_hours: mail_policy::REMINDER_COOLDOWN_HOURS,
        sendings,
        sent: None,
        error: None,
        plan: PlanView::default(),
    }
}

async fn render(
    page: &Page,
    view: &RoundAnalysis,
    sent: Option<SentView>,
    error: Option<Blocked>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    render_with_plan(page, view, sent, error, PlanView::default(), status).await
}

async fn render_with_plan(
    page: &Page,
    view: &RoundAnalysis,
    sent: Option<SentView>,
    error: Option<Blocked>,
    shown: PlanView,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let round = &view.data.content.round;
    let recipients = recipients(&page.state, view).await?;
    let round_id = round.id;
    let (list, stored_plan) = db(&page.state, move |conn| {
        Ok((
            reminders::list(conn, round_id)?,
            reminder_plan::plan(conn, round_id)?,
        ))
    })
    .await?;
    let plan = plan_view(round, &stored_plan, &list, shown);
    let sendings = sending_views(&list, view);
    let model = RemindersPage {
        sent,
        error: error.map(|e| e.danish()),
        plan,
        ..reminders_page(&page.state, view, round, &recipients, sendings)
    };
    page.render_status(status, "reminders.html", &model)
}

/// One step's state and outcome in Danish.
fn step_outcome(step: &Step, paused: bool, sendings: &[Sending]) -> (&'static str, String) {
    match step.outcome {
        None if step.done_at.is_none() && paused => (
            "waiting",
            "Planlagt, men planen er sat på pause: den sendes ikke, hvis pausen varer til da"
                .to_owned(),
        ),
        None if step.done_at.is_none() => ("waiting", "Planlagt".to_owned()),
        None => ("waiting", "Sendes nu".to_owned()),
        Some(Outcome::Sent) => {
            let sending = sendings.iter().find(|s| Some(s.id) == step.reminder_id);
            let total = sending.map_or(0, |s| s.recipients.len());
            let delivered = sending.map_or(0, |s| {
                s.recipients
                    .iter()
                    .filter(|r| matches!(r.delivery, Delivery::Sent { .. }))
                    .count()
            });
            (
                "sent",
                format!("Sendt til {total} redaktører, {delivered} afleveret"),
            )
        }
        Some(Outcome::Nobody) => (
            "skipped",
            "Ikke sendt: ingen manglende kommune havde en redaktør at minde om".to_owned(),
        ),
        Some(Outcome::Paused) => ("skipped", "Ikke sendt: planen var sat på pause".to_owned()),
        Some(Outcome::NotOpen) => ("skipped", "Ikke sendt: runden var ikke åben".to_owned()),
        Some(Outcome::Passed) => (
            "skipped",
            "Ikke sendt: tidspunktet var passeret, da runden blev åbnet eller fristen flyttet"
                .to_owned(),
        ),
    }
}

/// The plan for its page, with what the plan's forms showed after a change.
fn plan_view(round: &Round, plan: &Plan, sendings: &[Sending], shown: PlanView) -> PlanView {
    let editable = matches!(round.state, RoundState::Draft | RoundState::Open);
    let steps = plan
        .steps
        .iter()
        .map(|step| {
            let (state, outcome) = step_outcome(step, plan.paused, sendings);
            PlanStepView {
                id: step.id,
                rule: step.rule.label_da(),
                due: step
                    .due_at
                    .map_or_else(|| "Når runden åbnes".to_owned(), danish_datetime),
                state,
                outcome,
                sending: step.reminder_id.map(|id| format!("sending-{id}")),
                removable: editable && step.done_at.is_none(),
            }
        })
        .collect();
    PlanView {
        paused: plan.paused,
        editable,
        draft: round.state == RoundState::Draft,
        steps,
        ..shown
    }
}

#[derive(Debug, Deserialize)]
pub struct PlanForm {
    csrf_token: Option<String>,
    action: String,
    #[serde(default)]
    days: String,
    #[serde(default)]
    at: String,
    step: Option<i32>,
}

csrf_protected!(PlanForm);

/// A refused change to the plan, in Danish.
fn plan_refusal_da(refusal: &PlanRefusal) -> String {
    match refusal {
        PlanRefusal::RoundOver => {
            "Runden er lukket, så påmindelsesplanen kan ikke længere ændres.".to_owned()
        }
        PlanRefusal::InThePast => {
            "Tidspunktet er allerede passeret; vælg et tidspunkt, der ligger forude.".to_owned()
        }
        PlanRefusal::NoSuchStep => {
            "Påmindelsen findes ikke i planen eller er allerede sendt.".to_owned()
        }
    }
}

/// The change a plan form asks for, or what is wrong with it.
fn plan_change(form: &PlanForm) -> Result<(PlanChange, &'static str), String> {
    match form.action.as_str() {
        "pause" => Ok((PlanChange::Pause, "Påmindelsesplanen er sat på pause.")),
        "resume" => Ok((PlanChange::Resume, "Påmindelsesplanen er genoptaget.")),
        "before" | "after" => {
            let days = parse_days(&form.days).map_err(|e| e.0)?;
            let rule = if form.action == "before" {
                PlanRule::BeforeDeadline(days)
            } else {
                PlanRule::AfterDeadline(days)
            };
            Ok((PlanChange::Add(rule), "Påmindelsen er tilføjet planen."))
        }
        "at" => {
            let at = parse_deadline(&form.at).map_err(|e| e.0)?;
            Ok((PlanChange::AddAt(at), "Påmindelsen er tilføjet planen."))
        }
        "remove" => form
            .step
            .map(|id| (PlanChange::Remove(id), "Påmindelsen er fjernet fra planen."))
            .ok_or_else(|| "Vælg den påmindelse, der skal fjernes.".to_owned()),
        _ => Err("Ukendt ændring af planen.".to_owned()),
    }
}

/// What the plan's section shows after a change was saved or refused (`typed` keeps the
/// input), and the page's status.
fn after_change(
    outcome: Result<(), PlanError>,
    saved: &'static str,
    typed: PlanView,
) -> Result<(PlanView, StatusCode), AppError> {
    match outcome {
        Ok(()) => Ok((
            PlanView {
                saved: Some(saved),
                ..PlanView::default()
            },
            StatusCode::OK,
        )),
        Err(PlanError::Refused(refusal)) => Ok((
            PlanView {
                error: Some(plan_refusal_da(&refusal)),
                ..typed
            },
            StatusCode::CONFLICT,
        )),
        Err(PlanError::NotFound) => Err(AppError::NotFound),
        Err(PlanError::Database(e)) => Err(e.into()),
    }
}

/// Changes the plan and shows the page with what was saved, or the form again with why not.
async fn change_plan(
    page: Page,
    path: web::Path<i32>,
    form: CsrfForm<PlanForm>,
) -> Result<HttpResponse, AppError> {
    let view = admin_view(&page, path.into_inner()).await?;
    let form = form.into_inner();
    let typed = PlanView {
        days: form.days.clone(),
        at: form.at.clone(),
        ..PlanView::default()
    };
    let (change, saved) = match plan_change(&form) {
        Ok(change) => change,
        Err(message) => {
            let shown = PlanView {
                error: Some(message),
                ..typed
            };
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return render_with_plan(&page, &view, None, None, shown, status).await;
        }
    };
    let round_id = view.data.content.round.id;
    let (actor, now) = (Some(page.user.id), page.state.clock.now());
    let outcome = db(&page.state, move |conn| {
        Ok(reminder_plan::change(conn, round_id, &change, actor, now))
    })
    .await?;
    let (shown, status) = after_change(outcome, saved, typed)?;
    render_with_plan(&page, &view, None, None, shown, status).await
}

async fn page(page: Page, path: web::Path<i32>) -> Result<HttpResponse, AppError> {
    let view = admin_view(&page, path.into_inner()).await?;
    render(&page, &view, None, None, StatusCode::OK).await
}

#[derive(Debug, Deserialize)]
pub struct SendForm {
    csrf_token: Option<String>,
    confirm: Option<String>,
}

csrf_protected!(SendForm);

/// A refused sending, as the page says it.
fn queue_refusal(refusal: Refusal, now: NaiveDateTime) -> Blocked {
    match refusal {
        Refusal::NobodyToRemind => Blocked::NoEditors,
        Refusal::AllRemindedRecently(skipped) => Blocked::AllRemindedRecently {
            again_at: skipped.iter().map(|s| s.again_at).min().unwrap_or(now),
        },
    }
}

/// Queues a reminder to each editor not reminded within the cooldown and shows the page with
/// what was queued and who was left out. Sending again (a second click, a reload) is refused
/// for the editors just reminded.
async fn send(
    page: Page,
    path: web::Path<i32>,
    form: CsrfForm<SendForm>,
) -> Result<HttpResponse, AppError> {
    let view = admin_view(&page, path.into_inner()).await?;
    let round = &view.data.content.round;
    let list = outstanding(&page.state, &view).await?;
    let candidates = to_remind(&page.state, round, &list);
    let refusal = if form.confirm.as_deref() != Some("ja") {
        Some(Blocked::NotConfirmed)
    } else {
        blocked_reason(&page.state, round, candidates.len(), &[])
    };
    if let Some(blocked) = refusal {
        return render(&page, &view, None, Some(blocked), StatusCode::CONFLICT).await;
    }
    let (round_id, sender, now) = (round.id, page.user.id, page.state.clock.now());
    let queued = db(&page.state, move |conn| {
        Ok(reminders::queue(conn, round_id, sender, now, &candidates))
    })
    .await?;
    let queued = match queued {
        Ok(queued) => queued,
        Err(QueueError::Refused(refusal)) => {
            let blocked = queue_refusal(refusal, now);
            return render(&page, &view, None, Some(blocked), StatusCode::CONFLICT).await;
        }
        Err(QueueError::Database(e)) => return Err(e.into()),
    };
    page.state.wake_outbox();
    let sent = sent_view(round_id, sender, &queued, &view);
    render(&page, &view, Some(sent), None, StatusCode::OK).await
}

/// What a sending queued and who it left out, logged and for the page.
fn sent_view(round_id: i32, sender: i32, queued: &Queued, view: &RoundAnalysis) -> SentView {
    tracing::info!(
        round = round_id,
        by = sender,
        queued = queued.queued,
        skipped = queued.skipped.len(),
        "reminders queued"
    );
    SentView {
        queued: queued.queued,
        skipped: skipped_views(&queued.skipped, view),
    }
}
