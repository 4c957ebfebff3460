//! Hardening: what an attacker or a careless client sends gets a clear Danish answer and changes
//! nothing; redirects stay on the site; guessing is throttled; headers protect the browser.

use crate::helpers::*;
use trafiklys::domain::{MunicipalityCode, Role};
use trafiklys::store::{snapshots, users};

#[test]
fn a_signed_in_user_is_never_sent_to_another_site_after_sign_in() {
    let app = spawn_app();
    let agent = app.signed_in(Role::Editor);
    for next in [
        "/%09/evil.example",
        "/%0a/evil.example",
        "%2F%2Fevil.example",
        "/%5Cevil.example",
        "https://evil.example",
    ] {
        let response = app.get(&agent, &format!("/login?next={next}"));
        assert_eq!(response.status, 303, "next={next}");
        assert_eq!(response.location.as_deref(), Some("/"), "next={next}");
    }
    let response = app.get(&agent, "/login?next=/rounds/2");
    assert_eq!(response.location.as_deref(), Some("/rounds/2"));
}

#[test]
fn a_new_line_in_next_is_no_server_error() {
    let app = spawn_app();
    let agent = app.signed_in(Role::Editor);
    for next in ["/%0a/x", "/%0d/x", "/%0d%0aSet-Cookie:%20a=b"] {
        let response = app.get(&agent, &format!("/login?next={next}"));
        assert_eq!(response.status, 303, "next={next}");
        assert_eq!(response.location.as_deref(), Some("/"));
        assert!(!response
            .header("set-cookie")
            .is_some_and(|c| c.contains("a=b")));
    }
    // Anonymous: the sign-in form carries the safe value, and signing in goes home.
    let anonymous = client();
    let page = app.get(&anonymous, "/login?next=/%09/evil.example").text();
    assert_eq!(hidden_value(&page, "next"), "/");
}

#[test]
fn path_and_query_errors_are_danish_pages_without_internal_names() {
    let app = spawn_app();
    let agent = app.signed_in(Role::Admin);
    for path in [
        "/rounds/abc",
        "/years/abc",
        "/rounds/abc/heatmap",
        "/rounds/99999999999/municipalities/147/form",
    ] {
        let response = app.get(&agent, path);
        assert_eq!(response.status, 404, "{path}");
        assert!(response.content_type.starts_with("text/html"), "{path}");
        let page = response.text();
        assert!(page.contains("Siden findes ikke"), "{path}: {page}");
        assert!(
            !page.contains("parse") && !page.contains("i32"),
            "{path}: {page}"
        );
    }
    let duplicated = app.get(&agent, "/login?next=/a&next=/b");
    assert_eq!(duplicated.status, 400);
    let page = duplicated.text();
    assert!(
        page.contains("Adressens parametre kunne ikke læses"),
        "{page}"
    );
    assert!(!page.contains("duplicate") && !page.contains("deserialize"));
}

#[test]
fn api_errors_are_json_with_a_danish_reason_and_other_methods_are_405() {
    let app = spawn_app();
    let agent = client();
    for path in [
        "/api/v1/rounds/abc/summary",
        "/api/v1/rounds/abc/responses",
        "/api/v1/rounds/2/municipalities/abc/submission",
        "/api/v1/nothing-here",
        "/api/v2/rounds",
    ] {
        let response = app.get(&agent, path);
        assert_eq!(response.status, 404, "{path}");
        assert!(
            response.content_type.starts_with("application/json"),
            "{path}"
        );
        let body: serde_json::Value = serde_json::from_slice(&response.bytes).unwrap();
        assert_eq!(body["error"], "not_found", "{path}");
        assert_eq!(body["reason"], "Siden findes ikke.", "{path}");
    }
    for method in ["POST", "PUT", "DELETE", "PATCH"] {
        let response = app.request(&agent, method, "/api/v1/rounds", &[]);
        assert_eq!(response.status, 405, "{method}");
        assert_eq!(response.header("allow"), Some("GET"));
        let body: serde_json::Value = serde_json::from_slice(&response.bytes).unwrap();
        assert_eq!(body["error"], "method_not_allowed");
        assert!(body["reason"].as_str().unwrap().contains("metode"));
    }
    let unknown_path = app.request(&agent, "POST", "/api/v1/nowhere", &[]);
    assert_eq!(unknown_path.status, 404);
}

#[test]
fn a_form_body_that_is_not_utf8_is_refused_and_nothing_is_saved() {
    let app = spawn_app();
    let agent = app.signed_in(Role::Editor);
    let form = "/rounds/2/municipalities/147/form";
    let page = app.get(&agent, form).text();
    let before = app.submission(ROUND_2017, "147").unwrap();
    let id = page
        .split("name=\"comment-")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    for comment in [&b"%E6bler"[..], &b"\xe6bler"[..], &b"%C3"[..]] {
        let mut body = format!(
            "csrf_token={}&version={}&action=save&comment-{id}=",
            csrf_from(&page),
            hidden_value(&page, "version")
        )
        .into_bytes();
        body.extend_from_slice(comment);
        let response = app.post_raw(&agent, form, "application/x-www-form-urlencoded", &body);
        assert_eq!(response.status, 400);
        assert!(
            response.text().contains("ikke kodet som UTF-8"),
            "{}",
            response.text()
        );
    }
    let after = app.submission(ROUND_2017, "147").unwrap();
    assert_eq!(after.version, before.version, "nothing was saved");
    assert!(!after.answers.iter().any(|a| a.comment.contains('\u{FFFD}')));
}

#[test]
fn the_form_refuses_every_control_character_and_keeps_the_input() {
    let app = spawn_app();
    let agent = app.signed_in(Role::Editor);
    let form = "/rounds/2/municipalities/147/form";
    let before = app.submission(ROUND_2017, "147").unwrap();
    for code in (0u32..0x20).filter(|c| ![0x09, 0x0a, 0x0d].contains(c)) {
        let page = app.get(&agent, form).text();
        let id = page
            .split("name=\"comment-")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_owned();
        let typed = format!("Skole{}plan i gang", char::from_u32(code).unwrap());
        let response = app.post(
            &agent,
            form,
            &[
                ("csrf_token", &csrf_from(&page)),
                ("version", &hidden_value(&page, "version")),
                ("action", "save"),
                (&format!("comment-{id}"), &typed),
                (
                    "proposals",
                    &format!("For{}slag", char::from_u32(code).unwrap()),
                ),
            ],
        );
        assert_eq!(response.status, 422, "U+{code:04X}");
        let text = folded(&response.text());
        assert!(
            text.contains(&format!(
                "Kommentaren indeholder et usynligt styretegn (U+{code:04X}) ved tegn nr. 6"
            )),
            "U+{code:04X}: {text}"
        );
        assert!(
            text.contains(&format!(
                "Forslagene indeholder et usynligt styretegn (U+{code:04X})"
            )),
            "U+{code:04X}"
        );
        assert!(text.contains("Skole"), "the input is kept");
    }
    let after = app.submission(ROUND_2017, "147").unwrap();
    assert_eq!(after.version, before.version, "nothing was saved");
}

fn try_sign_in(app: &TestApp, agent: &ureq::Agent, email: &str, password: &str) -> Response {
    let token = csrf_from(&app.get(agent, "/login").text());
    app.post(
        agent,
        "/login",
        &[
            ("email", email),
            ("password", password),
            ("csrf_token", &token),
            ("next", "/"),
        ],
    )
}

#[test]
fn password_guessing_for_one_account_is_throttled_with_a_danish_429() {
    let app = spawn_app();
    let agent = client();
    let admin = app.email(Role::Admin);
    for _ in 0..10 {
        assert_eq!(try_sign_in(&app, &agent, &admin, "forkert").status, 401);
    }
    let limited = try_sign_in(&app, &agent, &admin, "forkert");
    assert_eq!(limited.status, 429);
    assert!(limited.header("retry-after").is_some());
    let page = folded(&limited.text());
    assert!(
        page.contains("Der har været for mange forsøg på at logge ind."),
        "{page}"
    );
    assert!(page.contains(&admin), "the email is kept in the form");
    // Even the right password waits now.
    let right = try_sign_in(&app, &agent, &admin, &app.password(Role::Admin));
    assert_eq!(right.status, 429);
    // An unknown email is answered exactly the same way.
    for _ in 0..10 {
        assert_eq!(
            try_sign_in(&app, &agent, "ingen@example.dk", "forkert").status,
            401
        );
    }
    let unknown = try_sign_in(&app, &agent, "INGEN@example.dk ", "forkert");
    assert_eq!(unknown.status, 429);
    assert!(folded(&unknown.text()).contains("Der har været for mange forsøg på at logge ind."));
    // Other accounts are not affected.
    app.signed_in(Role::Editor);
}

#[test]
fn many_sign_ins_from_one_address_are_throttled() {
    let app = spawn_app_with(|s| s.limits.login_per_ip = 5);
    let agent = client();
    for i in 0..5 {
        let email = format!("person{i}@example.dk");
        assert_eq!(try_sign_in(&app, &agent, &email, "forkert").status, 401);
    }
    let limited = try_sign_in(
        &app,
        &agent,
        &app.email(Role::Kkr),
        &app.password(Role::Kkr),
    );
    assert_eq!(limited.status, 429);
}

#[test]
fn api_token_checks_are_throttled_per_address() {
    let app = spawn_app_with(|s| s.limits.api_tokens_per_ip = 3);
    let agent = client();
    for _ in 0..3 {
        let response = app.request(
            &agent,
            "GET",
            "/api/v1/rounds",
            &[("Authorization", "Bearer tl_guess")],
        );
        assert_eq!(response.status, 401);
    }
    let limited = app.request(
        &agent,
        "GET",
        "/api/v1/rounds",
        &[("Authorization", "Bearer tl_guess")],
    );
    assert_eq!(limited.status, 429);
    assert!(limited.header("retry-after").is_some());
    let body: serde_json::Value = serde_json::from_slice(&limited.bytes).unwrap();
    assert_eq!(body["error"], "too_many_requests");
    assert!(body["reason"]
        .as_str()
        .unwrap()
        .contains("For mange forespørgsler"));
    // Without a token the API still answers (as anonymous).
    assert_eq!(app.get(&agent, "/api/v1/rounds").status, 200);
}

#[test]
fn snapshots_are_limited_in_rate_and_number_per_user() {
    let app = spawn_app_with(|s| s.limits.snapshots_per_user = 2);
    let reader = app.signed_in(Role::Reader);
    let path = "/rounds/2/municipalities/147/snapshots";
    let make = |agent: &ureq::Agent| {
        let token = app.csrf(agent);
        app.post(agent, path, &[("csrf_token", &token)])
    };
    assert_eq!(make(&reader).status, 303);
    assert_eq!(make(&reader).status, 303);
    let limited = make(&reader);
    assert_eq!(limited.status, 429);
    assert!(folded(&limited.text()).contains("Intet nyt øjebliksbillede er gemt."));

    // The number kept per user and attachment is bounded too.
    let editor = app.signed_in(Role::Editor);
    let editor_id = users::find_by_email(&mut app.conn(), &app.email(Role::Editor))
        .unwrap()
        .unwrap()
        .0
        .id;
    let code = MunicipalityCode::parse("147").unwrap();
    for _ in 0..snapshots::MAX_PER_USER {
        snapshots::save(
            &mut app.conn(),
            ROUND_2017,
            &code,
            b"%PDF-",
            "{}",
            editor_id,
            trafiklys::clock::Clock::system().now(),
        )
        .unwrap()
        .expect("below the limit");
    }
    let refused = make(&editor);
    assert_eq!(refused.status, 409);
    assert!(folded(&refused.text()).contains("Du har allerede gemt 20 øjebliksbilleder"));
    assert_eq!(
        snapshots::list(&mut app.conn(), ROUND_2017, &code)
            .unwrap()
            .len(),
        2 + 20,
        "the refused one was not written"
    );
}

#[test]
fn hsts_is_sent_only_with_an_https_base_url() {
    let plain = spawn_app();
    let response = plain.get(&client(), "/login");
    assert_eq!(response.header("strict-transport-security"), None);

    let https = spawn_app_with(|s| s.base_url = Some("https://trafiklys.example.dk".into()));
    let response = https.get(&client(), "/login");
    assert_eq!(
        response.header("strict-transport-security"),
        Some("max-age=31536000")
    );
    assert_eq!(response.header("x-content-type-options"), Some("nosniff"));
}

#[test]
fn json_and_chart_responses_are_not_cached() {
    let app = spawn_app();
    let agent = app.signed_in(Role::Admin);
    for path in [
        "/api/v1/rounds",
        "/api/v1/rounds/2/summary",
        "/rounds/2/chart.svg",
        "/rounds/2/chart.png",
        "/api/v1/rounds/abc/summary",
    ] {
        let response = app.get(&agent, path);
        assert_eq!(response.header("cache-control"), Some("no-store"), "{path}");
    }
    let css = app.get(&agent, "/static/style.css");
    assert_eq!(css.header("cache-control"), Some("public, max-age=3600"));
}
