//! The words of the notices and planned reminders, in Danish: each names the round, the
//! municipality (or the KKR), the deadline in Copenhagen time and a link. Pure functions of
//! what the store hands them; `store::notices` queues them in the transaction of the change
//! that causes them, and the outbox's sender delivers them.

use chrono::NaiveDateTime;

use crate::domain::notices::Missing;
use crate::domain::time::danish_datetime;
use crate::domain::{official_name, Status};
use crate::mail::{OutgoingMail, RoundFacts};

/// Where a mail's links start: the public address without a trailing slash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Links {
    base: String,
}

impl Links {
    pub fn new(base: &str) -> Links {
        Links {
            base: base.trim().trim_end_matches('/').to_owned(),
        }
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// The form of a municipality in a round.
    pub fn form(&self, round_id: i32, code: &str) -> String {
        format!("{}/rounds/{round_id}/municipalities/{code}/form", self.base)
    }

    /// A municipality's page of a round.
    pub fn municipality(&self, round_id: i32, code: &str) -> String {
        format!("{}/rounds/{round_id}/municipalities/{code}", self.base)
    }

    pub fn attachment(&self, round_id: i32, code: &str) -> String {
        format!(
            "{}/rounds/{round_id}/municipalities/{code}/attachment.pdf",
            self.base
        )
    }

    pub fn agenda(&self, round_id: i32, code: &str) -> String {
        format!(
            "{}/rounds/{round_id}/municipalities/{code}/agenda",
            self.base
        )
    }

    pub fn round(&self, round_id: i32) -> String {
        format!("{}/rounds/{round_id}", self.base)
    }

    pub fn kkr_report(&self, round_id: i32) -> String {
        format!("{}/rounds/{round_id}/kkr-report.pdf", self.base)
    }

    pub fn account(&self) -> String {
        format!("{}/account", self.base)
    }
}

fn signature(round: &RoundFacts<'_>) -> String {
    format!("Venlig hilsen\nKKR-sekretariatet, {}\n", round.kkr_name)
}

fn opt_out_line(links: &Links) -> String {
    format!(
        "Du kan slå denne slags beskeder fra under «Min konto»: {}\n\n",
        links.account()
    )
}

/// A planned reminder to an editor of a municipality that has not submitted: the round's
/// opening (`opening`), or a reminder before or after the deadline, with what is missing.
pub fn planned_reminder_mail(
    round: RoundFacts<'_>,
    municipality: &str,
    missing: Missing,
    form_link: &str,
    opening: bool,
) -> OutgoingMail {
    let deadline = danish_datetime(round.deadline);
    let official = official_name(municipality);
    let (subject, opening_text) = if opening {
        (
            format!(
                "Statusrunden {} er åbnet: {municipality} skal indsende senest {deadline}",
                round.year
            ),
            format!(
                "{kkr} har åbnet statusrunden for {year}:\n«{title}».\n\n",
                kkr = round.kkr_name,
                year = round.year,
                title = round.title
            ),
        )
    } else {
        (
            format!("Påmindelse: statusskemaet for {municipality} skal indsendes senest {deadline}"),
            format!(
                "{kkr} har endnu ikke modtaget statusskemaet for {year} fra {official}:\n«{title}».\n\n",
                kkr = round.kkr_name,
                year = round.year,
                title = round.title
            ),
        )
    };
    OutgoingMail {
        subject,
        body: format!(
            "Kære kollega i {official}\n\n\
             {opening_text}\
             Fristen er {deadline}.\n\n\
             Det mangler: {missing}\n\n\
             Udfyld og indsend skemaet her:\n{form_link}\n\n\
             Er skemaet gemt som kladde, så husk at trykke «Indsend», når det er færdigt.\n\n\
             {signature}",
            missing = missing.sentence_da(),
            signature = signature(&round),
        ),
    }
}

/// The deadline moved: to each editor of a participating municipality, old and new.
pub fn deadline_moved_mail(
    round: RoundFacts<'_>,
    municipality: &str,
    old: NaiveDateTime,
    form_link: &str,
    links: &Links,
) -> OutgoingMail {
    let new = danish_datetime(round.deadline);
    let official = official_name(municipality);
    OutgoingMail {
        subject: format!("Ny frist for statusskemaet for {municipality}: {new}"),
        body: format!(
            "Kære kollega i {official}\n\n\
             {kkr} har flyttet fristen for statusrunden {year}:\n«{title}».\n\n\
             Tidligere frist: {old}\n\
             Ny frist: {new}\n\n\
             Skemaet for {official}:\n{form_link}\n\n\
             {opt_out}{signature}",
            kkr = round.kkr_name,
            year = round.year,
            title = round.title,
            old = danish_datetime(old),
            opt_out = opt_out_line(links),
            signature = signature(&round),
        ),
    }
}

/// A submitted form was reopened by the secretariat: to the municipality's editors, with the
/// reason.
pub fn reopened_mail(
    round: RoundFacts<'_>,
    municipality: &str,
    reason: &str,
    form_link: &str,
) -> OutgoingMail {
    let official = official_name(municipality);
    OutgoingMail {
        subject: format!("Statusskemaet for {municipality} er genåbnet"),
        body: format!(
            "Kære kollega i {official}\n\n\
             {kkr} har genåbnet {official}s indsendte statusskema for {year}:\n«{title}».\n\n\
             Begrundelse fra KKR-sekretariatet:\n{reason}\n\n\
             Skemaet er nu en kladde igen. Ret det, og indsend det på ny her:\n{form_link}\n\n\
             Rundens frist er {deadline}; et genåbnet skema kan indsendes, indtil runden lukkes.\n\n\
             {signature}",
            kkr = round.kkr_name,
            year = round.year,
            title = round.title,
            deadline = danish_datetime(round.deadline),
            signature = signature(&round),
        ),
    }
}

/// One answer as a receipt lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerLine {
    pub code: String,
    pub status: Option<Status>,
    pub comment: String,
    /// The evidence link, when the answer has one.
    pub evidence: Option<String>,
}

/// The receipt to the user who submitted a form: when, and a summary of the answers.
pub fn receipt_mail(
    round: RoundFacts<'_>,
    municipality: &str,
    submitter: &str,
    submitted_at: NaiveDateTime,
    answers: &[AnswerLine],
    page_link: &str,
    links: &Links,
) -> OutgoingMail {
    let official = official_name(municipality);
    let count = |s: Status| answers.iter().filter(|a| a.status == Some(s)).count();
    let counts = Status::ALL
        .iter()
        .map(|s| format!("{} {}: {}", s.label_da(), s.colour_da(), count(*s)))
        .collect::<Vec<_>>()
        .join("\n");
    let lines = answers
        .iter()
        .map(|a| {
            let status = a.status.map_or("ingen status", |s| s.colour_da());
            let line = if a.comment.trim().is_empty() {
                format!("{} {status}", a.code)
            } else {
                let comment: String = a.comment.trim().chars().take(200).collect();
                let more = if a.comment.trim().chars().count() > 200 {
                    " …"
                } else {
                    ""
                };
                format!("{} {status}: {comment}{more}", a.code)
            };
            match &a.evidence {
                Some(link) => format!("{line}\n   Dokumentation: {link}"),
                None => line,
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    OutgoingMail {
        subject: format!("Kvittering: statusskemaet for {municipality} er indsendt"),
        body: format!(
            "Kære {submitter}\n\n\
             {kkr} har modtaget statusskemaet for {official}, indsendt {at}:\n\
             statusrunden {year}, «{title}».\n\n\
             Sammenfatning af de {n} svar:\n{counts}\n\n\
             Svarene:\n{lines}\n\n\
             Fristen er {deadline}. Indtil da kan skemaet trækkes tilbage og rettes her:\n{page_link}\n\n\
             {opt_out}{signature}",
            kkr = round.kkr_name,
            at = danish_datetime(submitted_at),
            year = round.year,
            title = round.title,
            n = answers.len(),
            deadline = danish_datetime(round.deadline),
            opt_out = opt_out_line(links),
            signature = signature(&round),
        ),
    }
}

/// The round was published: to a reader (council secretary) of a participating municipality,
/// with the attachment and the agenda item's links.
pub fn published_mail_to_reader(
    round: RoundFacts<'_>,
    round_id: i32,
    municipality: &str,
    code: &str,
    links: &Links,
) -> OutgoingMail {
    let official = official_name(municipality);
    OutgoingMail {
        subject: format!(
            "Statusrunden {} er offentliggjort: bilag og dagsordenspunkt for {municipality} er klar",
            round.year
        ),
        body: format!(
            "Kære byrådssekretær i {official}\n\n\
             {kkr} har offentliggjort resultatet af statusrunden {year}:\n«{title}» (frist var {deadline}).\n\n\
             Bilaget til byrådets dagsorden (PDF):\n{attachment}\n\n\
             Udkast til dagsordenspunkt (Word eller tekst), med mødedato og sagsnummer:\n{agenda}\n\n\
             {official}s svar og resultatet for hele KKR:\n{page}\n\n\
             {opt_out}{signature}",
            kkr = round.kkr_name,
            year = round.year,
            title = round.title,
            deadline = danish_datetime(round.deadline),
            attachment = links.attachment(round_id, code),
            agenda = links.agenda(round_id, code),
            page = links.municipality(round_id, code),
            opt_out = opt_out_line(links),
            signature = signature(&round),
        ),
    }
}

/// The round was published: to a member of the KKR, with the dashboard and the KKR report.
pub fn published_mail_to_member(
    round: RoundFacts<'_>,
    round_id: i32,
    links: &Links,
) -> OutgoingMail {
    OutgoingMail {
        subject: format!(
            "Statusrunden {} for {} er offentliggjort",
            round.year, round.kkr_name
        ),
        body: format!(
            "Kære medlem af {kkr}\n\n\
             Resultatet af statusrunden {year} er offentliggjort:\n«{title}» (frist var {deadline}).\n\n\
             Kommunernes bilag og dagsordenspunkter er klar, og byrådssekretærerne har fået besked.\n\n\
             Rundens resultat for alle kommuner:\n{round_link}\n\n\
             KKR-rapporten (PDF):\n{report}\n\n\
             {opt_out}{signature}",
            kkr = round.kkr_name,
            year = round.year,
            title = round.title,
            deadline = danish_datetime(round.deadline),
            round_link = links.round(round_id),
            report = links.kkr_report(round_id),
            opt_out = opt_out_line(links),
            signature = signature(&round),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d)
            .unwrap()
            .and_hms_opt(h, min, 0)
            .unwrap()
    }

    fn round() -> RoundFacts<'static> {
        RoundFacts {
            kkr_name: "KKR Hovedstaden",
            year: 2017,
            title: "Status på anbefalinger",
            deadline: utc(2017, 12, 1, 22, 59),
        }
    }

    #[test]
    fn a_planned_reminder_says_what_is_missing_and_the_opening_says_the_round_opened() {
        let links = Links::new("https://t.example/");
        let link = links.form(2, "147");
        let mail = planned_reminder_mail(
            round(),
            "Frederiksberg",
            Missing::Draft {
                answered: 3,
                asked: 12,
            },
            &link,
            false,
        );
        assert_eq!(
            mail.subject,
            "Påmindelse: statusskemaet for Frederiksberg skal indsendes senest 1. december 2017 kl. 23.59"
        );
        assert!(mail.body.contains(
            "Det mangler: Skemaet er gemt som kladde med 3 af 12 anbefalinger besvaret."
        ));
        assert!(mail
            .body
            .contains("https://t.example/rounds/2/municipalities/147/form"));
        let opening = planned_reminder_mail(round(), "Dragør", Missing::NotStarted, &link, true);
        assert!(opening
            .subject
            .starts_with("Statusrunden 2017 er åbnet: Dragør"));
        assert!(opening
            .body
            .contains("KKR Hovedstaden har åbnet statusrunden for 2017"));
        assert!(opening.body.contains("Skemaet er ikke påbegyndt."));
        assert!(opening.body.contains("Kære kollega i Dragør Kommune"));
    }

    #[test]
    fn each_notice_names_round_municipality_deadline_and_link() {
        let links = Links::new("https://t.example");
        let moved = deadline_moved_mail(
            round(),
            "Gribskov",
            utc(2017, 11, 24, 22, 59),
            &links.form(2, "270"),
            &links,
        );
        assert!(moved
            .body
            .contains("Tidligere frist: 24. november 2017 kl. 23.59"));
        assert!(moved.body.contains("Ny frist: 1. december 2017 kl. 23.59"));
        assert!(moved.body.contains("/rounds/2/municipalities/270/form"));
        assert!(moved.body.contains("https://t.example/account"));

        let reopened = reopened_mail(round(), "Gribskov", "Svar 2.1 mangler en kommentar", "L");
        assert_eq!(reopened.subject, "Statusskemaet for Gribskov er genåbnet");
        assert!(reopened
            .body
            .contains("Begrundelse fra KKR-sekretariatet:\nSvar 2.1 mangler en kommentar"));

        let receipt = receipt_mail(
            round(),
            "Gribskov",
            "Emma",
            utc(2017, 11, 30, 10, 0),
            &[
                AnswerLine {
                    code: "1.1".into(),
                    status: Some(Status::Green),
                    comment: String::new(),
                    evidence: None,
                },
                AnswerLine {
                    code: "1.2".into(),
                    status: Some(Status::Red),
                    comment: "Ikke startet".into(),
                    evidence: None,
                },
            ],
            "L",
            &links,
        );
        assert!(receipt
            .body
            .contains("indsendt 30. november 2017 kl. 11.00"));
        assert!(receipt.body.contains("Igangsat efter planen grøn: 1"));
        assert!(receipt.body.contains("1.2 rød: Ikke startet"));

        let reader = published_mail_to_reader(round(), 2, "Gribskov", "270", &links);
        assert!(reader
            .body
            .contains("https://t.example/rounds/2/municipalities/270/attachment.pdf"));
        assert!(reader
            .body
            .contains("https://t.example/rounds/2/municipalities/270/agenda"));
        let member = published_mail_to_member(round(), 2, &links);
        assert!(member
            .body
            .contains("https://t.example/rounds/2/kkr-report.pdf"));
    }
}
