//! What changed on a case, in words, for the `case_event` timeline entry.

use crate::records::CaseDraft;

/// Lines like `status: active → resolved`, in a fixed field order; empty when
/// nothing a person would notice changed. Long texts are named, not quoted.
pub fn describe(old: &CaseDraft, new: &CaseDraft) -> Vec<String> {
    let mut lines = Vec::new();
    let mut field = |name: &str, a: Option<&str>, b: Option<&str>| {
        if a != b {
            lines.push(format!(
                "{name}: {} → {}",
                a.unwrap_or("none"),
                b.unwrap_or("none")
            ));
        }
    };
    field("title", Some(&old.title), Some(&new.title));
    field(
        "priority",
        Some(old.priority.as_str()),
        Some(new.priority.as_str()),
    );
    field(
        "status",
        Some(old.status.as_str()),
        Some(new.status.as_str()),
    );
    field(
        "product",
        old.product_id.as_deref(),
        new.product_id.as_deref(),
    );
    field("owner", old.owner_id.as_deref(), new.owner_id.as_deref());
    field(
        "contact",
        old.contact_id.as_deref(),
        new.contact_id.as_deref(),
    );
    field(
        "account",
        old.account_id.as_deref(),
        new.account_id.as_deref(),
    );
    if old.description != new.description {
        lines.push("description changed".to_owned());
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::{CaseStatus, Priority};

    fn case() -> CaseDraft {
        CaseDraft {
            title: "Card blocked".into(),
            description: None,
            priority: Priority::Normal,
            status: CaseStatus::Active,
            product_id: None,
            owner_id: None,
            contact_id: Some("c".into()),
            account_id: None,
        }
    }

    #[test]
    fn names_each_change() {
        let old = case();
        let new = CaseDraft {
            status: CaseStatus::Resolved,
            owner_id: Some("a1".into()),
            description: Some("x".into()),
            ..case()
        };
        assert_eq!(
            describe(&old, &new),
            [
                "status: active → resolved",
                "owner: none → a1",
                "description changed"
            ]
        );
        assert!(describe(&old, &old).is_empty());
    }
}
