//! Reading rsipstack's transactions (shared by the dispatcher and calls).

use std::net::SocketAddr;

use rsipstack::transaction::Transaction;

/// The address the request came from.
pub fn peer(tx: &Transaction) -> Option<SocketAddr> {
    tx.connection
        .as_ref()?
        .get_remote_addr()?
        .get_socketaddr()
        .ok()
}
