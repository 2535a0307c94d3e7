//! Which of the languages Switchboard ships a person is spoken to in.
//!
//! Every customer-facing text (widget, default templates, voice prompts)
//! ships in English, French and Spanish. Whatever names a person's language
//! — a contact's locale (`fr-CA`), a booking's `language`, a browser's
//! `Accept-Language` header (`de-DE,fr;q=0.8`) — is reduced to one of those
//! here, so that a French Canadian hears French on the phone, reads French
//! in the widget and gets French emails alike.

/// The languages every customer-facing text ships in.
pub const LANGUAGES: [&str; 3] = ["en", "fr", "es"];

/// The language every text falls back to.
pub const DEFAULT: &str = "en";

/// The primary language subtag of a tag, as written: `fr-CA` → `fr`,
/// `es_MX` → `es`, `fr;q=0.8` (an `Accept-Language` entry) → `fr`.
/// Routing keeps it as an attribute even for languages nothing ships in.
pub fn primary_subtag(tag: &str) -> &str {
    tag.split(['-', '_', ';']).next().unwrap_or("").trim()
}

/// The first shipped language `requested` names, if any. `requested` is a
/// single tag or an `Accept-Language` list, read in the order given (the
/// browser lists the person's preference first; `q` weights are not
/// needed to honour it).
pub fn supported(requested: Option<&str>) -> Option<&'static str> {
    requested?
        .split(',')
        .find_map(|tag| shipped(primary_subtag(tag)))
}

/// The language to speak: the first shipped one `requested` names, else
/// `fallback` (an organization's or widget's default) when it is shipped
/// itself, else English.
pub fn language(requested: Option<&str>, fallback: &str) -> &'static str {
    supported(requested)
        .or_else(|| shipped(primary_subtag(fallback)))
        .unwrap_or(DEFAULT)
}

fn shipped(primary: &str) -> Option<&'static str> {
    LANGUAGES
        .into_iter()
        .find(|l| l.eq_ignore_ascii_case(primary))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tag_reduces_to_its_primary_subtag_in_any_case_and_separator() {
        assert_eq!(language(Some("fr-CA"), "en"), "fr");
        assert_eq!(language(Some("ES"), "en"), "es");
        assert_eq!(language(Some("es_MX"), "fr"), "es");
        assert_eq!(language(Some("en-GB"), "fr"), "en");
        assert_eq!(language(Some(" fr "), "en"), "fr");
    }

    #[test]
    fn anything_not_shipped_falls_back_then_to_english() {
        assert_eq!(language(Some("de-DE"), "fr"), "fr");
        assert_eq!(language(Some(""), "es"), "es");
        assert_eq!(language(None, "es"), "es");
        assert_eq!(language(None, "fr-CA"), "fr");
        // A fallback that is not shipped itself gives English.
        assert_eq!(language(Some("de"), "de"), "en");
        assert_eq!(language(None, ""), "en");
        // Three letters are another language, not a longer spelling.
        assert_eq!(language(Some("fra"), "en"), "en");
    }

    #[test]
    fn accept_language_lists_take_the_first_shipped_entry_in_order() {
        assert_eq!(
            language(Some("de-DE,de;q=0.9,fr;q=0.8,en;q=0.7"), "en"),
            "fr"
        );
        assert_eq!(language(Some("es-419;q=0.9"), "en"), "es");
        assert_eq!(language(Some("de, it"), "fr"), "fr");
        assert_eq!(language(Some("*"), "es"), "es");
    }

    #[test]
    fn supported_says_when_nothing_shipped_was_named() {
        assert_eq!(supported(Some("fr-CA")), Some("fr"));
        assert_eq!(supported(Some("de-DE,es")), Some("es"));
        assert_eq!(supported(Some("de")), None);
        assert_eq!(supported(None), None);
    }

    #[test]
    fn primary_subtags_keep_unshipped_languages() {
        assert_eq!(primary_subtag("de-DE"), "de");
        assert_eq!(primary_subtag("zh_Hant_TW"), "zh");
        assert_eq!(primary_subtag("fr;q=0.8"), "fr");
        assert_eq!(primary_subtag("es"), "es");
        assert_eq!(primary_subtag(""), "");
    }
}
