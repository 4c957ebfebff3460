//! What an operator relies on: Prometheus metrics, a request id in every response, error page
//! and log line of a request, and JSON logs on request.

use crate::binary::Server;
use crate::helpers::*;
use trafiklys::domain::Role;

#[test]
fn metrics_count_requests_by_route_and_status_and_time_pdfs() {
    let app = spawn_app();
    let agent = app.signed_in(Role::Reader);
    assert_eq!(app.get(&agent, "/rounds/2").status, 200);
    assert_eq!(app.get(&agent, "/rounds/2").status, 200);
    assert_eq!(app.get(&agent, "/rounds/abc").status, 404);
    assert_eq!(
        app.get(&agent, "/rounds/2/municipalities/147/attachment.pdf")
            .status,
        200
    );
    let response = app.get(&client(), "/metrics");
    assert_eq!(response.status, 200);
    assert!(response
        .content_type
        .starts_with("text/plain; version=0.0.4"));
    let text = response.text();
    for expected in [
        "trafiklys_http_requests_total{method=\"GET\",route=\"/rounds/{id}\",status=\"200\"} 2",
        "trafiklys_http_requests_total{method=\"GET\",route=\"/rounds/{id}\",status=\"404\"} 1",
        "trafiklys_http_requests_total{method=\"POST\",route=\"/login\",status=\"303\"} 1",
        "trafiklys_http_request_duration_seconds_bucket{route=\"/rounds/{id}\",le=\"+Inf\"} 3",
        "trafiklys_db_pool_connections{state=\"max\"} 8",
        "trafiklys_db_pool_connections{state=\"idle\"}",
        "trafiklys_db_pool_connections{state=\"in_use\"}",
        "trafiklys_summary_cache_lookups_total{result=\"hit\"}",
        "trafiklys_summary_cache_lookups_total{result=\"miss\"}",
        "trafiklys_pdf_render_seconds_count{document=\"attachment\"} 1",
    ] {
        assert!(text.contains(expected), "{expected} missing in\n{text}");
    }
    let hits: u64 = text
        .lines()
        .find(|l| l.starts_with("trafiklys_summary_cache_lookups_total{result=\"hit\"}"))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap();
    assert!(hits >= 1, "the second dashboard came from the cache");
}

#[test]
fn every_response_and_error_page_carries_the_request_id() {
    let app = spawn_app();
    let agent = client();
    let ok = app.get(&agent, "/login");
    let id = ok.header("x-request-id").expect("request id").to_owned();
    assert_eq!(id.len(), 16);
    let other = app.get(&agent, "/login");
    assert_ne!(other.header("x-request-id"), Some(id.as_str()));

    let missing = app.get(&agent, "/rounds/abc");
    let id = missing.header("x-request-id").unwrap();
    assert!(missing
        .text()
        .contains(&format!("Fejl-id: <code>{id}</code>")));

    // A proxy's id is kept; a malformed one is replaced.
    let given = app.request(
        &agent,
        "GET",
        "/nowhere",
        &[("X-Request-Id", "proxy-abc-123456")],
    );
    assert_eq!(given.header("x-request-id"), Some("proxy-abc-123456"));
    assert!(given
        .text()
        .contains("Fejl-id: <code>proxy-abc-123456</code>"));
    let forged = app.request(
        &agent,
        "GET",
        "/nowhere",
        &[("X-Request-Id", "<script>alert(1)</script>")],
    );
    assert_ne!(
        forged.header("x-request-id"),
        Some("<script>alert(1)</script>")
    );
    assert!(!forged.text().contains("<script>"));
}

/// Signs in twice with one attempt allowed, so the second request logs a warning of its own.
fn throttled_sign_in(server: &Server, request_id: &str) {
    let agent = client();
    let mut page = agent.get(&server.url("/login")).call().unwrap();
    let page = page.body_mut().read_to_string().unwrap();
    let token = csrf_from(&page);
    for _ in 0..2 {
        agent
            .post(&server.url("/login"))
            .header("X-Request-Id", request_id)
            .send_form([
                ("email", "nogen@example.dk"),
                ("password", "forkert"),
                ("csrf_token", token.as_str()),
            ])
            .unwrap();
    }
}

fn wait_for_log(server: &Server, needle: &str) -> Vec<String> {
    for _ in 0..100 {
        let log = server.log();
        if log.iter().any(|l| l.contains(needle)) {
            return log;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("{needle} never logged:\n{}", server.log().join("\n"));
}

#[test]
fn json_logs_carry_the_request_id_in_every_line_of_a_request() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(
        &dir.path().join("log.db"),
        &[],
        &[
            ("TRAFIKLYS_LOG_FORMAT", "json"),
            ("TRAFIKLYS_LOGIN_LIMIT_PER_ACCOUNT", "1"),
        ],
    );
    throttled_sign_in(&server, "json-request-0001");
    // The warning is written inside the request and the access line when its response
    // is sent, so the refused request's access line is the last of the three to appear.
    let log = wait_for_log(&server, "\"status\":429");
    let lines: Vec<serde_json::Value> = log
        .iter()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let ours: Vec<&serde_json::Value> = lines
        .iter()
        .filter(|l| l["span"]["path"] == "/login" && l["span"]["method"] == "POST")
        .collect();
    assert!(ours.len() >= 3, "two access lines and one warning: {log:?}");
    for line in &ours {
        assert_eq!(line["span"]["request_id"], "json-request-0001", "{line}");
    }
    assert!(ours
        .iter()
        .any(|l| l["fields"]["message"] == "sign-in attempts limited"));
    assert!(ours
        .iter()
        .any(|l| l["fields"]["message"] == "request" && l["fields"]["status"] == 429));
}

#[test]
fn text_logs_carry_the_request_id_too() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(
        &dir.path().join("log.db"),
        &[],
        &[("TRAFIKLYS_LOGIN_LIMIT_PER_ACCOUNT", "1")],
    );
    throttled_sign_in(&server, "text-request-0002");
    let log = wait_for_log(&server, "sign-in attempts limited");
    let warning = log
        .iter()
        .find(|l| l.contains("sign-in attempts limited"))
        .unwrap();
    assert!(
        warning.contains("request_id=text-request-0002"),
        "{warning}"
    );
}

/// The series of the metrics output (each sample's name and labels, without its value).
fn metric_series(app: &TestApp) -> std::collections::BTreeSet<String> {
    app.get(&client(), "/metrics")
        .text()
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .filter_map(|l| l.rsplit_once(' ').map(|(series, _)| series.to_owned()))
        .collect()
}

/// Sends one request with any method (an HTTP client refuses methods it does not know) and
/// reads the answer's status line.
fn raw_request(app: &TestApp, method: &str, path: &str) -> String {
    use std::io::{Read, Write};
    let address = app.address.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer.lines().next().unwrap_or("").to_owned()
}

#[test]
fn odd_methods_and_paths_add_no_metric_series() {
    let app = spawn_app();
    let agent = client();
    let odd = |i: usize| {
        assert!(raw_request(&app, &format!("BREW{i}"), "/login").starts_with("HTTP/1.1 "));
        raw_request(&app, &format!("X-{i}"), &format!("/nowhere/{i}"));
        raw_request(&app, "PROPFIND", &format!("/rounds/{i}"));
        raw_request(&app, &format!("Z{i}"), "/api/v1/rounds");
        app.get(&agent, &format!("/nowhere/{i}/deeper?x={i}"));
        app.get(&agent, &format!("/rounds/{i}x"));
        app.get(&agent, &format!("/api/v1/odd/{i}"));
        app.get(&agent, &format!("/static/fonts/{i}.ttf"));
    };
    // One of each kind, and /metrics itself, have made their series.
    odd(0);
    metric_series(&app);
    let before = metric_series(&app);
    for i in 1..300 {
        odd(i);
    }
    let after = metric_series(&app);
    assert_eq!(
        after.len(),
        before.len(),
        "new series: {:?}",
        after.difference(&before).collect::<Vec<_>>()
    );
    assert!(after.iter().any(|s| s.contains("method=\"other\"")));
    assert!(after
        .iter()
        .all(|s| !s.contains("BREW") && !s.contains("nowhere")));
}
