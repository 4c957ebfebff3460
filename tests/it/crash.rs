//! Crash safety: the real binary on SQLite, several sessions saving forms at once, killed with
//! SIGKILL at random moments and started again. Every save that was acknowledged (303) must be
//! in the database with its audit rows, no save may be half-written, and SQLite's integrity
//! check must pass after every kill.
//!
//! The default run kills the process 8 times; `TRAFIKLYS_CRASH_CYCLES=25 cargo test --test it
//! crash` runs the full length (see README, "Security and reliability").

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use diesel::prelude::*;
use diesel::sql_types::Text;
use rand::{Rng, SeedableRng};

use crate::binary::Server;
use crate::helpers::{client, csrf_from, hidden_value, recommendation_ids};
use trafiklys::domain::{MunicipalityCode, Role, SubmissionState};
use trafiklys::store::{self, rounds, submissions};

const ROUND: i32 = 2;
const WRITERS: usize = 4;

/// A save the server acknowledged: which form, its marker, and the version it made.
#[derive(Debug, Clone)]
struct Acknowledged {
    code: String,
    seq: u64,
    marker: String,
}

fn marker(writer: usize, seq: u64) -> String {
    format!("crash-w{writer}-s{seq:06}")
}

/// One session saving one municipality's form.
struct Writer {
    server_url: String,
    email: String,
    password: String,
    number: usize,
    code: String,
}

/// Saves the writer's form again and again until the server goes away. Returns the highest
/// sequence number it sent.
fn write_until_gone(
    writer: &Writer,
    mut seq: u64,
    acknowledged: &Mutex<Vec<Acknowledged>>,
    stop: &AtomicBool,
) -> u64 {
    let Writer {
        server_url,
        email,
        password,
        number,
        code,
    } = writer;
    let agent = client();
    let url = |path: &str| format!("{server_url}{path}");
    let Ok(mut login) = agent.get(&url("/login")).call() else {
        return seq;
    };
    let Ok(page) = login.body_mut().read_to_string() else {
        return seq;
    };
    let token = csrf_from(&page);
    let signed_in = agent.post(&url("/login")).send_form([
        ("email", email.as_str()),
        ("password", password.as_str()),
        ("csrf_token", token.as_str()),
        ("next", "/"),
    ]);
    if !signed_in.is_ok_and(|r| r.status() == 303) {
        return seq;
    }
    let form = format!("/rounds/{ROUND}/municipalities/{code}/form");
    while !stop.load(Ordering::Relaxed) {
        let Ok(mut response) = agent.get(&url(&form)).call() else {
            break;
        };
        assert_eq!(response.status(), 200, "the form page");
        let Ok(page) = response.body_mut().read_to_string() else {
            break;
        };
        seq += 1;
        let mark = marker(*number, seq);
        let mut fields = vec![
            ("csrf_token".to_owned(), csrf_from(&page)),
            ("version".to_owned(), hidden_value(&page, "version")),
            ("action".to_owned(), "save".to_owned()),
            ("proposals".to_owned(), mark.clone()),
        ];
        for id in recommendation_ids(&page) {
            fields.push((format!("status-{id}"), "yellow".to_owned()));
            fields.push((format!("comment-{id}"), format!("{mark} svar {id}")));
        }
        let sent = agent
            .post(&url(&form))
            .send_form(fields.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        match sent {
            Ok(r) if r.status() == 303 => acknowledged.lock().unwrap().push(Acknowledged {
                code: code.clone(),
                seq,
                marker: mark,
            }),
            Ok(r) => panic!("a save was answered {}", r.status()),
            Err(_) => break,
        }
    }
    seq
}

/// How many audit events of each action name each save marker (the answers one save changed
/// share a row, "answers", and count one each, as "answer").
fn audit_rows_by_marker(conn: &mut store::PooledDb) -> HashMap<(String, String), i64> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = Text)]
        action: String,
        #[diesel(sql_type = Text)]
        after: String,
    }
    let rows: Vec<Row> = diesel::sql_query(
        "SELECT action, after FROM audit_events \
         WHERE action IN ('save', 'answer', 'answers') AND after LIKE '%crash-w%'",
    )
    .load(conn)
    .unwrap();
    let mut counts = HashMap::new();
    for row in rows {
        let start = row.after.find("crash-w").unwrap();
        let marker: String = row.after[start..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect();
        let (action, events) = match row.action.as_str() {
            "answers" => (
                "answer".to_owned(),
                row.after.matches(&marker).count() as i64,
            ),
            _ => (row.action, 1),
        };
        *counts.entry((action, marker)).or_insert(0) += events;
    }
    counts
}

fn integrity_ok(db: &std::path::Path) {
    #[derive(QueryableByName)]
    struct Check {
        #[diesel(sql_type = Text)]
        integrity_check: String,
    }
    let mut conn = diesel::SqliteConnection::establish(db.to_str().unwrap()).unwrap();
    let rows: Vec<Check> = diesel::sql_query("PRAGMA integrity_check")
        .load(&mut conn)
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].integrity_check, "ok");
}

#[test]
fn acknowledged_saves_survive_sigkill_whole_and_with_their_audit_rows() {
    let cycles: usize = std::env::var("TRAFIKLYS_CRASH_CYCLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(8);
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("crash.db");
    let env = [("TRAFIKLYS_LOG", "warn")];

    let first = Server::start(&db, &["--demo"], &env);
    let (email, password) = first.sign_in_of(Role::Admin);
    // Forms that are not submitted, so the admin may keep saving drafts.
    let codes: Vec<String> = {
        let pool = store::connect(db.to_str().unwrap()).unwrap();
        let mut conn = pool.get().unwrap();
        let content = rounds::load_content(&mut conn, ROUND).unwrap().unwrap();
        content
            .municipalities
            .iter()
            .map(|m| m.code.clone())
            .filter(|code| {
                submissions::get_submission(&mut conn, ROUND, code)
                    .unwrap()
                    .is_none_or(|s| s.state == SubmissionState::Draft)
            })
            .map(|c| c.to_string())
            .take(WRITERS)
            .collect()
    };
    assert_eq!(codes.len(), WRITERS, "enough open forms in the demo round");
    first.kill();

    let acknowledged = Arc::new(Mutex::new(Vec::<Acknowledged>::new()));
    let mut sent: Vec<u64> = vec![0; WRITERS];
    let mut rng = rand::rngs::StdRng::seed_from_u64(0x7261_6669_6b6c_7973);
    for _ in 0..cycles {
        let server = Server::start(&db, &[], &env);
        let stop = Arc::new(AtomicBool::new(false));
        let writers: Vec<_> = (0..WRITERS)
            .map(|w| {
                let writer = Writer {
                    server_url: server.address.clone(),
                    email: email.clone(),
                    password: password.clone(),
                    number: w,
                    code: codes[w].clone(),
                };
                let (acknowledged, stop, seq) =
                    (Arc::clone(&acknowledged), Arc::clone(&stop), sent[w]);
                std::thread::spawn(move || write_until_gone(&writer, seq, &acknowledged, &stop))
            })
            .collect();
        // Let the writers sign in and save for a while, then kill in the middle of it.
        std::thread::sleep(Duration::from_millis(rng.gen_range(300..1200)));
        server.kill();
        stop.store(true, Ordering::Relaxed);
        for (w, handle) in writers.into_iter().enumerate() {
            sent[w] = handle.join().expect("writer");
        }
        integrity_ok(&db);
    }

    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(
        acknowledged.len() >= cycles,
        "too few saves to test anything: {}",
        acknowledged.len()
    );
    let pool = store::connect(db.to_str().unwrap()).unwrap();
    let mut conn = pool.get().unwrap();
    let recommendations = rounds::load_content(&mut conn, ROUND)
        .unwrap()
        .unwrap()
        .recommendations
        .len() as i64;
    let audit = audit_rows_by_marker(&mut conn);
    for save in &acknowledged {
        let rows = |action: &str| {
            audit
                .get(&(action.to_owned(), save.marker.clone()))
                .copied()
                .unwrap_or(0)
        };
        assert_eq!(rows("save"), 1, "the save row of {save:?}");
        assert_eq!(
            rows("answer"),
            recommendations,
            "one answer's change per recommendation of {save:?}"
        );
    }
    // Each form holds one whole save: the last acknowledged one, or the one that was on its
    // way when the process died.
    let mut last: HashMap<&str, u64> = HashMap::new();
    for save in &acknowledged {
        let entry = last.entry(save.code.as_str()).or_default();
        *entry = (*entry).max(save.seq);
    }
    for (w, code) in codes.iter().enumerate() {
        let stored =
            submissions::get_submission(&mut conn, ROUND, &MunicipalityCode::parse(code).unwrap())
                .unwrap()
                .unwrap();
        let Some(&last_ack) = last.get(code.as_str()) else {
            continue;
        };
        let seq: u64 = stored
            .proposals
            .strip_prefix(&format!("crash-w{w}-s"))
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("form {code} holds {:?}", stored.proposals));
        assert!(
            (last_ack..=sent[w]).contains(&seq),
            "form {code}: save {seq}, last acknowledged {last_ack}, last sent {}",
            sent[w]
        );
        assert_eq!(stored.answers.len() as i64, recommendations);
        for answer in &stored.answers {
            assert!(
                answer
                    .comment
                    .starts_with(&format!("{} svar", stored.proposals)),
                "form {code} is half one save and half another: {:?}",
                answer.comment
            );
        }
    }
    eprintln!(
        "crash test: {cycles} kills, {} acknowledged saves checked",
        acknowledged.len()
    );
}
