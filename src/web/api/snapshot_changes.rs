//! The API's side of "what changed since the council saw it": a municipality's saved
//! snapshots of its attachment, each marked changed or unchanged against today, and one
//! snapshot's changes with who made them and when (as the page
//! `/rounds/{id}/municipalities/{code}/snapshots/{snapshot_id}/changes` shows them).
//!
//! Routes and who may use them (signed in only: the changes name people):
//! - `GET /api/v1/rounds/{id}/municipalities/{code}/snapshots`
//! - `GET /api/v1/rounds/{id}/municipalities/{code}/snapshots/{snapshot_id}/changes`
//!
//! Both for whoever may read the municipality's answers (its own users, the KKR's admins and
//! members).

use actix_web::{web, HttpRequest};
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::{caller, forbidden_or_sign_in, ApiError};
use crate::domain::snapshot_diff::{self, Attributed};
use crate::domain::{access, MunicipalityCode};
use crate::store::snapshots;
use crate::views::snapshot_changes::ListState;
use crate::web::pages::snapshot_changes::{compared, list_states};
use crate::web::{db, round_view, AppError, AppState};

/// The resources of this part, for the API's one list of them.
pub fn resources() -> Vec<(&'static str, actix_web::Route)> {
    vec![
        (
            "/rounds/{id}/municipalities/{code}/snapshots",
            web::get().to(list),
        ),
        (
            "/rounds/{id}/municipalities/{code}/snapshots/{snapshot_id}/changes",
            web::get().to(changes),
        ),
    ]
}

fn utc(time: NaiveDateTime) -> DateTime<Utc> {
    time.and_utc()
}

/// Exactly the documented three-digit code: the parser would also forgive surrounding spaces.
fn strict_code(raw: &str) -> Result<MunicipalityCode, ApiError> {
    MunicipalityCode::parse(raw)
        .ok()
        .filter(|c| c.as_str() == raw)
        .ok_or(ApiError(AppError::NotFound))
}

/// How a snapshot stands against today.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SnapshotState {
    /// An attachment made today would show other answers or recommendations.
    Changed,
    /// An attachment made today shows the same answers and recommendations.
    Unchanged,
    /// The snapshot's data holds nothing that can be compared; only its PDF is left.
    NotComparable,
}

impl From<ListState> for SnapshotState {
    fn from(state: ListState) -> Self {
        match state {
            ListState::Changed => SnapshotState::Changed,
            ListState::Unchanged => SnapshotState::Unchanged,
            ListState::NotComparable => SnapshotState::NotComparable,
        }
    }
}

/// One saved snapshot of a municipality's attachment.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Snapshot {
    pub id: i32,
    pub created_at: DateTime<Utc>,
    /// The name of the person who saved it.
    pub created_by: String,
    /// Against what an attachment made today would show.
    pub state: SnapshotState,
}

/// A municipality's snapshots of its attachment in a round, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SnapshotList {
    pub snapshots: Vec<Snapshot>,
}

/// What a snapshot's side of the comparison was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// The record the snapshot stored for the comparison.
    Recorded,
    /// The attachment data of a snapshot saved before records were stored.
    Attachment,
    /// The attachment data of an early snapshot without recommendation ids: recommendations
    /// are matched by number (a renumbered one shows as removed and added).
    AttachmentByNumber,
}

impl From<snapshot_diff::Basis> for Basis {
    fn from(basis: snapshot_diff::Basis) -> Self {
        match basis {
            snapshot_diff::Basis::Recorded => Basis::Recorded,
            snapshot_diff::Basis::Attachment => Basis::Attachment,
            snapshot_diff::Basis::AttachmentByNumber => Basis::AttachmentByNumber,
        }
    }
}

/// What differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// The form's state: `before` and `now` are `submitted` or `not_submitted`.
    Submission,
    /// The submitted status: `green`, `yellow`, `red`, or null for no submitted answer.
    Status,
    /// The submitted comment (empty for none).
    Comment,
    /// The recommendation's number, e.g. `1.2`.
    Number,
    /// The recommendation's wording.
    Text,
    /// A recommendation the snapshot did not have (`before` and `now` null).
    Added,
    /// A recommendation the snapshot had and the round no longer has (`before` and `now`
    /// null).
    Removed,
}

/// The recommendation a change concerns: as it is today, or as it was for a removed one.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangedRecommendation {
    /// Null for a recommendation of an early snapshot that recorded no ids.
    pub id: Option<i32>,
    pub code: String,
    pub text: String,
}

/// One audit entry behind a change.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MadeBy {
    pub at: DateTime<Utc>,
    /// The person's name; null when no user is recorded (an import from the command line).
    pub by: Option<String>,
}

/// One difference between the snapshot and today.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Change {
    pub kind: ChangeKind,
    /// Null for a change of the whole form (`submission`).
    pub recommendation: Option<ChangedRecommendation>,
    /// The snapshot's value (see `kind`).
    pub before: Option<String>,
    /// Today's value (see `kind`).
    pub now: Option<String>,
    /// The audit entries that made the change, oldest first: those after the snapshot was
    /// saved; for an answer that only left or entered the attachment with the form's state,
    /// the withdrawal or submission; else the last one before (a save that landed while the
    /// snapshot was being made). Empty when no entry names it (a recommendation renumbered
    /// because another moved).
    pub made: Vec<MadeBy>,
}

/// A snapshot compared with what an attachment made today would show: the municipality's
/// submitted answers (status and comment) and the round's recommendations (number, wording,
/// added, removed). Other municipalities' answers and the region's figures are not compared.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SnapshotChanges {
    pub round_id: i32,
    pub municipality_code: String,
    pub snapshot: Snapshot,
    /// What the snapshot's side was read from; null when it could not be compared.
    pub basis: Option<Basis>,
    /// The state's changes, in the order of the page: the form, then each recommendation
    /// in the round's order, then the removed ones. Empty when unchanged or not comparable.
    pub changes: Vec<Change>,
}

fn status_word(status: Option<crate::domain::Status>) -> Option<String> {
    status.map(|s| s.as_str().to_owned())
}

fn submitted_word(submitted: bool) -> Option<String> {
    Some(
        if submitted {
            "submitted"
        } else {
            "not_submitted"
        }
        .to_owned(),
    )
}

impl From<&Attributed> for Change {
    fn from(attributed: &Attributed) -> Self {
        use snapshot_diff::What;
        let change = &attributed.change;
        let (kind, before, now) = match &change.what {
            What::Submission { before, now } => (
                ChangeKind::Submission,
                submitted_word(*before),
                submitted_word(*now),
            ),
            What::Status { before, now } => {
                (ChangeKind::Status, status_word(*before), status_word(*now))
            }
            What::Comment { before, now } => {
                (ChangeKind::Comment, Some(before.clone()), Some(now.clone()))
            }
            What::Number { before, now } => {
                (ChangeKind::Number, Some(before.clone()), Some(now.clone()))
            }
            What::Text { before, now } => {
                (ChangeKind::Text, Some(before.clone()), Some(now.clone()))
            }
            What::Added => (ChangeKind::Added, None, None),
            What::Removed => (ChangeKind::Removed, None, None),
        };
        Change {
            kind,
            recommendation: change
                .recommendation
                .as_ref()
                .map(|r| ChangedRecommendation {
                    id: r.id,
                    code: r.code.clone(),
                    text: r.text.clone(),
                }),
            before,
            now,
            made: attributed
                .made
                .iter()
                .map(|m| MadeBy {
                    at: utc(m.at),
                    by: m.by.clone(),
                })
                .collect(),
        }
    }
}

/// A municipality's saved snapshots of its attachment, each changed or unchanged.
///
/// Newest first. `state` compares each with what an attachment made today would show.
#[utoipa::path(
    get,
    path = "/api/v1/rounds/{id}/municipalities/{code}/snapshots",
    operation_id = "municipalitySnapshots",
    params(
        ("id" = i32, Path, description = "The round's id"),
        ("code" = String, Path, pattern = "^[0-9]{3}$",
            description = "The municipality's three-digit code (kommunekode), e.g. 147"),
    ),
    security(("bearer" = []), ("session" = [])),
    responses(
        (status = 200, description = "The snapshots, newest first", body = SnapshotList),
        (status = 401, description = "Not signed in, an invalid or revoked token, or an expired \
            session", body = super::types::ErrorBody, headers(("WWW-Authenticate" = String))),
        (status = 403, description = "The caller may not read this municipality's answers",
            body = super::types::ErrorBody),
        (status = 404, description = "No such round, or no such municipality in the round",
            body = super::types::ErrorBody),
        (status = 429, description = "Too many requests with a token from this address",
            body = super::types::ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
        (status = 503, description = "The database is not reachable",
            body = super::types::ErrorBody),
    )
)]
async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(i32, String)>,
) -> Result<web::Json<SnapshotList>, ApiError> {
    let user = caller(&req, &state).await?;
    let (round_id, raw_code) = path.into_inner();
    let code = strict_code(&raw_code)?;
    let view = round_view(&state, round_id).await?;
    let round = &view.data.content.round;
    if view.data.content.municipality(&code).is_none() {
        return Err(ApiError(AppError::NotFound));
    }
    let Some(user) = user else {
        return Err(forbidden_or_sign_in(None));
    };
    if !access::can_see_snapshot_changes(&user, round, &code) {
        return Err(ApiError(AppError::Forbidden));
    }
    let target = code.clone();
    let listed = db(&state, move |conn| {
        Ok(snapshots::list(conn, round_id, &target)?)
    })
    .await?;
    let states = list_states(&state, &view, &code).await?;
    let snapshots = listed
        .into_iter()
        .map(|s| Snapshot {
            id: s.id,
            created_at: utc(s.created_at),
            created_by: s.created_by,
            state: states
                .get(&s.id)
                .copied()
                .unwrap_or(ListState::NotComparable)
                .into(),
        })
        .collect();
    Ok(web::Json(SnapshotList { snapshots }))
}

/// What changed since a snapshot of the municipality's attachment was saved.
///
/// The municipality's submitted answers (status, comment) and the round's recommendations
/// (number, wording, added, removed) that differ between the snapshot and what an
/// attachment made today would show, each with who made the change and when according to
/// the audit log.
#[utoipa::path(
    get,
    path = "/api/v1/rounds/{id}/municipalities/{code}/snapshots/{snapshot_id}/changes",
    operation_id = "snapshotChanges",
    params(
        ("id" = i32, Path, description = "The round's id"),
        ("code" = String, Path, pattern = "^[0-9]{3}$",
            description = "The municipality's three-digit code (kommunekode), e.g. 147"),
        ("snapshot_id" = i32, Path, description = "The snapshot's id"),
    ),
    security(("bearer" = []), ("session" = [])),
    responses(
        (status = 200, description = "The snapshot compared with today", body = SnapshotChanges),
        (status = 401, description = "Not signed in, an invalid or revoked token, or an expired \
            session", body = super::types::ErrorBody, headers(("WWW-Authenticate" = String))),
        (status = 403, description = "The caller may not read this municipality's answers",
            body = super::types::ErrorBody),
        (status = 404, description = "No such round, no such municipality in the round, or no \
            such snapshot of this municipality's attachment in the round",
            body = super::types::ErrorBody),
        (status = 429, description = "Too many requests with a token from this address",
            body = super::types::ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
        (status = 503, description = "The database is not reachable",
            body = super::types::ErrorBody),
    )
)]
async fn changes(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(i32, String, i32)>,
) -> Result<web::Json<SnapshotChanges>, ApiError> {
    let user = caller(&req, &state).await?;
    let (round_id, raw_code, snapshot_id) = path.into_inner();
    let code = strict_code(&raw_code)?;
    let Some(user) = user else {
        // The round and municipality are checked first for a signed-in caller only: an
        // anonymous one learns nothing but that a sign-in is needed.
        return Err(forbidden_or_sign_in(None));
    };
    let compared = compared(&state, &user, round_id, code, snapshot_id).await?;
    let list: Vec<Change> = compared
        .result
        .as_ref()
        .map(|(_, list)| list.iter().map(Change::from).collect())
        .unwrap_or_default();
    let state = match &compared.result {
        None => ListState::NotComparable,
        Some((_, list)) if list.is_empty() => ListState::Unchanged,
        Some(_) => ListState::Changed,
    };
    Ok(web::Json(SnapshotChanges {
        round_id,
        municipality_code: compared.code.to_string(),
        snapshot: Snapshot {
            id: compared.snapshot.id,
            created_at: utc(compared.snapshot.created_at),
            created_by: compared.snapshot.created_by.clone(),
            state: state.into(),
        },
        basis: compared.result.as_ref().map(|(basis, _)| (*basis).into()),
        changes: list,
    }))
}
