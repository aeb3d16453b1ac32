//! Restarts without a script: a phrase broken off and started again ("so today we're going —
//! so today we are going to talk about…"). The broken-off take is a few words, followed by a
//! break (a pause, a filler or a dash) and then by a retake that repeats it word for word from
//! its start; the retake is kept. Legitimate repetition ("we test. we ship.") is told apart by
//! requiring a retake that really repeats the take, entirely when the take ended a sentence.

use super::text::{Token, similar};
use crate::transcript::{Millis, Word};

/// Longest abandoned take considered, in tokens.
const MAX_TAKE_TOKENS: usize = 12;
/// A pause that breaks a phrase off.
const BREAK_PAUSE: Millis = 200;

/// One flag per word: true for the words of abandoned takes. `tokens` is the normalised token
/// stream of `words`, `fillers` their filler flags (fillers are transparent: they often sit inside
/// the break). Takes are compared token by token, so "we're" repeats "we are".
pub fn find(words: &[Word], tokens: &[Token], fillers: &[bool]) -> Vec<bool> {
    let content: Vec<&Token> = tokens.iter().filter(|t| !fillers[t.word]).collect();
    // breaks[k]: speech breaks off between content tokens k − 1 and k
    let breaks: Vec<bool> = (0..content.len())
        .map(|k| {
            k > 0
                && content[k - 1].word != content[k].word
                && is_break(words, fillers, content[k - 1].word, content[k].word)
        })
        .collect();
    let mut flags = vec![false; words.len()];
    for b in (1..content.len()).filter(|&b| breaks[b]) {
        let before = content[b - 1].word;
        let ended_sentence = words[before].text.ends_with(['.', '?', '!']);
        let mut best: Option<(usize, usize)> = None;
        // a take starts at a word's first token and holds no earlier break: it ends at this one
        for a in (b.saturating_sub(MAX_TAKE_TOKENS)..b).rev() {
            if a + 1 < b && breaks[a + 1] {
                break;
            }
            let take = &content[a..b];
            let retake = &content[b..content.len().min(b + take.len())];
            if retake.len() < take.len()
                || !similar(&take[0].text, &retake[0].text)
                || (a > 0 && content[a - 1].word == take[0].word)
            {
                continue;
            }
            let equal = take.iter().zip(retake).filter(|(x, y)| similar(&x.text, &y.text)).count();
            let repeated = if ended_sentence {
                equal == take.len()
            } else {
                equal * 10 >= take.len() * 6 && equal >= take.len().min(2)
            };
            if repeated && best.is_none_or(|(_, best_equal)| equal > best_equal) {
                best = Some((a, equal));
            }
        }
        if let Some((a, _)) = best {
            flags[content[a].word..content[b].word].iter_mut().for_each(|f| *f = true);
        }
    }
    flags
}

/// Whether speech breaks off between content words `before` and `after`: a pause, a filler, or a
/// dash or ellipsis written by the recogniser.
fn is_break(words: &[Word], fillers: &[bool], before: usize, after: usize) -> bool {
    let broken_off = |w: &Word| w.text.ends_with(['-', '—', '–', '…']) || w.text.ends_with("...");
    words[after].start.saturating_sub(words[before].end) >= BREAK_PAUSE
        || fillers[before + 1..after].iter().any(|&f| f)
        || words[before..after].iter().any(broken_off)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::text::{normalised, stream};

    /// Words 300 ms apart; "|" marks a 400 ms pause.
    fn spoken(text: &str) -> Vec<Word> {
        let mut words = Vec::new();
        let mut time = 0;
        for token in text.split_whitespace() {
            if token == "|" {
                time += 400;
                continue;
            }
            words.push(Word { text: token.into(), start: time, end: time + 250, confidence: None });
            time += 300;
        }
        words
    }

    fn restarts(text: &str) -> Vec<String> {
        let words = spoken(text);
        let tokens = stream(words.iter().map(|w| w.text.as_str()));
        let fillers: Vec<bool> = words.iter().map(|w| normalised(&w.text) == "um").collect();
        let flags = find(&words, &tokens, &fillers);
        words.iter().zip(flags).filter(|(_, f)| *f).map(|(w, _)| w.text.clone()).collect()
    }

    #[test]
    fn abandoned_takes_are_found() {
        assert_eq!(
            restarts("Hello. So today we're going | so today we are going to talk"),
            ["So", "today", "we're", "going"]
        );
        assert_eq!(restarts("The main reason um the key reason is cost"), ["The", "main", "reason", "um"]);
        assert_eq!(restarts("I think— I think— I think so"), ["I", "think—", "I", "think—"]);
    }

    #[test]
    fn recognition_errors_do_not_hide_a_restart() {
        assert_eq!(restarts("Audio analysis even | Asdio analysis even works offline."), ["Audio", "analysis", "even"]);
    }

    #[test]
    fn a_take_never_reaches_back_across_an_earlier_break() {
        // the filler breaks "Presets" off "now remember the…": no take may join the two
        assert!(restarts("We start. | now remember | Presets um now remember the rest.").is_empty());
    }

    #[test]
    fn legitimate_repetition_is_kept() {
        assert!(restarts("We need to test. | We need to ship. | Done").is_empty());
        assert!(restarts("one two three four five six").is_empty());
        assert_eq!(restarts("Yes | yes we can"), ["Yes"], "a one-word stutter after a pause");
    }
}
