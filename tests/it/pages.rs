//! The frame every page shares (owner, signed-in user, footer), the accessibility statement
//! an admin keeps, and the conflict page that names only what the other person changed.

use diesel::prelude::*;

use crate::helpers::*;
use trafiklys::domain::Role;
use trafiklys::store::schema::{accessibility_statement, audit_events};
use trafiklys::store::users;

const FORM: &str = "/rounds/2/municipalities/147/form";
const EDIT: &str = "/tilgaengelighed/rediger";

fn statement_fields<'a>(csrf: &'a str, reviewed_on: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf_token", csrf),
        ("organisation", "KKR Testregion"),
        ("website", "https://trafiklys.test.example"),
        ("compliance", "delvist"),
        ("nonaccessible", "Ældre PDF-bilag fra 2016 er ikke tagget.\nKortet over regionen har ingen tekstversion."),
        ("evaluation_method", "selv"),
        ("evaluation_description", "Automatisk test af alle sider og en gennemgang med tastatur."),
        ("evaluation_report_url", ""),
        ("contact_email", "tilgaengelighed@test.example"),
        ("contact_phone", "33 70 33 70"),
        ("prepared_on", "2026-11-24"),
        ("reviewed_on", reviewed_on),
    ]
}

fn statement_audit_rows(app: &TestApp) -> i64 {
    audit_events::table
        .filter(audit_events::entity.eq("accessibility_statement"))
        .count()
        .get_result(&mut app.conn())
        .unwrap()
}

#[test]
fn every_page_names_the_owner_and_links_contact_privacy_and_the_accessibility_statement() {
    let app = spawn_app_with(|s| s.site_name = Some("KKR Testregion".into()));
    let anonymous = client();
    for path in ["/", "/login", "/tilgaengelighed", "/kontakt", "/privatliv"] {
        let page = app.get(&anonymous, path);
        assert_eq!(page.status, 200, "{path}");
        let html = page.text();
        assert_eq!(
            parse(&html).text("span.owner").as_deref(),
            Some("KKR Testregion"),
            "{path}"
        );
        for link in [
            "href=\"/kontakt\"",
            "href=\"/privatliv\"",
            "href=\"/tilgaengelighed\"",
        ] {
            assert!(html.contains(link), "{path} links {link}");
        }
    }
    let editor = app.signed_in(Role::Editor);
    let home = app.get(&editor, "/").text();
    assert!(home.contains("Logget ind som"));
    assert!(home.contains("Emma Editor"));
}

#[test]
fn the_page_font_is_served_by_the_app_itself() {
    let app = spawn_app();
    let font = app.get(&client(), "/static/fonts/dejavu-sans.ttf");
    assert_eq!(font.status, 200);
    assert_eq!(font.content_type, "font/ttf");
    assert!(font.bytes.len() > 100_000);
    let css = app.get(&client(), "/static/style.css").text();
    assert!(css.contains("url(\"/static/fonts/dejavu-sans.ttf\")"));
    assert!(
        !css.contains("http"),
        "the stylesheet asks nothing of other sites"
    );
}

#[test]
fn an_admin_writes_the_accessibility_statement_and_the_change_is_audited() {
    let app = spawn_app();
    let before = app.get(&client(), "/tilgaengelighed").text();
    assert!(before.contains("endnu ikke udfyldt"));

    let admin = app.signed_in(Role::Admin);
    let form = app.get(&admin, EDIT);
    assert_eq!(form.status, 200);
    let csrf = csrf_from(&form.text());
    let saved = app.post(&admin, EDIT, &statement_fields(&csrf, "2026-11-25"));
    assert_eq!(saved.status, 303);

    let page = app.get(&client(), "/tilgaengelighed").text();
    assert!(page.contains("KKR Testregion forpligter sig"));
    assert!(page.contains("Webstedet overholder standarden delvist"));
    assert!(parse(&page).has_text("li", "Ældre PDF-bilag fra 2016 er ikke tagget."));
    assert!(page.contains("tilgaengelighed@test.example"));
    assert!(page.contains("33 70 33 70"));
    assert!(page.contains("25. november 2026"));
    assert!(page.contains("Digitaliseringsstyrelsen"));
    let contact = app.get(&client(), "/kontakt").text();
    assert!(contact.contains("tilgaengelighed@test.example"));
    assert_eq!(statement_audit_rows(&app), 1);

    // A second save changes the row and writes a second audit row.
    let again = app.post(&admin, EDIT, &statement_fields(&csrf, "2026-12-01"));
    assert_eq!(again.status, 303);
    assert!(app
        .get(&client(), "/tilgaengelighed")
        .text()
        .contains("1. december 2026"));
    assert_eq!(statement_audit_rows(&app), 2);
}

#[test]
fn a_statement_reviewed_before_it_was_written_is_refused_with_the_input_kept() {
    let app = spawn_app();
    let admin = app.signed_in(Role::Admin);
    let csrf = csrf_from(&app.get(&admin, EDIT).text());
    let refused = app.post(&admin, EDIT, &statement_fields(&csrf, "2026-01-01"));
    assert_eq!(refused.status, 422);
    let doc = parse(&refused.text());
    assert!(doc.has(".error-summary"));
    assert!(doc.has("[href=\"#reviewed_on\"]"));
    assert_eq!(
        doc.attr("#reviewed_on[name=\"reviewed_on\"]", "value")
            .as_deref(),
        Some("2026-01-01")
    );
    assert!(doc.has("[aria-invalid=\"true\"]"));
    assert!(doc.has("[value=\"KKR Testregion\"]"), "the input is kept");
    let rows: i64 = accessibility_statement::table
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(rows, 0, "nothing written");
    assert_eq!(statement_audit_rows(&app), 0);
}

#[test]
fn only_an_admin_may_edit_the_accessibility_statement() {
    let app = spawn_app();
    for role in [Role::Kkr, Role::Editor, Role::Reader] {
        let agent = app.signed_in(role);
        assert_eq!(app.get(&agent, EDIT).status, 403, "{role:?}");
        let csrf = app.csrf(&agent);
        assert_eq!(
            app.post(&agent, EDIT, &statement_fields(&csrf, "2026-11-25"))
                .status,
            403
        );
    }
    assert_eq!(statement_audit_rows(&app), 0);
    assert!(!app
        .get(&app.signed_in(Role::Editor), "/tilgaengelighed")
        .text()
        .contains(EDIT));
}

/// Another admin of KKR Hovedstaden, without the installation flag, signed in.
fn kkr_admin_without_flag(app: &TestApp) -> ureq::Agent {
    let mut conn = app.conn();
    let kkr_id = trafiklys::store::reference::kkr_by_name(&mut conn, "KKR Hovedstaden")
        .unwrap()
        .unwrap();
    let password = "en anden administrators kode";
    let hash = trafiklys::password::hash(password).unwrap();
    users::create_user(
        &mut conn,
        &users::NewUser {
            email: "anden@kkr.example".into(),
            name: "Anden Admin".into(),
            role: Role::Admin,
            kkr_id: Some(kkr_id),
            municipality_code: None,
        },
        &hash,
        None,
        trafiklys::clock::Clock::system().now(),
    )
    .unwrap();
    drop(conn);
    app.signed_in_as("anden@kkr.example", password)
}

#[test]
fn a_kkr_admin_without_the_installation_flag_edits_none_of_the_installation_pages() {
    let app = spawn_app();
    let other = kkr_admin_without_flag(&app);
    let csrf = app.csrf(&other);
    for edit in [EDIT, "/kontakt/rediger", "/privatliv/rediger"] {
        assert_eq!(app.get(&other, edit).status, 403, "{edit}");
        assert_eq!(
            app.post(&other, edit, &statement_fields(&csrf, "2026-11-25"))
                .status,
            403,
            "{edit}"
        );
    }
    for page in ["/tilgaengelighed", "/kontakt", "/privatliv"] {
        assert!(!app.get(&other, page).text().contains("/rediger"), "{page}");
    }
    assert_eq!(statement_audit_rows(&app), 0);
    let pages: i64 = audit_events::table
        .filter(audit_events::entity.eq("site_page"))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(pages, 0);

    // The installation admin gives the flag on /users; then the other admin may edit.
    let installation = app.signed_in(Role::Admin);
    let other_id = users::find_by_email(&mut app.conn(), "anden@kkr.example")
        .unwrap()
        .unwrap()
        .0
        .id;
    let page = app.get(&installation, &format!("/users/{other_id}")).text();
    assert!(page.contains("Gør til installationsadministrator"));
    let given = app.post(
        &installation,
        &format!("/users/{other_id}/installation"),
        &[("csrf_token", &csrf_from(&page)), ("grant", "ja")],
    );
    assert_eq!(given.status, 303);
    assert_eq!(app.get(&other, EDIT).status, 200);
    // Without the flag an admin cannot give it: the other admin, now flagged, takes it
    // from nobody but may not act on themselves.
    let own = app.post(
        &other,
        &format!("/users/{other_id}/installation"),
        &[("csrf_token", &csrf), ("grant", "nej")],
    );
    assert_eq!(own.status, 403);
}

#[test]
fn a_statement_link_that_is_not_a_web_address_is_refused_at_its_field_with_the_input_kept() {
    let app = spawn_app();
    let admin = app.signed_in(Role::Admin);
    let csrf = csrf_from(&app.get(&admin, EDIT).text());
    let mut fields = statement_fields(&csrf, "2026-11-25");
    for field in fields.iter_mut() {
        if field.0 == "evaluation_report_url" {
            field.1 = "javascript:alert(document.cookie)";
        }
    }
    let refused = app.post(&admin, EDIT, &fields);
    assert_eq!(refused.status, 422);
    let html = refused.text();
    let doc = parse(&html);
    assert!(doc.has("[href=\"#evaluation_report_url\"]"));
    assert!(html.contains("Skriv en webadresse, der begynder med https:// eller http://"));
    assert!(
        doc.has("[value=\"javascript:alert(document.cookie)\"]"),
        "the input is kept"
    );
    assert!(doc.has("[aria-invalid=\"true\"]"));
    assert_eq!(statement_audit_rows(&app), 0);

    for field in fields.iter_mut() {
        if field.0 == "evaluation_report_url" {
            field.1 = "https://kkr.example/rapport.pdf";
        }
    }
    assert_eq!(app.post(&admin, EDIT, &fields).status, 303);
    let page = app.get(&client(), "/tilgaengelighed").text();
    assert!(parse(&page).has("a[href=\"https://kkr.example/rapport.pdf\"]"));
}

#[test]
fn contact_and_privacy_have_edit_pages_for_the_installation_admin() {
    let app = spawn_app();
    let admin = app.signed_in(Role::Admin);
    let form = app.get(&admin, "/kontakt/rediger");
    assert_eq!(form.status, 200);
    let csrf = csrf_from(&form.text());
    let contact = [
        ("csrf_token", csrf.as_str()),
        ("organisation", "KKR Testregion"),
        ("email", "kontakt@kkr.example"),
        ("phone", "33 70 33 70"),
        ("hours", "Hverdage kl. 9-15"),
        ("address", "Weidekampsgade 10, 2300 København S"),
        ("link", "javascript:alert(1)"),
    ];
    let refused = app.post(&admin, "/kontakt/rediger", &contact);
    assert_eq!(refused.status, 422);
    let doc = parse(&refused.text());
    assert!(doc.has("[href=\"#link\"]"));
    assert!(
        doc.has("[value=\"Hverdage kl. 9-15\"]"),
        "the input is kept"
    );
    let mut contact = contact.to_vec();
    contact[6].1 = "https://kkr.example";
    assert_eq!(app.post(&admin, "/kontakt/rediger", &contact).status, 303);
    let page = app.get(&client(), "/kontakt").text();
    assert!(page.contains("kontakt@kkr.example"));
    assert!(page.contains("Hverdage kl. 9-15"));
    assert!(parse(&page).has("a[href=\"https://kkr.example\"]"));

    let privacy = [
        ("csrf_token", csrf.as_str()),
        ("controller", "KKR Testregion"),
        ("email", "persondata@kkr.example"),
        ("phone", ""),
        ("dpo_email", "dpo@kkr.example"),
        ("retention", "Brugere slettes et år efter deaktivering."),
        ("link", ""),
    ];
    assert_eq!(app.get(&admin, "/privatliv/rediger").status, 200);
    assert_eq!(app.post(&admin, "/privatliv/rediger", &privacy).status, 303);
    let page = app.get(&client(), "/privatliv").text();
    assert!(page.contains("Dataansvarlig er KKR Testregion"));
    assert!(page.contains("dpo@kkr.example"));
    assert!(page.contains("Brugere slettes et år efter deaktivering."));
    let pages: i64 = audit_events::table
        .filter(audit_events::entity.eq("site_page"))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(pages, 2);
}

/// Every recommendation green with a comment; `changed` gets another comment.
fn form_fields_changing(page: &str, changed: Option<i32>) -> Vec<(String, String)> {
    answered_form(page, "save", |id| {
        let comment = if Some(id) == changed {
            format!("Ny tekst til {id}")
        } else {
            format!("Kommentar til {id}")
        };
        ("green".into(), comment)
    })
}

#[test]
fn the_conflict_page_shows_only_the_answers_the_other_person_changed_and_names_them_once() {
    let app = spawn_app();
    let editor = app.signed_in(Role::Editor);
    let admin = app.signed_in(Role::Admin);
    // A common starting point both open.
    let first = app.get(&admin, FORM).text();
    assert_eq!(
        app.post_fields(&admin, FORM, &form_fields_changing(&first, None))
            .status,
        303
    );
    let admin_page = app.get(&admin, FORM).text();
    let editor_page = app.get(&editor, FORM).text();
    let ids = recommendation_ids(&editor_page);
    let (theirs, mine) = (ids[0], ids[1]);

    // The admin changes one answer; the editor, on the old version, another.
    assert_eq!(
        app.post_fields(
            &admin,
            FORM,
            &form_fields_changing(&admin_page, Some(theirs))
        )
        .status,
        303
    );
    let conflict = app.post_fields(
        &editor,
        FORM,
        &form_fields_changing(&editor_page, Some(mine)),
    );
    assert_eq!(conflict.status, 409);
    let html = conflict.text();
    let doc = parse(&html);
    assert_eq!(doc.count(".theirs"), 1, "one changed answer shown");
    assert_eq!(
        doc.count(&format!("[href=\"#rec-{theirs}\"]")),
        1,
        "named once"
    );
    assert!(!doc.has(&format!("[href=\"#rec-{mine}\"]")));
    assert_eq!(
        html.matches("Anne Admin").count(),
        1,
        "the other person is named once"
    );
    assert!(
        html.contains(&format!("Ny tekst til {theirs}")),
        "what they saved is shown"
    );
    assert!(
        html.contains(&format!(">Ny tekst til {mine}</textarea>")),
        "my input is kept"
    );
}
