//! A round's recommendation set (changed only while the round is a draft) and the proposals
//! for new focus areas made in its forms.
//!
//! Moving a recommendation to another focus area, retiring it and merging two ask first: the
//! form leads to a confirmation page (`GET .../recommendations/{rec}/bekraeft`) that says what
//! will happen, and only its `POST` with `confirmed=ja` changes the set. Every reword, move,
//! retirement and merge can be undone while the round is a draft
//! (`POST .../set/aendringer/{edit}/fortryd`); each change ends on the set page with a message
//! naming what was saved, focused.

use std::collections::HashMap;

use actix_session::Session;
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use tera::Context;

use super::{admin_round, problem_status, redirect, refusal, Problem};
use crate::domain::rounds::{set_is_editable, FROZEN};
use crate::domain::set_preview::{code_after, renumbered, PlannedChange};
use crate::domain::{Recommendation, Round, RoundContent, SubmissionState, User};
use crate::store::recommendation_sets::{self as sets, Direction};
use crate::store::rounds::{self, ChangeError};
use crate::store::set_edits::{self, RecordedEdit, SetEdit, SetError, SetRefusal};
use crate::web::error::AppError;
use crate::web::infra::templates::base_context;
use crate::web::session::verify_csrf;
use crate::web::session::SignedIn;
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
            "/admin/rounds/{id}/set/aendringer/{edit}/fortryd",
            web::post().to(undo),
        )
        .route(
            "/admin/rounds/{id}/recommendations/{rec}",
            web::get().to(show_recommendation),
        )
        .route(
            "/admin/rounds/{id}/recommendations/{rec}",
            web::post().to(change_recommendation),
        )
        .route(
            "/admin/rounds/{id}/recommendations/{rec}/bekraeft",
            web::get().to(confirm),
        )
        .route("/admin/rounds/{id}/proposals", web::get().to(proposals))
        .route(
            "/admin/rounds/{id}/proposals/{submission}/adopt",
            web::post().to(adopt),
        );
}

/// A page's view model merged with the shared context (CSRF token, user).
fn page_context(
    session: &Session,
    user: &User,
    view: &impl Serialize,
) -> Result<Context, AppError> {
    let mut context = Context::from_serialize(view)?;
    context.extend(base_context(session, Some(user))?);
    Ok(context)
}

// ---------------------------------------------------------------------------------------
// Refusals and messages, in Danish.

/// A refused change to the set as the page says it.
fn refusal_text(refusal: &SetRefusal) -> String {
    match refusal {
        SetRefusal::Frozen => FROZEN.to_owned(),
        SetRefusal::EmptyText => "Skriv anbefalingens tekst.".to_owned(),
        SetRefusal::TextTooLong { length, max } => {
            format!("Anbefalingens tekst er {length} tegn; den må højst være {max} tegn.")
        }
        SetRefusal::HasAnswers { code } => format!(
            "Anbefaling {code} har allerede svar i runden og kan ikke udgå eller lægges sammen med en anden."
        ),
        SetRefusal::SameRecommendation => {
            "Vælg en anden anbefaling at lægge sammen med.".to_owned()
        }
        SetRefusal::AlreadyUndone => "Ændringen er allerede fortrudt.".to_owned(),
        SetRefusal::Gone { code } => format!(
            "Anbefaling {code} er ikke længere i sættet, så ændringen kan ikke fortrydes."
        ),
        SetRefusal::ChangedSince { code } => format!(
            "Anbefaling {code} er ændret igen siden; fortryd den seneste ændring af den først."
        ),
        SetRefusal::AreaGone { code } => format!(
            "Indsatsområdet, som {code} stod i, er slettet; opret det igen, før ændringen fortrydes."
        ),
    }
}

/// The field a refusal is about, on the recommendation's page.
fn refusal_field(refusal: &SetRefusal, change: &RecChange) -> Option<&'static str> {
    match (refusal, change) {
        (SetRefusal::EmptyText | SetRefusal::TextTooLong { .. }, RecChange::Reword { .. }) => {
            Some("text")
        }
        (SetRefusal::TextTooLong { .. }, RecChange::Merge { .. }) => Some("merge-text"),
        (SetRefusal::SameRecommendation, _) => Some("other"),
        _ => None,
    }
}

/// A problem from a refused set change; not-found and database failures are error pages.
fn set_problem(e: SetError, change: Option<&RecChange>) -> Result<Problem, AppError> {
    match e {
        SetError::Refused(r) => {
            let text = refusal_text(&r);
            Ok(match change.and_then(|c| refusal_field(&r, c)) {
                Some(field) => Problem::field(field, text),
                None => Problem::page(text),
            })
        }
        SetError::NotFound => Err(AppError::NotFound),
        SetError::Database(e) => Err(AppError::Database(e)),
    }
}

#[derive(Debug, Deserialize)]
pub struct NoticeQuery {
    ok: Option<String>,
    /// A change just made (its recorded id).
    aendring: Option<i32>,
    /// A change just undone.
    fortrudt: Option<i32>,
    /// The recommendation just saved without a recorded change.
    anbefaling: Option<i32>,
}

fn notice(flag: Option<&str>) -> Option<String> {
    let text = match flag? {
        "gemt" => "Ændringen er gemt.",
        "forslag" => "Forslaget er tilføjet som nyt indsatsområde sidst i rækken.",
        _ => return None,
    };
    Some(text.to_owned())
}

fn code_of(content: &RoundContent, id: i32, fallback: &str) -> String {
    content
        .recommendations
        .iter()
        .find(|r| r.id == id)
        .map_or_else(|| fallback.to_owned(), |r| r.code.clone())
}

fn area_number(content: &RoundContent, area_id: i32) -> String {
    content
        .focus_areas
        .iter()
        .find(|a| a.id == area_id)
        .map_or_else(String::new, |a| a.number.to_string())
}

/// The message after a change: what was saved, under its number now.
fn made_text(content: &RoundContent, edit: &SetEdit) -> String {
    match edit {
        SetEdit::Reword { id, code, .. } => {
            format!("Anbefaling {} er gemt.", code_of(content, *id, code))
        }
        SetEdit::Move {
            id,
            from_code,
            to_area,
            to_code,
            ..
        } => format!(
            "Anbefaling {from_code} er flyttet til indsatsområde {} og gemt som {}.",
            area_number(content, *to_area),
            code_of(content, *id, to_code)
        ),
        SetEdit::Retire { saved } => format!(
            "Anbefaling {} er udgået af årets sæt. Den står under «Udgået», hvor den kan genindsættes.",
            saved.code
        ),
        SetEdit::Merge {
            kept,
            kept_code,
            merged_code,
            absorbed,
            ..
        } => format!(
            "Anbefaling {} er lagt sammen med {kept_code} og gemt som {}; begges historik følger den.",
            absorbed.code,
            code_of(content, *kept, merged_code)
        ),
    }
}

/// The message after an undo: what the set holds again.
fn undone_text(content: &RoundContent, edit: &SetEdit) -> String {
    match edit {
        SetEdit::Reword { id, code, .. } => format!(
            "Ændringen er fortrudt: anbefaling {} har igen sin tidligere tekst og type.",
            code_of(content, *id, code)
        ),
        SetEdit::Move { id, to_code, .. } => format!(
            "Flytningen er fortrudt: {to_code} er igen {}.",
            code_of(content, *id, to_code)
        ),
        SetEdit::Retire { saved } => format!(
            "Anbefaling {} er genindsat.",
            code_of(content, saved.id, &saved.code)
        ),
        SetEdit::Merge {
            kept,
            kept_code,
            absorbed,
            ..
        } => format!(
            "Sammenlægningen er delt: {} og {} er igen to anbefalinger.",
            code_of(content, *kept, kept_code),
            code_of(content, absorbed.id, &absorbed.code)
        ),
    }
}

/// What a recorded change did, in the list of changes that can be undone.
fn edit_summary(edit: &SetEdit) -> String {
    match edit {
        SetEdit::Reword { code, .. } => format!("{code}: tekst eller type ændret"),
        SetEdit::Move {
            from_code, to_code, ..
        } => format!("Flyttet fra {from_code} til {to_code}"),
        SetEdit::Retire { saved } => format!("{} udgået", saved.code),
        SetEdit::Merge {
            kept_code,
            absorbed,
            ..
        } => format!("{} lagt sammen med {kept_code}", absorbed.code),
    }
}

fn undo_label(edit: &SetEdit) -> &'static str {
    match edit {
        SetEdit::Reword { .. } => "Fortryd",
        SetEdit::Move { .. } => "Flyt tilbage",
        SetEdit::Retire { .. } => "Genindsæt",
        SetEdit::Merge { .. } => "Del igen",
    }
}

// ---------------------------------------------------------------------------------------
// The set page.

/// What a set page shows besides the stored set: the user's input (by field id), problems
/// and the message after a change.
#[derive(Debug, Default)]
struct PageInput {
    kept: HashMap<String, String>,
    problems: Vec<Problem>,
    notice: Option<String>,
    /// The recorded change the message is about, offered for undo.
    undo: Option<i32>,
}

impl PageInput {
    fn refused(problem: Problem, kept: &[(&str, &str)]) -> PageInput {
        PageInput {
            kept: kept
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            problems: vec![problem],
            ..PageInput::default()
        }
    }

    fn value(&self, field: &str, stored: &str) -> String {
        self.kept
            .get(field)
            .cloned()
            .unwrap_or_else(|| stored.to_owned())
    }

    fn error(&self, field: &str) -> Option<String> {
        self.problems
            .iter()
            .find(|p| p.field == field)
            .map(|p| p.message.clone())
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
    title_error: Option<String>,
    new_text: String,
    new_text_error: Option<String>,
    first: bool,
    last: bool,
    recs: Vec<RecView>,
}

/// A button that undoes a recorded change.
#[derive(Debug, Serialize)]
struct UndoView {
    edit: i32,
    label: &'static str,
    what: String,
}

/// A retired recommendation, listed under "Udgået".
#[derive(Debug, Serialize)]
struct RetiredView {
    code: String,
    text: String,
    binding: &'static str,
    edit: i32,
}

#[derive(Debug, Serialize)]
struct NoticeView {
    text: String,
    undo: Option<UndoView>,
}

#[derive(Debug, Serialize)]
struct SetPage<'a> {
    round: &'a Round,
    editable: bool,
    frozen: &'static str,
    areas: Vec<AreaView>,
    new_area_title: String,
    new_area_error: Option<String>,
    problems: &'a [Problem],
    notice: Option<NoticeView>,
    retired: Vec<RetiredView>,
    changes: Vec<UndoView>,
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

fn area_views(
    content: &RoundContent,
    input: &PageInput,
    origin: &HashMap<i32, String>,
) -> Vec<AreaView> {
    let area_count = content.focus_areas.len();
    content
        .focus_areas
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let recs: Vec<_> = content.recommendations_of(a.id).collect();
            let n = recs.len();
            let title_field = format!("area-{}-title", a.id);
            let text_field = format!("area-{}-new-text", a.id);
            AreaView {
                id: a.id,
                number: a.number,
                title: a.title.clone(),
                title_input: input.value(&title_field, &a.title),
                title_error: input.error(&title_field),
                new_text: input.value(&text_field, ""),
                new_text_error: input.error(&text_field),
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
        .collect()
}

async fn render_set(
    state: &web::Data<AppState>,
    session: &Session,
    user: &User,
    content: RoundContent,
    input: PageInput,
) -> Result<HttpResponse, AppError> {
    let origin = origins(state, &content).await?;
    let round_id = content.round.id;
    let edits = db(state, move |conn| {
        Ok(set_edits::edits_of_round(conn, round_id)?)
    })
    .await?;
    let editable = set_is_editable(content.round.state).is_ok();
    let undo_view = |e: &RecordedEdit| UndoView {
        edit: e.id,
        label: undo_label(&e.edit),
        what: edit_summary(&e.edit),
    };
    let pending = || edits.iter().filter(|e| !e.undone);
    let page = SetPage {
        round: &content.round,
        editable,
        frozen: FROZEN,
        areas: area_views(&content, &input, &origin),
        new_area_title: input.value("new-area-title", ""),
        new_area_error: input.error("new-area-title"),
        problems: &input.problems,
        notice: input.notice.clone().map(|text| NoticeView {
            text,
            undo: pending()
                .find(|e| Some(e.id) == input.undo && editable)
                .map(undo_view),
        }),
        retired: pending()
            .filter_map(|e| match &e.edit {
                SetEdit::Retire { saved } => Some(RetiredView {
                    code: saved.code.clone(),
                    text: saved.text.clone(),
                    binding: crate::views::binding_label(saved.binding),
                    edit: e.id,
                }),
                _ => None,
            })
            .collect(),
        changes: if editable {
            pending().map(undo_view).collect()
        } else {
            Vec::new()
        },
    };
    let context = page_context(session, user, &page)?;
    state
        .pages
        .respond(problem_status(&input.problems), "admin_set.html", &context)
}

/// The message the set page opens with, from its query.
async fn notice_input(
    state: &web::Data<AppState>,
    content: &RoundContent,
    query: &NoticeQuery,
) -> Result<PageInput, AppError> {
    let mut input = PageInput {
        notice: notice(query.ok.as_deref()),
        ..PageInput::default()
    };
    if let Some(id) = query.anbefaling {
        input.notice = Some(format!("Anbefaling {} er gemt.", code_of(content, id, "")));
    }
    if query.aendring.is_none() && query.fortrudt.is_none() {
        return Ok(input);
    }
    let round_id = content.round.id;
    let edits = db(state, move |conn| {
        Ok(set_edits::edits_of_round(conn, round_id)?)
    })
    .await?;
    let find = |id: Option<i32>| edits.iter().find(|e| Some(e.id) == id);
    if let Some(made) = find(query.aendring) {
        input.notice = Some(made_text(content, &made.edit));
        input.undo = Some(made.id);
    }
    if let Some(undone) = find(query.fortrudt).filter(|e| e.undone) {
        input.notice = Some(undone_text(content, &undone.edit));
    }
    Ok(input)
}

async fn show(
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<i32>,
    query: web::Query<NoticeQuery>,
    SignedIn(user): SignedIn,
) -> Result<HttpResponse, AppError> {
    let content = admin_round(&state, &user, path.into_inner()).await?;
    let input = notice_input(&state, &content, &query).await?;
    render_set(&state, &session, &user, content, input).await
}

fn set_path(round_id: i32, flag: &str) -> String {
    format!("/admin/rounds/{round_id}/set?ok={flag}")
}

/// Runs a set change; on success sends the admin to `success`, on a refusal shows the set page
/// again with the reason (at the first kept field, when the round is still a draft) and the
/// admin's input.
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
            let reason = refusal(e)?;
            let problem = match kept.first() {
                Some((field, _)) if set_is_editable(content.round.state).is_ok() => {
                    Problem::field(field, reason)
                }
                _ => Problem::page(reason),
            };
            let input = PageInput::refused(problem, kept);
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
    let now = state.clock.now();
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
        move |conn| sets::add_focus_area(conn, round_id, &title, Some(actor), now).map(|_| ()),
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
    let now = state.clock.now();
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
                sets::rename_focus_area(conn, area_id, &title, actor, now)
            })
            .await
        }
        "slet" => {
            apply(state, session, user, content, &[], success, move |conn| {
                sets::delete_focus_area(conn, area_id, actor, now)
            })
            .await
        }
        other => {
            let direction = direction(other)
                .ok_or_else(|| AppError::BadRequest("Ukendt handling. Intet er ændret.".into()))?;
            apply(state, session, user, content, &[], success, move |conn| {
                sets::move_focus_area(conn, area_id, direction, actor, now)
            })
            .await
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct NewRecommendationForm {
    csrf_token: Option<String>,
    text: Option<String>,
    binding: Option<String>,
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
    form: web::Form<NewRecommendationForm>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
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
        move |conn| sets::add_recommendation(conn, area_id, &text, binding, actor, now).map(|_| ()),
    )
    .await
}

// ---------------------------------------------------------------------------------------
// A recommendation: reword, reorder, move, retire, merge; the confirmation page; undo.

/// What a recommendation's form asks for (its `action` field).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Gem,
    Op,
    Ned,
    Flyt,
    Udgaar,
    Saml,
}

/// A recommendation's forms, and the confirmation page's query: the action and its input.
#[derive(Debug, Deserialize)]
pub struct RecommendationForm {
    csrf_token: Option<String>,
    action: Action,
    text: Option<String>,
    binding: Option<String>,
    area: Option<String>,
    other: Option<String>,
    /// Which page the form was on: "anbefaling" for the recommendation's own page.
    from: Option<String>,
    /// "ja" once the admin has confirmed a move, retirement or merge.
    confirmed: Option<String>,
}

/// A change to one recommendation, its input checked.
#[derive(Debug, Clone, PartialEq, Eq)]
enum RecChange {
    Reword { text: String, binding: bool },
    Reorder(Direction),
    Move { area: i32 },
    Retire,
    Merge { other: i32, text: String },
}

/// How a change ended well: a recorded change (which can be undone), or saved as it was.
enum Done {
    Recorded(i32),
    Saved,
}

/// A refused change: the set editor's own refusals, or the shared ones of reordering.
enum Failure {
    Set(SetError),
    Change(ChangeError),
}

impl RecommendationForm {
    fn confirmed(&self) -> bool {
        self.confirmed.as_deref() == Some("ja")
    }

    fn on_own_page(&self) -> bool {
        self.from.as_deref() == Some("anbefaling")
    }

    /// The admin's input, by the id of the field it was typed into.
    fn kept(&self) -> Vec<(&'static str, String)> {
        let text = self.text.clone().unwrap_or_default();
        let mut kept = match self.action {
            Action::Gem => vec![("text", text)],
            Action::Saml => vec![("merge-text", text)],
            _ => Vec::new(),
        };
        kept.extend(self.area.clone().map(|a| ("area", a)));
        kept.extend(self.other.clone().map(|o| ("other", o)));
        kept
    }

    /// The change the form asks for, or the problem with its input (at its field).
    fn change(&self, content: &RoundContent, rec: &Recommendation) -> Result<RecChange, Problem> {
        let chosen = |raw: &Option<String>| raw.as_deref().and_then(|v| v.parse::<i32>().ok());
        match self.action {
            Action::Gem => {
                let binding = parse_binding(self.binding.as_deref()).map_err(|_| {
                    Problem::field(
                        "binding-forpligtende",
                        "Vælg forpligtende eller frivillig.".into(),
                    )
                })?;
                let text = self.text.clone().unwrap_or_default();
                Ok(RecChange::Reword { text, binding })
            }
            Action::Op => Ok(RecChange::Reorder(Direction::Up)),
            Action::Ned => Ok(RecChange::Reorder(Direction::Down)),
            Action::Udgaar => Ok(RecChange::Retire),
            Action::Flyt => {
                let area = content
                    .focus_areas
                    .iter()
                    .find(|a| Some(a.id) == chosen(&self.area))
                    .ok_or_else(|| Problem::field("area", "Vælg et indsatsområde.".into()))?;
                if area.id == rec.focus_area_id {
                    return Err(Problem::field(
                        "area",
                        format!(
                            "Anbefaling {} står allerede i indsatsområde {}; vælg et andet.",
                            rec.code, area.number
                        ),
                    ));
                }
                Ok(RecChange::Move { area: area.id })
            }
            Action::Saml => {
                let other = content
                    .recommendations
                    .iter()
                    .find(|r| Some(r.id) == chosen(&self.other) && r.id != rec.id)
                    .ok_or_else(|| {
                        Problem::field(
                            "other",
                            format!(
                                "Vælg den anbefaling, der skal lægges sammen med {}.",
                                rec.code
                            ),
                        )
                    })?;
                let text = self.text.clone().unwrap_or_default();
                if !text.trim().is_empty() {
                    set_edits::checked_text(&text)
                        .map_err(|r| Problem::field("merge-text", refusal_text(&r)))?;
                }
                Ok(RecChange::Merge {
                    other: other.id,
                    text,
                })
            }
        }
    }
}

impl RecChange {
    /// Moves, retirements and merges are confirmed first.
    fn asks_first(&self) -> bool {
        matches!(
            self,
            RecChange::Move { .. } | RecChange::Retire | RecChange::Merge { .. }
        )
    }

    fn run(
        self,
        conn: &mut crate::store::DbConnection,
        rec: i32,
        actor: Option<i32>,
        now: chrono::NaiveDateTime,
    ) -> Result<Done, Failure> {
        let recorded = |r: Result<Option<i32>, SetError>| {
            r.map(|id| id.map_or(Done::Saved, Done::Recorded))
                .map_err(Failure::Set)
        };
        match self {
            RecChange::Reword { text, binding } => recorded(sets::update_recommendation(
                conn, rec, &text, binding, actor, now,
            )),
            RecChange::Reorder(direction) => {
                sets::move_recommendation(conn, rec, direction, actor, now)
                    .map(|()| Done::Saved)
                    .map_err(Failure::Change)
            }
            RecChange::Move { area } => recorded(sets::move_recommendation_to_area(
                conn, rec, area, actor, now,
            )),
            RecChange::Retire => {
                recorded(sets::retire_recommendation(conn, rec, actor, now).map(Some))
            }
            RecChange::Merge { other, text } => recorded(
                sets::merge_recommendations(conn, rec, other, Some(&text), actor, now).map(Some),
            ),
        }
    }
}

fn done_path(round_id: i32, rec_id: i32, done: Done) -> String {
    match done {
        Done::Recorded(edit) => format!("/admin/rounds/{round_id}/set?aendring={edit}#besked"),
        Done::Saved => format!("/admin/rounds/{round_id}/set?anbefaling={rec_id}#besked"),
    }
}

fn find_rec(content: &RoundContent, rec_id: i32) -> Result<&Recommendation, AppError> {
    content
        .recommendations
        .iter()
        .find(|r| r.id == rec_id)
        .ok_or(AppError::NotFound)
}

#[derive(Debug, Serialize)]
struct Choice {
    id: i32,
    label: String,
    selected: bool,
}

#[derive(Debug, Default, Serialize)]
struct RecErrors {
    text: Option<String>,
    binding: Option<String>,
    area: Option<String>,
    other: Option<String>,
    merge_text: Option<String>,
}

#[derive(Debug, Serialize)]
struct RecommendationPage<'a> {
    round: &'a Round,
    editable: bool,
    frozen: &'static str,
    rec: &'a Recommendation,
    origin: String,
    text_input: String,
    merge_text: String,
    areas: Vec<Choice>,
    others: Vec<Choice>,
    problems: &'a [Problem],
    errors: RecErrors,
}

async fn render_recommendation(
    state: &web::Data<AppState>,
    session: &Session,
    user: &User,
    content: RoundContent,
    rec_id: i32,
    input: PageInput,
) -> Result<HttpResponse, AppError> {
    let rec = find_rec(&content, rec_id)?;
    let origin = origins(state, &content).await?;
    let kept_id = |field: &str| input.kept.get(field).and_then(|v| v.parse::<i32>().ok());
    let areas: Vec<Choice> = content
        .focus_areas
        .iter()
        .map(|a| Choice {
            id: a.id,
            label: format!("{}. {}", a.number, a.title),
            selected: kept_id("area").unwrap_or(rec.focus_area_id) == a.id,
        })
        .collect();
    let others: Vec<Choice> = content
        .recommendations
        .iter()
        .filter(|r| r.id != rec_id)
        .map(|r| Choice {
            id: r.id,
            label: format!("{} {}", r.code, r.text.chars().take(90).collect::<String>()),
            selected: kept_id("other") == Some(r.id),
        })
        .collect();
    let page = RecommendationPage {
        round: &content.round,
        editable: set_is_editable(content.round.state).is_ok(),
        frozen: FROZEN,
        rec,
        origin: origin.get(&rec.id).cloned().unwrap_or_default(),
        text_input: input.value("text", &rec.text),
        merge_text: input.value("merge-text", ""),
        areas,
        others,
        problems: &input.problems,
        errors: RecErrors {
            text: input.error("text"),
            binding: input.error("binding-forpligtende"),
            area: input.error("area"),
            other: input.error("other"),
            merge_text: input.error("merge-text"),
        },
    };
    let context = page_context(session, user, &page)?;
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

/// A form's problem shown on the page the form was on, with the admin's input.
async fn form_refused(
    state: &web::Data<AppState>,
    session: &Session,
    user: &User,
    content: RoundContent,
    rec_id: i32,
    form: &RecommendationForm,
    problem: Problem,
) -> Result<HttpResponse, AppError> {
    let kept = form.kept();
    let kept: Vec<(&str, &str)> = kept.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let input = PageInput::refused(problem, &kept);
    if form.on_own_page() {
        render_recommendation(state, session, user, content, rec_id, input).await
    } else {
        render_set(state, session, user, content, input).await
    }
}

async fn change_recommendation(
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<(i32, i32)>,
    SignedIn(user): SignedIn,
    form: web::Form<RecommendationForm>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    verify_csrf(&session, form.csrf_token.as_deref())?;
    let (round_id, rec_id) = path.into_inner();
    let content = admin_round(&state, &user, round_id).await?;
    let change = match form.change(&content, find_rec(&content, rec_id)?) {
        Ok(change) => change,
        Err(p) => return form_refused(&state, &session, &user, content, rec_id, &form, p).await,
    };
    if change.asks_first() && !form.confirmed() {
        return render_confirm(&state, &session, &user, content, rec_id, &form, change).await;
    }
    let (actor, run) = (Some(user.id), change.clone());
    let outcome = db(&state, move |conn| Ok(run.run(conn, rec_id, actor, now))).await?;
    let problem = match outcome {
        Ok(done) => return Ok(redirect(done_path(round_id, rec_id, done))),
        Err(Failure::Set(e)) => set_problem(e, Some(&change))?,
        Err(Failure::Change(e)) => Problem::page(refusal(e)?),
    };
    form_refused(&state, &session, &user, content, rec_id, &form, problem).await
}

async fn confirm(
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<(i32, i32)>,
    SignedIn(user): SignedIn,
    query: web::Query<RecommendationForm>,
) -> Result<HttpResponse, AppError> {
    let (round_id, rec_id) = path.into_inner();
    let content = admin_round(&state, &user, round_id).await?;
    match query.change(&content, find_rec(&content, rec_id)?) {
        Ok(change) if change.asks_first() => {
            render_confirm(&state, &session, &user, content, rec_id, &query, change).await
        }
        Ok(_) => Err(AppError::BadRequest(
            "Kun flytning, udgåelse og sammenlægning skal bekræftes. Intet er ændret.".into(),
        )),
        Err(p) => form_refused(&state, &session, &user, content, rec_id, &query, p).await,
    }
}

#[derive(Debug, Serialize)]
struct Hidden {
    name: &'static str,
    value: String,
}

#[derive(Debug, Serialize)]
struct ConfirmPage<'a> {
    round: &'a Round,
    rec_id: i32,
    heading: String,
    consequences: Vec<String>,
    fields: Vec<Hidden>,
    button: String,
    back: String,
}

/// "Numrene følger rækkefølgen: 1.3 bliver 1.2." for the others a change renumbers.
fn renumbering(content: &RoundContent, change: PlannedChange, skip: i32) -> Option<String> {
    let list: Vec<String> = renumbered(content, change)
        .into_iter()
        .filter(|r| r.id != skip)
        .map(|r| format!("{} bliver {}", r.before, r.after))
        .collect();
    (!list.is_empty()).then(|| format!("Numrene følger rækkefølgen: {}.", list.join(", ")))
}

/// The confirmation page's heading, sentences, hidden fields and button for a change.
fn confirmation(
    content: &RoundContent,
    rec: &Recommendation,
    change: &RecChange,
) -> (String, Vec<String>, Vec<Hidden>, String) {
    let hidden = |name: &'static str, value: String| Hidden { name, value };
    let code = &rec.code;
    match change {
        RecChange::Move { area } => {
            let planned = PlannedChange::Move {
                recommendation: rec.id,
                focus_area: *area,
            };
            let target = content.focus_areas.iter().find(|a| a.id == *area);
            let mut lines = vec![format!(
                "{code} «{}» flyttes til indsatsområde {} «{}» som {}.",
                rec.text,
                target.map_or(0, |a| a.number),
                target.map_or("", |a| a.title.as_str()),
                code_after(content, planned, rec.id).unwrap_or_default()
            )];
            lines.extend(renumbering(content, planned, rec.id));
            lines.push("Flytningen kan fortrydes, så længe runden er under forberedelse.".into());
            let fields = vec![
                hidden("action", "flyt".into()),
                hidden("area", area.to_string()),
            ];
            (
                format!("Flyt anbefaling {code}?"),
                lines,
                fields,
                format!("Ja, flyt {code}"),
            )
        }
        RecChange::Retire => {
            let planned = PlannedChange::Remove {
                recommendation: rec.id,
            };
            let mut lines = vec![format!(
                "{code} «{}» udgår af årets sæt. Sidste års svar på den bevares og vises som ikke videreført.",
                rec.text
            )];
            lines.extend(renumbering(content, planned, rec.id));
            lines.push("Den står derefter under «Udgået» på siden med anbefalingerne og kan genindsættes, så længe runden er under forberedelse.".into());
            let fields = vec![hidden("action", "udgaar".into())];
            (
                format!("Lad anbefaling {code} udgå?"),
                lines,
                fields,
                format!("Ja, {code} udgår"),
            )
        }
        RecChange::Merge { other, text } => {
            let absorbed = content.recommendations.iter().find(|r| r.id == *other);
            let (gone_code, gone_text) = absorbed.map_or((String::new(), String::new()), |r| {
                (r.code.clone(), r.text.clone())
            });
            let planned = PlannedChange::Remove {
                recommendation: *other,
            };
            let new_code = code_after(content, planned, rec.id).unwrap_or_default();
            let mut lines = vec![
                format!("{gone_code} «{gone_text}» lægges sammen med {code} «{}».", rec.text),
                format!("{gone_code} tages ud af sættet; dens historik fra tidligere år følger den samlede anbefaling, {new_code}."),
            ];
            if !text.trim().is_empty() {
                lines.push(format!(
                    "Den samlede anbefaling får teksten «{}».",
                    text.trim()
                ));
            }
            lines.extend(renumbering(content, planned, *other));
            lines.push(
                "Sammenlægningen kan deles igen, så længe runden er under forberedelse.".into(),
            );
            let fields = vec![
                hidden("action", "saml".into()),
                hidden("other", other.to_string()),
                hidden("text", text.clone()),
            ];
            (
                format!("Læg {gone_code} sammen med {code}?"),
                lines,
                fields,
                format!("Ja, læg {gone_code} sammen med {code}"),
            )
        }
        RecChange::Reword { .. } | RecChange::Reorder(_) => (
            format!("Gem anbefaling {code}?"),
            Vec::new(),
            vec![hidden("action", "gem".into())],
            "Gem".into(),
        ),
    }
}

/// The page that says what a move, retirement or merge will do, before it is done; refused
/// with the reason once the round has opened.
async fn render_confirm(
    state: &web::Data<AppState>,
    session: &Session,
    user: &User,
    content: RoundContent,
    rec_id: i32,
    form: &RecommendationForm,
    change: RecChange,
) -> Result<HttpResponse, AppError> {
    if set_is_editable(content.round.state).is_err() {
        let problem = Problem::page(FROZEN.to_owned());
        return form_refused(state, session, user, content, rec_id, form, problem).await;
    }
    let rec = find_rec(&content, rec_id)?;
    let (heading, consequences, mut fields, button) = confirmation(&content, rec, &change);
    fields.push(Hidden {
        name: "from",
        value: form.from.clone().unwrap_or_default(),
    });
    let back = if form.on_own_page() {
        format!(
            "/admin/rounds/{}/recommendations/{rec_id}",
            content.round.id
        )
    } else {
        format!("/admin/rounds/{}/set", content.round.id)
    };
    let page = ConfirmPage {
        round: &content.round,
        rec_id,
        heading,
        consequences,
        fields,
        button,
        back,
    };
    let context = page_context(session, user, &page)?;
    state.pages.ok("admin_set_confirm.html", &context)
}

#[derive(Debug, Deserialize)]
pub struct UndoForm {
    csrf_token: Option<String>,
}

async fn undo(
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<(i32, i32)>,
    SignedIn(user): SignedIn,
    form: web::Form<UndoForm>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    verify_csrf(&session, form.csrf_token.as_deref())?;
    let (round_id, edit_id) = path.into_inner();
    let content = admin_round(&state, &user, round_id).await?;
    let actor = Some(user.id);
    let outcome = db(&state, move |conn| {
        Ok(set_edits::undo(conn, round_id, edit_id, actor, now))
    })
    .await?;
    let problem = match outcome {
        Ok(_) => {
            let to = format!("/admin/rounds/{round_id}/set?fortrudt={edit_id}#besked");
            return Ok(redirect(to));
        }
        Err(SetError::Refused(SetRefusal::Frozen)) => Problem::page(
            "Runden er åbnet, så ændringer i anbefalingerne kan ikke længere fortrydes.".into(),
        ),
        Err(e) => set_problem(e, None)?,
    };
    let input = PageInput::refused(problem, &[]);
    render_set(&state, &session, &user, content, input).await
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
    let now = state.clock.now();
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
        Ok(rounds::adopt_proposal(
            conn,
            submission_id,
            &title,
            actor,
            now,
        ))
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
