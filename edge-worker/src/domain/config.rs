//! The deployment's settings the domain runs with, read once per invocation by the adapters:
//! prices, how job attempts are leased and reached, and what the container is asked for.

use roughcut_shared::jobs::SpeechFormat;

use super::time::Timestamp;

/// Prices, as configuration (API.md: "the rate card is configuration, not code").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateCard {
    pub credits_per_started_minute: i64,
}

impl Default for RateCard {
    fn default() -> Self {
        Self { credits_per_started_minute: 1 }
    }
}

impl RateCard {
    /// One charge per *started* minute: 90 s → 2 credits at the default rate; never nothing for
    /// a file that has any duration.
    pub fn credits_for(&self, duration_ms: u64) -> i64 {
        let minutes = duration_ms.div_ceil(60_000).max(1);
        i64::try_from(minutes).unwrap_or(i64::MAX).saturating_mul(self.credits_per_started_minute)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessingConfig {
    pub jobs: RunnerConfig,
    pub rate_card: RateCard,
    /// Asked of the container when a transcriber is configured.
    pub speech: Option<SpeechFormat>,
}

/// How job attempts are run in this deployment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunnerConfig {
    /// Where the media container reaches the worker (the origin of job links).
    pub origin: String,
    pub signing_secret: String,
    /// How long an attempt may go without a heartbeat before it is presumed dead.
    pub lease_ms: i64,
}

impl RunnerConfig {
    pub const fn lease_until(&self, now: Timestamp) -> Timestamp {
        Timestamp(now.0 + self.lease_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_started_minute_costs() {
        let card = RateCard::default();
        assert_eq!(card.credits_for(90_000), 2);
        assert_eq!(card.credits_for(60_000), 1);
        assert_eq!(card.credits_for(60_001), 2);
        assert_eq!(card.credits_for(1), 1);
        assert_eq!(card.credits_for(0), 1);
        assert_eq!(RateCard { credits_per_started_minute: 3 }.credits_for(90_000), 6);
    }
}
