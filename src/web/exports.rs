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
use super::{blocking, round_view, AppState};
use crate::charts::DistributionChart;
use crate::domain::{access, SubmissionState};
use crate::report::attachment;

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
    let view = round_view(&state, round_id).await?;
    let round = &view.data.content.round;
    if view.data.content.municipality(&code).is_none() {
        return Err(AppError::NotFound);
    }
    if !access::can_read_municipality(&user, round, &code) {
        return Err(AppError::Forbidden);
    }
    let show_draft = access::can_see_drafts(&user, round, &code);
    let filename = format!("bilag-{}-{}.pdf", round.year, code);
    let state = state.clone();
    let pdf = blocking(move || {
        // Without the right to see drafts, the municipality's draft is as if not there.
        let filtered;
        let data = if show_draft {
            &view.data
        } else {
            let mut copy = view.data.clone();
            copy.submissions
                .retain(|s| s.municipality_code != code || s.state == SubmissionState::Submitted);
            filtered = copy;
            &filtered
        };
        let chart =
            DistributionChart::from_summary(&view.summary, &chart_title(&data.content.round));
        let now = crate::store::now();
        let attachment = attachment::build(data, &view.summary, &code, chart.description(), now)
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
