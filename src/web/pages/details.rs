//! The round seen answer by answer: the heatmap, one recommendation, one municipality, and
//! all KKRs of a year side by side.
//!
//! Routes and who may use them:
//! - `GET /rounds/{id}/heatmap`, `GET /rounds/{id}/recommendations/{rec}`: the KKR's admins
//!   and members (every municipality's submitted answers). The heatmap takes `?gruppe=ID`
//!   to show a group of the KKR's municipalities only.
//! - `GET /rounds/{id}/municipalities/{code}`: the KKR's admins and members, and the
//!   municipality's own editors and readers (who also see its draft).
//! - `GET /years/{year}`: anyone; each KKR's round is shown where the visitor may see it.

use actix_session::Session;
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};

use crate::domain::status::StatusView;
use crate::domain::summary::{Counts, Relation};
use crate::domain::time::danish_datetime;
use crate::domain::{access, danish_sort_key, Status};
use crate::store::rounds;
use crate::views::snapshot_changes::ListState;
use crate::web::error::AppError;
use crate::web::infra::templates::base_context;
use crate::web::pages::dashboard::visible_round;
use crate::web::pages::forms::parse_target;
use crate::web::session::{MaybeSignedIn, SignedIn};
use crate::web::{db, round_view, AppState};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/rounds/{id}/heatmap", web::get().to(heatmap))
        .route(
            "/rounds/{id}/recommendations/{rec}",
            web::get().to(recommendation),
        )
        .route(
            "/rounds/{id}/municipalities/{code}",
            web::get().to(municipality),
        )
        .route("/years/{year}", web::get().to(national));
}

#[derive(Debug, Serialize)]
struct Column {
    id: i32,
    code: String,
    /// " (tidl. 1.2)" where the number changed since last round, read out after the number.
    former: String,
    text: String,
}

#[derive(Debug, Deserialize)]
pub struct SortQuery {
    sort: Option<String>,
    /// A group of the KKR's municipalities to narrow the heatmap to.
    gruppe: Option<String>,
}

async fn heatmap(
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<i32>,
    query: web::Query<SortQuery>,
    req: actix_web::HttpRequest,
    SignedIn(user): SignedIn,
) -> Result<HttpResponse, AppError> {
    let round_id = path.into_inner();
    let page_key = |group_id: Option<i32>| {
        crate::web::infra::cache::PageKey::new(
            "heatmap",
            round_id,
            format!("{group_id:?}:{}", query.sort.as_deref() == Some("groen")),
            Some(&user),
            String::new(),
        )
    };
    if let Ok(group_id) = crate::web::pages::groups::parse_group_param(query.gruppe.as_deref()) {
        let early = crate::web::session::read_version(&req);
        if let Some(page) = state.cache.page_early(&page_key(group_id), early) {
            return page.respond(&session, Some(&user));
        }
    }
    let (version, full) = crate::web::round_view_at(&state, round_id).await?;
    if !access::can_read_all_answers(&user, &full.data.content.round) {
        return Err(AppError::Forbidden);
    }
    let group_id = crate::web::pages::groups::parse_group_param(query.gruppe.as_deref())?;
    let key = page_key(group_id);
    if let Some(page) = state.cache.page(&key, version) {
        return page.respond(&session, Some(&user));
    }
    let (view, group) = crate::web::pages::groups::narrowed(&state, full, group_id).await?;
    let content = &view.data.content;
    let columns: Vec<Column> = content
        .recommendations
        .iter()
        .map(|r| Column {
            id: r.id,
            code: r.code.clone(),
            former: view
                .former_label(r.id)
                .map(|f| format!(" ({f})"))
                .unwrap_or_default(),
            text: r.text.clone(),
        })
        .collect();
    let mut rows = crate::views::heatmap_rows(&view);
    let by_green = query.sort.as_deref() == Some("groen");
    if by_green {
        // Most green first; ties by name.
        rows.sort_by(|a, b| {
            b.greens
                .cmp(&a.greens)
                .then_with(|| danish_sort_key(&a.name).cmp(&danish_sort_key(&b.name)))
        });
    }
    let mut context = state.cache.page_context(Some(&user));
    context.insert("round", &content.round);
    context.insert("columns", &columns);
    context.insert("rows", &rows);
    context.insert("sorted_by_green", &by_green);
    context.insert(
        "groups",
        &crate::web::pages::groups::options(&state, content.round.kkr_id).await?,
    );
    context.insert(
        "group",
        &group.map(|g| serde_json::json!({ "id": g.id, "name": g.name, "size": g.members.len() })),
    );
    let html = state.pages.render("heatmap.html", &context)?;
    state
        .cache
        .store_page(key, version, &html)
        .respond(&session, Some(&user))
}

#[derive(Debug, Serialize)]
struct AnswerRow {
    code: String,
    name: String,
    status: Option<StatusView>,
    comment: String,
    state: &'static str,
    /// Its status in every round along the recommendation's lineage.
    timeline: crate::views::Timeline,
}

#[derive(Debug, Serialize)]
struct HistoryPoint {
    year: i32,
    round_id: i32,
    code: String,
    counts: Counts,
    classification: Option<StatusView>,
}

async fn recommendation(
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<(i32, i32)>,
    SignedIn(user): SignedIn,
) -> Result<HttpResponse, AppError> {
    let (round_id, rec_id) = path.into_inner();
    let view = round_view(&state, round_id).await?;
    let content = &view.data.content;
    if !access::can_read_all_answers(&user, &content.round) {
        return Err(AppError::Forbidden);
    }
    let rec = content
        .recommendations
        .iter()
        .find(|r| r.id == rec_id)
        .ok_or(AppError::NotFound)?;
    let summary = view
        .summary
        .recommendations()
        .find(|r| r.recommendation_id == rec_id)
        .ok_or(AppError::NotFound)?;
    let area = content
        .focus_areas
        .iter()
        .find(|a| a.id == rec.focus_area_id)
        .ok_or(AppError::NotFound)?;
    let ancestry = view.ancestry();
    let answers: Vec<AnswerRow> = content
        .municipalities
        .iter()
        .map(|m| {
            let submission = view
                .data
                .submission_of(&m.code)
                .filter(|s| s.is_submitted());
            let answer = submission.and_then(|s| s.answer(rec_id));
            AnswerRow {
                code: m.code.to_string(),
                name: m.name.clone(),
                status: answer.and_then(|a| a.status).map(StatusView::from),
                comment: answer.map(|a| a.comment.clone()).unwrap_or_default(),
                state: crate::views::submission_line(submission).short,
                timeline: crate::views::timeline(&view, &ancestry, &m.code, rec_id),
            }
        })
        .collect();
    let trend = view.trend.of_recommendation(rec_id);
    let history: Vec<HistoryPoint> = trend
        .map(|t| {
            t.points
                .iter()
                .map(|p| HistoryPoint {
                    year: p.year,
                    round_id: p.round_id,
                    code: p.code.clone(),
                    counts: p.counts,
                    classification: p.classification.map(StatusView::from),
                })
                .collect()
        })
        .unwrap_or_default();
    let mut context = base_context(&session, Some(&user))?;
    context.insert("round", &content.round);
    context.insert("rec", rec);
    context.insert("area", area);
    context.insert("counts", &summary.counts);
    context.insert("shares", &summary.shares);
    context.insert(
        "classification",
        &summary.classification.map(StatusView::from),
    );
    context.insert("answers", &answers);
    context.insert("history", &history);
    context.insert("is_new", &trend.is_some_and(|t| t.is_new));
    context.insert("code_label", &view.code_label(rec_id));
    context.insert(
        "link",
        &view.trend.lineage.link(rec_id).map(|l| {
            serde_json::json!({
                "kind": l.kind.label_da(),
                "from": l.from.iter().map(|f| format!("{} ({}): {}", f.code, f.year, f.text)).collect::<Vec<_>>(),
            })
        }),
    );
    context.insert("has_earlier", &!view.earlier.is_empty());
    state.pages.ok("recommendation.html", &context)
}

#[derive(Debug, Deserialize)]
pub struct NoticeQuery {
    gemt: Option<String>,
}

#[derive(Debug, Serialize)]
struct SnapshotView {
    id: i32,
    created: String,
    by: String,
    kilobytes: i64,
    /// "Ændret siden" or "Uændret" against today.
    state: &'static str,
}

async fn municipality(
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<(i32, String)>,
    query: web::Query<NoticeQuery>,
    SignedIn(user): SignedIn,
) -> Result<HttpResponse, AppError> {
    let (round_id, code) = path.into_inner();
    let (round_id, code) = parse_target(round_id, &code)?;
    let view = round_view(&state, round_id).await?;
    let content = &view.data.content;
    let municipality = content.municipality(&code).ok_or(AppError::NotFound)?;
    if !access::can_read_municipality(&user, &content.round, &code) {
        return Err(AppError::Forbidden);
    }
    let own = view
        .summary
        .municipalities
        .iter()
        .find(|m| m.code == code)
        .ok_or(AppError::NotFound)?;
    // Its draft, for those who may see drafts; otherwise only what it submitted.
    let submission = view
        .data
        .submission_of(&code)
        .filter(|s| s.is_submitted() || access::can_see_drafts(&user, &content.round, &code));
    let rows = crate::views::own_rows(&view, &code, submission).ok_or(AppError::NotFound)?;
    let movement = view.trend.of_municipality(&code);
    let target = code.clone();
    let snapshot_list = db(&state, move |conn| {
        Ok(crate::store::snapshots::list(conn, round_id, &target)?)
    })
    .await?;
    // Each snapshot against today: "Ændret siden" or "Uændret".
    let states = if snapshot_list.is_empty() {
        Default::default()
    } else {
        crate::web::pages::snapshot_changes::list_states(&state, &view, &code).await?
    };
    let snapshot_list = snapshot_list
        .into_iter()
        .map(|s| SnapshotView {
            id: s.id,
            created: danish_datetime(s.created_at),
            by: s.created_by,
            kilobytes: (s.size + 1023) / 1024,
            state: states
                .get(&s.id)
                .copied()
                .unwrap_or(ListState::NotComparable)
                .label_da(),
        })
        .collect::<Vec<_>>();
    let mut context = base_context(&session, Some(&user))?;
    context.insert("snapshots", &snapshot_list);
    context.insert(
        "can_snapshot",
        &access::can_see_drafts(&user, &content.round, &code),
    );
    context.insert(
        "notice",
        &(query.gemt.as_deref() == Some("bilag")).then_some("Bilaget er gemt som øjebliksbillede."),
    );
    context.insert("round", &content.round);
    context.insert("name", &municipality.official_name());
    context.insert("code", code.as_str());
    context.insert("rows", &rows);
    context.insert(
        "sentence",
        &crate::domain::prose::municipality_sentence(
            &municipality.official_name(),
            &own.counts,
            own.response == crate::domain::summary::Response::Submitted,
        ),
    );
    context.insert("state", &crate::views::submission_line(submission).sentence);
    context.insert("improved", &movement.map_or(0, |m| m.improved));
    context.insert("unchanged", &movement.map_or(0, |m| m.unchanged));
    context.insert("worsened", &movement.map_or(0, |m| m.worsened));
    context.insert(
        "previous_year",
        &view.earlier.last().map(|d| d.content.round.year),
    );
    context.insert(
        "ahead",
        &own.standing
            .iter()
            .filter(|s| s.relation == Relation::Ahead)
            .count(),
    );
    context.insert(
        "behind",
        &own.standing
            .iter()
            .filter(|s| s.relation == Relation::Behind)
            .count(),
    );
    context.insert(
        "can_edit",
        &access::can_edit_form(&user, &content.round, &code),
    );
    state.pages.ok("municipality.html", &context)
}

#[derive(Debug, Serialize)]
struct KkrColumn {
    kkr: String,
    round_id: Option<i32>,
    title: Option<String>,
    visible: bool,
    sentence: Option<String>,
    green: u32,
    yellow: u32,
    red: u32,
    unclassified: u32,
    submitted: String,
}

async fn national(
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<i32>,
    MaybeSignedIn(user): MaybeSignedIn,
) -> Result<HttpResponse, AppError> {
    let year = path.into_inner();
    let (kkrs, all) = db(&state, |conn| {
        Ok((
            crate::store::reference::list_kkrs(conn)?,
            rounds::list_rounds(conn)?,
        ))
    })
    .await?;
    let mut columns = Vec::new();
    for kkr in kkrs {
        let round = all.iter().find(|r| r.kkr_id == kkr.id && r.year == year);
        let mut column = KkrColumn {
            kkr: kkr.name.clone(),
            round_id: round.map(|r| r.id),
            title: round.map(|r| r.title.clone()),
            visible: false,
            sentence: None,
            green: 0,
            yellow: 0,
            red: 0,
            unclassified: 0,
            submitted: String::new(),
        };
        if let Some(round) = round.filter(|r| access::can_view_round(user.as_ref(), r)) {
            let view = visible_round(&state, user.as_ref(), round.id).await?;
            let c = view.summary.classification_counts;
            column.visible = true;
            column.sentence = Some(view.summary.sentence.clone());
            column.green = c.green;
            column.yellow = c.yellow;
            column.red = c.red;
            column.unclassified = c.unclassified;
            column.submitted = format!(
                "{} af {}",
                view.summary.submitted_count, view.summary.municipality_count
            );
        }
        columns.push(column);
    }
    let mut years: Vec<i32> = all.iter().map(|r| r.year).collect();
    years.sort_unstable();
    years.dedup();
    let mut context = base_context(&session, user.as_ref())?;
    context.insert("year", &year);
    context.insert("years", &years);
    context.insert("columns", &columns);
    context.insert("statuses", &Status::ALL.map(StatusView::from));
    state.pages.ok("national.html", &context)
}
