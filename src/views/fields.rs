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

/// A problem shown in a page's error summary: about one field (linked to it), or about the
/// whole page (a refused change, `field` empty).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// The id of the input it is about, or "" for the page.
    pub field: String,
    pub message: String,
}

impl Problem {
    /// A problem about the page as a whole.
    pub fn page(message: impl Into<String>) -> Problem {
        Problem {
            field: String::new(),
            message: message.into(),
        }
    }

    /// A problem about the input with id `field`.
    pub fn field(field: &str, message: impl Into<String>) -> Problem {
        Problem {
            field: field.to_owned(),
            message: message.into(),
        }
    }

    /// The message about `field` among `problems`, if there is one.
    pub fn message_of(problems: &[Problem], field: &str) -> Option<String> {
        problems
            .iter()
            .find(|p| p.field == field)
            .map(|p| p.message.clone())
    }
}

impl From<FieldError> for Problem {
    fn from(e: FieldError) -> Problem {
        Problem {
            field: e.field.to_owned(),
            message: e.message,
        }
    }
}
