//! Submissions: a municipality's form for a round, and every change to it.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, HashMap};

use super::audit::{self, AuditEntry};
use super::rows::*;
use super::schema::{answers, submissions, users};
use super::{write_tx, DbConnection};
use crate::domain::access::{self, Refusal};
use crate::domain::events::{self as ev, Event};
use crate::domain::{Answer, MunicipalityCode, Submission, SubmissionState, User};

/// A municipality's submission to a round with its answers, if it has one.
pub fn get_submission(
    conn: &mut DbConnection,
    round_id: i32,
    code: &MunicipalityCode,
) -> QueryResult<Option<Submission>> {
    let (submitter, saver) = diesel::alias!(users as submitter, users as saver);
    type Row = (
        SubmissionRow,
        Option<String>,
        Option<String>,
        Option<AnswerRow>,
    );
    // The form with the names of who submitted and last saved it, and its answers, in one
    // statement: a row per answer, the form's columns on each (a form page and every save
    // read it; on PostgreSQL each statement is a round trip, and each is parsed and run on
    // both sides). Built for each backend: a selection by a row type is typed by its backend.
    // On the backend's own connection, whose statement cache knows the query by its type.
    macro_rules! form_rows {
        ($conn:expr) => {
            submissions::table
                .left_join(
                    submitter
                        .on(submissions::submitted_by.eq(submitter.field(users::id).nullable())),
                )
                .left_join(saver.on(submissions::updated_by.eq(saver.field(users::id).nullable())))
                .left_join(answers::table)
                .filter(submissions::round_id.eq(round_id))
                .filter(submissions::municipality_code.eq(code.as_str()))
                .order(answers::recommendation_id.asc())
                .select((
                    SubmissionRow::as_select(),
                    submitter.field(users::name).nullable(),
                    saver.field(users::name).nullable(),
                    // In the order of `AnswerRow`'s fields, which it is read into.
                    (
                        answers::submission_id,
                        answers::recommendation_id,
                        answers::status,
                        answers::comment,
                        answers::carried,
                        answers::evidence_url,
                    )
                        .nullable(),
                ))
                .load::<Row>($conn)?
        };
    }
    let rows = match conn {
        DbConnection::Sqlite(conn) => form_rows!(conn),
        DbConnection::Postgres(conn) => form_rows!(conn),
    };
    let mut answers = Vec::with_capacity(rows.len());
    let mut form = None;
    for (row, submitted_by, updated_by, answer) in rows {
        if let Some(answer) = answer {
            answers.push(answer.into_domain()?);
        }
        if form.is_none() {
            form = Some((row, submitted_by, updated_by));
        }
    }
    let Some((row, submitted_by, updated_by)) = form else {
        return Ok(None);
    };
    row.into_domain(submitted_by, updated_by, answers).map(Some)
}

/// A form's answers, in the order of their recommendations' ids.
fn form_answers(conn: &mut DbConnection, submission_id: i32) -> QueryResult<Vec<Answer>> {
    answers::table
        .filter(answers::submission_id.eq(submission_id))
        .order(answers::recommendation_id.asc())
        .select(AnswerRow::as_select())
        .load(conn)?
        .into_iter()
        .map(AnswerRow::into_domain)
        .collect()
}

/// The submission without the names of who submitted and saved it, as a save's own check
/// needs it (the version and the answers).
///
/// `known` is the same form as read earlier: when the stored version is still its version, its
/// answers are the stored ones (every change to the answers bumps the version) and are not
/// read again.
fn read_submission(
    conn: &mut DbConnection,
    round_id: i32,
    code: &MunicipalityCode,
    known: Option<&Submission>,
) -> QueryResult<Option<Submission>> {
    let row: Option<SubmissionRow> = submissions::table
        .filter(submissions::round_id.eq(round_id))
        .filter(submissions::municipality_code.eq(code.as_str()))
        .select(SubmissionRow::as_select())
        .get_result(conn)
        .optional()?;
    let Some(row) = row else {
        return Ok(None);
    };
    if let Some(known) = known.filter(|k| k.id == row.id && k.version == row.version) {
        return row.into_domain(None, None, known.answers.clone()).map(Some);
    }
    let answers = form_answers(conn, row.id)?;
    row.into_domain(None, None, answers).map(Some)
}

/// The names of the given users, by id.
pub(crate) fn user_names(
    conn: &mut DbConnection,
    ids: impl IntoIterator<Item = i32>,
) -> QueryResult<HashMap<i32, String>> {
    let mut ids: Vec<i32> = ids.into_iter().collect();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(users::table
        .filter(users::id.eq_any(ids))
        .select((users::id, users::name))
        .load::<(i32, String)>(conn)?
        .into_iter()
        .collect())
}

/// A save of a municipality's form, as the form handler has parsed and checked it.
#[derive(Debug, Clone)]
pub struct SaveSubmission {
    pub round_id: i32,
    pub municipality_code: MunicipalityCode,
    /// The version the user's form was loaded with; 0 when there was no submission yet.
    pub base_version: i32,
    /// The whole form: every answer with a status or a comment. Answers left out are removed.
    pub answers: Vec<Answer>,
    /// Proposals for new focus areas.
    pub proposals: String,
    pub state: SubmissionState,
}

#[derive(Debug, Clone, PartialEq)]
pub enum SaveOutcome {
    Saved(Submission),
    /// Someone saved a newer version since the user loaded the form; nothing was written.
    Conflict(Submission),
    /// The round's rules refuse the change (checked in the same transaction as the write);
    /// nothing was written.
    Refused(Refusal),
}

/// The submission as it is now, as the outcome of a save that lost a race to another.
fn conflict(
    conn: &mut DbConnection,
    round_id: i32,
    code: &MunicipalityCode,
) -> QueryResult<SaveOutcome> {
    get_submission(conn, round_id, code)?
        .map(SaveOutcome::Conflict)
        .ok_or(diesel::result::Error::NotFound)
}

/// Stores a form as given (demo data, imports, test set-up), in one transaction: checks the
/// version, replaces the answers, bumps the version and writes an audit row per changed
/// answer and one for the submission. The round's rules are not applied: a user's save goes
/// through [`save_form`].
pub fn save(
    conn: &mut DbConnection,
    save: &SaveSubmission,
    actor_id: i32,
    now: NaiveDateTime,
) -> QueryResult<SaveOutcome> {
    write_tx(conn, |conn| {
        save_in_tx(conn, save, actor_id, None, None, now)
    })
}

/// A user's save of the form: like [`save`], and in the same transaction the round's rules
/// (the round is open, the deadline has not passed for this user, the form is not
/// submitted), so that a round closed just before the write still refuses it. `now` is the
/// app's clock, which the deadline is checked against.
pub fn save_form(
    conn: &mut DbConnection,
    save: &SaveSubmission,
    user: &User,
    now: chrono::NaiveDateTime,
) -> QueryResult<SaveOutcome> {
    write_tx(conn, |conn| {
        save_in_tx(conn, save, user.id, Some(user), None, now)
    })
}

/// [`save_form`] inside a write transaction the caller holds and has bumped the data version
/// in (the form writer's group commit, `web::infra::writer`), without a savepoint of its own: it
/// writes nothing unless the outcome is [`SaveOutcome::Saved`], and after an `Err` the
/// caller must roll the transaction back. The caller's transaction need not move the shown
/// marker ([`super::write_tx_drafts`]): a save moves it itself unless it keeps a draft a
/// draft.
///
/// `stored` is the form as the caller read it before (for parsing the input); its answers are
/// used when the stored version is still its version.
pub fn save_form_in_tx(
    conn: &mut DbConnection,
    save: &SaveSubmission,
    user: &User,
    now: chrono::NaiveDateTime,
    stored: Option<&Submission>,
) -> QueryResult<SaveOutcome> {
    save_in_tx(conn, save, user.id, Some(user), stored, now)
}

fn save_in_tx(
    conn: &mut DbConnection,
    save: &SaveSubmission,
    actor_id: i32,
    rules_for: Option<&User>,
    known: Option<&Submission>,
    now: NaiveDateTime,
) -> QueryResult<SaveOutcome> {
    let existing = read_submission(conn, save.round_id, &save.municipality_code, known)?;
    if let Some(user) = rules_for {
        let round = super::rounds::get_round(conn, save.round_id)?
            .ok_or(diesel::result::Error::NotFound)?;
        if let Some(refusal) = access::save_refusal(user, &round, existing.as_ref(), now) {
            return Ok(SaveOutcome::Refused(refusal));
        }
    }
    if existing
        .as_ref()
        .is_some_and(|s| s.version != save.base_version)
    {
        // As stored, with the names of who saved it.
        return conflict(conn, save.round_id, &save.municipality_code);
    }
    let actor_name = match rules_for {
        Some(user) => Some(user.name.clone()),
        None => user_names(conn, [actor_id])?.remove(&actor_id),
    };
    let submission_id = match &existing {
        Some(s) => s.id,
        None => match insert_form(conn, save, actor_id, now)? {
            Some(id) => id,
            None => return conflict(conn, save.round_id, &save.municipality_code),
        },
    };
    let planned = plan(
        existing.as_ref(),
        save,
        submission_id,
        actor_id,
        actor_name,
        now,
    );
    if let Some(s) = &existing {
        // The version check is part of the write: a save that another overtook since it read
        // the row changes nothing.
        if update_forms(conn, &[(s.id, s.version, &planned.row)])? == 0 {
            return conflict(conn, save.round_id, &save.municipality_code);
        }
    }
    let before = existing.as_ref().map_or(&[][..], |s| &s.answers[..]);
    write_answers(conn, &[(submission_id, before, &planned.saved.answers[..])])?;
    audit::record_all(conn, planned.audit, now)?;
    if !planned.draft_kept {
        super::bump_shown_version(conn)?;
    }
    Ok(SaveOutcome::Saved(planned.saved))
}

/// A user's save of a form as the form writer queues it: the save, who makes it, when, and
/// the form as the user's page read it (see [`save_form_in_tx`]).
#[derive(Debug, Clone)]
pub struct FormSave {
    pub save: SaveSubmission,
    pub user: User,
    pub now: NaiveDateTime,
    pub stored: Option<Submission>,
}

/// The saves of a group of users, in order, inside a write transaction the caller holds (as
/// [`save_form_in_tx`]): each save's outcome is what [`save_form_in_tx`] would give if they
/// ran one after the other (each sees the ones before it), but the group is read and
/// written in a few statements whatever its size, rather than about eight per save. Those
/// round trips, taken while the transaction holds the database's one write lock, were what
/// the writers of several processes on PostgreSQL waited for.
///
/// One difference: a save that conflicts is answered with the form as it is after the whole
/// group (a later save of the same form in the group shows too), which is the newest form.
///
/// On `Err` the caller must roll back; running the same saves one at a time then tells which
/// of them failed.
pub fn save_forms_in_tx(
    conn: &mut DbConnection,
    saves: &[&FormSave],
) -> QueryResult<Vec<SaveOutcome>> {
    type Key = (i32, MunicipalityCode);
    let key = |s: &FormSave| (s.save.round_id, s.save.municipality_code.clone());

    // Read: the forms, their answers unless the user's page read them at this version, and
    // the rounds.
    let mut round_ids: Vec<i32> = saves.iter().map(|s| s.save.round_id).collect();
    round_ids.sort_unstable();
    round_ids.dedup();
    let mut codes: Vec<&str> = saves
        .iter()
        .map(|s| s.save.municipality_code.as_str())
        .collect();
    codes.sort_unstable();
    codes.dedup();
    let stored_rows: Vec<SubmissionRow> = submissions::table
        .filter(submissions::round_id.eq_any(&round_ids))
        .filter(submissions::municipality_code.eq_any(&codes))
        .select(SubmissionRow::as_select())
        .load(conn)?;
    let wanted: std::collections::HashSet<Key> = saves.iter().map(|s| key(s)).collect();
    let mut current: HashMap<Key, Submission> = HashMap::new();
    let mut unread: Vec<i32> = Vec::new();
    for row in stored_rows {
        let row_key = (row.round_id, parse_code(&row.municipality_code)?);
        if !wanted.contains(&row_key) {
            continue;
        }
        let known = saves
            .iter()
            .filter_map(|s| s.stored.as_ref())
            .find(|k| k.id == row.id && k.version == row.version);
        let answers = match known {
            Some(k) => k.answers.clone(),
            None => {
                unread.push(row.id);
                Vec::new()
            }
        };
        current.insert(row_key, row.into_domain(None, None, answers)?);
    }
    if !unread.is_empty() {
        let mut read: HashMap<i32, Vec<Answer>> = HashMap::new();
        for row in answers::table
            .filter(answers::submission_id.eq_any(&unread))
            .order((
                answers::submission_id.asc(),
                answers::recommendation_id.asc(),
            ))
            .select(AnswerRow::as_select())
            .load(conn)?
        {
            read.entry(row.submission_id)
                .or_default()
                .push(row.into_domain()?);
        }
        for form in current.values_mut() {
            if let Some(answers) = read.remove(&form.id) {
                form.answers = answers;
            }
        }
    }
    let rounds = super::rounds::get_rounds(conn, &round_ids)?;

    // Decide each save in turn against the forms as the saves before it left them; new forms
    // are inserted at once (their id names the audit rows).
    let mut outcomes: Vec<Option<SaveOutcome>> = Vec::with_capacity(saves.len());
    let mut conflicts: Vec<usize> = Vec::new();
    // Each changed form by id, in the order its row is written.
    let mut changed: BTreeMap<i32, Changed> = BTreeMap::new();
    let mut audit_rows: Vec<(AuditEntry, NaiveDateTime)> = Vec::new();
    let mut shown_moves = false;
    for (i, form_save) in saves.iter().enumerate() {
        let save = &form_save.save;
        let existing = current.get(&key(form_save));
        let round = rounds
            .get(&save.round_id)
            .ok_or(diesel::result::Error::NotFound)?;
        if let Some(refusal) = access::save_refusal(&form_save.user, round, existing, form_save.now)
        {
            outcomes.push(Some(SaveOutcome::Refused(refusal)));
            continue;
        }
        if existing.is_some_and(|s| s.version != save.base_version) {
            outcomes.push(None);
            conflicts.push(i);
            continue;
        }
        let submission_id = match existing {
            Some(s) => s.id,
            None => match insert_form(conn, save, form_save.user.id, form_save.now)? {
                Some(id) => id,
                // Under the write lock nothing else inserts it: let the saves run one at a
                // time.
                None => return Err(diesel::result::Error::RollbackTransaction),
            },
        };
        let planned = plan(
            existing,
            save,
            submission_id,
            form_save.user.id,
            Some(form_save.user.name.clone()),
            form_save.now,
        );
        match changed.entry(submission_id) {
            Entry::Occupied(mut form) => form.get_mut().row = planned.row,
            // The first change of the form in the group: as stored (a new form was inserted
            // at version 1, without answers).
            Entry::Vacant(form) => {
                form.insert(Changed {
                    stored_version: existing.map_or(1, |s| s.version),
                    original: existing.map(|s| s.answers.clone()).unwrap_or_default(),
                    row: planned.row,
                });
            }
        }
        audit_rows.extend(planned.audit.into_iter().map(|e| (e, form_save.now)));
        shown_moves |= !planned.draft_kept;
        current.insert(key(form_save), planned.saved.clone());
        outcomes.push(Some(SaveOutcome::Saved(planned.saved)));
    }

    // Write: each changed form's row once, its answers as the group leaves them, the audit
    // rows in the order of the saves.
    let updates: Vec<(i32, i32, &FormRow)> = changed
        .iter()
        .map(|(id, form)| (*id, form.stored_version, &form.row))
        .collect();
    let answers: Vec<(i32, &[Answer], &[Answer])> = current
        .values()
        .filter_map(|form| {
            let before = &changed.get(&form.id)?.original;
            Some((form.id, &before[..], &form.answers[..]))
        })
        .collect();
    write_group(conn, &updates, &answers, audit_rows, shown_moves)?;
    for i in conflicts {
        let save = &saves[i].save;
        outcomes[i] = Some(conflict(conn, save.round_id, &save.municipality_code)?);
    }
    outcomes
        .into_iter()
        .map(|o| o.ok_or(diesel::result::Error::NotFound))
        .collect()
}

/// Writes what a group of saves changed: the forms' rows (each only if still at the version
/// beside it), their answers ([`write_answers`]), the audit rows in order, and the shown
/// marker when `shown_moves`. A form or answer that is not as the group read it fails the
/// whole group (`RollbackTransaction`). On PostgreSQL one statement ([`super::arrays::WriteGroup`]),
/// which also reads the markers the transaction leaves (deleted answers, rare, take one more).
fn write_group(
    conn: &mut DbConnection,
    forms: &[(i32, i32, &FormRow)],
    answers: &[(i32, &[Answer], &[Answer])],
    audit_rows: Vec<(AuditEntry, NaiveDateTime)>,
    shown_moves: bool,
) -> QueryResult<()> {
    if super::is_postgres(conn) {
        let changes = AnswerChanges::of(answers);
        for chunk in changes.deletes.chunks(ANSWERS_PER_STATEMENT) {
            delete_answers(conn, chunk)?;
        }
        let DbConnection::Postgres(pg) = conn else {
            return Err(diesel::result::Error::BrokenTransactionManager);
        };
        let audit = audit::AuditRows::of(audit_rows)?;
        let (form_arrays, updated, inserted, audit_arrays) = (
            form_arrays(forms),
            answer_arrays(&changes.updates),
            answer_arrays(&changes.inserts),
            audit::audit_arrays(&audit),
        );
        let (forms_written, answers_updated, data, shown, accounts) = super::arrays::WriteGroup {
            forms: form_arrays.columns(),
            updated: updated.columns(),
            inserted: inserted.columns(),
            audit: audit_arrays.columns(),
            moves_shown: shown_moves,
        }
        .get_result::<(i64, i64, i64, i64, i64)>(pg)?;
        updated_all(usize::try_from(forms_written).unwrap_or(0), forms.len())?;
        updated_all(
            usize::try_from(answers_updated).unwrap_or(0),
            changes.updates.len(),
        )?;
        super::leave_versions(super::users::Versions {
            data,
            shown,
            accounts,
        });
        return Ok(());
    }
    if update_forms(conn, forms)? != forms.len() {
        return Err(diesel::result::Error::RollbackTransaction);
    }
    write_answers(conn, answers)?;
    audit::record_each(conn, audit_rows)?;
    if shown_moves {
        super::bump_shown_version(conn)?;
    }
    Ok(())
}

/// A form the group changes: its version and answers as stored before the group, and its row
/// as the group leaves it.
struct Changed {
    stored_version: i32,
    original: Vec<Answer>,
    row: FormRow,
}

/// The columns of a form's row that a save writes.
#[derive(Debug, Clone)]
struct FormRow {
    state: SubmissionState,
    submitted_at: Option<NaiveDateTime>,
    submitted_by: Option<i32>,
    updated_at: NaiveDateTime,
    updated_by: i32,
    proposals: String,
    reopened: bool,
    version: i32,
}

/// What a save that passed its checks makes of the form: the form as stored after it, its
/// row, the audit rows (one per answer that changed, then the save's own with the new
/// version, in this order), and whether it kept a draft a draft (which changes only the
/// draft's contents; anything else changes what every page of the round shows).
struct Planned {
    saved: Submission,
    row: FormRow,
    audit: Vec<AuditEntry>,
    draft_kept: bool,
}

fn plan(
    existing: Option<&Submission>,
    save: &SaveSubmission,
    submission_id: i32,
    actor_id: i32,
    actor_name: Option<String>,
    now: NaiveDateTime,
) -> Planned {
    let current_version = existing.map_or(0, |s| s.version);
    let submitted = save.state == SubmissionState::Submitted;
    let (submitted_at, submitted_by) = if submitted {
        (Some(now), Some(actor_id))
    } else {
        (None, None)
    };
    // A reopened form is reopened until it is submitted again.
    let reopened = existing.is_some_and(|s| s.reopened) && !submitted;
    let before = |id: i32| existing.and_then(|s| s.answer(id));
    let mut ids: Vec<i32> = save.answers.iter().map(|a| a.recommendation_id).collect();
    if let Some(s) = existing {
        ids.extend(s.answers.iter().map(|a| a.recommendation_id));
    }
    ids.sort_unstable();
    ids.dedup();
    let entity_id = submission_id.to_string();
    let mut audit: Vec<AuditEntry> = ids
        .into_iter()
        .filter_map(|id| {
            let after = save.answers.iter().find(|a| a.recommendation_id == id);
            (before(id) != after).then(|| AuditEntry {
                user_id: Some(actor_id),
                entity_id: entity_id.clone(),
                event: ev::SubmissionEvent::answer(
                    id,
                    before(id).map(ev::AnswerValue::of),
                    after.map(ev::AnswerValue::of),
                ),
            })
        })
        .collect();
    audit.push(AuditEntry {
        user_id: Some(actor_id),
        entity_id,
        event: ev::SubmissionEvent::stored(
            submitted,
            existing.map(|s| ev::FormVersion {
                state: s.state,
                version: s.version,
                proposals: Some(s.proposals.clone()),
                imported_from: None,
            }),
            ev::FormVersion {
                state: save.state,
                version: current_version + 1,
                proposals: Some(save.proposals.clone()),
                imported_from: None,
            },
        ),
    });
    let draft_kept = save.state == SubmissionState::Draft
        && existing.is_some_and(|s| s.state == SubmissionState::Draft);
    let mut answers = save.answers.clone();
    answers.sort_by_key(|a| a.recommendation_id);
    Planned {
        saved: Submission {
            id: submission_id,
            round_id: save.round_id,
            municipality_code: save.municipality_code.clone(),
            state: save.state,
            submitted_at,
            submitted_by: if submitted { actor_name.clone() } else { None },
            version: current_version + 1,
            updated_at: now,
            updated_by: actor_name,
            proposals: save.proposals.clone(),
            reopened,
            answers,
        },
        row: FormRow {
            state: save.state,
            submitted_at,
            submitted_by,
            updated_at: now,
            updated_by: actor_id,
            proposals: save.proposals.clone(),
            reopened,
            version: current_version + 1,
        },
        audit,
        draft_kept,
    }
}

/// The first save of a form inserts its row (version 1); `None` when another save inserted
/// it first (the UNIQUE (round, municipality) lets one in). The savepoint keeps the
/// transaction usable after the refused insert (PostgreSQL aborts it otherwise).
fn insert_form(
    conn: &mut DbConnection,
    save: &SaveSubmission,
    actor_id: i32,
    now: NaiveDateTime,
) -> QueryResult<Option<i32>> {
    let submitted = save.state == SubmissionState::Submitted;
    let inserted = conn.transaction(|conn| {
        diesel::insert_into(submissions::table)
            .values(SubmissionInsertForm {
                round_id: save.round_id,
                municipality_code: save.municipality_code.as_str(),
                state: save.state.as_str(),
                submitted_at: submitted.then_some(now),
                submitted_by: submitted.then_some(actor_id),
                version: 1,
                updated_at: now,
                updated_by: Some(actor_id),
                proposals: &save.proposals,
                reopened: false,
            })
            .returning(submissions::id)
            .get_result(conn)
    });
    match inserted {
        Ok(id) => Ok(Some(id)),
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Runs a raw statement on the backend's own connection: `$bind` binds its values to
/// `$query`, the statement boxed for that backend (diesel binds per backend, so the binding is
/// written once and expanded for each).
macro_rules! execute_bound {
    ($conn:expr, $sql:expr, |$query:ident| $bind:expr) => {
        match $conn {
            DbConnection::Postgres(conn) => {
                let $query = diesel::sql_query($sql).into_boxed::<diesel::pg::Pg>();
                $bind.execute(conn)
            }
            DbConnection::Sqlite(conn) => {
                let $query = diesel::sql_query($sql).into_boxed::<diesel::sqlite::Sqlite>();
                $bind.execute(conn)
            }
        }
    };
}

/// Writes the rows of several forms as saves leave them, each only if it is still at the
/// version given beside it, in one statement (one round trip while the write lock is held,
/// rather than one per form); the number of rows changed.
fn update_forms(conn: &mut DbConnection, forms: &[(i32, i32, &FormRow)]) -> QueryResult<usize> {
    use diesel::sql_types::{Bool, Integer, Nullable, Text, Timestamp};
    const COLUMNS: usize = 10;
    if forms.is_empty() {
        return Ok(0);
    }
    if let DbConnection::Postgres(conn) = conn {
        return super::arrays::UpdateForms(form_arrays(forms).columns()).execute(conn);
    }
    let sql = format!(
        "WITH v (id, old_version, state, submitted_at, submitted_by, version, updated_at, \
         updated_by, proposals, reopened) AS (VALUES {}) \
         UPDATE submissions SET state = v.state, submitted_at = v.submitted_at, \
         submitted_by = v.submitted_by, version = v.version, updated_at = v.updated_at, \
         updated_by = v.updated_by, proposals = v.proposals, reopened = v.reopened \
         FROM v WHERE submissions.id = v.id AND submissions.version = v.old_version",
        placeholders(conn, forms.len(), COLUMNS)
    );
    execute_bound!(conn, sql, |query| {
        let mut query = query;
        for (id, version, row) in forms {
            query = query
                .bind::<Integer, _>(*id)
                .bind::<Integer, _>(*version)
                .bind::<Text, _>(row.state.as_str())
                .bind::<Nullable<Timestamp>, _>(row.submitted_at)
                .bind::<Nullable<Integer>, _>(row.submitted_by)
                .bind::<Integer, _>(row.version)
                .bind::<Timestamp, _>(row.updated_at)
                .bind::<Integer, _>(row.updated_by)
                .bind::<Text, _>(row.proposals.as_str())
                .bind::<Bool, _>(row.reopened);
        }
        query
    })
}

/// The rows of a multi-row statement's `VALUES`: `rows` of `columns` placeholders each, in
/// the backend's own spelling.
fn placeholders(conn: &DbConnection, rows: usize, columns: usize) -> String {
    let postgres = super::is_postgres(conn);
    let row = |first: usize| {
        let cells: Vec<String> = (first..first + columns)
            .map(|n| match postgres {
                true => format!("${n}"),
                false => "?".to_owned(),
            })
            .collect();
        format!("({})", cells.join(", "))
    };
    let all: Vec<String> = (0..rows).map(|r| row(r * columns + 1)).collect();
    all.join(", ")
}

/// At most this many answers in one statement: 6 values each stays under SQLite's limit of
/// bound values in one statement.
const ANSWERS_PER_STATEMENT: usize = 4_000;

/// Writes what changed between forms' answers as stored (`before`) and as saved (`after`):
/// answers that are new are inserted, changed ones updated in place, removed ones deleted,
/// unchanged ones left alone, each kind in multi-row statements. An answer updated in place
/// keeps its row and index entries (on PostgreSQL a HOT update, without the foreign-key
/// checks an insert makes), so a save costs what it changes.
///
/// `before` must be the answers stored now. Callers take them from a read at the form's
/// stored version, which holds because every write of a form's answers moves its version (the
/// saves here, imports); a write path that changed answers without it would make an update
/// here miss its row, which fails the save rather than leaving the form half-written.
fn write_answers(
    conn: &mut DbConnection,
    forms: &[(i32, &[Answer], &[Answer])],
) -> QueryResult<()> {
    let AnswerChanges {
        inserts,
        updates,
        deletes,
    } = AnswerChanges::of(forms);
    for chunk in deletes.chunks(ANSWERS_PER_STATEMENT) {
        delete_answers(conn, chunk)?;
    }
    for chunk in updates.chunks(ANSWERS_PER_STATEMENT) {
        update_answers(conn, chunk)?;
    }
    for chunk in inserts.chunks(ANSWERS_PER_STATEMENT) {
        if let DbConnection::Postgres(conn) = &mut *conn {
            let answers = answer_arrays(chunk);
            super::arrays::InsertAnswers(answers.columns()).execute(conn)?;
            continue;
        }
        let rows: Vec<AnswerInsertForm<'_>> = chunk
            .iter()
            .map(|&(submission_id, answer)| AnswerInsertForm {
                submission_id,
                recommendation_id: answer.recommendation_id,
                status: answer.status.map(|s| s.as_str()),
                comment: &answer.comment,
                carried: answer.carried,
                evidence_url: answer.evidence.as_ref().map(|e| e.as_str()),
            })
            .collect();
        // One multi-row INSERT, on the backend's own connection (see `audit::record_all`).
        match &mut *conn {
            DbConnection::Sqlite(conn) => diesel::insert_into(answers::table)
                .values(&rows)
                .execute(conn)?,
            DbConnection::Postgres(conn) => diesel::insert_into(answers::table)
                .values(&rows)
                .execute(conn)?,
        };
    }
    Ok(())
}

/// What saves change in forms' answers (see [`write_answers`]): the answers to insert, to
/// update in place, and to delete (by form and recommendation).
struct AnswerChanges<'a> {
    inserts: Vec<(i32, &'a Answer)>,
    updates: Vec<(i32, &'a Answer)>,
    deletes: Vec<(i32, i32)>,
}

impl<'a> AnswerChanges<'a> {
    fn of(forms: &[(i32, &'a [Answer], &'a [Answer])]) -> AnswerChanges<'a> {
        let mut changes = AnswerChanges {
            inserts: Vec::new(),
            updates: Vec::new(),
            deletes: Vec::new(),
        };
        for &(submission_id, before, after) in forms {
            let stored: HashMap<i32, &Answer> =
                before.iter().map(|a| (a.recommendation_id, a)).collect();
            for answer in after {
                match stored.get(&answer.recommendation_id) {
                    None => changes.inserts.push((submission_id, answer)),
                    Some(old) if *old != answer => changes.updates.push((submission_id, answer)),
                    Some(_) => {}
                }
            }
            for answer in before {
                if !after
                    .iter()
                    .any(|a| a.recommendation_id == answer.recommendation_id)
                {
                    changes
                        .deletes
                        .push((submission_id, answer.recommendation_id));
                }
            }
        }
        changes
    }
}

/// Deletes the answers (submission, recommendation) given, in one statement.
fn delete_answers(conn: &mut DbConnection, rows: &[(i32, i32)]) -> QueryResult<()> {
    use diesel::sql_types::Integer;
    if rows.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "WITH v (submission_id, recommendation_id) AS (VALUES {}) \
         DELETE FROM answers WHERE (submission_id, recommendation_id) IN \
         (SELECT submission_id, recommendation_id FROM v)",
        placeholders(conn, rows.len(), 2)
    );
    execute_bound!(conn, sql, |query| {
        let mut query = query;
        for (submission_id, recommendation_id) in rows {
            query = query
                .bind::<Integer, _>(*submission_id)
                .bind::<Integer, _>(*recommendation_id);
        }
        query
    })
    .map(|_| ())
}

/// Updates answers in place (keyed by submission and recommendation), in one statement.
fn update_answers(conn: &mut DbConnection, rows: &[(i32, &Answer)]) -> QueryResult<()> {
    use diesel::sql_types::{Bool, Integer, Nullable, Text};
    if rows.is_empty() {
        return Ok(());
    }
    if let DbConnection::Postgres(conn) = conn {
        let answers = answer_arrays(rows);
        let updated = super::arrays::UpdateAnswers(answers.columns()).execute(conn)?;
        return updated_all(updated, rows.len());
    }
    let sql = format!(
        "WITH v (submission_id, recommendation_id, status, comment, carried, evidence_url) \
         AS (VALUES {}) \
         UPDATE answers SET status = v.status, comment = v.comment, carried = v.carried, \
         evidence_url = v.evidence_url FROM v \
         WHERE answers.submission_id = v.submission_id \
         AND answers.recommendation_id = v.recommendation_id",
        placeholders(conn, rows.len(), 6)
    );
    let updated = execute_bound!(conn, sql, |query| {
        let mut query = query;
        for (submission_id, answer) in rows {
            query = query
                .bind::<Integer, _>(*submission_id)
                .bind::<Integer, _>(answer.recommendation_id)
                .bind::<Nullable<Text>, _>(answer.status.map(|s| s.as_str()))
                .bind::<Text, _>(answer.comment.as_str())
                .bind::<Bool, _>(answer.carried)
                .bind::<Nullable<Text>, _>(answer.evidence.as_ref().map(|e| e.as_str()));
        }
        query
    })?;
    updated_all(updated, rows.len())
}

/// Each answer updated was read in this transaction (or at the version its form still has): a
/// missing one means the stored answers were not what the save was made against.
fn updated_all(updated: usize, rows: usize) -> QueryResult<()> {
    if updated == rows {
        Ok(())
    } else {
        Err(diesel::result::Error::RollbackTransaction)
    }
}

/// Forms' rows, with the version each is stored at, as the columns of PostgreSQL's statements
/// over arrays.
fn form_arrays<'a>(forms: &[(i32, i32, &'a FormRow)]) -> super::arrays::FormArrays<'a> {
    super::arrays::FormArrays {
        id: forms.iter().map(|f| f.0).collect(),
        old_version: forms.iter().map(|f| f.1).collect(),
        state: forms.iter().map(|f| f.2.state.as_str()).collect(),
        submitted_at: forms.iter().map(|f| f.2.submitted_at).collect(),
        submitted_by: forms.iter().map(|f| f.2.submitted_by).collect(),
        version: forms.iter().map(|f| f.2.version).collect(),
        updated_at: forms.iter().map(|f| f.2.updated_at).collect(),
        updated_by: forms.iter().map(|f| f.2.updated_by).collect(),
        proposals: forms.iter().map(|f| f.2.proposals.as_str()).collect(),
        reopened: forms.iter().map(|f| f.2.reopened).collect(),
    }
}

/// Answers as the columns of PostgreSQL's statements over arrays.
fn answer_arrays<'a>(rows: &[(i32, &'a Answer)]) -> super::arrays::AnswerArrays<'a> {
    super::arrays::AnswerArrays {
        submission_id: rows.iter().map(|(id, _)| *id).collect(),
        recommendation_id: rows.iter().map(|(_, a)| a.recommendation_id).collect(),
        status: rows
            .iter()
            .map(|(_, a)| a.status.map(|s| s.as_str()))
            .collect(),
        comment: rows.iter().map(|(_, a)| a.comment.as_str()).collect(),
        carried: rows.iter().map(|(_, a)| a.carried).collect(),
        evidence_url: rows
            .iter()
            .map(|(_, a)| a.evidence.as_ref().map(|e| e.as_str()))
            .collect(),
    }
}

/// How a submitted form goes back to draft.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reopening {
    /// The municipality takes it back before the deadline.
    Withdraw,
    /// An admin reopens it (after the deadline too), for the recorded reason.
    Reopen { reason: String },
}

/// Puts a submitted form back to draft in one transaction, with its audit row. The round's
/// rules (open; a withdrawal before the deadline; the form submitted) are checked in the
/// same transaction; a version other than the one the user saw is a conflict. Either way
/// nothing is written. `now` is the app's clock, which the deadline is checked against.
pub fn reopen(
    conn: &mut DbConnection,
    round_id: i32,
    code: &MunicipalityCode,
    base_version: i32,
    how: &Reopening,
    actor_id: i32,
    now: chrono::NaiveDateTime,
) -> QueryResult<SaveOutcome> {
    write_tx(conn, |conn| {
        let existing =
            get_submission(conn, round_id, code)?.ok_or(diesel::result::Error::NotFound)?;
        let round =
            super::rounds::get_round(conn, round_id)?.ok_or(diesel::result::Error::NotFound)?;
        let withdraw = matches!(how, Reopening::Withdraw);
        if let Some(refusal) = access::reopening_refusal(&round, &existing, withdraw, now) {
            return Ok(SaveOutcome::Refused(refusal));
        }
        if existing.version != base_version {
            return Ok(SaveOutcome::Conflict(existing));
        }
        let (withdrawn, reason, reopened) = match how {
            Reopening::Withdraw => (true, None, false),
            Reopening::Reopen { reason } => (false, Some(reason.as_str()), true),
        };
        let changed = diesel::update(
            submissions::table
                .find(existing.id)
                .filter(submissions::version.eq(base_version))
                .filter(submissions::state.eq(SubmissionState::Submitted.as_str())),
        )
        .set((
            submissions::state.eq(SubmissionState::Draft.as_str()),
            submissions::submitted_at.eq(None::<chrono::NaiveDateTime>),
            submissions::submitted_by.eq(None::<i32>),
            submissions::version.eq(submissions::version + 1),
            submissions::updated_at.eq(now),
            submissions::updated_by.eq(Some(actor_id)),
            submissions::reopened.eq(reopened),
        ))
        .execute(conn)?;
        if changed == 0 {
            return conflict(conn, round_id, code);
        }
        let before = ev::Reopened {
            state: existing.state,
            version: existing.version,
            submitted_at: existing.submitted_at,
            submitted_by: existing.submitted_by.clone(),
        };
        let after = ev::BackToDraft {
            state: SubmissionState::Draft,
            version: existing.version + 1,
            reason: reason.map(str::to_owned),
        };
        audit::record(
            conn,
            AuditEntry {
                user_id: Some(actor_id),
                entity_id: existing.id.to_string(),
                event: Event::Submission(if withdrawn {
                    ev::SubmissionEvent::Withdraw { before, after }
                } else {
                    ev::SubmissionEvent::Reopen { before, after }
                }),
            },
            now,
        )?;
        let saved = get_submission(conn, round_id, code)?.ok_or(diesel::result::Error::NotFound)?;
        Ok(SaveOutcome::Saved(saved))
    })
}

/// Every recorded change to a municipality's submission, oldest first.
pub fn history(
    conn: &mut DbConnection,
    round_id: i32,
    code: &MunicipalityCode,
) -> QueryResult<Vec<audit::AuditEvent>> {
    let id: Option<i32> = submissions::table
        .filter(submissions::round_id.eq(round_id))
        .filter(submissions::municipality_code.eq(code.as_str()))
        .select(submissions::id)
        .get_result(conn)
        .optional()?;
    match id {
        Some(id) => audit::history(conn, "submission", &id.to_string()),
        None => Ok(Vec::new()),
    }
}
