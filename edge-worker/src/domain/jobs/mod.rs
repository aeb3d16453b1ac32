//! Running leased jobs (their rows and queue are ports, `ports::jobs`): a queue message starts
//! each attempt. An attempt is claimed once (a duplicate message finds the job no longer
//! `queued`), renewed by heartbeats, and ended once (a late or duplicate callback finds its
//! attempt over and changes nothing). A failed or abandoned attempt is retried with backoff up to
//! the job's limit, then the job fails.

pub mod attempt_urls;
pub mod runner;

/// Seconds before retry `attempt + 1` after attempt `attempt` failed: 5 s, 20 s, 80 s, 320 s,
/// then at most 15 minutes — a flaky container gets time to come back, a dead one is not hammered.
pub fn backoff_seconds(attempt: u32) -> u32 {
    let exponent = attempt.saturating_sub(1).min(8);
    (5u32 << (2 * exponent)).min(900)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let delays: Vec<u32> = (1..=7).map(backoff_seconds).collect();
        assert_eq!(delays, [5, 20, 80, 320, 900, 900, 900]);
    }
}
