//! The accessibility statement (tilgængelighedserklæring): one row that an admin keeps up to
//! date, with the fields the Danish Agency for Digital Government's statement asks for.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::audit::{self, AuditEntry};
use super::schema::accessibility_statement as st;
use super::{write_tx, DbConnection};
use crate::domain::events::{self as ev, Event};

pub use crate::domain::installation::Statement;

/// The stored statement with who last changed it.
#[derive(Debug, Clone, Serialize)]
pub struct StoredStatement {
    pub statement: Statement,
    pub updated_at: NaiveDateTime,
}

type Row = (
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    NaiveDateTime,
);

/// The statement, if an admin has written one.
pub fn get(conn: &mut DbConnection) -> QueryResult<Option<StoredStatement>> {
    let row: Option<Row> = st::table
        .filter(st::id.eq(1))
        .select((
            st::organisation,
            st::website,
            st::compliance,
            st::nonaccessible,
            st::evaluation_method,
            st::evaluation_description,
            st::evaluation_report_url,
            st::contact_email,
            st::contact_phone,
            st::prepared_on,
            st::reviewed_on,
            st::updated_at,
        ))
        .get_result(conn)
        .optional()?;
    Ok(row.map(|r| StoredStatement {
        statement: Statement {
            organisation: r.0,
            website: r.1,
            compliance: r.2,
            nonaccessible: r.3,
            evaluation_method: r.4,
            evaluation_description: r.5,
            evaluation_report_url: r.6,
            contact_email: r.7,
            contact_phone: r.8,
            prepared_on: r.9,
            reviewed_on: r.10,
        },
        updated_at: r.11,
    }))
}

/// Writes the statement (a first save inserts it) and its audit row, in one transaction.
pub fn save(
    conn: &mut DbConnection,
    statement: &Statement,
    actor_id: i32,
    now: NaiveDateTime,
) -> QueryResult<()> {
    write_tx(conn, |conn| {
        let before = get(conn)?.map(|s| s.statement);
        let values = (
            st::organisation.eq(&statement.organisation),
            st::website.eq(&statement.website),
            st::compliance.eq(&statement.compliance),
            st::nonaccessible.eq(&statement.nonaccessible),
            st::evaluation_method.eq(&statement.evaluation_method),
            st::evaluation_description.eq(&statement.evaluation_description),
            st::evaluation_report_url.eq(&statement.evaluation_report_url),
            st::contact_email.eq(&statement.contact_email),
            st::contact_phone.eq(&statement.contact_phone),
            st::prepared_on.eq(&statement.prepared_on),
            st::reviewed_on.eq(&statement.reviewed_on),
            st::updated_at.eq(now),
            st::updated_by.eq(Some(actor_id)),
        );
        if before.is_some() {
            diesel::update(st::table.filter(st::id.eq(1)))
                .set(values)
                .execute(conn)?;
        } else {
            diesel::insert_into(st::table)
                .values((st::id.eq(1), values))
                .execute(conn)?;
        }
        audit::record(
            conn,
            AuditEntry {
                user_id: Some(actor_id),
                entity_id: "1".into(),
                event: Event::AccessibilityStatement(ev::StatementEvent::Update {
                    before,
                    after: statement.clone(),
                }),
            },
            now,
        )
    })
}
