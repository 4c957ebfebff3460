//! Integration tests: the real application over HTTP against a fresh database per test, a
//! SQLite file; and again on PostgreSQL when `TRAFIKLYS_TEST_POSTGRES_URL` is set (see
//! `postgres_pass.rs`).

mod agenda;
mod api;
mod auth;
mod authorisation;
mod backup;
mod bench_data;
mod binary;
mod characters;
mod concurrency;
mod crash;
mod danish_order;
mod dashboard;
mod documents;
mod exports;
mod forms;
mod groups;
mod hardening;
mod helpers;
mod imports;
mod migrations;
mod operations;
mod page_cache;
mod pages;
mod postgres_pass;
mod reminders;
mod resilience;
mod rounds_admin;
mod scale_out;
mod set_editor;
mod startup;
mod trend_cache;
mod users;
mod workflow;
