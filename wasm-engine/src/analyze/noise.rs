//! The noise floor: the level under which the quietest tenth of a recording's hops lie — room
//! tone in a talking-head recording, or digital silence where a tenth of it is exactly that —
//! and never above `MAX_FLOOR`. Computed with a histogram of levels, so in constant memory and
//! linear time.

use super::envelope::{Envelope, Level, SILENCE};

/// The percentile of hop levels taken as the floor.
const FLOOR_PERCENTILE: u64 = 10;
/// The loudest floor (hundredths of dBFS). Room tone lies at −60 to −45 dBFS, a noisy room's
/// near −40; a quieter tenth louder than that is sound itself (a tone from end to end, speech
/// without a pause, music), and taken as the floor it would make all of it silence, to be cut
/// whole. Kept under it, that sound is voice, and keeping it is the safe error.
const MAX_FLOOR: Level = -4000;

/// `SILENCE` for an empty envelope.
pub fn noise_floor(envelope: &Envelope) -> Level {
    let offset = i32::from(SILENCE);
    let mut histogram = vec![0u64; (i32::from(Level::MAX) - offset + 1) as usize];
    let mut counted = 0u64;
    for &level in &envelope.levels {
        histogram[(i32::from(level) - offset) as usize] += 1;
        counted += 1;
    }
    if counted == 0 {
        return SILENCE;
    }
    let wanted = (counted * FLOOR_PERCENTILE).div_ceil(100).max(1);
    let mut seen = 0;
    for (index, &count) in histogram.iter().enumerate() {
        seen += count;
        if seen >= wanted {
            return ((index as i32 + offset) as Level).min(MAX_FLOOR);
        }
    }
    SILENCE
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_floor_is_the_quiet_tenth() {
        let mut levels = vec![SILENCE; 100];
        levels.extend(std::iter::repeat_n(-6000, 200)); // room tone
        levels.extend(std::iter::repeat_n(-2000, 800)); // speech
        let envelope = Envelope { sample_rate: 48_000, levels };
        assert_eq!(noise_floor(&envelope), -6000);
        let mostly_silent = [vec![SILENCE; 300], vec![-2000; 700]].concat();
        assert_eq!(noise_floor(&Envelope { sample_rate: 48_000, levels: mostly_silent }), SILENCE);
        assert_eq!(noise_floor(&Envelope { sample_rate: 48_000, levels: Vec::new() }), SILENCE);
    }

    #[test]
    fn a_sound_from_end_to_end_is_no_floor() {
        // a test tone throughout, or speech that never pauses: its quiet tenth is no room tone
        let tone = Envelope { sample_rate: 48_000, levels: vec![-2100; 500] };
        assert_eq!(noise_floor(&tone), MAX_FLOOR);
        use crate::analyze::{EnergyVad, VoiceActivityDetector};
        assert!(EnergyVad::default().detect(&tone).iter().all(|&voiced| voiced), "the tone is sound");
    }
}
