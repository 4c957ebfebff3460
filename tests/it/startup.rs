//! Start-up errors name their real cause, and a bad database URL never leaves a SQLite file
//! behind.

use std::process::{Command, Output};

const BINARY: &str = env!("CARGO_BIN_EXE_trafiklys");

/// `trafiklys serve` in an empty working folder; returns its output and what it left there.
fn serve_with(database_url: &str, secret: Option<&str>) -> (Output, Vec<String>) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut command = Command::new(BINARY);
    command
        .args(["serve", "--bind", "127.0.0.1:0"])
        .current_dir(dir.path())
        .env("TRAFIKLYS_DATABASE_URL", database_url)
        .env("TRAFIKLYS_LOG", "warn")
        .env_remove("TRAFIKLYS_SECRET_KEY");
    if let Some(secret) = secret {
        command.env("TRAFIKLYS_SECRET_KEY", secret);
    }
    let output = command.output().expect("run trafiklys");
    let left: Vec<String> = std::fs::read_dir(dir.path())
        .expect("read dir")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    (output, left)
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

const SECRET: &str = "a-secret-key-that-is-long-enough-0123456789";

#[test]
fn an_unreachable_postgresql_server_is_a_start_error_naming_the_cause() {
    // Nothing listens on port 1.
    let (output, left) = serve_with(
        "postgres://trafiklys:hemmelig@127.0.0.1:1/trafiklys",
        Some(SECRET),
    );
    assert!(!output.status.success());
    let message = stderr(&output);
    assert!(
        message.contains(
            "could not connect to PostgreSQL at postgres://trafiklys:***@127.0.0.1:1/trafiklys"
        ),
        "{message}"
    );
    assert!(message.contains("refused"), "libpq's reason: {message}");
    assert!(!message.contains("hemmelig"), "the password is never shown");
    assert!(left.is_empty(), "no SQLite file made instead: {left:?}");
}

#[test]
fn an_unknown_database_scheme_is_a_start_error() {
    let (output, left) = serve_with("mysql://localhost/trafiklys", Some(SECRET));
    assert!(!output.status.success());
    let message = stderr(&output);
    assert!(
        message.contains("«mysql://localhost/trafiklys» is not supported"),
        "{message}"
    );
    assert!(message.contains("postgres://"), "says what is: {message}");
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn serve_on_postgresql_refuses_a_missing_or_short_secret_key() {
    let url = "postgres://postgres@127.0.0.1:1/trafiklys";
    let (output, _) = serve_with(url, None);
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("TRAFIKLYS_SECRET_KEY must be set"),
        "{}",
        stderr(&output)
    );
    let (output, _) = serve_with(url, Some("too short"));
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("at least 32 bytes"),
        "{}",
        stderr(&output)
    );
}
