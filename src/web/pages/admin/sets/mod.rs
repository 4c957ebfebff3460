//! A round's recommendation set (changed only while the round is a draft) and the proposals
//! for new focus areas made in its forms.
//!
//! Moving a recommendation to another focus area, retiring it and merging two ask first: the
//! form leads to a confirmation page (`GET .../recommendations/{rec}/bekraeft`) that says what
//! will happen, and only its `POST` with `confirmed=ja` changes the set. Every reword, move,
//! retirement and merge can be undone while the round is a draft
//! (`POST .../set/aendringer/{edit}/fortryd`); each change ends on the set page with a message
//! naming what was saved, focused.

mod confirm;
mod texts;

use std::collections::HashMap;

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use self::confirm::confirmation;
use self::texts::{
    code_of, edit_summary, made_text, notice, refusal_text, undo_label, undone_text,
};
use super::{admin_round, problem_status, redirect, refusal, Problem};
use crate::csrf_protected;
use crate::domain::rounds::{set_is_editable, FROZEN};
use crate::domain::{Recommendation, RoundContent, SubmissionState};
use crate::store::groups;
use crate::store::recommendation_sets::{self as sets, Direction};
use crate::store::rounds::{self, ChangeError};
use crate::store::set_edits::{self, RecordedEdit, SetEdit, SetError, SetRefusal};
use crate::views::fields::Choice;
use crate::views::set_editor::{
    AreaView, ConfirmPage, Hidden, NoticeView, ProposalView, ProposalsPage, RecErrors, RecView,
    RecommendationPage, RetiredView, SetPage, UndoView,
};
use crate::web::db;
use crate::web::error::AppError;
use crate::web::extract::{AdminPage, CsrfForm};

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

// ---------------------------------------------------------------------------------------
// Refusals and messages, in Danish.

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

/// "Fra 2016: 1.3", "Ny", "Fra 2016: 1.1, lagt sammen med 1.2".
async fn origins(
    page: &AdminPage,
    content: &RoundContent,
) -> Result<HashMap<i32, String>, AppError> {
    let ids: Vec<i32> = content
        .recommendations
        .iter()
        .flat_map(|r| r.predecessors())
        .collect();
    let earlier: HashMap<i32, (String, i32)> = db(&page.state, move |conn| {
        Ok(rounds::codes_and_years(conn, &ids)?)
    })
    .await?;
    Ok(content
        .recommendations
        .iter()
        .map(|r| (r.id, origin_text(r, &earlier)))
        .collect())
}

/// Where a recommendation comes from, by the codes and years of `earlier` recommendations.
fn origin_text(r: &Recommendation, earlier: &HashMap<i32, (String, i32)>) -> String {
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
    text
}

/// "Hele runden" and the round's KKR's groups as options, `selected` chosen.
fn group_choices(content: &RoundContent, selected: Option<i32>) -> Vec<Choice> {
    if content.groups.is_empty() {
        return Vec::new();
    }
    std::iter::once(Choice::new(
        "",
        "Hele runden (alle kommuner)",
        selected.is_none(),
    ))
    .chain(content.groups.iter().map(|g| {
        Choice::new(
            g.id.to_string(),
            format!("{} ({} kommuner)", g.name, g.members.len()),
            selected == Some(g.id),
        )
    }))
    .collect()
}

/// The groups' expectations from the previous round, by group id.
type PreviousExpectations = HashMap<i32, String>;

fn area_views(
    content: &RoundContent,
    input: &PageInput,
    origin: &HashMap<i32, String>,
    previous: &PreviousExpectations,
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
                group_name: a
                    .group_id
                    .and_then(|id| content.group(id))
                    .map(|g| g.name.clone()),
                group_choices: group_choices(content, a.group_id),
                previous_expectations: a
                    .group_id
                    .and_then(|id| previous.get(&id))
                    .filter(|_| set_is_editable(content.round.state).is_ok())
                    .cloned(),
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

/// The set page from the stored set, the origins of its recommendations, its recorded
/// changes and the admin's input.
fn set_page<'a>(
    content: &'a RoundContent,
    origin: &HashMap<i32, String>,
    edits: &[RecordedEdit],
    input: &'a PageInput,
    previous: &(Option<i32>, PreviousExpectations),
) -> SetPage<'a> {
    let editable = set_is_editable(content.round.state).is_ok();
    let undo_view = |e: &RecordedEdit| UndoView {
        edit: e.id,
        label: undo_label(&e.edit),
        what: edit_summary(&e.edit),
    };
    let pending = || edits.iter().filter(|e| !e.undone);
    SetPage {
        round: &content.round,
        editable,
        frozen: FROZEN,
        areas: area_views(content, input, origin, &previous.1),
        group_choices: group_choices(content, None),
        previous_year: previous.0,
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
    }
}

async fn render_set(
    page: &AdminPage,
    content: RoundContent,
    input: PageInput,
) -> Result<HttpResponse, AppError> {
    let origin = origins(page, &content).await?;
    let round_id = content.round.id;
    let (kkr_id, year) = (content.round.kkr_id, content.round.year);
    let (edits, previous) = db(&page.state, move |conn| {
        let previous = match rounds::previous_round_id(conn, kkr_id, year)? {
            Some(id) => {
                let year = rounds::get_round(conn, id)?.map(|r| r.year);
                let texts = groups::expectations_of_round(conn, id)?
                    .into_iter()
                    .map(|e| (e.group_id, e.text))
                    .collect();
                (year, texts)
            }
            None => (None, HashMap::new()),
        };
        Ok((set_edits::edits_of_round(conn, round_id)?, previous))
    })
    .await?;
    let model = set_page(&content, &origin, &edits, &input, &previous);
    page.render_status(problem_status(&input.problems), "admin_set.html", &model)
}

/// The message the set page opens with, from its query.
async fn notice_input(
    page: &AdminPage,
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
    let edits = db(&page.state, move |conn| {
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
    page: AdminPage,
    path: web::Path<i32>,
    query: web::Query<NoticeQuery>,
) -> Result<HttpResponse, AppError> {
    let content = admin_round(&page, path.into_inner()).await?;
    let input = notice_input(&page, &content, &query).await?;
    render_set(&page, content, input).await
}

fn set_path(round_id: i32, flag: &str) -> String {
    format!("/admin/rounds/{round_id}/set?ok={flag}")
}

/// Runs a set change; on success sends the admin to `success`, on a refusal shows the set page
/// again with the reason (at the first kept field, when the round is still a draft) and the
/// admin's input.
async fn apply(
    page: &AdminPage,
    content: RoundContent,
    kept: &[(&str, &str)],
    success: String,
    change: impl FnOnce(&mut crate::store::DbConnection) -> Result<(), ChangeError> + Send + 'static,
) -> Result<HttpResponse, AppError> {
    let outcome = db(&page.state, move |conn| Ok(change(conn))).await?;
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
            render_set(page, content, input).await
        }
    }
}
#[derive(Debug, Deserialize)]
pub struct AreaForm {
    csrf_token: Option<String>,
    action: Option<String>,
    title: Option<String>,
    /// A group's id, or empty for the whole round.
    group: Option<String>,
}

/// The chosen group: empty for the whole round; anything but a number is refused.
fn parse_group_choice(raw: Option<&str>) -> Result<Option<i32>, AppError> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(value) => value
            .parse()
            .map(Some)
            .map_err(|_| AppError::BadRequest("Ukendt gruppe. Intet er ændret.".into())),
    }
}

async fn add_area(
    page: AdminPage,
    path: web::Path<i32>,
    form: CsrfForm<AreaForm>,
) -> Result<HttpResponse, AppError> {
    let now = page.state.clock.now();
    let content = admin_round(&page, path.into_inner()).await?;
    let round_id = content.round.id;
    let title = form.title.clone().unwrap_or_default();
    let group = parse_group_choice(form.group.as_deref())?;
    let actor = page.user.id;
    let typed = title.clone();
    apply(
        &page,
        content,
        &[("new-area-title", &typed)],
        set_path(round_id, "gemt"),
        move |conn| {
            sets::add_focus_area(conn, round_id, &title, group, Some(actor), now).map(|_| ())
        },
    )
    .await
}

/// The round for the admin's set editor, provided the focus area is one of its own.
async fn admin_area_round(
    page: &AdminPage,
    round_id: i32,
    area_id: i32,
) -> Result<RoundContent, AppError> {
    let content = admin_round(page, round_id).await?;
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

/// What a focus area's form asks for.
enum AreaChange {
    Rename(String),
    Delete,
    Group(Option<i32>),
    Move(Direction),
}

impl AreaChange {
    fn of(form: &AreaForm) -> Result<AreaChange, AppError> {
        Ok(match form.action.as_deref().unwrap_or_default() {
            "omdoeb" => AreaChange::Rename(form.title.clone().unwrap_or_default()),
            "slet" => AreaChange::Delete,
            "gruppe" => AreaChange::Group(parse_group_choice(form.group.as_deref())?),
            other => {
                AreaChange::Move(direction(other).ok_or_else(|| {
                    AppError::BadRequest("Ukendt handling. Intet er ændret.".into())
                })?)
            }
        })
    }

    /// The store's change of focus area `area` by `actor` at `now`.
    fn store(
        self,
        conn: &mut crate::store::DbConnection,
        area: i32,
        actor: Option<i32>,
        now: chrono::NaiveDateTime,
    ) -> Result<(), ChangeError> {
        match self {
            AreaChange::Rename(title) => sets::rename_focus_area(conn, area, &title, actor, now),
            AreaChange::Delete => sets::delete_focus_area(conn, area, actor, now),
            AreaChange::Group(group) => sets::set_focus_area_group(conn, area, group, actor, now),
            AreaChange::Move(direction) => sets::move_focus_area(conn, area, direction, actor, now),
        }
    }
}

async fn change_area(
    page: AdminPage,
    path: web::Path<(i32, i32)>,
    form: CsrfForm<AreaForm>,
) -> Result<HttpResponse, AppError> {
    let (now, actor) = (page.state.clock.now(), Some(page.user.id));
    let (round_id, area_id) = path.into_inner();
    let content = admin_area_round(&page, round_id, area_id).await?;
    let change = AreaChange::of(&form)?;
    // A refused new title stays in its field.
    let field = format!("area-{area_id}-title");
    let typed = match &change {
        AreaChange::Rename(title) => Some(title.clone()),
        _ => None,
    };
    let kept: Vec<(&str, &str)> = typed.iter().map(|t| (field.as_str(), t.as_str())).collect();
    apply(
        &page,
        content,
        &kept,
        set_path(round_id, "gemt"),
        move |conn| change.store(conn, area_id, actor, now),
    )
    .await
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
    page: AdminPage,
    path: web::Path<(i32, i32)>,
    form: CsrfForm<NewRecommendationForm>,
) -> Result<HttpResponse, AppError> {
    let now = page.state.clock.now();
    let (round_id, area_id) = path.into_inner();
    let content = admin_area_round(&page, round_id, area_id).await?;
    let binding = parse_binding(form.binding.as_deref())?;
    let text = form.text.clone().unwrap_or_default();
    let typed = text.clone();
    let field = format!("area-{area_id}-new-text");
    let actor = Some(page.user.id);
    apply(
        &page,
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
                    Problem::field("binding-forpligtende", "Vælg forpligtende eller frivillig.")
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
                    .ok_or_else(|| Problem::field("area", "Vælg et indsatsområde."))?;
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

/// A recommendation's page: its forms, with the admin's input and problems.
fn recommendation_page<'a>(
    content: &'a RoundContent,
    rec: &'a Recommendation,
    origin: &HashMap<i32, String>,
    input: &'a PageInput,
) -> RecommendationPage<'a> {
    let kept_id = |field: &str| input.kept.get(field).and_then(|v| v.parse::<i32>().ok());
    let areas = content
        .focus_areas
        .iter()
        .map(|a| {
            let selected = kept_id("area").unwrap_or(rec.focus_area_id) == a.id;
            Choice::new(
                a.id.to_string(),
                format!("{}. {}", a.number, a.title),
                selected,
            )
        })
        .collect();
    let others = content
        .recommendations
        .iter()
        .filter(|r| r.id != rec.id)
        .map(|r| {
            let label = format!("{} {}", r.code, r.text.chars().take(90).collect::<String>());
            Choice::new(r.id.to_string(), label, kept_id("other") == Some(r.id))
        })
        .collect();
    RecommendationPage {
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
    }
}

async fn render_recommendation(
    page: &AdminPage,
    content: RoundContent,
    rec_id: i32,
    input: PageInput,
) -> Result<HttpResponse, AppError> {
    let origin = origins(page, &content).await?;
    let model = recommendation_page(&content, find_rec(&content, rec_id)?, &origin, &input);
    page.render_status(
        problem_status(&input.problems),
        "admin_recommendation.html",
        &model,
    )
}

async fn show_recommendation(
    page: AdminPage,
    path: web::Path<(i32, i32)>,
) -> Result<HttpResponse, AppError> {
    let (round_id, rec_id) = path.into_inner();
    let content = admin_round(&page, round_id).await?;
    render_recommendation(&page, content, rec_id, PageInput::default()).await
}

/// A form's problem shown on the page the form was on, with the admin's input.
async fn form_refused(
    page: &AdminPage,
    content: RoundContent,
    rec_id: i32,
    form: &RecommendationForm,
    problem: Problem,
) -> Result<HttpResponse, AppError> {
    let kept = form.kept();
    let kept: Vec<(&str, &str)> = kept.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let input = PageInput::refused(problem, &kept);
    if form.on_own_page() {
        render_recommendation(page, content, rec_id, input).await
    } else {
        render_set(page, content, input).await
    }
}

async fn change_recommendation(
    page: AdminPage,
    path: web::Path<(i32, i32)>,
    form: CsrfForm<RecommendationForm>,
) -> Result<HttpResponse, AppError> {
    let (round_id, rec_id) = path.into_inner();
    let content = admin_round(&page, round_id).await?;
    let change = match form.change(&content, find_rec(&content, rec_id)?) {
        Ok(change) => change,
        Err(p) => return form_refused(&page, content, rec_id, &form, p).await,
    };
    if change.asks_first() && !form.confirmed() {
        return render_confirm(&page, content, rec_id, &form, change).await;
    }
    let (actor, run) = (Some(page.user.id), change.clone());
    let now = page.state.clock.now();
    let outcome = db(&page.state, move |conn| {
        Ok(run.run(conn, rec_id, actor, now))
    })
    .await?;
    let problem = match outcome {
        Ok(done) => return Ok(redirect(done_path(round_id, rec_id, done))),
        Err(Failure::Set(e)) => set_problem(e, Some(&change))?,
        Err(Failure::Change(e)) => Problem::page(refusal(e)?),
    };
    form_refused(&page, content, rec_id, &form, problem).await
}

async fn confirm(
    page: AdminPage,
    path: web::Path<(i32, i32)>,
    query: web::Query<RecommendationForm>,
) -> Result<HttpResponse, AppError> {
    let (round_id, rec_id) = path.into_inner();
    let content = admin_round(&page, round_id).await?;
    match query.change(&content, find_rec(&content, rec_id)?) {
        Ok(change) if change.asks_first() => {
            render_confirm(&page, content, rec_id, &query, change).await
        }
        Ok(_) => Err(AppError::BadRequest(
            "Kun flytning, udgåelse og sammenlægning skal bekræftes. Intet er ændret.".into(),
        )),
        Err(p) => form_refused(&page, content, rec_id, &query, p).await,
    }
}

/// The page that says what a move, retirement or merge will do, before it is done; refused
/// with the reason once the round has opened.
async fn render_confirm(
    page: &AdminPage,
    content: RoundContent,
    rec_id: i32,
    form: &RecommendationForm,
    change: RecChange,
) -> Result<HttpResponse, AppError> {
    if set_is_editable(content.round.state).is_err() {
        let problem = Problem::page(FROZEN.to_owned());
        return form_refused(page, content, rec_id, form, problem).await;
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
    let model = ConfirmPage {
        round: &content.round,
        rec_id,
        heading,
        consequences,
        fields,
        button,
        back,
    };
    page.render("admin_set_confirm.html", &model)
}

#[derive(Debug, Deserialize)]
pub struct UndoForm {
    csrf_token: Option<String>,
}

async fn undo(
    page: AdminPage,
    path: web::Path<(i32, i32)>,
    _form: CsrfForm<UndoForm>,
) -> Result<HttpResponse, AppError> {
    let now = page.state.clock.now();
    let (round_id, edit_id) = path.into_inner();
    let content = admin_round(&page, round_id).await?;
    let actor = Some(page.user.id);
    let outcome = db(&page.state, move |conn| {
        Ok(set_edits::undo(conn, round_id, edit_id, actor, now))
    })
    .await?;
    let problem = match outcome {
        Ok(_) => {
            let to = format!("/admin/rounds/{round_id}/set?fortrudt={edit_id}#besked");
            return Ok(redirect(to));
        }
        Err(SetError::Refused(SetRefusal::Frozen)) => Problem::page(
            "Runden er åbnet, så ændringer i anbefalingerne kan ikke længere fortrydes.",
        ),
        Err(e) => set_problem(e, None)?,
    };
    let input = PageInput::refused(problem, &[]);
    render_set(&page, content, input).await
}

/// A proposal as the proposals page lists it, with the title it would get as a focus area.
fn proposal_view(p: rounds::Proposal) -> ProposalView {
    ProposalView {
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
    }
}

async fn render_proposals(
    page: &AdminPage,
    content: RoundContent,
    problems: Vec<Problem>,
) -> Result<HttpResponse, AppError> {
    let round = content.round;
    let for_db = round.clone();
    let (list, draft) = db(&page.state, move |conn| {
        Ok((
            rounds::proposals(conn, for_db.id)?,
            rounds::next_draft(conn, &for_db)?,
        ))
    })
    .await?;
    let model = ProposalsPage {
        round,
        proposals: list.into_iter().map(proposal_view).collect(),
        draft,
        problems,
    };
    page.render_status(
        problem_status(&model.problems),
        "admin_proposals.html",
        &model,
    )
}

async fn proposals(page: AdminPage, path: web::Path<i32>) -> Result<HttpResponse, AppError> {
    let content = admin_round(&page, path.into_inner()).await?;
    render_proposals(&page, content, Vec::new()).await
}

#[derive(Debug, Deserialize)]
pub struct AdoptForm {
    csrf_token: Option<String>,
    title: Option<String>,
}

async fn adopt(
    page: AdminPage,
    path: web::Path<(i32, i32)>,
    form: CsrfForm<AdoptForm>,
) -> Result<HttpResponse, AppError> {
    let now = page.state.clock.now();
    let (round_id, submission_id) = path.into_inner();
    let content = admin_round(&page, round_id).await?;
    let belongs = db(&page.state, move |conn| {
        Ok(rounds::proposals(conn, round_id)?
            .iter()
            .any(|p| p.submission_id == submission_id))
    })
    .await?;
    if !belongs {
        return Err(AppError::NotFound);
    }
    let title = form.title.clone().unwrap_or_default();
    let actor = Some(page.user.id);
    let outcome = db(&page.state, move |conn| {
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
            render_proposals(&page, content, problems).await
        }
    }
}

csrf_protected!(
    AreaForm,
    NewRecommendationForm,
    RecommendationForm,
    UndoForm,
    AdoptForm
);
