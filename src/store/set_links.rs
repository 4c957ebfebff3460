//! Writes an imported set's links to the previous round ("Tidligere nr."): each
//! recommendation's `carried_from` (its own predecessor) and the recommendations merged into
//! it. Runs inside the import's transaction, after the set itself is written.

use diesel::prelude::*;

use super::schema::{focus_areas, recommendation_merges, recommendations};
use super::DbConnection;
use crate::domain::set_lineage::PlannedLinks;

/// Replaces the links of the round's recommendations named in `plan` (by number) with the
/// planned ones. A number the round does not hold is skipped: the plan was made from the same
/// file the set was written from, so every number is there.
pub fn write_links(conn: &mut DbConnection, round_id: i32, plan: &PlannedLinks) -> QueryResult<()> {
    let ids: Vec<(i32, String)> = recommendations::table
        .inner_join(focus_areas::table)
        .filter(focus_areas::round_id.eq(round_id))
        .select((recommendations::id, recommendations::code))
        .load(conn)?;
    for link in &plan.links {
        let Some((id, _)) = ids.iter().find(|(_, code)| *code == link.code) else {
            continue;
        };
        let own = link.from.first().map(|(from, _)| *from);
        diesel::update(recommendations::table.find(id))
            .set(recommendations::carried_from.eq(own))
            .execute(conn)?;
        diesel::delete(
            recommendation_merges::table.filter(recommendation_merges::recommendation_id.eq(id)),
        )
        .execute(conn)?;
        for (merged, _) in link.from.iter().skip(1) {
            diesel::insert_into(recommendation_merges::table)
                .values((
                    recommendation_merges::recommendation_id.eq(id),
                    recommendation_merges::merged_from.eq(merged),
                ))
                .execute(conn)?;
        }
    }
    Ok(())
}
