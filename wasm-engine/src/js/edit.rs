//! The JS facade of editing: a `Planner` that holds one recording's analysis, transcript and
//! script and re-plans in milliseconds whenever an option changes (a slider moves), timeline and
//! caption exports, and transcript parsing. Plans and words use the API's shapes (seconds).

use js_sys::{Int16Array, Reflect, Uint8Array};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

use super::{from_js, js_error, to_js};
use crate::analyze::{Analysis, Envelope};
use crate::error::EngineError;
use crate::export::TimelineFormat;
use crate::export::subtitles::cut_cues;
use crate::plan::wire::WirePlan;
use crate::plan::{CutOptions, PlanInput, Script, plan};
use crate::time::Rational;
use crate::timeline::{AudioFormat, SourceMedia, Timeline};
use crate::transcript::{self, Millis, Transcript};

type JsResult<T> = std::result::Result<T, JsValue>;

fn property(object: &JsValue, key: &str) -> JsResult<JsValue> {
    Reflect::get(object, &JsValue::from_str(key))
}

fn invalid(message: &str, field: &str) -> JsValue {
    js_error(&EngineError::invalid_argument(message).at(field))
}

/// `analyse()`'s result back in Rust.
fn analysis_from(value: &JsValue) -> JsResult<Analysis> {
    let levels: Int16Array =
        property(value, "levels")?.dyn_into().map_err(|_| invalid("an Int16Array", "analysis.levels"))?;
    let voice: Uint8Array =
        property(value, "voice")?.dyn_into().map_err(|_| invalid("a Uint8Array", "analysis.voice"))?;
    let sample_rate = property(value, "sampleRate")?.as_f64().unwrap_or(48_000.0) as u32;
    let noise_floor =
        property(value, "noiseFloor")?.as_f64().ok_or_else(|| invalid("a number", "analysis.noiseFloor"))?;
    Ok(Analysis {
        envelope: Envelope { sample_rate, levels: levels.to_vec() },
        noise_floor: noise_floor.clamp(f64::from(i16::MIN), f64::from(i16::MAX)) as i16,
        voice: voice.to_vec().into_iter().map(|v| v != 0).collect(),
    })
}

/// `{words: [{text, start, end, confidence?}]}` (seconds), validated against `duration`.
fn transcript_from(value: &JsValue, duration: Option<Millis>) -> JsResult<Transcript> {
    let json = js_sys::JSON::stringify(value).map_err(|_| invalid("a word list", "transcript"))?;
    let words = transcript::json::parse(&String::from(json)).map_err(|e| js_error(&e))?;
    Transcript::new(words, duration).map_err(|e| js_error(&e))
}

/// One recording, ready to be planned again and again.
#[wasm_bindgen]
#[derive(Debug)]
pub struct Planner {
    duration: Millis,
    analysis: Option<Analysis>,
    transcript: Option<Transcript>,
    script: Option<Script>,
    language: Option<String>,
}

#[wasm_bindgen]
impl Planner {
    /// `{durationSeconds, analysis?, transcript?, script?, language?}`: `analysis` as `analyse()`
    /// returns it, `transcript` as the API's word list, `script` the reference text.
    #[wasm_bindgen(constructor)]
    pub fn new(input: JsValue) -> JsResult<Planner> {
        let seconds = property(&input, "durationSeconds")?
            .as_f64()
            .filter(|s| s.is_finite() && *s >= 0.0)
            .ok_or_else(|| invalid("a duration in seconds", "durationSeconds"))?;
        let duration = (seconds * 1000.0).round() as Millis;
        let present = |value: JsValue| (!value.is_undefined() && !value.is_null()).then_some(value);
        let analysis = present(property(&input, "analysis")?).map(|a| analysis_from(&a)).transpose()?;
        let transcript =
            present(property(&input, "transcript")?).map(|t| transcript_from(&t, Some(duration))).transpose()?;
        let script = present(property(&input, "script")?)
            .map(|s| s.as_string().ok_or_else(|| invalid("a string", "script")))
            .transpose()?
            .map(|s| Script::new(&s));
        let language = present(property(&input, "language")?).and_then(|l| l.as_string());
        Ok(Planner { duration, analysis, transcript, script, language })
    }

    /// The cut for `options` (the API's cut options, defaults filled in), as the API returns
    /// a cut's `segments`, `removed`, `kept_duration_seconds` and `source_duration_seconds`.
    pub fn plan(&self, options: JsValue) -> JsResult<JsValue> {
        let options: CutOptions = if options.is_undefined() || options.is_null() {
            CutOptions::default()
        } else {
            from_js("options", options)?
        };
        let options = options.validated().map_err(|e| js_error(&e))?;
        let input = PlanInput {
            duration: self.duration,
            analysis: self.analysis.as_ref(),
            transcript: self.transcript.as_ref(),
            script: self.script.as_ref(),
            language: self.language.as_deref(),
            // the words a page plans from are a cut's (already the words heard) or a person's
            recognised: false,
        };
        to_js(&WirePlan::from(&plan(&input, &options)))
    }
}

/// A plan's timeline as `format` (`xmeml`, `fcpxml`, `edl` or `otio`). `source`: `{name, url,
/// durationSeconds, video?: {width, height, frameRate: "30000/1001"}, audio?: {channels,
/// sampleRate}}` — `probe()`'s tracks carry exactly these.
#[wasm_bindgen(js_name = exportTimeline)]
pub fn export_timeline(cut: JsValue, source: JsValue, format: &str) -> JsResult<String> {
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Video {
        width: u32,
        height: u32,
        frame_rate: String,
    }
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Audio {
        channels: u16,
        sample_rate: u32,
    }
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Source {
        name: String,
        url: Option<String>,
        duration_seconds: f64,
        video: Option<Video>,
        audio: Option<Audio>,
    }
    let format = TimelineFormat::parse(format).map_err(|e| js_error(&e))?;
    let plan = from_js::<WirePlan>("cut", cut)?.into_plan().map_err(|e| js_error(&e))?;
    let source: Source = from_js("source", source)?;
    let video = source
        .video
        .map(|v| {
            let (num, den) = v.frame_rate.split_once('/').unwrap_or((&v.frame_rate, "1"));
            match (num.trim().parse::<u64>(), den.trim().parse::<u64>()) {
                (Ok(num), Ok(den)) if num > 0 && den > 0 => Ok((v.width, v.height, Rational::new(num, den))),
                _ => Err(invalid("a rate like 30000/1001", "source.video.frameRate")),
            }
        })
        .transpose()?;
    let media = SourceMedia {
        url: source.url.unwrap_or_else(|| source.name.clone()),
        name: source.name,
        duration: (source.duration_seconds.max(0.0) * 1000.0).round() as Millis,
        video,
        audio: source.audio.map(|a| AudioFormat { channels: a.channels, sample_rate: a.sample_rate }),
    };
    let name = media.name.rsplit_once('.').map_or(media.name.as_str(), |(stem, _)| stem).to_owned();
    Ok(format.write(&Timeline::new(&format!("{name} (rough cut)"), &plan, media)))
}

/// Captions (`srt` or `vtt`) of the kept speech, re-timed to the cut.
#[wasm_bindgen(js_name = exportSubtitles)]
pub fn export_subtitles(cut: JsValue, transcript: JsValue, format: &str) -> JsResult<String> {
    let plan = from_js::<WirePlan>("cut", cut)?.into_plan().map_err(|e| js_error(&e))?;
    let transcript = transcript_from(&transcript, None)?;
    let cues = cut_cues(&plan, &transcript);
    match format {
        "srt" => Ok(transcript::srt::write(&cues)),
        "vtt" => Ok(transcript::vtt::write(&cues)),
        _ => Err(invalid("srt or vtt", "format")),
    }
}

/// `{words}` from a transcript file: `json` (the API's word list), `srt`, `vtt`, or `whisper`
/// (an OpenAI-compatible `verbose_json` or a Workers AI Whisper answer, repaired).
#[wasm_bindgen(js_name = parseTranscript)]
pub fn parse_transcript(text: &str, format: &str) -> JsResult<JsValue> {
    let words = match format {
        "json" => transcript::json::parse(text),
        "srt" => transcript::srt::parse(text),
        "vtt" => transcript::vtt::parse(text),
        "whisper" => transcript::providers::parse_whisper(text),
        _ => return Err(invalid("json, srt, vtt or whisper", "format")),
    }
    .map_err(|e| js_error(&e))?;
    let transcript = if format == "whisper" { Transcript::repaired(words, None) } else { Transcript::new(words, None) }
        .map_err(|e| js_error(&e))?;
    let json = transcript::json::write(transcript.words());
    js_sys::JSON::parse(&json)
}
