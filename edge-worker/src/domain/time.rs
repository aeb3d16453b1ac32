//! Instants as integer milliseconds since the Unix epoch (UTC), shown as RFC 3339 on the wire.

use chrono::{DateTime, SecondsFormat};

/// Milliseconds since 1970-01-01T00:00:00Z. Integer, so storage and comparisons never drift;
/// serialised (in Durable Object storage) as that integer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// `2026-11-22T19:32:00.123Z`.
    pub fn to_rfc3339(self) -> String {
        match DateTime::from_timestamp_millis(self.0) {
            Some(instant) => instant.to_rfc3339_opts(SecondsFormat::Millis, true),
            // Outside chrono's range (±262,000 years): no clock or row of ours produces it.
            None => String::from("1970-01-01T00:00:00.000Z"),
        }
    }

    pub const fn minus_millis(self, millis: i64) -> Self {
        Self(self.0 - millis)
    }
}

/// API.md's `*_seconds` fields: decimal strings with millisecond precision ("324.412").
pub fn seconds_string(millis: u64) -> String {
    format!("{}.{:03}", millis / 1000, millis % 1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_rfc3339_utc_with_millis() {
        assert_eq!(Timestamp(0).to_rfc3339(), "1970-01-01T00:00:00.000Z");
        assert_eq!(Timestamp(1_795_375_920_123).to_rfc3339(), "2026-11-22T19:32:00.123Z");
    }
}
