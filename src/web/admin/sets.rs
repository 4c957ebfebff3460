//! A round's recommendation set (changed only while the round is a draft) and the proposals
//! for new focus areas made in its forms.

use std::collections::HashMap;

use actix_session::Session;
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};

use super::{admin_round, problem_status, redirect, refusal, Problem};
use crate::domain::rounds::{set_is_editable, FROZEN};
use crate::domain::{RoundContent, SubmissionState, User};
use crate::store::recommendation_sets::{self as sets, Direction};
use crate::store::rounds::{self, ChangeError};
use crate::web::auth::SignedIn;
use crate::web::error::AppError;
use crate::web::pages::{base_context, verify_csrf};
use crate::web::{db, AppState};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/rounds/{id}/set", web::get().to(show))
        .route("/admin/rounds/{id}/set/areas", web::post().to(add_area))
        .route(
            "/admin/rounds/{id}/set/areas/{area}",
            web::post().to(change_area),
        )
        .route(
            "/admin/rounds/{id}/set/areas/{area}/recommendations",
            web::post().to(add_recommendation),
        )
        .route(
            "/admin/rounds/{id}/recommendations/{rec}",
            web::get().to(show_recommendation),
        )
        .route(
            "/admin/rounds/{id}/recommendations/{rec}",
            web::post().to(change_recommendation),
        )
        .route("/admin/rounds/{id}/proposals", web::get().to(proposals))
        .route(
            "/admin/rounds/{id}/proposals/{submission}/adopt",
            web::post().to(adopt),
        );
}

#[derive(Debug, Deserialize)]
pub struct NoticeQuery {
    ok: Option<String>,
}

fn notice(flag: Option<&str>) -> Option<&'static str> {
    match flag? {
        "gemt" => Some("Ændringen er gemt."),
        "forslag" => Some("Forslaget er tilføjet som nyt indsatsområde sidst i rækken."),
        "udgaaet" => Some("Anbefalingen er taget ud af årets sæt."),
        "sammenlagt" => Some("Anbefalingerne er lagt sammen; begges historik følger den samlede."),
        _ => None,
    }
}

/// What a set page shows besides the stored set: the user's input (by field id) and problems.
#[derive(Debug, Default)]
struct PageInput {
    kept: HashMap<String, String>,
    problems: Vec<Problem>,
    notice: Option<&'static str>,
}

impl PageInput {
    fn refused(reason: String, kept: &[(&str, &str)]) -> PageInput {
        PageInput {
            kept: kept
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            problems: vec![Problem::page(reason)],
            notice: None,
        }
    }

    fn value(&self, field: &str, stored: &str) -> String {
        self.kept
            .get(field)
            .cloned()
            .unwrap_or_else(|| stored.to_owned())
    }
}

#[derive(Debug, Serialize)]
struct RecView {
    id: i32,
    code: String,
    text: String,
    binding: &'static str,
    origin: String,
    first: bool,
    last: bool,
}

#[derive(Debug, Serialize)]
struct AreaView {
    id: i32,
    number: i32,
    title: String,
    title_input: String,
    new_text: String,
    first: bool,
    last: bool,
    recs: Vec<RecView>,
}

/// "Fra 2016: 1.3", "Ny", "Fra 2016: 1.1, lagt sammen med 1.2".
async fn origins(
    state: &web::Data<AppState>,
    content: &RoundContent,
) -> Result<HashMap<i32, String>, AppError> {
    let ids: Vec<i32> = content
        .recommendations
        .iter()
        .flat_map(|r| r.predecessors())
        .collect();
    let earlier: HashMap<i32, (String, i32)> =
        db(state, move |conn| Ok(rounds::codes_and_years(conn, &ids)?)).await?;
    Ok(content
        .recommendations
        .iter()
        .map(|r| {
            let name = |id: i32| {
                earlier.get(&id).map_or_else(
                    || format!("#{id}"),
                    |(code, year)| format!("{code} ({year})"),
                )
            };
            let mut text = match r.carried_from {
                Some(id) => format!("Fortsætter {}", name(id)),
                None if r.merged_from.is_empty() => "Ny i år".to_owned(),
                None => "Ny".to_owned(),
            };
            if !r.merged_from.is_empty() {
                text.push_str(&format!(
                    "; lagt sammen med {}",
                    r.merged_from
                        .iter()
                        .map(|id| name(*id))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            (r.id, text)
        })
        .collect())
}

async fn render_set(
    state: &web::Data<AppState>,
    session: &Session,
    user: &User,
    content: RoundContent,
    input: PageInput,
) -> Result<HttpResponse, AppError> {
    let origin = origins(state, &content).await?;
    let area_count = content.focus_areas.len();
    let areas: Vec<AreaView> = content
        .focus_areas
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let recs: Vec<_> = content.recommendations_of(a.id).collect();
            let n = recs.len();
            AreaView {
                id: a.id,
                number: a.number,
                title: a.title.clone(),
                title_input: input.value(&format!("area-{}-title", a.id), &a.title),
                new_text: input.value(&format!("area-{}-new-text", a.id), ""),
                first: i == 0,
                last: i + 1 == area_count,
                recs: recs
                    .into_iter()
                    .enumerate()
                    .map(|(j, r)| RecView {
                        id: r.id,
                        code: r.code.clone(),
                        text: r.text.clone(),
                        binding: crate::views::binding_label(r.binding),
                        origin: origin.get(&r.id).cloned().unwrap_or_default(),
                        first: j == 0,
                        last: j + 1 == n,
                    })
                    .collect(),
            }
        })
        .collect();
    let mut context = base_context(session, Some(user))?;
    context.insert("round", &content.round);
    context.insert("editable", &set_is_editable(content.round.state).is_ok());
    context.insert("frozen", FROZEN);
    context.insert("areas", &areas);
    context.insert("new_area_title", &input.value("new-area-title", ""));
    context.insert("problems", &input.problems);
    context.insert("notice", &input.notice);
    state
        .pages
        .respond(problem_status(&input.problems), "admin_set.html", &context)
}

async fn show(
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<i32>,
    query: web::Query<NoticeQuery>,
    SignedIn(user): SignedIn,
) -> Result<HttpResponse, AppError> {
    let content = admin_round(&state, &user, path.into_inner()).await?;
    let input = PageInput {
        notice: notice(query.ok.as_deref()),
        ..PageInput::default()
    };
    render_set(&state, &session, &user, content, input).await
}

fn set_path(round_id: i32, flag: &str) -> String {
    format!("/admin/rounds/{round_id}/set?ok={flag}")
}

/// Runs a set change; on success sends the admin to `success`, on a refusal shows the set page
/// again with the reason and the admin's input.
async fn apply(
    state: web::Data<AppState>,
    session: Session,
    user: User,
    content: RoundContent,
    kept: &[(&str, &str)],
    success: String,
    change: impl FnOnce(&mut crate::store::DbConnection) -> Result<(), ChangeError> + Send + 'static,
) -> Result<HttpResponse, AppError> {
    let outcome = db(&state, move |conn| Ok(change(conn))).await?;
    match outcome {
        Ok(()) => Ok(redirect(success)),
        Err(e) => {
            let input = PageInput::refused(refusal(e)?, kept);
            render_set(&state, &session, &user, content, input).await
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct AreaForm {
    csrf_token: Option<String>,
    action: Option<String>,
    title: Option<String>,
}

async fn add_area(
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<i32>,
    SignedIn(user): SignedIn,
    form: web::Form<AreaForm>,
) -> Result<HttpResponse, AppError> {
    verify_csrf(&session, form.csrf_token.as_deref())?;
    let content = admin_round(&state, &user, path.into_inner()).await?;
    let round_id = content.round.id;
    let title = form.title.clone().unwrap_or_default();
    let actor = user.id;
    let typed = title.clone();
    apply(
        state,
        session,
        user,
        content,
        &[("new-area-title", &typed)],
        set_path(round_id, "gemt"),
        move |conn| sets::add_focus_area(conn, round_id, &title, Some(actor)).map(|_| ()),
    )
    .await
}

/// The round for the admin's set editor, provided the focus area is one of its own.
async fn admin_area_round(
    state: &web::Data<AppState>,
    user: &User,
    round_id: i32,
    area_id: i32,
) -> Result<RoundContent, AppError> {
    let content = admin_round(state, user, round_id).await?;
    if content.focus_areas.iter().any(|a| a.id == area_id) {
        Ok(content)
    } else {
        Err(AppError::NotFound)
    }
}

fn direction(action: &str) -> Option<Direction> {
    match action {
        "op" => Some(Direction::Up),
        "ned" => Some(Direction::Down),
        _ => None,
    }
}

async fn change_area(
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<(i32, i32)>,
    SignedIn(user): SignedIn,
    form: web::Form<AreaForm>,
) -> Result<HttpResponse, AppError> {
    verify_csrf(&session, form.csrf_token.as_deref())?;
    let (round_id, area_id) = path.into_inner();
    let content = admin_area_round(&state, &user, round_id, area_id).await?;
    let actor = Some(user.id);
    let action = form.action.clone().unwrap_or_default();
    let title = form.title.clone().unwrap_or_default();
    let field = format!("area-{area_id}-title");
    let typed = title.clone();
    let success = set_path(round_id, "gemt");
    let kept = [(field.as_str(), typed.as_str())];
    match action.as_str() {
        "omdoeb" => {
            apply(state, session, user, content, &kept, success, move |conn| {
                sets::rename_focus_area(conn, area_id, &title, actor)
            })
            .await
        }
        "slet" => {
            apply(state, session, user, content, &[], success, move |conn| {
                sets::delete_focus_area(conn, area_id, actor)
            })
            .await
        }
        other => {
            let direction = direction(other)
                .ok_or_else(|| AppError::BadRequest("Ukendt handling. Intet er ændret.".into()))?;
            apply(state, session, user, content, &[], success, move |conn| {
                sets::move_focus_area(conn, area_id, direction, actor)
            })
            .await
        }
    }
}

/// A change to a recommendation, run in the store.
type SetChange = Box<dyn FnOnce(&mut crate::store::DbConnection) -> Result<(), ChangeError> + Send>;

#[derive(Debug, Deserialize)]
pub struct RecommendationForm {
    csrf_token: Option<String>,
    action: Option<String>,
    text: Option<String>,
    binding: Option<String>,
    area: Option<String>,
    other: Option<String>,
    /// Which page the form was on: "anbefaling" for the recommendation's own page.
    from: Option<String>,
}

fn parse_binding(raw: Option<&str>) -> Result<bool, AppError> {
    match raw {
        Some("forpligtende") => Ok(true),
        Some("frivillig") => Ok(false),
        _ => Err(AppError::BadRequest(
            "Vælg, om anbefalingen er forpligtende eller frivillig. Intet er ændret.".into(),
        )),
    }
}

async fn add_recommendation(
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<(i32, i32)>,
    SignedIn(user): SignedIn,
    form: web::Form<RecommendationForm>,
) -> Result<HttpResponse, AppError> {
    verify_csrf(&session, form.csrf_token.as_deref())?;
    let (round_id, area_id) = path.into_inner();
    let content = admin_area_round(&state, &user, round_id, area_id).await?;
    let binding = parse_binding(form.binding.as_deref())?;
    let text = form.text.clone().unwrap_or_default();
    let typed = text.clone();
    let field = format!("area-{area_id}-new-text");
    let actor = Some(user.id);
    apply(
        state,
        session,
        user,
        content,
        &[(field.as_str(), typed.as_str())],
        set_path(round_id, "gemt"),
        move |conn| sets::add_recommendation(conn, area_id, &text, binding, actor).map(|_| ()),
    )
    .await
}

async fn render_recommendation(
    state: &web::Data<AppState>,
    session: &Session,
    user: &User,
    content: RoundContent,
    rec_id: i32,
    input: PageInput,
) -> Result<HttpResponse, AppError> {
    let rec = content
        .recommendations
        .iter()
        .find(|r| r.id == rec_id)
        .ok_or(AppError::NotFound)?;
    let origin = origins(state, &content).await?;
    #[derive(Serialize)]
    struct Choice {
        id: i32,
        label: String,
        selected: bool,
    }
    let areas: Vec<Choice> = content
        .focus_areas
        .iter()
        .map(|a| Choice {
            id: a.id,
            label: format!("{}. {}", a.number, a.title),
            selected: a.id == rec.focus_area_id,
        })
        .collect();
    let others: Vec<Choice> = content
        .recommendations
        .iter()
        .filter(|r| r.id != rec_id)
        .map(|r| Choice {
            id: r.id,
            label: format!("{} {}", r.code, r.text.chars().take(90).collect::<String>()),
            selected: input
                .kept
                .get("other")
                .is_some_and(|o| *o == r.id.to_string()),
        })
        .collect();
    let mut context = base_context(session, Some(user))?;
    context.insert("round", &content.round);
    context.insert("editable", &set_is_editable(content.round.state).is_ok());
    context.insert("frozen", FROZEN);
    context.insert("rec", rec);
    context.insert("origin", &origin.get(&rec.id).cloned().unwrap_or_default());
    context.insert("text_input", &input.value("text", &rec.text));
    context.insert("merge_text", &input.value("merge-text", ""));
    context.insert("areas", &areas);
    context.insert("others", &others);
    context.insert("problems", &input.problems);
    state.pages.respond(
        problem_status(&input.problems),
        "admin_recommendation.html",
        &context,
    )
}

async fn show_recommendation(
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<(i32, i32)>,
    SignedIn(user): SignedIn,
) -> Result<HttpResponse, AppError> {
    let (round_id, rec_id) = path.into_inner();
    let content = admin_round(&state, &user, round_id).await?;
    render_recommendation(
        &state,
        &session,
        &user,
        content,
        rec_id,
        PageInput::default(),
    )
    .await
}

async fn change_recommendation(
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<(i32, i32)>,
    SignedIn(user): SignedIn,
    form: web::Form<RecommendationForm>,
) -> Result<HttpResponse, AppError> {
    verify_csrf(&session, form.csrf_token.as_deref())?;
    let (round_id, rec_id) = path.into_inner();
    let content = admin_round(&state, &user, round_id).await?;
    if !content.recommendations.iter().any(|r| r.id == rec_id) {
        return Err(AppError::NotFound);
    }
    let form = form.into_inner();
    let actor = Some(user.id);
    let text = form.text.clone().unwrap_or_default();
    let action = form.action.clone().unwrap_or_default();
    let (kept, change, flag): (Vec<(&str, String)>, SetChange, &str) = match action.as_str() {
        "gem" => {
            let binding = parse_binding(form.binding.as_deref())?;
            let typed = text.clone();
            (
                vec![("text", typed)],
                Box::new(move |conn| {
                    sets::update_recommendation(conn, rec_id, &text, binding, actor)
                }),
                "gemt",
            )
        }
        "flyt" => {
            let area_id: i32 = form
                .area
                .as_deref()
                .and_then(|a| a.parse().ok())
                .filter(|id| content.focus_areas.iter().any(|a| a.id == *id))
                .ok_or_else(|| {
                    AppError::BadRequest("Vælg et indsatsområde. Intet er ændret.".into())
                })?;
            (
                Vec::new(),
                Box::new(move |conn| {
                    sets::move_recommendation_to_area(conn, rec_id, area_id, actor)
                }),
                "gemt",
            )
        }
        "udgaar" => (
            Vec::new(),
            Box::new(move |conn| sets::retire_recommendation(conn, rec_id, actor)),
            "udgaaet",
        ),
        "saml" => {
            let raw_other = form.other.clone().unwrap_or_default();
            let other: i32 = raw_other
                .parse()
                .ok()
                .filter(|id| content.recommendations.iter().any(|r| r.id == *id))
                .ok_or_else(|| {
                    AppError::BadRequest(
                        "Vælg den anbefaling, der skal lægges sammen med denne. Intet er ændret."
                            .into(),
                    )
                })?;
            let typed = text.clone();
            (
                vec![("merge-text", typed), ("other", raw_other)],
                Box::new(move |conn| {
                    sets::merge_recommendations(conn, rec_id, other, Some(&text), actor)
                }),
                "sammenlagt",
            )
        }
        other => {
            let direction = direction(other)
                .ok_or_else(|| AppError::BadRequest("Ukendt handling. Intet er ændret.".into()))?;
            (
                Vec::new(),
                Box::new(move |conn| sets::move_recommendation(conn, rec_id, direction, actor)),
                "gemt",
            )
        }
    };
    let on_own_page = form.from.as_deref() == Some("anbefaling");
    let success = if on_own_page && !matches!(action.as_str(), "udgaar" | "saml") {
        format!("/admin/rounds/{round_id}/recommendations/{rec_id}")
    } else {
        set_path(round_id, flag)
    };
    let outcome = db(&state, move |conn| Ok(change(conn))).await?;
    match outcome {
        Ok(()) => Ok(redirect(success)),
        Err(e) => {
            let kept: Vec<(&str, &str)> = kept.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let input = PageInput::refused(refusal(e)?, &kept);
            if on_own_page {
                render_recommendation(&state, &session, &user, content, rec_id, input).await
            } else {
                render_set(&state, &session, &user, content, input).await
            }
        }
    }
}

#[derive(Debug, Serialize)]
struct ProposalView {
    submission_id: i32,
    municipality: String,
    code: String,
    state: &'static str,
    text: String,
    title: String,
    adopted: Vec<String>,
}

async fn render_proposals(
    state: &web::Data<AppState>,
    session: &Session,
    user: &User,
    content: RoundContent,
    problems: Vec<Problem>,
) -> Result<HttpResponse, AppError> {
    let round = content.round.clone();
    let for_db = round.clone();
    let (list, draft) = db(state, move |conn| {
        Ok((
            rounds::proposals(conn, for_db.id)?,
            rounds::next_draft(conn, &for_db)?,
        ))
    })
    .await?;
    let views: Vec<ProposalView> = list
        .into_iter()
        .map(|p| ProposalView {
            submission_id: p.submission_id,
            municipality: p.municipality,
            code: p.code.to_string(),
            state: if p.submitted {
                SubmissionState::Submitted.label_da()
            } else {
                SubmissionState::Draft.label_da()
            },
            title: p
                .text
                .lines()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("")
                .trim()
                .chars()
                .take(crate::domain::rounds::TITLE_MAX_CHARS)
                .collect(),
            text: p.text,
            adopted: p
                .adopted_as
                .iter()
                .map(|(_, year, number, title)| format!("Indsatsområde {number} i {year}: {title}"))
                .collect(),
        })
        .collect();
    let mut context = base_context(session, Some(user))?;
    context.insert("round", &round);
    context.insert("proposals", &views);
    context.insert("draft", &draft);
    context.insert("problems", &problems);
    state
        .pages
        .respond(problem_status(&problems), "admin_proposals.html", &context)
}

async fn proposals(
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<i32>,
    SignedIn(user): SignedIn,
) -> Result<HttpResponse, AppError> {
    let content = admin_round(&state, &user, path.into_inner()).await?;
    render_proposals(&state, &session, &user, content, Vec::new()).await
}

#[derive(Debug, Deserialize)]
pub struct AdoptForm {
    csrf_token: Option<String>,
    title: Option<String>,
}

async fn adopt(
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<(i32, i32)>,
    SignedIn(user): SignedIn,
    form: web::Form<AdoptForm>,
) -> Result<HttpResponse, AppError> {
    verify_csrf(&session, form.csrf_token.as_deref())?;
    let (round_id, submission_id) = path.into_inner();
    let content = admin_round(&state, &user, round_id).await?;
    let belongs = db(&state, move |conn| {
        Ok(rounds::proposals(conn, round_id)?
            .iter()
            .any(|p| p.submission_id == submission_id))
    })
    .await?;
    if !belongs {
        return Err(AppError::NotFound);
    }
    let title = form.title.clone().unwrap_or_default();
    let actor = Some(user.id);
    let outcome = db(&state, move |conn| {
        Ok(rounds::adopt_proposal(conn, submission_id, &title, actor))
    })
    .await?;
    match outcome {
        Ok(draft) => Ok(redirect(set_path(draft, "forslag"))),
        Err(e) => {
            let problems = vec![Problem::page(refusal(e)?)];
            render_proposals(&state, &session, &user, content, problems).await
        }
    }
}
