//! WAV (RIFF WAVE): the `fmt ` chunk and the length of `data`, read chunk header by chunk header
//! without touching the samples.

use super::bytes::Reader;
use super::decode::PcmSpec;
use super::probe::{AudioInfo, TrackInfo, TrackKind, bits_per_second};
use crate::error::{EngineError, Result};
use crate::limits::Limits;
use crate::source::RangeSource;
use crate::time::TimeValue;

/// What a WAV file's `fmt ` chunk says, and where its samples are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WavFormat {
    /// WAVE_FORMAT_* tag, with WAVE_FORMAT_EXTENSIBLE resolved to its sub-format.
    pub format_tag: u16,
    pub channels: u16,
    pub sample_rate: u32,
    pub byte_rate: u32,
    pub block_align: u16,
    pub bits_per_sample: u16,
    pub data_offset: u64,
    pub data_len: u64,
}

const PCM: u16 = 0x0001;
const IEEE_FLOAT: u16 = 0x0003;
const ALAW: u16 = 0x0006;
const MULAW: u16 = 0x0007;
const EXTENSIBLE: u16 = 0xFFFE;

pub fn read_format(source: &dyn RangeSource, limits: &Limits) -> Result<WavFormat> {
    let end = source.len();
    let mut offset = 12u64;
    let mut format: Option<WavFormat> = None;
    for _ in 0..limits.max_boxes_per_level {
        if offset + 8 > end {
            break;
        }
        let header = source.read_vec(offset, 8)?;
        let size = u64::from(u32::from_le_bytes([header[4], header[5], header[6], header[7]]));
        let body = offset + 8;
        match &header[..4] {
            b"fmt " => format = Some(parse_fmt(&source.read_vec(body, size.min(64))?)?),
            b"data" => {
                let mut found = format.ok_or_else(|| EngineError::malformed("WAV data chunk before its fmt chunk"))?;
                // Streamed WAVs declare 0 or 0xFFFFFFFF; a cut-off file declares more than it has.
                found.data_offset = body;
                found.data_len =
                    if size == 0 || size == u64::from(u32::MAX) { end - body } else { size.min(end - body) };
                return Ok(found);
            }
            _ => {}
        }
        offset = body + size + (size & 1);
    }
    Err(EngineError::malformed("WAV file without a data chunk"))
}

fn parse_fmt(body: &[u8]) -> Result<WavFormat> {
    let mut r = Reader::new(body);
    let le16 = |r: &mut Reader<'_>| r.array::<2>().map(u16::from_le_bytes);
    let le32 = |r: &mut Reader<'_>| r.array::<4>().map(u32::from_le_bytes);
    let mut format_tag = le16(&mut r)?;
    let channels = le16(&mut r)?;
    let sample_rate = le32(&mut r)?;
    let byte_rate = le32(&mut r)?;
    let block_align = le16(&mut r)?;
    let bits_per_sample = le16(&mut r)?;
    if format_tag == EXTENSIBLE {
        r.skip(2 + 2 + 4)?; // cbSize, valid bits, channel mask
        format_tag = le16(&mut r)?; // the sub-format GUID starts with the format tag
    }
    if channels == 0 || sample_rate == 0 || block_align == 0 {
        return Err(EngineError::malformed(format!(
            "WAV fmt declares {channels} channels at {sample_rate} Hz, block {block_align}"
        )));
    }
    Ok(WavFormat {
        format_tag,
        channels,
        sample_rate,
        byte_rate,
        block_align,
        bits_per_sample,
        data_offset: 0,
        data_len: 0,
    })
}

/// ffprobe's codec name of a WAV format.
fn codec_name(format: &WavFormat) -> String {
    match (format.format_tag, format.bits_per_sample) {
        (PCM, 8) => "pcm_u8".to_owned(),
        (PCM, bits) => format!("pcm_s{bits}le"),
        (IEEE_FLOAT, bits) => format!("pcm_f{bits}le"),
        (ALAW, _) => "pcm_alaw".to_owned(),
        (MULAW, _) => "pcm_mulaw".to_owned(),
        (tag, _) => format!("wav_0x{tag:04x}"),
    }
}

pub fn probe(source: &dyn RangeSource, limits: &Limits) -> Result<(Option<TimeValue>, Vec<TrackInfo>)> {
    let format = read_format(source, limits)?;
    let frames = format.data_len / u64::from(format.block_align);
    let duration = TimeValue::new(frames, format.sample_rate);
    let track = TrackInfo {
        id: 1,
        kind: TrackKind::Audio,
        codec: codec_name(&format),
        duration: Some(duration),
        bitrate: bits_per_second(format.data_len, duration).map(|_| u64::from(format.byte_rate) * 8),
        video: None,
        audio: Some(AudioInfo { sample_rate: format.sample_rate, channels: format.channels }),
    };
    Ok((Some(duration), vec![track]))
}

/// The 44-byte header of a 16-bit PCM WAV of `spec` whose samples are `data_len` bytes; an error
/// for what a WAV header cannot state.
pub fn pcm16_header(spec: PcmSpec, data_len: u32) -> Result<Vec<u8>> {
    let too_large = || EngineError::limit(format!("a WAV of {} channels at {} Hz", spec.channels, spec.sample_rate));
    let channels = u16::try_from(spec.channels).ok().filter(|&c| c <= u16::MAX / 2).ok_or_else(too_large)?;
    let byte_rate = spec.sample_rate.checked_mul(u32::from(channels) * 2).ok_or_else(too_large)?;
    let riff_len = data_len.checked_add(36).ok_or_else(|| EngineError::limit("a WAV of over 4 GiB"))?;
    let mut header = Vec::with_capacity(44);
    header.extend_from_slice(b"RIFF");
    header.extend_from_slice(&riff_len.to_le_bytes());
    header.extend_from_slice(b"WAVEfmt ");
    header.extend_from_slice(&16u32.to_le_bytes());
    header.extend_from_slice(&PCM.to_le_bytes());
    header.extend_from_slice(&channels.to_le_bytes());
    header.extend_from_slice(&spec.sample_rate.to_le_bytes());
    header.extend_from_slice(&byte_rate.to_le_bytes());
    header.extend_from_slice(&(channels * 2).to_le_bytes());
    header.extend_from_slice(&16u16.to_le_bytes());
    header.extend_from_slice(b"data");
    header.extend_from_slice(&data_len.to_le_bytes());
    Ok(header)
}
