//! Settings from, in order of precedence: command-line flags, `SWITCHBOARD_*`
//! environment variables, a TOML file (`--config`), then defaults.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;
use serde::Deserialize;
use switchboard_store::Db;

const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
const DEFAULT_DATA_DIR: &str = "./data";

/// Where the database is.
#[derive(Args, Debug, Clone)]
pub struct DbArgs {
    /// TOML file with settings (keys as the long flags, with underscores).
    #[arg(long, env = "SWITCHBOARD_CONFIG")]
    pub config: Option<PathBuf>,
    /// Directory for the embedded SQLite database and other data [default: ./data].
    #[arg(long, env = "SWITCHBOARD_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// Database URL, sqlite://PATH or postgres://USER:PASS@HOST/DB
    /// [default: sqlite in the data directory].
    #[arg(long, env = "SWITCHBOARD_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
}

/// How to run the server.
#[derive(Args, Debug, Clone)]
pub struct ServeArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// Address to listen on for HTTP [default: 127.0.0.1:8080].
    #[arg(long, env = "SWITCHBOARD_LISTEN")]
    pub listen: Option<SocketAddr>,
    /// Load demo agents, customers, cases and history (once; harmless on restart).
    #[arg(long, env = "SWITCHBOARD_DEMO")]
    pub demo: bool,
    /// Mark the session cookie Secure (set when users reach Switchboard over HTTPS).
    #[arg(long, env = "SWITCHBOARD_SECURE_COOKIES")]
    pub secure_cookies: bool,
    /// Hours a browser session lasts [default: 12].
    #[arg(long, env = "SWITCHBOARD_SESSION_HOURS", value_parser = clap::value_parser!(u32).range(1..=720))]
    pub session_hours: Option<u32>,
    /// Requests per minute one IP address may make to the chat widget's
    /// endpoints [default: 600].
    #[arg(long, env = "SWITCHBOARD_WIDGET_REQUESTS_PER_IP", value_parser = clap::value_parser!(u32).range(10..))]
    pub widget_requests_per_ip: Option<u32>,
    /// Messages and journey events per minute one chat visitor may send [default: 120].
    #[arg(long, env = "SWITCHBOARD_VISITOR_MESSAGES_PER_MINUTE", value_parser = clap::value_parser!(u32).range(10..))]
    pub visitor_messages_per_minute: Option<u32>,
    /// Log as JSON lines instead of text.
    #[arg(long, env = "SWITCHBOARD_LOG_JSON")]
    pub log_json: bool,
    /// A reverse proxy of yours (address or CIDR, repeatable; env: comma
    /// separated) whose Forwarded / X-Forwarded-For headers name the client.
    /// Nobody else's are believed [default: none].
    #[arg(long = "trusted-proxy", env = "SWITCHBOARD_TRUSTED_PROXIES", value_delimiter = ',', value_parser = parse_net)]
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Time zone of the days in historical reports (IANA name, e.g.
    /// Europe/Paris). Changing it recounts the report sums from the first
    /// routing event [default: UTC].
    #[arg(long, env = "SWITCHBOARD_REPORT_TIME_ZONE")]
    pub report_time_zone: Option<String>,
    #[command(flatten)]
    pub delivery: DeliveryArgs,
    #[command(flatten)]
    pub voice: VoiceArgs,
}

/// The voice channel (SIP and RTP).
#[derive(Args, Debug, Clone, Default)]
pub struct VoiceArgs {
    /// Listen for SIP (UDP) on ADDR:PORT, e.g. 0.0.0.0:5060 [default: no
    /// voice channel; --demo uses 127.0.0.1:5060].
    #[arg(long, env = "SWITCHBOARD_SIP_LISTEN")]
    pub sip_listen: Option<SocketAddr>,
    /// A trunk's (or PBX's) IP address whose INVITEs are taken; repeat for
    /// several, or comma-separate [--demo: 127.0.0.1].
    #[arg(long, env = "SWITCHBOARD_SIP_TRUNK", value_delimiter = ',')]
    pub sip_trunk: Vec<std::net::IpAddr>,
    /// USER:PASSWORD a trunk may authenticate with (digest) instead of its address.
    #[arg(long, env = "SWITCHBOARD_SIP_TRUNK_AUTH", hide_env_values = true)]
    pub sip_trunk_auth: Option<String>,
    /// Where calls to customers go: sip:HOST:PORT of the gateway.
    #[arg(long, env = "SWITCHBOARD_SIP_OUTBOUND")]
    pub sip_outbound: Option<String>,
    /// USER:PASSWORD the gateway asks for, if any.
    #[arg(long, env = "SWITCHBOARD_SIP_OUTBOUND_AUTH", hide_env_values = true)]
    pub sip_outbound_auth: Option<String>,
    /// The queue every inbound call enters [default: the routing rules decide].
    #[arg(long, env = "SWITCHBOARD_VOICE_QUEUE")]
    pub voice_queue: Option<String>,
    /// Language of prompts for callers who are not known contacts: en, fr or es [default: en].
    #[arg(long, env = "SWITCHBOARD_VOICE_LANGUAGE")]
    pub voice_language: Option<String>,
    /// RTP port range, LOW-HIGH [default: 20000-29998].
    #[arg(long, env = "SWITCHBOARD_RTP_PORTS")]
    pub rtp_ports: Option<String>,
    /// Directory for synthesised prompt audio [default: the system's temporary directory].
    #[arg(long, env = "SWITCHBOARD_PROMPT_CACHE")]
    pub prompt_cache: Option<PathBuf>,
    /// Dial attempts of a callback, 1-10 [default: 3].
    #[arg(long, env = "SWITCHBOARD_CALLBACK_ATTEMPTS", value_parser = clap::value_parser!(u32).range(1..=10))]
    pub callback_attempts: Option<u32>,
    /// Minutes between a callback's attempts, 0-1440 [default: 10].
    #[arg(long, env = "SWITCHBOARD_CALLBACK_RETRY_MINUTES", value_parser = clap::value_parser!(u32).range(0..=1440))]
    pub callback_retry_minutes: Option<u32>,
    /// Seconds an agent's phone or a customer may ring [default: 30].
    #[arg(long, env = "SWITCHBOARD_RING_SECONDS", value_parser = clap::value_parser!(u64).range(5..=300))]
    pub ring_seconds: Option<u64>,
    /// The organization's country (ISO 3166 code): its calling code is what
    /// Switchboard may dial unless --dial-allow says otherwise [default: FR].
    #[arg(long, env = "SWITCHBOARD_VOICE_COUNTRY")]
    pub voice_country: Option<String>,
    /// Number prefixes Switchboard may dial, comma-separated (+33,+32,+1212)
    /// [default: the calling code of --voice-country]. Premium-rate,
    /// shared-cost and international-network numbers are never dialled.
    #[arg(long, env = "SWITCHBOARD_DIAL_ALLOW")]
    pub dial_allow: Option<String>,
    /// Dials to one number per UTC day, 1-100 [default: 5].
    #[arg(long, env = "SWITCHBOARD_DIAL_MAX_PER_NUMBER_PER_DAY", value_parser = clap::value_parser!(u32).range(1..=100))]
    pub dial_max_per_number_per_day: Option<u32>,
}

fn user_password(v: &Option<String>, flag: &str) -> anyhow::Result<Option<(String, String)>> {
    match v {
        None => Ok(None),
        Some(s) => match s.split_once(':') {
            Some((u, p)) if !u.is_empty() && !p.is_empty() => Ok(Some((u.into(), p.into()))),
            _ => anyhow::bail!("--{flag} must be USER:PASSWORD"),
        },
    }
}

impl VoiceArgs {
    /// Applies these settings; `demo` fills in what the demo needs.
    pub fn apply(&self, config: &mut switchboard_server::Config, demo: bool) -> anyhow::Result<()> {
        let v = &mut config.voice;
        v.sip_listen = self
            .sip_listen
            .or_else(|| demo.then(|| "127.0.0.1:5060".parse().expect("valid")));
        v.trunks = self.sip_trunk.clone();
        if demo && v.trunks.is_empty() {
            v.trunks.push("127.0.0.1".parse().expect("valid"));
        }
        v.trunk_credentials = user_password(&self.sip_trunk_auth, "sip-trunk-auth")?;
        v.outbound_credentials = user_password(&self.sip_outbound_auth, "sip-outbound-auth")?;
        if let Some(o) = &self.sip_outbound {
            if !o.starts_with("sip:") {
                anyhow::bail!("--sip-outbound must be a SIP URI such as sip:gateway.example:5060");
            }
            v.outbound_trunk = Some(o.clone());
        }
        v.inbound_queue = self.voice_queue.clone();
        if let Some(l) = &self.voice_language {
            if !matches!(l.as_str(), "en" | "fr" | "es") {
                anyhow::bail!("--voice-language must be en, fr or es");
            }
            v.language = l.clone();
        }
        if let Some(r) = &self.rtp_ports {
            let parsed = r.split_once('-').and_then(|(a, b)| {
                Some((a.trim().parse::<u16>().ok()?, b.trim().parse::<u16>().ok()?))
            });
            match parsed {
                Some((lo, hi)) if lo >= 1024 && lo + 2 <= hi => v.rtp_ports = (lo, hi),
                _ => {
                    anyhow::bail!("--rtp-ports must be LOW-HIGH, from 1024 up, at least two ports")
                }
            }
        }
        if let Some(d) = &self.prompt_cache {
            v.prompt_cache = d.clone();
        }
        if let Some(a) = self.callback_attempts {
            v.retry.attempts = a;
        }
        if let Some(m) = self.callback_retry_minutes {
            v.retry.delay_minutes = m;
        }
        if let Some(s) = self.ring_seconds {
            v.ring_timeout = std::time::Duration::from_secs(s);
        }
        use switchboard_core::voice::dial;
        if let Some(c) = &self.voice_country {
            v.dial.allow = vec![dial::calling_code(c).ok_or_else(|| {
                anyhow::anyhow!("--voice-country must be an ISO 3166 country code such as FR")
            })?];
        }
        if let Some(a) = &self.dial_allow {
            v.dial.allow =
                dial::parse_prefixes(a).map_err(|e| anyhow::anyhow!("--dial-allow: {e}"))?;
        }
        if let Some(n) = self.dial_max_per_number_per_day {
            v.dial.max_per_number_per_day = n;
        }
        Ok(())
    }
}

/// Meeting messages: links, email, SMS.
#[derive(Args, Debug, Clone, Default)]
pub struct DeliveryArgs {
    /// Base URL customers reach Switchboard at, for the cancel links in
    /// messages [default: the listening address].
    #[arg(long, env = "SWITCHBOARD_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Join link of online meetings; {meeting_id} is replaced
    /// [default: https://meet.jit.si/switchboard-{meeting_id}].
    #[arg(long, env = "SWITCHBOARD_JOIN_URL")]
    pub join_url: Option<String>,
    /// SMTP server for meeting emails: smtp://HOST:PORT (plain),
    /// smtp://USER:PASS@HOST:587?tls=required (STARTTLS) or smtps://…
    /// [default: none, emails stay in the outbox at /api/v1/communications/outbox].
    #[arg(long, env = "SWITCHBOARD_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// From address of meeting emails [default: Switchboard <meetings@localhost>].
    #[arg(long, env = "SWITCHBOARD_MAIL_FROM")]
    pub mail_from: Option<String>,
    /// SMS provider: twilio or webhook [default: none, SMS stay in the outbox].
    #[arg(long, env = "SWITCHBOARD_SMS_PROVIDER")]
    pub sms_provider: Option<String>,
    /// The sender number (E.164) or sender id of SMS.
    #[arg(long, env = "SWITCHBOARD_SMS_FROM")]
    pub sms_from: Option<String>,
    /// Twilio (or compatible) API base URL [default: https://api.twilio.com].
    #[arg(long, env = "SWITCHBOARD_TWILIO_BASE_URL")]
    pub twilio_base_url: Option<String>,
    #[arg(long, env = "SWITCHBOARD_TWILIO_ACCOUNT_SID")]
    pub twilio_account_sid: Option<String>,
    #[arg(long, env = "SWITCHBOARD_TWILIO_AUTH_TOKEN", hide_env_values = true)]
    pub twilio_auth_token: Option<String>,
    /// The generic provider's URL (JSON POST, HMAC-signed).
    #[arg(long, env = "SWITCHBOARD_SMS_WEBHOOK_URL")]
    pub sms_webhook_url: Option<String>,
    #[arg(long, env = "SWITCHBOARD_SMS_WEBHOOK_SECRET", hide_env_values = true)]
    pub sms_webhook_secret: Option<String>,
    /// Seconds a message being sent stays reserved before it is retried
    /// (a crash mid-send) [default: 60].
    #[arg(long, env = "SWITCHBOARD_OUTBOX_LEASE_SECONDS", value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub outbox_lease_seconds: Option<u64>,
}

impl DeliveryArgs {
    fn or(self, file: &FileSettings) -> Self {
        let f = |a: Option<String>, b: &Option<String>| a.or_else(|| b.clone());
        Self {
            public_url: f(self.public_url, &file.public_url),
            join_url: f(self.join_url, &file.join_url),
            smtp_url: f(self.smtp_url, &file.smtp_url),
            mail_from: f(self.mail_from, &file.mail_from),
            sms_provider: f(self.sms_provider, &file.sms_provider),
            sms_from: f(self.sms_from, &file.sms_from),
            twilio_base_url: f(self.twilio_base_url, &file.twilio_base_url),
            twilio_account_sid: f(self.twilio_account_sid, &file.twilio_account_sid),
            twilio_auth_token: f(self.twilio_auth_token, &file.twilio_auth_token),
            sms_webhook_url: f(self.sms_webhook_url, &file.sms_webhook_url),
            sms_webhook_secret: f(self.sms_webhook_secret, &file.sms_webhook_secret),
            outbox_lease_seconds: self.outbox_lease_seconds.or(file.outbox_lease_seconds),
        }
    }

    /// Applies these settings to the server's configuration.
    pub fn apply(&self, config: &mut switchboard_server::Config) -> anyhow::Result<()> {
        use switchboard_server::communications::sms::SmsConfig;
        config.public_url = self.public_url.clone();
        if let Some(j) = &self.join_url {
            if !j.starts_with("https://") && !j.starts_with("http://") {
                anyhow::bail!("join_url must be an http(s) URL template");
            }
            config.join_url_template = j.clone();
        }
        let d = &mut config.delivery;
        d.smtp_url = self.smtp_url.clone();
        if let Some(from) = &self.mail_from {
            d.mail_from = from.clone();
        }
        if let Some(lease) = self.outbox_lease_seconds {
            d.lease = std::time::Duration::from_secs(lease);
        }
        // An empty secret would let anyone sign webhook calls.
        let need = |v: &Option<String>, name: &str| {
            v.clone()
                .filter(|v| !v.trim().is_empty())
                .ok_or_else(|| anyhow::anyhow!("--sms-provider needs a non-empty --{name}"))
        };
        d.sms = match self.sms_provider.as_deref() {
            None | Some("none") => SmsConfig::Local,
            Some("twilio") => SmsConfig::Twilio {
                base_url: self
                    .twilio_base_url
                    .clone()
                    .unwrap_or_else(|| "https://api.twilio.com".into()),
                account_sid: need(&self.twilio_account_sid, "twilio-account-sid")?,
                auth_token: need(&self.twilio_auth_token, "twilio-auth-token")?,
                from: need(&self.sms_from, "sms-from")?,
            },
            Some("webhook") => SmsConfig::Webhook {
                url: need(&self.sms_webhook_url, "sms-webhook-url")?,
                secret: need(&self.sms_webhook_secret, "sms-webhook-secret")?,
                from: need(&self.sms_from, "sms-from")?,
            },
            Some(other) => anyhow::bail!("unknown SMS provider {other:?}: use twilio or webhook"),
        };
        Ok(())
    }
}

/// The TOML file's shape.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    data_dir: Option<PathBuf>,
    database_url: Option<String>,
    listen: Option<SocketAddr>,
    demo: Option<bool>,
    secure_cookies: Option<bool>,
    session_hours: Option<u32>,
    widget_requests_per_ip: Option<u32>,
    visitor_messages_per_minute: Option<u32>,
    log_json: Option<bool>,
    trusted_proxies: Option<Vec<String>>,
    report_time_zone: Option<String>,
    public_url: Option<String>,
    join_url: Option<String>,
    smtp_url: Option<String>,
    mail_from: Option<String>,
    sms_provider: Option<String>,
    sms_from: Option<String>,
    twilio_base_url: Option<String>,
    twilio_account_sid: Option<String>,
    twilio_auth_token: Option<String>,
    sms_webhook_url: Option<String>,
    sms_webhook_secret: Option<String>,
    outbox_lease_seconds: Option<u64>,
}

fn read_file(path: Option<&Path>) -> anyhow::Result<FileSettings> {
    let Some(path) = path else {
        return Ok(FileSettings::default());
    };
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("parsing {}", path.display()))
}

#[derive(Debug, Clone)]
pub struct DbSettings {
    pub database_url: String,
}

impl DbSettings {
    pub async fn connect(&self) -> anyhow::Result<Db> {
        Db::connect(&self.database_url)
            .await
            .with_context(|| format!("connecting to {}", self.describe_database()))
    }

    /// The URL without its password, for messages.
    pub fn describe_database(&self) -> String {
        redact(&self.database_url)
    }

    /// How to throw the data away and begin again, in words a person can
    /// follow: a path to delete for SQLite, a database to drop otherwise.
    pub fn start_over_hint(&self) -> String {
        match sqlite_path(&self.database_url) {
            Some(path) => {
                // Only a data directory of our own layout is named whole; a
                // database file given by URL may sit in a shared folder.
                let file = std::path::Path::new(path);
                let dir = file
                    .parent()
                    .filter(|d| !d.as_os_str().is_empty())
                    .filter(|_| file.file_name().is_some_and(|n| n == "switchboard.db"))
                    .map(|d| d.display().to_string());
                match dir {
                    Some(dir) => format!(
                        "To start over, stop the server and delete {dir} (the database is {path})."
                    ),
                    None => format!(
                        "To start over, stop the server and delete {path} (with its -wal and -shm files)."
                    ),
                }
            }
            None => format!(
                "To start over, stop the server and drop and recreate the database {}.",
                self.describe_database()
            ),
        }
    }
}

/// The file of a `sqlite:` URL (`sqlite://./data/x.db?mode=rwc` → `./data/x.db`).
fn sqlite_path(url: &str) -> Option<&str> {
    let rest = url.strip_prefix("sqlite:")?;
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    let path = rest.split('?').next()?;
    (!path.is_empty() && path != ":memory:").then_some(path)
}

fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let creds = &url[scheme + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

impl DbArgs {
    pub fn resolve(&self) -> anyhow::Result<DbSettings> {
        let file = read_file(self.config.as_deref())?;
        self.resolve_with(&file)
    }

    fn resolve_with(&self, file: &FileSettings) -> anyhow::Result<DbSettings> {
        let database_url = match self
            .database_url
            .clone()
            .or_else(|| file.database_url.clone())
        {
            Some(url) => url,
            None => {
                let dir = self
                    .data_dir
                    .clone()
                    .or_else(|| file.data_dir.clone())
                    .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR));
                std::fs::create_dir_all(&dir)
                    .with_context(|| format!("creating data directory {}", dir.display()))?;
                format!("sqlite://{}", dir.join("switchboard.db").display())
            }
        };
        Ok(DbSettings { database_url })
    }
}

pub struct ServeSettings {
    pub db: DbSettings,
    pub listen: SocketAddr,
    pub demo: bool,
    pub secure_cookies: bool,
    pub session_hours: u32,
    pub chat_limits: switchboard_server::chat::ChatLimits,
    pub log_json: bool,
    pub trusted_proxies: Vec<ipnet::IpNet>,
    pub report_time_zone: String,
    pub delivery: DeliveryArgs,
    pub voice: VoiceArgs,
}

/// `10.0.0.1` (one address) or `10.0.0.0/8`.
fn parse_net(s: &str) -> Result<ipnet::IpNet, String> {
    let s = s.trim();
    s.parse::<ipnet::IpNet>()
        .or_else(|_| s.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
        .map_err(|_| format!("{s:?} is not an IP address or CIDR block (e.g. 10.0.0.0/8)"))
}

impl ServeArgs {
    pub fn resolve(&self) -> anyhow::Result<ServeSettings> {
        let file = read_file(self.db.config.as_deref())?;
        Ok(ServeSettings {
            db: self.db.resolve_with(&file)?,
            listen: self
                .listen
                .or(file.listen)
                .unwrap_or_else(|| DEFAULT_LISTEN.parse().expect("valid default")),
            demo: self.demo || file.demo.unwrap_or(false),
            secure_cookies: self.secure_cookies || file.secure_cookies.unwrap_or(false),
            session_hours: match self.session_hours.or(file.session_hours).unwrap_or(12) {
                h @ 1..=720 => h,
                h => anyhow::bail!("session_hours must be between 1 and 720 (got {h})"),
            },
            chat_limits: {
                let d = switchboard_server::chat::ChatLimits::default();
                let per_ip = self
                    .widget_requests_per_ip
                    .or(file.widget_requests_per_ip)
                    .unwrap_or(d.requests_per_ip_per_minute);
                let per_visitor = self
                    .visitor_messages_per_minute
                    .or(file.visitor_messages_per_minute)
                    .unwrap_or(d.per_visitor_per_minute);
                if per_ip < 10 || per_visitor < 10 {
                    anyhow::bail!("chat rate limits must be at least 10 per minute");
                }
                switchboard_server::chat::ChatLimits {
                    requests_per_ip_per_minute: per_ip,
                    per_visitor_per_minute: per_visitor,
                    ..d
                }
            },
            log_json: self.log_json || file.log_json.unwrap_or(false),
            trusted_proxies: if self.trusted_proxies.is_empty() {
                file.trusted_proxies
                    .iter()
                    .flatten()
                    .map(|n| parse_net(n).map_err(anyhow::Error::msg))
                    .collect::<anyhow::Result<_>>()?
            } else {
                self.trusted_proxies.clone()
            },
            report_time_zone: {
                let zone = self
                    .report_time_zone
                    .clone()
                    .or(file.report_time_zone.clone())
                    .unwrap_or_else(|| "UTC".into());
                if jiff::tz::TimeZone::get(&zone).is_err() {
                    anyhow::bail!(
                        "report_time_zone {zone:?} is not a known IANA time zone (e.g. Europe/Paris)"
                    );
                }
                zone
            },
            delivery: self.delivery.clone().or(&file),
            voice: self.voice.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact("postgres://sb:secret@db:5432/sb"),
            "postgres://sb:***@db:5432/sb"
        );
        assert_eq!(
            redact("sqlite://./data/switchboard.db"),
            "sqlite://./data/switchboard.db"
        );
    }

    #[test]
    fn the_start_over_hint_names_a_path_to_delete() {
        let hint = |url: &str| {
            DbSettings {
                database_url: url.into(),
            }
            .start_over_hint()
        };
        assert_eq!(
            hint("sqlite://./data/switchboard.db"),
            "To start over, stop the server and delete ./data (the database is ./data/switchboard.db)."
        );
        assert_eq!(
            hint("sqlite:///tmp/other.db?mode=rwc"),
            "To start over, stop the server and delete /tmp/other.db (with its -wal and -shm files)."
        );
        assert!(!hint("postgres://sb:secret@db/sb").contains("secret"));
        assert!(hint("postgres://sb:secret@db/sb").contains("drop and recreate the database"));
    }

    #[test]
    fn flags_beat_the_file_and_the_file_beats_defaults() {
        let file: FileSettings =
            toml::from_str("listen = \"127.0.0.1:9000\"\nsession_hours = 3\n").unwrap();
        let dir = tempfile::tempdir().unwrap();
        let args = ServeArgs {
            db: DbArgs {
                config: None,
                data_dir: Some(dir.path().into()),
                database_url: None,
            },
            listen: None,
            demo: false,
            secure_cookies: false,
            session_hours: Some(5),
            widget_requests_per_ip: None,
            visitor_messages_per_minute: Some(30),
            log_json: false,
            trusted_proxies: vec![],
            report_time_zone: None,
            delivery: DeliveryArgs::default(),
            voice: VoiceArgs::default(),
        };
        let db = args.db.resolve_with(&file).unwrap();
        assert!(db.database_url.ends_with("switchboard.db"));
        assert_eq!(args.listen.or(file.listen).unwrap().port(), 9000);
        assert_eq!(args.session_hours.or(file.session_hours), Some(5));
        assert!(
            toml::from_str::<FileSettings>("lisen = 1").is_err(),
            "typos in the file are errors"
        );
    }
}
