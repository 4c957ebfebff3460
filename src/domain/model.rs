//! The model of a status round: municipalities, rounds, recommendations, submissions, users.
//!
//! Values that come from outside (forms, CLI, API) are parsed into these types at the edge;
//! a value of one of these types is valid by construction.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use std::fmt;

use super::status::Status;

/// Any value from outside that does not parse; the message is Danish and shown to the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidValue(pub String);

/// A municipality's official three-digit code (kommunekode), e.g. "101" for København.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct MunicipalityCode(String);

impl MunicipalityCode {
    pub fn parse(raw: &str) -> Result<MunicipalityCode, InvalidValue> {
        let raw = raw.trim();
        if raw.len() == 3 && raw.bytes().all(|b| b.is_ascii_digit()) {
            Ok(MunicipalityCode(raw.to_owned()))
        } else {
            Err(InvalidValue(format!(
                "«{}» er ikke en kommunekode: den skal være tre cifre, fx 101",
                raw.chars().take(20).collect::<String>()
            )))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for MunicipalityCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Kkr {
    pub id: i32,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Municipality {
    pub code: MunicipalityCode,
    pub name: String,
    pub kkr_id: i32,
    /// What its council is called in a council document: "Byrådet", "Kommunalbestyrelsen",
    /// "Borgerrepræsentationen".
    pub council_name: String,
}

impl Municipality {
    /// The name a council document uses: "Frederiksberg Kommune", "Bornholms Regionskommune".
    pub fn official_name(&self) -> String {
        official_name(&self.name)
    }
}

/// "Frederiksberg" -> "Frederiksberg Kommune"; Bornholm is a regional municipality.
pub fn official_name(name: &str) -> String {
    if name == "Bornholm" {
        "Bornholms Regionskommune".to_owned()
    } else {
        format!("{name} Kommune")
    }
}

macro_rules! code_enum {
    ($(#[$meta:meta])* $name:ident, $what:literal { $($variant:ident => $code:literal, $label:literal;)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "lowercase")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn parse(raw: &str) -> Result<$name, InvalidValue> {
                match raw.trim() {
                    $($code => Ok($name::$variant),)+
                    other => Err(InvalidValue(format!(
                        concat!("ukendt ", $what, " «{}»"),
                        other.chars().take(40).collect::<String>()
                    ))),
                }
            }

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            /// The Danish word shown to people.
            pub fn label_da(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

code_enum!(
    /// Where a status round is in its year.
    RoundState, "rundestatus" {
        Draft => "draft", "Under forberedelse";
        Open => "open", "Åben";
        Closed => "closed", "Lukket";
        Published => "published", "Offentliggjort";
    }
);

code_enum!(
    /// Whether a municipality's form is still being worked on or has been handed in.
    SubmissionState, "skemastatus" {
        Draft => "draft", "Kladde";
        Submitted => "submitted", "Indsendt";
    }
);

code_enum!(
    /// What a signed-in user may do; see DESIGN.md's role table.
    Role, "rolle" {
        Admin => "admin", "KKR-sekretariat";
        Kkr => "kkr", "KKR-medlem";
        Editor => "editor", "Kommunal medarbejder";
        Reader => "reader", "Byrådssekretær";
    }
);

/// One KKR's status round for one year.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Round {
    pub id: i32,
    pub kkr_id: i32,
    pub kkr_name: String,
    pub year: i32,
    pub title: String,
    /// The policy area its documents name, e.g. "beskæftigelsesområdet"; may be empty.
    pub subject: String,
    /// UTC.
    pub deadline: NaiveDateTime,
    pub state: RoundState,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FocusArea {
    pub id: i32,
    pub number: i32,
    pub title: String,
    /// The group (job cluster) whose own focus area this is: only its members are asked and
    /// counted. `None` for a focus area of the whole round.
    pub group_id: Option<i32>,
}

/// A group of the round's KKR as the round sees it: its members among the round's
/// participants (in code order). For a closed round, the members it had when it closed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RoundGroup {
    pub id: i32,
    pub name: String,
    pub members: Vec<MunicipalityCode>,
    /// The group's "forventninger til det kommende års klyngesamarbejde" written for this
    /// round; empty when none is written.
    pub expectations: String,
    /// UTC; when the expectations were last written.
    pub expectations_updated: Option<NaiveDateTime>,
}

/// A part of a round that a view shows: what is asked of whom, and so what is counted.
/// Every view narrows the round with [`RoundContent::scoped`] and then runs the one
/// aggregation over the result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// The whole round: every recommendation, each counted over the municipalities asked.
    All,
    /// The focus areas of the whole round, over every participant.
    Common,
    /// One group's own focus areas, over its members.
    Group(i32),
    /// One group's members, with everything they are asked (the common focus areas and the
    /// group's own).
    Members(i32),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recommendation {
    pub id: i32,
    pub focus_area_id: i32,
    /// "1.2": focus area number and position.
    pub code: String,
    pub text: String,
    pub binding: bool,
    pub position: i32,
    /// The same recommendation in the previous round, if it continues from there.
    pub carried_from: Option<i32>,
    /// Recommendations of the previous round that were merged into this one: their history
    /// flows into this one's trend too, after `carried_from`'s.
    pub merged_from: Vec<i32>,
}

impl Recommendation {
    /// The previous round's recommendations this one continues: `carried_from` first, then
    /// those merged into it.
    pub fn predecessors(&self) -> impl Iterator<Item = i32> + '_ {
        self.carried_from
            .into_iter()
            .chain(self.merged_from.iter().copied())
    }

    /// New this round: it continues nothing from the previous round.
    pub fn is_new(&self) -> bool {
        self.carried_from.is_none() && self.merged_from.is_empty()
    }
}

/// A round with everything that defines it: its focus areas, recommendations, and the
/// municipalities that take part in it (by default all municipalities of the round's KKR).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RoundContent {
    pub round: Round,
    /// In focus area number order.
    pub focus_areas: Vec<FocusArea>,
    /// In focus area, then position order.
    pub recommendations: Vec<Recommendation>,
    /// In name order.
    pub municipalities: Vec<Municipality>,
    /// The groups of the round's KKR, in name order, each with its members in the round.
    pub groups: Vec<RoundGroup>,
}

impl RoundContent {
    pub fn group(&self, id: i32) -> Option<&RoundGroup> {
        self.groups.iter().find(|g| g.id == id)
    }

    pub fn focus_area(&self, id: i32) -> Option<&FocusArea> {
        self.focus_areas.iter().find(|a| a.id == id)
    }

    /// Whether a focus area's recommendations are asked of a municipality: those of the whole
    /// round of every participant, a group's own only of its members.
    pub fn area_applies_to(&self, area: &FocusArea, code: &MunicipalityCode) -> bool {
        match area.group_id {
            None => true,
            Some(group_id) => self
                .group(group_id)
                .is_some_and(|g| g.members.contains(code)),
        }
    }

    /// Whether a recommendation is asked of a municipality (see [`Self::area_applies_to`]).
    pub fn applies_to(&self, recommendation: &Recommendation, code: &MunicipalityCode) -> bool {
        self.focus_area(recommendation.focus_area_id)
            .is_some_and(|area| self.area_applies_to(area, code))
    }

    /// The recommendations a municipality is asked, in order: what its form shows, what it
    /// must answer, and what a reminder counts as missing.
    pub fn recommendations_for<'a>(
        &'a self,
        code: &'a MunicipalityCode,
    ) -> impl Iterator<Item = &'a Recommendation> + 'a {
        self.recommendations
            .iter()
            .filter(move |r| self.applies_to(r, code))
    }

    /// The groups that own focus areas in this round (job clusters), in name order.
    pub fn clusters(&self) -> impl Iterator<Item = &RoundGroup> {
        self.groups
            .iter()
            .filter(|g| self.focus_areas.iter().any(|a| a.group_id == Some(g.id)))
    }

    /// The clusters a municipality belongs to, in name order.
    pub fn clusters_of<'a>(
        &'a self,
        code: &'a MunicipalityCode,
    ) -> impl Iterator<Item = &'a RoundGroup> + 'a {
        self.clusters().filter(move |g| g.members.contains(code))
    }

    /// Whether some focus area of the round belongs to a group.
    pub fn has_clusters(&self) -> bool {
        self.focus_areas.iter().any(|a| a.group_id.is_some())
    }

    /// The content as a municipality's own form and attachment see it: every participant,
    /// but only the focus areas asked of `code`.
    pub fn for_municipality(&self, code: &MunicipalityCode) -> RoundContent {
        self.keep(|area| self.area_applies_to(area, code), |_| true)
    }

    /// The part of the round a [`Scope`] covers. A group that is not the KKR's leaves
    /// nothing (no municipalities, for `Group` no focus areas).
    pub fn scoped(&self, scope: Scope) -> RoundContent {
        let members = |id: i32| self.group(id).map(|g| g.members.as_slice()).unwrap_or(&[]);
        match scope {
            Scope::All => self.clone(),
            Scope::Common => self.keep(|area| area.group_id.is_none(), |_| true),
            Scope::Group(id) => self.keep(
                |area| area.group_id == Some(id),
                |m| members(id).contains(&m.code),
            ),
            Scope::Members(id) => self.keep(
                |area| area.group_id.is_none() || area.group_id == Some(id),
                |m| members(id).contains(&m.code),
            ),
        }
    }

    fn keep(
        &self,
        area: impl Fn(&FocusArea) -> bool,
        municipality: impl Fn(&Municipality) -> bool,
    ) -> RoundContent {
        let focus_areas: Vec<FocusArea> = self
            .focus_areas
            .iter()
            .filter(|a| area(a))
            .cloned()
            .collect();
        let municipalities: Vec<Municipality> = self
            .municipalities
            .iter()
            .filter(|m| municipality(m))
            .cloned()
            .collect();
        RoundContent {
            round: self.round.clone(),
            recommendations: self
                .recommendations
                .iter()
                .filter(|r| focus_areas.iter().any(|a| a.id == r.focus_area_id))
                .cloned()
                .collect(),
            groups: self
                .groups
                .iter()
                .map(|g| RoundGroup {
                    members: g
                        .members
                        .iter()
                        .filter(|c| municipalities.iter().any(|m| &m.code == *c))
                        .cloned()
                        .collect(),
                    ..g.clone()
                })
                .collect(),
            focus_areas,
            municipalities,
        }
    }

    pub fn recommendations_of(&self, focus_area_id: i32) -> impl Iterator<Item = &Recommendation> {
        self.recommendations
            .iter()
            .filter(move |r| r.focus_area_id == focus_area_id)
    }

    pub fn municipality(&self, code: &MunicipalityCode) -> Option<&Municipality> {
        self.municipalities.iter().find(|m| &m.code == code)
    }
}

/// One recommendation's answer in a submission. A draft may hold a comment without a status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Answer {
    pub recommendation_id: i32,
    pub status: Option<Status>,
    pub comment: String,
    /// A link to what shows the answer (a council decision, a plan).
    pub evidence: Option<EvidenceLink>,
    /// Taken over from last round and not yet confirmed or changed ("fra sidste år").
    pub carried: bool,
}

impl Answer {
    /// The evidence link as text, for views, documents and mails.
    pub fn evidence_url(&self) -> Option<String> {
        self.evidence.as_ref().map(|e| e.as_str().to_owned())
    }
}

/// A municipality's form for a round.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Submission {
    pub id: i32,
    pub round_id: i32,
    pub municipality_code: MunicipalityCode,
    pub state: SubmissionState,
    /// UTC.
    pub submitted_at: Option<NaiveDateTime>,
    pub submitted_by: Option<String>,
    /// Bumped by every change; a save must name the version it started from.
    pub version: i32,
    /// UTC.
    pub updated_at: NaiveDateTime,
    pub updated_by: Option<String>,
    /// Proposals for new focus areas.
    pub proposals: String,
    /// Reopened by an admin after the deadline: its editors may save again.
    pub reopened: bool,
    pub answers: Vec<Answer>,
}

impl Submission {
    pub fn answer(&self, recommendation_id: i32) -> Option<&Answer> {
        self.answers
            .iter()
            .find(|a| a.recommendation_id == recommendation_id)
    }

    pub fn is_submitted(&self) -> bool {
        self.state == SubmissionState::Submitted
    }
}

/// A round's content and every submission to it: the input of the aggregation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RoundData {
    pub content: RoundContent,
    pub submissions: Vec<Submission>,
}

impl RoundData {
    /// The round as a municipality's attachment sees it: the focus areas asked of it, each
    /// counted over the municipalities asked (the common ones over every participant, its
    /// clusters' over their members).
    pub fn for_municipality(&self, code: &MunicipalityCode) -> RoundData {
        RoundData {
            content: self.content.for_municipality(code),
            submissions: self.submissions.clone(),
        }
    }

    /// The round narrowed to a [`Scope`], with the submissions of the municipalities left.
    pub fn scoped(&self, scope: Scope) -> RoundData {
        let content = self.content.scoped(scope);
        let submissions = self
            .submissions
            .iter()
            .filter(|s| content.municipality(&s.municipality_code).is_some())
            .cloned()
            .collect();
        RoundData {
            content,
            submissions,
        }
    }

    pub fn submission_of(&self, code: &MunicipalityCode) -> Option<&Submission> {
        self.submissions
            .iter()
            .find(|s| &s.municipality_code == code)
    }
}

/// A signed-in person and what they are attached to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    pub id: i32,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub kkr_id: Option<i32>,
    pub municipality_code: Option<MunicipalityCode>,
}

/// A comment as a municipality may write it: at most [`Comment::MAX_CHARS`] characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment(String);

impl Comment {
    pub const MAX_CHARS: usize = 2000;

    pub fn parse(raw: &str) -> Result<Comment, InvalidValue> {
        let text = normalise_lines(raw).trim().to_owned();
        if let Some(problem) = control_character(&text) {
            return Err(InvalidValue(format!("Kommentaren {problem}")));
        }
        let length = text.chars().count();
        if length > Self::MAX_CHARS {
            Err(InvalidValue(format!(
                "Kommentaren er {length} tegn; den må højst være {} tegn.",
                Self::MAX_CHARS
            )))
        } else {
            Ok(Comment(text))
        }
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// A link a municipality gives beside an answer to what documents it (a council decision, a
/// plan): an absolute `http` or `https` address with a host and no user name or password, at
/// most [`EvidenceLink::MAX_CHARS`] characters. Nothing else is ever shown as a link, so a
/// `javascript:` or `data:` address cannot reach a page or a document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct EvidenceLink(String);

impl EvidenceLink {
    pub const MAX_CHARS: usize = 2000;

    /// The link typed in a form or a sheet: `None` when the field is empty.
    pub fn parse(raw: &str) -> Result<Option<EvidenceLink>, InvalidValue> {
        let text = raw.trim();
        if text.is_empty() {
            return Ok(None);
        }
        let length = text.chars().count();
        if length > Self::MAX_CHARS {
            return Err(InvalidValue(format!(
                "Linket er {length} tegn; det må højst være {} tegn.",
                Self::MAX_CHARS
            )));
        }
        if let Some((position, _)) = text
            .chars()
            .enumerate()
            .find(|&(_, c)| c.is_whitespace() || c.is_control())
        {
            return Err(InvalidValue(format!(
                "Linket indeholder et mellemrum eller et usynligt tegn ved tegn nr. {}. En \
                 webadresse skrives uden mellemrum.",
                position + 1
            )));
        }
        let url = url::Url::parse(text).map_err(|_| {
            InvalidValue(
                "Linket er ikke en gyldig webadresse. Skriv hele adressen, fx \
                 https://www.kommune.dk/dagsorden."
                    .to_owned(),
            )
        })?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(InvalidValue(
                "Linket skal begynde med https:// eller http://.".to_owned(),
            ));
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(InvalidValue(
                "Linket mangler et domæne, fx www.kommune.dk.".to_owned(),
            ));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(InvalidValue(
                "Linket må ikke indeholde et brugernavn eller en adgangskode.".to_owned(),
            ));
        }
        Ok(Some(EvidenceLink(url.into())))
    }

    /// A link read back from storage, where only [`EvidenceLink::parse`] wrote it; a value
    /// that no longer passes is dropped rather than shown.
    pub fn stored(raw: Option<&str>) -> Option<EvidenceLink> {
        raw.and_then(|r| EvidenceLink::parse(r).ok().flatten())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for EvidenceLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Browsers send `\r\n` for a new line in a textarea (and old programs a lone `\r`); text is
/// stored with `\n` only.
pub fn normalise_lines(raw: &str) -> String {
    raw.replace("\r\n", "\n").replace('\r', "\n")
}

/// Why a text holds an invisible control character (any C0 control but new line and tab, DEL,
/// or a C1 control), worded to follow "Kommentaren" or "Forslagene"; `None` when it holds
/// none. Such characters arrive by pasting from other programs, show as nothing on the page
/// and break documents, so the form refuses them and says where the first one is.
pub fn control_character(text: &str) -> Option<String> {
    text.chars()
        .enumerate()
        .find(|&(_, c)| c.is_control() && c != '\n' && c != '\t')
        .map(|(position, c)| {
            format!(
                "indeholder et usynligt styretegn (U+{:04X}) ved tegn nr. {}, måske fra en kopi fra \
                 et andet program. Fjern det, og gem igen.",
                u32::from(c),
                position + 1
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn an_evidence_link_is_an_http_or_https_address_with_a_host_and_nothing_else() {
        assert_eq!(EvidenceLink::parse("  ").unwrap(), None);
        let link = EvidenceLink::parse(" https://www.kk.dk/dagsorden?punkt=4#b ")
            .unwrap()
            .unwrap();
        assert_eq!(link.as_str(), "https://www.kk.dk/dagsorden?punkt=4#b");
        assert_eq!(
            EvidenceLink::parse("http://Gribskov.dk")
                .unwrap()
                .unwrap()
                .as_str(),
            "http://gribskov.dk/",
            "the address as browsers read it"
        );
        let refused = |raw: &str| EvidenceLink::parse(raw).unwrap_err().0;
        for raw in [
            "javascript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "ftp://filer.kk.dk/plan.pdf",
            "file:///etc/passwd",
            "mailto:post@kk.dk",
        ] {
            assert!(refused(raw).contains("https:// eller http://"), "{raw}");
        }
        assert!(refused("www.kk.dk/plan").contains("ikke en gyldig webadresse"));
        assert!(refused("https://www.kk.dk/min plan.pdf").contains("mellemrum"));
        assert!(refused("https://www.kk.dk/\u{0}").contains("usynligt tegn"));
        assert!(refused("https://ole:hemmelig@www.kk.dk/").contains("brugernavn"));
        let long = format!("https://www.kk.dk/{}", "a".repeat(EvidenceLink::MAX_CHARS));
        assert!(refused(&long).contains("højst være 2000 tegn"));
        // A stored value that no longer passes is not shown.
        assert_eq!(EvidenceLink::stored(Some("javascript:alert(1)")), None);
        assert_eq!(EvidenceLink::stored(None), None);
    }

    #[test]
    fn every_control_character_but_new_line_and_tab_is_refused_with_its_position() {
        for code in (0u32..0x20).chain(0x7f..0xa0) {
            let c = char::from_u32(code).unwrap();
            let text = format!("før{c}efter");
            match c {
                '\n' | '\t' | '\r' => {
                    assert!(Comment::parse(&text).is_ok(), "U+{code:04X} refused");
                }
                _ => {
                    let message = Comment::parse(&text).unwrap_err().to_string();
                    assert!(
                        message.starts_with("Kommentaren indeholder et usynligt styretegn"),
                        "{message}"
                    );
                    assert!(
                        message.contains(&format!("(U+{code:04X}) ved tegn nr. 4")),
                        "{message}"
                    );
                }
            }
        }
        assert_eq!(Comment::parse("a\rb").unwrap().into_string(), "a\nb");
        assert_eq!(Comment::parse("a\tb").unwrap().into_string(), "a\tb");
    }

    proptest! {
        #[test]
        fn a_parsed_comment_holds_no_control_character_but_new_line_and_tab(raw in "\\PC{0,30}|[\u{0}-\u{7f}]{0,30}") {
            if let Ok(comment) = Comment::parse(&raw) {
                let text = comment.into_string();
                prop_assert!(text.chars().all(|c| !c.is_control() || c == '\n' || c == '\t'));
                prop_assert!(text.chars().count() <= Comment::MAX_CHARS);
                prop_assert_eq!(text.trim(), text.as_str());
            } else {
                prop_assert!(raw.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\t' | '\r')));
            }
        }

        #[test]
        fn municipality_codes_parse_exactly_three_ascii_digits(raw in "\\PC{0,5}|[0-9 ]{0,5}") {
            match MunicipalityCode::parse(&raw) {
                Ok(code) => {
                    prop_assert_eq!(code.as_str(), raw.trim());
                    prop_assert!(code.as_str().len() == 3 && code.as_str().bytes().all(|b| b.is_ascii_digit()));
                }
                Err(e) => {
                    let t = raw.trim();
                    prop_assert!(!(t.len() == 3 && t.bytes().all(|b| b.is_ascii_digit())));
                    prop_assert!(e.to_string().contains("er ikke en kommunekode"));
                }
            }
        }
    }

    #[test]
    fn municipality_code_must_be_three_digits() {
        assert_eq!(MunicipalityCode::parse("101").unwrap().as_str(), "101");
        assert_eq!(MunicipalityCode::parse(" 147 ").unwrap().as_str(), "147");
        for bad in ["", "10", "1010", "abc", "1a1", "１０１"] {
            assert!(MunicipalityCode::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn official_names_follow_council_usage() {
        assert_eq!(official_name("Frederiksberg"), "Frederiksberg Kommune");
        assert_eq!(official_name("Bornholm"), "Bornholms Regionskommune");
    }

    #[test]
    fn code_enums_round_trip_and_reject_unknown_words() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Ok(*role));
        }
        assert_eq!(
            Role::parse("root").unwrap_err().to_string(),
            "ukendt rolle «root»"
        );
        assert_eq!(RoundState::parse("open"), Ok(RoundState::Open));
    }

    #[test]
    fn comment_is_limited_to_two_thousand_characters() {
        let at_limit = "æ".repeat(Comment::MAX_CHARS);
        assert!(Comment::parse(&at_limit).is_ok());
        let over = "æ".repeat(Comment::MAX_CHARS + 1);
        let err = Comment::parse(&over).unwrap_err();
        assert!(err.to_string().contains("højst være 2000 tegn"));
    }

    #[test]
    fn comment_normalises_line_breaks_and_trims() {
        let c = Comment::parse("  a\r\nb  ").unwrap();
        assert_eq!(c.into_string(), "a\nb");
    }
}

/// A key that sorts names the Danish way: Æ, Ø, Å after Z (and "Aa" as Å), case-insensitively.
pub fn danish_sort_key(name: &str) -> Vec<u32> {
    let lower = name.to_lowercase().replace("aa", "å");
    lower
        .chars()
        .map(|c| match c {
            'æ' | 'ä' => 'z' as u32 + 1,
            'ø' | 'ö' => 'z' as u32 + 2,
            'å' => 'z' as u32 + 3,
            other => other as u32,
        })
        .collect()
}

#[cfg(test)]
mod collation_tests {
    use super::danish_sort_key;

    #[test]
    fn danish_letters_sort_after_z() {
        let mut names = vec!["Århus", "Ærø", "Odder", "Ølstykke", "Zealand", "Aabenraa"];
        names.sort_by_key(|n| danish_sort_key(n));
        assert_eq!(
            names,
            vec!["Odder", "Zealand", "Ærø", "Ølstykke", "Aabenraa", "Århus"]
        );
    }
}
