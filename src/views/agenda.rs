//! The model of the agenda item's download form: the fields as typed, a message per field
//! that could not be read, and what the item says about the cooperation's start year.

use serde::Serialize;

use crate::domain::{cooperation, Municipality, Round};
use crate::report::agenda;

use super::fields::FieldError;

/// The form's fields, as typed: kept when the form is shown again.
#[derive(Debug, Default, Clone, Serialize)]
pub struct AgendaValues {
    pub sagsnr: String,
    pub moededato: String,
    pub tidligere: String,
}

impl AgendaValues {
    /// Nothing typed in any field.
    pub fn is_empty(&self) -> bool {
        self.sagsnr.trim().is_empty()
            && self.moededato.trim().is_empty()
            && self.tidligere.trim().is_empty()
    }
}

/// The message of each field that could not be read.
#[derive(Debug, Default, Serialize)]
pub struct AgendaFieldErrors {
    pub sagsnr: Option<String>,
    pub moededato: Option<String>,
    pub tidligere: Option<String>,
}

impl AgendaFieldErrors {
    fn of(errors: &[FieldError]) -> AgendaFieldErrors {
        AgendaFieldErrors {
            sagsnr: FieldError::message_of(errors, "sagsnr"),
            moededato: FieldError::message_of(errors, "moededato"),
            tidligere: FieldError::message_of(errors, "tidligere"),
        }
    }
}

/// What the download form says about the cooperation's start year.
#[derive(Debug, Serialize)]
pub struct CooperationView {
    /// The year the item states; `None`: the item does not say when it began.
    pub year: Option<i32>,
    /// The year of the earlier round it was given for, when not given for this one.
    pub given_for: Option<i32>,
    /// For the KKR's admins: the round page's field.
    pub settings_link: Option<String>,
    /// The year of the earliest earlier treatment in the form, offered there.
    pub suggested: Option<i32>,
}

/// The cooperation's start year as the store knows it: the year, and the year of the round it
/// was given for.
#[derive(Debug, Clone, Copy)]
pub struct StartYear {
    pub year: i32,
    pub given_for: i32,
}

impl CooperationView {
    /// `may_set`: the viewer is an admin of the round's KKR, who may give the year on the
    /// round's page; the earliest earlier treatment typed in the form, when it holds one, is
    /// offered there as a suggestion.
    pub fn new(
        round: &Round,
        start: Option<StartYear>,
        earlier_typed: &str,
        may_set: bool,
    ) -> CooperationView {
        let suggested = agenda::parse_details("", "", earlier_typed)
            .ok()
            .and_then(|d| cooperation::suggested_start_year(&d.earlier))
            .filter(|year| start.is_none_or(|s| s.year != *year));
        CooperationView {
            year: start.map(|s| s.year),
            given_for: start
                .map(|s| s.given_for)
                .filter(|year| *year != round.year),
            settings_link: may_set.then(|| match suggested {
                Some(year) => format!(
                    "/admin/rounds/{}?samarbejde_fra={year}#cooperation_start_year",
                    round.id
                ),
                None => format!("/admin/rounds/{}#cooperation_start_year", round.id),
            }),
            suggested: suggested.filter(|_| may_set),
        }
    }
}

/// The agenda item's download form.
#[derive(Debug, Serialize)]
pub struct AgendaFormPage<'a> {
    pub round: &'a Round,
    pub code: &'a str,
    pub name: String,
    pub council: &'a str,
    pub values: AgendaValues,
    pub errors: Vec<FieldError>,
    pub field_errors: AgendaFieldErrors,
    pub case_number_max: usize,
    pub cooperation: CooperationView,
    pub meeting: MeetingView,
}

/// The council meeting's date kept for the attachment, and its form.
#[derive(Debug, Default, Serialize)]
pub struct MeetingView {
    /// The kept date in words ("18. december 2017"); `None`: none is kept.
    pub kept: Option<String>,
    /// The form's field: as typed when refused, else the kept date as digits.
    pub value: String,
    /// Why the typed date was not kept.
    pub error: Option<String>,
    /// The viewer may keep a date (the municipality's own people, the KKR's admins).
    pub may_keep: bool,
    /// The date was just kept (or cleared).
    pub saved: bool,
}

impl MeetingView {
    /// The kept date shown, its field filled with it.
    pub fn kept(kept: Option<chrono::NaiveDate>, may_keep: bool, saved: bool) -> MeetingView {
        MeetingView {
            kept: kept.map(crate::domain::time::danish_day),
            value: kept.map(digits).unwrap_or_default(),
            error: None,
            may_keep,
            saved,
        }
    }

    /// The kept date shown, the field with what was typed and why it was not kept.
    pub fn refused(kept: Option<chrono::NaiveDate>, typed: String, error: String) -> MeetingView {
        MeetingView {
            value: typed,
            error: Some(error),
            ..MeetingView::kept(kept, true, false)
        }
    }
}

/// "18.12.2017": a date as the form's fields take it.
pub fn digits(date: chrono::NaiveDate) -> String {
    date.format("%-d.%-m.%Y").to_string()
}

impl<'a> AgendaFormPage<'a> {
    pub fn new(
        round: &'a Round,
        municipality: &'a Municipality,
        values: AgendaValues,
        errors: Vec<FieldError>,
        cooperation: CooperationView,
        meeting: MeetingView,
    ) -> AgendaFormPage<'a> {
        AgendaFormPage {
            round,
            code: municipality.code.as_str(),
            name: municipality.official_name(),
            council: municipality.council_name.trim(),
            values,
            field_errors: AgendaFieldErrors::of(&errors),
            errors,
            case_number_max: agenda::CASE_NUMBER_MAX_CHARS,
            cooperation,
            meeting,
        }
    }
}
