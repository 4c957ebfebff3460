//! The page models of a round's recommendation set: the set page, a recommendation's page,
//! the confirmation before a move, retirement or merge, and the proposals for new focus areas.

use serde::Serialize;

use super::fields::{Choice, Problem};
use crate::domain::{Recommendation, Round};

/// A recommendation on the set page, with where it comes from and its place in its area.
#[derive(Debug, Serialize)]
pub struct RecView {
    pub id: i32,
    pub code: String,
    pub text: String,
    pub binding: &'static str,
    pub origin: String,
    pub first: bool,
    pub last: bool,
}

/// A focus area on the set page: its title field, its recommendations and the field for a
/// new one (as typed, with their errors).
#[derive(Debug, Serialize)]
pub struct AreaView {
    pub id: i32,
    pub number: i32,
    pub title: String,
    pub title_input: String,
    pub title_error: Option<String>,
    pub new_text: String,
    pub new_text_error: Option<String>,
    pub first: bool,
    pub last: bool,
    pub recs: Vec<RecView>,
    /// The group (job cluster) whose own focus area it is; `None` for the whole round.
    pub group_name: Option<String>,
    /// "Hele runden" and the KKR's groups, the area's own selected.
    pub group_choices: Vec<Choice>,
    /// The group's expectations written in the previous round, shown when drafting.
    pub previous_expectations: Option<String>,
}

/// A button that undoes a recorded change.
#[derive(Debug, Serialize)]
pub struct UndoView {
    pub edit: i32,
    pub label: &'static str,
    pub what: String,
}

/// A retired recommendation, listed under "Udgået".
#[derive(Debug, Serialize)]
pub struct RetiredView {
    pub code: String,
    pub text: String,
    pub binding: &'static str,
    pub edit: i32,
}

/// The message after a change, with the button that undoes it.
#[derive(Debug, Serialize)]
pub struct NoticeView {
    pub text: String,
    pub undo: Option<UndoView>,
}

/// `GET /admin/rounds/{id}/set`: the recommendation set, editable while the round is a draft.
#[derive(Debug, Serialize)]
pub struct SetPage<'a> {
    pub round: &'a Round,
    pub editable: bool,
    pub frozen: &'static str,
    pub areas: Vec<AreaView>,
    pub new_area_title: String,
    pub new_area_error: Option<String>,
    pub problems: &'a [Problem],
    pub notice: Option<NoticeView>,
    pub retired: Vec<RetiredView>,
    pub changes: Vec<UndoView>,
    /// For a new focus area: "Hele runden" (selected) and the KKR's groups; empty when the KKR
    /// has no groups.
    pub group_choices: Vec<Choice>,
    /// The previous round's year, which the groups' expectations shown were written for.
    pub previous_year: Option<i32>,
}

/// The errors of a recommendation's forms, by field.
#[derive(Debug, Default, Serialize)]
pub struct RecErrors {
    pub text: Option<String>,
    pub binding: Option<String>,
    pub area: Option<String>,
    pub other: Option<String>,
    pub merge_text: Option<String>,
}

/// `GET /admin/rounds/{id}/recommendations/{rec}`: a recommendation's forms (reword, move,
/// merge, retire).
#[derive(Debug, Serialize)]
pub struct RecommendationPage<'a> {
    pub round: &'a Round,
    pub editable: bool,
    pub frozen: &'static str,
    pub rec: &'a Recommendation,
    pub origin: String,
    pub text_input: String,
    pub merge_text: String,
    pub areas: Vec<Choice>,
    pub others: Vec<Choice>,
    pub problems: &'a [Problem],
    pub errors: RecErrors,
}

/// A hidden field of the confirmation form.
#[derive(Debug, Serialize)]
pub struct Hidden {
    pub name: &'static str,
    pub value: String,
}

/// The confirmation page: what a move, retirement or merge will do, and the button that does it.
#[derive(Debug, Serialize)]
pub struct ConfirmPage<'a> {
    pub round: &'a Round,
    pub rec_id: i32,
    pub heading: String,
    pub consequences: Vec<String>,
    pub fields: Vec<Hidden>,
    pub button: String,
    pub back: String,
}

/// A proposal for a new focus area made in a municipality's form.
#[derive(Debug, Serialize)]
pub struct ProposalView {
    pub submission_id: i32,
    pub municipality: String,
    pub code: String,
    pub state: &'static str,
    pub text: String,
    pub title: String,
    pub adopted: Vec<String>,
}

/// `GET /admin/rounds/{id}/proposals`: the proposals for new focus areas made in the forms.
#[derive(Debug, Serialize)]
pub struct ProposalsPage {
    pub round: Round,
    pub proposals: Vec<ProposalView>,
    /// The KKR's next draft round, where an adopted proposal goes.
    pub draft: Option<Round>,
    pub problems: Vec<Problem>,
}
