//! The `switchboard` binary as an operator uses it: migrate, create a token,
//! serve with demo data (twice: it loads once), stop on SIGTERM.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_switchboard");

struct Server {
    child: Child,
    base: String,
    stdout: Vec<String>,
}

/// Starts `serve` on a free port and reads stdout until the URLs are printed.
#[allow(clippy::zombie_processes)] // the Server's Drop reaps it
fn serve(args: &[&str]) -> Server {
    let mut child = Command::new(BIN)
        .arg("serve")
        .args(["--listen", "127.0.0.1:0"])
        .args(args)
        .env_remove("SWITCHBOARD_DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let (tx, rx) = mpsc::channel();
    let out = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines() {
            if tx.send(line.unwrap()).is_err() {
                break;
            }
        }
    });
    let mut stdout = Vec::new();
    let mut base = None;
    loop {
        let line = rx
            .recv_timeout(Duration::from_secs(120))
            .expect("the server printed its URLs");
        stdout.push(line.clone());
        if let Some(b) = line.strip_prefix("Switchboard is running on ") {
            base = Some(b.to_owned());
        }
        if line.starts_with("Press Ctrl-C") {
            return Server {
                child,
                base: base.expect("the base URL came first"),
                stdout,
            };
        }
    }
}

/// A server left behind by a failing test is killed, not leaked.
impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// SIGTERM, then the exit status.
    fn terminate(mut self) -> std::process::ExitStatus {
        Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        self.child.wait().unwrap()
    }
}

fn run(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(BIN)
        .args(args)
        .env_remove("SWITCHBOARD_DATABASE_URL")
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn demo_serves_once_tokens_work_and_sigterm_stops_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();

    let (ok, out, err) = run(&["migrate", "--data-dir", data]);
    assert!(ok, "{err}");
    assert!(out.contains("up to date"));

    let first = serve(&["--demo", "--data-dir", data]);
    let printed = first.stdout.join("\n");
    assert!(printed.contains("admin@demo.switchboard.test"), "{printed}");
    assert!(printed.contains("/api/v1/openapi.json"));
    // The demo's phone line and the agents' SIP accounts.
    assert!(
        printed.contains("Phone line (SIP):   sip:support@127.0.0.1:5060"),
        "{printed}"
    );
    assert!(
        printed
            .lines()
            .any(|l| l.contains("user ana") && l.contains("password")),
        "{printed}"
    );
    let base = first.base.clone();
    let http = reqwest::Client::new();
    assert_eq!(
        http.get(format!("{base}/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );

    // The demo admin's printed password signs in.
    let admin_line = first
        .stdout
        .iter()
        .find(|l| l.trim_start().starts_with("admin@demo"))
        .unwrap();
    let password = admin_line.split_whitespace().nth(1).unwrap().to_owned();
    let r = http
        .post(format!("{base}/api/v1/session"))
        .json(&serde_json::json!({"email": "admin@demo.switchboard.test", "password": &password}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    // A token made with the CLI (against the same database) works on the API.
    let (ok, out, err) = run(&[
        "token",
        "create",
        "--role",
        "agent",
        "--agent",
        "ana@demo.switchboard.test",
        "--name",
        "ci",
        "--data-dir",
        data,
    ]);
    assert!(ok, "{err}");
    let token = out.lines().last().unwrap().trim().to_owned();
    assert!(token.starts_with("sbt_"));
    let contacts: serde_json::Value = http
        .get(format!("{base}/api/v1/contacts?limit=200"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(contacts["items"].as_array().unwrap().len(), 8);
    // Routing works out of the box: a chat goes to the default queue and is
    // offered to Ana once she is available.
    let r = http
        .put(format!("{base}/api/v1/me/presence"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"status": "available"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let item: serde_json::Value = http
        .post(format!("{base}/api/v1/work-items"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"channel": "chat", "attributes": {"language": "es"}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(item["queue_name"], "Chat — general", "{item}");
    assert_eq!(item["status"], "offered", "{item}");
    // The chat widget works on the demo shop page, from the server's origin.
    let shop = demo_shop(&first.stdout);
    let page = http.get(&shop).send().await.unwrap().text().await.unwrap();
    let widget = shop.rsplit("widget=").next().unwrap().to_owned();
    assert!(
        page.contains(&format!("data-widget=\"{widget}\"")),
        "{page}"
    );
    let config = http
        .get(format!("{base}/widget/v1/{widget}/config"))
        .header("origin", &base)
        .send()
        .await
        .unwrap();
    assert_eq!(config.status(), 200);
    let status = first.terminate();
    assert!(status.success(), "graceful exit on SIGTERM: {status:?}");

    // Second start: nothing loaded twice, no passwords printed again.
    let second = serve(&["--demo", "--data-dir", data]);
    assert!(second.stdout.iter().any(|l| l.contains("already loaded")));
    assert!(!second.stdout.join("\n").contains(&password));
    let contacts: serde_json::Value = http
        .get(format!("{}/api/v1/contacts?limit=200", second.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(contacts["items"].as_array().unwrap().len(), 8);
    // The demo widget follows the server to its new port.
    let widget_again = demo_shop(&second.stdout);
    assert_eq!(widget_again.rsplit("widget=").next(), Some(widget.as_str()));
    let config = http
        .get(format!("{}/widget/v1/{widget}/config", second.base))
        .header("origin", &second.base)
        .send()
        .await
        .unwrap();
    assert_eq!(config.status(), 200);
    assert!(second.terminate().success());
}

/// The demo shop URL the server printed.
fn demo_shop(stdout: &[String]) -> String {
    let line = stdout
        .iter()
        .find(|l| l.contains("Chat widget demo:"))
        .expect("the demo shop URL is printed");
    line.split_whitespace()
        .find(|w| w.starts_with("http"))
        .unwrap()
        .to_owned()
}

#[test]
fn bad_command_lines_are_refused_with_a_reason() {
    let (ok, _, err) = run(&["token", "create", "--role", "root", "--name", "x"]);
    assert!(!ok);
    assert!(err.contains("admin, supervisor or agent"), "{err}");
    let dir = tempfile::tempdir().unwrap();
    let (ok, _, err) = run(&[
        "token",
        "create",
        "--role",
        "agent",
        "--agent",
        "ghost@example.com",
        "--name",
        "x",
        "--data-dir",
        dir.path().to_str().unwrap(),
    ]);
    assert!(!ok);
    assert!(
        err.contains("no agent has the email ghost@example.com"),
        "{err}"
    );
    let (ok, _, err) = run(&["migrate", "--database-url", "mysql://nope"]);
    assert!(!ok);
    assert!(err.contains("sqlite: or postgres:"), "{err}");
    let config = dir.path().join("bad.toml");
    std::fs::write(&config, "lisen = \"127.0.0.1:1\"\n").unwrap();
    let (ok, _, err) = run(&["migrate", "--config", config.to_str().unwrap()]);
    assert!(!ok);
    assert!(err.contains("lisen"), "{err}");
    let (ok, out, _) = run(&["serve", "--help"]);
    assert!(ok);
    for option in [
        "--listen",
        "--data-dir",
        "--database-url",
        "--demo",
        "--config",
        "--secure-cookies",
        "--session-hours",
        "--log-json",
    ] {
        assert!(out.contains(option), "serve --help documents {option}");
    }
}

#[test]
fn a_config_file_sets_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("switchboard.toml");
    std::fs::write(
        &config,
        format!(
            "data_dir = \"{}\"\n",
            dir.path().join("from-file").display()
        ),
    )
    .unwrap();
    let (ok, out, err) = run(&["migrate", "--config", config.to_str().unwrap()]);
    assert!(ok, "{err}");
    assert!(out.contains("from-file"), "{out}");
    assert!(dir.path().join("from-file/switchboard.db").exists());
}

#[test]
fn simulate_runs_both_example_scenarios_deterministically() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples");
    for name in ["bank-contact-center.toml", "black-friday-understaffed.toml"] {
        let path = format!("{root}/{name}");
        let (ok, first, err) = run(&["simulate", "--scenario", &path]);
        assert!(ok, "{name}: {err}");
        for heading in ["service", "ASA s", "abandon", "occupancy"] {
            assert!(first.contains(heading), "{name} prints {heading}: {first}");
        }
        // The timing in the first line varies; the figures must not.
        let figures = |out: &str| out.lines().skip(1).collect::<Vec<_>>().join("\n");
        let (_, second, _) = run(&["simulate", "--scenario", &path]);
        assert_eq!(
            figures(&first),
            figures(&second),
            "{name}: same seed, same figures"
        );
        let (_, other_seed, _) = run(&["simulate", "--scenario", &path, "--seed", "1"]);
        assert_ne!(
            figures(&first),
            figures(&other_seed),
            "{name}: the seed matters"
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "seed = 1\nhours = 1\nqueues = []\nagents = []\n[[traffic]]\nqueue = \"ghost\"\narrivals_per_hour = [1]\nhandle_seconds = 1\npatience_seconds = 1\n").unwrap();
    let (ok, _, err) = run(&["simulate", "--scenario", bad.to_str().unwrap()]);
    assert!(!ok && err.contains("unknown queue ghost"), "{err}");
}

/// Databases to run the durability test on: SQLite always, PostgreSQL when
/// the test script provides one.
/// `name` keeps the databases of tests running at once apart.
async fn durability_databases(dir: &std::path::Path, name: &str) -> Vec<String> {
    let mut urls = vec![format!("sqlite://{}/{name}.db", dir.display())];
    if let Ok(admin) = std::env::var("SWITCHBOARD_TEST_POSTGRES_URL") {
        use sqlx::Executor;
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&admin).await.unwrap();
        let name = format!("sb_{name}_{}", std::process::id());
        pool.execute(format!("DROP DATABASE IF EXISTS {name}").as_str())
            .await
            .unwrap();
        pool.execute(format!("CREATE DATABASE {name}").as_str())
            .await
            .unwrap();
        urls.push(format!("{}/{name}", admin.rsplit_once('/').unwrap().0));
    } else if std::env::var("SWITCHBOARD_REQUIRE_POSTGRES").as_deref() == Ok("1") {
        panic!("SWITCHBOARD_REQUIRE_POSTGRES=1 but SWITCHBOARD_TEST_POSTGRES_URL is not set");
    }
    urls
}

fn token_for(url: &str, role: &str, agent: Option<&str>) -> String {
    let mut args = vec![
        "token",
        "create",
        "--role",
        role,
        "--name",
        "kill-test",
        "--database-url",
        url,
    ];
    if let Some(a) = agent {
        args.extend(["--agent", a]);
    }
    let (ok, out, err) = run(&args);
    assert!(ok, "{err}");
    out.lines().last().unwrap().trim().to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn killing_the_server_loses_no_work_item_and_never_doubles_one() {
    let dir = tempfile::tempdir().unwrap();
    for url in durability_databases(dir.path(), "kill").await {
        let http = reqwest::Client::new();
        let server = serve(&["--database-url", &url]);
        let base = server.base.clone();
        let admin = token_for(&url, "admin", None);
        let call =
            |method: reqwest::Method, path: &str, token: &str, body: Option<serde_json::Value>| {
                let mut r = http
                    .request(method, format!("{base}{path}"))
                    .bearer_auth(token);
                if let Some(b) = body {
                    r = r.json(&b);
                }
                r.send()
            };
        for email in ["ana@kill.test", "bruno@kill.test"] {
            let r = call(reqwest::Method::POST, "/api/v1/agents", &admin,
                Some(serde_json::json!({"name": email, "email": email, "roles": ["agent"], "password": "a long enough password"})))
                .await
                .unwrap();
            assert_eq!(r.status(), 201);
        }
        let ana = token_for(&url, "agent", Some("ana@kill.test"));
        let ana_id = call(reqwest::Method::GET, "/api/v1/session", &ana, None)
            .await
            .unwrap()
            .json::<serde_json::Value>()
            .await
            .unwrap()["agent"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let profile: serde_json::Value = call(
            reqwest::Method::POST,
            "/api/v1/capacity-profiles",
            &admin,
            Some(serde_json::json!({"name": "two chats", "chat_units": 2})),
        )
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
        call(
            reqwest::Method::PUT,
            &format!("/api/v1/agents/{ana_id}/routing"),
            &admin,
            Some(serde_json::json!({"capacity_profile_id": profile["id"]})),
        )
        .await
        .unwrap();
        let queue: serde_json::Value = call(reqwest::Method::POST, "/api/v1/queues", &admin,
            Some(serde_json::json!({"name": "durable", "channel": "messaging", "offer_timeout_seconds": 3600, "members": [ana_id]})))
            .await.unwrap().json().await.unwrap();
        let q = queue["id"].as_str().unwrap().to_owned();
        call(
            reqwest::Method::PUT,
            "/api/v1/me/presence",
            &ana,
            Some(serde_json::json!({"status": "available"})),
        )
        .await
        .unwrap();

        // One item accepted before the crash.
        let first: serde_json::Value = call(
            reqwest::Method::POST,
            "/api/v1/work-items",
            &admin,
            Some(serde_json::json!({"channel": "chat", "queue_id": q})),
        )
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
        let first_id = first["id"].as_str().unwrap().to_owned();
        let r = call(
            reqwest::Method::POST,
            &format!("/api/v1/work-items/{first_id}/accept"),
            &ana,
            None,
        )
        .await
        .unwrap();
        assert_eq!(r.status(), 200);

        // A burst of arrivals, and SIGKILL in the middle of it: once a few
        // are acknowledged, while the rest are still in flight.
        let done = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let mut burst = Vec::new();
        for _ in 0..40 {
            let (http, base, admin, q, done) = (
                http.clone(),
                base.clone(),
                admin.clone(),
                q.clone(),
                done.clone(),
            );
            burst.push(tokio::spawn(async move {
                let r = http
                    .post(format!("{base}/api/v1/work-items"))
                    .bearer_auth(&admin)
                    .json(&serde_json::json!({"channel": "chat", "queue_id": q}))
                    .send()
                    .await
                    .ok()?;
                if r.status() != 201 {
                    return None;
                }
                let v: serde_json::Value = r.json().await.ok()?;
                done.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                Some(v["id"].as_str()?.to_owned())
            }));
        }
        for _ in 0..2000 {
            if done.load(std::sync::atomic::Ordering::SeqCst) >= 5 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        Command::new("kill")
            .args(["-KILL", &server.child.id().to_string()])
            .status()
            .unwrap();
        let mut acknowledged = Vec::new();
        for b in burst {
            if let Some(id) = b.await.unwrap() {
                acknowledged.push(id);
            }
        }
        drop(server);

        // Restart on the same database.
        let server = serve(&["--database-url", &url]);
        let base = server.base.clone();
        let get = |id: String| {
            let (http, base, admin) = (http.clone(), base.clone(), admin.clone());
            async move {
                let r = http
                    .get(format!("{base}/api/v1/work-items/{id}"))
                    .bearer_auth(&admin)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), 200, "work item {id} survived the crash");
                r.json::<serde_json::Value>().await.unwrap()
            }
        };
        let first = get(first_id.clone()).await;
        assert_eq!(
            (first["status"].as_str(), first["agent_id"].as_str()),
            (Some("assigned"), Some(ana_id.as_str())),
            "{url}"
        );
        let mut holding = 1;
        let mut queued_positions = Vec::new();
        for id in &acknowledged {
            let v = get(id.clone()).await;
            match v["status"].as_str().unwrap() {
                "offered" => {
                    assert_eq!(v["agent_id"].as_str(), Some(ana_id.as_str()));
                    holding += 1;
                }
                "queued" => queued_positions.push(v["position"].as_u64().unwrap()),
                other => panic!("unexpected status {other} for {id}"),
            }
        }
        // Ana holds exactly her capacity (the assigned item and one offer),
        // and the others wait in one unbroken line. An item committed just
        // before the kill may have lost its answer: it survives too (it was
        // persisted) and holds a place, so the acknowledged items are a
        // subset of the line 1..=waiting, each in its own place.
        assert_eq!(holding, 2, "{url}: {} acknowledged", acknowledged.len());
        let stats = http
            .get(format!("{base}/api/v1/queues/{q}/stats"))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap()
            .json::<serde_json::Value>()
            .await
            .unwrap();
        let waiting = stats["waiting"].as_u64().unwrap();
        queued_positions.sort();
        let before = queued_positions.len();
        queued_positions.dedup();
        assert_eq!(queued_positions.len(), before, "one place per item");
        assert!(
            queued_positions.iter().all(|p| (1..=waiting).contains(p)),
            "{queued_positions:?} within 1..={waiting}"
        );
        assert!(
            waiting as usize >= before && waiting <= 40,
            "{waiting} waiting"
        );
        assert!(
            !acknowledged.is_empty(),
            "some arrivals were acknowledged before the kill"
        );
        assert!(server.terminate().success());
    }
}

#[path = "../../server/tests/smtp/mod.rs"]
#[allow(dead_code)]
mod smtp;

/// Meeting reminders being sent when the server is SIGKILLed: after a
/// restart every reminder arrives, none is lost, and a message the crash
/// caught between the SMTP server's acceptance and its record as sent
/// arrives again with the same Message-ID (what receivers deduplicate on).
#[tokio::test(flavor = "multi_thread")]
async fn killing_the_server_during_dispatch_loses_no_message() {
    const MEETINGS: usize = 300;
    let sink = smtp::SmtpSink::start();
    let dir = tempfile::tempdir().unwrap();
    for url in durability_databases(dir.path(), "dispatch").await {
        let smtp_url = sink.url();
        let args = [
            "--database-url",
            url.as_str(),
            "--smtp-url",
            smtp_url.as_str(),
            "--outbox-lease-seconds",
            "2",
        ];
        let server = serve(&args);
        let base = server.base.clone();
        let admin = token_for(&url, "admin", None);
        let http = reqwest::Client::new();
        let send = |method: reqwest::Method, path: String, body: serde_json::Value| {
            http.request(method, format!("{base}{path}"))
                .bearer_auth(&admin)
                .json(&body)
                .send()
        };
        let json = |r: reqwest::Response| async move {
            let status = r.status();
            let v: serde_json::Value = r.json().await.unwrap();
            assert!(status.is_success(), "{status}: {v}");
            v
        };
        let email = format!("advisor-{}@kill.test", std::process::id());
        let agent = json(send(reqwest::Method::POST, "/api/v1/agents".into(),
            serde_json::json!({"name": "Advisor", "email": email, "roles": ["agent"], "password": "a long enough password"})).await.unwrap()).await;
        let hours: Vec<_> = [
            "monday",
            "tuesday",
            "wednesday",
            "thursday",
            "friday",
            "saturday",
            "sunday",
        ]
        .iter()
        .map(|d| serde_json::json!({"day": d, "from": "00:00", "to": "24:00"}))
        .collect();
        json(
            send(
                reqwest::Method::PUT,
                format!("/api/v1/advisors/{}", agent["id"].as_str().unwrap()),
                serde_json::json!({"time_zone": "UTC", "hours": hours}),
            )
            .await
            .unwrap(),
        )
        .await;
        let topic = json(send(reqwest::Method::POST, "/api/v1/topics".into(),
            serde_json::json!({"name": "Quick call", "duration_minutes": 5, "meeting_types": ["online"]})).await.unwrap()).await;
        let recipient = format!(
            "kill-{}@example.com",
            if url.starts_with("sqlite") {
                "sqlite"
            } else {
                "postgres"
            }
        );
        let contact = json(
            send(
                reqwest::Method::POST,
                "/api/v1/contacts".into(),
                serde_json::json!({"first_name": "Zoé", "email": recipient}),
            )
            .await
            .unwrap(),
        )
        .await;
        // Messages are off while booking; then reminders (3 days ahead)
        // all fall due at once.
        let first = jiff::Timestamp::now().as_second() / 300 * 300 + 3600;
        let mut ids = Vec::new();
        for i in 0..MEETINGS {
            let start = jiff::Timestamp::from_second(first + 300 * i as i64).unwrap();
            let m = json(send(reqwest::Method::POST, "/api/v1/meetings".into(), serde_json::json!({
                "contact_id": contact["id"], "topic_id": topic["id"], "meeting_type": "online", "start": start.to_string()})).await.unwrap()).await;
            ids.push(m["id"].as_str().unwrap().to_owned());
        }
        let ours = |sink: &smtp::SmtpSink| -> Vec<String> {
            sink.messages()
                .into_iter()
                .filter(|m| m.header("To").contains(&recipient))
                .map(|m| m.header("Message-ID"))
                .collect()
        };
        let switches = serde_json::json!({"email": true, "sms": false});
        let off = serde_json::json!({"email": false, "sms": false});
        json(
            send(
                reqwest::Method::PUT,
                "/api/v1/communications/settings".into(),
                serde_json::json!({
            "enabled": true, "reminder_days": 3, "sms_quiet_hours": null,
            "kinds": {"confirmation": off, "reminder": switches, "cancellation": off}}),
            )
            .await
            .unwrap(),
        )
        .await;
        // SIGKILL once some have arrived and before all have.
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        let before = loop {
            let n = ours(&sink).len();
            if n >= 10 || std::time::Instant::now() > deadline {
                break n;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        };
        let mut server = server;
        server.child.kill().unwrap();
        server.child.wait().unwrap();
        drop(server);
        assert!(
            before < MEETINGS,
            "the kill came after everything was sent ({before}); the test needs more meetings"
        );

        let server = serve(&args);
        let base = server.base.clone();
        let deadline = std::time::Instant::now() + Duration::from_secs(120);
        loop {
            let r: serde_json::Value = http
                .get(format!(
                    "{base}/api/v1/communications/outbox?state=sent&limit=200"
                ))
                .bearer_auth(&admin)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let mut sent = r["items"].as_array().unwrap().len();
            let mut cursor = r["next_cursor"].as_str().map(str::to_owned);
            while let Some(c) = cursor {
                let r: serde_json::Value = http
                    .get(format!(
                        "{base}/api/v1/communications/outbox?state=sent&limit=200&cursor={c}"
                    ))
                    .bearer_auth(&admin)
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                sent += r["items"].as_array().unwrap().len();
                cursor = r["next_cursor"].as_str().map(str::to_owned);
            }
            if sent == MEETINGS {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "only {sent} of {MEETINGS} sent after the restart"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let received = ours(&sink);
        let distinct: std::collections::BTreeSet<String> = received.iter().cloned().collect();
        let expected: std::collections::BTreeSet<String> = ids
            .iter()
            .map(|id| format!("<{id}.reminder.email.0@localhost>"))
            .collect();
        assert_eq!(
            distinct, expected,
            "every reminder arrived, and nothing else"
        );
        // Only messages in flight at the kill (at most the worker's
        // concurrency) may arrive twice, and always with the same Message-ID.
        let repeats = received.len() - distinct.len();
        assert!(repeats <= 16, "{repeats} repeated deliveries");
        eprintln!("{url}: {before} delivered before SIGKILL; {repeats} redelivered with the same Message-ID");
        drop(server);
    }
}

#[test]
fn config_export_and_apply_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/switchboard.db", dir.path().display());
    let file = dir.path().join("site.toml");
    std::fs::write(
        &file,
        "version = 1\nskills = [\"english\", \"french\"]\n\n\
         [[queues]]\nname = \"Chat\"\nchannel = \"messaging\"\nis_default = true\n\n\
         [[routing_rules]]\nname = \"French\"\nqueue = \"Chat\"\n\
         tests = [{ op = \"equals\", attribute = \"language\", value = \"fr\" }]\n\
         skills = [{ skill = \"french\", min = 5 }]\n",
    )
    .unwrap();
    let path = file.to_str().unwrap();

    // A dry run lists the changes and writes nothing.
    let (ok, out, err) = run(&["config", "apply", path, "--dry-run", "--database-url", &url]);
    assert!(ok, "{err}");
    assert!(out.contains("+ skills \"english\""), "{out}");
    assert!(out.contains("+ queues \"Chat\""), "{out}");
    assert!(out.contains("+ routing_rules \"French\""), "{out}");
    assert!(out.contains("dry run"), "{out}");
    let (ok, empty, err) = run(&["config", "export", "--database-url", &url]);
    assert!(ok, "{err}");
    assert!(empty.contains("skills = []"), "{empty}");

    // Applied, then exported: the file's records, by name.
    let (ok, out, err) = run(&["config", "apply", path, "--database-url", &url]);
    assert!(ok, "{err}");
    assert!(out.contains("applied 4 change(s)"), "{out}");
    let (ok, exported, err) = run(&["config", "export", "--database-url", &url]);
    assert!(ok, "{err}");
    assert!(
        exported.contains("skills = [\"english\", \"french\"]"),
        "{exported}"
    );
    assert!(exported.contains("queue = \"Chat\""), "{exported}");

    // The export applies with no change; a bad file names its place.
    std::fs::write(&file, &exported).unwrap();
    let (ok, out, err) = run(&["config", "apply", path, "--dry-run", "--database-url", &url]);
    assert!(ok, "{err}");
    assert!(out.contains("no change"), "{out}");
    std::fs::write(
        &file,
        exported.replace("queue = \"Chat\"", "queue = \"Nowhere\""),
    )
    .unwrap();
    let (ok, _, err) = run(&["config", "apply", path, "--database-url", &url]);
    assert!(!ok);
    assert!(
        err.contains("routing_rules[0].queue: no queue is named \"Nowhere\""),
        "{err}"
    );
    assert!(err.contains("nothing was applied"), "{err}");
}
