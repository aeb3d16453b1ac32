//! What Rust cannot do in the browser — AAC encoding at a new bitrate — goes to ffmpeg.wasm
//! (npm `@ffmpeg/ffmpeg`), imported only when first needed and loading its core from the URLs
//! the page serves from the npm package `@ffmpeg/core`, never from a CDN.

use js_sys::{Array, Promise, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::error::{EngineError, ErrorCode};

#[wasm_bindgen(inline_js = "
const instances = new Map();
export function loadFFmpeg(moduleURL, coreURL, wasmURL) {
  const key = [moduleURL, coreURL, wasmURL].join(' ');
  if (!instances.has(key)) {
    const loading = import(moduleURL)
      .then(async ({ FFmpeg }) => {
        const ffmpeg = new FFmpeg();
        await ffmpeg.load({ coreURL, wasmURL });
        return ffmpeg;
      })
      .catch((error) => {
        instances.delete(key);
        throw error;
      });
    instances.set(key, loading);
  }
  return instances.get(key);
}
")]
extern "C" {
    /// One ffmpeg.wasm instance per page or worker and location, loaded on first use.
    #[wasm_bindgen(js_name = loadFFmpeg)]
    fn load_ffmpeg(module_url: &str, core_url: &str, wasm_url: &str) -> Promise;
}

#[wasm_bindgen]
extern "C" {
    type FFmpeg;

    #[wasm_bindgen(method, js_name = writeFile)]
    fn write_file(this: &FFmpeg, path: &str, data: &Uint8Array) -> Promise;
    #[wasm_bindgen(method)]
    fn exec(this: &FFmpeg, args: &Array) -> Promise;
    #[wasm_bindgen(method, js_name = readFile)]
    fn read_file(this: &FFmpeg, path: &str) -> Promise;
    #[wasm_bindgen(method, js_name = deleteFile)]
    fn delete_file(this: &FFmpeg, path: &str) -> Promise;
}

/// Where ffmpeg.wasm comes from: the module (`@ffmpeg/ffmpeg`, resolved by the page's import map
/// or bundler, or a URL) and the core files of `@ffmpeg/core` as the page serves them.
/// Field names as ffmpeg.wasm's own `load` options spell them.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct FFmpegLocation {
    #[serde(rename = "moduleURL", default = "default_module")]
    pub module_url: String,
    #[serde(rename = "coreURL")]
    pub core_url: String,
    #[serde(rename = "wasmURL")]
    pub wasm_url: String,
}

fn default_module() -> String {
    "@ffmpeg/ffmpeg".to_owned()
}

fn failed(what: &str, error: JsValue) -> EngineError {
    let detail = error.as_string().or_else(|| js_sys::Error::from(error).message().as_string()).unwrap_or_default();
    EngineError::new(ErrorCode::EncodeFailed, format!("ffmpeg.wasm {what}: {detail}"))
}

/// Encodes a WAV to AAC in an M4A at `bitrate_kbps`.
pub async fn encode_aac(location: &FFmpegLocation, wav: &[u8], bitrate_kbps: u32) -> Result<Vec<u8>, EngineError> {
    let loaded = JsFuture::from(load_ffmpeg(&location.module_url, &location.core_url, &location.wasm_url))
        .await
        .map_err(|e| failed("load", e))?;
    let ffmpeg: FFmpeg = loaded.unchecked_into();
    JsFuture::from(ffmpeg.write_file("roughcut-in.wav", &Uint8Array::from(wav)))
        .await
        .map_err(|e| failed("write", e))?;
    let args: Array = [
        "-i",
        "roughcut-in.wav",
        "-c:a",
        "aac",
        "-b:a",
        &format!("{bitrate_kbps}k"),
        "-movflags",
        "+faststart",
        "roughcut-out.m4a",
    ]
    .iter()
    .map(|a| JsValue::from_str(a))
    .collect();
    let status = JsFuture::from(ffmpeg.exec(&args)).await.map_err(|e| failed("exec", e))?;
    let _ = JsFuture::from(ffmpeg.delete_file("roughcut-in.wav")).await;
    if status.as_f64() != Some(0.0) {
        return Err(EngineError::new(ErrorCode::EncodeFailed, format!("ffmpeg.wasm exited with {status:?}")));
    }
    let output = JsFuture::from(ffmpeg.read_file("roughcut-out.m4a")).await.map_err(|e| failed("read", e))?;
    let _ = JsFuture::from(ffmpeg.delete_file("roughcut-out.m4a")).await;
    Ok(Uint8Array::new(&output).to_vec())
}
