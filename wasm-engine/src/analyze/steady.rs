//! Steady sound: a level held within 1.2 dB for a second and a half or more — a test
//! tone, bars and tone, a beep held on. It is sound, not silence, so silence removal keeps it as it
//! keeps any sound; but it is no speech, and the planner does not believe words a recogniser writes
//! over it (Whisper invents some). A voice never holds that still for that long: a held
//! hesitation ("ummm") lasts under a second and a half and sinks as the breath runs out.

use super::envelope::Level;

/// The spread (hundredths of a dB) a steady sound stays within: the ripple a lossy codec puts on
/// a pure tone (up to 0.6 dB hop to hop, AAC at 64 kbps, measured), twice over.
const STEADY_SPREAD: i32 = 120;
/// Hops a level must hold to be a steady sound: longer than a held hesitation. Speech holds a
/// level within 1 dB from hop to hop for 0.32 s at most in a real telephone conversation.
const STEADY_HOPS: usize = 150;

/// One flag per hop: part of a steady sound, `STEADY_HOPS` hops or more whose levels all lie
/// within `STEADY_SPREAD` of each other. Each hop starts at most one scan, and a scan stops at
/// the first hop out of its spread, which in speech comes within hops.
pub fn steady(levels: &[Level]) -> Vec<bool> {
    let mut mask = vec![false; levels.len()];
    let mut start = 0;
    while start < levels.len() {
        let (mut low, mut high) = (levels[start], levels[start]);
        let mut end = start + 1;
        while let Some(&level) = levels.get(end) {
            let (lower, higher) = (low.min(level), high.max(level));
            if i32::from(higher) - i32::from(lower) > STEADY_SPREAD {
                break;
            }
            (low, high, end) = (lower, higher, end + 1);
        }
        if end - start >= STEADY_HOPS {
            mask[start..end].fill(true);
            start = end;
        } else {
            start += 1;
        }
    }
    mask
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tone_holds_its_level_and_speech_does_not() {
        // bars and tone: 2 s of a tone at −20 dBFS with a codec's ripple, over room tone, then
        // speech fluttering by a dB from hop to hop and falling silent between syllables
        let mut levels = vec![-6000; 50];
        levels.extend((0..200).map(|hop| -2000 - (hop % 3) * 30));
        levels.extend(vec![-6000; 50]);
        let syllable = [-2600, -2000, -1900, -2100, -2000, -2200, -2500, -3500, -5000, -5800];
        levels.extend(syllable.iter().cycle().take(300));
        let mask = steady(&levels);
        assert!(mask[50..250].iter().all(|&s| s), "the tone");
        assert!(!mask[250..].iter().any(|&s| s), "half a second of room, and speech");
    }

    #[test]
    fn a_held_hesitation_is_not_steady() {
        // "ummm" held for 1.2 s, flat within a tenth of a dB from hop to hop
        let um: Vec<Level> = (0..120).map(|hop| -2000 - hop * 2).collect();
        assert!(!steady(&um).iter().any(|&s| s), "too short");
        // held on for 3 s, it sinks by 6 dB as the breath runs out
        let held: Vec<Level> = (0..300).map(|hop| -2000 - hop * 2).collect();
        assert!(!steady(&held).iter().any(|&s| s), "it drifts");
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
