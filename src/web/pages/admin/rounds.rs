//! Rounds: the list, creating one, and a round's page with its life cycle, deadline,
//! participants and history.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use super::{admin_round, describe, problem_status, redirect, refusal, Problem};
use crate::csrf_protected;
use crate::domain::cooperation::{parse_start_year, StartYearRefusal, EARLIEST_START_YEAR};
use crate::domain::notices::{before_deadline, Missing};
use crate::domain::rounds::{
    deadline_is_movable, next_state, participants_are_editable, transition_consequence,
    transition_label, RoundSetup,
};
use crate::domain::schedule::PlannedStep;
use crate::domain::time::{danish_datetime, deadline_input, parse_deadline};
use crate::domain::{Municipality, MunicipalityCode, Round, RoundContent, RoundState};
use crate::store::audit::AuditEvent;
use crate::store::rounds::CooperationStart;
use crate::store::{reference, reminder_plan, rounds, schedule};
use crate::views::admin::{
    ConfirmDeadlinePage, ConfirmStatePage, CooperationField, NewRoundInput, NewRoundPage,
    RoundPage, RoundRow, RoundsPage, ScheduleSection, ScheduleTyped, StartYear, Step,
};
use crate::views::fields::Choice;
use crate::web::db;
use crate::web::error::AppError;
use crate::web::extract::{AdminPage, CsrfForm};
use crate::web::session::verify_csrf;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin", web::get().to(list))
        .route("/admin/rounds/new", web::get().to(new_round))
        .route("/admin/rounds", web::post().to(create))
        .route("/admin/rounds/{id}", web::get().to(show))
        .route("/admin/rounds/{id}/state", web::post().to(change_state))
        .route("/admin/rounds/{id}/deadline", web::post().to(move_deadline))
        .route(
            "/admin/rounds/{id}/participants",
            web::post().to(participants),
        )
        .route(
            "/admin/rounds/{id}/cooperation",
            web::post().to(cooperation_start),
        );
}

async fn list(page: AdminPage) -> Result<HttpResponse, AppError> {
    let kkr_id = page.kkr_id();
    let (kkr, list) = db(&page.state, move |conn| {
        Ok((
            reference::kkr_name(conn, kkr_id)?.unwrap_or_default(),
            rounds::rounds_of_kkr(conn, kkr_id)?,
        ))
    })
    .await?;
    let rounds = list
        .into_iter()
        .map(|r| RoundRow {
            id: r.id,
            year: r.year,
            title: r.title,
            state: r.state.label_da(),
            deadline: danish_datetime(r.deadline),
        })
        .collect();
    page.render("admin_rounds.html", &RoundsPage { kkr, rounds })
}

/// The KKR's municipalities as checkboxes, checked where `checked` says.
fn municipality_choices(
    municipalities: &[Municipality],
    checked: impl Fn(&MunicipalityCode) -> bool,
) -> Vec<Choice> {
    municipalities
        .iter()
        .map(|m| Choice::new(m.code.as_str(), m.name.clone(), checked(&m.code)))
        .collect()
}

/// The new-round form's defaults: next year, and last round's title and subject.
fn new_round_defaults(latest: Option<&Round>, this_year: i32) -> NewRoundInput {
    let year = latest.map_or(this_year, |r| r.year + 1);
    NewRoundInput {
        year: year.to_string(),
        title: latest
            .map(|r| r.title.replace(&r.year.to_string(), &year.to_string()))
            .unwrap_or_default(),
        subject: latest.map(|r| r.subject.clone()).unwrap_or_default(),
        deadline: String::new(),
        from_previous: latest.is_some(),
    }
}

/// The new-round form: the defaults, or what was typed (with the municipalities chosen).
async fn render_new(
    page: &AdminPage,
    typed: Option<NewRoundForm>,
    problems: Vec<Problem>,
) -> Result<HttpResponse, AppError> {
    let kkr_id = page.kkr_id();
    let (kkr, municipalities, latest) = db(&page.state, move |conn| {
        Ok((
            reference::kkr_name(conn, kkr_id)?.unwrap_or_default(),
            reference::municipalities_of_kkr(conn, kkr_id)?,
            rounds::latest_round_before(conn, kkr_id, 2101)?,
        ))
    })
    .await?;
    let (input, chosen) = match typed {
        Some(form) => (form.input, Some(form.chosen)),
        None => {
            let this_year = chrono::Datelike::year(&page.state.clock.now());
            (new_round_defaults(latest.as_ref(), this_year), None)
        }
    };
    let model = NewRoundPage {
        kkr,
        input,
        municipalities: municipality_choices(&municipalities, |code| {
            chosen
                .as_ref()
                .is_none_or(|c| c.iter().any(|chosen| chosen == code.as_str()))
        }),
        latest: latest.map(|r| format!("{} ({})", r.title, r.year)),
        problems,
    };
    page.render_status(
        problem_status(&model.problems),
        "admin_round_new.html",
        &model,
    )
}

async fn new_round(page: AdminPage) -> Result<HttpResponse, AppError> {
    render_new(&page, None, Vec::new()).await
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

fn all_of(fields: &[(String, String)], name: &str) -> Vec<String> {
    fields
        .iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .collect()
}

fn parse_codes(raw: &[String]) -> Result<Vec<MunicipalityCode>, AppError> {
    raw.iter()
        .map(|c| {
            MunicipalityCode::parse(c)
                .map_err(|e| AppError::BadRequest(format!("{e}. Intet er gemt.")))
        })
        .collect()
}

/// The new-round form as sent: its fields, and the municipalities checked (a repeated field,
/// so the form is read by hand and its CSRF token checked here).
struct NewRoundForm {
    input: NewRoundInput,
    chosen: Vec<String>,
}

impl NewRoundForm {
    fn read(
        session: &actix_session::Session,
        fields: &[(String, String)],
    ) -> Result<Self, AppError> {
        verify_csrf(session, Some(field(fields, "csrf_token")))?;
        Ok(NewRoundForm {
            input: NewRoundInput {
                year: field(fields, "year").to_owned(),
                title: field(fields, "title").to_owned(),
                subject: field(fields, "subject").to_owned(),
                deadline: field(fields, "deadline").to_owned(),
                from_previous: field(fields, "from_previous") == "ja",
            },
            chosen: all_of(fields, "municipality"),
        })
    }

    /// The round to create, or the problems with the typed fields.
    fn setup(&self, kkr_id: i32) -> Result<Result<rounds::CreateRound, Vec<Problem>>, AppError> {
        let input = &self.input;
        let setup =
            match RoundSetup::parse(&input.year, &input.title, &input.subject, &input.deadline) {
                Ok(setup) => setup,
                Err(problems) => {
                    return Ok(Err(problems
                        .into_iter()
                        .map(|p| Problem::field(p.field, p.message))
                        .collect()))
                }
            };
        Ok(Ok(rounds::CreateRound {
            kkr_id,
            setup,
            participants: Some(parse_codes(&self.chosen)?),
            from_previous: input.from_previous,
        }))
    }
}

async fn create(
    page: AdminPage,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let now = page.state.clock.now();
    let form = NewRoundForm::read(&page.session, &form)?;
    let create = match form.setup(page.kkr_id())? {
        Ok(create) => create,
        Err(problems) => return render_new(&page, Some(form), problems).await,
    };
    let actor = page.user.id;
    let outcome = db(&page.state, move |conn| {
        Ok(rounds::create_round(conn, &create, Some(actor), now))
    })
    .await?;
    match outcome {
        Ok(id) => Ok(redirect(format!("/admin/rounds/{id}?ok=oprettet"))),
        Err(e) => {
            let problem = Problem::page(refusal(e)?);
            render_new(&page, Some(form), vec![problem]).await
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct NoticeQuery {
    ok: Option<String>,
    /// A suggested start year of the cooperation, from the agenda item's download form.
    samarbejde_fra: Option<String>,
}

fn notice(flag: Option<&str>) -> Option<&'static str> {
    match flag? {
        "oprettet" => Some("Runden er oprettet som kladde (under forberedelse)."),
        "status" => Some("Rundens status er ændret."),
        "frist" => Some("Fristen er flyttet."),
        "kommuner" => Some("De deltagende kommuner er gemt."),
        "samarbejde" => Some("Året, samarbejdet blev indgået, er gemt."),
        "tidsplan" => Some("Rundens tidsplan er gemt."),
        _ => None,
    }
}

/// What a round page shows besides the stored round: the user's input and problems.
#[derive(Debug, Default)]
pub(super) struct PageInput {
    pub(super) deadline: Option<String>,
    /// The start year as typed (or suggested), shown in its field instead of the stored one.
    pub(super) cooperation: Option<String>,
    /// The field holds a suggestion, not what is stored.
    pub(super) cooperation_suggested: bool,
    pub(super) chosen: Option<Vec<String>>,
    /// The schedule's fields as typed, when a change was refused.
    pub(super) schedule: Option<ScheduleTyped>,
    pub(super) problems: Vec<Problem>,
    pub(super) notice: Option<&'static str>,
}

impl PageInput {
    /// The page again with a refused change said at its top.
    pub(super) fn refused(message: String) -> PageInput {
        PageInput {
            problems: vec![Problem::page(message)],
            ..PageInput::default()
        }
    }
}

/// What a round's page reads besides the round itself.
struct RoundFacts {
    municipalities: Vec<Municipality>,
    events: Vec<AuditEvent>,
    forms: i64,
    start: Option<CooperationStart>,
    schedule: Vec<PlannedStep>,
}

fn start_year(start: CooperationStart) -> StartYear {
    StartYear {
        year: start.year,
        given_for: start.given_for,
    }
}

/// A round's page from the stored round, what it reads besides, and the user's input.
fn round_page(
    content: &RoundContent,
    facts: RoundFacts,
    input: PageInput,
) -> RoundPage<super::HistoryRow> {
    let round = &content.round;
    let own_start = facts.start.filter(|s| s.given_for == round.year);
    let cooperation = CooperationField {
        value: input
            .cooperation
            .unwrap_or_else(|| own_start.map(|s| s.year.to_string()).unwrap_or_default()),
        suggested: input.cooperation_suggested,
        stated: facts.start.map(start_year),
        inherited: facts
            .start
            .filter(|s| s.given_for != round.year)
            .map(start_year),
        error: Problem::message_of(&input.problems, "cooperation_start_year"),
    };
    let chosen = input.chosen;
    let events = facts.events;
    RoundPage {
        round: round.clone(),
        state_label: round.state.label_da(),
        deadline: danish_datetime(round.deadline),
        deadline_input: input
            .deadline
            .unwrap_or_else(|| deadline_input(round.deadline)),
        next: next_state(round.state).map(|to| Step {
            to: to.as_str(),
            label: transition_label(to),
        }),
        deadline_movable: deadline_is_movable(round.state).is_ok(),
        participants_editable: participants_are_editable(round.state).is_ok(),
        participant_count: content.municipalities.len(),
        focus_area_count: content.focus_areas.len(),
        recommendation_count: content.recommendations.len(),
        form_count: facts.forms,
        municipalities: municipality_choices(&facts.municipalities, |code| match &chosen {
            Some(chosen) => chosen.iter().any(|c| c == code.as_str()),
            None => content.municipality(code).is_some(),
        }),
        is_draft: round.state == RoundState::Draft,
        is_published: round.state == RoundState::Published,
        history: events.iter().rev().map(describe).collect::<Vec<_>>(),
        cooperation,
        schedule: ScheduleSection::new(round, &facts.schedule, input.schedule, &input.problems),
        problems: input.problems,
        notice: input.notice,
    }
}

pub(super) async fn render_round(
    page: &AdminPage,
    content: RoundContent,
    input: PageInput,
) -> Result<HttpResponse, AppError> {
    let (round_id, kkr_id) = (content.round.id, content.round.kkr_id);
    let facts = db(&page.state, move |conn| {
        Ok(RoundFacts {
            municipalities: reference::municipalities_of_kkr(conn, kkr_id)?,
            events: rounds::history(conn, round_id)?,
            forms: rounds::form_count(conn, round_id)?,
            start: rounds::cooperation_start(conn, round_id)?,
            schedule: schedule::steps(conn, round_id)?,
        })
    })
    .await?;
    let model = round_page(&content, facts, input);
    page.render_status(problem_status(&model.problems), "admin_round.html", &model)
}

async fn show(
    page: AdminPage,
    path: web::Path<i32>,
    query: web::Query<NoticeQuery>,
) -> Result<HttpResponse, AppError> {
    let content = admin_round(&page, path.into_inner()).await?;
    // A suggestion fills the field only while no year is given for the round itself, and
    // only when it is a year the field would accept.
    let suggested = query
        .samarbejde_fra
        .as_deref()
        .and_then(|raw| parse_start_year(raw, content.round.year).ok().flatten());
    let input = PageInput {
        notice: notice(query.ok.as_deref()),
        cooperation: suggested.map(|year| year.to_string()),
        cooperation_suggested: suggested.is_some(),
        ..PageInput::default()
    };
    render_round(&page, content, input).await
}

/// A refused start year, in Danish.
fn start_year_message(refusal: &StartYearRefusal) -> String {
    match refusal {
        StartYearRefusal::NotAYear => {
            "Året skal skrives med fire cifre, fx 2015, eller feltet være tomt.".to_owned()
        }
        StartYearRefusal::TooEarly => format!(
            "Året kan tidligst være {EARLIEST_START_YEAR}; ret det, eller lad feltet være tomt."
        ),
        StartYearRefusal::AfterRound { round_year } => format!(
            "Samarbejdet kan ikke være indgået efter rundens år, {round_year}; ret året, eller lad feltet være tomt."
        ),
    }
}

/// A refused start year, at its field.
fn start_year_problem(refusal: &StartYearRefusal) -> Problem {
    Problem::field("cooperation_start_year", start_year_message(refusal))
}

#[derive(Debug, Deserialize)]
pub struct CooperationForm {
    csrf_token: Option<String>,
    #[serde(default)]
    cooperation_start_year: String,
}

#[derive(Debug, Deserialize)]
pub struct StateForm {
    csrf_token: Option<String>,
    to: String,
    confirmed: Option<String>,
    /// "ja": open although the deadline has passed (the confirmation said so).
    past_deadline: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct DeadlineForm {
    csrf_token: Option<String>,
    deadline: String,
    /// "ja": the move to a time that has passed was confirmed.
    past_deadline: Option<String>,
}

csrf_protected!(CooperationForm, StateForm, DeadlineForm);

/// Saves (or clears) the year the round's cooperation began; a bad year comes back in its
/// field with the reason, nothing saved.
async fn cooperation_start(
    page: AdminPage,
    path: web::Path<i32>,
    form: CsrfForm<CooperationForm>,
) -> Result<HttpResponse, AppError> {
    let now = page.state.clock.now();
    let content = admin_round(&page, path.into_inner()).await?;
    let typed = form.into_inner().cooperation_start_year;
    let year = match parse_start_year(&typed, content.round.year) {
        Ok(year) => year,
        Err(refusal) => {
            let input = PageInput {
                cooperation: Some(typed),
                problems: vec![start_year_problem(&refusal)],
                ..PageInput::default()
            };
            return render_round(&page, content, input).await;
        }
    };
    let (round_id, actor) = (content.round.id, Some(page.user.id));
    let outcome = db(&page.state, move |conn| {
        Ok(rounds::set_cooperation_start_year(
            conn, round_id, year, actor, now,
        ))
    })
    .await?;
    match outcome {
        Ok(()) => Ok(redirect(format!(
            "/admin/rounds/{round_id}?ok=samarbejde#cooperation_start_year"
        ))),
        Err(e) => {
            let input = PageInput {
                cooperation: Some(typed),
                ..PageInput::refused(refusal(e)?)
            };
            render_round(&page, content, input).await
        }
    }
}

/// What opening with a deadline that has passed means, when it has.
fn past_deadline_warning(
    round: &Round,
    to: RoundState,
    now: chrono::NaiveDateTime,
) -> Option<String> {
    (to == RoundState::Open && !before_deadline(now, round.deadline)).then(|| {
        format!(
            "Fristen {} er passeret. Åbnes runden nu, kan kommunerne ikke gemme eller indsende deres skemaer, før du flytter fristen; kun KKR-sekretariatet kan.",
            danish_datetime(round.deadline)
        )
    })
}

/// The confirmation step before a round changes state; before closing, with the
/// municipalities that have not submitted (`missing`).
fn confirm_state_page(
    content: &RoundContent,
    to: RoundState,
    missing: &[(MunicipalityCode, String, Missing)],
    now: chrono::NaiveDateTime,
) -> ConfirmStatePage {
    let not_started = missing
        .iter()
        .filter(|m| m.2 == Missing::NotStarted)
        .map(|m| m.1.clone())
        .collect();
    let drafts = missing
        .iter()
        .filter_map(|(_, name, lacks)| match lacks {
            Missing::Draft { answered, asked } => {
                Some(format!("{name} ({answered} af {asked} besvaret)"))
            }
            Missing::NotStarted => None,
        })
        .collect();
    ConfirmStatePage {
        round: content.round.clone(),
        state_label: content.round.state.label_da(),
        to: to.as_str(),
        to_label: to.label_da(),
        action: transition_label(to),
        consequence: transition_consequence(to),
        participant_count: content.municipalities.len(),
        recommendation_count: content.recommendations.len(),
        past_deadline: past_deadline_warning(&content.round, to, now),
        not_started,
        drafts,
    }
}

async fn change_state(
    page: AdminPage,
    path: web::Path<i32>,
    form: CsrfForm<StateForm>,
) -> Result<HttpResponse, AppError> {
    let now = page.state.clock.now();
    let content = admin_round(&page, path.into_inner()).await?;
    let to = RoundState::parse(&form.to)
        .map_err(|e| AppError::BadRequest(format!("{e}. Intet er ændret.")))?;
    let past_unconfirmed = past_deadline_warning(&content.round, to, now).is_some()
        && form.past_deadline.as_deref() != Some("ja");
    if form.confirmed.as_deref() != Some("ja") || past_unconfirmed {
        let copy = content.clone();
        let missing = db(&page.state, move |conn| {
            Ok(reminder_plan::missing(conn, &copy)?)
        })
        .await?;
        let model = confirm_state_page(&content, to, &missing, now);
        return page.render("admin_confirm.html", &model);
    }
    let (round_id, actor, links) = (content.round.id, page.user.id, page.state.links());
    let outcome = db(&page.state, move |conn| {
        Ok(rounds::change_state(
            conn,
            round_id,
            to,
            Some(actor),
            &links,
            now,
        ))
    })
    .await?;
    match outcome {
        Ok(()) => {
            page.state.wake_outbox();
            // A round closed or published may have council meetings ahead.
            page.state.ahead.wake();
            Ok(redirect(format!("/admin/rounds/{round_id}?ok=status")))
        }
        Err(e) => render_round(&page, content, PageInput::refused(refusal(e)?)).await,
    }
}

/// The round's page again with the typed deadline and why it was not read.
fn bad_deadline(typed: String, message: String) -> PageInput {
    PageInput {
        deadline: Some(typed),
        problems: vec![Problem::field("deadline", message)],
        ..PageInput::default()
    }
}

/// After the deadline moved: the sender wakes for the notices, the page says it.
fn moved(page: &AdminPage, round_id: i32) -> HttpResponse {
    page.state.wake_outbox();
    redirect(format!("/admin/rounds/{round_id}?ok=frist"))
}

/// The confirmation before the deadline moves to `deadline`, which has passed at `now`.
fn confirm_deadline_page(
    round: &Round,
    typed: String,
    deadline: chrono::NaiveDateTime,
    now: chrono::NaiveDateTime,
) -> ConfirmDeadlinePage {
    ConfirmDeadlinePage {
        round: round.clone(),
        typed,
        deadline: danish_datetime(deadline),
        now: danish_datetime(now),
        open: round.state == RoundState::Open,
    }
}

async fn move_deadline(
    page: AdminPage,
    path: web::Path<i32>,
    form: CsrfForm<DeadlineForm>,
) -> Result<HttpResponse, AppError> {
    let content = admin_round(&page, path.into_inner()).await?;
    let form = form.into_inner();
    let typed = form.deadline.clone();
    let deadline = match parse_deadline(&typed) {
        Ok(deadline) => deadline,
        Err(e) => return render_round(&page, content, bad_deadline(typed, e.0)).await,
    };
    let (round_id, actor, now) = (content.round.id, page.user.id, page.state.clock.now());
    if !before_deadline(now, deadline) && form.past_deadline.as_deref() != Some("ja") {
        let model = confirm_deadline_page(&content.round, typed, deadline, now);
        return page.render("admin_round_confirm_deadline.html", &model);
    }
    let links = page.state.links();
    let outcome = db(&page.state, move |conn| {
        let actor = Some(actor);
        Ok(rounds::move_deadline(
            conn, round_id, deadline, actor, &links, now,
        ))
    })
    .await?;
    match outcome {
        Ok(()) => Ok(moved(&page, round_id)),
        Err(e) => {
            let input = PageInput {
                deadline: Some(typed),
                ..PageInput::refused(refusal(e)?)
            };
            render_round(&page, content, input).await
        }
    }
}

/// Sets the round's municipalities (a repeated field, so the form is read by hand and its
/// CSRF token checked here).
async fn participants(
    page: AdminPage,
    path: web::Path<i32>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let now = page.state.clock.now();
    let fields = form.into_inner();
    verify_csrf(&page.session, Some(field(&fields, "csrf_token")))?;
    let content = admin_round(&page, path.into_inner()).await?;
    let chosen = all_of(&fields, "municipality");
    let codes = parse_codes(&chosen)?;
    let (round_id, actor) = (content.round.id, page.user.id);
    let outcome = db(&page.state, move |conn| {
        Ok(rounds::set_participants(
            conn,
            round_id,
            &codes,
            Some(actor),
            now,
        ))
    })
    .await?;
    match outcome {
        Ok(()) => Ok(redirect(format!("/admin/rounds/{round_id}?ok=kommuner"))),
        Err(e) => {
            let input = PageInput {
                chosen: Some(chosen),
                ..PageInput::refused(refusal(e)?)
            };
            render_round(&page, content, input).await
        }
    }
}
