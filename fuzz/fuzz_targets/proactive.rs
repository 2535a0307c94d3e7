//! Proactive chat rules an admin saves (their URL patterns, regular
//! expressions included, and time windows) matched against the page URL a
//! visitor's browser reports.
//!
//! Input: a mode byte; then either rules as JSON and a URL (NUL between),
//! or a match kind byte, a URL pattern and a URL (NUL between).
//!
//! Properties: a pattern matches its own text (for every kind but regex);
//! the rules kept have unique ids; matching never panics or hangs.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::json;
use switchboard_core::chat::proactive::{self, InviteHistory, ProactiveRuleSpec, VisitorFacts};

const KINDS: [&str; 5] = ["equals", "starts_with", "contains", "wildcard", "regex"];

fn check(rules: &[proactive::ProactiveRule], url: &str) {
    let now = jiff::Timestamp::from_second(1_790_000_000).unwrap();
    let facts = VisitorFacts {
        now,
        returning: true,
        authenticated: false,
        contact_category: None,
        contact_attributes: None,
        url,
        country: Some("FR"),
        pages_in_session: 3,
        seconds_on_page: Some(30),
    };
    let _ = proactive::pick(rules, &facts, |_| InviteHistory::default());
    for r in rules {
        let _ = r.window_open(now);
        let _ = r.message("fr-CA", "en");
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    if mode % 2 == 0 {
        let (rules, url) = text
            .split_once('\0')
            .unwrap_or((&text, "https://shop.example/"));
        let Ok(specs) = serde_json::from_str::<Vec<ProactiveRuleSpec>>(rules) else {
            return;
        };
        let mut n = 0;
        let Ok(rules) = proactive::parse_rules(specs, "en", || {
            n += 1;
            format!("r{n}")
        }) else {
            return;
        };
        let mut ids: Vec<&str> = rules.iter().map(|r| r.id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), rules.len(), "two rules with one id");
        check(&rules, url);
    } else {
        let Some((kind_byte, rest)) = text.as_bytes().split_first() else {
            return;
        };
        let kind = KINDS[*kind_byte as usize % KINDS.len()];
        let rest = String::from_utf8_lossy(rest);
        let (pattern, url) = rest.split_once('\0').unwrap_or((&rest, ""));
        let spec = json!({
            "name": "fuzz",
            "location": {"url": {"match": kind, "value": pattern}},
            "messages": {"en": "Hello"},
        });
        let spec: ProactiveRuleSpec = serde_json::from_value(spec).expect("a rule");
        let Ok(rules) = proactive::parse_rules(vec![spec], "en", || "r".into()) else {
            return;
        };
        if kind != "regex" {
            assert!(
                rules[0].url_matches(pattern),
                "{kind} {pattern:?} does not match itself"
            );
        }
        let _ = rules[0].url_matches(url);
        check(&rules, url);
    }
});
