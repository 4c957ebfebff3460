//! Password hashing (argon2id with a random salt) and generated passwords.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use rand::distributions::{Alphanumeric, DistString};
use rand::rngs::OsRng;

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
///
/// The hash compared against is fixed (of a random password nobody knows, with the same cost
/// as [`hash`]), so this never depends on hashing succeeding at run time; a test checks that it
/// parses and has the default cost.
pub fn verify_against_nothing(password: &str) {
    let _ = verify(password, DUMMY_HASH);
}

/// An argon2id hash, with the default cost, of a random password that was thrown away.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$++cdD0wvIrszwB5/VJ9Q/w$arAlPAb9ZJfMSno1sLttrVuFejQVKa7wdYDbue7fN14";

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
    fn the_dummy_hash_for_unknown_emails_costs_as_much_as_a_real_one() {
        let dummy = PasswordHash::new(DUMMY_HASH).expect("the dummy hash parses");
        let real_hash = hash("korrekt hest batteri").unwrap();
        let real = PasswordHash::new(&real_hash).unwrap();
        assert_eq!(dummy.algorithm, real.algorithm);
        assert_eq!(dummy.version, real.version);
        assert_eq!(
            dummy.params, real.params,
            "same memory, time and parallelism cost"
        );
        assert_eq!(dummy.hash.map(|h| h.len()), real.hash.map(|h| h.len()));
        assert!(!verify("no such user", DUMMY_HASH));
        assert!(!verify("", DUMMY_HASH));
    }

    #[test]
    fn generated_passwords_differ() {
        let a = generate();
        assert_eq!(a.len(), 16);
        assert_ne!(a, generate());
    }
}
