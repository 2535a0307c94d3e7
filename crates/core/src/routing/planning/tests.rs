//! The planner against Erlang C and Erlang A, and the what-if day's
//! bookkeeping.
//!
//! For a single voice queue with no answer delay, no declines and no
//! wrap-up, an hour is an M/M/n queue (M/M/n+M with patience), so the
//! fewest agents the planner finds must be the fewest the formula finds —
//! when the simulation can tell the two staffings around the target apart.
//! Each case measures that first: the simulated service level at the
//! formula's staffing and one agent fewer, over independent runs (other
//! seeds), with its standard error. Where the formula's figures sit more
//! than four standard errors from the target on both sides, the planner
//! must find exactly the formula's staffing; the cases are chosen so that
//! they do, and the test says so if a change of the run length makes one
//! undecidable. Everything is seeded: the test gives the same answer every
//! run.

use super::*;
use crate::routing::queueing::{erlang_a, erlang_c_service_level};

fn hour(rate: f64, handle: f64, patience: Option<f64>, staffed: u32) -> PlanHour {
    PlanHour {
        arrivals_per_hour: rate,
        handle_seconds: handle,
        patience_seconds: patience,
        staffed,
    }
}

/// A voice queue as the formulas see it, with `hours` as its day.
fn textbook(threshold: f64, hours: Vec<PlanHour>) -> Plan {
    Plan {
        channel: ChannelKind::Voice,
        method: None,
        offer_timeout_seconds: 3600.0,
        declines_allowed: 3,
        overflow: OverflowRules::default(),
        agent: AgentProfile {
            chat_capacity: 1,
            voice_capacity: 1,
            wrap_up_seconds: 0.0,
            answer_seconds: 0.0,
        },
        service_level_seconds: threshold,
        short_abandon_seconds: 0.0,
        hours,
        seed: 11,
    }
}

/// Mean and standard error of the simulated service level with `agents`
/// over runs with seeds other than the plan's.
fn service_level(plan: &Plan, agents: u32) -> (f64, f64) {
    let xs: Vec<f64> = (100..110)
        .map(|seed| {
            let p = Plan {
                seed,
                ..plan.clone()
            };
            steady(&p, 0, agents)
                .unwrap()
                .counts
                .service_level()
                .unwrap()
        })
        .collect();
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, (var / n).sqrt() * n.sqrt()) // the spread of one run
}

/// Checks the planner's staffing for hour 0 against `formula`, the
/// formula's service level with n agents. The target is set halfway
/// between the formula's figures for the fewest agents reaching `about`
/// and one agent fewer, so that both sides have the same margin.
fn agrees(what: &str, plan: &Plan, about: f64, formula: impl Fn(u32) -> f64) {
    let n = (1..500).find(|n| formula(*n) >= about).unwrap();
    let target = (formula(n) + formula(n - 1)) / 2.0;
    let (above, below) = (formula(n) - target, target - formula(n - 1));
    let (_, se_at) = service_level(plan, n);
    let (_, se_below) = service_level(plan, n - 1);
    assert!(
        above > 4.0 * se_at && below > 4.0 * se_below,
        "{what}, target {target:.3}: not decidable at this run length: the formula gives {:.3} with {n} agents and \
         {:.3} with {}, one run's standard error is {se_at:.3} and {se_below:.3}",
        formula(n),
        formula(n - 1),
        n - 1
    );
    let found = needed(plan, 0, target).unwrap().unwrap();
    assert_eq!(
        found.agents,
        n,
        "{what}: the formula needs {n} agents ({:.3}); the planner found {} ({:?})",
        formula(n),
        found.agents,
        found.outcome.counts.service_level()
    );
    let sl = found.outcome.counts.service_level().unwrap();
    assert!(sl >= target, "{what}: {sl}");
}

#[test]
fn fewest_agents_agree_with_erlang_c() {
    // (calls an hour, handle seconds): 5, 4.2 and 2 Erlangs, 80 % in 20 s.
    for (rate, handle) in [(100.0, 180.0), (50.0, 300.0), (30.0, 240.0)] {
        let plan = textbook(20.0, vec![hour(rate, handle, None, 0); 24]);
        let load = rate / 3600.0 * handle;
        agrees(&format!("Erlang C, {load:.2} Erlangs"), &plan, 0.8, |n| {
            if f64::from(n) <= load {
                0.0
            } else {
                erlang_c_service_level(n, load, handle, 20.0)
            }
        });
    }
}

#[test]
fn fewest_agents_agree_with_erlang_a() {
    // With a threshold of 0 s the service level is the share answered at
    // once: 1 − P(wait) of Erlang A. (calls an hour, handle, patience,
    // target share).
    for (rate, handle, patience, target) in [
        (60.0, 240.0, 60.0, 0.6),
        (110.0, 300.0, 300.0, 0.5),
        (40.0, 180.0, 120.0, 0.7),
    ] {
        let plan = textbook(0.0, vec![hour(rate, handle, Some(patience), 0); 24]);
        agrees(
            &format!("Erlang A, {rate}/h, patience {patience} s"),
            &plan,
            target,
            |n| 1.0 - erlang_a(n, rate / 3600.0, handle, patience).wait_probability,
        );
    }
}

#[test]
fn an_hour_without_calls_needs_nobody_and_an_unreachable_target_says_so() {
    let mut plan = textbook(20.0, vec![hour(0.0, 180.0, None, 0); 24]);
    assert_eq!(needed(&plan, 3, 0.8).unwrap().unwrap().agents, 0);
    // Agents who take 30 s to pick up never answer within 20 s.
    plan.hours[3] = hour(20.0, 180.0, None, 0);
    plan.agent.answer_seconds = 30.0;
    assert_eq!(needed(&plan, 3, 0.8).unwrap(), None);
}

#[test]
fn chat_agents_holding_three_at_once_are_needed_fewer() {
    let mut plan = textbook(60.0, vec![hour(60.0, 600.0, Some(300.0), 0); 24]);
    plan.channel = ChannelKind::Messaging;
    let one = needed(&plan, 0, 0.8).unwrap().unwrap().agents;
    plan.agent.chat_capacity = 3;
    let three = needed(&plan, 0, 0.8).unwrap().unwrap().agents;
    // 10 chats in progress on average: about 10+ agents holding one,
    // a third as many holding three.
    assert!(one >= 10 && three < one && three * 3 >= 10, "{one} {three}");
}

#[test]
fn the_what_if_day_follows_its_staffing_hour_by_hour() {
    // Calls from 8:00 to 18:00 at 40 an hour; 6 agents until noon, then 2.
    let hours: Vec<PlanHour> = (0..24)
        .map(|h| match h {
            8..=11 => hour(40.0, 240.0, Some(120.0), 6),
            12..=17 => hour(40.0, 240.0, Some(120.0), 2),
            _ => hour(0.0, 240.0, Some(120.0), 0),
        })
        .collect();
    let plan = textbook(20.0, hours);
    let days = 10;
    let day = what_if(&plan, days).unwrap();
    for (h, o) in day.iter().enumerate() {
        let c = o.counts;
        if (8..18).contains(&h) {
            // 40 an hour for 10 days: 400 on average (Poisson, sd 20).
            assert!((300..=500).contains(&c.arrivals), "{h}: {c:?}");
            // Every customer is answered or abandons (none is left in line
            // at the end of a day that ends empty).
            assert_eq!(c.answered + c.abandoned, c.arrivals, "{h}: {c:?}");
            assert!(o.occupancy.is_some());
        } else {
            assert_eq!(c.arrivals, 0, "{h}");
            assert_eq!(o.occupancy, None, "{h}: nobody on duty");
        }
    }
    let sl = |h: usize| day[h].counts.service_level().unwrap();
    // 2.7 Erlangs on 6 agents serve well; on 2 agents many give up.
    assert!(sl(10) > 0.8 && sl(15) < 0.6, "{} {}", sl(10), sl(15));
    assert!(day[15].counts.abandonment().unwrap() > 0.2);
    assert!(day[15].occupancy.unwrap() > day[10].occupancy.unwrap());
    // Same plan, same figures.
    assert_eq!(day, what_if(&plan, days).unwrap());
}

#[test]
fn bad_plans_are_refused() {
    let mut plan = textbook(20.0, vec![hour(10.0, 180.0, None, 1); 24]);
    plan.hours.pop();
    assert!(what_if(&plan, 1).unwrap_err().0.contains("24 hours"));
    let mut plan = textbook(20.0, vec![hour(10.0, 180.0, None, 1); 24]);
    plan.hours[4].handle_seconds = 0.0;
    assert!(needed(&plan, 4, 0.8).unwrap_err().0.contains("handle"));
    plan.hours[4] = hour(f64::NAN, 180.0, None, 1);
    assert!(what_if(&plan, 1).unwrap_err().0.contains("arrivals"));
}

#[test]
fn traffic_is_measured_from_the_report_sums() {
    let mut hours = [Counts::default(); 24];
    // 10:00 over 5 days: 100 offered, 80 handled with 4 min of talk and
    // 30 s of wrap-up each, 20 abandoned after 50 s; the 80 answered
    // waited 10 s each.
    hours[10] = Counts {
        offered: 100,
        answered: 80,
        answer_wait_ms: 80 * 10_000,
        abandoned: 20,
        abandon_wait_ms: 20 * 50_000,
        handled: 80,
        talk_ms: 80 * 240_000,
        wrap_up_ms: 80 * 30_000,
        ..Default::default()
    };
    // 11:00: too few to measure on their own.
    hours[11] = Counts {
        offered: 3,
        handled: 2,
        talk_ms: 2 * 600_000,
        ..Default::default()
    };
    let m = measure(&hours, 5);
    assert_eq!(m[10].arrivals_per_hour, 20.0);
    assert_eq!(m[10].handle_seconds, Some(240.0));
    assert_eq!(m[10].wrap_up_seconds, Some(30.0));
    // (80 × 10 s + 20 × 50 s) / 20 abandons = 90 s.
    assert_eq!(m[10].patience_seconds, Some(90.0));
    // 11:00 takes the period's: (80 × 240 + 2 × 600) / 82 s.
    let period = (80.0 * 240.0 + 2.0 * 600.0) / 82.0;
    assert!((m[11].handle_seconds.unwrap() - period).abs() < 1e-9);
    assert_eq!(m[11].arrivals_per_hour, 0.6);
    assert_eq!(m[3].arrivals_per_hour, 0.0);
    // Nobody gave up anywhere: no patience to speak of.
    hours[10].abandoned = 0;
    assert_eq!(measure(&hours, 5)[10].patience_seconds, None);
}

#[test]
fn transfers_out_of_a_one_queue_plan_are_flow_outs() {
    use crate::routing::overflow::Action;
    use crate::routing::QueueIx;
    let rules = OverflowRules {
        waiting_exceed: Some((5, Action::TransferToQueue(QueueIx(3)))),
        while_waiting: Some((60_000, Action::DirectCallback)),
        ..Default::default()
    };
    let p = plan_overflow(&rules);
    assert_eq!(p.waiting_exceed, Some((5, Action::EndConversation)));
    assert_eq!(p.while_waiting, Some((60_000, Action::DirectCallback)));
    // With at most 5 waiting, the rest flow out: nobody waits long.
    let mut plan = textbook(20.0, vec![hour(120.0, 300.0, None, 0); 24]);
    plan.overflow = p;
    let o = steady(&plan, 0, 5).unwrap();
    assert!(
        o.counts.overflowed > o.counts.arrivals / 10,
        "{:?}",
        o.counts
    );
    // Each customer is answered, flows out or gives up, but for the few
    // (at most 5 waiting, 5 on offer) still in line when the run ends.
    let ended = o.counts.answered + o.counts.overflowed + o.counts.abandoned;
    assert!(
        ended <= o.counts.arrivals && o.counts.arrivals - ended <= 10,
        "{:?}",
        o.counts
    );
}
