//! The page where a job cluster writes its expectations for the coming year's cooperation.

use serde::Serialize;

use super::fields::FieldError;
use crate::domain::Round;

/// `GET /rounds/{id}/groups/{group}/expectations`.
#[derive(Debug, Serialize)]
pub struct ExpectationsPage<'a> {
    pub round: &'a Round,
    pub group_id: i32,
    pub group_name: &'a str,
    /// The cluster's own focus areas this round, "3. Virksomhedsservice", as a reminder of what
    /// the expectations are about.
    pub focus_areas: Vec<String>,
    /// The text as stored, or as typed when the form is shown again.
    pub text: String,
    pub max_chars: usize,
    /// "Senest skrevet 3. maj 2017 kl. 14.05", when written.
    pub updated: Option<String>,
    pub saved: bool,
    pub error: Option<String>,
    pub errors: Vec<FieldError>,
}
