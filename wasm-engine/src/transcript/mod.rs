//! Word timelines: what was said and when, in integer milliseconds — read from SRT, WebVTT, our
//! JSON word list and the two production transcribers, written back as captions or JSON.

pub mod captions;
pub mod json;
pub mod providers;
pub mod srt;
pub mod vtt;

use crate::error::{EngineError, Result};

/// The most words one transcript may hold: 24 hours of fast speech.
pub const MAX_WORDS: usize = 500_000;

/// Milliseconds from the start of the source.
pub type Millis = u64;

#[derive(Debug, Clone, PartialEq)]
pub struct Word {
    pub text: String,
    pub start: Millis,
    pub end: Millis,
    /// The recogniser's confidence in [0, 1], when it gives one.
    pub confidence: Option<f32>,
}

/// Words in time order, none overlapping the next, each non-empty with `start <= end`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Transcript {
    words: Vec<Word>,
}

impl Transcript {
    /// A transcript exactly as given, or an `invalid_argument` error at `words[i].<field>` for the
    /// first word that is empty, inverted, overlaps its predecessor or ends after `duration`.
    pub fn new(words: Vec<Word>, duration: Option<Millis>) -> Result<Self> {
        if words.len() > MAX_WORDS {
            return Err(EngineError::limit(format!("{} words; at most {MAX_WORDS}", words.len())).at("words"));
        }
        let mut previous_end = 0;
        for (index, word) in words.iter().enumerate() {
            let at = |field: &str| format!("words[{index}].{field}");
            if word.text.trim().is_empty() {
                return Err(EngineError::invalid_argument("empty word").at(at("text")));
            }
            if word.end < word.start {
                return Err(EngineError::invalid_argument("ends before it starts").at(at("end")));
            }
            if word.start < previous_end {
                return Err(EngineError::invalid_argument("starts before the previous word ends").at(at("start")));
            }
            if let Some(duration) = duration.filter(|&d| word.end > d) {
                return Err(
                    EngineError::invalid_argument(format!("ends after the media ({duration} ms)")).at(at("end"))
                );
            }
            if word.confidence.is_some_and(|c| !(0.0..=1.0).contains(&c)) {
                return Err(EngineError::invalid_argument("confidence outside [0, 1]").at(at("confidence")));
            }
            previous_end = word.end;
        }
        Ok(Self { words })
    }

    /// A transcript from a recogniser's output, which is close to valid but not always: words
    /// sorted by start, empty ones dropped, overlaps clipped, times clamped into `duration`.
    pub fn repaired(mut words: Vec<Word>, duration: Option<Millis>) -> Result<Self> {
        words.retain(|w| !w.text.trim().is_empty());
        words.sort_by_key(|w| w.start);
        let limit = duration.unwrap_or(Millis::MAX);
        let mut previous_end = 0;
        for word in &mut words {
            word.text = word.text.trim().to_owned();
            word.start = word.start.max(previous_end).min(limit);
            word.end = word.end.clamp(word.start, limit);
            word.confidence = word.confidence.map(|c| c.clamp(0.0, 1.0));
            previous_end = word.end;
        }
        Self::new(words, duration)
    }

    pub fn words(&self) -> &[Word] {
        &self.words
    }
}

/// Seconds as given on the wire (JSON numbers) to milliseconds, rejecting what is no time.
pub(crate) fn seconds_to_millis(seconds: f64) -> Option<Millis> {
    let millis = (seconds * 1000.0).round();
    (millis.is_finite() && (0.0..=1e15).contains(&millis)).then_some(millis as Millis)
}

/// Splits a caption's text into words spread over `[start, end)` by their length, for formats
/// that time whole cues rather than words.
pub(crate) fn spread_words(text: &str, start: Millis, end: Millis, into: &mut Vec<Word>) {
    let tokens: Vec<&str> = text.split_whitespace().collect();
    let weight = |t: &str| t.chars().count() as u64 + 1;
    let total: u64 = tokens.iter().map(|t| weight(t)).sum();
    let span = end.saturating_sub(start);
    let mut consumed = 0;
    for token in tokens {
        let word_start = start + span * consumed / total.max(1);
        consumed += weight(token);
        let word_end = start + span * consumed / total.max(1);
        into.push(Word { text: token.to_owned(), start: word_start, end: word_end, confidence: None });
    }
}

/// Caption text without markup: `<i>`, `<c.x>`, `<v Speaker>` and `{\an8}` tags removed.
pub(crate) fn strip_tags(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut depth: Option<char> = None;
    for c in text.chars() {
        match (depth, c) {
            (None, '<') => depth = Some('>'),
            (None, '{') => depth = Some('}'),
            (Some(close), c) if c == close => depth = None,
            (Some(_), _) => {}
            (None, c) => out.push(c),
        }
    }
    out.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&nbsp;", " ")
}

/// Text with its line ends normalised and any byte-order mark dropped, split into the blocks
/// that blank lines separate (SRT cues; WebVTT's header, cues and notes).
pub(crate) fn caption_blocks(text: &str) -> Vec<String> {
    let text = text.trim_start_matches('\u{feff}').replace("\r\n", "\n").replace('\r', "\n");
    text.split("\n\n").map(|b| b.trim_matches('\n').to_owned()).filter(|b| !b.is_empty()).collect()
}

/// A caption cue: an optional identifier line, `start --> end [settings]`, then its text lines
/// joined by spaces. `time` reads one timestamp; errors name the cue as `cue <number>`.
pub(crate) fn parse_cue(
    block: &str,
    number: usize,
    time: impl Fn(&str) -> Option<Millis>,
) -> Result<(Millis, Millis, String)> {
    let at = || format!("cue {number}");
    let mut lines = block.lines();
    let mut timing = lines.next().unwrap_or_default();
    if !timing.contains("-->") {
        timing = lines.next().unwrap_or_default();
    }
    let (start, end) = timing
        .split_once("-->")
        .and_then(|(start, rest)| Some((time(start.trim())?, time(rest.split_whitespace().next()?)?)))
        .ok_or_else(|| EngineError::invalid_argument(format!("no `start --> end` timing line: {timing:?}")).at(at()))?;
    if end < start {
        return Err(EngineError::invalid_argument("cue ends before it starts").at(at()));
    }
    Ok((start, end, lines.collect::<Vec<_>>().join(" ")))
}

/// `hh:mm:ss<sep>mmm` or `mm:ss<sep>mmm` (VTT allows dropping the hours).
pub(crate) fn parse_timestamp(text: &str, separator: char) -> Option<Millis> {
    let (clock, fraction) = text.trim().split_once(separator)?;
    if fraction.len() != 3 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let parts: Vec<&str> = clock.split(':').collect();
    let number = |s: &str| {
        (!s.is_empty() && s.len() <= 9 && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<u64>().ok())
            .flatten()
    };
    let (hours, minutes, seconds) = match parts.as_slice() {
        [h, m, s] => (number(h)?, number(m)?, number(s)?),
        [m, s] => (0, number(m)?, number(s)?),
        _ => return None,
    };
    if minutes > 59 || seconds > 59 {
        return None;
    }
    Some(((hours * 60 + minutes) * 60 + seconds) * 1000 + fraction.parse::<u64>().ok()?)
}

/// `hh:mm:ss<sep>mmm`.
pub(crate) fn format_timestamp(millis: Millis, separator: char) -> String {
    let (hours, rest) = (millis / 3_600_000, millis % 3_600_000);
    format!("{hours:02}:{:02}:{:02}{separator}{:03}", rest / 60_000, rest % 60_000 / 1000, rest % 1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(text: &str, start: Millis, end: Millis) -> Word {
        Word { text: text.into(), start, end, confidence: None }
    }

    #[test]
    fn invalid_words_are_named() {
        let error = Transcript::new(vec![word("a", 0, 100), word("b", 50, 200)], None).expect_err("refused");
        assert_eq!(error.field.as_deref(), Some("words[1].start"));
        let error = Transcript::new(vec![word("a", 100, 50)], None).expect_err("refused");
        assert_eq!(error.field.as_deref(), Some("words[0].end"));
        let error = Transcript::new(vec![word("a", 0, 5_000)], Some(4_000)).expect_err("refused");
        assert_eq!(error.field.as_deref(), Some("words[0].end"));
        let error = Transcript::new(vec![word(" ", 0, 5)], None).expect_err("refused");
        assert_eq!(error.field.as_deref(), Some("words[0].text"));
        assert!(Transcript::new(vec![word("a", 0, 100), word("b", 100, 200)], Some(200)).is_ok());
    }

    #[test]
    fn recogniser_output_is_repaired() {
        let words = vec![word("late", 900, 1_200), word(" early ", 0, 500), word("overlap", 400, 800), word("", 1, 2)];
        let repaired = Transcript::repaired(words, Some(1_000)).expect("repaired");
        let times: Vec<_> = repaired.words().iter().map(|w| (w.text.as_str(), w.start, w.end)).collect();
        assert_eq!(times, [("early", 0, 500), ("overlap", 500, 800), ("late", 900, 1_000)]);
    }

    #[test]
    fn timestamps_round_trip_and_reject_garbage() {
        assert_eq!(parse_timestamp("01:02:03,456", ','), Some(3_723_456));
        assert_eq!(parse_timestamp("02:03.456", '.'), Some(123_456));
        assert_eq!(format_timestamp(3_723_456, ','), "01:02:03,456");
        for bad in ["1:2", "00:00:00,1", "00:61:00,000", "aa:00:00,000", "00:00:00.000"] {
            assert_eq!(parse_timestamp(bad, ','), None, "{bad}");
        }
        assert_eq!(strip_tags("<v Bob><i>Hi</i> {\\an8}there &amp; you</v>"), "Hi there & you");
    }

    #[test]
    fn cue_text_is_spread_by_length() {
        let mut words = Vec::new();
        spread_words("a bbb", 0, 600, &mut words);
        assert_eq!(words.iter().map(|w| (w.start, w.end)).collect::<Vec<_>>(), [(0, 200), (200, 600)]);
    }
}
