//! Calls Switchboard places: to an agent's registered phone, and to a
//! customer through the outbound trunk. Each is a SIP dialog plus a media
//! leg; the caller bridges legs.

use std::sync::Arc;
use std::time::Duration;

use rsipstack::dialog::authenticate::Credential;
use rsipstack::dialog::dialog::{DialogState, DialogStateReceiver};
use rsipstack::dialog::invitation::InviteOption;
use rsipstack::dialog::invite_dialog::InviteDialog;
use rsipstack::sip::{StatusCode, StatusCodeKind};
use rsipstack::transport::SipAddr;
use switchboard_core::voice::sdp;
use tokio::sync::mpsc;

use super::media::{Leg, LegEvent};
use super::Voice;

/// An answered outbound call.
pub struct Placed {
    pub dialog: InviteDialog,
    pub states: DialogStateReceiver,
    pub leg: Arc<Leg>,
    pub events: mpsc::UnboundedReceiver<LegEvent>,
}

#[derive(Debug, thiserror::Error)]
pub enum DialError {
    #[error("the agent has no registered phone")]
    NotRegistered,
    #[error("no outbound trunk is configured (--sip-outbound)")]
    NoTrunk,
    #[error("no answer")]
    NoAnswer,
    #[error("busy")]
    Busy,
    #[error("refused with {0}")]
    Refused(String),
    #[error("the answer's SDP is unusable: {0}")]
    Sdp(String),
    #[error("{0}")]
    Failed(String),
}

impl DialError {
    /// The short word the callbacks record as an attempt's result.
    pub fn result(&self) -> &'static str {
        match self {
            DialError::NoAnswer => "no_answer",
            DialError::Busy => "busy",
            DialError::NotRegistered => "agent_unreachable",
            _ => "failed",
        }
    }
}

/// Rings the agent's registered phone.
pub async fn ring_agent(v: &Voice, agent_id: &str) -> Result<Placed, DialError> {
    let binding = v
        .registrar
        .binding(agent_id)
        .ok_or(DialError::NotRegistered)?;
    let callee = binding.contact.as_str().try_into().map_err(|e| {
        DialError::Failed(format!(
            "the phone's contact {:?} is not a SIP URI: {e}",
            binding.contact
        ))
    })?;
    let destination = SipAddr {
        r#type: Some(rsipstack::sip::Transport::Udp),
        addr: binding.target.into(),
    };
    // The phone's RTP is also taken from where its REGISTER came from.
    let peer = Some(binding.target.ip());
    place(v, callee, Some(destination), None, peer, "Switchboard").await
}

/// Calls a customer's number through the outbound trunk.
pub async fn call_customer(v: &Voice, number: &str) -> Result<Placed, DialError> {
    let trunk = v
        .config
        .outbound_trunk
        .as_deref()
        .ok_or(DialError::NoTrunk)?;
    let host = trunk
        .strip_prefix("sip:")
        .unwrap_or(trunk)
        .trim_end_matches('/');
    let callee = format!("sip:{number}@{host}")
        .as_str()
        .try_into()
        .map_err(|e| DialError::Failed(format!("bad trunk URI {trunk:?}: {e}")))?;
    let credential = v
        .config
        .outbound_credentials
        .as_ref()
        .map(|(u, p)| Credential {
            username: u.clone(),
            password: p.clone(),
            realm: None,
            auth_username: None,
        });
    // The gateway's RTP is also taken from the gateway's own address.
    let peer = match super::registrar::uri_socket(trunk) {
        Some(a) => Some(a.ip()),
        None => {
            let hostport = host.split([';', '?']).next().unwrap_or(host);
            let hostport = if hostport.contains(':') {
                hostport.to_owned()
            } else {
                format!("{hostport}:5060")
            };
            tokio::net::lookup_host(hostport)
                .await
                .ok()
                .and_then(|mut a| a.next())
                .map(|a| a.ip())
        }
    };
    place(v, callee, None, credential, peer, "Switchboard").await
}

async fn place(
    v: &Voice,
    callee: rsipstack::sip::Uri,
    destination: Option<SipAddr>,
    credential: Option<Credential>,
    sip_peer: Option<std::net::IpAddr>,
    display: &str,
) -> Result<Placed, DialError> {
    let (leg, events) = v
        .media
        .leg()
        .map_err(|e| DialError::Failed(format!("no RTP port: {e}")))?;
    if let Some(ip) = sip_peer {
        leg.sip_peer(ip);
    }
    // Closes the leg if this future is dropped mid-dial (the caller hung up
    // while the phone rang) or the dial fails.
    let mut guard = LegGuard(Some(leg.clone()));
    let offer = sdp::offer(leg.local, rand::random::<u32>() as u64, 101);
    let opt = InviteOption {
        caller_display_name: Some(display.to_owned()),
        caller: v.sip.contact.clone(),
        callee,
        destination,
        content_type: Some("application/sdp".into()),
        offer: Some(offer.into_bytes()),
        contact: v.sip.contact.clone(),
        credential,
        ..Default::default()
    };
    let (state_tx, states) = v.sip.dialogs.new_dialog_state_channel();
    let invite = v.sip.dialogs.do_invite(opt, state_tx);
    let outcome = match tokio::time::timeout(v.config.ring_timeout, invite).await {
        Err(_) => Err(DialError::NoAnswer),
        Ok(Err(e)) => Err(DialError::Failed(e.to_string())),
        Ok(Ok((dialog, resp))) => match resp {
            Some(r) if r.status_code.kind() == StatusCodeKind::Successful => {
                let body = String::from_utf8_lossy(r.body()).into_owned();
                match sdp::parse_offer(&body).and_then(|o| sdp::negotiate(&o)) {
                    Ok(n) => {
                        leg.negotiated(&n);
                        Ok(dialog)
                    }
                    Err(e) => {
                        let _ = dialog.bye().await;
                        v.sip.dialogs.remove_dialog(&dialog.id());
                        Err(DialError::Sdp(e.to_string()))
                    }
                }
            }
            Some(r) => Err(match r.status_code {
                StatusCode::BusyHere | StatusCode::BusyEverywhere | StatusCode::Decline => {
                    DialError::Busy
                }
                StatusCode::RequestTimeout
                | StatusCode::TemporarilyUnavailable
                | StatusCode::RequestTerminated => DialError::NoAnswer,
                other => DialError::Refused(other.to_string()),
            }),
            None => Err(DialError::NoAnswer),
        },
    };
    let dialog = outcome?;
    guard.0 = None;
    Ok(Placed {
        dialog,
        states,
        leg,
        events,
    })
}

struct LegGuard(Option<Arc<Leg>>);

impl Drop for LegGuard {
    fn drop(&mut self) {
        if let Some(leg) = self.0.take() {
            leg.close();
        }
    }
}

/// Waits until the dialog ends (BYE from the far end, or our own).
pub async fn ended(states: &mut DialogStateReceiver) {
    while let Some(s) = states.recv().await {
        if matches!(s, DialogState::Terminated(..)) {
            return;
        }
    }
}

/// Hangs up and forgets an outbound call.
pub async fn hang_up(v: &Voice, p: &Placed) {
    p.leg.close();
    let _ = tokio::time::timeout(Duration::from_secs(5), p.dialog.bye()).await;
    v.sip.dialogs.remove_dialog(&p.dialog.id());
}
