//! Media synthesised in Rust for the wasm tests, which cannot run ffmpeg: a PCM WAV whose
//! structure (tone bursts in silence) is known exactly.
#![allow(dead_code)] // each test binary uses its own subset

/// 16-bit mono WAV at `rate` Hz: `tone_ms` of a 1 kHz half-scale sine, then `silence_ms` of zeros.
pub fn tone_then_silence_wav(rate: u32, tone_ms: u32, silence_ms: u32) -> Vec<u8> {
    speech_like_wav(rate, &[(0, tone_ms)], tone_ms + silence_ms)
}

/// 16-bit mono WAV at `rate` Hz, `total_ms` long: the 1 kHz half-scale sine inside each
/// `(start_ms, end_ms)` burst, zeros elsewhere — voice where the bursts are, as far as an energy
/// detector can tell.
pub fn speech_like_wav(rate: u32, bursts: &[(u32, u32)], total_ms: u32) -> Vec<u8> {
    let total = (u64::from(rate) * u64::from(total_ms) / 1000) as usize;
    let inside = |index: usize| {
        let ms = (index as u64 * 1000 / u64::from(rate)) as u32;
        bursts.iter().any(|&(start, end)| start <= ms && ms < end)
    };
    let mut samples = Vec::with_capacity(total * 2);
    for index in 0..total {
        let value = if inside(index) {
            (0.5 * (index as f64 * 2.0 * std::f64::consts::PI * 1000.0 / f64::from(rate)).sin() * 32767.0) as i16
        } else {
            0
        };
        samples.extend_from_slice(&value.to_le_bytes());
    }
    let mut wav = Vec::with_capacity(44 + samples.len());
    wav.extend_from_slice(b"RIFF");
    wav.extend_from_slice(&(36 + samples.len() as u32).to_le_bytes());
    wav.extend_from_slice(b"WAVEfmt ");
    wav.extend_from_slice(&16u32.to_le_bytes());
    wav.extend_from_slice(&1u16.to_le_bytes()); // PCM
    wav.extend_from_slice(&1u16.to_le_bytes()); // mono
    wav.extend_from_slice(&rate.to_le_bytes());
    wav.extend_from_slice(&(rate * 2).to_le_bytes());
    wav.extend_from_slice(&2u16.to_le_bytes());
    wav.extend_from_slice(&16u16.to_le_bytes());
    wav.extend_from_slice(b"data");
    wav.extend_from_slice(&(samples.len() as u32).to_le_bytes());
    wav.extend_from_slice(&samples);
    wav
}
