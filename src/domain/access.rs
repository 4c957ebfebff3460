//! Who may do what: the role table of DESIGN.md as pure functions, one per kind of access.
//!
//! A user's `kkr_id` is the KKR they belong to (for municipal users, their municipality's).

use super::model::{MunicipalityCode, Role, Round, RoundState, User};

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
        && (now <= round.deadline || user.role == Role::Admin || reopened)
}

/// Take a submitted form back to draft: whoever may edit it, before the deadline.
pub fn can_withdraw(
    user: &User,
    round: &Round,
    code: &MunicipalityCode,
    now: chrono::NaiveDateTime,
) -> bool {
    can_edit_form(user, round, code) && round.state == RoundState::Open && now <= round.deadline
}

/// Reopen a submitted form, also after the deadline, with a reason: the KKR's admins only.
pub fn can_reopen(user: &User, round: &Round) -> bool {
    user.role == Role::Admin && same_kkr(user, round) && round.state == RoundState::Open
}

/// A submission's change history: the KKR's admins.
pub fn can_see_history(user: &User, round: &Round) -> bool {
    user.role == Role::Admin && same_kkr(user, round)
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
}
