//! A UDP datagram on the SIP port, read as Switchboard's endpoint reads it:
//! rsipstack parses it and stamps the Via with the address it came from,
//! then our registrar and call code read the Via, Contact, To and the
//! digest headers, and the body (SDP of an INVITE, DTMF of an INFO).
//!
//! Properties: no panic; an expiry granted is 0 or 60 s to an hour.
#![no_main]

use std::net::SocketAddr;

use libfuzzer_sys::fuzz_target;
use rsipstack::sip::{SipMessage, Transport};
use rsipstack::transport::connection::SipConnection;
use switchboard_core::voice::{dtmf, sdp};
use switchboard_voice::registrar::{self, Registrar};

fuzz_target!(|data: &[u8]| {
    let Ok(msg) = SipMessage::try_from(data) else {
        return;
    };
    let from: SocketAddr = "198.51.100.7:5062".parse().unwrap();
    let Ok(SipMessage::Request(req)) =
        SipConnection::update_msg_received(msg, from, Transport::Udp)
    else {
        return;
    };

    // The Via is the sender's text: read it (for logs), never trust it.
    // This target found that it names any address a sender likes, even
    // after the transport stamped it (a comma inside a parameter hides the
    // stamp; a `received=` is kept when the sent-by is the real address):
    // the SIP code trusts the datagram's source (`sip::peer`) instead.
    let _ = registrar::source(&req);
    let source = Some(from);

    let registrar = Registrar::new(b"fuzzing key");
    for name in ["Authorization", "Proxy-Authorization"] {
        let value = registrar::header(&req, name);
        let _ = registrar.check(value.as_deref(), source.map(|s| s.ip()));
    }
    for name in ["To", "From", "Contact"] {
        if let Some((uri, expires)) =
            registrar::header(&req, name).and_then(|v| registrar::contact_uri(&v))
        {
            let _ = registrar::uri_user(&uri);
            let _ = registrar::target(&uri, source);
            let granted = registrar::granted_expires(expires, None);
            // Switchboard grants 60 s to an hour, or 0 (unregister).
            assert!(granted == 0 || (60..=3600).contains(&granted));
        }
    }
    let body = String::from_utf8_lossy(req.body());
    if let Ok(offer) = sdp::parse_offer(&body) {
        let _ = sdp::negotiate(&offer);
    }
    let content_type = registrar::header(&req, "Content-Type").unwrap_or_default();
    let _ = dtmf::sip_info_digit(&content_type, &body);
});
