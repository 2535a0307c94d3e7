//! `switchboard simulate --scenario FILE`: replay a day of traffic against a
//! routing configuration before changing it (the engine is
//! `switchboard_core::routing::simulation`).

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use switchboard_core::routing::simulation::{self, Scenario};

#[derive(Args, Debug)]
pub struct SimulateArgs {
    /// Scenario file (TOML); see examples/ for the format.
    #[arg(long)]
    scenario: PathBuf,
    /// Override the scenario's random seed.
    #[arg(long)]
    seed: Option<u64>,
    /// Also print one line per agent.
    #[arg(long)]
    per_agent: bool,
}

pub fn run(args: SimulateArgs) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(&args.scenario)
        .with_context(|| format!("reading {}", args.scenario.display()))?;
    let mut scenario: Scenario =
        toml::from_str(&text).with_context(|| format!("parsing {}", args.scenario.display()))?;
    if let Some(seed) = args.seed {
        scenario.seed = seed;
    }
    // Drawn on a terminal only; hidden in CI and pipes.
    let bar = ProgressBar::with_draw_target(Some(1000), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {percent:>3}% simulated, {elapsed} elapsed")
            .expect("valid template"),
    );
    let started = std::time::Instant::now();
    let report = simulation::run(&scenario, |f| bar.set_position((f * 1000.0) as u64))?;
    bar.finish_and_clear();

    let pct = |x: Option<f64>| {
        x.map(|v| format!("{:.1} %", v * 100.0))
            .unwrap_or_else(|| "–".into())
    };
    println!(
        "Scenario {} — {} h simulated, seed {}, service level threshold {} s ({} routing decisions in {:.2} s)",
        args.scenario.display(),
        scenario.hours,
        scenario.seed,
        scenario.service_level_seconds,
        report.decisions,
        started.elapsed().as_secs_f64()
    );
    println!(
        "\n{:<18} {:>8} {:>8} {:>9} {:>9} {:>9} {:>10} {:>9} {:>8}",
        "queue",
        "arrived",
        "answered",
        "abandoned",
        "service",
        "ASA s",
        "max wait s",
        "abandon",
        "waiting"
    );
    for q in &report.queues {
        println!(
            "{:<18} {:>8} {:>8} {:>9} {:>9} {:>9} {:>10.0} {:>9} {:>8}",
            q.name,
            q.arrivals,
            q.answered,
            q.abandoned,
            pct(q.service_level()),
            q.average_speed_of_answer_s()
                .map(|s| format!("{s:.1}"))
                .unwrap_or_else(|| "–".into()),
            q.max_wait_ms as f64 / 1000.0,
            pct(q.abandonment()),
            q.waiting_at_end
        );
    }
    println!(
        "\n{:<18} {:>7} {:>9} {:>9} {:>10}",
        "agent group", "agents", "handled", "declined", "occupancy"
    );
    let mut groups: Vec<&str> = report.agents.iter().map(|a| a.group.as_str()).collect();
    groups.dedup();
    for g in groups {
        let members: Vec<_> = report.agents.iter().filter(|a| a.group == g).collect();
        let staffed: u64 = members.iter().map(|a| a.staffed_ms).sum();
        let occupied: u64 = members.iter().map(|a| a.occupied_ms).sum();
        println!(
            "{:<18} {:>7} {:>9} {:>9} {:>10}",
            g,
            members.len(),
            members.iter().map(|a| a.handled).sum::<u64>(),
            members.iter().map(|a| a.declined).sum::<u64>(),
            pct((staffed > 0).then(|| occupied as f64 / staffed as f64))
        );
    }
    if args.per_agent {
        println!(
            "\n{:<24} {:>9} {:>9} {:>10}",
            "agent", "handled", "declined", "occupancy"
        );
        for a in &report.agents {
            println!(
                "{:<24} {:>9} {:>9} {:>10}",
                a.name,
                a.handled,
                a.declined,
                pct(a.occupancy())
            );
        }
    }
    println!("\nService level: answered within the threshold / (answered + abandoned). ASA: average wait of answered items.");
    println!("Occupancy: time holding at least one work item (offer to close, wrap-up included) / time logged in.");
    Ok(())
}
