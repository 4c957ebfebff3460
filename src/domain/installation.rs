//! The installation's own pages (the accessibility statement, the contact page and the
//! privacy notice): who may edit them, and the links they may hold.
//!
//! These pages belong to the installation, not to one KKR: on an installation shared by
//! several KKRs, only an installation admin (an admin with the installation flag) edits them.

use serde::{Deserialize, Serialize};

use super::model::{Role, User};

/// The statement's fields as the page shows and the edit form takes them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Statement {
    /// The public body responsible for the site.
    pub organisation: String,
    /// The site's address.
    pub website: String,
    /// `fuldt`, `delvist` or `ikke`: how far the site meets EN 301 549 / WCAG 2.1 AA.
    pub compliance: String,
    /// Content that is not accessible, and why (one item per line).
    pub nonaccessible: String,
    /// `selv`, `ekstern` or `anden`: who evaluated the site.
    pub evaluation_method: String,
    pub evaluation_description: String,
    /// A link to an evaluation report; may be empty.
    pub evaluation_report_url: String,
    /// Written and telephone feedback: both are required by the rules.
    pub contact_email: String,
    pub contact_phone: String,
    /// When the statement was first prepared, and last reviewed (YYYY-MM-DD).
    pub prepared_on: String,
    pub reviewed_on: String,
}

/// Whether `user` may edit the installation's pages: an admin whose account carries the
/// installation flag (`installation_admin`, as stored).
pub fn can_edit_installation_pages(user: &User, installation_admin: bool) -> bool {
    user.role == Role::Admin && installation_admin
}

/// The longest link a page takes.
pub const LINK_MAX_CHARS: usize = 300;

/// Why a link was refused (the page says it in Danish).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkRefusal {
    /// Not an `https://` or `http://` address (`javascript:`, `data:`, `mailto:`, a bare name).
    NotWeb,
    /// No host after the scheme, or spaces, quotes, angle brackets or control characters.
    Malformed,
    TooLong,
}

/// A link a page may show as `href`: `https://` or `http://` (in any case) and a host, with no
/// spaces, quotes, angle brackets, backslashes or control characters; trimmed.
pub fn parse_link(raw: &str) -> Result<String, LinkRefusal> {
    let link = raw.trim();
    if link.chars().count() > LINK_MAX_CHARS {
        return Err(LinkRefusal::TooLong);
    }
    let lower = link.to_ascii_lowercase();
    // ASCII lower-casing keeps byte offsets, so the scheme's length cuts `link` alike.
    let rest = if lower.starts_with("https://") {
        &link["https://".len()..]
    } else if lower.starts_with("http://") {
        &link["http://".len()..]
    } else {
        return Err(LinkRefusal::NotWeb);
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    let bad = |c: char| {
        c.is_whitespace() || c.is_control() || matches!(c, '"' | '\'' | '<' | '>' | '\\' | '`')
    };
    if host.is_empty() || host.starts_with(['.', '@', ':']) || link.chars().any(bad) {
        return Err(LinkRefusal::Malformed);
    }
    Ok(link.to_owned())
}

/// An optional link: empty input is no link.
pub fn parse_optional_link(raw: &str) -> Result<Option<String>, LinkRefusal> {
    if raw.trim().is_empty() {
        Ok(None)
    } else {
        parse_link(raw).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn only_web_addresses_are_links() {
        assert_eq!(
            parse_link(" https://kkr.dk/rapport.pdf ").unwrap(),
            "https://kkr.dk/rapport.pdf"
        );
        assert!(parse_link("HTTP://kkr.dk").is_ok());
        for (raw, refusal) in [
            ("javascript:alert(1)", LinkRefusal::NotWeb),
            ("JavaScript:alert(1)", LinkRefusal::NotWeb),
            (
                "  javascript:alert(document.cookie)//https://",
                LinkRefusal::NotWeb,
            ),
            ("data:text/html,<script>", LinkRefusal::NotWeb),
            ("vbscript:x", LinkRefusal::NotWeb),
            ("//evil.example", LinkRefusal::NotWeb),
            ("kkr.dk", LinkRefusal::NotWeb),
            ("https://", LinkRefusal::Malformed),
            ("https:///sti", LinkRefusal::Malformed),
            ("https://kkr.dk/\" onmouseover=\"x", LinkRefusal::Malformed),
            ("https://kkr.dk/a b", LinkRefusal::Malformed),
            ("https://kkr.dk/\u{0}", LinkRefusal::Malformed),
        ] {
            assert_eq!(parse_link(raw), Err(refusal), "{raw}");
        }
        assert_eq!(
            parse_link(&format!("https://kkr.dk/{}", "a".repeat(300))),
            Err(LinkRefusal::TooLong)
        );
        assert_eq!(parse_optional_link("  "), Ok(None));
    }

    #[test]
    fn only_an_admin_with_the_installation_flag_edits_the_installation_pages() {
        let user = |role| User {
            id: 1,
            email: "a@kkr.dk".into(),
            name: "A".into(),
            role,
            kkr_id: Some(1),
            municipality_code: None,
        };
        assert!(can_edit_installation_pages(&user(Role::Admin), true));
        assert!(!can_edit_installation_pages(&user(Role::Admin), false));
        assert!(!can_edit_installation_pages(&user(Role::Kkr), true));
    }

    proptest! {
        #[test]
        fn an_accepted_link_starts_with_a_web_scheme_and_holds_no_quote_or_space(raw in "\\PC{0,40}|(https?|javascript|HTTPS):[ -~]{0,30}") {
            if let Ok(link) = parse_link(&raw) {
                let lower = link.to_ascii_lowercase();
                prop_assert!(lower.starts_with("https://") || lower.starts_with("http://"));
                prop_assert!(!link.contains(['"', '<', '>', ' ', '\'']));
            }
        }
    }
}
