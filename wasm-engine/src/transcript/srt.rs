//! SubRip (`.srt`): numbered cues, `hh:mm:ss,mmm --> hh:mm:ss,mmm`, text lines, a blank line.
//! Cues time phrases, not words: a cue's words share its span in proportion to their length.

use super::captions::Cue;
use super::{Word, caption_blocks, format_timestamp, parse_cue, parse_timestamp, spread_words, strip_tags};
use crate::error::Result;

/// The words of an SRT document, in document order (validate them with `Transcript::new`).
pub fn parse(text: &str) -> Result<Vec<Word>> {
    let mut words = Vec::new();
    for (index, block) in caption_blocks(text).iter().enumerate() {
        // some writers use '.' like WebVTT
        let (start, end, body) = parse_cue(block, index + 1, |t| parse_timestamp(&t.replace('.', ","), ','))?;
        spread_words(&strip_tags(&body), start, end, &mut words);
    }
    Ok(words)
}

pub fn write(cues: &[Cue]) -> String {
    let mut out = String::new();
    for (index, cue) in cues.iter().enumerate() {
        out += &format!(
            "{}\n{} --> {}\n{}\n\n",
            index + 1,
            format_timestamp(cue.start, ','),
            format_timestamp(cue.end, ','),
            cue.lines.join("\n")
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_cues_with_and_without_numbers_and_round_trips() {
        let srt = "\u{feff}1\r\n00:00:01,000 --> 00:00:02,000\r\n<i>Hello</i> world\r\n\r\n00:00:03.000 --> 00:00:04,000 X1:0\r\nAgain\r\n";
        let words = parse(srt).expect("parsed");
        let summary: Vec<_> = words.iter().map(|w| (w.text.as_str(), w.start, w.end)).collect();
        assert_eq!(summary, [("Hello", 1_000, 1_500), ("world", 1_500, 2_000), ("Again", 3_000, 4_000)]);
        let cues = [Cue { start: 1_000, end: 2_000, lines: vec!["Hello world".into()] }];
        let written = write(&cues);
        assert_eq!(written, "1\n00:00:01,000 --> 00:00:02,000\nHello world\n\n");
        assert_eq!(parse(&written).expect("round trip").len(), 2);
    }

    #[test]
    fn malformed_cues_are_named() {
        let error = parse("1\n00:00:01,000 --> 00:00:02,000\nok\n\n2\nnot a time\ntext").expect_err("refused");
        assert_eq!(error.field.as_deref(), Some("cue 2"));
        assert!(parse("1\n00:00:03,000 --> 00:00:02,000\nbackwards").is_err());
    }
}
