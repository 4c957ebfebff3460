//! Why a change to a round, its recommendation set or an import was refused, as data. The
//! Danish sentence a person reads is made at the web edge (`web::refusals`), so the store
//! and the domain say what happened and the edge says it in words.

use super::model::{InvalidValue, MunicipalityCode};

/// The end of a list a moved item already stands at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    First,
    Last,
}

/// A change to a round that was not made; nothing was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoundRefusal {
    /// The KKR has a round for that year already.
    YearTaken { kkr_name: String, year: i32 },
    /// "Start from last year" with no earlier round of the KKR.
    NoEarlierRound { kkr_name: String, year: i32 },
    /// A round needs at least one participating municipality.
    NoParticipants,
    /// A chosen municipality belongs to another KKR.
    NotOfKkr {
        code: MunicipalityCode,
        kkr_name: String,
    },
    /// A municipality with a form in the round cannot be taken out of it.
    HasForm { municipality: String },
    /// A proposal can only be adopted into a later round that is being prepared.
    NoDraftAfter { kkr_name: String, year: i32 },
    /// A focus area cannot move past the end of the list.
    AreaAtEnd { number: i32, end: End },
    /// A focus area with recommendations cannot be deleted.
    AreaHasRecommendations { number: i32 },
    /// A recommendation cannot move past the end of its focus area.
    RecommendationAtEnd { code: String, end: End },
    /// A recommendation with answers in the round cannot be removed.
    RecommendationHasAnswers { code: String },
    /// A focus area can only belong to a group of the round's own KKR.
    GroupNotOfKkr { kkr_name: String },
    /// A schedule the round cannot take.
    Schedule(super::schedule::ScheduleRefusal),
    /// A value the domain's rules refused (a text, a state change), with the rule's words.
    Invalid(InvalidValue),
}

impl From<InvalidValue> for RoundRefusal {
    fn from(e: InvalidValue) -> Self {
        RoundRefusal::Invalid(e)
    }
}
