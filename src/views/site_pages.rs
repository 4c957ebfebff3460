//! The page models of the installation's own pages, which every footer links to: the
//! accessibility statement, contact and the privacy notice, and their edit pages.
//!
//! The stored texts are the type parameters, so that these models name no storage type.

use std::collections::BTreeMap;

use serde::Serialize;

use super::fields::{Choice, FieldError};

/// What the statement page shows of a stored statement, besides its fields.
#[derive(Debug, Serialize)]
pub struct StatementDetails {
    /// The evaluation report, when it is a web address.
    pub report_link: Option<String>,
    pub compliance_label: &'static str,
    pub method_label: &'static str,
    /// "24. november 2026".
    pub prepared: String,
    pub reviewed: String,
    pub updated: String,
    /// The parts that are not accessible, one a line.
    pub nonaccessible: Vec<String>,
}

/// `GET /tilgaengelighed`: the accessibility statement, when one is written.
#[derive(Debug, Serialize)]
pub struct StatementPage<S> {
    pub can_edit: bool,
    pub saved: bool,
    pub statement: Option<S>,
    #[serde(flatten)]
    pub details: Option<StatementDetails>,
}

/// The errors of an edit page: a list for the summary, and by field id for each field.
#[derive(Debug, Serialize)]
pub struct EditErrors {
    pub errors: Vec<FieldError>,
    pub field_errors: BTreeMap<&'static str, String>,
}

impl EditErrors {
    pub fn new(errors: Vec<FieldError>) -> EditErrors {
        EditErrors {
            field_errors: errors
                .iter()
                .map(|e| (e.field, e.message.clone()))
                .collect(),
            errors,
        }
    }
}

/// `GET /tilgaengelighed/rediger`: the statement's form with the template's choices.
#[derive(Debug, Serialize)]
pub struct StatementEditPage<'a, S> {
    pub statement: &'a S,
    #[serde(flatten)]
    pub errors: EditErrors,
    pub compliance_choices: Vec<Choice>,
    pub method_choices: Vec<Choice>,
}

/// An edit page of the contact page or the privacy notice: the fields as typed, and the
/// errors, each linked from the summary to its field.
#[derive(Debug, Serialize)]
pub struct SiteEditPage<'a, T> {
    pub page: &'a T,
    #[serde(flatten)]
    pub errors: EditErrors,
}

/// `GET /kontakt`: the installation's own contact page, else the accessibility statement's
/// contact, else the site's name.
#[derive(Debug, Default, Serialize)]
pub struct ContactPage {
    pub can_edit: bool,
    pub organisation: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub hours: Option<String>,
    pub link: Option<String>,
}

/// `GET /privatliv`: the installation's own privacy notice where written, the statement's
/// organisation and contact otherwise.
#[derive(Debug, Default, Serialize)]
pub struct PrivacyPage {
    pub can_edit: bool,
    pub controller: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub dpo_email: Option<String>,
    pub retention: Option<String>,
    pub link: Option<String>,
    pub session_minutes: i64,
}
