//! Starting servers on fresh databases, and talking to them.

use reqwest::{Client, Method, Response};
use serde_json::Value;
use switchboard_core::access::Role;
use switchboard_server::{auth::secret, Config, Running};

pub struct TestApp {
    pub running: Running,
    pub base: String,
    pub backend: &'static str,
    pub http: Client,
    _dir: tempfile::TempDir,
}

/// One fresh app per backend: SQLite always; PostgreSQL when
/// `SWITCHBOARD_TEST_POSTGRES_URL` is set. When
/// `SWITCHBOARD_REQUIRE_POSTGRES=1` (scripts/test sets it) a missing
/// PostgreSQL fails the test instead of quietly testing less.
pub async fn apps() -> Vec<TestApp> {
    let mut apps = vec![spawn_sqlite().await];
    match std::env::var("SWITCHBOARD_TEST_POSTGRES_URL") {
        Ok(url) => apps.push(spawn_postgres(&url).await),
        Err(_) if std::env::var("SWITCHBOARD_REQUIRE_POSTGRES").as_deref() == Ok("1") => {
            panic!("SWITCHBOARD_REQUIRE_POSTGRES=1 but SWITCHBOARD_TEST_POSTGRES_URL is not set")
        }
        Err(_) => {}
    }
    apps
}

/// Like [`apps`], each configured by `tune` before it starts.
pub async fn apps_with(tune: impl Fn(&mut Config)) -> Vec<TestApp> {
    let mut apps = vec![spawn_sqlite_with(&tune).await];
    match std::env::var("SWITCHBOARD_TEST_POSTGRES_URL") {
        Ok(url) => apps.push(spawn_postgres_with(&url, &tune).await),
        Err(_) if std::env::var("SWITCHBOARD_REQUIRE_POSTGRES").as_deref() == Ok("1") => {
            panic!("SWITCHBOARD_REQUIRE_POSTGRES=1 but SWITCHBOARD_TEST_POSTGRES_URL is not set")
        }
        Err(_) => {}
    }
    apps
}

pub async fn spawn_sqlite() -> TestApp {
    spawn_sqlite_with(&|_: &mut Config| {}).await
}

pub async fn spawn_sqlite_with(tune: &dyn Fn(&mut Config)) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/switchboard.db", dir.path().display());
    spawn(url, "sqlite", dir, tune).await
}

async fn spawn_postgres(admin_url: &str) -> TestApp {
    spawn_postgres_with(admin_url, &|_: &mut Config| {}).await
}

async fn spawn_postgres_with(admin_url: &str, tune: &dyn Fn(&mut Config)) -> TestApp {
    let name = format!("sb_test_{}", switchboard_store::new_id().replace('-', ""));
    let admin = switchboard_store::Db::connect(admin_url)
        .await
        .expect("PostgreSQL reachable");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(admin.pool())
        .await
        .unwrap();
    admin.close().await;
    let base = admin_url.rsplit_once('/').unwrap().0;
    spawn(
        format!("{base}/{name}"),
        "postgres",
        tempfile::tempdir().unwrap(),
        tune,
    )
    .await
}

async fn spawn(
    url: String,
    backend: &'static str,
    dir: tempfile::TempDir,
    tune: &dyn Fn(&mut Config),
) -> TestApp {
    let mut config = Config::new("127.0.0.1:0".parse().unwrap(), url);
    tune(&mut config);
    let running = switchboard_server::start(config).await.unwrap();
    let base = format!("http://{}", running.addr);
    TestApp {
        running,
        base,
        backend,
        http: Client::new(),
        _dir: dir,
    }
}

impl TestApp {
    pub fn db(&self) -> &switchboard_store::Db {
        &self.running.state.db
    }

    /// A bearer token with `role`, acting as a fresh agent holding that role.
    pub async fn token(&self, role: Role) -> Caller {
        let hash = switchboard_server::auth::password::hash("not-used-for-tokens".into())
            .await
            .unwrap();
        let email = format!(
            "{}-{}@test.example",
            role.as_str(),
            switchboard_store::new_id()
        );
        let agent = self
            .db()
            .create_agent(&switchboard_store::agents::AgentRecord {
                name: &format!("Test {}", role.as_str()),
                email: &email,
                roles: &[role],
                active: true,
                password_hash: Some(&hash),
            })
            .await
            .unwrap();
        let plain = secret::new_api_token();
        self.db()
            .create_token("test", role, Some(&agent.id), &secret::digest(&plain))
            .await
            .unwrap();
        Caller {
            app_base: self.base.clone(),
            http: self.http.clone(),
            token: Some(plain),
            agent_id: Some(agent.id),
        }
    }

    pub fn anonymous(&self) -> Caller {
        Caller {
            app_base: self.base.clone(),
            http: self.http.clone(),
            token: None,
            agent_id: None,
        }
    }

    pub async fn stop(self) {
        self.running.shutdown().await.unwrap();
    }
}

/// Someone calling the API with a bearer token (or nobody).
#[derive(Clone)]
pub struct Caller {
    pub app_base: String,
    pub http: Client,
    pub token: Option<String>,
    pub agent_id: Option<String>,
}

impl Caller {
    pub fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        let r = self
            .http
            .request(method, format!("{}{}", self.app_base, path));
        match &self.token {
            Some(t) => r.bearer_auth(t),
            None => r,
        }
    }

    pub async fn get(&self, path: &str) -> Response {
        self.request(Method::GET, path).send().await.unwrap()
    }

    pub async fn post(&self, path: &str, body: Value) -> Response {
        self.request(Method::POST, path)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    pub async fn patch(&self, path: &str, body: Value) -> Response {
        self.request(Method::PATCH, path)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    pub async fn delete(&self, path: &str) -> Response {
        self.request(Method::DELETE, path).send().await.unwrap()
    }

    /// POSTs and expects 201; returns the body.
    pub async fn create(&self, path: &str, body: Value) -> Value {
        let r = self.post(path, body).await;
        let status = r.status();
        let v: Value = r.json().await.unwrap();
        assert_eq!(status, 201, "POST {path}: {v}");
        v
    }

    pub async fn ok(&self, path: &str) -> Value {
        let r = self.get(path).await;
        let status = r.status();
        let v: Value = r.json().await.unwrap();
        assert_eq!(status, 200, "GET {path}: {v}");
        v
    }
}

/// Status and parsed body, checking error bodies are problem+json.
pub async fn answer(r: Response) -> (u16, Value) {
    let status = r.status().as_u16();
    let ct = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let text = r.text().await.unwrap();
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    if status >= 400 {
        assert_eq!(
            ct, "application/problem+json",
            "error {status} should be problem+json: {body}"
        );
        assert_eq!(body["status"], status, "{body}");
    }
    (status, body)
}

/// The fields named in a 422 answer.
pub fn fields(body: &Value) -> Vec<String> {
    body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect()
}

/// Signs in with a password through the API, as the sign-in page does.
pub async fn sign_in(app: &TestApp, http: &Client, email: &str, password: &str) -> (u16, Value) {
    answer(
        http.post(format!("{}/api/v1/session", app.base))
            .json(&serde_json::json!({"email": email, "password": password}))
            .send()
            .await
            .unwrap(),
    )
    .await
}

/// Weekly hours covering every minute of every day, for advisors in tests.
pub fn around_the_clock() -> Value {
    let days = [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ];
    Value::Array(
        days.iter()
            .map(|d| serde_json::json!({"day": d, "from": "00:00", "to": "24:00"}))
            .collect(),
    )
}

/// Makes `supervisors` the supervisors of queue `queue` (as an admin
/// would on the queue's form: the queue read, its list replaced, PUT).
pub async fn supervise(admin: &Caller, queue: &str, supervisors: &[&Caller]) {
    let path = format!("/api/v1/queues/{queue}");
    let mut q = admin.ok(&path).await;
    let m = q.as_object_mut().unwrap();
    for read_only in ["id", "created_at", "updated_at"] {
        m.remove(read_only);
    }
    let ids: Vec<Value> = supervisors
        .iter()
        .map(|c| Value::String(c.agent_id.clone().unwrap()))
        .collect();
    m.insert("supervisor_ids".into(), Value::Array(ids));
    let (s, b) = answer(
        admin
            .request(Method::PUT, &path)
            .json(&q)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200, "PUT {path}: {b}");
}

/// A port for a SIP peer (SIPp, baresip) with the three after it free as
/// well: SIPp binds its audio RTP and RTCP and its video RTP and RTCP at
/// `-mp` … `-mp + 3`. Taken below Linux's ephemeral range (32768–60999),
/// so that no socket bound to port 0 (the server's own RTP legs, every
/// client) can take one between this check and the peer's bind, and
/// handed out in blocks of four from a counter, so that two tests of one
/// process never get the same; the start follows the process id, so two
/// test processes rarely meet. (A port asked of the system with port 0
/// could be handed out again at once, or its neighbours taken: SIPp then
/// failed with "Address already in use".)
#[allow(dead_code)]
pub fn free_port() -> u16 {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    // Above the test PostgreSQL's 25432 (scripts/test), below 32768.
    const LOW: u32 = 26_000;
    const SLOTS: u32 = (32_760 - LOW) / 4;
    let start = std::process::id() % SLOTS;
    for _ in 0..SLOTS {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let port = (LOW + ((start + n) % SLOTS) * 4) as u16;
        let free = (0..4).all(|k| {
            std::net::UdpSocket::bind(("127.0.0.1", port + k)).is_ok()
                && std::net::TcpListener::bind(("127.0.0.1", port + k)).is_ok()
        });
        if free {
            return port;
        }
    }
    panic!("no four free ports in a row between {LOW} and 32760");
}
