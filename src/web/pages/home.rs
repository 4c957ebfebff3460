//! The front page: the rounds the visitor may see; for a municipality's editors and readers,
//! their form while a round is open and every file of their municipality per round.
//!
//! Routes: `GET /`: anyone.

use actix_web::{web, HttpResponse};

use crate::store::rounds;
use crate::views::home::HomePage;
use crate::web::db;
use crate::web::error::AppError;
use crate::web::extract::OpenPage;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(home));
}

async fn home(page: OpenPage) -> Result<HttpResponse, AppError> {
    let own = page
        .user
        .as_ref()
        .and_then(|u| u.municipality_code.as_ref())
        .map(|c| c.to_string());
    let (all, taking_part) = db(&page.state, move |conn| {
        let taking_part = match &own {
            Some(code) => rounds::rounds_taking_part(conn, code)?,
            None => Vec::new(),
        };
        Ok((rounds::list_rounds(conn)?, taking_part))
    })
    .await?;
    let model = HomePage::new(all, page.user.as_ref(), &taking_part);
    page.render("home.html", &model)
}
