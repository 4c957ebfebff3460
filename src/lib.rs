//! Trafiklys: status rounds on KKR recommendations for Danish municipalities.
//!
//! Data flows one way: `web`/`cli` -> `store` (diesel) -> `domain` (pure) -> views
//! (`templates/`, `charts`, `report`).

#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod account_mail;
pub mod charts;
pub mod cli;
pub mod clock;
pub mod demo;
pub mod domain;
pub mod mail;
pub mod notices;
pub mod outbox;
pub mod password;
pub mod report;
pub mod sso;
pub mod store;
pub mod totp;
pub mod views;
pub mod web;
