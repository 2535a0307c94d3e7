//! What callers hear, in the languages Switchboard ships (en, fr, es).
//! Admins will override them per queue and language; these are the
//! defaults, matching the reference product's wording.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Prompt {
    Greeting,
    Hold,
    CallbackOffer,
    CallbackConfirmation,
    /// `{position}` is replaced.
    Position,
    /// After the agent hung up (queues with `csat_survey`): press 1 to 5.
    Csat,
    /// After the caller rated the call.
    CsatThanks,
}

impl Prompt {
    pub const ALL: [Prompt; 7] = [
        Prompt::Greeting,
        Prompt::Hold,
        Prompt::CallbackOffer,
        Prompt::CallbackConfirmation,
        Prompt::Position,
        Prompt::Csat,
        Prompt::CsatThanks,
    ];

    /// The name in URLs and the store.
    pub fn name(self) -> &'static str {
        match self {
            Prompt::Greeting => "greeting",
            Prompt::Hold => "hold",
            Prompt::CallbackOffer => "callback_offer",
            Prompt::CallbackConfirmation => "callback_confirmation",
            Prompt::Position => "position",
            Prompt::Csat => "csat",
            Prompt::CsatThanks => "csat_thanks",
        }
    }

    pub fn parse(name: &str) -> Option<Prompt> {
        Prompt::ALL.into_iter().find(|p| p.name() == name)
    }
}

/// The languages prompts are shipped in (and may be overridden in).
pub use crate::language::LANGUAGES;

/// Longest prompt text an admin may set.
pub const MAX_TEXT: usize = 1000;

/// Checks an admin's text for a prompt: 1 to 1000 characters, no braces
/// except `{position}` in the position announcement (which must have it).
pub fn check_text(prompt: Prompt, text: &str) -> Result<String, crate::Invalid> {
    let mut c = crate::validation::Check::new();
    let t = text.trim();
    if t.is_empty() {
        c.fail("text", "required", "is required");
    } else if t.chars().count() > MAX_TEXT {
        c.fail("text", "too_long", format!("at most {MAX_TEXT} characters"));
    } else if t.chars().any(char::is_control) {
        c.fail("text", "invalid", "must not contain control characters");
    } else {
        let rest = t.replace("{position}", "");
        if rest.contains('{') || rest.contains('}') {
            c.fail(
                "text",
                "unknown_variable",
                "the only variable is {position}",
            );
        } else if prompt == Prompt::Position && !t.contains("{position}") {
            c.fail("text", "required_variable", "must say {position}");
        } else if prompt != Prompt::Position && t.contains("{position}") {
            c.fail(
                "text",
                "unknown_variable",
                "only the position prompt has {position}",
            );
        }
    }
    c.finish(|| t.to_owned())
}

/// The default text of a prompt (English for other languages).
pub fn default_text(prompt: Prompt, language: &str) -> &'static str {
    match (prompt, language) {
        (Prompt::Greeting, "fr") => "Merci de votre appel. Un conseiller va vous répondre.",
        (Prompt::Greeting, "es") => "Gracias por su llamada. Un agente le atenderá en breve.",
        (Prompt::Greeting, _) => "Thank you for calling. A representative will be with you shortly.",
        (Prompt::Hold, "fr") => "Merci de patienter, votre appel est important pour nous.",
        (Prompt::Hold, "es") => "Gracias por esperar, su llamada es importante para nosotros.",
        (Prompt::Hold, _) => "Thank you for holding. Your call is important to us.",
        (Prompt::CallbackOffer, "fr") => "Le temps d'attente est plus long que prévu. Si vous souhaitez être rappelé, appuyez sur 1, ou patientez jusqu'au prochain conseiller disponible.",
        (Prompt::CallbackOffer, "es") => "El tiempo de espera es más largo de lo previsto. Si desea que le devolvamos la llamada, pulse 1, o espere al siguiente agente disponible.",
        (Prompt::CallbackOffer, _) => "Current wait times are longer than expected. If you would like a callback, press 1, or wait for the next available representative.",
        (Prompt::CallbackConfirmation, "fr") => "Vous avez demandé à être rappelé. Nous vous rappellerons dès qu'un conseiller sera disponible. Au revoir.",
        (Prompt::CallbackConfirmation, "es") => "Ha solicitado que le devolvamos la llamada. Le llamaremos en cuanto un agente esté disponible. Adiós.",
        (Prompt::CallbackConfirmation, _) => "You have requested a callback. We will call you back as soon as a representative is available. Goodbye.",
        (Prompt::Position, "fr") => "Vous êtes en position {position} dans la file d'attente.",
        (Prompt::Position, "es") => "Usted está en la posición {position} de la cola.",
        (Prompt::Position, _) => "You are number {position} in the queue.",
        (Prompt::Csat, "fr") => "Merci de noter cet appel de 1 à 5 sur votre clavier, 5 étant la meilleure note.",
        (Prompt::Csat, "es") => "Por favor, califique esta llamada del 1 al 5 con su teclado, siendo 5 la mejor nota.",
        (Prompt::Csat, _) => "Please rate this call from 1 to 5 on your keypad, 5 being the best.",
        (Prompt::CsatThanks, "fr") => "Merci pour votre note. Au revoir.",
        (Prompt::CsatThanks, "es") => "Gracias por su valoración. Adiós.",
        (Prompt::CsatThanks, _) => "Thank you for your rating. Goodbye.",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_prompt_exists_in_every_language_and_the_offer_asks_for_1() {
        for p in Prompt::ALL {
            for lang in ["en", "fr", "es", "de"] {
                assert!(!default_text(p, lang).is_empty());
            }
        }
        for lang in ["en", "fr", "es"] {
            assert!(default_text(Prompt::CallbackOffer, lang).contains('1'));
            assert!(default_text(Prompt::Position, lang).contains("{position}"));
            let csat = default_text(Prompt::Csat, lang);
            assert!(csat.contains('1') && csat.contains('5'), "{csat}");
        }
        assert_eq!(
            default_text(Prompt::Greeting, "de"),
            default_text(Prompt::Greeting, "en")
        );
    }

    #[test]
    fn spanish_prompts_address_the_caller_as_usted() {
        // The register chosen for every customer-facing Spanish text.
        let tu = [
            " tu ",
            " te ",
            " tú ",
            "pulsa ",
            "espera al",
            "has ",
            "estás",
            "quieres",
            "deseas",
        ];
        for p in Prompt::ALL {
            let text = format!(" {} ", default_text(p, "es").to_lowercase());
            for word in tu {
                assert!(!text.contains(word), "{p:?} says {word:?}: {text}");
            }
        }
        assert!(default_text(Prompt::CallbackOffer, "es").contains("pulse 1"));
        assert!(default_text(Prompt::Hold, "es").contains("su llamada"));
    }

    #[test]
    fn names_round_trip_and_admin_texts_are_checked() {
        for p in Prompt::ALL {
            assert_eq!(Prompt::parse(p.name()), Some(p));
        }
        assert_eq!(Prompt::parse("Greeting"), None);
        assert_eq!(
            check_text(Prompt::Greeting, "  Bonjour !  ").unwrap(),
            "Bonjour !"
        );
        assert!(check_text(Prompt::Greeting, "").is_err());
        assert!(check_text(Prompt::Greeting, &"a".repeat(1001)).is_err());
        assert!(check_text(Prompt::Greeting, "Hi {name}").is_err());
        assert!(check_text(Prompt::Greeting, "Hi {position}").is_err());
        assert!(check_text(Prompt::Position, "You are next").is_err());
        assert!(check_text(Prompt::Position, "Number {position}, please hold").is_ok());
        assert!(
            check_text(Prompt::Hold, "bell\u{7}").is_err(),
            "control characters"
        );
        assert!(check_text(Prompt::Hold, "line\nbreak").is_err());
        assert!(
            check_text(Prompt::Hold, "<script>alert(1)</script>").is_ok(),
            "spoken, never rendered"
        );
    }
}
