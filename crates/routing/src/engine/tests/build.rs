//! Building the live state: after a restart from the store's rows, after a
//! reload from the running engine's own state.

use switchboard_core::routing::events::EventKind;
use switchboard_core::routing::state::ItemStatus;
use switchboard_core::routing::ChannelKind;

use super::super::clock::now_ms;
use super::super::live::{Live, Pending, Step};
use super::{received, stored_item, World};

fn status(live: &Live, item: &str) -> ItemStatus {
    live.core.items[&live.item_ix[item]].status
}

fn position(live: &Live, item: &str) -> Option<usize> {
    live.core.position(live.item_ix[item])
}

#[tokio::test]
async fn a_restart_keeps_places_and_agents_and_settles_what_was_running() {
    let w = World::new().await;
    let (a, b) = (w.agent("a").await, w.agent("b").await);
    let q = w
        .queue("Chat", ChannelKind::Messaging, &[&a, &b], true)
        .await;
    let t0 = now_ms() - 60_000;
    w.store_items(&[
        stored_item("w1", &q, "queued", None, t0),
        stored_item("w2", &q, "assigned", Some(&a), t0 + 1000),
        stored_item("w3", &q, "offered", Some(&b), t0 + 2000),
        stored_item("w4", &q, "wrap_up", Some(&a), t0 + 3000),
        stored_item("w5", &q, "queued", None, t0 + 4000),
    ])
    .await;

    let mut live = w.live().await;

    // Waiting items keep their place in line (by arrival); the offer, whose
    // deadline ran while nothing watched it, goes back to its place too.
    assert_eq!(position(&live, "w1"), Some(1));
    assert_eq!(position(&live, "w3"), Some(2));
    assert_eq!(position(&live, "w5"), Some(3));
    assert_eq!(status(&live, "w3"), ItemStatus::Waiting);
    assert_eq!(live.info[&live.item_ix["w3"]].holder, None);
    // The assigned item keeps its agent.
    let a_ix = live.agent_ix[&a];
    assert_eq!(status(&live, "w2"), ItemStatus::Assigned { agent: a_ix });
    assert_eq!(live.info[&live.item_ix["w2"]].holder.as_deref(), Some(&*a));
    // The wrap-up is over: not live any more.
    assert!(!live.item_ix.contains_key("w4"));

    // Owed: the rescinded offer and the closed wrap-up, in row order.
    match &live.pending[..] {
        [Pending::Rescind {
            item: i1,
            agent: a1,
            queue: q1,
        }, Pending::Closed {
            item: i2,
            agent: a2,
            queue: q2,
        }] => {
            assert_eq!((&**i1, &**a1, &**q1), ("w3", &*b, &*q));
            assert_eq!((&**i2, a2.as_deref(), &**q2), ("w4", Some(&*a), &*q));
        }
        _ => panic!("expected a rescind and a close"),
    }

    // The next commit writes the rows and sends the events it owes.
    let mut sub = w.bus.subscribe("test");
    let before = live.seq;
    live.commit(Vec::new(), Step::default(), &*w.bus)
        .await
        .unwrap();
    let stored = w.stored_events_after(before).await;
    let kinds: Vec<_> = stored
        .iter()
        .map(|e| (e.kind.clone(), e.work_item_id.clone(), e.agent_id.clone()))
        .collect();
    assert_eq!(
        kinds,
        [
            (
                EventKind::OfferRescinded,
                Some("w3".into()),
                Some(b.clone())
            ),
            (EventKind::Closed, Some("w4".into()), Some(a.clone())),
        ]
    );
    assert_eq!(received(&mut sub, 2).await, stored);
    let w3 = w.row("w3").await;
    assert_eq!(
        (&*w3.status, w3.agent_id, w3.offer_deadline),
        ("queued", None, None)
    );
    let w4 = w.row("w4").await;
    assert_eq!(w4.status, "closed");
    assert!(w4.closed_at.is_some());
    assert!(live.pending.is_empty() && live.stale.is_empty());
}

#[tokio::test]
async fn a_restart_offers_a_rescinded_offer_again() {
    let w = World::new().await;
    let b = w.agent("b").await;
    w.set_presence(&b, "available").await;
    let q = w.queue("Chat", ChannelKind::Messaging, &[&b], true).await;
    w.store_items(&[stored_item("w1", &q, "offered", Some(&b), now_ms() - 5000)])
        .await;

    let mut live = w.live().await;
    let before = live.seq;
    let decisions = live.core.route_all(now_ms());
    live.commit(decisions, Step::default(), &*w.bus)
        .await
        .unwrap();

    let stored = w.stored_events_after(before).await;
    let first = &stored[0];
    assert_eq!(first.kind, EventKind::OfferRescinded);
    assert_eq!(first.agent_id.as_deref(), Some(&*b));
    let last = stored.last().unwrap();
    assert!(matches!(last.kind, EventKind::Offered(_)), "{last:?}");
    assert_eq!(last.agent_id.as_deref(), Some(&*b));
    // The store agrees: the rebuild's "back in line" row does not
    // overwrite the new offer written in the same transaction.
    let row = w.row("w1").await;
    assert_eq!(row.status, "offered");
    assert_eq!(row.agent_id.as_deref(), Some(&*b));
    assert!(row.offer_deadline.is_some());
    let b_ix = live.agent_ix[&b];
    assert!(matches!(status(&live, "w1"), ItemStatus::Offered { agent, .. } if agent == b_ix));
}

#[tokio::test]
async fn a_reload_carries_what_is_running() {
    let w = World::new().await;
    let (a, b) = (w.agent("a").await, w.agent("b").await);
    w.set_presence(&a, "available").await;
    w.set_presence(&b, "available").await;
    w.queue("Chat", ChannelKind::Messaging, &[&a, &b], true)
        .await;
    let mut live = w.live().await;
    let first = live
        .create(super::new_item("chat", &[]), None, &*w.bus)
        .await
        .unwrap();
    let holder1 = first.agent_id.clone().expect("offered");
    let (id1, h1) = (live.item_ix[&first.id], live.agent_ix[&holder1]);
    let accepted = live.core.accept(id1, h1, now_ms()).unwrap();
    live.commit(accepted, Step::default(), &*w.bus)
        .await
        .unwrap();
    let second = live
        .create(super::new_item("chat", &[]), None, &*w.bus)
        .await
        .unwrap();
    let holder2 = second.agent_id.clone().expect("offered");
    assert_ne!(holder1, holder2, "the freer agent gets the second item");
    let deadline2 = match status(&live, &second.id) {
        ItemStatus::Offered { deadline, .. } => deadline,
        other => panic!("{other:?}"),
    };
    let recent_wait = live.core.queues[0].estimator.recent_wait;
    assert!(recent_wait.is_some());

    // The configuration changes: the second holder is no longer active.
    let mut snapshot = w.db.routing_snapshot().await.unwrap();
    snapshot.agents.retain(|(id, _)| *id != holder2);
    let carry = live.carry();
    live.build(snapshot, Some(carry));

    let h1 = live.agent_ix[&holder1];
    assert_eq!(status(&live, &first.id), ItemStatus::Assigned { agent: h1 });
    assert_eq!(status(&live, &second.id), ItemStatus::Waiting);
    assert_eq!(live.info[&live.item_ix[&second.id]].holder, None);
    match &live.pending[..] {
        [Pending::Rescind { item, agent, .. }] => {
            assert_eq!((item, agent), (&second.id, &holder2))
        }
        _ => panic!("expected one rescind"),
    }
    // The queue's history survives the reload.
    assert_eq!(live.core.queues[0].estimator.recent_wait, recent_wait);

    // An offer whose agent stays keeps its deadline.
    let mut snapshot = w.db.routing_snapshot().await.unwrap();
    snapshot.agents.retain(|(id, _)| *id != holder2);
    let offered = live.core.route_all(now_ms());
    live.commit(offered, Step::default(), &*w.bus)
        .await
        .unwrap();
    let deadline = match status(&live, &second.id) {
        ItemStatus::Offered { agent, deadline } => {
            assert_eq!(agent, h1);
            deadline
        }
        other => panic!("{other:?}"),
    };
    let row = w.row(&second.id).await;
    assert_eq!(
        (&*row.status, row.agent_id.as_deref()),
        ("offered", Some(&*holder1))
    );
    let carry = live.carry();
    live.build(snapshot, Some(carry));
    assert_eq!(
        status(&live, &second.id),
        ItemStatus::Offered {
            agent: live.agent_ix[&holder1],
            deadline
        }
    );
    assert!(deadline >= deadline2);
}
