//! The second step of a password sign-in: time-based one-time codes (TOTP, RFC 6238, with
//! HMAC-SHA1, 6 digits and 30-second steps as authenticator apps use them), the secret as
//! base32 and as an `otpauth://` QR code, and recovery codes (stored as SHA-256 hashes).
//!
//! Pure functions: the caller passes the time (the app clock) and the last step a code was
//! accepted for, and stores the step this returns.

use hmac::{Hmac, Mac};
use rand::rngs::OsRng;
use rand::RngCore;
use sha1::Sha1;
use sha2::{Digest, Sha256};

/// Seconds per time step.
pub const STEP_SECONDS: i64 = 30;
/// Digits of a code.
pub const DIGITS: usize = 6;
/// Bytes of a new secret (160 bits, as RFC 4226 recommends).
const SECRET_BYTES: usize = 20;
/// How many recovery codes a user gets.
pub const RECOVERY_CODES: usize = 10;

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// A TOTP secret, kept as its base32 text (how it is stored and typed into an app).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// A new random secret.
    pub fn generate() -> Secret {
        let mut bytes = [0u8; SECRET_BYTES];
        OsRng.fill_bytes(&mut bytes);
        Secret(base32_encode(&bytes))
    }

    /// A stored secret; `None` for text that is not base32.
    pub fn from_base32(text: &str) -> Option<Secret> {
        let text = text.trim().to_ascii_uppercase();
        base32_decode(&text).map(|_| Secret(text))
    }

    pub fn as_base32(&self) -> &str {
        &self.0
    }

    /// The secret in groups of four, easier to type by hand.
    pub fn grouped(&self) -> String {
        self.0
            .as_bytes()
            .chunks(4)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn bytes(&self) -> Vec<u8> {
        base32_decode(&self.0).unwrap_or_default()
    }

    /// The code for a time step.
    pub fn code_at_step(&self, step: i64) -> String {
        hotp(&self.bytes(), step.max(0) as u64)
    }

    /// The `otpauth://` URI an authenticator app reads from the QR code.
    pub fn otpauth_uri(&self, issuer: &str, account: &str) -> String {
        let enc = |s: &str| {
            percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
        };
        format!(
            "otpauth://totp/{}:{}?secret={}&issuer={}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}",
            enc(issuer),
            enc(account),
            self.0,
            enc(issuer)
        )
    }
}

/// The time step of a moment (seconds since 1970).
pub fn step_at(unix_seconds: i64) -> i64 {
    unix_seconds.div_euclid(STEP_SECONDS)
}

/// Why a code was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeRefusal {
    /// Not the code of this step or of the steps either side.
    Wrong,
    /// The code of a step a code was already accepted for (or of an earlier one).
    Replayed,
}

/// Checks a typed code at `unix_seconds`: the code of the current step or of one step either
/// side (clock skew) is accepted, unless a code was already accepted for that step or a later
/// one (`last_step`). Returns the step the code belonged to, to be stored as the new
/// `last_step`.
pub fn verify(
    secret: &Secret,
    typed: &str,
    unix_seconds: i64,
    last_step: i64,
) -> Result<i64, CodeRefusal> {
    let typed: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
    if typed.len() != DIGITS || !typed.chars().all(|c| c.is_ascii_digit()) {
        return Err(CodeRefusal::Wrong);
    }
    let now = step_at(unix_seconds);
    let matched = [now - 1, now, now + 1].into_iter().find(|&step| {
        let expected = secret.code_at_step(step);
        bool::from(subtle::ConstantTimeEq::ct_eq(
            expected.as_bytes(),
            typed.as_bytes(),
        ))
    });
    match matched {
        Some(step) if step <= last_step => Err(CodeRefusal::Replayed),
        Some(step) => Ok(step),
        None => Err(CodeRefusal::Wrong),
    }
}

/// HOTP (RFC 4226): the dynamically truncated HMAC-SHA1 of the counter, as `DIGITS` digits.
fn hotp(key: &[u8], counter: u64) -> String {
    let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(key) else {
        // HMAC takes a key of any length; this cannot happen.
        return String::new();
    };
    mac.update(&counter.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest[digest.len() - 1] & 0x0f);
    let binary = (u32::from(digest[offset] & 0x7f) << 24)
        | (u32::from(digest[offset + 1]) << 16)
        | (u32::from(digest[offset + 2]) << 8)
        | u32::from(digest[offset + 3]);
    format!(
        "{:0width$}",
        binary % 10u32.pow(DIGITS as u32),
        width = DIGITS
    )
}

fn base32_encode(bytes: &[u8]) -> String {
    let mut out = String::new();
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &b in bytes {
        buffer = (buffer << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(BASE32[((buffer >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(BASE32[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let (mut buffer, mut bits) = (0u32, 0u32);
    for c in text.bytes().filter(|&c| c != b'=') {
        let value = BASE32.iter().position(|&b| b == c)? as u32;
        buffer = (buffer << 5) | value;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push(((buffer >> bits) & 0xff) as u8);
        }
    }
    (!out.is_empty()).then_some(out)
}

/// New recovery codes, shown to the user once: ten groups of 4-4 letters and digits from an
/// alphabet without look-alikes (about 50 bits each).
pub fn new_recovery_codes() -> Vec<String> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    (0..RECOVERY_CODES)
        .map(|_| {
            let mut bytes = [0u8; 10];
            OsRng.fill_bytes(&mut bytes);
            let chars: String = bytes
                .iter()
                .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
                .collect();
            format!("{}-{}", &chars[..5], &chars[5..])
        })
        .collect()
}

/// A recovery code as typed, in the form it was hashed in: lower case, no spaces or dashes.
pub fn normalise_recovery_code(typed: &str) -> String {
    typed
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The stored form of a recovery code (hex SHA-256 of the normalised code).
pub fn hash_recovery_code(code: &str) -> String {
    Sha256::digest(normalise_recovery_code(code).as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The QR code of `text` as an SVG image (black modules on white, a quiet zone of 4), with
/// a text alternative for screen readers.
pub fn qr_svg(text: &str, label: &str) -> Option<String> {
    use qrcodegen::{QrCode, QrCodeEcc};
    let qr = QrCode::encode_text(text, QrCodeEcc::Medium).ok()?;
    let border = 4;
    let size = qr.size() + 2 * border;
    let mut path = String::new();
    for y in 0..qr.size() {
        for x in 0..qr.size() {
            if qr.get_module(x, y) {
                path.push_str(&format!("M{},{}h1v1h-1z", x + border, y + border));
            }
        }
    }
    let label = label
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('"', "&quot;");
    Some(format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {size} {size}\" width=\"240\" height=\"240\" role=\"img\" aria-label=\"{label}\" shape-rendering=\"crispEdges\"><rect width=\"100%\" height=\"100%\" fill=\"#fff\"/><path d=\"{path}\" fill=\"#000\"/></svg>"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238, appendix B: the SHA-1 key "12345678901234567890", 8 digits there; the last
    /// six of each value are what 6 digits give.
    #[test]
    fn the_rfc_6238_test_vectors_give_their_codes() {
        let secret = Secret(base32_encode(b"12345678901234567890"));
        for (time, eight) in [
            (59, "94287082"),
            (1111111109, "07081804"),
            (1111111111, "14050471"),
            (1234567890, "89005924"),
            (2000000000, "69279037"),
            (20000000000, "65353130"),
        ] {
            assert_eq!(secret.code_at_step(step_at(time)), &eight[2..], "{time}");
        }
    }

    #[test]
    fn base32_goes_there_and_back() {
        assert_eq!(base32_encode(b"foobar"), "MZXW6YTBOI");
        assert_eq!(base32_decode("MZXW6YTBOI").unwrap(), b"foobar");
        let secret = Secret::generate();
        assert_eq!(secret.as_base32().len(), 32);
        assert_eq!(Secret::from_base32(secret.as_base32()), Some(secret));
        assert_eq!(Secret::from_base32("not base32!"), None);
    }

    #[test]
    fn one_step_of_skew_is_accepted_two_are_not_and_no_step_twice() {
        let secret = Secret::generate();
        let now = 1_700_000_000;
        let step = step_at(now);
        assert_eq!(
            verify(&secret, &secret.code_at_step(step), now, 0),
            Ok(step)
        );
        assert_eq!(
            verify(&secret, &secret.code_at_step(step - 1), now, 0),
            Ok(step - 1)
        );
        assert_eq!(
            verify(&secret, &secret.code_at_step(step + 1), now, 0),
            Ok(step + 1)
        );
        assert_eq!(
            verify(&secret, &secret.code_at_step(step - 2), now, 0),
            Err(CodeRefusal::Wrong)
        );
        assert_eq!(
            verify(&secret, &secret.code_at_step(step), now, step),
            Err(CodeRefusal::Replayed)
        );
        assert_eq!(
            verify(&secret, &secret.code_at_step(step - 1), now, step),
            Err(CodeRefusal::Replayed)
        );
        assert_eq!(verify(&secret, "12345", now, 0), Err(CodeRefusal::Wrong));
    }

    #[test]
    fn recovery_codes_are_hashed_as_typed_in_any_case_or_spacing() {
        let codes = new_recovery_codes();
        assert_eq!(codes.len(), RECOVERY_CODES);
        let code = &codes[0];
        assert_eq!(
            hash_recovery_code(code),
            hash_recovery_code(&format!(" {} ", code.to_uppercase().replace('-', " ")))
        );
        assert_ne!(hash_recovery_code(code), hash_recovery_code(&codes[1]));
    }

    #[test]
    fn the_qr_code_is_an_svg_with_a_text_alternative() {
        let secret = Secret::generate();
        let svg = qr_svg(&secret.otpauth_uri("Trafiklys", "anne@kk.dk"), "QR-kode").unwrap();
        assert!(svg.starts_with("<svg") && svg.contains("aria-label=\"QR-kode\""));
        assert!(secret
            .otpauth_uri("Trafiklys", "anne@kk.dk")
            .starts_with("otpauth://totp/Trafiklys:anne%40kk%2Edk?secret="));
    }
}
