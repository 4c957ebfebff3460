//! The HTML pages, one module per area. Each handler parses the request, asks the store and
//! the domain, and renders one page model.

pub mod account;
pub mod account_totp;
pub mod admin;
pub mod auth;
pub mod bulk_invitations;
pub mod dashboard;
pub mod details;
pub mod expectations;
pub mod exports;
pub mod forms;
pub mod groups;
pub mod home;
pub mod invitations;
pub mod next;
pub mod password_link;
pub mod public;
pub mod reminders;
pub mod second_step;
pub mod site_pages;
pub mod snapshot_changes;
pub mod sso;
pub mod statement;
pub mod users;
