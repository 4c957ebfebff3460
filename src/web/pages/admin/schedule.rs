//! `POST /admin/rounds/{id}/schedule`: when the round opens, closes and publishes by itself.
//! A refused schedule comes back on the round's page with the fields as typed and the reason
//! beside the field it is about; nothing is saved.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use super::rounds::{render_round, PageInput};
use super::{admin_round, redirect, refusal, Problem};
use crate::csrf_protected;
use crate::domain::refusal::RoundRefusal;
use crate::domain::schedule::{Schedule, ScheduleRefusal};
use crate::store::rounds::ChangeError;
use crate::store::schedule;
use crate::views::admin::{schedule_field, ScheduleTyped};
use crate::web::db;
use crate::web::error::AppError;
use crate::web::extract::{AdminPage, CsrfForm};
use crate::web::refusals::schedule_refusal_da;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/admin/rounds/{id}/schedule",
        web::post().to(change_schedule),
    );
}

#[derive(Debug, Deserialize)]
pub struct ScheduleForm {
    csrf_token: Option<String>,
    #[serde(default)]
    schedule_open: String,
    /// "ja" when the round closes by itself at the deadline.
    schedule_close: Option<String>,
    #[serde(default)]
    schedule_publish: String,
}

csrf_protected!(ScheduleForm);

impl ScheduleForm {
    fn typed(&self) -> ScheduleTyped {
        ScheduleTyped {
            open: self.schedule_open.clone(),
            close: self.schedule_close.as_deref() == Some("ja"),
            publish: self.schedule_publish.clone(),
        }
    }
}

/// The round's page again with the schedule as typed and why it was refused.
fn refused(typed: ScheduleTyped, refusal: &ScheduleRefusal) -> PageInput {
    PageInput {
        schedule: Some(typed),
        problems: vec![Problem::field(
            schedule_field(refusal.step()),
            schedule_refusal_da(refusal),
        )],
        ..PageInput::default()
    }
}

async fn change_schedule(
    page: AdminPage,
    path: web::Path<i32>,
    form: CsrfForm<ScheduleForm>,
) -> Result<HttpResponse, AppError> {
    let content = admin_round(&page, path.into_inner()).await?;
    let typed = form.into_inner().typed();
    let planned = match Schedule::parse(&typed.open, typed.close, &typed.publish) {
        Ok(planned) => planned,
        Err(r) => return render_round(&page, content, refused(typed, &r)).await,
    };
    let (round_id, actor, now) = (content.round.id, page.user.id, page.state.clock.now());
    let outcome = db(&page.state, move |conn| {
        Ok(schedule::set(conn, round_id, &planned, Some(actor), now))
    })
    .await?;
    match outcome {
        Ok(()) => {
            // A step due at once (closing a round whose deadline has passed) is taken now.
            page.state.wake_outbox();
            Ok(redirect(format!("/admin/rounds/{round_id}?ok=tidsplan")))
        }
        Err(ChangeError::Refused(RoundRefusal::Schedule(r))) => {
            render_round(&page, content, refused(typed, &r)).await
        }
        Err(e) => {
            let input = PageInput {
                schedule: Some(typed),
                ..PageInput::refused(refusal(e)?)
            };
            render_round(&page, content, input).await
        }
    }
}
