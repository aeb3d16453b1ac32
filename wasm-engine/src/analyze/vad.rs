//! Voice activity: which hops hold speech. Behind a trait so that a neural detector can replace
//! the energy one; this one opens above the noise floor plus a margin and closes, with
//! hysteresis and a hangover, below a lower one (so a word's quiet tail is not cut). A steady
//! sound (a test tone, a beep, a held note) is no voice, however loud.

use super::envelope::{Envelope, Level};
use super::noise::noise_floor;

pub trait VoiceActivityDetector {
    /// One flag per hop of `envelope`: true where someone speaks.
    fn detect(&self, envelope: &Envelope) -> Vec<bool>;
}

/// Hop-to-hop change (hundredths of a dB) under which a sound holds its level: over the ripple a
/// lossy codec puts on a pure tone (up to 0.6 dB, AAC at 64 kbps, measured).
const STEADY_STEP: i32 = 100;
/// Hops a level must hold to be a steady sound. Speech never does for this long: each syllable
/// rises and falls by many dB within a tenth of a second. Measured at 1 dB: at most 0.14 s in
/// espeak-ng speech, 0.32 s in a real telephone conversation (a beep in it, most likely).
const STEADY_HOPS: usize = 60;

/// One flag per hop: part of a steady sound, a level held to within `STEADY_STEP` from hop to hop
/// for `STEADY_HOPS` hops or more.
pub fn steady(levels: &[Level]) -> Vec<bool> {
    let mut mask = vec![false; levels.len()];
    let mut start = 0;
    for hop in 1..=levels.len() {
        let holds = hop < levels.len() && (i32::from(levels[hop]) - i32::from(levels[hop - 1])).abs() < STEADY_STEP;
        if !holds {
            if hop - start >= STEADY_HOPS {
                mask[start..hop].fill(true);
            }
            start = hop;
        }
    }
    mask
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
        for (voiced, steady) in mask.iter_mut().zip(steady(&envelope.levels)) {
            *voiced &= !steady;
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
    fn a_steady_tone_is_no_voice_however_loud() {
        // bars and tone: 2 s of a tone at −20 dBFS over room tone, then speech fluttering by a dB
        // from hop to hop and falling silent between syllables
        let mut levels = vec![-6000; 50];
        levels.extend(vec![-2000; 200]);
        levels.extend(vec![-6000; 50]);
        let syllable = [-2600, -2000, -1900, -2100, -2000, -2200, -2500, -3500, -5000, -5800];
        levels.extend(syllable.iter().cycle().take(300));
        let mask = EnergyVad::default().detect(&envelope(levels.clone()));
        assert!(!mask[..300].iter().any(|&v| v), "the tone is voiced");
        assert!(mask[300..].iter().filter(|&&v| v).count() > 200, "the speech is not voiced");
        assert!(steady(&levels)[50..250].iter().all(|&s| s), "the tone");
        assert!(!steady(&levels)[250..].iter().any(|&s| s), "half a second of room, and speech");
    }

    #[test]
    fn a_level_held_shorter_is_not_steady() {
        let mut levels = vec![-2000; STEADY_HOPS - 1];
        levels.push(-2500);
        assert!(!steady(&levels).iter().any(|&s| s));
        levels.insert(0, -2000);
        assert!(steady(&levels)[..STEADY_HOPS].iter().all(|&s| s));
    }

    #[test]
    fn digital_silence_alone_never_opens() {
        let mask = EnergyVad::default().detect(&envelope(vec![-10_000; 100]));
        assert!(mask.iter().all(|&v| !v));
    }
}
