//! The pure heart of Switchboard: the product's model and its rules.
//!
//! Nothing in this crate does IO or awaits anything. The store persists what
//! these types describe and the server speaks HTTP about them; every decision
//! that can be made without a database or a socket is made here, where it can
//! be unit- and property-tested.

pub mod access;
#[cfg(feature = "openapi")]
pub mod api_schema;
pub mod booking;
pub mod case_change;
pub mod changes;
pub mod chat;
pub mod communications;
pub mod cursor;
pub mod import;
pub mod language;
pub mod placeholders;
pub mod records;
pub mod reports;
pub mod routing;
pub mod scheduling;
pub mod scripts;
pub mod time;
pub mod validation;
pub mod voice;
pub mod webhooks;

pub use validation::{FieldError, Invalid};
