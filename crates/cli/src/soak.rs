//! `switchboard soak`: the server under a steady mixed load on every HTTP
//! and WebSocket edge for a while, with its memory and file descriptors
//! sampled from `/proc` as it goes, so that a leak shows as a slope.
//!
//! The server is this same binary started as a child (`serve --demo` in a
//! fresh directory), so what is measured is the server alone and not the
//! load generator. The load, per round (several rounds a second, bounded):
//! - API: search contacts, create a contact with a note, read its timeline,
//!   list conversations, a malformed body, an unknown id, a bad token;
//! - widget: config, a new visitor, a journey event, a conversation with
//!   the survey, its WebSocket with a message, then the visitor ends it;
//! - agent socket: connect, read `ready`, close;
//! - booking page: properties and slots;
//! - pages: `/`, `/agent`, `/book`, an unknown address.
//!
//! Verdict: after the warm-up (the first quarter), the resident memory of
//! the last third of the samples must not exceed the middle third's by more
//! than `--max-growth-mib`, and open file descriptors must come back (the
//! last sample within 32 of the warm-up's median). Growth that plateaus
//! (allocator arenas, caches filling once) passes; growth that keeps going
//! fails.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use clap::Args;
use futures::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

#[derive(Args, Debug)]
pub struct SoakArgs {
    /// How long to drive the load, in seconds [default: 30 minutes].
    #[arg(long, default_value_t = 1800, value_parser = clap::value_parser!(u64).range(20..=86_400))]
    seconds: u64,
    /// Load rounds per second (each round touches every edge once).
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=50))]
    rounds_per_second: u32,
    /// Seconds between two samples of memory and descriptors.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=300))]
    sample_seconds: u64,
    /// Largest growth of resident memory allowed from the middle third of
    /// the run to the last third, in MiB.
    #[arg(long, default_value_t = 24)]
    max_growth_mib: u64,
    /// Database URL for the server [default: SQLite in a temp dir].
    #[arg(long)]
    database_url: Option<String>,
}

struct Server {
    child: Child,
    base: String,
    admin_password: String,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[allow(clippy::zombie_processes)] // Server's Drop reaps it
fn start_server(database_url: Option<&str>) -> anyhow::Result<Server> {
    let dir = tempfile::tempdir()?;
    let mut cmd = Command::new(std::env::current_exe()?);
    cmd.args(["serve", "--demo", "--listen", "127.0.0.1:0"])
        .args(["--sip-listen", "127.0.0.1:0"])
        .current_dir(dir.path())
        .env("SWITCHBOARD_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    if let Some(url) = database_url {
        cmd.args(["--database-url", url]);
    }
    let mut child = cmd.spawn().context("starting the server")?;
    let out = child.stdout.take().context("the server's stdout")?;
    let mut base = None;
    let mut admin_password = None;
    let mut lines = BufReader::new(out).lines();
    let mut seen = Vec::new();
    for line in lines.by_ref() {
        let line = line?;
        seen.push(line.clone());
        if let Some(b) = line.strip_prefix("Switchboard is running on ") {
            base = Some(b.trim().to_owned());
        }
        let words: Vec<&str> = line.split_whitespace().collect();
        if words.first() == Some(&"admin@demo.switchboard.test") {
            admin_password = words.get(1).map(|s| (*s).to_owned());
        }
        if line.starts_with("Press Ctrl-C") {
            break;
        }
    }
    // Keep reading so the child never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Ok(Server {
        child,
        base: base.with_context(|| {
            format!(
                "the server printed no address (did it fail to start? run `serve --demo` to see); it printed:\n{}",
                seen.join("\n")
            )
        })?,
        admin_password: admin_password.context("the server printed the admin's password")?,
        _dir: dir,
    })
}

/// Resident memory (KiB) and open descriptors of a process, from /proc.
fn sample(pid: u32) -> anyhow::Result<(u64, usize)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let rss = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .context("VmRSS in /proc/PID/status")?;
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd"))?.count();
    Ok((rss, fds))
}

struct Load {
    http: reqwest::Client,
    base: String,
    ws_base: String,
    token: String,
    widget: String,
    errors: u64,
    requests: u64,
}

impl Load {
    fn count(&mut self, ok: bool) {
        self.requests += 1;
        if !ok {
            self.errors += 1;
        }
    }

    async fn status(&mut self, req: reqwest::RequestBuilder, want: u16) -> Option<Value> {
        match req.send().await {
            Ok(r) => {
                let got = r.status().as_u16();
                self.count(got == want);
                r.json().await.ok()
            }
            Err(_) => {
                self.count(false);
                None
            }
        }
    }

    async fn api_round(&mut self, n: u64) {
        let (base, token) = (self.base.clone(), self.token.clone());
        let h = self.http.clone();
        self.status(
            h.get(format!("{base}/api/v1/contacts?q=gar"))
                .bearer_auth(&token),
            200,
        )
        .await;
        let contact = self
            .status(
                h.post(format!("{base}/api/v1/contacts"))
                    .bearer_auth(&token)
                    .json(&json!({"first_name": "Soak", "last_name": format!("Test {n}")})),
                201,
            )
            .await;
        if let Some(id) = contact.as_ref().and_then(|c| c["id"].as_str()) {
            self.status(
                h.post(format!("{base}/api/v1/activities"))
                    .bearer_auth(&token)
                    .json(&json!({"kind": "note", "contact_id": id, "body": "soak note"})),
                201,
            )
            .await;
            self.status(
                h.get(format!("{base}/api/v1/contacts/{id}/timeline"))
                    .bearer_auth(&token),
                200,
            )
            .await;
        }
        self.status(
            h.get(format!("{base}/api/v1/conversations?limit=20"))
                .bearer_auth(&token),
            200,
        )
        .await;
        self.status(
            h.post(format!("{base}/api/v1/contacts"))
                .bearer_auth(&token)
                .header("content-type", "application/json")
                .body("{not json"),
            400,
        )
        .await;
        self.status(
            h.get(format!(
                "{base}/api/v1/contacts/00000000-0000-0000-0000-000000000000"
            ))
            .bearer_auth(&token),
            404,
        )
        .await;
        self.status(
            h.get(format!("{base}/api/v1/contacts"))
                .bearer_auth("sbt_wrong"),
            401,
        )
        .await;
    }

    async fn widget_round(&mut self) {
        let (base, widget) = (self.base.clone(), self.widget.clone());
        let h = self.http.clone();
        let w = format!("{base}/widget/v1/{widget}");
        let origin = base.clone();
        self.status(h.get(format!("{w}/config")).header("origin", &origin), 200)
            .await;
        let Some(visitor) = self
            .status(
                h.post(format!("{w}/visitors"))
                    .header("origin", &origin)
                    .json(&json!({"language": "en"})),
                200,
            )
            .await
        else {
            return;
        };
        let (Some(vt), Some(session)) = (visitor["token"].as_str(), visitor["session_id"].as_str())
        else {
            self.count(false);
            return;
        };
        let (vt, session) = (vt.to_owned(), session.to_owned());
        self.status(
            h.post(format!("{w}/events"))
                .header("origin", &origin)
                .bearer_auth(&vt)
                .json(&json!({"session_id": session, "type": "page", "url": format!("{base}/demo/shop?page=1")})),
            200,
        )
        .await;
        let Some(conv) = self
            .status(
                h.post(format!("{w}/conversations"))
                    .header("origin", &origin)
                    .bearer_auth(&vt)
                    .json(&json!({"session_id": session,
                        "survey": {"name": "Soak Visitor", "email": "soak@example.com", "topic": "Orders"}})),
                201,
            )
            .await
        else {
            return;
        };
        let Some(conv_id) = conv["id"].as_str().map(str::to_owned) else {
            self.count(false);
            return;
        };
        let url = format!(
            "{}/widget/v1/{widget}/ws?token={vt}&conversation_id={conv_id}",
            self.ws_base
        );
        // Send a message, wait until it is acknowledged (persisted), end the chat.
        let ok = socket_exchange(
            &url,
            ("origin", origin),
            Some(json!({"type": "message", "client_id": "soak-1", "body": "hello from the soak"})),
            "\"ack\"",
            Some(json!({"type": "end"})),
        )
        .await;
        self.count(ok);
    }

    async fn agent_socket_round(&mut self) {
        let url = format!("{}/api/v1/ws", self.ws_base);
        let auth = format!("Bearer {}", self.token);
        let ok = socket_exchange(&url, ("authorization", auth), None, "\"ready\"", None).await;
        self.count(ok);
    }

    async fn pages_round(&mut self) {
        let base = self.base.clone();
        let h = self.http.clone();
        self.status(
            h.get(format!("{base}/public/v1/scheduling/properties")),
            200,
        )
        .await;
        for page in ["/", "/agent", "/book", "/widget.js"] {
            let ok = h
                .get(format!("{base}{page}"))
                .send()
                .await
                .is_ok_and(|r| r.status() == 200);
            self.count(ok);
        }
        let ok = h
            .get(format!("{base}/nowhere"))
            .header("accept", "text/html")
            .send()
            .await
            .is_ok_and(|r| r.status() == 404);
        self.count(ok);
    }
}

/// One WebSocket's life: connect with `header`, send `first`, read until a
/// frame containing `until`, send `last`, close; false on any failure or
/// after 10 s.
async fn socket_exchange(
    url: &str,
    header: (&'static str, String),
    first: Option<Value>,
    until: &str,
    last: Option<Value>,
) -> bool {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let Ok(mut req) = url.into_client_request() else {
        return false;
    };
    let Ok(value) = header.1.parse() else {
        return false;
    };
    req.headers_mut().insert(header.0, value);
    let exchange = async {
        let (mut ws, _) = tokio_tungstenite::connect_async(req).await.ok()?;
        if let Some(first) = first {
            ws.send(Message::Text(first.to_string().into()))
                .await
                .ok()?;
        }
        while let Some(Ok(m)) = ws.next().await {
            if let Message::Text(t) = m {
                if t.contains(until) {
                    break;
                }
            }
        }
        if let Some(last) = last {
            ws.send(Message::Text(last.to_string().into())).await.ok()?;
        }
        let _ = ws.close(None).await;
        Some(())
    };
    tokio::time::timeout(Duration::from_secs(10), exchange)
        .await
        .ok()
        .flatten()
        .is_some()
}

pub async fn run(args: SoakArgs) -> anyhow::Result<()> {
    let server = start_server(args.database_url.as_deref())?;
    let pid = server.child.id();
    let base = server.base.clone();
    let http = reqwest::Client::builder()
        .cookie_store(true)
        .timeout(Duration::from_secs(15))
        .build()?;
    // An admin token, as an integrator makes one: sign in, then POST /tokens.
    let r = http
        .post(format!("{base}/api/v1/session"))
        .json(&json!({"email": "admin@demo.switchboard.test", "password": server.admin_password}))
        .send()
        .await?;
    anyhow::ensure!(
        r.status() == 200,
        "signing in as the demo admin: {}",
        r.status()
    );
    let session: Value = r.json().await?;
    let csrf = session["csrf_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let created: Value = http
        .post(format!("{base}/api/v1/tokens"))
        .header("x-csrf-token", csrf)
        .json(&json!({"name": "soak", "role": "admin"}))
        .send()
        .await?
        .json()
        .await?;
    let token = created["secret"]
        .as_str()
        .context("a token for the load")?
        .to_owned();
    let widgets: Value = reqwest::Client::new()
        .get(format!("{base}/api/v1/widgets"))
        .bearer_auth(&token)
        .send()
        .await?
        .json()
        .await?;
    let widget = widgets
        .as_array()
        .and_then(|w| w.first())
        .and_then(|w| w["id"].as_str())
        .context("the demo widget")?
        .to_owned();
    let mut load = Load {
        http: reqwest::Client::builder()
            .timeout(Duration::from_secs(15))
            .build()?,
        ws_base: base.replacen("http://", "ws://", 1),
        base: base.clone(),
        token,
        widget,
        errors: 0,
        requests: 0,
    };

    println!(
        "Soak: {} s of mixed load ({} rounds/s over the API, widget, sockets, booking and pages) against pid {pid} at {base}",
        args.seconds, args.rounds_per_second
    );
    println!(
        "{:>8} {:>10} {:>6} {:>10} {:>8}",
        "t (s)", "RSS (MiB)", "fds", "requests", "errors"
    );
    let start = Instant::now();
    let end = start + Duration::from_secs(args.seconds);
    let period = Duration::from_secs(1) / args.rounds_per_second;
    let mut next_sample = start;
    let mut next_round = start;
    let mut samples: Vec<(f64, u64, usize)> = Vec::new();
    let mut n = 0u64;
    while Instant::now() < end {
        if Instant::now() >= next_sample {
            let (rss, fds) = sample(pid).context("sampling the server (did it exit?)")?;
            let t = start.elapsed().as_secs_f64();
            println!(
                "{t:>8.0} {:>10.1} {fds:>6} {:>10} {:>8}",
                rss as f64 / 1024.0,
                load.requests,
                load.errors
            );
            samples.push((t, rss, fds));
            next_sample += Duration::from_secs(args.sample_seconds);
        }
        n += 1;
        load.api_round(n).await;
        load.agent_socket_round().await;
        // The public edges have per-address limits (600 requests a minute
        // by default): the soak stays well inside them, it is no flood.
        if n.is_multiple_of(4) {
            load.widget_round().await;
            load.pages_round().await;
        }
        next_round += period;
        if let Some(wait) = next_round.checked_duration_since(Instant::now()) {
            tokio::time::sleep(wait).await;
        } else {
            next_round = Instant::now();
        }
    }
    // Let sockets and tasks wind down, then a last sample.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (rss, fds) = sample(pid)?;
    let t = start.elapsed().as_secs_f64();
    println!(
        "{t:>8.0} {:>10.1} {fds:>6} {:>10} {:>8}",
        rss as f64 / 1024.0,
        load.requests,
        load.errors
    );
    samples.push((t, rss, fds));
    verdict(&samples, args.max_growth_mib, load.requests, load.errors)
}

fn median(mut v: Vec<u64>) -> u64 {
    v.sort_unstable();
    v.get(v.len() / 2).copied().unwrap_or(0)
}

/// Pass or fail, from the samples: see the module's comment.
fn verdict(
    samples: &[(f64, u64, usize)],
    max_growth_mib: u64,
    requests: u64,
    errors: u64,
) -> anyhow::Result<()> {
    let warm = samples.len() / 4;
    let after = &samples[warm..];
    anyhow::ensure!(
        after.len() >= 6,
        "too few samples after the warm-up: run longer"
    );
    let third = after.len() / 3;
    let middle = median(after[third..2 * third].iter().map(|s| s.1).collect());
    let last = median(after[2 * third..].iter().map(|s| s.1).collect());
    let growth_kib = last.saturating_sub(middle);
    let fd_warm = median(after[..third].iter().map(|s| s.2 as u64).collect());
    let fd_last = after.last().map(|s| s.2 as u64).unwrap_or(0);
    println!(
        "\nAfter warm-up: RSS median {:.1} MiB (middle third) → {:.1} MiB (last third), growth {:.1} MiB (allowed {max_growth_mib}); descriptors {fd_warm} → {fd_last}; {requests} requests, {errors} unexpected answers",
        middle as f64 / 1024.0,
        last as f64 / 1024.0,
        growth_kib as f64 / 1024.0,
    );
    if errors * 100 > requests.max(1) {
        bail!("more than 1% of the requests got an unexpected answer ({errors} of {requests})");
    }
    if growth_kib > max_growth_mib * 1024 {
        bail!(
            "resident memory kept growing after the warm-up: +{:.1} MiB from the middle third to the last",
            growth_kib as f64 / 1024.0
        );
    }
    if fd_last > fd_warm + 32 {
        bail!("open file descriptors kept growing: {fd_warm} → {fd_last}");
    }
    println!("No growth past the allowance: pass.");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(rss: &[u64]) -> anyhow::Result<()> {
        let samples: Vec<_> = rss
            .iter()
            .enumerate()
            .map(|(i, r)| (i as f64, r * 1024, 40))
            .collect();
        verdict(&samples, 24, 100, 0)
    }

    #[test]
    fn a_plateau_passes_and_a_slope_fails() {
        // Warm-up climbs, then flat.
        assert!(run(&[100, 150, 200, 250, 250, 251, 250, 252, 251, 250, 252, 251]).is_ok());
        // Keeps climbing 10 MiB a sample after the warm-up.
        assert!(run(&[100, 150, 200, 250, 260, 270, 280, 290, 300, 310, 320, 330]).is_err());
    }
}
