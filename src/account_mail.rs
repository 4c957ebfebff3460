//! The mails about a person's own account, each carrying a one-time link to choose a
//! password: an invitation, an admin's reset, and the link asked for on "Glemt adgangskode?".
//!
//! An invitation names the person, their role, their municipality, the KKR, and whom to ask
//! (the KKR's admins by name and address, and the installation's contact page), since it is
//! the first the person hears of Trafiklys. Pure: the store gathers [`LinkMailFacts`] in the
//! transaction that makes the link.

use chrono::NaiveDateTime;

use crate::domain::time::danish_datetime;
use crate::domain::Role;
use crate::mail::OutgoingMail;
use crate::store::invitations::Purpose;

/// A KKR admin to contact about one's account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    pub name: String,
    pub email: String,
}

/// What a link's mail says about the person it goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkMailFacts {
    /// The person's name; the email address while no name is given.
    pub name: String,
    pub email: String,
    pub role: Role,
    /// The municipality's name ("Frederiksberg"), for a municipal role.
    pub municipality: Option<String>,
    /// The KKR's name ("KKR Hovedstaden").
    pub kkr: Option<String>,
    /// The KKR's active admins (the secretariat), other than the person.
    pub contacts: Vec<Contact>,
}

/// Where the mail's links point.
#[derive(Debug, Clone, Copy)]
pub struct Links<'a> {
    /// The one-time link.
    pub link: &'a str,
    /// The installation's contact page.
    pub contact_page: &'a str,
}

/// "Kære Anne Hansen" or, while the name is only the address, "Kære kollega".
fn greeting(facts: &LinkMailFacts) -> String {
    if facts.name.trim().is_empty() || facts.name == facts.email {
        "Kære kollega".to_owned()
    } else {
        format!("Kære {}", facts.name)
    }
}

/// "kommunal medarbejder for Frederiksberg Kommune i KKR Hovedstaden".
fn role_phrase(facts: &LinkMailFacts) -> String {
    let kkr = facts.kkr.as_deref().unwrap_or("KKR");
    let municipality = facts
        .municipality
        .as_deref()
        .map(crate::domain::official_name)
        .unwrap_or_else(|| "din kommune".to_owned());
    match facts.role {
        Role::Admin => format!("administrator i sekretariatet for {kkr}"),
        Role::Kkr => format!("medlem af {kkr}"),
        Role::Editor => format!("kommunal medarbejder for {municipality} i {kkr}"),
        Role::Reader => format!("byrådssekretær for {municipality} i {kkr}"),
    }
}

/// What the role lets the person do, in a sentence.
fn role_does(role: Role) -> &'static str {
    match role {
        Role::Admin => "Du opretter statusrunder og brugere og følger alle kommunernes svar.",
        Role::Kkr => "Du læser KKR'ens resultater og de indsendte svar.",
        Role::Editor => "Du udfylder og indsender din kommunes statusskema, når en runde er åben.",
        Role::Reader => "Du henter din kommunes svar, bilag og dagsordenspunkt til byrådet.",
    }
}

/// Whom to ask: the KKR's admins by name and address, and the contact page.
fn contact_block(facts: &LinkMailFacts, links: Links<'_>) -> String {
    let kkr = facts.kkr.as_deref().unwrap_or("KKR");
    let mut text = format!("Har du spørgsmål, så kontakt sekretariatet for {kkr}:\n");
    if !facts.contacts.is_empty() {
        for c in &facts.contacts {
            text.push_str(&format!("- {} <{}>\n", c.name, c.email));
        }
        text.push_str("eller se ");
    }
    text.push_str(&format!("kontaktsiden: {}\n", links.contact_page));
    text
}

/// The mail with a one-time link to choose a password, as its purpose says.
pub fn link_mail(
    facts: &LinkMailFacts,
    purpose: Purpose,
    links: Links<'_>,
    expires_at: NaiveDateTime,
) -> OutgoingMail {
    let expires = danish_datetime(expires_at);
    let hello = greeting(facts);
    let contact = contact_block(facts, links);
    let link = links.link;
    let kkr = facts.kkr.as_deref().unwrap_or("KKR-sekretariatet");
    match purpose {
        Purpose::Invite => OutgoingMail {
            subject: format!("Du er inviteret til Trafiklys som {}", role_phrase(facts)),
            body: format!(
                "{hello}\n\n\
                 {kkr} har oprettet dig som bruger af Trafiklys, hvor kommunerne melder status \
                 på KKR's anbefalinger. Du er {role_phrase} (rollen «{label}») med e-mailen \
                 {email}.\n\
                 {does}\n\n\
                 Vælg din adgangskode her:\n{link}\n\n\
                 Linket virker én gang og udløber {expires}. Er det udløbet, så bed \
                 sekretariatet om en ny invitation.\n\n\
                 {contact}\n\
                 Venlig hilsen\n{kkr}\n",
                role_phrase = role_phrase(facts),
                email = facts.email,
                label = facts.role.label_da(),
                does = role_does(facts.role),
            ),
        },
        Purpose::Reset => OutgoingMail {
            subject: "Ny adgangskode til Trafiklys".to_owned(),
            body: format!(
                "{hello}\n\n\
                 Sekretariatet har nulstillet din adgangskode til Trafiklys, hvor du er \
                 {role_phrase}. Din gamle adgangskode virker ikke længere.\n\n\
                 Vælg en ny adgangskode her:\n{link}\n\n\
                 Linket virker én gang og udløber {expires}.\n\n\
                 {contact}\n\
                 Venlig hilsen\n{kkr}\n",
                role_phrase = role_phrase(facts),
            ),
        },
        Purpose::Forgotten => OutgoingMail {
            subject: "Link til ny adgangskode til Trafiklys".to_owned(),
            body: format!(
                "{hello}\n\n\
                 Nogen har bedt om et link til en ny adgangskode til Trafiklys for {email}.\n\n\
                 Vælg en ny adgangskode her:\n{link}\n\n\
                 Linket virker én gang og udløber {expires}. Din nuværende adgangskode virker, \
                 indtil du har valgt en ny. Har du ikke selv bedt om linket, så se bort fra \
                 denne mail.\n\n\
                 {contact}\n\
                 Venlig hilsen\n{kkr}\n",
                email = facts.email,
            ),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn facts() -> LinkMailFacts {
        LinkMailFacts {
            name: "Emma Hansen".into(),
            email: "emma@frederiksberg.dk".into(),
            role: Role::Editor,
            municipality: Some("Frederiksberg".into()),
            kkr: Some("KKR Hovedstaden".into()),
            contacts: vec![Contact {
                name: "Anne Admin".into(),
                email: "anne@kkr.dk".into(),
            }],
        }
    }

    fn links() -> Links<'static> {
        Links {
            link: "https://x.example/invitation/abc",
            contact_page: "https://x.example/kontakt",
        }
    }

    fn at() -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 12, 1)
            .unwrap()
            .and_hms_opt(11, 0, 0)
            .unwrap()
    }

    #[test]
    fn an_invitation_names_the_person_role_municipality_kkr_and_whom_to_ask() {
        let mail = link_mail(&facts(), Purpose::Invite, links(), at());
        assert_eq!(
            mail.subject,
            "Du er inviteret til Trafiklys som kommunal medarbejder for Frederiksberg Kommune i KKR Hovedstaden"
        );
        assert!(mail.body.starts_with("Kære Emma Hansen\n"));
        assert!(mail.body.contains("KKR Hovedstaden har oprettet dig"));
        assert!(mail
            .body
            .contains("Du er kommunal medarbejder for Frederiksberg Kommune i KKR Hovedstaden (rollen «Kommunal medarbejder») med e-mailen emma@frederiksberg.dk."));
        assert!(mail.body.contains("https://x.example/invitation/abc"));
        assert!(mail.body.contains("udløber 1. december 2026 kl. 12.00"));
        assert!(mail.body.contains("- Anne Admin <anne@kkr.dk>"));
        assert!(mail.body.contains("https://x.example/kontakt"));
    }

    #[test]
    fn a_name_that_is_only_the_address_is_not_used_as_a_greeting() {
        let mut f = facts();
        f.name = f.email.clone();
        f.role = Role::Kkr;
        f.municipality = None;
        let mail = link_mail(&f, Purpose::Invite, links(), at());
        assert!(mail.body.starts_with("Kære kollega\n"), "{}", mail.body);
        assert!(
            mail.subject.ends_with("som medlem af KKR Hovedstaden"),
            "{}",
            mail.subject
        );
    }

    #[test]
    fn a_reset_and_a_forgotten_password_say_what_happens_to_the_old_password() {
        let reset = link_mail(&facts(), Purpose::Reset, links(), at());
        assert!(reset
            .body
            .contains("Din gamle adgangskode virker ikke længere"));
        let forgotten = link_mail(&facts(), Purpose::Forgotten, links(), at());
        assert!(forgotten
            .body
            .contains("Din nuværende adgangskode virker, indtil du har valgt en ny"));
        assert!(forgotten.body.contains("https://x.example/invitation/abc"));
    }
}
