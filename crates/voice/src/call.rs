//! One inbound call, from INVITE to hang-up: answer with G.711, become a
//! voice work item, greet the caller and hold them with prompts; offer a
//! callback when the queue overflows (30 s, then every 120 s) and on "1"
//! turn the work item into a callback that keeps its place; when an agent
//! accepts, ring the agent's phone and bridge the two. When the agent
//! hangs up first and the queue asks for ratings, ask the caller to press
//! 1 to 5 before the call ends.

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use rsipstack::dialog::dialog::{DialogState, TerminatedReason};
use rsipstack::dialog::invite_dialog::InviteDialog;
use rsipstack::sip::{Header, StatusCode};
use rsipstack::transaction::Transaction;
use switchboard_core::voice::callback::EXPIRY;
use switchboard_core::voice::csat::{Step, Survey, ANSWER_TIMEOUT};
use switchboard_core::voice::dtmf::sip_info_digit;
use switchboard_core::voice::prompts::Prompt;
use switchboard_core::voice::sdp;
use switchboard_store::activities::Author;
use switchboard_store::voice::NewCallback;
use tokio::sync::mpsc;

use super::media::{Audio, Leg, LegEvent};
use super::outbound::{self, Placed};
use super::registrar;
use super::{CallNote, Voice};
use crate::logged;
use switchboard_routing::engine::NewWorkItem;

/// Why a call ended, for the log.
#[derive(Debug)]
enum End {
    CallerHungUp,
    Silent,
    CallbackRequested,
    /// The agent's phone hung up.
    AgentHungUp,
    /// The agent closed (or was taken off) the work item in the workspace.
    ClosedInWorkspace,
    Ended,
}

impl End {
    /// Who ended the call, as its record says.
    fn ended_by(&self) -> &'static str {
        match self {
            End::CallerHungUp | End::CallbackRequested => "customer",
            End::AgentHungUp | End::ClosedInWorkspace => "agent",
            End::Silent | End::Ended => "system",
        }
    }
}

fn hold_loop(hold: &Audio) -> Audio {
    concat(&[hold, &Audio::silence(3000)])
}

fn concat(parts: &[&Audio]) -> Audio {
    let mut u = Vec::new();
    let mut a = Vec::new();
    for p in parts {
        u.extend_from_slice(&p.ulaw);
        a.extend_from_slice(&p.alaw);
    }
    Audio {
        ulaw: u.into(),
        alaw: a.into(),
    }
}

pub async fn inbound(v: Arc<Voice>, mut tx: Transaction) {
    let req = tx.original.clone();
    let caller = registrar::header(&req, "From")
        .and_then(|f| registrar::contact_uri(&f))
        .and_then(|(uri, _)| registrar::uri_user(&uri))
        .unwrap_or_else(|| "anonymous".into());
    let called = registrar::header(&req, "To")
        .and_then(|f| registrar::contact_uri(&f))
        .and_then(|(uri, _)| registrar::uri_user(&uri))
        .unwrap_or_default();
    let call_id = registrar::header(&req, "Call-ID").unwrap_or_default();

    let negotiated =
        sdp::parse_offer(&String::from_utf8_lossy(req.body())).and_then(|o| sdp::negotiate(&o));
    let negotiated = match negotiated {
        Ok(n) => n,
        Err(e) => {
            tracing::warn!(error = %e, call_id, "an INVITE's SDP was refused");
            v.counters.refused.fetch_add(1, Ordering::Relaxed);
            let _ = tx.reply(StatusCode::NotAcceptableHere).await;
            return;
        }
    };
    let (leg, leg_events) = match v.media.leg() {
        Ok(x) => x,
        Err(e) => {
            tracing::error!(error = %e, "no RTP port for a call");
            let _ = tx.reply(StatusCode::ServiceUnavailable).await;
            return;
        }
    };
    leg.negotiated(&negotiated);
    // The INVITE's real source (the datagram's, never the Via's text).
    if let Some(peer) = crate::transaction::peer(&tx) {
        leg.sip_peer(peer.ip());
    }

    let (state_tx, mut states) = v.sip.dialogs.new_dialog_state_channel();
    let dialog = match v.sip.dialogs.get_or_create_server_invite(
        &tx,
        state_tx,
        None,
        Some(v.sip.contact.clone()),
    ) {
        Ok(d) => d,
        Err(e) => {
            tracing::warn!(error = %e, "an INVITE could not start a dialog");
            leg.close();
            let _ = tx.reply(StatusCode::BadRequest).await;
            return;
        }
    };
    let mut handler = dialog.clone();
    tokio::spawn(async move {
        let _ = handler.handle(&mut tx).await;
    });
    let answer = sdp::answer(&negotiated, leg.local, rand::random::<u32>() as u64, 1);
    if let Err(e) = dialog.accept(
        Some(vec![Header::ContentType("application/sdp".into())]),
        Some(answer.into_bytes()),
    ) {
        tracing::warn!(error = %e, "answering a call failed");
        leg.close();
        v.sip.dialogs.remove_dialog(&dialog.id());
        return;
    }
    v.counters.calls_total.fetch_add(1, Ordering::Relaxed);

    let mut call = Call {
        v: v.clone(),
        dialog,
        leg,
        leg_events,
        caller,
        called,
        call_id,
        item: None,
        confirmation: None,
        handed_over: None,
        record: None,
        language: v.config.language.clone(),
    };
    let end = call.run(&mut states).await;
    tracing::info!(call_id = call.call_id, ?end, "call ended");
    if let Some(record) = &call.record {
        logged(
            v.db.end_call(record, end.ended_by()).await,
            "ending a call's record failed",
        );
    }
    call.leg.close();
    v.sip.dialogs.remove_dialog(&call.dialog.id());
    if let Some(item) = &call.item {
        v.unregister_call(item);
    }
}

struct Call {
    v: Arc<Voice>,
    dialog: InviteDialog,
    leg: Arc<Leg>,
    leg_events: mpsc::UnboundedReceiver<LegEvent>,
    caller: String,
    called: String,
    call_id: String,
    item: Option<String>,
    confirmation: Option<Audio>,
    /// The work item handed over to the callbacks after "1".
    handed_over: Option<String>,
    /// The work item whose call record this call keeps.
    record: Option<String>,
    /// The prompts' language for this caller.
    language: String,
}

impl Call {
    async fn run(&mut self, states: &mut rsipstack::dialog::dialog::DialogStateReceiver) -> End {
        // Until the caller's ACK confirms the answer.
        loop {
            match tokio::time::timeout(Duration::from_secs(32), states.recv()).await {
                Ok(Some(DialogState::Confirmed(..))) => break,
                Ok(Some(DialogState::Terminated(..))) | Ok(None) | Err(_) => {
                    return End::CallerHungUp
                }
                Ok(Some(_)) => {}
            }
        }
        let v = self.v.clone();
        let contact_id = match v.db.contact_by_phone(&self.caller).await {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(error = %e, "looking the caller up failed");
                None
            }
        };
        let language = match &contact_id {
            Some(id) => {
                v.db.contact(id)
                    .await
                    .ok()
                    .and_then(|c| switchboard_core::language::supported(c.locale.as_deref()))
                    .map_or_else(|| v.config.language.clone(), str::to_owned)
            }
            None => v.config.language.clone(),
        };
        self.language = language.clone();
        let mut attributes = BTreeMap::new();
        attributes.insert("caller".to_owned(), self.caller.clone());
        attributes.insert("called".to_owned(), self.called.clone());
        attributes.insert("call_id".to_owned(), self.call_id.clone());
        attributes.insert("language".to_owned(), language.clone());
        let (notes_tx, mut notes) = mpsc::unbounded_channel();
        let view = match v
            .engine
            .create(NewWorkItem {
                channel: "voice".into(),
                kind: "normal".into(),
                contact_id: contact_id.clone(),
                attributes,
                queue_id: v.inbound_queue(),
                skills: None,
                skill_match: None,
                priority: None,
            })
            .await
        {
            Ok(view) => view,
            Err(e) => {
                tracing::error!(error = %e, "an inbound call could not become a work item");
                let _ = self.dialog.bye().await;
                return End::Ended;
            }
        };
        let item = view.id.clone();
        logged(
            v.db.start_call(&item, "inbound", &self.caller, contact_id.as_deref())
                .await,
            "recording a call failed",
        );
        self.record = Some(item.clone());
        if matches!(view.status.as_str(), "closed" | "abandoned") {
            // The queue's overflow ended it at once (closed, out of hours,
            // voicemail — which the voice side does not record): the caller
            // hears the greeting and the call ends rather than waiting for
            // nobody.
            tracing::info!(
                call_id = self.call_id,
                item,
                "the queue did not take the call"
            );
            let greeting = v
                .prompt(Prompt::Greeting, &language, Some(&view.queue_id), None)
                .await;
            let length = greeting.duration();
            self.leg.play(vec![greeting], None);
            tokio::select! {
                _ = tokio::time::sleep(length + Duration::from_millis(300)) => {
                    let _ = self.dialog.bye().await;
                }
                _ = wait_hangup(states) => {}
            }
            return End::Ended;
        }
        self.item = Some(item.clone());
        v.register_call(&item, notes_tx);
        // The caller waits from now: the offer's 30 s count from here, not
        // from when the prompts below are ready (synthesising them can take
        // seconds on a busy machine).
        let waiting_since = jiff::Timestamp::now();

        let greeting = v
            .prompt(Prompt::Greeting, &language, Some(&view.queue_id), None)
            .await;
        let hold = hold_loop(
            &v.prompt(Prompt::Hold, &language, Some(&view.queue_id), None)
                .await,
        );
        let mut intro = vec![greeting];
        if let Some(p) = view.position {
            intro.push(
                v.prompt(Prompt::Position, &language, Some(&view.queue_id), Some(p))
                    .await,
            );
        }
        self.leg.play(intro, Some(hold.clone()));
        // Ready before they are needed, so the offer comes on time and the
        // confirmation follows the key press at once.
        let offer_audio = v
            .prompt(Prompt::CallbackOffer, &language, Some(&view.queue_id), None)
            .await;
        self.confirmation = Some(
            v.prompt(
                Prompt::CallbackConfirmation,
                &language,
                Some(&view.queue_id),
                None,
            )
            .await,
        );

        // A callback is offered only to a number the dialling policy lets
        // Switchboard call (issue 13): a premium or foreign From is never
        // dialled back.
        let may_call_back = match v.config.dial.check_number(&self.caller) {
            Ok(_) => true,
            Err(r) => {
                tracing::info!(
                    call_id = self.call_id,
                    rule = r.rule,
                    "no callback offer: the caller's number is outside the dialling policy"
                );
                false
            }
        };
        let mut offering = false;
        let mut last_offer: Option<jiff::Timestamp> = None;
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        loop {
            tokio::select! {
                s = states.recv() => match s {
                    Some(DialogState::Terminated(_, reason)) => {
                        tracing::debug!(?reason, "caller's dialog ended");
                        self.abandon_if_waiting().await;
                        return End::CallerHungUp;
                    }
                    Some(DialogState::Info(_, req, handle)) => {
                        let ct = registrar::header(&req, "Content-Type").unwrap_or_default();
                        let _ = handle.reply(StatusCode::OK).await;
                        if let Some(d) = sip_info_digit(&ct, &String::from_utf8_lossy(req.body())) {
                            v.counters.digits.fetch_add(1, Ordering::Relaxed);
                            if let Some(end) = self.digit(d, last_offer.is_some(), &language).await {
                                self.hand_over(&mut notes);
                                return end;
                            }
                        }
                    }
                    Some(_) => {}
                    None => return End::CallerHungUp,
                },
                e = self.leg_events.recv() => match e {
                    Some(LegEvent::Digit(d)) => {
                        v.counters.digits.fetch_add(1, Ordering::Relaxed);
                        if let Some(end) = self.digit(d, last_offer.is_some(), &language).await {
                            self.hand_over(&mut notes);
                            return end;
                        }
                    }
                    Some(LegEvent::Silent) | None => {
                        tracing::info!(call_id = self.call_id, "no RTP from the caller: ending the call");
                        self.abandon_if_waiting().await;
                        let _ = self.dialog.bye().await;
                        return End::Silent;
                    }
                },
                n = notes.recv() => match n {
                    Some(CallNote::OfferCallback) => offering = true,
                    Some(CallNote::Connect { agent_id }) => {
                        match self.connect(&agent_id, states, &mut notes).await {
                            Some(end) => return end,
                            None => self.leg.play(Vec::new(), Some(hold.clone())),
                        }
                    }
                    Some(CallNote::End) | None => {
                        let _ = self.dialog.bye().await;
                        return End::Ended;
                    }
                },
                _ = tick.tick() => {
                    let now = jiff::Timestamp::now();
                    if may_call_back && v.config.offer.due(waiting_since, last_offer, offering, now) {
                        last_offer = Some(now);
                        let offer = offer_audio.clone();
                        self.leg.play(vec![offer], Some(hold.clone()));
                        v.counters.offers.fetch_add(1, Ordering::Relaxed);
                        tracing::info!(call_id = self.call_id, "callback offered");
                    }
                }
            }
        }
    }

    /// A key press. "1" after a callback offer requests the callback.
    async fn digit(&mut self, d: char, offered: bool, language: &str) -> Option<End> {
        tracing::debug!(call_id = self.call_id, digit = %d, "DTMF");
        if d != '1' || !offered {
            return None;
        }
        let v = self.v.clone();
        let item = self.item.clone()?;
        let now = jiff::Timestamp::now();
        let view = v.engine.view(&item).await.ok()?;
        let recorded =
            v.db.create_callback(
                &NewCallback {
                    origin: "direct".into(),
                    phone: self.caller.clone(),
                    contact_id: view.contact_id.clone(),
                    queue_id: Some(view.queue_id.clone()),
                    attributes: "{}".into(),
                    windows: serde_json::json!([{
                        "start": switchboard_core::time::format(now),
                        "end": switchboard_core::time::format(now + EXPIRY),
                    }])
                    .to_string(),
                    status: "queued".into(),
                    work_item_id: Some(item.clone()),
                    max_attempts: i64::from(v.config.retry.attempts),
                    retry_minutes: i64::from(v.config.retry.delay_minutes),
                    next_attempt_at: None,
                    expires_at: switchboard_core::time::format(now + EXPIRY),
                    idempotency_key: None,
                    request_hash: None,
                    created_by: "caller".into(),
                },
                &Author {
                    agent_id: None,
                    name: "Switchboard".into(),
                },
            )
            .await;
        let callback_id = match recorded {
            Ok(switchboard_store::voice::Recorded::Created(c))
            | Ok(switchboard_store::voice::Recorded::Replayed(c)) => c.id,
            Err(e) => {
                tracing::error!(error = %e, "recording a callback failed");
                return None;
            }
        };
        let mut attrs = BTreeMap::new();
        attrs.insert("callback_number".to_owned(), self.caller.clone());
        attrs.insert("callback_id".to_owned(), callback_id.clone());
        if let Err(e) = v.engine.mark_callback(&item, attrs).await {
            // An agent took the call in between: the caller stays on, and
            // the callback just recorded is withdrawn.
            tracing::info!(error = %e, "the callback request came too late");
            let _ =
                v.db.update_callback(
                    &callback_id,
                    &["queued"],
                    &switchboard_store::voice::CallbackUpdate {
                        status: "cancelled".into(),
                        closed_reason: Some("an agent answered the call".into()),
                        ..Default::default()
                    },
                    None,
                )
                .await;
            return None;
        }
        // From now on the item is a callback: the callbacks dial it when an
        // agent accepts, not this call; its record says so.
        logged(
            v.db.start_call(&item, "callback", &self.caller, view.contact_id.as_deref())
                .await,
            "recording a callback's call failed",
        );
        self.record = None;
        v.unregister_call(&item);
        self.item = None;
        self.handed_over = Some(item.clone());
        v.counters
            .callbacks_requested
            .fetch_add(1, Ordering::Relaxed);
        let confirmation = match self.confirmation.clone() {
            Some(c) => c,
            None => {
                v.prompt(
                    Prompt::CallbackConfirmation,
                    language,
                    Some(&view.queue_id),
                    None,
                )
                .await
            }
        };
        let length = confirmation.duration();
        self.leg.play(vec![confirmation], None);
        tokio::time::sleep(length + Duration::from_millis(300)).await;
        let _ = self.dialog.bye().await;
        Some(End::CallbackRequested)
    }

    async fn abandon_if_waiting(&self) {
        if let Some(item) = &self.item {
            if let Err(e) = self.v.engine.abandon(item).await {
                tracing::debug!(error = %e, "the caller left an item already with an agent");
            }
        }
    }

    /// Rings the agent and bridges; returns when the call is over, or None
    /// when the agent's phone could not be reached (the call is back in
    /// line and keeps waiting).
    async fn connect(
        &mut self,
        agent_id: &str,
        states: &mut rsipstack::dialog::dialog::DialogStateReceiver,
        notes: &mut mpsc::UnboundedReceiver<CallNote>,
    ) -> Option<End> {
        let v = self.v.clone();
        if let Some(item) = &self.item {
            logged(
                v.db.set_call_state(item, "ringing_agent", Some(agent_id))
                    .await,
                "recording a call's state failed",
            );
        }
        self.leg.play(Vec::new(), Some(ringback()));
        let placed = tokio::select! {
            p = outbound::ring_agent(&v, agent_id) => p,
            _ = wait_hangup(states) => return Some(End::CallerHungUp),
        };
        let mut agent: Placed = match placed {
            Ok(p) => p,
            Err(e) => {
                tracing::warn!(agent = agent_id, error = %e, "the agent's phone could not be reached");
                // Back in line for the next agent; the call's notes keep
                // coming to this task.
                if let Some(item) = &self.item {
                    logged(
                        v.db.set_call_state(item, "waiting", None).await,
                        "recording a call's state failed",
                    );
                    if let Ok(view) = v.engine.view(item).await {
                        let _ = v.engine.transfer(item, &view.queue_id, None).await;
                    }
                }
                return None;
            }
        };
        self.leg
            .count_relays(v.counters.relayed_from_customers.clone());
        agent
            .leg
            .count_relays(v.counters.relayed_from_agents.clone());
        v.media.bridge(&self.leg, &agent.leg);
        tracing::info!(
            call_id = self.call_id,
            agent = agent_id,
            "caller and agent bridged"
        );
        if let Some(item) = &self.item {
            logged(
                v.db.set_call_state(item, "connected", Some(agent_id)).await,
                "recording a call's state failed",
            );
        }
        let end = tokio::select! {
            _ = wait_hangup(states) => {
                outbound::hang_up(&v, &agent).await;
                End::CallerHungUp
            }
            _ = outbound::ended(&mut agent.states) => {
                agent.leg.close();
                v.sip.dialogs.remove_dialog(&agent.dialog.id());
                End::AgentHungUp
            }
            // The work item was closed (or taken away) in the workspace.
            _ = ended_note(notes) => {
                outbound::hang_up(&v, &agent).await;
                let _ = self.dialog.bye().await;
                End::ClosedInWorkspace
            }
        };
        if matches!(end, End::AgentHungUp) {
            // The caller is still on the line: a queue that asks for
            // ratings asks now (issue 16), else the call ends.
            match self.survey_queue().await {
                Some(queue) => self.survey(&queue, states).await,
                None => {
                    let _ = self.dialog.bye().await;
                }
            }
        }
        Some(end)
    }

    /// The queue of this call's work item, when it asks callers to rate
    /// the call after the agent hung up.
    async fn survey_queue(&self) -> Option<String> {
        let item = self.item.as_deref()?;
        let queue_id = self.v.engine.view(item).await.ok()?.queue_id;
        match self.v.db.queue(&queue_id).await {
            Ok(q) if q.csat_survey && q.channel == "voice" => Some(queue_id),
            Ok(_) => None,
            Err(e) => {
                tracing::warn!(error = %e, "reading the call's queue failed: no rating asked");
                None
            }
        }
    }

    /// After the agent hung up: asks the caller to press 1 to 5, stores
    /// the score on the call (reports and timeline with it), thanks them
    /// and hangs up. No key within the time allowed, a wrong key twice,
    /// or the caller hanging up: no rating. The call's record is ended
    /// first (by the agent), so its talk time leaves the survey out.
    async fn survey(
        &mut self,
        queue: &str,
        states: &mut rsipstack::dialog::dialog::DialogStateReceiver,
    ) {
        let v = self.v.clone();
        let Some(item) = self.item.clone() else {
            let _ = self.dialog.bye().await;
            return;
        };
        // Quiet rather than nothing while the question is made ready.
        self.leg.silence();
        if let Some(record) = self.record.take() {
            logged(
                v.db.end_call(&record, End::AgentHungUp.ended_by()).await,
                "ending a call's record failed",
            );
        }
        let question = v
            .prompt(Prompt::Csat, &self.language, Some(queue), None)
            .await;
        let thanks = v
            .prompt(Prompt::CsatThanks, &self.language, Some(queue), None)
            .await;
        // Keys pressed while talking to the agent are not answers.
        while let Ok(LegEvent::Digit(_)) = self.leg_events.try_recv() {}
        let mut survey = Survey::default();
        loop {
            self.leg.play(vec![question.clone()], None);
            let deadline = tokio::time::Instant::now() + question.duration() + ANSWER_TIMEOUT;
            tracing::info!(call_id = self.call_id, "caller asked to rate the call");
            let key = loop {
                tokio::select! {
                    _ = tokio::time::sleep_until(deadline) => break None,
                    s = states.recv() => match s {
                        Some(DialogState::Terminated(..)) | None => {
                            tracing::info!(call_id = self.call_id, "the caller hung up: no rating");
                            return;
                        }
                        Some(DialogState::Info(_, req, handle)) => {
                            let ct = registrar::header(&req, "Content-Type").unwrap_or_default();
                            let _ = handle.reply(StatusCode::OK).await;
                            if let Some(d) = sip_info_digit(&ct, &String::from_utf8_lossy(req.body())) {
                                v.counters.digits.fetch_add(1, Ordering::Relaxed);
                                break Some(d);
                            }
                        }
                        Some(_) => {}
                    },
                    e = self.leg_events.recv() => match e {
                        Some(LegEvent::Digit(d)) => {
                            v.counters.digits.fetch_add(1, Ordering::Relaxed);
                            break Some(d);
                        }
                        Some(LegEvent::Silent) | None => break None,
                    },
                }
            };
            let Some(key) = key else {
                tracing::info!(call_id = self.call_id, "no rating key: the call ends");
                break;
            };
            match survey.key(key) {
                Step::Rated(score) => {
                    match v
                        .db
                        .rate_call(&item, score, &switchboard_core::time::now())
                        .await
                    {
                        Ok(_) => {
                            tracing::info!(
                                call_id = self.call_id,
                                score,
                                "the caller rated the call"
                            );
                        }
                        Err(e) => tracing::warn!(error = %e, "recording a call's rating failed"),
                    }
                    let length = thanks.duration();
                    self.leg.play(vec![thanks.clone()], None);
                    tokio::select! {
                        _ = tokio::time::sleep(length + Duration::from_millis(300)) => {}
                        _ = wait_hangup(states) => return,
                    }
                    break;
                }
                Step::AskAgain => {
                    tracing::debug!(call_id = self.call_id, key = %key, "not a rating: asking again");
                }
                Step::GiveUp => {
                    tracing::info!(call_id = self.call_id, "no valid rating key: the call ends");
                    break;
                }
            }
        }
        let _ = self.dialog.bye().await;
    }

    /// After "1": notes the call received before it handed its work item
    /// over to the callbacks (an agent's acceptance racing the key press)
    /// are passed on, so the callback is dialled rather than forgotten.
    fn hand_over(&self, notes: &mut mpsc::UnboundedReceiver<CallNote>) {
        let Some(item) = self.handed_over.clone() else {
            return;
        };
        while let Ok(n) = notes.try_recv() {
            if let CallNote::Connect { agent_id } = n {
                let v = self.v.clone();
                let item = item.clone();
                tokio::spawn(
                    async move { super::callbacks::on_assigned(&v, &item, &agent_id).await },
                );
            }
        }
    }
}

/// Resolves when a note says the call is over.
async fn ended_note(notes: &mut mpsc::UnboundedReceiver<CallNote>) {
    loop {
        match notes.recv().await {
            Some(CallNote::End) | None => return,
            Some(_) => {}
        }
    }
}

/// Resolves when the caller's dialog ends.
async fn wait_hangup(
    states: &mut rsipstack::dialog::dialog::DialogStateReceiver,
) -> TerminatedReason {
    while let Some(s) = states.recv().await {
        if let DialogState::Terminated(_, r) = s {
            return r;
        }
    }
    TerminatedReason::Timeout
}

/// The ring-back tone while the agent's phone rings: 440 + 480 Hz, 2 s on,
/// 4 s off (North American ring-back, which callers everywhere recognise).
fn ringback() -> Audio {
    let mut samples: Vec<i16> = (0..16000)
        .map(|i| {
            let t = i as f64 / 8000.0;
            (((t * 440.0 * std::f64::consts::TAU).sin()
                + (t * 480.0 * std::f64::consts::TAU).sin())
                * 3000.0) as i16
        })
        .collect();
    samples.extend(std::iter::repeat_n(0, 32000));
    Audio::from_linear(&samples)
}
