//! Users: the first admin from the command line, invitations and resets by one-time link,
//! user management by the KKR's admins, password change, and the end of every session of a
//! user at sign-out, password change and deactivation (copied cookies included).

use diesel::prelude::*;

use clap::Parser;

use crate::helpers::*;
use trafiklys::cli::{Cli, Command};
use trafiklys::domain::{MunicipalityCode, Role};
use trafiklys::store::schema::{invitations, users as users_table};
use trafiklys::store::{audit, invitations as invitation_store, reference, tokens, users};

/// A request from a client that has no cookies of its own, carrying exactly `cookie`.
fn get_as(app: &TestApp, cookie: &str, path: &str) -> Response {
    finish(client().get(&app.url(path)).header("Cookie", cookie).call())
}

fn post_as(app: &TestApp, cookie: &str, path: &str, fields: &[(&str, &str)]) -> Response {
    finish(
        client()
            .post(&app.url(path))
            .header("Cookie", cookie)
            .send_form(fields.iter().copied()),
    )
}

fn user_id(app: &TestApp, role: Role) -> i32 {
    users::find_by_email(&mut app.conn(), &app.email(role))
        .unwrap()
        .unwrap()
        .0
        .id
}

fn token_count(app: &TestApp, role: Role) -> usize {
    tokens::list(&mut app.conn(), user_id(app, role))
        .unwrap()
        .len()
}

fn signs_in(app: &TestApp, email: &str, password: &str) -> u16 {
    let agent = client();
    let token = csrf_from(&app.get(&agent, "/login").text());
    app.post(
        &agent,
        "/login",
        &[
            ("email", email),
            ("password", password),
            ("csrf_token", &token),
        ],
    )
    .status
}

/// The one-time link an admin's page shows, as a path on the test server.
fn link_path(page: &str) -> String {
    let marker = "id=\"link\" type=\"text\" readonly value=\"";
    let start = page.find(marker).expect("the page shows a link") + marker.len();
    let end = page[start..].find('"').unwrap() + start;
    let link = &page[start..end];
    let path_start = link.find("/invitation/").expect("an invitation path");
    link[path_start..].to_owned()
}

/// Asserts that a replayed cookie is signed out: pages send it to sign-in.
fn assert_signed_out(app: &TestApp, cookie: &str) {
    let account = get_as(app, cookie, "/account");
    assert_eq!(
        account.status, 303,
        "the copied cookie still opens /account"
    );
    assert!(account.location.unwrap().starts_with("/login"));
}

fn assert_cannot_create_token(app: &TestApp, cookie: &str, csrf: &str, owner: Role) {
    let before = token_count(app, owner);
    let response = post_as(
        app,
        cookie,
        "/account/tokens",
        &[("csrf_token", csrf), ("name", "Stjålet nøgle")],
    );
    assert_eq!(response.status, 303, "token creation was not refused");
    assert!(response.location.unwrap().starts_with("/login"));
    assert_eq!(token_count(app, owner), before, "a token was created");
}

#[test]
fn a_cookie_copied_before_sign_out_no_longer_opens_the_account_page_nor_creates_a_token() {
    let app = spawn_app();
    let agent = app.signed_in(Role::Editor);
    let page = app.get(&agent, "/account").text();
    let csrf = csrf_from(&page);
    let copy = session_cookie(&agent);
    // The copy works as long as the session does.
    assert_eq!(get_as(&app, &copy, "/account").status, 200);

    let out = app.post(&agent, "/logout", &[("csrf_token", &csrf)]);
    assert_eq!(out.status, 303);

    assert_signed_out(&app, &copy);
    assert_cannot_create_token(&app, &copy, &csrf, Role::Editor);
    // Signing in again works and makes a new, valid session.
    let again = app.signed_in(Role::Editor);
    assert_eq!(app.get(&again, "/account").status, 200);
}

#[test]
fn signing_out_on_one_device_ends_the_users_sessions_on_every_device() {
    let app = spawn_app();
    let laptop = app.signed_in(Role::Kkr);
    let phone = app.signed_in(Role::Kkr);
    let csrf = csrf_from(&app.get(&laptop, "/account").text());
    let phone_csrf = csrf_from(&app.get(&phone, "/account").text());
    app.post(&laptop, "/logout", &[("csrf_token", &csrf)]);
    assert_eq!(app.get(&phone, "/account").status, 303);
    // Pressing «Log ud» on the phone afterwards just leaves, without an error.
    let late = app.post(&phone, "/logout", &[("csrf_token", &phone_csrf)]);
    assert_eq!(late.status, 303);
    assert_eq!(late.location.as_deref(), Some("/"));
    // Another user's session is untouched.
    let editor = app.signed_in(Role::Editor);
    assert_eq!(app.get(&editor, "/account").status, 200);
}

#[test]
fn a_password_change_ends_every_other_session_and_keeps_this_one() {
    let app = spawn_app();
    let agent = app.signed_in(Role::Editor);
    let page = app.get(&agent, "/account").text();
    let csrf = csrf_from(&page);
    let copy = session_cookie(&agent);
    let response = app.post(
        &agent,
        "/account/password",
        &[
            ("csrf_token", &csrf),
            ("current_password", &app.password(Role::Editor)),
            ("password", "en helt ny og lang adgangskode"),
            ("password_confirm", "en helt ny og lang adgangskode"),
        ],
    );
    assert_eq!(response.status, 200);
    assert!(response.text().contains("Din adgangskode er skiftet"));

    // This session goes on; the copy taken before the change does not.
    assert_eq!(app.get(&agent, "/account").status, 200);
    assert_signed_out(&app, &copy);
    assert_cannot_create_token(&app, &copy, &csrf, Role::Editor);

    let email = app.email(Role::Editor);
    assert_eq!(signs_in(&app, &email, &app.password(Role::Editor)), 401);
    assert_eq!(
        signs_in(&app, &email, "en helt ny og lang adgangskode"),
        303
    );
    let events = audit::history(
        &mut app.conn(),
        "user",
        &user_id(&app, Role::Editor).to_string(),
    )
    .unwrap();
    assert!(events.iter().any(|e| e.action == "change_password"));
    assert!(events
        .iter()
        .all(|e| !e.after.as_deref().unwrap_or("").contains("argon2")));
}

#[test]
fn a_password_change_needs_the_current_password_and_twelve_characters() {
    let app = spawn_app();
    let agent = app.signed_in(Role::Editor);
    let csrf = csrf_from(&app.get(&agent, "/account").text());
    let response = app.post(
        &agent,
        "/account/password",
        &[
            ("csrf_token", &csrf),
            ("current_password", "forkert"),
            ("password", "for kort"),
            ("password_confirm", "for kort"),
        ],
    );
    assert_eq!(response.status, 422);
    let page = response.text();
    assert!(page.contains("Adgangskoden er ikke skiftet: ret 2 fejl"));
    assert!(page.contains("Din nuværende adgangskode er forkert."));
    assert!(page.contains("Adgangskoden er 8 tegn; den skal være mindst 12 tegn."));
    assert!(parse(&page).has("[href=\"#current-password\"]"));
    // Nothing changed: the old password still works, and this session goes on.
    assert_eq!(
        signs_in(&app, &app.email(Role::Editor), &app.password(Role::Editor)),
        303
    );
    assert_eq!(app.get(&agent, "/account").status, 200);
}

#[test]
fn a_deactivated_user_is_signed_out_everywhere_and_can_use_neither_password_nor_token() {
    let app = spawn_app();
    let editor = app.signed_in(Role::Editor);
    let csrf = csrf_from(&app.get(&editor, "/account").text());
    let copy = session_cookie(&editor);
    let editor_id = user_id(&app, Role::Editor);
    tokens::create(
        &mut app.conn(),
        editor_id,
        "Script",
        "tl_test_token_of_the_editor",
        app.clock.now() + chrono::Duration::days(365),
        trafiklys::clock::Clock::system().now(),
    )
    .unwrap();
    let api = |token: &str| {
        finish(
            client()
                .get(&app.url("/api/v1/rounds/2/municipalities/147/submission"))
                .header("Authorization", &format!("Bearer {token}"))
                .call(),
        )
        .status
    };
    assert_eq!(api("tl_test_token_of_the_editor"), 200);

    let admin = app.signed_in(Role::Admin);
    let admin_csrf = csrf_from(&app.get(&admin, &format!("/users/{editor_id}")).text());
    // Without the confirmation nothing happens.
    let unconfirmed = app.post(
        &admin,
        &format!("/users/{editor_id}/deactivate"),
        &[("csrf_token", &admin_csrf)],
    );
    assert_eq!(unconfirmed.status, 422);
    let page = unconfirmed.text();
    assert!(page.contains("Bekræft deaktiveringen: sæt kryds i feltet «Ja, deaktivér …»"));
    assert!(parse(&page).has("[href=\"#confirm\"]"));
    assert_eq!(app.get(&editor, "/account").status, 200);

    let done = app.post(
        &admin,
        &format!("/users/{editor_id}/deactivate"),
        &[("csrf_token", &admin_csrf), ("confirm", "ja")],
    );
    assert_eq!(done.status, 303);
    assert!(app
        .get(&admin, &format!("/users/{editor_id}"))
        .text()
        .contains("Deaktiveret"));

    assert_eq!(app.get(&editor, "/account").status, 303);
    assert_signed_out(&app, &copy);
    assert_cannot_create_token(&app, &copy, &csrf, Role::Editor);
    assert_eq!(api("tl_test_token_of_the_editor"), 401);

    // The right password is refused with a message that says why.
    let agent = client();
    let token = csrf_from(&app.get(&agent, "/login").text());
    let refused = app.post(
        &agent,
        "/login",
        &[
            ("email", &app.email(Role::Editor)),
            ("password", &app.password(Role::Editor)),
            ("csrf_token", &token),
        ],
    );
    assert_eq!(refused.status, 403);
    assert!(refused.text().contains("Din konto er deaktiveret"));
    // A wrong password says nothing about the account.
    assert_eq!(
        signs_in(&app, &app.email(Role::Editor), "forkert-kode"),
        401
    );

    // Reactivated, the user signs in again with the old password; the token stays revoked.
    app.post(
        &admin,
        &format!("/users/{editor_id}/reactivate"),
        &[("csrf_token", &admin_csrf)],
    );
    assert_eq!(
        signs_in(&app, &app.email(Role::Editor), &app.password(Role::Editor)),
        303
    );
    assert_eq!(
        api("tl_test_token_of_the_editor"),
        401,
        "no token comes back"
    );
    assert!(tokens::list(&mut app.conn(), editor_id)
        .unwrap()
        .iter()
        .all(|t| t.revoked_at.is_some()));
}

#[test]
fn a_session_ends_after_its_absolute_lifetime_however_active() {
    let app = spawn_app_with(|s| {
        s.session_max = Some(std::time::Duration::from_secs(2));
        s.session_idle = Some(std::time::Duration::from_secs(3600));
    });
    let agent = app.signed_in(Role::Editor);
    // Busy all the time, so never idle, until the sign-in is older than two seconds.
    let mut response = app.get(&agent, "/account");
    for _ in 0..10 {
        if response.status != 200 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(500));
        response = app.get(&agent, "/account");
    }
    assert_eq!(response.status, 303);
    let location = response.location.unwrap();
    assert!(location.ends_with("&levetid=1"), "{location}");
    let login = app.get(&agent, &location).text();
    assert!(login.contains("Du er blevet logget ud, fordi du har været logget ind i 2 sekunder."));
}

#[test]
fn an_admin_invites_a_user_who_chooses_a_password_by_the_one_time_link() {
    let app = spawn_app();
    let admin = app.signed_in(Role::Admin);
    let form = app.get(&admin, "/users/new").text();
    assert!(form.contains("Der er ikke sat en mailserver op"));
    let response = app.post(
        &admin,
        "/users",
        &[
            ("csrf_token", &csrf_from(&form)),
            ("email", " Ny.Redaktoer@Gribskov.DK "),
            ("name", ""),
            ("role", "editor"),
            ("municipality", "270"),
        ],
    );
    assert_eq!(response.status, 200);
    let page = response.text();
    assert!(page.contains("Giv dette link videre"));
    let path = link_path(&page);

    // The account waits for its password; only the token's hash is stored.
    let mut conn = app.conn();
    let (account, hash) = users::find_account_by_email(&mut conn, "ny.redaktoer@gribskov.dk")
        .unwrap()
        .expect("the invited user");
    assert_eq!(account.user.role, Role::Editor);
    assert_eq!(
        account.user.municipality_code,
        Some(MunicipalityCode::parse("270").unwrap())
    );
    assert!(hash.is_empty() && !account.has_password);
    let token = path.trim_start_matches("/invitation/");
    let stored: Vec<String> = invitations::table
        .filter(invitations::user_id.eq(account.user.id))
        .select(invitations::token_hash)
        .load(&mut conn)
        .unwrap();
    assert_eq!(stored, vec![tokens::hash(token)]);
    assert!(!stored[0].contains(token));
    drop(conn);
    assert!(app
        .get(&admin, "/users")
        .text()
        .contains("Inviteret, har ikke valgt adgangskode"));

    // The invitee: a short password is refused in Danish, the name kept.
    let invitee = client();
    let welcome = app.get(&invitee, &path);
    assert_eq!(welcome.status, 200);
    let welcome = welcome.text();
    assert!(welcome.contains("Velkommen til Trafiklys"));
    assert!(welcome.contains("ny.redaktoer@gribskov.dk"));
    let csrf = csrf_from(&welcome);
    let short = app.post(
        &invitee,
        &path,
        &[
            ("csrf_token", &csrf),
            ("name", "Nina Nielsen"),
            ("password", "kort kode"),
            ("password_confirm", "kort kode"),
        ],
    );
    assert_eq!(short.status, 422);
    let short = short.text();
    assert!(short.contains("Adgangskoden er 9 tegn; den skal være mindst 12 tegn."));
    let doc = parse(&short);
    assert!(doc.has("[value=\"Nina Nielsen\"]"), "name kept");
    assert!(doc.has("[href=\"#password\"]"));

    let accepted = app.post(
        &invitee,
        &path,
        &[
            ("csrf_token", &csrf),
            ("name", "Nina Nielsen"),
            ("password", "gribskov skov og strand"),
            ("password_confirm", "gribskov skov og strand"),
        ],
    );
    assert_eq!(accepted.status, 303);
    assert_eq!(accepted.location.as_deref(), Some("/"));
    let account_page = app.get(&invitee, "/account").text();
    assert!(account_page.contains("Nina Nielsen"));
    assert!(account_page.contains("ny.redaktoer@gribskov.dk"));
    assert_eq!(
        signs_in(&app, "ny.redaktoer@gribskov.dk", "gribskov skov og strand"),
        303
    );

    // The link works once.
    let again = app.get(&client(), &path);
    assert_eq!(again.status, 410);
    assert!(again.text().contains("Linket er allerede brugt."));
}

#[test]
fn an_expired_or_unknown_link_is_refused_with_a_danish_message() {
    let app = spawn_app();
    let mut conn = app.conn();
    let kkr = reference::kkr_by_name(&mut conn, "KKR Hovedstaden")
        .unwrap()
        .unwrap();
    let new = users::NewUser {
        email: "sen@kkr.example".into(),
        name: "Sen Bruger".into(),
        role: Role::Kkr,
        kkr_id: Some(kkr),
        municipality_code: None,
    };
    let (user, _) = invitation_store::invite(
        &mut conn,
        &new,
        "expiredtoken123",
        None,
        |_, _| None,
        trafiklys::clock::Clock::system().now(),
    )
    .unwrap();
    diesel::update(invitations::table.filter(invitations::user_id.eq(user.id)))
        .set(
            invitations::expires_at.eq(chrono::Utc::now().naive_utc() - chrono::Duration::hours(1)),
        )
        .execute(&mut conn)
        .unwrap();
    drop(conn);
    let expired = app.get(&client(), "/invitation/expiredtoken123");
    assert_eq!(expired.status, 410);
    assert!(expired.text().contains("Linket er udløbet."));
    let unknown = app.get(&client(), "/invitation/no-such-token");
    assert_eq!(unknown.status, 404);
    assert!(unknown.text().contains("Linket findes ikke."));
}

#[test]
fn a_bad_invitation_keeps_the_input_and_creates_nobody() {
    let app = spawn_app();
    let admin = app.signed_in(Role::Admin);
    let csrf = csrf_from(&app.get(&admin, "/users/new").text());
    let users_before: i64 = users_table::table
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    let response = app.post(
        &admin,
        "/users",
        &[
            ("csrf_token", &csrf),
            ("email", "ikke-en-adresse"),
            ("name", "Ole Olsen"),
            ("role", "reader"),
            ("municipality", ""),
        ],
    );
    assert_eq!(response.status, 422);
    let page = response.text();
    assert!(page.contains("Brugeren er ikke inviteret: ret 2 fejl"));
    assert!(page.contains("«ikke-en-adresse» er ikke en e-mailadresse."));
    assert!(page.contains("Vælg kommunen"));
    assert!(page.contains("value=\"ikke-en-adresse\""));
    assert!(page.contains("value=\"Ole Olsen\""));
    assert!(page.contains("value=\"reader\" checked"));

    // A municipality of another KKR, and an email in use.
    let other = app.post(
        &admin,
        "/users",
        &[
            ("csrf_token", &csrf),
            ("email", &app.email(Role::Reader)),
            ("role", "editor"),
            ("municipality", "259"),
        ],
    );
    assert_eq!(other.status, 422);
    let page = other.text();
    assert!(page.contains("Kommune 259 hører ikke til jeres KKR."));
    assert!(page.contains("Der findes allerede en bruger med e-mailen"));
    let users_after: i64 = users_table::table
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(users_before, users_after);
}

#[test]
fn only_admins_manage_users_and_only_those_of_their_own_kkr() {
    let app = spawn_app();
    for role in [Role::Kkr, Role::Editor, Role::Reader] {
        let agent = app.signed_in(role);
        assert_eq!(app.get(&agent, "/users").status, 403, "{role:?}");
        assert_eq!(app.get(&agent, "/users/new").status, 403, "{role:?}");
    }
    let mut conn = app.conn();
    let sjaelland = reference::kkr_by_name(&mut conn, "KKR Sjælland")
        .unwrap()
        .unwrap();
    let outsider = users::create_user(
        &mut conn,
        &users::NewUser {
            email: "anden@kkr-sjaelland.example".into(),
            name: "Anden Admin".into(),
            role: Role::Admin,
            kkr_id: Some(sjaelland),
            municipality_code: None,
        },
        "",
        None,
        trafiklys::clock::Clock::system().now(),
    )
    .unwrap();
    drop(conn);
    let admin = app.signed_in(Role::Admin);
    let list = app.get(&admin, "/users").text();
    assert!(list.contains(&app.email(Role::Editor)));
    assert!(list.contains(&app.email(Role::Kkr)));
    assert!(!list.contains("anden@kkr-sjaelland.example"));
    assert_eq!(
        app.get(&admin, &format!("/users/{}", outsider.id)).status,
        404
    );
    let csrf = csrf_from(&app.get(&admin, "/users/new").text());
    let response = app.post(
        &admin,
        &format!("/users/{}/deactivate", outsider.id),
        &[("csrf_token", &csrf), ("confirm", "ja")],
    );
    assert_eq!(response.status, 404);
    assert!(
        users::get_account(&mut app.conn(), outsider.id)
            .unwrap()
            .unwrap()
            .active
    );
}

#[test]
fn an_admin_changes_a_role_and_resets_a_password() {
    let app = spawn_app();
    let admin = app.signed_in(Role::Admin);
    let reader_id = user_id(&app, Role::Reader);
    let reader = app.signed_in(Role::Reader);
    let csrf = csrf_from(&app.get(&admin, &format!("/users/{reader_id}")).text());

    // A municipal role needs a municipality.
    let missing = app.post(
        &admin,
        &format!("/users/{reader_id}/role"),
        &[
            ("csrf_token", &csrf),
            ("role", "editor"),
            ("municipality", ""),
        ],
    );
    assert_eq!(missing.status, 422);
    assert!(missing.text().contains("Vælg kommunen"));

    let changed = app.post(
        &admin,
        &format!("/users/{reader_id}/role"),
        &[
            ("csrf_token", &csrf),
            ("role", "editor"),
            ("municipality", "147"),
        ],
    );
    assert_eq!(changed.status, 303);
    let account = users::get_account(&mut app.conn(), reader_id)
        .unwrap()
        .unwrap();
    assert_eq!(account.user.role, Role::Editor);
    // The new role applies at once, in the running session: the form opens.
    assert_eq!(
        app.get(&reader, "/rounds/2/municipalities/147/form").status,
        200
    );

    // An admin cannot change their own role.
    let admin_id = user_id(&app, Role::Admin);
    let own = app.post(
        &admin,
        &format!("/users/{admin_id}/role"),
        &[("csrf_token", &csrf), ("role", "kkr"), ("municipality", "")],
    );
    assert_eq!(own.status, 422);
    assert!(own.text().contains("Du kan ikke ændre din egen rolle"));

    // Not without the confirmation: the password still works.
    let unconfirmed = app.post(
        &admin,
        &format!("/users/{reader_id}/reset"),
        &[("csrf_token", &csrf)],
    );
    assert_eq!(unconfirmed.status, 422);
    assert!(unconfirmed.text().contains("Bekræft nulstillingen"));
    assert_eq!(
        signs_in(&app, &app.email(Role::Reader), &app.password(Role::Reader)),
        303
    );
    let reset = app.post(
        &admin,
        &format!("/users/{reader_id}/reset"),
        &[("csrf_token", &csrf), ("confirm", "ja")],
    );
    assert_eq!(reset.status, 200);
    let page = reset.text();
    assert!(page.contains("er nulstillet"));
    let path = link_path(&page);
    // The old password and the running session end at once.
    assert_eq!(
        signs_in(&app, &app.email(Role::Reader), &app.password(Role::Reader)),
        401
    );
    assert_eq!(app.get(&reader, "/account").status, 303);
    let choose = app.get(&client(), &path).text();
    assert!(choose.contains("Vælg en ny adgangskode"));
    let events = audit::history(&mut app.conn(), "user", &reader_id.to_string()).unwrap();
    let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
    assert!(actions.contains(&"set_role"));
    assert!(actions.contains(&"reset_password"));
}

/// `trafiklys admin create …` as the command line parses and runs it; what it prints.
fn admin_create(app: &TestApp, args: &[&str]) -> anyhow::Result<String> {
    let db = app.db_path.to_str().unwrap().to_owned();
    let mut argv = vec!["trafiklys", "--database-url", &db, "admin", "create"];
    argv.extend_from_slice(args);
    let cli = Cli::try_parse_from(argv).expect("the arguments parse");
    let Command::Admin(command) = cli.command else {
        panic!("not the admin command");
    };
    trafiklys::cli::admin(&cli.database_url, command)
}

#[test]
fn admin_create_prints_a_link_with_which_the_first_admin_signs_in() {
    let app = spawn_app();
    let printed = admin_create(
        &app,
        &[
            "--email",
            "sekretariat@kkr-hovedstaden.example",
            "--kkr",
            "hovedstaden",
            "--base-url",
            "https://trafiklys.example.dk/",
        ],
    )
    .expect("the admin is created");
    assert!(printed
        .contains("Created the admin sekretariat@kkr-hovedstaden.example for KKR Hovedstaden."));
    let link = printed
        .lines()
        .find(|l| l.starts_with("https://trafiklys.example.dk/invitation/"))
        .expect("the link is printed");
    let path = &link["https://trafiklys.example.dk".len()..];

    let agent = client();
    let page = app.get(&agent, path).text();
    let accepted = app.post(
        &agent,
        path,
        &[
            ("csrf_token", &csrf_from(&page)),
            ("name", "Sara Sekretær"),
            ("password", "første administrator i KKR"),
            ("password_confirm", "første administrator i KKR"),
        ],
    );
    assert_eq!(accepted.status, 303);
    let users_page = app.get(&agent, "/users");
    assert_eq!(users_page.status, 200, "the new admin manages users");
    assert!(users_page.text().contains("Sara Sekretær"));

    // Without a base URL the link starts with the address the server listens on.
    let local = admin_create(
        &app,
        &[
            "--email",
            "to@kkr.example",
            "--kkr",
            "KKR Hovedstaden",
            "--bind",
            "0.0.0.0:9000",
        ],
    )
    .unwrap();
    assert!(
        local.contains("\nhttp://0.0.0.0:9000/invitation/"),
        "{local}"
    );

    // The same email twice, and an unknown KKR, are refused.
    let twice = admin_create(
        &app,
        &[
            "--email",
            "sekretariat@kkr-hovedstaden.example",
            "--kkr",
            "KKR Hovedstaden",
        ],
    )
    .unwrap_err();
    assert!(twice.to_string().contains("already exists"));
    let unknown = admin_create(&app, &["--email", "x@y.dk", "--kkr", "Atlantis"]).unwrap_err();
    assert!(unknown.to_string().contains("known: KKR"), "{unknown}");
}

#[test]
fn the_session_lookup_gives_the_user_with_their_kkr_and_the_data_version_while_the_session_is_valid(
) {
    let app = spawn_app();
    let mut conn = app.conn();
    let admin = user_id(&app, Role::Admin);
    for role in [Role::Admin, Role::Kkr, Role::Editor, Role::Reader] {
        let id = user_id(&app, role);
        let generation = users::session_generation(&mut conn, id).unwrap();
        let (user, version) = users::session_user_at_version(&mut conn, id, generation)
            .unwrap()
            .expect("a valid session");
        // The same user as the full lookup gives: a municipal user's KKR is their
        // municipality's.
        assert_eq!(Some(user.clone()), users::get_user(&mut conn, id).unwrap());
        assert!(user.kkr_id.is_some(), "{role:?} belongs to a KKR");
        assert_eq!(
            version.data,
            trafiklys::store::data_version(&mut conn).unwrap()
        );
        assert_eq!(
            version.shown,
            trafiklys::store::shown_version(&mut conn).unwrap()
        );
        // A session of an earlier generation names nobody.
        assert_eq!(
            users::session_user_at_version(&mut conn, id, generation - 1).unwrap(),
            None
        );
    }
    let editor = user_id(&app, Role::Editor);
    let generation = users::session_generation(&mut conn, editor).unwrap();
    assert!(users::deactivate(
        &mut conn,
        editor,
        admin,
        trafiklys::clock::Clock::system().now()
    )
    .unwrap());
    // Deactivation ends the session whatever its generation; an unknown user has none.
    for generation in [
        generation,
        users::session_generation(&mut conn, editor).unwrap(),
    ] {
        assert_eq!(
            users::session_user_at_version(&mut conn, editor, generation).unwrap(),
            None
        );
    }
    assert_eq!(
        users::session_user_at_version(&mut conn, 999_999, 0).unwrap(),
        None
    );
}

/// `trafiklys user add …` run as a process; its exit status and what it wrote to stderr.
fn user_add(app: &TestApp, args: &[&str]) -> (bool, String) {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_trafiklys"))
        .arg("--database-url")
        .arg(&app.db_path)
        .args(["user", "add"])
        .args(args)
        .env("TRAFIKLYS_LOG", "warn")
        .output()
        .unwrap();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn user_add_refuses_line_breaks_in_email_and_name_as_the_invitation_form_does() {
    let app = spawn_app();
    let admin = app.signed_in(Role::Admin);
    let cases = [
        (
            "ny@frederiksberg.dk\r\nBcc: alle@example.dk",
            "Nina Ny",
            "ikke en e-mailadresse",
        ),
        (
            "ny@frederiksberg.dk",
            "Nina Ny\r\nBcc: alle@example.dk",
            "Navnet må ikke indeholde styretegn.",
        ),
    ];
    for (email, name, message) in cases {
        let (ok, stderr) = user_add(
            &app,
            &[
                "--email",
                email,
                "--role",
                "editor",
                "--municipality",
                "147",
                "--name",
                name,
            ],
        );
        assert!(!ok, "{email:?} / {name:?} was accepted");
        assert!(stderr.contains(message), "{stderr}");

        // The web's invitation form gives the same answer to the same input.
        let csrf = csrf_from(&app.get(&admin, "/users/new").text());
        let refused = app.post(
            &admin,
            "/users",
            &[
                ("csrf_token", &csrf),
                ("email", email),
                ("name", name),
                ("role", "editor"),
                ("municipality", "147"),
            ],
        );
        assert_eq!(refused.status, 422);
        assert!(refused.text().contains(message));
    }
    assert!(users::find_by_email(&mut app.conn(), "ny@frederiksberg.dk")
        .unwrap()
        .is_none());

    let (ok, stderr) = user_add(
        &app,
        &[
            "--email",
            " Ny@Frederiksberg.dk ",
            "--role",
            "editor",
            "--municipality",
            "147",
            "--name",
            "Nina Ny",
        ],
    );
    assert!(ok, "{stderr}");
    let (user, _) = users::find_by_email(&mut app.conn(), "ny@frederiksberg.dk")
        .unwrap()
        .unwrap();
    assert_eq!(user.name, "Nina Ny");
}

/// The status of `GET /api/v1/rounds/2/summary` with this bearer token.
fn api_status(app: &TestApp, token: &str) -> u16 {
    finish(
        client()
            .get(&app.url("/api/v1/rounds/2/summary"))
            .header("Authorization", &format!("Bearer {token}"))
            .call(),
    )
    .status
}

/// Creates a token on /account as the agent; the token as shown once.
fn create_token(app: &TestApp, agent: &ureq::Agent, name: &str, days: &str) -> Response {
    let csrf = csrf_from(&app.get(agent, "/account").text());
    app.post(
        agent,
        "/account/tokens",
        &[("csrf_token", &csrf), ("name", name), ("days", days)],
    )
}

fn shown_token(page: &str) -> String {
    parse(page).text("code#new-token").unwrap()
}

#[test]
fn an_api_token_works_for_a_year_says_so_on_the_account_page_and_then_stops() {
    let app = spawn_app();
    let reader = app.signed_in(Role::Reader);
    let created = create_token(&app, &reader, "Årligt udtræk", "");
    assert_eq!(created.status, 200);
    let page = created.text();
    let token = shown_token(&page);
    let expires =
        trafiklys::domain::time::danish_date(app.clock.now() + chrono::Duration::days(365));
    assert!(
        parse(&page).has_text("th[scope=\"col\"]", "Udløber"),
        "{page}"
    );
    assert!(page.contains(&expires), "{expires} not on the page");
    assert_eq!(api_status(&app, &token), 200);

    let short = create_token(&app, &reader, "Kort", "30");
    let short_token = shown_token(&short.text());
    let refused = create_token(&app, &reader, "Evig", "100000");
    assert_eq!(refused.status, 422);
    assert!(refused
        .text()
        .contains("Vælg, hvor længe nøglen skal virke."));

    app.clock.advance(chrono::Duration::days(31));
    assert_eq!(api_status(&app, &short_token), 401, "30 days are over");
    assert_eq!(api_status(&app, &token), 200);
    app.clock.advance(chrono::Duration::days(335));
    assert_eq!(api_status(&app, &token), 401, "a year is over");
    let stored = tokens::list(&mut app.conn(), user_id(&app, Role::Reader)).unwrap();
    assert!(
        stored.iter().all(|t| t.revoked_at.is_none()),
        "expired, not revoked"
    );
}

#[test]
fn a_reset_and_a_password_set_by_someone_else_revoke_every_api_token() {
    let app = spawn_app();
    let editor_id = user_id(&app, Role::Editor);
    let make = |token: &str| {
        tokens::create(
            &mut app.conn(),
            editor_id,
            "Script",
            token,
            app.clock.now() + chrono::Duration::days(365),
            trafiklys::clock::Clock::system().now(),
        )
        .unwrap();
    };
    make("tl_before_the_reset");
    assert_eq!(api_status(&app, "tl_before_the_reset"), 200);
    let admin = app.signed_in(Role::Admin);
    let csrf = csrf_from(&app.get(&admin, &format!("/users/{editor_id}")).text());
    let reset = app.post(
        &admin,
        &format!("/users/{editor_id}/reset"),
        &[("csrf_token", &csrf), ("confirm", "ja")],
    );
    assert!(reset.status < 400, "{}", reset.status);
    assert_eq!(api_status(&app, "tl_before_the_reset"), 401);

    make("tl_before_a_new_password");
    let hash = trafiklys::password::hash("en adgangskode sat af en anden").unwrap();
    let admin_id = user_id(&app, Role::Admin);
    users::set_password_hash(
        &mut app.conn(),
        editor_id,
        &hash,
        Some(admin_id),
        trafiklys::clock::Clock::system().now(),
    )
    .unwrap();
    assert_eq!(api_status(&app, "tl_before_a_new_password"), 401);
    let events = audit::history(&mut app.conn(), "api_token", &editor_id.to_string()).unwrap();
    assert_eq!(
        events.iter().filter(|e| e.action == "revoke_all").count(),
        2
    );
}

#[test]
fn admin_create_with_installation_makes_an_installation_admin_or_flags_an_existing_admin() {
    let app = spawn_app();
    let printed = admin_create(
        &app,
        &[
            "--email",
            "drift@kkr.example",
            "--kkr",
            "Hovedstaden",
            "--installation",
        ],
    )
    .unwrap();
    assert!(
        printed.contains("Created the installation admin drift@kkr.example"),
        "{printed}"
    );
    let flagged = |email: &str| {
        let id = users::find_by_email(&mut app.conn(), email)
            .unwrap()
            .unwrap()
            .0
            .id;
        users::is_installation_admin(&mut app.conn(), id).unwrap()
    };
    assert!(flagged("drift@kkr.example"));

    admin_create(
        &app,
        &["--email", "kkr-admin@kkr.example", "--kkr", "Hovedstaden"],
    )
    .unwrap();
    assert!(
        !flagged("kkr-admin@kkr.example"),
        "an admin of one KKR only"
    );
    let again = admin_create(
        &app,
        &[
            "--email",
            "kkr-admin@kkr.example",
            "--kkr",
            "Hovedstaden",
            "--installation",
        ],
    )
    .unwrap();
    assert!(again.contains("kkr-admin@kkr.example is now an installation admin"));
    assert!(flagged("kkr-admin@kkr.example"));

    let editor = admin_create(
        &app,
        &[
            "--email",
            &app.email(Role::Editor),
            "--kkr",
            "Hovedstaden",
            "--installation",
        ],
    )
    .unwrap_err();
    assert!(editor.to_string().contains("only an admin"), "{editor}");
}
