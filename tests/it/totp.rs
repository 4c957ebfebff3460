//! The second step of a password sign-in (TOTP, RFC 6238): enrolment on /account with a QR
//! code and recovery codes shown once, the code after the password, wrong and replayed codes,
//! one step of clock skew, recovery codes used once, the rate limit, an admin's reset, and
//! the enrolment an installation requires (also after a one-time link).
//!
//! Codes are computed here from the secret the page shows, at the app's clock, which the
//! tests move on by whole steps instead of waiting.

use crate::helpers::*;
use trafiklys::domain::events::{Event, UserEvent};
use trafiklys::domain::sign_in::TotpRequirement;
use trafiklys::domain::Role;
use trafiklys::store::{audit, sign_in, users};
use trafiklys::totp::{step_at, Secret};

/// The app clock's current time step.
fn step_now(app: &TestApp) -> i64 {
    step_at(app.clock.now().and_utc().timestamp())
}

fn advance_steps(app: &TestApp, steps: i64) {
    app.clock.advance(chrono::Duration::seconds(30 * steps));
}

/// Turns the second step on from /account; returns the secret and the recovery codes.
fn enrol(app: &TestApp, agent: &ureq::Agent) -> (Secret, Vec<String>) {
    let page = app.get(agent, "/account/totp");
    assert_eq!(page.status, 200, "{}", page.text());
    let html = page.text();
    assert!(
        html.contains("<svg") && html.contains("aria-label=\"QR-kode til din godkendelsesapp\"")
    );
    let shown = parse(&html)
        .text("#totp-secret")
        .expect("the secret to type by hand");
    let secret = Secret::from_base32(&shown.replace(' ', "")).expect("base32");
    let code = secret.code_at_step(step_now(app));
    let done = app.post(
        agent,
        "/account/totp",
        &[("csrf_token", &csrf_from(&html)), ("code", &code)],
    );
    assert_eq!(done.status, 200, "{}", done.text());
    let codes = parse(&done.text()).texts("#recovery-codes code");
    assert_eq!(codes.len(), 10);
    (secret, codes)
}

/// Signs in with the password: the answer (to the second step, or signed in).
fn password_step(app: &TestApp, agent: &ureq::Agent, role: Role) -> Response {
    let token = csrf_from(&app.get(agent, "/login").text());
    app.post(
        agent,
        "/login",
        &[
            ("email", &app.email(role)),
            ("password", &app.password(role)),
            ("csrf_token", &token),
            ("next", "/account"),
        ],
    )
}

fn second_step(app: &TestApp, agent: &ureq::Agent, field: &str, code: &str) -> Response {
    let form = app.get(agent, "/login/totp").text();
    app.post(
        agent,
        "/login/totp",
        &[("csrf_token", &csrf_from(&form)), (field, code)],
    )
}

fn user_events(app: &TestApp, email: &str) -> Vec<UserEvent> {
    let (user, _) = users::find_by_email(&mut app.conn(), email)
        .unwrap()
        .unwrap();
    audit::history(&mut app.conn(), "user", &user.id.to_string())
        .unwrap()
        .iter()
        .filter_map(|e| match e.event() {
            Ok(Event::User(event)) => Some(event),
            _ => None,
        })
        .collect()
}

fn signed_in(app: &TestApp, agent: &ureq::Agent) -> bool {
    app.get(agent, "/account").status == 200
}

#[test]
fn after_enrolment_a_password_sign_in_asks_for_the_code_and_takes_each_code_once() {
    let app = spawn_app();
    let (secret, _) = enrol(&app, &app.signed_in(Role::Editor));
    assert!(user_events(&app, &app.email(Role::Editor)).contains(&UserEvent::EnableTotp {}));
    advance_steps(&app, 1);
    let agent = client();
    let first = password_step(&app, &agent, Role::Editor);
    assert_eq!(first.status, 303);
    assert_eq!(first.location.as_deref(), Some("/login/totp"));
    assert!(
        !signed_in(&app, &agent),
        "the password alone signs no one in"
    );
    let code = secret.code_at_step(step_now(&app));
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let refused = second_step(&app, &agent, "code", wrong);
    assert_eq!(refused.status, 401);
    assert!(refused.text().contains("Koden passer ikke"));
    assert!(!signed_in(&app, &agent));
    let done = second_step(&app, &agent, "code", &code);
    assert_eq!(done.status, 303);
    assert_eq!(done.location.as_deref(), Some("/account"));
    let account = app.get(&agent, "/account").text();
    assert!(account.contains("Slået til. Du har 10 ubrugte gendannelseskoder."));
    // The same code again, in another browser right after: refused as used.
    let other = client();
    assert_eq!(password_step(&app, &other, Role::Editor).status, 303);
    let replayed = second_step(&app, &other, "code", &code);
    assert_eq!(replayed.status, 401);
    assert!(replayed.text().contains("Koden er allerede brugt"));
    assert!(!signed_in(&app, &other));
}

#[test]
fn one_step_of_clock_skew_is_accepted_and_two_are_not() {
    let app = spawn_app();
    let (secret, _) = enrol(&app, &app.signed_in(Role::Editor));
    advance_steps(&app, 5);
    // Two seconds into the next step, so that the real time does not carry the app's clock
    // into another step while the test runs (the codes below are a step apart).
    let next_step = chrono::DateTime::from_timestamp((step_now(&app) + 1) * 30 + 2, 0)
        .expect("a time")
        .naive_utc();
    app.clock.set(next_step);
    let now = step_now(&app);
    let agent = client();
    password_step(&app, &agent, Role::Editor);
    let two_behind = second_step(&app, &agent, "code", &secret.code_at_step(now - 2));
    assert_eq!(two_behind.status, 401);
    let one_behind = second_step(&app, &agent, "code", &secret.code_at_step(now - 1));
    assert_eq!(one_behind.status, 303);
    let agent = client();
    password_step(&app, &agent, Role::Editor);
    let two_ahead = second_step(&app, &agent, "code", &secret.code_at_step(now + 2));
    assert_eq!(two_ahead.status, 401);
    let one_ahead = second_step(&app, &agent, "code", &secret.code_at_step(now + 1));
    assert_eq!(one_ahead.status, 303);
    // The current step's code is older than the one just accepted: refused as used.
    let agent = client();
    password_step(&app, &agent, Role::Editor);
    let older = second_step(&app, &agent, "code", &secret.code_at_step(now));
    assert!(older.text().contains("allerede brugt"));
}

#[test]
fn a_recovery_code_signs_in_once() {
    let app = spawn_app();
    let (_, codes) = enrol(&app, &app.signed_in(Role::Editor));
    let agent = client();
    password_step(&app, &agent, Role::Editor);
    // Typed in capitals and with spaces, as someone reading it off paper might.
    let typed = codes[3].to_uppercase().replace('-', " ");
    let done = second_step(&app, &agent, "recovery_code", &typed);
    assert_eq!(done.status, 303);
    assert!(app
        .get(&agent, "/account")
        .text()
        .contains("Du har 9 ubrugte gendannelseskoder"));
    let again = client();
    password_step(&app, &again, Role::Editor);
    assert_eq!(
        second_step(&app, &again, "recovery_code", &codes[3]).status,
        401
    );
    assert!(!signed_in(&app, &again));
    let events = user_events(&app, &app.email(Role::Editor));
    assert!(events
        .iter()
        .any(|e| matches!(e, UserEvent::UseRecoveryCode { after } if after.left == 9)));
}

#[test]
fn the_second_step_is_rate_limited_like_the_password_step() {
    let app = spawn_app_with(|s| s.limits.login_per_account = 3);
    let (secret, _) = enrol(&app, &app.signed_in(Role::Editor));
    advance_steps(&app, 1);
    let agent = client();
    password_step(&app, &agent, Role::Editor);
    let code = secret.code_at_step(step_now(&app));
    let wrong = if code == "000000" { "111111" } else { "000000" };
    // Enrolment used one attempt of the three; two wrong codes use the rest.
    assert_eq!(second_step(&app, &agent, "code", wrong).status, 401);
    assert_eq!(second_step(&app, &agent, "code", wrong).status, 401);
    let limited = second_step(&app, &agent, "code", &code);
    assert_eq!(limited.status, 429);
    assert!(limited.text().contains("for mange forsøg med koder"));
    assert!(
        !signed_in(&app, &agent),
        "not even the right code gets through the limit"
    );
}

#[test]
fn an_admin_resets_another_users_second_step() {
    let app = spawn_app();
    let editor = app.signed_in(Role::Editor);
    enrol(&app, &editor);
    let (user, _) = users::find_by_email(&mut app.conn(), &app.email(Role::Editor))
        .unwrap()
        .unwrap();
    let admin = app.signed_in(Role::Admin);
    let page = app.get(&admin, &format!("/users/{}", user.id)).text();
    assert!(page.contains("Nulstil totrinsbekræftelse"));
    let path = format!("/users/{}/totp/reset", user.id);
    let unconfirmed = app.post(&admin, &path, &[("csrf_token", &csrf_from(&page))]);
    assert_eq!(unconfirmed.status, 422);
    assert!(sign_in::totp_of(&mut app.conn(), user.id)
        .unwrap()
        .is_some());
    let reset = app.post(
        &admin,
        &path,
        &[("csrf_token", &csrf_from(&page)), ("confirm", "ja")],
    );
    assert_eq!(reset.status, 303);
    assert!(sign_in::totp_of(&mut app.conn(), user.id)
        .unwrap()
        .is_none());
    assert!(!signed_in(&app, &editor), "the user's sessions ended");
    let (admin_user, _) = users::find_by_email(&mut app.conn(), &app.email(Role::Admin))
        .unwrap()
        .unwrap();
    let history = audit::history(&mut app.conn(), "user", &user.id.to_string()).unwrap();
    let reset_row = history
        .iter()
        .find(|e| matches!(e.event(), Ok(Event::User(UserEvent::ResetTotp {}))))
        .expect("the reset is audited");
    assert_eq!(
        reset_row.user_name.as_deref(),
        Some(admin_user.name.as_str())
    );
    // The password alone signs the user in again.
    let agent = client();
    let again = password_step(&app, &agent, Role::Editor);
    assert_eq!(again.location.as_deref(), Some("/account"));
}

#[test]
fn turning_it_off_takes_a_current_code() {
    let app = spawn_app();
    let agent = app.signed_in(Role::Editor);
    let (secret, _) = enrol(&app, &agent);
    advance_steps(&app, 1);
    let account = app.get(&agent, "/account").text();
    let csrf = csrf_from(&account);
    let wrong = app.post(
        &agent,
        "/account/totp/off",
        &[("csrf_token", &csrf), ("code", "12345")],
    );
    assert_eq!(wrong.status, 422);
    let code = secret.code_at_step(step_now(&app));
    let off = app.post(
        &agent,
        "/account/totp/off",
        &[("csrf_token", &csrf), ("code", &code)],
    );
    assert_eq!(off.status, 200);
    assert!(off.text().contains("Totrinsbekræftelse er slået fra."));
    assert!(user_events(&app, &app.email(Role::Editor)).contains(&UserEvent::DisableTotp {}));
}

#[test]
fn an_admin_who_must_have_it_enrols_right_after_the_password() {
    let app = spawn_app_with(|s| s.require_totp = TotpRequirement::Admin);
    let agent = client();
    let first = password_step(&app, &agent, Role::Admin);
    assert_eq!(first.location.as_deref(), Some("/login/totp/enrol"));
    assert!(!signed_in(&app, &agent));
    // The code page sends a user who must enrol on to enrolment.
    assert_eq!(
        app.get(&agent, "/login/totp").location.as_deref(),
        Some("/login/totp/enrol")
    );
    let page = app.get(&agent, "/login/totp/enrol").text();
    assert!(page.contains("Din rolle skal bruge totrinsbekræftelse"));
    let shown = parse(&page).text("#totp-secret").unwrap();
    let secret = Secret::from_base32(&shown.replace(' ', "")).unwrap();
    let csrf = csrf_from(&page);
    let wrong = app.post(
        &agent,
        "/login/totp/enrol",
        &[("csrf_token", &csrf), ("code", "abc")],
    );
    assert_eq!(wrong.status, 422);
    assert!(!signed_in(&app, &agent));
    let code = secret.code_at_step(step_now(&app));
    let done = app.post(
        &agent,
        "/login/totp/enrol",
        &[("csrf_token", &csrf), ("code", &code)],
    );
    assert_eq!(done.status, 200);
    assert_eq!(parse(&done.text()).texts("#recovery-codes code").len(), 10);
    let account = app.get(&agent, "/account").text();
    assert!(account.contains("Din rolle skal bruge totrinsbekræftelse."));
    assert!(
        !account.contains("Slå totrinsbekræftelse fra"),
        "it cannot be turned off"
    );
    // Roles the installation does not name sign in with the password alone.
    let editor = password_step(&app, &client(), Role::Editor);
    assert_eq!(editor.location.as_deref(), Some("/account"));
}

#[test]
fn a_one_time_link_does_not_skip_the_second_step() {
    let app = spawn_app_with(|s| s.require_totp = TotpRequirement::Admin);
    let created = trafiklys::cli::create_admin(
        &mut app.conn(),
        "ny.admin@kkr-hovedstaden.example",
        "Hovedstaden",
        Some("Nina Ny"),
        &app.address,
        false,
    )
    .unwrap();
    let path = &created.link[created.link.find("/invitation/").unwrap()..];
    let agent = client();
    let form = app.get(&agent, path).text();
    let accepted = app.post(
        &agent,
        path,
        &[
            ("csrf_token", &csrf_from(&form)),
            ("name", "Nina Ny"),
            ("password", "en-lang-og-god-adgangskode"),
            ("password_confirm", "en-lang-og-god-adgangskode"),
        ],
    );
    assert_eq!(accepted.status, 303);
    assert_eq!(accepted.location.as_deref(), Some("/login/totp/enrol"));
    assert!(!signed_in(&app, &agent));
}
