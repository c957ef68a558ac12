//! Argon2id password hashes (PHC strings); slow on purpose, so call through `task::blocking`.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use rand::RngCore;

use crate::error::{ApiError, ApiResult};

/// The shortest password accepted anywhere (the CLI's `admin` and the console's users).
pub const MIN_LEN: usize = 6;

pub fn hash(password: &str) -> ApiResult<String> {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    let salt = SaltString::encode_b64(&bytes).map_err(ApiError::internal)?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(ApiError::internal)
}

/// Whether `password` matches `stored`; an empty or broken hash never matches.
pub fn verify(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// Verifies against a throwaway hash, so an unknown username costs as much as a wrong password.
pub fn burn_time(password: &str) {
    const DUMMY: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$VjMzI2y7KV4y8Mw3bAq1X6b2nDULWGOLmzO6mSPbzXc";
    let _ = verify(password, DUMMY);
}
