//! The audit trail in Danish: each recorded event as a history page says it. Every match
//! here is exhaustive, so a new kind of event does not compile until it has its words.

use std::collections::HashMap;

use chrono::NaiveDateTime;

use crate::domain::events::{AnswerChange, Recommendation, RoundEvent, SubmissionEvent, UserEvent};
use crate::domain::time::danish_datetime;
use crate::domain::RoundState;

/// "1.2 «text»": a recommendation as a round's history names it.
fn rec(r: &Recommendation) -> String {
    format!("{} «{}»", r.code, r.text)
}

/// "«text» flyttet fra 1.2 til 3.2 (indsatsområde «title»)": a move's before and after.
fn moved(before: &Recommendation, after: &Recommendation) -> String {
    let area = after
        .to_focus_area
        .as_ref()
        .map(|title| format!(" (indsatsområde «{title}»)"))
        .unwrap_or_default();
    format!(
        "«{}» flyttet fra {} til {}{area}",
        before.moved().text,
        before.moved().code,
        after.moved().code
    )
}

fn state_label(state: RoundState) -> String {
    state.label_da().to_lowercase()
}

fn deadline_text(deadline: NaiveDateTime) -> String {
    danish_datetime(deadline)
}

/// What happened to a round, and the details, as the round's history shows them.
pub fn round_change_da(event: &RoundEvent) -> (String, String) {
    let (what, details) = match event {
        RoundEvent::Create { after } => (
            "Runden er oprettet",
            format!(
                "{} indsatsområder, {} anbefalinger",
                after.focus_areas, after.recommendations
            ),
        ),
        RoundEvent::SetState { before, after } => (
            "Status ændret",
            format!(
                "Fra «{}» til «{}»",
                state_label(before.state),
                state_label(after.state)
            ),
        ),
        RoundEvent::SetDeadline { before, after } => (
            "Fristen er flyttet",
            format!(
                "Fra {} til {}",
                deadline_text(before.deadline),
                deadline_text(after.deadline)
            ),
        ),
        RoundEvent::SetCooperationStartYear { before, after } => {
            let year =
                |y: Option<i32>| y.map_or_else(|| "ikke angivet".to_owned(), |y| y.to_string());
            (
                "Året, samarbejdet blev indgået, er ændret",
                format!("Fra {} til {}", year(before.year), year(after.year)),
            )
        }
        RoundEvent::SetParticipants { after, .. } => (
            "Deltagende kommuner ændret",
            format!("{} kommuner deltager", after.participants.len()),
        ),
        RoundEvent::AdoptProposal { after } => (
            "Forslag gjort til indsatsområde",
            format!(
                "«{}» (forslag fra kommune {})",
                after.title, after.proposed_by
            ),
        ),
        RoundEvent::SendReminder { after } => (
            "Påmindelse lagt i kø",
            format!("Til {} redaktører", after.queued),
        ),
        RoundEvent::SendPlannedReminder { after } => (
            "Planlagt påmindelse",
            match after.outcome.as_str() {
                "sent" => format!("Lagt i kø til {} redaktører", after.recipients.len()),
                "paused" => "Ikke sendt: planen var sat på pause".to_owned(),
                "not_open" => "Ikke sendt: runden var ikke åben".to_owned(),
                _ => "Ikke sendt: ingen manglede at indsende eller havde en redaktør".to_owned(),
            },
        ),
        RoundEvent::ChangeSchedule { after, .. } => (
            "Rundens tidsplan ændret",
            if after.steps.is_empty() {
                "Intet planlagt".to_owned()
            } else {
                after
                    .steps
                    .iter()
                    .map(|s| {
                        format!(
                            "{}: {}",
                            s.step.label_da(),
                            crate::domain::schedule::due_label_da(s.step, s.due_at)
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("; ")
            },
        ),
        RoundEvent::RunScheduledStep { after } => (
            "Planlagt trin i runden",
            match crate::domain::schedule::StepOutcome::from_parts(&after.outcome, &after.detail) {
                Some(outcome) => format!(
                    "{}: {}",
                    after.step.label_da(),
                    outcome.sentence_da(after.step)
                ),
                None => after.step.label_da().to_owned(),
            },
        ),
        RoundEvent::ChangeReminderPlan { before, after } => (
            "Påmindelsesplanen ændret",
            if before.paused != after.paused {
                if after.paused {
                    "Sat på pause".to_owned()
                } else {
                    "Genoptaget".to_owned()
                }
            } else {
                format!(
                    "{} planlagte påmindelser i stedet for {}",
                    after.steps.len(),
                    before.steps.len()
                )
            },
        ),
        RoundEvent::QueueNotices { after } => (
            "Besked sendt",
            format!(
                "{} til {} modtagere",
                match after.notice.as_str() {
                    "deadline_moved" => "Fristen er flyttet",
                    "round_published" => "Runden er offentliggjort",
                    "submission_reopened" => "Skemaet er genåbnet",
                    _ => "Kvittering for indsendelse",
                },
                after.recipients.len()
            ),
        ),
        RoundEvent::AddFocusArea { after } => (
            "Indsatsområde tilføjet",
            match &after.group {
                Some(group) => format!("{}. {} (for {group})", after.number, after.title),
                None => format!("{}. {}", after.number, after.title),
            },
        ),
        RoundEvent::SetFocusAreaGroup { before, after } => (
            "Indsatsområde flyttet mellem grupper",
            format!(
                "Nr. {} fra {} til {}",
                after.number,
                before.group.as_deref().unwrap_or("hele runden"),
                after.group.as_deref().unwrap_or("hele runden")
            ),
        ),
        RoundEvent::RenameFocusArea { before, after } => (
            "Indsatsområde omdøbt",
            format!("«{}» til «{}»", before.title, after.title),
        ),
        RoundEvent::MoveFocusArea { before, after } => (
            "Indsatsområde flyttet",
            format!(
                "«{}» fra nr. {} til nr. {}",
                before.title, before.number, after.number
            ),
        ),
        RoundEvent::DeleteFocusArea { before } => (
            "Indsatsområde slettet",
            format!("{}. {}", before.number, before.title),
        ),
        RoundEvent::AddRecommendation { after } => (
            "Anbefaling tilføjet",
            format!("{} «{}»", after.code, after.text),
        ),
        RoundEvent::UpdateRecommendation { before, after } => (
            "Anbefaling ændret",
            format!("{} blev til {}", rec(before), rec(after)),
        ),
        RoundEvent::MoveRecommendation { before, after } => {
            ("Anbefaling flyttet", moved(before, after))
        }
        RoundEvent::RetireRecommendation { before } => ("Anbefaling udgået", rec(before)),
        RoundEvent::MergeRecommendations { before, after } => (
            "Anbefalinger lagt sammen",
            format!(
                "{} er lagt sammen med {}; den samlede er {}",
                rec(&before.absorbed),
                rec(&before.kept),
                rec(after)
            ),
        ),
        RoundEvent::UndoUpdateRecommendation { before, after } => (
            "Ændring af anbefaling fortrudt",
            format!("{} blev igen {}", rec(before), rec(after)),
        ),
        RoundEvent::UndoMoveRecommendation { before, after } => {
            ("Flytning af anbefaling fortrudt", moved(before, after))
        }
        RoundEvent::ReinstateRecommendation { after, .. } => ("Anbefaling genindsat", rec(after)),
        RoundEvent::SplitRecommendations { before, after } => (
            "Sammenlægning delt igen",
            format!(
                "{} blev igen {} og {}",
                rec(before),
                rec(&after.kept),
                rec(&after.absorbed)
            ),
        ),
        RoundEvent::ImportRecommendations { after } => {
            ("Anbefalinger importeret", format!("Fra {}", after.file))
        }
        RoundEvent::ImportAnswers { after } => (
            "Svar importeret",
            format!("{} rækker fra {}", after.rows, after.file),
        ),
    };
    (what.to_owned(), details)
}

/// "🟢 Grøn – «comment»", "ingen status" or "intet svar": one side of an answer's change.
fn answer_text(side: &AnswerChange) -> String {
    let Some(answer) = &side.answer else {
        return "intet svar".to_owned();
    };
    let status = answer.status.map_or("ingen status".to_owned(), |s| {
        format!("{} {}", s.symbol(), s.label_da())
    });
    if answer.comment.is_empty() {
        status
    } else {
        format!("{status} – «{}»", answer.comment)
    }
}

fn version_text(version: i32) -> String {
    format!("Version {version}.")
}

/// What happened to a form, and the details, as the form's history shows them; `codes` names
/// the round's recommendations by id.
pub fn form_change_da(event: &SubmissionEvent, codes: &HashMap<i32, String>) -> (String, String) {
    match event {
        SubmissionEvent::Answer { before, after } => {
            let id = after.recommendation_id;
            let code = codes.get(&id).cloned().unwrap_or_else(|| id.to_string());
            (
                format!("Svar på {code} ændret"),
                format!(
                    "Før: {}. Efter: {}.",
                    answer_text(before),
                    answer_text(after)
                ),
            )
        }
        SubmissionEvent::Save { after, .. } => {
            ("Gemt som kladde".to_owned(), version_text(after.version))
        }
        SubmissionEvent::Submit { after, .. } => {
            ("Indsendt".to_owned(), version_text(after.version))
        }
        SubmissionEvent::Withdraw { after, .. } => (
            "Trukket tilbage til kladde".to_owned(),
            version_text(after.version),
        ),
        SubmissionEvent::Reopen { after, .. } => (
            "Genåbnet af KKR-sekretariatet".to_owned(),
            format!("Begrundelse: {}", after.reason.as_deref().unwrap_or("")),
        ),
    }
}

/// What happened to a user account, as the user's page lists it.
pub fn user_change_da(event: &UserEvent) -> &'static str {
    match event {
        UserEvent::Create { .. } => "Oprettet",
        UserEvent::Invite { .. } => "Inviteret",
        UserEvent::AcceptInvitation { .. } => "Har valgt adgangskode",
        UserEvent::ResetPassword { .. } => "Adgangskode nulstillet",
        UserEvent::Reinvite { .. } => "Ny invitation sendt",
        UserEvent::RequestPasswordLink { .. } => "Har bedt om et link til ny adgangskode",
        UserEvent::ChangePassword {} => "Har skiftet adgangskode",
        UserEvent::SetPassword {} => "Adgangskode sat",
        UserEvent::SetRole { .. } => "Rolle ændret",
        UserEvent::SetInstallationAdmin { .. } => "Installationsadministrator ændret",
        UserEvent::Deactivate { .. } => "Deaktiveret",
        UserEvent::Reactivate { .. } => "Aktiveret igen",
        UserEvent::SignOut {} => "Logget ud",
        UserEvent::SetNoticeOptOuts { .. } => "Beskeder pr. mail ændret",
    }
}
