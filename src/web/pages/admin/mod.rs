//! The KKR secretariat's pages: rounds and their life cycle, recommendation sets, proposals
//! for new focus areas, imports, and the councils' names.
//!
//! Every route here is for the admins of one KKR (others: 403; anonymous: sent to sign-in),
//! and every page and action works on that KKR's rounds and municipalities only:
//! - `GET /admin`: the KKR's rounds.
//! - `GET /admin/rounds/new`, `POST /admin/rounds`: create a round (optionally from last year).
//! - `GET /admin/rounds/{id}`: a round's facts, life cycle, deadline, participants, history;
//!   `POST .../state` (with a confirmation step), `.../deadline`, `.../participants`.
//! - `GET /admin/rounds/{id}/set` and the posts under it: the recommendation set (draft only).
//! - `GET /admin/rounds/{id}/proposals`, `POST .../proposals/{submission}/adopt`.
//! - `GET /admin/rounds/{id}/import`, `POST /admin/rounds/{id}/import` (multipart).
//! - `GET /admin/municipalities`, `POST /admin/municipalities/{code}/council`.

pub mod imports;
mod municipalities;
mod rounds;
mod sets;

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpResponse};
use serde::Serialize;

use crate::domain::time::danish_datetime;
use crate::domain::{Role, RoundContent, User};
use crate::store::audit::AuditEvent;
use crate::store::rounds::ChangeError;
use crate::web::error::AppError;
use crate::web::{db, AppState};

pub fn routes(cfg: &mut web::ServiceConfig) {
    rounds::routes(cfg);
    sets::routes(cfg);
    imports::routes(cfg);
    municipalities::routes(cfg);
}

/// The admin's KKR; anyone else is refused.
fn admin_kkr(user: &User) -> Result<i32, AppError> {
    match (user.role, user.kkr_id) {
        (Role::Admin, Some(kkr_id)) => Ok(kkr_id),
        _ => Err(AppError::Forbidden),
    }
}

/// A round of the admin's KKR with its content; 404 for an unknown round, 403 for another
/// KKR's.
async fn admin_round(
    state: &web::Data<AppState>,
    user: &User,
    round_id: i32,
) -> Result<RoundContent, AppError> {
    let kkr_id = admin_kkr(user)?;
    let content = db(state, move |conn| {
        crate::store::rounds::load_content(conn, round_id)?.ok_or(AppError::NotFound)
    })
    .await?;
    if content.round.kkr_id == kkr_id {
        Ok(content)
    } else {
        Err(AppError::Forbidden)
    }
}

/// A refused change as the page shows it; other failures become the usual error pages.
fn refusal(e: ChangeError) -> Result<String, AppError> {
    match e {
        ChangeError::Refused(reason) => Ok(crate::web::refusals::round_refusal_da(&reason)),
        ChangeError::NotFound => Err(AppError::NotFound),
        ChangeError::Database(e) => Err(AppError::Database(e)),
    }
}

fn redirect(to: String) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, to))
        .finish()
}

/// A problem shown at the top of a page, linked to the field it is about.
#[derive(Debug, Clone, Serialize)]
struct Problem {
    /// The id of the input it is about, or "" for the page.
    field: String,
    message: String,
}

impl Problem {
    fn page(message: String) -> Problem {
        Problem {
            field: String::new(),
            message,
        }
    }

    fn field(field: &str, message: String) -> Problem {
        Problem {
            field: field.to_owned(),
            message,
        }
    }
}

/// The status a page answers with when it shows problems: 409 for a refused change, 422 for
/// input that does not parse.
fn problem_status(problems: &[Problem]) -> StatusCode {
    if problems.is_empty() {
        StatusCode::OK
    } else if problems.iter().all(|p| p.field.is_empty()) {
        StatusCode::CONFLICT
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    }
}

/// A round's recorded change, in words.
#[derive(Debug, Serialize)]
struct HistoryRow {
    when: String,
    who: String,
    what: String,
    details: String,
}

fn describe(event: &AuditEvent) -> HistoryRow {
    let parse = |raw: &Option<String>| -> serde_json::Value {
        raw.as_deref()
            .and_then(|r| serde_json::from_str(r).ok())
            .unwrap_or_default()
    };
    let before = parse(&event.before);
    let after = parse(&event.after);
    let text = |v: &serde_json::Value, key: &str| v[key].as_str().unwrap_or("").to_owned();
    let rec = |v: &serde_json::Value| format!("{} «{}»", text(v, "code"), text(v, "text"));
    let (what, details) = match event.action.as_str() {
        "create" => (
            "Runden er oprettet".to_owned(),
            format!(
                "{} indsatsområder, {} anbefalinger",
                after["focus_areas"], after["recommendations"]
            ),
        ),
        "set_state" => (
            "Status ændret".to_owned(),
            format!(
                "Fra «{}» til «{}»",
                state_label(&text(&before, "state")),
                state_label(&text(&after, "state"))
            ),
        ),
        "set_deadline" => (
            "Fristen er flyttet".to_owned(),
            format!(
                "Fra {} til {}",
                deadline_text(&before["deadline"]),
                deadline_text(&after["deadline"])
            ),
        ),
        "set_cooperation_start_year" => {
            let year = |v: &serde_json::Value| {
                v["year"]
                    .as_i64()
                    .map_or_else(|| "ikke angivet".to_owned(), |y| y.to_string())
            };
            (
                "Året, samarbejdet blev indgået, er ændret".to_owned(),
                format!("Fra {} til {}", year(&before), year(&after)),
            )
        }
        "set_participants" => (
            "Deltagende kommuner ændret".to_owned(),
            format!(
                "{} kommuner deltager",
                after["participants"].as_array().map_or(0, Vec::len)
            ),
        ),
        "add_focus_area" => (
            "Indsatsområde tilføjet".to_owned(),
            format!("{}. {}", after["number"], text(&after, "title")),
        ),
        "rename_focus_area" => (
            "Indsatsområde omdøbt".to_owned(),
            format!(
                "«{}» til «{}»",
                text(&before, "title"),
                text(&after, "title")
            ),
        ),
        "move_focus_area" => (
            "Indsatsområde flyttet".to_owned(),
            format!(
                "«{}» fra nr. {} til nr. {}",
                text(&before, "title"),
                before["number"],
                after["number"]
            ),
        ),
        "delete_focus_area" => (
            "Indsatsområde slettet".to_owned(),
            format!("{}. {}", before["number"], text(&before, "title")),
        ),
        "add_recommendation" => ("Anbefaling tilføjet".to_owned(), rec(&after)),
        "update_recommendation" => (
            "Anbefaling ændret".to_owned(),
            format!("{} blev til {}", rec(&before), rec(&after)),
        ),
        "move_recommendation" => ("Anbefaling flyttet".to_owned(), moved(&before, &after)),
        "retire_recommendation" => ("Anbefaling udgået".to_owned(), rec(&before)),
        "merge_recommendations" => (
            "Anbefalinger lagt sammen".to_owned(),
            format!(
                "{} er lagt sammen med {}; den samlede er {}",
                rec(&before["absorbed"]),
                rec(&before["kept"]),
                rec(&after)
            ),
        ),
        "undo_update_recommendation" => (
            "Ændring af anbefaling fortrudt".to_owned(),
            format!("{} blev igen {}", rec(&before), rec(&after)),
        ),
        "undo_move_recommendation" => (
            "Flytning af anbefaling fortrudt".to_owned(),
            moved(&before, &after),
        ),
        "reinstate_recommendation" => ("Anbefaling genindsat".to_owned(), rec(&after)),
        "split_recommendations" => (
            "Sammenlægning delt igen".to_owned(),
            format!(
                "{} blev igen {} og {}",
                rec(&before),
                rec(&after["kept"]),
                rec(&after["absorbed"])
            ),
        ),
        "adopt_proposal" => (
            "Forslag gjort til indsatsområde".to_owned(),
            format!(
                "«{}» (forslag fra kommune {})",
                text(&after, "title"),
                text(&after, "proposed_by")
            ),
        ),
        "import_recommendations" => (
            "Anbefalinger importeret".to_owned(),
            format!("Fra {}", text(&after, "file")),
        ),
        "import_answers" => (
            "Svar importeret".to_owned(),
            format!("{} rækker fra {}", after["rows"], text(&after, "file")),
        ),
        other => (other.to_owned(), String::new()),
    };
    HistoryRow {
        when: danish_datetime(event.at),
        who: event
            .user_name
            .clone()
            .unwrap_or_else(|| "(kommandolinjen)".into()),
        what,
        details,
    }
}

/// "«text» flyttet fra 1.2 til 3.2 (indsatsområde «title»)": a move's before and after. Older
/// rows kept the moved recommendation under "recommendation".
fn moved(before: &serde_json::Value, after: &serde_json::Value) -> String {
    let code = |v: &serde_json::Value| {
        v["code"]
            .as_str()
            .or_else(|| v["recommendation"]["code"].as_str())
            .unwrap_or("")
            .to_owned()
    };
    let area = after["to_focus_area"]
        .as_str()
        .map(|title| format!(" (indsatsområde «{title}»)"))
        .unwrap_or_default();
    format!(
        "«{}» flyttet fra {} til {}{area}",
        before["text"].as_str().unwrap_or(""),
        code(before),
        code(after)
    )
}

fn state_label(raw: &str) -> String {
    crate::domain::RoundState::parse(raw)
        .map(|s| s.label_da().to_lowercase())
        .unwrap_or_else(|_| raw.to_owned())
}

fn deadline_text(value: &serde_json::Value) -> String {
    value
        .as_str()
        .and_then(|s| chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f").ok())
        .map(danish_datetime)
        .unwrap_or_default()
}
