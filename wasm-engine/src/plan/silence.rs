//! Dead air from the signal: runs of silent 10 ms hops at least `min_silence` long, shrunk by the
//! margin on each side that borders speech (a recording's very start and end need none).

use crate::analyze::{Analysis, HOPS_PER_SECOND, Level};
use crate::transcript::Millis;

const HOP_MILLIS: Millis = 1000 / HOPS_PER_SECOND as Millis;

/// Silent spans to remove, in milliseconds, sorted. `threshold`: hops below it (hundredths of
/// dBFS) are silent; `None` takes the voice-activity mask (relative to the noise floor).
pub fn removable(
    analysis: &Analysis,
    threshold: Option<Level>,
    min_silence: Millis,
    margin: Millis,
    duration: Millis,
) -> Vec<(Millis, Millis)> {
    let levels = &analysis.envelope.levels;
    let silent = |hop: usize| match threshold {
        Some(threshold) => levels[hop] < threshold,
        None => !analysis.voice.get(hop).copied().unwrap_or(false),
    };
    let hops = levels.len();
    let mut spans = Vec::new();
    let mut hop = 0;
    while hop < hops {
        if !silent(hop) {
            hop += 1;
            continue;
        }
        let first = hop;
        while hop < hops && silent(hop) {
            hop += 1;
        }
        let start = first as Millis * HOP_MILLIS;
        let end = if hop == hops { duration } else { (hop as Millis * HOP_MILLIS).min(duration) };
        if end.saturating_sub(start) < min_silence {
            continue;
        }
        let start = if first == 0 { 0 } else { start + margin };
        let end = if hop == hops { end } else { end.saturating_sub(margin) };
        if start < end {
            spans.push((start, end));
        }
    }
    spans
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::Envelope;

    #[test]
    fn long_silences_go_with_margins_short_ones_stay() {
        // 1 s quiet, 1 s speech, 0.3 s pause, 1 s speech, 2 s quiet to the end
        let mut levels = vec![-7000; 100];
        levels.extend(vec![-2000; 100]);
        levels.extend(vec![-7000; 30]);
        levels.extend(vec![-2000; 100]);
        levels.extend(vec![-7000; 200]);
        let analysis =
            Analysis { envelope: Envelope { sample_rate: 48_000, levels }, noise_floor: -7000, voice: Vec::new() };
        let spans = removable(&analysis, Some(-5000), 500, 150, 5_300);
        assert_eq!(spans, [(0, 850), (3_450, 5_300)]);
    }
}
