//! The store announces each configuration change once it is committed.
//!
//! Listeners are called synchronously, in the writer's task, right after
//! the commit and before the write returns: whatever the writer does next
//! (answer a request, which a client may follow with another) already
//! finds every listener told. So a listener must be quick and must not
//! wait: it flags, forgets or wakes, and its own task does the work. The
//! routing engine, for one, takes a change before any command sent after
//! it (see `switchboard_routing::engine`).

use std::sync::{Arc, RwLock};

use switchboard_core::changes::Change;

type Listener = Box<dyn Fn(&Change) + Send + Sync>;

#[derive(Default)]
pub struct Changes {
    listeners: RwLock<Vec<Listener>>,
}

impl Changes {
    /// Calls `f` with every change from now on.
    pub fn listen(&self, f: impl Fn(&Change) + Send + Sync + 'static) {
        self.listeners
            .write()
            .expect("change listeners")
            .push(Box::new(f));
    }

    /// Tells every listener; called by the store after a commit.
    pub(crate) fn announce(&self, change: Change) {
        for f in self.listeners.read().expect("change listeners").iter() {
            f(&change);
        }
    }
}

impl crate::Db {
    /// Where configuration changes are announced.
    pub fn changes(&self) -> &Arc<Changes> {
        &self.changes
    }

    pub(crate) fn announce(&self, change: Change) {
        if change == Change::Webhooks {
            self.hooks.forget();
        }
        self.changes.announce(change);
    }
}
