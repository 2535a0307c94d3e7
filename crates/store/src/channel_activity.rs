//! The other channels' figures of the historical reports: proactive chat
//! invitations, meetings, meeting messages and callbacks, counted straight
//! from their own tables (no second source), per UTC hour so that the
//! caller can fold the hours into days of any time zone. These tables grow
//! by a row per invitation, meeting, message or callback — far slower than
//! routing events — so a year's count is one indexed or sequential scan
//! per figure, not a roll-up.

use std::collections::BTreeMap;

use crate::{Db, Result};

/// One figure: the table, the timestamp column an event is counted at,
/// and the condition that makes a row count.
struct Figure {
    name: &'static str,
    table: &'static str,
    at: &'static str,
    when: &'static str,
}

/// Every figure, by name: counted in the hour of its timestamp.
const FIGURES: &[Figure] = &[
    Figure {
        name: "invitations_shown",
        table: "invitations",
        at: "shown_at",
        when: "TRUE",
    },
    Figure {
        name: "invitations_accepted",
        table: "invitations",
        at: "decided_at",
        when: "outcome = 'accepted'",
    },
    Figure {
        name: "invitations_closed",
        table: "invitations",
        at: "decided_at",
        when: "outcome = 'closed'",
    },
    Figure {
        name: "invitations_expired",
        table: "invitations",
        at: "decided_at",
        when: "outcome = 'expired'",
    },
    Figure {
        name: "meetings_booked",
        table: "meetings",
        at: "created_at",
        when: "TRUE",
    },
    Figure {
        name: "meetings_cancelled",
        table: "meetings",
        at: "cancelled_at",
        when: "cancelled_at IS NOT NULL",
    },
    // Held: a meeting that took place, so scheduled (neither cancelled nor
    // a page booking never confirmed), over, and not a no-show.
    Figure {
        name: "meetings_held",
        table: "meetings",
        at: "ends_at",
        when: "state = 'scheduled' AND no_show_at IS NULL AND ends_at <= $3",
    },
    // A no-show is counted at the meeting's start (the time the customer
    // missed), whenever it was marked; undoing the mark uncounts it.
    Figure {
        name: "meetings_no_show",
        table: "meetings",
        at: "starts_at",
        when: "state = 'scheduled' AND no_show_at IS NOT NULL",
    },
    Figure {
        name: "emails_sent",
        table: "outbox",
        at: "sent_at",
        when: "channel = 'email' AND state = 'sent'",
    },
    Figure {
        name: "emails_skipped",
        table: "outbox",
        at: "created_at",
        when: "channel = 'email' AND state = 'skipped'",
    },
    Figure {
        name: "emails_failed",
        table: "outbox",
        at: "created_at",
        when: "channel = 'email' AND state = 'failed'",
    },
    Figure {
        name: "sms_sent",
        table: "outbox",
        at: "sent_at",
        when: "channel = 'sms' AND state = 'sent'",
    },
    Figure {
        name: "sms_skipped",
        table: "outbox",
        at: "created_at",
        when: "channel = 'sms' AND state = 'skipped'",
    },
    Figure {
        name: "sms_failed",
        table: "outbox",
        at: "created_at",
        when: "channel = 'sms' AND state = 'failed'",
    },
    Figure {
        name: "callbacks_requested",
        table: "callbacks",
        at: "created_at",
        when: "TRUE",
    },
    Figure {
        name: "callbacks_completed",
        table: "callbacks",
        at: "closed_at",
        when: "status = 'completed'",
    },
    Figure {
        name: "callbacks_failed",
        table: "callbacks",
        at: "closed_at",
        when: "status IN ('failed', 'expired', 'missed')",
    },
];

/// The names of the figures, in their order.
pub fn activity_figures() -> Vec<&'static str> {
    FIGURES.iter().map(|f| f.name).collect()
}

impl Db {
    /// Each figure's count per UTC hour (`2026-12-07T09`) for events from
    /// `from` (included) to `to` (excluded), both stored timestamps;
    /// `now` decides which meetings are over (held).
    pub async fn activity_by_hour(
        &self,
        from: &str,
        to: &str,
        now: &str,
    ) -> Result<BTreeMap<&'static str, Vec<(String, i64)>>> {
        let mut out = BTreeMap::new();
        for f in FIGURES {
            // Names and conditions are this file's constants, never input.
            let sql = format!(
                "SELECT substr({at}, 1, 13) AS hour, COUNT(*) AS n FROM {table} \
                 WHERE {at} >= $1 AND {at} < $2 AND ({when}) GROUP BY substr({at}, 1, 13)",
                at = f.at,
                table = f.table,
                when = f.when,
            );
            let mut q = sqlx::query_as::<_, (String, i64)>(&sql)
                .bind(from.to_owned())
                .bind(to.to_owned());
            if f.when.contains("$3") {
                q = q.bind(now.to_owned());
            }
            out.insert(f.name, q.fetch_all(&self.pool).await?);
        }
        Ok(out)
    }
}
