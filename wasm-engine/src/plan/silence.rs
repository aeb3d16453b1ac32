//! Dead air from the signal: runs of silent 10 ms hops at least `min_silence` long, shrunk by the
//! margin on each side that borders speech (a recording's very start and end need none). A run's
//! edges are refined inside the bordering loud hop from its energy: a hop at half the power of
//! the speech beside it is taken as half speech, half silence — so edges land within a
//! millisecond or two of the sample where the sound stops, not on the hop grid.

use super::runs;
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
    let silent = silent_hop(analysis, threshold);
    let hops = levels.len();
    let mut spans = Vec::new();
    for run in runs(hops, silent) {
        let (first, hop) = (run.start, run.end);
        let start = if first == 0 {
            0
        } else {
            (first - 1) as Millis * HOP_MILLIS + sounding_part(levels, first - 1, first, first.checked_sub(2))
        };
        let end = if hop == hops {
            duration
        } else {
            (hop as Millis * HOP_MILLIS + HOP_MILLIS
                - sounding_part(levels, hop, first, (hop + 1 < hops).then_some(hop + 1)))
            .min(duration)
        };
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

/// Whether every hop of `start..end` is silent by the test `removable` makes.
pub fn all_silent(analysis: &Analysis, threshold: Option<Level>, start: Millis, end: Millis) -> bool {
    let silent = silent_hop(analysis, threshold);
    let first = (start / HOP_MILLIS) as usize;
    let end = (end.div_ceil(HOP_MILLIS) as usize).min(analysis.envelope.levels.len());
    (first..end).all(silent)
}

/// The test of a silent hop: below `threshold` (hundredths of dBFS), or without it, outside the
/// voice-activity mask.
fn silent_hop(analysis: &Analysis, threshold: Option<Level>) -> impl Fn(usize) -> bool + '_ {
    move |hop| match threshold {
        Some(threshold) => analysis.envelope.levels[hop] < threshold,
        None => !analysis.voice.get(hop).copied().unwrap_or(false),
    }
}

/// Milliseconds of hop `edge` that sound, estimated from its power between the silence (hop
/// `quiet`) and the sound beside it (hop `sound`, or the edge itself when there is none).
fn sounding_part(levels: &[Level], edge: usize, quiet: usize, sound: Option<usize>) -> Millis {
    let power = |hop: usize| 10f64.powf(f64::from(levels[hop]) / 1000.0);
    let (edge_power, quiet_power) = (power(edge), power(quiet));
    let sound_power = sound.map_or(edge_power, power).max(edge_power);
    if sound_power <= quiet_power {
        return HOP_MILLIS;
    }
    let fraction = ((edge_power - quiet_power) / (sound_power - quiet_power)).clamp(0.0, 1.0);
    (fraction * HOP_MILLIS as f64).round() as Millis
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

    #[test]
    fn edges_are_refined_inside_the_bordering_hop() {
        // speech at −20 dB; the hop where it stops holds 3 ms of it (−25.2 dB), the hop where it
        // starts again 6 ms (−22.2 dB)
        let mut levels = vec![-2000; 50];
        levels.push(-2523);
        levels.extend(vec![-9000; 100]);
        levels.push(-2222);
        levels.extend(vec![-2000; 50]);
        let analysis =
            Analysis { envelope: Envelope { sample_rate: 48_000, levels }, noise_floor: -9000, voice: Vec::new() };
        assert_eq!(removable(&analysis, Some(-5000), 500, 0, 2_020), [(503, 1_514)]);
    }
}
