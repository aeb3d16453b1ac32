//! The loudness envelope: RMS level in dBFS of each 10 ms hop, indexed by integer hop number.
//! Hop `i` covers samples `⌊i·rate/100⌋ .. ⌊(i+1)·rate/100⌋`, so boundaries never drift, even at
//! rates that are not multiples of 100 (22,050 Hz).

use crate::error::{EngineError, Result};

pub const HOPS_PER_SECOND: u32 = 100;

/// A level in hundredths of a dB relative to full scale (−3.01 dBFS is −301).
pub type Level = i16;

/// The floor every quieter hop is clamped to: −100 dBFS, below any real recording's noise.
pub const SILENCE: Level = -10_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    pub sample_rate: u32,
    pub levels: Vec<Level>,
}

impl Envelope {
    /// The hop holding sample `index`.
    pub fn hop_of_sample(&self, index: u64) -> u64 {
        index * u64::from(HOPS_PER_SECOND) / u64::from(self.sample_rate)
    }

    /// The first sample of hop `hop`.
    pub fn hop_start_sample(&self, hop: u64) -> u64 {
        hop * u64::from(self.sample_rate) / u64::from(HOPS_PER_SECOND)
    }
}

/// Builds an envelope from samples pushed in any chunking.
#[derive(Debug, Clone)]
pub struct EnvelopeBuilder {
    sample_rate: u32,
    /// Samples consumed so far (per channel).
    position: u64,
    /// Where the current hop ends.
    hop_end: u64,
    sum_squares: f64,
    count: u32,
    levels: Vec<Level>,
}

impl EnvelopeBuilder {
    pub fn new(sample_rate: u32) -> Result<Self> {
        if sample_rate < HOPS_PER_SECOND {
            return Err(EngineError::malformed(format!("sample rate {sample_rate} Hz")));
        }
        Ok(Self {
            sample_rate,
            position: 0,
            hop_end: Self::end_of(0, sample_rate),
            sum_squares: 0.0,
            count: 0,
            levels: Vec::new(),
        })
    }

    fn end_of(hop: u64, sample_rate: u32) -> u64 {
        (hop + 1) * u64::from(sample_rate) / u64::from(HOPS_PER_SECOND)
    }

    /// Interleaved frames of `channels` samples in [-1, 1]; a frame's power is the mean of its
    /// channels' powers.
    pub fn push_interleaved(&mut self, samples: &[f32], channels: usize) {
        let channels = channels.max(1);
        let scale = 1.0 / channels as f64;
        for frame in samples.chunks_exact(channels) {
            let power: f64 = frame.iter().map(|&s| f64::from(s) * f64::from(s)).sum::<f64>() * scale;
            self.sum_squares += power;
            self.count += 1;
            self.position += 1;
            if self.position == self.hop_end {
                self.close_hop();
            }
        }
    }

    fn close_hop(&mut self) {
        self.levels.push(level_of(self.sum_squares, self.count));
        self.sum_squares = 0.0;
        self.count = 0;
        self.hop_end = Self::end_of(self.levels.len() as u64, self.sample_rate);
    }

    /// The envelope, with a last partial hop if samples remain.
    pub fn finish(mut self) -> Envelope {
        if self.count > 0 {
            self.close_hop();
        }
        Envelope { sample_rate: self.sample_rate, levels: self.levels }
    }
}

fn level_of(sum_squares: f64, count: u32) -> Level {
    if count == 0 || sum_squares <= 0.0 {
        return SILENCE;
    }
    let decibels = 10.0 * (sum_squares / f64::from(count)).log10();
    (decibels * 100.0).round().clamp(f64::from(SILENCE), f64::from(Level::MAX)) as Level
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 1 kHz sine: a whole number of periods per 10 ms hop, so every hop has the same RMS.
    fn sine(rate: u32, seconds: f64, amplitude: f32) -> Vec<f32> {
        let count = (f64::from(rate) * seconds) as usize;
        (0..count).map(|i| amplitude * (i as f32 * 2.0 * std::f32::consts::PI * 1000.0 / rate as f32).sin()).collect()
    }

    #[test]
    fn a_full_scale_sine_is_minus_3_dbfs_and_silence_is_the_floor() {
        let mut builder = EnvelopeBuilder::new(48_000).expect("builder");
        builder.push_interleaved(&sine(48_000, 1.0, 1.0), 1);
        builder.push_interleaved(&vec![0.0; 48_000], 1);
        let envelope = builder.finish();
        assert_eq!(envelope.levels.len(), 200);
        assert!(envelope.levels[..100].iter().all(|&l| (-305..=-297).contains(&l)), "{:?}", &envelope.levels[..5]);
        assert!(envelope.levels[100..].iter().all(|&l| l == SILENCE));
    }

    #[test]
    fn chunking_does_not_change_the_result_and_odd_rates_do_not_drift() {
        let signal = sine(22_050, 3.0, 0.5);
        let mut whole = EnvelopeBuilder::new(22_050).expect("builder");
        whole.push_interleaved(&signal, 1);
        let mut pieces = EnvelopeBuilder::new(22_050).expect("builder");
        for piece in signal.chunks(777) {
            pieces.push_interleaved(piece, 1);
        }
        let (whole, pieces) = (whole.finish(), pieces.finish());
        assert_eq!(whole, pieces);
        assert_eq!(whole.levels.len(), 300, "3 s at 22,050 Hz is exactly 300 hops");
        assert_eq!(whole.hop_start_sample(299), 299 * 22_050 / 100);
        assert_eq!(whole.hop_of_sample(22_050 * 3 - 1), 299);
    }

    #[test]
    fn stereo_power_is_averaged() {
        let mono = sine(48_000, 0.5, 0.5);
        let stereo: Vec<f32> = mono.iter().flat_map(|&s| [s, 0.0]).collect();
        let mut builder = EnvelopeBuilder::new(48_000).expect("builder");
        builder.push_interleaved(&stereo, 2);
        let level = builder.finish().levels[10];
        // 0.5 amplitude sine: −9.03 dBFS; half the power across two channels: −12.04.
        assert!((-1207..=-1201).contains(&level), "{level}");
    }
}
