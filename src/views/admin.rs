//! The page models of the KKR secretariat's pages: rounds, a round's life cycle, and the
//! councils' names.

use serde::Serialize;

use super::fields::{Choice, Problem};
use crate::domain::schedule::{due_label_da, PlannedStep, ScheduledStep, StepOutcome};
use crate::domain::time::deadline_input;
use crate::domain::Round;

/// `GET /admin`: the KKR's rounds.
#[derive(Debug, Serialize)]
pub struct RoundsPage {
    pub kkr: String,
    pub rounds: Vec<RoundRow>,
}

/// One round in the admin's list.
#[derive(Debug, Serialize)]
pub struct RoundRow {
    pub id: i32,
    pub year: i32,
    pub title: String,
    pub state: &'static str,
    pub deadline: String,
}

/// What the new-round form shows: the user's input, or the defaults.
#[derive(Debug, Clone, Serialize)]
pub struct NewRoundInput {
    pub year: String,
    pub title: String,
    pub subject: String,
    pub deadline: String,
    pub from_previous: bool,
}

/// `GET /admin/rounds/new`: the form for a new round.
#[derive(Debug, Serialize)]
pub struct NewRoundPage {
    pub kkr: String,
    pub input: NewRoundInput,
    /// The KKR's municipalities, checked when they take part.
    pub municipalities: Vec<Choice>,
    /// "Title (2017)" of the round a new one may start from.
    pub latest: Option<String>,
    pub problems: Vec<Problem>,
}

/// The next step of a round's life cycle.
#[derive(Debug, Serialize)]
pub struct Step {
    pub to: &'static str,
    pub label: &'static str,
}

/// The year a cooperation began, and the round it was given for.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct StartYear {
    pub year: i32,
    pub given_for: i32,
}

/// The start year field of a round's page.
#[derive(Debug, Serialize)]
pub struct CooperationField {
    pub value: String,
    /// The value is a suggestion from the download form, not yet saved.
    pub suggested: bool,
    /// What the agenda item states: given for this round or an earlier one.
    pub stated: Option<StartYear>,
    /// Given for an earlier round (and so stated for this one) when not for this one.
    pub inherited: Option<StartYear>,
    pub error: Option<String>,
}

/// `GET /admin/rounds/{id}`: a round's facts, life cycle, deadline, participants and history.
/// `H` is a row of the history as the audit log's reader words it.
#[derive(Debug, Serialize)]
pub struct RoundPage<H> {
    pub round: Round,
    pub state_label: &'static str,
    pub deadline: String,
    /// The deadline field: as typed, or the stored deadline.
    pub deadline_input: String,
    pub next: Option<Step>,
    pub deadline_movable: bool,
    pub participants_editable: bool,
    pub participant_count: usize,
    pub focus_area_count: usize,
    pub recommendation_count: usize,
    pub form_count: i64,
    pub municipalities: Vec<Choice>,
    pub is_draft: bool,
    pub is_published: bool,
    /// Newest first.
    pub history: Vec<H>,
    pub cooperation: CooperationField,
    pub schedule: ScheduleSection,
    pub problems: Vec<Problem>,
    pub notice: Option<&'static str>,
}

/// The schedule's fields as typed, shown again when refused.
#[derive(Debug, Clone, Default)]
pub struct ScheduleTyped {
    pub open: String,
    pub close: bool,
    pub publish: String,
}

/// One planned step on the round's page.
#[derive(Debug, Serialize)]
pub struct ScheduleRow {
    pub label: &'static str,
    pub due: String,
    /// "waiting", "taken" or "not_taken".
    pub state: &'static str,
    /// What became of it, in Danish; empty while it waits.
    pub outcome: String,
}

/// The round's schedule: what is planned, and the form to change it.
#[derive(Debug, Serialize)]
pub struct ScheduleSection {
    pub rows: Vec<ScheduleRow>,
    /// Whether the round can still take a step by itself (it is not published).
    pub editable: bool,
    /// Each field is shown while its step can still be planned.
    pub open_plannable: bool,
    pub close_plannable: bool,
    pub publish_plannable: bool,
    pub open: String,
    pub close: bool,
    pub publish: String,
    pub open_error: Option<String>,
    pub publish_error: Option<String>,
    pub close_error: Option<String>,
}

/// The input id of a step's field on the round's page.
pub fn schedule_field(step: ScheduledStep) -> &'static str {
    match step {
        ScheduledStep::Open => "schedule_open",
        ScheduledStep::Close => "schedule_close",
        ScheduledStep::Publish => "schedule_publish",
    }
}

impl ScheduleSection {
    /// The section from the stored steps, with the fields as typed when a change was refused.
    pub fn new(
        round: &Round,
        steps: &[PlannedStep],
        typed: Option<ScheduleTyped>,
        problems: &[Problem],
    ) -> ScheduleSection {
        let waiting =
            |step: ScheduledStep| steps.iter().find(|s| s.step == step && s.done_at.is_none());
        let typed = typed.unwrap_or_else(|| ScheduleTyped {
            open: waiting(ScheduledStep::Open)
                .map(|s| deadline_input(s.due_at))
                .unwrap_or_default(),
            close: waiting(ScheduledStep::Close).is_some(),
            publish: waiting(ScheduledStep::Publish)
                .map(|s| deadline_input(s.due_at))
                .unwrap_or_default(),
        });
        let error = |step| Problem::message_of(problems, schedule_field(step));
        ScheduleSection {
            rows: steps
                .iter()
                .map(|s| ScheduleRow {
                    label: s.step.label_da(),
                    due: due_label_da(s.step, s.due_at),
                    state: match (&s.done_at, &s.outcome) {
                        (None, _) => "waiting",
                        (Some(_), Some(StepOutcome::Taken)) => "taken",
                        (Some(_), _) => "not_taken",
                    },
                    outcome: s
                        .outcome
                        .as_ref()
                        .map(|o| o.sentence_da(s.step))
                        .unwrap_or_default(),
                })
                .collect(),
            editable: ScheduledStep::Publish.plannable_in(round.state),
            open_plannable: ScheduledStep::Open.plannable_in(round.state),
            close_plannable: ScheduledStep::Close.plannable_in(round.state),
            publish_plannable: ScheduledStep::Publish.plannable_in(round.state),
            open: typed.open,
            close: typed.close,
            publish: typed.publish,
            open_error: error(ScheduledStep::Open),
            close_error: error(ScheduledStep::Close),
            publish_error: error(ScheduledStep::Publish),
        }
    }
}

/// The confirmation step before a round changes state.
#[derive(Debug, Serialize)]
pub struct ConfirmStatePage {
    pub round: Round,
    pub state_label: &'static str,
    pub to: &'static str,
    pub to_label: &'static str,
    pub action: &'static str,
    pub consequence: &'static str,
    pub participant_count: usize,
    pub recommendation_count: usize,
    /// Opening with a deadline that has passed: what that means, in Danish; the confirmation
    /// then carries `past_deadline`.
    pub past_deadline: Option<String>,
    /// Closing: the municipalities that have not started their form.
    pub not_started: Vec<String>,
    /// Closing: the municipalities with a draft ("Gribskov (3 af 12 besvaret)").
    pub drafts: Vec<String>,
}

/// The confirmation before a deadline moves to a time that has passed.
#[derive(Debug, Serialize)]
pub struct ConfirmDeadlinePage {
    pub round: Round,
    /// The deadline as typed, sent again with the confirmation.
    pub typed: String,
    pub deadline: String,
    pub now: String,
    pub open: bool,
}

/// `GET /admin/municipalities`: the names of the KKR's councils.
#[derive(Debug, Serialize)]
pub struct MunicipalitiesPage {
    pub kkr: String,
    pub rows: Vec<CouncilRow>,
    pub problems: Vec<Problem>,
    pub saved: bool,
}

/// One municipality and its council's name (as typed, when it was refused).
#[derive(Debug, Serialize)]
pub struct CouncilRow {
    pub code: String,
    pub name: String,
    pub council_name: String,
}

/// The result of an upload, as the import page shows it.
#[derive(Debug, Default, Serialize)]
pub struct ImportReport {
    pub kind: String,
    pub kind_label: String,
    pub file_name: String,
    /// Each error with its file, sheet, row and column.
    pub errors: Vec<String>,
    /// Why the round takes no such import now.
    pub refused: Option<String>,
    /// What the import would do (dry run) or did.
    pub lines: Vec<String>,
    pub committed: bool,
    /// The file, for the confirmation form.
    pub file_data: String,
}

/// `GET /admin/rounds/{id}/import`: the upload form, and the report of an upload.
#[derive(Debug, Serialize)]
pub struct ImportPage {
    pub round: Round,
    pub set_importable: bool,
    pub answers_importable: bool,
    /// The largest file, in MB.
    pub max_mb: usize,
    /// The round's recommendation numbers, "1.1, 1.2, 2.1".
    pub codes: String,
    pub report: Option<ImportReport>,
}
