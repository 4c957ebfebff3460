//! The benchmark's national dataset generator: deterministic, and what it promises.

use crate::helpers::*;
use trafiklys::store::bench_data::{self, NationalParams};
use trafiklys::store::{self, rounds};

fn generate(params: &NationalParams) -> (bench_data::NationalCounts, store::DbPool, FreshDatabase) {
    let (url, guard) = fresh_database();
    let pool = store::connect(&url).expect("database");
    let counts = bench_data::national(
        &mut pool.get().expect("connection"),
        params,
        "x",
        trafiklys::clock::Clock::system().now(),
    )
    .expect("generated");
    (counts, pool, guard)
}

#[test]
fn the_national_dataset_is_the_same_for_the_same_seed_and_links_each_round_to_the_last() {
    let params = NationalParams {
        years: 3,
        focus_areas: 2,
        recommendations_per_area: 3,
        ..NationalParams::default()
    };
    let (first, pool, _guard) = generate(&params);
    let (second, _, _guard2) = generate(&params);
    assert_eq!(first, second, "same parameters, same data");
    assert_eq!(first.kkrs, 5);
    assert_eq!(first.municipalities, 98);
    assert_eq!(first.rounds, 15);
    assert_eq!(first.recommendations, 15 * 6);
    assert_eq!(first.submissions, 98 * 3);
    assert_eq!(first.answers, 98 * 3 * 6, "every form answered in full");
    assert_eq!(first.users, 5 * 2 + 98 * 2);
    let (other_seed, _, _guard3) = generate(&NationalParams {
        seed: 2,
        ..params.clone()
    });
    assert_ne!(
        first.digest, other_seed.digest,
        "another seed, other answers"
    );
    assert_eq!(first.answers, other_seed.answers);

    // Each KKR's latest round is open and continues the one before it; the analysis reads
    // every answer of it.
    let mut conn = pool.get().expect("connection");
    let all = rounds::list_rounds(&mut conn).expect("rounds");
    let latest: Vec<_> = all.iter().filter(|r| r.year == 2018).collect();
    assert_eq!(latest.len(), 5);
    for round in latest {
        assert_eq!(round.state, trafiklys::domain::RoundState::Open);
        let content = rounds::load_content(&mut conn, round.id).unwrap().unwrap();
        assert!(content
            .recommendations
            .iter()
            .all(|r| r.carried_from.is_some()));
        let analysis = rounds::analyse_round(&mut conn, round.id).unwrap().unwrap();
        assert_eq!(analysis.trend.rounds.len(), 3, "{}", round.kkr_name);
        assert_eq!(
            analysis.summary.submitted_count + 1,
            analysis.summary.municipality_count,
            "one draft per KKR's open round"
        );
    }
}
