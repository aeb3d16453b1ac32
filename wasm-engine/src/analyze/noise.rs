//! The noise floor: the level under which the quietest tenth of a recording's hops lie — room
//! tone in a talking-head recording, or digital silence where a tenth of it is exactly that.
//! Computed with a histogram of levels, so in constant memory and linear time.

use super::envelope::{Envelope, Level, SILENCE};

/// The percentile of hop levels taken as the floor.
const FLOOR_PERCENTILE: u64 = 10;

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
            return (index as i32 + offset) as Level;
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
}
