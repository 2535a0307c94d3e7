//! Creating: classification by the rules (and the contact), an explicit
//! queue with its skills, the default queue, and what is refused.

use serde_json::{json, Value};
use switchboard_core::records::{ContactDraft, ContactInput};
use switchboard_core::routing::events::EventKind;
use switchboard_core::routing::{ChannelKind, SkillMatch};
use switchboard_store::routing::RoutingRule;

use super::super::live::Live;
use super::super::{EngineError, NewWorkItem};
use super::{new_item, pairs, refused, World};
use crate::config::SkillNeedSpec;

fn rule(name: &str, attribute: &str, value: &str, queue_id: &str, skills: Value) -> RoutingRule {
    RoutingRule {
        id: String::new(),
        name: name.into(),
        tests: json!([{"op": "equals", "attribute": attribute, "value": value}]),
        queue_id: queue_id.into(),
        skills,
        skill_match: "closest".into(),
        priority: 2,
    }
}

async fn refusal(live: &mut Live, w: &World, new: NewWorkItem) -> EngineError {
    live.create(new, None, &*w.bus).await.unwrap_err()
}

async fn contact(w: &World, category: &str, locale: &str) -> String {
    let draft = ContactDraft::parse(ContactInput {
        first_name: Some("Ann".into()),
        last_name: Some("Lee".into()),
        category: Some(category.into()),
        locale: Some(locale.into()),
        ..Default::default()
    })
    .unwrap();
    w.db.create_contact(&draft).await.unwrap().id
}

#[tokio::test]
async fn rules_classify_by_attributes_and_contact_else_the_default_queue() {
    let w = World::new().await;
    let french_skill = w.skill("French").await;
    let general = w.queue("General", ChannelKind::Messaging, &[], true).await;
    let french = w.queue("French", ChannelKind::Messaging, &[], false).await;
    let vip = w.queue("VIP", ChannelKind::Messaging, &[], false).await;
    w.db.put_routing_rules(&[
        rule("VIP", "contact_category", "vip", &vip, json!([])),
        rule(
            "French",
            "language",
            "fr",
            &french,
            json!([{"skill_id": french_skill, "min": 4}]),
        ),
    ])
    .await
    .unwrap();
    let mut live = w.live().await;

    // An attribute (compared without case) picks the rule, which brings
    // its skills, match and priority.
    let before = live.seq;
    let fr = live
        .create(new_item("chat", &[("language", "FR")]), None, &*w.bus)
        .await
        .unwrap();
    assert_eq!(
        (&*fr.queue_id, &*fr.status, fr.priority),
        (&*french, "queued", 2)
    );
    assert_eq!(fr.reason.as_ref().unwrap()["rule"], "French");
    let row = w.row(&fr.id).await;
    let needs: Value = serde_json::from_str(&row.needs).unwrap();
    assert_eq!(needs, json!([{"skill_id": french_skill, "min": 4}]));
    assert_eq!(row.skill_match, "closest");
    let events = w.stored_events_after(before).await;
    assert_eq!(
        events[0].kind,
        EventKind::Classified {
            rule: Some("French".into()),
            queue_id: french.clone()
        }
    );
    assert_eq!(events[0].work_item_id.as_deref(), Some(&*fr.id));

    // The item's own priority wins over the rule's.
    let mut urgent = new_item("chat", &[("language", "fr")]);
    urgent.priority = Some(9);
    let urgent = live.create(urgent, None, &*w.bus).await.unwrap();
    assert_eq!((&*urgent.queue_id, urgent.priority), (&*french, 9));

    // The contact's category and language count; the first rule wins.
    let mut from_vip = new_item("chat", &[]);
    from_vip.contact_id = Some(contact(&w, "vip", "fr-CA").await);
    let from_vip = live.create(from_vip, None, &*w.bus).await.unwrap();
    assert_eq!(from_vip.queue_id, vip);
    assert_eq!(from_vip.customer_name.as_deref(), Some("Ann Lee"));
    let mut speaks_fr = new_item("chat", &[]);
    speaks_fr.contact_id = Some(contact(&w, "regular", "fr-CA").await);
    let speaks_fr = live.create(speaks_fr, None, &*w.bus).await.unwrap();
    assert_eq!(speaks_fr.queue_id, french);

    // No rule matches: the default queue, with no rule named.
    let before = live.seq;
    let other = live
        .create(new_item("chat", &[("language", "de")]), None, &*w.bus)
        .await
        .unwrap();
    assert_eq!((&*other.queue_id, other.priority), (&*general, 0));
    assert_eq!(
        w.stored_events_after(before).await[0].kind,
        EventKind::Classified {
            rule: None,
            queue_id: general.clone()
        }
    );

    // The id a channel chose beforehand is the item's.
    let preset = switchboard_store::new_id();
    let named = live
        .create(new_item("chat", &[]), Some(preset.clone()), &*w.bus)
        .await
        .unwrap();
    assert_eq!(named.id, preset);
}

#[tokio::test]
async fn an_explicit_queue_takes_the_skills_sent() {
    let w = World::new().await;
    let (s1, s2) = (w.skill("Billing").await, w.skill("German").await);
    w.queue("General", ChannelKind::Messaging, &[], true).await;
    let calls = w.queue("Calls", ChannelKind::Voice, &[], false).await;
    let mut live = w.live().await;
    let mut new = new_item("voice", &[]);
    new.queue_id = Some(calls.clone());
    new.skills = Some(vec![
        SkillNeedSpec {
            skill_id: s1.clone(),
            min: 3,
        },
        SkillNeedSpec {
            skill_id: s2.clone(),
            min: 10,
        },
    ]);
    new.skill_match = Some(SkillMatch::Closest);
    let item = live.create(new, None, &*w.bus).await.unwrap();
    assert_eq!((&*item.queue_id, item.priority), (&*calls, 0));
    assert_eq!(item.reason.as_ref().unwrap()["rule"], Value::Null);
    let row = w.row(&item.id).await;
    let needs: Value = serde_json::from_str(&row.needs).unwrap();
    assert_eq!(
        needs,
        json!([{"skill_id": s1, "min": 3}, {"skill_id": s2, "min": 10}])
    );
    assert_eq!(row.skill_match, "closest");
}

#[tokio::test]
async fn what_is_refused_writes_nothing() {
    let w = World::new().await;
    let skill = w.skill("Billing").await;
    let chat = w.queue("Chat", ChannelKind::Messaging, &[], true).await;
    let calls = w.queue("Calls", ChannelKind::Voice, &[], false).await;
    let mut live = w.live().await;
    let before = live.seq;

    let mut odd = new_item("fax", &[]);
    odd.kind = "weird".into();
    assert_eq!(
        refused(refusal(&mut live, &w, odd).await),
        pairs(&[("channel", "invalid"), ("kind", "invalid")])
    );

    let mut skills = new_item("chat", &[]);
    skills.queue_id = Some(chat.clone());
    let need = |skill_id: &str, min| SkillNeedSpec {
        skill_id: skill_id.into(),
        min,
    };
    skills.skills = Some(vec![need(&skill, 0), need(&skill, 3), need("nope", 2)]);
    assert_eq!(
        refused(refusal(&mut live, &w, skills).await),
        pairs(&[
            ("skills[0].min", "out_of_range"),
            ("skills[1].skill_id", "duplicate"),
            ("skills[2].skill_id", "unknown"),
        ])
    );

    let mut many = new_item("chat", &[]);
    many.queue_id = Some(chat.clone());
    many.skills = Some((0..21).map(|i| need(&format!("s{i}"), 1)).collect());
    let errors = refused(refusal(&mut live, &w, many).await);
    assert_eq!(errors[0], ("skills".into(), "too_long".into()));
    assert_eq!(errors.len(), 21, "the first 20 are checked");

    let mut nowhere = new_item("chat", &[]);
    nowhere.queue_id = Some("no-such-queue".into());
    assert_eq!(
        refused(refusal(&mut live, &w, nowhere).await),
        pairs(&[("queue_id", "unknown")])
    );

    let mut wrong_channel = new_item("chat", &[]);
    wrong_channel.queue_id = Some(calls.clone());
    let e = refusal(&mut live, &w, wrong_channel).await;
    let EngineError::Invalid(i) = &e else {
        panic!("{e:?}")
    };
    assert_eq!(
        (&*i.0[0].field, &*i.0[0].code, &*i.0[0].message),
        (
            "channel",
            "mismatch",
            "a chat item cannot wait in a voice queue"
        )
    );

    let mut stranger = new_item("chat", &[]);
    stranger.contact_id = Some("no-such-contact".into());
    assert_eq!(
        refused(refusal(&mut live, &w, stranger).await),
        pairs(&[("contact_id", "unknown")])
    );

    assert_eq!(live.seq, before);
    assert!(live.item_ix.is_empty() && live.info.is_empty());
    assert!(w.stored_events_after(before).await.is_empty());
}

#[tokio::test]
async fn without_a_rule_or_a_default_queue_there_is_no_route() {
    let w = World::new().await;
    w.queue("Chat", ChannelKind::Messaging, &[], false).await;
    let mut live = w.live().await;
    let e = live
        .create(new_item("chat", &[]), None, &*w.bus)
        .await
        .unwrap_err();
    assert_eq!(refused(e), pairs(&[("queue_id", "no_route")]));
}
