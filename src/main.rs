//! The `trafiklys` binary: parses the command line and runs the chosen command.

use clap::Parser;
use tracing_subscriber::EnvFilter;

fn main() -> std::process::ExitCode {
    let filter =
        EnvFilter::try_from_env("TRAFIKLYS_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    // `TRAFIKLYS_LOG_FORMAT=json`: one JSON object per line, with the request's span (and so
    // its request id) in every line written while serving it.
    if std::env::var("TRAFIKLYS_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json")) {
        tracing_subscriber::fmt()
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .init();
    } else {
        use std::io::IsTerminal;
        tracing_subscriber::fmt()
            .with_ansi(std::io::stderr().is_terminal())
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .init();
    }
    let cli = trafiklys::cli::Cli::parse();
    match trafiklys::cli::run(cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
