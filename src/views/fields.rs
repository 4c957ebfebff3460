//! What every form page shows the same way: an error tied to a field, and one option of a
//! choice (a radio button, a checkbox or a select's option).

use serde::Serialize;

/// A refused field: `field` is the id of the input the error summary links to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &'static str, message: impl Into<String>) -> FieldError {
        FieldError {
            field,
            message: message.into(),
        }
    }

    /// The message for `field` among `errors`, if it was refused.
    pub fn message_of(errors: &[FieldError], field: &str) -> Option<String> {
        errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.clone())
    }
}

/// One option of a choice: the value sent, the Danish label shown, and whether it is chosen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

impl Choice {
    pub fn new(value: impl Into<String>, label: impl Into<String>, selected: bool) -> Choice {
        Choice {
            value: value.into(),
            label: label.into(),
            selected,
        }
    }
}
