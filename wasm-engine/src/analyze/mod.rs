//! Audio analysis in strict stages over plain data (auto-editor's levels → mask): a loudness
//! envelope per 10 ms hop, a noise-floor estimate, and a voice-activity mask. Streaming: memory
//! grows with the number of hops (2 bytes each), never with the number of samples.

pub mod envelope;
pub mod noise;
pub mod steady;
pub mod stored;
pub mod vad;

pub use envelope::{Envelope, EnvelopeBuilder, HOPS_PER_SECOND, Level, SILENCE};
pub use noise::noise_floor;
pub use vad::{EnergyVad, VoiceActivityDetector};

use crate::error::Result;
use crate::limits::Limits;
use crate::media::decode::{PcmSink, PcmSpec, decode};
use crate::source::RangeSource;

/// Everything analysis yields for one recording.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Analysis {
    pub envelope: Envelope,
    pub noise_floor: Level,
    /// One flag per hop of the envelope.
    pub voice: Vec<bool>,
}

/// Decodes `source` and analyses it in one streaming pass.
pub fn analyse(source: &dyn RangeSource, limits: &Limits, detector: &dyn VoiceActivityDetector) -> Result<Analysis> {
    struct Sink {
        builder: Option<EnvelopeBuilder>,
        channels: usize,
    }
    impl PcmSink for Sink {
        fn start(&mut self, spec: PcmSpec) -> Result<()> {
            self.builder = Some(EnvelopeBuilder::new(spec.sample_rate)?);
            self.channels = spec.channels;
            Ok(())
        }
        fn samples(&mut self, interleaved: &[f32]) {
            if let Some(builder) = &mut self.builder {
                builder.push_interleaved(interleaved, self.channels);
            }
        }
    }
    let mut sink = Sink { builder: None, channels: 1 };
    let spec = decode(source, limits, &mut sink)?;
    let envelope = match sink.builder {
        Some(builder) => builder.finish(),
        None => Envelope { sample_rate: spec.sample_rate, levels: Vec::new() },
    };
    let voice = detector.detect(&envelope);
    Ok(Analysis { noise_floor: noise_floor(&envelope), voice, envelope })
}
