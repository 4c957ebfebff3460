//! Danish prose from the aggregation: the sentences a council report is written in.
//!
//! Grammar rules kept here: numbers one to twelve as words ("én", "to", ... "tolv"), digits
//! above; singular "én anbefaling er", plural "tre anbefalinger er"; the opening clause reads
//! "Fem af anbefalingerne er ..."; a colour with zero recommendations is left out; clauses
//! are joined "a, b, og c" as in the council reports.

use super::status::Status;
use super::summary::{ClassificationCounts, Counts};

/// The Danish number word for one to twelve, digits for anything else.
/// "én" carries the accent that marks the numeral (as opposed to the article "en").
pub fn number_word(n: u32) -> String {
    const WORDS: [&str; 13] = [
        "nul", "én", "to", "tre", "fire", "fem", "seks", "syv", "otte", "ni", "ti", "elleve",
        "tolv",
    ];
    WORDS
        .get(n as usize)
        .map(|w| (*w).to_owned())
        .unwrap_or_else(|| n.to_string())
}

/// A number as Danish readers write it: decimal comma, one decimal, "82,8".
pub fn decimal(value: f64) -> String {
    format!("{value:.1}").replace('.', ",")
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// "a", "a, og b", "a, b, og c": clauses joined as the council reports join them.
fn join_clauses(clauses: &[String]) -> String {
    match clauses {
        [] => String::new(),
        [only] => only.clone(),
        [init @ .., last] => format!("{}, og {}", init.join(", "), last),
    }
}

/// "a", "a og b", "a, b og c": a plain list as Danish writes it (no comma before "og").
pub fn join_and<S: AsRef<str>>(items: &[S]) -> String {
    match items {
        [] => String::new(),
        [only] => only.as_ref().to_owned(),
        [init @ .., last] => format!(
            "{} og {}",
            init.iter()
                .map(AsRef::as_ref)
                .collect::<Vec<_>>()
                .join(", "),
            last.as_ref()
        ),
    }
}

/// "9 grønne af 26 svar" / "1 grøn af 1 svar" / "ingen svar".
pub fn green_of(tally: &super::lineage::Tally) -> String {
    if tally.answers == 0 {
        return "ingen svar".to_owned();
    }
    let greens = if tally.green == 1 { "grøn" } else { "grønne" };
    format!("{} {greens} af {} svar", tally.green, tally.answers)
}

/// "1.2 og 3.2 er lagt sammen i 3.1: sidste år 9 grønne af 26 svar, i år 12 af 15."
pub fn merged_sentence(m: &super::lineage::MergedFigure) -> String {
    let now = if m.current.answers == 0 {
        "i år ingen svar endnu".to_owned()
    } else {
        format!("i år {} af {}", m.current.green, m.current.answers)
    };
    format!(
        "{} er lagt sammen i {}: sidste år {}, {now}.",
        join_and(&m.from_codes),
        m.code,
        green_of(&m.previous)
    )
}

/// "1.4 er udgået: sidste år 1 grøn af 2 svar."
pub fn retired_sentence(r: &super::lineage::RetiredFigure) -> String {
    format!("{} er udgået: sidste år {}.", r.code, green_of(&r.previous))
}

/// Which of last round's answers the comparison counts where, e.g. "Sammenligningen med 2017
/// bygger på de 120 svar, der blev indsendt i 2017: 80 til de ti anbefalinger, der er
/// videreført én til én (også omformulerede og flyttede), 26 til anbefalinger, der siden er
/// lagt sammen, og 14 til anbefalinger, der er udgået. Nye anbefalinger sammenlignes ikke."
pub fn comparison_scope_sentence(previous_year: i32, b: &super::lineage::Buckets) -> String {
    let total = b.previous_total();
    let merged: u32 = b.merged.iter().map(|m| m.previous.answers).sum();
    let retired: u32 = b.retired.iter().map(|r| r.previous.answers).sum();
    let recs = if b.like_for_like_recommendations == 1 {
        "den ene anbefaling".to_owned()
    } else {
        format!(
            "de {} anbefalinger",
            number_word(b.like_for_like_recommendations)
        )
    };
    let mut parts = vec![format!(
        "{} til {recs}, der er videreført én til én (også omformulerede og flyttede)",
        b.like_for_like_previous.answers
    )];
    if !b.merged.is_empty() {
        parts.push(format!(
            "{merged} til anbefalinger, der siden er lagt sammen"
        ));
    }
    if !b.retired.is_empty() {
        parts.push(format!("{retired} til anbefalinger, der er udgået"));
    }
    let answers = if total == 1 {
        "det ene svar".to_owned()
    } else {
        format!("de {total} svar")
    };
    format!(
        "Sammenligningen med {previous_year} bygger på {answers}, der blev indsendt i {previous_year}: {}. Nye anbefalinger sammenlignes ikke.",
        join_clauses(&parts)
    )
}

/// A sentence from its clauses: capitalised, with a full stop.
fn sentence(clauses: &[String]) -> String {
    format!("{}.", capitalise(&join_clauses(clauses)))
}

/// "tre anbefalinger er i proces" / "én anbefaling er i proces".
fn count_clause(n: u32, predicate: &str) -> String {
    if n == 1 {
        format!("én anbefaling {predicate}")
    } else {
        format!("{} anbefalinger {predicate}", number_word(n))
    }
}

const NO_ANSWERS: &str = "har endnu ingen indsendte svar";

/// The sentence that sums up a round's classification, e.g.
/// "Fem af anbefalingerne er igangsat, tre anbefalinger er i proces, og fire anbefalinger er
/// endnu ikke igangsat."
pub fn round_sentence(counts: &ClassificationCounts) -> String {
    let total = counts.total();
    if total == 0 {
        return "Runden har ingen anbefalinger.".to_owned();
    }
    if counts.unclassified == total {
        return "Ingen af anbefalingerne har endnu indsendte svar.".to_owned();
    }
    let mut parts: Vec<(u32, String)> = Status::ALL
        .iter()
        .map(|s| (counts.get(*s), format!("er {}", s.predicate_da())))
        .collect();
    parts.push((counts.unclassified, NO_ANSWERS.to_owned()));
    parts.retain(|(n, _)| *n > 0);

    if let [(n, predicate)] = parts.as_slice() {
        return if *n == 1 {
            format!("Anbefalingen {predicate}.")
        } else {
            format!("Alle {} anbefalinger {predicate}.", number_word(*n))
        };
    }

    let clauses: Vec<String> = parts
        .iter()
        .enumerate()
        .map(|(i, (n, predicate))| {
            if i == 0 && *n > 1 {
                format!("{} af anbefalingerne {predicate}", number_word(*n))
            } else {
                count_clause(*n, predicate)
            }
        })
        .collect();
    sentence(&clauses)
}

/// A municipality's own answers in one sentence, e.g.
/// "Frederiksberg Kommune har meldt grøn på 7, gul på 3 og rød på 2 af de 12 anbefalinger."
pub fn municipality_sentence(official_name: &str, counts: &Counts, submitted: bool) -> String {
    if !submitted {
        return format!("{official_name} har endnu ikke indsendt sit skema.");
    }
    let total = counts.total();
    if counts.answered() == 0 {
        return format!("{official_name} har ikke meldt status på nogen af anbefalingerne.");
    }
    let parts: Vec<String> = Status::ALL
        .iter()
        .filter(|s| counts.get(**s) > 0)
        .map(|s| format!("{} på {}", s.colour_da(), counts.get(*s)))
        .collect();
    let listed = match parts.as_slice() {
        [only] => only.clone(),
        [init @ .., last] => format!("{} og {}", init.join(", "), last),
        [] => String::new(),
    };
    let mut text = format!("{official_name} har meldt {listed} af de {total} anbefalinger");
    if counts.unanswered > 0 {
        text.push_str(&format!("; {} er ubesvaret", counts.unanswered));
    }
    text.push('.');
    text
}

/// The like-for-like trend in words, e.g. "Blandt de ti anbefalinger, der er videreført fra
/// 2016, er andelen af grønne svar gået fra 30,0 % til 35,0 %. Det er målt på de 220 svar, hvor
/// samme kommune har svaret på samme anbefaling begge år: 12 er forbedret, 200 er uændret, og 8
/// er forværret."
pub fn like_for_like_sentence(l: &super::trend::LikeForLike) -> String {
    let recs = if l.carried_recommendations == 1 {
        format!(
            "Blandt den ene anbefaling, der er videreført fra {}",
            l.previous_year
        )
    } else {
        format!(
            "Blandt de {} anbefalinger, der er videreført fra {}",
            number_word(l.carried_recommendations),
            l.previous_year
        )
    };
    let moved = if l.green_share > l.previous_green_share {
        "steget"
    } else if l.green_share < l.previous_green_share {
        "faldet"
    } else {
        "uændret"
    };
    let change = if moved == "uændret" {
        format!(
            "er andelen af grønne svar uændret {} %",
            decimal(l.green_share)
        )
    } else {
        format!(
            "er andelen af grønne svar {moved} fra {} % til {} %",
            decimal(l.previous_green_share),
            decimal(l.green_share)
        )
    };
    let pairs = if l.pairs == 1 {
        "det ene svar".to_owned()
    } else {
        format!("de {} svar", l.pairs)
    };
    let moves = join_clauses(&[
        format!("{} er forbedret", l.improved),
        format!("{} er uændret", l.unchanged),
        format!("{} er forværret", l.worsened),
    ]);
    format!(
        "{recs}, {change}. Det er målt på {pairs}, hvor samme kommune har svaret på samme anbefaling begge år: {moves}."
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classes(green: u32, yellow: u32, red: u32) -> ClassificationCounts {
        ClassificationCounts {
            green,
            yellow,
            red,
            unclassified: 0,
        }
    }

    #[test]
    fn the_seed_reports_sentence() {
        assert_eq!(
            round_sentence(&classes(5, 3, 4)),
            "Fem af anbefalingerne er igangsat, tre anbefalinger er i proces, og fire anbefalinger er endnu ikke igangsat."
        );
    }

    #[test]
    fn decimals_use_a_comma() {
        assert_eq!(decimal(82.75862), "82,8");
        assert_eq!(decimal(100.0), "100,0");
    }

    #[test]
    fn number_words_up_to_twelve_then_digits() {
        assert_eq!(number_word(1), "én");
        assert_eq!(number_word(2), "to");
        assert_eq!(number_word(12), "tolv");
        assert_eq!(number_word(13), "13");
        assert_eq!(number_word(100), "100");
    }

    #[test]
    fn a_colour_with_zero_is_left_out() {
        assert_eq!(
            round_sentence(&classes(5, 0, 4)),
            "Fem af anbefalingerne er igangsat, og fire anbefalinger er endnu ikke igangsat."
        );
    }

    #[test]
    fn one_of_a_colour_is_singular() {
        assert_eq!(
            round_sentence(&classes(2, 1, 1)),
            "To af anbefalingerne er igangsat, én anbefaling er i proces, og én anbefaling er endnu ikke igangsat."
        );
        assert_eq!(
            round_sentence(&classes(1, 3, 0)),
            "Én anbefaling er igangsat, og tre anbefalinger er i proces."
        );
    }

    #[test]
    fn twelve_is_a_word_and_thirteen_is_digits() {
        assert_eq!(
            round_sentence(&classes(12, 13, 2)),
            "Tolv af anbefalingerne er igangsat, 13 anbefalinger er i proces, og to anbefalinger er endnu ikke igangsat."
        );
        assert_eq!(
            round_sentence(&classes(13, 0, 1)),
            "13 af anbefalingerne er igangsat, og én anbefaling er endnu ikke igangsat."
        );
    }

    #[test]
    fn a_single_colour_says_all() {
        assert_eq!(
            round_sentence(&classes(0, 0, 12)),
            "Alle tolv anbefalinger er endnu ikke igangsat."
        );
        assert_eq!(
            round_sentence(&classes(1, 0, 0)),
            "Anbefalingen er igangsat."
        );
    }

    #[test]
    fn unclassified_recommendations_are_named() {
        let counts = ClassificationCounts {
            green: 2,
            yellow: 0,
            red: 0,
            unclassified: 1,
        };
        assert_eq!(
            round_sentence(&counts),
            "To af anbefalingerne er igangsat, og én anbefaling har endnu ingen indsendte svar."
        );
        assert_eq!(
            round_sentence(&ClassificationCounts::default()),
            "Runden har ingen anbefalinger."
        );
    }

    #[test]
    fn municipality_sentence_lists_its_colours() {
        let counts = Counts {
            green: 7,
            yellow: 3,
            red: 2,
            unanswered: 0,
        };
        assert_eq!(
            municipality_sentence("Frederiksberg Kommune", &counts, true),
            "Frederiksberg Kommune har meldt grøn på 7, gul på 3 og rød på 2 af de 12 anbefalinger."
        );
        let partial = Counts {
            green: 0,
            yellow: 10,
            red: 0,
            unanswered: 2,
        };
        assert_eq!(
            municipality_sentence("Dragør Kommune", &partial, true),
            "Dragør Kommune har meldt gul på 10 af de 12 anbefalinger; 2 er ubesvaret."
        );
        assert_eq!(
            municipality_sentence("Dragør Kommune", &partial, false),
            "Dragør Kommune har endnu ikke indsendt sit skema."
        );
    }
}
