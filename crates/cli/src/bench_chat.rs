//! `switchboard bench chat`: N visitors on WebSockets chatting with M agents.
//!
//! The server and the agents run in this process on a fresh database; the
//! visitors run in a child process (the same binary), so each side has its
//! own open-files limit. Both share the machine's cores, so the figures are a
//! floor for what a dedicated server does. Every visitor registers and
//! starts a conversation over HTTP; agents accept their offers over their
//! sockets; then visitors send messages at a fixed total rate for a fixed
//! time. A message counts as persisted when its `ack` comes back (the
//! server acknowledges only after the commit); its latency is from just
//! before the visitor's send to its arrival on the agent's socket. Baselines
//! measured in the same run: a bare loopback WebSocket echo, and raw
//! single-transaction inserts into the same database's message table.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Args;
use futures::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

#[derive(Args, Debug)]
pub struct ChatBenchArgs {
    /// Concurrent visitor connections, each with its own conversation.
    #[arg(long, default_value_t = 10_000)]
    visitors: usize,
    /// Agents sharing the conversations, each on one WebSocket.
    #[arg(long, default_value_t = 20)]
    agents: usize,
    /// Visitor messages per second, all visitors together.
    #[arg(long, default_value_t = 20_000)]
    rate: u64,
    /// How long messages are sent.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Internal: run as the visitors' process against this server address.
    #[arg(long, hide = true)]
    drive_visitors: Option<String>,
    /// Internal: the widget the visitors use.
    #[arg(long, hide = true)]
    widget: Option<String>,
}

/// Microseconds since the Unix epoch: comparable across the two processes.
fn wall_micros() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_micros() as u64)
        .unwrap_or(0)
}

const ORIGIN: &str = "http://bench.example";

/// Resident memory of this process, from /proc (Linux).
fn rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

/// Raises the open-files limit to what the run needs (two sockets per
/// visitor in one process), as far as the system allows.
fn raise_file_limit(want: u64) -> u64 {
    // SAFETY: getrlimit/setrlimit only read and write the struct we pass.
    unsafe {
        let mut l = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut l) != 0 {
            return 1024;
        }
        if l.rlim_cur >= want {
            return l.rlim_cur;
        }
        let raised = libc::rlimit {
            rlim_cur: want,
            rlim_max: want.max(l.rlim_max),
        };
        if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
            return want;
        }
        let soft = libc::rlimit {
            rlim_cur: l.rlim_max,
            rlim_max: l.rlim_max,
        };
        if libc::setrlimit(libc::RLIMIT_NOFILE, &soft) == 0 {
            l.rlim_max
        } else {
            l.rlim_cur
        }
    }
}

fn pct(sorted: &[Duration], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() as f64 - 1.0) * q).round() as usize].as_secs_f64() * 1e3
}

pub async fn run(args: ChatBenchArgs, database_url: Option<String>) -> anyhow::Result<()> {
    if let (Some(addr), Some(widget)) = (&args.drive_visitors, &args.widget) {
        return drive(&args, addr, widget).await;
    }
    raise_file_limit(args.visitors as u64 + 4096);
    // An agent holds at most 100 chats: enough agents for every visitor.
    let agents_n = args.agents.max(args.visitors.div_ceil(95));
    let dir = tempfile::tempdir()?;
    let url = database_url
        .unwrap_or_else(|| format!("sqlite://{}", dir.path().join("bench.db").display()));
    let mut config = switchboard_server::Config::new("127.0.0.1:0".parse()?, url.clone());
    // One load generator on one IP plays thousands of visitors.
    config.chat_limits = switchboard_server::chat::ChatLimits {
        requests_per_ip_per_minute: u32::MAX / 2,
        per_visitor_per_minute: u32::MAX / 2,
        sockets_per_visitor: usize::MAX / 2,
        sockets_per_address: usize::MAX / 2,
    };
    let rss_start = rss_mib();
    let running = switchboard_server::start(config).await?;
    let db = running.state.db.clone();
    let base = format!("http://{}", running.addr);
    let http = reqwest::Client::new();

    // Admin, agents with room for every conversation, a queue, a widget.
    let hash = switchboard_server::auth::password::hash("bench-password".into()).await?;
    let token = |role, agent: Option<String>| {
        let db = db.clone();
        async move {
            let secret = switchboard_server::auth::secret::new_api_token();
            db.create_token(
                "bench",
                role,
                agent.as_deref(),
                &switchboard_server::auth::secret::digest(&secret),
            )
            .await?;
            anyhow::Ok(secret)
        }
    };
    let admin_agent = db
        .create_agent(&switchboard_store::agents::AgentRecord {
            name: "Bench admin",
            email: "admin@bench.test",
            roles: &[switchboard_core::access::Role::Admin],
            active: true,
            password_hash: Some(&hash),
        })
        .await?;
    let admin = token(switchboard_core::access::Role::Admin, Some(admin_agent.id)).await?;
    let profile: Value = http
        .post(format!("{base}/api/v1/capacity-profiles"))
        .bearer_auth(&admin)
        .json(&json!({"name": "bench", "chat_units": 100}))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let mut agents = Vec::new();
    for i in 0..agents_n {
        let a = db
            .create_agent(&switchboard_store::agents::AgentRecord {
                name: &format!("Bench agent {i}"),
                email: &format!("agent{i}@bench.test"),
                roles: &[switchboard_core::access::Role::Agent],
                active: true,
                password_hash: Some(&hash),
            })
            .await?;
        http.put(format!("{base}/api/v1/agents/{}/routing", a.id))
            .bearer_auth(&admin)
            .json(&json!({"capacity_profile_id": profile["id"]}))
            .send()
            .await?
            .error_for_status()?;
        agents.push((
            a.id.clone(),
            token(switchboard_core::access::Role::Agent, Some(a.id)).await?,
        ));
    }
    let queue: Value = http
        .post(format!("{base}/api/v1/queues"))
        .bearer_auth(&admin)
        .json(&json!({"name": "bench chat", "channel": "messaging", "offer_timeout_seconds": 3600,
            "method": "least_active", "members": agents.iter().map(|(id, _)| id.clone()).collect::<Vec<_>>()}))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let widget: Value = http
        .post(format!("{base}/api/v1/widgets"))
        .bearer_auth(&admin)
        .json(&json!({"name": "bench", "allowed_origins": [ORIGIN], "routing": {"queue_id": queue["id"]}}))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let widget = widget["id"].as_str().context("widget id")?.to_owned();

    // Agents accept every offer and time every visitor message they get.
    let latencies: Arc<Mutex<Vec<Duration>>> = Arc::default();
    let delivered = Arc::new(AtomicU64::new(0));
    let accepted = Arc::new(AtomicU64::new(0));
    // Times an agent socket fell too far behind and was told to read back.
    let resyncs = Arc::new(AtomicU64::new(0));
    let mut agent_tasks = Vec::new();
    for (_, secret) in &agents {
        let mut req = format!("ws://{}/api/v1/ws", running.addr).into_client_request()?;
        req.headers_mut()
            .insert("authorization", format!("Bearer {secret}").parse()?);
        let (ws, _) = tokio_tungstenite::connect_async(req).await?;
        let (mut tx, mut rx) = ws.split();
        let (latencies, delivered, accepted, resyncs) = (
            latencies.clone(),
            delivered.clone(),
            accepted.clone(),
            resyncs.clone(),
        );
        agent_tasks.push(tokio::spawn(async move {
            while let Some(Ok(Message::Text(t))) = rx.next().await {
                let Ok(v) = serde_json::from_str::<Value>(t.as_str()) else {
                    continue;
                };
                match v["type"].as_str() {
                    Some("offered") => {
                        let accept = json!({"type": "accept", "work_item_id": v["work_item_id"]});
                        if tx
                            .send(Message::Text(accept.to_string().into()))
                            .await
                            .is_err()
                        {
                            break;
                        }
                    }
                    Some("ack") if v["request"] == "accept" => {
                        accepted.fetch_add(1, Ordering::Relaxed);
                    }
                    Some("chat_resync") => {
                        resyncs.fetch_add(1, Ordering::Relaxed);
                    }
                    Some("chat_message") if v["sender"] == "visitor" => {
                        if let Some(sent) = v["body"].as_str().and_then(|b| b.parse::<u64>().ok()) {
                            let took = Duration::from_micros(wall_micros().saturating_sub(sent));
                            latencies.lock().expect("lock").push(took);
                            delivered.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    _ => {}
                }
            }
        }));
        http.put(format!("{base}/api/v1/me/presence"))
            .bearer_auth(secret)
            .json(&json!({"status": "available"}))
            .send()
            .await?
            .error_for_status()?;
    }

    // The visitors' process: it reports `started N`, `connected N`, then
    // waits for `go` on its stdin before sending; its last line is JSON.
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt};
    let mut child = tokio::process::Command::new(std::env::current_exe()?)
        .args([
            "bench",
            "chat",
            "--visitors",
            &args.visitors.to_string(),
            "--rate",
            &args.rate.to_string(),
            "--seconds",
            &args.seconds.to_string(),
            "--drive-visitors",
            &running.addr.to_string(),
            "--widget",
            &widget,
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .context("starting the visitors' process")?;
    let mut stdin = child.stdin.take().context("child stdin")?;
    let mut lines = tokio::io::BufReader::new(child.stdout.take().context("child stdout")?).lines();
    let (mut started, mut rss_connected, mut report) = (0u64, f64::NAN, Value::Null);
    let rss_before = rss_mib();
    while let Some(line) = lines.next_line().await? {
        if let Some(n) = line.strip_prefix("started ") {
            started = n.trim().parse().unwrap_or(0);
            // Wait (bounded) until the agents have accepted every conversation.
            // Wait (bounded) until every conversation is active: accepted by
            // its agent and the acceptance recorded (from then on its
            // messages reach the agent live).
            for _ in 0..2400 {
                let active: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM conversations WHERE status = 'active'",
                )
                .fetch_one(db.pool())
                .await?;
                if active as u64 >= started {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        } else if line.starts_with("connected ") {
            rss_connected = rss_mib();
            println!(
                "{started} conversations started, {} accepted by {agents_n} agents, {} visitor sockets open; sending {} messages/s for {} s…",
                accepted.load(Ordering::Relaxed),
                line.trim_start_matches("connected "),
                args.rate,
                args.seconds
            );
            stdin.write_all(b"go\n").await?;
            stdin.flush().await?;
        } else if line.starts_with('{') {
            report = serde_json::from_str(&line)?;
        }
    }
    child.wait().await?;
    anyhow::ensure!(!report.is_null(), "the visitors' process reported nothing");
    let sent = report["sent"].as_u64().unwrap_or(0);
    for _ in 0..100 {
        if delivered.load(Ordering::Relaxed) >= sent {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let rss_end = rss_mib();
    let stored: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM chat_messages WHERE sender = 'visitor'")
            .fetch_one(db.pool())
            .await?;
    let by_status: Vec<(String, i64)> = sqlx::query_as(
        "SELECT status, COUNT(*) FROM conversations GROUP BY status ORDER BY status",
    )
    .fetch_all(db.pool())
    .await?;
    for t in &agent_tasks {
        t.abort();
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut lat = std::mem::take(&mut *latencies.lock().expect("lock"));
    lat.sort();

    // Baseline 1: raw inserts of as many rows into the same table, one transaction.
    let raw_n = sent.clamp(1000, 50_000);
    let conv_id: String = sqlx::query_scalar("SELECT id FROM conversations LIMIT 1")
        .fetch_one(db.pool())
        .await?;
    let t = Instant::now();
    let mut tx = db.pool().begin().await?;
    for i in 0..raw_n {
        sqlx::query(
            "INSERT INTO chat_messages (seq, conversation_id, sender, body, at) VALUES ($1, $2, 'system', $3, $4)",
        )
        .bind(1_000_000_000 + i as i64)
        .bind(conv_id.clone())
        .bind(i.to_string())
        .bind(switchboard_core::time::now())
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    let raw_rate = raw_n as f64 / t.elapsed().as_secs_f64();

    // Baseline 2: bare loopback WebSocket echo round trips.
    let (echoes, echo_rate) = crate::bench::echo_baseline(5000).await?;

    let acked = report["acked"].as_u64().unwrap_or(0);
    let connected = report["connected"].as_u64().unwrap_or(0);
    let sending = report["sending_seconds"].as_f64().unwrap_or(f64::NAN);
    let drained = report["drained_seconds"].as_f64().unwrap_or(f64::NAN);
    println!(
        "\nchat end to end, {} database, {connected} visitors and {agents_n} agents on WebSockets (server, agents and visitors share the 2 cores)",
        if url.starts_with("sqlite") { "SQLite (file, WAL)" } else { "PostgreSQL" },
    );
    println!(
        "{:<66} {:>11} {:>9} {:>9}",
        "measurement", "per second", "p50 ms", "p99 ms"
    );
    println!(
        "{:<66} {:>11.0} {:>9.3} {:>9.3}",
        "baseline: bare loopback WebSocket echo (one socket, round trips)",
        echo_rate,
        pct(&echoes, 0.5),
        pct(&echoes, 0.99)
    );
    println!(
        "{:<66} {:>11.0} {:>9} {:>9}",
        format!("baseline: raw INSERTs into chat_messages, one transaction ({raw_n})"),
        raw_rate,
        "",
        ""
    );
    println!(
        "{:<66} {:>11.0} {:>9.3} {:>9.3}",
        format!("visitor messages persisted, acknowledged, delivered ({acked})"),
        acked as f64 / drained.max(sending),
        pct(&lat, 0.5),
        pct(&lat, 0.99)
    );
    println!(
        "(sent {sent} in {sending:.2} s; stored {stored}; delivered live to agents {}; agent resyncs {}; errors {}; latency = visitor send → agent socket)",
        delivered.load(Ordering::Relaxed),
        resyncs.load(Ordering::Relaxed),
        report["errors"],
    );
    println!("conversations by status: {by_status:?}");
    println!(
        "memory (RSS) of the server and agents: {rss_start:.0} MiB at start, {rss_before:.0} MiB ready, {rss_connected:.0} MiB with the conversations and sockets open ({:.1} KiB per visitor), {rss_end:.0} MiB at the end; visitors' process: {} KiB per visitor",
        (rss_connected - rss_before) * 1024.0 / connected.max(1) as f64,
        report["kib_per_visitor"],
    );
    running.shutdown().await?;
    Ok(())
}

/// The visitors' side, in its own process.
async fn drive(args: &ChatBenchArgs, addr: &str, widget: &str) -> anyhow::Result<()> {
    use tokio::io::AsyncBufReadExt;
    let limit = raise_file_limit(args.visitors as u64 + 1024);
    let visitors = args.visitors.min(limit.saturating_sub(512) as usize);
    let base = format!("http://{addr}");
    let http = reqwest::Client::new();
    let sem = Arc::new(tokio::sync::Semaphore::new(64));
    let mut starts = Vec::with_capacity(visitors);
    for _ in 0..visitors {
        let (http, base, widget, sem) =
            (http.clone(), base.clone(), widget.to_owned(), sem.clone());
        starts.push(tokio::spawn(async move {
            let _permit = sem.acquire().await.ok()?;
            let reg: Value = http
                .post(format!("{base}/widget/v1/{widget}/visitors"))
                .header("origin", ORIGIN)
                .json(&json!({"language": "en"}))
                .send()
                .await
                .ok()?
                .json()
                .await
                .ok()?;
            let token = reg["token"].as_str()?.to_owned();
            let conv: Value = http
                .post(format!("{base}/widget/v1/{widget}/conversations"))
                .header("origin", ORIGIN)
                .bearer_auth(&token)
                .json(&json!({"session_id": reg["session_id"], "survey": {}}))
                .send()
                .await
                .ok()?
                .json()
                .await
                .ok()?;
            Some((token, conv["id"].as_str()?.to_owned()))
        }));
    }
    let mut convs = Vec::with_capacity(visitors);
    for s in starts {
        if let Some(c) = s.await? {
            convs.push(c);
        }
    }
    drop(http);
    println!("started {}", convs.len());
    let rss_before = rss_mib();

    // Each visitor's socket: a reader counting acks; writers share the sinks.
    let acked = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let mut sinks = Vec::with_capacity(convs.len());
    let mut readers = Vec::with_capacity(convs.len());
    for chunk in convs.chunks(256) {
        let mut opening = Vec::new();
        for (token, conv) in chunk {
            let url =
                format!("ws://{addr}/widget/v1/{widget}/ws?token={token}&conversation_id={conv}");
            opening.push(async move {
                let mut req = url.into_client_request().ok()?;
                req.headers_mut().insert("origin", ORIGIN.parse().ok()?);
                // Small buffers: a visitor's messages are short.
                let config = tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default()
                    .read_buffer_size(4096)
                    .write_buffer_size(0);
                tokio_tungstenite::connect_async_with_config(req, Some(config), false)
                    .await
                    .ok()
                    .map(|(ws, _)| ws)
            });
        }
        for ws in futures::future::join_all(opening)
            .await
            .into_iter()
            .flatten()
        {
            let (tx, mut rx) = ws.split();
            sinks.push(tx);
            let (acked, errors) = (acked.clone(), errors.clone());
            readers.push(tokio::spawn(async move {
                while let Some(Ok(Message::Text(t))) = rx.next().await {
                    if t.as_str().contains("\"type\":\"ack\"") {
                        acked.fetch_add(1, Ordering::Relaxed);
                    } else if t.as_str().contains("\"type\":\"error\"") {
                        errors.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }));
        }
    }
    let connected = sinks.len();
    let kib_per_visitor = (rss_mib() - rss_before) * 1024.0 / connected.max(1) as f64;
    println!("connected {connected}");
    let mut stdin = tokio::io::BufReader::new(tokio::io::stdin()).lines();
    while let Some(line) = stdin.next_line().await? {
        if line.trim() == "go" {
            break;
        }
    }

    // Writers: 8 tasks, each owning a share of the sockets, sending in turn
    // in small bursts every 5 ms to hold the rate.
    let writers_n = 8.min(connected.max(1));
    let mut shares: Vec<Vec<_>> = (0..writers_n).map(|_| Vec::new()).collect();
    for (i, s) in sinks.into_iter().enumerate() {
        shares[i % writers_n].push(s);
    }
    let per_writer = args.rate as f64 / writers_n as f64;
    let sent = Arc::new(AtomicU64::new(0));
    let until = Instant::now() + Duration::from_secs(args.seconds);
    let send_start = Instant::now();
    let mut writers = Vec::new();
    for mut share in shares {
        let sent = sent.clone();
        writers.push(tokio::spawn(async move {
            if share.is_empty() {
                return share;
            }
            let burst = per_writer * 0.005;
            let mut tick = tokio::time::interval(Duration::from_millis(5));
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
            let (mut owed, mut next) = (0.0f64, 0usize);
            while Instant::now() < until {
                tick.tick().await;
                owed += burst;
                while owed >= 1.0 {
                    owed -= 1.0;
                    let n = sent.fetch_add(1, Ordering::Relaxed);
                    let msg = json!({"type": "message", "client_id": format!("m{n}"),
                        "body": wall_micros().to_string()});
                    let at = next % share.len();
                    next += 1;
                    let _ = share[at].send(Message::Text(msg.to_string().into())).await;
                }
            }
            share
        }));
    }
    let mut kept = Vec::new();
    for w in writers {
        kept.push(w.await?);
    }
    let sending = send_start.elapsed();
    let total = sent.load(Ordering::Relaxed);
    // Let the last acknowledgements land (bounded).
    for _ in 0..200 {
        if acked.load(Ordering::Relaxed) + errors.load(Ordering::Relaxed) >= total {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let drained = send_start.elapsed();
    for r in &readers {
        r.abort();
    }
    drop(kept);
    println!(
        "{}",
        json!({"connected": connected, "sent": total, "acked": acked.load(Ordering::Relaxed),
            "errors": errors.load(Ordering::Relaxed), "sending_seconds": sending.as_secs_f64(),
            "drained_seconds": drained.as_secs_f64(), "kib_per_visitor": (kib_per_visitor * 10.0).round() / 10.0})
    );
    Ok(())
}
