//! Integration tests: the real application over HTTP against a temporary SQLite database.

mod api;
mod auth;
mod authorisation;
mod binary;
mod characters;
mod crash;
mod dashboard;
mod exports;
mod forms;
mod hardening;
mod helpers;
mod operations;
mod resilience;
mod workflow;
