//! WAV renders: the kept samples as 16-bit PCM, the input an external encoder (ffmpeg.wasm in
//! the browser, for AAC at a new bitrate) takes. Whole in memory: the header states the length.

use super::{KeptConsumer, KeptSpan, decode_kept};
use crate::error::{EngineError, Result};
use crate::limits::Limits;
use crate::media::decode::PcmSpec;
use crate::media::wav::pcm16_header;
use crate::source::{ByteSink, RangeSource};

/// What a WAV render produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RenderedPcm {
    pub frames: u64,
    pub spec: PcmSpec,
}

/// Renders `spans` of any decodable `source` as a 16-bit PCM WAV.
pub fn render_wav(
    source: &dyn RangeSource,
    spans: &[KeptSpan],
    sink: &mut dyn ByteSink,
    limits: &Limits,
) -> Result<RenderedPcm> {
    let mut pcm = Pcm(Vec::new());
    let (spec, frames) = decode_kept(source, spans, limits, &mut pcm)?;
    let data_len =
        u32::try_from(pcm.0.len()).map_err(|_| EngineError::limit("the kept audio exceeds a WAV file's 4 GiB"))?;
    sink.write_all(&pcm16_header(spec, data_len)?)?;
    sink.write_all(&pcm.0)?;
    Ok(RenderedPcm { frames, spec })
}

struct Pcm(Vec<u8>);

impl KeptConsumer for Pcm {
    fn start(&mut self, _spec: PcmSpec) -> Result<()> {
        Ok(())
    }

    fn kept(&mut self, _spec: PcmSpec, interleaved: &[f32]) -> Result<()> {
        for &sample in interleaved {
            let value = (sample.clamp(-1.0, 1.0) * 32_767.0).round() as i16;
            self.0.extend_from_slice(&value.to_le_bytes());
        }
        Ok(())
    }
}
