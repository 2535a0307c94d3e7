//! The wall clock as the core counts it (milliseconds) and as the store
//! writes it (RFC 3339 text).

use switchboard_core::routing::Millis;
use switchboard_core::time;

pub(super) fn now_ms() -> Millis {
    jiff::Timestamp::now().as_millisecond().max(0) as Millis
}

pub(super) fn ms_to_text(ms: Millis) -> String {
    time::format(
        jiff::Timestamp::from_millisecond(ms as i64).unwrap_or(jiff::Timestamp::UNIX_EPOCH),
    )
}

/// A stored time the engine cannot read counts as the epoch: an item
/// with it is simply the oldest in line.
pub(super) fn text_to_ms(s: &str) -> Millis {
    time::parse(s)
        .map(|t| t.as_millisecond().max(0) as Millis)
        .unwrap_or(0)
}
