//! The audit trail's events as one type: what happened to which kind of thing, with typed
//! values before and after. An event is stored in the audit table's existing columns: the
//! `entity` and `action` columns hold the serde tags (`"round"`, `"set_deadline"`), the
//! `before` and `after` columns the JSON of the values, exactly as the rows written before
//! this type existed, so those rows read back too.
//!
//! Writers build events with the variants (or the constructors below); readers match on them
//! exhaustively, so a new kind of event does not compile until every reader says it in words.

use std::collections::BTreeSet;

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::installation::Statement;
use super::model::{Answer, MunicipalityCode, Role, RoundState, SubmissionState};
use super::snapshot_diff::LoggedEntry;
use super::status::Status;

/// One recorded change, by the kind of thing it changed (the `entity` column).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "entity", rename_all = "snake_case")]
pub enum Event {
    Round(RoundEvent),
    Submission(SubmissionEvent),
    User(UserEvent),
    ApiToken(TokenEvent),
    Group(GroupEvent),
    Mail(MailEvent),
    Attachment(AttachmentEvent),
    Municipality(MunicipalityEvent),
    SitePage(SitePageEvent),
    AccessibilityStatement(StatementEvent),
    /// A sign-in through an identity provider that was refused (no user: nobody signed in).
    SignIn(SignInEvent),
}

/// A change to a round: its settings, its participants, its recommendation set, imports and
/// reminders.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum RoundEvent {
    Create {
        after: RoundCreated,
    },
    SetDeadline {
        before: Deadline,
        after: Deadline,
    },
    SetState {
        before: StateOf,
        after: StateOf,
    },
    SetParticipants {
        before: Participants,
        after: Participants,
    },
    SetCooperationStartYear {
        before: StartYear,
        after: StartYear,
    },
    AdoptProposal {
        after: AdoptedProposal,
    },
    SendReminder {
        after: ReminderQueued,
    },
    /// The reminder plan sent one of its steps (no user: the application did).
    SendPlannedReminder {
        after: PlannedReminderSent,
    },
    /// The secretariat changed the reminder plan: paused, resumed, added or removed a step.
    ChangeReminderPlan {
        before: PlanLog,
        after: PlanLog,
    },
    /// The secretariat set when the round opens, closes and publishes by itself.
    ChangeSchedule {
        before: ScheduleLog,
        after: ScheduleLog,
    },
    /// A step of the round's schedule fell due (no user: the application did it).
    RunScheduledStep {
        after: ScheduledStepRun,
    },
    /// Notices about the round were queued (opening, deadline moved, published).
    QueueNotices {
        after: NoticesQueued,
    },
    AddFocusArea {
        after: FocusArea,
    },
    RenameFocusArea {
        before: FocusAreaTitle,
        after: FocusAreaTitle,
    },
    /// A focus area moved between the whole round and a group (job cluster).
    SetFocusAreaGroup {
        before: FocusAreaGroup,
        after: FocusAreaGroup,
    },
    MoveFocusArea {
        before: FocusArea,
        after: FocusAreaNumber,
    },
    DeleteFocusArea {
        before: FocusArea,
    },
    AddRecommendation {
        after: AddedRecommendation,
    },
    UpdateRecommendation {
        before: Recommendation,
        after: Recommendation,
    },
    MoveRecommendation {
        before: Recommendation,
        after: Recommendation,
    },
    RetireRecommendation {
        before: Recommendation,
    },
    MergeRecommendations {
        before: MergedPair,
        after: Recommendation,
    },
    UndoUpdateRecommendation {
        before: Recommendation,
        after: Recommendation,
    },
    UndoMoveRecommendation {
        before: Recommendation,
        after: Recommendation,
    },
    ReinstateRecommendation {
        before: CodeOnly,
        after: Recommendation,
    },
    SplitRecommendations {
        before: Recommendation,
        after: MergedPair,
    },
    ImportRecommendations {
        after: SetImported,
    },
    ImportAnswers {
        after: AnswersImported,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoundCreated {
    pub kkr_id: i32,
    pub year: i32,
    pub title: String,
    pub subject: String,
    pub deadline: NaiveDateTime,
    pub state: RoundState,
    pub participants: Vec<String>,
    /// How many focus areas and recommendations the round started with.
    pub focus_areas: usize,
    pub recommendations: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Deadline {
    pub deadline: NaiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StateOf {
    pub state: RoundState,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Participants {
    pub participants: Vec<String>,
}

/// The year the cooperation began; `None` when not given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StartYear {
    pub year: Option<i32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdoptedProposal {
    pub focus_area_id: i32,
    pub title: String,
    pub proposed_in_round: i32,
    pub proposed_by: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReminderQueued {
    pub reminder_id: i32,
    pub recipients: Vec<String>,
    pub skipped: Vec<String>,
    pub queued: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlannedReminderSent {
    pub step_id: i32,
    /// The sending it made; none when nobody was left to remind.
    pub reminder_id: Option<i32>,
    pub recipients: Vec<String>,
    pub skipped: Vec<String>,
    /// "sent", "nobody", "paused", "not_open".
    pub outcome: String,
}

/// A round's schedule as the audit trail keeps it: each step not yet taken, with its time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScheduleLog {
    pub steps: Vec<ScheduleStepLog>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScheduleStepLog {
    pub step: crate::domain::schedule::ScheduledStep,
    pub due_at: NaiveDateTime,
}

/// What a scheduled step did when its time came.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScheduledStepRun {
    pub step: crate::domain::schedule::ScheduledStep,
    /// "taken", "not_in_state", "deadline_passed", "refused".
    pub outcome: String,
    /// The round's state (not in state) or the rule's words (refused); empty otherwise.
    #[serde(default)]
    pub detail: String,
}

/// A reminder plan as the audit trail keeps it: paused or not, and its steps not yet done.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanLog {
    pub paused: bool,
    pub steps: Vec<PlanStepLog>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanStepLog {
    pub id: i32,
    #[serde(flatten)]
    pub rule: crate::domain::notices::PlanRule,
    pub due_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NoticesQueued {
    /// "deadline_moved", "submission_received", "round_published", "submission_reopened".
    pub notice: String,
    pub recipients: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FocusArea {
    pub focus_area_id: i32,
    pub number: i32,
    pub title: String,
    /// The group it belongs to, by name; absent for the whole round (and in older rows).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
}

/// Which group a focus area belongs to, by name; `None` for the whole round.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FocusAreaGroup {
    pub focus_area_id: i32,
    pub number: i32,
    pub group: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FocusAreaTitle {
    pub focus_area_id: i32,
    pub title: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FocusAreaNumber {
    pub focus_area_id: i32,
    pub number: i32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AddedRecommendation {
    pub id: i32,
    pub code: String,
    pub text: String,
    pub binding: bool,
}

/// A recommendation as a change found or left it. A move names the focus area it went to; a
/// retirement, merge or reinstatement the recommendations merged into it. Rows of moves
/// written before the move named its area kept the moved recommendation under
/// `recommendation` instead (see [`Recommendation::moved`]).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Recommendation {
    pub id: i32,
    pub code: String,
    pub text: String,
    pub binding: bool,
    pub carried_from: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub merged_from: Option<Vec<i32>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to_focus_area: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recommendation: Option<Box<Recommendation>>,
}

impl Recommendation {
    /// The moved recommendation itself, in either shape of a move's row.
    pub fn moved(&self) -> &Recommendation {
        self.recommendation.as_deref().unwrap_or(self)
    }
}

/// The two recommendations of a merge: the one kept and the one absorbed into it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MergedPair {
    pub kept: Recommendation,
    pub absorbed: Recommendation,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CodeOnly {
    pub code: String,
}

/// Whether an import came through the web page or the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Via {
    Web,
    Cli,
}

impl Via {
    /// The web when a signed-in user did it, the command line otherwise.
    pub fn of(actor: Option<i32>) -> Via {
        if actor.is_some() {
            Via::Web
        } else {
            Via::Cli
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SetImported {
    pub file: String,
    /// The import's plan, line by line as the page showed it.
    pub plan: Vec<String>,
    pub via: Via,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnswersImported {
    pub file: String,
    pub rows: usize,
    pub municipalities: Vec<String>,
    pub via: Via,
}

/// A change to a municipality's form in a round.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum SubmissionEvent {
    /// One answer changed (written before the save's own row).
    Answer {
        before: AnswerChange,
        after: AnswerChange,
    },
    Save {
        before: Option<FormVersion>,
        after: FormVersion,
    },
    Submit {
        before: Option<FormVersion>,
        after: FormVersion,
    },
    Withdraw {
        before: Reopened,
        after: BackToDraft,
    },
    Reopen {
        before: Reopened,
        after: BackToDraft,
    },
}

/// One answer of a form, before or after a change; `answer` is `None` where there was none.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnswerChange {
    pub recommendation_id: i32,
    pub answer: Option<AnswerValue>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnswerValue {
    pub status: Option<Status>,
    pub comment: String,
    /// The evidence link; absent in events written before answers had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<String>,
    #[serde(default)]
    pub carried: bool,
}

impl AnswerValue {
    pub fn of(answer: &Answer) -> AnswerValue {
        AnswerValue {
            status: answer.status,
            comment: answer.comment.clone(),
            evidence: answer.evidence.as_ref().map(|e| e.as_str().to_owned()),
            carried: answer.carried,
        }
    }
}

impl SubmissionEvent {
    /// One answer's change: the same event for a save and an import.
    pub fn answer(
        recommendation_id: i32,
        before: Option<AnswerValue>,
        after: Option<AnswerValue>,
    ) -> Event {
        Event::Submission(SubmissionEvent::Answer {
            before: AnswerChange {
                recommendation_id,
                answer: before,
            },
            after: AnswerChange {
                recommendation_id,
                answer: after,
            },
        })
    }

    /// A form stored as a draft or as submitted.
    pub fn stored(submitted: bool, before: Option<FormVersion>, after: FormVersion) -> Event {
        Event::Submission(if submitted {
            SubmissionEvent::Submit { before, after }
        } else {
            SubmissionEvent::Save { before, after }
        })
    }
}

/// A form's state and version; a save carries the proposals field, an import the file's name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FormVersion {
    pub state: SubmissionState,
    pub version: i32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proposals: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub imported_from: Option<String>,
}

/// A submitted form as it was before it went back to draft.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reopened {
    pub state: SubmissionState,
    pub version: i32,
    pub submitted_at: Option<NaiveDateTime>,
    pub submitted_by: Option<String>,
}

/// A form back in draft: withdrawn (no reason) or reopened by the secretariat (with one).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BackToDraft {
    pub state: SubmissionState,
    pub version: i32,
    pub reason: Option<String>,
}

/// A change to a user account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum UserEvent {
    Create {
        after: UserCreated,
    },
    Invite {
        after: InvitationMade,
    },
    ResetPassword {
        after: InvitationMade,
    },
    /// A new invitation for a user who never chose a password (the old one expired or was
    /// lost): not a reset, since there was no password to reset.
    Reinvite {
        after: InvitationMade,
    },
    /// The user asked for a link on "Glemt adgangskode?"; the old password works until the
    /// link is used.
    RequestPasswordLink {
        after: InvitationMade,
    },
    AcceptInvitation {
        before: Named,
        after: Accepted,
    },
    SetPassword {},
    ChangePassword {},
    SignOut {},
    Deactivate {
        before: Active,
        after: Active,
    },
    Reactivate {
        before: Active,
        after: Active,
    },
    SetInstallationAdmin {
        before: Flag,
        after: Flag,
    },
    SetRole {
        before: Placed,
        after: Placed,
    },
    /// The user turned notices off or on again on `/account`.
    SetNoticeOptOuts {
        before: OptOuts,
        after: OptOuts,
    },
    /// The user's account at an identity provider was linked to them (at their first
    /// sign-in with it).
    LinkIdentity {
        after: IdentityLinked,
    },
    /// The user turned on the second step of password sign-in (TOTP).
    EnableTotp {},
    /// The user turned it off themselves.
    DisableTotp {},
    /// An admin removed another user's second step (a lost phone).
    ResetTotp {},
    /// The user signed in with a recovery code instead of a code from the app.
    UseRecoveryCode {
        after: RecoveryCodesLeft,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IdentityLinked {
    pub provider: String,
    pub subject: String,
    pub email: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecoveryCodesLeft {
    pub left: usize,
}

/// A sign-in through an identity provider.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum SignInEvent {
    /// Refused: who tried (if the provider said), with which provider, and why.
    Refuse { after: SignInAttempt },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignInAttempt {
    pub provider: String,
    pub email: Option<String>,
    /// `unknown_person`, `deactivated`, `domain_not_vouched`, `token_issuer`, ...
    pub reason: String,
}

/// The optional notices a user has turned off.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OptOuts {
    pub notices: Vec<crate::domain::notices::OptionalNotice>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserCreated {
    pub email: String,
    pub role: Role,
    pub kkr_id: Option<i32>,
    pub municipality_code: Option<MunicipalityCode>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InvitationMade {
    pub invitation_id: i32,
    pub expires_at: NaiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Named {
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Accepted {
    pub invitation_id: i32,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Active {
    pub active: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Flag {
    pub installation_admin: bool,
}

/// A user's role and where it belongs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Placed {
    pub role: Role,
    pub kkr_id: Option<i32>,
    pub municipality_code: Option<String>,
}

/// A change to a user's API tokens.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum TokenEvent {
    Create { after: TokenCreated },
    Revoke {},
    RevokeAll { after: TokensRevoked },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenCreated {
    pub name: String,
    pub expires_at: NaiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokensRevoked {
    pub revoked: usize,
}

/// A change to a KKR's group of municipalities.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum GroupEvent {
    Create {
        after: GroupCreated,
    },
    Update {
        before: Group,
        after: Group,
    },
    Delete {
        before: Group,
    },
    /// The editors named coordinators of the group changed.
    SetCoordinators {
        before: Coordinators,
        after: Coordinators,
    },
    /// The group's expectations for the coming year's cooperation, written for a round.
    SetExpectations {
        before: Expectations,
        after: Expectations,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Coordinators {
    /// User ids.
    pub users: Vec<i32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Expectations {
    pub round_id: i32,
    /// Empty when none was written.
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupCreated {
    pub kkr_id: i32,
    pub name: String,
    pub members: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Group {
    pub name: String,
    pub members: Vec<String>,
}

/// What became of a queued mail (by the outbox, so with no user).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum MailEvent {
    MailSent { after: MailOutcome },
    MailFailed { after: MailOutcome },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MailOutcome {
    pub kind: String,
    pub recipient: String,
    pub attempts: i32,
    pub error: Option<String>,
}

/// A stored copy of a municipality's attachment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum AttachmentEvent {
    Snapshot {
        after: SnapshotStored,
    },
    /// The date of the council meeting the attachment is for was given, changed or cleared.
    SetMeeting {
        before: MeetingDate,
        after: MeetingDate,
    },
}

/// The council meeting's date kept for a municipality's attachment of a round.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MeetingDate {
    pub date: Option<chrono::NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapshotStored {
    pub snapshot_id: i32,
    pub bytes: usize,
}

/// A correction to a municipality's reference data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum MunicipalityEvent {
    SetCouncilName {
        before: CouncilName,
        after: CouncilName,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CouncilName {
    pub council_name: String,
}

/// A new text of one of the installation's pages (contact, privacy), stored whole.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum SitePageEvent {
    Update { before: Option<Value>, after: Value },
}

/// A new version of the accessibility statement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum StatementEvent {
    Update {
        before: Option<Statement>,
        after: Statement,
    },
}

/// An event as the audit table's columns hold it.
#[derive(Debug, Clone, PartialEq)]
pub struct Columns {
    pub entity: String,
    pub action: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

/// An event as the audit table's text columns hold it: its two tags, and each side as JSON
/// text (`None` where the event has no value, stored as NULL).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ColumnTexts {
    pub entity: String,
    pub action: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// Serialises an event into its [`ColumnTexts`]. Every event is a struct behind its two tags
/// (serde writes the tags as its first fields); anything else is refused, and the caller
/// takes the [`Value`] path instead.
struct TextsWriter;

fn not_a_tagged_struct() -> serde_json::Error {
    serde::ser::Error::custom("not an event's tagged struct")
}

/// The methods of [`TextsWriter`] for what an event never is, each giving `$ok` had it been.
macro_rules! refuse_all {
    ($ok:ty; $($method:ident($($arg:ty),*)),* $(,)?) => {
        $(fn $method(self, $(_: $arg),*) -> Result<$ok, serde_json::Error> {
            Err(not_a_tagged_struct())
        })*
    };
}

type Refused = serde::ser::Impossible<ColumnTexts, serde_json::Error>;

impl serde::Serializer for TextsWriter {
    type Ok = ColumnTexts;
    type Error = serde_json::Error;
    type SerializeSeq = Refused;
    type SerializeTuple = Refused;
    type SerializeTupleStruct = Refused;
    type SerializeTupleVariant = Refused;
    type SerializeMap = Refused;
    type SerializeStruct = ColumnTexts;
    type SerializeStructVariant = Refused;

    refuse_all! {
        ColumnTexts;
        serialize_bool(bool), serialize_i8(i8), serialize_i16(i16), serialize_i32(i32),
        serialize_i64(i64), serialize_u8(u8), serialize_u16(u16), serialize_u32(u32),
        serialize_u64(u64), serialize_f32(f32), serialize_f64(f64), serialize_char(char),
        serialize_str(&str), serialize_bytes(&[u8]), serialize_none(), serialize_unit(),
        serialize_unit_struct(&'static str),
        serialize_unit_variant(&'static str, u32, &'static str),
    }

    fn serialize_some<T: ?Sized + Serialize>(self, _: &T) -> Result<ColumnTexts, Self::Error> {
        Err(not_a_tagged_struct())
    }

    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: &T,
    ) -> Result<ColumnTexts, Self::Error> {
        Err(not_a_tagged_struct())
    }

    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<ColumnTexts, Self::Error> {
        Err(not_a_tagged_struct())
    }

    refuse_all! {
        Refused;
        serialize_seq(Option<usize>), serialize_tuple(usize),
        serialize_tuple_struct(&'static str, usize),
        serialize_tuple_variant(&'static str, u32, &'static str, usize),
        serialize_map(Option<usize>),
        serialize_struct_variant(&'static str, u32, &'static str, usize),
    }

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<ColumnTexts, Self::Error> {
        Ok(ColumnTexts::default())
    }
}

impl serde::ser::SerializeStruct for ColumnTexts {
    type Ok = ColumnTexts;
    type Error = serde_json::Error;

    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), serde_json::Error> {
        let tag = |value: &T| match serde_json::to_value(value)? {
            Value::String(text) => Ok(text),
            _ => Err(not_a_tagged_struct()),
        };
        // As `Event::columns`: a side that is JSON null is no value.
        let side = |value: &T| {
            let text = serde_json::to_string(value)?;
            Ok::<_, serde_json::Error>((text != "null").then_some(text))
        };
        match key {
            "entity" => self.entity = tag(value)?,
            "action" => self.action = tag(value)?,
            "before" => self.before = side(value)?,
            "after" => self.after = side(value)?,
            _ => return Err(not_a_tagged_struct()),
        }
        Ok(())
    }

    fn end(self) -> Result<ColumnTexts, serde_json::Error> {
        Ok(self)
    }
}

impl Event {
    /// The event as the audit table stores it: its two tags, and the JSON before and after
    /// (`None` where the event has no value, stored as NULL).
    pub fn columns(&self) -> Result<Columns, serde_json::Error> {
        let mut map = match serde_json::to_value(self)? {
            Value::Object(map) => map,
            // Every variant is a struct, so the value is an object; say so if not.
            other => {
                return Err(serde::ser::Error::custom(format!(
                    "an event serialised as {other}, not as an object"
                )))
            }
        };
        let text = |v: Option<Value>| match v {
            Some(Value::String(s)) => s,
            _ => String::new(),
        };
        let side = |v: Option<Value>| v.filter(|v| !v.is_null());
        Ok(Columns {
            entity: text(map.remove("entity")),
            action: text(map.remove("action")),
            before: side(map.remove("before")),
            after: side(map.remove("after")),
        })
    }

    /// The event as the audit table's text columns: [`Event::columns`] with each side written
    /// as JSON text. Written straight from the event (each side's fields in the order of its
    /// type), without building the [`Value`] tree first: a save writes one such row per answer
    /// it changes, and the tree was a tenth of a save's time in the app. An event of a shape
    /// the direct writer does not know is written through [`Event::columns`].
    pub fn column_texts(&self) -> Result<ColumnTexts, serde_json::Error> {
        if let Ok(texts) = self.serialize(TextsWriter) {
            return Ok(texts);
        }
        let columns = self.columns()?;
        Ok(ColumnTexts {
            entity: columns.entity,
            action: columns.action,
            before: columns.before.map(|v| v.to_string()),
            after: columns.after.map(|v| v.to_string()),
        })
    }

    /// An event read back from the audit table's columns (the JSON as stored, or NULL).
    pub fn from_columns(
        entity: &str,
        action: &str,
        before: Option<&str>,
        after: Option<&str>,
    ) -> Result<Event, serde_json::Error> {
        let json = |text: Option<&str>| -> Result<Value, serde_json::Error> {
            text.map_or(Ok(Value::Null), serde_json::from_str)
        };
        let mut map = serde_json::Map::new();
        map.insert("entity".into(), Value::String(entity.to_owned()));
        map.insert("action".into(), Value::String(action.to_owned()));
        map.insert("before".into(), json(before)?);
        map.insert("after".into(), json(after)?);
        serde_json::from_value(Value::Object(map))
    }
}

impl Event {
    /// What the event changed of a municipality's attachment, for the comparison of two
    /// attachments (`snapshot_diff`); `None` for an event that changes nothing one shows.
    pub fn logged_entry(&self) -> Option<LoggedEntry> {
        match self {
            Event::Submission(change) => Some(submission_entry(change)),
            Event::Round(change) => round_entry(change),
            Event::User(_)
            | Event::ApiToken(_)
            | Event::Group(_)
            | Event::Mail(_)
            | Event::Attachment(_)
            | Event::Municipality(_)
            | Event::SitePage(_)
            | Event::AccessibilityStatement(_)
            | Event::SignIn(_) => None,
        }
    }
}

fn submission_entry(change: &SubmissionEvent) -> LoggedEntry {
    let submitted = |state: SubmissionState| LoggedEntry::Submission {
        submitted: state == SubmissionState::Submitted,
    };
    match change {
        SubmissionEvent::Answer { before, after } => {
            let status = |side: &AnswerChange| side.answer.as_ref().and_then(|a| a.status);
            let comment = |side: &AnswerChange| {
                side.answer
                    .as_ref()
                    .map(|a| a.comment.clone())
                    .unwrap_or_default()
            };
            LoggedEntry::Answer {
                recommendation_id: after.recommendation_id,
                status_changed: status(before) != status(after),
                comment_changed: comment(before) != comment(after),
            }
        }
        SubmissionEvent::Save { after, .. } | SubmissionEvent::Submit { after, .. } => {
            submitted(after.state)
        }
        SubmissionEvent::Withdraw { after, .. } | SubmissionEvent::Reopen { after, .. } => {
            submitted(after.state)
        }
    }
}

fn round_entry(change: &RoundEvent) -> Option<LoggedEntry> {
    let named = |recs: &[&Recommendation]| LoggedEntry::Recommendations {
        ids: recs.iter().map(|r| r.moved().id).collect(),
        whole_set: false,
        created: None,
    };
    Some(match change {
        RoundEvent::ImportRecommendations { .. } => LoggedEntry::Recommendations {
            ids: Vec::new(),
            whole_set: true,
            created: None,
        },
        RoundEvent::AddRecommendation { after } => LoggedEntry::Recommendations {
            ids: vec![after.id],
            whole_set: false,
            created: Some(after.id),
        },
        RoundEvent::UpdateRecommendation { before, after }
        | RoundEvent::MoveRecommendation { before, after }
        | RoundEvent::UndoUpdateRecommendation { before, after }
        | RoundEvent::UndoMoveRecommendation { before, after } => named(&[before, after]),
        RoundEvent::RetireRecommendation { before } => named(&[before]),
        RoundEvent::ReinstateRecommendation { after, .. } => named(&[after]),
        RoundEvent::MergeRecommendations { before, after } => {
            named(&[&before.absorbed, &before.kept, after])
        }
        RoundEvent::SplitRecommendations { before, after } => {
            named(&[before, &after.absorbed, &after.kept])
        }
        RoundEvent::Create { .. }
        | RoundEvent::SetDeadline { .. }
        | RoundEvent::SetState { .. }
        | RoundEvent::SetParticipants { .. }
        | RoundEvent::SetCooperationStartYear { .. }
        | RoundEvent::AdoptProposal { .. }
        | RoundEvent::SendReminder { .. }
        | RoundEvent::SendPlannedReminder { .. }
        | RoundEvent::ChangeReminderPlan { .. }
        | RoundEvent::ChangeSchedule { .. }
        | RoundEvent::RunScheduledStep { .. }
        | RoundEvent::QueueNotices { .. }
        | RoundEvent::AddFocusArea { .. }
        | RoundEvent::RenameFocusArea { .. }
        | RoundEvent::SetFocusAreaGroup { .. }
        | RoundEvent::MoveFocusArea { .. }
        | RoundEvent::DeleteFocusArea { .. }
        | RoundEvent::ImportAnswers { .. } => return None,
    })
}

/// The conflict rule of the form: the recommendations whose answers (status, comment or link)
/// changed in the versions saved after `base_version`, read from the form's events, oldest
/// first. Each save writes one event per changed answer, then the save's own event carrying
/// the new version. A change of the "carried over from last year" mark alone is not a change
/// the other person made.
pub fn changed_since<'a>(
    events: impl IntoIterator<Item = &'a SubmissionEvent>,
    base_version: i32,
) -> BTreeSet<i32> {
    // What a user sees of an answer: its status, its comment and its evidence link.
    let visible = |side: &AnswerChange| {
        side.answer
            .as_ref()
            .map(|a| (a.status, a.comment.clone(), a.evidence.clone()))
            .unwrap_or_default()
    };
    let mut changed = BTreeSet::new();
    let mut pending = Vec::new();
    for event in events {
        match event {
            SubmissionEvent::Answer { before, after } => {
                if visible(before) != visible(after) {
                    pending.push(after.recommendation_id);
                }
            }
            SubmissionEvent::Save { after, .. } | SubmissionEvent::Submit { after, .. } => {
                if after.version > base_version {
                    changed.extend(pending.drain(..));
                }
                pending.clear();
            }
            SubmissionEvent::Withdraw { .. } | SubmissionEvent::Reopen { .. } => {}
        }
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn at(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S").unwrap()
    }

    /// A row as the store wrote it before events were typed: the JSON the old `json!` built.
    fn old_row(
        entity: &str,
        action: &str,
        before: Option<Value>,
        after: Option<Value>,
    ) -> Result<Event, serde_json::Error> {
        let (before, after) = (before.map(|v| v.to_string()), after.map(|v| v.to_string()));
        Event::from_columns(entity, action, before.as_deref(), after.as_deref())
    }

    #[test]
    fn column_texts_read_back_as_the_same_event_and_hold_what_columns_hold() {
        let events = [
            SubmissionEvent::answer(
                7,
                None,
                Some(AnswerValue {
                    status: Some(Status::Green),
                    comment: "Godt \"citeret\"\n".into(),
                    carried: true,
                    evidence: Some("https://example.dk/a".into()),
                }),
            ),
            Event::User(UserEvent::SignOut {}),
            Event::Round(RoundEvent::SetDeadline {
                before: Deadline {
                    deadline: at("2017-12-01T12:00:00"),
                },
                after: Deadline {
                    deadline: at("2017-12-08T12:00:00"),
                },
            }),
        ];
        for event in events {
            let texts = event.column_texts().unwrap();
            let columns = event.columns().unwrap();
            assert_eq!(
                (texts.entity.as_str(), texts.action.as_str()),
                (columns.entity.as_str(), columns.action.as_str())
            );
            let parsed = |text: &Option<String>| {
                text.as_deref()
                    .map(|t| serde_json::from_str::<Value>(t).unwrap())
            };
            assert_eq!(parsed(&texts.before), columns.before, "{event:?}");
            assert_eq!(parsed(&texts.after), columns.after, "{event:?}");
            let back = Event::from_columns(
                &texts.entity,
                &texts.action,
                texts.before.as_deref(),
                texts.after.as_deref(),
            )
            .unwrap();
            assert_eq!(back, event);
        }
    }

    #[test]
    fn rows_written_before_events_were_typed_read_back_as_events() {
        let deadline = old_row(
            "round",
            "set_deadline",
            Some(json!({"deadline": "2017-12-01T12:00:00"})),
            Some(json!({"deadline": "2017-12-08T12:00:00"})),
        )
        .unwrap();
        assert_eq!(
            deadline,
            Event::Round(RoundEvent::SetDeadline {
                before: Deadline {
                    deadline: at("2017-12-01T12:00:00")
                },
                after: Deadline {
                    deadline: at("2017-12-08T12:00:00")
                },
            })
        );

        let answer = old_row(
            "submission",
            "answer",
            Some(json!({"recommendation_id": 7, "answer": null})),
            Some(json!({"recommendation_id": 7, "answer": {"status": "green", "comment": "Godt", "carried": false}})),
        )
        .unwrap();
        assert_eq!(
            answer,
            SubmissionEvent::answer(
                7,
                None,
                Some(AnswerValue {
                    status: Some(Status::Green),
                    comment: "Godt".into(),
                    carried: false,
                    evidence: None,
                })
            )
        );

        let imported = old_row(
            "submission",
            "submit",
            None,
            Some(json!({"state": "submitted", "version": 1, "imported_from": "svar.xlsx"})),
        )
        .unwrap();
        let Event::Submission(SubmissionEvent::Submit {
            before: None,
            after,
        }) = imported
        else {
            panic!("not a first submission: {imported:?}");
        };
        assert_eq!(after.imported_from.as_deref(), Some("svar.xlsx"));
        assert_eq!(after.version, 1);

        let signed_out = old_row("user", "sign_out", None, None).unwrap();
        assert_eq!(signed_out, Event::User(UserEvent::SignOut {}));

        let reopened = old_row(
            "submission",
            "reopen",
            Some(json!({"state": "submitted", "version": 3, "submitted_at": "2017-11-30T09:00:00", "submitted_by": "Eva Editor"})),
            Some(json!({"state": "draft", "version": 4, "reason": "Forkert tal"})),
        )
        .unwrap();
        let Event::Submission(SubmissionEvent::Reopen { before, after }) = reopened else {
            panic!("not a reopening: {reopened:?}");
        };
        assert_eq!(before.submitted_by.as_deref(), Some("Eva Editor"));
        assert_eq!(after.reason.as_deref(), Some("Forkert tal"));

        let mail = old_row(
            "mail",
            "mail_failed",
            None,
            Some(json!({"kind": "reminder", "recipient": "a@b.dk", "attempts": 5, "error": "550"})),
        )
        .unwrap();
        assert!(matches!(mail, Event::Mail(MailEvent::MailFailed { .. })));
    }

    #[test]
    fn a_move_recorded_in_the_oldest_shape_names_the_moved_recommendation() {
        let rec = json!({"id": 12, "code": "1.2", "text": "Cykelstier", "binding": true, "carried_from": null});
        let moved = old_row(
            "round",
            "move_recommendation",
            Some(rec.clone()),
            Some(json!({"to_focus_area": "Mobilitet", "recommendation": {"id": 12, "code": "3.1", "text": "Cykelstier", "binding": true, "carried_from": null}})),
        )
        .unwrap();
        let Event::Round(RoundEvent::MoveRecommendation { before, after }) = &moved else {
            panic!("not a move: {moved:?}");
        };
        assert_eq!(before.moved().code, "1.2");
        assert_eq!(after.moved().code, "3.1");
        assert_eq!(after.moved().id, 12);
        assert_eq!(after.to_focus_area.as_deref(), Some("Mobilitet"));
        let Some(LoggedEntry::Recommendations { ids, .. }) = moved.logged_entry() else {
            panic!("a move changes recommendations");
        };
        assert_eq!(ids, vec![12, 12]);
    }

    #[test]
    fn an_event_is_stored_as_the_old_code_stored_it() {
        let event = Event::Round(RoundEvent::RenameFocusArea {
            before: FocusAreaTitle {
                focus_area_id: 3,
                title: "Trafik".into(),
            },
            after: FocusAreaTitle {
                focus_area_id: 3,
                title: "Mobilitet".into(),
            },
        });
        let columns = event.columns().unwrap();
        assert_eq!(columns.entity, "round");
        assert_eq!(columns.action, "rename_focus_area");
        assert_eq!(
            columns.before.unwrap().to_string(),
            json!({"focus_area_id": 3, "title": "Trafik"}).to_string()
        );
        assert_eq!(
            columns.after.unwrap().to_string(),
            json!({"focus_area_id": 3, "title": "Mobilitet"}).to_string()
        );

        let revoked = Event::ApiToken(TokenEvent::Revoke {}).columns().unwrap();
        assert_eq!((revoked.before, revoked.after), (None, None));
        assert_eq!(revoked.entity, "api_token");

        let added = Event::Round(RoundEvent::AddRecommendation {
            after: AddedRecommendation {
                id: 9,
                code: "2.1".into(),
                text: "Tekst".into(),
                binding: false,
            },
        })
        .columns()
        .unwrap();
        assert_eq!(added.before, None, "an addition has no before");
        assert_eq!(
            added.after.unwrap().to_string(),
            json!({"id": 9, "code": "2.1", "text": "Tekst", "binding": false}).to_string()
        );

        let retired = Event::Round(RoundEvent::RetireRecommendation {
            before: Recommendation {
                id: 4,
                code: "1.1".into(),
                text: "T".into(),
                binding: true,
                carried_from: Some(2),
                merged_from: Some(vec![]),
                ..Recommendation::default()
            },
        })
        .columns()
        .unwrap();
        assert_eq!(
            retired.before.unwrap().to_string(),
            json!({"id": 4, "code": "1.1", "text": "T", "binding": true, "carried_from": 2, "merged_from": []}).to_string()
        );
    }

    #[test]
    fn a_row_no_event_reads_is_an_error_not_a_guess() {
        assert!(old_row("round", "paint_it_blue", None, None).is_err());
        assert!(old_row("planet", "create", None, None).is_err());
    }

    #[test]
    fn the_conflict_rule_names_answers_changed_after_the_base_version() {
        let value = |status: Status, comment: &str| AnswerValue {
            status: Some(status),
            comment: comment.into(),
            carried: false,
            evidence: None,
        };
        let saved = |version: i32| SubmissionEvent::Save {
            before: None,
            after: FormVersion {
                state: SubmissionState::Draft,
                version,
                proposals: Some(String::new()),
                imported_from: None,
            },
        };
        let answer = |id: i32, before: Option<AnswerValue>, after: AnswerValue| {
            match SubmissionEvent::answer(id, before, Some(after)) {
                Event::Submission(e) => e,
                other => panic!("{other:?}"),
            }
        };
        let carried_only = SubmissionEvent::Answer {
            before: AnswerChange {
                recommendation_id: 3,
                answer: Some(AnswerValue {
                    carried: true,
                    ..value(Status::Red, "")
                }),
            },
            after: AnswerChange {
                recommendation_id: 3,
                answer: Some(value(Status::Red, "")),
            },
        };
        let events = vec![
            answer(1, None, value(Status::Green, "")),
            saved(2),
            answer(2, None, value(Status::Yellow, "")),
            carried_only,
            saved(3),
        ];
        assert_eq!(changed_since(&events, 2), BTreeSet::from([2]));
        assert_eq!(changed_since(&events, 1), BTreeSet::from([1, 2]));
        assert!(changed_since(&events, 3).is_empty());
    }
}
