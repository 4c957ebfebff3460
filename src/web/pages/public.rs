//! A published round for everyone, without sign-in: the region-wide results (summary, the
//! three lists, distribution, heatmap of the submitted answers, trend) and the submitted
//! answers as CSV and JSON. Public pages name municipalities, never the people who answered.
//!
//! Routes (anyone; 404 unless the round is published):
//! - `GET /public/rounds/{id}`
//! - `GET /public/rounds/{id}/answers.csv` (`?sep=semikolon` for Danish Excel)
//! - `GET /public/rounds/{id}/answers.json`

use std::sync::Arc;

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use serde::Serialize;

use crate::charts::DistributionChart;
use crate::domain::analysis::RoundAnalysis;
use crate::domain::{RoundState, Status};
use crate::report::attachment::chart_title;
use crate::report::sheets::{self, Scope};
use crate::report::ReportError;
use crate::views::overview::PublicRoundPage;
use crate::web::error::AppError;
use crate::web::extract::OpenPage;
use crate::web::pages::dashboard::trend_title;
use crate::web::pages::exports::{separator, CsvQuery};
use crate::web::{round_view, AppState};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/public/rounds/{id}", web::get().to(page))
        .route(
            "/public/rounds/{id}/answers.csv",
            web::get().to(answers_csv),
        )
        .route(
            "/public/rounds/{id}/answers.json",
            web::get().to(answers_json),
        );
}

/// The round's analysis if it is published; 404 otherwise, as if it did not exist.
async fn published(
    state: &web::Data<AppState>,
    round_id: i32,
) -> Result<Arc<RoundAnalysis>, AppError> {
    let view = round_view(state, round_id).await?;
    if view.data.content.round.state == RoundState::Published {
        Ok(view)
    } else {
        Err(AppError::NotFound)
    }
}

async fn page(page: OpenPage, path: web::Path<i32>) -> Result<HttpResponse, AppError> {
    let full = published(&page.state, path.into_inner()).await?;
    let clusters = full.cluster_parts();
    let view = super::groups::scoped(&full, crate::domain::Scope::Common);
    let round = &view.data.content.round;
    let chart =
        DistributionChart::from_summary(&view.summary, &chart_title(round)).svg("fordeling")?;
    let trend = DistributionChart::from_trend(&view.trend, &trend_title(round)).svg("udvikling")?;
    page.render(
        "public_round.html",
        &PublicRoundPage::new(&view, &clusters, chart, trend),
    )
}

/// The export rows of the municipalities that submitted: no drafts, no empty rows.
fn submitted_rows(view: &RoundAnalysis) -> Vec<sheets::ExportRow> {
    sheets::rows(view, &Scope::Round)
        .into_iter()
        .filter(|r| r.form == "Indsendt")
        .collect()
}

fn download(content_type: &str, filename: String, body: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{filename}\""),
        ))
        .body(body)
}

async fn answers_csv(
    state: web::Data<AppState>,
    path: web::Path<i32>,
    query: web::Query<CsvQuery>,
) -> Result<HttpResponse, AppError> {
    let separator = separator(&query)?;
    let view = published(&state, path.into_inner()).await?;
    let bytes = sheets::csv(&submitted_rows(&view), separator).map_err(ReportError::from)?;
    Ok(download(
        "text/csv; charset=utf-8",
        format!("svar-{}.csv", view.data.content.round.year),
        bytes,
    ))
}

#[derive(Debug, Serialize)]
struct PublicRound<'a> {
    id: i32,
    kkr: &'a str,
    year: i32,
    title: &'a str,
    subject: &'a str,
    sentence: &'a str,
    submitted_count: u32,
    municipality_count: u32,
}

#[derive(Debug, Serialize)]
struct PublicAnswer {
    municipality_code: String,
    municipality: String,
    focus_area: String,
    code: String,
    recommendation: String,
    binding: bool,
    status: Option<Status>,
    comment: String,
}

#[derive(Debug, Serialize)]
struct PublicAnswers<'a> {
    round: PublicRound<'a>,
    answers: Vec<PublicAnswer>,
}

async fn answers_json(
    state: web::Data<AppState>,
    path: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    let view = published(&state, path.into_inner()).await?;
    let round = &view.data.content.round;
    let body = PublicAnswers {
        round: PublicRound {
            id: round.id,
            kkr: &round.kkr_name,
            year: round.year,
            title: &round.title,
            subject: &round.subject,
            sentence: &view.summary.sentence,
            submitted_count: view.summary.submitted_count,
            municipality_count: view.summary.municipality_count,
        },
        answers: submitted_rows(&view)
            .into_iter()
            .map(|r| PublicAnswer {
                municipality_code: r.municipality_code,
                municipality: r.municipality,
                focus_area: r.focus_area,
                code: r.code,
                recommendation: r.text,
                binding: r.binding == "Forpligtende",
                status: r.status,
                comment: r.comment,
            })
            .collect(),
    };
    let bytes =
        serde_json::to_vec_pretty(&body).map_err(|e| AppError::Internal(format!("JSON: {e}")))?;
    Ok(download(
        "application/json",
        format!("svar-{}.json", round.year),
        bytes,
    ))
}
