//! Scenario tests of the routing rules, and property tests over random
//! sequences of events.

use std::cmp::Reverse;

use proptest::prelude::*;

use super::overflow::{Action, Condition, OverflowRules};
use super::state::{AgentState, Decision, ItemStatus, NewItem, RoutingState};
use super::*;

fn agent(skills: &[(u16, u8)], capacity: Capacity) -> AgentState {
    AgentState::new(
        skills.iter().map(|(s, l)| (SkillIx(*s), *l)).collect(),
        capacity,
    )
}

fn item(id: u64, queue: u32, priority: i32, needs: &[(u16, u8)], at: Millis) -> NewItem {
    NewItem {
        id: ItemId(id),
        queue: QueueIx(queue),
        priority,
        needs: needs
            .iter()
            .map(|(s, m)| SkillNeed {
                skill: SkillIx(*s),
                min: *m,
            })
            .collect(),
        skill_match: SkillMatch::Exact,
        arrived_at: at,
    }
}

fn offers(ds: &[Decision]) -> Vec<(u64, u32)> {
    ds.iter()
        .filter_map(|d| match d {
            Decision::Offered { item, agent, .. } => Some((item.0, agent.0)),
            _ => None,
        })
        .collect()
}

/// Two chat agents and one queue with the given method; both available.
fn two_agents(method: AssignmentMethod) -> RoutingState {
    let mut s = RoutingState::new();
    let a = s.add_agent(agent(&[], Capacity::default()));
    let b = s.add_agent(agent(&[], Capacity::default()));
    let mut q = QueueConfig::new("chat", ChannelKind::Messaging, vec![a, b]);
    q.method = method;
    s.add_queue(q, OverflowRules::default());
    s.set_presence(a, Presence::Available, 0).unwrap();
    s.set_presence(b, Presence::Available, 0).unwrap();
    s
}

#[test]
fn highest_capacity_spreads_chats_and_round_robin_takes_turns() {
    let mut s = two_agents(AssignmentMethod::HighestCapacity);
    let mut got = Vec::new();
    for i in 0..4 {
        got.extend(offers(&s.enqueue(item(i, 0, 0, &[], i), i).unwrap()));
    }
    // Equal free capacity → round robin; then whoever has more room.
    assert_eq!(got, [(0, 0), (1, 1), (2, 0), (3, 1)]);

    let mut s = two_agents(AssignmentMethod::RoundRobin);
    s.accept(ItemId(0), AgentIx(0), 1).ok();
    let mut got = Vec::new();
    for i in 0..3 {
        got.extend(offers(&s.enqueue(item(i, 0, 0, &[], i), i).unwrap()));
    }
    assert_eq!(got, [(0, 0), (1, 1), (2, 0)]);
}

#[test]
fn least_active_prefers_the_agent_who_released_capacity_longest_ago() {
    let mut s = two_agents(AssignmentMethod::LeastActive);
    for (i, a) in [(0, 0), (1, 1)] {
        assert_eq!(
            offers(&s.enqueue(item(i, 0, 0, &[], 0), 10).unwrap()),
            [(i, a)]
        );
        s.accept(ItemId(i), AgentIx(a), 10).unwrap();
    }
    s.close(ItemId(1), AgentIx(1), 20).unwrap(); // b released at 20
    s.close(ItemId(0), AgentIx(0), 30).unwrap(); // a released at 30
    assert_eq!(
        offers(&s.enqueue(item(2, 0, 0, &[], 40), 40).unwrap()),
        [(2, 1)]
    );
}

#[test]
fn priority_first_then_longest_waiting() {
    let mut s = two_agents(AssignmentMethod::RoundRobin);
    s.set_presence(AgentIx(0), Presence::Offline, 0).unwrap();
    s.set_presence(AgentIx(1), Presence::Offline, 0).unwrap();
    s.enqueue(item(1, 0, 0, &[], 1), 1).unwrap();
    s.enqueue(item(2, 0, 0, &[], 2), 2).unwrap();
    s.enqueue(item(3, 0, 5, &[], 3), 3).unwrap();
    assert_eq!(s.position(ItemId(3)), Some(1));
    assert_eq!(s.position(ItemId(2)), Some(3));
    let ds = s.set_presence(AgentIx(0), Presence::Available, 4).unwrap();
    assert_eq!(offers(&ds), [(3, 0), (1, 0), (2, 0)]);
}

#[test]
fn a_declined_offer_goes_to_the_next_agent_and_the_item_keeps_its_place() {
    let mut s = two_agents(AssignmentMethod::RoundRobin);
    assert_eq!(
        offers(&s.enqueue(item(1, 0, 0, &[], 0), 0).unwrap()),
        [(1, 0)]
    );
    let ds = s.reject(ItemId(1), AgentIx(0), 1).unwrap();
    assert!(ds.contains(&Decision::OfferDeclined {
        item: ItemId(1),
        agent: AgentIx(0),
        expired: false
    }));
    assert_eq!(offers(&ds), [(1, 1)]);
    // Expiry works the same, from the timer.
    let deadline = s.next_timer().unwrap();
    let ds = s.tick(deadline);
    assert!(ds.contains(&Decision::OfferDeclined {
        item: ItemId(1),
        agent: AgentIx(1),
        expired: true
    }));
    assert_eq!(
        offers(&ds),
        [(1, 0)],
        "back to the first agent: one decline is below the limit"
    );
    assert_eq!(s.items[&ItemId(1)].arrived_at, 0);
    // After three declines each, the item skips both agents and waits.
    for round in 0..4 {
        let Some(ItemStatus::Offered { agent, .. }) = s.items.get(&ItemId(1)).map(|i| i.status)
        else {
            break;
        };
        s.reject(ItemId(1), agent, 10 + round).unwrap();
    }
    let mut guard = 0;
    while let Some(ItemStatus::Offered { agent, .. }) = s.items.get(&ItemId(1)).map(|i| i.status) {
        s.reject(ItemId(1), agent, 100).unwrap();
        guard += 1;
        assert!(guard < 10);
    }
    assert_eq!(s.items[&ItemId(1)].status, ItemStatus::Waiting);
    assert_eq!(s.position(ItemId(1)), Some(1));
}

#[test]
fn voice_blocks_chats_and_full_agents_turn_busy_then_available() {
    let mut s = RoutingState::new();
    let a = s.add_agent(agent(
        &[],
        Capacity {
            messaging: 1,
            voice: 1,
            voice_blocks_others: true,
            wrap_up_ms: 0,
        },
    ));
    s.add_queue(
        QueueConfig::new("chat", ChannelKind::Messaging, vec![a]),
        OverflowRules::default(),
    );
    s.add_queue(
        QueueConfig::new("voice", ChannelKind::Voice, vec![a]),
        OverflowRules::default(),
    );
    s.set_presence(a, Presence::Available, 0).unwrap();
    let ds = s.enqueue(item(1, 1, 0, &[], 0), 0).unwrap();
    assert_eq!(offers(&ds), [(1, 0)]);
    assert!(ds.contains(&Decision::PresenceChanged {
        agent: a,
        presence: Presence::Busy,
        automatic: true
    }));
    assert!(
        offers(&s.enqueue(item(2, 0, 0, &[], 1), 1).unwrap()).is_empty(),
        "no chat during a call"
    );
    s.accept(ItemId(1), a, 2).unwrap();
    let ds = s.close(ItemId(1), a, 3).unwrap();
    assert!(ds.contains(&Decision::PresenceChanged {
        agent: a,
        presence: Presence::Available,
        automatic: true
    }));
    assert_eq!(
        offers(&ds),
        [(2, 0)],
        "the waiting chat comes as soon as the call ends"
    );
}

#[test]
fn wrap_up_holds_capacity_until_it_ends() {
    let mut s = RoutingState::new();
    let a = s.add_agent(agent(
        &[],
        Capacity {
            messaging: 1,
            voice: 1,
            voice_blocks_others: true,
            wrap_up_ms: 30_000,
        },
    ));
    s.add_queue(
        QueueConfig::new("chat", ChannelKind::Messaging, vec![a]),
        OverflowRules::default(),
    );
    s.set_presence(a, Presence::Available, 0).unwrap();
    s.enqueue(item(1, 0, 0, &[], 0), 0).unwrap();
    s.accept(ItemId(1), a, 0).unwrap();
    s.close(ItemId(1), a, 1_000).unwrap();
    assert!(offers(&s.enqueue(item(2, 0, 0, &[], 2_000), 2_000).unwrap()).is_empty());
    assert_eq!(offers(&s.tick(31_000)), [(2, 0)]);
}

#[test]
fn closing_during_wrap_up_ends_it_early_and_frees_the_agent() {
    let mut s = RoutingState::new();
    let a = s.add_agent(agent(
        &[],
        Capacity {
            messaging: 1,
            voice: 1,
            voice_blocks_others: true,
            wrap_up_ms: 30_000,
        },
    ));
    s.add_queue(
        QueueConfig::new("chat", ChannelKind::Messaging, vec![a]),
        OverflowRules::default(),
    );
    s.set_presence(a, Presence::Available, 0).unwrap();
    s.enqueue(item(1, 0, 0, &[], 0), 0).unwrap();
    s.accept(ItemId(1), a, 0).unwrap();
    s.close(ItemId(1), a, 1_000).unwrap();
    assert!(offers(&s.enqueue(item(2, 0, 0, &[], 2_000), 2_000).unwrap()).is_empty());
    let ds = s.close(ItemId(1), a, 3_000).unwrap();
    assert!(ds
        .iter()
        .any(|d| matches!(d, Decision::Closed { item } if *item == ItemId(1))));
    assert_eq!(
        offers(&ds),
        [(2, 0)],
        "the waiting chat goes to the freed agent"
    );
    assert!(s.tick(31_000).is_empty(), "the wrap-up timer is gone");
    assert!(s.close(ItemId(1), a, 32_000).is_err(), "closed once");
}

#[test]
fn exact_matching_never_offers_to_the_unqualified_and_closest_ranks_by_fit() {
    let mut s = RoutingState::new();
    let novice = s.add_agent(agent(&[(1, 3)], Capacity::default()));
    let expert = s.add_agent(agent(&[(1, 9)], Capacity::default()));
    let exact = s.add_agent(agent(&[(1, 5)], Capacity::default()));
    s.add_queue(
        QueueConfig::new("chat", ChannelKind::Messaging, vec![novice, expert, exact]),
        OverflowRules::default(),
    );
    s.set_presence(novice, Presence::Available, 0).unwrap();
    let ds = s.enqueue(item(1, 0, 0, &[(1, 5)], 0), 0).unwrap();
    assert!(offers(&ds).is_empty(), "the novice is below the minimum");
    s.set_presence(expert, Presence::Available, 1).unwrap();
    assert_eq!(
        s.items[&ItemId(1)].status,
        ItemStatus::Offered {
            agent: expert,
            deadline: 60_001
        }
    );

    let mut closest = item(2, 0, 0, &[(1, 5)], 2);
    closest.skill_match = SkillMatch::Closest;
    s.set_presence(exact, Presence::Available, 2).unwrap();
    assert_eq!(
        offers(&s.enqueue(closest.clone(), 2).unwrap()),
        [(2, exact.0)],
        "exact fit before over-qualified"
    );
    let mut under = closest;
    under.id = ItemId(3);
    under.needs = vec![SkillNeed {
        skill: SkillIx(1),
        min: 10,
    }];
    let ds = s.enqueue(under, 3).unwrap();
    assert_eq!(
        offers(&ds),
        [(3, expert.0)],
        "closest: the smallest shortfall wins"
    );
}

#[test]
fn transfer_keeps_the_original_arrival() {
    let mut s = two_agents(AssignmentMethod::RoundRobin);
    s.set_presence(AgentIx(0), Presence::Offline, 0).unwrap();
    s.set_presence(AgentIx(1), Presence::Offline, 0).unwrap();
    s.add_queue(
        QueueConfig::new("other", ChannelKind::Messaging, vec![]),
        OverflowRules::default(),
    );
    s.enqueue(item(1, 1, 0, &[], 50), 50).unwrap();
    s.enqueue(item(2, 0, 0, &[], 10), 10).unwrap();
    let ds = s.transfer(ItemId(2), QueueIx(1), 100).unwrap();
    assert!(ds.contains(&Decision::Transferred {
        item: ItemId(2),
        from: QueueIx(0),
        to: QueueIx(1)
    }));
    assert_eq!(
        s.position(ItemId(2)),
        Some(1),
        "it arrived first, so it is first in the new queue"
    );
}

#[test]
fn overflow_before_and_while_waiting() {
    let mut s = RoutingState::new();
    let rules = OverflowRules {
        waiting_exceed: Some((1, Action::DirectCallback)),
        while_waiting: Some((60_000, Action::TransferToQueue(QueueIx(1)))),
        ..Default::default()
    };
    s.add_queue(QueueConfig::new("voice", ChannelKind::Voice, vec![]), rules);
    s.add_queue(
        QueueConfig::new("backup", ChannelKind::Voice, vec![]),
        OverflowRules::default(),
    );
    assert!(s
        .enqueue(item(1, 0, 0, &[], 0), 0)
        .unwrap()
        .iter()
        .all(|d| !matches!(d, Decision::Overflowed { .. })));
    s.enqueue(item(2, 0, 0, &[], 0), 0).unwrap();
    let ds = s.enqueue(item(3, 0, 0, &[], 0), 0).unwrap();
    assert!(ds.contains(&Decision::Overflowed {
        item: ItemId(3),
        queue: QueueIx(0),
        condition: Condition::WorkItemsWaitingExceed(1),
        action: Action::DirectCallback
    }));
    assert_eq!(
        s.position(ItemId(3)),
        Some(3),
        "a callback offer keeps the caller's place"
    );
    let ds = s.tick(60_001);
    assert_eq!(
        ds.iter()
            .filter(|d| matches!(d, Decision::Transferred { .. }))
            .count(),
        3
    );
    assert!(
        s.tick(200_000)
            .iter()
            .all(|d| !matches!(d, Decision::Overflowed { .. })),
        "fires once per queue"
    );
}

#[test]
fn while_waiting_overflow_counts_from_entering_the_queue_so_items_do_not_ping_pong() {
    let mut s = RoutingState::new();
    let to = |q| OverflowRules {
        while_waiting: Some((60_000, Action::TransferToQueue(QueueIx(q)))),
        ..Default::default()
    };
    s.add_queue(QueueConfig::new("a", ChannelKind::Messaging, vec![]), to(1));
    s.add_queue(QueueConfig::new("b", ChannelKind::Messaging, vec![]), to(0));
    s.enqueue(item(1, 0, 0, &[], 0), 0).unwrap();
    let moves = |ds: &[Decision]| {
        ds.iter()
            .filter(|d| matches!(d, Decision::Transferred { .. }))
            .count()
    };
    assert_eq!(moves(&s.tick(60_001)), 1, "a → b after a minute in a");
    assert_eq!(
        moves(&s.tick(61_000)),
        0,
        "not straight back: it just entered b"
    );
    assert_eq!(moves(&s.tick(120_002)), 1, "b → a only after a minute in b");
    assert_eq!(
        s.items[&ItemId(1)].arrived_at,
        0,
        "and it keeps its arrival time throughout"
    );
}

// ------------------------------------------------------------ properties

#[derive(Debug, Clone)]
enum Event {
    Arrive {
        queue: u32,
        priority: i32,
        skill: u16,
        min: u8,
        closest: bool,
    },
    Presence {
        agent: u32,
        presence: u8,
    },
    Accept(usize),
    Reject(usize),
    Close(usize),
    Abandon(usize),
    Transfer(usize, u32),
    Advance(u32),
    Assign(usize, u32),
}

fn event() -> impl Strategy<Value = Event> {
    prop_oneof![
        3 => (0..3u32, 0..3i32, 0..3u16, 1..10u8, any::<bool>())
            .prop_map(|(queue, priority, skill, min, closest)| Event::Arrive { queue, priority, skill, min, closest }),
        2 => (0..6u32, 0..5u8).prop_map(|(agent, presence)| Event::Presence { agent, presence }),
        3 => any::<usize>().prop_map(Event::Accept),
        1 => any::<usize>().prop_map(Event::Reject),
        2 => any::<usize>().prop_map(Event::Close),
        1 => any::<usize>().prop_map(Event::Abandon),
        1 => (any::<usize>(), 0..3u32).prop_map(|(i, q)| Event::Transfer(i, q)),
        2 => (0..90_000u32).prop_map(Event::Advance),
    ]
}

fn world(seed_skills: &[(u16, u8)], caps: &[(u8, u8, bool, u16)]) -> RoutingState {
    let mut s = RoutingState::new();
    let mut ids = Vec::new();
    for (i, (m, v, blocks, wrap)) in caps.iter().enumerate() {
        let skills: Vec<(u16, u8)> = seed_skills.iter().skip(i % 3).step_by(2).copied().collect();
        ids.push(s.add_agent(agent(
            &skills,
            Capacity {
                messaging: *m,
                voice: *v,
                voice_blocks_others: *blocks,
                wrap_up_ms: u64::from(*wrap) * 10,
            },
        )));
    }
    let methods = [
        AssignmentMethod::HighestCapacity,
        AssignmentMethod::RoundRobin,
        AssignmentMethod::LeastActive,
    ];
    for (q, channel) in [
        ChannelKind::Messaging,
        ChannelKind::Messaging,
        ChannelKind::Voice,
    ]
    .into_iter()
    .enumerate()
    {
        let members: Vec<AgentIx> = ids
            .iter()
            .copied()
            .filter(|a| !(a.0 as usize + q).is_multiple_of(3))
            .collect();
        let mut config = QueueConfig::new(&format!("q{q}"), channel, members);
        config.method = methods[q];
        config.priority = q as i32 % 2;
        config.declines_allowed = 2;
        s.add_queue(config, OverflowRules::default());
    }
    s
}

fn pick(
    s: &RoutingState,
    n: usize,
    want: impl Fn(&ItemStatus) -> bool,
) -> Option<(ItemId, ItemStatus)> {
    let mut ids: Vec<_> = s
        .items
        .iter()
        .filter(|(_, i)| want(&i.status))
        .map(|(id, i)| (*id, i.status))
        .collect();
    ids.sort_by_key(|(id, _)| *id);
    (!ids.is_empty()).then(|| ids[n % ids.len()])
}

/// Every invariant the issue names, checked on the state after an event.
/// `before`: the items waiting before the event, with their declines.
fn check(
    s: &RoutingState,
    decisions: &[Decision],
    before: &[(ItemId, usize)],
    strict: bool,
) -> Result<(), TestCaseError> {
    // Capacity: each agent's counters are exactly what it holds, within limits.
    for (ai, agent) in s.agents.iter().enumerate() {
        let (mut m, mut v) = (0u8, 0u8);
        for item in s.items.values() {
            let holder = match item.status {
                ItemStatus::Offered { agent, .. }
                | ItemStatus::Assigned { agent }
                | ItemStatus::WrapUp { agent, .. } => Some(agent),
                ItemStatus::Waiting => None,
            };
            if holder == Some(AgentIx(ai as u32)) {
                match s.queues[item.queue.0 as usize].config.channel {
                    ChannelKind::Messaging => m += 1,
                    ChannelKind::Voice => v += 1,
                }
            }
        }
        prop_assert_eq!(
            (agent.used_messaging, agent.used_voice),
            (m, v),
            "agent {} counters",
            ai
        );
        prop_assert!(
            !strict || (m <= agent.capacity.messaging && v <= agent.capacity.voice),
            "agent {} over capacity",
            ai
        );
        if strict && agent.capacity.voice_blocks_others {
            prop_assert!(m == 0 || v == 0, "agent {} has a call and chats", ai);
        }
    }
    for (id, item) in &s.items {
        // Exact matching never hands an item to someone below a minimum.
        if let ItemStatus::Offered { agent, .. } | ItemStatus::Assigned { agent } = item.status {
            if strict && item.skill_match == SkillMatch::Exact {
                prop_assert!(
                    !matches!(
                        fit(&s.agents[agent.0 as usize].skills, &item.needs),
                        Fit::Under(_)
                    ),
                    "{:?} unqualified",
                    id
                );
            }
        }
        // Liveness: nothing waits while an eligible agent has room for it.
        if item.status == ItemStatus::Waiting {
            for ai in 0..s.agents.len() as u32 {
                if s.queues[item.queue.0 as usize]
                    .config
                    .members
                    .contains(&AgentIx(ai))
                {
                    prop_assert!(
                        s.eligible(AgentIx(ai), item).is_none(),
                        "{:?} waits while agent {} could take it",
                        id,
                        ai
                    );
                }
            }
        }
    }
    // Order: an offered item had no one ahead of it in its queue that the
    // same agent could have taken instead. Only items that waited through the
    // whole event count: one that was on offer elsewhere and came back
    // during the event was not in line when the choice was made.
    for d in decisions {
        if let Decision::Offered { item, agent, .. } = d {
            let Some(offered) = s.items.get(item) else {
                continue;
            };
            let key = (
                Reverse(offered.priority),
                offered.arrived_at,
                offered.seq,
                *item,
            );
            for &(p, at, seq, other) in &s.queues[offered.queue.0 as usize].waiting {
                if (p, at, seq, other) >= key {
                    break;
                }
                let ahead = &s.items[&other];
                let declines: usize = ahead.declines.iter().map(|(_, n)| *n as usize).sum();
                if !before.contains(&(other, declines)) {
                    continue;
                }
                let skills_ok = match ahead.skill_match {
                    SkillMatch::Exact => !matches!(
                        fit(&s.agents[agent.0 as usize].skills, &ahead.needs),
                        Fit::Under(_)
                    ),
                    SkillMatch::Closest => true,
                };
                let declines_ok = ahead.declines.iter().all(|(a, n)| a != agent || *n < 2);
                prop_assert!(
                    !(skills_ok && declines_ok),
                    "{:?} was offered to {:?} ahead of {:?}",
                    item,
                    agent,
                    other
                );
            }
        }
    }
    Ok(())
}

/// Plays `events` on a world; `strict`: also the limits a supervisor's
/// assignment may override (capacity, skills, a call blocking chats).
fn play(
    skills: &[(u16, u8)],
    caps: &[(u8, u8, bool, u16)],
    events: Vec<Event>,
    strict: bool,
) -> Result<(), TestCaseError> {
    let mut s = world(skills, caps);
    let mut now: Millis = 0;
    let mut next_id = 1;
    for e in events {
        let before: Vec<(ItemId, usize)> = s
            .items
            .iter()
            .filter(|(_, i)| i.status == ItemStatus::Waiting)
            .map(|(id, i)| (*id, i.declines.iter().map(|(_, n)| *n as usize).sum()))
            .collect();
        let result = match e {
            Event::Arrive {
                queue,
                priority,
                skill,
                min,
                closest,
            } => {
                let mut it = item(next_id, queue, priority, &[(skill, min)], now);
                if closest {
                    it.skill_match = SkillMatch::Closest;
                }
                next_id += 1;
                s.enqueue(it, now).ok()
            }
            Event::Presence { agent, presence } => {
                let p = [
                    Presence::Available,
                    Presence::Busy,
                    Presence::DoNotDisturb,
                    Presence::Away,
                    Presence::Offline,
                ][presence as usize];
                s.set_presence(AgentIx(agent), p, now).ok()
            }
            Event::Accept(n) => pick(&s, n, |st| matches!(st, ItemStatus::Offered { .. }))
                .and_then(|(id, st)| match st {
                    ItemStatus::Offered { agent, .. } => s.accept(id, agent, now).ok(),
                    _ => None,
                }),
            Event::Reject(n) => pick(&s, n, |st| matches!(st, ItemStatus::Offered { .. }))
                .and_then(|(id, st)| match st {
                    ItemStatus::Offered { agent, .. } => s.reject(id, agent, now).ok(),
                    _ => None,
                }),
            Event::Close(n) => pick(&s, n, |st| matches!(st, ItemStatus::Assigned { .. }))
                .and_then(|(id, st)| match st {
                    ItemStatus::Assigned { agent } => s.close(id, agent, now).ok(),
                    _ => None,
                }),
            Event::Abandon(n) => pick(&s, n, |st| {
                matches!(st, ItemStatus::Waiting | ItemStatus::Offered { .. })
            })
            .and_then(|(id, _)| s.abandon(id, now).ok()),
            Event::Transfer(n, q) => pick(&s, n, |st| !matches!(st, ItemStatus::WrapUp { .. }))
                .and_then(|(id, _)| {
                    // Transfers only between queues of the same channel.
                    let from = s.items[&id].queue.0;
                    (s.queues[from as usize].config.channel == s.queues[q as usize].config.channel)
                        .then(|| s.transfer(id, QueueIx(q), now).ok())
                        .flatten()
                }),
            Event::Advance(ms) => {
                now += u64::from(ms);
                Some(s.tick(now))
            }
            // A supervisor gives a waiting or offered item to anyone
            // not offline (refusals change nothing).
            Event::Assign(n, agent) => pick(&s, n, |st| {
                matches!(st, ItemStatus::Waiting | ItemStatus::Offered { .. })
            })
            .and_then(|(id, _)| s.assign(id, AgentIx(agent), now).ok()),
        };
        check(&s, result.as_deref().unwrap_or(&[]), &before, strict)?;
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn routing_invariants_hold_over_random_events(
        skills in proptest::collection::vec((0..3u16, 1..10u8), 3..6),
        caps in proptest::collection::vec((0..4u8, 0..2u8, any::<bool>(), 0..3u16), 6),
        events in proptest::collection::vec(event(), 1..120),
    ) {
        play(&skills, &caps, events, true)?;
    }

    /// With supervisors' assignments among the events, counters stay
    /// exact, nothing waits while an eligible agent has room, and offers
    /// keep the line's order.
    #[test]
    fn routing_invariants_hold_with_supervisors_assignments(
        skills in proptest::collection::vec((0..3u16, 1..10u8), 3..6),
        caps in proptest::collection::vec((0..4u8, 0..2u8, any::<bool>(), 0..3u16), 6),
        events in proptest::collection::vec(prop_oneof![5 => event(), 1 => (any::<usize>(), 0..6u32).prop_map(|(n, a)| Event::Assign(n, a))], 1..120),
    ) {
        play(&skills, &caps, events, false)?;
    }
}

#[test]
fn a_supervisor_assigns_a_waiting_item_over_capacity_and_an_offer_is_withdrawn() {
    // One agent with room for one chat, who holds it; a second item waits.
    let mut s = RoutingState::new();
    let cap = Capacity {
        messaging: 1,
        ..Capacity::default()
    };
    let a = s.add_agent(agent(&[], cap));
    let b = s.add_agent(agent(&[], cap));
    s.add_queue(
        QueueConfig::new("chat", ChannelKind::Messaging, vec![a, b]),
        OverflowRules::default(),
    );
    s.set_presence(a, Presence::Available, 0).unwrap();
    let ds = s.enqueue(item(1, 0, 0, &[], 0), 0).unwrap();
    assert_eq!(offers(&ds), vec![(1, 0)]);
    s.enqueue(item(2, 0, 0, &[], 1), 1).unwrap();
    assert_eq!(s.items[&ItemId(2)].status, ItemStatus::Waiting);

    // Offline agents are refused; so is an unknown one.
    assert_eq!(
        s.assign(ItemId(2), b, 2),
        Err(super::state::RoutingError::AgentOffline)
    );
    assert_eq!(
        s.assign(ItemId(2), AgentIx(9), 2),
        Err(super::state::RoutingError::UnknownAgent)
    );

    // The waiting item goes to `a` though `a` is full: it leaves the line.
    let ds = s.assign(ItemId(2), a, 2).unwrap();
    assert_eq!(
        ds,
        vec![Decision::Assigned {
            item: ItemId(2),
            agent: a
        }]
    );
    assert_eq!(s.queues[0].waiting_count(), 0);
    assert_eq!(s.agents[a.0 as usize].used_messaging, 2);

    // Item 1 is offered to `a`; assigning it to `b` withdraws that offer,
    // frees `a`'s unit and leaves `b` busy (full).
    s.set_presence(b, Presence::Available, 3).unwrap();
    let ds = s.assign(ItemId(1), b, 4).unwrap();
    assert_eq!(
        ds[0],
        Decision::OfferRescinded {
            item: ItemId(1),
            agent: a
        }
    );
    assert_eq!(
        ds[1],
        Decision::Assigned {
            item: ItemId(1),
            agent: b
        }
    );
    assert!(ds.contains(&Decision::PresenceChanged {
        agent: b,
        presence: Presence::Busy,
        automatic: true
    }));
    assert_eq!(s.agents[a.0 as usize].used_messaging, 1);
    assert_eq!(s.agents[b.0 as usize].used_messaging, 1);
    assert_eq!(s.next_timer(), None, "the offer's deadline is gone");

    // An item already with an agent is refused: transfer it first.
    assert_eq!(
        s.assign(ItemId(1), a, 5),
        Err(super::state::RoutingError::AlreadyAssigned)
    );
}

#[test]
fn assigning_an_item_to_the_agent_it_is_offered_to_is_an_accept() {
    let mut s = two_agents(AssignmentMethod::RoundRobin);
    let ds = s.enqueue(item(1, 0, 0, &[], 0), 0).unwrap();
    let (_, to) = offers(&ds)[0];
    let to = AgentIx(to);
    let ds = s.assign(ItemId(1), to, 1).unwrap();
    assert_eq!(
        ds,
        vec![Decision::Assigned {
            item: ItemId(1),
            agent: to
        }]
    );
    assert_eq!(s.agents[to.0 as usize].used_messaging, 1);
    assert_eq!(s.next_timer(), None);
}
