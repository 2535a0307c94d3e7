//! Real softphones on the voice channel: Debian's baresip (1.0.0) as Ana's
//! phone (registered with her digest credentials, answering by itself) and
//! as a caller dialling the support line, each playing a tone (ausine:
//! the caller 440 Hz, the agent 1000 Hz) and recording what it hears
//! (sndfile's decoded-audio dump). The recordings are analysed here: each
//! side must hear the other's tone. baresip puts the machine's interface
//! address in its SDP and sends from loopback — the way a person's
//! softphone on the same machine behaves, and what phones behind NAT do.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use serde_json::{json, Value};
use switchboard_server::Config;
use tokio::process::{Child, Command};

use crate::routing::{available, connect};
use crate::support::{spawn_sqlite_with, TestApp};
use crate::voice::{
    accept, free_port, next_offer, setup, sip_addr, status, timeline_subjects, until, voice_config,
    voice_items,
};

/// One baresip process with its own configuration directory.
struct Baresip {
    name: &'static str,
    dir: tempfile::TempDir,
    child: Option<Child>,
}

impl Baresip {
    /// Starts baresip listening on a free loopback port, playing a
    /// `tone_hz` sine and recording what it receives. `advertise` is the
    /// address it names in its SDP: None keeps baresip's default (the
    /// machine's interface address).
    fn start(
        name: &'static str,
        tone_hz: u32,
        advertise: Option<&str>,
        account: &str,
        commands: &[String],
    ) -> Self {
        let dir = tempfile::tempdir().unwrap();
        // baresip also takes the port above for TLS: leave a gap.
        let port = loop {
            let p = free_port();
            if std::net::TcpListener::bind(("127.0.0.1", p)).is_ok()
                && std::net::TcpListener::bind(("127.0.0.1", p + 1)).is_ok()
            {
                break p;
            }
        };
        let mut config = format!(
            "poll_method epoll\n\
             sip_listen 127.0.0.1:{port}\n\
             call_local_timeout 120\n\
             audio_player aubridge,sink-{name}\n\
             audio_alert aubridge,alert-{name}\n\
             audio_source ausine,{tone_hz}\n\
             ausrc_srate 48000\n\
             ausrc_channels 2\n\
             auplay_srate 48000\n\
             auplay_channels 2\n\
             rtcp_mux no\n\
             module_path /usr/lib/baresip/modules\n\
             module g711.so\n\
             module ausine.so\n\
             module aubridge.so\n\
             module sndfile.so\n\
             module_tmp account.so\n\
             module_app menu.so\n\
             snd_path {}\n",
            dir.path().display()
        );
        if let Some(a) = advertise {
            config.push_str(&format!("net_interface {a}\n"));
        }
        std::fs::write(dir.path().join("config"), config).unwrap();
        std::fs::write(dir.path().join("accounts"), format!("{account}\n")).unwrap();
        let log = std::fs::File::create(dir.path().join("log")).unwrap();
        let mut cmd = Command::new("baresip");
        cmd.arg("-f")
            .arg(dir.path())
            // An upper bound: the test hangs up long before.
            .args(["-t", "150"]);
        for c in commands {
            cmd.arg("-e").arg(c);
        }
        cmd.current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .kill_on_drop(true);
        let child = cmd
            .spawn()
            .expect("baresip runs (Debian package baresip-core)");
        Baresip {
            name,
            dir,
            child: Some(child),
        }
    }

    fn log(&self) -> String {
        let raw = std::fs::read_to_string(self.dir.path().join("log")).unwrap_or_default();
        // The call's status line repaints itself: keep the rest.
        raw.split('\n')
            .map(|l| l.split("    [").next().unwrap_or(l))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Quits as a person closing the program does (SIGTERM: calls are hung
    /// up, files closed) and waits for it.
    async fn quit(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        if let Some(pid) = child.id() {
            let _ = Command::new("kill")
                .args(["-TERM", &pid.to_string()])
                .status()
                .await;
        }
        if tokio::time::timeout(Duration::from_secs(15), child.wait())
            .await
            .is_err()
        {
            let _ = child.kill().await;
            panic!("{} did not quit:\n{}", self.name, self.log());
        }
    }

    /// The recording of what this phone received.
    fn recording(&self) -> PathBuf {
        std::fs::read_dir(self.dir.path())
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .find(|p| p.to_string_lossy().ends_with("-dec.wav"))
            .unwrap_or_else(|| panic!("{} recorded nothing:\n{}", self.name, self.log()))
    }
}

/// The samples of a 16-bit PCM WAV (first channel) and its rate. A file
/// whose header was not finalised is read to its end.
fn wav(path: &Path) -> (u32, Vec<i16>) {
    let b = std::fs::read(path).unwrap();
    assert!(b.len() > 12 && &b[0..4] == b"RIFF" && &b[8..12] == b"WAVE");
    let (mut rate, mut channels, mut at) = (8000u32, 1usize, 12);
    while at + 8 <= b.len() {
        let id = &b[at..at + 4];
        let size = u32::from_le_bytes(b[at + 4..at + 8].try_into().unwrap()) as usize;
        let body = at + 8;
        if id == b"fmt " {
            channels = u16::from_le_bytes([b[body + 2], b[body + 3]]) as usize;
            rate = u32::from_le_bytes(b[body + 4..body + 8].try_into().unwrap());
        } else if id == b"data" {
            let end = if size == 0 || body + size > b.len() {
                b.len()
            } else {
                body + size
            };
            let samples = b[body..end]
                .chunks_exact(2 * channels)
                .map(|c| i16::from_le_bytes([c[0], c[1]]))
                .collect();
            return (rate, samples);
        }
        at = body + size + (size & 1);
    }
    panic!("{} has no data", path.display());
}

/// How many 100 ms blocks of `samples` are dominated by a tone at `hz`
/// (Goertzel: the share of the block's energy at that frequency).
fn tone_blocks(rate: u32, samples: &[i16], hz: f64) -> usize {
    let n = (rate / 10) as usize;
    let coeff = 2.0 * (std::f64::consts::TAU * hz / f64::from(rate)).cos();
    samples
        .chunks_exact(n)
        .filter(|block| {
            let (mut s1, mut s2, mut energy) = (0.0f64, 0.0f64, 0.0f64);
            for &x in *block {
                let x = f64::from(x);
                let s0 = x + coeff * s1 - s2;
                s2 = s1;
                s1 = s0;
                energy += x * x;
            }
            let power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
            let rms = (energy / n as f64).sqrt();
            rms > 100.0 && 2.0 * power / (n as f64 * energy) > 0.6
        })
        .count()
}

/// A known caller rings the support line from one baresip, Ana answers on
/// another; both hear each other. `caller_advertises`: the address the
/// caller's SDP names (None: baresip's default, the interface address).
async fn softphones_hear_each_other(app: &TestApp, caller_advertises: Option<&str>) -> Value {
    let t = setup(app, json!({})).await;
    let contact = t
        .ana
        .create(
            "/api/v1/contacts",
            json!({"first_name": "Inès", "last_name": "Moreau", "phone": "+33612345678"}),
        )
        .await;
    let sw = sip_addr(app);

    // Ana's phone registers with her account and answers by itself.
    let mut phone = Baresip::start(
        "agent",
        1000,
        None,
        &format!(
            "<sip:{}@{sw}>;auth_pass={};regint=600;answermode=auto",
            t.sip_user, t.sip_password
        ),
        &[],
    );
    until(
        Duration::from_secs(20),
        "Ana's phone registered",
        async || (status(&t.admin).await["registered_phones"] == 1).then_some(()),
    )
    .await;

    // The caller dials the support line.
    let mut caller = Baresip::start(
        "caller",
        440,
        caller_advertises,
        "<sip:+33612345678@127.0.0.1>;regint=0",
        &[format!("/dial sip:support@{sw}")],
    );
    let item = until(
        Duration::from_secs(20),
        "the call became a work item",
        async || voice_items(app).await.into_iter().next(),
    )
    .await;
    let mut ws = connect(app, &t.ana, 0).await;
    available(&t.ana).await;
    let offer = next_offer(&mut ws, Duration::from_secs(15)).await;
    assert_eq!(offer["work_item_id"], item.0.as_str());
    accept(&t.ana, &item.0).await;

    // While the call goes on, the figures move: audio crosses the bridge
    // both ways.
    let live = until(
        Duration::from_secs(30),
        "audio relayed both ways",
        async || {
            let st = status(&t.admin).await;
            (st["calls"] == 1
                && st["relayed_from_customers"].as_u64() > Some(100)
                && st["relayed_from_agents"].as_u64() > Some(100))
            .then_some(st)
        },
    )
    .await;
    assert_eq!(live["rtp_dropped"], 0, "{live}");
    // Two more seconds of conversation, then the caller hangs up.
    tokio::time::sleep(Duration::from_secs(2)).await;
    caller.quit().await;
    let st = until(Duration::from_secs(20), "the call is over", async || {
        let st = status(&t.admin).await;
        (st["calls"] == 0 && st["media_legs"] == 0 && st["sip_dialogs"] == 0).then_some(st)
    })
    .await;
    phone.quit().await;

    // Each side heard the other's tone (and the caller not only prompts).
    let (rate, heard_by_agent) = wav(&phone.recording());
    let caller_tone = tone_blocks(rate, &heard_by_agent, 440.0);
    assert!(
        caller_tone >= 10,
        "Ana heard the caller's 440 Hz in {caller_tone} blocks of 100 ms ({st})\n{}",
        phone.log()
    );
    let (rate, heard_by_caller) = wav(&caller.recording());
    let agent_tone = tone_blocks(rate, &heard_by_caller, 1000.0);
    assert!(
        agent_tone >= 10,
        "the caller heard Ana's 1000 Hz in {agent_tone} blocks of 100 ms ({st})\n{}",
        caller.log()
    );

    // The call is on the caller's timeline and readable as a call.
    let subjects = timeline_subjects(&t.ana, &contact).await;
    assert!(
        subjects
            .iter()
            .any(|s| s == "Inbound call from +33612345678"),
        "{subjects:?}"
    );
    let call = t
        .ana
        .ok(&format!("/api/v1/work-items/{}/call", item.0))
        .await;
    assert_eq!(call["state"], "ended", "{call}");
    assert_eq!(call["ended_by"], "customer", "{call}");
    assert_eq!(call["agent_id"], t.ana.agent_id.as_deref().unwrap());
    st
}

#[tokio::test]
async fn baresip_softphones_advertising_the_interface_address_hear_each_other() {
    let prompts = tempfile::tempdir().unwrap();
    let app = spawn_sqlite_with(&|c: &mut Config| voice_config(c, 9, prompts.path())).await;
    softphones_hear_each_other(&app, None).await;
    app.stop().await;
}

#[tokio::test]
async fn a_baresip_caller_on_loopback_hears_an_agent_advertising_the_interface_address() {
    let prompts = tempfile::tempdir().unwrap();
    let app = spawn_sqlite_with(&|c: &mut Config| voice_config(c, 9, prompts.path())).await;
    softphones_hear_each_other(&app, Some("127.0.0.1")).await;
    app.stop().await;
}
