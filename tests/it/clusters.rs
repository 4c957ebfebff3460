//! Job clusters with focus areas of their own, KKR Sjælland's model: one common focus area for
//! all 17 municipalities and three clusters with two focus areas each. Set up as a secretariat
//! would (groups on the page, the set imported with a "Gruppe" column, the round opened on the
//! command line); every figure is held against counts this test makes itself from the answers
//! it gave.

use std::collections::HashMap;

use serde_json::Value;

use crate::helpers::*;
use trafiklys::domain::{
    Answer, MunicipalityCode, Role, RoundContent, Status, SubmissionState, User,
};
use trafiklys::store::{groups, reference, rounds, submissions, users};

const PASSWORD: &str = "en-lang-adgangskode";
const ADMIN: &str = "sekretariat@kkr-sjaelland.example";
/// Holbæk's editor: named coordinator of Jobklynge Vest.
const HOLBAEK_EDITOR: &str = "holbaek@kommune.example";
/// Køge's editor: in Jobklynge Øst, coordinator of nothing.
const KOEGE_EDITOR: &str = "koege@kommune.example";

const VEST: &str = "Jobklynge Vest";
const OEST: &str = "Jobklynge Øst";
const SYD: &str = "Jobklynge Syd";
const CLUSTERS: [(&str, &[&str]); 3] = [
    (VEST, &["306", "316", "326", "330", "340"]),
    (OEST, &["253", "259", "265", "269", "329", "350"]),
    (SYD, &["320", "336", "360", "370", "376", "390"]),
];
/// Not started: Roskilde (Øst) and Vordingborg (Syd). A draft: Kalundborg (Vest).
const NOT_STARTED: [&str; 2] = ["265", "390"];
const DRAFT: &str = "326";
/// Holbæk answers through its own form in the tests that need it.
const HOLBAEK: &str = "316";

/// The set as the secretariat's spreadsheet has it: focus area 1 for everyone, two per
/// cluster, the cluster named in "Gruppe".
const SET_CSV: &str = "\
Indsatsområde nr.,Indsatsområde,Gruppe,Nr.,Anbefaling,Forpligtende
1,Store anlægsprojekter,,1.1,Beskæftigelse i de store anlægsprojekter,forpligtende
1,Store anlægsprojekter,,1.2,Uddannelse rettet mod anlægsprojekterne,frivillig
2,Virksomhedsservice,Jobklynge Vest,2.1,Fælles virksomhedsservice i Vestsjælland,frivillig
3,Rekruttering,Jobklynge Vest,3.1,Fælles rekrutteringsindsats i Vestsjælland,frivillig
3,Rekruttering,Jobklynge Vest,3.2,Jobrotation på tværs af kommunerne i vest,frivillig
4,Uddannelsesinstitutioner,Jobklynge Øst,4.1,Samarbejde med RUC og Zealand,frivillig
5,Pendling,Jobklynge Øst,5.1,Pendlingsindsats mod hovedstaden,frivillig
6,Femern-forbindelsen,Jobklynge Syd,6.1,Arbejdskraft til Femern-byggeriet,forpligtende
7,Turisme,Jobklynge Syd,7.1,Sæsonjob i turismen på Sydhavsøerne,frivillig
";

struct Sjaelland {
    round_id: i32,
    kkr_id: i32,
    admin: ureq::Agent,
    /// Group ids by name.
    groups: HashMap<&'static str, i32>,
}

fn add_user(app: &TestApp, email: &str, role: Role, kkr: Option<i32>, code: Option<&str>) -> User {
    users::create_user(
        &mut app.conn(),
        &users::NewUser {
            email: email.into(),
            name: email.split('@').next().unwrap_or(email).into(),
            role,
            kkr_id: kkr,
            municipality_code: code.map(|c| MunicipalityCode::parse(c).unwrap()),
        },
        &trafiklys::password::hash(PASSWORD).unwrap(),
        None,
        trafiklys::clock::Clock::system().now(),
    )
    .expect("user created");
    users::find_by_email(&mut app.conn(), email)
        .unwrap()
        .expect("the user")
        .0
}

fn content(app: &TestApp, round_id: i32) -> RoundContent {
    rounds::load_content(&mut app.conn(), round_id)
        .unwrap()
        .expect("the round")
}

/// A recommendation's number by its id.
fn rec_code(content: &RoundContent, id: i32) -> String {
    content
        .recommendations
        .iter()
        .find(|r| r.id == id)
        .expect("a recommendation of the round")
        .code
        .clone()
}

fn code(c: &str) -> MunicipalityCode {
    MunicipalityCode::parse(c).unwrap()
}

/// The status a municipality gives a recommendation (by the municipality's and the
/// recommendation's place): a spread of colours with ties and clear winners.
fn status_of(municipality: &str, rec_code: &str) -> Status {
    let m: usize = municipality.bytes().map(usize::from).sum();
    let r: usize = rec_code.bytes().map(usize::from).sum();
    [Status::Green, Status::Yellow, Status::Red][(m * 7 + r * 3) % 3]
}

/// Saves a municipality's answers to what it is asked, as its form would.
fn save_asked(
    app: &TestApp,
    round_id: i32,
    municipality: &str,
    state: SubmissionState,
    actor: i32,
) {
    let content = content(app, round_id);
    let c = code(municipality);
    let answers = content
        .recommendations_for(&c)
        .map(|r| Answer {
            recommendation_id: r.id,
            status: Some(status_of(municipality, &r.code)),
            comment: format!("{municipality} om {}", r.code),
            carried: false,
            evidence: None,
        })
        .collect();
    let current = app.submission(round_id, municipality);
    let saved = submissions::save(
        &mut app.conn(),
        &submissions::SaveSubmission {
            round_id,
            municipality_code: c,
            base_version: current.map_or(0, |s| s.version),
            answers,
            proposals: String::new(),
            state,
        },
        actor,
        trafiklys::clock::Clock::system().now(),
    )
    .expect("save");
    assert!(
        matches!(saved, submissions::SaveOutcome::Saved(_)),
        "{saved:?}"
    );
}

fn create_group(app: &TestApp, admin: &ureq::Agent, name: &str, members: &[&str]) {
    let csrf = csrf_from(&app.get(admin, "/groups").text());
    let mut fields = vec![("csrf_token", csrf.as_str()), ("name", name)];
    fields.extend(members.iter().map(|c| ("members", *c)));
    assert_eq!(app.post(admin, "/groups", &fields).status, 303, "{name}");
}

fn upload_set(app: &TestApp, admin: &ureq::Agent, round_id: i32, csv: &str) -> Response {
    let path = format!("/admin/rounds/{round_id}/import");
    let token = csrf_from(&app.get(admin, &path).text());
    app.post_multipart(
        admin,
        &path,
        &[("csrf_token", &token), ("kind", "anbefalinger")],
        Some(("klynger.csv", csv.as_bytes())),
    )
}

fn import_set(app: &TestApp, admin: &ureq::Agent, round_id: i32, csv: &str) {
    let path = format!("/admin/rounds/{round_id}/import");
    let dry = upload_set(app, admin, round_id, csv);
    assert_eq!(dry.status, 200, "{}", dry.text());
    let page = dry.text();
    let done = app.post_multipart(
        admin,
        &path,
        &[
            ("csrf_token", &csrf_from(&page)),
            ("kind", &hidden_value(&page, "kind")),
            ("step", "udfoer"),
            ("file_name", &hidden_value(&page, "file_name")),
            ("file_data", &hidden_value(&page, "file_data")),
        ],
        None,
    );
    assert!(done.status == 303 || done.status == 200, "{}", done.text());
}

/// KKR Sjælland's 2016 round, open, with every municipality's answers but Holbæk's (see
/// [`NOT_STARTED`] and [`DRAFT`]).
fn sjaelland(app: &TestApp) -> Sjaelland {
    let kkr_id = reference::kkr_by_name(&mut app.conn(), "KKR Sjælland")
        .unwrap()
        .unwrap();
    let admin_user = add_user(app, ADMIN, Role::Admin, Some(kkr_id), None);
    add_user(app, HOLBAEK_EDITOR, Role::Editor, None, Some(HOLBAEK));
    add_user(app, KOEGE_EDITOR, Role::Editor, None, Some("259"));
    let admin = app.signed_in_as(ADMIN, PASSWORD);
    for (name, members) in CLUSTERS {
        create_group(app, &admin, name, members);
    }
    let groups: HashMap<&'static str, i32> = groups::list(&mut app.conn(), kkr_id)
        .unwrap()
        .into_iter()
        .map(|g| {
            let name = CLUSTERS.iter().find(|(n, _)| *n == g.name).unwrap().0;
            (name, g.id)
        })
        .collect();
    let created = app.cli(&[
        "round",
        "create",
        "--kkr",
        "Sjælland",
        "--year",
        "2016",
        "--title",
        "Status på de fælles fokusområder og jobklyngerne 2016",
        "--subject",
        "beskæftigelsesområdet",
        "--deadline",
        "1.12.2030 23.59",
    ]);
    assert!(created.status.success(), "{created:?}");
    let round_id: i32 = String::from_utf8_lossy(&created.stdout)
        .trim()
        .parse()
        .expect("the round's id");
    import_set(app, &admin, round_id, SET_CSV);
    let opened = app.cli(&["round", "open", &round_id.to_string()]);
    assert!(opened.status.success(), "{opened:?}");
    for (_, members) in CLUSTERS {
        for m in members.iter().filter(|m| **m != HOLBAEK) {
            if NOT_STARTED.contains(m) {
                continue;
            }
            let state = if *m == DRAFT {
                SubmissionState::Draft
            } else {
                SubmissionState::Submitted
            };
            save_asked(app, round_id, m, state, admin_user.id);
        }
    }
    Sjaelland {
        round_id,
        kkr_id,
        admin,
        groups,
    }
}

/// Holbæk's editor fills in and submits its form through the page: the common focus area and
/// Vest's, nothing of the other clusters.
fn holbaek_submits(app: &TestApp, round_id: i32) -> ureq::Agent {
    let editor = app.signed_in_as(HOLBAEK_EDITOR, PASSWORD);
    let path = format!("/rounds/{round_id}/municipalities/{HOLBAEK}/form");
    let page = app.get(&editor, &path).text();
    let content = content(app, round_id);
    let code_of = |id: i32| rec_code(&content, id);
    let fields = answered_form(&page, "submit", |id| {
        (
            status_of(HOLBAEK, &code_of(id)).as_str().to_owned(),
            "Vi arbejder på det i klyngen.".to_owned(),
        )
    });
    let response = app.post_fields(&editor, &path, &fields);
    assert_eq!(response.status, 303, "{}", response.text());
    editor
}

/// What the test expects of one recommendation: counts among the municipalities asked.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
struct Expected {
    green: u64,
    yellow: u64,
    red: u64,
    unanswered: u64,
}

impl Expected {
    /// The most common colour; a tie goes to the least advanced; none without answers.
    fn classification(&self) -> Option<&'static str> {
        let max = self.green.max(self.yellow).max(self.red);
        if max == 0 {
            None
        } else if self.red == max {
            Some("red")
        } else if self.yellow == max {
            Some("yellow")
        } else {
            Some("green")
        }
    }
}

/// The municipalities that submitted (everyone but the not started and the draft; Holbæk once
/// it has submitted).
fn submitted(holbaek_in: bool) -> Vec<&'static str> {
    CLUSTERS
        .iter()
        .flat_map(|(_, m)| m.iter().copied())
        .filter(|m| !NOT_STARTED.contains(m) && *m != DRAFT && (holbaek_in || *m != HOLBAEK))
        .collect()
}

/// Counts for a recommendation of `code` asked of `asked`, from the answers the test gave.
fn expected(rec_code: &str, asked: &[&str], holbaek_in: bool) -> Expected {
    let submitted = submitted(holbaek_in);
    let mut e = Expected::default();
    for m in asked {
        if submitted.contains(m) {
            match status_of(m, rec_code) {
                Status::Green => e.green += 1,
                Status::Yellow => e.yellow += 1,
                Status::Red => e.red += 1,
            }
        } else {
            e.unanswered += 1;
        }
    }
    e
}

fn all_municipalities() -> Vec<&'static str> {
    CLUSTERS
        .iter()
        .flat_map(|(_, m)| m.iter().copied())
        .collect()
}

/// The recommendation codes of a cluster's own focus areas, in the set.
fn cluster_codes(cluster: &str) -> Vec<&'static str> {
    SET_CSV
        .lines()
        .skip(1)
        .filter(|l| l.split(',').nth(2) == Some(cluster))
        .map(|l| l.split(',').nth(3).unwrap())
        .collect()
}

fn json(app: &TestApp, agent: &ureq::Agent, path: &str) -> Value {
    let response = app.get(agent, path);
    assert_eq!(response.status, 200, "{path}: {}", response.text());
    serde_json::from_slice(&response.bytes).unwrap()
}

/// Each recommendation of a summary by code: its counts and classification.
fn by_code(summary: &Value) -> HashMap<String, (Expected, Option<String>)> {
    let mut out = HashMap::new();
    for area in summary["focus_areas"].as_array().unwrap() {
        for rec in area["recommendations"].as_array().unwrap() {
            let c = &rec["counts"];
            let n = |k: &str| c[k].as_u64().unwrap();
            out.insert(
                rec["code"].as_str().unwrap().to_owned(),
                (
                    Expected {
                        green: n("green"),
                        yellow: n("yellow"),
                        red: n("red"),
                        unanswered: n("unanswered"),
                    },
                    rec["classification"].as_str().map(str::to_owned),
                ),
            );
        }
    }
    out
}

#[test]
fn each_municipality_is_asked_the_common_focus_area_and_its_own_clusters() {
    let app = spawn_app();
    let s = sjaelland(&app);
    let content = content(&app, s.round_id);
    // The import put each focus area where its "Gruppe" cell said.
    let group_of = |number: i32| {
        content
            .focus_areas
            .iter()
            .find(|a| a.number == number)
            .unwrap()
            .group_id
    };
    assert_eq!(group_of(1), None);
    assert_eq!(group_of(2), Some(s.groups[VEST]));
    assert_eq!(group_of(5), Some(s.groups[OEST]));
    assert_eq!(group_of(7), Some(s.groups[SYD]));
    for (cluster, members) in CLUSTERS {
        for m in members {
            let asked: Vec<String> = content
                .recommendations_for(&code(m))
                .map(|r| r.code.clone())
                .collect();
            let mut expected = vec!["1.1".to_owned(), "1.2".to_owned()];
            expected.extend(cluster_codes(cluster).iter().map(|c| (*c).to_owned()));
            assert_eq!(asked, expected, "{m} in {cluster}");
        }
    }

    // Holbæk's form on the page: the common focus area and Vest's, nothing else.
    let editor = app.signed_in_as(HOLBAEK_EDITOR, PASSWORD);
    let path = format!("/rounds/{}/municipalities/{HOLBAEK}/form", s.round_id);
    let page = app.get(&editor, &path).text();
    let ids = recommendation_ids(&page);
    let shown: Vec<String> = ids
        .iter()
        .map(|id| {
            content
                .recommendations
                .iter()
                .find(|r| r.id == *id)
                .unwrap()
                .code
                .clone()
        })
        .collect();
    assert_eq!(shown, ["1.1", "1.2", "2.1", "3.1", "3.2"]);
    assert!(page.contains("Fælles virksomhedsservice i Vestsjælland"));
    assert!(!page.contains("Pendlingsindsats mod hovedstaden"));
    assert!(!page.contains("Femern"));

    // Submitting with one of Vest's recommendations unanswered names that one only.
    let code_of = |id: i32| rec_code(&content, id);
    let fields = answered_form(&page, "submit", |id| {
        if code_of(id) == "3.2" {
            (String::new(), String::new())
        } else {
            ("green".to_owned(), "Godt i gang.".to_owned())
        }
    });
    let refused = app.post_fields(&editor, &path, &fields);
    assert_eq!(refused.status, 422);
    let refused = refused.text();
    assert!(refused.contains("3.2"), "the missing answer is named");
    for other in ["4.1", "5.1", "6.1", "7.1"] {
        assert!(
            !refused.contains(&format!("Anbefaling {other}")),
            "{other} is not Holbæk's to answer"
        );
    }
    // An answer to another cluster's recommendation is refused as not the form's.
    let mut stray = answered_form(&page, "save", |_| ("green".to_owned(), String::new()));
    let foreign = content
        .recommendations
        .iter()
        .find(|r| r.code == "4.1")
        .unwrap();
    stray.push((format!("status-{}", foreign.id), "green".to_owned()));
    let stray = app.post_fields(&editor, &path, &stray);
    assert_eq!(stray.status, 400, "{}", stray.text());

    // With every answer it asks for, the form is submitted.
    holbaek_submits(&app, s.round_id);
    assert!(app
        .submission(s.round_id, HOLBAEK)
        .is_some_and(|sub| sub.is_submitted()));
}

#[test]
fn every_scope_is_counted_among_the_municipalities_asked() {
    let app = spawn_app();
    let s = sjaelland(&app);
    holbaek_submits(&app, s.round_id);

    // The round's summary: the common focus area over all 17.
    let summary = json(
        &app,
        &s.admin,
        &format!("/api/v1/rounds/{}/summary", s.round_id),
    );
    let summary = &summary["summary"];
    assert_eq!(summary["municipality_count"], 17);
    assert_eq!(summary["submitted_count"], 14);
    let common = by_code(summary);
    let mut codes: Vec<&String> = common.keys().collect();
    codes.sort();
    assert_eq!(codes, ["1.1", "1.2"]);
    for (rec, (counts, class)) in &common {
        let e = expected(rec, &all_municipalities(), true);
        assert_eq!(*counts, e, "{rec}");
        assert_eq!(class.as_deref(), e.classification(), "{rec}");
    }

    // Each cluster's own part: its focus areas over its members only.
    let overview = json(
        &app,
        &s.admin,
        &format!("/api/v1/rounds/{}/groups", s.round_id),
    );
    let list = overview["groups"].as_array().unwrap();
    assert_eq!(list.len(), 3);
    for (cluster, members) in CLUSTERS {
        let part = list.iter().find(|g| g["name"] == cluster).unwrap();
        assert_eq!(part["cluster"], true);
        let mut listed: Vec<&str> = part["members"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m.as_str().unwrap())
            .collect();
        listed.sort_unstable();
        let mut want = members.to_vec();
        want.sort_unstable();
        assert_eq!(listed, want);
        let own = &part["summary"];
        assert_eq!(own["municipality_count"], members.len());
        let submitted_members = members
            .iter()
            .filter(|m| submitted(true).contains(m))
            .count();
        assert_eq!(own["submitted_count"], submitted_members, "{cluster}");
        let recs = by_code(own);
        let mut codes: Vec<&str> = recs.keys().map(String::as_str).collect();
        codes.sort_unstable();
        assert_eq!(codes, cluster_codes(cluster), "{cluster}");
        for (rec, (counts, class)) in &recs {
            let e = expected(rec, members, true);
            assert_eq!(*counts, e, "{cluster} {rec}");
            assert_eq!(class.as_deref(), e.classification(), "{cluster} {rec}");
        }
        // Narrowed to the cluster's members: the common focus area and the cluster's own.
        let narrowed = json(
            &app,
            &s.admin,
            &format!(
                "/api/v1/rounds/{}/summary?group={}",
                s.round_id, s.groups[cluster]
            ),
        );
        let narrowed = by_code(&narrowed["summary"]);
        assert_eq!(narrowed.len(), 2 + cluster_codes(cluster).len());
        assert_eq!(narrowed["1.1"].0, expected("1.1", members, true));
    }

    // The dashboard: the common part, the clusters side by side, a section each.
    let page = app.get(&s.admin, &format!("/rounds/{}", s.round_id)).text();
    assert!(page.contains("Samlet status: de fælles indsatsområder"));
    assert!(page.contains("14 af 17 kommuner har indsendt deres skema"));
    let doc = parse(&page);
    let side_by_side = doc.rows("div[aria-labelledby=\"tbl-clusters\"] table");
    assert_eq!(side_by_side.len(), 3);
    for (cluster, members) in CLUSTERS {
        let row = side_by_side
            .iter()
            .find(|r| r[0] == cluster)
            .unwrap_or_else(|| panic!("{cluster} in {side_by_side:?}"));
        let mut classes = [0; 4];
        for rec in cluster_codes(cluster) {
            match expected(rec, members, true).classification() {
                Some("green") => classes[0] += 1,
                Some("yellow") => classes[1] += 1,
                Some("red") => classes[2] += 1,
                _ => classes[3] += 1,
            }
        }
        let shown: Vec<u32> = row[2..6].iter().map(|c| c.parse().unwrap()).collect();
        assert_eq!(shown, classes, "{cluster}: {row:?}");
        assert_eq!(row[1], cluster_codes(cluster).len().to_string());
        let submitted_members = members
            .iter()
            .filter(|m| submitted(true).contains(m))
            .count();
        assert!(
            row[6].starts_with(&format!("{submitted_members} af {}", members.len())),
            "{row:?}"
        );
        assert!(page.contains(&format!("id=\"cluster-{}\"", s.groups[cluster])));
    }
    // The common part's distribution shows the common recommendations only.
    let common_tables = doc.count("table.distribution caption[id^=\"tbl-dist-\"]");
    assert_eq!(common_tables, 1);

    // The response tracker and the reminders list those who have not submitted, whichever
    // cluster: Roskilde and Vordingborg (not started) and Kalundborg (draft).
    let outstanding = app
        .get(&s.admin, &format!("/rounds/{}/reminders", s.round_id))
        .text();
    for name in ["Roskilde", "Vordingborg", "Kalundborg"] {
        assert!(outstanding.contains(name), "{name} outstanding");
    }
    assert!(!outstanding.contains(">Holbæk<"));
}

#[test]
fn the_attachment_compares_with_the_region_and_with_the_cluster() {
    let app = spawn_app();
    let s = sjaelland(&app);
    holbaek_submits(&app, s.round_id);
    let editor = app.signed_in_as(HOLBAEK_EDITOR, PASSWORD);
    let pdf = app.get(
        &editor,
        &format!(
            "/rounds/{}/municipalities/{HOLBAEK}/attachment.pdf",
            s.round_id
        ),
    );
    assert_eq!(pdf.status, 200);
    let text = folded(&pdf_text(&pdf.bytes));
    assert!(
        text.contains("Samlet status i KKR Sjælland: de fælles indsatsområder"),
        "{text}"
    );
    assert!(text.contains("Status i Jobklynge Vest: klyngens kommuner"));
    assert!(text.contains("Klyngens kommuner: Holbæk, Kalundborg, Odsherred, Slagelse og Sorø"));
    assert!(text.contains("Klyngen samlet"));
    assert!(text.contains("KKR samlet"));
    assert!(text.contains("Fælles virksomhedsservice i Vestsjælland"));
    assert!(
        !text.contains("Pendlingsindsats"),
        "another cluster's recommendation"
    );
    assert!(!text.contains("Jobklynge Øst"));
    // The cluster's sentence counts its own recommendations among its members.
    let vest = CLUSTERS[0].1;
    let submitted_members = vest.iter().filter(|m| submitted(true).contains(m)).count();
    assert!(text.contains(&format!(
        "{submitted_members} af {} har indsendt",
        vest.len()
    )));

    // The agenda item names the cluster and explains both comparisons.
    let agenda = app
        .get(
            &editor,
            &format!("/rounds/{}/municipalities/{HOLBAEK}/agenda.txt", s.round_id),
        )
        .text();
    let agenda = folded(&agenda);
    assert!(agenda.contains("Jobklyngen Jobklynge Vest"), "{agenda}");
    assert!(agenda.contains("Holbæk Kommune er med i Jobklynge Vest sammen med"));
    assert!(agenda.contains("Opfølgning på de 2 fælles anbefalinger"));
}

#[test]
fn the_import_names_a_group_the_kkr_does_not_have_and_changes_nothing() {
    let app = spawn_app();
    let kkr_id = reference::kkr_by_name(&mut app.conn(), "KKR Sjælland")
        .unwrap()
        .unwrap();
    add_user(&app, ADMIN, Role::Admin, Some(kkr_id), None);
    let admin = app.signed_in_as(ADMIN, PASSWORD);
    create_group(&app, &admin, VEST, CLUSTERS[0].1);
    let created = app.cli(&[
        "round",
        "create",
        "--kkr",
        "Sjælland",
        "--year",
        "2016",
        "--title",
        "Status 2016",
        "--subject",
        "beskæftigelsesområdet",
        "--deadline",
        "1.12.2030 23.59",
    ]);
    let round_id: i32 = String::from_utf8_lossy(&created.stdout)
        .trim()
        .parse()
        .unwrap();
    let before = app.fingerprint();
    let refused = upload_set(&app, &admin, round_id, SET_CSV);
    assert_eq!(refused.status, 422, "{}", refused.text());
    let text = folded(&refused.text());
    assert!(
        text.contains("KKR Sjælland har ingen gruppe «Jobklynge Øst»"),
        "{text}"
    );
    assert!(text.contains("række 7"), "the row is named: {text}");
    assert!(text.contains("Gruppe"), "the column is named");
    assert_eq!(app.fingerprint(), before);

    // A focus area given two groups is refused at its second row.
    let split = "Indsatsområde nr.,Indsatsområde,Gruppe,Nr.,Anbefaling,Forpligtende\n\
                 1,Fælles,,1.1,En,ja\n1,Fælles,Jobklynge Vest,1.2,To,ja\n";
    let refused = folded(&upload_set(&app, &admin, round_id, split).text());
    assert!(
        refused.contains(
            "indsatsområde 1 hører til hele runden i række 2, men til gruppen «Jobklynge Vest» her"
        ),
        "{refused}"
    );
    assert_eq!(app.fingerprint(), before);

    // On the command line, the same file with the KKR's own groups imports.
    let dir = tempfile::tempdir().unwrap();
    let vest_only: String = SET_CSV
        .lines()
        .filter(|l| !l.contains(OEST) && !l.contains(SYD))
        .map(|l| format!("{l}\n"))
        .collect();
    let path = dir.path().join("vest.csv");
    std::fs::write(&path, vest_only).unwrap();
    let imported = app.cli(&[
        "import",
        "recommendations",
        "--round",
        &round_id.to_string(),
        path.to_str().unwrap(),
    ]);
    assert!(imported.status.success(), "{imported:?}");
    let content = content(&app, round_id);
    let vest = content.clusters().next().expect("Vest owns focus areas");
    assert_eq!(vest.name, VEST);
    assert_eq!(
        content
            .focus_areas
            .iter()
            .filter(|a| a.group_id == Some(vest.id))
            .count(),
        2
    );
}

#[test]
fn a_clusters_expectations_are_written_by_its_coordinators_and_the_admin() {
    let app = spawn_app();
    let s = sjaelland(&app);
    let holbaek_id = users::find_by_email(&mut app.conn(), HOLBAEK_EDITOR)
        .unwrap()
        .unwrap()
        .0
        .id;
    // The admin names Holbæk's editor coordinator of Vest.
    let page = app
        .get(&s.admin, &format!("/groups/{}", s.groups[VEST]))
        .text();
    assert!(page.contains("Koordinatorer"));
    let response = app.post(
        &s.admin,
        &format!("/groups/{}/coordinators", s.groups[VEST]),
        &[
            ("csrf_token", &csrf_from(&page)),
            ("coordinators", &holbaek_id.to_string()),
        ],
    );
    assert_eq!(response.status, 303);
    assert_eq!(
        groups::coordinators(&mut app.conn(), s.groups[VEST]).unwrap(),
        [holbaek_id]
    );
    // An editor of another cluster's municipality cannot be named Vest's coordinator.
    let koege_id = users::find_by_email(&mut app.conn(), KOEGE_EDITOR)
        .unwrap()
        .unwrap()
        .0
        .id;
    let refused = app.post(
        &s.admin,
        &format!("/groups/{}/coordinators", s.groups[VEST]),
        &[
            ("csrf_token", &csrf_from(&page)),
            ("coordinators", &koege_id.to_string()),
        ],
    );
    assert_eq!(refused.status, 422);

    let expectations = |group: &str| {
        format!(
            "/rounds/{}/groups/{}/expectations",
            s.round_id, s.groups[group]
        )
    };
    let write = |agent: &ureq::Agent, group: &str, text: &str| {
        let form = app.get(agent, &expectations(group));
        let csrf = if form.status == 200 {
            csrf_from(&form.text())
        } else {
            app.csrf(agent)
        };
        app.post(
            agent,
            &expectations(group),
            &[("csrf_token", &csrf), ("text", text)],
        )
    };
    let holbaek = app.signed_in_as(HOLBAEK_EDITOR, PASSWORD);
    // The coordinator of Vest may not write Øst's; Køge's editor (no coordinator) neither.
    assert_eq!(app.get(&holbaek, &expectations(OEST)).status, 403);
    assert_eq!(write(&holbaek, OEST, "Ikke vores").status, 403);
    let koege = app.signed_in_as(KOEGE_EDITOR, PASSWORD);
    assert_eq!(write(&koege, OEST, "Heller ikke").status, 403);
    assert!(groups::expectations_of_round(&mut app.conn(), s.round_id)
        .unwrap()
        .is_empty());

    // Too long: refused with the text kept.
    let long = "æ".repeat(4001);
    let refused = write(&holbaek, VEST, &long);
    assert_eq!(refused.status, 422);
    assert!(refused.text().contains("højst være 4000 tegn"));

    let text =
        "Vi vil styrke den fælles virksomhedsservice og åbne et rekrutteringskontor i Slagelse.";
    assert_eq!(write(&holbaek, VEST, text).status, 303);
    assert_eq!(
        write(&s.admin, SYD, "Femern-byggeriet er i gang.").status,
        303
    );
    let stored = groups::expectations_of_round(&mut app.conn(), s.round_id).unwrap();
    assert_eq!(stored.len(), 2);

    // On the dashboard and in the KKR report's section for the cluster.
    let dashboard = app.get(&s.admin, &format!("/rounds/{}", s.round_id)).text();
    assert!(dashboard.contains(text));
    let report = app.get(&s.admin, &format!("/rounds/{}/kkr-report.pdf", s.round_id));
    assert_eq!(report.status, 200);
    let report = folded(&pdf_text(&report.bytes));
    assert!(report.contains("Jobklyngen Jobklynge Vest"), "{report}");
    assert!(report.contains("Jobklyngerne side om side"));
    assert!(report.contains("åbne et rekrutteringskontor i Slagelse"));
    assert!(report.contains("Klyngen har ikke skrevet sine forventninger for 2016"));

    // Next year's draft keeps each focus area with its cluster and shows last year's text.
    let created = app.cli(&[
        "round",
        "create",
        "--kkr",
        "Sjælland",
        "--year",
        "2017",
        "--title",
        "Status 2017",
        "--subject",
        "beskæftigelsesområdet",
        "--deadline",
        "1.12.2031 23.59",
        "--from-previous",
    ]);
    assert!(created.status.success(), "{created:?}");
    let next: i32 = String::from_utf8_lossy(&created.stdout)
        .trim()
        .parse()
        .unwrap();
    let carried = content(&app, next);
    for area in &carried.focus_areas {
        let before = content(&app, s.round_id)
            .focus_areas
            .iter()
            .find(|a| a.number == area.number)
            .unwrap()
            .group_id;
        assert_eq!(area.group_id, before, "area {}", area.number);
    }
    let set = app
        .get(&s.admin, &format!("/admin/rounds/{next}/set"))
        .text();
    assert!(
        set.contains("Jobklynge Vests forventninger fra 2016"),
        "{set}"
    );
    assert!(set.contains("åbne et rekrutteringskontor i Slagelse"));
    let _ = s.kkr_id;
}

/// `code` leaves Jobklynge Vest (the store's update of the group, which the group page calls).
fn leaves_vest(app: &TestApp, s: &Sjaelland, code: &str) {
    let vest = groups::get(&mut app.conn(), s.groups[VEST])
        .unwrap()
        .unwrap();
    let fewer: Vec<MunicipalityCode> = vest
        .members
        .iter()
        .filter(|c| c.as_str() != code)
        .cloned()
        .collect();
    groups::update(
        &mut app.conn(),
        &vest,
        VEST,
        &fewer,
        1,
        trafiklys::clock::Clock::system().now(),
    )
    .unwrap();
}

/// A form is read at its round's markers, which each process keeps under the shown marker: a
/// municipality that leaves its cluster while the round is open is asked the common focus
/// area alone at its next form page.
#[test]
fn a_municipality_that_leaves_its_cluster_is_asked_the_common_focus_area_alone_at_once() {
    let app = spawn_app();
    let s = sjaelland(&app);
    let editor = app.signed_in_as(HOLBAEK_EDITOR, PASSWORD);
    let path = format!("/rounds/{}/municipalities/{HOLBAEK}/form", s.round_id);
    let in_vest = 2 + cluster_codes(VEST).len();
    let before = app.get(&editor, &path).text();
    assert_eq!(recommendation_ids(&before).len(), in_vest);
    assert_eq!(
        app.get(&editor, &path).text(),
        before,
        "the same form again"
    );
    leaves_vest(&app, &s, HOLBAEK);
    let after = app.get(&editor, &path).text();
    assert_eq!(recommendation_ids(&after).len(), 2, "{after}");
}

#[test]
fn a_closed_rounds_clusters_keep_their_members() {
    let app = spawn_app();
    let s = sjaelland(&app);
    let summary_of_vest = |app: &TestApp| -> Value {
        let overview = json(
            app,
            &s.admin,
            &format!("/api/v1/rounds/{}/groups", s.round_id),
        );
        overview["groups"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["name"] == VEST)
            .unwrap()["summary"]
            .clone()
    };
    let closed = app.cli(&["round", "close", &s.round_id.to_string()]);
    assert!(closed.status.success(), "{closed:?}");
    let before = summary_of_vest(&app);
    assert_eq!(before["municipality_count"], 5);
    // Sorø leaves Vest after the round closed: 2016's figures stay as they were.
    leaves_vest(&app, &s, "340");
    assert_eq!(summary_of_vest(&app), before);
    // A group with focus areas in a round cannot be deleted.
    let page = app
        .get(&s.admin, &format!("/groups/{}", s.groups[VEST]))
        .text();
    assert!(page.contains("kan ikke slettes"));
    let refused = app.post(
        &s.admin,
        &format!("/groups/{}/delete", s.groups[VEST]),
        &[("csrf_token", &csrf_from(&page)), ("confirm", "ja")],
    );
    assert_eq!(refused.status, 409);
    assert!(groups::get(&mut app.conn(), s.groups[VEST])
        .unwrap()
        .is_some());
}
