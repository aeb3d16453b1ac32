//! Words with no sound near them: what a recogniser writes into silence. Whisper fills a silent
//! stretch with words nobody said ("Thank you.", "I -I -I"); kept, they would shield the silence
//! from being cut as silence and show up in the captions. A word is taken as not said when its
//! time, widened by `REACH` on either side, holds no hop that sounds (`SOUND_ABOVE_FLOOR` over
//! the noise floor, the same test the unworded filler search makes). The reach is wide because
//! recognisers misplace real words by a few hundred milliseconds, most often the first word after
//! a pause: only a word with no sound anywhere near it goes.
//!
//! A recogniser invents words over a steady sound too (Whisper wrote "Okay, here's what I'm,
//! like," over a test tone), so a recogniser's words over one go as well; the sound itself stays,
//! for it is not silence. A transcript a person brings is taken at its word there: a tone may be
//! standing in for a voice. Music under the words sounds and is not steady, and they stay:
//! telling those apart takes more than the level.

use super::unworded::SOUND_ABOVE_FLOOR;
use crate::analyze::steady::steady;
use crate::analyze::{Analysis, HOPS_PER_SECOND};
use crate::transcript::{Millis, Word};

const HOP_MILLIS: Millis = 1000 / HOPS_PER_SECOND as Millis;
/// How far from a word's own time its sound may be and the word still count as heard.
const REACH: Millis = 500;

/// The words that have sound near them, in order; of a recogniser's words (`recognised`), those
/// with sound other than a steady one. A word whose widened time lies past the analysed audio is
/// kept: nothing says it is silent.
pub fn heard(analysis: &Analysis, words: &[Word], recognised: bool) -> Vec<Word> {
    let levels = &analysis.envelope.levels;
    let sound_level = i32::from(analysis.noise_floor) + SOUND_ABOVE_FLOOR;
    let hops = levels.len();
    let steady = if recognised { steady(levels) } else { vec![false; hops] };
    let sounded = |word: &Word| {
        let first = (word.start.saturating_sub(REACH) / HOP_MILLIS) as usize;
        let end = ((word.end + REACH).div_ceil(HOP_MILLIS) as usize).min(hops);
        first >= end || (first..end).any(|hop| i32::from(levels[hop]) >= sound_level && !steady[hop])
    };
    words.iter().filter(|word| sounded(word)).cloned().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::{EnergyVad, Envelope, Level, VoiceActivityDetector, noise_floor};
    use crate::plan::testing::flutter;

    const ROOM: Level = -6500;
    const SPEECH: Level = -2000;
    /// A test tone: as loud as speech, and flat.
    const TONE: Level = -2001;

    fn word(text: &str, start: Millis, end: Millis) -> Word {
        Word { text: text.into(), start, end, confidence: None }
    }

    /// `millis` of room tone with `sounds` `(start, end, level)` laid over it, fluttering as a
    /// voice does unless it is the `TONE`.
    fn analysis(millis: Millis, sounds: &[(Millis, Millis, Level)]) -> Analysis {
        let mut levels = vec![ROOM; (millis / HOP_MILLIS) as usize];
        for &(start, end, level) in sounds {
            let hops = &mut levels[(start / HOP_MILLIS) as usize..(end / HOP_MILLIS) as usize];
            if level == TONE { hops.fill(level) } else { flutter(hops, level) }
        }
        let envelope = Envelope { sample_rate: 48_000, levels };
        let voice = EnergyVad::default().detect(&envelope);
        Analysis { noise_floor: noise_floor(&envelope), voice, envelope }
    }

    fn texts(words: &[Word]) -> Vec<&str> {
        words.iter().map(|w| w.text.as_str()).collect()
    }

    #[test]
    fn words_written_into_silence_are_not_heard() {
        // speech 1.0–2.0 s, then four seconds of room tone the recogniser filled with words
        let analysis = analysis(8_000, &[(1_000, 2_000, SPEECH)]);
        let words = [
            word("hello", 1_000, 1_400),
            word("there", 1_500, 2_000),
            word("thank", 4_000, 4_300),
            word("you", 4_300, 4_600),
            word("I", 5_500, 5_500),
        ];
        assert_eq!(texts(&heard(&analysis, &words, true)), ["hello", "there"]);
    }

    #[test]
    fn a_word_timed_beside_its_sound_or_softly_said_is_heard() {
        // "so" timed 400 ms before its sound; "well" said 8 dB over the room
        let analysis = analysis(6_000, &[(1_500, 1_800, SPEECH), (4_000, 4_300, ROOM + 800)]);
        let words = [word("so", 900, 1_100), word("well", 4_000, 4_300)];
        assert_eq!(texts(&heard(&analysis, &words, true)), ["so", "well"]);
    }

    #[test]
    fn a_plan_cuts_silence_filled_with_words_as_silence() {
        use crate::plan::{CutOptions, PlanInput, Reason, plan};
        use crate::transcript::Transcript;
        let analysis = analysis(6_000, &[(1_000, 2_000, SPEECH)]);
        let words = vec![word("hello", 1_000, 2_000), word("I", 3_000, 3_200), word("I", 3_300, 3_500)];
        let transcript = Transcript::new(words, Some(6_000)).expect("a transcript");
        let input = PlanInput {
            duration: 6_000,
            analysis: Some(&analysis),
            transcript: Some(&transcript),
            script: None,
            language: None,
            recognised: true,
        };
        let cut = plan(&input, &CutOptions::default());
        assert_eq!(cut.segments.len(), 1, "{cut:?}");
        assert!(cut.segments[0].start < 1_000 && cut.segments[0].end > 2_000, "{cut:?}");
        let after = cut.removed.iter().filter(|r| r.start >= 2_000).map(|r| r.reason).collect::<Vec<_>>();
        assert_eq!(after, [Reason::Silence], "{cut:?}");
    }

    #[test]
    fn words_written_over_a_steady_tone_are_not_heard_and_the_tone_is_kept_as_sound() {
        use crate::export::subtitles::cut_cues;
        use crate::plan::{CutOptions, PlanInput, Reason, plan_with_heard_words};
        use crate::transcript::Transcript;
        // a test tone 0.5–2.5 s, then speech 3.5–5.0 s; the recogniser wrote words into both
        let analysis = analysis(6_000, &[(500, 2_500, TONE), (3_500, 5_000, SPEECH)]);
        let words = vec![
            word("okay", 800, 1_100),
            word("here's", 1_200, 1_500),
            word("hello", 3_500, 4_200),
            word("all", 4_300, 5_000),
        ];
        assert_eq!(texts(&heard(&analysis, &words, true)), ["hello", "all"]);
        let transcript = Transcript::new(words, Some(6_000)).expect("a transcript");
        for transcript in [None, Some(&transcript)] {
            let input = PlanInput {
                duration: 6_000,
                analysis: Some(&analysis),
                transcript,
                script: None,
                language: None,
                recognised: true,
            };
            let (cut, heard) = plan_with_heard_words(&input, &CutOptions::default());
            // the tone is sound, not silence: kept whole, and cut only where it is silent
            assert_eq!(cut.segments.len(), 2, "{cut:?}");
            assert!(cut.segments[0].start <= 500 && cut.segments[0].end >= 2_500, "{cut:?}");
            assert!(cut.removed.iter().all(|r| matches!(r.reason, Reason::Silence)), "{cut:?}");
            if transcript.is_some() {
                let heard = Transcript::new(heard.into_owned(), Some(6_000)).expect("heard");
                let captions: Vec<String> = cut_cues(&cut, &heard).into_iter().map(|cue| cue.lines.join(" ")).collect();
                assert_eq!(captions, ["hello all"], "no captions of the tone");
            }
        }
    }

    #[test]
    fn a_persons_words_over_a_steady_tone_are_taken_at_their_word() {
        use crate::plan::{CutOptions, PlanInput, Reason, plan};
        use crate::transcript::Transcript;
        // a test tone standing in for a voice, and the person's transcript of it, a filler in it
        let analysis = analysis(4_000, &[(500, 3_500, TONE)]);
        let words = vec![word("so", 500, 1_200), word("um", 1_300, 2_000), word("right", 2_100, 3_500)];
        assert_eq!(texts(&heard(&analysis, &words, false)), ["so", "um", "right"]);
        let transcript = Transcript::new(words, Some(4_000)).expect("a transcript");
        let input = PlanInput {
            duration: 4_000,
            analysis: Some(&analysis),
            transcript: Some(&transcript),
            script: None,
            language: None,
            recognised: false,
        };
        let cut = plan(&input, &CutOptions::default());
        let filler = cut.removed.iter().find(|r| r.reason == Reason::Filler).expect("the filler is cut");
        assert!(filler.start <= 1_300 && filler.end >= 2_000, "{cut:?}");
    }

    #[test]
    fn a_word_past_the_analysed_audio_is_kept() {
        let analysis = analysis(1_000, &[]);
        assert_eq!(texts(&heard(&analysis, &[word("late", 1_600, 1_900)], true)), ["late"]);
    }
}
