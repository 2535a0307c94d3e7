//! The message writer: one task that persists chat messages and only then
//! acknowledges and publishes them.
//!
//! Messages that arrive while a transaction is being written wait for the
//! next one, so under load many messages share one commit (group commit)
//! instead of each paying for its own. The writer is the only one to assign
//! `seq`, which makes it strictly increasing, and publishes in that order.

use std::sync::Arc;

use switchboard_core::time;
use switchboard_store::chat::MessageRow;
use switchboard_store::Db;
use tokio::sync::{mpsc, oneshot};

use super::hub::{Audience, ChatEvent, Hub};

/// A message to persist.
#[derive(Debug, Clone)]
pub struct NewMessage {
    pub conversation_id: String,
    /// `visitor`, `agent` or `system`.
    pub sender: &'static str,
    pub agent_id: Option<String>,
    pub name: Option<String>,
    pub body: String,
    pub client_id: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("the message could not be stored: {0}")]
    Store(#[from] switchboard_store::StoreError),
    #[error("the message writer has stopped")]
    Stopped,
    #[error("this conversation has ended")]
    Ended,
}

type Job = (
    NewMessage,
    oneshot::Sender<Result<MessageRow, Arc<WriteError>>>,
);

/// Most messages in one transaction.
const MAX_BATCH: usize = 2000;

#[derive(Clone)]
pub struct MessageWriter {
    tx: mpsc::Sender<Job>,
}

impl MessageWriter {
    pub async fn start(db: Db, hub: Arc<Hub>) -> Result<Self, switchboard_store::StoreError> {
        let last = db.last_message_seq().await?;
        let (tx, rx) = mpsc::channel(16 * 1024);
        tokio::spawn(run(db, hub, last, rx));
        Ok(Self { tx })
    }

    /// Persists, publishes, and answers with the stored message. A resent
    /// `client_id` answers with the message stored the first time.
    pub async fn write(&self, m: NewMessage) -> Result<MessageRow, Arc<WriteError>> {
        let (reply, answer) = oneshot::channel();
        self.tx
            .send((m, reply))
            .await
            .map_err(|_| Arc::new(WriteError::Stopped))?;
        answer.await.map_err(|_| Arc::new(WriteError::Stopped))?
    }
}

async fn run(db: Db, hub: Arc<Hub>, mut last: i64, mut rx: mpsc::Receiver<Job>) {
    let mut jobs: Vec<Job> = Vec::with_capacity(MAX_BATCH);
    let mut conn: Option<switchboard_store::chat::MessageConnection> = None;
    while let Some(first) = rx.recv().await {
        jobs.push(first);
        while jobs.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(j) => jobs.push(j),
                Err(_) => break,
            }
        }
        let at = time::now();
        let rows: Vec<MessageRow> = jobs
            .iter()
            .enumerate()
            .map(|(i, (m, _))| MessageRow {
                seq: last + 1 + i as i64,
                conversation_id: m.conversation_id.clone(),
                sender: m.sender.to_owned(),
                agent_id: m.agent_id.clone(),
                name: m.name.clone(),
                body: m.body.clone(),
                client_id: m.client_id.clone(),
                at: at.clone(),
            })
            .collect();
        let written = match conn.as_mut() {
            Some(c) => c.insert(&rows).await,
            None => match db.message_connection().await {
                Ok(mut c) => {
                    let r = c.insert(&rows).await;
                    conn = Some(c);
                    r
                }
                Err(e) => Err(e),
            },
        };
        match written {
            Ok(outcome) => {
                last += rows.len() as i64;
                for (row, (_, reply)) in rows.into_iter().zip(jobs.drain(..)) {
                    if outcome.ended.contains(&row.seq) {
                        let _ = reply.send(Err(Arc::new(WriteError::Ended)));
                        continue;
                    }
                    if outcome.duplicates.contains(&row.seq) {
                        // Already stored under this client id: answer with the original.
                        let original = match &row.client_id {
                            Some(c) => {
                                db.message_by_client_id(&row.conversation_id, &row.sender, c)
                                    .await
                            }
                            None => Ok(None),
                        };
                        let _ = reply.send(match original {
                            Ok(Some(m)) => Ok(m),
                            Ok(None) => Err(Arc::new(WriteError::Stopped)),
                            Err(e) => Err(Arc::new(e.into())),
                        });
                        continue;
                    }
                    hub.publish(
                        &row.conversation_id,
                        ChatEvent::Message(row.clone()),
                        Audience::Both,
                    );
                    let _ = reply.send(Ok(row));
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "writing chat messages failed");
                // The connection may be what broke: take a fresh one next time.
                conn = None;
                let e = Arc::new(WriteError::from(e));
                for (_, reply) in jobs.drain(..) {
                    let _ = reply.send(Err(e.clone()));
                }
                // The failed batch may or may not have landed: continue after
                // whatever the database holds.
                if let Ok(l) = db.last_message_seq().await {
                    last = last.max(l);
                }
            }
        }
    }
}
