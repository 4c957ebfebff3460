//! Row types: what goes into and comes out of each table, and their conversion to the domain.
//!
//! A value that the database's CHECK constraints guarantee but that fails to parse anyway
//! (a hand-edited database) surfaces as a deserialisation error, never as a panic.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::*;
use crate::domain::{self, MunicipalityCode, Status};

fn corrupt(what: &str, value: &str) -> diesel::result::Error {
    diesel::result::Error::DeserializationError(
        format!("unexpected {what} «{value}» in the database").into(),
    )
}

pub(crate) fn parse_status(raw: Option<&str>) -> QueryResult<Option<Status>> {
    raw.map(|s| Status::parse(s).map_err(|_| corrupt("status", s)))
        .transpose()
}

pub(crate) fn parse_code(raw: &str) -> QueryResult<MunicipalityCode> {
    MunicipalityCode::parse(raw).map_err(|_| corrupt("municipality code", raw))
}

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = municipalities)]
pub(crate) struct MunicipalityRow {
    pub code: String,
    pub name: String,
    pub kkr_id: i32,
    pub council_name: String,
}

impl MunicipalityRow {
    pub fn into_domain(self) -> QueryResult<domain::Municipality> {
        Ok(domain::Municipality {
            code: parse_code(&self.code)?,
            name: self.name,
            kkr_id: self.kkr_id,
            council_name: self.council_name,
        })
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = municipalities)]
pub(crate) struct MunicipalityInsertForm<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub kkr_id: i32,
    pub council_name: &'a str,
}

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = rounds)]
pub(crate) struct RoundRow {
    pub id: i32,
    pub kkr_id: i32,
    pub year: i32,
    pub title: String,
    pub deadline: NaiveDateTime,
    pub state: String,
    pub subject: String,
}

impl RoundRow {
    pub fn into_domain(self, kkr_name: String) -> QueryResult<domain::Round> {
        let state = domain::RoundState::parse(&self.state)
            .map_err(|_| corrupt("round state", &self.state))?;
        Ok(domain::Round {
            id: self.id,
            kkr_id: self.kkr_id,
            kkr_name,
            year: self.year,
            title: self.title,
            subject: self.subject,
            deadline: self.deadline,
            state,
        })
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = rounds)]
pub(crate) struct RoundInsertForm<'a> {
    pub kkr_id: i32,
    pub year: i32,
    pub title: &'a str,
    pub deadline: NaiveDateTime,
    pub state: &'a str,
    pub subject: &'a str,
}

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = focus_areas)]
pub(crate) struct FocusAreaRow {
    pub id: i32,
    pub number: i32,
    pub title: String,
    pub group_id: Option<i32>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = focus_areas)]
pub(crate) struct FocusAreaInsertForm<'a> {
    pub round_id: i32,
    pub number: i32,
    pub title: &'a str,
    pub proposal_submission_id: Option<i32>,
    pub group_id: Option<i32>,
}

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = recommendations)]
pub(crate) struct RecommendationRow {
    pub id: i32,
    pub focus_area_id: i32,
    pub code: String,
    pub text: String,
    pub binding: bool,
    pub position: i32,
    pub carried_from: Option<i32>,
}

impl From<RecommendationRow> for domain::Recommendation {
    fn from(row: RecommendationRow) -> Self {
        domain::Recommendation {
            id: row.id,
            focus_area_id: row.focus_area_id,
            code: row.code,
            text: row.text,
            binding: row.binding,
            position: row.position,
            carried_from: row.carried_from,
            merged_from: Vec::new(),
        }
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = recommendations)]
pub(crate) struct RecommendationInsertForm<'a> {
    pub focus_area_id: i32,
    pub code: &'a str,
    pub text: &'a str,
    pub binding: bool,
    pub position: i32,
    pub carried_from: Option<i32>,
}

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = submissions)]
pub(crate) struct SubmissionRow {
    pub id: i32,
    pub round_id: i32,
    pub municipality_code: String,
    pub state: String,
    pub submitted_at: Option<NaiveDateTime>,
    pub submitted_by: Option<i32>,
    pub version: i32,
    pub updated_at: NaiveDateTime,
    pub updated_by: Option<i32>,
    pub proposals: String,
    pub reopened: bool,
}

impl SubmissionRow {
    pub fn into_domain(
        self,
        submitted_by: Option<String>,
        updated_by: Option<String>,
        answers: Vec<domain::Answer>,
    ) -> QueryResult<domain::Submission> {
        let state = domain::SubmissionState::parse(&self.state)
            .map_err(|_| corrupt("submission state", &self.state))?;
        Ok(domain::Submission {
            id: self.id,
            round_id: self.round_id,
            municipality_code: parse_code(&self.municipality_code)?,
            state,
            submitted_at: self.submitted_at,
            submitted_by,
            version: self.version,
            updated_at: self.updated_at,
            updated_by,
            proposals: self.proposals,
            reopened: self.reopened,
            answers,
        })
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = submissions)]
pub(crate) struct SubmissionInsertForm<'a> {
    pub round_id: i32,
    pub municipality_code: &'a str,
    pub state: &'a str,
    pub submitted_at: Option<NaiveDateTime>,
    pub submitted_by: Option<i32>,
    pub version: i32,
    pub updated_at: NaiveDateTime,
    pub updated_by: Option<i32>,
    pub proposals: &'a str,
    pub reopened: bool,
}

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = answers)]
pub(crate) struct AnswerRow {
    pub submission_id: i32,
    pub recommendation_id: i32,
    pub status: Option<String>,
    pub comment: String,
    pub carried: bool,
    pub evidence_url: Option<String>,
}

impl AnswerRow {
    pub fn into_domain(self) -> QueryResult<domain::Answer> {
        Ok(domain::Answer {
            recommendation_id: self.recommendation_id,
            status: parse_status(self.status.as_deref())?,
            comment: self.comment,
            evidence: domain::EvidenceLink::stored(self.evidence_url.as_deref()),
            carried: self.carried,
        })
    }
}

/// `None` is written as NULL (not as the column's default), so that rows can go in one
/// multi-row INSERT on SQLite too.
#[derive(Debug, Insertable)]
#[diesel(table_name = answers, treat_none_as_default_value = false)]
pub(crate) struct AnswerInsertForm<'a> {
    pub submission_id: i32,
    pub recommendation_id: i32,
    pub status: Option<&'a str>,
    pub comment: &'a str,
    pub carried: bool,
    pub evidence_url: Option<&'a str>,
}

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = users)]
pub(crate) struct UserRow {
    pub id: i32,
    pub email: String,
    pub name: String,
    pub password_hash: String,
    pub role: String,
    pub kkr_id: Option<i32>,
    pub municipality_code: Option<String>,
}

impl UserRow {
    pub fn into_domain(self) -> QueryResult<(domain::User, String)> {
        let role = domain::Role::parse(&self.role).map_err(|_| corrupt("role", &self.role))?;
        let municipality_code = self
            .municipality_code
            .as_deref()
            .map(parse_code)
            .transpose()?;
        Ok((
            domain::User {
                id: self.id,
                email: self.email,
                name: self.name,
                role,
                kkr_id: self.kkr_id,
                municipality_code,
            },
            self.password_hash,
        ))
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = users)]
pub(crate) struct UserInsertForm<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub password_hash: &'a str,
    pub role: &'a str,
    pub kkr_id: Option<i32>,
    pub municipality_code: Option<&'a str>,
    pub created_at: NaiveDateTime,
}

/// `None` is written as NULL, as for [`AnswerInsertForm`].
#[derive(Debug, Insertable)]
#[diesel(table_name = audit_events, treat_none_as_default_value = false)]
pub(crate) struct AuditInsertForm<'a> {
    pub at: NaiveDateTime,
    pub user_id: Option<i32>,
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: &'a str,
    pub before: Option<&'a str>,
    pub after: Option<&'a str>,
}
