use crate::helpers::*;
use trafiklys::domain::Role;

#[test]
fn health_check_answers_ok_with_the_database_reachable() {
    let app = spawn_app();
    let response = app.get(&client(), "/healthz");
    assert_eq!(response.status, 200);
    assert_eq!(response.text(), "ok\n");
}

#[test]
fn a_wrong_password_gives_a_danish_message_and_no_session() {
    let app = spawn_app();
    let agent = client();
    let token = csrf_from(&app.get(&agent, "/login").text());
    let response = app.post(
        &agent,
        "/login",
        &[
            ("email", &app.email(Role::Kkr)),
            ("password", "forkert-adgangskode"),
            ("csrf_token", &token),
            ("next", "/rounds/2"),
        ],
    );
    assert_eq!(response.status, 401);
    let page = response.text();
    assert!(page.contains("Forkert e-mail eller adgangskode"));
    assert!(
        page.contains(&format!("value=\"{}\"", app.email(Role::Kkr))),
        "email kept"
    );
    let dashboard = app.get(&agent, &format!("/rounds/{ROUND_2017}"));
    assert_eq!(dashboard.status, 303, "still anonymous");
}

#[test]
fn an_unknown_email_gets_the_same_message_as_a_wrong_password() {
    let app = spawn_app();
    let agent = client();
    let token = csrf_from(&app.get(&agent, "/login").text());
    let response = app.post(
        &agent,
        "/login",
        &[
            ("email", "nobody@example.org"),
            ("password", "x"),
            ("csrf_token", &token),
        ],
    );
    assert_eq!(response.status, 401);
    assert!(response.text().contains("Forkert e-mail eller adgangskode"));
}

#[test]
fn sign_in_without_the_csrf_token_is_refused() {
    let app = spawn_app();
    let agent = client();
    app.get(&agent, "/login");
    let response = app.post(
        &agent,
        "/login",
        &[
            ("email", &app.email(Role::Kkr)),
            ("password", &app.password(Role::Kkr)),
        ],
    );
    assert_eq!(response.status, 403);
    assert_eq!(app.get(&agent, "/rounds/2").status, 303, "not signed in");
}

#[test]
fn anonymous_visitors_are_sent_to_sign_in_and_back() {
    let app = spawn_app();
    let agent = client();
    let response = app.get(&agent, "/rounds/2");
    assert_eq!(response.status, 303);
    assert_eq!(
        response.location.as_deref(),
        Some("/login?next=%2Frounds%2F2")
    );
    let token = csrf_from(&app.get(&agent, "/login?next=%2Frounds%2F2").text());
    let signed_in = app.post(
        &agent,
        "/login",
        &[
            ("email", &app.email(Role::Kkr)),
            ("password", &app.password(Role::Kkr)),
            ("csrf_token", &token),
            ("next", "/rounds/2"),
        ],
    );
    assert_eq!(signed_in.status, 303);
    assert_eq!(signed_in.location.as_deref(), Some("/rounds/2"));
}

#[test]
fn sign_out_ends_the_session() {
    let app = spawn_app();
    let agent = app.signed_in(Role::Kkr);
    let page = app.get(&agent, "/").text();
    assert!(page.contains("Log ud"));
    let out = app.post(&agent, "/logout", &[("csrf_token", &csrf_from(&page))]);
    assert_eq!(out.status, 303);
    assert_eq!(app.get(&agent, "/rounds/2").status, 303);
}
