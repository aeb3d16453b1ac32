//! Unworded sound: voiced stretches between kept words that no word accounts for — the "um" the
//! recogniser did not write, the stutter whose words came back with zero-length times — found
//! from the signal so that they can be removed as fillers.
//!
//! Only the gaps between two timed kept words are searched: sound before the first word or after
//! the last may be speech the recogniser never transcribed (a lead-in, a closing remark), and
//! there are no words around it to say it is a hesitation.

use super::runs;
use crate::analyze::{Analysis, HOPS_PER_SECOND, Level};
use crate::transcript::{Millis, Word};

const HOP_MILLIS: Millis = 1000 / HOPS_PER_SECOND as Millis;
/// A hop sounds at this many hundredths of a dB above the noise floor: the level under which
/// `EnergyVad` closes. The mask alone would not do for the edges: it opens only at +12 dB, a
/// hop or two into a soft onset, and a detector may hold it open after the sound.
pub(super) const SOUND_ABOVE_FLOOR: i32 = 600;
/// The speech level around a gap is this percentile of its neighbouring words' hop levels: the
/// level of their vowels. A median would depend on how much of the words is consonant and
/// closure; espeak-ng's "so we should go to the market tomorrow" has its median 8.6 dB under its
/// 90th percentile.
const SPEECH_PERCENTILE: usize = 90;
/// A stretch whose loudest hop stays this far (hundredths of a dB) below the speech level is a
/// breath, not a filler. Fillers are voiced vowels and nasals said at speaking effort: espeak-ng's
/// "um", "uh" and "hmm" peak at −13.5, −13.8 and −14.7 dBFS against its sentences' 90th
/// percentiles of −14.6 to −15.8 dBFS — within 2 dB. An inhalation at a close microphone is
/// unvoiced turbulence, commonly 20–30 dB under the vowels (from the literature on breath
/// detection, not measured here: no recording with breaths is at hand). 12 dB leaves a filler
/// said 10 dB softer than the speech around it a filler, and a breath 8 dB from passing as one.
const BREATH_BELOW_SPEECH: i32 = 1200;

/// What counts as an unworded filler.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unworded {
    /// Shorter stretches are clicks, lip smacks, plosive bursts (10–50 ms), not hesitations.
    pub min_length: Millis,
    /// A gap holding more unworded sound than this, all stretches together, is more likely
    /// speech the recogniser dropped than hesitation, and is left whole: keeping an "um" is the
    /// safe error, cutting a sentence is not. Counted per gap, not per stretch, because dropped
    /// speech falls apart into short phrases at every pause longer than the detector's hangover.
    pub max_per_gap: Millis,
    /// Each timed kept word protects its time widened by this much on either side, for word
    /// times are only as good as the model.
    pub guard: Millis,
}

impl Default for Unworded {
    /// `min_length` 120 ms: an "um" or "uh" lasts 150–600 ms, a click under 50 ms. `max_per_gap`
    /// 1,500 ms: two or three hesitations, not a sentence. `guard` 100 ms: Whisper base times
    /// words to about 60 ms, so the guard holds a word's sound with room to spare, yet stays
    /// under the pause that usually parts a word from a hesitation after it; sound running on
    /// into a guard is left whole besides (see [`stretches`]), so a word timed worse than that
    /// keeps its sound when the sound is continuous.
    fn default() -> Self {
        Self { min_length: 120, max_per_gap: 1_500, guard: 100 }
    }
}

/// Voiced stretches that no kept word accounts for, as removable `(start, end)` spans in
/// milliseconds, sorted and disjoint, edges on the 10 ms hop grid at the first and last hop that
/// sounds (the caller snaps cuts to quiet points and applies margins).
///
/// `kept`: the words the plan keeps, in time order, none overlapping. A zero-length word (one the
/// recogniser did not really time) covers and protects nothing. A stretch is a maximal run of
/// hops the voice mask holds or that sound above the noise floor, holding at least one voiced
/// hop, trimmed to its sounding hops. It is returned when it lies between two timed kept words,
/// clear of both guards — a run that reaches into a guard may be the word's own sound mistimed,
/// and is never cut, nor cut in two — is at least `min_length` long, peaks within
/// `BREATH_BELOW_SPEECH` of the neighbouring words' speech level, and its gap holds no more than
/// `max_per_gap` of such stretches.
///
/// Linear in hops and words: each gap's hops are scanned a constant number of times, each word's
/// hops gathered at most twice.
pub fn stretches<'w>(
    analysis: &Analysis,
    kept: impl IntoIterator<Item = &'w Word>,
    settings: &Unworded,
) -> Vec<(Millis, Millis)> {
    let levels = &analysis.envelope.levels;
    let hops = levels.len() as Millis;
    let sound_level = i32::from(analysis.noise_floor) + SOUND_ABOVE_FLOOR;
    let sounding = |hop: usize| i32::from(levels[hop]) >= sound_level;
    let voiced = |hop: usize| analysis.voice.get(hop).copied().unwrap_or(false);
    let active = |hop: usize| voiced(hop) || sounding(hop);
    let timed: Vec<(Millis, Millis)> = kept.into_iter().filter(|w| w.end > w.start).map(|w| (w.start, w.end)).collect();
    let mut found = Vec::new();
    let mut scratch = Vec::new();
    for pair in timed.windows(2) {
        let (before, after) = (pair[0], pair[1]);
        // the whole hops between the two guards
        let first = (before.1 + settings.guard).div_ceil(HOP_MILLIS).min(hops) as usize;
        let end = (after.0.saturating_sub(settings.guard) / HOP_MILLIS).min(hops) as usize;
        if first >= end {
            continue;
        }
        let mut candidates = Vec::new();
        for run in runs(end - first, |i| active(first + i)) {
            let (run_start, run_end) = (first + run.start, first + run.end);
            let into_guard_before = run_start == first && first > 0 && active(first - 1);
            let into_guard_after = run_end == end && end < levels.len() && active(end);
            if into_guard_before || into_guard_after || !(run_start..run_end).any(voiced) {
                continue;
            }
            let Some(start) = (run_start..run_end).find(|&hop| sounding(hop)) else {
                continue;
            };
            let stop = (start..run_end).rev().find(|&hop| sounding(hop)).expect("the start sounds") + 1;
            if (stop - start) as Millis * HOP_MILLIS >= settings.min_length {
                candidates.push((start, stop));
            }
        }
        if candidates.is_empty() {
            continue;
        }
        let Some(speech) = speech_level(levels, [before, after], &mut scratch) else {
            continue;
        };
        candidates.retain(|&(start, stop)| {
            let peak = levels[start..stop].iter().copied().max().expect("a stretch has hops");
            i32::from(peak) >= speech - BREATH_BELOW_SPEECH
        });
        let total: Millis = candidates.iter().map(|&(start, stop)| (stop - start) as Millis * HOP_MILLIS).sum();
        if total <= settings.max_per_gap {
            found.extend(
                candidates.into_iter().map(|(start, stop)| (start as Millis * HOP_MILLIS, stop as Millis * HOP_MILLIS)),
            );
        }
    }
    found
}

/// The `SPEECH_PERCENTILE` level of the hops of `words`; `None` when they lie past the envelope.
fn speech_level(levels: &[Level], words: [(Millis, Millis); 2], scratch: &mut Vec<Level>) -> Option<i32> {
    let hops = levels.len() as Millis;
    scratch.clear();
    for (start, end) in words {
        let (first, end) = ((start / HOP_MILLIS).min(hops) as usize, end.div_ceil(HOP_MILLIS).min(hops) as usize);
        scratch.extend_from_slice(&levels[first..end]);
    }
    if scratch.is_empty() {
        return None;
    }
    let index = (scratch.len() - 1) * SPEECH_PERCENTILE / 100;
    Some(i32::from(*scratch.select_nth_unstable(index).1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::{EnergyVad, Envelope, VoiceActivityDetector, noise_floor};
    use crate::plan::testing::flutter;

    const ROOM: Level = -6500;
    const SPEECH: Level = -2000;
    const FILLER: Level = -2300;
    const BREATH: Level = -4500;

    fn word(start: Millis, end: Millis) -> Word {
        Word { text: "w".into(), start, end, confidence: None }
    }

    /// `millis` of room tone, each kept word sounding at speech level through its time, the
    /// `sounds` `(start, end, level)` laid over it; the mask from the real detector.
    fn analysis(millis: Millis, words: &[Word], sounds: &[(Millis, Millis, Level)]) -> Analysis {
        let mut levels = vec![ROOM; (millis / HOP_MILLIS) as usize];
        let spoken = words.iter().map(|w| (w.start, w.end, SPEECH));
        for (start, end, level) in spoken.chain(sounds.iter().copied()) {
            flutter(&mut levels[(start / HOP_MILLIS) as usize..(end / HOP_MILLIS) as usize], level);
        }
        let envelope = Envelope { sample_rate: 48_000, levels };
        let voice = EnergyVad::default().detect(&envelope);
        Analysis { noise_floor: noise_floor(&envelope), voice, envelope }
    }

    fn found(millis: Millis, words: &[Word], sounds: &[(Millis, Millis, Level)]) -> Vec<(Millis, Millis)> {
        stretches(&analysis(millis, words, sounds), words, &Unworded::default())
    }

    #[test]
    fn an_um_between_words_is_found_tight_to_its_sound() {
        let words = [word(500, 800), word(2_000, 2_300)];
        // a soft onset the detector does not open on, the vowel, a soft tail: sound 1,100–1,440
        let um = [(1_100, 1_140, -5_700), (1_140, 1_420, FILLER), (1_420, 1_440, -5_600)];
        let spans = found(3_000, &words, &um);
        assert_eq!(spans.len(), 1, "{spans:?}");
        let (start, end) = spans[0];
        assert!(start.abs_diff(1_100) <= 20 && end.abs_diff(1_440) <= 20, "{spans:?}");
    }

    #[test]
    fn edges_follow_the_sound_not_a_mask_held_open() {
        let words = [word(500, 800), word(2_000, 2_300)];
        let mut analysis = analysis(3_000, &words, &[(1_100, 1_400, FILLER)]);
        // a detector holding the mask 50 ms before the sound and 150 ms after it
        analysis.voice[105..155].fill(true);
        assert_eq!(stretches(&analysis, &words, &Unworded::default()), [(1_100, 1_400)]);
    }

    #[test]
    fn a_collapsed_words_stutter_beside_a_kept_word_is_found() {
        // "so I- I think": the first "I" came back zero-length inside its own sound
        let words = [word(300, 600), word(1_000, 1_000), word(1_300, 1_420), word(1_450, 1_800)];
        assert_eq!(found(2_500, &words, &[(900, 1_100, SPEECH)]), [(900, 1_100)]);
    }

    #[test]
    fn sound_in_or_running_into_a_guard_is_never_taken() {
        let words = [word(500, 800), word(2_000, 2_300), word(3_500, 3_800)];
        // starts 30 ms after a word, apart from it
        assert_eq!(found(4_500, &words, &[(830, 1_100, FILLER)]), []);
        // ends 40 ms before a word
        assert_eq!(found(4_500, &words, &[(1_700, 1_960, FILLER)]), []);
        // a word timed 50 ms early: its time is room tone, its sound 50 ms after it
        assert_eq!(found(4_500, &words, &[(500, 800, ROOM), (850, 1_100, SPEECH)]), []);
        // a word timed 50 ms late
        assert_eq!(found(4_500, &words, &[(2_000, 2_300, ROOM), (1_700, 1_950, SPEECH)]), []);
        // a word timed short: its sound runs on 400 ms past its end, 300 ms of it past the guard
        assert_eq!(found(4_500, &words, &[(2_300, 2_700, SPEECH)]), []);
    }

    #[test]
    fn a_click_is_not_a_filler() {
        let words = [word(500, 800), word(2_000, 2_300)];
        assert_eq!(found(3_000, &words, &[(1_300, 1_350, SPEECH)]), []);
    }

    #[test]
    fn untranscribed_speech_is_left() {
        let words = [word(500, 800), word(5_500, 5_800)];
        assert_eq!(found(6_500, &words, &[(1_500, 4_500, SPEECH)]), [], "a 3 s sentence");
        let phrase = (1_000, 1_700, SPEECH);
        assert_eq!(found(6_500, &words, &[phrase]), [(1_000, 1_700)], "one phrase alone is a long hesitation");
        let phrases = [phrase, (2_000, 2_700, SPEECH), (3_000, 3_700, SPEECH)];
        assert_eq!(found(6_500, &words, &phrases), [], "a sentence falling apart into phrases at its pauses");
    }

    #[test]
    fn noise_the_detector_does_not_call_speech_is_not_a_filler() {
        // quiet speech, 17 dB over the room; a rumble 8 dB over it, under the detector's +12 dB
        let words = [word(500, 800), word(2_000, 2_300)];
        let quiet = [(500, 800, -4_800), (2_000, 2_300, -4_800)];
        assert_eq!(found(3_000, &words, &[quiet[0], quiet[1], (1_200, 1_500, -5_700)]), []);
        assert_eq!(found(3_000, &words, &[quiet[0], quiet[1], (1_200, 1_500, -5_000)]), [(1_200, 1_500)]);
    }

    #[test]
    fn a_breath_is_not_a_filler() {
        let words = [word(500, 800), word(2_500, 2_800)];
        assert_eq!(found(3_500, &words, &[(1_000, 1_400, BREATH)]), []);
        assert_eq!(found(3_500, &words, &[(1_000, 1_400, BREATH), (1_700, 2_000, FILLER)]), [(1_700, 2_000)]);
    }

    #[test]
    fn sound_before_the_first_word_or_after_the_last_is_left() {
        let words = [word(1_000, 1_300), word(1_500, 1_800)];
        assert_eq!(found(3_000, &words, &[(200, 700, FILLER), (2_200, 2_600, FILLER)]), []);
    }

    #[test]
    fn without_timed_words_nothing_is_found() {
        let sounds = [(1_000, 1_300, FILLER)];
        assert_eq!(found(3_000, &[], &sounds), []);
        assert_eq!(found(3_000, &[word(500, 500), word(2_000, 2_000)], &sounds), []);
    }
}
