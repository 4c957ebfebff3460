//! The council meeting each municipality's attachment of a round is for, as the municipality
//! (or its KKR's secretariat) gave it once: downloads without a date of their own carry it,
//! and the attachments of closed and published rounds whose meeting is ahead are rendered
//! before anyone asks (`crate::web::attachments`).

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::audit::{self, AuditEntry};
use super::schema::{council_meetings, rounds, submissions};
use super::{write_tx, DbConnection};
use crate::domain::events::{self as ev, Event};
use crate::domain::{MunicipalityCode, RoundState, SubmissionState};

/// A council meeting ahead, for a round whose data no longer takes answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeetingAhead {
    pub round_id: i32,
    pub municipality: String,
    pub date: NaiveDate,
}

/// The meeting date kept for the municipality's attachment of the round.
pub fn meeting(
    conn: &mut DbConnection,
    round_id: i32,
    code: &MunicipalityCode,
) -> QueryResult<Option<NaiveDate>> {
    council_meetings::table
        .find((round_id, code.as_str()))
        .select(council_meetings::meeting_date)
        .get_result(conn)
        .optional()
}

/// Keeps `date` as the meeting date of the municipality's attachment of the round (`None`
/// clears it), with an audit row, in one transaction; nothing is written when it is already
/// so. Returns whether it changed.
pub fn set_meeting(
    conn: &mut DbConnection,
    round_id: i32,
    code: &MunicipalityCode,
    date: Option<NaiveDate>,
    actor: Option<i32>,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    if meeting(conn, round_id, code)? == date {
        return Ok(false);
    }
    write_tx(conn, |conn| {
        let before = meeting(conn, round_id, code)?;
        diesel::delete(council_meetings::table.find((round_id, code.as_str()))).execute(conn)?;
        if let Some(date) = date {
            diesel::insert_into(council_meetings::table)
                .values((
                    council_meetings::round_id.eq(round_id),
                    council_meetings::municipality_code.eq(code.as_str()),
                    council_meetings::meeting_date.eq(date),
                    council_meetings::set_at.eq(now),
                    council_meetings::set_by.eq(actor),
                ))
                .execute(conn)?;
        }
        audit::record(
            conn,
            AuditEntry {
                user_id: actor,
                entity_id: format!("{round_id}/{code}"),
                event: Event::Attachment(ev::AttachmentEvent::SetMeeting {
                    before: ev::MeetingDate { date: before },
                    after: ev::MeetingDate { date },
                }),
            },
            now,
        )?;
        Ok(true)
    })
}

/// The meetings on or after `today` of the rounds that are closed or published, by round and
/// municipality: the attachments a council will be sent, whose data no longer changes with
/// every save.
pub fn ahead(conn: &mut DbConnection, today: NaiveDate) -> QueryResult<Vec<MeetingAhead>> {
    let rows: Vec<(i32, String, NaiveDate)> = council_meetings::table
        .inner_join(rounds::table.on(rounds::id.eq(council_meetings::round_id)))
        .filter(council_meetings::meeting_date.ge(today))
        .filter(rounds::state.eq_any([RoundState::Closed.as_str(), RoundState::Published.as_str()]))
        .order((
            council_meetings::meeting_date,
            council_meetings::round_id,
            council_meetings::municipality_code,
        ))
        .select((
            council_meetings::round_id,
            council_meetings::municipality_code,
            council_meetings::meeting_date,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(round_id, municipality, date)| MeetingAhead {
            round_id,
            municipality,
            date,
        })
        .collect())
}

/// Whether the municipality's form in the round is a draft (not handed in): only then does
/// an attachment that may show the draft differ from the one that may not.
pub fn has_draft(
    conn: &mut DbConnection,
    round_id: i32,
    code: &MunicipalityCode,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        submissions::table
            .filter(submissions::round_id.eq(round_id))
            .filter(submissions::municipality_code.eq(code.as_str()))
            .filter(submissions::state.ne(SubmissionState::Submitted.as_str())),
    ))
    .get_result(conn)
}
