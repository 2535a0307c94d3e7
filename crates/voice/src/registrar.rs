//! The registrar: agents' softphones REGISTER with digest credentials
//! (per-agent SIP accounts) so Switchboard can ring them. Bindings live in
//! memory; phones refresh them well within their expiry, so after a restart
//! they are back within one refresh.
//!
//! Nonces need no server state: `<unix seconds>.<HMAC of them>`, valid for
//! five minutes; an older one gets `stale=true` so the phone retries with
//! the new nonce without asking its user for the password.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use hmac::{Hmac, Mac};
use rsipstack::sip::{Header, Request};
use sha2::Sha256;
use switchboard_core::voice::digest;

/// The digest realm of every Switchboard SIP account.
pub const REALM: &str = "switchboard";
const NONCE_LIFETIME: u64 = 300;
const MIN_EXPIRES: u32 = 60;
const MAX_EXPIRES: u32 = 3600;

/// Where an agent's phone is.
#[derive(Debug, Clone)]
pub struct Binding {
    pub username: String,
    /// The phone's Contact URI (the request URI of INVITEs to it).
    pub contact: String,
    /// Where its REGISTER came from: INVITEs go there (NAT-safe).
    pub target: std::net::SocketAddr,
    pub expires: Instant,
}

pub struct Registrar {
    key: Vec<u8>,
    bindings: Mutex<HashMap<String, Binding>>,
    /// The highest nonce count used with each live nonce: a request seen
    /// before (same nonce, no higher count) is a replay.
    counts: Mutex<HashMap<String, u64>>,
}

/// What a digest check concluded.
#[derive(Debug, PartialEq, Eq)]
pub enum Check {
    /// No (usable) credentials: challenge.
    Challenge {
        stale: bool,
    },
    /// Credentials that do not match: refuse.
    Refused(&'static str),
    Ok(digest::Credentials),
}

impl Registrar {
    pub fn new(key: &[u8]) -> Self {
        Self {
            key: key.to_vec(),
            bindings: Mutex::new(HashMap::new()),
            counts: Mutex::new(HashMap::new()),
        }
    }

    fn mac(&self, stamp: &str) -> String {
        let mut m = Hmac::<Sha256>::new_from_slice(&self.key).expect("any key length");
        m.update(stamp.as_bytes());
        m.finalize()
            .into_bytes()
            .iter()
            .take(12)
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// A nonce for a client at `ip`: it is only good from there, so
    /// credentials captured on the way cannot be used from elsewhere.
    pub fn nonce(&self, ip: Option<IpAddr>) -> String {
        let now = jiff::Timestamp::now().as_second();
        format!("{now}.{}", self.mac(&format!("{now}/{}", ip_text(ip))))
    }

    /// Ok(true) fresh, Ok(false) ours but expired, Err for a forged nonce
    /// (or one issued to another address).
    fn nonce_fresh(&self, nonce: &str, ip: Option<IpAddr>) -> Result<bool, ()> {
        let (stamp, mac) = nonce.split_once('.').ok_or(())?;
        let expected = self.mac(&format!("{stamp}/{}", ip_text(ip)));
        if expected.len() != mac.len()
            || expected
                .bytes()
                .zip(mac.bytes())
                .fold(0u8, |a, (x, y)| a | (x ^ y))
                != 0
        {
            return Err(());
        }
        let at: i64 = stamp.parse().map_err(|_| ())?;
        let age = jiff::Timestamp::now().as_second() - at;
        Ok((0..=NONCE_LIFETIME as i64).contains(&age))
    }

    /// The challenge header value (`WWW-Authenticate` or `Proxy-Authenticate`).
    pub fn challenge(&self, stale: bool, ip: Option<IpAddr>) -> String {
        format!(
            "Digest realm=\"{REALM}\", nonce=\"{}\", algorithm=MD5, qop=\"auth\"{}",
            self.nonce(ip),
            if stale { ", stale=true" } else { "" }
        )
    }

    /// Checks `header_value` (an Authorization header) from `ip`; the
    /// caller looks the HA1 up by the credentials' username, verifies the
    /// response, then calls [`Registrar::first_use`].
    pub fn check(&self, header_value: Option<&str>, ip: Option<IpAddr>) -> Check {
        let Some(c) = header_value.and_then(digest::parse) else {
            return Check::Challenge { stale: false };
        };
        if c.realm != REALM {
            return Check::Challenge { stale: false };
        }
        if !c
            .qop
            .as_deref()
            .is_some_and(|q| q.eq_ignore_ascii_case("auth"))
        {
            return Check::Refused("qop=auth is required");
        }
        match self.nonce_fresh(&c.nonce, ip) {
            Err(()) => Check::Refused("a nonce Switchboard did not issue to this address"),
            Ok(false) => Check::Challenge { stale: true },
            Ok(true) => Check::Ok(c),
        }
    }

    /// Whether verified credentials are new: their nonce count is higher
    /// than any used before with the nonce (RFC 2617 §3.2.2). False for a
    /// replay.
    pub fn first_use(&self, c: &digest::Credentials) -> bool {
        let Some(nc) =
            c.nc.as_deref()
                .and_then(|n| u64::from_str_radix(n, 16).ok())
        else {
            return false;
        };
        let mut counts = self.counts.lock().expect("counts");
        if counts.len() > 10_000 {
            // Nonces older than their lifetime are refused anyway.
            let now = jiff::Timestamp::now().as_second();
            counts.retain(|n, _| {
                n.split_once('.')
                    .and_then(|(s, _)| s.parse::<i64>().ok())
                    .is_some_and(|at| now - at <= NONCE_LIFETIME as i64)
            });
        }
        match counts.get(&c.nonce) {
            Some(&seen) if nc <= seen => false,
            _ => {
                counts.insert(c.nonce.clone(), nc);
                true
            }
        }
    }

    pub fn bind(&self, agent_id: &str, binding: Binding) {
        self.bindings
            .lock()
            .expect("bindings")
            .insert(agent_id.to_owned(), binding);
    }

    pub fn unbind(&self, agent_id: &str) {
        self.bindings.lock().expect("bindings").remove(agent_id);
    }

    /// The agent's phone, unless its registration has expired.
    pub fn binding(&self, agent_id: &str) -> Option<Binding> {
        let mut b = self.bindings.lock().expect("bindings");
        match b.get(agent_id) {
            Some(x) if x.expires > Instant::now() => Some(x.clone()),
            Some(_) => {
                b.remove(agent_id);
                None
            }
            None => None,
        }
    }

    pub fn registered(&self) -> usize {
        let now = Instant::now();
        self.bindings
            .lock()
            .expect("bindings")
            .values()
            .filter(|b| b.expires > now)
            .count()
    }
}

fn ip_text(ip: Option<IpAddr>) -> String {
    ip.map(|i| i.to_string()).unwrap_or_default()
}

/// The raw value of the first header called `name` (case-insensitive).
pub fn header(req: &Request, name: &str) -> Option<String> {
    req.headers.iter().find_map(|h| {
        let text = h.to_string();
        let (n, v) = text.split_once(':')?;
        n.trim()
            .eq_ignore_ascii_case(name)
            .then(|| v.trim().to_owned())
    })
}

/// The URI inside a Contact (or To/From) value, and its `expires` parameter.
pub fn contact_uri(value: &str) -> Option<(String, Option<u32>)> {
    let value = value.trim();
    if value == "*" {
        return Some(("*".into(), None));
    }
    let (uri, params) = match (value.find('<'), value.find('>')) {
        (Some(a), Some(b)) if a < b => (&value[a + 1..b], &value[b + 1..]),
        _ => match value.split_once(';') {
            Some((u, p)) => (u, p),
            None => (value, ""),
        },
    };
    let expires = params.split(';').find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("expires")
            .then(|| v.trim().parse().ok())
            .flatten()
    });
    Some((uri.trim().to_owned(), expires))
}

/// The user part of a SIP URI (`sip:user@host` → `user`).
pub fn uri_user(uri: &str) -> Option<String> {
    let rest = uri
        .strip_prefix("sip:")
        .or_else(|| uri.strip_prefix("sips:"))
        .or_else(|| uri.strip_prefix("tel:"))?;
    let user = rest.split('@').next()?;
    let user = user.split(';').next()?;
    (!user.is_empty() && rest.contains('@') || uri.starts_with("tel:")).then(|| user.to_owned())
}

/// The host:port of a SIP URI when the host is an IP address (port 5060
/// when absent).
pub fn uri_socket(uri: &str) -> Option<std::net::SocketAddr> {
    let rest = uri
        .strip_prefix("sip:")
        .or_else(|| uri.strip_prefix("sips:"))?;
    let hostport = rest.rsplit('@').next()?;
    let hostport = hostport.split([';', '?', '>']).next()?;
    if let Ok(sa) = hostport.parse() {
        return Some(sa);
    }
    let ip: IpAddr = hostport
        .trim_matches(|c| c == '[' || c == ']')
        .parse()
        .ok()?;
    Some(std::net::SocketAddr::new(ip, 5060))
}

/// Where to send INVITEs for a registration: the Contact's address when it
/// is the address the REGISTER came from (a phone on the same network; it
/// may register from another port than it listens on), else the source
/// (a phone behind NAT advertises an address nobody can reach).
pub fn target(contact: &str, source: Option<std::net::SocketAddr>) -> Option<std::net::SocketAddr> {
    match (uri_socket(contact), source) {
        (Some(c), Some(s)) if c.ip() == s.ip() => Some(c),
        (_, Some(s)) => Some(s),
        (c, None) => c,
    }
}

/// The expiry a REGISTER asks for, clamped to what Switchboard grants.
pub fn granted_expires(contact_expires: Option<u32>, expires_header: Option<u32>) -> u32 {
    match contact_expires.or(expires_header).unwrap_or(MAX_EXPIRES) {
        0 => 0,
        n => n.clamp(MIN_EXPIRES, MAX_EXPIRES),
    }
}

/// The address the Via names: its `received`/`rport` or else its sent-by.
/// The sender's text, so never trusted: the SIP code uses the datagram's
/// source (`sip::peer`).
pub fn source(req: &Request) -> Option<std::net::SocketAddr> {
    let via = header(req, "Via")?;
    let first = via.split(',').next()?;
    let (_, rest) = first.trim().split_once(char::is_whitespace)?;
    let mut parts = rest.split(';');
    let sent_by = parts.next()?.trim();
    let (mut host, mut port) = match sent_by.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') || h.ends_with(']') => (
            h.trim_matches(|c| c == '[' || c == ']').to_owned(),
            p.parse().ok()?,
        ),
        _ => (sent_by.to_owned(), 5060),
    };
    for p in parts {
        match p.trim().split_once('=') {
            Some(("received", v)) => host = v.trim_matches(|c| c == '[' || c == ']').to_owned(),
            Some(("rport", v)) => port = v.parse().unwrap_or(port),
            _ => {}
        }
    }
    let ip: IpAddr = host.parse().ok()?;
    Some(std::net::SocketAddr::new(ip, port))
}

pub fn www_authenticate(value: String) -> Header {
    Header::WwwAuthenticate(rsipstack::sip::headers::WwwAuthenticate::new(value))
}

pub fn proxy_authenticate(value: String) -> Header {
    Header::ProxyAuthenticate(rsipstack::sip::headers::ProxyAuthenticate::new(value))
}

pub fn binding_for(
    username: &str,
    contact: String,
    target: std::net::SocketAddr,
    expires: u32,
) -> Binding {
    Binding {
        username: username.to_owned(),
        contact,
        target,
        expires: Instant::now() + Duration::from_secs(u64::from(expires)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn our_nonces_pass_and_forged_ones_do_not() {
        let r = Registrar::new(b"key");
        let ip = Some("10.0.0.7".parse().unwrap());
        let n = r.nonce(ip);
        assert_eq!(r.nonce_fresh(&n, ip), Ok(true));
        assert_eq!(
            r.nonce_fresh(&n, Some("10.0.0.8".parse().unwrap())),
            Err(()),
            "only from the address it was issued to"
        );
        assert_eq!(Registrar::new(b"other").nonce_fresh(&n, ip), Err(()));
        let (stamp, _) = n.split_once('.').unwrap();
        let old = (stamp.parse::<i64>().unwrap() - 400).to_string();
        let old_nonce = format!("{old}.{}", r.mac(&format!("{old}/10.0.0.7")));
        assert_eq!(r.nonce_fresh(&old_nonce, ip), Ok(false), "ours, but stale");
        assert_eq!(r.nonce_fresh("123.abc", ip), Err(()));
        assert_eq!(r.nonce_fresh("nodot", ip), Err(()));
    }

    #[test]
    fn a_replayed_nonce_count_is_refused_and_qop_is_required() {
        let r = Registrar::new(b"key");
        let ip = Some("10.0.0.7".parse().unwrap());
        let header = |nc: &str, qop: bool| {
            format!(
                "Digest username=\"ana\", realm=\"switchboard\", nonce=\"{}\", uri=\"sip:x\", response=\"00\"{}",
                r.nonce(ip),
                if qop { format!(", qop=auth, nc={nc}, cnonce=\"c\"") } else { String::new() }
            )
        };
        let Check::Ok(c) = r.check(Some(&header("00000001", true)), ip) else {
            panic!("fresh credentials pass the checks")
        };
        assert!(r.first_use(&c));
        assert!(!r.first_use(&c), "the same request again is a replay");
        let mut next = c.clone();
        next.nc = Some("00000002".into());
        assert!(r.first_use(&next), "a higher count is a new request");
        assert_eq!(
            r.check(Some(&header("", false)), ip),
            Check::Refused("qop=auth is required")
        );
    }

    #[test]
    fn contact_values_and_expiry() {
        assert_eq!(
            contact_uri("\"Ana\" <sip:ana@127.0.0.1:5070;transport=udp>;expires=120"),
            Some(("sip:ana@127.0.0.1:5070;transport=udp".into(), Some(120)))
        );
        assert_eq!(
            contact_uri("sip:ana@10.0.0.1;expires=0"),
            Some(("sip:ana@10.0.0.1".into(), Some(0)))
        );
        assert_eq!(granted_expires(Some(0), Some(3600)), 0);
        assert_eq!(granted_expires(None, Some(10)), 60);
        assert_eq!(granted_expires(None, None), 3600);
        assert_eq!(granted_expires(Some(99999), None), 3600);
        assert_eq!(
            uri_user("sip:+33123456789@gw.example;user=phone").as_deref(),
            Some("+33123456789")
        );
        assert_eq!(uri_user("sip:example.com"), None);
        let src = Some("127.0.0.1:40000".parse().unwrap());
        assert_eq!(
            target("sip:ana@127.0.0.1:5070;transport=udp", src),
            Some("127.0.0.1:5070".parse().unwrap()),
            "same host: the port the phone listens on"
        );
        assert_eq!(
            target("sip:ana@192.168.1.5:5060", src),
            src,
            "behind NAT: the source"
        );
        assert_eq!(
            target("sip:ana@127.0.0.1", None),
            Some("127.0.0.1:5060".parse().unwrap())
        );
    }
}
