//! The page models of a KKR's groups of municipalities.

use serde::Serialize;

use super::fields::{Choice, FieldError};

/// A group in the list, with its members' names.
#[derive(Debug, Serialize)]
pub struct GroupView {
    pub id: i32,
    pub name: String,
    pub members: Vec<String>,
}

/// The problems with a group form, by field.
#[derive(Debug, Default, Clone, Serialize)]
pub struct GroupErrors {
    pub name: Option<String>,
    pub members: Option<String>,
    /// The deletion was not confirmed.
    pub confirm: Option<String>,
}

impl GroupErrors {
    /// The errors in the order of the form, for its error summary.
    pub fn summary(&self) -> Vec<FieldError> {
        [
            ("name", &self.name),
            ("members", &self.members),
            ("confirm", &self.confirm),
        ]
        .into_iter()
        .filter_map(|(field, message)| message.as_ref().map(|m| FieldError::new(field, m)))
        .collect()
    }
}

/// The group form's fields: the name and the KKR's municipalities, checked when members.
#[derive(Debug, Serialize)]
pub struct GroupForm {
    pub name: String,
    pub choices: Vec<Choice>,
    pub field_errors: GroupErrors,
    /// The same errors in the form's order, for the summary.
    pub errors: Vec<FieldError>,
}

impl GroupForm {
    pub fn new(name: String, choices: Vec<Choice>, field_errors: GroupErrors) -> GroupForm {
        GroupForm {
            name,
            choices,
            errors: field_errors.summary(),
            field_errors,
        }
    }
}

/// `GET /groups`: the KKR's groups and the form for a new one.
#[derive(Debug, Serialize)]
pub struct GroupsPage {
    pub groups: Vec<GroupView>,
    #[serde(flatten)]
    pub form: GroupForm,
}

/// `GET /groups/{id}`: a group's form, its coordinators, and its deletion.
#[derive(Debug, Serialize)]
pub struct GroupPage {
    pub group_id: i32,
    pub group_name: String,
    #[serde(flatten)]
    pub form: GroupForm,
    /// The active editors of the group's municipalities, checked when coordinators: they may
    /// write the group's expectations for the coming year's cooperation.
    pub coordinators: Vec<Choice>,
    pub coordinators_error: Option<String>,
    pub coordinators_saved: bool,
    /// The group owns focus areas of a round or wrote expectations: it cannot be deleted.
    pub in_use: bool,
}
