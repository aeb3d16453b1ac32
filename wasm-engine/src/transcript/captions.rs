//! Words grouped into caption cues the way broadcasters do it: at most two lines of 42
//! characters, at most 7 seconds, a new cue after a sentence ends or a pause of a second.

use super::{Millis, Word};

const MAX_LINE_CHARS: usize = 42;
const MAX_LINES: usize = 2;
const MAX_CUE_MILLIS: Millis = 7_000;
const PAUSE_MILLIS: Millis = 1_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cue {
    pub start: Millis,
    pub end: Millis,
    pub lines: Vec<String>,
}

pub fn cues(words: &[Word]) -> Vec<Cue> {
    let mut cues = Vec::new();
    let mut current: Vec<&Word> = Vec::new();
    for word in words {
        if let (Some(first), Some(last)) = (current.first(), current.last()) {
            let sentence_ended = last.text.ends_with(['.', '?', '!', '…']);
            let overflows = wrap(current.iter().copied().chain([word])).len() > MAX_LINES;
            if sentence_ended
                || overflows
                || word.start.saturating_sub(last.end) >= PAUSE_MILLIS
                || word.end.saturating_sub(first.start) > MAX_CUE_MILLIS
            {
                cues.push(Cue { start: first.start, end: last.end, lines: wrap(current.drain(..)) });
            }
        }
        current.push(word);
    }
    if let (Some(first), Some(last)) = (current.first(), current.last()) {
        cues.push(Cue { start: first.start, end: last.end, lines: wrap(current.iter().copied()) });
    }
    cues
}

/// Words filled greedily into lines of at most `MAX_LINE_CHARS` (a longer single word gets a
/// line of its own).
fn wrap<'w>(words: impl IntoIterator<Item = &'w Word>) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for word in words {
        match lines.last_mut() {
            Some(line) if line.chars().count() + 1 + word.text.chars().count() <= MAX_LINE_CHARS => {
                line.push(' ');
                line.push_str(&word.text);
            }
            _ => lines.push(word.text.clone()),
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(spec: &[(&str, Millis, Millis)]) -> Vec<Word> {
        spec.iter().map(|&(t, s, e)| Word { text: t.into(), start: s, end: e, confidence: None }).collect()
    }

    #[test]
    fn breaks_at_sentences_pauses_and_length() {
        let cues = cues(&words(&[("Hi", 0, 200), ("there.", 200, 500), ("Next", 600, 900), ("one", 2_000, 2_300)]));
        let summary: Vec<_> = cues.iter().map(|c| (c.start, c.end, c.lines.join("|"))).collect();
        assert_eq!(summary, [(0, 500, "Hi there.".into()), (600, 900, "Next".into()), (2_000, 2_300, "one".into())]);
        let long: Vec<Word> = (0..30)
            .map(|i| Word { text: "word".into(), start: i * 200, end: i * 200 + 150, confidence: None })
            .collect();
        for cue in super::cues(&long) {
            assert!(cue.lines.len() <= MAX_LINES && cue.lines.iter().all(|l| l.len() <= MAX_LINE_CHARS), "{cue:?}");
            assert!(cue.end - cue.start <= MAX_CUE_MILLIS);
        }
    }
}
