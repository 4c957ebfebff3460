//! Groups of a KKR's municipalities: created, renamed, given members and removed by the KKR's
//! admins; read by the dashboards to narrow a round to a group.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::audit::{self, AuditEntry};
use super::rows::parse_code;
use super::schema::{
    focus_areas, group_coordinators as coordinators, group_expectations as expectations,
    municipality_group_members as members, municipality_groups as groups,
    round_group_members as round_members,
};
use super::{write_tx, DbConnection};
use crate::domain::events::{self as ev, Event};
use crate::domain::group::Group;
use crate::domain::{Municipality, MunicipalityCode, Round, RoundGroup};

/// What a change to a group can run into besides a database error.
#[derive(Debug, thiserror::Error)]
pub enum GroupError {
    #[error("the KKR already has a group with that name")]
    DuplicateName,
    /// A group that owns focus areas or has written expectations is part of rounds' history.
    #[error("the group owns focus areas of a round")]
    InUse,
    #[error(transparent)]
    Database(#[from] diesel::result::Error),
}

fn name_taken(
    conn: &mut DbConnection,
    kkr_id: i32,
    name: &str,
    except: Option<i32>,
) -> QueryResult<bool> {
    let ids: Vec<i32> = groups::table
        .filter(groups::kkr_id.eq(kkr_id))
        .filter(groups::name.eq(name))
        .select(groups::id)
        .load(conn)?;
    Ok(ids.into_iter().any(|id| Some(id) != except))
}

fn set_members(
    conn: &mut DbConnection,
    group_id: i32,
    codes: &[MunicipalityCode],
) -> QueryResult<()> {
    diesel::delete(members::table.filter(members::group_id.eq(group_id))).execute(conn)?;
    for code in codes {
        diesel::insert_into(members::table)
            .values((
                members::group_id.eq(group_id),
                members::municipality_code.eq(code.as_str()),
            ))
            .execute(conn)?;
    }
    Ok(())
}

fn codes_of(codes: &[MunicipalityCode]) -> Vec<String> {
    codes.iter().map(|c| c.as_str().to_owned()).collect()
}

/// Creates a group with its members and an audit row; returns its id.
pub fn create(
    conn: &mut DbConnection,
    kkr_id: i32,
    name: &str,
    codes: &[MunicipalityCode],
    actor: Option<i32>,
    now: NaiveDateTime,
) -> Result<i32, GroupError> {
    write_tx(conn, |conn| {
        if name_taken(conn, kkr_id, name, None)? {
            return Err(GroupError::DuplicateName);
        }
        let id: i32 = diesel::insert_into(groups::table)
            .values((
                groups::kkr_id.eq(kkr_id),
                groups::name.eq(name),
                groups::created_at.eq(now),
            ))
            .returning(groups::id)
            .get_result(conn)?;
        set_members(conn, id, codes)?;
        audit::record(
            conn,
            AuditEntry {
                user_id: actor,
                entity_id: id.to_string(),
                event: Event::Group(ev::GroupEvent::Create {
                    after: ev::GroupCreated {
                        kkr_id,
                        name: name.to_owned(),
                        members: codes_of(codes),
                    },
                }),
            },
            now,
        )?;
        Ok(id)
    })
}

/// Renames a group and replaces its members, with an audit row.
pub fn update(
    conn: &mut DbConnection,
    group: &Group,
    name: &str,
    codes: &[MunicipalityCode],
    actor: i32,
    now: NaiveDateTime,
) -> Result<(), GroupError> {
    write_tx(conn, |conn| {
        if name_taken(conn, group.kkr_id, name, Some(group.id))? {
            return Err(GroupError::DuplicateName);
        }
        diesel::update(groups::table.find(group.id))
            .set(groups::name.eq(name))
            .execute(conn)?;
        set_members(conn, group.id, codes)?;
        audit::record(
            conn,
            AuditEntry {
                user_id: Some(actor),
                entity_id: group.id.to_string(),
                event: Event::Group(ev::GroupEvent::Update {
                    before: ev::Group {
                        name: group.name.clone(),
                        members: codes_of(&group.members),
                    },
                    after: ev::Group {
                        name: name.to_owned(),
                        members: codes_of(codes),
                    },
                }),
            },
            now,
        )?;
        Ok(())
    })
}

/// Removes a group (a filter, not data: the answers are untouched), with an audit row that
/// keeps its name and members.
pub fn delete(
    conn: &mut DbConnection,
    group: &Group,
    actor: i32,
    now: NaiveDateTime,
) -> Result<(), GroupError> {
    write_tx(conn, |conn| {
        if in_use(conn, group.id)? {
            return Err(GroupError::InUse);
        }
        diesel::delete(coordinators::table.filter(coordinators::group_id.eq(group.id)))
            .execute(conn)?;
        diesel::delete(members::table.filter(members::group_id.eq(group.id))).execute(conn)?;
        diesel::delete(groups::table.find(group.id)).execute(conn)?;
        audit::record(
            conn,
            AuditEntry {
                user_id: Some(actor),
                entity_id: group.id.to_string(),
                event: Event::Group(ev::GroupEvent::Delete {
                    before: ev::Group {
                        name: group.name.clone(),
                        members: codes_of(&group.members),
                    },
                }),
            },
            now,
        )?;
        Ok(())
    })
}

/// Whether a group is part of some round: it owns focus areas, or wrote expectations.
pub fn is_in_use(conn: &mut DbConnection, group_id: i32) -> QueryResult<bool> {
    in_use(conn, group_id)
}

/// An editor who may be named coordinator of a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub id: i32,
    pub name: String,
    pub email: String,
    pub municipality_code: MunicipalityCode,
}

/// The active editors of these municipalities, by municipality, then email: whom an admin may
/// name coordinators of a group with these members.
pub fn coordinator_candidates(
    conn: &mut DbConnection,
    codes: &[MunicipalityCode],
) -> QueryResult<Vec<Candidate>> {
    use super::schema::users;
    let codes: Vec<&str> = codes.iter().map(MunicipalityCode::as_str).collect();
    let rows: Vec<(i32, String, String, Option<String>)> = users::table
        .filter(users::role.eq(crate::domain::Role::Editor.as_str()))
        .filter(users::active.eq(true))
        .filter(users::municipality_code.eq_any(codes))
        .order((users::municipality_code.asc(), users::email.asc()))
        .select((
            users::id,
            users::name,
            users::email,
            users::municipality_code,
        ))
        .load(conn)?;
    rows.into_iter()
        .filter_map(|(id, name, email, code)| code.map(|c| (id, name, email, c)))
        .map(|(id, name, email, code)| {
            Ok(Candidate {
                id,
                name,
                email,
                municipality_code: parse_code(&code)?,
            })
        })
        .collect()
}

fn in_use(conn: &mut DbConnection, group_id: i32) -> QueryResult<bool> {
    let areas: i64 = focus_areas::table
        .filter(focus_areas::group_id.eq(group_id))
        .count()
        .get_result(conn)?;
    let texts: i64 = expectations::table
        .filter(expectations::group_id.eq(group_id))
        .count()
        .get_result(conn)?;
    Ok(areas + texts > 0)
}

/// The KKR's groups as a round sees them (see [`RoundGroup`]): members among `participants`;
/// for a group whose members were kept when the round closed, those members.
pub fn of_round(
    conn: &mut DbConnection,
    round: &Round,
    participants: &[Municipality],
) -> QueryResult<Vec<RoundGroup>> {
    let kept: Vec<(i32, String)> = round_members::table
        .filter(round_members::round_id.eq(round.id))
        .order(round_members::municipality_code.asc())
        .select((round_members::group_id, round_members::municipality_code))
        .load(conn)?;
    let texts = expectations_of_round(conn, round.id)?;
    list(conn, round.kkr_id)?
        .into_iter()
        .map(|g| {
            let written = texts.iter().find(|e| e.group_id == g.id);
            let frozen: Vec<MunicipalityCode> = kept
                .iter()
                .filter(|(id, _)| *id == g.id)
                .map(|(_, code)| parse_code(code))
                .collect::<QueryResult<_>>()?;
            let members = if frozen.is_empty() { g.members } else { frozen };
            Ok(RoundGroup {
                id: g.id,
                name: g.name,
                expectations: written.map(|e| e.text.clone()).unwrap_or_default(),
                expectations_updated: written.map(|e| e.updated_at),
                members: members
                    .into_iter()
                    .filter(|c| participants.iter().any(|m| &m.code == c))
                    .collect(),
            })
        })
        .collect()
}

/// Keeps the members of every group that owns focus areas in a round, as they are now, so
/// that the round's figures stay as they were when it closed. In the caller's transaction.
pub fn keep_round_members(conn: &mut DbConnection, round_id: i32) -> QueryResult<()> {
    let owners: Vec<Option<i32>> = focus_areas::table
        .filter(focus_areas::round_id.eq(round_id))
        .filter(focus_areas::group_id.is_not_null())
        .select(focus_areas::group_id)
        .distinct()
        .load(conn)?;
    diesel::delete(round_members::table.filter(round_members::round_id.eq(round_id)))
        .execute(conn)?;
    for group_id in owners.into_iter().flatten() {
        let codes: Vec<String> = members::table
            .filter(members::group_id.eq(group_id))
            .select(members::municipality_code)
            .load(conn)?;
        for code in codes {
            diesel::insert_into(round_members::table)
                .values((
                    round_members::round_id.eq(round_id),
                    round_members::group_id.eq(group_id),
                    round_members::municipality_code.eq(code),
                ))
                .execute(conn)?;
        }
    }
    Ok(())
}

/// The editors named coordinators of a group, by user id.
pub fn coordinators(conn: &mut DbConnection, group_id: i32) -> QueryResult<Vec<i32>> {
    coordinators::table
        .filter(coordinators::group_id.eq(group_id))
        .order(coordinators::user_id.asc())
        .select(coordinators::user_id)
        .load(conn)
}

/// The groups a user coordinates.
pub fn coordinated_by(conn: &mut DbConnection, user_id: i32) -> QueryResult<Vec<i32>> {
    coordinators::table
        .filter(coordinators::user_id.eq(user_id))
        .select(coordinators::group_id)
        .load(conn)
}

/// Replaces a group's coordinators, with an audit row.
pub fn set_coordinators(
    conn: &mut DbConnection,
    group_id: i32,
    user_ids: &[i32],
    actor: i32,
    now: NaiveDateTime,
) -> QueryResult<()> {
    write_tx(conn, |conn| {
        let before = coordinators(conn, group_id)?;
        let mut after = user_ids.to_vec();
        after.sort_unstable();
        after.dedup();
        if before == after {
            return Ok(());
        }
        diesel::delete(coordinators::table.filter(coordinators::group_id.eq(group_id)))
            .execute(conn)?;
        for user_id in &after {
            diesel::insert_into(coordinators::table)
                .values((
                    coordinators::group_id.eq(group_id),
                    coordinators::user_id.eq(user_id),
                ))
                .execute(conn)?;
        }
        audit::record(
            conn,
            AuditEntry {
                user_id: Some(actor),
                entity_id: group_id.to_string(),
                event: Event::Group(ev::GroupEvent::SetCoordinators {
                    before: ev::Coordinators { users: before },
                    after: ev::Coordinators { users: after },
                }),
            },
            now,
        )
    })
}

/// A group's expectations for the coming year's cooperation, as written for one round.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expectations {
    pub round_id: i32,
    pub group_id: i32,
    pub text: String,
    /// UTC.
    pub updated_at: NaiveDateTime,
}

/// Every group's expectations written for a round.
pub fn expectations_of_round(
    conn: &mut DbConnection,
    round_id: i32,
) -> QueryResult<Vec<Expectations>> {
    let rows: Vec<(i32, i32, String, NaiveDateTime)> = expectations::table
        .filter(expectations::round_id.eq(round_id))
        .select((
            expectations::round_id,
            expectations::group_id,
            expectations::text,
            expectations::updated_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(round_id, group_id, text, updated_at)| Expectations {
            round_id,
            group_id,
            text,
            updated_at,
        })
        .collect())
}

/// Writes (or, with an empty text, removes) a group's expectations for a round, with an
/// audit row. The caller has checked who may.
pub fn set_expectations(
    conn: &mut DbConnection,
    round_id: i32,
    group_id: i32,
    text: &str,
    actor: Option<i32>,
    now: NaiveDateTime,
) -> QueryResult<()> {
    write_tx(conn, |conn| {
        let before: Option<String> = expectations::table
            .find((round_id, group_id))
            .select(expectations::text)
            .get_result(conn)
            .optional()?;
        if before.as_deref().unwrap_or("") == text {
            return Ok(());
        }
        diesel::delete(expectations::table.find((round_id, group_id))).execute(conn)?;
        if !text.is_empty() {
            diesel::insert_into(expectations::table)
                .values((
                    expectations::round_id.eq(round_id),
                    expectations::group_id.eq(group_id),
                    expectations::text.eq(text),
                    expectations::updated_at.eq(now),
                    expectations::updated_by.eq(actor),
                ))
                .execute(conn)?;
        }
        audit::record(
            conn,
            AuditEntry {
                user_id: actor,
                entity_id: group_id.to_string(),
                event: Event::Group(ev::GroupEvent::SetExpectations {
                    before: ev::Expectations {
                        round_id,
                        text: before.unwrap_or_default(),
                    },
                    after: ev::Expectations {
                        round_id,
                        text: text.to_owned(),
                    },
                }),
            },
            now,
        )
    })
}

fn with_members(conn: &mut DbConnection, rows: Vec<(i32, i32, String)>) -> QueryResult<Vec<Group>> {
    let ids: Vec<i32> = rows.iter().map(|r| r.0).collect();
    let member_rows: Vec<(i32, String)> = members::table
        .filter(members::group_id.eq_any(&ids))
        .order(members::municipality_code.asc())
        .select((members::group_id, members::municipality_code))
        .load(conn)?;
    rows.into_iter()
        .map(|(id, kkr_id, name)| {
            let members = member_rows
                .iter()
                .filter(|(g, _)| *g == id)
                .map(|(_, code)| parse_code(code))
                .collect::<QueryResult<Vec<_>>>()?;
            Ok(Group {
                id,
                kkr_id,
                name,
                members,
            })
        })
        .collect()
}

/// A KKR's groups in name order.
pub fn list(conn: &mut DbConnection, kkr_id: i32) -> QueryResult<Vec<Group>> {
    let rows: Vec<(i32, i32, String)> = groups::table
        .filter(groups::kkr_id.eq(kkr_id))
        .select((groups::id, groups::kkr_id, groups::name))
        .load(conn)?;
    let mut list = with_members(conn, rows)?;
    list.sort_by_cached_key(|g| crate::domain::danish_sort_key(&g.name));
    Ok(list)
}

pub fn get(conn: &mut DbConnection, id: i32) -> QueryResult<Option<Group>> {
    let rows: Vec<(i32, i32, String)> = groups::table
        .filter(groups::id.eq(id))
        .select((groups::id, groups::kkr_id, groups::name))
        .load(conn)?;
    Ok(with_members(conn, rows)?.into_iter().next())
}
