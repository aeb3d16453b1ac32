//! Captions of a cut: the kept words moved onto the output timeline (each segment's words shift
//! left by everything removed before it), then grouped into cues. A word cut partly keeps its
//! kept part when that is at least half of it; less, and it is gone with its span.

use crate::plan::CutPlan;
use crate::transcript::captions::{Cue, cues};
use crate::transcript::{Transcript, Word};

/// The transcript's words as heard in the cut, on the cut's clock.
pub fn retimed_words(plan: &CutPlan, transcript: &Transcript) -> Vec<Word> {
    let mut out = Vec::new();
    let mut output_start = 0;
    let mut words = transcript.words().iter().peekable();
    for segment in &plan.segments {
        while let Some(word) = words.peek() {
            if word.end <= segment.start && word.start < segment.start {
                words.next();
                continue;
            }
            if word.start >= segment.end {
                break;
            }
            let (start, end) = (word.start.max(segment.start), word.end.min(segment.end));
            if (end - start) * 2 >= word.end - word.start {
                out.push(Word {
                    text: word.text.clone(),
                    start: output_start + start - segment.start,
                    end: output_start + end - segment.start,
                    confidence: word.confidence,
                });
            }
            if word.end > segment.end {
                break; // the rest of it may be in the next segment
            }
            words.next();
        }
        output_start += segment.duration();
    }
    // a word straddling two segments appears once
    out.dedup_by(|later, earlier| later.text == earlier.text && later.start == earlier.end);
    out
}

pub fn cut_cues(plan: &CutPlan, transcript: &Transcript) -> Vec<Cue> {
    cues(&retimed_words(plan, transcript))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Span;

    fn word(text: &str, start: u64, end: u64) -> Word {
        Word { text: text.into(), start, end, confidence: None }
    }

    #[test]
    fn words_follow_their_segments() {
        let transcript = Transcript::new(
            vec![word("keep", 100, 400), word("um", 600, 800), word("this", 1_000, 1_300), word("edge", 1_900, 2_200)],
            None,
        )
        .expect("valid");
        let plan = CutPlan {
            segments: vec![Span { start: 0, end: 500 }, Span { start: 900, end: 2_000 }],
            removed: Vec::new(),
            kept_duration: 1_600,
            source_duration: 3_000,
        };
        let words = retimed_words(&plan, &transcript);
        let summary: Vec<_> = words.iter().map(|w| (w.text.as_str(), w.start, w.end)).collect();
        assert_eq!(summary, [("keep", 100, 400), ("this", 600, 900)], "`edge` keeps a third of itself: gone");
    }
}
