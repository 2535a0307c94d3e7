//! Who is asking, as far as the network can tell: the client's address,
//! and the bucket that per-address limits count in.
//!
//! The socket's peer is the truth unless it is one of the operator's own
//! reverse proxies (`--trusted-proxy CIDR`); then, and only then, the
//! proxy's `Forwarded` (RFC 7239) or `X-Forwarded-For` header is read, from
//! the right, skipping further trusted hops: the first address a trusted
//! proxy did not vouch for is the client. Anything a client writes in those
//! headers itself stays to the left of what our proxy appended, so it is
//! never believed.
//!
//! IPv6 clients are counted per /64, the block one customer line gets: an
//! attacker rotating addresses inside it stays in one bucket.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use ipnet::IpNet;

/// The client's address, after trusted proxies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

impl ClientAddr {
    /// The key of per-address limits: an IPv4 address, or an IPv6 /64.
    pub fn bucket(&self) -> String {
        bucket(self.0)
    }
}

/// Reads the client's address of a request (its socket peer, or what the
/// operator's trusted proxies say).
pub fn from_parts(peer: Option<SocketAddr>, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let Some(peer) = peer.map(|p| canonical(p.ip())) else {
        // Only in-process calls (tests through `oneshot`) have no peer.
        return IpAddr::from([0, 0, 0, 0]);
    };
    if !is_trusted(peer, trusted) {
        return peer;
    }
    // Right to left: the nearest hop first. A hop that is not an address
    // (`unknown`, an obfuscated name, garbage) ends what can be believed.
    let mut nearest = peer;
    for hop in forwarded_chain(headers).iter().rev() {
        match hop {
            Some(ip) if is_trusted(*ip, trusted) => nearest = *ip,
            Some(ip) => return *ip,
            None => return nearest,
        }
    }
    // Every hop is ours (or the proxy said nothing).
    nearest
}

fn is_trusted(ip: IpAddr, trusted: &[IpNet]) -> bool {
    trusted.iter().any(|net| net.contains(&ip))
}

/// `::ffff:192.0.2.1` is the IPv4 client 192.0.2.1.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map(IpAddr::V4)
            .unwrap_or(IpAddr::V6(v6)),
        v4 => v4,
    }
}

/// The hops of `Forwarded: for=` (preferred: it is the standard) or else
/// `X-Forwarded-For`, in the order the proxies wrote them; `None` for an
/// entry that is not an address.
fn forwarded_chain(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    let forwarded: Vec<&str> = headers
        .get_all("forwarded")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    if !forwarded.is_empty() {
        return forwarded
            .iter()
            .flat_map(|v| v.split(','))
            .map(|element| {
                element.split(';').find_map(|pair| {
                    let (k, v) = pair.trim().split_once('=')?;
                    k.trim().eq_ignore_ascii_case("for").then(|| parse_node(v))
                })?
            })
            .collect();
    }
    headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(parse_node)
        .collect()
}

/// `192.0.2.1`, `"[2001:db8::1]:4711"`, `192.0.2.1:80` → the address.
fn parse_node(node: &str) -> Option<IpAddr> {
    let node = node.trim().trim_matches('"');
    if let Ok(ip) = node.parse::<IpAddr>() {
        return Some(canonical(ip));
    }
    if let Ok(sa) = node.parse::<SocketAddr>() {
        return Some(canonical(sa.ip()));
    }
    let inner = node.strip_prefix('[')?.split(']').next()?;
    inner
        .parse::<Ipv6Addr>()
        .ok()
        .map(|v6| canonical(IpAddr::V6(v6)))
}

/// An IPv4 address as it is; an IPv6 address as its /64.
pub fn bucket(ip: IpAddr) -> String {
    match canonical(ip) {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            let prefix = Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0);
            format!("{prefix}/64")
        }
    }
}

impl FromRequestParts<crate::state::AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &crate::state::AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(of(parts, &state.config.trusted_proxies)))
    }
}

/// The client's address of a request's parts.
pub fn of(parts: &Parts, trusted: &[IpNet]) -> IpAddr {
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    from_parts(peer, &parts.headers, trusted)
}

/// The client's address of a whole request (for middleware).
pub fn of_request(req: &axum::extract::Request, trusted: &[IpNet]) -> IpAddr {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    from_parts(peer, req.headers(), trusted)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(
                axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        h
    }

    fn peer(s: &str) -> Option<SocketAddr> {
        Some(s.parse().unwrap())
    }

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter().map(|n| n.parse().unwrap()).collect()
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_writes() {
        let h = headers(&[
            ("x-forwarded-for", "203.0.113.9"),
            ("forwarded", "for=198.51.100.1"),
        ]);
        let ip = from_parts(peer("192.0.2.7:5000"), &h, &nets(&["10.0.0.0/8"]));
        assert_eq!(ip.to_string(), "192.0.2.7");
        // And without any trusted proxy configured at all.
        assert_eq!(
            from_parts(peer("192.0.2.7:5000"), &h, &[]).to_string(),
            "192.0.2.7"
        );
    }

    #[test]
    fn a_trusted_proxy_names_the_client_and_forged_entries_to_its_left_are_ignored() {
        let trusted = nets(&["10.0.0.0/8"]);
        // The client wrote 203.0.113.9 itself; our proxy appended the real peer.
        let h = headers(&[("x-forwarded-for", "203.0.113.9, 198.51.100.20")]);
        assert_eq!(
            from_parts(peer("10.1.2.3:443"), &h, &trusted).to_string(),
            "198.51.100.20"
        );
        // Two of our proxies in a row.
        let h = headers(&[("x-forwarded-for", "198.51.100.20, 10.9.9.9")]);
        assert_eq!(
            from_parts(peer("10.1.2.3:443"), &h, &trusted).to_string(),
            "198.51.100.20"
        );
        // RFC 7239, with quoted IPv6 and a port.
        let h = headers(&[(
            "forwarded",
            "for=192.0.2.60;proto=http, for=\"[2001:db8:cafe::17]:4711\"",
        )]);
        assert_eq!(
            from_parts(peer("10.1.2.3:443"), &h, &trusted).to_string(),
            "2001:db8:cafe::17"
        );
        // A proxy that says nothing: the proxy itself.
        assert_eq!(
            from_parts(peer("10.1.2.3:443"), &HeaderMap::new(), &trusted).to_string(),
            "10.1.2.3"
        );
        // Garbage stops the walk: nothing beyond it is believed.
        let h = headers(&[("x-forwarded-for", "198.51.100.1, not-an-ip")]);
        assert_eq!(
            from_parts(peer("10.1.2.3:443"), &h, &trusted).to_string(),
            "10.1.2.3"
        );
    }

    #[test]
    fn ipv6_counts_per_64_and_mapped_ipv4_is_ipv4() {
        assert_eq!(
            bucket("2001:db8:1:2:aaaa:bbbb:cccc:dddd".parse().unwrap()),
            "2001:db8:1:2::/64"
        );
        assert_eq!(
            bucket("2001:db8:1:2::1".parse().unwrap()),
            bucket("2001:db8:1:2:ffff::9".parse().unwrap())
        );
        assert_ne!(
            bucket("2001:db8:1:2::1".parse().unwrap()),
            bucket("2001:db8:1:3::1".parse().unwrap())
        );
        assert_eq!(bucket("::ffff:192.0.2.1".parse().unwrap()), "192.0.2.1");
        assert_eq!(bucket("192.0.2.1".parse().unwrap()), "192.0.2.1");
    }
}
