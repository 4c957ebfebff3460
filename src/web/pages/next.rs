//! Where to go after sign-in: the `next` parameter, accepted only as a path on this site.
//!
//! Browsers are forgiving about URLs in ways that turn a harmless-looking path into another
//! site: they drop tabs and new lines (`/\t/evil.example` becomes `//evil.example`), read a
//! backslash as a slash, and follow a scheme-relative `//host`. A header value may also not
//! hold control characters at all. So a `next` value is taken only when it is plainly a local
//! path, both as given and once percent-decoded; anything else sends the user to `/`.

/// The longest `next` path followed; longer ones are not links our pages make.
const MAX_LEN: usize = 2048;

/// A path on this site, safe to put in a `Location` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalPath(String);

impl LocalPath {
    /// The site's front page.
    pub fn root() -> LocalPath {
        LocalPath("/".to_owned())
    }

    /// Accepts a path that starts with one `/`, holds only visible ASCII (no control
    /// characters, whitespace or non-ASCII: our own links are percent-encoded), no backslash,
    /// no empty segment (`//`) and no `.` or `..` segment, both as given and after one round
    /// of percent-decoding.
    pub fn parse(raw: &str) -> Option<LocalPath> {
        if raw.len() > MAX_LEN || !raw.bytes().all(|b| b.is_ascii_graphic()) {
            return None;
        }
        if !is_plain_path(raw) {
            return None;
        }
        let decoded = percent_encoding::percent_decode_str(raw).collect::<Vec<u8>>();
        if !decoded
            .iter()
            .all(|b| !b.is_ascii_control() && !b.is_ascii_whitespace())
        {
            return None;
        }
        let decoded = String::from_utf8_lossy(&decoded);
        if decoded.chars().any(char::is_whitespace) || !is_plain_path(&decoded) {
            return None;
        }
        Some(LocalPath(raw.to_owned()))
    }

    /// The parsed path, or `/` for a missing or unsafe one.
    pub fn or_root(raw: Option<&str>) -> LocalPath {
        raw.and_then(LocalPath::parse)
            .unwrap_or_else(LocalPath::root)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// A path that starts with `/`, without backslashes, empty segments or dot segments. The
/// query string (after `?`) may hold anything but a backslash.
fn is_plain_path(text: &str) -> bool {
    if !text.starts_with('/') || text.contains('\\') {
        return false;
    }
    let path = text.split(['?', '#']).next().unwrap_or("");
    if path.contains("//") {
        return false;
    }
    !path
        .split('/')
        .any(|segment| segment == "." || segment == "..")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn next(raw: &str) -> String {
        LocalPath::or_root(Some(raw)).into_string()
    }

    #[test]
    fn local_paths_are_followed() {
        assert_eq!(next("/rounds/2"), "/rounds/2");
        assert_eq!(
            next("/rounds/2/municipalities/147/form?gemt=kladde"),
            "/rounds/2/municipalities/147/form?gemt=kladde"
        );
        assert_eq!(next("/"), "/");
        assert_eq!(LocalPath::or_root(None).as_str(), "/");
    }

    #[test]
    fn other_sites_and_header_breaking_values_send_the_user_home() {
        for bad in [
            "//evil.example",
            "https://evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "/\t/evil.example",
            "/\n/x",
            "/\r/x",
            "/\r\nSet-Cookie: x=1",
            "/ /evil.example",
            "/%09/evil.example",
            "/%2F/evil.example",
            "/%2f%2fevil.example",
            "/%5Cevil.example",
            "/%0d%0aSet-Cookie:%20x",
            "/./evil",
            "/../etc",
            "/a//b",
            "/\u{0}",
            "/\u{7f}",
            "/æ",
            "/\u{2028}",
            "evil.example",
            "",
        ] {
            assert_eq!(next(bad), "/", "{bad:?} was followed");
        }
    }

    proptest! {
        #[test]
        fn whatever_is_accepted_is_a_local_path_a_header_can_carry(raw in "\\PC{0,40}|/[ -~\t\n\r]{0,40}|/[%/\\\\a-z0-9.]{0,20}") {
            let path = LocalPath::or_root(Some(&raw));
            let text = path.as_str();
            prop_assert!(text.starts_with('/'));
            prop_assert!(!text.starts_with("//"));
            prop_assert!(!text.contains('\\'));
            prop_assert!(text.bytes().all(|b| b.is_ascii_graphic()));
            prop_assert!(actix_web::http::header::HeaderValue::from_str(text).is_ok());
            let decoded = percent_encoding::percent_decode_str(text).decode_utf8_lossy();
            let decoded_path = decoded.split(['?', '#']).next().unwrap_or("");
            prop_assert!(!decoded_path.contains("//"), "{decoded}");
            prop_assert!(!decoded.contains('\\'));
            prop_assert!(!decoded.chars().any(|c| c.is_control() || c.is_whitespace()));
            if text != "/" {
                prop_assert_eq!(text, raw.as_str(), "an accepted path is kept as given");
            }
        }

        #[test]
        fn every_plain_local_path_is_kept(segments in proptest::collection::vec("[a-zA-Z0-9_-]{1,12}", 0..6), query in proptest::option::of("[a-z]{1,8}=[a-z0-9]{0,8}")) {
            let mut raw = format!("/{}", segments.join("/"));
            if let Some(q) = query {
                raw.push('?');
                raw.push_str(&q);
            }
            prop_assert_eq!(next(&raw), raw);
        }
    }
}
