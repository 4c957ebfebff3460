//! The PostgreSQL pass: when `TRAFIKLYS_TEST_POSTGRES_URL` is set, this test runs the whole
//! integration suite again (this same test binary, every test) with
//! `TRAFIKLYS_TEST_BACKEND=postgres`, so that each test's `spawn_app()` gets a PostgreSQL
//! database of its own. A test file needs nothing to take part.
//!
//! Run only the PostgreSQL pass, or a part of it, directly:
//! `TRAFIKLYS_TEST_BACKEND=postgres TRAFIKLYS_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test cargo test --test it forms::`

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use crate::helpers::{backend, postgres_url, Backend, BACKEND_VAR, POSTGRES_URL_VAR};

const THIS_TEST: &str = "the_whole_integration_suite_passes_on_postgresql";

#[test]
fn the_whole_integration_suite_passes_on_postgresql() {
    if backend() == Backend::Postgres {
        println!("this process is the PostgreSQL pass itself");
        return;
    }
    let Some(url) = postgres_url() else {
        println!(
            "skipped: the integration suite on PostgreSQL needs {POSTGRES_URL_VAR} \
             (e.g. postgres://postgres@127.0.0.1:5432/test)"
        );
        return;
    };
    let mut child = Command::new(std::env::current_exe().expect("test binary"))
        .args(["--skip", THIS_TEST])
        .env(BACKEND_VAR, "postgres")
        .env(POSTGRES_URL_VAR, &url)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("run the test binary again");
    // Passed on line by line: libtest shows it when this test fails (or with --nocapture).
    let mut summary = String::new();
    for line in BufReader::new(child.stdout.take().expect("stdout")).lines() {
        let line = line.expect("output");
        println!("[postgres] {line}");
        if line.starts_with("test result:") {
            summary = line;
        }
    }
    let status = child.wait().expect("test binary ran");
    assert!(
        status.success(),
        "the integration suite failed on PostgreSQL ({summary}); its output is above"
    );
}
