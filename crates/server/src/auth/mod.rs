//! Who is calling: bearer API tokens for integrations, session cookies with
//! CSRF protection for browsers.

pub mod endpoints;
pub mod limiter;
pub mod password;
pub mod principal;
pub mod secret;

pub use principal::Principal;
