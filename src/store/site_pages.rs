//! The installation's contact page and privacy notice: one row each in `site_pages`, their
//! fields as JSON, written by an installation admin with an audit row.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::audit::{self, AuditEntry};
use super::schema::site_pages;
use super::{write_tx, DbConnection};
use crate::domain::events::{self as ev, Event};

/// The contact page's fields (a field left out of a form is empty).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Contact {
    /// Who runs the installation, e.g. "KKR Hovedstaden".
    pub organisation: String,
    pub email: String,
    pub phone: String,
    /// Postal address; may be empty.
    pub address: String,
    /// When the phone is answered, e.g. "Hverdage kl. 9-15"; may be empty.
    pub hours: String,
    /// A link to the organisation's own site (https:// or http://); may be empty.
    pub link: String,
}

/// The privacy notice's fields (a field left out of a form is empty).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Privacy {
    /// The data controller (dataansvarlig).
    pub controller: String,
    pub email: String,
    /// May be empty.
    pub phone: String,
    /// The data protection officer's email (databeskyttelsesrådgiver); may be empty.
    pub dpo_email: String,
    /// How long the data is kept.
    pub retention: String,
    /// A link to the controller's full privacy policy (https:// or http://); may be empty.
    pub link: String,
}

/// A page's fields with when they were last saved.
#[derive(Debug, Clone)]
pub struct Stored<T> {
    pub content: T,
    pub updated_at: NaiveDateTime,
}

const CONTACT: &str = "contact";
const PRIVACY: &str = "privacy";

fn get<T: DeserializeOwned>(conn: &mut DbConnection, page: &str) -> QueryResult<Option<Stored<T>>> {
    let row: Option<(String, NaiveDateTime)> = site_pages::table
        .find(page)
        .select((site_pages::content, site_pages::updated_at))
        .get_result(conn)
        .optional()?;
    row.map(|(content, updated_at)| {
        serde_json::from_str(&content)
            .map(|content| Stored {
                content,
                updated_at,
            })
            .map_err(|e| diesel::result::Error::DeserializationError(Box::new(e)))
    })
    .transpose()
}

fn save<T: Serialize + DeserializeOwned>(
    conn: &mut DbConnection,
    page: &'static str,
    content: &T,
    actor_id: i32,
    now: NaiveDateTime,
) -> QueryResult<()> {
    let text = serde_json::to_string(content)
        .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?;
    write_tx(conn, |conn| {
        let before = get::<T>(conn, page)?;
        let values = (
            site_pages::content.eq(&text),
            site_pages::updated_at.eq(now),
            site_pages::updated_by.eq(Some(actor_id)),
        );
        if before.is_some() {
            diesel::update(site_pages::table.find(page))
                .set(values)
                .execute(conn)?;
        } else {
            diesel::insert_into(site_pages::table)
                .values((site_pages::page.eq(page), values))
                .execute(conn)?;
        }
        audit::record(
            conn,
            AuditEntry {
                user_id: Some(actor_id),
                entity_id: page.into(),
                event: Event::SitePage(ev::SitePageEvent::Update {
                    before: before.map(|b| json!(b.content)),
                    after: json!(content),
                }),
            },
            now,
        )
    })
}

/// The contact page, if an installation admin has written it.
pub fn contact(conn: &mut DbConnection) -> QueryResult<Option<Stored<Contact>>> {
    get(conn, CONTACT)
}

pub fn save_contact(
    conn: &mut DbConnection,
    contact: &Contact,
    actor_id: i32,
    now: NaiveDateTime,
) -> QueryResult<()> {
    save(conn, CONTACT, contact, actor_id, now)
}

/// The privacy notice, if an installation admin has written it.
pub fn privacy(conn: &mut DbConnection) -> QueryResult<Option<Stored<Privacy>>> {
    get(conn, PRIVACY)
}

pub fn save_privacy(
    conn: &mut DbConnection,
    privacy: &Privacy,
    actor_id: i32,
    now: NaiveDateTime,
) -> QueryResult<()> {
    save(conn, PRIVACY, privacy, actor_id, now)
}
