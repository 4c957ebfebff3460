//! Names listed in Danish alphabetical order (Æ, Ø, Å after Z) on either backend, whatever
//! the database's collation (PostgreSQL's C collation puts Å before Æ and Ø).

use crate::helpers::*;
use trafiklys::domain::RoundState;
use trafiklys::store::{self, reference, rounds};

#[test]
fn kkrs_and_rounds_are_listed_in_danish_order_on_every_backend() {
    let (url, _keep) = fresh_database();
    let pool = store::connect(&url).expect("database");
    let mut conn = pool.get().expect("connection");
    let deadline = chrono::NaiveDate::from_ymd_opt(2026, 10, 1)
        .unwrap()
        .and_hms_opt(12, 0, 0)
        .unwrap();
    for name in [
        "KKR Åby",
        "KKR Østerå",
        "KKR Zealand",
        "KKR Ærø",
        "KKR Odder",
    ] {
        let kkr_id = reference::ensure_kkr(&mut conn, name).unwrap();
        for year in [2025, 2026] {
            store::write_tx(&mut conn, |conn| {
                rounds::insert_round(
                    conn,
                    &rounds::NewRound {
                        kkr_id,
                        year,
                        title: format!("{name} {year}"),
                        subject: "beskæftigelsesområdet".into(),
                        participants: None,
                        deadline,
                        state: RoundState::Open,
                        focus_areas: Vec::new(),
                    },
                    None,
                    trafiklys::clock::Clock::system().now(),
                )
            })
            .unwrap();
        }
    }
    let danish = [
        "KKR Odder",
        "KKR Zealand",
        "KKR Ærø",
        "KKR Østerå",
        "KKR Åby",
    ];
    let kkrs: Vec<String> = reference::list_kkrs(&mut conn)
        .unwrap()
        .into_iter()
        .map(|k| k.name)
        // The five real KKRs ship with the migrations; these are the test's own.
        .filter(|name| danish.contains(&name.as_str()))
        .collect();
    assert_eq!(kkrs, danish);
    let listed: Vec<(i32, String)> = rounds::list_rounds(&mut conn)
        .unwrap()
        .into_iter()
        .map(|r| (r.year, r.kkr_name))
        .collect();
    let expected: Vec<(i32, String)> = [2026, 2025]
        .into_iter()
        .flat_map(|year| danish.iter().map(move |name| (year, (*name).to_owned())))
        .collect();
    assert_eq!(
        listed, expected,
        "newest year first, then KKR in Danish order"
    );
}
