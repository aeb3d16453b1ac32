//! Steady sound: a level held to within a dB from one 10 ms hop to the next for over half a
//! second — a test tone, a beep, bars and tone, a held note. It is sound, not silence, so silence
//! removal keeps it as it keeps any sound; but it is no speech: the planner does not believe words
//! a recogniser writes over it (Whisper invents some) and does not cut it as a hesitation.

use super::envelope::Level;

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tone_holds_its_level_and_speech_does_not() {
        // bars and tone: 2 s of a tone at −20 dBFS over room tone, then speech fluttering by a dB
        // from hop to hop and falling silent between syllables
        let mut levels = vec![-6000; 50];
        levels.extend(vec![-2000; 200]);
        levels.extend(vec![-6000; 50]);
        let syllable = [-2600, -2000, -1900, -2100, -2000, -2200, -2500, -3500, -5000, -5800];
        levels.extend(syllable.iter().cycle().take(300));
        let mask = steady(&levels);
        assert!(mask[50..250].iter().all(|&s| s), "the tone");
        assert!(!mask[250..].iter().any(|&s| s), "half a second of room, and speech");
    }

    #[test]
    fn a_level_held_shorter_is_not_steady() {
        let mut levels = vec![-2000; STEADY_HOPS - 1];
        levels.push(-2500);
        assert!(!steady(&levels).iter().any(|&s| s));
        levels.insert(0, -2000);
        assert!(steady(&levels)[..STEADY_HOPS].iter().all(|&s| s));
    }
}
