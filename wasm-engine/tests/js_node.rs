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
