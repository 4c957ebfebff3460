//! The benchmark's national dataset: every KKR with a run of yearly rounds, each round's
//! recommendations continuing last year's (`carried_from`), every form answered.
//!
//! Deterministic: the same parameters and seed give the same rounds, answers and users (only
//! timestamps differ), so benchmark runs on different machines measure the same work. Written
//! in one transaction with multi-row inserts, so the full set takes seconds, not minutes.

use chrono::{Duration, NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::rows::{AnswerInsertForm, SubmissionInsertForm};
use super::schema::{answers, submissions};
use super::{reference, rounds, users, DbConnection};
use crate::domain::{Role, RoundState, Status};

/// What to generate. [`NationalParams::default`] is the benchmark's full set.
#[derive(Debug, Clone)]
pub struct NationalParams {
    /// Yearly rounds per KKR, the last one open (the earlier ones published).
    pub years: u32,
    pub first_year: i32,
    pub focus_areas: u32,
    pub recommendations_per_area: u32,
    pub seed: u64,
    /// Leave every form of the open rounds a draft (all answered), for the form-save load.
    pub open_as_drafts: bool,
}

impl Default for NationalParams {
    fn default() -> Self {
        NationalParams {
            years: 10,
            first_year: 2016,
            focus_areas: 10,
            recommendations_per_area: 6,
            seed: 1,
            open_as_drafts: false,
        }
    }
}

/// What was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NationalCounts {
    pub kkrs: usize,
    pub municipalities: usize,
    pub rounds: usize,
    pub recommendations: usize,
    pub submissions: usize,
    pub answers: usize,
    pub users: usize,
    /// A digest of every generated status and comment: equal for equal parameters.
    pub digest: u64,
}

/// Why nothing was generated.
#[derive(Debug, thiserror::Error)]
pub enum BenchDataError {
    #[error("the database already holds rounds or users: generate into a fresh database")]
    NotEmpty,
    #[error(transparent)]
    Database(#[from] diesel::result::Error),
}

/// One email per role and place, all with the same password: bench sign-ins.
pub fn admin_email(kkr_index: usize) -> String {
    format!("admin{}@bench.example", kkr_index + 1)
}

pub fn kkr_member_email(kkr_index: usize) -> String {
    format!("kkr{}@bench.example", kkr_index + 1)
}

pub fn editor_email(code: &str) -> String {
    format!("editor{code}@bench.example")
}

pub fn reader_email(code: &str) -> String {
    format!("reader{code}@bench.example")
}

/// SplitMix64: small, fast and fixed, so the data does not change with a library's RNG.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in 0..n.
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

const WORDS: &[&str] = &[
    "jobcenteret",
    "virksomhederne",
    "samarbejdet",
    "borgerne",
    "indsatsen",
    "uddannelse",
    "opfølgning",
    "partnerskabet",
    "kompetencer",
    "rekruttering",
    "netværket",
    "planen",
];

fn comment(rng: &mut Rng, status: Status) -> String {
    let lead = match status {
        Status::Green => "Igangsat:",
        Status::Yellow => "I proces:",
        Status::Red => "Endnu ikke igangsat:",
    };
    let mut text = lead.to_owned();
    for _ in 0..(4 + rng.below(8)) {
        text.push(' ');
        text.push_str(WORDS[rng.below(WORDS.len() as u64) as usize]);
    }
    text.push('.');
    text
}

/// Writes the dataset into a database that has only the reference data (the migrations'
/// KKRs and municipalities), in one transaction.
pub fn national(
    conn: &mut DbConnection,
    params: &NationalParams,
    password_hash: &str,
    now: NaiveDateTime,
) -> Result<NationalCounts, BenchDataError> {
    if super::holds_rounds_or_users(conn)? {
        return Err(BenchDataError::NotEmpty);
    }
    conn.transaction(|conn| generate(conn, params, password_hash, now))
}

fn generate(
    conn: &mut DbConnection,
    params: &NationalParams,
    password_hash: &str,
    now: NaiveDateTime,
) -> Result<NationalCounts, BenchDataError> {
    let mut rng = Rng(params.seed);
    let mut digest: u64 = 0xCBF2_9CE4_8422_2325;
    let mut mix = |text: &str| {
        for b in text.bytes() {
            digest = (digest ^ u64::from(b)).wrapping_mul(0x0100_0000_01B3);
        }
    };
    let kkrs = reference::list_kkrs(conn)?;
    let mut counts = NationalCounts {
        kkrs: kkrs.len(),
        municipalities: 0,
        rounds: 0,
        recommendations: 0,
        submissions: 0,
        answers: 0,
        users: 0,
        digest: 0,
    };
    for (k, kkr) in kkrs.iter().enumerate() {
        let municipalities = reference::municipalities_of_kkr(conn, kkr.id)?;
        counts.municipalities += municipalities.len();
        let user = |email: String, name: String, role, kkr_id, code: Option<_>| users::NewUser {
            email,
            name,
            role,
            kkr_id,
            municipality_code: code,
        };
        let admin = users::create_user(
            conn,
            &user(
                admin_email(k),
                format!("Sekretariat {}", kkr.name),
                Role::Admin,
                Some(kkr.id),
                None,
            ),
            password_hash,
            None,
            now,
        )?;
        users::create_user(
            conn,
            &user(
                kkr_member_email(k),
                format!("Medlem af {}", kkr.name),
                Role::Kkr,
                Some(kkr.id),
                None,
            ),
            password_hash,
            None,
            now,
        )?;
        counts.users += 2;
        for m in &municipalities {
            for (email, name, role) in [
                (editor_email(m.code.as_str()), "Medarbejder", Role::Editor),
                (
                    reader_email(m.code.as_str()),
                    "Byrådssekretær",
                    Role::Reader,
                ),
            ] {
                users::create_user(
                    conn,
                    &user(
                        email,
                        format!("{name} i {}", m.name),
                        role,
                        None,
                        Some(m.code.clone()),
                    ),
                    password_hash,
                    None,
                    now,
                )?;
                counts.users += 1;
            }
        }
        // Each municipality leans a little towards one status, and every year a little more
        // turns green: trends have something to show.
        let leanings: Vec<u64> = municipalities.iter().map(|_| rng.below(30)).collect();
        let mut previous: Vec<(String, i32)> = Vec::new();
        for y in 0..params.years {
            let year = params.first_year + i32::try_from(y).unwrap_or(0);
            let last = y + 1 == params.years;
            let deadline: NaiveDateTime = if last {
                now + Duration::days(60)
            } else {
                NaiveDate::from_ymd_opt(year, 12, 1)
                    .and_then(|d| d.and_hms_opt(22, 59, 0))
                    .unwrap_or(now)
            };
            let focus_areas = (1..=params.focus_areas)
                .map(|a| rounds::NewFocusArea {
                    group_id: None,
                    number: i32::try_from(a).unwrap_or(0),
                    title: format!("Indsatsområde {a}: {}", WORDS[a as usize % WORDS.len()]),
                    recommendations: (1..=params.recommendations_per_area)
                        .map(|n| {
                            let code = format!("{a}.{n}");
                            rounds::NewRecommendation {
                                carried_from: previous
                                    .iter()
                                    .find(|(c, _)| *c == code)
                                    .map(|(_, id)| *id),
                                text: format!(
                                    "Kommunerne styrker {} og {} ({code})",
                                    WORDS[(a + n) as usize % WORDS.len()],
                                    WORDS[(a * n) as usize % WORDS.len()]
                                ),
                                binding: n % 3 != 0,
                                code,
                            }
                        })
                        .collect(),
                })
                .collect();
            let round_id = rounds::insert_round(
                conn,
                &rounds::NewRound {
                    kkr_id: kkr.id,
                    year,
                    title: format!("Status {year}"),
                    subject: "beskæftigelsesområdet".into(),
                    deadline,
                    state: if last {
                        RoundState::Open
                    } else {
                        RoundState::Published
                    },
                    participants: None,
                    focus_areas,
                },
                Some(admin.id),
                now,
            )?;
            counts.rounds += 1;
            let mut recs = rounds::recommendation_ids_by_code(conn, round_id)?;
            recs.sort_by_key(|(_, id)| *id);
            counts.recommendations += recs.len();
            // In the open round the form of the municipality with the lowest code stays a
            // draft (every answer given), so there is a form to keep saving.
            let draft_code = municipalities.iter().map(|m| m.code.as_str()).min();
            for (i, m) in municipalities.iter().enumerate() {
                let draft = last && (params.open_as_drafts || Some(m.code.as_str()) == draft_code);
                let state = if draft { "draft" } else { "submitted" };
                let submission_id: i32 = diesel::insert_into(submissions::table)
                    .values(SubmissionInsertForm {
                        round_id,
                        municipality_code: m.code.as_str(),
                        state,
                        submitted_at: (!draft).then_some(now),
                        submitted_by: (!draft).then_some(admin.id),
                        version: 1,
                        updated_at: now,
                        updated_by: Some(admin.id),
                        proposals: "",
                        reopened: false,
                    })
                    .returning(submissions::id)
                    .get_result(conn)?;
                counts.submissions += 1;
                let statuses: Vec<(Status, String)> = recs
                    .iter()
                    .map(|_| {
                        let roll = rng.below(100) + leanings[i] + u64::from(y) * 4;
                        let status = match roll {
                            r if r >= 80 => Status::Green,
                            r if r >= 45 => Status::Yellow,
                            _ => Status::Red,
                        };
                        let text = comment(&mut rng, status);
                        mix(status.as_str());
                        mix(&text);
                        (status, text)
                    })
                    .collect();
                let rows: Vec<AnswerInsertForm<'_>> = recs
                    .iter()
                    .zip(&statuses)
                    .map(|((_, rec_id), (status, text))| AnswerInsertForm {
                        submission_id,
                        recommendation_id: *rec_id,
                        status: Some(status.as_str()),
                        comment: text,
                        carried: false,
                        evidence_url: None,
                    })
                    .collect();
                for row in &rows {
                    diesel::insert_into(answers::table)
                        .values(row)
                        .execute(conn)?;
                }
                counts.answers += rows.len();
            }
            previous = recs;
        }
    }
    counts.digest = digest;
    Ok(counts)
}
