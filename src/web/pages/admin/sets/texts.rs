//! The set editor's words: refusals, the message after a change or an undo, and the list of
//! changes that can be undone, in Danish.

use crate::domain::rounds::FROZEN;
use crate::domain::RoundContent;
use crate::store::set_edits::{SetEdit, SetRefusal};

/// A refused change to the set as the page says it.
pub(super) fn refusal_text(refusal: &SetRefusal) -> String {
    match refusal {
        SetRefusal::Frozen => FROZEN.to_owned(),
        SetRefusal::EmptyText => "Skriv anbefalingens tekst.".to_owned(),
        SetRefusal::TextTooLong { length, max } => {
            format!("Anbefalingens tekst er {length} tegn; den må højst være {max} tegn.")
        }
        SetRefusal::HasAnswers { code } => format!(
            "Anbefaling {code} har allerede svar i runden og kan ikke udgå eller lægges sammen med en anden."
        ),
        SetRefusal::SameRecommendation => {
            "Vælg en anden anbefaling at lægge sammen med.".to_owned()
        }
        SetRefusal::AlreadyUndone => "Ændringen er allerede fortrudt.".to_owned(),
        SetRefusal::Gone { code } => format!(
            "Anbefaling {code} er ikke længere i sættet, så ændringen kan ikke fortrydes."
        ),
        SetRefusal::ChangedSince { code } => format!(
            "Anbefaling {code} er ændret igen siden; fortryd den seneste ændring af den først."
        ),
        SetRefusal::AreaGone { code } => format!(
            "Indsatsområdet, som {code} stod i, er slettet; opret det igen, før ændringen fortrydes."
        ),
    }
}

pub(super) fn notice(flag: Option<&str>) -> Option<String> {
    let text = match flag? {
        "gemt" => "Ændringen er gemt.",
        "forslag" => "Forslaget er tilføjet som nyt indsatsområde sidst i rækken.",
        _ => return None,
    };
    Some(text.to_owned())
}

pub(super) fn code_of(content: &RoundContent, id: i32, fallback: &str) -> String {
    content
        .recommendations
        .iter()
        .find(|r| r.id == id)
        .map_or_else(|| fallback.to_owned(), |r| r.code.clone())
}

pub(super) fn area_number(content: &RoundContent, area_id: i32) -> String {
    content
        .focus_areas
        .iter()
        .find(|a| a.id == area_id)
        .map_or_else(String::new, |a| a.number.to_string())
}

/// The message after a change: what was saved, under its number now.
pub(super) fn made_text(content: &RoundContent, edit: &SetEdit) -> String {
    match edit {
        SetEdit::Reword { id, code, .. } => {
            format!("Anbefaling {} er gemt.", code_of(content, *id, code))
        }
        SetEdit::Move {
            id,
            from_code,
            to_area,
            to_code,
            ..
        } => format!(
            "Anbefaling {from_code} er flyttet til indsatsområde {} og gemt som {}.",
            area_number(content, *to_area),
            code_of(content, *id, to_code)
        ),
        SetEdit::Retire { saved } => format!(
            "Anbefaling {} er udgået af årets sæt. Den står under «Udgået», hvor den kan genindsættes.",
            saved.code
        ),
        SetEdit::Merge {
            kept,
            kept_code,
            merged_code,
            absorbed,
            ..
        } => format!(
            "Anbefaling {} er lagt sammen med {kept_code} og gemt som {}; begges historik følger den.",
            absorbed.code,
            code_of(content, *kept, merged_code)
        ),
    }
}

/// The message after an undo: what the set holds again.
pub(super) fn undone_text(content: &RoundContent, edit: &SetEdit) -> String {
    match edit {
        SetEdit::Reword { id, code, .. } => format!(
            "Ændringen er fortrudt: anbefaling {} har igen sin tidligere tekst og type.",
            code_of(content, *id, code)
        ),
        SetEdit::Move { id, to_code, .. } => format!(
            "Flytningen er fortrudt: {to_code} er igen {}.",
            code_of(content, *id, to_code)
        ),
        SetEdit::Retire { saved } => format!(
            "Anbefaling {} er genindsat.",
            code_of(content, saved.id, &saved.code)
        ),
        SetEdit::Merge {
            kept,
            kept_code,
            absorbed,
            ..
        } => format!(
            "Sammenlægningen er delt: {} og {} er igen to anbefalinger.",
            code_of(content, *kept, kept_code),
            code_of(content, absorbed.id, &absorbed.code)
        ),
    }
}

/// What a recorded change did, in the list of changes that can be undone.
pub(super) fn edit_summary(edit: &SetEdit) -> String {
    match edit {
        SetEdit::Reword { code, .. } => format!("{code}: tekst eller type ændret"),
        SetEdit::Move {
            from_code, to_code, ..
        } => format!("Flyttet fra {from_code} til {to_code}"),
        SetEdit::Retire { saved } => format!("{} udgået", saved.code),
        SetEdit::Merge {
            kept_code,
            absorbed,
            ..
        } => format!("{} lagt sammen med {kept_code}", absorbed.code),
    }
}

pub(super) fn undo_label(edit: &SetEdit) -> &'static str {
    match edit {
        SetEdit::Reword { .. } => "Fortryd",
        SetEdit::Move { .. } => "Flyt tilbage",
        SetEdit::Retire { .. } => "Genindsæt",
        SetEdit::Merge { .. } => "Del igen",
    }
}
