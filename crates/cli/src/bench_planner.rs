//! `switchboard bench planner`: a staffing plan for a large queue — the
//! what-if day and the fewest agents for each of its open hours — timed
//! beside its baseline in the same run: one steady-state simulation of the
//! busiest hour with the staffing the plan proposes (the unit the plan's
//! search repeats). Prints the customers simulated per second of each.

use std::time::Instant;

use switchboard_core::routing::overflow::OverflowRules;
use switchboard_core::routing::planning::{self, AgentProfile, Plan, PlanHour};
use switchboard_core::routing::ChannelKind;

pub fn run(iterations: u32) -> anyhow::Result<()> {
    // A voice queue open 8:00–20:00, up to 300 calls an hour at noon,
    // 4-minute calls, 2-minute patience, 30 s wrap-up.
    let hours: Vec<PlanHour> = (0..24)
        .map(|h| {
            let rate = if (8..20).contains(&h) {
                300.0 - 30.0 * (h as f64 - 13.5).abs()
            } else {
                0.0
            };
            PlanHour {
                arrivals_per_hour: rate,
                handle_seconds: 240.0,
                patience_seconds: Some(120.0),
                staffed: if rate > 0.0 { 20 } else { 0 },
            }
        })
        .collect();
    let plan = Plan {
        channel: ChannelKind::Voice,
        method: None,
        offer_timeout_seconds: 30.0,
        declines_allowed: 3,
        overflow: OverflowRules::default(),
        agent: AgentProfile {
            chat_capacity: 1,
            voice_capacity: 1,
            wrap_up_seconds: 30.0,
            answer_seconds: 5.0,
        },
        service_level_seconds: 20.0,
        short_abandon_seconds: 10.0,
        hours,
        seed: 1,
    };
    let iterations = iterations.clamp(1, 20);
    let busiest = 13;
    let needed = planning::needed(&plan, busiest, 0.8)?
        .map(|n| n.agents)
        .unwrap_or(1);

    let mut baseline = Vec::new();
    let mut whole = Vec::new();
    let (mut base_customers, mut plan_customers) = (0u64, 0u64);
    for _ in 0..iterations {
        let t = Instant::now();
        let o = planning::steady(&plan, busiest, needed)?;
        baseline.push(t.elapsed());
        base_customers = o.counts.arrivals;

        let t = Instant::now();
        let per_day: f64 = plan.hours.iter().map(|h| h.arrivals_per_hour).sum();
        let day = planning::what_if(&plan, planning::days_for(per_day))?;
        let mut proposed = 0;
        for h in 0..24 {
            if plan.hours[h].arrivals_per_hour > 0.0 {
                proposed += planning::needed(&plan, h, 0.8)?.map_or(0, |n| n.agents);
            }
        }
        whole.push(t.elapsed());
        plan_customers = day.iter().map(|o| o.counts.arrivals).sum();
        std::hint::black_box(proposed);
    }
    baseline.sort();
    whole.sort();
    let median = |v: &[std::time::Duration]| v[v.len() / 2].as_secs_f64();
    println!(
        "\nstaffing plan, a voice queue open 12 hours, {} calls a day (median of {iterations} runs)",
        plan.hours.iter().map(|h| h.arrivals_per_hour).sum::<f64>()
    );
    println!("{:<66} {:>10} {:>14}", "measurement", "ms", "customers/s");
    println!(
        "{:<66} {:>10.1} {:>14.0}",
        format!("baseline: one steady run of the 13:00 hour, {needed} agents ({base_customers} customers)"),
        median(&baseline) * 1e3,
        base_customers as f64 / median(&baseline)
    );
    println!(
        "{:<66} {:>10.1} {:>14}",
        format!("the whole plan: what-if day ({plan_customers} customers) + fewest agents × 12 h"),
        median(&whole) * 1e3,
        "–"
    );
    println!(
        "(the plan costs {:.1} baseline runs)",
        median(&whole) / median(&baseline)
    );
    Ok(())
}
