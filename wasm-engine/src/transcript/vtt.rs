//! WebVTT (https://www.w3.org/TR/webvtt1/): a `WEBVTT` header, cues with optional identifiers and
//! settings, NOTE/STYLE/REGION blocks (skipped). Inline timestamps (`<00:00:01.500>`, as karaoke
//! captions and some recognisers write) give word times; otherwise words share their cue's span.

use super::captions::Cue;
use super::{Millis, Word, caption_blocks, format_timestamp, parse_cue, parse_timestamp, spread_words, strip_tags};
use crate::error::{EngineError, Result};

pub fn parse(text: &str) -> Result<Vec<Word>> {
    let blocks = caption_blocks(text);
    let header = blocks.first().map_or("", String::as_str);
    if !(header == "WEBVTT"
        || header.starts_with("WEBVTT ")
        || header.starts_with("WEBVTT\t")
        || header.starts_with("WEBVTT\n"))
    {
        return Err(EngineError::invalid_argument("a WebVTT file starts with `WEBVTT`").at("header"));
    }
    let mut words = Vec::new();
    let cues = blocks.iter().skip(1).filter(|b| !["NOTE", "STYLE", "REGION"].iter().any(|k| b.starts_with(k)));
    for (index, block) in cues.enumerate() {
        let (start, end, body) = parse_cue(block, index + 1, |t| parse_timestamp(t, '.'))?;
        cue_words(&body, start, end, &mut words);
    }
    Ok(words)
}

/// A cue's words: each run between inline timestamps spans from its timestamp to the next.
fn cue_words(body: &str, start: Millis, end: Millis, into: &mut Vec<Word>) {
    let mut runs: Vec<(Millis, String)> = vec![(start, String::new())];
    let mut rest = body;
    while let Some(open) = rest.find('<') {
        let Some(close) = rest[open..].find('>').map(|c| open + c) else { break };
        let tag = &rest[open + 1..close];
        let current = runs.last_mut().map(|(_, text)| text).expect("one run at least");
        current.push_str(&rest[..open]);
        match parse_timestamp(tag, '.') {
            Some(time) => runs.push((time.clamp(start, end), String::new())),
            None => current.push_str(&rest[open..=close]),
        }
        rest = &rest[close + 1..];
    }
    runs.last_mut().expect("one run at least").1.push_str(rest);
    for (index, (run_start, text)) in runs.iter().enumerate() {
        let run_end = runs.get(index + 1).map_or(end, |(next, _)| *next).max(*run_start);
        spread_words(&strip_tags(text), *run_start, run_end, into);
    }
}

pub fn write(cues: &[Cue]) -> String {
    let mut out = String::from("WEBVTT\n\n");
    for cue in cues {
        out += &format!(
            "{} --> {}\n{}\n\n",
            format_timestamp(cue.start, '.'),
            format_timestamp(cue.end, '.'),
            cue.lines.join("\n").replace("-->", "->")
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_cues_skipping_notes_and_using_inline_timestamps() {
        let vtt = "WEBVTT - made by hand\n\nNOTE a comment\nspanning lines\n\nSTYLE\n::cue { color: red }\n\nintro\n00:01.000 --> 00:02.000 align:start\n<v Ann>Hello</v> there\n\n00:00:03.000 --> 00:00:05.000\nOne <00:00:04.000>two <00:00:04.500><c>three</c>\n";
        let words = parse(vtt).expect("parsed");
        let summary: Vec<_> = words.iter().map(|w| (w.text.as_str(), w.start, w.end)).collect();
        assert_eq!(
            summary,
            [
                ("Hello", 1_000, 1_500),
                ("there", 1_500, 2_000),
                ("One", 3_000, 4_000),
                ("two", 4_000, 4_500),
                ("three", 4_500, 5_000)
            ]
        );
    }

    #[test]
    fn needs_the_header_and_round_trips() {
        assert_eq!(
            parse("1\n00:00:01,000 --> 00:00:02,000\nhi").expect_err("refused").field.as_deref(),
            Some("header")
        );
        let written = write(&[Cue { start: 61_000, end: 62_500, lines: vec!["a".into(), "b".into()] }]);
        assert_eq!(written, "WEBVTT\n\n00:01:01.000 --> 00:01:02.500\na\nb\n\n");
        let words = parse(&written).expect("round trip");
        assert_eq!(words.len(), 2);
        assert_eq!((words[0].start, words[1].end), (61_000, 62_500));
    }
}
