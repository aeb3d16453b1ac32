//! Webhooks on the test platform and a scripted receiver: registration rules, fan-out to
//! subscribers only, one attempt per message, signatures, the retry schedule, `Retry-After`, 410,
//! five days of failures, redelivery and the sweep.

use std::cell::RefCell;
use std::collections::VecDeque;

use futures_executor::block_on;
use roughcut_shared::webhooks::{CreateWebhookEndpoint, UpdateWebhookEndpoint};

use super::delivery::{self, DeliveryDeps, RETRY_SCHEDULE_SECONDS};
use super::endpoints::{self, Targets};
use super::signature;
use crate::domain::DomainError;
use crate::domain::accounts::create_account;
use crate::domain::api_keys::Principal;
use crate::domain::page::Page;
use crate::domain::ports::Clock;
use crate::domain::ports::processing::EventRecord;
use crate::domain::ports::webhooks::{Answer, DeliveryRecord, DeliveryState, Outgoing, WebhookSender, WebhookStore};
use crate::domain::testing::TestPlatform;
use crate::domain::time::Timestamp;

/// A receiver that answers from a script (200 once it runs out) and keeps what it was sent.
#[derive(Debug, Default)]
struct Receiver {
    script: RefCell<VecDeque<Result<Answer, String>>>,
    received: RefCell<Vec<Outgoing>>,
}

impl Receiver {
    fn answering(answers: impl IntoIterator<Item = Result<Answer, String>>) -> Self {
        Self { script: RefCell::new(answers.into_iter().collect()), received: RefCell::default() }
    }
}

fn status(status: u16) -> Result<Answer, String> {
    Ok(Answer { status, retry_after: None, excerpt: String::new() })
}

#[async_trait::async_trait(?Send)]
impl WebhookSender for Receiver {
    async fn send(&self, outgoing: &Outgoing) -> Result<Answer, String> {
        self.received.borrow_mut().push(outgoing.clone());
        self.script.borrow_mut().pop_front().unwrap_or_else(|| status(200))
    }
}

struct World {
    platform: TestPlatform,
    principal: Principal,
}

const HOOK: &str = "https://hooks.example.com/roughcut";

impl World {
    fn new() -> Self {
        let platform = TestPlatform::default();
        let created = block_on(create_account(&platform.ports(), "acme")).expect("account");
        let principal = Principal { account_id: created.account.id, key_id: "key_1".into() };
        Self { platform, principal }
    }

    fn endpoint(&self, types: &[&str]) -> roughcut_shared::webhooks::WebhookEndpoint {
        let request = CreateWebhookEndpoint {
            url: HOOK.into(),
            event_types: types.iter().map(|t| (*t).to_owned()).collect(),
            description: None,
        };
        block_on(endpoints::create(&self.platform.ports(), &self.principal, &request, Targets::default()))
            .expect("endpoint")
    }

    /// A terminal event of the account, recorded as the stores record them (`evt_1` is about
    /// `cut_1`).
    fn event(&self, id: &str, event_type: &str) {
        self.platform.store.record_terminal_event(&EventRecord {
            id: id.into(),
            account_id: self.principal.account_id.clone(),
            event_type: event_type.into(),
            entity_id: id.replace("evt", "cut"),
            asset_id: Some("ast_1".into()),
            created_at: self.platform.clock.now(),
        });
    }

    fn later(&self, millis: i64) {
        self.platform.clock.set(Timestamp(self.platform.clock.now().0 + millis));
    }

    fn fan_out(&self) -> usize {
        block_on(delivery::fan_out(&self.platform.ports())).expect("fan out")
    }

    /// Runs the queue message of every attempt sent so far that has not run.
    fn deliver_all(&self, receiver: &Receiver) {
        let deps = DeliveryDeps { ports: self.platform.ports(), sender: receiver, targets: Targets::default() };
        let messages = self.platform.messages.delivery_messages();
        for (id, _) in messages {
            block_on(delivery::deliver(&deps, &id)).expect("deliver");
        }
    }

    fn deliver(&self, receiver: &Receiver, delivery_id: &str) {
        let deps = DeliveryDeps { ports: self.platform.ports(), sender: receiver, targets: Targets::default() };
        block_on(delivery::deliver(&deps, delivery_id)).expect("deliver");
    }

    fn attempts(&self, endpoint_id: &str) -> Vec<DeliveryRecord> {
        let page = Page::parse(Some(100), None).expect("page");
        let mut listed = block_on(self.platform.store.deliveries(endpoint_id, page)).expect("list").items;
        listed.reverse();
        listed
    }
}

fn header<'a>(outgoing: &'a Outgoing, name: &str) -> &'a str {
    outgoing.headers.iter().find(|(n, _)| n == name).map_or("", |(_, v)| v.as_str())
}

#[test]
fn registration_checks_the_url_and_the_types_and_shows_the_secret_once() {
    let world = World::new();
    let ports = world.platform.ports();
    let bad = CreateWebhookEndpoint {
        url: "http://10.0.0.1/hook".into(),
        event_types: vec!["cut.completed".into(), "cut.exploded".into()],
        description: None,
    };
    let refused = block_on(endpoints::create(&ports, &world.principal, &bad, Targets::default()));
    let Err(DomainError::Invalid(fields)) = refused else { panic!("{refused:?}") };
    let names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(names, ["body.url", "body.event_types[1]"]);
    let none = CreateWebhookEndpoint { url: HOOK.into(), event_types: vec![], description: None };
    let refused = block_on(endpoints::create(&ports, &world.principal, &none, Targets::default()));
    assert!(matches!(refused, Err(DomainError::Invalid(f)) if f[0].field == "body.event_types"));
    let local = CreateWebhookEndpoint { url: "http://127.0.0.1:9/x".into(), ..none.clone() };
    let allowed = Targets { allow_loopback_http: true };
    let local = CreateWebhookEndpoint { event_types: vec!["cut.completed".into()], ..local };
    assert!(block_on(endpoints::create(&ports, &world.principal, &local, allowed)).is_ok(), "the local stack's");

    let created = world.endpoint(&["cut.completed", "cut.completed", "render.completed"]);
    assert!(created.secret.as_deref().is_some_and(|s| s.starts_with("whsec_")));
    assert_eq!(created.event_types, ["cut.completed", "render.completed"], "each once");
    let read = block_on(endpoints::get(&ports, &world.principal, &created.id)).expect("get");
    assert_eq!(read.secret, None, "shown on create only");
    let stranger = Principal { account_id: "acc_other".into(), key_id: String::new() };
    assert_eq!(
        block_on(endpoints::get(&ports, &stranger, &created.id)),
        Err(DomainError::NotFound("webhook endpoint"))
    );
    assert!(block_on(endpoints::delete(&ports, &stranger, &created.id)).is_err());

    let disable = UpdateWebhookEndpoint { disabled: Some(true), ..Default::default() };
    let disabled = block_on(endpoints::update(&ports, &world.principal, &created.id, &disable, Targets::default()));
    assert_eq!(disabled.expect("update").disabled_reason.as_deref(), Some("by_user"));
    let tested = block_on(endpoints::test(&ports, &world.principal, &created.id));
    assert!(matches!(tested, Err(DomainError::Conflict(_))), "a disabled endpoint is not sent tests");
    block_on(endpoints::delete(&ports, &world.principal, &created.id)).expect("delete");
    assert!(block_on(endpoints::get(&ports, &world.principal, &created.id)).is_err());
}

#[test]
fn events_go_once_to_the_enabled_endpoints_subscribed_to_them_when_they_happened() {
    let world = World::new();
    let cuts = world.endpoint(&["cut.completed"]);
    let renders = world.endpoint(&["render.completed"]);
    let off = world.endpoint(&["cut.completed"]);
    let disable = UpdateWebhookEndpoint { disabled: Some(true), ..Default::default() };
    let ports = world.platform.ports();
    block_on(endpoints::update(&ports, &world.principal, &off.id, &disable, Targets::default())).expect("off");
    world.later(1_000);
    world.event("evt_1", "cut.completed");
    world.later(1_000);
    let late = world.endpoint(&["cut.completed"]);
    assert_eq!(world.fan_out(), 1);
    assert_eq!(world.fan_out(), 0, "fanned out once");
    assert_eq!(world.attempts(&cuts.id).len(), 1);
    for other in [&renders, &off, &late] {
        assert!(world.attempts(&other.id).is_empty(), "{} gets nothing", other.id);
    }

    let receiver = Receiver::default();
    world.deliver_all(&receiver);
    world.deliver_all(&receiver);
    let sent = receiver.received.borrow();
    assert_eq!(sent.len(), 1, "a duplicate message sends nothing");
    let request = &sent[0];
    assert_eq!(request.url, HOOK);
    assert_eq!(request.body, r#"{"type":"cut.completed","data":{"entity_id":"cut_1","asset_id":"ast_1"}}"#);
    assert_eq!(header(request, "webhook-id"), "evt_1");
    let timestamp: i64 = header(request, "webhook-timestamp").parse().expect("seconds");
    assert_eq!(timestamp, world.platform.clock.now().0 / 1000);
    let secret = block_on(world.platform.store.endpoint_by_id(&cuts.id)).expect("store").expect("endpoint").secret;
    assert_eq!(
        header(request, "webhook-signature"),
        signature::signatures(&[&secret], "evt_1", timestamp, &request.body)
    );
    for name in ["id", "timestamp", "signature"] {
        assert_eq!(header(request, &format!("svix-{name}")), header(request, &format!("webhook-{name}")));
    }
    let attempts = world.attempts(&cuts.id);
    assert_eq!((attempts[0].state, attempts[0].status_code), (DeliveryState::Succeeded, Some(200)));
}

#[test]
fn failures_are_retried_on_the_schedule_with_the_same_id_and_a_410_disables() {
    let world = World::new();
    let endpoint = world.endpoint(&["cut.completed"]);
    world.event("evt_1", "cut.completed");
    world.fan_out();
    let receiver = Receiver::answering([
        status(500),
        Err("connection refused".into()),
        Ok(Answer { status: 503, retry_after: Some("1".into()), excerpt: "busy".into() }),
        status(200),
    ]);
    world.deliver_all(&receiver);
    let attempts = world.attempts(&endpoint.id);
    assert_eq!(attempts.len(), 2);
    let (failed, retry) = (&attempts[0], &attempts[1]);
    assert_eq!((failed.state, failed.status_code), (DeliveryState::Failed, Some(500)));
    let delay = retry.due_at.0 - world.platform.clock.now().0;
    assert!((4_500..=5_500).contains(&delay), "5 s ± 10 %: {delay} ms");
    assert_eq!(failed.next_retry_at, Some(retry.due_at));
    assert_eq!((retry.attempt, retry.schedule_step), (2, Some(1)));

    world.deliver(&receiver, &retry.id);
    assert_eq!(receiver.received.borrow().len(), 1, "not due yet: not sent");
    let (resent, wait) = world.platform.messages.delivery_messages().last().cloned().expect("a message");
    assert_eq!((resent.as_str(), wait), (retry.id.as_str(), u32::try_from((delay + 999) / 1000).expect("s")));

    world.later(delay);
    world.deliver(&receiver, &retry.id);
    let third = world.attempts(&endpoint.id)[2].clone();
    assert_eq!(world.attempts(&endpoint.id)[1].error.as_deref(), Some("connection refused"));
    let delay = third.due_at.0 - world.platform.clock.now().0;
    assert!((270_000..=330_000).contains(&delay), "5 min ± 10 %: {delay} ms");
    world.later(delay);
    world.deliver(&receiver, &third.id);
    let fourth = world.attempts(&endpoint.id)[3].clone();
    assert_eq!(fourth.due_at.0 - world.platform.clock.now().0, 1_000, "a 503's Retry-After");
    assert_eq!(world.attempts(&endpoint.id)[2].response_excerpt.as_deref(), Some("busy"));
    world.later(1_000);
    world.deliver(&receiver, &fourth.id);
    let ids: Vec<String> = receiver.received.borrow().iter().map(|r| header(r, "webhook-id").to_owned()).collect();
    assert_eq!(ids, ["evt_1"; 4], "one id across the retries");
    assert_eq!(world.attempts(&endpoint.id).last().map(|a| a.state), Some(DeliveryState::Succeeded));

    world.event("evt_2", "cut.completed");
    world.fan_out();
    let gone = Receiver::answering([status(410)]);
    let first = world.attempts(&endpoint.id).last().cloned().expect("attempt");
    world.deliver(&gone, &first.id);
    let stored = block_on(world.platform.store.endpoint_by_id(&endpoint.id)).expect("store").expect("endpoint");
    assert_eq!(stored.disabled.map(|d| d.reason).as_deref(), Some("gone"));
    assert_eq!(world.attempts(&endpoint.id).len(), 5, "no retry after a 410");
}

#[test]
fn the_schedule_ends_after_nine_retries_and_five_days_of_failures_disable() {
    let world = World::new();
    let endpoint = world.endpoint(&["cut.completed"]);
    world.event("evt_1", "cut.completed");
    world.fan_out();
    let failing = Receiver::answering((0..20).map(|_| status(500)));
    let mut next = world.attempts(&endpoint.id)[0].clone();
    let started = world.platform.clock.now();
    loop {
        world.later((next.due_at.0 - world.platform.clock.now().0).max(0));
        world.deliver(&failing, &next.id);
        let attempts = world.attempts(&endpoint.id);
        match attempts.last() {
            Some(last) if last.state == DeliveryState::Pending => next = last.clone(),
            _ => break,
        }
    }
    let attempts = world.attempts(&endpoint.id);
    assert_eq!(attempts.len(), 1 + RETRY_SCHEDULE_SECONDS.len(), "the first and nine retries");
    let took = world.platform.clock.now().0 - started.0;
    assert!((2 * 86_400_000..4 * 86_400_000).contains(&took), "about three days: {took} ms");
    let stored = block_on(world.platform.store.endpoint_by_id(&endpoint.id)).expect("store").expect("endpoint");
    assert_eq!(stored.disabled, None, "three days of failures do not disable");

    // more failing events, past five days since the first failure (the schedule took 2.8 to 3.5
    // days with its jitter): it is disabled
    world.later(2 * 86_400_000 + 86_400_000 / 2);
    world.event("evt_2", "cut.completed");
    world.fan_out();
    let last = world.attempts(&endpoint.id).last().cloned().expect("attempt");
    world.deliver(&failing, &last.id);
    let stored = block_on(world.platform.store.endpoint_by_id(&endpoint.id)).expect("store").expect("endpoint");
    assert_eq!(stored.disabled.map(|d| d.reason).as_deref(), Some("failing"));
}

#[test]
fn a_rotated_secret_signs_beside_the_new_one_for_a_day() {
    let world = World::new();
    let created = world.endpoint(&["cut.completed"]);
    let ports = world.platform.ports();
    let rotated = block_on(endpoints::rotate_secret(&ports, &world.principal, &created.id)).expect("rotate");
    let (old, new) = (created.secret.expect("old"), rotated.secret.expect("new"));
    assert_ne!(old, new);
    let tested = block_on(endpoints::test(&ports, &world.principal, &created.id)).expect("test");
    assert_eq!(tested.event_type, "webhook.test");
    let receiver = Receiver::default();
    world.deliver(&receiver, &tested.id);
    let sent = receiver.received.borrow()[0].clone();
    let timestamp: i64 = header(&sent, "webhook-timestamp").parse().expect("seconds");
    let id = header(&sent, "webhook-id");
    let expected = signature::signatures(&[&new, &old], id, timestamp, &sent.body);
    assert_eq!(header(&sent, "webhook-signature"), expected);
    assert_eq!(sent.body, format!(r#"{{"type":"webhook.test","data":{{"entity_id":"{}"}}}}"#, created.id));

    world.later(24 * 60 * 60 * 1000 + 1);
    let later = block_on(endpoints::test(&ports, &world.principal, &created.id)).expect("test");
    world.deliver(&receiver, &later.id);
    let sent = receiver.received.borrow()[1].clone();
    assert_eq!(header(&sent, "webhook-signature").split(' ').count(), 1, "the old secret expired");
}

#[test]
fn a_redelivery_is_one_more_attempt_of_the_same_event_and_the_sweep_restarts_lost_ones() {
    let world = World::new();
    let endpoint = world.endpoint(&["cut.completed"]);
    world.event("evt_1", "cut.completed");
    world.fan_out();
    let receiver = Receiver::answering([status(200), status(500)]);
    world.deliver_all(&receiver);
    let first = world.attempts(&endpoint.id)[0].clone();
    let ports = world.platform.ports();
    let again = block_on(delivery::redeliver(&ports, &world.principal, &endpoint.id, &first.id)).expect("redeliver");
    assert_eq!((again.attempt, again.event_id.as_str()), (2, "evt_1"));
    world.deliver(&receiver, &again.id);
    assert_eq!(world.attempts(&endpoint.id).len(), 2, "a failed redelivery is not retried");
    let stranger = Principal { account_id: "acc_other".into(), key_id: String::new() };
    assert!(block_on(delivery::redeliver(&ports, &stranger, &endpoint.id, &first.id)).is_err());

    // an attempt whose consumer died mid-send, and one whose message was lost
    world.later(1_000);
    world.event("evt_2", "cut.completed");
    world.event("evt_3", "cut.completed");
    world.fan_out();
    let attempts = world.attempts(&endpoint.id);
    let of_event = |id: &str| attempts.iter().find(|a| a.event_id == id).expect("an attempt");
    let (dying, lost) = (of_event("evt_2"), of_event("evt_3"));
    assert!(block_on(world.platform.store.claim_delivery(&dying.id, world.platform.clock.now())).expect("claim"));
    world.later(61_000);
    let messages_before = world.platform.messages.delivery_messages().len();
    assert_eq!(block_on(delivery::sweep(&ports)).expect("sweep"), 2);
    let attempts = world.attempts(&endpoint.id);
    let died = attempts.iter().find(|a| a.id == dying.id).expect("died");
    assert_eq!(died.state, DeliveryState::Failed);
    assert!(died.next_retry_at.is_some(), "retried");
    let messages = world.platform.messages.delivery_messages();
    let resent: Vec<&str> = messages[messages_before..].iter().map(|(id, _)| id.as_str()).collect();
    assert!(resent.contains(&lost.id.as_str()), "{resent:?}");
    assert_eq!(resent.len(), 2, "the lost one again, and the died one's retry");
}
