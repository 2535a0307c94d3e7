//! `switchboard bench <suite>`: measured figures beside a baseline measured
//! in the same run, on the same machine and database file.

use std::time::{Duration, Instant};

use anyhow::Context;
use clap::{Args, ValueEnum};
use switchboard_core::records::*;
use switchboard_store::activities::{Author, Scope, TimelineQuery};
use switchboard_store::Db;

#[derive(Args, Debug)]
pub struct BenchArgs {
    /// Which suite to run.
    #[arg(value_enum)]
    suite: Suite,
    /// Timeline entries of the benchmark customer.
    #[arg(long, default_value_t = 10_000)]
    activities: u32,
    /// Cases of the benchmark customer.
    #[arg(long, default_value_t = 500)]
    cases: u32,
    /// Timed reads per measurement (after 50 warm-up reads).
    #[arg(long, default_value_t = 2_000)]
    iterations: u32,
    /// Database to run against [default: a fresh SQLite file in a temp dir].
    /// A PostgreSQL URL must name an empty database.
    #[arg(long)]
    database_url: Option<String>,
    /// Contacts in the generated CSV (import suite).
    #[arg(long, default_value_t = 100_000)]
    rows: u32,
    /// Meetings with a reminder due (reminders suite).
    #[arg(long, default_value_t = 100_000)]
    reminders: u32,
    /// Webhook deliveries to post (webhooks suite).
    #[arg(long, default_value_t = 5_000)]
    deliveries: u32,
    /// Work items of the year of history (reports suite).
    #[arg(long, default_value_t = 5_000_000)]
    items: u32,
    #[command(flatten)]
    chat: crate::bench_chat::ChatBenchArgs,
    #[command(flatten)]
    voice: crate::bench_voice::VoiceBenchArgs,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Suite {
    /// Reading one customer's timeline, first page and a deep page.
    Timeline,
    /// Routing decisions per second of the pure routing core.
    RoutingCore,
    /// Latency from POST /api/v1/work-items to the offer on the agent's
    /// WebSocket, at a fixed arrival rate.
    RoutingE2e,
    /// The live dashboard's latency: as routing-e2e, with 20 supervisors'
    /// WebSockets open, from the POST to the offer event on each
    /// supervisor's socket, beside the agents' offer latency of the same
    /// run.
    Dashboard,
    /// The agent workspace's one-call session summary for a customer with
    /// `--activities` entries and `--cases` cases.
    Summary,
    /// Meeting reminders due now (`--reminders` of them) dispatched into a
    /// local SMTP sink, beside the sink's own rate.
    Reminders,
    /// Visitors and agents chatting over WebSockets: persisted messages per
    /// second, visitor → agent latency, memory (`--visitors`, `--agents`,
    /// `--rate`, `--seconds`).
    Chat,
    /// Concurrent inbound calls from SIPp held in queue with prompts:
    /// calls sustained, CPU, RTP send jitter, DTMF detection (`--calls`,
    /// `--call-rate`, `--measure-seconds`).
    Voice,
    /// Contacts imported from a generated CSV of `--rows` rows (read,
    /// checked, written in one transaction), beside raw multi-row INSERTs
    /// of the same values.
    Import,
    /// Outbound webhook deliveries (`--deliveries`) from the outbox to a
    /// local receiver, beside bare POSTs of the same bodies.
    Webhooks,
    /// Historical reports over a year of `--items` work items (50 queues,
    /// 200 agents), beside a bare COUNT(*) over the same items.
    Reports,
    /// A staffing plan for a busy voice queue (what-if day and fewest
    /// agents per hour), beside one steady-state simulation of its busiest
    /// hour.
    Planner,
}

pub async fn run(args: BenchArgs) -> anyhow::Result<()> {
    match args.suite {
        Suite::Timeline => timeline(args).await,
        Suite::RoutingCore => {
            routing_core();
            Ok(())
        }
        Suite::RoutingE2e => routing_e2e(args, 0).await,
        Suite::Dashboard => routing_e2e(args, 20).await,
        Suite::Chat => crate::bench_chat::run(args.chat, args.database_url).await,
        Suite::Voice => crate::bench_voice::run(args.voice, args.database_url).await,
        Suite::Reminders => crate::bench_reminders::run(args.reminders, args.database_url).await,
        Suite::Import => crate::bench_import::run(args.rows, args.database_url).await,
        Suite::Webhooks => crate::bench_webhooks::run(args.deliveries, args.database_url).await,
        Suite::Planner => crate::bench_planner::run(args.iterations.min(20)),
        Suite::Reports => {
            crate::bench_reports::run(args.items, args.iterations.min(1_000), args.database_url)
                .await
        }
        Suite::Summary => {
            crate::bench_summary::run(
                args.cases,
                args.activities,
                args.iterations,
                args.database_url,
            )
            .await
        }
    }
}

/// Latency figures of one measurement.
pub(crate) struct Figures {
    name: String,
    p50: Duration,
    p99: Duration,
    mean: Duration,
    rows: usize,
}

pub(crate) async fn measure<F, Fut>(
    name: &str,
    iterations: u32,
    mut f: F,
) -> anyhow::Result<Figures>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<usize>>,
{
    for _ in 0..50 {
        f().await?;
    }
    let mut samples = Vec::with_capacity(iterations as usize);
    let mut rows = 0;
    for _ in 0..iterations {
        let t = Instant::now();
        rows = f().await?;
        samples.push(t.elapsed());
    }
    samples.sort();
    let pick = |q: f64| samples[((samples.len() as f64 - 1.0) * q).round() as usize];
    let mean = samples.iter().sum::<Duration>() / samples.len() as u32;
    Ok(Figures {
        name: name.to_owned(),
        p50: pick(0.50),
        p99: pick(0.99),
        mean,
        rows,
    })
}

pub(crate) fn print_table(title: &str, rows: &[Figures], baseline: usize) {
    println!("\n{title}");
    println!(
        "{:<58} {:>6} {:>10} {:>10} {:>10} {:>9}",
        "measurement", "rows", "p50 µs", "p99 µs", "mean µs", "p50 × base"
    );
    let base = rows[baseline].p50.as_secs_f64();
    for r in rows {
        println!(
            "{:<58} {:>6} {:>10.1} {:>10.1} {:>10.1} {:>9.2}",
            r.name,
            r.rows,
            r.p50.as_secs_f64() * 1e6,
            r.p99.as_secs_f64() * 1e6,
            r.mean.as_secs_f64() * 1e6,
            r.p50.as_secs_f64() / base
        );
    }
}

async fn timeline(args: BenchArgs) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let url = args
        .database_url
        .clone()
        .unwrap_or_else(|| format!("sqlite://{}", dir.path().join("bench.db").display()));
    let mut config = switchboard_server::Config::new("127.0.0.1:0".parse()?, url.clone());
    config.session_hours = 1;
    let running = switchboard_server::start(config).await?;
    let db = running.state.db.clone();

    println!(
        "Seeding one customer with {} cases and {} activities…",
        args.cases, args.activities
    );
    let seeded = Instant::now();
    let contact_id = seed(&db, args.cases, args.activities).await?;
    println!("seeded in {:.1} s", seeded.elapsed().as_secs_f64());

    // A token to call the HTTP API like an integration would.
    let secret = switchboard_server::auth::secret::new_api_token();
    db.create_token(
        "bench",
        switchboard_core::access::Role::Agent,
        None,
        &switchboard_server::auth::secret::digest(&secret),
    )
    .await?;
    let http = reqwest::Client::new();
    let base = format!(
        "http://{}/api/v1/contacts/{contact_id}/timeline",
        running.addr
    );

    let n = args.iterations;
    let mut rows = Vec::new();

    // Baseline: the bare indexed select of one page of the contact's own
    // entries, straight through the pool, no merging, no mapping.
    let pool = db.pool().clone();
    let cid = contact_id.clone();
    rows.push(
        measure(
            "baseline: bare indexed SELECT … LIMIT 50 (contact_id)",
            n,
            || {
                let (pool, cid) = (pool.clone(), cid.clone());
                async move {
                    let r: Vec<(String, String, Option<String>)> = sqlx::query_as(
                        "SELECT id, occurred_at, body FROM activities WHERE contact_id = $1 \
                     ORDER BY occurred_at DESC, id DESC LIMIT 50",
                    )
                    .bind(cid)
                    .fetch_all(&pool)
                    .await?;
                    Ok(r.len())
                }
            },
        )
        .await?,
    );

    let query = |scope: Scope| TimelineQuery {
        contact_id: contact_id.clone(),
        scope,
        case_id: None,
        conversation_id: None,
        cursor: None,
        limit: 50,
    };
    for (name, scope) in [
        (
            "store: timeline scope=all (contact ∪ 500 cases), page 1",
            Scope::All,
        ),
        ("store: timeline scope=customer, page 1", Scope::Customer),
        (
            "store: timeline scope=case (all cases), page 1",
            Scope::Case,
        ),
    ] {
        let q = query(scope);
        let db = db.clone();
        rows.push(
            measure(name, n, || {
                let (db, q) = (db.clone(), q.clone());
                async move { Ok(db.timeline(&q).await?.items.len()) }
            })
            .await?,
        );
    }

    // A page deep in the history: walk 100 pages to get its cursor.
    let mut deep = query(Scope::All);
    for _ in 0..100 {
        let page = db.timeline(&deep).await?;
        match page.next_cursor {
            Some(c) => deep.cursor = Some(switchboard_core::cursor::Cursor::decode(&c, 2)?),
            None => break,
        }
    }
    {
        let db = db.clone();
        rows.push(
            measure("store: timeline scope=all, page 100 (cursor)", n, || {
                let (db, q) = (db.clone(), deep.clone());
                async move { Ok(db.timeline(&q).await?.items.len()) }
            })
            .await?,
        );
    }

    rows.push(
        measure(
            "http: GET /contacts/{id}/timeline (bearer, JSON), page 1",
            n,
            || {
                let (http, url, secret) = (http.clone(), base.clone(), secret.clone());
                async move {
                    let r = http
                        .get(&url)
                        .bearer_auth(&secret)
                        .send()
                        .await?
                        .error_for_status()?;
                    let v: serde_json::Value = r.json().await?;
                    Ok(v["items"].as_array().map(|a| a.len()).unwrap_or(0))
                }
            },
        )
        .await?,
    );
    let health = format!("http://{}/healthz", running.addr);
    rows.push(
        measure("http baseline: GET /healthz (no database)", n, || {
            let (http, url) = (http.clone(), health.clone());
            async move {
                http.get(&url).send().await?.error_for_status()?;
                Ok(0)
            }
        })
        .await?,
    );

    print_table(
        &format!(
            "timeline read, one customer with {} activities and {} cases, {} reads each, database {}",
            args.activities,
            args.cases,
            n,
            if url.starts_with("sqlite") { "SQLite (file, WAL)" } else { "PostgreSQL" }
        ),
        &rows,
        0,
    );
    running.shutdown().await?;
    Ok(())
}

/// One customer with `cases` cases and `activities` entries: 60% on the
/// customer, 40% spread over the cases, spaced a minute apart. Written in
/// batches in transactions, as a bulk import would.
pub(crate) async fn seed(db: &Db, cases: u32, activities: u32) -> anyhow::Result<String> {
    let author = Author {
        agent_id: None,
        name: "bench".into(),
    };
    let contact = db
        .create_contact(&ContactDraft::parse(ContactInput {
            first_name: Some("Bench".into()),
            last_name: Some("Customer".into()),
            ..Default::default()
        })?)
        .await?;
    let mut case_ids = Vec::with_capacity(cases as usize);
    for i in 0..cases {
        let d = CaseDraft::parse(CaseInput {
            title: Some(format!("Case {i}")),
            contact_id: Some(contact.id.clone()),
            ..Default::default()
        })?;
        case_ids.push(db.create_case(&d, &author).await?.id);
    }
    let start =
        jiff::Timestamp::now() - jiff::SignedDuration::from_mins(i64::from(activities) + 10);
    let pool = db.pool();
    let mut tx = pool.begin().await?;
    for i in 0..activities {
        let on_case = i % 5 >= 3 && !case_ids.is_empty();
        let at =
            switchboard_core::time::format(start + jiff::SignedDuration::from_mins(i64::from(i)));
        sqlx::query(
            "INSERT INTO activities (id, kind, contact_id, case_id, conversation_id, author_id, author_name, \
             subject, body, occurred_at, created_at, updated_at, case_contact_id) \
             VALUES ($1, $2, $3, $4, NULL, NULL, 'bench', $5, $6, $7, $7, $7, $8)",
        )
        .bind(switchboard_store::new_id())
        .bind(if on_case { "call" } else { "note" })
        .bind(if on_case { None } else { Some(contact.id.clone()) })
        .bind(if on_case { Some(case_ids[i as usize % case_ids.len()].clone()) } else { None })
        .bind(format!("Entry {i}"))
        .bind("A typical note of a few words about what the customer asked and what was done.")
        .bind(at)
        .bind(if on_case { Some(contact.id.clone()) } else { None })
        .execute(&mut *tx)
        .await
        .context("seeding activities")?;
        if i % 1000 == 999 {
            tx.commit().await?;
            tx = pool.begin().await?;
        }
    }
    tx.commit().await?;
    // Fresh statistics, as a database in service has: otherwise PostgreSQL
    // plans the first reads after a bulk load blind, and whichever row is
    // measured first looks slow.
    sqlx::query("ANALYZE").execute(pool).await?;
    Ok(contact.id)
}

/// A small deterministic generator (xorshift64*), so runs are comparable.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// 10,000 agents (5 skills of 50 each, chat capacity 3), 1,000 queues (each
/// agent a member of 3), all agents available. Each cycle: an item arrives
/// needing one skill, the core decides (offers it or queues it); offered
/// items are accepted and closed, which frees the agent and makes the core
/// decide again (the agent's next item). Single thread, no IO.
fn routing_core() {
    use std::collections::BTreeSet;
    use switchboard_core::routing::overflow::OverflowRules;
    use switchboard_core::routing::state::{AgentState, Decision, NewItem};
    use switchboard_core::routing::*;

    const AGENTS: u32 = 10_000;
    const QUEUES: u32 = 1_000;
    const SKILLS: u64 = 50;
    const ITEMS: u64 = 300_000;
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut s = RoutingState::new();
    let mut members: Vec<Vec<AgentIx>> = vec![Vec::new(); QUEUES as usize];
    for _ in 0..AGENTS {
        let skills = (0..5)
            .map(|_| (SkillIx(rng.below(SKILLS) as u16), 1 + rng.below(10) as u8))
            .collect();
        let a = s.add_agent(AgentState::new(skills, Capacity::default()));
        for _ in 0..3 {
            members[rng.below(u64::from(QUEUES)) as usize].push(a);
        }
    }
    for (q, m) in members.into_iter().enumerate() {
        let mut config = QueueConfig::new(&format!("q{q}"), ChannelKind::Messaging, m);
        config.priority = (q % 3) as i32;
        s.add_queue(config, OverflowRules::default());
    }
    for a in 0..AGENTS {
        s.set_presence(AgentIx(a), Presence::Available, 0).unwrap();
    }

    // Baseline: what any priority queue must do per item (insert + pop).
    let keys: Vec<(u64, u64)> = (0..ITEMS).map(|i| (rng.below(3), i)).collect();
    let started = std::time::Instant::now();
    let mut heap = BTreeSet::new();
    for k in &keys {
        heap.insert(*k);
        if heap.len() > 1000 {
            heap.pop_first();
        }
    }
    let baseline = started.elapsed();

    let mut decisions = 0u64;
    let mut offers = 0u64;
    let mut now = 0;
    let started = std::time::Instant::now();
    for i in 0..ITEMS {
        now += 1;
        let need = SkillNeed {
            skill: SkillIx(rng.below(SKILLS) as u16),
            min: 1 + rng.below(4) as u8,
        };
        let item = NewItem {
            id: ItemId(i),
            queue: QueueIx(rng.below(u64::from(QUEUES)) as u32),
            priority: 0,
            needs: vec![need],
            skill_match: SkillMatch::Exact,
            arrived_at: now,
        };
        let mut pending: Vec<Decision> = s.enqueue(item, now).expect("fresh id");
        decisions += 1;
        // Serve what was offered: accept, then close (each close routes again).
        while let Some(d) = pending.pop() {
            if let Decision::Offered { item, agent, .. } = d {
                offers += 1;
                s.accept(item, agent, now).expect("offered");
                let more = s.close(item, agent, now).expect("assigned");
                decisions += 1;
                pending.extend(more);
            }
        }
    }
    let elapsed = started.elapsed();
    let waiting: usize = s.queues.iter().map(|q| q.waiting_count()).sum();
    println!("\nrouting core: {AGENTS} agents, {QUEUES} queues, {SKILLS} skills, {ITEMS} arrivals, one thread");
    println!(
        "{:<64} {:>12} {:>14}",
        "measurement", "total ms", "per second"
    );
    println!(
        "{:<64} {:>12.1} {:>14.0}",
        "baseline: BTreeSet insert + pop_first per item",
        baseline.as_secs_f64() * 1e3,
        ITEMS as f64 / baseline.as_secs_f64()
    );
    println!(
        "{:<64} {:>12.1} {:>14.0}",
        "routing decisions (arrivals routed + agents re-routed on close)",
        elapsed.as_secs_f64() * 1e3,
        decisions as f64 / elapsed.as_secs_f64()
    );
    println!(
        "{:<64} {:>12.1} {:>14.0}",
        "full cycles (arrive, decide, accept, close, decide)",
        elapsed.as_secs_f64() * 1e3,
        ITEMS as f64 / elapsed.as_secs_f64()
    );
    println!("offers made: {offers}; items left waiting (no qualified member): {waiting}");
}

/// Percentiles of a sorted sample, in microseconds.
fn pct(sorted: &[Duration], q: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * q).round() as usize].as_secs_f64() * 1e6
}

/// 20 agents with room for 100 chats each on one queue, each listening on
/// its own WebSocket; work items arrive at 500/s for `--iterations` items
/// (at most 2,000, the agents' room; 4 s at 500/s); each latency is from just before the POST to
/// the offer arriving on the chosen agent's socket. Baseline: a bare
/// loopback WebSocket echo round trip (tokio-tungstenite both ends),
/// measured in the same run. With `supervisors`, that many supervisors'
/// sockets (the live dashboard's stream: every routing event and the
/// queues' figures) are open too, and the time from each POST to its
/// `offered` event on every supervisor's socket is measured beside the
/// agents' offers.
async fn routing_e2e(args: BenchArgs, supervisors: usize) -> anyhow::Result<()> {
    use futures::StreamExt;
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex};
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    use tokio_tungstenite::tungstenite::Message;

    let items = if args.iterations == 2_000 {
        2_000
    } else {
        args.iterations
    } as usize;
    let rate = 500.0;
    let dir = tempfile::tempdir()?;
    let url = args
        .database_url
        .clone()
        .unwrap_or_else(|| format!("sqlite://{}", dir.path().join("bench.db").display()));
    let running = switchboard_server::start(switchboard_server::Config::new(
        "127.0.0.1:0".parse()?,
        url.clone(),
    ))
    .await?;
    let db = running.state.db.clone();
    let base = format!("http://{}", running.addr);
    let http = reqwest::Client::new();
    let token = |role: switchboard_core::access::Role, agent: Option<String>| {
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
    let admin_hash =
        switchboard_server::auth::password::hash("bench-admin-password".into()).await?;
    let admin_agent = db
        .create_agent(&switchboard_store::agents::AgentRecord {
            name: "Bench admin",
            email: "admin@bench.test",
            roles: &[switchboard_core::access::Role::Admin],
            active: true,
            password_hash: Some(&admin_hash),
        })
        .await?;
    let admin = token(switchboard_core::access::Role::Admin, Some(admin_agent.id)).await?;
    let profile: serde_json::Value = http
        .post(format!("{base}/api/v1/capacity-profiles"))
        .bearer_auth(&admin)
        .json(&serde_json::json!({"name": "bench", "chat_units": 100}))
        .send()
        .await?
        .json()
        .await?;
    let mut agents = Vec::new();
    for i in 0..20 {
        let a = db
            .create_agent(&switchboard_store::agents::AgentRecord {
                name: &format!("Bench agent {i}"),
                email: &format!("agent{i}@bench.test"),
                roles: &[switchboard_core::access::Role::Agent],
                active: true,
                password_hash: Some(&admin_hash),
            })
            .await?;
        http.put(format!("{base}/api/v1/agents/{}/routing", a.id))
            .bearer_auth(&admin)
            .json(&serde_json::json!({"capacity_profile_id": profile["id"]}))
            .send()
            .await?
            .error_for_status()?;
        agents.push((
            a.id.clone(),
            token(switchboard_core::access::Role::Agent, Some(a.id)).await?,
        ));
    }
    // Supervisors (the dashboard suite) supervise the queue, so their
    // sockets carry its events.
    let mut bosses = Vec::new();
    for i in 0..supervisors {
        let boss = db
            .create_agent(&switchboard_store::agents::AgentRecord {
                name: &format!("Bench supervisor {i}"),
                email: &format!("supervisor{i}@bench.test"),
                roles: &[switchboard_core::access::Role::Supervisor],
                active: true,
                password_hash: Some(&admin_hash),
            })
            .await?;
        let secret = token(
            switchboard_core::access::Role::Supervisor,
            Some(boss.id.clone()),
        )
        .await?;
        bosses.push((boss.id, secret));
    }
    let queue: serde_json::Value = http
        .post(format!("{base}/api/v1/queues"))
        .bearer_auth(&admin)
        .json(&serde_json::json!({"name": "bench", "channel": "messaging", "offer_timeout_seconds": 3600,
            "members": agents.iter().map(|(id, _)| id.clone()).collect::<Vec<_>>(),
            "supervisor_ids": bosses.iter().map(|(id, _)| id.clone()).collect::<Vec<_>>()}))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let queue_id = queue["id"].as_str().unwrap_or_default().to_owned();

    // Each agent listens; arrivals are matched to their POST's start time.
    let started: Arc<Mutex<HashMap<String, std::time::Instant>>> = Arc::default();
    let arrived: Arc<Mutex<HashMap<String, std::time::Instant>>> = Arc::default();
    let mut listeners = Vec::new();
    // Supervisors' sockets: (supervisor, item) → when its offer arrived.
    type Seen = Arc<Mutex<Vec<(String, std::time::Instant)>>>;
    let watched: Seen = Arc::default();
    let mut frames = Vec::new();
    for (_, secret) in &bosses {
        let mut req = format!("ws://{}/api/v1/ws", running.addr).into_client_request()?;
        req.headers_mut()
            .insert("authorization", format!("Bearer {secret}").parse()?);
        let (mut ws, _) = tokio_tungstenite::connect_async(req).await?;
        let (watched, count) = (
            watched.clone(),
            Arc::new(std::sync::atomic::AtomicU64::new(0)),
        );
        frames.push(count.clone());
        listeners.push(tokio::spawn(async move {
            while let Some(Ok(msg)) = ws.next().await {
                if let Message::Text(t) = msg {
                    let at = std::time::Instant::now();
                    count.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    // The load generator shares the machine's cores: it
                    // parses only the frames it times.
                    if !t.as_str().contains("\"offered\"") {
                        continue;
                    }
                    if let Ok(v) = serde_json::from_str::<serde_json::Value>(t.as_str()) {
                        if v["type"] == "offered" {
                            if let Some(id) = v["work_item_id"].as_str() {
                                watched.lock().expect("lock").push((id.to_owned(), at));
                            }
                        }
                    }
                }
            }
        }));
    }
    for (_, secret) in &agents {
        let mut req = format!("ws://{}/api/v1/ws", running.addr).into_client_request()?;
        req.headers_mut()
            .insert("authorization", format!("Bearer {secret}").parse()?);
        let (mut ws, _) = tokio_tungstenite::connect_async(req).await?;
        let arrived = arrived.clone();
        listeners.push(tokio::spawn(async move {
            while let Some(Ok(msg)) = ws.next().await {
                if let Message::Text(t) = msg {
                    let at = std::time::Instant::now();
                    if let Ok(v) = serde_json::from_str::<serde_json::Value>(t.as_str()) {
                        if v["type"] == "offered" {
                            if let Some(id) = v["work_item_id"].as_str() {
                                arrived.lock().expect("lock").insert(id.to_owned(), at);
                            }
                        }
                    }
                }
            }
        }));
        http.put(format!("{base}/api/v1/me/presence"))
            .bearer_auth(secret)
            .json(&serde_json::json!({"status": "available"}))
            .send()
            .await?
            .error_for_status()?;
    }

    println!("Sending {items} work items at {rate}/s…");
    let mut ticker = tokio::time::interval(Duration::from_secs_f64(1.0 / rate));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut posts = Vec::with_capacity(items);
    let (mut sent, wall) = (0, std::time::Instant::now());
    while sent < items {
        ticker.tick().await;
        let (http, base, admin, queue_id, started) = (
            http.clone(),
            base.clone(),
            admin.clone(),
            queue_id.clone(),
            started.clone(),
        );
        posts.push(tokio::spawn(async move {
            let t0 = std::time::Instant::now();
            let r = http
                .post(format!("{base}/api/v1/work-items"))
                .bearer_auth(&admin)
                .json(&serde_json::json!({"channel": "chat", "queue_id": queue_id}))
                .send()
                .await
                .ok()?;
            let v: serde_json::Value = r.json().await.ok()?;
            let id = v["id"].as_str()?.to_owned();
            started.lock().expect("lock").insert(id.clone(), t0);
            Some(id)
        }));
        sent += 1;
    }
    let mut ids = Vec::new();
    for p in posts {
        if let Some(id) = p.await? {
            ids.push(id);
        }
    }
    let sending = wall.elapsed();
    // Let the last offers land (bounded wait).
    for _ in 0..100 {
        if arrived.lock().expect("lock").len() >= ids.len()
            && watched.lock().expect("lock").len() >= ids.len() * supervisors
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut dashboard: Vec<Duration> = {
        let started = started.lock().expect("lock");
        watched
            .lock()
            .expect("lock")
            .iter()
            .filter_map(|(id, at)| Some(at.saturating_duration_since(*started.get(id)?)))
            .collect()
    };
    dashboard.sort();
    let frames: u64 = frames
        .iter()
        .map(|c| c.load(std::sync::atomic::Ordering::Relaxed))
        .sum();
    let mut latencies: Vec<Duration> = {
        let started = started.lock().expect("lock");
        let arrived = arrived.lock().expect("lock");
        ids.iter()
            .filter_map(|id| {
                Some(
                    arrived
                        .get(id)?
                        .saturating_duration_since(*started.get(id)?),
                )
            })
            .collect()
    };
    latencies.sort();
    for l in listeners {
        l.abort();
    }

    // Baseline: loopback WebSocket echo.
    let (echoes, _) = echo_baseline(items).await?;

    println!(
        "\nrouting end to end, {} database, {} items at {rate}/s (sent in {:.2} s), 20 agents{} on WebSockets",
        if url.starts_with("sqlite") { "SQLite (file, WAL)" } else { "PostgreSQL" },
        items,
        sending.as_secs_f64(),
        if supervisors > 0 { format!(" and {supervisors} supervisors") } else { String::new() }
    );
    println!(
        "{:<58} {:>7} {:>10} {:>10} {:>10}",
        "measurement", "count", "p50 µs", "p99 µs", "max µs"
    );
    println!(
        "{:<58} {:>7} {:>10.0} {:>10.0} {:>10.0}",
        "baseline: bare loopback WebSocket echo round trip",
        echoes.len(),
        pct(&echoes, 0.5),
        pct(&echoes, 0.99),
        pct(&echoes, 1.0)
    );
    println!(
        "{:<58} {:>7} {:>10.0} {:>10.0} {:>10.0}",
        "POST /api/v1/work-items → offer on the agent's WebSocket",
        latencies.len(),
        pct(&latencies, 0.5),
        pct(&latencies, 0.99),
        pct(&latencies, 1.0)
    );
    if supervisors > 0 && !dashboard.is_empty() {
        println!(
            "{:<58} {:>7} {:>10.0} {:>10.0} {:>10.0}",
            "POST /api/v1/work-items → offer on each supervisor's socket",
            dashboard.len(),
            pct(&dashboard, 0.5),
            pct(&dashboard, 0.99),
            pct(&dashboard, 1.0)
        );
        println!(
            "(supervisors received {frames} frames in all: every routing event and the queues' figures)"
        );
    }
    if latencies.len() < ids.len() {
        println!(
            "({} offers did not arrive within 5 s after the last POST)",
            ids.len() - latencies.len()
        );
    }
    if dashboard.len() < ids.len() * supervisors {
        println!(
            "({} supervisor offer events did not arrive within 5 s after the last POST)",
            ids.len() * supervisors - dashboard.len()
        );
    }
    running.shutdown().await?;
    Ok(())
}

/// Baseline for the socket benchmarks: `n` round trips over a bare
/// loopback WebSocket (tokio-tungstenite both ends), one at a time. Returns
/// the sorted round-trip times and the round trips per second.
pub(crate) async fn echo_baseline(n: usize) -> anyhow::Result<(Vec<Duration>, f64)> {
    use futures::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        if let Ok((stream, _)) = listener.accept().await {
            if let Ok(mut ws) = tokio_tungstenite::accept_async(stream).await {
                while let Some(Ok(m)) = ws.next().await {
                    if m.is_text() && ws.send(m).await.is_err() {
                        break;
                    }
                }
            }
        }
    });
    let (mut echo, _) = tokio_tungstenite::connect_async(format!("ws://{addr}")).await?;
    let mut echoes = Vec::with_capacity(n);
    let start = Instant::now();
    for i in 0..n {
        let t0 = Instant::now();
        echo.send(Message::Text(format!("{{\"n\":{i}}}").into()))
            .await?;
        echo.next().await;
        echoes.push(t0.elapsed());
    }
    let rate = n as f64 / start.elapsed().as_secs_f64();
    echoes.sort();
    Ok((echoes, rate))
}
