//! Rounds: the list, creating one, and a round's page with its life cycle, deadline,
//! participants and history.

use actix_session::Session;
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};

use super::{admin_kkr, admin_round, describe, problem_status, redirect, refusal, Problem};
use crate::domain::cooperation::{parse_start_year, StartYearRefusal, EARLIEST_START_YEAR};
use crate::domain::rounds::{
    deadline_is_movable, next_state, participants_are_editable, transition_consequence,
    transition_label, RoundSetup,
};
use crate::domain::time::{danish_datetime, deadline_input, parse_deadline};
use crate::domain::{MunicipalityCode, RoundContent, RoundState, User};
use crate::store::rounds::CooperationStart;
use crate::store::{reference, rounds};
use crate::web::error::AppError;
use crate::web::infra::templates::base_context;
use crate::web::session::verify_csrf;
use crate::web::session::SignedIn;
use crate::web::{db, AppState};

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

#[derive(Debug, Serialize)]
struct RoundRow {
    id: i32,
    year: i32,
    title: String,
    state: &'static str,
    deadline: String,
}

async fn list(
    state: web::Data<AppState>,
    session: Session,
    SignedIn(user): SignedIn,
) -> Result<HttpResponse, AppError> {
    let kkr_id = admin_kkr(&user)?;
    let (kkr, list) = db(&state, move |conn| {
        Ok((
            reference::kkr_name(conn, kkr_id)?.unwrap_or_default(),
            rounds::rounds_of_kkr(conn, kkr_id)?,
        ))
    })
    .await?;
    let rows: Vec<RoundRow> = list
        .into_iter()
        .map(|r| RoundRow {
            id: r.id,
            year: r.year,
            title: r.title,
            state: r.state.label_da(),
            deadline: danish_datetime(r.deadline),
        })
        .collect();
    let mut context = base_context(&session, Some(&user))?;
    context.insert("kkr", &kkr);
    context.insert("rounds", &rows);
    state.pages.ok("admin_rounds.html", &context)
}

#[derive(Debug, Serialize)]
struct Choice {
    code: String,
    name: String,
    checked: bool,
}

/// What the new-round form shows: the user's input, or the defaults.
#[derive(Debug, Serialize)]
struct NewRoundInput {
    year: String,
    title: String,
    subject: String,
    deadline: String,
    from_previous: bool,
}

async fn render_new(
    state: &web::Data<AppState>,
    session: &Session,
    user: &User,
    input: Option<NewRoundInput>,
    chosen: Option<Vec<String>>,
    problems: Vec<Problem>,
) -> Result<HttpResponse, AppError> {
    let kkr_id = admin_kkr(user)?;
    let (kkr, municipalities, latest) = db(state, move |conn| {
        Ok((
            reference::kkr_name(conn, kkr_id)?.unwrap_or_default(),
            reference::municipalities_of_kkr(conn, kkr_id)?,
            rounds::latest_round_before(conn, kkr_id, 2101)?,
        ))
    })
    .await?;
    let input = input.unwrap_or_else(|| {
        let year = latest.as_ref().map_or_else(
            || chrono::Datelike::year(&state.clock.now()),
            |r| r.year + 1,
        );
        NewRoundInput {
            year: year.to_string(),
            title: latest
                .as_ref()
                .map(|r| r.title.replace(&r.year.to_string(), &year.to_string()))
                .unwrap_or_default(),
            subject: latest
                .as_ref()
                .map(|r| r.subject.clone())
                .unwrap_or_default(),
            deadline: String::new(),
            from_previous: latest.is_some(),
        }
    });
    let choices: Vec<Choice> = municipalities
        .iter()
        .map(|m| Choice {
            code: m.code.to_string(),
            name: m.name.clone(),
            checked: chosen
                .as_ref()
                .is_none_or(|c| c.iter().any(|code| code == m.code.as_str())),
        })
        .collect();
    let mut context = base_context(session, Some(user))?;
    context.insert("kkr", &kkr);
    context.insert("input", &input);
    context.insert("municipalities", &choices);
    context.insert(
        "latest",
        &latest.map(|r| format!("{} ({})", r.title, r.year)),
    );
    context.insert("problems", &problems);
    state
        .pages
        .respond(problem_status(&problems), "admin_round_new.html", &context)
}

async fn new_round(
    state: web::Data<AppState>,
    session: Session,
    SignedIn(user): SignedIn,
) -> Result<HttpResponse, AppError> {
    render_new(&state, &session, &user, None, None, Vec::new()).await
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

async fn create(
    state: web::Data<AppState>,
    session: Session,
    SignedIn(user): SignedIn,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    let fields = form.into_inner();
    verify_csrf(&session, Some(field(&fields, "csrf_token")))?;
    let kkr_id = admin_kkr(&user)?;
    let input = NewRoundInput {
        year: field(&fields, "year").to_owned(),
        title: field(&fields, "title").to_owned(),
        subject: field(&fields, "subject").to_owned(),
        deadline: field(&fields, "deadline").to_owned(),
        from_previous: field(&fields, "from_previous") == "ja",
    };
    let chosen = all_of(&fields, "municipality");
    let setup = match RoundSetup::parse(&input.year, &input.title, &input.subject, &input.deadline)
    {
        Ok(setup) => setup,
        Err(problems) => {
            let problems = problems
                .into_iter()
                .map(|p| Problem::field(p.field, p.message))
                .collect();
            return render_new(&state, &session, &user, Some(input), Some(chosen), problems).await;
        }
    };
    let codes = parse_codes(&chosen)?;
    let create = rounds::CreateRound {
        kkr_id,
        setup,
        participants: Some(codes),
        from_previous: input.from_previous,
    };
    let actor = user.id;
    let outcome = db(&state, move |conn| {
        Ok(rounds::create_round(conn, &create, Some(actor), now))
    })
    .await?;
    match outcome {
        Ok(id) => Ok(redirect(format!("/admin/rounds/{id}?ok=oprettet"))),
        Err(e) => {
            let problem = Problem::page(refusal(e)?);
            render_new(
                &state,
                &session,
                &user,
                Some(input),
                Some(chosen),
                vec![problem],
            )
            .await
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
        _ => None,
    }
}

#[derive(Debug, Serialize)]
struct Step {
    to: &'static str,
    label: &'static str,
}

/// What a round page shows besides the stored round: the user's input and problems.
#[derive(Debug, Default)]
struct PageInput {
    deadline: Option<String>,
    /// The start year as typed (or suggested), shown in its field instead of the stored one.
    cooperation: Option<String>,
    /// The field holds a suggestion, not what is stored.
    cooperation_suggested: bool,
    chosen: Option<Vec<String>>,
    problems: Vec<Problem>,
    notice: Option<&'static str>,
}

async fn render_round(
    state: &web::Data<AppState>,
    session: &Session,
    user: &User,
    content: RoundContent,
    input: PageInput,
) -> Result<HttpResponse, AppError> {
    let round = &content.round;
    let round_id = round.id;
    let kkr_id = round.kkr_id;
    let (municipalities, events, forms, start) = db(state, move |conn| {
        Ok((
            reference::municipalities_of_kkr(conn, kkr_id)?,
            rounds::history(conn, round_id)?,
            rounds::form_count(conn, round_id)?,
            rounds::cooperation_start(conn, round_id)?,
        ))
    })
    .await?;
    let own_start = start.filter(|s| s.given_for == round.year);
    let cooperation = CooperationField {
        value: input
            .cooperation
            .clone()
            .unwrap_or_else(|| own_start.map(|s| s.year.to_string()).unwrap_or_default()),
        suggested: input.cooperation_suggested,
        stated: start,
        inherited: start.filter(|s| s.given_for != round.year),
        error: input
            .problems
            .iter()
            .find(|p| p.field == "cooperation_start_year")
            .map(|p| p.message.clone()),
    };
    let choices: Vec<Choice> = municipalities
        .iter()
        .map(|m| Choice {
            code: m.code.to_string(),
            name: m.name.clone(),
            checked: match &input.chosen {
                Some(chosen) => chosen.iter().any(|c| c == m.code.as_str()),
                None => content.municipality(&m.code).is_some(),
            },
        })
        .collect();
    let mut context = base_context(session, Some(user))?;
    context.insert("round", round);
    context.insert("state_label", round.state.label_da());
    context.insert("deadline", &danish_datetime(round.deadline));
    context.insert(
        "deadline_input",
        &input
            .deadline
            .clone()
            .unwrap_or_else(|| deadline_input(round.deadline)),
    );
    context.insert(
        "next",
        &next_state(round.state).map(|to| Step {
            to: to.as_str(),
            label: transition_label(to),
        }),
    );
    context.insert(
        "deadline_movable",
        &deadline_is_movable(round.state).is_ok(),
    );
    context.insert(
        "participants_editable",
        &participants_are_editable(round.state).is_ok(),
    );
    context.insert("participant_count", &content.municipalities.len());
    context.insert("focus_area_count", &content.focus_areas.len());
    context.insert("recommendation_count", &content.recommendations.len());
    context.insert("form_count", &forms);
    context.insert("municipalities", &choices);
    context.insert("is_draft", &(round.state == RoundState::Draft));
    context.insert("is_published", &(round.state == RoundState::Published));
    context.insert(
        "history",
        &events.iter().rev().map(describe).collect::<Vec<_>>(),
    );
    context.insert("cooperation", &cooperation);
    context.insert("problems", &input.problems);
    context.insert("notice", &input.notice);
    state.pages.respond(
        problem_status(&input.problems),
        "admin_round.html",
        &context,
    )
}

async fn show(
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<i32>,
    query: web::Query<NoticeQuery>,
    SignedIn(user): SignedIn,
) -> Result<HttpResponse, AppError> {
    let content = admin_round(&state, &user, path.into_inner()).await?;
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
    render_round(&state, &session, &user, content, input).await
}

/// The start year field of a round's page.
#[derive(Debug, Serialize)]
struct CooperationField {
    value: String,
    /// The value is a suggestion from the download form, not yet saved.
    suggested: bool,
    /// What the agenda item states: given for this round or an earlier one.
    stated: Option<CooperationStart>,
    /// Given for an earlier round (and so stated for this one) when not for this one.
    inherited: Option<CooperationStart>,
    error: Option<String>,
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

#[derive(Debug, Deserialize)]
pub struct CooperationForm {
    csrf_token: Option<String>,
    #[serde(default)]
    cooperation_start_year: String,
}

/// Saves (or clears) the year the round's cooperation began; a bad year comes back in its
/// field with the reason, nothing saved.
async fn cooperation_start(
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<i32>,
    SignedIn(user): SignedIn,
    form: web::Form<CooperationForm>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    verify_csrf(&session, form.csrf_token.as_deref())?;
    let content = admin_round(&state, &user, path.into_inner()).await?;
    let typed = form.into_inner().cooperation_start_year;
    let year = match parse_start_year(&typed, content.round.year) {
        Ok(year) => year,
        Err(refusal) => {
            let input = PageInput {
                cooperation: Some(typed),
                problems: vec![Problem::field(
                    "cooperation_start_year",
                    start_year_message(&refusal),
                )],
                ..PageInput::default()
            };
            return render_round(&state, &session, &user, content, input).await;
        }
    };
    let round_id = content.round.id;
    let actor = user.id;
    let outcome = db(&state, move |conn| {
        Ok(rounds::set_cooperation_start_year(
            conn,
            round_id,
            year,
            Some(actor),
            now,
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
                problems: vec![Problem::page(refusal(e)?)],
                ..PageInput::default()
            };
            render_round(&state, &session, &user, content, input).await
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct StateForm {
    csrf_token: Option<String>,
    to: String,
    confirmed: Option<String>,
}

async fn change_state(
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<i32>,
    SignedIn(user): SignedIn,
    form: web::Form<StateForm>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    verify_csrf(&session, form.csrf_token.as_deref())?;
    let content = admin_round(&state, &user, path.into_inner()).await?;
    let to = RoundState::parse(&form.to)
        .map_err(|e| AppError::BadRequest(format!("{e}. Intet er ændret.")))?;
    if form.confirmed.as_deref() != Some("ja") {
        let mut context = base_context(&session, Some(&user))?;
        context.insert("round", &content.round);
        context.insert("state_label", content.round.state.label_da());
        context.insert("to", to.as_str());
        context.insert("to_label", to.label_da());
        context.insert("action", transition_label(to));
        context.insert("consequence", transition_consequence(to));
        context.insert("participant_count", &content.municipalities.len());
        context.insert("recommendation_count", &content.recommendations.len());
        return state.pages.ok("admin_confirm.html", &context);
    }
    let round_id = content.round.id;
    let actor = user.id;
    let outcome = db(&state, move |conn| {
        Ok(rounds::change_state(conn, round_id, to, Some(actor), now))
    })
    .await?;
    match outcome {
        Ok(()) => Ok(redirect(format!("/admin/rounds/{round_id}?ok=status"))),
        Err(e) => {
            let input = PageInput {
                problems: vec![Problem::page(refusal(e)?)],
                ..PageInput::default()
            };
            render_round(&state, &session, &user, content, input).await
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct DeadlineForm {
    csrf_token: Option<String>,
    deadline: String,
}

async fn move_deadline(
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<i32>,
    SignedIn(user): SignedIn,
    form: web::Form<DeadlineForm>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    verify_csrf(&session, form.csrf_token.as_deref())?;
    let content = admin_round(&state, &user, path.into_inner()).await?;
    let typed = form.into_inner().deadline;
    let deadline = match parse_deadline(&typed) {
        Ok(deadline) => deadline,
        Err(e) => {
            let input = PageInput {
                deadline: Some(typed),
                problems: vec![Problem::field("deadline", e.0)],
                ..PageInput::default()
            };
            return render_round(&state, &session, &user, content, input).await;
        }
    };
    let round_id = content.round.id;
    let actor = user.id;
    let outcome = db(&state, move |conn| {
        Ok(rounds::move_deadline(
            conn,
            round_id,
            deadline,
            Some(actor),
            now,
        ))
    })
    .await?;
    match outcome {
        Ok(()) => Ok(redirect(format!("/admin/rounds/{round_id}?ok=frist"))),
        Err(e) => {
            let input = PageInput {
                deadline: Some(typed),
                problems: vec![Problem::page(refusal(e)?)],
                ..PageInput::default()
            };
            render_round(&state, &session, &user, content, input).await
        }
    }
}

async fn participants(
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<i32>,
    SignedIn(user): SignedIn,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    let fields = form.into_inner();
    verify_csrf(&session, Some(field(&fields, "csrf_token")))?;
    let content = admin_round(&state, &user, path.into_inner()).await?;
    let chosen = all_of(&fields, "municipality");
    let codes = parse_codes(&chosen)?;
    let round_id = content.round.id;
    let actor = user.id;
    let outcome = db(&state, move |conn| {
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
                problems: vec![Problem::page(refusal(e)?)],
                ..PageInput::default()
            };
            render_round(&state, &session, &user, content, input).await
        }
    }
}
