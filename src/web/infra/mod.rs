//! What serves every page and is no page itself: the templates, the page and analysis cache,
//! the write queue of form saves, rate limits, metrics, request telemetry, the database-file
//! health check and the refusal of malformed form bodies.

pub mod cache;
pub mod health;
pub mod limits;
pub mod metrics;
pub mod telemetry;
pub mod templates;
pub mod upload;
pub mod utf8;
pub mod versions;
pub mod writer;
