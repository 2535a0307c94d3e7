//! Password hashing with Argon2id (the crate's defaults follow the OWASP
//! recommendation: 19 MiB, 2 iterations, 1 lane).

use std::sync::LazyLock;

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use tokio::sync::Semaphore;

/// At most one Argon2 computation per core at a time: each takes 19 MiB and
/// a core's worth of work, so a burst of sign-ins queues here instead of
/// exhausting memory.
static HASHING: LazyLock<Semaphore> = LazyLock::new(|| {
    Semaphore::new(
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2),
    )
});

/// The hash checked for unknown accounts, made once per process so unknown
/// and known emails cost the same.
static DUMMY: LazyLock<String> = LazyLock::new(|| {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(b"no such account", &salt)
        .expect("hashing")
        .to_string()
});

/// Computes the dummy hash now rather than on the first sign-in.
pub fn warm_up() {
    LazyLock::force(&DUMMY);
}

/// Hashes off the async threads: Argon2 is slow on purpose.
pub async fn hash(password: String) -> anyhow::Result<String> {
    let _permit = HASHING.acquire().await?;
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
    let Ok(_permit) = HASHING.acquire().await else {
        return false;
    };
    tokio::task::spawn_blocking(move || {
        let stored = hash.unwrap_or_else(|| DUMMY.clone());
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
