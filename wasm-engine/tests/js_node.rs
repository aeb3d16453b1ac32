//! The JS facade in Node (wasm-bindgen-test): bytes in, camelCase objects out, errors with codes.
#![cfg(all(target_arch = "wasm32", feature = "js"))]

mod synth;

use js_sys::{Int16Array, Reflect, Uint8Array};
use roughcut_engine::js;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;

fn get(object: &JsValue, key: &str) -> JsValue {
    Reflect::get(object, &JsValue::from_str(key)).expect("property")
}

fn bytes(data: &[u8]) -> JsValue {
    Uint8Array::from(data).into()
}

#[wasm_bindgen_test]
fn sniffs_a_head() {
    assert_eq!(js::sniff(&synth::tone_then_silence_wav(16_000, 10, 0)[..64]).as_deref(), Some("wav"));
    assert_eq!(js::sniff(b"<html>"), None);
}

#[wasm_bindgen_test]
fn probes_bytes_into_a_camel_case_object() {
    let info = js::probe(bytes(&synth::tone_then_silence_wav(16_000, 1000, 500))).expect("probe");
    assert_eq!(get(&info, "container").as_string().as_deref(), Some("wav"));
    assert_eq!(get(&info, "durationSeconds").as_f64(), Some(1.5));
    let track = Reflect::get_u32(&get(&info, "tracks"), 0).expect("track");
    assert_eq!(get(&track, "kind").as_string().as_deref(), Some("audio"));
    assert_eq!(get(&get(&track, "audio"), "sampleRate").as_f64(), Some(16_000.0));
}

#[wasm_bindgen_test]
fn analyses_into_typed_arrays() {
    let analysis = js::analyse(bytes(&synth::tone_then_silence_wav(16_000, 1000, 1000))).expect("analyse");
    let levels: Int16Array = get(&analysis, "levels").dyn_into().expect("Int16Array");
    assert_eq!(levels.length(), 200);
    assert!((-910..=-895).contains(&levels.get_index(50)), "{}", levels.get_index(50));
    assert_eq!(levels.get_index(150), -10_000);
    let voice: Uint8Array = get(&analysis, "voice").dyn_into().expect("Uint8Array");
    assert_eq!((voice.get_index(50), voice.get_index(150)), (1, 0));
}

#[wasm_bindgen_test]
fn errors_are_js_errors_with_a_code() {
    let error = js::probe(bytes(b"this is not a media file at all")).expect_err("refused");
    assert!(error.is_instance_of::<js_sys::Error>());
    assert_eq!(get(&error, "code").as_string().as_deref(), Some("unsupported_media"));
    let error = js::probe(JsValue::from_f64(3.0)).expect_err("not an input");
    assert_eq!(get(&error, "code").as_string().as_deref(), Some("invalid_argument"));
}

#[wasm_bindgen_test]
fn renders_mp3_of_kept_spans() {
    let wav = synth::tone_then_silence_wav(44_100, 2000, 1000);
    let spans = js_sys::JSON::parse(r#"[{"startMs":100,"endMs":600},{"startMs":1500,"endMs":2500}]"#).expect("spans");
    let options = js_sys::JSON::parse(r#"{"format":"mp3","bitrateKbps":128}"#).expect("options");
    let rendered = js::render_audio(bytes(&wav), spans.clone(), options).expect("render");
    let mp3: Uint8Array = get(&rendered, "bytes").dyn_into().expect("bytes");
    assert_eq!(js::sniff(&mp3.to_vec()[..64]).as_deref(), Some("mp3"));
    let bad = js_sys::JSON::parse(r#"{"format":"flac"}"#).expect("options");
    let error = js::render_audio(bytes(&wav), spans, bad).expect_err("flac is not a render format");
    assert_eq!(get(&error, "code").as_string().as_deref(), Some("invalid_argument"));
}

#[wasm_bindgen_test]
fn speech_is_a_16_khz_mono_wav_of_the_same_length() {
    let wav = synth::tone_then_silence_wav(44_100, 1000, 500);
    let speech = js::speech_audio(bytes(&wav)).expect("speech");
    let info = js::probe(speech.clone().into()).expect("probe the speech");
    assert_eq!(get(&info, "durationSeconds").as_f64(), Some(1.5));
    let track = Reflect::get_u32(&get(&info, "tracks"), 0).expect("track");
    assert_eq!(get(&get(&track, "audio"), "sampleRate").as_f64(), Some(16_000.0));
    assert_eq!(get(&get(&track, "audio"), "channels").as_f64(), Some(1.0));
    let error = js::speech_audio(bytes(b"not media")).expect_err("refused");
    assert_eq!(get(&error, "code").as_string().as_deref(), Some("unsupported_media"));
}

fn json(text: &str) -> JsValue {
    js_sys::JSON::parse(text).expect("JSON")
}

/// A recording of 4 s: speech 0.5–1.5 s and 2.5–3.5 s, silence around it.
fn planner(with_words: bool) -> js::Planner {
    let wav = synth::speech_like_wav(16_000, &[(500, 1500), (2500, 3500)], 4000);
    let analysis = js::analyse(bytes(&wav)).expect("analyse");
    let input = js_sys::Object::new();
    Reflect::set(&input, &"durationSeconds".into(), &JsValue::from_f64(4.0)).expect("set");
    Reflect::set(&input, &"analysis".into(), &analysis).expect("set");
    if with_words {
        let words = json(
            r#"{"words":[{"text":"Hello","start":0.5,"end":1.0},{"text":"um","start":1.1,"end":1.5},
            {"text":"world.","start":2.5,"end":3.5}]}"#,
        );
        Reflect::set(&input, &"transcript".into(), &words).expect("set");
    }
    js::Planner::new(input.into()).expect("planner")
}

#[wasm_bindgen_test]
fn plans_in_the_api_shape_and_replans_with_new_options() {
    let planner = planner(true);
    let cut = planner.plan(JsValue::UNDEFINED).expect("plan");
    let removed = js_sys::JSON::stringify(&get(&cut, "removed")).expect("JSON").as_string().expect("string");
    assert!(removed.contains(r#""reason":"filler""#) && removed.contains(r#""reason":"silence""#), "{removed}");
    assert_eq!(get(&cut, "source_duration_seconds").as_f64(), Some(4.0));
    let default_kept = get(&cut, "kept_duration_seconds").as_f64().expect("kept");
    let wider = planner.plan(json(r#"{"margin_seconds":0.4,"remove_fillers":false}"#)).expect("plan");
    assert!(get(&wider, "kept_duration_seconds").as_f64().expect("kept") > default_kept);
    let error = planner.plan(json(r#"{"margin_seconds":9}"#)).expect_err("out of range");
    assert_eq!(get(&error, "field").as_string().as_deref(), Some("options.margin_seconds"));
}

#[wasm_bindgen_test]
fn exports_timelines_and_captions_of_a_plan() {
    let cut = planner(true).plan(JsValue::UNDEFINED).expect("plan");
    let source = json(
        r#"{"name":"talk.mp4","durationSeconds":4,"video":{"width":1080,"height":1920,"frameRate":"30000/1001"},
        "audio":{"channels":1,"sampleRate":16000}}"#,
    );
    let edl = js::export_timeline(cut.clone(), source.clone(), "edl").expect("edl");
    assert!(edl.starts_with("TITLE: talk (rough cut)\nFCM: DROP FRAME"), "{edl}");
    let otio = js::export_timeline(cut.clone(), source.clone(), "otio").expect("otio");
    assert!(otio.contains("\"Timeline.1\"") && otio.contains("29.97002997002997"));
    let error = js::export_timeline(cut.clone(), source, "avid").expect_err("unknown format");
    assert_eq!(get(&error, "field").as_string().as_deref(), Some("format"));
    let words = json(
        r#"{"words":[{"text":"Hello","start":0.5,"end":1.0},{"text":"um","start":1.1,"end":1.5},{"text":"world.","start":2.5,"end":3.5}]}"#,
    );
    let srt = js::export_subtitles(cut, words, "srt").expect("srt");
    assert!(srt.starts_with("1\n00:00:00,") && srt.contains("Hello") && !srt.contains("um"), "{srt}");
}

#[wasm_bindgen_test]
fn parses_transcripts_of_every_kind() {
    let words = js::parse_transcript("WEBVTT\n\n00:01.000 --> 00:02.000\nhi there\n", "vtt").expect("vtt");
    assert_eq!(
        js_sys::JSON::stringify(&words).expect("JSON").as_string().as_deref(),
        Some(r#"{"words":[{"text":"hi","start":1,"end":1.333},{"text":"there","start":1.333,"end":2}]}"#)
    );
    let whisper = js::parse_transcript(
        r#"{"words":[{"word":" b","start":1.0,"end":2.0},{"word":" a","start":0.0,"end":1.2}]}"#,
        "whisper",
    )
    .expect("whisper");
    let text = js_sys::JSON::stringify(&whisper).expect("JSON").as_string().expect("string");
    assert!(text.starts_with(r#"{"words":[{"text":"a","start":0,"end":1.2},{"text":"b","start":1.2"#), "{text}");
    let error = js::parse_transcript("1\nnonsense", "srt").expect_err("malformed");
    assert_eq!(get(&error, "code").as_string().as_deref(), Some("invalid_argument"));
}
