//! Downloads of a municipality's attachment.
//!
//! Routes and who may use them:
//! - `GET /rounds/{id}/municipalities/{code}/attachment.pdf`: the municipality's editors and
//!   readers, the KKR's admins and members (members see submitted answers only).

use actix_web::{web, HttpResponse};

use super::auth::SignedIn;
use super::dashboard::chart_title;
use super::error::AppError;
use super::forms::parse_target;
use super::{blocking, db, AppState};
use crate::charts::DistributionChart;
use crate::domain::{access, summarise, SubmissionState};
use crate::report::attachment;
use crate::store::rounds;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/rounds/{id}/municipalities/{code}/attachment.pdf",
        web::get().to(attachment_pdf),
    );
}

async fn attachment_pdf(
    state: web::Data<AppState>,
    path: web::Path<(i32, String)>,
    SignedIn(user): SignedIn,
) -> Result<HttpResponse, AppError> {
    let (round_id, code) = path.into_inner();
    let (round_id, code) = parse_target(round_id, &code)?;
    let mut data = db(&state, move |conn| {
        Ok(rounds::load_round_data(conn, round_id)?)
    })
    .await?
    .ok_or(AppError::NotFound)?;
    if data.content.municipality(&code).is_none() {
        return Err(AppError::NotFound);
    }
    if !access::can_read_municipality(&user, &data.content.round, &code) {
        return Err(AppError::Forbidden);
    }
    if !access::can_see_drafts(&user, &data.content.round, &code) {
        // Without the right to see drafts, the municipality's draft is as if not there.
        data.submissions
            .retain(|s| s.municipality_code != code || s.state == SubmissionState::Submitted);
    }
    let state = state.clone();
    let filename = format!("bilag-{}-{}.pdf", data.content.round.year, code);
    let pdf = blocking(move || {
        let summary = summarise(&data);
        let chart = DistributionChart::from_summary(&summary, &chart_title(&data.content.round));
        let now = crate::store::now();
        let attachment = attachment::build(&data, &summary, &code, chart.description(), now)
            .ok_or(AppError::NotFound)?;
        Ok(state
            .renderer
            .attachment_pdf(&attachment, &chart.svg("fordeling")?, now)?)
    })
    .await?;
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{filename}\""),
        ))
        .body(pdf))
}
