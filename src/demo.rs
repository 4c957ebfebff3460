//! Demo data: KKR Hovedstaden's rounds 2016 and 2017 with deterministically synthesised
//! answers, and one user per role. The municipalities and KKRs are not demo data: the
//! migrations load them into every installation.
//!
//! The 2017 answers are built so that the region-wide classification is exactly what the
//! council report of 2017 gave (5 green, 3 yellow, 4 red); the per-municipality answers behind
//! it were never published, so they are invented, plausibly and reproducibly.

use chrono::{Duration, NaiveDate};
use diesel::QueryResult;
use serde::Deserialize;

use crate::clock::Clock;
use crate::domain::{
    Answer, EvidenceLink, MunicipalityCode, Role, RoundState, Status, SubmissionState,
};
use crate::password;
use crate::store::{self, reference, rounds, submissions, users, DbConnection};

const RECOMMENDATIONS_2017_CSV: &str =
    include_str!("../data/kkr-hovedstaden-2017-recommendations.csv");

pub const DEMO_KKR: &str = "KKR Hovedstaden";
pub const DEMO_MUNICIPALITY: &str = "147";
const ROUND_SUBJECT: &str = "beskæftigelsesområdet";
const ROUND_TITLE: &str =
    "Status på anbefalinger for det tværkommunale samarbejde på beskæftigelsesområdet";

/// Municipalities of KKR Hovedstaden that have not opened the 2017 form.
const NOT_STARTED_2017: [&str; 3] = ["155", "187", "400"];
/// Municipalities of KKR Hovedstaden with a 2017 draft (Frederiksberg's is the demo editor's).
const DRAFTS_2017: [&str; 2] = ["147", "270"];
/// Municipalities that did not answer in 2016.
const MISSING_2016: [&str; 2] = ["155", "187"];

/// A demo user's sign-in, printed at start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoSignIn {
    pub role: Role,
    pub email: String,
    pub password: String,
}

/// The demo users: (role, email, name, for a municipality?).
const DEMO_USERS: [(Role, &str, &str, bool); 4] = [
    (
        Role::Admin,
        "admin@kkr-hovedstaden.example",
        "Anne Admin (KKR-sekretariatet)",
        false,
    ),
    (
        Role::Kkr,
        "kkr@kkr-hovedstaden.example",
        "Karsten KKR (KKR Hovedstaden)",
        false,
    ),
    (
        Role::Editor,
        "editor@frederiksberg.example",
        "Emma Editor (Frederiksberg)",
        true,
    ),
    (
        Role::Reader,
        "reader@frederiksberg.example",
        "Rasmus Reader (byrådssekretariatet, Frederiksberg)",
        true,
    ),
];

#[derive(Debug, Deserialize)]
struct RecommendationRecord {
    focus_area_no: i32,
    focus_area: String,
    code: String,
    recommendation: String,
    binding: String,
    reported_status_2017: String,
}

fn csv_error(e: csv::Error) -> diesel::result::Error {
    diesel::result::Error::DeserializationError(Box::new(e))
}

fn parse_recommendations() -> QueryResult<Vec<RecommendationRecord>> {
    csv::Reader::from_reader(RECOMMENDATIONS_2017_CSV.as_bytes())
        .deserialize()
        .collect::<Result<Vec<_>, _>>()
        .map_err(csv_error)
}

fn invalid(message: String) -> diesel::result::Error {
    diesel::result::Error::DeserializationError(message.into())
}

/// What the demo loader did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DemoOutcome {
    /// The database had no rounds and no users, and now holds the demo data.
    Loaded(Vec<DemoSignIn>),
    /// The demo data was there already; the demo users got new passwords.
    AlreadyLoaded(Vec<DemoSignIn>),
    /// The database holds rounds or users of its own: nothing was changed.
    NotEmpty,
}

/// Loads the demo data into a database without rounds and users (the reference data is there
/// from the migrations), in one transaction. On a database that already holds the demo data
/// it gives the demo users fresh passwords (so they can be printed again); any other database
/// with rounds or users is left untouched.
pub fn load(conn: &mut DbConnection) -> QueryResult<DemoOutcome> {
    store::write_tx(conn, |conn| {
        if users::find_by_email(conn, DEMO_USERS[0].1)?.is_some() {
            return reset_passwords(conn).map(DemoOutcome::AlreadyLoaded);
        }
        if store::holds_rounds_or_users(conn)? {
            return Ok(DemoOutcome::NotEmpty);
        }
        let kkr_id = reference::kkr_by_name(conn, DEMO_KKR)?
            .ok_or_else(|| invalid(format!("{DEMO_KKR} missing from the municipality list")))?;
        let sign_ins = create_users(conn, kkr_id)?;
        let actor = users::find_by_email(conn, DEMO_USERS[0].1)?
            .map(|(u, _)| u.id)
            .ok_or(diesel::result::Error::NotFound)?;
        let editor = users::find_by_email(conn, DEMO_USERS[2].1)?
            .map(|(u, _)| u.id)
            .ok_or(diesel::result::Error::NotFound)?;
        let records = parse_recommendations()?;
        let round_2016 = create_round_2016(conn, kkr_id, &records, actor)?;
        let round_2017 = create_round_2017(conn, kkr_id, &records, round_2016, actor)?;
        answer_round(
            conn,
            round_2016,
            &plan_2016(),
            &MISSING_2016,
            &[],
            actor,
            editor,
        )?;
        answer_round(
            conn,
            round_2017,
            &plan_2017(&records)?,
            &NOT_STARTED_2017,
            &DRAFTS_2017,
            actor,
            editor,
        )?;
        Ok(DemoOutcome::Loaded(sign_ins))
    })
}

fn create_users(conn: &mut DbConnection, kkr_id: i32) -> QueryResult<Vec<DemoSignIn>> {
    let now = Clock::system().now();
    let municipality = MunicipalityCode::parse(DEMO_MUNICIPALITY).map_err(|e| invalid(e.0))?;
    let mut sign_ins = Vec::new();
    for (role, email, name, municipal) in DEMO_USERS {
        let password = password::generate();
        let hash = password::hash(&password).map_err(|e| invalid(e.to_string()))?;
        let user = users::create_user(
            conn,
            &users::NewUser {
                email: email.to_owned(),
                name: name.to_owned(),
                role,
                kkr_id: (!municipal).then_some(kkr_id),
                municipality_code: municipal.then(|| municipality.clone()),
            },
            &hash,
            None,
            now,
        )?;
        // The demo installation has one KKR, whose admin also keeps the installation's pages.
        if role == Role::Admin {
            users::set_installation_admin(conn, user.id, true, None, now)?;
        }
        sign_ins.push(DemoSignIn {
            role,
            email: email.to_owned(),
            password,
        });
    }
    Ok(sign_ins)
}

fn reset_passwords(conn: &mut DbConnection) -> QueryResult<Vec<DemoSignIn>> {
    let now = Clock::system().now();
    let mut sign_ins = Vec::new();
    for (role, email, _, _) in DEMO_USERS {
        let Some((user, _)) = users::find_by_email(conn, email)? else {
            continue;
        };
        let password = password::generate();
        let hash = password::hash(&password).map_err(|e| invalid(e.to_string()))?;
        users::set_password_hash(conn, user.id, &hash, None, now)?;
        sign_ins.push(DemoSignIn {
            role,
            email: email.to_owned(),
            password,
        });
    }
    Ok(sign_ins)
}

fn at_midnight(year: i32, month: u32, day: u32) -> QueryResult<chrono::NaiveDateTime> {
    NaiveDate::from_ymd_opt(year, month, day)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .ok_or_else(|| invalid(format!("bad date {year}-{month}-{day}")))
}

/// 2016 recommendations that 2017 retired: (focus area, code, text, binding).
const RETIRED_IN_2017: [(i32, &str, &str, bool); 2] = [
    (
        1,
        "1.3",
        "Alle kommuner skal bidrage til en fælles indgang for virksomhederne på tværs af kommunegrænserne",
        true,
    ),
    (
        2,
        "2.4",
        "Alle kommuner skal samarbejde om tilbud til unge på uddannelseshjælp",
        true,
    ),
];

fn focus_areas_of(records: &[RecommendationRecord]) -> Vec<(i32, String)> {
    let mut areas: Vec<(i32, String)> = records
        .iter()
        .map(|r| (r.focus_area_no, r.focus_area.clone()))
        .collect();
    areas.dedup();
    areas
}

fn create_round_2016(
    conn: &mut DbConnection,
    kkr_id: i32,
    records: &[RecommendationRecord],
    actor: i32,
) -> QueryResult<i32> {
    let now = Clock::system().now();
    // The five-area set came in 2017, when refugees were added: 2016 had the first four.
    let focus_areas = focus_areas_of(records)
        .into_iter()
        .filter(|(number, _)| *number <= 4)
        .map(|(number, title)| {
            let mut recs: Vec<rounds::NewRecommendation> = records
                .iter()
                .filter(|r| r.focus_area_no == number)
                .map(|r| rounds::NewRecommendation {
                    code: r.code.clone(),
                    text: r.recommendation.clone(),
                    binding: r.binding == "forpligtende",
                    carried_from: None,
                })
                .collect();
            recs.extend(
                RETIRED_IN_2017
                    .iter()
                    .filter(|(area, ..)| *area == number)
                    .map(|(_, code, text, binding)| rounds::NewRecommendation {
                        code: (*code).to_owned(),
                        text: (*text).to_owned(),
                        binding: *binding,
                        carried_from: None,
                    }),
            );
            rounds::NewFocusArea {
                group_id: None,
                number,
                title,
                recommendations: recs,
            }
        })
        .collect();
    rounds::insert_round(
        conn,
        &rounds::NewRound {
            kkr_id,
            year: 2016,
            title: format!("{ROUND_TITLE} 2016"),
            subject: ROUND_SUBJECT.to_owned(),
            participants: None,
            deadline: at_midnight(2016, 10, 1)?,
            state: RoundState::Closed,
            focus_areas,
        },
        Some(actor),
        now,
    )
}

fn create_round_2017(
    conn: &mut DbConnection,
    kkr_id: i32,
    records: &[RecommendationRecord],
    round_2016: i32,
    actor: i32,
) -> QueryResult<i32> {
    let now = Clock::system().now();
    let previous = rounds::recommendation_ids_by_code(conn, round_2016)?;
    let carried = |code: &str| previous.iter().find(|(c, _)| c == code).map(|(_, id)| *id);
    let focus_areas = focus_areas_of(records)
        .into_iter()
        .map(|(number, title)| rounds::NewFocusArea {
            group_id: None,
            number,
            title,
            recommendations: records
                .iter()
                .filter(|r| r.focus_area_no == number)
                .map(|r| rounds::NewRecommendation {
                    code: r.code.clone(),
                    text: r.recommendation.clone(),
                    binding: r.binding == "forpligtende",
                    carried_from: carried(&r.code),
                })
                .collect(),
        })
        .collect();
    // The demo round is open: its deadline is always a month ahead.
    let deadline = (chrono::Utc::now() + Duration::days(30))
        .date_naive()
        .and_hms_opt(22, 59, 0)
        .ok_or_else(|| invalid("bad deadline".into()))?;
    rounds::insert_round(
        conn,
        &rounds::NewRound {
            kkr_id,
            year: 2017,
            title: format!("{ROUND_TITLE} 2017"),
            subject: ROUND_SUBJECT.to_owned(),
            participants: None,
            deadline,
            state: RoundState::Open,
            focus_areas,
        },
        Some(actor),
        now,
    )
}

/// The region-wide result each recommendation code is to get: (code, classification).
type Plan = Vec<(String, Status)>;

fn plan_2017(records: &[RecommendationRecord]) -> QueryResult<Plan> {
    records
        .iter()
        .map(|r| {
            Status::parse(&r.reported_status_2017)
                .map(|s| (r.code.clone(), s))
                .map_err(|e| invalid(e.to_string()))
        })
        .collect()
}

fn plan_2016() -> Plan {
    use Status::*;
    [
        ("1.1", Green),
        ("1.2", Yellow),
        ("1.3", Green),
        ("2.1", Green),
        ("2.2", Red),
        ("2.3", Red),
        ("2.4", Green),
        ("3.1", Yellow),
        ("3.2", Yellow),
        ("4.1", Green),
        ("4.2", Red),
    ]
    .into_iter()
    .map(|(code, status)| (code.to_owned(), status))
    .collect()
}

/// The statuses `n` municipalities answer to the recommendation at `index` whose region-wide
/// result is to be `target`: a clear plurality for the target (between 11 and 14 of 24, say),
/// the rest split between the other two colours, rotated so each municipality gets a mix.
pub fn synthesise_statuses(index: usize, target: Status, n: usize) -> Vec<Status> {
    let majority = (n * 11 / 24 + index % 4).min(n);
    let rest = n - majority;
    let first_other = (rest + index % 2) / 2;
    let (near, far) = match target {
        Status::Green => (Status::Yellow, Status::Red),
        Status::Yellow => (Status::Green, Status::Red),
        Status::Red => (Status::Yellow, Status::Green),
    };
    let mut statuses: Vec<Status> = std::iter::repeat_n(target, majority)
        .chain(std::iter::repeat_n(near, first_other))
        .chain(std::iter::repeat_n(far, rest - first_other))
        .collect();
    if n > 0 {
        statuses.rotate_right((index * 5) % n);
    }
    statuses
}

const GREEN_COMMENTS: [&str; 5] = [
    "Indsatsen er forankret i jobcentret og følges op på kvartalsvise ledermøder.",
    "Vi deltager aktivt i det fælles netværk og har en fast kontaktperson.",
    "Arbejdet kører efter planen; erfaringerne deles i det tværkommunale forum.",
    "Implementeret i 2017 og indarbejdet i beskæftigelsesplanen.",
    "Samarbejdet med nabokommunerne fungerer godt og er aftalt for de kommende år.",
];
const YELLOW_COMMENTS: [&str; 5] = [
    "Arbejdet er i gang; en handleplan forventes godkendt i løbet af efteråret.",
    "Vi er i dialog med nabokommunerne om en fælles model.",
    "Første del er gennemført; anden del afventer afklaring af økonomien.",
    "Projektgruppen er nedsat, og de første aktiviteter er igangsat.",
    "Indsatsen er startet i ét team og udbredes til resten af jobcentret i næste kvartal.",
];
const RED_COMMENTS: [&str; 5] = [
    "Ikke prioriteret i år på grund af ressourcer; tages op i næste års plan.",
    "Afventer den fælles model fra KKR, før vi går i gang.",
    "Målgruppen er meget lille i kommunen; vi undersøger samarbejde med en nabokommune.",
    "Ikke igangsat; der mangler en tovholder efter organisationsændringer.",
    "Vi planlægger at starte i første halvår af næste år.",
];

fn comment_for(status: Status, salt: usize) -> String {
    let bank = match status {
        Status::Green => &GREEN_COMMENTS,
        Status::Yellow => &YELLOW_COMMENTS,
        Status::Red => &RED_COMMENTS,
    };
    bank[salt % bank.len()].to_owned()
}

/// A link to the council decision behind some green answers, so the demo shows evidence links.
/// The addresses are under `.test`, a name reserved never to lead anywhere.
fn evidence_for(
    status: Status,
    salt: usize,
    code: &MunicipalityCode,
    rec: &str,
) -> Option<EvidenceLink> {
    if status != Status::Green || !salt.is_multiple_of(3) {
        return None;
    }
    EvidenceLink::parse(&format!(
        "https://dagsordener.kommune-{code}.test/byraadet/anbefaling-{rec}"
    ))
    .ok()
    .flatten()
}

/// Writes every municipality's answers to a round: those in `missing` get no submission,
/// those in `drafts` a partial draft, all others a submitted form following `plan`.
fn answer_round(
    conn: &mut DbConnection,
    round_id: i32,
    plan: &Plan,
    missing: &[&str],
    drafts: &[&str],
    admin: i32,
    editor: i32,
) -> QueryResult<()> {
    let now = Clock::system().now();
    let content = rounds::load_content(conn, round_id)?.ok_or(diesel::result::Error::NotFound)?;
    let submitting: Vec<&crate::domain::Municipality> = content
        .municipalities
        .iter()
        .filter(|m| !missing.contains(&m.code.as_str()) && !drafts.contains(&m.code.as_str()))
        .collect();
    let mut by_municipality: Vec<Vec<Answer>> = vec![Vec::new(); submitting.len()];
    for (index, rec) in content.recommendations.iter().enumerate() {
        let target = plan
            .iter()
            .find(|(code, _)| *code == rec.code)
            .map(|(_, s)| *s)
            .ok_or_else(|| invalid(format!("no demo plan for recommendation {}", rec.code)))?;
        for (i, status) in synthesise_statuses(index, target, submitting.len())
            .into_iter()
            .enumerate()
        {
            by_municipality[i].push(Answer {
                recommendation_id: rec.id,
                status: Some(status),
                comment: comment_for(status, i + index),
                evidence: evidence_for(status, i + index, &submitting[i].code, &rec.code),
                carried: false,
            });
        }
    }
    for (municipality, answers) in submitting.iter().zip(by_municipality) {
        submissions::save(
            conn,
            &submissions::SaveSubmission {
                round_id,
                municipality_code: municipality.code.clone(),
                base_version: 0,
                answers,
                proposals: String::new(),
                state: SubmissionState::Submitted,
            },
            admin,
            now,
        )?;
    }
    for (d, code) in drafts.iter().enumerate() {
        let code = MunicipalityCode::parse(code).map_err(|e| invalid(e.0))?;
        // The first draft is half done, the others nearly complete.
        let answered = if d == 0 {
            7
        } else {
            content.recommendations.len() - 1
        };
        let answers = content
            .recommendations
            .iter()
            .take(answered)
            .enumerate()
            .map(|(i, rec)| {
                let status = Status::ALL[(i + d) % 3];
                Answer {
                    recommendation_id: rec.id,
                    status: Some(status),
                    comment: comment_for(status, i + 2 * d),
                    carried: false,
                    evidence: None,
                }
            })
            .collect();
        submissions::save(
            conn,
            &submissions::SaveSubmission {
                round_id,
                municipality_code: code,
                base_version: 0,
                answers,
                proposals: if d == 0 {
                    "Et fælles indsatsområde om unge uden uddannelse.".to_owned()
                } else {
                    String::new()
                },
                state: SubmissionState::Draft,
            },
            if d == 0 { editor } else { admin },
            now,
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::summary::{classify, Counts};

    #[test]
    fn synthesised_statuses_give_the_target_classification() {
        for index in 0..12 {
            for target in Status::ALL {
                let statuses = synthesise_statuses(index, target, 24);
                assert_eq!(statuses.len(), 24);
                let mut counts = Counts::default();
                for s in statuses {
                    match s {
                        Status::Green => counts.green += 1,
                        Status::Yellow => counts.yellow += 1,
                        Status::Red => counts.red += 1,
                    }
                }
                assert_eq!(classify(&counts), Some(target), "index {index} {target}");
                assert!(
                    counts.get(target) < 24,
                    "every recommendation shows a spread"
                );
            }
        }
    }

    #[test]
    fn the_bundled_data_has_12_recommendations() {
        let records = parse_recommendations().unwrap();
        assert_eq!(records.len(), 12);
        let plan = plan_2017(&records).unwrap();
        let count = |s| plan.iter().filter(|(_, p)| *p == s).count();
        assert_eq!(
            (
                count(Status::Green),
                count(Status::Yellow),
                count(Status::Red)
            ),
            (5, 3, 4)
        );
    }
}
