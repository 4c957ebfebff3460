//! `trafiklys backup`: a consistent copy of a SQLite database while the server runs and
//! writes; on PostgreSQL, the advice to use pg_dump.

use std::process::Command;

use crate::helpers::*;
use trafiklys::domain::{Answer, MunicipalityCode, Role, SubmissionState};
use trafiklys::store::{self, submissions, users};

const SAVES: i32 = 40;

#[test]
fn backup_copies_the_database_consistently_while_it_serves_and_changes() {
    let app = spawn_app();
    let start = app.store_form(ROUND_2017, "147", SubmissionState::Draft);
    let admin = users::find_by_email(&mut app.conn(), &app.email(Role::Admin))
        .unwrap()
        .expect("admin")
        .0;
    let dir = tempfile::tempdir().expect("temp dir");
    let copy = dir.path().join("kopi.db");

    // One save after another, each giving every answer the comment «Version n», while the
    // backup runs.
    let output = std::thread::scope(|scope| {
        scope.spawn(|| {
            for n in 1..=SAVES {
                let answers = start
                    .answers
                    .iter()
                    .map(|a| Answer {
                        comment: format!("Version {}", start.version + n),
                        ..a.clone()
                    })
                    .collect();
                let save = submissions::SaveSubmission {
                    round_id: ROUND_2017,
                    municipality_code: MunicipalityCode::parse("147").unwrap(),
                    base_version: start.version + n - 1,
                    answers,
                    proposals: String::new(),
                    state: SubmissionState::Draft,
                };
                let outcome = submissions::save(
                    &mut app.conn(),
                    &save,
                    admin.id,
                    trafiklys::clock::Clock::system().now(),
                )
                .unwrap();
                assert!(matches!(outcome, submissions::SaveOutcome::Saved(_)));
            }
        });
        app.cli(&["backup", copy.to_str().expect("path")])
    });
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);

    if app.backend == Backend::Postgres {
        assert!(!output.status.success());
        assert!(stderr.contains("pg_dump"), "{stderr}");
        assert!(!copy.exists());
        return;
    }
    assert!(output.status.success(), "{stdout} {stderr}");
    assert!(
        stdout.contains("Wrote a copy of the SQLite file"),
        "{stdout}"
    );
    // The server kept serving.
    assert_eq!(app.get(&client(), "/healthz").status, 200);

    // The copy holds one whole save: its version and every answer's comment agree.
    let pool = store::connect(copy.to_str().unwrap()).expect("the copy opens");
    let copied = submissions::get_submission(
        &mut pool.get().unwrap(),
        ROUND_2017,
        &MunicipalityCode::parse("147").unwrap(),
    )
    .unwrap()
    .expect("the form is in the copy");
    assert!((start.version..=start.version + SAVES).contains(&copied.version));
    let expected = if copied.version == start.version {
        start.answers[0].comment.clone()
    } else {
        format!("Version {}", copied.version)
    };
    assert!(copied.answers.iter().all(|a| a.comment == expected));

    // A backup never overwrites a file.
    let again = Command::new(BINARY)
        .arg("backup")
        .arg(&copy)
        .env("TRAFIKLYS_DATABASE_URL", &app.database_url)
        .output()
        .expect("run trafiklys backup");
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("exists already"));
}
