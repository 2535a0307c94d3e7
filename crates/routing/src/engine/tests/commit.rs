//! Committing: the core's decisions become the rows and typed events the
//! store keeps, and what is published is exactly what was stored.

use serde_json::{json, Value};
use switchboard_core::routing::events::EventKind;
use switchboard_core::routing::{ChannelKind, Presence};

use super::super::clock::now_ms;
use super::super::live::Step;
use super::super::EngineError;
use super::{new_item, received, World};

#[tokio::test]
async fn an_offer_is_written_and_published_as_stored() {
    let w = World::new().await;
    let a = w.agent("a").await;
    let q = w.queue("Chat", ChannelKind::Messaging, &[&a], true).await;
    let mut live = w.live().await;
    let item = live
        .create(new_item("chat", &[("page", "/pricing")]), None, &*w.bus)
        .await
        .unwrap();
    assert_eq!(item.status, "queued", "nobody is available");

    let mut sub = w.bus.subscribe("test");
    let before = live.seq;
    let a_ix = live.agent_ix[&a];
    let decisions = live
        .core
        .set_presence(a_ix, Presence::Available, now_ms())
        .unwrap();
    live.commit(decisions, Step::default(), &*w.bus)
        .await
        .unwrap();

    let stored = w.stored_events_after(before).await;
    assert_eq!(received(&mut sub, stored.len()).await, stored);
    assert_eq!(live.seq, stored.last().unwrap().seq);
    let names: Vec<&str> = stored.iter().map(|e| e.kind.name()).collect();
    assert_eq!(names, ["presence", "offered"]);

    // The agent's own choice is stored with their presence event.
    let presence = &stored[0];
    assert_eq!(
        presence.kind,
        EventKind::Presence {
            presence: Presence::Available,
            automatic: false
        }
    );
    assert_eq!(
        (presence.agent_id.as_deref(), &presence.work_item_id),
        (Some(&*a), &None)
    );
    assert_eq!(w.db.agent_routing(&a).await.unwrap().presence, "available");

    // The offer: row and event agree on agent, deadline and reason.
    let row = w.row(&item.id).await;
    assert_eq!(row.status, "offered");
    assert_eq!(row.agent_id.as_deref(), Some(&*a));
    let reason: Value = serde_json::from_str(row.reason.as_deref().unwrap()).unwrap();
    assert_eq!(
        reason,
        json!({"rule": null, "queue": "Chat", "method": "highest_capacity",
               "skill_fit": "exact", "candidates": 1})
    );
    let offered = &stored[1];
    assert_eq!(offered.work_item_id.as_deref(), Some(&*item.id));
    assert_eq!(offered.agent_id.as_deref(), Some(&*a));
    assert_eq!(offered.queue_id.as_deref(), Some(&*q));
    let EventKind::Offered(offer) = &offered.kind else {
        panic!("{offered:?}")
    };
    assert_eq!(Some(&offer.deadline), row.offer_deadline.as_ref());
    assert_eq!(offer.reason, reason);
    assert_eq!((&*offer.queue_id, &*offer.queue_name), (&*q, "Chat"));
    assert_eq!((&*offer.channel, &*offer.kind), ("chat", "normal"));
    assert_eq!(offer.attributes, json!({"page": "/pricing"}));
}

#[tokio::test]
async fn declines_transfers_and_closes_become_rows_and_events() {
    let w = World::new().await;
    let a = w.agent("a").await;
    w.set_presence(&a, "available").await;
    let q1 = w.queue("First", ChannelKind::Messaging, &[&a], true).await;
    let q2 = w.queue("Second", ChannelKind::Messaging, &[], false).await;
    let mut live = w.live().await;
    let mut sub = w.bus.subscribe("test");
    let start = live.seq;
    let item = live
        .create(new_item("chat", &[]), None, &*w.bus)
        .await
        .unwrap();
    assert_eq!(item.agent_id.as_deref(), Some(&*a));
    let (id, a_ix) = (live.item_ix[&item.id], live.agent_ix[&a]);
    let (ix1, ix2) = (live.queue_ix[&q1], live.queue_ix[&q2]);

    // Declined: the row counts it, the event names the agent.
    let before = live.seq;
    let declined = live.core.reject(id, a_ix, now_ms()).unwrap();
    live.commit(declined, Step::default(), &*w.bus)
        .await
        .unwrap();
    let events = w.stored_events_after(before).await;
    assert_eq!(events[0].kind, EventKind::OfferDeclined);
    assert_eq!(events[0].agent_id.as_deref(), Some(&*a));
    let row = w.row(&item.id).await;
    let declines: Value = serde_json::from_str(&row.declines).unwrap();
    assert_eq!(declines, json!([[a, 1]]));

    // Transferred to a queue nobody serves: it waits there, declines reset.
    let before = live.seq;
    let moved = live.core.transfer(id, ix2, now_ms()).unwrap();
    live.commit(moved, Step::default(), &*w.bus).await.unwrap();
    let events = w.stored_events_after(before).await;
    let transferred = events
        .iter()
        .find(|e| e.kind.name() == "transferred")
        .expect("a transfer event");
    assert_eq!(
        transferred.kind,
        EventKind::Transferred {
            from_queue_id: q1.clone(),
            to_queue_id: q2.clone()
        }
    );
    let row = w.row(&item.id).await;
    assert_eq!((&*row.status, &*row.queue_id), ("queued", &*q2));
    assert_eq!((row.agent_id, &*row.declines), (None, "[]"));

    // Back, accepted, closed: the closed row leaves the live maps.
    let back = live.core.transfer(id, ix1, now_ms()).unwrap();
    live.commit(back, Step::default(), &*w.bus).await.unwrap();
    let accepted = live.core.accept(id, a_ix, now_ms()).unwrap();
    live.commit(accepted, Step::default(), &*w.bus)
        .await
        .unwrap();
    assert_eq!(w.row(&item.id).await.status, "assigned");
    let before = live.seq;
    let closed = live.core.close(id, a_ix, now_ms()).unwrap();
    live.commit(closed, Step::default(), &*w.bus).await.unwrap();
    let events = w.stored_events_after(before).await;
    assert_eq!(events[0].kind, EventKind::Closed);
    assert_eq!(events[0].agent_id.as_deref(), Some(&*a));
    let row = w.row(&item.id).await;
    assert_eq!(row.status, "closed");
    assert!(row.closed_at.is_some());
    assert!(!live.item_ix.contains_key(&item.id));
    assert!(live.info.is_empty());

    // Everything published, in order, is what the store kept.
    let stored = w.stored_events_after(start).await;
    assert_eq!(received(&mut sub, stored.len()).await, stored);
    let seqs: Vec<i64> = stored.iter().map(|e| e.seq).collect();
    let expected: Vec<i64> = (start + 1..=live.seq).collect();
    assert_eq!(seqs, expected, "numbered without gaps");
}

#[tokio::test]
async fn a_supervisors_assignment_is_stored_with_its_agent_and_survives_a_restart() {
    let w = World::new().await;
    let a = w.agent("a").await;
    let b = w.agent("b").await;
    w.set_presence(&b, "away").await;
    let q = w.queue("Chat", ChannelKind::Messaging, &[&a], true).await;
    let mut live = w.live().await;
    let item = live
        .create(new_item("chat", &[]), None, &*w.bus)
        .await
        .unwrap();
    assert_eq!(item.status, "queued", "a is offline");

    // Given to b (away, not a member of the queue): one `assigned` event
    // naming b, and the row holds b.
    let before = live.seq;
    let given = live.assign(&item.id, &b, &*w.bus).await.unwrap();
    assert_eq!(
        (given.status.as_str(), given.agent_id.as_deref()),
        ("assigned", Some(&*b))
    );
    let events = w.stored_events_after(before).await;
    let names: Vec<&str> = events.iter().map(|e| e.kind.name()).collect();
    assert_eq!(names, ["assigned"]);
    assert_eq!(events[0].agent_id.as_deref(), Some(&*b));
    assert_eq!(events[0].queue_id.as_deref(), Some(&*q));
    let row = w.row(&item.id).await;
    assert_eq!(
        (&*row.status, row.agent_id.as_deref()),
        ("assigned", Some(&*b))
    );
    assert_eq!(live.held(&b).len(), 1);

    // Offline agents and held items are refused, and nothing is written.
    let before = live.seq;
    let refused = live.assign(&item.id, &a, &*w.bus).await.unwrap_err();
    assert!(matches!(refused, EngineError::Conflict(_)), "{refused:?}");
    assert_eq!(live.seq, before);

    // A restart keeps the item with b, holding b's capacity.
    let again = w.live().await;
    let id = again.item_ix[&item.id];
    let b_ix = again.agent_ix[&b];
    assert_eq!(
        again.core.items[&id].status,
        switchboard_core::routing::state::ItemStatus::Assigned { agent: b_ix }
    );
    assert_eq!(again.core.agents[b_ix.0 as usize].used_messaging, 1);

    // The overview lists it with when it entered its status.
    let o = again.overview();
    let listed = o.work_items.iter().find(|i| i.item.id == item.id).unwrap();
    assert_eq!(listed.since, row.updated_at);
    assert!(o.agents.iter().any(|x| x.agent_id == b));
    assert_eq!(o.queues[0].stats.waiting, 0);
}
