//! Migrations on this run's backend: from an empty database (up, all the way down, up again),
//! and from this release's schema with data in it to the newest schema.

use diesel::prelude::*;
use diesel_migrations::MigrationHarness;

use crate::helpers::*;
use trafiklys::demo::{self, DemoOutcome};
use trafiklys::domain::{MunicipalityCode, Status, SubmissionState};
use trafiklys::store::schema;
use trafiklys::store::{self, audit, reference, rounds, snapshots, submissions, users};

#[test]
fn migrations_run_from_an_empty_database_down_and_up_again() {
    let (url, _keep) = fresh_database();
    let pool = store::connect(&url).expect("migrated from empty");
    let mut conn = pool.get().expect("connection");
    let all = store::migrations(&conn);
    let reverted = conn
        .revert_all_migrations(all)
        .expect("every down.sql runs")
        .len();
    assert!(reverted > 0);
    let count = store::migrate(&mut conn).expect("up again");
    assert_eq!(count, reverted);
    assert!(matches!(
        demo::load(&mut conn).expect("demo data"),
        DemoOutcome::Loaded(_)
    ));
    assert_eq!(reference::municipality_count(&mut conn).unwrap(), 98);
    assert_eq!(store::migrate(&mut conn).expect("nothing left"), 0);
}

/// The data this release's first schema holds, written with its columns only.
struct ReleaseData {
    submission_id: i32,
    pdf: Vec<u8>,
}

fn fill_release_schema(conn: &mut store::DbConnection) -> ReleaseData {
    let at = chrono::NaiveDate::from_ymd_opt(2026, 3, 1)
        .unwrap()
        .and_hms_opt(9, 30, 0)
        .unwrap();
    let kkr: i32 = diesel::insert_into(schema::kkrs::table)
        .values(schema::kkrs::name.eq("KKR Sjælland"))
        .returning(schema::kkrs::id)
        .get_result(conn)
        .unwrap();
    diesel::insert_into(schema::municipalities::table)
        .values((
            schema::municipalities::code.eq("253"),
            schema::municipalities::name.eq("Greve"),
            schema::municipalities::kkr_id.eq(kkr),
        ))
        .execute(conn)
        .unwrap();
    let editor: i32 = diesel::insert_into(schema::users::table)
        .values((
            schema::users::email.eq("aase@greve.example"),
            schema::users::name.eq("Åse Ørum"),
            schema::users::password_hash.eq("not-a-real-hash"),
            schema::users::role.eq("editor"),
            schema::users::municipality_code.eq(Some("253")),
            schema::users::created_at.eq(at),
        ))
        .returning(schema::users::id)
        .get_result(conn)
        .unwrap();
    let round: i32 = diesel::insert_into(schema::rounds::table)
        .values((
            schema::rounds::kkr_id.eq(kkr),
            schema::rounds::year.eq(2026),
            schema::rounds::title.eq("Status 2026"),
            schema::rounds::deadline.eq(at + chrono::Duration::days(3650)),
            schema::rounds::state.eq("open"),
        ))
        .returning(schema::rounds::id)
        .get_result(conn)
        .unwrap();
    let area: i32 = diesel::insert_into(schema::focus_areas::table)
        .values((
            schema::focus_areas::round_id.eq(round),
            schema::focus_areas::number.eq(1),
            schema::focus_areas::title.eq("Øget samarbejde"),
        ))
        .returning(schema::focus_areas::id)
        .get_result(conn)
        .unwrap();
    let rec: i32 = diesel::insert_into(schema::recommendations::table)
        .values((
            schema::recommendations::focus_area_id.eq(area),
            schema::recommendations::code.eq("1.1"),
            schema::recommendations::text.eq("Kommunerne deler erfaringer."),
            schema::recommendations::binding.eq(true),
            schema::recommendations::position.eq(1),
        ))
        .returning(schema::recommendations::id)
        .get_result(conn)
        .unwrap();
    let submission_id: i32 = diesel::insert_into(schema::submissions::table)
        .values((
            schema::submissions::round_id.eq(round),
            schema::submissions::municipality_code.eq("253"),
            schema::submissions::state.eq("submitted"),
            schema::submissions::submitted_at.eq(Some(at)),
            schema::submissions::submitted_by.eq(Some(editor)),
            schema::submissions::version.eq(3),
            schema::submissions::updated_at.eq(at),
            schema::submissions::updated_by.eq(Some(editor)),
            schema::submissions::proposals.eq("Et nyt område"),
            schema::submissions::reopened.eq(false),
        ))
        .returning(schema::submissions::id)
        .get_result(conn)
        .unwrap();
    diesel::insert_into(schema::answers::table)
        .values((
            schema::answers::submission_id.eq(submission_id),
            schema::answers::recommendation_id.eq(rec),
            schema::answers::status.eq(Some("yellow")),
            schema::answers::comment.eq("I gang – med æ, ø og å"),
            schema::answers::carried.eq(false),
        ))
        .execute(conn)
        .unwrap();
    diesel::insert_into(schema::audit_events::table)
        .values((
            schema::audit_events::at.eq(at),
            schema::audit_events::user_id.eq(Some(editor)),
            schema::audit_events::action.eq("submit"),
            schema::audit_events::entity.eq("submission"),
            schema::audit_events::entity_id.eq(submission_id.to_string()),
            schema::audit_events::after.eq(Some(r#"{"state":"submitted","version":3}"#)),
        ))
        .execute(conn)
        .unwrap();
    let pdf: Vec<u8> = (0..=255u8).chain([0, 0, 255]).collect();
    diesel::insert_into(schema::attachment_snapshots::table)
        .values((
            schema::attachment_snapshots::round_id.eq(round),
            schema::attachment_snapshots::municipality_code.eq("253"),
            schema::attachment_snapshots::created_at.eq(at),
            schema::attachment_snapshots::created_by.eq(editor),
            schema::attachment_snapshots::pdf.eq(&pdf),
            schema::attachment_snapshots::data.eq("{}"),
        ))
        .execute(conn)
        .unwrap();
    ReleaseData { submission_id, pdf }
}

#[test]
fn a_database_with_this_releases_schema_and_data_migrates_to_the_newest_schema() {
    let (url, _keep) = fresh_database();
    let mut conn = store::open(&url).expect("connection");
    let first = conn
        .run_next_migration(store::migrations(&conn))
        .expect("the initial migration")
        .to_string();
    assert_eq!(first, "20261123000001");
    let release = fill_release_schema(&mut conn);

    store::migrate(&mut conn).expect("the later migrations");
    assert_eq!(store::migrate(&mut conn).expect("idempotent"), 0);

    // What was there is read through today's store.
    let greve = MunicipalityCode::parse("253").unwrap();
    let listed = rounds::list_rounds(&mut conn).unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].kkr_name, "KKR Sjælland");
    let round = listed[0].id;
    let stored = submissions::get_submission(&mut conn, round, &greve)
        .unwrap()
        .expect("the submission");
    assert_eq!(stored.id, release.submission_id);
    assert_eq!(stored.version, 3);
    assert_eq!(stored.state, SubmissionState::Submitted);
    assert_eq!(stored.submitted_by.as_deref(), Some("Åse Ørum"));
    assert_eq!(stored.answers.len(), 1);
    assert_eq!(stored.answers[0].status, Some(Status::Yellow));
    assert_eq!(stored.answers[0].comment, "I gang – med æ, ø og å");
    let (user, _) = users::find_by_email(&mut conn, "aase@greve.example")
        .unwrap()
        .expect("the user");
    assert_eq!(user.name, "Åse Ørum");
    let listed = snapshots::list(&mut conn, round, &greve).unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].size, release.pdf.len() as i64);
    let (_, _, bytes) = snapshots::pdf(&mut conn, listed[0].id)
        .unwrap()
        .expect("pdf");
    assert_eq!(bytes, release.pdf);
    let history = audit::history(&mut conn, "submission", &stored.id.to_string()).unwrap();
    assert_eq!(history.len(), 1);

    // And the store writes on it: the form goes back to draft and is saved again.
    let reopened = submissions::reopen(
        &mut conn,
        round,
        &greve,
        3,
        &submissions::Reopening::Reopen {
            reason: "Rettelse".into(),
        },
        user.id,
        trafiklys::clock::Clock::system().now(),
    )
    .unwrap();
    assert!(matches!(reopened, submissions::SaveOutcome::Saved(ref s) if s.version == 4));
    let saved = submissions::save(
        &mut conn,
        &submissions::SaveSubmission {
            round_id: round,
            municipality_code: greve.clone(),
            base_version: 4,
            answers: stored.answers.clone(),
            proposals: String::new(),
            state: SubmissionState::Submitted,
        },
        user.id,
        trafiklys::clock::Clock::system().now(),
    )
    .unwrap();
    assert!(matches!(saved, submissions::SaveOutcome::Saved(ref s) if s.version == 5));
}
