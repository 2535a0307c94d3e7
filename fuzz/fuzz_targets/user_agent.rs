//! A visitor's `User-Agent` and `Accept-Language` headers (shown to agents).
//!
//! Properties: the version read is digits and dots taken from the header
//! (never longer than it), and the language is always one the widget speaks.
#![no_main]

use libfuzzer_sys::fuzz_target;
use switchboard_core::chat::client;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let info = client::parse_user_agent(&text);
    if let Some(v) = &info.browser_version {
        assert!(!v.is_empty() && v.len() <= text.len());
        assert!(v.bytes().all(|b| b.is_ascii_digit() || b == b'.'));
        assert!(text.contains(v.as_str()) || v.contains('.'));
    }
    let lang = switchboard_core::language::language(Some(&text), "fr");
    assert!(client::LANGUAGES.contains(&lang));
    let lang = switchboard_core::language::language(None, &text);
    assert!(client::LANGUAGES.contains(&lang));
});
