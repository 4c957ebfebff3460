//! People who help themselves: many users invited from a spreadsheet (a dry run, then all or
//! nothing, each error by row and column), the invitation mail that names the person, their
//! municipality, role, KKR and whom to ask, expired invitations shown and renewed as such,
//! "Glemt adgangskode?", the tracker's link to invite a missing editor, and a reader's
//! downloads on the front page.

use chrono::Duration;
use diesel::prelude::*;

use crate::helpers::*;
use trafiklys::domain::events::{Event, UserEvent};
use trafiklys::domain::Role;
use trafiklys::store::schema::{audit_events, invitations, mail_outbox, users as users_table};
use trafiklys::store::{audit, invitations as invitation_store, users};

const IMPORT: &str = "/users/import";

/// A mail server that is never reached: mails stay queued with their text.
fn with_mail(s: &mut trafiklys::web::Settings) {
    s.smtp_url = Some("smtp://127.0.0.1:9".into());
}

/// (recipient, subject, body) of every queued mail, oldest first.
fn queued(app: &TestApp) -> Vec<(String, String, String)> {
    mail_outbox::table
        .order(mail_outbox::id.asc())
        .select((
            mail_outbox::recipient,
            mail_outbox::subject,
            mail_outbox::body,
        ))
        .load(&mut app.conn())
        .unwrap()
}

/// The counts a users import would change, and the data version (which, with a mail server
/// set up, the outbox's sender also moves when it records a failed attempt).
fn people_fingerprint(app: &TestApp) -> Vec<i64> {
    let mut conn = app.conn();
    let mut counts = vec![
        users_table::table.count().get_result(&mut conn).unwrap(),
        invitations::table.count().get_result(&mut conn).unwrap(),
        mail_outbox::table.count().get_result(&mut conn).unwrap(),
        audit_events::table.count().get_result(&mut conn).unwrap(),
    ];
    counts.extend(app.fingerprint().into_iter().map(|(_, n)| n));
    counts
}

/// [`people_fingerprint`] without the data version, for an app whose sender is at work.
fn people_counts(app: &TestApp) -> Vec<i64> {
    let mut counts = people_fingerprint(app);
    counts.pop();
    counts
}

fn upload(app: &TestApp, agent: &ureq::Agent, name: &str, bytes: &[u8]) -> Response {
    let token = csrf_from(&app.get(agent, IMPORT).text());
    app.post_multipart(
        agent,
        IMPORT,
        &[("csrf_token", &token)],
        Some((name, bytes)),
    )
}

/// Carries out the dry run shown on `page`.
fn confirm(app: &TestApp, agent: &ureq::Agent, page: &str) -> Response {
    app.post_multipart(
        agent,
        IMPORT,
        &[
            ("csrf_token", &csrf_from(page)),
            ("step", "udfoer"),
            ("file_name", &hidden_value(page, "file_name")),
            ("file_data", &hidden_value(page, "file_data")),
        ],
        None,
    )
}

const GOOD: &str = "E-mail;Navn;Rolle;Kommune\n\
                    emma@gribskov.example;Emma Hansen;redaktør;Gribskov\n\
                    bo@gribskov.example;;Byrådssekretær;270\n\
                    kim@kkr.example;Kim Krogh;KKR-medlem;\n";

#[test]
fn many_users_are_invited_from_a_file_after_a_dry_run_each_with_a_mail_that_names_them() {
    let app = spawn_app_with(with_mail);
    let admin = app.signed_in(Role::Admin);
    assert!(app
        .get(&admin, "/users")
        .text()
        .contains("href=\"/users/import\""));
    let before = people_fingerprint(&app);
    let dry = upload(&app, &admin, "brugere.csv", GOOD.as_bytes());
    assert_eq!(dry.status, 200);
    let page = dry.text();
    assert!(page.contains("Prøvekørsel af brugere.csv: ingen er inviteret endnu"));
    assert!(page.contains("3 brugere inviteres."));
    assert!(page.contains(
        "Række 2: Emma Hansen &lt;emma@gribskov.example&gt;, kommunal medarbejder, Gribskov (270)"
    ));
    assert!(page.contains("Række 4: Kim Krogh &lt;kim@kkr.example&gt;, kkr-medlem"));
    assert_eq!(people_fingerprint(&app), before, "a dry run writes nothing");

    let done = confirm(&app, &admin, &page);
    assert_eq!(done.status, 200);
    let done = done.text();
    assert!(
        done.contains("3 brugere er inviteret fra brugere.csv"),
        "{done}"
    );
    let mut conn = app.conn();
    let (emma, _) = users::find_account_by_email(&mut conn, "emma@gribskov.example")
        .unwrap()
        .unwrap();
    assert_eq!(emma.user.role, Role::Editor);
    assert_eq!(emma.user.municipality_code.unwrap().as_str(), "270");
    assert!(!emma.has_password);
    let (kim, _) = users::find_account_by_email(&mut conn, "kim@kkr.example")
        .unwrap()
        .unwrap();
    assert_eq!(kim.user.role, Role::Kkr);
    drop(conn);

    // One mail each, through the outbox, naming the person, role, municipality and KKR.
    let mails = queued(&app);
    assert_eq!(mails.len(), 3);
    let (to, subject, body) = &mails[0];
    assert_eq!(to, "emma@gribskov.example");
    assert_eq!(
        subject,
        "Du er inviteret til Trafiklys som kommunal medarbejder for Gribskov Kommune i KKR Hovedstaden"
    );
    assert!(body.starts_with("Kære Emma Hansen\n"), "{body}");
    assert!(body.contains("KKR Hovedstaden har oprettet dig"));
    assert!(body.contains("/invitation/"));
    assert!(
        body.contains(&format!("<{}>", app.email(Role::Admin))),
        "{body}"
    );
    assert!(body.contains("/kontakt"));
    assert!(mails[1].2.starts_with("Kære kollega\n"), "no name given");
    assert!(mails[2].1.ends_with("som medlem af KKR Hovedstaden"));

    // The same file again: every address is taken now, and nothing is written.
    let before = people_counts(&app);
    let again = upload(&app, &admin, "brugere.csv", GOOD.as_bytes());
    assert_eq!(again.status, 422);
    assert!(again
        .text()
        .contains("Ingen er inviteret: brugere.csv har 3 fejl"));
    assert_eq!(people_counts(&app), before);
}

#[test]
fn every_error_of_a_users_file_is_named_by_row_and_column_and_nothing_is_written() {
    // No mail server: no sender moves the data version while the test compares it.
    let app = spawn_app();
    let admin = app.signed_in(Role::Admin);
    let before = people_fingerprint(&app);
    let file = format!(
        "E-mail;Navn;Rolle;Kommune\n\
         ikke-en-adresse;A;redaktør;147\n\
         b@x.example;B;chef;147\n\
         c@x.example;C;redaktør;Aarhus\n\
         d@x.example;D;redaktør;Atlantis\n\
         e@x.example;E;læser;\n\
         {taken};F;læser;147\n\
         g@x.example;G;læser;147\n\
         G@X.example;G2;læser;147\n\
         h@x.example;H;læser;147\n",
        taken = app.email(Role::Editor)
    );
    let response = upload(&app, &admin, "brugere.csv", file.as_bytes());
    assert_eq!(response.status, 422);
    let page = response.text();
    let doc = parse(&page);
    let errors = doc.texts(".error-summary li");
    let expected = [
        "brugere.csv, række 2, kolonne A (E-mail): «ikke-en-adresse» er ikke en e-mailadresse.",
        "brugere.csv, række 3, kolonne C (Rolle): rollen «chef» findes ikke",
        "brugere.csv, række 4, kolonne D (Kommune): Aarhus (751) hører ikke til jeres KKR.",
        "brugere.csv, række 5, kolonne D (Kommune): kommunen «Atlantis» findes ikke",
        "brugere.csv, række 6, kolonne D (Kommune): vælg kommunen",
        "brugere.csv, række 7, kolonne A (E-mail): der findes allerede en bruger med e-mailen",
        "brugere.csv, række 9, kolonne A (E-mail): e-mailen g@x.example står også i række 8",
    ];
    assert_eq!(errors.len(), expected.len(), "{errors:#?}");
    for (error, start) in errors.iter().zip(expected) {
        assert!(error.starts_with(start), "{error}");
    }
    assert!(page.contains("Ingen er inviteret: brugere.csv har 7 fejl"));
    assert!(!page.contains("Invitér dem alle"), "no confirmation form");
    assert_eq!(people_fingerprint(&app), before);

    // A file without the columns, an empty file, a file in an old format, one over the limit
    // and a sheet with a cell far outside the table: each refused, nothing written.
    for (name, bytes, says) in [
        (
            "navne.csv",
            b"Navn;Kommune\nA;147\n".to_vec(),
            "kolonnen «E-mail» mangler",
        ),
        ("tom.csv", b"  \n".to_vec(), "filen er tom."),
        (
            "gammel.xls",
            vec![0xD0, 0xCF, 0x11, 0xE0, 0, 0],
            "formatet XLS (Excel 97-2003)",
        ),
        (
            "stor.csv",
            vec![b'a'; 2 * 1024 * 1024 + 1],
            "en import må højst fylde 2 MB",
        ),
        (
            "hjørne.xlsx",
            crate::imports::corner_xlsx(),
            "der er indhold i celle XFD1048576",
        ),
    ] {
        let response = upload(&app, &admin, name, &bytes);
        assert_eq!(response.status, 422, "{name}");
        let page = response.text();
        assert!(page.contains(says), "{name}: {page}");
        assert_eq!(people_fingerprint(&app), before, "{name}");
    }

    // A dry run that was fine, carried out after one of its addresses was taken: nothing.
    let dry = upload(&app, &admin, "brugere.csv", GOOD.as_bytes());
    assert_eq!(dry.status, 200);
    let page = dry.text();
    let invite = app.get(&admin, "/users/new").text();
    let taken = app.post(
        &admin,
        "/users",
        &[
            ("csrf_token", &csrf_from(&invite)),
            ("email", "kim@kkr.example"),
            ("name", "Kim"),
            ("role", "kkr"),
            ("municipality", ""),
        ],
    );
    assert_eq!(taken.status, 200);
    let before = people_fingerprint(&app);
    let late = confirm(&app, &admin, &page);
    assert_eq!(late.status, 422);
    assert!(late.text().contains(
        "række 4, kolonne A (E-mail): der findes allerede en bruger med e-mailen kim@kkr.example"
    ));
    assert_eq!(people_fingerprint(&app), before);
    assert!(
        users::find_account_by_email(&mut app.conn(), "emma@gribskov.example")
            .unwrap()
            .is_none()
    );
}

#[test]
fn only_admins_invite_from_a_file_and_without_a_mail_server_the_links_are_shown() {
    let app = spawn_app();
    for role in [Role::Kkr, Role::Editor, Role::Reader] {
        let agent = app.signed_in(role);
        assert_eq!(app.get(&agent, IMPORT).status, 403, "{role:?}");
    }
    assert_eq!(app.get(&client(), IMPORT).status, 303, "anonymous: sign in");
    let admin = app.signed_in(Role::Admin);
    let page = app.get(&admin, IMPORT).text();
    assert!(page.contains("Der er ikke sat en mailserver op"));
    let dry = upload(&app, &admin, "brugere.csv", GOOD.as_bytes()).text();
    let done = confirm(&app, &admin, &dry);
    assert_eq!(done.status, 200);
    let doc = parse(&done.text());
    let links = doc.texts("td code");
    assert_eq!(links.len(), 3);
    assert!(links.iter().all(|l| l.contains("/invitation/")));
    assert!(queued(&app).is_empty());
    // Each link works for its own person.
    let path = &links[0][links[0].find("/invitation/").unwrap()..];
    let welcome = app.get(&client(), path).text();
    assert!(welcome.contains("emma@gribskov.example"));
}

/// The path of the one-time link in a mail's body.
fn link_in(body: &str) -> String {
    let start = body.find("/invitation/").expect("a link");
    body[start..].split_whitespace().next().unwrap().to_owned()
}

fn ask_for_link(app: &TestApp, agent: &ureq::Agent, email: &str) -> Response {
    // The sign-in page carries the session's token also when the form is not shown.
    let form = app.get(agent, "/login").text();
    app.post(
        agent,
        "/glemt-adgangskode",
        &[("csrf_token", &csrf_from(&form)), ("email", email)],
    )
}

fn signs_in(app: &TestApp, email: &str, password: &str) -> u16 {
    let agent = client();
    let form = app.get(&agent, "/login").text();
    app.post(
        &agent,
        "/login",
        &[
            ("csrf_token", &csrf_from(&form)),
            ("email", email),
            ("password", password),
        ],
    )
    .status
}

fn choose_password(app: &TestApp, path: &str, password: &str) -> Response {
    let agent = client();
    let page = app.get(&agent, path);
    assert_eq!(page.status, 200, "{path}");
    let page = page.text();
    app.post(
        &agent,
        path,
        &[
            ("csrf_token", &csrf_from(&page)),
            ("name", "Eva Editor"),
            ("password", password),
            ("password_confirm", password),
        ],
    )
}

#[test]
fn a_forgotten_password_gets_a_link_by_mail_with_the_same_answer_for_an_unknown_address() {
    let app = spawn_app_with(with_mail);
    let login = app.get(&client(), "/login").text();
    assert!(parse(&login).has("a[href=\"/glemt-adgangskode\"]"));
    let visitor = client();

    let unknown = ask_for_link(&app, &visitor, "ingen@nowhere.example");
    assert_eq!(unknown.status, 200);
    let unknown = unknown.text();
    assert!(unknown.contains("Hvis ingen@nowhere.example hører til en aktiv bruger"));
    assert!(queued(&app).is_empty());

    let email = app.email(Role::Editor);
    let known = ask_for_link(&app, &visitor, &email.to_uppercase());
    assert_eq!(known.status, 200);
    let known = known.text();
    let answer = |page: &str, email: &str| {
        parse(page)
            .text("#forgotten-sent")
            .unwrap()
            .replace(email, "ADDRESS")
    };
    assert_eq!(
        answer(&known, &email),
        answer(&unknown, "ingen@nowhere.example"),
        "the same answer for an address with and without an account"
    );
    let mails = queued(&app);
    assert_eq!(mails.len(), 1);
    let (to, subject, body) = &mails[0];
    assert_eq!(to, &email);
    assert_eq!(subject, "Link til ny adgangskode til Trafiklys");
    assert!(body.contains("Din nuværende adgangskode virker, indtil du har valgt en ny"));

    // Asking does not lock anyone out: the old password works until the link is used.
    let old = app.password(Role::Editor);
    assert_eq!(signs_in(&app, &email, &old), 303);
    let path = link_in(body);
    let chosen = choose_password(&app, &path, "en helt ny lang adgangskode");
    assert_eq!(chosen.status, 303);
    assert_eq!(signs_in(&app, &email, &old), 401);
    assert_eq!(signs_in(&app, &email, "en helt ny lang adgangskode"), 303);
    assert_eq!(app.get(&client(), &path).status, 410, "the link works once");

    // The user's history says what happened, as its own kind of event.
    let id = users::find_by_email(&mut app.conn(), &email)
        .unwrap()
        .unwrap()
        .0
        .id;
    let history = audit::history(&mut app.conn(), "user", &id.to_string()).unwrap();
    assert!(history.iter().any(|e| matches!(
        e.event(),
        Ok(Event::User(UserEvent::RequestPasswordLink { .. }))
    )));
}

#[test]
fn a_password_link_expires_after_seven_days() {
    let app = spawn_app_with(with_mail);
    ask_for_link(&app, &client(), &app.email(Role::Reader));
    let path = link_in(&queued(&app)[0].2);
    app.clock
        .advance(Duration::days(invitation_store::VALID_DAYS) + Duration::hours(1));
    let expired = app.get(&client(), &path);
    assert_eq!(expired.status, 410);
    assert!(expired.text().contains("Linket er udløbet."));
}

#[test]
fn a_deactivated_user_gets_no_link_and_cannot_use_one_made_before() {
    let app = spawn_app_with(with_mail);
    let email = app.email(Role::Editor);
    ask_for_link(&app, &client(), &email);
    let path = link_in(&queued(&app)[0].2);

    let admin = app.signed_in(Role::Admin);
    let id = users::find_by_email(&mut app.conn(), &email)
        .unwrap()
        .unwrap()
        .0
        .id;
    let page = app.get(&admin, &format!("/users/{id}")).text();
    let deactivated = app.post(
        &admin,
        &format!("/users/{id}/deactivate"),
        &[("csrf_token", &csrf_from(&page)), ("confirm", "ja")],
    );
    assert_eq!(deactivated.status, 303);

    // The link made before is refused; asking again gives the usual answer and sends nothing.
    let refused = app.get(&client(), &path);
    assert_eq!(refused.status, 410);
    app.clock.advance(Duration::hours(1));
    let again = ask_for_link(&app, &client(), &email);
    assert_eq!(again.status, 200);
    assert!(again.text().contains("hører til en aktiv bruger"));
    assert_eq!(queued(&app).len(), 1, "no mail to a deactivated user");
}

#[test]
fn password_links_are_limited_per_user_and_per_address() {
    let app = spawn_app_with(|s| {
        with_mail(s);
        s.limits.login_per_account = 3;
    });
    let email = app.email(Role::Reader);
    let visitor = client();
    assert_eq!(ask_for_link(&app, &visitor, &email).status, 200);
    assert_eq!(ask_for_link(&app, &visitor, &email).status, 200);
    assert_eq!(queued(&app).len(), 1, "one link per user in the cooldown");
    app.clock.advance(Duration::minutes(
        invitation_store::FORGOTTEN_COOLDOWN_MINUTES + 1,
    ));
    assert_eq!(ask_for_link(&app, &visitor, &email).status, 200);
    assert_eq!(
        queued(&app).len(),
        2,
        "a new link once the cooldown is over"
    );
    // The fourth request in a minute for the address is refused with a wait.
    let limited = ask_for_link(&app, &visitor, &email);
    assert_eq!(limited.status, 429);
    assert!(limited.header("retry-after").is_some());
    let page = limited.text();
    assert!(page.contains("Vent"));
    assert!(
        parse(&page).has(&format!("input[value=\"{email}\"]")),
        "input kept"
    );
    assert_eq!(queued(&app).len(), 2);
    // A bad address is said on the page, kept, and nothing is counted as sent.
    let bad = ask_for_link(&app, &visitor, "ikke-en-adresse");
    assert_eq!(bad.status, 422);
    assert!(bad
        .text()
        .contains("«ikke-en-adresse» er ikke en e-mailadresse."));
}

#[test]
fn without_a_mail_server_the_page_points_to_the_secretariat() {
    let app = spawn_app();
    let page = app.get(&client(), "/glemt-adgangskode").text();
    assert!(page.contains("Kontakt KKR-sekretariatet"));
    let answer = ask_for_link(&app, &client(), &app.email(Role::Editor));
    assert_eq!(answer.status, 200);
    let count: i64 = invitations::table
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(count, 0);
}

#[test]
fn an_expired_invitation_shows_as_expired_and_a_new_one_is_audited_as_such() {
    let app = spawn_app();
    let admin = app.signed_in(Role::Admin);
    let form = app.get(&admin, "/users/new").text();
    let invited = app.post(
        &admin,
        "/users",
        &[
            ("csrf_token", &csrf_from(&form)),
            ("email", "sen@gribskov.example"),
            ("name", "Sen Bruger"),
            ("role", "reader"),
            ("municipality", "270"),
        ],
    );
    assert_eq!(invited.status, 200);
    assert!(app
        .get(&admin, "/users")
        .text()
        .contains("Inviteret, har ikke valgt adgangskode"));
    app.clock
        .advance(Duration::days(invitation_store::VALID_DAYS) + Duration::hours(1));
    let admin = app.signed_in(Role::Admin);
    let list = app.get(&admin, "/users").text();
    assert!(list.contains("Invitationen er udløbet"), "{list}");
    let id = users::find_by_email(&mut app.conn(), "sen@gribskov.example")
        .unwrap()
        .unwrap()
        .0
        .id;
    let page = app.get(&admin, &format!("/users/{id}")).text();
    let doc = parse(&page);
    assert!(doc.has_text("button", "Send ny invitation"));
    assert!(!doc.has_text("button", "Nulstil adgangskoden"));

    let unconfirmed = app.post(
        &admin,
        &format!("/users/{id}/reset"),
        &[("csrf_token", &csrf_from(&page))],
    );
    assert_eq!(unconfirmed.status, 422);
    assert!(unconfirmed.text().contains("Bekræft den nye invitation"));
    let renewed = app.post(
        &admin,
        &format!("/users/{id}/reset"),
        &[("csrf_token", &csrf_from(&page)), ("confirm", "ja")],
    );
    assert_eq!(renewed.status, 200);
    assert!(renewed
        .text()
        .contains("Sen Bruger har fået en ny invitation"));
    let page = app.get(&admin, &format!("/users/{id}")).text();
    let history = parse(&page).texts("table td");
    assert!(
        history.iter().any(|t| t == "Ny invitation sendt"),
        "{history:?}"
    );
    assert!(!history.iter().any(|t| t == "Adgangskode nulstillet"));
    assert!(app
        .get(&admin, "/users")
        .text()
        .contains("Inviteret, har ikke valgt adgangskode"));
    let events = audit::history(&mut app.conn(), "user", &id.to_string()).unwrap();
    assert!(matches!(
        events.last().unwrap().event(),
        Ok(Event::User(UserEvent::Reinvite { .. }))
    ));
}

#[test]
fn the_tracker_links_a_municipality_without_an_editor_to_inviting_one() {
    let app = spawn_app();
    let admin = app.signed_in(Role::Admin);
    let page = app.get(&admin, "/rounds/2").text();
    let doc = parse(&page);
    let links = doc.attrs("a[href^=\"/users/new?role=editor\"]", "href");
    assert!(!links.is_empty(), "no invite link in the tracker");
    let link = links[0].replace("&amp;", "&");
    let code = link.rsplit('=').next().unwrap().to_owned();
    let form = app.get(&admin, &link).text();
    let form = parse(&form);
    assert_eq!(
        form.attr("#municipality option[selected]", "value"),
        Some(code)
    );
    assert_eq!(
        form.attr("input[name=\"role\"][checked]", "value")
            .as_deref(),
        Some("editor")
    );
}

#[test]
fn a_reader_finds_every_download_per_round_and_no_closed_round_offers_its_form() {
    let app = spawn_app();
    let reader = app.signed_in(Role::Reader);
    let page = app.get(&reader, "/").text();
    let doc = parse(&page);
    for round in [1, 2] {
        let base = format!("/rounds/{round}/municipalities/147");
        assert!(
            doc.has(&format!(
                "form[action=\"{base}/attachment.pdf\"] input[name=\"moededato\"]"
            )),
            "round {round}: the attachment with a meeting date"
        );
        for file in [
            "agenda.docx",
            "agenda.txt",
            "answers.xlsx",
            "answers.csv?sep=semikolon",
        ] {
            let href = format!("{base}/{file}");
            assert!(doc.has(&format!("a[href=\"{href}\"]")), "{href}");
            assert_eq!(app.get(&reader, &href).status, 200, "{href}");
        }
    }
    let pdf = app.get(
        &reader,
        "/rounds/1/municipalities/147/attachment.pdf?moededato=2018-01-31",
    );
    assert_eq!(pdf.status, 200);
    assert!(!page.contains("Udfyld skema"), "a reader fills in no form");

    // An editor: the form of the open round (2017), none of the closed one (2016).
    let editor = app.signed_in(Role::Editor);
    let doc = parse(&app.get(&editor, "/").text());
    let forms = doc.attrs("a[href$=\"/form\"]", "href");
    assert_eq!(forms, vec!["/rounds/2/municipalities/147/form".to_owned()]);
}
