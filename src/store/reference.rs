//! Reference data: the KKRs and the municipalities that belong to them.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::rows::{MunicipalityInsertForm, MunicipalityRow};
use super::schema::{kkrs, municipalities};
use super::DbConnection;
use crate::domain::{danish_sort_key, Kkr, Municipality, MunicipalityCode};

/// The KKR's id, inserting it first if it is new.
pub fn ensure_kkr(conn: &mut DbConnection, name: &str) -> QueryResult<i32> {
    if let Some(id) = kkr_by_name(conn, name)? {
        return Ok(id);
    }
    diesel::insert_into(kkrs::table)
        .values(kkrs::name.eq(name))
        .returning(kkrs::id)
        .get_result(conn)
}

pub fn kkr_by_name(conn: &mut DbConnection, name: &str) -> QueryResult<Option<i32>> {
    kkrs::table
        .filter(kkrs::name.eq(name))
        .select(kkrs::id)
        .get_result(conn)
        .optional()
}

/// The KKRs in Danish name order (sorted here: the database's collation may not know æ, ø, å).
pub fn list_kkrs(conn: &mut DbConnection) -> QueryResult<Vec<Kkr>> {
    let mut list: Vec<Kkr> = kkrs::table
        .load::<(i32, String)>(conn)?
        .into_iter()
        .map(|(id, name)| Kkr { id, name })
        .collect();
    list.sort_by_cached_key(|k| danish_sort_key(&k.name));
    Ok(list)
}

pub fn insert_municipality(
    conn: &mut DbConnection,
    code: &MunicipalityCode,
    name: &str,
    kkr_id: i32,
) -> QueryResult<()> {
    diesel::insert_into(municipalities::table)
        .values(MunicipalityInsertForm {
            code: code.as_str(),
            name,
            kkr_id,
            council_name: "Kommunalbestyrelsen",
        })
        .execute(conn)
        .map(|_| ())
}

/// Every municipality, in Danish name order.
pub fn list_municipalities(conn: &mut DbConnection) -> QueryResult<Vec<Municipality>> {
    let mut list = municipalities::table
        .select(MunicipalityRow::as_select())
        .load(conn)?
        .into_iter()
        .map(MunicipalityRow::into_domain)
        .collect::<QueryResult<Vec<_>>>()?;
    list.sort_by_cached_key(|m| danish_sort_key(&m.name));
    Ok(list)
}

pub fn kkr_name(conn: &mut DbConnection, kkr_id: i32) -> QueryResult<Option<String>> {
    kkrs::table
        .find(kkr_id)
        .select(kkrs::name)
        .get_result(conn)
        .optional()
}

/// Corrects the name of a municipality's council ("Byrådet"), with an audit row, in one
/// transaction.
pub fn set_council_name(
    conn: &mut DbConnection,
    code: &MunicipalityCode,
    council_name: &str,
    actor: Option<i32>,
    now: NaiveDateTime,
) -> QueryResult<()> {
    super::write_tx(conn, |conn| {
        let before: String = municipalities::table
            .find(code.as_str())
            .select(municipalities::council_name)
            .get_result(conn)?;
        diesel::update(municipalities::table.find(code.as_str()))
            .set(municipalities::council_name.eq(council_name))
            .execute(conn)?;
        super::audit::record(
            conn,
            super::audit::AuditEntry {
                user_id: actor,
                entity_id: code.to_string(),
                event: crate::domain::events::Event::Municipality(
                    crate::domain::events::MunicipalityEvent::SetCouncilName {
                        before: crate::domain::events::CouncilName {
                            council_name: before,
                        },
                        after: crate::domain::events::CouncilName {
                            council_name: council_name.to_owned(),
                        },
                    },
                ),
            },
            now,
        )
    })
}

pub fn municipality_count(conn: &mut DbConnection) -> QueryResult<i64> {
    municipalities::table.count().get_result(conn)
}

pub fn get_municipality(
    conn: &mut DbConnection,
    code: &MunicipalityCode,
) -> QueryResult<Option<Municipality>> {
    municipalities::table
        .find(code.as_str())
        .select(MunicipalityRow::as_select())
        .get_result(conn)
        .optional()?
        .map(MunicipalityRow::into_domain)
        .transpose()
}

/// A KKR's municipalities in Danish name order.
pub fn municipalities_of_kkr(
    conn: &mut DbConnection,
    kkr_id: i32,
) -> QueryResult<Vec<Municipality>> {
    let mut list = municipalities::table
        .filter(municipalities::kkr_id.eq(kkr_id))
        .select(MunicipalityRow::as_select())
        .load(conn)?
        .into_iter()
        .map(MunicipalityRow::into_domain)
        .collect::<QueryResult<Vec<_>>>()?;
    list.sort_by_cached_key(|m| danish_sort_key(&m.name));
    Ok(list)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    struct Record {
        code: String,
        name: String,
        kkr: String,
        council: String,
    }

    #[test]
    fn a_fresh_database_holds_the_bundled_municipalities_and_kkrs() {
        let dir = tempfile::tempdir().unwrap();
        let pool = crate::store::connect(dir.path().join("t.db").to_str().unwrap()).unwrap();
        let mut conn = pool.get().unwrap();
        let records: Vec<Record> =
            csv::Reader::from_reader(include_str!("../../data/municipalities.csv").as_bytes())
                .deserialize()
                .collect::<Result<_, _>>()
                .unwrap();
        assert_eq!(records.len(), 98);
        let kkrs = list_kkrs(&mut conn).unwrap();
        assert_eq!(kkrs.len(), 5);
        let stored = list_municipalities(&mut conn).unwrap();
        assert_eq!(stored.len(), 98);
        for record in &records {
            let m = stored
                .iter()
                .find(|m| m.code.as_str() == record.code)
                .unwrap();
            let kkr = kkrs.iter().find(|k| k.id == m.kkr_id).unwrap();
            assert_eq!(
                (m.name.as_str(), kkr.name.as_str(), m.council_name.as_str()),
                (
                    record.name.as_str(),
                    record.kkr.as_str(),
                    record.council.as_str()
                )
            );
        }
        let kbh = stored.iter().find(|m| m.code.as_str() == "101").unwrap();
        assert_eq!(kbh.council_name, "Borgerrepræsentationen");
        assert!(!crate::store::holds_rounds_or_users(&mut conn).unwrap());
    }
}
