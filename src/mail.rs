//! Outgoing mail over SMTP (lettre): invitations, password resets and reminders (the texts of
//! the mails with a one-time link are in [`crate::account_mail`]).
//!
//! The server is given as a URL: `smtp://host:25` (plain), `smtp://user:pass@host:587?tls=required`
//! (STARTTLS) or `smtps://user:pass@host:465` (TLS from the start). Without one, the
//! application shows links on the page instead of mailing them.
//!
//! Nothing here is called while a request waits: mails are queued in the outbox
//! (`store::outbox`) and the sender (`crate::outbox`) calls [`Mailer::send`] on its own thread.

use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::{Message, SmtpTransport, Transport};

use crate::domain::time::danish_datetime;
use crate::domain::Round;

/// The sender when `TRAFIKLYS_MAIL_FROM` is not set.
pub const DEFAULT_FROM: &str = "Trafiklys <trafiklys@localhost>";

/// How long connecting, and each command's answer, may take when `TRAFIKLYS_SMTP_TIMEOUT_SECONDS`
/// is not set.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// What a failed attempt says about trying again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// The message can never be sent (a 5xx reply, an address that is not one).
    Permanent,
    /// The server answered but deferred it (a 4xx reply): try it again later.
    Transient,
    /// The server could not be reached or did not answer in time: try later, and leave the
    /// server alone for a while.
    Unreachable,
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("TRAFIKLYS_SMTP_URL is not usable: {0} (use smtp://host:25, smtp://user:password@host:587?tls=required or smtps://user:password@host:465)")]
    Url(String),
    #[error("«{0}» is not a usable mail address")]
    Address(String),
    #[error("could not build the message: {0}")]
    Build(#[from] lettre::error::Error),
    #[error("the mail server did not take the message: {0}")]
    Transport(#[from] lettre::transport::smtp::Error),
}

impl MailError {
    /// Whether trying again may help, and whether the server itself is the problem.
    pub fn failure(&self) -> Failure {
        match self {
            MailError::Url(_) | MailError::Address(_) | MailError::Build(_) => Failure::Permanent,
            MailError::Transport(e) if e.is_permanent() => Failure::Permanent,
            MailError::Transport(e) if e.is_transient() => Failure::Transient,
            MailError::Transport(_) => Failure::Unreachable,
        }
    }
}

/// A message before it is addressed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct OutgoingMail {
    pub subject: String,
    pub body: String,
}

/// The configured mail server and sender.
#[derive(Clone)]
pub struct Mailer {
    transport: SmtpTransport,
    from: Mailbox,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The transport holds the credentials: never print it.
        f.debug_struct("Mailer").field("from", &self.from).finish()
    }
}

impl Mailer {
    /// The server at `url`, with `timeout` for connecting and for each command's answer.
    pub fn from_url(url: &str, from: &str, timeout: Duration) -> Result<Mailer, MailError> {
        let transport = SmtpTransport::from_url(url.trim())
            .map_err(|e| MailError::Url(e.to_string()))?
            .timeout(Some(timeout))
            .build();
        let from = from
            .parse::<Mailbox>()
            .map_err(|_| MailError::Address(from.to_owned()))?;
        Ok(Mailer { transport, from })
    }

    /// Sends one message to one recipient (blocking, for up to a few timeouts: only the
    /// outbox's sender calls it).
    pub fn send(&self, to: &str, mail: &OutgoingMail) -> Result<(), MailError> {
        let to = to
            .parse::<Mailbox>()
            .map_err(|_| MailError::Address(to.to_owned()))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject.as_str())
            .header(ContentType::TEXT_PLAIN)
            .body(mail.body.clone())?;
        self.transport.send(&message)?;
        Ok(())
    }
}

/// What a reminder says about its round.
#[derive(Debug, Clone, Copy)]
pub struct RoundFacts<'a> {
    pub kkr_name: &'a str,
    pub year: i32,
    pub title: &'a str,
    /// UTC.
    pub deadline: chrono::NaiveDateTime,
}

impl<'a> From<&'a Round> for RoundFacts<'a> {
    fn from(round: &'a Round) -> Self {
        RoundFacts {
            kkr_name: &round.kkr_name,
            year: round.year,
            title: &round.title,
            deadline: round.deadline,
        }
    }
}

/// The reminder to a municipality's editor who has not submitted the form.
pub fn reminder_mail(
    round: RoundFacts<'_>,
    municipality_name: &str,
    form_link: &str,
) -> OutgoingMail {
    let deadline = danish_datetime(round.deadline);
    OutgoingMail {
        subject: format!(
            "Påmindelse: statusskemaet for {municipality_name} skal indsendes senest {deadline}"
        ),
        body: format!(
            "Kære kollega i {official}\n\n\
             {kkr} har endnu ikke modtaget statusskemaet for {year} fra {official}:\n\
             «{title}».\n\n\
             Fristen er {deadline}.\n\n\
             Udfyld og indsend skemaet her:\n{form_link}\n\n\
             Er skemaet gemt som kladde, så husk at trykke «Indsend», når det er færdigt.\n\n\
             Venlig hilsen\nKKR-sekretariatet, {kkr}\n",
            kkr = round.kkr_name,
            official = crate::domain::official_name(municipality_name),
            year = round.year,
            title = round.title,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> chrono::NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d)
            .unwrap()
            .and_hms_opt(h, min, 0)
            .unwrap()
    }

    #[test]
    fn a_reminder_names_the_deadline_in_copenhagen_time_and_links_the_form() {
        let round = RoundFacts {
            kkr_name: "KKR Hovedstaden",
            year: 2017,
            title: "Status på anbefalinger",
            // 22:59 UTC is 23:59 in Copenhagen in winter.
            deadline: utc(2017, 12, 1, 22, 59),
        };
        let link = "https://trafiklys.example/rounds/2/municipalities/147/form";
        let mail = reminder_mail(round, "Frederiksberg", link);
        assert_eq!(
            mail.subject,
            "Påmindelse: statusskemaet for Frederiksberg skal indsendes senest 1. december 2017 kl. 23.59"
        );
        assert!(mail.body.contains("Fristen er 1. december 2017 kl. 23.59."));
        assert!(mail.body.contains(link));
        assert!(mail
            .body
            .contains("KKR Hovedstaden har endnu ikke modtaget statusskemaet for 2017 fra Frederiksberg Kommune"));
    }

    #[test]
    fn the_smtp_url_decides_plain_starttls_or_tls() {
        for url in [
            "smtp://127.0.0.1:2525",
            "smtp://user:secret@mail.example:587?tls=required",
            "smtps://user:secret@mail.example",
        ] {
            assert!(
                Mailer::from_url(url, DEFAULT_FROM, DEFAULT_TIMEOUT).is_ok(),
                "{url}"
            );
        }
        assert!(matches!(
            Mailer::from_url("http://mail.example", DEFAULT_FROM, DEFAULT_TIMEOUT),
            Err(MailError::Url(_))
        ));
        assert!(matches!(
            Mailer::from_url("smtp://mail.example", "not an address", DEFAULT_TIMEOUT),
            Err(MailError::Address(_))
        ));
        let debug = format!(
            "{:?}",
            Mailer::from_url(
                "smtps://user:secret@mail.example",
                DEFAULT_FROM,
                DEFAULT_TIMEOUT
            )
            .unwrap()
        );
        assert!(!debug.contains("secret"));
    }
}
