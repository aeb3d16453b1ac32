//! Audio analysis in strict stages over plain data (auto-editor's levels → mask): a loudness
//! envelope per 10 ms hop, a noise-floor estimate, and a voice-activity mask. Streaming: memory
//! grows with the number of hops (2 bytes each), never with the number of samples.

pub mod envelope;
pub mod noise;
pub mod vad;

pub use envelope::{Envelope, EnvelopeBuilder, HOPS_PER_SECOND, Level, SILENCE};
pub use noise::noise_floor;
pub use vad::{EnergyVad, VoiceActivityDetector};
