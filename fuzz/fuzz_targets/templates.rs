//! Message templates an admin writes, filled with what customers typed
//! (their name, their notes), and the `{name}` placeholders of agent
//! scripts. Input: subject, body, html and a value, separated by NUL.
//!
//! Properties: filling every placeholder with itself gives the text back;
//! a valid email subject stays one line whatever the values hold; a value
//! never adds markup to the HTML body (only the `<br>` of its line breaks).
#![no_main]

use std::collections::BTreeMap;

use libfuzzer_sys::fuzz_target;
use switchboard_core::communications::templates::{Template, VARIABLES};
use switchboard_core::communications::Channel;
use switchboard_core::placeholders;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.split('\0');
    let subject = parts.next().unwrap_or("").to_owned();
    let body = parts.next().unwrap_or("").to_owned();
    let html = parts.next().unwrap_or("").to_owned();
    let value = parts.next().unwrap_or("").to_owned();

    let any = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
    for t in [&subject, &body, &html] {
        let same = placeholders::fill(t, any, |n| format!("{{{n}}}"));
        assert_eq!(&same, t);
        let names = placeholders::names(t, any);
        let marked = placeholders::fill(t, any, |_| "\u{1}".to_owned());
        assert_eq!(
            marked.matches('\u{1}').count() - t.matches('\u{1}').count(),
            names.len()
        );
    }

    let template = Template {
        subject,
        body,
        html,
    };
    let _ = template.validate(Channel::Sms);
    let valid_email = template.validate(Channel::Email).is_ok();
    let vars: BTreeMap<&str, String> = VARIABLES.iter().map(|&n| (n, value.clone())).collect();
    let out = template.render(&vars);
    if valid_email {
        assert!(
            !out.subject.contains(['\r', '\n']),
            "a value added a header line"
        );
    }
    if !template.html.contains('<') {
        assert_eq!(
            out.html.matches('<').count(),
            out.html.matches("<br>").count(),
            "a value added markup"
        );
    }
});
