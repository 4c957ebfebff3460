//! Reference data: the KKRs and the municipalities that belong to them.

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
        .first(conn)
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
        })
        .execute(conn)
        .map(|_| ())
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
        .first(conn)
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
