//! Hearing of the data version's changes (PostgreSQL): every committed change of the
//! `data_version` row is told on a channel (the migration `version_notices`), and a process
//! that listens knows the current version without asking for it on every request.

use diesel::prelude::*;
use diesel::PgConnection;

use super::schema::data_version;
use super::users::Versions;
use super::{DbConnection, DbPool};

/// The channel the migration's trigger tells on.
const CHANNEL: &str = "trafiklys_versions";

/// A connection of its own that listens on the channel: not from the pool, since it stays
/// open for as long as the process runs.
pub struct Listener {
    conn: PgConnection,
}

impl Listener {
    /// Opens the connection, listens, and reads the versions: everything committed after that
    /// read is told. `Ok(None)` on SQLite, where there is nothing to listen to.
    pub fn open(pool: &DbPool) -> Result<Option<(Listener, Versions)>, String> {
        if !pool.is_postgres() {
            return Ok(None);
        }
        let DbConnection::Postgres(conn) = pool.manager.open().map_err(|e| e.to_string())? else {
            return Ok(None);
        };
        let mut listener = Listener { conn };
        diesel::sql_query(format!("LISTEN {CHANNEL}"))
            .execute(&mut listener.conn)
            .map_err(|e| e.to_string())?;
        let versions = listener.read().map_err(|e| e.to_string())?;
        Ok(Some((listener, versions)))
    }

    /// The versions as they are now (a round trip, which also shows the server still answers).
    pub fn read(&mut self) -> QueryResult<Versions> {
        read_versions(&mut self.conn)
    }

    /// The newest versions told since the last call, without waiting: `None` when nothing was
    /// told. `Err` when the connection failed.
    pub fn told(&mut self) -> QueryResult<Option<Versions>> {
        let mut newest: Option<Versions> = None;
        for notification in self.conn.notifications_iter() {
            let notification = notification?;
            if notification.channel != CHANNEL {
                continue;
            }
            if let Some(told) = parse(&notification.payload) {
                newest = Some(newest.map_or(told, |seen| seen.max(told)));
            }
        }
        Ok(newest)
    }
}

/// The three markers as they are now, in one statement, on any connection (the listener's,
/// a write transaction's, the pool's).
pub fn read_versions<C>(conn: &mut C) -> QueryResult<Versions>
where
    C: Connection,
    for<'a> MarkersQuery: diesel::query_dsl::LoadQuery<'a, C, (i64, i64, i64)>,
{
    let (data, shown, accounts) = data_version::table
        .find(1)
        .select((
            data_version::version,
            data_version::shown,
            data_version::accounts,
        ))
        .get_result::<(i64, i64, i64)>(conn)?;
    Ok(Versions {
        data,
        shown,
        accounts,
    })
}

/// The statement [`read_versions`] runs.
type MarkersQuery = diesel::dsl::Select<
    diesel::dsl::Find<data_version::table, i32>,
    (
        data_version::version,
        data_version::shown,
        data_version::accounts,
    ),
>;

/// The versions a notification tells: "<version> <shown> <accounts>".
fn parse(payload: &str) -> Option<Versions> {
    let mut markers = payload.split(' ').map(|marker| marker.parse::<i64>().ok());
    let versions = Versions {
        data: markers.next()??,
        shown: markers.next()??,
        accounts: markers.next()??,
    };
    markers.next().is_none().then_some(versions)
}

impl Versions {
    /// Each marker at the newer of the two (they only ever move forward).
    pub fn max(self, other: Versions) -> Versions {
        Versions {
            data: self.data.max(other.data),
            shown: self.shown.max(other.shown),
            accounts: self.accounts.max(other.accounts),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(data: i64, shown: i64, accounts: i64) -> Versions {
        Versions {
            data,
            shown,
            accounts,
        }
    }

    #[test]
    fn a_notification_tells_the_three_markers_and_anything_else_is_ignored() {
        assert_eq!(parse("42 17 3"), Some(at(42, 17, 3)));
        assert_eq!(parse("42 17"), None);
        assert_eq!(parse("42 17 3 1"), None);
        assert_eq!(parse("42 x 3"), None);
        assert_eq!(parse(""), None);
        assert_eq!(at(43, 17, 2).max(at(42, 18, 3)), at(43, 18, 3));
    }
}
