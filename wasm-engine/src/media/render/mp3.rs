//! MP3 renders: the kept samples re-encoded with rusty_mp3 (pure Rust), gapless.

use super::{KeptConsumer, KeptSpan, decode_kept};
use crate::error::{EngineError, Result};
use crate::limits::Limits;
use crate::media::decode::PcmSpec;
use crate::source::{ByteSink, RangeSource};

/// What an MP3 render produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RenderedMp3 {
    /// Samples per channel kept (the decoded length of the output).
    pub frames: u64,
    pub sample_rate: u32,
    pub channels: u16,
    pub bitrate_kbps: u32,
    pub bytes_written: u64,
}

/// Renders `spans` of any decodable `source` as a CBR MP3 at `bitrate_kbps` (snapped to the
/// nearest Layer III rate). Inputs with more than two channels keep the first two; sample rates
/// outside MPEG audio's nine are refused (no resampling yet).
pub fn render_mp3(
    source: &dyn RangeSource,
    spans: &[KeptSpan],
    bitrate_kbps: u32,
    sink: &mut dyn ByteSink,
    limits: &Limits,
) -> Result<RenderedMp3> {
    let mut encoding = Encoding {
        encoder: rusty_mp3::Mp3Encoder::new(rusty_mp3::Mp3EncoderConfig { bitrate_kbps, vbr_quality: None }),
        stereo: Vec::new(),
    };
    let (spec, frames) = decode_kept(source, spans, limits, &mut encoding)?;
    if frames == 0 {
        return Err(EngineError::invalid_argument("the spans keep no audio"));
    }
    let mut encoder = encoding.encoder;
    encoder.finish();
    // Drained only after `finish`, so the first packet is the completed gapless tag.
    let mut bytes_written = 0u64;
    loop {
        match encoder.next_packet() {
            Ok(packet) => {
                sink.write_all(&packet)?;
                bytes_written += packet.len() as u64;
            }
            Err(rusty_mp3::Error::Eof | rusty_mp3::Error::Again) => break,
            Err(e) => return Err(EngineError::invalid_argument(format!("mp3 encoder: {e}"))),
        }
    }
    let channels = spec.channels.min(2) as u16;
    Ok(RenderedMp3 {
        frames,
        sample_rate: spec.sample_rate,
        channels,
        bitrate_kbps: snapped_kbps(bitrate_kbps, spec.sample_rate),
        bytes_written,
    })
}

/// MPEG-1 rates (32–48 kHz) take the V1 table, lower ones the V2 table.
fn snapped_kbps(kbps: u32, sample_rate: u32) -> u32 {
    let version =
        if sample_rate >= 32_000 { rusty_mp3::header::MpegVersion::V1 } else { rusty_mp3::header::MpegVersion::V2 };
    rusty_mp3::snap_bitrate(version, kbps)
}

struct Encoding {
    encoder: rusty_mp3::Mp3Encoder,
    /// The first two channels of wider input.
    stereo: Vec<f32>,
}

impl KeptConsumer for Encoding {
    fn start(&mut self, _spec: PcmSpec) -> Result<()> {
        Ok(())
    }

    fn kept(&mut self, spec: PcmSpec, interleaved: &[f32]) -> Result<()> {
        let pushed = if spec.channels > 2 {
            self.stereo.clear();
            self.stereo.extend(interleaved.chunks_exact(spec.channels).flat_map(|frame| [frame[0], frame[1]]));
            self.encoder.push_pcm_f32(&self.stereo, 2, spec.sample_rate)
        } else {
            self.encoder.push_pcm_f32(interleaved, spec.channels as u16, spec.sample_rate)
        };
        pushed.map_err(|e| EngineError::unsupported(format!("mp3 encoder: {e}")))
    }
}
