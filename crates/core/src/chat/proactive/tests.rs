use super::*;
use serde_json::json;

// ------------------------------------------------------------------ helpers

/// A minimal valid rule: any page with a `/`, English message, no window.
fn spec() -> ProactiveRuleSpec {
    serde_json::from_value(json!({
        "name": "Help on any page",
        "location": {"url": {"match": "contains", "value": "/"}},
        "messages": {"en": "Need help?"}
    }))
    .unwrap()
}

fn with(patch: serde_json::Value) -> ProactiveRuleSpec {
    let mut v = serde_json::to_value(spec()).unwrap();
    crate::records::merge_patch(&mut v, &patch);
    serde_json::from_value(v).unwrap()
}

fn parse_one(s: ProactiveRuleSpec) -> Result<ProactiveRule, Invalid> {
    parse_rules(vec![s], "en", || "generated".to_owned()).map(|mut v| v.remove(0))
}

fn rule(patch: serde_json::Value) -> ProactiveRule {
    parse_one(with(patch)).unwrap()
}

fn named(id: &str, patch: serde_json::Value) -> ProactiveRule {
    let mut s = with(patch);
    s.id = Some(id.to_owned());
    parse_one(s).unwrap()
}

fn errors(specs: Vec<ProactiveRuleSpec>) -> Vec<(String, String)> {
    parse_rules(specs, "en", uuid_like)
        .unwrap_err()
        .0
        .into_iter()
        .map(|e| (e.field, e.code))
        .collect()
}

fn error(patch: serde_json::Value) -> Vec<(String, String)> {
    errors(vec![with(patch)])
}

fn err(field: &str, code: &str) -> (String, String) {
    (field.to_owned(), code.to_owned())
}

fn at(s: &str) -> Timestamp {
    s.parse().unwrap()
}

/// A new, anonymous visitor on its first page, Monday 30 March 2026 noon UTC.
fn facts(url: &str) -> VisitorFacts<'_> {
    VisitorFacts {
        now: at("2026-03-30T12:00:00Z"),
        returning: false,
        authenticated: false,
        contact_category: None,
        contact_attributes: None,
        url,
        country: None,
        pages_in_session: 1,
        seconds_on_page: None,
    }
}

fn fresh(_: &str) -> InviteHistory {
    InviteHistory::default()
}

fn applies(r: &ProactiveRule, f: &VisitorFacts) -> bool {
    r.matches(f, InviteHistory::default())
}

fn url_rule(kind: &str, value: &str) -> ProactiveRule {
    rule(json!({"location": {"url": {"match": kind, "value": value}}}))
}

fn window(w: serde_json::Value) -> ProactiveRule {
    rule(json!({ "window": w }))
}

fn nine_to_five(tz: &str) -> ProactiveRule {
    window(json!({"time_zone": tz, "ranges": [{"from": "09:00", "to": "17:00"}]}))
}

fn open_at(r: &ProactiveRule, utc: &str) -> bool {
    r.window_open(at(utc))
}

// ------------------------------------------------------------------ wire form

#[test]
fn wire_defaults_are_enabled_everyone_always_once_per_session() {
    let s = spec();
    assert!(s.enabled);
    assert_eq!(s.priority, 0);
    assert_eq!(s.target, TargetSpec::default());
    assert_eq!(s.target.customers, CustomerTarget::All);
    assert_eq!(s.window, None);
    assert_eq!(s.time_on_page_seconds, 0);
    assert_eq!(s.pages_in_session, None);
    assert!(!s.only_when_agent_available);
    assert_eq!(s.frequency, FrequencySpec::Session);
    assert_eq!(s.queue_id, None);
}

#[test]
fn wire_form_of_frequency_and_enums() {
    let s = with(json!({
        "frequency": {"per": "days", "days": 7},
        "target": {"customers": "authenticated"},
        "location": {"url": {"match": "starts_with", "value": "https://x/"}}
    }));
    assert_eq!(s.frequency, FrequencySpec::Days { days: 7 });
    assert_eq!(s.target.customers, CustomerTarget::Authenticated);
    assert_eq!(s.location.url.kind, UrlMatch::StartsWith);
    let back = serde_json::to_value(&s).unwrap();
    assert_eq!(back["frequency"], json!({"per": "days", "days": 7}));
    assert_eq!(back["location"]["url"]["match"], json!("starts_with"));
    assert_eq!(
        serde_json::to_value(FrequencySpec::Always).unwrap(),
        json!({"per": "always"})
    );
    assert_eq!(
        serde_json::from_value::<ProactiveRuleSpec>(back).unwrap(),
        s
    );
}

#[test]
fn wire_form_rejects_unknown_fields_at_every_level() {
    let mut v = serde_json::to_value(spec()).unwrap();
    v["colour"] = json!("red");
    assert!(serde_json::from_value::<ProactiveRuleSpec>(v).is_err());
    for patch in [
        json!({"target": {"segment": "x"}}),
        json!({"location": {"url": {"regex": true}}}),
        json!({"location": {"city": "Paris"}}),
        json!({"window": {"time_zone": "UTC", "holidays": []}}),
        json!({"window": {"time_zone": "UTC", "ranges": [{"from": "09:00", "to": "10:00", "tz": "x"}]}}),
        json!({"frequency": {"per": "days", "days": 2, "hours": 3}}),
        json!({"frequency": {"per": "week"}}),
    ] {
        let mut v = serde_json::to_value(spec()).unwrap();
        crate::records::merge_patch(&mut v, &patch);
        assert!(
            serde_json::from_value::<ProactiveRuleSpec>(v).is_err(),
            "{patch}"
        );
    }
}

#[test]
fn invitations_last_sixty_seconds() {
    assert_eq!(INVITATION_SECONDS, 60);
}

// ------------------------------------------------------------------ ids and lists

#[test]
fn ids_are_kept_when_given_and_assigned_otherwise() {
    let mut a = spec();
    a.id = Some("welcome".into());
    let b = spec();
    let c = spec();
    let mut n = 0;
    let rules = parse_rules(vec![a, b, c], "en", || {
        n += 1;
        format!("gen{n}")
    })
    .unwrap();
    let ids: Vec<_> = rules.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["welcome", "gen1", "gen2"]);
    assert_eq!(rules[1].spec.id.as_deref(), Some("gen1"));
}

#[test]
fn duplicate_ids_are_refused() {
    let mut a = spec();
    a.id = Some("same".into());
    let b = a.clone();
    assert_eq!(errors(vec![a, b]), vec![err("rules[1].id", "duplicate")]);
}

#[test]
fn at_most_fifty_rules() {
    assert_eq!(errors(vec![spec(); 51]), vec![err("rules", "too_long")]);
    assert_eq!(
        parse_rules(vec![spec(); 50], "en", uuid_like)
            .unwrap()
            .len(),
        50
    );
}

fn uuid_like() -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    format!("r{}", N.fetch_add(1, Ordering::Relaxed))
}

#[test]
fn parse_prefixes_field_names_and_reports_into_the_check() {
    let mut s = spec();
    s.name = " ".into();
    let mut c = Check::new();
    assert!(ProactiveRule::parse(s.clone(), "a".into(), "en", "rules[7]", &mut c).is_none());
    let mut c2 = Check::new();
    assert!(ProactiveRule::parse(s, "a".into(), "en", "", &mut c2).is_none());
    let fields = |c: Check| -> Vec<String> {
        c.finish(|| ())
            .unwrap_err()
            .0
            .into_iter()
            .map(|e| e.field)
            .collect()
    };
    assert_eq!(fields(c), ["rules[7].name"]);
    assert_eq!(fields(c2), ["name"]);
}

#[test]
fn spec_is_normalised_on_save() {
    let r = rule(json!({
        "name": "  Checkout help ",
        "messages": {"en": " Stuck? ", "fr": "Bloqué ?"},
        "location": {"url": {"match": "contains", "value": "/checkout"}, "country": "fr"},
        "target": {"contact_category": " VIP "},
        "window": {"time_zone": "Europe/Paris", "weekdays": ["MON", "tue"]}
    }));
    assert_eq!(r.spec.name, "Checkout help");
    assert_eq!(r.spec.messages["en"], "Stuck?");
    assert_eq!(r.spec.location.country.as_deref(), Some("FR"));
    assert_eq!(r.spec.target.contact_category.as_deref(), Some("VIP"));
    assert_eq!(r.spec.window.unwrap().weekdays, ["mon", "tue"]);
}

// ------------------------------------------------------------------ validation

#[test]
fn empty_name_is_refused() {
    assert_eq!(
        error(json!({"name": "  "})),
        vec![err("rules[0].name", "required")]
    );
    assert_eq!(
        error(json!({"name": "x".repeat(201)})),
        vec![err("rules[0].name", "too_long")]
    );
    assert!(parse_one(with(json!({"name": "x".repeat(200)}))).is_ok());
}

#[test]
fn bad_time_zone_is_refused() {
    assert_eq!(
        error(json!({"window": {"time_zone": "Mars/Olympus"}})),
        vec![err("rules[0].window.time_zone", "invalid")]
    );
}

#[test]
fn times_must_be_hh_mm() {
    for (from, to) in [
        ("9:00", "17:00"),
        ("09:00", "17:0"),
        ("25:00", "26:00"),
        ("12:60", "13:00"),
        ("24:00", "24:00"),
        ("0900", "1700"),
        ("+9:00", "17:00"),
    ] {
        let e =
            error(json!({"window": {"time_zone": "UTC", "ranges": [{"from": from, "to": to}]}}));
        assert!(!e.is_empty(), "{from}–{to}");
        assert!(
            e.iter()
                .all(|(f, c)| f.starts_with("rules[0].window.ranges[0].") && c == "invalid"),
            "{from}–{to}: {e:?}"
        );
    }
    assert_eq!(
        error(json!({"window": {"time_zone": "UTC", "ranges": [{"from": "9am", "to": "17:00"}]}})),
        vec![err("rules[0].window.ranges[0].from", "invalid")]
    );
}

#[test]
fn from_must_be_before_to() {
    for (from, to) in [("17:00", "09:00"), ("09:00", "09:00")] {
        assert_eq!(
            error(json!({"window": {"time_zone": "UTC", "ranges": [
                {"from": "08:00", "to": "09:00"},
                {"from": from, "to": to}
            ]}})),
            vec![err("rules[0].window.ranges[1]", "order")]
        );
    }
}

#[test]
fn unknown_weekday_is_refused() {
    assert_eq!(
        error(json!({"window": {"time_zone": "UTC", "weekdays": ["mon", "monday", "xyz"]}})),
        vec![
            err("rules[0].window.weekdays[1]", "invalid"),
            err("rules[0].window.weekdays[2]", "invalid"),
        ]
    );
}

#[test]
fn dates_must_be_real_and_ordered() {
    assert_eq!(
        error(
            json!({"window": {"time_zone": "UTC", "start_date": "2026-05-02", "end_date": "2026-05-01"}})
        ),
        vec![err("rules[0].window.end_date", "order")]
    );
    assert_eq!(
        error(
            json!({"window": {"time_zone": "UTC", "start_date": "2026-02-30", "end_date": "26-05-01"}})
        ),
        vec![
            err("rules[0].window.start_date", "invalid"),
            err("rules[0].window.end_date", "invalid"),
        ]
    );
    // One day is a valid window.
    assert!(parse_one(with(json!({"window": {"time_zone": "UTC", "start_date": "2026-05-01", "end_date": "2026-05-01"}}))).is_ok());
}

#[test]
fn the_default_language_message_is_required() {
    assert_eq!(
        error(json!({"messages": {"en": null, "fr": "Besoin d'aide ?"}})),
        vec![err("rules[0].messages", "incomplete")]
    );
    // Checked against the widget's default language, not English.
    assert!(parse_rules(vec![spec()], "es", uuid_like).is_err());
}

#[test]
fn messages_are_bounded_and_in_supported_languages() {
    assert_eq!(
        error(json!({"messages": {"de": "Hilfe?", "fr": "x".repeat(501), "es": " "}})),
        vec![
            err("rules[0].messages.de", "invalid"),
            err("rules[0].messages.es", "required"),
            err("rules[0].messages.fr", "too_long"),
        ]
    );
}

#[test]
fn time_on_page_is_at_most_an_hour() {
    assert_eq!(
        error(json!({"time_on_page_seconds": 3601})),
        vec![err("rules[0].time_on_page_seconds", "out_of_range")]
    );
    assert!(parse_one(with(json!({"time_on_page_seconds": 3600}))).is_ok());
}

#[test]
fn numeric_bounds_of_pages_and_days() {
    assert_eq!(
        error(json!({"pages_in_session": 0})),
        vec![err("rules[0].pages_in_session", "out_of_range")]
    );
    assert_eq!(
        error(json!({"pages_in_session": 1001})),
        vec![err("rules[0].pages_in_session", "out_of_range")]
    );
    for days in [0, 366] {
        assert_eq!(
            error(json!({"frequency": {"per": "days", "days": days}})),
            vec![err("rules[0].frequency.days", "out_of_range")]
        );
    }
    assert!(parse_one(with(json!({"frequency": {"per": "days", "days": 365}}))).is_ok());
}

#[test]
fn url_pattern_country_queue_and_attribute_are_checked() {
    assert_eq!(
        error(json!({"location": {"url": {"value": ""}}})),
        vec![err("rules[0].location.url.value", "required")]
    );
    assert_eq!(
        error(json!({"location": {"url": {"value": "x".repeat(2001)}}})),
        vec![err("rules[0].location.url.value", "too_long")]
    );
    assert_eq!(
        error(json!({"location": {"country": "FRA"}})),
        vec![err("rules[0].location.country", "invalid")]
    );
    assert_eq!(
        error(json!({"queue_id": "no spaces please"})),
        vec![err("rules[0].queue_id", "invalid")]
    );
    assert_eq!(
        error(json!({"target": {"contact_attribute": {"key": " ", "value": "gold"}}})),
        vec![err("rules[0].target.contact_attribute.key", "required")]
    );
}

#[test]
fn every_error_of_every_rule_is_reported_at_once() {
    let bad = with(json!({
        "name": "",
        "time_on_page_seconds": 4000,
        "window": {"time_zone": "Nowhere", "weekdays": ["funday"]}
    }));
    let e = errors(vec![
        spec(),
        bad,
        with(json!({"messages": {"en": null, "fr": "x"}})),
    ]);
    assert_eq!(
        e,
        vec![
            err("rules[1].name", "required"),
            err("rules[1].window.time_zone", "invalid"),
            err("rules[1].window.weekdays[0]", "invalid"),
            err("rules[1].time_on_page_seconds", "out_of_range"),
            err("rules[2].messages", "incomplete"),
        ]
    );
}

// ------------------------------------------------------------------ URL matching

#[test]
fn url_equals_is_exact() {
    let r = url_rule("equals", "https://shop.example.com/pricing");
    assert!(r.url_matches("https://shop.example.com/pricing"));
    assert!(!r.url_matches("https://shop.example.com/pricing/"));
    assert!(!r.url_matches("https://shop.example.com/pricing?plan=pro"));
    assert!(!r.url_matches("https://shop.example.com/Pricing"));
    assert!(!r.url_matches("http://shop.example.com/pricing"));
}

#[test]
fn url_starts_with_is_a_plain_prefix() {
    let r = url_rule("starts_with", "https://shop.example.com/cart");
    assert!(r.url_matches("https://shop.example.com/cart"));
    assert!(r.url_matches("https://shop.example.com/cart/checkout?step=2"));
    assert!(!r.url_matches("https://www.shop.example.com/cart"));
    assert!(!r.url_matches("https://shop.example.com/CART"));
}

#[test]
fn url_contains_is_a_plain_substring_without_special_characters() {
    let r = url_rule("contains", "/checkout?step=2");
    assert!(r.url_matches("https://shop.example.com/checkout?step=2&x=1"));
    assert!(!r.url_matches("https://shop.example.com/checkout?step=3"));
    // `.` and `*` are literal for contains.
    let dots = url_rule("contains", "a.b*");
    assert!(dots.url_matches("https://x/a.b*"));
    assert!(!dots.url_matches("https://x/axbbb"));
}

#[test]
fn url_wildcard_star_is_any_run_including_none_over_the_whole_url() {
    let r = url_rule("wildcard", "https://shop.example.com/products/*");
    assert!(r.url_matches("https://shop.example.com/products/"));
    assert!(r.url_matches("https://shop.example.com/products/shoes/42?size=9"));
    assert!(!r.url_matches("https://shop.example.com/products"));
    // The whole URL must match: no implicit leading or trailing star.
    assert!(!r.url_matches("https://evil.test/?https://shop.example.com/products/x"));
    let sub = url_rule("wildcard", "https://*.example.com/*");
    assert!(sub.url_matches("https://shop.example.com/a"));
    assert!(sub.url_matches("https://a.b.example.com/"));
    assert!(!sub.url_matches("https://example.com/a"));
    let end = url_rule("wildcard", "*/checkout");
    assert!(end.url_matches("https://x/checkout"));
    assert!(!end.url_matches("https://x/checkout/"));
}

#[test]
fn url_wildcard_edge_cases() {
    let all = url_rule("wildcard", "*");
    assert!(all.url_matches(""));
    assert!(all.url_matches("https://anything"));
    let stars = url_rule("wildcard", "https://x/**a**");
    assert!(stars.url_matches("https://x/a"));
    assert!(stars.url_matches("https://x/banana"));
    assert!(!stars.url_matches("https://x/b"));
    // Backtracking: the first `b` is not the right one.
    let back = url_rule("wildcard", "*a*b*c");
    assert!(back.url_matches("xaybzbc"));
    assert!(back.url_matches("abc"));
    assert!(!back.url_matches("acb"));
    // `?` is exactly one character, a non-ASCII one included.
    let one = url_rule("wildcard", "https://x/p?");
    assert!(one.url_matches("https://x/p1"));
    assert!(one.url_matches("https://x/pé"));
    assert!(!one.url_matches("https://x/p"));
    assert!(!one.url_matches("https://x/p12"));
    // Everything else is literal, regex metacharacters included.
    let lit = url_rule("wildcard", "https://x/a.b+(c)");
    assert!(lit.url_matches("https://x/a.b+(c)"));
    assert!(!lit.url_matches("https://x/aXbb(c)"));
    // A long run of stars against a long URL stays fast.
    let many = url_rule("wildcard", &format!("{}b", "*a".repeat(500)));
    assert!(!many.url_matches(&"a".repeat(1900)));
}

#[test]
fn url_regex_searches_anywhere_unless_anchored() {
    let r = url_rule("regex", r"/products/\d+");
    assert!(r.url_matches("https://shop.example.com/products/42?ref=ad"));
    assert!(!r.url_matches("https://shop.example.com/products/shoes"));
    let anchored = url_rule("regex", r"^https://shop\.example\.com/$");
    assert!(anchored.url_matches("https://shop.example.com/"));
    assert!(!anchored.url_matches("https://shop.example.com/x"));
    let case = url_rule("regex", r"(?i)/PRICING");
    assert!(case.url_matches("https://x/pricing"));
}

#[test]
fn invalid_regex_is_rejected_on_save_with_the_field_named() {
    let good = spec();
    let bad = with(json!({"location": {"url": {"match": "regex", "value": "/products/(\\d+"}}}));
    let e = parse_rules(vec![good, bad], "en", uuid_like).unwrap_err();
    assert_eq!(e.0.len(), 1);
    assert_eq!(e.0[0].field, "rules[1].location.url.value");
    assert_eq!(e.0[0].code, "unusable");
    assert!(
        e.0[0]
            .message
            .starts_with("is not a valid regular expression: "),
        "{}",
        e.0[0].message
    );
    assert!(!e.0[0].message.contains('\n'), "{}", e.0[0].message);
}

#[test]
fn oversized_regex_is_rejected_on_save() {
    let e = error(json!({"location": {"url": {"match": "regex", "value": r"(\w{100}){100}"}}}));
    assert_eq!(e, vec![err("rules[0].location.url.value", "unusable")]);
}

// ------------------------------------------------------------------ windows

#[test]
fn no_window_is_always_open() {
    let r = rule(json!({}));
    assert!(open_at(&r, "2026-03-29T01:30:00Z"));
    let all_day = window(json!({"time_zone": "Europe/Paris"}));
    assert!(open_at(&all_day, "2026-03-29T01:30:00Z"));
}

#[test]
fn paris_window_opens_at_nine_local_on_both_sides_of_spring_forward() {
    // Sunday 29 March 2026, 02:00 CET → 03:00 CEST.
    let r = nine_to_five("Europe/Paris");
    // Saturday 28 March, UTC+1: 09:00 local is 08:00 UTC.
    assert!(!open_at(&r, "2026-03-28T07:59:59Z"));
    assert!(open_at(&r, "2026-03-28T08:00:00Z"));
    assert!(open_at(&r, "2026-03-28T15:59:59Z"));
    assert!(!open_at(&r, "2026-03-28T16:00:00Z"));
    // Sunday 29 March, UTC+2: 09:00 local is 07:00 UTC.
    assert!(!open_at(&r, "2026-03-29T06:59:59Z"));
    assert!(open_at(&r, "2026-03-29T07:00:00Z"));
    assert!(open_at(&r, "2026-03-29T14:59:59Z"));
    assert!(!open_at(&r, "2026-03-29T15:00:00Z"));
}

#[test]
fn paris_window_opens_at_nine_local_on_both_sides_of_fall_back() {
    // Sunday 25 October 2026, 03:00 CEST → 02:00 CET.
    let r = nine_to_five("Europe/Paris");
    // Saturday 24 October, UTC+2.
    assert!(!open_at(&r, "2026-10-24T06:59:59Z"));
    assert!(open_at(&r, "2026-10-24T07:00:00Z"));
    assert!(!open_at(&r, "2026-10-24T15:00:00Z"));
    // Sunday 25 October, UTC+1.
    assert!(!open_at(&r, "2026-10-25T07:59:59Z"));
    assert!(open_at(&r, "2026-10-25T08:00:00Z"));
    assert!(open_at(&r, "2026-10-25T15:59:59Z"));
    assert!(!open_at(&r, "2026-10-25T16:00:00Z"));
}

#[test]
fn new_york_window_opens_at_nine_local_on_both_sides_of_spring_forward() {
    // Sunday 8 March 2026, 02:00 EST → 03:00 EDT.
    let r = nine_to_five("America/New_York");
    // Saturday 7 March, UTC−5: 09:00 local is 14:00 UTC.
    assert!(!open_at(&r, "2026-03-07T13:59:59Z"));
    assert!(open_at(&r, "2026-03-07T14:00:00Z"));
    assert!(!open_at(&r, "2026-03-07T22:00:00Z"));
    // Sunday 8 March, UTC−4: 09:00 local is 13:00 UTC.
    assert!(!open_at(&r, "2026-03-08T12:59:59Z"));
    assert!(open_at(&r, "2026-03-08T13:00:00Z"));
    assert!(open_at(&r, "2026-03-08T20:59:59Z"));
    assert!(!open_at(&r, "2026-03-08T21:00:00Z"));
}

#[test]
fn a_range_over_the_repeated_hour_lasts_two_hours_and_over_the_skipped_hour_none() {
    let r =
        window(json!({"time_zone": "Europe/Paris", "ranges": [{"from": "02:00", "to": "03:00"}]}));
    // 25 October: 02:00–03:00 happens twice, 00:00–02:00 UTC.
    assert!(!open_at(&r, "2026-10-24T23:59:59Z"));
    assert!(open_at(&r, "2026-10-25T00:00:00Z"));
    assert!(open_at(&r, "2026-10-25T01:30:00Z"));
    assert!(!open_at(&r, "2026-10-25T02:00:00Z"));
    // 29 March: 01:59:59 CET is followed by 03:00:00 CEST.
    assert!(!open_at(&r, "2026-03-29T00:59:59Z"));
    assert!(!open_at(&r, "2026-03-29T01:00:00Z"));
}

#[test]
fn ranges_end_exclusive_and_twenty_four_hundred_is_midnight() {
    let r = window(json!({"time_zone": "UTC", "ranges": [
        {"from": "08:00", "to": "10:00"},
        {"from": "22:00", "to": "24:00"}
    ]}));
    assert!(open_at(&r, "2026-05-01T08:00:00Z"));
    assert!(!open_at(&r, "2026-05-01T10:00:00Z"));
    assert!(!open_at(&r, "2026-05-01T21:59:59Z"));
    assert!(open_at(&r, "2026-05-01T23:59:59Z"));
    assert!(!open_at(&r, "2026-05-02T00:00:00Z"));
}

#[test]
fn weekdays_are_local_weekdays() {
    let r = window(json!({"time_zone": "Europe/Paris", "weekdays": ["mon", "fri"]}));
    assert!(open_at(&r, "2026-03-30T12:00:00Z")); // Monday
    assert!(!open_at(&r, "2026-03-31T12:00:00Z")); // Tuesday
    assert!(open_at(&r, "2026-04-03T12:00:00Z")); // Friday
                                                  // Sunday 23:30 UTC is already Monday 01:30 in Paris…
    assert!(open_at(&r, "2026-03-29T23:30:00Z"));
    // …and Monday 22:30 UTC already Tuesday 00:30.
    assert!(!open_at(&r, "2026-03-30T22:30:00Z"));
}

#[test]
fn weekdays_and_ranges_combine() {
    let r = window(
        json!({"time_zone": "UTC", "weekdays": ["sat"], "ranges": [{"from": "10:00", "to": "12:00"}]}),
    );
    assert!(open_at(&r, "2026-04-04T11:00:00Z")); // Saturday
    assert!(!open_at(&r, "2026-04-04T12:00:00Z"));
    assert!(!open_at(&r, "2026-04-05T11:00:00Z")); // Sunday
}

#[test]
fn dates_bound_the_window_inclusively_in_local_time() {
    let r = window(
        json!({"time_zone": "Europe/Paris", "start_date": "2026-04-01", "end_date": "2026-04-30"}),
    );
    assert!(!open_at(&r, "2026-03-31T21:59:59Z")); // 23:59:59 on 31 March
    assert!(open_at(&r, "2026-03-31T22:00:00Z")); // 00:00 on 1 April
    assert!(open_at(&r, "2026-04-30T21:59:59Z")); // 23:59:59 on 30 April
    assert!(!open_at(&r, "2026-04-30T22:00:00Z")); // 00:00 on 1 May
    let from = window(json!({"time_zone": "UTC", "start_date": "2026-06-01"}));
    assert!(!open_at(&from, "2026-05-31T23:59:59Z"));
    assert!(open_at(&from, "2030-01-01T00:00:00Z"));
    let until = window(json!({"time_zone": "UTC", "end_date": "2026-06-01"}));
    assert!(open_at(&until, "2020-01-01T00:00:00Z"));
    assert!(!open_at(&until, "2026-06-02T00:00:00Z"));
}

#[test]
fn a_closed_window_stops_the_rule() {
    let r = nine_to_five("UTC");
    let mut f = facts("https://x/");
    f.now = at("2026-03-30T08:00:00Z");
    assert!(!applies(&r, &f));
    f.now = at("2026-03-30T09:00:00Z");
    assert!(applies(&r, &f));
}

// ------------------------------------------------------------------ targets

#[test]
fn customers_all_new_returning_authenticated() {
    let all = rule(json!({"target": {"customers": "all"}}));
    let new = rule(json!({"target": {"customers": "new"}}));
    let returning = rule(json!({"target": {"customers": "returning"}}));
    let authenticated = rule(json!({"target": {"customers": "authenticated"}}));
    let mut f = facts("https://x/");
    // New, anonymous.
    assert!(applies(&all, &f));
    assert!(applies(&new, &f));
    assert!(!applies(&returning, &f));
    assert!(!applies(&authenticated, &f));
    // Returning, anonymous.
    f.returning = true;
    assert!(applies(&all, &f));
    assert!(!applies(&new, &f));
    assert!(applies(&returning, &f));
    assert!(!applies(&authenticated, &f));
    // Returning, signed in.
    f.authenticated = true;
    assert!(applies(&authenticated, &f));
    assert!(applies(&returning, &f));
    // New but signed in.
    f.returning = false;
    assert!(applies(&authenticated, &f));
    assert!(applies(&new, &f));
}

#[test]
fn contact_category_matches_without_regard_to_case() {
    let r = rule(json!({"target": {"contact_category": "Gold"}}));
    let mut f = facts("https://x/");
    assert!(!applies(&r, &f), "no contact, no match");
    f.contact_category = Some("GOLD");
    assert!(applies(&r, &f));
    f.contact_category = Some("gold");
    assert!(applies(&r, &f));
    f.contact_category = Some("Silver");
    assert!(!applies(&r, &f));
    let accents = rule(json!({"target": {"contact_category": "Émeraude"}}));
    f.contact_category = Some("émeraude");
    assert!(applies(&accents, &f));
}

#[test]
fn contact_attribute_matches_strings_numbers_and_booleans_by_text() {
    let attrs = json!({"plan": "gold", "seats": 42, "vip": true, "ratio": 1.5, "none": null, "list": ["gold"]});
    let attrs = attrs.as_object().unwrap();
    let mut f = facts("https://x/");
    let cases = [
        ("plan", "gold", true),
        ("plan", "Gold", false),
        ("seats", "42", true),
        ("seats", "42.0", false),
        ("vip", "true", true),
        ("vip", "yes", false),
        ("ratio", "1.5", true),
        ("none", "null", false),
        ("list", "gold", false),
        ("missing", "gold", false),
    ];
    for (key, value, expected) in cases {
        let r = rule(json!({"target": {"contact_attribute": {"key": key, "value": value}}}));
        f.contact_attributes = None;
        assert!(!applies(&r, &f), "no contact, no match: {key}");
        f.contact_attributes = Some(attrs);
        assert_eq!(applies(&r, &f), expected, "{key} = {value}");
    }
}

#[test]
fn category_and_attribute_must_both_hold() {
    let r = rule(json!({"target": {
        "customers": "authenticated",
        "contact_category": "gold",
        "contact_attribute": {"key": "plan", "value": "pro"}
    }}));
    let attrs = json!({"plan": "pro"});
    let mut f = facts("https://x/");
    f.authenticated = true;
    f.contact_category = Some("gold");
    assert!(!applies(&r, &f));
    f.contact_attributes = attrs.as_object();
    assert!(applies(&r, &f));
    f.contact_category = Some("silver");
    assert!(!applies(&r, &f));
}

#[test]
fn country_matches_without_regard_to_case_and_needs_a_known_country() {
    let r = rule(json!({"location": {"country": "fr"}}));
    let mut f = facts("https://x/");
    assert!(!applies(&r, &f));
    f.country = Some("FR");
    assert!(applies(&r, &f));
    f.country = Some("fr");
    assert!(applies(&r, &f));
    f.country = Some("BE");
    assert!(!applies(&r, &f));
}

#[test]
fn the_url_must_match() {
    let r = url_rule("starts_with", "https://x/cart");
    assert!(applies(&r, &facts("https://x/cart/1")));
    assert!(!applies(&r, &facts("https://x/home")));
}

#[test]
fn pages_in_session_is_a_minimum() {
    let r = rule(json!({"pages_in_session": 3}));
    let mut f = facts("https://x/");
    f.pages_in_session = 2;
    assert!(!applies(&r, &f));
    f.pages_in_session = 3;
    assert!(applies(&r, &f));
    f.pages_in_session = 10;
    assert!(applies(&r, &f));
}

#[test]
fn time_on_page_is_ignored_at_page_load_and_checked_at_fire_time() {
    let r = rule(json!({"time_on_page_seconds": 30}));
    let mut f = facts("https://x/");
    f.seconds_on_page = None;
    assert!(applies(&r, &f), "a candidate at page load");
    f.seconds_on_page = Some(29);
    assert!(!applies(&r, &f), "too early");
    f.seconds_on_page = Some(30);
    assert!(applies(&r, &f));
    f.seconds_on_page = Some(600);
    assert!(applies(&r, &f));
    let immediate = rule(json!({}));
    f.seconds_on_page = Some(0);
    assert!(applies(&immediate, &f));
}

// ------------------------------------------------------------------ frequency

#[test]
fn once_per_session_by_default() {
    let r = rule(json!({}));
    let f = facts("https://x/");
    assert!(r.matches(&f, InviteHistory::default()));
    let earlier_session = InviteHistory {
        in_this_session: false,
        last_invited_at: Some(at("2026-03-30T11:59:00Z")),
    };
    assert!(r.matches(&f, earlier_session));
    let this_session = InviteHistory {
        in_this_session: true,
        last_invited_at: Some(at("2026-03-30T11:00:00Z")),
    };
    assert!(!r.matches(&f, this_session));
}

#[test]
fn once_per_n_days_counts_whole_24_hour_days_back_from_now() {
    let r = rule(json!({"frequency": {"per": "days", "days": 7}}));
    let f = facts("https://x/"); // now: 2026-03-30T12:00:00Z
    let last = |t: &str| InviteHistory {
        in_this_session: false,
        last_invited_at: Some(at(t)),
    };
    assert!(r.matches(&f, InviteHistory::default()));
    assert!(!r.matches(&f, last("2026-03-30T11:00:00Z")));
    assert!(!r.matches(&f, last("2026-03-23T12:00:01Z")));
    assert!(r.matches(&f, last("2026-03-23T12:00:00Z")));
    assert!(r.matches(&f, last("2026-01-01T00:00:00Z")));
    // A last invitation in the future (clock skew) blocks too.
    assert!(!r.matches(&f, last("2026-03-31T00:00:00Z")));
}

#[test]
fn always_is_never_capped() {
    let r = rule(json!({"frequency": {"per": "always"}}));
    let f = facts("https://x/");
    assert!(r.matches(
        &f,
        InviteHistory {
            in_this_session: true,
            last_invited_at: Some(f.now),
        }
    ));
}

// ------------------------------------------------------------------ choosing

#[test]
fn lowest_priority_number_wins_and_ties_keep_list_order() {
    let rules = vec![
        named("a", json!({"priority": 5})),
        named("b", json!({"priority": 1})),
        named("c", json!({"priority": 1})),
        named(
            "d",
            json!({"priority": -2, "location": {"url": {"match": "contains", "value": "/never"}}}),
        ),
        named("e", json!({"priority": 3})),
    ];
    let f = facts("https://x/");
    assert_eq!(pick(&rules, &f, fresh).map(|r| r.id.as_str()), Some("b"));
    let ids: Vec<_> = matching(&rules, &f, fresh)
        .into_iter()
        .map(|r| r.id.as_str())
        .collect();
    assert_eq!(ids, ["b", "c", "e", "a"]);
    // The one that does not match is skipped wherever it stands.
    assert_eq!(
        pick(&rules, &facts("https://x/never"), fresh).map(|r| r.id.as_str()),
        Some("d")
    );
}

#[test]
fn disabled_rules_are_skipped() {
    let rules = vec![
        named("off", json!({"enabled": false, "priority": -10})),
        named("on", json!({})),
    ];
    let f = facts("https://x/");
    assert_eq!(pick(&rules, &f, fresh).map(|r| r.id.as_str()), Some("on"));
    assert_eq!(matching(&rules, &f, fresh).len(), 1);
    assert!(!applies(&rules[0], &f));
}

#[test]
fn history_is_asked_per_rule_and_a_capped_rule_gives_way_to_the_next() {
    let rules = vec![
        named("first", json!({"priority": 0})),
        named("second", json!({"priority": 1})),
    ];
    let f = facts("https://x/");
    let shown_first = |id: &str| InviteHistory {
        in_this_session: id == "first",
        last_invited_at: None,
    };
    assert_eq!(
        pick(&rules, &f, shown_first).map(|r| r.id.as_str()),
        Some("second")
    );
    let all_shown = |_: &str| InviteHistory {
        in_this_session: true,
        last_invited_at: None,
    };
    assert!(pick(&rules, &f, all_shown).is_none());
    assert!(matching(&rules, &f, all_shown).is_empty());
}

#[test]
fn nothing_to_pick_from_nothing() {
    assert!(pick(&[], &facts("https://x/"), fresh).is_none());
}

#[test]
fn time_on_page_changes_the_pick_between_page_load_and_fire_time() {
    let rules = vec![
        named(
            "patient",
            json!({"priority": 0, "time_on_page_seconds": 60}),
        ),
        named("eager", json!({"priority": 1, "time_on_page_seconds": 5})),
    ];
    let mut f = facts("https://x/");
    assert_eq!(
        pick(&rules, &f, fresh).map(|r| r.id.as_str()),
        Some("patient")
    );
    f.seconds_on_page = Some(10);
    assert_eq!(
        pick(&rules, &f, fresh).map(|r| r.id.as_str()),
        Some("eager")
    );
    f.seconds_on_page = Some(60);
    assert_eq!(
        pick(&rules, &f, fresh).map(|r| r.id.as_str()),
        Some("patient")
    );
}

// ------------------------------------------------------------------ messages

#[test]
fn message_in_the_visitors_language_then_the_default_then_any() {
    let r = rule(json!({"messages": {"en": "Need help?", "fr": "Besoin d'aide ?"}}));
    assert_eq!(r.message("fr", "en"), "Besoin d'aide ?");
    assert_eq!(r.message("fr-CA", "en"), "Besoin d'aide ?");
    assert_eq!(r.message("FR_be", "en"), "Besoin d'aide ?");
    assert_eq!(r.message("en-GB", "fr"), "Need help?");
    assert_eq!(r.message("es", "en"), "Need help?");
    assert_eq!(r.message("es", "fr"), "Besoin d'aide ?");
    assert_eq!(r.message("", "en"), "Need help?");
    // The widget's default changed to one the rule has no message in.
    assert_eq!(r.message("de", "es"), "Need help?");
}

// ------------------------------------------------------------ explanations

#[test]
fn failed_conditions_name_each_condition_that_keeps_a_rule_from_inviting() {
    let r = rule(json!({
        "target": {"customers": "returning"},
        "location": {"url": {"match": "contains", "value": "/pricing"}, "country": "FR"},
        "pages_in_session": 3,
        "time_on_page_seconds": 20,
        "window": {"time_zone": "Europe/Paris", "ranges": [{"from": "09:00", "to": "17:00"}]}
    }));
    let mut f = facts("https://shop.example/cart");
    f.seconds_on_page = Some(5);
    let fresh = InviteHistory::default();
    assert_eq!(
        r.failed_conditions(&f, fresh),
        vec![
            Condition::Customers,
            Condition::Url,
            Condition::Country,
            Condition::PagesInSession,
            Condition::TimeOnPage,
        ]
    );
    assert!(!r.matches(&f, fresh));
    let mut ok = facts("https://shop.example/pricing");
    ok.returning = true;
    ok.country = Some("fr");
    ok.pages_in_session = 3;
    ok.seconds_on_page = Some(20);
    assert_eq!(r.failed_conditions(&ok, fresh), vec![]);
    assert!(r.matches(&ok, fresh));
    ok.now = at("2026-03-30T20:00:00Z");
    let seen = InviteHistory {
        in_this_session: true,
        last_invited_at: None,
    };
    assert_eq!(
        r.failed_conditions(&ok, seen),
        vec![Condition::Frequency, Condition::Window]
    );
    let off = rule(json!({"enabled": false}));
    assert_eq!(
        off.failed_conditions(&facts("https://x/"), fresh),
        vec![Condition::Enabled]
    );
}
