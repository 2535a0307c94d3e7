//! The SIP endpoint: rsipstack's transport, transactions and dialogs, and
//! Switchboard's dispatch of what arrives — REGISTER to the registrar,
//! INVITE from trusted trunks to a new call, in-dialog requests to their
//! dialog, everything else refused. This is the one module that knows
//! rsipstack's transaction API; an upgrade or a switch of stack starts here.

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use anyhow::Context;
use rsipstack::dialog::dialog_layer::DialogLayer;
use rsipstack::sip::{Header, Method, StatusCode};
use rsipstack::transaction::endpoint::Endpoint;
use rsipstack::transaction::Transaction;
use rsipstack::transport::{udp::UdpConnection, TransportLayer};
use rsipstack::EndpointBuilder;
use switchboard_core::voice::digest;
use tokio_util::sync::CancellationToken;

use super::registrar::{self, Check};
use super::Voice;

pub struct Sip {
    pub addr: SocketAddr,
    pub dialogs: Arc<DialogLayer>,
    /// Our Contact in dialogs we create.
    pub contact: rsipstack::sip::Uri,
    endpoint: Arc<Endpoint>,
    pub cancel: CancellationToken,
}

impl Sip {
    pub async fn bind(listen: SocketAddr) -> anyhow::Result<Self> {
        let cancel = CancellationToken::new();
        let transport = TransportLayer::new(cancel.clone());
        let conn = UdpConnection::create_connection(listen, None, Some(cancel.child_token()))
            .await
            .with_context(|| format!("listening for SIP on {listen}"))?;
        let addr = conn
            .get_addr()
            .get_socketaddr()
            .context("the SIP socket's address")?;
        transport.add_transport(conn.into());
        let endpoint = EndpointBuilder::new()
            .with_cancel_token(cancel.clone())
            .with_transport_layer(transport)
            .with_user_agent("Switchboard")
            .build();
        let dialogs = Arc::new(DialogLayer::new(endpoint.inner.clone()));
        let contact: rsipstack::sip::Uri = format!("sip:switchboard@{addr}")
            .as_str()
            .try_into()
            .context("our SIP contact")?;
        Ok(Self {
            addr,
            dialogs,
            contact,
            endpoint: Arc::new(endpoint),
            cancel,
        })
    }
}

pub fn spawn(v: Arc<Voice>) {
    let endpoint = v.sip.endpoint.clone();
    tokio::spawn(async move { endpoint.serve().await });
    let mut incoming = match v.sip.endpoint.incoming_transactions() {
        Ok(i) => i,
        Err(e) => {
            tracing::error!(error = %e, "the SIP endpoint gives no transactions");
            return;
        }
    };
    tokio::spawn(async move {
        while let Some(tx) = incoming.recv().await {
            let v = v.clone();
            // Each request in its own task: a slow database or a stuck
            // dialog never holds up the next caller.
            tokio::spawn(async move { dispatch(v, tx).await });
        }
    });
}

/// The address a request's datagram really came from: the transport's, never
/// the Via, which is the sender's text (a `received=` it wrote is kept when
/// its sent-by is its real address, and a comma inside a parameter hides the
/// transport's stamp from a reader of the first value; the `sip_message`
/// fuzz target found both).
pub use crate::transaction::peer;

fn has_to_tag(tx: &Transaction) -> bool {
    registrar::header(&tx.original, "To").is_some_and(|to| {
        to.split(';')
            .skip(1)
            .any(|p| p.trim().to_ascii_lowercase().starts_with("tag="))
    })
}

async fn dispatch(v: Arc<Voice>, mut tx: Transaction) {
    let method = tx.original.method;
    if has_to_tag(&tx) {
        match v.sip.dialogs.match_dialog(&tx) {
            Some(mut dialog) => {
                if let Err(e) = dialog.handle(&mut tx).await {
                    tracing::debug!(error = %e, "an in-dialog request failed");
                }
            }
            None if method == Method::Ack => {}
            None => {
                let _ = tx.reply(StatusCode::CallTransactionDoesNotExist).await;
            }
        }
        return;
    }
    match method {
        Method::Register => register(&v, &mut tx).await,
        Method::Invite => {
            if trusted(&v, &mut tx).await {
                super::call::inbound(v, tx).await;
            }
        }
        Method::Options => {
            let _ = tx.reply(StatusCode::OK).await;
        }
        Method::Ack => {}
        Method::Bye | Method::Cancel => {
            let _ = tx.reply(StatusCode::CallTransactionDoesNotExist).await;
        }
        _ => {
            let _ = tx.reply(StatusCode::MethodNotAllowed).await;
        }
    }
}

fn refuse_log(v: &Voice, tx: &Transaction, why: &str) {
    v.counters.refused.fetch_add(1, Ordering::Relaxed);
    tracing::warn!(
        method = %tx.original.method,
        source = ?peer(tx),
        reason = why,
        "SIP request refused"
    );
}

/// An INVITE is taken from an allow-listed address, or with the trunk's
/// digest credentials (407 challenge first); anything else gets 403.
async fn trusted(v: &Voice, tx: &mut Transaction) -> bool {
    let source = peer(tx);
    if source.is_some_and(|s| v.config.trunks.contains(&s.ip())) {
        return true;
    }
    let Some((user, password)) = &v.config.trunk_credentials else {
        refuse_log(v, tx, "not a trusted trunk address");
        let _ = tx.reply(StatusCode::Forbidden).await;
        return false;
    };
    let header = registrar::header(&tx.original, "Proxy-Authorization");
    let ip = source.map(|s| s.ip());
    match v.registrar.check(header.as_deref(), ip) {
        Check::Challenge { stale } => {
            let h = registrar::proxy_authenticate(v.registrar.challenge(stale, ip));
            let _ = tx
                .reply_with(StatusCode::ProxyAuthenticationRequired, vec![h], None)
                .await;
            false
        }
        Check::Refused(why) => {
            refuse_log(v, tx, why);
            let _ = tx.reply(StatusCode::Forbidden).await;
            false
        }
        Check::Ok(c) => {
            let ha1 = digest::ha1(user, registrar::REALM, password);
            if c.username == *user
                && digest::verify(&c, &ha1, "INVITE")
                && v.registrar.first_use(&c)
            {
                true
            } else {
                refuse_log(v, tx, "wrong trunk credentials");
                let _ = tx.reply(StatusCode::Forbidden).await;
                false
            }
        }
    }
}

async fn register(v: &Voice, tx: &mut Transaction) {
    let header = registrar::header(&tx.original, "Authorization");
    let ip = peer(tx).map(|s| s.ip());
    let creds = match v.registrar.check(header.as_deref(), ip) {
        Check::Challenge { stale } => {
            let h = registrar::www_authenticate(v.registrar.challenge(stale, ip));
            let _ = tx.reply_with(StatusCode::Unauthorized, vec![h], None).await;
            return;
        }
        Check::Refused(why) => {
            refuse_log(v, tx, why);
            let _ = tx.reply(StatusCode::Forbidden).await;
            return;
        }
        Check::Ok(c) => c,
    };
    let account = match v.db.sip_account_by_username(&creds.username).await {
        Ok(a) => a,
        Err(e) => {
            tracing::error!(error = %e, "reading SIP accounts failed");
            let _ = tx.reply(StatusCode::ServerInternalError).await;
            return;
        }
    };
    // An unknown user and a wrong password look the same from outside.
    let Some(account) = account.filter(|a| digest::verify(&creds, &a.ha1, "REGISTER")) else {
        refuse_log(v, tx, "wrong SIP credentials");
        let _ = tx.reply(StatusCode::Forbidden).await;
        return;
    };
    if !v.registrar.first_use(&creds) {
        refuse_log(v, tx, "a replayed REGISTER");
        let _ = tx.reply(StatusCode::Forbidden).await;
        return;
    }
    let to_user = registrar::header(&tx.original, "To")
        .and_then(|t| registrar::contact_uri(&t))
        .and_then(|(uri, _)| registrar::uri_user(&uri));
    if to_user.as_deref() != Some(account.username.as_str()) {
        refuse_log(v, tx, "registering another user's address");
        let _ = tx.reply(StatusCode::Forbidden).await;
        return;
    }
    let expires_header =
        registrar::header(&tx.original, "Expires").and_then(|e| e.trim().parse().ok());
    let contact =
        registrar::header(&tx.original, "Contact").and_then(|c| registrar::contact_uri(&c));
    let Some((uri, contact_expires)) = contact else {
        // A query: report nothing bound beyond what is.
        let _ = tx.reply(StatusCode::OK).await;
        return;
    };
    let expires = registrar::granted_expires(contact_expires, expires_header);
    if uri == "*" || expires == 0 {
        v.registrar.unbind(&account.agent_id);
        let _ = tx.reply(StatusCode::OK).await;
        tracing::info!(agent = account.agent_id, "SIP phone unregistered");
        return;
    }
    let Some(target) = registrar::target(&uri, peer(tx)) else {
        let _ = tx.reply(StatusCode::BadRequest).await;
        return;
    };
    v.registrar.bind(
        &account.agent_id,
        registrar::binding_for(&account.username, uri.clone(), target, expires),
    );
    tracing::info!(agent = account.agent_id, %target, "SIP phone registered");
    let headers = vec![
        Header::Contact(rsipstack::sip::headers::Contact::new(format!(
            "<{uri}>;expires={expires}"
        ))),
        Header::Expires(rsipstack::sip::headers::Expires::new(expires.to_string())),
    ];
    let _ = tx.reply_with(StatusCode::OK, headers, None).await;
}
