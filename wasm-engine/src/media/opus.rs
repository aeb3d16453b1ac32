//! Opus audio, which Symphonia demuxes (WebM from a browser's MediaRecorder, Ogg voice notes) but
//! does not decode: its packets decoded by ropus, a Rust port of the reference decoder.

use ropus::{Channels, DecodeMode, Decoder};

use crate::error::{EngineError, Result};

/// Opus decodes at 48 kHz whatever rate was recorded (RFC 7845 §5.1: the header's input rate is
/// informational), and ffprobe reports 48 kHz for it.
pub const SAMPLE_RATE: u32 = 48_000;
/// The longest packet: 120 ms at 48 kHz (RFC 6716 §3.2.5).
const MAX_FRAMES_PER_PACKET: usize = 5_760;

/// A decoder of one track's packets into interleaved `f32` samples.
pub struct OpusDecoder {
    decoder: Decoder,
    channels: usize,
    pcm: Vec<f32>,
}

impl std::fmt::Debug for OpusDecoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpusDecoder").field("channels", &self.channels).finish_non_exhaustive()
    }
}

impl OpusDecoder {
    /// Mono or stereo: more channels take Opus's multistream mapping, which a spoken recording
    /// does not use and which is refused as unsupported.
    pub fn new(channels: usize) -> Result<Self> {
        let layout = match channels {
            1 => Channels::Mono,
            2 => Channels::Stereo,
            n => return Err(EngineError::unsupported(format!("opus audio with {n} channels"))),
        };
        let decoder =
            Decoder::new(SAMPLE_RATE, layout).map_err(|e| EngineError::malformed(format!("opus decoder: {e:?}")))?;
        Ok(Self { decoder, channels, pcm: vec![0.0; MAX_FRAMES_PER_PACKET * channels] })
    }

    /// The samples of one packet; `None` for a damaged or empty one, which is skipped (an empty
    /// packet would ask the decoder to invent a lost one).
    pub fn decode(&mut self, packet: &[u8]) -> Option<&[f32]> {
        if packet.is_empty() {
            return None;
        }
        let frames = self.decoder.decode_float(packet, &mut self.pcm, DecodeMode::Normal).ok()?;
        Some(&self.pcm[..frames * self.channels])
    }
}

/// The pre-skip of an `OpusHead` (RFC 7845 §5.1): the samples of encoder delay at the start, which
/// a player drops. Matroska carries the header as the track's codec private data.
pub fn pre_skip(head: &[u8]) -> u64 {
    match head {
        [b'O', b'p', b'u', b's', b'H', b'e', b'a', b'd', _, _, low, high, ..] => {
            u64::from(u16::from_le_bytes([*low, *high]))
        }
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pre_skip_is_read_from_an_opus_head() {
        let mut head = b"OpusHead\x01\x02".to_vec();
        head.extend(312u16.to_le_bytes());
        head.extend(48_000u32.to_le_bytes());
        assert_eq!(pre_skip(&head), 312);
        assert_eq!(pre_skip(b"OpusTags\x01\x02\x38\x01"), 0, "not a header");
        assert_eq!(pre_skip(b"OpusHead"), 0, "cut off");
    }

    #[test]
    fn only_mono_and_stereo_are_decoded_and_empty_packets_are_skipped() {
        assert!(OpusDecoder::new(6).is_err());
        let mut decoder = OpusDecoder::new(2).expect("stereo");
        assert!(decoder.decode(&[]).is_none());
        // a 20-ms CELT frame of digital silence (TOC 0xFC: config 31, stereo, one frame)
        let samples = decoder.decode(&[0xFC, 0xFF, 0xFE]).expect("decoded");
        assert_eq!(samples.len(), 960 * 2);
    }
}
