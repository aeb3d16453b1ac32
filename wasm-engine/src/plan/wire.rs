//! A plan as the API writes it (API.md "Cuts"): times in seconds with millisecond precision,
//! `kept_duration_seconds`, `source_duration_seconds`. The browser facade and the Worker both
//! speak this shape, so a plan made locally and one fetched from the API are interchangeable.

use serde::{Deserialize, Serialize};

use super::{CutPlan, Reason, Removal, Span};
use crate::error::{EngineError, Result};
use crate::transcript::Millis;

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct WireSpan {
    pub start: f64,
    pub end: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct WireRemoval {
    pub start: f64,
    pub end: f64,
    pub reason: Reason,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WirePlan {
    pub segments: Vec<WireSpan>,
    #[serde(default)]
    pub removed: Vec<WireRemoval>,
    #[serde(default)]
    pub kept_duration_seconds: f64,
    pub source_duration_seconds: f64,
}

fn seconds(millis: Millis) -> f64 {
    millis as f64 / 1000.0
}

fn millis(seconds: f64, field: impl FnOnce() -> String) -> Result<Millis> {
    let millis = (seconds * 1000.0).round();
    if millis.is_finite() && (0.0..=1e15).contains(&millis) {
        Ok(millis as Millis)
    } else {
        Err(EngineError::invalid_argument("not a time in seconds").at(field()))
    }
}

impl From<&CutPlan> for WirePlan {
    fn from(plan: &CutPlan) -> Self {
        Self {
            segments: plan.segments.iter().map(|s| WireSpan { start: seconds(s.start), end: seconds(s.end) }).collect(),
            removed: plan
                .removed
                .iter()
                .map(|r| WireRemoval { start: seconds(r.start), end: seconds(r.end), reason: r.reason })
                .collect(),
            kept_duration_seconds: seconds(plan.kept_duration),
            source_duration_seconds: seconds(plan.source_duration),
        }
    }
}

impl WirePlan {
    /// The plan in milliseconds, if its segments are sorted, disjoint and inside the source (a
    /// plan edited by hand in the browser is input like any other).
    pub fn into_plan(self) -> Result<CutPlan> {
        let source_duration = millis(self.source_duration_seconds, || "source_duration_seconds".into())?;
        let mut segments = Vec::with_capacity(self.segments.len());
        let mut previous_end = 0;
        for (index, span) in self.segments.iter().enumerate() {
            let start = millis(span.start, || format!("segments[{index}].start"))?;
            let end = millis(span.end, || format!("segments[{index}].end"))?;
            if start < previous_end || end <= start || end > source_duration {
                return Err(EngineError::invalid_argument(
                    "segments must be sorted, disjoint, non-empty and inside the source",
                )
                .at(format!("segments[{index}]")));
            }
            previous_end = end;
            segments.push(Span { start, end });
        }
        let removed = self
            .removed
            .iter()
            .enumerate()
            .map(|(index, r)| {
                Ok(Removal {
                    start: millis(r.start, || format!("removed[{index}].start"))?,
                    end: millis(r.end, || format!("removed[{index}].end"))?,
                    reason: r.reason,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let kept_duration = segments.iter().map(Span::duration).sum();
        Ok(CutPlan { segments, removed, kept_duration, source_duration })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_disordered_segments() {
        let plan = CutPlan {
            segments: vec![Span { start: 100, end: 1_500 }, Span { start: 2_000, end: 2_001 }],
            removed: vec![Removal { start: 1_500, end: 2_000, reason: Reason::Filler }],
            kept_duration: 1_401,
            source_duration: 3_000,
        };
        let wire = WirePlan::from(&plan);
        let json = serde_json::to_string(&wire).expect("serialises");
        assert!(json.contains(r#""reason":"filler""#) && json.contains(r#""kept_duration_seconds":1.401"#), "{json}");
        assert_eq!(serde_json::from_str::<WirePlan>(&json).expect("parses").into_plan().expect("valid"), plan);
        let overlapping =
            WirePlan { segments: vec![WireSpan { start: 0.0, end: 1.0 }, WireSpan { start: 0.5, end: 2.0 }], ..wire };
        assert_eq!(overlapping.into_plan().expect_err("refused").field.as_deref(), Some("segments[1]"));
    }
}
