//! The JS facade in a dedicated Web Worker of headless Chromium: `Blob`s are read range by range
//! through `FileReaderSync`.
#![cfg(all(target_arch = "wasm32", feature = "js"))]

mod synth;

use js_sys::{Array, Reflect, Uint8Array};
use roughcut_engine::js;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::Blob;

wasm_bindgen_test_configure!(run_in_dedicated_worker);

fn blob(data: &[u8]) -> JsValue {
    let parts = Array::of1(&Uint8Array::from(data));
    Blob::new_with_u8_array_sequence(&parts).expect("blob").into()
}

fn get(object: &JsValue, key: &str) -> JsValue {
    Reflect::get(object, &JsValue::from_str(key)).expect("property")
}

#[wasm_bindgen_test]
fn probes_a_blob() {
    let info = js::probe(blob(&synth::tone_then_silence_wav(22_050, 2000, 1000))).expect("probe");
    assert_eq!(get(&info, "durationSeconds").as_f64(), Some(3.0));
    assert_eq!(get(&info, "sizeBytes").as_f64(), Some(44.0 + 22_050.0 * 3.0 * 2.0));
}

#[wasm_bindgen_test]
fn analyses_a_blob_larger_than_one_read() {
    // 90 s at 22,050 Hz: about 4 MB, read in 1 MiB blocks.
    let analysis = js::analyse(blob(&synth::tone_then_silence_wav(22_050, 60_000, 30_000))).expect("analyse");
    let levels: js_sys::Int16Array = wasm_bindgen::JsCast::dyn_into(get(&analysis, "levels")).expect("levels");
    assert_eq!(levels.length(), 9000);
    assert!(levels.get_index(5999) > -1000 && levels.get_index(6001) == -10_000);
}

#[wasm_bindgen_test]
fn truncated_blobs_give_coded_errors() {
    let mut wav = synth::tone_then_silence_wav(16_000, 100, 0);
    wav.truncate(30);
    let error = js::probe(blob(&wav)).expect_err("truncated");
    assert!(get(&error, "code").as_string().is_some());
}
