//! The `switchboard` binary.

mod bench;
mod bench_chat;
mod bench_import;
mod bench_planner;
mod bench_reminders;
mod bench_reports;
mod bench_summary;
mod bench_voice;
mod bench_webhooks;
mod config;
mod import;
mod plan;
mod settings;
mod simulate;
mod soak;

use anyhow::Context;
use clap::{Parser, Subcommand};
use settings::{DbArgs, ServeArgs};
use switchboard_core::access::Role;

#[derive(Parser)]
#[command(
    name = "switchboard",
    version,
    about = "Self-hosted omnichannel contact center"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (HTTP API and web pages).
    Serve(Box<ServeArgs>),
    /// Bring the database schema up to date, then exit.
    Migrate(DbArgs),
    /// Manage API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Export or apply the site's configuration as a TOML file
    /// (configuration as code; docs/config-as-code.md).
    Config {
        #[command(subcommand)]
        command: config::ConfigCommand,
    },
    /// Import records from a file (all or nothing).
    Import {
        #[command(subcommand)]
        command: import::ImportCommand,
    },
    /// Run a benchmark suite and print its figures beside a baseline.
    Bench(bench::BenchArgs),
    /// Replay a scenario of traffic and staffing through the routing core
    /// in virtual time and print service level, speed of answer,
    /// abandonment and occupancy.
    Simulate(simulate::SimulateArgs),
    /// Staffing planner: a queue's traffic measured over a past period, run
    /// through the routing core with the planned staffing; prints per hour
    /// the service level, speed of answer, abandonment and occupancy, and
    /// the fewest agents reaching the target (docs/planner.md).
    Plan(Box<plan::PlanArgs>),
    /// Drive every HTTP and WebSocket edge of a fresh `serve --demo` at a
    /// steady mixed load and report its memory and file descriptors over
    /// time; fails when memory keeps growing after the warm-up.
    Soak(soak::SoakArgs),
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create an API token; the secret is the last line printed.
    Create {
        /// What the token may do.
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// Email of the agent the token acts as (author of what it writes).
        #[arg(long)]
        agent: Option<String>,
        /// A label saying what uses the token.
        #[arg(long)]
        name: String,
        /// Days until the token stops working [default: never; revoke it then].
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=3653))]
        expires_in_days: Option<u32>,
        #[command(flatten)]
        db: DbArgs,
    },
}

fn parse_role(s: &str) -> Result<Role, String> {
    Role::parse(s).ok_or_else(|| "must be admin, supervisor or agent".to_owned())
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async move {
        match cli.command {
            Command::Serve(args) => serve(*args).await,
            Command::Migrate(args) => {
                let s = args.resolve()?;
                init_logging(false);
                let db = s.connect().await?;
                db.migrate().await?;
                println!("database is up to date ({})", s.describe_database());
                Ok(())
            }
            Command::Token {
                command:
                    TokenCommand::Create {
                        role,
                        agent,
                        name,
                        expires_in_days,
                        db,
                    },
            } => {
                let s = db.resolve()?;
                init_logging(false);
                token_create(s, role, agent, name, expires_in_days).await
            }
            Command::Config { command } => {
                init_logging(false);
                config::run(command).await
            }
            Command::Import { command } => {
                init_logging(false);
                import::run(command).await
            }
            Command::Bench(args) => bench::run(args).await,
            Command::Simulate(args) => simulate::run(args),
            Command::Plan(args) => {
                init_logging(false);
                plan::run(*args).await
            }
            Command::Soak(args) => soak::run(args).await,
        }
    })
}

fn init_logging(json: bool) {
    let filter =
        tracing_subscriber::EnvFilter::try_from_env("SWITCHBOARD_LOG").unwrap_or_else(|_| {
            tracing_subscriber::EnvFilter::new("info,sqlx=warn,tower_http=info,rsipstack=warn")
        });
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let s = args.resolve()?;
    init_logging(s.log_json);
    let mut config = switchboard_server::Config::new(s.listen, s.db.database_url.clone());
    config.secure_cookies = s.secure_cookies;
    config.session_hours = s.session_hours;
    config.trusted_proxies = s.trusted_proxies.clone();
    config.chat_limits = s.chat_limits;
    config.report_time_zone = s.report_time_zone.clone();
    s.delivery.apply(&mut config)?;
    s.voice.apply(&mut config, s.demo)?;
    // The demo's data is loaded after the listener opens: not ready until then.
    config.hold_readiness = s.demo;
    let running = switchboard_server::start(config).await?;
    tracing::info!(addr = %running.addr, database = %s.db.describe_database(), "listening");

    if s.demo {
        let loaded = switchboard_server::demo::load(&running.state.db).await?;
        match loaded {
            Some(logins) => {
                println!("\nDemo data loaded. Sign in as (passwords are shown this once):");
                for l in &logins {
                    let roles: Vec<_> = l.roles.iter().map(|r| r.as_str()).collect();
                    println!(
                        "  {:<34} {:<18} {}  ({})",
                        l.email,
                        l.password,
                        l.name,
                        roles.join(", ")
                    );
                }
                println!("{}", s.db.start_over_hint());
            }
            None => println!(
                "\nDemo data already loaded (its passwords were printed on the first start)."
            ),
        }
    }
    let base = format!("http://{}", running.addr);
    let mut demo_shop = None;
    let mut voice_demo = None;
    if s.demo {
        let port = running.addr.port();
        let mut origins = vec![base.clone()];
        for host in ["localhost", "127.0.0.1"] {
            origins.push(format!("http://{host}:{port}"));
        }
        origins.sort();
        origins.dedup();
        let widget = switchboard_server::demo::load_chat(&running.state.db, &origins).await?;
        switchboard_server::demo::load_workspace(&running.state.db).await?;
        switchboard_server::demo::load_scheduling(&running.state.db).await?;
        switchboard_server::demo::load_traffic(&running.state.db).await?;
        demo_shop = Some(widget);
        if let Some(voice) = &running.state.voice {
            if let Some(demo) = switchboard_server::demo::load_voice(&running.state.db).await? {
                if voice.inbound_queue().is_none() {
                    voice.set_inbound_queue(Some(demo.queue_id.clone()));
                }
                voice_demo = Some(demo);
            }
        }
    }
    running.state.mark_ready();
    println!("\nSwitchboard is running on {base}");
    println!("  Home and sign-in:   {base}/");
    println!("  Agent workspace:    {base}/agent");
    println!("  Admin center:       {base}/admin  (admins; supervisors read-only)");
    println!("  Live dashboard:     {base}/supervisor  (supervisors and admins)");
    println!("  Reports:            {base}/supervisor/reports  (supervisors and admins; the demo has two weeks of traffic)");
    println!("  Staffing planner:   {base}/supervisor/planner  (supervisors and admins; measures a queue's traffic, proposes agents per hour)");
    if let Some(widget) = &demo_shop {
        println!("  Chat widget demo:   {base}/demo/shop?widget={widget}  (browse two pages: an invitation follows)");
    }
    println!("  Book a meeting:     {base}/book");
    if let Some(voice) = &running.state.voice {
        let sip = voice.sip.addr;
        println!(
            "  Phone line (SIP):   sip:support@{sip}  (voice status: {base}/api/v1/voice/status)"
        );
        if let Some(demo) = &voice_demo {
            println!("  Agents' softphones register at {sip} (realm \"switchboard\"), new passwords at every start:");
            for (name, user, password) in &demo.accounts {
                println!("    {name:<16} user {user:<8} password {password}");
            }
        }
    }
    println!("  Meeting messages:   {base}/admin#communications  (admins; messages are off until an admin switches them on there)");
    println!("  API reference:      {base}/api/v1/openapi.json");
    println!("  Health:             {base}/healthz  {base}/readyz");
    println!("  Metrics:            {base}/metrics  (admins and supervisors; Prometheus with a bearer token)");
    println!("Press Ctrl-C to stop.");

    shutdown_signal().await;
    tracing::info!("shutting down: finishing in-flight requests");
    running.shutdown().await?;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("installing the SIGTERM handler");
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}

async fn token_create(
    s: settings::DbSettings,
    role: Role,
    agent: Option<String>,
    name: String,
    expires_in_days: Option<u32>,
) -> anyhow::Result<()> {
    let name = name.trim().to_owned();
    anyhow::ensure!(
        !name.is_empty() && name.chars().count() <= 100,
        "--name must be 1 to 100 characters"
    );
    let db = s.connect().await?;
    db.migrate().await?;
    let agent_id = match agent {
        None => None,
        Some(email) => {
            let agent = db
                .agent_by_email(&email)
                .await?
                .with_context(|| format!("no agent has the email {email}"))?;
            anyhow::ensure!(agent.active, "the agent {email} is deactivated");
            anyhow::ensure!(
                agent.roles.contains(&role),
                "the agent {email} does not have the role {} (a token cannot do more than its agent)",
                role.as_str()
            );
            Some(agent.id)
        }
    };
    let secret = switchboard_server::auth::secret::new_api_token();
    let expires_at = expires_in_days.map(|days| {
        switchboard_core::time::format(
            jiff::Timestamp::now() + jiff::SignedDuration::from_hours(24 * i64::from(days)),
        )
    });
    // The audit log names whoever ran the command on this machine.
    let operator = switchboard_store::audit::Actor {
        agent_id: None,
        name: "command line".into(),
        via: "cli".into(),
    };
    let token = db
        .acting(operator)
        .create_token_with(
            switchboard_store::credentials::NewToken {
                name: &name,
                role,
                agent_id: agent_id.as_deref(),
                expires_at: expires_at.as_deref(),
                created_by: Some("command line"),
            },
            &switchboard_server::auth::secret::digest(&secret),
        )
        .await?;
    println!(
        "Created API token {} ({}, role {}). Send it as 'Authorization: Bearer <token>'.",
        token.id,
        token.name,
        role.as_str()
    );
    if let Some(at) = &token.expires_at {
        println!("It stops working at {at}.");
    }
    println!("It is shown only now:");
    println!("{secret}");
    Ok(())
}
