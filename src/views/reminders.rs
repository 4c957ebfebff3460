//! The page model of a round's reminders: who has not submitted, the editors a reminder goes
//! to, the message, and earlier sendings.

use serde::Serialize;

use crate::domain::Round;
use crate::mail::OutgoingMail;

/// A municipality that has not submitted, with the editors a reminder goes to.
#[derive(Debug, Serialize)]
pub struct Outstanding {
    pub code: String,
    pub name: String,
    pub response: &'static str,
    pub editors: Vec<EditorView>,
}

/// An editor a reminder goes to.
#[derive(Debug, Serialize)]
pub struct EditorView {
    pub name: String,
    pub email: String,
}

/// An earlier sending: when, by whom, and how its mails fared.
#[derive(Debug, Serialize)]
pub struct SendingView {
    /// An anchor for the sending's table.
    pub id: i32,
    pub at: String,
    pub by: String,
    /// Taken by the mail server.
    pub delivered: usize,
    pub queued: usize,
    pub failed: usize,
    pub total: usize,
    pub recipients: Vec<RecipientView>,
}

/// One recipient of an earlier sending.
#[derive(Debug, Serialize)]
pub struct RecipientView {
    pub municipality: String,
    pub email: String,
    /// "queued", "sent" or "failed" (shown with a word and a symbol, never by colour alone).
    pub state: &'static str,
    /// What happened, in Danish.
    pub outcome: String,
}

/// A recipient left out of a sending because of the cooldown, in Danish.
#[derive(Debug, Serialize)]
pub struct SkippedView {
    pub municipality: String,
    pub email: String,
    pub reminded: String,
    pub again: String,
}

/// What a sending did, for the page that follows it.
#[derive(Debug, Serialize)]
pub struct SentView {
    pub queued: usize,
    pub skipped: Vec<SkippedView>,
}

/// `GET /rounds/{id}/reminders`: who is missing, the message, and earlier sendings.
#[derive(Debug, Serialize)]
pub struct RemindersPage<'a> {
    pub round: &'a Round,
    pub deadline: String,
    pub outstanding: &'a [Outstanding],
    pub tracker_level: u8,
    pub emails: String,
    /// Editors a sending now would remind (not in the cooldown).
    pub recipient_count: usize,
    pub municipality_count: usize,
    pub example: Option<OutgoingMail>,
    pub blocked: Option<String>,
    /// Editors reminded within the cooldown: a sending now leaves them out.
    pub cooldown: Vec<SkippedView>,
    pub cooldown_hours: i64,
    pub sendings: Vec<SendingView>,
    pub sent: Option<SentView>,
    pub error: Option<String>,
    pub plan: PlanView,
}

/// The round's reminder plan as its page shows it.
#[derive(Debug, Serialize, Default)]
pub struct PlanView {
    pub paused: bool,
    /// The plan can be changed (the round is a draft or open).
    pub editable: bool,
    /// The round is a draft: the opening step goes out when it opens.
    pub draft: bool,
    pub steps: Vec<PlanStepView>,
    /// What the plan's form said, after a refused change.
    pub error: Option<String>,
    /// The change just saved.
    pub saved: Option<&'static str>,
    /// The fields of the add forms, as typed after a refusal.
    pub days: String,
    pub at: String,
}

/// One step of the plan.
#[derive(Debug, Serialize)]
pub struct PlanStepView {
    pub id: i32,
    pub rule: String,
    /// When it is (or was) due, Danish time.
    pub due: String,
    /// "waiting", "sent", "skipped" (shown with a word and a symbol).
    pub state: &'static str,
    /// What happened or will happen, in Danish.
    pub outcome: String,
    /// The sending it made (the caption of that sending below).
    pub sending: Option<String>,
    pub removable: bool,
}
