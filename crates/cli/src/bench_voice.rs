//! `switchboard bench voice`: `--calls` concurrent inbound calls from SIPp
//! (Debian's sip-tester) held in a queue with prompts playing. Reports the
//! calls sustained, Switchboard's CPU, the RTP send jitter (|interval − 20
//! ms| of every paced packet) and the DTMF detection rate; beside a
//! baseline measured in the same run: a bare loop on one thread sending
//! the same number of 20 ms streams of G.711-sized packets to a loopback
//! sink on absolute deadlines, with no SIP, no receive path and no
//! database — the floor of this design on this machine.

use std::net::UdpSocket;
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use switchboard_server::voice::media::Jitter;

const SCENARIO: &str = include_str!("sipp/bench_caller.xml");

#[derive(clap::Args, Debug)]
pub struct VoiceBenchArgs {
    /// Concurrent calls (voice suite).
    #[arg(long, default_value_t = 500)]
    pub calls: u32,
    /// New calls per second while ramping up (voice suite).
    #[arg(long, default_value_t = 50)]
    pub call_rate: u32,
    /// Seconds of steady state measured (voice suite).
    #[arg(long, default_value_t = 20)]
    pub measure_seconds: u64,
}

/// CPU seconds this process has used (user + system).
fn cpu_seconds() -> f64 {
    // SAFETY: getrusage only writes into the struct we pass.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) };
    let t = |tv: libc::timeval| tv.tv_sec as f64 + tv.tv_usec as f64 / 1e6;
    t(u.ru_utime) + t(u.ru_stime)
}

pub async fn run(args: VoiceBenchArgs, database_url: Option<String>) -> anyhow::Result<()> {
    anyhow::ensure!(
        std::process::Command::new("sipp")
            .arg("-v")
            .output()
            .is_ok(),
        "sipp is missing: apt-get install sip-tester"
    );
    let n = args.calls;
    let window = Duration::from_secs(args.measure_seconds);

    // Baseline first, on a quiet machine.
    let base = baseline(n as usize, window)?;

    let dir = tempfile::tempdir()?;
    let url = database_url
        .unwrap_or_else(|| format!("sqlite://{}", dir.path().join("bench.db").display()));
    let mut config = switchboard_server::Config::new("127.0.0.1:0".parse()?, url);
    config.voice.sip_listen = Some("127.0.0.1:0".parse()?);
    config.voice.trunks = vec!["127.0.0.1".parse()?];
    config.voice.rtp_ports = (20000, 29998);
    config.voice.prompt_cache = std::env::temp_dir().join("switchboard-prompts");
    let running = switchboard_server::start(config).await?;
    let voice = running
        .state
        .voice
        .clone()
        .context("the voice channel did not start")?;
    let queue = running
        .state
        .db
        .put_queue(
            None,
            &switchboard_store::routing::QueueDraft {
                name: "bench".into(),
                channel: "voice".into(),
                priority: 0,
                method: "least_active".into(),
                offer_timeout_seconds: 60,
                declines_allowed: 3,
                is_default: true,
                operating_hours: None,
                overflow: serde_json::json!({}),
                csat_survey: false,
                members: Vec::new(),
                supervisor_ids: Vec::new(),
            },
        )
        .await?;
    voice.set_inbound_queue(Some(queue.id.clone()));

    let scenario = dir.path().join("bench_caller.xml");
    std::fs::write(&scenario, SCENARIO)?;
    let ramp = Duration::from_secs_f64(f64::from(n) / f64::from(args.call_rate.max(1)));
    // Every call stays up through the ramp, a settling time and the window.
    let hold = ramp + Duration::from_secs(15) + window + Duration::from_secs(5);
    eprintln!(
        "voice bench: {n} calls at {} per second from SIPp, each held {} s",
        args.call_rate,
        hold.as_secs() + 12
    );
    let sip = voice.sip.addr;
    let sipp = tokio::process::Command::new("sipp")
        .arg(sip.to_string())
        .arg("-sf")
        .arg(&scenario)
        .args(["-key", "caller", "+33600000000", "-s", "support"])
        .args(["-m", &n.to_string(), "-l", &n.to_string()])
        .args(["-r", &args.call_rate.to_string()])
        .args(["-d", &hold.as_millis().to_string()])
        .args(["-i", "127.0.0.1", "-mi", "127.0.0.1", "-mp", "40000"])
        .args([
            "-p",
            &UdpSocket::bind("127.0.0.1:0")?
                .local_addr()?
                .port()
                .to_string(),
        ])
        .args(["-nostdin", "-timeout", "600s", "-timeout_error"])
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .context("starting sipp")?;

    // Ramp up, then let the first calls' prompts start.
    let up_by = Instant::now() + ramp + Duration::from_secs(30);
    while voice.status().calls < n as usize {
        anyhow::ensure!(
            Instant::now() < up_by,
            "only {} of {n} calls came up",
            voice.status().calls
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_secs(10)).await;

    voice.media.jitter.reset();
    let cpu0 = cpu_seconds();
    let t0 = Instant::now();
    let mut fewest = usize::MAX;
    while t0.elapsed() < window {
        fewest = fewest.min(voice.status().calls);
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let cpu = (cpu_seconds() - cpu0) / t0.elapsed().as_secs_f64();
    let j = voice.media.jitter.figures();

    let out = sipp.wait_with_output().await?;
    let status = voice.status();
    let detected = status.digits_detected;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        eprintln!("sipp reported failed calls: {}", stderr.trim());
    }
    running.shutdown().await?;

    println!("\nVoice: {n} concurrent inbound calls held in queue with prompts (SIPp on loopback), 2-core machine");
    println!(
        "| run | streams | calls sustained | CPU (cores) | jitter p50 | jitter p99 | jitter max | packets | DTMF detected |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    println!(
        "| baseline: bare pacing loop to a loopback sink | {n} | – | {:.2} | {} µs | {} µs | {} µs | {} | – |",
        base.cpu, base.jitter.p50_us, base.jitter.p99_us, base.jitter.max_us, base.jitter.samples
    );
    println!(
        "| Switchboard (SIP, RTP in and out, prompts, DTMF, work items) | {n} | {} | {cpu:.2} | {} µs | {} µs | {} µs | {} | {detected}/{n} ({:.1} %) |",
        fewest,
        j.p50_us,
        j.p99_us,
        j.max_us,
        j.samples,
        100.0 * detected as f64 / f64::from(n)
    );
    println!(
        "\nJitter is |send interval − 20 ms| per stream, measured over {} s of steady state; CPU is this process (Switchboard, or the baseline loop) per second of wall time; SIPp's own CPU is not counted. sipp exit: {}.",
        window.as_secs(),
        out.status.code().map_or("killed".into(), |c| c.to_string())
    );
    Ok(())
}

struct Baseline {
    cpu: f64,
    jitter: switchboard_server::voice::media::JitterFigures,
}

/// One thread sending `streams` packets of 172 bytes every 20 ms to a
/// loopback sink, measured like the media plane.
fn baseline(streams: usize, window: Duration) -> anyhow::Result<Baseline> {
    let sink = UdpSocket::bind("127.0.0.1:0")?;
    let to = sink.local_addr()?;
    let stop = Arc::new(AtomicBool::new(false));
    let drain = {
        let stop = stop.clone();
        sink.set_read_timeout(Some(Duration::from_millis(100)))?;
        std::thread::spawn(move || {
            let mut buf = [0u8; 2048];
            while !stop.load(Ordering::Relaxed) {
                let _ = sink.recv(&mut buf);
            }
        })
    };
    let sockets: Vec<UdpSocket> = (0..streams)
        .map(|_| UdpSocket::bind("127.0.0.1:0"))
        .collect::<Result<_, _>>()?;
    let jitter = Jitter::default();
    let packet = [0xD5u8; 172];
    let mut last: Vec<Option<Instant>> = vec![None; streams];
    let tick = Duration::from_millis(20);
    let cpu0 = cpu_seconds();
    let start = Instant::now();
    let mut next = start + tick;
    while start.elapsed() < window {
        let now = Instant::now();
        if next > now {
            std::thread::sleep(next - now);
        }
        for (i, s) in sockets.iter().enumerate() {
            let at = Instant::now();
            if s.send_to(&packet, to).is_ok() {
                if let Some(prev) = last[i] {
                    jitter.record(at.duration_since(prev));
                }
                last[i] = Some(at);
            }
        }
        next += tick;
    }
    let cpu = (cpu_seconds() - cpu0) / start.elapsed().as_secs_f64();
    stop.store(true, Ordering::Relaxed);
    let _ = drain.join();
    Ok(Baseline {
        cpu,
        jitter: jitter.figures(),
    })
}
