//! The SDP offer/answer (RFC 3264) of an audio call: read the caller's
//! offer, choose G.711 (the caller's preference between PCMU and PCMA) and
//! telephone-event, and write the answer.

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};

use thiserror::Error;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum SdpError {
    #[error("the SDP has no audio stream")]
    NoAudio,
    #[error("the SDP has no connection address for its audio")]
    NoAddress,
    #[error("no common codec: Switchboard speaks PCMU and PCMA")]
    NoCodec,
    #[error("malformed SDP line {0:?}")]
    Malformed(String),
}

/// G.711 variants, with their static RTP payload types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Codec {
    Pcmu,
    Pcma,
}

impl Codec {
    pub fn name(self) -> &'static str {
        match self {
            Codec::Pcmu => "PCMU",
            Codec::Pcma => "PCMA",
        }
    }
}

/// The parts of an offer a call needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offer {
    /// Where to send RTP.
    pub remote: SocketAddr,
    /// Payload types of the audio stream, in the caller's order.
    pub formats: Vec<u8>,
    /// `a=rtpmap` entries: payload type → (encoding name, clock rate).
    pub rtpmap: BTreeMap<u8, (String, u32)>,
    pub ptime: Option<u32>,
    /// `sendrecv`, `sendonly`, `recvonly` or `inactive` (default sendrecv).
    pub direction: String,
}

/// What both sides use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Negotiated {
    pub remote: SocketAddr,
    pub codec: Codec,
    /// The payload type the caller uses for the codec (static 0/8, or a
    /// dynamic one it mapped).
    pub payload_type: u8,
    /// telephone-event/8000, when offered.
    pub dtmf_payload_type: Option<u8>,
    /// Milliseconds of audio per packet.
    pub ptime: u32,
}

/// Reads the first audio stream of an offer.
pub fn parse_offer(sdp: &str) -> Result<Offer, SdpError> {
    let mut session_addr: Option<IpAddr> = None;
    let mut media_addr: Option<IpAddr> = None;
    let mut audio: Option<(u16, Vec<u8>)> = None;
    let mut in_audio = false;
    let mut seen_audio = false;
    // Before the first m= line: session-level lines apply to every stream.
    let mut in_session = true;
    let mut rtpmap = BTreeMap::new();
    let mut ptime = None;
    let mut direction = "sendrecv".to_owned();
    for raw in sdp.lines() {
        let line = raw.trim_end_matches('\r');
        if line.is_empty() {
            continue;
        }
        let (kind, value) = line
            .split_once('=')
            .ok_or_else(|| SdpError::Malformed(line.to_owned()))?;
        match kind {
            "m" => {
                in_audio = false;
                in_session = false;
                let mut parts = value.split_whitespace();
                if parts.next() == Some("audio") && !seen_audio {
                    let port: u16 = parts
                        .next()
                        .and_then(|p| p.split('/').next())
                        .and_then(|p| p.parse().ok())
                        .ok_or_else(|| SdpError::Malformed(line.to_owned()))?;
                    let _proto = parts.next();
                    let formats = parts.filter_map(|f| f.parse().ok()).collect();
                    audio = Some((port, formats));
                    in_audio = true;
                    seen_audio = true;
                }
            }
            "c" => {
                // c=IN IP4 192.0.2.1
                let addr = value
                    .split_whitespace()
                    .nth(2)
                    .and_then(|a| a.split('/').next())
                    .and_then(|a| a.parse().ok())
                    .ok_or_else(|| SdpError::Malformed(line.to_owned()))?;
                if in_audio {
                    media_addr = Some(addr);
                } else if in_session {
                    session_addr = Some(addr);
                }
            }
            "a" if in_audio || in_session => {
                if let Some(map) = value.strip_prefix("rtpmap:") {
                    let (pt, enc) = map
                        .split_once(' ')
                        .ok_or_else(|| SdpError::Malformed(line.to_owned()))?;
                    let pt: u8 = pt
                        .parse()
                        .map_err(|_| SdpError::Malformed(line.to_owned()))?;
                    let mut e = enc.split('/');
                    let name = e.next().unwrap_or("").to_owned();
                    let rate = e.next().and_then(|r| r.parse().ok()).unwrap_or(8000);
                    if in_audio {
                        rtpmap.insert(pt, (name, rate));
                    }
                } else if let Some(p) = value.strip_prefix("ptime:") {
                    ptime = p.trim().parse().ok();
                } else if matches!(value, "sendrecv" | "sendonly" | "recvonly" | "inactive") {
                    direction = value.to_owned();
                }
            }
            _ => {}
        }
    }
    let (port, formats) = audio.ok_or(SdpError::NoAudio)?;
    let addr = media_addr.or(session_addr).ok_or(SdpError::NoAddress)?;
    Ok(Offer {
        remote: SocketAddr::new(addr, port),
        formats,
        rtpmap,
        ptime,
        direction,
    })
}

/// Chooses the caller's first G.711 format and telephone-event.
pub fn negotiate(offer: &Offer) -> Result<Negotiated, SdpError> {
    let codec_of = |pt: u8| -> Option<Codec> {
        match offer.rtpmap.get(&pt) {
            Some((name, 8000)) if name.eq_ignore_ascii_case("PCMU") => Some(Codec::Pcmu),
            Some((name, 8000)) if name.eq_ignore_ascii_case("PCMA") => Some(Codec::Pcma),
            Some(_) => None,
            None if pt == 0 => Some(Codec::Pcmu),
            None if pt == 8 => Some(Codec::Pcma),
            None => None,
        }
    };
    let (payload_type, codec) = offer
        .formats
        .iter()
        .find_map(|&pt| codec_of(pt).map(|c| (pt, c)))
        .ok_or(SdpError::NoCodec)?;
    let dtmf_payload_type = offer.formats.iter().copied().find(|pt| {
        offer.rtpmap.get(pt).is_some_and(|(name, rate)| {
            name.eq_ignore_ascii_case("telephone-event") && *rate == 8000
        })
    });
    Ok(Negotiated {
        remote: offer.remote,
        codec,
        payload_type,
        dtmf_payload_type,
        ptime: offer.ptime.filter(|p| (10..=60).contains(p)).unwrap_or(20),
    })
}

/// The answer: our address and port, the chosen codec and telephone-event.
pub fn answer(n: &Negotiated, local: SocketAddr, session_id: u64, version: u64) -> String {
    let ip = match local.ip() {
        IpAddr::V4(a) => format!("IP4 {a}"),
        IpAddr::V6(a) => format!("IP6 {a}"),
    };
    let mut formats = vec![n.payload_type.to_string()];
    if let Some(pt) = n.dtmf_payload_type {
        formats.push(pt.to_string());
    }
    let mut out = format!(
        "v=0\r\no=switchboard {session_id} {version} IN {ip}\r\ns=Switchboard\r\nc=IN {ip}\r\nt=0 0\r\n\
         m=audio {} RTP/AVP {}\r\na=rtpmap:{} {}/8000\r\n",
        local.port(),
        formats.join(" "),
        n.payload_type,
        n.codec.name()
    );
    if let Some(pt) = n.dtmf_payload_type {
        out.push_str(&format!(
            "a=rtpmap:{pt} telephone-event/8000\r\na=fmtp:{pt} 0-16\r\n"
        ));
    }
    out.push_str(&format!("a=ptime:{}\r\na=sendrecv\r\n", n.ptime));
    out
}

/// Our own offer, for calls we place (agents' phones, customers).
pub fn offer(local: SocketAddr, session_id: u64, dtmf_payload_type: u8) -> String {
    let ip = match local.ip() {
        IpAddr::V4(a) => format!("IP4 {a}"),
        IpAddr::V6(a) => format!("IP6 {a}"),
    };
    format!(
        "v=0\r\no=switchboard {session_id} 1 IN {ip}\r\ns=Switchboard\r\nc=IN {ip}\r\nt=0 0\r\n\
         m=audio {} RTP/AVP 0 8 {dtmf_payload_type}\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n\
         a=rtpmap:{dtmf_payload_type} telephone-event/8000\r\na=fmtp:{dtmf_payload_type} 0-16\r\na=ptime:20\r\na=sendrecv\r\n",
        local.port()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIPP_LIKE: &str = "v=0\r\no=user1 53655765 2353687637 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
        m=audio 6000 RTP/AVP 8 0 101\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-11,16\r\n";

    #[test]
    fn the_callers_first_g711_and_telephone_event_are_chosen() {
        let offer = parse_offer(SIPP_LIKE).unwrap();
        assert_eq!(offer.remote, "127.0.0.1:6000".parse().unwrap());
        assert_eq!(offer.formats, [8, 0, 101]);
        let n = negotiate(&offer).unwrap();
        assert_eq!(
            (n.codec, n.payload_type, n.dtmf_payload_type, n.ptime),
            (Codec::Pcma, 8, Some(101), 20)
        );
        let a = answer(&n, "127.0.0.1:40000".parse().unwrap(), 7, 1);
        assert!(a.contains("m=audio 40000 RTP/AVP 8 101\r\n"), "{a}");
        assert!(
            a.contains("a=rtpmap:8 PCMA/8000\r\n")
                && a.contains("a=rtpmap:101 telephone-event/8000\r\n")
        );
        // Our answer reads back as an offer with the same choice.
        let back = negotiate(&parse_offer(&a).unwrap()).unwrap();
        assert_eq!(
            (back.codec, back.dtmf_payload_type),
            (Codec::Pcma, Some(101))
        );
    }

    #[test]
    fn media_level_address_dynamic_mapping_ptime_and_direction() {
        let sdp = "v=0\no=- 1 1 IN IP4 10.0.0.1\ns=-\nc=IN IP4 10.0.0.1\nt=0 0\nm=video 7000 RTP/AVP 96\n\
                   m=audio 5004 RTP/AVP 18 97 96\nc=IN IP4 192.0.2.7\na=rtpmap:97 pcmu/8000\na=rtpmap:96 telephone-event/8000\n\
                   a=ptime:30\na=sendonly\n";
        let offer = parse_offer(sdp).unwrap();
        assert_eq!(offer.remote, "192.0.2.7:5004".parse().unwrap());
        assert_eq!(offer.direction, "sendonly");
        let n = negotiate(&offer).unwrap();
        assert_eq!(
            (n.codec, n.payload_type, n.dtmf_payload_type, n.ptime),
            (Codec::Pcmu, 97, Some(96), 30)
        );
    }

    #[test]
    fn refusals_are_named() {
        let no_g711 = "v=0\nc=IN IP4 1.2.3.4\nm=audio 5000 RTP/AVP 18 9\n";
        assert_eq!(
            negotiate(&parse_offer(no_g711).unwrap()),
            Err(SdpError::NoCodec)
        );
        assert_eq!(
            parse_offer("v=0\nc=IN IP4 1.2.3.4\n"),
            Err(SdpError::NoAudio)
        );
        assert_eq!(
            parse_offer("v=0\nm=audio 5000 RTP/AVP 0\n"),
            Err(SdpError::NoAddress)
        );
        assert!(matches!(
            parse_offer("v=0\ngarbage\n"),
            Err(SdpError::Malformed(_))
        ));
        assert!(matches!(
            parse_offer("v=0\nc=IN IP4 1.2.3.4\nm=audio x RTP/AVP 0\n"),
            Err(SdpError::Malformed(_))
        ));
        // A telephone-event at another rate is not ours.
        let wideband = "v=0\nc=IN IP4 1.2.3.4\nm=audio 5000 RTP/AVP 0 101\na=rtpmap:101 telephone-event/48000\n";
        assert_eq!(
            negotiate(&parse_offer(wideband).unwrap())
                .unwrap()
                .dtmf_payload_type,
            None
        );
    }

    #[test]
    fn our_offer_is_readable() {
        let o = offer("127.0.0.1:41000".parse().unwrap(), 9, 101);
        let n = negotiate(&parse_offer(&o).unwrap()).unwrap();
        assert_eq!(
            (n.codec, n.payload_type, n.dtmf_payload_type),
            (Codec::Pcmu, 0, Some(101))
        );
    }
}
