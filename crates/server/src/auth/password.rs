//! Password hashing with Argon2id (the crate's defaults follow the OWASP
//! recommendation: 19 MiB, 2 iterations, 1 lane).

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;

/// Hashes off the async threads: Argon2 is slow on purpose.
pub async fn hash(password: String) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| anyhow::anyhow!("hashing password: {e}"))
    })
    .await?
}

/// Verifies against `hash`; with no hash (unknown account) it still spends
/// the same work, so response time does not reveal which emails exist.
pub async fn verify(password: String, hash: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || {
        let stored = hash.unwrap_or_else(|| DUMMY.with(|d| d.clone()));
        match PasswordHash::new(&stored) {
            Ok(parsed) => Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok(),
            Err(_) => false,
        }
    })
    .await
    .unwrap_or(false)
}

thread_local! {
    static DUMMY: String = {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default().hash_password(b"no such account", &salt).expect("hashing").to_string()
    };
}
