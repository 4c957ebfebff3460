//! The authorisation matrix: every form route × every role × own/other municipality.

use crate::helpers::*;
use trafiklys::domain::{Role, SubmissionState};

const OWN: &str = "147";
const OTHER: &str = "270";

/// Expected status codes, own then other municipality, for:
/// GET form, POST form, POST withdraw, POST reopen, GET history.
type Row = [(u16, u16); 5];

fn run_matrix(role: Option<Role>, expected: Row) {
    let app = spawn_app();
    let agent = match role {
        Some(role) => app.signed_in(role),
        None => client(),
    };
    let token = app.csrf(&agent);
    let path =
        |code: &str, tail: &str| format!("/rounds/{ROUND_2017}/municipalities/{code}/{tail}");
    let version = |code: &str| {
        app.submission(ROUND_2017, code)
            .map_or(0, |s| s.version)
            .to_string()
    };
    let mut actual: Vec<(u16, u16)> = Vec::new();
    let pair = |f: &dyn Fn(&str) -> u16| (f(OWN), f(OTHER));

    actual.push(pair(&|code| app.get(&agent, &path(code, "form")).status));
    actual.push(pair(&|code| {
        app.post(
            &agent,
            &path(code, "form"),
            &[
                ("csrf_token", &token),
                ("version", &version(code)),
                ("action", "save"),
            ],
        )
        .status
    }));
    for code in [OWN, OTHER] {
        app.store_form(ROUND_2017, code, SubmissionState::Submitted);
    }
    actual.push(pair(&|code| {
        app.post(
            &agent,
            &path(code, "withdraw"),
            &[("csrf_token", &token), ("version", &version(code))],
        )
        .status
    }));
    for code in [OWN, OTHER] {
        if !app.submission(ROUND_2017, code).unwrap().is_submitted() {
            app.store_form(ROUND_2017, code, SubmissionState::Submitted);
        }
    }
    actual.push(pair(&|code| {
        app.post(
            &agent,
            &path(code, "reopen"),
            &[
                ("csrf_token", &token),
                ("version", &version(code)),
                ("reason", "Rettelse af fejl"),
            ],
        )
        .status
    }));
    actual.push(pair(&|code| app.get(&agent, &path(code, "history")).status));

    assert_eq!(actual, expected.to_vec(), "role {role:?}");
}

#[test]
fn anonymous_requests_are_sent_to_sign_in() {
    run_matrix(None, [(303, 303); 5]);
}

#[test]
fn an_admin_may_do_everything_in_its_kkr() {
    run_matrix(
        Some(Role::Admin),
        [(200, 200), (303, 303), (303, 303), (303, 303), (200, 200)],
    );
}

#[test]
fn a_kkr_member_may_not_touch_forms() {
    run_matrix(Some(Role::Kkr), [(403, 403); 5]);
}

#[test]
fn an_editor_may_fill_in_and_withdraw_only_its_own_form() {
    run_matrix(
        Some(Role::Editor),
        [(200, 403), (303, 403), (303, 403), (403, 403), (403, 403)],
    );
}

#[test]
fn a_reader_may_not_touch_forms() {
    run_matrix(Some(Role::Reader), [(403, 403); 5]);
}

#[test]
fn codes_outside_the_round_are_not_found() {
    let app = spawn_app();
    let agent = app.signed_in(Role::Admin);
    for code in ["999", "751", "abc", "1477"] {
        let status = app
            .get(
                &agent,
                &format!("/rounds/{ROUND_2017}/municipalities/{code}/form"),
            )
            .status;
        assert_eq!(status, 404, "{code}");
    }
    assert_eq!(
        app.get(&agent, "/rounds/77/municipalities/147/form").status,
        404
    );
}
