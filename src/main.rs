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
    if matches!(cli.command, trafiklys::cli::Command::Serve(_)) {
        tune_malloc();
    }
    match trafiklys::cli::run(cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Two glibc malloc settings for the long-running server, each measured on its peak memory:
///
/// - glibc gives every thread that allocates its own malloc arena (up to eight per core), and
///   freed memory stays in the arena it came from; under load the server's worker and
///   blocking threads each held tens of megabytes that way. Two arenas measured about as fast
///   and several megabytes smaller at peak.
/// - glibc raises its mmap threshold to the size of every large block freed, so after the
///   first sign-in (argon2 hashes in 19 MiB of memory) every later hash, and typst's larger
///   buffers, came from the heap, and the heap kept them resident after they were freed: a
///   fixed threshold of 1 MiB hands such blocks back to the system when they are freed.
///   A fixed threshold also fixes the trim threshold at its default of 128 kB, so every freed
///   response of a large page (the national dashboard is 145 kB) shrank the heap and the next
///   faulted it in again: 40 % fewer requests per second, measured. Free memory at the top of
///   the heap is kept up to 4 MiB.
///
/// Only for `serve`: `export all` renders on every core at once, and its threads would wait
/// for each other's arena.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn tune_malloc() {
    // SAFETY: mallopt only tunes the allocator; it runs in main before any thread starts.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 4 << 20);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn tune_malloc() {}
