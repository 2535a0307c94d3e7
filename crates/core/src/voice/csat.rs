//! The caller's rating of a call (issue 16): after the agent hangs up, a
//! voice queue with `csat_survey` on asks the caller to press 1 to 5. A
//! key outside 1–5 asks again once; a second one, no key within
//! [`ANSWER_TIMEOUT`] of the question, or the caller hanging up leaves the
//! call unrated.

use std::time::Duration;

/// How long the caller has to answer, from the end of the question.
pub const ANSWER_TIMEOUT: Duration = Duration::from_secs(10);

/// Keys outside 1–5 accepted before giving up.
pub const INVALID_ALLOWED: u32 = 1;

/// What a key press does to the survey.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// A score: store it, thank the caller, hang up.
    Rated(i64),
    /// Not 1–5: ask once more.
    AskAgain,
    /// Not 1–5 again: hang up without a rating.
    GiveUp,
}

/// One survey's state: how many wrong keys so far.
#[derive(Debug, Clone, Default)]
pub struct Survey {
    invalid: u32,
}

impl Survey {
    pub fn key(&mut self, key: char) -> Step {
        match key.to_digit(10) {
            Some(d @ 1..=5) => Step::Rated(i64::from(d)),
            _ => {
                self.invalid += 1;
                if self.invalid > INVALID_ALLOWED {
                    Step::GiveUp
                } else {
                    Step::AskAgain
                }
            }
        }
    }
}

/// The timeline entry's subject for a call's rating.
pub fn subject(score: i64) -> String {
    format!("Rated the call {score}/5")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_to_five_rate_and_a_second_wrong_key_gives_up() {
        for (k, s) in [('1', 1), ('4', 4), ('5', 5)] {
            assert_eq!(Survey::default().key(k), Step::Rated(s));
        }
        let mut s = Survey::default();
        assert_eq!(s.key('0'), Step::AskAgain);
        assert_eq!(s.key('3'), Step::Rated(3), "a right key after a wrong one");
        let mut s = Survey::default();
        assert_eq!(s.key('9'), Step::AskAgain);
        assert_eq!(s.key('#'), Step::GiveUp);
        assert_eq!(subject(4), "Rated the call 4/5");
    }
}
