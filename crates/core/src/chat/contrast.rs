//! Readable text on the widget's brand colour, by the WCAG 2 contrast ratio
//! (relative luminance), and the checks behind the warnings admins get when
//! they save a colour.

/// The contrast WCAG 2 asks of normal text (success criterion 1.4.3, AA).
pub const TEXT_MINIMUM: f64 = 4.5;
/// The contrast WCAG 2 asks of a user interface component against what is
/// next to it (success criterion 1.4.11).
pub const COMPONENT_MINIMUM: f64 = 3.0;

/// `#rrggbb` (case-insensitive) as red, green and blue.
pub fn parse_hex(colour: &str) -> Option<[u8; 3]> {
    let hex = colour.strip_prefix('#')?;
    if hex.len() != 6 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
    Some([byte(0)?, byte(2)?, byte(4)?])
}

/// WCAG 2 relative luminance of an sRGB colour, from 0 (black) to 1 (white).
pub fn relative_luminance([r, g, b]: [u8; 3]) -> f64 {
    let channel = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.04045 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
}

/// WCAG 2 contrast ratio of two colours, from 1 to 21 (order does not matter).
pub fn contrast_ratio(a: [u8; 3], b: [u8; 3]) -> f64 {
    let (la, lb) = (relative_luminance(a), relative_luminance(b));
    let (light, dark) = if la >= lb { (la, lb) } else { (lb, la) };
    (light + 0.05) / (dark + 0.05)
}

pub const BLACK: [u8; 3] = [0, 0, 0];
pub const WHITE: [u8; 3] = [255, 255, 255];

/// The text colour for a background: black or white, whichever has the
/// higher contrast ratio with it (black on a tie). `None` for a colour
/// that is not `#rrggbb`.
pub fn text_colour(background: &str) -> Option<&'static str> {
    let bg = parse_hex(background)?;
    Some(if contrast_ratio(bg, BLACK) >= contrast_ratio(bg, WHITE) {
        "#000000"
    } else {
        "#ffffff"
    })
}

/// What an admin should hear about a brand colour, as `(code, message)`:
/// text on it below 4.5:1 even in black or white (no `#rrggbb` colour
/// gets there: the better of the two is always at least 4.58:1, but the
/// rule is kept should the text colours change), and the colour against
/// the widget's white panel below 3:1 (its buttons fade into the panel).
pub fn colour_warnings(background: &str) -> Vec<(&'static str, String)> {
    let Some(bg) = parse_hex(background) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let text = contrast_ratio(bg, BLACK).max(contrast_ratio(bg, WHITE));
    if text < TEXT_MINIMUM {
        out.push((
            "low_text_contrast",
            format!(
                "neither black nor white text reaches {TEXT_MINIMUM}:1 on this colour (best {text:.2}:1)"
            ),
        ));
    }
    let panel = contrast_ratio(bg, WHITE);
    if panel < COMPONENT_MINIMUM {
        out.push((
            "low_contrast_with_panel",
            format!(
                "this colour has {panel:.2}:1 against the widget's white panel (WCAG asks {COMPONENT_MINIMUM}:1 of buttons); a darker shade keeps the buttons visible"
            ),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ratio(a: &str, b: &str) -> f64 {
        contrast_ratio(parse_hex(a).unwrap(), parse_hex(b).unwrap())
    }

    #[test]
    fn known_ratios() {
        assert!((ratio("#000000", "#ffffff") - 21.0).abs() < 1e-9);
        assert!((ratio("#ffffff", "#ffffff") - 1.0).abs() < 1e-9);
        // #767676 is the lightest grey with 4.5:1 on white.
        assert!(ratio("#767676", "#ffffff") >= 4.5);
        assert!(ratio("#777777", "#ffffff") < 4.5);
        assert_eq!(ratio("#0b5fff", "#000000"), ratio("#000000", "#0b5fff"));
    }

    #[test]
    fn a_green_a_rough_brightness_cutoff_got_wrong_takes_black_text() {
        // White on #2f9e44 is 3.4:1; black is above 4.5:1.
        let bg = parse_hex("#2f9e44").unwrap();
        assert!(contrast_ratio(bg, WHITE) < 3.5);
        assert!(contrast_ratio(bg, BLACK) > 4.5);
        assert_eq!(text_colour("#2f9e44"), Some("#000000"));
    }

    #[test]
    fn dark_colours_take_white_and_light_ones_black() {
        assert_eq!(text_colour("#0b5fff"), Some("#ffffff"));
        assert_eq!(text_colour("#2f6f4f"), Some("#ffffff"));
        assert_eq!(text_colour("#000000"), Some("#ffffff"));
        assert_eq!(text_colour("#FFEB3B"), Some("#000000"));
        assert_eq!(text_colour("#ffffff"), Some("#000000"));
        assert_eq!(text_colour("blue"), None);
        assert_eq!(text_colour("#12345"), None);
    }

    #[test]
    fn the_chosen_text_always_reaches_the_minimum() {
        // Every grey, and a walk through the colour cube.
        for v in 0..=255u8 {
            let bg = [v, v, v];
            let best = contrast_ratio(bg, BLACK).max(contrast_ratio(bg, WHITE));
            assert!(best >= TEXT_MINIMUM, "{bg:?}: {best}");
        }
        for r in (0..=255u8).step_by(17) {
            for g in (0..=255u8).step_by(17) {
                for b in (0..=255u8).step_by(17) {
                    let hex = format!("#{r:02x}{g:02x}{b:02x}");
                    let text = parse_hex(text_colour(&hex).unwrap()).unwrap();
                    assert!(contrast_ratio([r, g, b], text) >= TEXT_MINIMUM, "{hex}");
                    assert!(!colour_warnings(&hex)
                        .iter()
                        .any(|(code, _)| *code == "low_text_contrast"));
                }
            }
        }
    }

    #[test]
    fn light_colours_are_warned_about_against_the_white_panel() {
        let w = colour_warnings("#ffeb3b");
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].0, "low_contrast_with_panel");
        assert!(colour_warnings("#0b5fff").is_empty());
        assert!(colour_warnings("#2f9e44").is_empty());
        assert!(colour_warnings("not a colour").is_empty());
    }
}
