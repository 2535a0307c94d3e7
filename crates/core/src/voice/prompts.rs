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
}

impl Prompt {
    pub const ALL: [Prompt; 5] = [
        Prompt::Greeting,
        Prompt::Hold,
        Prompt::CallbackOffer,
        Prompt::CallbackConfirmation,
        Prompt::Position,
    ];
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
        }
        assert_eq!(
            default_text(Prompt::Greeting, "de"),
            default_text(Prompt::Greeting, "en")
        );
    }
}
