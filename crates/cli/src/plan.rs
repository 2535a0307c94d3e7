//! `switchboard plan`: the staffing planner on the command line — the same
//! service as `/supervisor/planner` (`switchboard_server::planner`), on the
//! database `serve` uses. Measures a queue's traffic over a past period,
//! optionally changes it or the staffing, runs the plan through the routing
//! core and prints, hour by hour, the planned day's figures and the fewest
//! agents reaching the target.

use anyhow::{anyhow, bail, Context};
use clap::Args;
use jiff::civil::Date;
use switchboard_core::validation::Check;
use switchboard_server::error::ApiError;
use switchboard_server::planner::{self, Outcome, TrafficQuery};

use crate::DbArgs;

#[derive(Args, Debug)]
pub struct PlanArgs {
    /// The queue, by name or id.
    #[arg(long)]
    queue: String,
    /// First day of the past period measured (YYYY-MM-DD, report time
    /// zone) [default: 28 days before --to].
    #[arg(long)]
    from: Option<Date>,
    /// Last day measured, included [default: yesterday].
    #[arg(long)]
    to: Option<Date>,
    /// Only these days of the week, e.g. mon-fri or sat,sun [default: all].
    #[arg(long, default_value = "")]
    weekdays: String,
    /// Service level target, percent.
    #[arg(long, default_value_t = planner::DEFAULT_TARGET_PERCENT)]
    target: u32,
    /// Service level threshold, seconds.
    #[arg(long, default_value_t = 20)]
    seconds: u32,
    /// Scale the measured arrivals, percent (120 = 20 % more traffic).
    #[arg(long, default_value_t = 100.0)]
    traffic_percent: f64,
    /// Agents on duty, as HOURS=N (e.g. 9-17=6 or 12=3; hours of the day,
    /// the last one included); repeatable [default: every active member in
    /// each open hour].
    #[arg(long = "staff", value_name = "HOURS=N")]
    staff: Vec<String>,
    /// Print the outcome as JSON (the API's).
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    db: DbArgs,
}

/// `9-17=6` → (9, 17, 6).
fn parse_staff(s: &str) -> anyhow::Result<(usize, usize, u32)> {
    let bad = || anyhow!("--staff {s}: expected HOURS=N, e.g. 9-17=6 or 12=3");
    let (hours, n) = s.split_once('=').ok_or_else(bad)?;
    let n: u32 = n.trim().parse().map_err(|_| bad())?;
    let (a, b) = hours.split_once('-').unwrap_or((hours, hours));
    let (a, b): (usize, usize) = (
        a.trim().parse().map_err(|_| bad())?,
        b.trim().parse().map_err(|_| bad())?,
    );
    if a > b || b > 23 {
        bail!("--staff {s}: hours go from 0 to 23, the first not after the last");
    }
    Ok((a, b, n))
}

fn api(e: ApiError) -> anyhow::Error {
    match e {
        ApiError::Invalid(inv) => anyhow!(
            "{}",
            inv.0
                .iter()
                .map(|f| format!("{}: {}", f.field, f.message))
                .collect::<Vec<_>>()
                .join("; ")
        ),
        ApiError::Internal(e) => e,
        e => anyhow!("{e}"),
    }
}

pub async fn run(args: PlanArgs) -> anyhow::Result<()> {
    let staff: Vec<(usize, usize, u32)> = args
        .staff
        .iter()
        .map(|s| parse_staff(s))
        .collect::<anyhow::Result<_>>()?;
    if !(args.traffic_percent.is_finite() && (0.0..=1000.0).contains(&args.traffic_percent)) {
        bail!("--traffic-percent must be between 0 and 1000");
    }
    let mut c = Check::new();
    let weekdays = planner::parse_weekdays(&mut c, "--weekdays", &args.weekdays);
    c.finish(|| ()).map_err(|e| api(e.into()))?;
    let db = args.db.resolve()?.connect().await?;
    let queue = db
        .queues()
        .await?
        .into_iter()
        .find(|q| q.id == args.queue || q.name == args.queue)
        .with_context(|| format!("no queue named {}", args.queue))?;
    let to = match args.to {
        Some(d) => d,
        None => jiff::Zoned::now().date().yesterday()?,
    };
    let from = match args.from {
        Some(d) => d,
        None => to.checked_sub(jiff::Span::new().days(27))?,
    };
    if from > to || (to - from).get_days() as i64 >= planner::MAX_DAYS {
        bail!(
            "--from must not be after --to, and a plan spans at most {} days",
            planner::MAX_DAYS
        );
    }
    let draft = planner::draft(
        &db,
        &TrafficQuery {
            queue_id: queue.id.clone(),
            from,
            to,
            weekdays,
        },
    )
    .await
    .map_err(api)?;
    let mut plan = draft.plan.clone();
    plan.target_percent = args.target;
    plan.service_level_seconds = args.seconds;
    for h in &mut plan.hours {
        h.arrivals_per_hour *= args.traffic_percent / 100.0;
    }
    for (a, b, n) in staff {
        for h in &mut plan.hours[a..=b] {
            h.staffed = n;
        }
    }
    let outcome = planner::run(&db, &plan).await.map_err(api)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&outcome)?);
        return Ok(());
    }
    println!(
        "Queue {} ({}): traffic of {} days from {} to {} ({}), {} active members, time zone {}",
        draft.queue.name,
        draft.queue.channel,
        draft.days,
        draft.from,
        draft.to,
        draft.weekdays.join(","),
        draft.queue.members,
        draft.time_zone
    );
    if args.traffic_percent != 100.0 {
        println!(
            "Arrivals scaled to {} % of those measured.",
            args.traffic_percent
        );
    }
    print_outcome(&outcome, &plan);
    Ok(())
}

fn print_outcome(o: &Outcome, plan: &planner::PlanInput) {
    let pct = |x: Option<f64>| {
        x.map(|v| format!("{:.0} %", v * 100.0))
            .unwrap_or_else(|| "–".into())
    };
    let secs = |x: Option<f64>| x.map(|v| format!("{v:.0}")).unwrap_or_else(|| "–".into());
    println!(
        "Target {} % answered within {} s; the planned day simulated over {} days.\n",
        o.target_percent, o.service_level_seconds, o.days_simulated
    );
    println!(
        "{:>5} {:>9} {:>7} {:>8} {:>8} {:>6} {:>8} {:>9} │ {:>6} {:>8} {:>9}",
        "hour",
        "arrivals",
        "handle",
        "staffed",
        "service",
        "ASA s",
        "abandon",
        "occupancy",
        "needed",
        "service",
        "occupancy"
    );
    for (h, input) in o.hours.iter().zip(&plan.hours) {
        if !h.open {
            println!("{:>2}:00 {:>9}", h.hour, "closed");
            continue;
        }
        let (needed, sl, occ) = match (h.needed, h.with_needed, h.out_of_reach) {
            (_, _, true) => ("none".to_owned(), "–".to_owned(), "–".to_owned()),
            (Some(n), Some(f), _) => (n.to_string(), pct(f.service_level), pct(f.occupancy)),
            (Some(n), None, _) => (n.to_string(), "–".into(), "–".into()),
            _ => ("–".into(), "–".into(), "–".into()),
        };
        println!(
            "{:>2}:00 {:>9.1} {:>7.0} {:>8} {:>8} {:>6} {:>8} {:>9} │ {:>6} {:>8} {:>9}",
            h.hour,
            input.arrivals_per_hour,
            input.handle_seconds,
            h.staffed,
            pct(h.planned.service_level),
            secs(h.planned.average_speed_of_answer_seconds),
            pct(h.planned.abandon_rate),
            pct(h.planned.occupancy),
            needed,
            sl,
            occ
        );
    }
    println!(
        "\nAgent-hours: {} planned, {} needed at the target.",
        o.staffed_hours, o.needed_hours
    );
}
