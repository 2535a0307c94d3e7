//! The visitor's rating of a chat (CSAT): a score of 1 to 5 and an
//! optional comment, given once the chat has ended.
//!
//! CSAT as reports count it (`docs/reports.md`): the share of ratings that
//! are 4 or 5 ("satisfied"), beside the mean score and how many rated.

use crate::validation::{Check, Invalid};

/// Longest comment, in characters.
pub const COMMENT_MAX: usize = 1000;

/// A checked rating.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rating {
    pub score: i64,
    pub comment: Option<String>,
}

impl Rating {
    /// A score of 1 to 5; a comment of at most 1,000 characters, line
    /// breaks kept, blank meaning none.
    pub fn parse(score: Option<i64>, comment: Option<String>) -> Result<Self, Invalid> {
        let mut c = Check::new();
        match score {
            None => c.fail("score", "required", "is required"),
            Some(s) if !(1..=5).contains(&s) => {
                c.fail("score", "out_of_range", "must be between 1 and 5")
            }
            Some(_) => {}
        }
        let comment = c.optional_multiline("comment", comment, COMMENT_MAX);
        c.finish(|| Rating {
            score: score.unwrap_or_default(),
            comment,
        })
    }

    /// Whether the rating counts as satisfied (4 or 5).
    pub fn satisfied(score: i64) -> bool {
        score >= 4
    }
}

/// The timeline entry's subject for a rating.
pub fn subject(score: i64) -> String {
    format!("Rated the chat {score}/5")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_are_one_to_five_and_comments_bounded() {
        assert_eq!(
            Rating::parse(Some(4), Some("  Quick and kind.\nThanks ".into())).unwrap(),
            Rating {
                score: 4,
                comment: Some("Quick and kind.\nThanks".into())
            }
        );
        assert_eq!(
            Rating::parse(Some(1), Some("   ".into())).unwrap().comment,
            None
        );
        for bad in [0, 6, -1] {
            let e = Rating::parse(Some(bad), None).unwrap_err();
            assert_eq!(
                (e.0[0].field.as_str(), e.0[0].code.as_str()),
                ("score", "out_of_range")
            );
        }
        let e = Rating::parse(None, Some("x".repeat(COMMENT_MAX + 1))).unwrap_err();
        let fields: Vec<_> = e.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["score", "comment"]);
        assert!(Rating::satisfied(4) && Rating::satisfied(5) && !Rating::satisfied(3));
    }
}
