//! Password hashing (argon2id with a random salt) and generated passwords.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use rand::distributions::{Alphanumeric, DistString};
use rand::rngs::OsRng;
use std::sync::OnceLock;

/// Hashes a password as a PHC string (argon2id, v19, default cost).
pub fn hash(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
}

/// Whether `password` matches the stored hash. A malformed hash never matches.
pub fn verify(password: &str, stored_hash: &str) -> bool {
    PasswordHash::new(stored_hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Spends the same work as a real check, for sign-ins with an unknown email, so the response
/// time does not tell which emails have accounts.
pub fn verify_against_nothing(password: &str) {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let dummy = DUMMY.get_or_init(|| hash("no such user").unwrap_or_default());
    let _ = verify(password, dummy);
}

/// A random password of 16 letters and digits (about 95 bits).
pub fn generate() -> String {
    Alphanumeric.sample_string(&mut OsRng, 16)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_and_nothing_else() {
        let h = hash("korrekt hest batteri").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("korrekt hest batteri", &h));
        assert!(!verify("forkert", &h));
        assert!(!verify("korrekt hest batteri", "not a hash"));
    }

    #[test]
    fn generated_passwords_differ() {
        let a = generate();
        assert_eq!(a.len(), 16);
        assert_ne!(a, generate());
    }
}
