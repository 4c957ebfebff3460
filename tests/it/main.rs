//! Integration tests: the real application over HTTP against a temporary SQLite database.

mod api;
mod auth;
mod authorisation;
mod dashboard;
mod exports;
mod forms;
mod groups;
mod helpers;
mod reminders;
mod users;
mod workflow;
