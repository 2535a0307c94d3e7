//! `{name}` placeholders in text admins write (agent scripts, message
//! templates): finding them and filling them in.

/// Replaces each `{name}` for which `is_name(name)` holds with
/// `value(name)`; every other brace is the text's own and is kept.
pub fn fill(text: &str, is_name: impl Fn(&str) -> bool, value: impl Fn(&str) -> String) -> String {
    let mut out = String::with_capacity(text.len() + 64);
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) if is_name(&after[..close]) => {
                out.push_str(&value(&after[..close]));
                rest = &after[close + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The placeholders of `text`, in order.
pub fn names(text: &str, is_name: impl Fn(&str) -> bool) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) if is_name(&after[..close]) => {
                out.push(&after[..close]);
                rest = &after[close + 1..];
            }
            _ => rest = after,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_filled_and_other_braces_kept() {
        let lower = |n: &str| !n.is_empty() && n.bytes().all(|b| b.is_ascii_lowercase());
        assert_eq!(
            fill("a {x} {Y} {} {x{y} }{", lower, |n| n.to_uppercase()),
            "a X {Y} {} {xY }{"
        );
        assert_eq!(names("{a}{B}{b}", lower), ["a", "b"]);
    }
}
