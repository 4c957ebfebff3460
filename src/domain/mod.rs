//! The model and its rules: pure, no I/O, no database, no HTTP. Most unit tests live here.

pub mod access;
pub mod account;
pub mod analysis;
pub mod cooperation;
pub mod events;
pub mod form;
pub mod group;
pub mod import;
pub mod installation;
pub mod lineage;
pub mod mail_policy;
pub mod model;
pub mod notices;
pub mod prose;
pub mod refusal;
pub mod rounds;
pub mod schedule;
pub mod set_changes;
pub mod set_lineage;
pub mod set_preview;
pub mod snapshot_diff;
pub mod status;
pub mod summary;
pub mod time;
pub mod trend;

pub use model::*;
pub use status::Status;
pub use summary::{summarise, Summary};
