//! Who may do what: the role table of DESIGN.md as pure functions, one per kind of access.
//!
//! A user's `kkr_id` is the KKR they belong to (for municipal users, their municipality's).

use super::model::{MunicipalityCode, Role, Round, RoundState, Submission, User};

fn same_kkr(user: &User, round: &Round) -> bool {
    user.kkr_id == Some(round.kkr_id)
}

fn own_municipality(user: &User, code: &MunicipalityCode) -> bool {
    user.municipality_code.as_ref() == Some(code)
}

/// The round's region-wide results (dashboard, charts): every signed-in user of the round's
/// KKR (a round being prepared only its admins); anyone once the round is published (council
/// reports are public).
pub fn can_view_round(user: Option<&User>, round: &Round) -> bool {
    round.state == RoundState::Published
        || user.is_some_and(|u| {
            same_kkr(u, round) && (round.state != RoundState::Draft || u.role == Role::Admin)
        })
}

/// Fill in and save a municipality's form: the municipality's editors and the KKR's admins.
/// Whether the round still takes answers is a separate question ([`round_takes_answers`]).
pub fn can_edit_form(user: &User, round: &Round, code: &MunicipalityCode) -> bool {
    match user.role {
        Role::Admin => same_kkr(user, round),
        Role::Editor => same_kkr(user, round) && own_municipality(user, code),
        Role::Kkr | Role::Reader => false,
    }
}

/// Read a municipality's answers and export its attachment.
pub fn can_read_municipality(user: &User, round: &Round, code: &MunicipalityCode) -> bool {
    match user.role {
        Role::Admin | Role::Kkr => same_kkr(user, round),
        Role::Editor | Role::Reader => same_kkr(user, round) && own_municipality(user, code),
    }
}

/// Every municipality's submitted answers and comments (heatmap, recommendation pages):
/// the KKR's admins and members.
pub fn can_read_all_answers(user: &User, round: &Round) -> bool {
    matches!(user.role, Role::Admin | Role::Kkr) && same_kkr(user, round)
}

/// Who submitted a municipality's form (a person's name): only callers who may read that
/// municipality's answers. Everyone else, the public above all, learns which municipality
/// submitted and when, never who.
pub fn can_see_submitter(user: Option<&User>, round: &Round, code: &MunicipalityCode) -> bool {
    user.is_some_and(|u| can_read_municipality(u, round, code))
}

/// Drafts are seen only by their own municipality and the admin.
pub fn can_see_drafts(user: &User, round: &Round, code: &MunicipalityCode) -> bool {
    match user.role {
        Role::Admin => same_kkr(user, round),
        Role::Editor | Role::Reader => same_kkr(user, round) && own_municipality(user, code),
        Role::Kkr => false,
    }
}

/// Whether a round accepts saves of a form at `now` (UTC): it is open and its deadline has
/// not passed. After the deadline an admin may still save, and so may the municipality's
/// editors once an admin has reopened their form (`reopened`).
pub fn round_takes_answers(
    user: &User,
    round: &Round,
    now: chrono::NaiveDateTime,
    reopened: bool,
) -> bool {
    round.state == RoundState::Open
        && (super::notices::before_deadline(now, round.deadline)
            || user.role == Role::Admin
            || reopened)
}

/// Why the round's rules refuse a change to a form (nothing is written then).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The round does not take answers from this user now: it is not open, or its deadline
    /// has passed (and the form was not reopened).
    RoundClosed,
    /// The form is submitted: it goes back to draft (withdraw, reopen) before it changes.
    AlreadySubmitted,
    /// There is nothing to withdraw or reopen: the form is not submitted.
    NotSubmitted,
    /// The deadline has passed: only the KKR's admins can reopen the form now.
    DeadlinePassed,
}

/// The round's rules for saving a form as `user` at `now`, given the form as stored. The
/// store applies them in the same transaction as the write; a handler may ask early.
pub fn save_refusal(
    user: &User,
    round: &Round,
    stored: Option<&Submission>,
    now: chrono::NaiveDateTime,
) -> Option<Refusal> {
    let reopened = stored.is_some_and(|s| s.reopened);
    if !round_takes_answers(user, round, now, reopened) {
        Some(Refusal::RoundClosed)
    } else if stored.is_some_and(|s| s.is_submitted()) {
        Some(Refusal::AlreadySubmitted)
    } else {
        None
    }
}

/// The round's rules for taking a submitted form back to draft: a withdrawal by the
/// municipality before the deadline, or an admin's reopening (`withdraw == false`), both
/// while the round is open.
pub fn reopening_refusal(
    round: &Round,
    stored: &Submission,
    withdraw: bool,
    now: chrono::NaiveDateTime,
) -> Option<Refusal> {
    if round.state != RoundState::Open {
        Some(Refusal::RoundClosed)
    } else if withdraw && !super::notices::before_deadline(now, round.deadline) {
        Some(Refusal::DeadlinePassed)
    } else if !stored.is_submitted() {
        Some(Refusal::NotSubmitted)
    } else {
        None
    }
}

/// Take a submitted form back to draft: whoever may edit it, before the deadline.
pub fn can_withdraw(
    user: &User,
    round: &Round,
    code: &MunicipalityCode,
    now: chrono::NaiveDateTime,
) -> bool {
    can_edit_form(user, round, code)
        && round.state == RoundState::Open
        && super::notices::before_deadline(now, round.deadline)
}

/// Reopen a submitted form, also after the deadline, with a reason: the KKR's admins only.
pub fn can_reopen(user: &User, round: &Round) -> bool {
    user.role == Role::Admin && same_kkr(user, round) && round.state == RoundState::Open
}

/// Manage a round (its set, its groups' coordinators): the KKR's admins.
pub fn can_admin_round(user: &User, round: &Round) -> bool {
    user.role == Role::Admin && same_kkr(user, round)
}

/// Write a job cluster's expectations for the coming year's cooperation in a round: the KKR's
/// admins, and the editors they named coordinators of the group (`coordinates`), until the
/// round is published.
pub fn can_write_expectations(user: &User, round: &Round, coordinates: bool) -> bool {
    round.state != RoundState::Published
        && match user.role {
            Role::Admin => same_kkr(user, round),
            Role::Editor => coordinates,
            Role::Kkr | Role::Reader => false,
        }
}

/// A submission's change history: the KKR's admins.
pub fn can_see_history(user: &User, round: &Round) -> bool {
    user.role == Role::Admin && same_kkr(user, round)
}

/// A saved snapshot of a municipality's attachment and its comparison with today: whoever
/// may read the municipality's answers (its own users, the KKR's admins and members). The
/// comparison names the people who changed answers and recommendations since: these users
/// see the form's authors anyway, and no public route shows it.
pub fn can_see_snapshot_changes(user: &User, round: &Round, code: &MunicipalityCode) -> bool {
    can_read_municipality(user, round, code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn round(state: RoundState) -> Round {
        Round {
            id: 1,
            kkr_id: 1,
            kkr_name: "KKR Hovedstaden".into(),
            year: 2017,
            title: "T".into(),
            subject: String::new(),
            deadline: NaiveDate::from_ymd_opt(2017, 10, 1)
                .unwrap()
                .and_hms_opt(0, 0, 0)
                .unwrap(),
            state,
        }
    }

    fn user(role: Role, kkr_id: i32, code: Option<&str>) -> User {
        User {
            id: 1,
            email: "x@example.org".into(),
            name: "X".into(),
            role,
            kkr_id: Some(kkr_id),
            municipality_code: code.map(|c| MunicipalityCode::parse(c).unwrap()),
        }
    }

    fn code(c: &str) -> MunicipalityCode {
        MunicipalityCode::parse(c).unwrap()
    }

    #[test]
    fn editors_edit_only_their_own_municipality() {
        let r = round(RoundState::Open);
        let editor = user(Role::Editor, 1, Some("147"));
        assert!(can_edit_form(&editor, &r, &code("147")));
        assert!(!can_edit_form(&editor, &r, &code("101")));
        let elsewhere = user(Role::Editor, 2, Some("147"));
        assert!(!can_edit_form(&elsewhere, &r, &code("147")));
    }

    #[test]
    fn readers_and_kkr_members_never_edit() {
        let r = round(RoundState::Open);
        assert!(!can_edit_form(
            &user(Role::Reader, 1, Some("147")),
            &r,
            &code("147")
        ));
        assert!(!can_edit_form(&user(Role::Kkr, 1, None), &r, &code("147")));
        assert!(can_edit_form(&user(Role::Admin, 1, None), &r, &code("147")));
        assert!(!can_edit_form(
            &user(Role::Admin, 2, None),
            &r,
            &code("147")
        ));
    }

    #[test]
    fn drafts_are_for_the_municipality_and_the_admin() {
        let r = round(RoundState::Open);
        assert!(can_see_drafts(
            &user(Role::Reader, 1, Some("147")),
            &r,
            &code("147")
        ));
        assert!(!can_see_drafts(
            &user(Role::Reader, 1, Some("147")),
            &r,
            &code("101")
        ));
        assert!(!can_see_drafts(&user(Role::Kkr, 1, None), &r, &code("147")));
        assert!(can_see_drafts(
            &user(Role::Admin, 1, None),
            &r,
            &code("147")
        ));
    }

    #[test]
    fn published_rounds_are_public() {
        assert!(can_view_round(None, &round(RoundState::Published)));
        assert!(!can_view_round(None, &round(RoundState::Open)));
        assert!(can_view_round(
            Some(&user(Role::Reader, 1, Some("147"))),
            &round(RoundState::Open)
        ));
        assert!(!can_view_round(
            Some(&user(Role::Kkr, 2, None)),
            &round(RoundState::Open)
        ));
    }

    #[test]
    fn deadline_stops_editors_but_not_admins() {
        let r = round(RoundState::Open);
        let before = r.deadline - chrono::Duration::hours(1);
        let after = r.deadline + chrono::Duration::hours(1);
        let editor = user(Role::Editor, 1, Some("147"));
        let admin = user(Role::Admin, 1, None);
        let closed = round(RoundState::Closed);
        assert!(round_takes_answers(&editor, &r, before, false));
        assert!(!round_takes_answers(&editor, &r, after, false));
        assert!(
            round_takes_answers(&editor, &r, after, true),
            "reopened by an admin"
        );
        assert!(round_takes_answers(&admin, &r, after, false));
        assert!(!round_takes_answers(&editor, &closed, before, true));
        assert!(can_withdraw(&editor, &r, &code("147"), before));
        assert!(!can_withdraw(&editor, &r, &code("147"), after));
        assert!(!can_reopen(&editor, &r));
        assert!(can_reopen(&admin, &r));
        assert!(!can_reopen(&admin, &closed));
    }

    fn stored(state: crate::domain::SubmissionState, reopened: bool) -> Submission {
        Submission {
            id: 1,
            round_id: 1,
            municipality_code: code("147"),
            state,
            submitted_at: None,
            submitted_by: None,
            version: 2,
            updated_at: round(RoundState::Open).deadline,
            updated_by: None,
            proposals: String::new(),
            reopened,
            answers: Vec::new(),
        }
    }

    #[test]
    fn a_save_is_refused_when_the_round_is_closed_or_the_form_submitted() {
        use crate::domain::SubmissionState::{Draft, Submitted};
        let open = round(RoundState::Open);
        let before = open.deadline - chrono::Duration::hours(1);
        let after = open.deadline + chrono::Duration::hours(1);
        let editor = user(Role::Editor, 1, Some("147"));
        let admin = user(Role::Admin, 1, None);
        assert_eq!(save_refusal(&editor, &open, None, before), None);
        assert_eq!(
            save_refusal(&editor, &open, Some(&stored(Draft, false)), before),
            None
        );
        assert_eq!(
            save_refusal(&editor, &open, Some(&stored(Submitted, false)), before),
            Some(Refusal::AlreadySubmitted)
        );
        assert_eq!(
            save_refusal(&editor, &open, None, after),
            Some(Refusal::RoundClosed)
        );
        assert_eq!(
            save_refusal(&editor, &open, Some(&stored(Draft, true)), after),
            None,
            "reopened by an admin"
        );
        assert_eq!(save_refusal(&admin, &open, None, after), None);
        assert_eq!(
            save_refusal(&admin, &round(RoundState::Closed), None, before),
            Some(Refusal::RoundClosed)
        );
    }

    #[test]
    fn a_withdrawal_needs_an_open_round_before_the_deadline_and_a_submitted_form() {
        use crate::domain::SubmissionState::{Draft, Submitted};
        let open = round(RoundState::Open);
        let before = open.deadline - chrono::Duration::hours(1);
        let after = open.deadline + chrono::Duration::hours(1);
        let submitted = stored(Submitted, false);
        assert_eq!(reopening_refusal(&open, &submitted, true, before), None);
        assert_eq!(
            reopening_refusal(&open, &submitted, true, after),
            Some(Refusal::DeadlinePassed)
        );
        assert_eq!(
            reopening_refusal(&open, &submitted, false, after),
            None,
            "an admin reopens after the deadline"
        );
        assert_eq!(
            reopening_refusal(&open, &stored(Draft, false), true, before),
            Some(Refusal::NotSubmitted)
        );
        assert_eq!(
            reopening_refusal(&round(RoundState::Closed), &submitted, false, before),
            Some(Refusal::RoundClosed)
        );
    }
}
