//! The rules of running a round: what a new round needs, the life cycle
//! draft → open → closed → published, and what may change in which state.

use chrono::NaiveDateTime;
use serde::Serialize;

use super::model::{InvalidValue, RoundState};
use super::time::parse_deadline;

/// One field of a page's form that did not parse: the input's id and a Danish message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldProblem {
    pub field: &'static str,
    pub message: String,
}

/// The most characters a title, subject or focus area title takes.
pub const TITLE_MAX_CHARS: usize = 300;
/// The most characters a recommendation's text takes.
pub const TEXT_MAX_CHARS: usize = 2000;

/// A required one-line text: trimmed, not empty, at most `max` characters.
pub fn required_text(raw: &str, what: &str, max: usize) -> Result<String, InvalidValue> {
    let text = raw.replace("\r\n", "\n").trim().to_owned();
    let length = text.chars().count();
    if text.is_empty() {
        Err(InvalidValue(format!("Skriv {what}.")))
    } else if length > max {
        Err(InvalidValue(format!(
            "{} er {length} tegn; den må højst være {max} tegn.",
            capitalised(what)
        )))
    } else {
        Ok(text)
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A round's year: 2000 to 2100.
pub fn parse_year(raw: &str) -> Result<i32, InvalidValue> {
    match raw.trim().parse::<i32>() {
        Ok(year) if (2000..=2100).contains(&year) => Ok(year),
        _ => Err(InvalidValue(format!(
            "«{}» er ikke et årstal mellem 2000 og 2100.",
            raw.trim().chars().take(20).collect::<String>()
        ))),
    }
}

/// What a new round is made from, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoundSetup {
    pub year: i32,
    pub title: String,
    /// The policy area its documents name, e.g. "beskæftigelsesområdet".
    pub subject: String,
    /// UTC.
    pub deadline: NaiveDateTime,
}

impl RoundSetup {
    /// Parses a new round's fields; every field that does not parse is named.
    pub fn parse(
        year: &str,
        title: &str,
        subject: &str,
        deadline: &str,
    ) -> Result<RoundSetup, Vec<FieldProblem>> {
        let mut problems = Vec::new();
        let year = keep(&mut problems, "year", parse_year(year));
        let title = keep(
            &mut problems,
            "title",
            required_text(title, "en titel", TITLE_MAX_CHARS),
        );
        let subject = keep(
            &mut problems,
            "subject",
            required_text(
                subject,
                "et emne, fx beskæftigelsesområdet",
                TITLE_MAX_CHARS,
            ),
        );
        let deadline = keep(&mut problems, "deadline", parse_deadline(deadline));
        match (year, title, subject, deadline) {
            (Some(year), Some(title), Some(subject), Some(deadline)) => Ok(RoundSetup {
                year,
                title,
                subject,
                deadline,
            }),
            _ => Err(problems),
        }
    }
}

/// The value, or `None` with the problem noted for `field`.
pub fn keep<T>(
    problems: &mut Vec<FieldProblem>,
    field: &'static str,
    result: Result<T, InvalidValue>,
) -> Option<T> {
    match result {
        Ok(value) => Some(value),
        Err(e) => {
            problems.push(FieldProblem {
                field,
                message: e.0,
            });
            None
        }
    }
}

/// The state that follows `state` in a round's year, if any.
pub fn next_state(state: RoundState) -> Option<RoundState> {
    match state {
        RoundState::Draft => Some(RoundState::Open),
        RoundState::Open => Some(RoundState::Closed),
        RoundState::Closed => Some(RoundState::Published),
        RoundState::Published => None,
    }
}

/// The button that takes a round to `to`: "Åbn runden".
pub fn transition_label(to: RoundState) -> &'static str {
    match to {
        RoundState::Draft => "Sæt under forberedelse",
        RoundState::Open => "Åbn runden",
        RoundState::Closed => "Luk runden",
        RoundState::Published => "Offentliggør resultaterne",
    }
}

/// What happens when a round goes to `to`, said before the admin confirms.
pub fn transition_consequence(to: RoundState) -> &'static str {
    match to {
        RoundState::Draft => "Runden kan igen forberedes.",
        RoundState::Open => {
            "Kommunerne kan udfylde og indsende deres skema indtil fristen. Anbefalingerne og \
             indsatsområderne låses: de kan ikke længere ændres i denne runde."
        }
        RoundState::Closed => {
            "Kommunerne kan ikke længere gemme eller indsende; skemaer, der ikke er indsendt, \
             tæller ikke med. Fristen kan ikke længere flyttes."
        }
        RoundState::Published => {
            "De samlede resultater (uden personnavne) og de indsendte svar vises for alle uden \
             login og kan hentes som CSV og JSON."
        }
    }
}

/// What a round must hold before it may open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpeningFacts {
    pub recommendations: usize,
    pub participants: usize,
    pub empty_focus_areas: usize,
}

/// Whether a round in `from` may move to `to`: only one step forward at a time, and a round
/// opens only with recommendations, municipalities and no empty focus area.
pub fn check_transition(
    from: RoundState,
    to: RoundState,
    facts: OpeningFacts,
) -> Result<(), InvalidValue> {
    if next_state(from) != Some(to) {
        return Err(InvalidValue(format!(
            "Runden er «{}» og kan ikke gå til «{}»: en runde går fra «{}» til «{}», «{}» og «{}», ét trin ad gangen.",
            from.label_da().to_lowercase(),
            to.label_da().to_lowercase(),
            RoundState::Draft.label_da().to_lowercase(),
            RoundState::Open.label_da().to_lowercase(),
            RoundState::Closed.label_da().to_lowercase(),
            RoundState::Published.label_da().to_lowercase(),
        )));
    }
    if to == RoundState::Open {
        if facts.recommendations == 0 {
            return Err(InvalidValue(
                "Runden har ingen anbefalinger endnu og kan ikke åbnes.".into(),
            ));
        }
        if facts.participants == 0 {
            return Err(InvalidValue(
                "Ingen kommuner deltager i runden; vælg mindst én, før den åbnes.".into(),
            ));
        }
        if facts.empty_focus_areas > 0 {
            return Err(InvalidValue(
                "Et indsatsområde har ingen anbefalinger; tilføj en anbefaling eller slet området, før runden åbnes.".into(),
            ));
        }
    }
    Ok(())
}

/// The message for any change to a recommendation set once the round has opened.
pub const FROZEN: &str = "Anbefalingerne er låst, fordi runden er åbnet: indsatsområder og anbefalinger kan kun ændres, mens runden er under forberedelse.";

/// Whether a round's recommendation set may change in `state`.
pub fn set_is_editable(state: RoundState) -> Result<(), InvalidValue> {
    if state == RoundState::Draft {
        Ok(())
    } else {
        Err(InvalidValue(FROZEN.into()))
    }
}

/// Whether the deadline may move in `state`: while the round is prepared or open.
pub fn deadline_is_movable(state: RoundState) -> Result<(), InvalidValue> {
    match state {
        RoundState::Draft | RoundState::Open => Ok(()),
        _ => Err(InvalidValue(format!(
            "Runden er {}: fristen kan kun flyttes, mens runden er under forberedelse eller åben.",
            state.label_da().to_lowercase()
        ))),
    }
}

/// Whether the participating municipalities may change in `state`.
pub fn participants_are_editable(state: RoundState) -> Result<(), InvalidValue> {
    match state {
        RoundState::Draft | RoundState::Open => Ok(()),
        _ => Err(InvalidValue(format!(
            "Runden er {}: de deltagende kommuner kan kun ændres, mens runden er under forberedelse eller åben.",
            state.label_da().to_lowercase()
        ))),
    }
}

/// Whether answers may be imported in `state`: not once the results are published.
pub fn answers_are_importable(state: RoundState) -> Result<(), InvalidValue> {
    if state == RoundState::Published {
        Err(InvalidValue(
            "Runden er offentliggjort; svar kan ikke længere importeres til den.".into(),
        ))
    } else {
        Ok(())
    }
}

/// "1.2": a recommendation's code from its focus area's number and its position.
pub fn recommendation_code(area_number: i32, position: i32) -> String {
    format!("{area_number}.{position}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const FACTS: OpeningFacts = OpeningFacts {
        recommendations: 3,
        participants: 2,
        empty_focus_areas: 0,
    };

    #[test]
    fn a_round_moves_one_step_forward_at_a_time() {
        use RoundState::*;
        assert!(check_transition(Draft, Open, FACTS).is_ok());
        assert!(check_transition(Open, Closed, FACTS).is_ok());
        assert!(check_transition(Closed, Published, FACTS).is_ok());
        for (from, to) in [
            (Draft, Closed),
            (Draft, Published),
            (Open, Draft),
            (Open, Published),
            (Closed, Open),
            (Published, Closed),
        ] {
            let err = check_transition(from, to, FACTS).unwrap_err().to_string();
            assert!(err.contains("ét trin ad gangen"), "{from} -> {to}: {err}");
        }
    }

    #[test]
    fn a_round_opens_only_with_recommendations_and_municipalities() {
        let none = OpeningFacts {
            recommendations: 0,
            ..FACTS
        };
        assert!(check_transition(RoundState::Draft, RoundState::Open, none)
            .unwrap_err()
            .to_string()
            .contains("ingen anbefalinger"));
        let nobody = OpeningFacts {
            participants: 0,
            ..FACTS
        };
        assert!(check_transition(RoundState::Draft, RoundState::Open, nobody).is_err());
        let empty = OpeningFacts {
            empty_focus_areas: 1,
            ..FACTS
        };
        assert!(check_transition(RoundState::Draft, RoundState::Open, empty).is_err());
    }

    #[test]
    fn the_set_is_frozen_once_the_round_opens() {
        assert!(set_is_editable(RoundState::Draft).is_ok());
        for state in [RoundState::Open, RoundState::Closed, RoundState::Published] {
            assert_eq!(set_is_editable(state).unwrap_err().to_string(), FROZEN);
        }
        assert!(deadline_is_movable(RoundState::Open).is_ok());
        assert!(deadline_is_movable(RoundState::Closed).is_err());
    }

    #[test]
    fn a_new_round_names_every_field_that_does_not_parse() {
        let ok = RoundSetup::parse(
            "2018",
            " Status 2018 ",
            "beskæftigelsesområdet",
            "1.12.2018 23.59",
        )
        .unwrap();
        assert_eq!(ok.title, "Status 2018");
        let problems = RoundSetup::parse("18", "", "", "snart").unwrap_err();
        let fields: Vec<&str> = problems.iter().map(|p| p.field).collect();
        assert_eq!(fields, ["year", "title", "subject", "deadline"]);
        assert!(problems[0].message.contains("mellem 2000 og 2100"));
        assert_eq!(problems[1].message, "Skriv en titel.");
    }

    #[test]
    fn texts_are_trimmed_and_limited() {
        assert_eq!(required_text("  a ", "x", 5).unwrap(), "a");
        assert!(required_text("abcdef", "en titel", 5)
            .unwrap_err()
            .to_string()
            .starts_with("En titel er 6 tegn"));
    }
}
