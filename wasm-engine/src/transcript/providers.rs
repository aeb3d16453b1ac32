//! The outputs of the production transcribers, as word lists:
//! - OpenAI-compatible `/v1/audio/transcriptions` with `response_format=verbose_json` and
//!   `timestamp_granularities[]=word` (OpenAI and Groq put `words` at the top level; whisper.cpp's
//!   server and faster-whisper-server put them inside `segments[].words`, with `probability`);
//! - Workers AI Whisper: `@cf/openai/whisper` answers `{text, word_count, words, vtt}`,
//!   `@cf/openai/whisper-large-v3-turbo` answers `{transcription_info, text, segments[].words, vtt}`.
//!
//! Unknown fields are ignored: these are other people's formats and they grow.

use serde::Deserialize;

use super::{Word, seconds_to_millis};
use crate::error::{EngineError, Result};

/// What to send Whisper as its prompt (OpenAI's `prompt`, Workers AI's `initial_prompt`) so that
/// it writes what was said rather than what was meant: it is trained on cleaned-up transcripts and
/// drops fillers and collapses stutters unless the text before the audio is itself disfluent
/// (https://platform.openai.com/docs/guides/speech-to-text#prompting). One per language, with the
/// fillers of `plan::fillers::default_fillers`, a hesitation and a stutter. No language (the engine
/// assumes English, as for fillers) gets the English one; a language without a prompt here gets
/// none, since text in another language pulls Whisper towards that language.
pub fn verbatim_prompt(language: Option<&str>) -> Option<&'static str> {
    Some(match language.unwrap_or("en") {
        // Measured with the local Whisper on the real-speech bench's lecture: OpenAI's example
        // prompt ("Umm, let me think like, hmm...") had 3 of its 5 fillers and 1 of its 2
        // stutters written, this one all of them, and the conversation's "I- I" too.
        "en" => "Um, uh, I- I mean, like, you know, so, uh, we we went- we drove.",
        "de" => "Ähm, also, lass mich mal überlegen, hm... Okay, äh, ich- ich meine, öhm, das ist so, mhm...",
        "fr" => "Euh, bah, laisse-moi réfléchir, hum... Bon, euh, je- je veux dire, tu vois, c'est, heu...",
        "es" => "Eh, em, déjame pensar, mm... Vale, o sea, yo- yo creo que, ehm, es como...",
        "it" => "Ehm, allora, fammi pensare, mm... Ok, cioè, io- io direi, eh, che è tipo...",
        "pt" => "Hã, ahn, deixa eu pensar, hum... Tá, éh, eu- eu acho que, tipo, hum...",
        "nl" => "Eh, ehm, even denken, uh... Oké, weet je, ik- ik bedoel, eh, het is zo...",
        _ => return None,
    })
}

#[derive(Deserialize)]
struct TimedWord {
    /// OpenAI and Workers AI call the text `word`; some servers `text`.
    #[serde(alias = "text")]
    word: String,
    start: f64,
    end: f64,
    #[serde(default, alias = "confidence")]
    probability: Option<f32>,
}

#[derive(Deserialize)]
struct Segment {
    #[serde(default)]
    words: Vec<TimedWord>,
}

#[derive(Deserialize)]
struct Response {
    #[serde(default)]
    words: Option<Vec<TimedWord>>,
    #[serde(default)]
    segments: Option<Vec<Segment>>,
    /// Workers AI wraps some model outputs in `{"result": …}`.
    #[serde(default)]
    result: Option<Box<Response>>,
}

/// An OpenAI-compatible `POST /v1/audio/transcriptions` body: `multipart/form-data` with the WAV,
/// `verbose_json`, word timestamps and the language's verbatim prompt, without which Whisper drops
/// the fillers a rough cut is for (https://platform.openai.com/docs/api-reference/audio).
/// Returns the body and its `Content-Type`.
pub fn openai_request(wav: &[u8], model: &str, language: Option<&str>, boundary: &str) -> (Vec<u8>, String) {
    let mut body = Vec::with_capacity(wav.len() + 1024);
    let mut field = |name: &str, value: &str| {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes(),
        );
    };
    field("model", model);
    field("response_format", "verbose_json");
    field("timestamp_granularities[]", "word");
    field("timestamp_granularities[]", "segment");
    if let Some(language) = language {
        field("language", language);
    }
    if let Some(prompt) = verbatim_prompt(language) {
        field("prompt", prompt);
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"speech.wav\"\r\n\
             Content-Type: audio/wav\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(wav);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (body, format!("multipart/form-data; boundary={boundary}"))
}

/// The recognised words of an OpenAI-compatible `verbose_json` or a Workers AI Whisper answer
/// (repair them with `Transcript::repaired`; recognisers overlap words by a few ms).
pub fn parse_whisper(body: &str) -> Result<Vec<Word>> {
    let response: Response = serde_json::from_str(body)
        .map_err(|e| EngineError::malformed(format!("not a Whisper transcription response: {e}")))?;
    let response = match response.result {
        Some(inner) => *inner,
        None => response,
    };
    let words = match (response.words, response.segments) {
        (Some(words), _) if !words.is_empty() => words,
        (_, Some(segments)) => segments.into_iter().flat_map(|s| s.words).collect(),
        (Some(words), None) => words,
        (None, None) => {
            return Err(EngineError::malformed("no word timestamps: ask for timestamp_granularities[]=word"));
        }
    };
    words
        .into_iter()
        .map(|w| {
            let time = |s: f64| seconds_to_millis(s).ok_or_else(|| EngineError::malformed(format!("word time {s}")));
            Ok(Word {
                text: w.word.trim().to_owned(),
                start: time(w.start)?,
                end: time(w.end)?,
                confidence: w.probability,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(words: &[Word]) -> Vec<(&str, u64, u64)> {
        words.iter().map(|w| (w.text.as_str(), w.start, w.end)).collect()
    }

    #[test]
    fn openai_verbose_json_with_top_level_words() {
        let body = r#"{"task":"transcribe","language":"english","duration":1.2,"text":"Hello world.",
            "words":[{"word":"Hello","start":0.0,"end":0.42},{"word":"world.","start":0.42,"end":1.1}],
            "segments":[{"id":0,"seek":0,"start":0.0,"end":1.1,"text":" Hello world.","tokens":[1,2],
            "temperature":0.0,"avg_logprob":-0.2,"compression_ratio":0.9,"no_speech_prob":0.01}]}"#;
        assert_eq!(summary(&parse_whisper(body).expect("parsed")), [("Hello", 0, 420), ("world.", 420, 1100)]);
    }

    #[test]
    fn faster_whisper_and_whisper_cpp_words_inside_segments() {
        let body = r#"{"text":" Hi there","segments":[{"start":0,"end":1,"text":" Hi","words":[
            {"word":" Hi","start":0.1,"end":0.3,"probability":0.93}]},{"start":1,"end":2,"text":" there",
            "words":[{"word":" there","start":1.0,"end":1.4,"probability":0.5}]}]}"#;
        let words = parse_whisper(body).expect("parsed");
        assert_eq!(summary(&words), [("Hi", 100, 300), ("there", 1000, 1400)]);
        assert_eq!(words[0].confidence, Some(0.93));
    }

    #[test]
    fn workers_ai_whisper_and_turbo() {
        let whisper = r#"{"result":{"text":"One two","word_count":2,"words":[{"word":"One","start":0,"end":0.5},
            {"word":"two","start":0.5,"end":0.9}],"vtt":"WEBVTT\n\n"}}"#;
        assert_eq!(summary(&parse_whisper(whisper).expect("parsed")), [("One", 0, 500), ("two", 500, 900)]);
        let turbo = r#"{"transcription_info":{"language":"en"},"text":"One","word_count":1,
            "segments":[{"start":0,"end":1,"text":"One","words":[{"word":"One","start":0.2,"end":0.6}]}],"vtt":""}"#;
        assert_eq!(summary(&parse_whisper(turbo).expect("parsed")), [("One", 200, 600)]);
    }

    #[test]
    fn verbatim_prompts_speak_the_languages_fillers() {
        use crate::plan::fillers::default_fillers;
        for language in [None, Some("en"), Some("de"), Some("fr"), Some("es"), Some("it"), Some("pt"), Some("nl")] {
            let prompt = verbatim_prompt(language).expect("a prompt").to_lowercase();
            let words: Vec<&str> = prompt.split(|c: char| !c.is_alphabetic()).collect();
            let fillers = default_fillers(language).iter().filter(|f| !f.contains(' ') && words.contains(f)).count();
            assert!(fillers >= 2, "{language:?}: {prompt}");
            // a stutter: a word cut off by a hyphen, then said again
            let stutter = prompt.split(' ').collect::<Vec<_>>().windows(2).any(|w| w[0] == format!("{}-", w[1]));
            assert!(stutter, "{language:?}: {prompt}");
        }
        assert_eq!(verbatim_prompt(Some("ja")), None, "no English prompt for Japanese speech");
    }

    #[test]
    fn answers_without_word_times_are_malformed() {
        assert!(parse_whisper(r#"{"text":"no words"}"#).is_err());
        assert!(parse_whisper("<html>").is_err());
        assert!(parse_whisper(r#"{"words":[{"word":"a","start":-3,"end":1}]}"#).is_err());
    }

    #[test]
    fn the_request_is_a_multipart_form_with_the_file_last() {
        let (body, content_type) = openai_request(b"RIFF....WAVE", "whisper-1", Some("de"), "xyz");
        assert_eq!(content_type, "multipart/form-data; boundary=xyz");
        let text = String::from_utf8_lossy(&body);
        assert!(text.contains("name=\"model\"\r\n\r\nwhisper-1\r\n"));
        assert!(text.contains("name=\"response_format\"\r\n\r\nverbose_json\r\n"));
        assert!(text.contains("name=\"timestamp_granularities[]\"\r\n\r\nword\r\n"));
        assert!(text.contains("name=\"language\"\r\n\r\nde\r\n"));
        let german = verbatim_prompt(Some("de")).expect("a German prompt");
        assert!(text.contains(&format!("name=\"prompt\"\r\n\r\n{german}\r\n")));
        assert!(text.contains("filename=\"speech.wav\"\r\nContent-Type: audio/wav\r\n\r\nRIFF....WAVE\r\n--xyz--\r\n"));
        let (body, _) = openai_request(b"", "m", None, "b");
        let text = String::from_utf8_lossy(&body);
        assert!(!text.contains("language"));
        let english = verbatim_prompt(None).expect("the English prompt");
        assert!(text.contains(&format!("name=\"prompt\"\r\n\r\n{english}\r\n")), "{text}");
        let (body, _) = openai_request(b"", "m", Some("ja"), "b");
        assert!(!String::from_utf8_lossy(&body).contains("name=\"prompt\""), "no English prompt for Japanese");
    }
}
