//! Webhooks on workerd: the sender (`fetch`, redirects not followed, 15 s for the whole answer,
//! only the start of its body kept) and the entry points' parts: a delivery message of the jobs
//! queue, the fan-out of recorded events after anything that may have recorded one, and the
//! sweep's restart of lost attempts.

use std::time::Duration;

use async_trait::async_trait;
use futures_util::StreamExt;
use futures_util::future::{Either, select};
use worker::{AbortController, Delay, Fetch, Headers, Method, Request, RequestInit, RequestRedirect};

use super::platform::ConsoleLog;
use crate::domain::ports::webhooks::{Answer, Outgoing, WebhookSender};
use crate::domain::ports::{Log, Ports};
use crate::domain::webhooks::delivery::{self, DeliveryDeps};

/// How long a receiver has to answer, body included.
const TIMEOUT: Duration = Duration::from_secs(15);
/// The most of an answer's body kept.
const EXCERPT_BYTES: usize = 1024;

#[derive(Debug)]
pub struct FetchSender;

#[async_trait(?Send)]
impl WebhookSender for FetchSender {
    async fn send(&self, outgoing: &Outgoing) -> Result<Answer, String> {
        let controller = AbortController::default();
        let signal = controller.signal();
        let exchange = Box::pin(async {
            let request = request(outgoing).map_err(|e| format!("the request: {e}"))?;
            let mut response =
                Fetch::Request(request).send_with_signal(&signal).await.map_err(|e| format!("no answer: {e}"))?;
            let retry_after = response.headers().get("retry-after").ok().flatten();
            let excerpt = excerpt(&mut response).await;
            Ok(Answer { status: response.status_code(), retry_after, excerpt })
        });
        match select(exchange, Box::pin(Delay::from(TIMEOUT))).await {
            Either::Left((answered, _)) => answered,
            Either::Right(((), _)) => {
                controller.abort();
                Err(format!("no answer within {} s", TIMEOUT.as_secs()))
            }
        }
    }
}

fn request(outgoing: &Outgoing) -> worker::Result<Request> {
    let headers = Headers::new();
    for (name, value) in &outgoing.headers {
        headers.set(name, value)?;
    }
    let mut init = RequestInit::new();
    init.with_method(Method::Post)
        .with_headers(headers)
        .with_body(Some(outgoing.body.as_str().into()))
        // a redirect is an answer like any other: following it would let a receiver point us
        // anywhere, past the URL checks
        .with_redirect(RequestRedirect::Manual);
    Request::new_with_init(&outgoing.url, &init)
}

/// The start of the answer's body, as text (the rest is not read).
async fn excerpt(response: &mut worker::Response) -> String {
    let mut kept = Vec::new();
    if let Ok(mut body) = response.stream() {
        while kept.len() < EXCERPT_BYTES {
            match body.next().await {
                Some(Ok(chunk)) => kept.extend_from_slice(&chunk),
                _ => break,
            }
        }
    }
    kept.truncate(EXCERPT_BYTES);
    String::from_utf8_lossy(&kept).into_owned()
}

/// A delivery message: one attempt. An error leaves the message to the queue's retry.
pub async fn deliver(
    ports: Ports<'_>,
    targets: crate::domain::webhooks::endpoints::Targets,
    delivery_id: &str,
) -> bool {
    let deps = DeliveryDeps { ports, sender: &FetchSender, targets };
    match delivery::deliver(&deps, delivery_id).await {
        Ok(()) => true,
        Err(error) => {
            ConsoleLog.error(delivery_id, &format!("webhook delivery: {error}"));
            false
        }
    }
}

/// Fans out the events recorded so far; a failure is logged and left to the next call or the
/// sweep (the events stay recorded).
pub async fn fan_out(ports: &Ports<'_>) {
    if let Err(error) = delivery::fan_out(ports).await {
        ConsoleLog.error("webhooks", &format!("fanning out events: {error}"));
    }
}
