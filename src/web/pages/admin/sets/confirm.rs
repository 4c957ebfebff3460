//! The confirmation page's words for a move, a retirement or a merge: what will happen, which
//! numbers change, and the hidden fields that carry the change on.

use super::RecChange;
use crate::domain::set_preview::{code_after, renumbered, PlannedChange};
use crate::domain::{Recommendation, RoundContent};
use crate::views::set_editor::Hidden;

/// "Numrene følger rækkefølgen: 1.3 bliver 1.2." for the others a change renumbers.
pub(super) fn renumbering(
    content: &RoundContent,
    change: PlannedChange,
    skip: i32,
) -> Option<String> {
    let list: Vec<String> = renumbered(content, change)
        .into_iter()
        .filter(|r| r.id != skip)
        .map(|r| format!("{} bliver {}", r.before, r.after))
        .collect();
    (!list.is_empty()).then(|| format!("Numrene følger rækkefølgen: {}.", list.join(", ")))
}

/// The confirmation page's heading, sentences, hidden fields and button for a change.
pub(super) fn confirmation(
    content: &RoundContent,
    rec: &Recommendation,
    change: &RecChange,
) -> (String, Vec<String>, Vec<Hidden>, String) {
    let hidden = |name: &'static str, value: String| Hidden { name, value };
    let code = &rec.code;
    match change {
        RecChange::Move { area } => {
            let planned = PlannedChange::Move {
                recommendation: rec.id,
                focus_area: *area,
            };
            let target = content.focus_areas.iter().find(|a| a.id == *area);
            let mut lines = vec![format!(
                "{code} «{}» flyttes til indsatsområde {} «{}» som {}.",
                rec.text,
                target.map_or(0, |a| a.number),
                target.map_or("", |a| a.title.as_str()),
                code_after(content, planned, rec.id).unwrap_or_default()
            )];
            lines.extend(renumbering(content, planned, rec.id));
            lines.push("Flytningen kan fortrydes, så længe runden er under forberedelse.".into());
            let fields = vec![
                hidden("action", "flyt".into()),
                hidden("area", area.to_string()),
            ];
            (
                format!("Flyt anbefaling {code}?"),
                lines,
                fields,
                format!("Ja, flyt {code}"),
            )
        }
        RecChange::Retire => {
            let planned = PlannedChange::Remove {
                recommendation: rec.id,
            };
            let mut lines = vec![format!(
                "{code} «{}» udgår af årets sæt. Sidste års svar på den bevares og vises som ikke videreført.",
                rec.text
            )];
            lines.extend(renumbering(content, planned, rec.id));
            lines.push("Den står derefter under «Udgået» på siden med anbefalingerne og kan genindsættes, så længe runden er under forberedelse.".into());
            let fields = vec![hidden("action", "udgaar".into())];
            (
                format!("Lad anbefaling {code} udgå?"),
                lines,
                fields,
                format!("Ja, {code} udgår"),
            )
        }
        RecChange::Merge { other, text } => {
            let absorbed = content.recommendations.iter().find(|r| r.id == *other);
            let (gone_code, gone_text) = absorbed.map_or((String::new(), String::new()), |r| {
                (r.code.clone(), r.text.clone())
            });
            let planned = PlannedChange::Remove {
                recommendation: *other,
            };
            let new_code = code_after(content, planned, rec.id).unwrap_or_default();
            let mut lines = vec![
                format!("{gone_code} «{gone_text}» lægges sammen med {code} «{}».", rec.text),
                format!("{gone_code} tages ud af sættet; dens historik fra tidligere år følger den samlede anbefaling, {new_code}."),
            ];
            if !text.trim().is_empty() {
                lines.push(format!(
                    "Den samlede anbefaling får teksten «{}».",
                    text.trim()
                ));
            }
            lines.extend(renumbering(content, planned, *other));
            lines.push(
                "Sammenlægningen kan deles igen, så længe runden er under forberedelse.".into(),
            );
            let fields = vec![
                hidden("action", "saml".into()),
                hidden("other", other.to_string()),
                hidden("text", text.clone()),
            ];
            (
                format!("Læg {gone_code} sammen med {code}?"),
                lines,
                fields,
                format!("Ja, læg {gone_code} sammen med {code}"),
            )
        }
        RecChange::Reword { .. } | RecChange::Reorder(_) => (
            format!("Gem anbefaling {code}?"),
            Vec::new(),
            vec![hidden("action", "gem".into())],
            "Gem".into(),
        ),
    }
}
