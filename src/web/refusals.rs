//! Refusals in Danish: the store and the domain say why a change was not made as a type;
//! this is where the sentence a person reads (a page, or the command line) is written.

use crate::domain::refusal::{End, RoundRefusal};
use crate::domain::schedule::{ScheduleRefusal, ScheduledStep};
use crate::domain::sign_in::{PasswordRefusal, SignInRefusal, TokenProblem};
use crate::domain::time::danish_datetime;
use crate::report::agenda::MeetingDateRefusal;
use crate::totp::CodeRefusal;

/// "først" or "sidst": where an item already stands.
fn end_da(end: End) -> &'static str {
    match end {
        End::First => "først",
        End::Last => "sidst",
    }
}

/// A refused change to a round, its set or an import, as the page says it.
pub fn round_refusal_da(refusal: &RoundRefusal) -> String {
    match refusal {
        RoundRefusal::YearTaken { kkr_name, year } => {
            format!("{kkr_name} har allerede en statusrunde for {year}.")
        }
        RoundRefusal::NoEarlierRound { kkr_name, year } => format!(
            "{kkr_name} har ingen statusrunde før {year} at starte fra. Opret runden uden «Start fra sidste år», og tilføj anbefalingerne."
        ),
        RoundRefusal::NoParticipants => "Vælg mindst én kommune, der deltager i runden.".into(),
        RoundRefusal::NotOfKkr { code, kkr_name } => {
            format!("Kommune {code} hører ikke til {kkr_name}.")
        }
        RoundRefusal::HasForm { municipality } => {
            format!("{municipality} har allerede et skema i runden og kan ikke tages ud.")
        }
        RoundRefusal::NoDraftAfter { kkr_name, year } => format!(
            "{kkr_name} har ingen runde under forberedelse efter {year}. Opret næste års runde først."
        ),
        RoundRefusal::AreaAtEnd { number, end } => {
            format!("Indsatsområde {number} står allerede {}.", end_da(*end))
        }
        RoundRefusal::AreaHasRecommendations { number } => format!(
            "Indsatsområde {number} har anbefalinger; flyt dem, eller lad dem udgå, før området slettes."
        ),
        RoundRefusal::RecommendationAtEnd { code, end } => format!(
            "Anbefaling {code} står allerede {} i sit indsatsområde.",
            end_da(*end)
        ),
        RoundRefusal::RecommendationHasAnswers { code } => {
            format!("Anbefaling {code} har svar i runden og kan ikke fjernes.")
        }
        RoundRefusal::GroupNotOfKkr { kkr_name } => {
            format!("Vælg en af {kkr_name}s grupper, eller «Hele runden».")
        }
        RoundRefusal::Schedule(refusal) => schedule_refusal_da(refusal),
        RoundRefusal::Invalid(invalid) => invalid.0.clone(),
    }
}

/// A refused sign-in through an identity provider, as its page says it. `provider` is the
/// provider's button label ("Log ind med Frederiksberg Kommunes login").
pub fn sign_in_refusal_da(refusal: &SignInRefusal, provider: &str) -> String {
    match refusal {
        SignInRefusal::StateMismatch => format!(
            "Log ind blev ikke gennemført: svaret fra «{provider}» hører ikke til et log ind, der blev startet i denne browser, eller det er allerede brugt. Start forfra fra siden Log ind."
        ),
        SignInRefusal::ProviderError { .. } => format!(
            "Log ind hos «{provider}» blev afbrudt eller afvist. Start forfra fra siden Log ind."
        ),
        SignInRefusal::ProviderUnavailable => format!(
            "Trafiklys kan ikke nå «{provider}» lige nu. Prøv igen om lidt."
        ),
        SignInRefusal::Token(problem) => format!(
            "Svaret fra «{provider}» kunne ikke godkendes ({}), så du er ikke logget ind. Start forfra; sker det igen, så kontakt KKR-sekretariatet.",
            token_problem_da(*problem)
        ),
        SignInRefusal::NoEmail => format!(
            "«{provider}» oplyste ingen e-mailadresse, så Trafiklys kan ikke se, hvem du er."
        ),
        SignInRefusal::EmailNotVerified { email } => format!(
            "«{provider}» har ikke bekræftet din e-mailadresse {email}, så Trafiklys kan ikke logge dig ind med den."
        ),
        SignInRefusal::DomainNotVouched { email, domain } => format!(
            "Du er logget ind hos «{provider}» som {email}, men adresser på {domain} kan ikke logge ind i Trafiklys på den måde."
        ),
        SignInRefusal::UnknownPerson { email } => format!(
            "Du er logget ind hos «{provider}» som {email}, men der er ingen bruger med den adresse i Trafiklys. Bed KKR-sekretariatet om at oprette dig."
        ),
        SignInRefusal::Deactivated { email } => format!(
            "Brugeren {email} er deaktiveret i Trafiklys. Kontakt KKR-sekretariatet, hvis du skal bruge Trafiklys igen."
        ),
    }
}

fn token_problem_da(problem: TokenProblem) -> &'static str {
    match problem {
        TokenProblem::Issuer => "forkert udsteder",
        TokenProblem::Audience => "udstedt til en anden tjeneste",
        TokenProblem::Expired => "udløbet",
        TokenProblem::Signature => "ugyldig signatur",
        TokenProblem::Algorithm => "usigneret eller signeret med en algoritme, der ikke godtages",
        TokenProblem::Nonce => "hører ikke til dette log ind",
        TokenProblem::Malformed => "ufuldstændigt",
    }
}

/// Why a password may not be used, said to someone who typed the right one.
pub fn password_refusal_da(refusal: &PasswordRefusal) -> String {
    match refusal {
        PasswordRefusal::Off => {
            "Log ind med adgangskode er slået fra. Brug knappen for din organisations login."
                .to_owned()
        }
        PasswordRefusal::UseProvider { label } => format!(
            "Din organisation logger ind i Trafiklys med sit eget login. Brug knappen «{label}»."
        ),
    }
}

/// The step a schedule's field plans, as a sentence names it.
fn step_da(step: ScheduledStep) -> &'static str {
    match step {
        ScheduledStep::Open => "åbningen",
        ScheduledStep::Close => "lukningen",
        ScheduledStep::Publish => "offentliggørelsen",
    }
}

/// A refused schedule, as the round's page says it.
pub fn schedule_refusal_da(refusal: &ScheduleRefusal) -> String {
    match refusal {
        ScheduleRefusal::Unreadable { step, problem } => {
            format!("Tidspunktet for {}: {}", step_da(*step), problem.0)
        }
        ScheduleRefusal::InThePast { step } => format!(
            "Tidspunktet for {} er allerede passeret. Vælg et tidspunkt ude i fremtiden.",
            step_da(*step)
        ),
        ScheduleRefusal::OpensAfterDeadline { deadline } => format!(
            "Runden skal åbnes før fristen ({}), ellers har kommunerne ingen tid til at svare.",
            danish_datetime(*deadline)
        ),
        ScheduleRefusal::PublishedBeforeDeadline { deadline } => format!(
            "Resultaterne kan tidligst offentliggøres, når fristen ({}) er udløbet, så alle svar kommer med.",
            danish_datetime(*deadline)
        ),
        ScheduleRefusal::AlreadyPast { step, state } => format!(
            "Runden er «{}», så {} kan ikke planlægges.",
            state.label_da().to_lowercase(),
            step_da(*step)
        ),
    }
}

/// Why a code of the second step was not accepted.
pub fn code_refusal_da(refusal: CodeRefusal) -> &'static str {
    match refusal {
        CodeRefusal::Wrong => "Koden passer ikke. Skriv den kode på 6 cifre, som din app viser nu.",
        CodeRefusal::Replayed => {
            "Koden er allerede brugt. Vent på den næste kode i din app, og skriv den."
        }
    }
}

/// Why a council meeting's date was not kept, in Danish.
pub fn meeting_date_refusal_da(refusal: &MeetingDateRefusal) -> String {
    match refusal {
        MeetingDateRefusal::NotADate { shown } => format!(
            "Mødedatoen »{shown}« er ikke en dato; skriv den som dag, måned og år, fx 18.12.2017 eller 2017-12-18."
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{InvalidValue, MunicipalityCode};

    /// One of each variant. `variant` below matches exhaustively, so a new variant does not
    /// compile until it is numbered there, and the test fails until it is listed here.
    fn all() -> Vec<RoundRefusal> {
        let kkr_name = || "KKR Hovedstaden".to_owned();
        vec![
            RoundRefusal::YearTaken {
                kkr_name: kkr_name(),
                year: 2017,
            },
            RoundRefusal::NoEarlierRound {
                kkr_name: kkr_name(),
                year: 2016,
            },
            RoundRefusal::NoParticipants,
            RoundRefusal::NotOfKkr {
                code: MunicipalityCode::parse("851").unwrap(),
                kkr_name: kkr_name(),
            },
            RoundRefusal::HasForm {
                municipality: "Frederiksberg Kommune".into(),
            },
            RoundRefusal::NoDraftAfter {
                kkr_name: kkr_name(),
                year: 2017,
            },
            RoundRefusal::AreaAtEnd {
                number: 1,
                end: End::First,
            },
            RoundRefusal::AreaAtEnd {
                number: 3,
                end: End::Last,
            },
            RoundRefusal::AreaHasRecommendations { number: 2 },
            RoundRefusal::RecommendationAtEnd {
                code: "1.1".into(),
                end: End::First,
            },
            RoundRefusal::RecommendationHasAnswers { code: "2.3".into() },
            RoundRefusal::GroupNotOfKkr {
                kkr_name: kkr_name(),
            },
            RoundRefusal::Invalid(InvalidValue("Skriv anbefalingens tekst.".into())),
            RoundRefusal::Schedule(ScheduleRefusal::InThePast {
                step: ScheduledStep::Publish,
            }),
        ]
    }

    const VARIANTS: usize = 13;

    fn variant(refusal: &RoundRefusal) -> usize {
        match refusal {
            RoundRefusal::YearTaken { .. } => 0,
            RoundRefusal::NoEarlierRound { .. } => 1,
            RoundRefusal::NoParticipants => 2,
            RoundRefusal::NotOfKkr { .. } => 3,
            RoundRefusal::HasForm { .. } => 4,
            RoundRefusal::NoDraftAfter { .. } => 5,
            RoundRefusal::AreaAtEnd { .. } => 6,
            RoundRefusal::AreaHasRecommendations { .. } => 7,
            RoundRefusal::RecommendationAtEnd { .. } => 8,
            RoundRefusal::RecommendationHasAnswers { .. } => 9,
            RoundRefusal::Invalid(_) => 10,
            RoundRefusal::GroupNotOfKkr { .. } => 11,
            RoundRefusal::Schedule(_) => 12,
        }
    }

    #[test]
    fn every_round_refusal_has_a_danish_sentence() {
        let all = all();
        let mut seen: Vec<usize> = all.iter().map(variant).collect();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(
            seen,
            (0..VARIANTS).collect::<Vec<_>>(),
            "a variant is not listed"
        );
        // Words no Danish sentence here does without, and none of the type's English names.
        let danish = ["har", "står", "Vælg", "hører", "Skriv"];
        for refusal in &all {
            let text = round_refusal_da(refusal);
            assert!(text.ends_with('.'), "{refusal:?}: {text}");
            assert!(
                danish.iter().any(|w| text.contains(w)),
                "{refusal:?}: {text}"
            );
            assert!(!text.contains("Refusal") && !text.contains('{'), "{text}");
        }
    }

    #[test]
    fn a_move_past_the_end_names_the_end() {
        let first = RoundRefusal::AreaAtEnd {
            number: 1,
            end: End::First,
        };
        assert_eq!(
            round_refusal_da(&first),
            "Indsatsområde 1 står allerede først."
        );
        let last = RoundRefusal::RecommendationAtEnd {
            code: "2.4".into(),
            end: End::Last,
        };
        assert_eq!(
            round_refusal_da(&last),
            "Anbefaling 2.4 står allerede sidst i sit indsatsområde."
        );
    }
}
