//! A recording's sound as speech: mono, 16 kHz, 16-bit WAV, what Whisper listens to. The browser
//! sends it as the audio proxy of a video whose sound it cannot copy out (WebM, Matroska, PCM in a
//! MOV), so that such a video too is cut before its picture has uploaded: at 32 kB a second it is
//! a small part of any video.
//!
//! Mixed down by averaging the channels, and resampled with a windowed-sinc interpolator
//! (Blackman window, 8 zero crossings, cut off just below the lower rate's Nyquist frequency), so
//! no tone above 8 kHz folds back into the speech band.

use std::f64::consts::PI;

use super::decode::{PcmSink, PcmSpec, decode};
use super::wav::pcm16_header;
use crate::error::{EngineError, Result};
use crate::limits::Limits;
use crate::source::RangeSource;

/// Whisper's rate.
pub const SPEECH_RATE: u32 = 16_000;
/// Zero crossings of the sinc on each side, at the lower of the two rates.
const ZERO_CROSSINGS: f64 = 8.0;
/// The pass band's edge, as a share of the lower rate's Nyquist frequency.
const CUTOFF: f64 = 0.94;
/// The longest speech made: 4 hours are 460 MB, which a browser tab holds a few times over
/// (the page copies it to send it); a longer recording goes up whole.
pub const MAX_SPEECH_SECONDS: u64 = 4 * 3600;
/// Source rates resampled: a WAV may state any rate, and the kernel's length follows it.
const SOURCE_RATES: std::ops::RangeInclusive<u32> = 1_000..=768_000;
const HEADER_BYTES: usize = 44;

/// The sound of `source` as a 16-kHz mono 16-bit WAV, whole.
pub fn speech_wav(source: &dyn RangeSource, limits: &Limits) -> Result<Vec<u8>> {
    let limit = (limits.max_duration_seconds.min(MAX_SPEECH_SECONDS) * u64::from(SPEECH_RATE)) as usize * 2;
    // the header's place kept, its lengths written once the samples are counted
    let mut mono = Mono { resampler: None, wav: vec![0; HEADER_BYTES], limit: HEADER_BYTES + limit, error: None };
    decode(source, limits, &mut mono)?;
    if let Some(error) = mono.error {
        return Err(error);
    }
    let mut wav = mono.wav;
    if let Some(resampler) = mono.resampler.as_mut() {
        resampler.finish(&mut wav);
    }
    let data_len = u32::try_from(wav.len() - HEADER_BYTES).map_err(|_| EngineError::limit("speech of over 4 GiB"))?;
    wav[..HEADER_BYTES].copy_from_slice(&pcm16_header(PcmSpec { sample_rate: SPEECH_RATE, channels: 1 }, data_len)?);
    Ok(wav)
}

/// The decoder's sink: each frame's channels averaged, resampled, kept as 16-bit samples.
struct Mono {
    resampler: Option<Resampler>,
    /// The WAV: its header's place, then the samples, little-endian.
    wav: Vec<u8>,
    /// The most bytes the limits allow.
    limit: usize,
    error: Option<EngineError>,
}

impl PcmSink for Mono {
    fn start(&mut self, spec: PcmSpec) -> Result<()> {
        if !SOURCE_RATES.contains(&spec.sample_rate) || spec.channels == 0 {
            return Err(EngineError::unsupported(format!(
                "audio of {} Hz in {} channels",
                spec.sample_rate, spec.channels
            )));
        }
        self.resampler = Some(Resampler::new(spec));
        Ok(())
    }

    fn samples(&mut self, interleaved: &[f32]) {
        let Some(resampler) = self.resampler.as_mut() else { return };
        if self.wav.len() > self.limit {
            self.error.get_or_insert_with(|| {
                EngineError::limit(format!("speech longer than {} hours", MAX_SPEECH_SECONDS / 3600))
            });
            return;
        }
        resampler.push(interleaved, &mut self.wav);
    }
}

/// Mono samples at the source's rate in, 16-kHz samples out, streamed.
struct Resampler {
    channels: usize,
    /// Source samples per output sample.
    step: f64,
    /// Taps on each side of an output sample's position.
    reach: usize,
    /// The kernel at each of `PHASES` fractional positions: `2 × reach` taps each, the first at
    /// `1 - reach` source samples from the position's whole part.
    table: Vec<f32>,
    /// Source samples that a later output sample may still need; `pending[0]` is source sample
    /// `offset`.
    pending: Vec<f32>,
    offset: u64,
    /// The next output sample.
    next: u64,
}

/// Fractional positions the kernel is tabulated at: the nearest is within 1/1024 of a sample.
const PHASES: usize = 512;

impl Resampler {
    fn new(spec: PcmSpec) -> Self {
        let rate = f64::from(spec.sample_rate);
        let step = rate / f64::from(SPEECH_RATE);
        // below the lower rate's Nyquist frequency, in cycles per source sample
        let cutoff = CUTOFF * 0.5 * f64::from(SPEECH_RATE.min(spec.sample_rate)) / rate;
        let half_width = ZERO_CROSSINGS / (2.0 * cutoff);
        let reach = half_width.ceil() as usize;
        let table = (0..=PHASES)
            .flat_map(|phase| {
                let fraction = phase as f64 / PHASES as f64;
                (0..2 * reach).map(move |tap| {
                    let distance = tap as f64 + 1.0 - reach as f64 - fraction;
                    kernel(distance, cutoff, half_width) as f32
                })
            })
            .collect();
        Self { channels: spec.channels, step, reach, table, pending: Vec::new(), offset: 0, next: 0 }
    }

    fn push(&mut self, interleaved: &[f32], out: &mut Vec<u8>) {
        let scale = 1.0 / self.channels as f32;
        self.pending.extend(interleaved.chunks_exact(self.channels).map(|frame| frame.iter().sum::<f32>() * scale));
        self.emit(out, false);
    }

    /// Every output sample whose taps the pending input covers; at the end, every one left (the
    /// input beyond the last sample taken as silence).
    fn emit(&mut self, out: &mut Vec<u8>, at_end: bool) {
        let available = self.offset + self.pending.len() as u64;
        loop {
            let position = self.next as f64 * self.step;
            let whole = position.floor() as u64;
            if whole >= available || (!at_end && whole + self.reach as u64 >= available) {
                break;
            }
            out.extend_from_slice(&to_i16(self.sample_at(position)).to_le_bytes());
            self.next += 1;
        }
        // what no later output sample reaches back to
        let needed = ((self.next as f64 * self.step).floor() as u64 + 1).saturating_sub(self.reach as u64);
        if needed > self.offset {
            let drop = (needed - self.offset).min(self.pending.len() as u64) as usize;
            self.pending.drain(..drop);
            self.offset += drop as u64;
        }
    }

    fn finish(&mut self, out: &mut Vec<u8>) {
        self.emit(out, true);
    }

    /// The band-limited signal at source position `position`.
    fn sample_at(&self, position: f64) -> f32 {
        let whole = position.floor();
        let phase = ((position - whole) * PHASES as f64).round() as usize;
        let taps = &self.table[phase * 2 * self.reach..(phase + 1) * 2 * self.reach];
        let first = whole as i64 + 1 - self.reach as i64;
        taps.iter()
            .enumerate()
            .filter_map(|(tap, weight)| {
                let index = u64::try_from(first + tap as i64).ok()?.checked_sub(self.offset)?;
                self.pending.get(index as usize).map(|value| value * weight)
            })
            .sum()
    }
}

/// The windowed sinc at `distance` source samples: `2·cutoff·sinc(2·cutoff·distance)` under a
/// Blackman window `half_width` wide, so its sum is about 1 (a steady level passes unchanged).
fn kernel(distance: f64, cutoff: f64, half_width: f64) -> f64 {
    if distance.abs() >= half_width {
        return 0.0;
    }
    let x = 2.0 * cutoff * distance;
    let sinc = if x.abs() < 1e-12 { 1.0 } else { (PI * x).sin() / (PI * x) };
    let phase = PI * (distance / half_width + 1.0);
    let window = 0.42 - 0.5 * phase.cos() + 0.08 * (2.0 * phase).cos();
    2.0 * cutoff * sinc * window
}

fn to_i16(sample: f32) -> i16 {
    (sample.clamp(-1.0, 1.0) * 32_767.0).round() as i16
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `seconds` of a sine of `hz` at `rate`, in `channels` identical channels, resampled.
    fn resampled(hz: f64, rate: u32, channels: usize, seconds: f64) -> Vec<i16> {
        let frames = (seconds * f64::from(rate)) as usize;
        let mut resampler = Resampler::new(PcmSpec { sample_rate: rate, channels });
        let mut out = Vec::new();
        let signal: Vec<f32> = (0..frames)
            .flat_map(|i| {
                let value = (0.5 * (2.0 * PI * hz * i as f64 / f64::from(rate)).sin()) as f32;
                std::iter::repeat_n(value, channels)
            })
            .collect();
        // in uneven blocks, as a decoder delivers them
        for block in signal.chunks(1021 * channels) {
            resampler.push(block, &mut out);
        }
        resampler.finish(&mut out);
        samples(&out)
    }

    fn samples(bytes: &[u8]) -> Vec<i16> {
        bytes.chunks_exact(2).map(|b| i16::from_le_bytes([b[0], b[1]])).collect()
    }

    fn rms(samples: &[i16]) -> f64 {
        (samples.iter().map(|&s| f64::from(s).powi(2)).sum::<f64>() / samples.len() as f64).sqrt() / 32_767.0
    }

    #[test]
    fn speech_keeps_its_length_and_level_at_every_common_rate() {
        for rate in [8_000, 16_000, 22_050, 44_100, 48_000] {
            let out = resampled(440.0, rate, 2, 2.0);
            assert!((out.len() as i64 - 32_000).abs() <= 1, "{rate}: {} samples", out.len());
            // a 0.5 sine's RMS is 0.354; the edges of the window taper the first and last few
            let level = rms(&out[200..31_800]);
            assert!((level - 0.3536).abs() < 0.005, "{rate}: level {level}");
        }
    }

    #[test]
    fn tones_above_eight_kilohertz_do_not_fold_into_speech() {
        // 10 and 12 kHz at 48 kHz would alias to 6 and 4 kHz if merely decimated
        for hz in [10_000.0, 12_000.0] {
            let level = rms(&resampled(hz, 48_000, 1, 1.0)[200..15_800]);
            assert!(level < 0.005, "{hz} Hz: {level}");
        }
        // and 6 kHz, inside the band (the pass band ends at 7.5 kHz), passes
        let level = rms(&resampled(6_000.0, 48_000, 1, 1.0)[200..15_800]);
        assert!(level > 0.33, "{level}");
    }

    #[test]
    fn rates_no_recording_has_are_refused_before_anything_is_allocated() {
        for rate in [1u32, 999, 768_001, u32::MAX] {
            let mut wav = b"RIFF\x2c\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00".to_vec();
            wav.extend_from_slice(&rate.to_le_bytes());
            wav.extend_from_slice(&rate.wrapping_mul(2).to_le_bytes());
            wav.extend_from_slice(b"\x02\x00\x10\x00data\x08\x00\x00\x00");
            wav.extend_from_slice(&[0x10, 0x00, 0x20, 0x00, 0x30, 0x00, 0x40, 0x00]);
            let error = speech_wav(&wav, &Limits::default()).expect_err("refused");
            assert_eq!(error.code, crate::error::ErrorCode::Unsupported, "{rate} Hz: {error:?}");
        }
    }

    #[test]
    fn channels_are_averaged() {
        let mut resampler = Resampler::new(PcmSpec { sample_rate: 16_000, channels: 2 });
        let mut out = Vec::new();
        let frames: Vec<f32> = (0..1_600).flat_map(|_| [0.5f32, -0.5]).collect();
        resampler.push(&frames, &mut out);
        resampler.finish(&mut out);
        let out = samples(&out);
        assert_eq!(out.len(), 1_600);
        assert!(out.iter().all(|&s| s.abs() <= 1), "opposite channels cancel");
    }
}
