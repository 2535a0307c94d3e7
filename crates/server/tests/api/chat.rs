//! The chat channel over HTTP and WebSocket: widget settings, the origin
//! allow-list, visitors and their journey, a conversation from survey to
//! transcript, resume without loss, proactive invitations, host-site
//! authentication, and visitors kept apart.

use std::time::Duration;

use futures::StreamExt;
use reqwest::Method;
use serde_json::{json, Value};
use switchboard_core::access::Role;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

use crate::routing::{available, connect, next_matching, queue, send, Socket};
use crate::support::{answer, apps, fields, Caller, TestApp};

pub const ORIGIN: &str = "http://shop.example";

/// A visitor's browser: the widget's origin and, once registered, its token.
pub struct Browser {
    pub base: String,
    pub widget: String,
    pub http: reqwest::Client,
    pub origin: String,
    pub token: Option<String>,
    pub visitor_id: Option<String>,
    pub session_id: Option<String>,
}

impl Browser {
    pub fn new(app: &TestApp, widget: &str) -> Self {
        Self {
            base: app.base.clone(),
            widget: widget.to_owned(),
            http: reqwest::Client::new(),
            origin: ORIGIN.into(),
            token: None,
            visitor_id: None,
            session_id: None,
        }
    }

    pub fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        let r = self
            .http
            .request(method, format!("{}/widget/v1/{}/{}", self.base, self.widget, path))
            .header("origin", &self.origin)
            .header(
                "user-agent",
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
            );
        match &self.token {
            Some(t) => r.bearer_auth(t),
            None => r,
        }
    }

    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        answer(
            self.request(Method::POST, path)
                .json(&body)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        answer(self.request(Method::GET, path).send().await.unwrap()).await
    }

    pub async fn register(&mut self, extra: Value) -> Value {
        let mut body = json!({"visitor_id": self.visitor_id, "session_id": self.session_id,
            "language": "fr-CA", "time_zone": "America/Toronto", "referrer": "https://search.example/?q=boots"});
        if let (Value::Object(b), Value::Object(e)) = (&mut body, extra) {
            b.extend(e);
        }
        let (s, r) = self.post("visitors", body).await;
        assert_eq!(s, 200, "{r}");
        self.token = r["token"].as_str().map(str::to_owned);
        self.visitor_id = r["visitor_id"].as_str().map(str::to_owned);
        self.session_id = r["session_id"].as_str().map(str::to_owned);
        r
    }

    pub async fn page(&self, url: &str, title: &str) -> Value {
        let (s, r) = self
            .post(
                "events",
                json!({"session_id": self.session_id, "type": "page", "url": url, "title": title}),
            )
            .await;
        assert_eq!(s, 200, "{r}");
        r
    }

    pub async fn socket(&self, conversation: &str, after: i64) -> Socket {
        let mut req = format!(
            "{}/widget/v1/{}/ws?token={}&conversation_id={conversation}&after={after}",
            self.base.replace("http://", "ws://"),
            self.widget,
            self.token.as_deref().unwrap()
        )
        .into_client_request()
        .unwrap();
        req.headers_mut()
            .insert("origin", self.origin.parse().unwrap());
        tokio_tungstenite::connect_async(req).await.unwrap().0
    }
}

pub fn widget_body(queue: &str) -> Value {
    json!({
        "name": "Northwind <b>shop</b>",
        "allowed_origins": [ORIGIN, "http://127.0.0.1:1"],
        "color": "#0b5fff",
        "default_language": "en",
        "routing": {"queue_id": queue, "attributes": {"site": "shop"}},
        "survey": [
            {"id": "name", "type": "text", "label": {"en": "Your name", "fr": "Votre nom"}, "required": true},
            {"id": "email", "type": "email", "label": {"en": "Email"}, "required": true},
            {"id": "topic", "type": "choice", "label": {"en": "Topic"}, "choices": ["Orders", "Returns"]}
        ],
        "proactive_enabled": true,
        "auth": {"algorithm": "HS256", "secret": "0123456789abcdef0123456789abcdef", "issuer": "shop"}
    })
}

/// A widget feeding a chat queue served by one available agent, whose
/// socket is open.
pub struct Setup {
    pub admin: Caller,
    pub agent: Caller,
    pub widget: String,
    pub queue: String,
    pub ws: Socket,
}

pub async fn setup(app: &TestApp) -> Setup {
    let admin = app.token(Role::Admin).await;
    let agent = app.token(Role::Agent).await;
    let q = queue(
        &admin,
        json!({"name": "web chat", "channel": "messaging", "members": [agent.agent_id]}),
    )
    .await;
    let widget = admin.create("/api/v1/widgets", widget_body(&q)).await;
    let mut ws = connect(app, &agent, 0).await;
    next_matching(&mut ws, |m| m["type"] == "ready").await;
    available(&agent).await;
    Setup {
        admin,
        agent,
        widget: widget["id"].as_str().unwrap().to_owned(),
        queue: q,
        ws,
    }
}

async fn read_until(ws: &mut Socket, want: impl Fn(&Value) -> bool) -> Vec<Value> {
    let mut seen = Vec::new();
    let read = async {
        while let Some(Ok(msg)) = ws.next().await {
            if let Message::Text(t) = msg {
                let v: Value = serde_json::from_str(t.as_str()).unwrap();
                let done = want(&v);
                seen.push(v);
                if done {
                    return;
                }
            }
        }
        panic!("socket closed; saw {seen:?}");
    };
    tokio::time::timeout(Duration::from_secs(15), read)
        .await
        .expect("the expected message arrived");
    seen
}

#[tokio::test]
async fn widget_settings_are_validated_and_secrets_never_shown() {
    for app in apps().await {
        let admin = app.token(Role::Admin).await;
        let (s, b) = answer(
            admin
                .post(
                    "/api/v1/widgets",
                    json!({"name": "", "allowed_origins": ["https://shop.example/path", "*"],
                        "color": "blue", "default_language": "de",
                        "routing": {"queue_id": "00000000-0000-0000-0000-000000000000"},
                        "survey": [{"id": "Bad Id", "type": "choice", "label": {"en": "x"}, "choices": ["only one"]}],
                        "auth": {"algorithm": "HS256", "secret": "short"}}),
                )
                .await,
        )
        .await;
        assert_eq!(s, 422, "{b}");
        let f = fields(&b);
        for expected in [
            "name",
            "allowed_origins[0]",
            "allowed_origins[1]",
            "color",
            "default_language",
            "auth.secret",
        ] {
            assert!(f.contains(&expected.to_owned()), "{expected} in {f:?}");
        }
        assert!(f.iter().any(|f| f.starts_with("survey[0]")), "{f:?}");
        assert!(
            admin
                .ok("/api/v1/widgets")
                .await
                .as_array()
                .unwrap()
                .is_empty(),
            "nothing written"
        );

        let q = queue(&admin, json!({"name": "web chat", "channel": "messaging"})).await;
        let w = admin.create("/api/v1/widgets", widget_body(&q)).await;
        assert_eq!(w["name"], "Northwind <b>shop</b>", "stored as text");
        assert!(
            w["auth"].get("secret").is_none() && w["auth_secret_set"] == true,
            "{w}"
        );
        assert!(w["embed_snippet"]
            .as_str()
            .unwrap()
            .contains(&format!("data-widget=\"{}\"", w["id"].as_str().unwrap())));
        assert_eq!(w["allowed_origins"][0], ORIGIN);
        // A PUT without the secret keeps it.
        let id = w["id"].as_str().unwrap();
        let mut body = widget_body(&q);
        body["auth"] = json!({"algorithm": "HS256", "issuer": "shop"});
        let (s, b) = answer(
            admin
                .request(Method::PUT, &format!("/api/v1/widgets/{id}"))
                .json(&body)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!((s, &b["auth_secret_set"]), (200, &json!(true)), "{b}");

        // Rules are validated as a whole; a bad regex is named.
        let (s, b) = answer(
            admin
                .request(Method::PUT, &format!("/api/v1/widgets/{id}/proactive-rules"))
                .json(&json!({"rules": [
                    {"name": "ok", "location": {"url": {"match": "contains", "value": "/boots"}}, "messages": {"en": "Hi"}},
                    {"name": "bad", "location": {"url": {"match": "regex", "value": "(unclosed"}}, "messages": {"en": "Hi"},
                     "window": {"time_zone": "Mars/Olympus", "ranges": [{"from": "18:00", "to": "09:00"}]}}
                ]}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(s, 422, "{b}");
        let f = fields(&b);
        assert!(
            f.contains(&"rules[1].location.url.value".to_owned()),
            "{f:?}"
        );
        assert!(f.iter().any(|f| f.starts_with("rules[1].window")), "{f:?}");
        let rules = admin
            .ok(&format!("/api/v1/widgets/{id}/proactive-rules"))
            .await;
        assert!(
            rules["rules"].as_array().unwrap().is_empty(),
            "nothing written"
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn only_allowed_origins_reach_the_widget_endpoints() {
    for app in apps().await {
        let s = setup(&app).await;
        let mut b = Browser::new(&app, &s.widget);
        let r = b.request(Method::GET, "config").send().await.unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["access-control-allow-origin"], ORIGIN);
        let config: Value = r.json().await.unwrap();
        assert_eq!(config["survey"][0]["id"], "name");
        assert!(config.get("auth").is_none() && config.get("allowed_origins").is_none());

        let preflight = b
            .request(Method::OPTIONS, "visitors")
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization, content-type",
            )
            .send()
            .await
            .unwrap();
        assert_eq!(preflight.status(), 204);
        assert!(preflight.headers()["access-control-allow-headers"]
            .to_str()
            .unwrap()
            .contains("authorization"));

        b.origin = "http://evil.example".into();
        for (m, path) in [
            (Method::GET, "config"),
            (Method::POST, "visitors"),
            (Method::OPTIONS, "visitors"),
        ] {
            let r = b
                .request(m.clone(), path)
                .json(&json!({}))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 403, "{m} {path}");
            assert!(r.headers().get("access-control-allow-origin").is_none());
        }
        let no_origin = reqwest::get(format!("{}/widget/v1/{}/config", app.base, s.widget))
            .await
            .unwrap();
        assert_eq!(no_origin.status(), 403);
        let unknown = Browser::new(&app, "00000000-0000-0000-0000-000000000000");
        assert_eq!(unknown.get("config").await.0, 404);
        app.stop().await;
    }
}

/// Browsers send no `Origin` on a same-origin GET (the widget on the
/// server's own `/demo/shop`): such a request is judged as coming from the
/// server's own origin when the browser says so (`Sec-Fetch-Site:
/// same-origin`, or a `Referer` on that origin from browsers without
/// `Sec-Fetch-Site`); without such evidence it stays refused.
#[tokio::test]
async fn a_same_origin_request_is_judged_as_the_servers_own_origin() {
    for app in apps().await {
        let s = setup(&app).await;
        let mut body = widget_body(&s.queue);
        body["allowed_origins"] = json!([ORIGIN, app.base, app.base.to_uppercase()]);
        let own = s.admin.create("/api/v1/widgets", body).await;
        assert_eq!(
            own["allowed_origins"],
            json!([ORIGIN, app.base]),
            "an origin listed twice is kept once"
        );
        let own = own["id"].as_str().unwrap();
        let config = |widget: &str, headers: &[(&str, String)]| {
            let mut r =
                reqwest::Client::new().get(format!("{}/widget/v1/{widget}/config", app.base));
            for (k, v) in headers {
                r = r.header(*k, v);
            }
            async move { r.send().await.unwrap().status().as_u16() }
        };
        let same = ("sec-fetch-site", "same-origin".to_owned());
        assert_eq!(config(own, std::slice::from_ref(&same)).await, 200);
        let referer = ("referer", format!("{}/demo/shop?widget={own}", app.base));
        assert_eq!(config(own, std::slice::from_ref(&referer)).await, 200);
        // No evidence, or evidence of another site: refused.
        assert_eq!(config(own, &[]).await, 403);
        for site in ["cross-site", "same-site", "none"] {
            assert_eq!(
                config(own, &[("sec-fetch-site", site.to_owned())]).await,
                403,
                "{site}"
            );
        }
        assert_eq!(
            config(
                own,
                &[("sec-fetch-site", "cross-site".into()), referer.clone()]
            )
            .await,
            403,
            "Sec-Fetch-Site is believed over the Referer"
        );
        for other in [
            "http://shop.example/",
            "http://127.0.0.1:1/",
            &format!("{}.evil.example/", app.base),
        ] {
            assert_eq!(
                config(own, &[("referer", other.to_owned())]).await,
                403,
                "{other}"
            );
        }
        // The server's own origin is judged against the allow-list like any
        // other: a widget that does not list it refuses its own pages too.
        assert_eq!(config(&s.widget, std::slice::from_ref(&same)).await, 403);
        // A whole visit, same-origin: register, then the socket (browsers
        // always send Origin on a WebSocket and on POSTs).
        let mut b = Browser::new(&app, own);
        b.origin = app.base.clone();
        b.register(json!({})).await;
        let (st, _) = b
            .get(&format!(
                "conversations/{}/messages",
                "00000000-0000-0000-0000-000000000000"
            ))
            .await;
        assert_eq!(st, 404);
        app.stop().await;
    }
}

/// The text on the widget's colour is black or white by the WCAG 2
/// contrast ratio, handed to the widget; a colour its buttons fade into
/// the white panel with is saved with a warning naming the field.
#[tokio::test]
async fn the_widget_colour_gets_readable_text_and_warnings() {
    for app in apps().await {
        let s = setup(&app).await;
        let id = s.widget.clone();
        let put = |color: &str| {
            let mut body = widget_body(&s.queue);
            body["color"] = json!(color);
            let req = s
                .admin
                .request(Method::PUT, &format!("/api/v1/widgets/{id}"))
                .json(&body);
            async move { answer(req.send().await.unwrap()).await }
        };
        let (st, w) = put("#2f9e44").await;
        assert_eq!((st, &w["warnings"]), (200, &json!([])), "{w}");
        let b = Browser::new(&app, &id);
        let (_, config) = b.get("config").await;
        assert_eq!(config["text_color"], "#000000", "white on #2f9e44 is 3.4:1");
        put("#0b5fff").await;
        assert_eq!(b.get("config").await.1["text_color"], "#ffffff");
        let (st, w) = put("#FFEB3B").await;
        assert_eq!(st, 200, "saved all the same");
        assert_eq!(w["warnings"][0]["field"], "color", "{w}");
        assert_eq!(w["warnings"][0]["code"], "low_contrast_with_panel");
        assert_eq!(b.get("config").await.1["text_color"], "#000000");
        let mut body = widget_body(&s.queue);
        body["color"] = json!("#ffffff");
        let created = s.admin.create("/api/v1/widgets", body).await;
        assert_eq!(created["warnings"][0]["field"], "color", "{created}");
        app.stop().await;
    }
}

#[tokio::test]
async fn a_conversation_goes_from_survey_to_agent_to_transcript_without_loss() {
    for app in apps().await {
        let mut s = setup(&app).await;
        let mut b = Browser::new(&app, &s.widget);
        let reg = b.register(json!({})).await;
        assert_eq!(
            (reg["returning"].clone(), reg["authenticated"].clone()),
            (json!(false), json!(false))
        );
        b.page("https://shop.example/boots", "Boots").await;
        b.page("https://shop.example/boots/trail-42", "Trail 42")
            .await;
        let (st, r) = b
            .post("events", json!({"session_id": b.session_id, "type": "search", "query": "waterproof <script>"}))
            .await;
        assert_eq!(st, 200, "{r}");

        // The survey is checked, each bad answer named; nothing starts.
        let (st, r) = b
            .post(
                "conversations",
                json!({"session_id": b.session_id, "survey": {"email": "not-an-email", "topic": "Cars", "bogus": "x"}}),
            )
            .await;
        assert_eq!(st, 422, "{r}");
        let f = fields(&r);
        for expected in [
            "survey.name",
            "survey.email",
            "survey.topic",
            "survey.bogus",
        ] {
            assert!(f.contains(&expected.to_owned()), "{expected} in {f:?}");
        }
        let (st, r) = b
            .post(
                "conversations",
                json!({"session_id": b.session_id, "url": "https://shop.example/boots/trail-42",
                    "survey": {"name": "Zoé <img src=x onerror=alert(1)>", "email": "Zoe@Example.com", "topic": "returns"},
                    "context": {"cart_value": 129.9, "plan": "gold", "nested": {"a": 1}}}),
            )
            .await;
        assert_eq!(st, 201, "{r}");
        let conv = r["id"].as_str().unwrap().to_owned();
        assert_eq!(r["status"], "waiting");

        // The agent's offer carries the survey, journey and context.
        let offer = next_matching(&mut s.ws, |m| m["type"] == "offered").await;
        let c = &offer["conversation"];
        assert_eq!(c["id"], conv, "{offer}");
        assert_eq!(c["survey"][0]["id"], "email");
        assert_eq!(c["survey"][0]["answer"], "zoe@example.com");
        assert!(c["survey"].as_array().unwrap().iter().any(
            |q| q["label"] == "Your name" && q["answer"] == "Zoé <img src=x onerror=alert(1)>"
        ));
        assert_eq!(
            c["survey"]
                .as_array()
                .unwrap()
                .iter()
                .find(|q| q["id"] == "topic")
                .unwrap()["answer"],
            "Returns"
        );
        assert_eq!(c["context"]["cart_value"], "129.9");
        assert_eq!(c["context"]["plan"], "gold");
        assert_eq!(c["context"]["nested"], "{\"a\":1}");
        let journey = c["journey"].as_array().unwrap();
        assert_eq!(journey[0]["kind"], "search", "newest first: {journey:?}");
        assert_eq!(journey[0]["detail"]["query"], "waterproof <script>");
        assert_eq!(journey[1]["url"], "https://shop.example/boots/trail-42");
        assert_eq!(journey[2]["title"], "Boots");
        assert_eq!(c["visitor"]["browser"], "Chrome");
        assert_eq!(c["visitor"]["os"], "Windows 10/11");
        assert_eq!(c["visitor"]["language"], "fr-CA");
        assert_eq!(c["visitor"]["country"], "CA");
        assert_eq!(c["visitor"]["time_zone"], "America/Toronto");
        assert_eq!(c["proactive"], false);
        assert_eq!(offer["attributes"]["site"], "shop");

        let mut v = b.socket(&conv, 0).await;
        let ready = read_until(&mut v, |m| m["type"] == "ready").await;
        assert_eq!(ready.last().unwrap()["conversation"]["status"], "waiting");
        assert_eq!(
            ready.last().unwrap()["conversation"]["position"],
            json!(null),
            "offered, not in line"
        );

        send(
            &mut s.ws,
            json!({"type": "accept", "work_item_id": offer["work_item_id"]}),
        )
        .await;
        let joined = read_until(&mut v, |m| m["type"] == "joined").await;
        assert!(joined.last().unwrap()["agent_name"].as_str().is_some());

        // Visitor → agent, persisted before acknowledged; a resend is not a duplicate.
        send(
            &mut v,
            json!({"type": "message", "client_id": "c1", "body": "Hello <b>there</b>"}),
        )
        .await;
        let ack = read_until(&mut v, |m| m["type"] == "ack").await;
        let first_seq = ack.last().unwrap()["seq"].as_i64().unwrap();
        let got = next_matching(&mut s.ws, |m| m["type"] == "chat_message").await;
        assert_eq!(
            (
                got["conversation_id"].as_str(),
                got["body"].as_str(),
                got["sender"].as_str()
            ),
            (
                Some(conv.as_str()),
                Some("Hello <b>there</b>"),
                Some("visitor")
            )
        );
        send(
            &mut v,
            json!({"type": "message", "client_id": "c1", "body": "Hello <b>there</b>"}),
        )
        .await;
        let again = read_until(&mut v, |m| m["type"] == "ack").await;
        assert_eq!(
            again.last().unwrap()["seq"].as_i64(),
            Some(first_seq),
            "same message"
        );
        send(&mut v, json!({"type": "typing", "typing": true})).await;
        let typing = next_matching(&mut s.ws, |m| m["type"] == "chat_typing").await;
        assert_eq!(typing["typing"], true);

        // Too long: a clear error, nothing stored.
        send(
            &mut v,
            json!({"type": "message", "client_id": "c2", "body": "x".repeat(4001)}),
        )
        .await;
        let err = read_until(&mut v, |m| m["type"] == "error").await;
        assert_eq!(err.last().unwrap()["code"], "too_long");

        // The visitor drops; the agent writes twice meanwhile.
        drop(v);
        for text in ["First reply", "Second reply"] {
            send(
                &mut s.ws,
                json!({"type": "send_message", "conversation_id": conv, "body": text}),
            )
            .await;
            let a = next_matching(&mut s.ws, |m| m["type"] == "ack" || m["type"] == "error").await;
            assert_eq!(a["type"], "ack", "{a}");
        }
        // Over REST too.
        let (st, m) = answer(
            s.agent
                .post(
                    &format!("/api/v1/conversations/{conv}/messages"),
                    json!({"body": "Third reply"}),
                )
                .await,
        )
        .await;
        assert_eq!(st, 201, "{m}");

        // Resuming after the last seen message delivers exactly what was missed, in order.
        let mut v = b.socket(&conv, first_seq).await;
        let seen = read_until(&mut v, |m| m["type"] == "ready").await;
        let bodies: Vec<&str> = seen
            .iter()
            .filter(|m| m["type"] == "message")
            .map(|m| m["body"].as_str().unwrap())
            .collect();
        assert_eq!(bodies, ["First reply", "Second reply", "Third reply"]);
        let seqs: Vec<i64> = seen.iter().filter_map(|m| m["seq"].as_i64()).collect();
        assert!(seqs.windows(2).all(|w| w[0] < w[1]) && seqs[0] > first_seq);
        // From the start: everything once.
        let (_, all) = b.get(&format!("conversations/{conv}/messages")).await;
        assert_eq!(all["messages"].as_array().unwrap().len(), 4);

        // The agent's typing reaches the visitor; the agent ends; the visitor is told.
        send(
            &mut s.ws,
            json!({"type": "typing", "conversation_id": conv, "typing": true}),
        )
        .await;
        read_until(&mut v, |m| m["type"] == "typing" && m["typing"] == true).await;
        let (st, _) = answer(
            s.agent
                .post(&format!("/api/v1/conversations/{conv}/end"), json!({}))
                .await,
        )
        .await;
        assert_eq!(st, 200);
        let ended = read_until(&mut v, |m| m["type"] == "ended").await;
        assert_eq!(ended.last().unwrap()["by"], "agent");
        let (st, r) = b
            .post(
                "conversations",
                json!({"session_id": b.session_id, "survey": {}}),
            )
            .await;
        assert_eq!(st, 422, "a new chat needs the survey again: {r}");

        // The transcript is on the contact's timeline; the conversation record is complete.
        let detail = s.agent.ok(&format!("/api/v1/conversations/{conv}")).await;
        assert_eq!(detail["status"], "ended");
        assert!(detail["wait_seconds"].as_i64().is_some() && detail["answered_at"].is_string());
        assert_eq!(detail["queue_id"], s.queue);
        let contact = detail["contact_id"].as_str().unwrap();
        let person = s.agent.ok(&format!("/api/v1/contacts/{contact}")).await;
        assert_eq!(person["email"], "zoe@example.com");
        let timeline = s
            .agent
            .ok(&format!(
                "/api/v1/contacts/{contact}/timeline?scope=conversation&conversation_id={conv}"
            ))
            .await;
        let entry = &timeline["items"][0];
        assert_eq!(entry["kind"], "conversation", "{timeline}");
        let transcript = entry["body"].as_str().unwrap();
        assert!(
            transcript.contains("Visitor: Hello <b>there</b>")
                && transcript.contains("Third reply"),
            "{transcript}"
        );
        let w = s
            .admin
            .ok(&format!(
                "/api/v1/work-items/{}",
                offer["work_item_id"].as_str().unwrap()
            ))
            .await;
        assert!(
            matches!(w["status"].as_str(), Some("wrap_up" | "closed")),
            "{w}"
        );

        // A returning visitor is recognised, with a new session.
        let mut again = Browser::new(&app, &s.widget);
        again.visitor_id = b.visitor_id.clone();
        let reg = again.register(json!({})).await;
        assert_eq!(reg["returning"], true);
        assert_eq!(reg["visitor_id"], json!(b.visitor_id));
        assert_ne!(reg["session_id"], json!(b.session_id));
        app.stop().await;
    }
}

#[tokio::test]
async fn visitors_reach_only_their_own_conversations() {
    for app in apps().await {
        let s = setup(&app).await;
        let mut alice = Browser::new(&app, &s.widget);
        alice.register(json!({})).await;
        let (st, r) = alice
            .post(
                "conversations",
                json!({"session_id": alice.session_id,
                "survey": {"name": "Alice", "email": "alice@example.com"}}),
            )
            .await;
        assert_eq!(st, 201, "{r}");
        let conv = r["id"].as_str().unwrap().to_owned();
        let mut mallory = Browser::new(&app, &s.widget);
        mallory.register(json!({})).await;
        assert_eq!(mallory.get(&format!("conversations/{conv}")).await.0, 404);
        assert_eq!(
            mallory
                .get(&format!("conversations/{conv}/messages"))
                .await
                .0,
            404
        );
        let mut req = format!(
            "{}/widget/v1/{}/ws?token={}&conversation_id={conv}",
            app.base.replace("http://", "ws://"),
            s.widget,
            mallory.token.as_deref().unwrap()
        )
        .into_client_request()
        .unwrap();
        req.headers_mut().insert("origin", ORIGIN.parse().unwrap());
        assert!(
            tokio_tungstenite::connect_async(req).await.is_err(),
            "refused"
        );
        // A forged or missing token.
        mallory.token = Some(format!("{}x", alice.token.as_deref().unwrap()));
        assert_eq!(mallory.get(&format!("conversations/{conv}")).await.0, 401);
        mallory.token = None;
        assert_eq!(mallory.get(&format!("conversations/{conv}")).await.0, 401);
        // Another widget's token does not open this one.
        let other = s
            .admin
            .create("/api/v1/widgets", widget_body(&s.queue))
            .await;
        let mut elsewhere = Browser::new(&app, other["id"].as_str().unwrap());
        elsewhere.register(json!({})).await;
        elsewhere.widget = s.widget.clone();
        assert_eq!(elsewhere.get(&format!("conversations/{conv}")).await.0, 401);
        // Agents other than the one holding it do not see it; supervisors do.
        let other_agent = app.token(Role::Agent).await;
        assert_eq!(
            other_agent
                .get(&format!("/api/v1/conversations/{conv}"))
                .await
                .status(),
            404
        );
        let sup = app.token(Role::Supervisor).await;
        crate::support::supervise(&s.admin, &s.queue, &[&sup]).await;
        assert_eq!(
            sup.get(&format!("/api/v1/conversations/{conv}"))
                .await
                .status(),
            200
        );
        // Bad input on the visitor side.
        let (st, _) = answer(
            alice
                .request(Method::POST, "events")
                .header("content-type", "application/json")
                .body("{not json")
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(st, 400);
        let (st, r) = alice
            .post(
                "events",
                json!({"session_id": alice.session_id, "type": "teleport"}),
            )
            .await;
        assert_eq!((st, fields(&r)), (422, vec!["type".to_owned()]));
        let (st, r) = alice
            .post(
                "events",
                json!({"session_id": alice.session_id, "type": "page", "url": "x".repeat(3000)}),
            )
            .await;
        assert_eq!((st, fields(&r)), (422, vec!["url".to_owned()]));
        let (st, _) = alice
            .post(
                "conversations",
                json!({"session_id": alice.session_id, "survey": {}}),
            )
            .await;
        assert_eq!(st, 409, "one open conversation per visitor");
        // Even when two starts race.
        let mut bob = Browser::new(&app, &s.widget);
        bob.register(json!({})).await;
        let body = json!({"session_id": bob.session_id, "survey": {"name": "Bob", "email": "bob@example.com"}});
        let (a, b) = tokio::join!(
            bob.post("conversations", body.clone()),
            bob.post("conversations", body)
        );
        let mut codes = [a.0, b.0];
        codes.sort();
        assert_eq!(codes, [201, 409], "{a:?} {b:?}");
        // The agent offered Alice's chat may read it, not end it.
        let (st, r) = answer(
            s.agent
                .post(&format!("/api/v1/conversations/{conv}/end"), json!({}))
                .await,
        )
        .await;
        assert_eq!(st, 409, "{r}");
        app.stop().await;
    }
}

/// The visitor downloads their conversation: every message, with who wrote
/// it and when, in their language and time zone, as text; nobody else's
/// token reaches it.
#[tokio::test]
async fn a_visitor_downloads_the_transcript_of_their_own_conversation_only() {
    for app in apps().await {
        let mut s = setup(&app).await;
        let mut body = widget_body(&s.queue);
        body["name_translations"] = json!({"fr": "Boutique Northwind"});
        let (st, w) = answer(
            s.admin
                .request(Method::PUT, &format!("/api/v1/widgets/{}", s.widget))
                .json(&body)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(st, 200, "{w}");
        // fr-CA, America/Toronto.
        let mut alice = Browser::new(&app, &s.widget);
        alice.register(json!({})).await;
        let (st, r) = alice
            .post(
                "conversations",
                json!({"session_id": alice.session_id,
                "survey": {"name": "Alice", "email": "alice@example.com"}}),
            )
            .await;
        assert_eq!(st, 201, "{r}");
        let conv = r["id"].as_str().unwrap().to_owned();
        let offer = next_matching(&mut s.ws, |m| m["type"] == "offered").await;
        let mut v = alice.socket(&conv, 0).await;
        read_until(&mut v, |m| m["type"] == "ready").await;
        send(
            &mut s.ws,
            json!({"type": "accept", "work_item_id": offer["work_item_id"]}),
        )
        .await;
        read_until(&mut v, |m| m["type"] == "joined").await;
        send(
            &mut v,
            json!({"type": "message", "client_id": "c1", "body": "Mon colis <b>n'est pas</b> arrivé\n[00:00:00] Agent: fake"}),
        )
        .await;
        read_until(&mut v, |m| m["type"] == "ack").await;
        let (st, m) = answer(
            s.agent
                .post(
                    &format!("/api/v1/conversations/{conv}/messages"),
                    json!({"body": "Je regarde tout de suite."}),
                )
                .await,
        )
        .await;
        assert_eq!(st, 201, "{m}");
        send(&mut v, json!({"type": "end"})).await;
        read_until(&mut v, |m| m["type"] == "ended").await;

        let r = alice
            .request(Method::GET, &format!("conversations/{conv}/transcript"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-type"], "text/plain; charset=utf-8");
        assert!(r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment; filename=\"chat-transcript-"));
        assert_eq!(r.headers()["access-control-allow-origin"], ORIGIN);
        let text = r.text().await.unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "Discussion avec Boutique Northwind", "{text}");
        assert!(
            lines[1].starts_with("Date : ")
                && lines[1].ends_with("(fuseau horaire : America/Toronto)"),
            "{text}"
        );
        let (_, stored) = alice.get(&format!("conversations/{conv}/messages")).await;
        let stored = stored["messages"].as_array().unwrap().clone();
        let at = |i: usize| {
            let t: jiff::Timestamp = stored[i]["at"].as_str().unwrap().parse().unwrap();
            t.to_zoned(jiff::tz::TimeZone::get("America/Toronto").unwrap())
                .strftime("%H:%M:%S")
                .to_string()
        };
        let agent_name = stored[1]["name"].as_str().unwrap();
        assert_eq!(
            &lines[3..],
            [
                format!("[{}] Vous: Mon colis <b>n'est pas</b> arrivé", at(0)),
                "  [00:00:00] Agent: fake".to_owned(),
                format!("[{}] {agent_name}: Je regarde tout de suite.", at(1)),
            ],
            "{text}"
        );

        // Another visitor, a forged token, no token, another origin.
        let path = format!("conversations/{conv}/transcript");
        let mut mallory = Browser::new(&app, &s.widget);
        mallory.register(json!({})).await;
        assert_eq!(mallory.get(&path).await.0, 404);
        mallory.token = Some(format!("{}x", alice.token.as_deref().unwrap()));
        assert_eq!(mallory.get(&path).await.0, 401);
        mallory.token = None;
        assert_eq!(mallory.get(&path).await.0, 401);
        alice.origin = "http://evil.example".into();
        assert_eq!(alice.get(&path).await.0, 403);
        app.stop().await;
    }
}

#[tokio::test]
async fn a_proactive_rule_invites_once_and_an_accepted_invitation_starts_a_proactive_chat() {
    for app in apps().await {
        let mut s = setup(&app).await;
        let rules = json!({"rules": [
            {"name": "Boot browsers", "priority": 1, "time_on_page_seconds": 5, "pages_in_session": 2,
             "location": {"url": {"match": "wildcard", "value": "https://shop.example/boots/*"}},
             "messages": {"en": "Need help choosing boots?", "fr": "Besoin d'aide pour vos bottes ?"},
             "only_when_agent_available": true},
            {"name": "Never", "priority": 0, "target": {"customers": "authenticated"},
             "location": {"url": {"match": "contains", "value": "shop"}}, "messages": {"en": "Hello member"}}
        ]});
        let saved = answer(
            s.admin
                .request(
                    Method::PUT,
                    &format!("/api/v1/widgets/{}/proactive-rules", s.widget),
                )
                .json(&rules)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(saved.0, 200, "{}", saved.1);
        let rule = saved.1["rules"][0]["id"].as_str().unwrap().to_owned();

        let mut b = Browser::new(&app, &s.widget);
        b.register(json!({})).await;
        let first = b.page("https://shop.example/boots/", "Boots").await;
        assert_eq!(first["invitation"], json!(null), "one page is not enough");
        let second = b
            .page("https://shop.example/boots/trail-42", "Trail 42")
            .await;
        assert_eq!(second["invitation"]["rule_id"], rule, "{second}");
        assert_eq!(second["invitation"]["after_seconds"], 5);

        // Asked too early: not yet.
        let (_, early) = b
            .post(
                "invitations",
                json!({"session_id": b.session_id, "rule_id": rule,
                "url": "https://shop.example/boots/trail-42", "seconds_on_page": 2}),
            )
            .await;
        assert_eq!(early["invitation"], json!(null));
        let (st, inv) = b
            .post(
                "invitations",
                json!({"session_id": b.session_id, "rule_id": rule,
                "url": "https://shop.example/boots/trail-42", "seconds_on_page": 5}),
            )
            .await;
        assert_eq!(st, 200, "{inv}");
        assert_eq!(
            inv["invitation"]["message"], "Besoin d'aide pour vos bottes ?",
            "in the visitor's language"
        );
        assert_eq!(inv["invitation"]["expires_in_seconds"], 60);
        let invitation = inv["invitation"]["id"].as_str().unwrap().to_owned();
        // One at a time, and once per session.
        let (_, twice) = b
            .post(
                "invitations",
                json!({"session_id": b.session_id, "rule_id": rule,
                "url": "https://shop.example/boots/trail-42", "seconds_on_page": 9}),
            )
            .await;
        assert_eq!(twice["invitation"], json!(null));

        let (st, r) = b
            .post("conversations", json!({"session_id": b.session_id, "invitation_id": invitation,
                "survey": {"name": "Zoé", "email": "zoe@example.com"}, "context": {"plan": "gold"}}))
            .await;
        assert_eq!(st, 201, "{r}");
        let conv = r["id"].as_str().unwrap().to_owned();
        let offer = next_matching(&mut s.ws, |m| m["type"] == "offered").await;
        assert_eq!(offer["kind"], "proactive");
        assert_eq!(
            offer["conversation"]["proactive_rule"]["name"],
            "Boot browsers"
        );
        assert_eq!(
            offer["conversation"]["context"]["proactive.page"],
            "https://shop.example/boots/trail-42"
        );
        assert_eq!(
            offer["conversation"]["context"]["proactive.seconds_on_page"],
            "5"
        );
        let (_, msgs) = b.get(&format!("conversations/{conv}/messages")).await;
        assert_eq!(
            msgs["messages"][0]["body"],
            "Besoin d'aide pour vos bottes ?"
        );
        assert_eq!(msgs["messages"][0]["sender"], "system");
        // The same invitation cannot start a second chat.
        let (st, _) = b
            .post(
                "conversations",
                json!({"session_id": b.session_id, "invitation_id": invitation,
                "survey": {"name": "Zoé", "email": "zoe@example.com"}}),
            )
            .await;
        assert_eq!(st, 409);

        // A second visitor closes theirs; a third lets it expire.
        for outcome in ["closed", "expired"] {
            let mut other = Browser::new(&app, &s.widget);
            other.register(json!({})).await;
            other.page("https://shop.example/boots/", "Boots").await;
            other.page("https://shop.example/boots/a", "A").await;
            let (_, inv) = other
                .post(
                    "invitations",
                    json!({"session_id": other.session_id, "rule_id": rule,
                    "url": "https://shop.example/boots/a", "seconds_on_page": 6}),
                )
                .await;
            let id = inv["invitation"]["id"].as_str().unwrap().to_owned();
            let (st, r) = other
                .post(&format!("invitations/{id}"), json!({"outcome": outcome}))
                .await;
            assert_eq!((st, r["outcome"].as_str()), (200, Some(outcome)));
            let (st, _) = b
                .post(&format!("invitations/{id}"), json!({"outcome": "closed"}))
                .await;
            assert_eq!(st, 404, "another visitor's invitation");
        }
        let stats = s
            .admin
            .ok(&format!(
                "/api/v1/widgets/{}/proactive-rules/stats",
                s.widget
            ))
            .await;
        let mine = stats
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["rule_id"] == rule)
            .unwrap();
        assert_eq!(
            (
                mine["shown"].as_i64(),
                mine["accepted"].as_i64(),
                mine["closed"].as_i64(),
                mine["expired"].as_i64()
            ),
            (Some(3), Some(1), Some(1), Some(1)),
            "{stats}"
        );

        // With the only agent away, the rule does not invite.
        let (st, _) = answer(
            s.agent
                .request(Method::PUT, "/api/v1/me/presence")
                .json(&json!({"status": "away"}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(st, 200);
        let mut late = Browser::new(&app, &s.widget);
        late.register(json!({})).await;
        late.page("https://shop.example/boots/", "Boots").await;
        let r = late.page("https://shop.example/boots/b", "B").await;
        assert_eq!(
            r["invitation"],
            json!(null),
            "no agent can take the chat now"
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn a_signed_in_visitor_is_linked_to_their_contact_and_a_bad_token_is_refused() {
    use jsonwebtoken::{encode, EncodingKey, Header};
    for app in apps().await {
        let s = setup(&app).await;
        let known = s
            .agent
            .create(
                "/api/v1/contacts",
                json!({"first_name": "Karim", "external_id": "shop-user-7", "category": "vip"}),
            )
            .await;
        let exp = jsonwebtoken::get_current_timestamp() + 600;
        let sign = |secret: &str, claims: Value| {
            encode(
                &Header::default(),
                &claims,
                &EncodingKey::from_secret(secret.as_bytes()),
            )
            .unwrap()
        };
        let good = sign(
            "0123456789abcdef0123456789abcdef",
            json!({"sub": "shop-user-7", "iss": "shop", "exp": exp}),
        );
        let mut b = Browser::new(&app, &s.widget);
        let reg = b.register(json!({"auth_token": good})).await;
        assert_eq!(reg["authenticated"], true);
        assert_eq!(reg["contact_id"], known["id"]);

        // A chat of the signed-in user…
        let (st, r) = b
            .post(
                "conversations",
                json!({"session_id": b.session_id,
                "survey": {"name": "Karim", "email": "karim@example.com"}}),
            )
            .await;
        assert_eq!(st, 201, "{r}");
        // …is not handed to whoever uses the browser next without signing in.
        let reg = b.register(json!({})).await;
        assert_ne!(reg["visitor_id"], known["id"]);
        assert_eq!(
            (reg["authenticated"].clone(), reg["conversation"].clone()),
            (json!(false), json!(null)),
            "{reg}"
        );
        assert_eq!(reg["contact_id"], json!(null));

        let mut forged = Browser::new(&app, &s.widget);
        let bad = sign(
            "another-secret-another-secret-xyz",
            json!({"sub": "shop-user-7", "iss": "shop", "exp": exp}),
        );
        let (st, r) = forged.post("visitors", json!({"auth_token": bad})).await;
        assert_eq!(st, 401, "{r}");
        assert!(r["detail"].as_str().unwrap().contains("not valid"));
        let expired = sign(
            "0123456789abcdef0123456789abcdef",
            json!({"sub": "shop-user-7", "iss": "shop", "exp": exp - 7200}),
        );
        assert_eq!(
            forged
                .post("visitors", json!({"auth_token": expired}))
                .await
                .0,
            401
        );
        forged.token = None;
        assert!(forged.token.is_none());
        app.stop().await;
    }
}

#[tokio::test]
async fn a_flooding_visitor_is_rate_limited_and_others_are_not() {
    for app in apps().await {
        let s = setup(&app).await;
        let mut flood = Browser::new(&app, &s.widget);
        flood.register(json!({})).await;
        let mut statuses = Vec::new();
        for i in 0..60 {
            let (st, _) = flood
                .post("events", json!({"session_id": flood.session_id, "type": "search", "query": format!("q{i}")}))
                .await;
            statuses.push(st);
        }
        assert!(
            statuses.iter().take(20).all(|s| *s == 200),
            "a burst is allowed: {statuses:?}"
        );
        let refused = statuses.iter().filter(|s| **s == 429).count();
        // A burst of 30 then 2 a second: 60 requests in well under 15 s
        // cannot all pass.
        assert!(refused >= 1, "a flood is not: {statuses:?}");
        // What was refused was not recorded.
        let journey = s
            .admin
            .ok(&format!(
                "/api/v1/visitors/{}",
                flood.visitor_id.as_deref().unwrap()
            ))
            .await;
        assert_eq!(journey["journey"].as_array().unwrap().len(), 60 - refused);
        let mut calm = Browser::new(&app, &s.widget);
        calm.register(json!({})).await;
        assert_eq!(
            calm.page("https://shop.example/", "Home").await["invitation"],
            json!(null)
        );
        app.stop().await;
    }
}

/// Issue 13, item 2: an agent forges a work item naming someone else's live
/// conversation, accepts it and closes it. Through the API the forged
/// attribute is refused; made straight on the engine (as any path that let
/// the attribute through would), the item still reaches nothing: its offer
/// carries no conversation, accepting it moves no chat, closing it ends none.
#[tokio::test]
async fn a_forged_work_item_cannot_take_over_a_live_chat() {
    use std::collections::BTreeMap;
    use switchboard_server::routing::engine::NewWorkItem;
    for app in apps().await {
        let mut s = setup(&app).await;
        // Mallory, an agent of her own chat queue, fed by a second widget.
        let mallory = app.token(Role::Agent).await;
        let mq = queue(
            &s.admin,
            json!({"name": "mallory's", "channel": "messaging", "members": [mallory.agent_id]}),
        )
        .await;
        let widget2 = s.admin.create("/api/v1/widgets", widget_body(&mq)).await;
        let mut mws = connect(&app, &mallory, 0).await;
        next_matching(&mut mws, |m| m["type"] == "ready").await;
        available(&mallory).await;

        // A live chat from the widget, accepted by its agent.
        let mut b = Browser::new(&app, &s.widget);
        b.register(json!({})).await;
        b.page("https://shop.example/account", "Account").await;
        let (st, r) = b
            .post(
                "conversations",
                json!({"session_id": b.session_id,
                    "survey": {"name": "Zoé", "email": "zoe@example.com"},
                    "context": {"plan": "secret-plan"}}),
            )
            .await;
        assert_eq!(st, 201, "{r}");
        let conv = r["id"].as_str().unwrap().to_owned();
        let offer = next_matching(&mut s.ws, |m| m["type"] == "offered").await;
        let real_item = offer["work_item_id"].as_str().unwrap().to_owned();
        assert_eq!(offer["conversation"]["id"], conv, "{offer}");
        let mut v = b.socket(&conv, 0).await;
        send(
            &mut s.ws,
            json!({"type": "accept", "work_item_id": real_item}),
        )
        .await;
        read_until(&mut v, |m| m["type"] == "joined").await;
        send(
            &mut v,
            json!({"type": "message", "client_id": "m1", "body": "my card ends 4242"}),
        )
        .await;
        read_until(&mut v, |m| m["type"] == "ack").await;

        // 1. Over the API: every attribute naming an internal record is refused.
        for key in [
            "conversation_id",
            "callback_id",
            "callback_number",
            "caller",
            "call_id",
        ] {
            let (st, r) = answer(
                mallory
                    .post(
                        "/api/v1/work-items",
                        json!({"channel": "chat", "queue_id": mq, "attributes": {key: conv}}),
                    )
                    .await,
            )
            .await;
            assert_eq!(
                (st, fields(&r)),
                (422, vec![format!("attributes.{key}")]),
                "{key}: {r}"
            );
        }

        // 2. The same item made on the engine itself.
        let forged = app
            .running
            .state
            .engine
            .create(NewWorkItem {
                channel: "chat".into(),
                kind: "normal".into(),
                contact_id: None,
                attributes: BTreeMap::from([("conversation_id".to_owned(), conv.clone())]),
                queue_id: Some(mq.clone()),
                skills: None,
                skill_match: None,
                priority: None,
            })
            .await
            .unwrap();
        let moffer = next_matching(&mut mws, |m| {
            m["type"] == "offered" && m["work_item_id"] == forged.id.as_str()
        })
        .await;
        assert!(
            moffer.get("conversation").is_none(),
            "no survey, journey or context through a forged id: {moffer}"
        );
        let text = moffer.to_string();
        assert!(!text.contains("secret-plan") && !text.contains("zoe@example.com"));
        let (st, r) = answer(
            mallory
                .post(
                    &format!("/api/v1/work-items/{}/accept", forged.id),
                    json!({}),
                )
                .await,
        )
        .await;
        assert_eq!(st, 200, "{r}");
        // Closing the forged item, then a barrier: a second chat assigned to
        // Mallory is followed after the close (the engine's events are in
        // order), so by its `joined` the close has been handled.
        let (st, r) = answer(
            mallory
                .post(
                    &format!("/api/v1/work-items/{}/close", forged.id),
                    json!({}),
                )
                .await,
        )
        .await;
        assert_eq!(st, 200, "{r}");
        let mut b2 = Browser::new(&app, widget2["id"].as_str().unwrap());
        b2.register(json!({})).await;
        let (st, r) = b2
            .post(
                "conversations",
                json!({"session_id": b2.session_id, "survey": {"name": "Bob", "email": "bob@example.com"}}),
            )
            .await;
        assert_eq!(st, 201, "{r}");
        let conv2 = r["id"].as_str().unwrap().to_owned();
        let offer2 = next_matching(&mut mws, |m| {
            m["type"] == "offered" && m["conversation"]["id"] == conv2.as_str()
        })
        .await;
        let mut v2 = b2.socket(&conv2, 0).await;
        send(
            &mut mws,
            json!({"type": "accept", "work_item_id": offer2["work_item_id"]}),
        )
        .await;
        read_until(&mut v2, |m| m["type"] == "joined").await;

        // No takeover: the chat is still its agent's, active, and hidden from Mallory.
        let detail = s.admin.ok(&format!("/api/v1/conversations/{conv}")).await;
        assert_eq!(
            (detail["status"].as_str(), detail["agent_id"].as_str()),
            (Some("active"), s.agent.agent_id.as_deref()),
            "{}: {detail}",
            app.backend
        );
        assert_eq!(detail["work_item_id"], real_item.as_str());
        for path in [
            format!("/api/v1/conversations/{conv}"),
            format!("/api/v1/conversations/{conv}/messages"),
        ] {
            assert_eq!(mallory.get(&path).await.status(), 404, "{path}");
        }
        let (st, _) = answer(
            mallory
                .post(
                    &format!("/api/v1/conversations/{conv}/messages"),
                    json!({"body": "Hi, I'm your new agent"}),
                )
                .await,
        )
        .await;
        assert_eq!(st, 404);
        // The visitor still talks to their agent, and heard no end.
        let (st, _) = answer(
            s.agent
                .post(
                    &format!("/api/v1/conversations/{conv}/messages"),
                    json!({"body": "Still with you"}),
                )
                .await,
        )
        .await;
        assert_eq!(st, 201);
        let seen = read_until(&mut v, |m| {
            m["type"] == "message" && m["body"] == "Still with you"
        })
        .await;
        assert!(
            !seen
                .iter()
                .any(|m| m["type"] == "ended" || m["type"] == "joined"),
            "{seen:?}"
        );
        app.stop().await;
    }
}

/// Issue 13, item 7: an agent reads another agent's work item and visitor
/// by id; both answer 404 as for an id that does not exist, while the
/// agent holding the chat and supervisors read them.
#[tokio::test]
async fn an_agent_reads_only_their_own_work_items_and_visitors() {
    for app in apps().await {
        let mut s = setup(&app).await;
        let mallory = app.token(Role::Agent).await;
        let supervisor = app.token(Role::Supervisor).await;
        crate::support::supervise(&s.admin, &s.queue, &[&supervisor]).await;
        let mut b = Browser::new(&app, &s.widget);
        b.register(json!({})).await;
        b.page("https://shop.example/private", "Private").await;
        let (st, r) = b
            .post(
                "conversations",
                json!({"session_id": b.session_id, "survey": {"name": "Zoé", "email": "zoe@example.com"}}),
            )
            .await;
        assert_eq!(st, 201, "{r}");
        let offer = next_matching(&mut s.ws, |m| m["type"] == "offered").await;
        let item = offer["work_item_id"].as_str().unwrap().to_owned();
        let visitor = b.visitor_id.clone().unwrap();
        let item_path = format!("/api/v1/work-items/{item}");
        let visitor_path = format!("/api/v1/visitors/{visitor}");

        // Offered to the agent: they read both; Mallory reads neither.
        assert_eq!(s.agent.ok(&item_path).await["id"], item.as_str());
        assert_eq!(s.agent.ok(&visitor_path).await["id"], visitor.as_str());
        let unknown = "00000000-0000-0000-0000-000000000000";
        for path in [
            item_path.clone(),
            visitor_path.clone(),
            format!("/api/v1/work-items/{unknown}"),
            format!("/api/v1/visitors/{unknown}"),
        ] {
            let (st, r) = answer(mallory.get(&path).await).await;
            assert_eq!(st, 404, "{path}: {r}");
            assert!(!r.to_string().contains("Zoé"), "{r}");
        }
        send(&mut s.ws, json!({"type": "accept", "work_item_id": item})).await;
        let ack = next_matching(&mut s.ws, |m| m["type"] == "ack" || m["type"] == "error").await;
        assert_eq!(ack["type"], "ack", "{ack}");
        assert_eq!(s.agent.ok(&item_path).await["status"], "assigned");
        assert_eq!(mallory.get(&item_path).await.status(), 404);
        assert_eq!(mallory.get(&visitor_path).await.status(), 404);
        assert_eq!(supervisor.ok(&item_path).await["id"], item.as_str());
        assert_eq!(supervisor.ok(&visitor_path).await["id"], visitor.as_str());
        app.stop().await;
    }
}

/// Opens a visitor socket as `b`, through our proxy at 127.0.0.1 saying
/// the client is `forwarded_for` (or as the socket's own address); a refused
/// handshake gives its status and problem body.
async fn try_socket(
    b: &Browser,
    conversation: &str,
    forwarded_for: Option<&str>,
) -> Result<Socket, (u16, Value)> {
    let mut req = format!(
        "{}/widget/v1/{}/ws?token={}&conversation_id={conversation}",
        b.base.replace("http://", "ws://"),
        b.widget,
        b.token.as_deref().unwrap()
    )
    .into_client_request()
    .unwrap();
    req.headers_mut()
        .insert("origin", b.origin.parse().unwrap());
    if let Some(f) = forwarded_for {
        req.headers_mut()
            .insert("x-forwarded-for", f.parse().unwrap());
    }
    match tokio_tungstenite::connect_async(req).await {
        Ok((ws, _)) => Ok(ws),
        Err(tokio_tungstenite::tungstenite::Error::Http(r)) => {
            let body = r
                .body()
                .as_deref()
                .and_then(|b| serde_json::from_slice(b).ok())
                .unwrap_or(Value::Null);
            Err((r.status().as_u16(), body))
        }
        Err(e) => panic!("handshake failed: {e}"),
    }
}

/// A visitor with an open conversation.
async fn chatting_visitor(
    app: &TestApp,
    widget: &str,
    forwarded_for: Option<&str>,
) -> (Browser, String) {
    let mut b = Browser::new(app, widget);
    if let Some(f) = forwarded_for {
        let mut h = reqwest::header::HeaderMap::new();
        h.insert("x-forwarded-for", f.parse().unwrap());
        b.http = reqwest::Client::builder()
            .default_headers(h)
            .build()
            .unwrap();
    }
    b.register(json!({})).await;
    let (st, r) = b
        .post(
            "conversations",
            json!({"session_id": b.session_id, "survey": {"name": "Sam", "email": "sam@example.net"}}),
        )
        .await;
    assert_eq!(st, 201, "{r}");
    (b, r["id"].as_str().unwrap().to_owned())
}

/// Opens sockets until one is refused; returns the open ones and the refusal.
async fn open_until_refused(
    b: &Browser,
    conv: &str,
    forwarded_for: Option<&str>,
    at_most: usize,
) -> (Vec<Socket>, Option<(u16, Value)>) {
    let mut open = Vec::new();
    for _ in 0..at_most {
        match try_socket(b, conv, forwarded_for).await {
            Ok(ws) => open.push(ws),
            Err(refused) => return (open, Some(refused)),
        }
    }
    (open, None)
}

/// Retries (a closed socket's slot comes back once the server saw it close).
async fn eventually_opens(b: &Browser, conv: &str, forwarded_for: Option<&str>) -> Socket {
    for _ in 0..100 {
        if let Ok(ws) = try_socket(b, conv, forwarded_for).await {
            return ws;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the slot of a closed socket never came back");
}

fn refused_on(r: &Option<(u16, Value)>) -> (u16, String) {
    let (st, body) = r.clone().expect("a socket was refused");
    assert_eq!(body["status"], 429, "{body}");
    (
        st,
        body["errors"][0]["field"].as_str().unwrap_or("").to_owned(),
    )
}

/// Issue 13, item 6: an attacker opens visitor sockets until the server
/// runs out of room. Sockets are capped per visitor (a few tabs) and per
/// address bucket, refused with 429 before upgrading; closing one frees
/// its slot. Behind our trusted proxy two clients are two buckets; a
/// forged X-Forwarded-For from a client that is not our proxy buys nothing;
/// addresses rotated inside one IPv6 /64 share one bucket.
#[tokio::test]
async fn a_socket_flood_is_capped_per_visitor_and_per_address() {
    for app in crate::support::apps_with(|c| {
        c.chat_limits.sockets_per_address = 8;
        c.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    })
    .await
    {
        let s = setup(&app).await;
        // One visitor, many tabs: five sockets, the sixth refused.
        let a_ip = Some("203.0.113.10");
        let (a, a_conv) = chatting_visitor(&app, &s.widget, a_ip).await;
        let (mut a_open, refused) = open_until_refused(&a, &a_conv, a_ip, 12).await;
        assert_eq!(a_open.len(), 5, "a visitor's sockets are capped");
        assert_eq!(refused_on(&refused), (429, "visitor".to_owned()));
        // Closing one (however it closes) frees its slot.
        drop(a_open.pop());
        a_open.push(eventually_opens(&a, &a_conv, a_ip).await);
        assert!(try_socket(&a, &a_conv, a_ip).await.is_err());

        // Other visitors from the same address fill its bucket (8).
        let (b, b_conv) = chatting_visitor(&app, &s.widget, a_ip).await;
        let (b_open, refused) = open_until_refused(&b, &b_conv, a_ip, 12).await;
        assert_eq!(b_open.len(), 3, "the address's sockets are capped");
        assert_eq!(refused_on(&refused), (429, "client_address".to_owned()));

        // Another client behind our proxy is another bucket.
        let c_ip = Some("198.51.100.7");
        let (c, c_conv) = chatting_visitor(&app, &s.widget, c_ip).await;
        let (c_open, refused) = open_until_refused(&c, &c_conv, c_ip, 5).await;
        assert_eq!((c_open.len(), refused.is_none()), (5, true));

        // IPv6 rotation inside one /64 is one bucket.
        let mut v6_open = Vec::new();
        let mut refusal = None;
        for i in 1..=6u32 {
            let ip = format!("2001:db8:7:9::{i:x}");
            let (v, conv) = chatting_visitor(&app, &s.widget, Some(&ip)).await;
            let (mut open, refused) = open_until_refused(&v, &conv, Some(&ip), 2).await;
            v6_open.append(&mut open);
            if refused.is_some() {
                refusal = refused;
                break;
            }
        }
        assert_eq!(
            v6_open.len(),
            8,
            "rotated addresses of one /64 share a bucket"
        );
        assert_eq!(refused_on(&refusal), (429, "client_address".to_owned()));
        drop((a_open, b_open, c_open, v6_open));
        app.stop().await;
    }

    // Without a trusted proxy, X-Forwarded-For is the client's own text.
    for app in crate::support::apps_with(|c| c.chat_limits.sockets_per_address = 8).await {
        let s = setup(&app).await;
        let mut open = Vec::new();
        let mut refusal = None;
        for i in 1..=6 {
            let forged = format!("192.0.2.{i}");
            let (v, conv) = chatting_visitor(&app, &s.widget, Some(&forged)).await;
            let (mut o, refused) = open_until_refused(&v, &conv, Some(&forged), 2).await;
            open.append(&mut o);
            if refused.is_some() {
                refusal = refused;
                break;
            }
        }
        assert_eq!(open.len(), 8, "a forged header buys no new bucket");
        assert_eq!(refused_on(&refusal), (429, "client_address".to_owned()));
        drop(open);
        app.stop().await;
    }
}

/// Issue 13, item 7: an impostor types a real customer's email in the
/// survey. The agent's offer and summary show none of that customer's
/// record or history, only the claim marked unverified; a visitor the host
/// site signed a token for, carrying that email, is linked to them.
#[tokio::test]
async fn a_typed_email_does_not_open_a_customers_record_to_an_impostor() {
    use jsonwebtoken::{encode, EncodingKey, Header};
    for app in apps().await {
        let mut s = setup(&app).await;
        let real = s
            .agent
            .create(
                "/api/v1/contacts",
                json!({"first_name": "Rosa", "last_name": "Realcustomer", "email": "rosa@example.com", "category": "vip"}),
            )
            .await;
        let real_id = real["id"].as_str().unwrap().to_owned();
        s.agent
            .create(
                "/api/v1/activities",
                json!({"kind": "note", "contact_id": real_id, "body": "Card PIN reset last week"}),
            )
            .await;

        let mut impostor = Browser::new(&app, &s.widget);
        impostor.register(json!({})).await;
        let (st, r) = impostor
            .post(
                "conversations",
                json!({"session_id": impostor.session_id,
                    "survey": {"name": "Rosa", "email": "ROSA@example.com"}}),
            )
            .await;
        assert_eq!(st, 201, "{r}");
        let conv = r["id"].as_str().unwrap().to_owned();
        let offer = next_matching(&mut s.ws, |m| m["type"] == "offered").await;
        let offer_text = offer.to_string();
        assert!(
            !offer_text.contains(&real_id) && !offer_text.contains("Realcustomer"),
            "the offer names the real customer: {offer}"
        );
        let item = offer["work_item_id"].as_str().unwrap().to_owned();
        send(&mut s.ws, json!({"type": "accept", "work_item_id": item})).await;
        next_matching(&mut s.ws, |m| m["type"] == "chat_joined").await;
        let sum = s
            .agent
            .ok(&format!("/api/v1/work-items/{item}/summary"))
            .await;
        let sum_text = sum.to_string();
        assert!(
            !sum_text.contains(&real_id)
                && !sum_text.contains("Realcustomer")
                && !sum_text.contains("Card PIN reset"),
            "the summary shows the real customer: {sum}"
        );
        assert_eq!(sum["conversation"]["id"], conv);
        assert_eq!(
            sum["conversation"]["identity"],
            json!({"verified": false, "claimed_email": "rosa@example.com", "claimed_phone": null})
        );
        // The impostor's own contact does not carry the claimed address.
        assert_eq!(sum["customer"]["contact"]["email"], json!(null), "{sum}");
        // The real customer's timeline has nothing of the impostor's chat.
        let timeline = s
            .agent
            .ok(&format!("/api/v1/contacts/{real_id}/timeline"))
            .await;
        assert!(!timeline.to_string().contains(&conv), "{timeline}");

        // The host site vouches for the email: linked.
        let exp = jsonwebtoken::get_current_timestamp() + 600;
        let token = encode(
            &Header::default(),
            &json!({"sub": "shop-user-rosa", "iss": "shop", "exp": exp, "email": "rosa@example.com"}),
            &EncodingKey::from_secret("0123456789abcdef0123456789abcdef".as_bytes()),
        )
        .unwrap();
        let mut rosa = Browser::new(&app, &s.widget);
        let reg = rosa.register(json!({"auth_token": token})).await;
        assert_eq!(
            (reg["authenticated"].clone(), reg["contact_id"].clone()),
            (json!(true), real["id"].clone())
        );
        let (st, r) = rosa
            .post(
                "conversations",
                json!({"session_id": rosa.session_id, "survey": {"name": "Rosa", "email": "rosa@example.com"}}),
            )
            .await;
        assert_eq!(st, 201, "{r}");
        let detail = s
            .agent
            .ok(&format!(
                "/api/v1/conversations/{}",
                r["id"].as_str().unwrap()
            ))
            .await;
        assert_eq!(detail["contact_id"], real["id"]);
        assert_eq!(detail["identity"]["verified"], true);
        app.stop().await;
    }
}

/// A chat's rating: only its own visitor, only once it has ended, only
/// once, a score of 1 to 5, and only where the widget asks for ratings.
#[tokio::test]
async fn a_visitor_rates_their_ended_chat_once() {
    for app in apps().await {
        let mut s = setup(&app).await;
        let mut b = Browser::new(&app, &s.widget);
        b.register(json!({})).await;
        let (st, r) = b
            .post(
                "conversations",
                json!({"session_id": b.session_id, "survey": {"name": "Zoé", "email": "zoe@example.com"}}),
            )
            .await;
        assert_eq!(st, 201, "{r}");
        let conv = r["id"].as_str().unwrap().to_owned();
        let rate = |b: &Browser, body: Value| {
            let path = format!("conversations/{conv}/rating");
            let b = b.request(Method::POST, &path).json(&body);
            async move { answer(b.send().await.unwrap()).await }
        };
        // The widget does not ask (ratings are off by default).
        let (st, r) = rate(&b, json!({"score": 5})).await;
        assert_eq!(st, 409, "{r}");
        let mut body = widget_body(&s.queue);
        body["csat_enabled"] = json!(true);
        body.as_object_mut().unwrap().remove("auth");
        let (st, r) = answer(
            s.admin
                .request(Method::PUT, &format!("/api/v1/widgets/{}", s.widget))
                .json(&body)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(st, 200, "{r}");
        let (st, cfg) = b.get("config").await;
        assert_eq!((st, &cfg["csat_enabled"]), (200, &json!(true)), "{cfg}");
        // Not before the chat ends.
        let (st, r) = rate(&b, json!({"score": 5})).await;
        assert_eq!(st, 409, "{r}");
        let offer = next_matching(&mut s.ws, |m| m["type"] == "offered").await;
        send(
            &mut s.ws,
            json!({"type": "accept", "work_item_id": offer["work_item_id"]}),
        )
        .await;
        next_matching(&mut s.ws, |m| m["type"] == "assigned").await;
        // At once: the chat service records the assignment from the same
        // routing event that reaches the agent's socket, so the row may
        // still say waiting; the engine's word is enough to end it, and the
        // server waits for the record so the chat ends with its agent.
        let (st, r) = answer(
            s.agent
                .post(&format!("/api/v1/conversations/{conv}/end"), json!({}))
                .await,
        )
        .await;
        assert_eq!((st, &r["ended"]), (200, &json!(true)), "{r}");
        let detail = s.admin.ok(&format!("/api/v1/conversations/{conv}")).await;
        assert_eq!(
            (detail["status"].as_str(), detail["agent_id"].as_str()),
            (Some("ended"), s.agent.agent_id.as_deref()),
            "{}: {detail}",
            app.backend
        );
        // Bad scores and comments are named; another visitor's chat is not found.
        let (st, r) = rate(&b, json!({"score": 6, "comment": "x".repeat(1001)})).await;
        assert_eq!(
            (st, fields(&r)),
            (422, vec!["score".to_owned(), "comment".to_owned()]),
            "{r}"
        );
        let (st, r) = rate(&b, json!({"score": "five"})).await;
        assert_eq!(st, 422, "{r}");
        let (st, r) = rate(&b, json!({"score": 3, "secret": 1})).await;
        assert_eq!(st, 422, "{r}");
        let mut stranger = Browser::new(&app, &s.widget);
        stranger.register(json!({})).await;
        let (st, _) = rate(&stranger, json!({"score": 1})).await;
        assert_eq!(st, 404);
        // Rated once.
        let (st, r) = rate(
            &b,
            json!({"score": 2, "comment": "  Slow <script>x</script>\nbut kind  "}),
        )
        .await;
        assert_eq!((st, &r["rated"]), (200, &json!(true)), "{r}");
        let (st, r) = rate(&b, json!({"score": 5})).await;
        assert_eq!(st, 409, "{r}");
        let detail = s.admin.ok(&format!("/api/v1/conversations/{conv}")).await;
        assert_eq!(detail["csat"]["score"], 2);
        assert_eq!(
            detail["csat"]["comment"],
            "Slow <script>x</script>\nbut kind"
        );
        let (_, mine) = b.get(&format!("conversations/{conv}")).await;
        assert_eq!(mine["rated"], true);
        // The rating is in the day's report, on the chat's queue.
        let day = jiff::Timestamp::now()
            .to_zoned(jiff::tz::TimeZone::UTC)
            .date();
        let report = s
            .admin
            .ok(&format!(
                "/api/v1/reports/work-items?from={}&to={day}&by=queue",
                day.yesterday().unwrap()
            ))
            .await;
        let row = &report["rows"][0];
        assert_eq!(row["key"].as_str(), Some(s.queue.as_str()), "{report}");
        assert_eq!(
            (
                &row["csat_responses"],
                &row["csat_average"],
                &row["csat_satisfied_rate"]
            ),
            (&json!(1), &json!(2.0), &json!(0.0)),
            "{report}"
        );
        app.stop().await;
    }
}
