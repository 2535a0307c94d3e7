//! The media plane: one RTP leg per call party, a pacing thread that sends
//! every playing leg's next 20 ms frame on absolute deadlines, a receive
//! task per leg that detects DTMF (RFC 4733), latches the peer's address
//! (symmetric RTP) and relays audio between bridged legs.
//!
//! Why a thread and not a task per leg: with hundreds of calls, timers on a
//! shared two-core runtime drift with whatever else it runs; one thread
//! that sleeps to the next absolute deadline and sends a batch keeps every
//! stream's packet spacing steady, and it is where the send jitter is
//! measured.

use std::collections::VecDeque;
use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicBool, AtomicU16, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use switchboard_core::voice::dtmf::DtmfReceiver;
use switchboard_core::voice::g711;
use switchboard_core::voice::sdp::{Codec, Negotiated};
use tokio::sync::mpsc;

/// 20 ms of 8 kHz G.711.
pub const FRAME: usize = 160;
const TICK: Duration = Duration::from_millis(20);

/// A prompt, encoded both ways so no leg transcodes while playing.
#[derive(Debug, Clone)]
pub struct Audio {
    pub ulaw: Arc<[u8]>,
    pub alaw: Arc<[u8]>,
}

impl Audio {
    pub fn from_linear(samples: &[i16]) -> Self {
        Self {
            ulaw: g711::encode(samples, false).into(),
            alaw: g711::encode(samples, true).into(),
        }
    }
    pub fn silence(ms: usize) -> Self {
        Self::from_linear(&vec![0; ms * 8])
    }
    pub fn duration(&self) -> Duration {
        Duration::from_millis((self.ulaw.len() / 8) as u64)
    }
    fn bytes(&self, codec: Codec) -> &Arc<[u8]> {
        match codec {
            Codec::Pcmu => &self.ulaw,
            Codec::Pcma => &self.alaw,
        }
    }
}

/// What a leg tells the call that owns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LegEvent {
    Digit(char),
    /// No RTP for the configured time: the other side is gone.
    Silent,
}

/// Counters a test or the benchmark reads.
#[derive(Debug, Default)]
pub struct LegStats {
    pub received: AtomicU64,
    pub sent: AtomicU64,
    /// Packets that came in on this leg and were sent on to its peer.
    pub relayed: AtomicU64,
    pub digits: AtomicU64,
    /// Packets that came from neither the address the SDP named nor the
    /// SIP peer's (or from anywhere else once the stream was latched).
    pub dropped: AtomicU64,
}

enum Source {
    Silence,
    Play {
        items: VecDeque<Audio>,
        pos: usize,
        /// Played again and again once `items` are done.
        looped: Option<Audio>,
    },
    /// Audio comes from the peer leg; the pacer stays quiet.
    Bridged,
}

struct Out {
    /// Where this leg sends: the SDP's address until the far end's first
    /// accepted packet fixes (latches) it.
    remote: Option<SocketAddr>,
    /// The address the far end's SDP named.
    signalled: Option<SocketAddr>,
    /// The address the far end's SIP requests really come from (the
    /// datagrams' source, not header text).
    sip_peer: Option<IpAddr>,
    /// Where the far end's RTP comes from, fixed by its first accepted packet.
    latched: Option<SocketAddr>,
    /// A live counter of packets this leg relays to its peer (the voice
    /// status's per-direction figures).
    relay_counter: Option<Arc<AtomicU64>>,
    codec: Codec,
    payload_type: u8,
    dtmf_payload_type: Option<u8>,
    ssrc: u32,
    seq: u16,
    timestamp: u32,
    source: Source,
    last_sent: Option<Instant>,
    peer: Option<Weak<Leg>>,
}

pub struct Leg {
    pub local: SocketAddr,
    socket: UdpSocket,
    out: Mutex<Out>,
    pub stats: LegStats,
    closed: AtomicBool,
    /// Which sub-tick of the period the pacer sends this leg's frames in.
    group: usize,
}

impl Leg {
    /// Sets what was negotiated with the far end.
    pub fn negotiated(&self, n: &Negotiated) {
        let mut o = self.out.lock().expect("leg");
        o.signalled = Some(n.remote);
        // A phone may send before its answer is read here: a stream
        // already latched keeps going where its packets come from.
        o.remote = Some(o.latched.unwrap_or(n.remote));
        o.codec = n.codec;
        o.payload_type = n.payload_type;
        o.dtmf_payload_type = n.dtmf_payload_type;
    }

    /// The real source address of the far end's SIP messages: its RTP is
    /// accepted from there as well as from the SDP's address (phones
    /// behind NAT, or softphones that advertise their interface address
    /// and send from another).
    pub fn sip_peer(&self, ip: IpAddr) {
        self.out.lock().expect("leg").sip_peer = Some(ip);
    }

    /// Counts every packet this leg relays to its bridged peer, live.
    pub fn count_relays(&self, counter: Arc<AtomicU64>) {
        self.out.lock().expect("leg").relay_counter = Some(counter);
    }

    pub fn codec(&self) -> Codec {
        self.out.lock().expect("leg").codec
    }

    pub fn dtmf_payload_type(&self) -> Option<u8> {
        self.out.lock().expect("leg").dtmf_payload_type
    }

    /// Plays `items` in order, then `looped` forever (or silence).
    pub fn play(&self, items: Vec<Audio>, looped: Option<Audio>) {
        let mut o = self.out.lock().expect("leg");
        o.source = Source::Play {
            items: items.into(),
            pos: 0,
            looped,
        };
        o.peer = None;
    }

    pub fn silence(&self) {
        let mut o = self.out.lock().expect("leg");
        o.source = Source::Silence;
        o.peer = None;
    }

    pub fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    /// Stops sending and receiving; the leg leaves the pacer on its next tick.
    pub fn close(&self) {
        self.closed.store(true, Ordering::Release);
        let mut o = self.out.lock().expect("leg");
        o.peer = None;
        o.source = Source::Silence;
    }

    /// The next frame, when this leg sends one on this tick.
    fn frame(&self, buf: &mut Vec<u8>, now: Instant) -> Option<(SocketAddr, Option<Duration>)> {
        let mut o = self.out.lock().expect("leg");
        let remote = o.remote?;
        let codec = o.codec;
        let silence_byte = match codec {
            Codec::Pcmu => 0xFF,
            Codec::Pcma => 0xD5,
        };
        buf.clear();
        rtp_header(buf, false, o.payload_type, o.seq, o.timestamp, o.ssrc);
        match &mut o.source {
            Source::Bridged => return None,
            Source::Silence => buf.extend(std::iter::repeat_n(silence_byte, FRAME)),
            Source::Play { items, pos, looped } => {
                let mut filled = 0;
                while filled < FRAME {
                    let current = match items.front() {
                        Some(a) => a.bytes(codec).clone(),
                        None => match looped {
                            Some(a) if !a.ulaw.is_empty() => a.bytes(codec).clone(),
                            _ => break,
                        },
                    };
                    let take = (FRAME - filled).min(current.len() - *pos);
                    buf.extend_from_slice(&current[*pos..*pos + take]);
                    filled += take;
                    *pos += take;
                    if *pos >= current.len() {
                        *pos = 0;
                        items.pop_front();
                    }
                }
                buf.extend(std::iter::repeat_n(silence_byte, FRAME - filled));
            }
        }
        o.seq = o.seq.wrapping_add(1);
        o.timestamp = o.timestamp.wrapping_add(FRAME as u32);
        let interval = o.last_sent.map(|t| now.duration_since(t));
        o.last_sent = Some(now);
        Some((remote, interval))
    }

    /// A frame from the peer leg, re-stamped as this leg's stream (our
    /// SSRC, sequence and timestamps) and transcoded when the legs' codecs
    /// differ.
    fn relay_in(&self, from: Codec, payload: &[u8], buf: &mut Vec<u8>) {
        let mut o = self.out.lock().expect("leg");
        let Some(remote) = o.remote else { return };
        buf.clear();
        rtp_header(buf, false, o.payload_type, o.seq, o.timestamp, o.ssrc);
        if from == o.codec {
            buf.extend_from_slice(payload);
        } else {
            let linear = g711::decode(payload, from == Codec::Pcma);
            buf.extend(g711::encode(&linear, o.codec == Codec::Pcma));
        }
        o.seq = o.seq.wrapping_add(1);
        o.timestamp = o.timestamp.wrapping_add(payload.len() as u32);
        drop(o);
        if self.socket.send_to(buf, remote).is_ok() {
            self.stats.sent.fetch_add(1, Ordering::Relaxed);
        }
    }
}

fn rtp_header(buf: &mut Vec<u8>, marker: bool, pt: u8, seq: u16, ts: u32, ssrc: u32) {
    buf.push(0x80);
    buf.push(pt | if marker { 0x80 } else { 0 });
    buf.extend_from_slice(&seq.to_be_bytes());
    buf.extend_from_slice(&ts.to_be_bytes());
    buf.extend_from_slice(&ssrc.to_be_bytes());
}

/// The parts of an RTP packet the receive side needs.
#[derive(Debug, PartialEq, Eq)]
pub struct RtpPacket<'a> {
    pub payload_type: u8,
    pub timestamp: u32,
    pub ssrc: u32,
    pub payload: &'a [u8],
}

/// Parses an RTP packet (RFC 3550 §5.1): version 2, CSRCs, header
/// extension and padding skipped. `None` for anything else (RTCP on the
/// same port included: its types 200–204 fall in 72–76 as RTP types).
pub fn parse_rtp(b: &[u8]) -> Option<RtpPacket<'_>> {
    if b.len() < 12 || b[0] >> 6 != 2 {
        return None;
    }
    let pt = b[1] & 0x7f;
    if (72..=76).contains(&pt) {
        return None;
    }
    let cc = (b[0] & 0x0f) as usize;
    let mut start = 12 + 4 * cc;
    if b[0] & 0x10 != 0 {
        let ext = b.get(start + 2..start + 4)?;
        start += 4 + 4 * u16::from_be_bytes([ext[0], ext[1]]) as usize;
    }
    let mut end = b.len();
    if b[0] & 0x20 != 0 {
        let pad = *b.last()? as usize;
        end = end.checked_sub(pad)?;
    }
    if start > end {
        return None;
    }
    Some(RtpPacket {
        payload_type: pt,
        timestamp: u32::from_be_bytes([b[4], b[5], b[6], b[7]]),
        ssrc: u32::from_be_bytes([b[8], b[9], b[10], b[11]]),
        payload: &b[start..end],
    })
}

/// Send-interval jitter: |interval − 20 ms| of every paced packet after a
/// stream's first, in 10 µs buckets up to 20 ms.
pub struct Jitter {
    buckets: Vec<AtomicU64>,
}

const BUCKET_US: u64 = 10;
const BUCKETS: usize = 2001;

impl Default for Jitter {
    fn default() -> Self {
        Self {
            buckets: (0..BUCKETS).map(|_| AtomicU64::new(0)).collect(),
        }
    }
}

#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct JitterFigures {
    pub samples: u64,
    pub p50_us: u64,
    pub p99_us: u64,
    pub max_us: u64,
}

impl Jitter {
    pub fn record(&self, interval: Duration) {
        let dev = interval.abs_diff(TICK).as_micros() as u64;
        let ix = ((dev / BUCKET_US) as usize).min(BUCKETS - 1);
        self.buckets[ix].fetch_add(1, Ordering::Relaxed);
    }

    pub fn reset(&self) {
        for b in &self.buckets {
            b.store(0, Ordering::Relaxed);
        }
    }

    pub fn figures(&self) -> JitterFigures {
        let counts: Vec<u64> = self
            .buckets
            .iter()
            .map(|b| b.load(Ordering::Relaxed))
            .collect();
        let samples: u64 = counts.iter().sum();
        let at = |q: f64| -> u64 {
            let want = ((samples as f64) * q).ceil().max(1.0) as u64;
            let mut seen = 0;
            for (i, c) in counts.iter().enumerate() {
                seen += c;
                if seen >= want {
                    return (i as u64 + 1) * BUCKET_US;
                }
            }
            0
        };
        let max = counts
            .iter()
            .rposition(|&c| c > 0)
            .map(|i| (i as u64 + 1) * BUCKET_US)
            .unwrap_or(0);
        JitterFigures {
            samples,
            p50_us: if samples == 0 { 0 } else { at(0.5) },
            p99_us: if samples == 0 { 0 } else { at(0.99) },
            max_us: max,
        }
    }
}

/// The media plane: leg factory and pacer.
pub struct Media {
    ip: IpAddr,
    ports: (u16, u16),
    next_port: AtomicU16,
    legs: Mutex<Vec<Arc<Leg>>>,
    next_group: std::sync::atomic::AtomicUsize,
    pub jitter: Jitter,
    silence_timeout: Duration,
    /// RTP packets dropped on every leg since start (wrong source).
    pub dropped: Arc<AtomicU64>,
}

impl Media {
    /// Starts the pacing thread. RTP ports are taken from `ports` (even
    /// numbers, RTCP's odd neighbour left free).
    pub fn start(ip: IpAddr, ports: (u16, u16), silence_timeout: Duration) -> Arc<Self> {
        let media = Arc::new(Self {
            ip,
            ports,
            // A random start: the next call's port is not guessable from
            // this one's.
            next_port: AtomicU16::new(
                (ports.0 + (rand::random::<u16>() % (ports.1 - ports.0).max(2))) & !1,
            ),
            legs: Mutex::new(Vec::new()),
            next_group: std::sync::atomic::AtomicUsize::new(0),
            jitter: Jitter::default(),
            silence_timeout,
            dropped: Arc::new(AtomicU64::new(0)),
        });
        let weak = Arc::downgrade(&media);
        std::thread::Builder::new()
            .name("switchboard-rtp-pacer".into())
            .spawn(move || pace(weak))
            .expect("starting the RTP pacing thread");
        media
    }

    pub fn active_legs(&self) -> usize {
        self.legs.lock().expect("legs").len()
    }

    fn bind(&self) -> std::io::Result<UdpSocket> {
        let (lo, hi) = self.ports;
        let span = ((hi - lo) / 2 + 1) as usize;
        for _ in 0..span {
            let mut port = self.next_port.fetch_add(2, Ordering::Relaxed);
            if port < lo || port > hi {
                // Wrapped: start again at the bottom (races are harmless,
                // a taken port just fails to bind and the next is tried).
                self.next_port.store((lo & !1) + 2, Ordering::Relaxed);
                port = lo & !1;
            }
            if let Ok(s) = UdpSocket::bind(SocketAddr::new(self.ip, port)) {
                return Ok(s);
            }
        }
        Err(std::io::Error::new(
            std::io::ErrorKind::AddrInUse,
            format!("no free RTP port in {lo}-{hi}"),
        ))
    }

    /// A new leg, sending silence until told otherwise (and nothing until
    /// the far end's address is known). Its events arrive on the returned
    /// receiver.
    pub fn leg(&self) -> std::io::Result<(Arc<Leg>, mpsc::UnboundedReceiver<LegEvent>)> {
        let socket = self.bind()?;
        let local = socket.local_addr()?;
        let rx_socket = socket.try_clone()?;
        rx_socket.set_nonblocking(true)?;
        socket.set_nonblocking(true)?;
        let leg = Arc::new(Leg {
            local,
            socket,
            out: Mutex::new(Out {
                remote: None,
                signalled: None,
                sip_peer: None,
                latched: None,
                relay_counter: None,
                codec: Codec::Pcmu,
                payload_type: 0,
                dtmf_payload_type: None,
                ssrc: rand::random(),
                seq: rand::random(),
                timestamp: rand::random(),
                source: Source::Silence,
                last_sent: None,
                peer: None,
            }),
            stats: LegStats::default(),
            closed: AtomicBool::new(false),
            group: self.next_group.fetch_add(1, Ordering::Relaxed) % GROUPS,
        });
        let (tx, rx) = mpsc::unbounded_channel();
        let rx_socket = tokio::net::UdpSocket::from_std(rx_socket)?;
        tokio::spawn(receive(
            Arc::downgrade(&leg),
            rx_socket,
            tx,
            self.silence_timeout,
            self.dropped.clone(),
        ));
        self.legs.lock().expect("legs").push(leg.clone());
        Ok((leg, rx))
    }

    /// Connects two legs: what one receives, the other sends.
    pub fn bridge(&self, a: &Arc<Leg>, b: &Arc<Leg>) {
        for (x, y) in [(a, b), (b, a)] {
            let mut o = x.out.lock().expect("leg");
            o.source = Source::Bridged;
            o.peer = Some(Arc::downgrade(y));
        }
    }
}

/// The last stretch before a deadline is spun rather than slept: a
/// sleeping thread wakes up late by a varying amount on a busy machine,
/// and that variation is exactly the jitter every stream inherits.
const SPIN: Duration = Duration::from_micros(400);

fn wait_until(deadline: Instant) {
    let now = Instant::now();
    if deadline > now + SPIN {
        std::thread::sleep(deadline - now - SPIN);
    }
    while Instant::now() < deadline {
        std::hint::spin_loop();
    }
}

/// Asks for real-time scheduling for the pacing thread (as media servers
/// do), so other work on the machine cannot delay a tick. Without the
/// privilege (CAP_SYS_NICE) the thread keeps normal priority.
fn raise_priority() {
    #[cfg(target_os = "linux")]
    {
        let param = libc::sched_param { sched_priority: 10 };
        // SAFETY: plain system call on the calling thread with a valid struct.
        let r = unsafe { libc::sched_setscheduler(0, libc::SCHED_FIFO, &param) };
        if r == 0 {
            tracing::info!("RTP pacing thread runs with real-time priority");
        } else {
            tracing::info!("RTP pacing thread runs with normal priority (no CAP_SYS_NICE)");
        }
    }
}

/// Legs are spread over this many sub-ticks of the 20 ms period (each leg
/// keeps its own for life): a batch of 500 sends takes milliseconds, and
/// the variation of a batch's length is what the last streams in it feel,
/// so smaller batches mean steadier streams (and no 20 ms bursts).
const GROUPS: usize = 5;

fn pace(media: Weak<Media>) {
    raise_priority();
    let sub_tick = TICK / GROUPS as u32;
    let mut next = Instant::now() + sub_tick;
    let mut group = 0;
    let mut buf = Vec::with_capacity(12 + FRAME);
    let mut batch: Vec<Arc<Leg>> = Vec::new();
    loop {
        wait_until(next);
        let Some(media) = media.upgrade() else { return };
        batch.clear();
        {
            let mut legs = media.legs.lock().expect("legs");
            if group == 0 {
                legs.retain(|l| !l.is_closed());
            }
            batch.extend(legs.iter().filter(|l| l.group == group).cloned());
        }
        for leg in &batch {
            let sent_at = Instant::now();
            if let Some((remote, interval)) = leg.frame(&mut buf, sent_at) {
                if leg.socket.send_to(&buf, remote).is_ok() {
                    leg.stats.sent.fetch_add(1, Ordering::Relaxed);
                    if let Some(i) = interval {
                        media.jitter.record(i);
                    }
                }
            }
        }
        drop(media);
        next += sub_tick;
        group = (group + 1) % GROUPS;
        // Fell behind by more than a period (machine stalled): start afresh
        // rather than sending a burst.
        let now = Instant::now();
        if now > next + TICK {
            next = now + sub_tick;
        }
    }
}

/// Drops logged at most this often per leg (a stream of intruding or
/// misrouted packets is 50 a second).
const DROP_LOG_EVERY: Duration = Duration::from_secs(10);

async fn receive(
    leg: Weak<Leg>,
    socket: tokio::net::UdpSocket,
    events: mpsc::UnboundedSender<LegEvent>,
    silence: Duration,
    dropped_total: Arc<AtomicU64>,
) {
    let mut buf = vec![0u8; 2048];
    let mut out = Vec::with_capacity(12 + FRAME * 2);
    let mut dtmf = DtmfReceiver::new();
    // The address the far end's RTP comes from, fixed by its first packet.
    let mut latched: Option<SocketAddr> = None;
    let mut last_drop_log: Option<Instant> = None;
    let mut unlogged_drops = 0u64;
    loop {
        let got = tokio::time::timeout(silence, socket.recv_from(&mut buf)).await;
        let Some(leg) = leg.upgrade() else { return };
        if leg.is_closed() {
            return;
        }
        let (n, from) = match got {
            Err(_) => {
                if events.send(LegEvent::Silent).is_err() {
                    return;
                }
                continue;
            }
            Ok(Err(_)) => continue,
            Ok(Ok(x)) => x,
        };
        let Some(p) = parse_rtp(&buf[..n]) else {
            continue;
        };
        let accepted = match latched {
            // Packets from anywhere else are someone else's (or an attempt
            // to inject audio or digits into the call).
            Some(a) => a == from,
            None => {
                // Symmetric RTP anchored on what the far end really is: the
                // first packet must come from the host its SDP named, or
                // from the host its SIP messages come from (a phone behind
                // NAT, a softphone advertising its interface address while
                // sending from another). Never from anyone else.
                let o = leg.out.lock().expect("leg");
                let ip = from.ip();
                o.signalled.is_some_and(|s| s.ip() == ip) || o.sip_peer == Some(ip)
            }
        };
        if !accepted {
            leg.stats.dropped.fetch_add(1, Ordering::Relaxed);
            dropped_total.fetch_add(1, Ordering::Relaxed);
            unlogged_drops += 1;
            if last_drop_log.is_none_or(|t| t.elapsed() >= DROP_LOG_EVERY) {
                let (signalled, sip_peer) = {
                    let o = leg.out.lock().expect("leg");
                    (o.signalled, o.sip_peer)
                };
                tracing::warn!(
                    leg = %leg.local,
                    %from,
                    ?latched,
                    ?signalled,
                    ?sip_peer,
                    dropped = unlogged_drops,
                    "RTP dropped: not from the far end's signalled or SIP address"
                );
                last_drop_log = Some(Instant::now());
                unlogged_drops = 0;
            }
            continue;
        }
        leg.stats.received.fetch_add(1, Ordering::Relaxed);
        let (codec, payload_type, dtmf_pt, peer, counter) = {
            let mut o = leg.out.lock().expect("leg");
            // Symmetric RTP: answer where the packets come from (phones
            // behind NAT advertise an address we cannot reach).
            if latched.is_none() {
                latched = Some(from);
                o.latched = Some(from);
                o.remote = Some(from);
            }
            (
                o.codec,
                o.payload_type,
                o.dtmf_payload_type,
                o.peer.as_ref().and_then(Weak::upgrade),
                o.relay_counter.clone(),
            )
        };
        if Some(p.payload_type) == dtmf_pt {
            // Keyed by (RTP timestamp, event), not by SSRC: an end packet
            // resent under a new SSRC is still the same press.
            if let Some(d) = dtmf.packet(p.timestamp, p.payload) {
                leg.stats.digits.fetch_add(1, Ordering::Relaxed);
                let _ = events.send(LegEvent::Digit(d));
            }
            continue;
        }
        if p.payload_type != payload_type {
            continue;
        }
        if let Some(peer) = peer {
            if !peer.is_closed() {
                peer.relay_in(codec, p.payload, &mut out);
                leg.stats.relayed.fetch_add(1, Ordering::Relaxed);
                if let Some(c) = counter {
                    c.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rtp_headers_with_csrcs_extension_and_padding_parse() {
        let mut b = vec![0x80 | 0x20 | 0x10 | 1, 101];
        b.extend(7u16.to_be_bytes());
        b.extend(1000u32.to_be_bytes());
        b.extend(0xABCDu32.to_be_bytes());
        b.extend([0, 0, 0, 9]); // one CSRC
        b.extend([0xBE, 0xDE, 0, 1, 1, 2, 3, 4]); // one-word extension
        b.extend([5, 0x8A, 0, 160]); // telephone-event payload
        b.extend([0, 0, 3]); // three bytes of padding
        let p = parse_rtp(&b).unwrap();
        assert_eq!(p.payload_type, 101);
        assert_eq!(p.timestamp, 1000);
        assert_eq!(p.ssrc, 0xABCD);
        assert_eq!(p.payload, &[5, 0x8A, 0, 160]);
    }

    #[test]
    fn rtcp_and_garbage_are_not_rtp() {
        assert!(parse_rtp(&[0x80, 200, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0]).is_none());
        assert!(parse_rtp(&[0x40; 20]).is_none(), "version 1");
        assert!(parse_rtp(&[0x80, 0]).is_none(), "too short");
        let mut b = vec![0xA0, 0];
        b.extend([0u8; 10]);
        b.push(200); // padding longer than the packet
        assert!(parse_rtp(&b).is_none());
    }

    #[test]
    fn jitter_percentiles_come_from_the_buckets() {
        let j = Jitter::default();
        for _ in 0..98 {
            j.record(Duration::from_micros(20_005));
        }
        j.record(Duration::from_micros(21_000));
        j.record(Duration::from_micros(19_000));
        let f = j.figures();
        assert_eq!(f.samples, 100);
        assert_eq!(f.p50_us, 10);
        assert_eq!(f.p99_us, 1010);
        assert_eq!(f.max_us, 1010);
    }

    #[tokio::test]
    async fn packets_from_another_host_cannot_press_keys_or_take_the_stream() {
        let media = Media::start(
            "127.0.0.1".parse().unwrap(),
            (40200, 40300),
            Duration::from_secs(5),
        );
        let (leg, mut events) = media.leg().unwrap();
        let phone = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
        leg.negotiated(&Negotiated {
            remote: phone.local_addr().unwrap(),
            codec: Codec::Pcmu,
            payload_type: 0,
            dtmf_payload_type: Some(101),
            ptime: 20,
        });
        // A "1" (event 1, end bit) from 127.0.0.2: not the host in the SDP.
        let mut press = vec![0x80, 101, 0, 1, 0, 0, 0, 160, 0, 0, 0, 9];
        press.extend([1, 0x80, 0, 160]);
        let intruder = tokio::net::UdpSocket::bind("127.0.0.2:0").await.unwrap();
        intruder.send_to(&press, leg.local).await.unwrap();
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(leg.stats.received.load(Ordering::Relaxed), 0);
        assert!(events.try_recv().is_err());
        // The same from the phone counts, and fixes the stream's address.
        phone.send_to(&press, leg.local).await.unwrap();
        let got = tokio::time::timeout(Duration::from_secs(2), events.recv()).await;
        assert_eq!(got.unwrap(), Some(LegEvent::Digit('1')));
        leg.close();
    }

    #[tokio::test]
    async fn a_phone_advertising_another_address_is_latched_from_its_sip_peer_address() {
        // A softphone that puts its interface address in the SDP (here a
        // documentation address nobody sends from) and sends from
        // loopback, where its SIP messages come from too.
        let media = Media::start(
            "127.0.0.1".parse().unwrap(),
            (40400, 40500),
            Duration::from_secs(5),
        );
        let (leg, mut events) = media.leg().unwrap();
        let phone = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
        leg.sip_peer("127.0.0.1".parse().unwrap());
        leg.negotiated(&Negotiated {
            remote: "192.0.2.200:4000".parse().unwrap(),
            codec: Codec::Pcmu,
            payload_type: 0,
            dtmf_payload_type: Some(101),
            ptime: 20,
        });
        let mut press = vec![0x80, 101, 0, 1, 0, 0, 0, 160, 0, 0, 0, 9];
        press.extend([1, 0x80, 0, 160]);
        // Someone who is neither: dropped and counted.
        let intruder = tokio::net::UdpSocket::bind("127.0.0.2:0").await.unwrap();
        intruder.send_to(&press, leg.local).await.unwrap();
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(leg.stats.received.load(Ordering::Relaxed), 0);
        assert_eq!(leg.stats.dropped.load(Ordering::Relaxed), 1);
        assert_eq!(media.dropped.load(Ordering::Relaxed), 1);
        // The phone itself, from its SIP address: taken, and latched.
        phone.send_to(&press, leg.local).await.unwrap();
        let got = tokio::time::timeout(Duration::from_secs(2), events.recv()).await;
        assert_eq!(got.unwrap(), Some(LegEvent::Digit('1')));
        assert_eq!(
            leg.out.lock().unwrap().remote,
            Some(phone.local_addr().unwrap()),
            "frames now go where the phone sends from"
        );
        // A late reading of the answer does not undo the latch.
        leg.negotiated(&Negotiated {
            remote: "192.0.2.200:4000".parse().unwrap(),
            codec: Codec::Pcmu,
            payload_type: 0,
            dtmf_payload_type: Some(101),
            ptime: 20,
        });
        assert_eq!(
            leg.out.lock().unwrap().remote,
            Some(phone.local_addr().unwrap())
        );
        // Without an SDP or SIP address to anchor on, nothing is taken.
        let (lone, _e) = media.leg().unwrap();
        phone.send_to(&press, lone.local).await.unwrap();
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(lone.stats.received.load(Ordering::Relaxed), 0);
        assert_eq!(lone.stats.dropped.load(Ordering::Relaxed), 1);
        leg.close();
        lone.close();
    }

    #[tokio::test]
    async fn a_playing_leg_sends_paced_frames_and_bridged_legs_relay() {
        let media = Media::start(
            "127.0.0.1".parse().unwrap(),
            (40000, 40100),
            Duration::from_secs(5),
        );
        let far = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let (leg, _events) = media.leg().unwrap();
        leg.negotiated(&Negotiated {
            remote: far.local_addr().unwrap(),
            codec: Codec::Pcma,
            payload_type: 8,
            dtmf_payload_type: Some(101),
            ptime: 20,
        });
        leg.play(vec![Audio::from_linear(&[1000; 400])], None);
        let mut buf = [0u8; 512];
        let mut seqs = vec![];
        for _ in 0..5 {
            let n = far.recv(&mut buf).await.unwrap();
            assert_eq!(n, 12 + FRAME);
            assert_eq!(buf[1] & 0x7f, 8);
            seqs.push(u16::from_be_bytes([buf[2], buf[3]]));
        }
        assert!(seqs.windows(2).all(|w| w[1] == w[0].wrapping_add(1)));

        // A second leg bridged to the first: what the far end sends to the
        // second comes out of the first, transcoded from µ-law to A-law.
        let (other, _e2) = media.leg().unwrap();
        let caller = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
        other.negotiated(&Negotiated {
            remote: caller.local_addr().unwrap(),
            codec: Codec::Pcmu,
            payload_type: 0,
            dtmf_payload_type: None,
            ptime: 20,
        });
        media.bridge(&leg, &other);
        let mut pkt = vec![0x80, 0, 0, 1, 0, 0, 0, 160, 0, 0, 0, 7];
        pkt.extend([g711::linear_to_ulaw(1000); FRAME]);
        caller.send_to(&pkt, other.local).await.unwrap();
        let want = g711::linear_to_alaw(g711::ulaw_to_linear(g711::linear_to_ulaw(1000)));
        let got = loop {
            let n = far.recv(&mut buf).await.unwrap();
            // Frames paced before the bridge may still be in flight.
            if buf[12..n].iter().all(|&b| b == want) {
                break n;
            }
        };
        assert_eq!(got, 12 + FRAME);
        assert_eq!(other.stats.relayed.load(Ordering::Relaxed), 1);
        leg.close();
        other.close();
    }
}
