//! How many items waited in each queue, minute by minute
//! (`queue_samples`): the gauge behind the live dashboard's chart of the
//! last hours. Written by the server's sampler (one writer per node), read
//! by `/api/v1/reports/waiting`.

use switchboard_core::reports::waiting::Sample;

use crate::sql::Sql;
use crate::{Db, Result};

impl Db {
    /// Adds readings: a minute already stored keeps the larger peak and
    /// takes the new last value (the sampler sends a minute again while it
    /// is still going on).
    pub async fn record_queue_samples(&self, samples: &[Sample]) -> Result<()> {
        if samples.is_empty() {
            return Ok(());
        }
        let mut tx = self.pool.begin().await?;
        for s in samples {
            sqlx::query(
                "INSERT INTO queue_samples (queue_id, minute, waiting_max, waiting_last) \
                 VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (queue_id, minute) DO UPDATE SET \
                 waiting_max = CASE WHEN excluded.waiting_max > queue_samples.waiting_max \
                     THEN excluded.waiting_max ELSE queue_samples.waiting_max END, \
                 waiting_last = excluded.waiting_last",
            )
            .bind(s.queue_id.clone())
            .bind(s.minute)
            .bind(s.waiting_max)
            .bind(s.waiting_last)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The samples of `queues` in minutes `from..to` (whole minutes since
    /// the epoch), and before them each queue's last one: what was waiting
    /// when the span began.
    pub async fn queue_samples(
        &self,
        from: i64,
        to: i64,
        queues: &[String],
    ) -> Result<(Vec<Sample>, Vec<Sample>)> {
        type Row = (String, i64, i64, i64);
        let sample = |(queue_id, minute, waiting_max, waiting_last): Row| Sample {
            queue_id,
            minute,
            waiting_max,
            waiting_last,
        };
        // One look-up per queue along the primary key: a queue quiet for
        // days has its last row far back, and a scan for it would read
        // every row in between.
        let mut before = Vec::new();
        for q in queues {
            let row: Option<Row> = sqlx::query_as(
                "SELECT queue_id, minute, waiting_max, waiting_last FROM queue_samples \
                 WHERE queue_id = $1 AND minute < $2 ORDER BY minute DESC LIMIT 1",
            )
            .bind(q.clone())
            .bind(from)
            .fetch_optional(&self.pool)
            .await?;
            before.extend(row.map(sample));
        }
        if queues.is_empty() {
            return Ok((before, Vec::new()));
        }
        let mut during = Sql::new(
            "SELECT queue_id, minute, waiting_max, waiting_last FROM queue_samples WHERE minute >= ",
        );
        during
            .bind(from)
            .push(" AND minute < ")
            .bind(to)
            .push(" AND queue_id IN (");
        for (i, q) in queues.iter().enumerate() {
            if i > 0 {
                during.push(", ");
            }
            during.bind(q.clone());
        }
        during.push(") ORDER BY minute, queue_id");
        let rows: Vec<Row> = sqlx::query_as_with(&during.text, during.args)
            .fetch_all(&self.pool)
            .await?;
        Ok((before, rows.into_iter().map(sample).collect()))
    }

    /// Forgets the minutes before `minute`, but each queue's newest one:
    /// it says what still waits in a queue quiet since then (the chart
    /// carries a queue's last sample forward).
    pub async fn prune_queue_samples(&self, minute: i64) -> Result<u64> {
        let done = sqlx::query(
            "DELETE FROM queue_samples WHERE minute < $1 AND minute <              (SELECT MAX(newest.minute) FROM queue_samples newest               WHERE newest.queue_id = queue_samples.queue_id)",
        )
        .bind(minute)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }
}
