//! Our JSON word list, the API's transcript body: `{"words":[{"text","start","end","confidence"?}]}`
//! with times in seconds (millisecond precision).

use serde::{Deserialize, Serialize};

use super::{Word, seconds_to_millis};
use crate::error::{EngineError, Result};

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct WireWord {
    text: String,
    start: f64,
    end: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    confidence: Option<f32>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct WireTranscript {
    words: Vec<WireWord>,
}

/// The words of a JSON word list (validate them with `Transcript::new`).
pub fn parse(text: &str) -> Result<Vec<Word>> {
    // the field a wrong shape is about, as `words[3].start`
    let wire: WireTranscript = serde_path_to_error::deserialize(&mut serde_json::Deserializer::from_str(text))
        .map_err(|e| {
            let path = e.path().to_string();
            let field = if path == "." { "words".to_owned() } else { path };
            EngineError::invalid_argument(format!("not a word list: {}", e.into_inner())).at(field)
        })?;
    wire.words
        .into_iter()
        .enumerate()
        .map(|(index, word)| {
            let time = |seconds: f64, field: &str| {
                seconds_to_millis(seconds).ok_or_else(|| {
                    EngineError::invalid_argument("not a time in seconds").at(format!("words[{index}].{field}"))
                })
            };
            Ok(Word {
                start: time(word.start, "start")?,
                end: time(word.end, "end")?,
                text: word.text,
                confidence: word.confidence,
            })
        })
        .collect()
}

pub fn write(words: &[Word]) -> String {
    let wire = WireTranscript {
        words: words
            .iter()
            .map(|w| WireWord {
                text: w.text.clone(),
                start: w.start as f64 / 1000.0,
                end: w.end as f64 / 1000.0,
                confidence: w.confidence,
            })
            .collect(),
    };
    serde_json::to_string(&wire).expect("plain data serialises")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_with_millisecond_precision() {
        let words = parse(
            r#"{"words":[{"text":"hi","start":0.1234,"end":0.5,"confidence":0.9},{"text":"you","start":0.6,"end":1}]}"#,
        )
        .expect("parsed");
        assert_eq!((words[0].start, words[0].end, words[0].confidence), (123, 500, Some(0.9)));
        assert_eq!(parse(&write(&words)).expect("round trip"), words);
    }

    #[test]
    fn rejects_negative_times_and_unknown_fields() {
        let error = parse(r#"{"words":[{"text":"a","start":0,"end":1},{"text":"b","start":-1,"end":2}]}"#)
            .expect_err("refused");
        assert_eq!(error.field.as_deref(), Some("words[1].start"));
        assert!(parse(r#"{"words":[{"text":"a","start":0,"end":1,"speaker":2}]}"#).is_err());
        assert!(parse("[]").is_err());
        let mistyped = parse(r#"{"words":[{"text":"a","start":0,"end":1},{"text":"b","start":"1.5","end":2}]}"#);
        assert_eq!(mistyped.expect_err("refused").field.as_deref(), Some("words[1].start"), "the field itself");
    }
}
