//! Who is calling: bearer API tokens for integrations, session cookies with
//! CSRF protection for browsers.

pub mod endpoints;
pub mod limiter;
pub mod password;
pub mod principal;
pub mod watch;
pub use switchboard_runtime::secret;

pub use principal::{Audited, Principal};
pub use watch::Watch;
