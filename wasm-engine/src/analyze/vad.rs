//! Voice activity: which hops hold speech. Behind a trait so that a neural detector can replace
//! the energy one; this one opens above the noise floor plus a margin and closes, with
//! hysteresis and a hangover, below a lower one (so a word's quiet tail is not cut).

use super::envelope::{Envelope, Level};
use super::noise::noise_floor;

pub trait VoiceActivityDetector {
    /// One flag per hop of `envelope`: true where someone speaks.
    fn detect(&self, envelope: &Envelope) -> Vec<bool>;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EnergyVad {
    /// Opens at this many hundredths of a dB above the noise floor.
    pub open_above_floor: Level,
    /// Closes below this many (must not exceed `open_above_floor`).
    pub close_above_floor: Level,
    /// Hops a closing level must last before the mask closes.
    pub hangover_hops: u32,
    /// Never opens below this absolute level, however low the floor (digital silence), and closes
    /// below it less the hysteresis: between the phrases of a gated recording a lossy codec leaves
    /// a residue (tens of ms decaying from -50 dB after each sound, Opus) that sits far above a
    /// floor of digital silence and would hold the mask open through every pause.
    pub min_open_level: Level,
}

impl Default for EnergyVad {
    fn default() -> Self {
        Self { open_above_floor: 1200, close_above_floor: 600, hangover_hops: 15, min_open_level: -6000 }
    }
}

impl VoiceActivityDetector for EnergyVad {
    fn detect(&self, envelope: &Envelope) -> Vec<bool> {
        let floor = i32::from(noise_floor(envelope));
        let open = (floor + i32::from(self.open_above_floor)).max(i32::from(self.min_open_level));
        let close_above = i32::from(self.close_above_floor.min(self.open_above_floor));
        let hysteresis = i32::from(self.open_above_floor) - close_above;
        let close = (floor + close_above).max(i32::from(self.min_open_level) - hysteresis).min(open);
        let mut mask = Vec::with_capacity(envelope.levels.len());
        let mut speaking = false;
        let mut quiet_run = 0u32;
        for &level in &envelope.levels {
            let level = i32::from(level);
            if !speaking {
                speaking = level >= open;
                quiet_run = 0;
            } else if level < close {
                quiet_run += 1;
                if quiet_run > self.hangover_hops {
                    speaking = false;
                    // the hangover hops were quiet after all
                    let start = mask.len() - (quiet_run as usize - 1);
                    mask[start..].iter_mut().for_each(|flag| *flag = false);
                }
            } else {
                quiet_run = 0;
            }
            mask.push(speaking);
        }
        mask
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn envelope(levels: Vec<Level>) -> Envelope {
        Envelope { sample_rate: 48_000, levels }
    }

    #[test]
    fn a_codec_residue_in_digital_silence_closes_the_mask() {
        // a gated recording: words, then digital silence but for a decaying codec residue
        let mut levels = vec![-10_000; 50];
        levels.extend((0..40).map(|hop| -2000 - (hop % 4) * 300)); // a word
        levels.extend((0..30).map(|hop| -5000 - hop * 100)); // -50 dB down to -79 dB
        levels.extend(vec![-10_000; 80]);
        let mask = EnergyVad::default().detect(&envelope(levels));
        assert!(mask[50..90].iter().all(|&v| v), "the word");
        assert!(!mask[108..].iter().any(|&v| v), "the residue under -66 dB is no voice");
    }

    #[test]
    fn opens_on_speech_and_bridges_short_dips() {
        let mut levels = vec![-6000; 50];
        levels.extend(vec![-2000; 30]); // a word
        levels.extend(vec![-5800; 10]); // a 100 ms dip inside the phrase
        levels.extend(vec![-2000; 30]);
        levels.extend(vec![-6000; 80]); // a pause
        let mask = EnergyVad::default().detect(&envelope(levels));
        assert!(!mask[..50].iter().any(|&v| v));
        assert!(mask[50..120].iter().all(|&v| v), "the dip is bridged");
        assert!(!mask[125..].iter().any(|&v| v), "the pause is not speech");
    }

    #[test]
    fn digital_silence_alone_never_opens() {
        let mask = EnergyVad::default().detect(&envelope(vec![-10_000; 100]));
        assert!(mask.iter().all(|&v| !v));
    }
}
