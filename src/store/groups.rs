//! Groups of a KKR's municipalities: created, renamed, given members and removed by the KKR's
//! admins; read by the dashboards to narrow a round to a group.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::audit::{self, AuditEntry};
use super::rows::parse_code;
use super::schema::{municipality_group_members as members, municipality_groups as groups};
use super::{write_tx, DbConnection};
use crate::domain::events::{self as ev, Event};
use crate::domain::group::Group;
use crate::domain::MunicipalityCode;

/// What a change to a group can run into besides a database error.
#[derive(Debug, thiserror::Error)]
pub enum GroupError {
    #[error("the KKR already has a group with that name")]
    DuplicateName,
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
    actor: i32,
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
                user_id: Some(actor),
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
) -> QueryResult<()> {
    write_tx(conn, |conn| {
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
