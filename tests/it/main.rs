//! Integration tests: the real application over HTTP against a temporary SQLite database.

mod api;
mod auth;
mod authorisation;
mod dashboard;
mod exports;
mod forms;
mod helpers;
mod imports;
mod rounds_admin;
mod workflow;
