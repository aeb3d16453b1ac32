//! The JS facade (feature `js`): camelCase functions over `Uint8Array`s and `Blob`s/`File`s,
//! meant to run in a Web Worker (Blob reads use `FileReaderSync`, which only workers have) or in
//! Node (bytes only). Every failure is a JS `Error` with a `code` (the engine's stable codes) and,
//! for structured input, the `field` at fault.

mod edit;
mod ffmpeg;

pub use edit::{Planner, export_subtitles, export_timeline, parse_transcript};

use js_sys::{Int16Array, Reflect, Uint8Array};
use serde::Serialize;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{Blob, FileReaderSync};

use crate::analyze::{EnergyVad, analyse as analyse_source};
use crate::error::{EngineError, Result};
use crate::limits::Limits;
use crate::media::extract::extract_aac;
use crate::media::probe::{MediaInfo, TrackKind, probe as probe_source};
use crate::media::render::{KeptSpan, render_aac_copy, render_mp3, render_wav};
use crate::media::sniff::sniff as sniff_head;
use crate::media::speech::speech_wav;
use crate::source::{RangeSource, check_pieces};

/// A `Blob` (a `File` is one) read range by range: the file is never copied whole into wasm
/// memory.
struct BlobSource {
    blob: Blob,
    reader: FileReaderSync,
    len: u64,
}

// SAFETY: RangeSource is Send + Sync for the native demuxers' sake. Without the `atomics` target
// feature a wasm32 module has exactly one thread, so no value can be sent or shared across
// threads and the promise is vacuous; the cfg keeps these impls out of any threaded build.
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[allow(unsafe_code)]
unsafe impl Send for BlobSource {}
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[allow(unsafe_code)]
unsafe impl Sync for BlobSource {}

impl BlobSource {
    /// Bytes `start..end` of the Blob, still in JS memory.
    fn read_span(&self, start: u64, end: u64) -> Result<Uint8Array> {
        if end > self.len {
            return Err(EngineError::truncated(format!("need bytes {start}..{end} of a {}-byte Blob", self.len)));
        }
        let io = |e: JsValue| EngineError::io(format!("reading the Blob: {e:?}"));
        let slice = self.blob.slice_with_f64_and_f64(start as f64, end as f64).map_err(io)?;
        let bytes = Uint8Array::new(&self.reader.read_as_array_buffer(&slice).map_err(io)?.into());
        if u64::from(bytes.length()) != end - start {
            return Err(EngineError::truncated("the Blob returned fewer bytes than asked"));
        }
        Ok(bytes)
    }
}

impl RangeSource for BlobSource {
    fn len(&self) -> u64 {
        self.len
    }

    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> Result<()> {
        self.read_span(offset, offset + buf.len() as u64)?.copy_to(buf);
        Ok(())
    }

    /// One read of the span, and only the pieces copied into wasm memory: an audio track read
    /// through a video's bytes copies about 1% of them.
    fn read_pieces(&self, span: std::ops::Range<u64>, pieces: &[(u64, usize)], out: &mut Vec<u8>) -> Result<()> {
        check_pieces(&span, pieces)?;
        let bytes = self.read_span(span.start, span.end)?;
        for &(offset, len) in pieces {
            let from = (offset - span.start) as u32;
            let at = out.len();
            out.resize(at + len, 0);
            bytes.subarray(from, from + len as u32).copy_to(&mut out[at..]);
        }
        Ok(())
    }

    /// Each read is an IPC round trip (measured in Chromium: ~0.5 ms, the time of copying
    /// ~1 MiB), so scattered ranges are read through unless far apart.
    fn gap_worth_a_read(&self) -> u64 {
        1024 * 1024
    }
}

/// A `Uint8Array` (copied) or a `Blob`/`File` (read in ranges).
fn input(value: &JsValue) -> std::result::Result<Box<dyn RangeSource>, JsValue> {
    if let Some(bytes) = value.dyn_ref::<Uint8Array>() {
        return Ok(Box::new(bytes.to_vec()));
    }
    if let Some(blob) = value.dyn_ref::<Blob>() {
        let reader = FileReaderSync::new().map_err(|_| {
            js_error(&EngineError::io("reading a Blob needs FileReaderSync: call the engine from a Web Worker"))
        })?;
        return Ok(Box::new(BlobSource { blob: blob.clone(), reader, len: blob.size() as u64 }));
    }
    Err(js_error(&EngineError::invalid_argument("expected a Uint8Array, a Blob or a File")))
}

/// `new Error(message)` with `code` set to the engine's code.
fn js_error(error: &EngineError) -> JsValue {
    let js = js_sys::Error::new(&error.message);
    let _ = Reflect::set(&js, &JsValue::from_str("code"), &JsValue::from_str(error.code.as_str()));
    if let Some(field) = &error.field {
        let _ = Reflect::set(&js, &JsValue::from_str("field"), &JsValue::from_str(field));
    }
    js.into()
}

fn to_js<T: Serialize>(value: &T) -> std::result::Result<JsValue, JsValue> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| js_error(&EngineError::invalid_argument(format!("result not representable in JS: {e}"))))
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsVideo {
    width: u32,
    height: u32,
    /// "30000/1001"
    frame_rate: String,
    variable_frame_rate: bool,
    rotation: u16,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsAudio {
    sample_rate: u32,
    channels: u16,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsTrack {
    id: u32,
    kind: &'static str,
    codec: String,
    duration_seconds: Option<f64>,
    bitrate: Option<u64>,
    video: Option<JsVideo>,
    audio: Option<JsAudio>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsMediaInfo {
    container: &'static str,
    duration_seconds: Option<f64>,
    bitrate: Option<u64>,
    size_bytes: u64,
    tracks: Vec<JsTrack>,
}

impl From<MediaInfo> for JsMediaInfo {
    fn from(info: MediaInfo) -> Self {
        let tracks = info
            .tracks
            .into_iter()
            .map(|t| JsTrack {
                id: t.id,
                kind: match t.kind {
                    TrackKind::Video => "video",
                    TrackKind::Audio => "audio",
                    TrackKind::Other => "other",
                },
                codec: t.codec,
                duration_seconds: t.duration.map(|d| d.seconds()),
                bitrate: t.bitrate,
                video: t.video.map(|v| JsVideo {
                    width: v.width,
                    height: v.height,
                    frame_rate: v.frame_rate.to_string(),
                    variable_frame_rate: v.variable_frame_rate,
                    rotation: v.rotation,
                }),
                audio: t.audio.map(|a| JsAudio { sample_rate: a.sample_rate, channels: a.channels }),
            })
            .collect();
        Self {
            container: info.container.as_str(),
            duration_seconds: info.duration.map(|d| d.seconds()),
            bitrate: info.bitrate,
            size_bytes: info.size_bytes,
            tracks,
        }
    }
}

/// The container of a file from its first bytes (64 are plenty), or `undefined`.
#[wasm_bindgen]
pub fn sniff(head: &[u8]) -> Option<String> {
    sniff_head(head).map(|c| c.as_str().to_owned())
}

/// Container, duration, tracks, codecs, picture size, frame rate, rotation, sample rate, channels.
#[wasm_bindgen]
pub fn probe(input_value: JsValue) -> std::result::Result<JsValue, JsValue> {
    let source = input(&input_value)?;
    let info = probe_source(source.as_ref(), &Limits::default()).map_err(|e| js_error(&e))?;
    to_js(&JsMediaInfo::from(info))
}

/// The AAC track of an MP4/MOV as a standalone M4A, without re-encoding.
#[wasm_bindgen(js_name = extractAudio)]
pub fn extract_audio(input_value: JsValue) -> std::result::Result<Uint8Array, JsValue> {
    let source = input(&input_value)?;
    let mut out = Vec::new();
    extract_aac(source.as_ref(), &mut out, &Limits::default()).map_err(|e| js_error(&e))?;
    Ok(Uint8Array::from(out.as_slice()))
}

/// The sound of any recording the engine decodes as a 16-kHz mono 16-bit WAV: the audio proxy of
/// a video whose sound cannot be copied out (WebM, Matroska, PCM in a MOV).
#[wasm_bindgen(js_name = speechAudio)]
pub fn speech_audio(input_value: JsValue) -> std::result::Result<Uint8Array, JsValue> {
    let source = input(&input_value)?;
    let wav = speech_wav(source.as_ref(), &Limits::default()).map_err(|e| js_error(&e))?;
    Ok(Uint8Array::from(wav.as_slice()))
}

/// A JS argument as `T`, or an `invalid_argument` error naming it.
fn from_js<T: serde::de::DeserializeOwned>(what: &str, value: JsValue) -> std::result::Result<T, JsValue> {
    serde_wasm_bindgen::from_value(value).map_err(|e| js_error(&EngineError::invalid_argument(format!("{what}: {e}"))))
}

/// `[{startMs, endMs}]`.
fn kept_spans(spans: JsValue) -> std::result::Result<Vec<KeptSpan>, JsValue> {
    let spans: Vec<JsSpan> = from_js("spans", spans)?;
    Ok(spans.into_iter().map(|s| KeptSpan { start_ms: s.start_ms, end_ms: s.end_ms }).collect())
}

#[derive(Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct JsSpan {
    start_ms: u64,
    end_ms: u64,
}

/// The loudness envelope (hundredths of dBFS per 10 ms hop), the noise floor and the voice mask.
#[wasm_bindgen]
pub fn analyse(input_value: JsValue) -> std::result::Result<JsValue, JsValue> {
    let source = input(&input_value)?;
    let analysis =
        analyse_source(source.as_ref(), &Limits::default(), &EnergyVad::default()).map_err(|e| js_error(&e))?;
    let result = js_sys::Object::new();
    let voice: Vec<u8> = analysis.voice.iter().map(|&v| u8::from(v)).collect();
    let set = |key: &str, value: &JsValue| Reflect::set(&result, &JsValue::from_str(key), value);
    set("sampleRate", &JsValue::from(analysis.envelope.sample_rate))?;
    set("levels", &Int16Array::from(analysis.envelope.levels.as_slice()).into())?;
    set("noiseFloor", &JsValue::from(analysis.noise_floor))?;
    set("voice", &Uint8Array::from(voice.as_slice()).into())?;
    Ok(result.into())
}

/// The kept spans (`[{startMs, endMs}]`) of the input's audio as `{format: "m4a"}` (default: AAC
/// packet copy, spans snapped to frames) or `{format: "mp3", bitrateKbps}` (re-encoded, cut at
/// exact samples). Returns `{bytes, spans}`, each span as actually rendered (`startMs`, `endMs`).
#[wasm_bindgen(js_name = renderAudio)]
pub fn render_audio(input_value: JsValue, spans: JsValue, options: JsValue) -> std::result::Result<JsValue, JsValue> {
    #[derive(serde::Deserialize, Default)]
    #[serde(rename_all = "camelCase", default)]
    struct Options {
        format: Option<String>,
        bitrate_kbps: Option<u32>,
    }
    let kept = kept_spans(spans)?;
    let options: Options =
        if options.is_undefined() || options.is_null() { Options::default() } else { from_js("options", options)? };
    let source = input(&input_value)?;
    let mut out = Vec::new();
    let limits = Limits::default();
    let rendered: Vec<JsSpan> = match options.format.as_deref().unwrap_or("m4a") {
        "m4a" => render_aac_copy(source.as_ref(), &kept, &mut out, &limits)
            .map_err(|e| js_error(&e))?
            .spans
            .iter()
            .map(|s| JsSpan { start_ms: s.start.millis(), end_ms: s.end.millis() })
            .collect(),
        "mp3" => {
            render_mp3(source.as_ref(), &kept, options.bitrate_kbps.unwrap_or(192), &mut out, &limits)
                .map_err(|e| js_error(&e))?;
            kept.iter().map(|s| JsSpan { start_ms: s.start_ms, end_ms: s.end_ms }).collect()
        }
        other => return Err(js_error(&EngineError::invalid_argument(format!("format {other:?}: m4a or mp3")))),
    };
    let result = js_sys::Object::new();
    Reflect::set(&result, &JsValue::from_str("bytes"), &Uint8Array::from(out.as_slice()).into())?;
    Reflect::set(&result, &JsValue::from_str("spans"), &to_js(&rendered)?)?;
    Ok(result.into())
}

/// The kept spans as AAC at a new bitrate in an M4A: Rust decodes and cuts (exact samples), and
/// ffmpeg.wasm encodes. `options`: `{bitrateKbps, ffmpeg: {coreURL, wasmURL, moduleURL?}}`, the
/// URLs where the page serves `@ffmpeg/core` (and `@ffmpeg/ffmpeg`). Resolves to the M4A bytes.
#[wasm_bindgen(js_name = encodeAudio)]
pub async fn encode_audio(
    input_value: JsValue,
    spans: JsValue,
    options: JsValue,
) -> std::result::Result<Uint8Array, JsValue> {
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Options {
        bitrate_kbps: u32,
        ffmpeg: ffmpeg::FFmpegLocation,
    }
    let kept = kept_spans(spans)?;
    let options: Options = from_js("options", options)?;
    let mut wav = Vec::new();
    render_wav(input(&input_value)?.as_ref(), &kept, &mut wav, &Limits::default()).map_err(|e| js_error(&e))?;
    let m4a = ffmpeg::encode_aac(&options.ffmpeg, &wav, options.bitrate_kbps).await.map_err(|e| js_error(&e))?;
    Ok(Uint8Array::from(m4a.as_slice()))
}
