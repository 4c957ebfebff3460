//! The traffic light itself: a recommendation's status as a municipality reports it.

use serde::{Deserialize, Serialize};
use std::fmt;

/// How far a municipality has come with one recommendation.
///
/// The derived order runs from least to most advanced (red < yellow < green), which is the
/// order the classification rule uses to break ties.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Endnu ikke igangsat.
    Red,
    /// I proces.
    Yellow,
    /// Igangsat efter planen.
    Green,
}

/// A status word that is not one of the three colours.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("ukendt status «{0}»: vælg grøn, gul eller rød")]
pub struct UnknownStatus(pub String);

impl Status {
    /// All statuses from most to least advanced: the order lists and tables use.
    pub const ALL: [Status; 3] = [Status::Green, Status::Yellow, Status::Red];

    /// Parses the code word used in forms, the API and the database.
    pub fn parse(word: &str) -> Result<Status, UnknownStatus> {
        match word.trim() {
            "green" => Ok(Status::Green),
            "yellow" => Ok(Status::Yellow),
            "red" => Ok(Status::Red),
            other => Err(UnknownStatus(other.chars().take(40).collect())),
        }
    }

    /// The code word stored in the database and sent through forms and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Green => "green",
            Status::Yellow => "yellow",
            Status::Red => "red",
        }
    }

    /// The colour's Danish name: "grøn", "gul", "rød".
    pub fn colour_da(self) -> &'static str {
        match self {
            Status::Green => "grøn",
            Status::Yellow => "gul",
            Status::Red => "rød",
        }
    }

    /// What the colour means, as the form and reports say it.
    pub fn label_da(self) -> &'static str {
        match self {
            Status::Green => "Igangsat efter planen",
            Status::Yellow => "I proces",
            Status::Red => "Endnu ikke igangsat",
        }
    }

    /// The predicate used in prose: "fem anbefalinger er <predicate>".
    pub fn predicate_da(self) -> &'static str {
        match self {
            Status::Green => "igangsat",
            Status::Yellow => "i proces",
            Status::Red => "endnu ikke igangsat",
        }
    }

    /// The heading a council report gives the list of recommendations with this status.
    pub fn list_heading_da(self) -> &'static str {
        match self {
            Status::Green => "Initiativer som er igangsat efter planen",
            Status::Yellow => "Initiativer som er i proces",
            Status::Red => "Initiativer som endnu ikke er igangsat",
        }
    }

    /// A symbol that tells the statuses apart without colour (a check, a half circle, a cross).
    pub fn symbol(self) -> &'static str {
        match self {
            Status::Green => "✔",
            Status::Yellow => "◐",
            Status::Red => "✖",
        }
    }

    /// Fill colour for charts and cells, chosen to stay distinguishable for colour-blind
    /// readers (Okabe–Ito bluish green, yellow, vermillion); never used without a symbol or word.
    pub fn fill_hex(self) -> &'static str {
        match self {
            Status::Green => "#009E73",
            Status::Yellow => "#F0E442",
            Status::Red => "#D55E00",
        }
    }
}

/// Everything a page or report shows of a status, ready for a template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatusView {
    /// "green" | "yellow" | "red": for CSS classes and fill colours.
    pub code: &'static str,
    pub symbol: &'static str,
    pub colour: &'static str,
    pub label: &'static str,
    pub fill: &'static str,
}

impl From<Status> for StatusView {
    fn from(s: Status) -> Self {
        StatusView {
            code: s.as_str(),
            symbol: s.symbol(),
            colour: s.colour_da(),
            label: s.label_da(),
            fill: s.fill_hex(),
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn only_the_three_code_words_parse_and_they_round_trip(raw in "\\PC{0,12}|[ ]{0,2}(green|yellow|red|GREEN|grøn|gul|rød)[ ]{0,2}") {
            match Status::parse(&raw) {
                Ok(status) => {
                    prop_assert_eq!(status.as_str(), raw.trim());
                    prop_assert_eq!(Status::parse(status.as_str()), Ok(status));
                }
                Err(e) => {
                    prop_assert!(!["green", "yellow", "red"].contains(&raw.trim()));
                    prop_assert!(e.to_string().starts_with("ukendt status «"));
                    prop_assert!(e.to_string().contains("vælg grøn, gul eller rød"));
                }
            }
        }
    }

    #[test]
    fn parse_accepts_the_three_code_words_and_round_trips() {
        for status in Status::ALL {
            assert_eq!(Status::parse(status.as_str()), Ok(status));
        }
    }

    #[test]
    fn parse_rejects_other_words_with_a_danish_message() {
        let err = Status::parse("purple").unwrap_err();
        assert_eq!(
            err.to_string(),
            "ukendt status «purple»: vælg grøn, gul eller rød"
        );
        assert!(Status::parse("").is_err());
        assert!(Status::parse("Green").is_err());
    }

    #[test]
    fn order_runs_from_least_to_most_advanced() {
        assert!(Status::Red < Status::Yellow);
        assert!(Status::Yellow < Status::Green);
    }

    #[test]
    fn each_status_has_its_own_symbol() {
        assert_ne!(Status::Green.symbol(), Status::Yellow.symbol());
        assert_ne!(Status::Yellow.symbol(), Status::Red.symbol());
        assert_ne!(Status::Green.symbol(), Status::Red.symbol());
    }
}
