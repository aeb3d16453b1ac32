//! Decoding to PCM, streamed: the first AAC track of an MP4/MOV/M4A (our demuxer, symphonia's
//! AAC decoder), else its first PCM track (QuickTime's uncompressed audio), or a WAV's PCM,
//! delivered as interleaved `f32` blocks in presentation time (the edit list applied: encoder
//! priming dropped, an initial empty edit rendered as silence).

use symphonia::core::codecs::audio::well_known::CODEC_ID_AAC;
use symphonia::core::codecs::audio::{AudioCodecParameters, AudioDecoder, AudioDecoderOptions};
use symphonia::core::packet::PacketRef;
use symphonia::core::units::{Duration, Timestamp};
use symphonia::default::codecs::AacDecoder;

use super::foreign;
use super::isobmff::samples::{chunk_table, for_each_sample, sample_table};
use super::isobmff::track::{PcmLayout, SampleEntry, SampleSizes, Track};
use super::isobmff::{self, Movie};
use super::sniff::{Container, SNIFF_BYTES, sniff};
use super::wav::{self, WavFormat};
use crate::error::{EngineError, Result};
use crate::limits::Limits;
use crate::source::RangeSource;

/// The layout of decoded audio.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PcmSpec {
    pub sample_rate: u32,
    pub channels: usize,
}

/// Receives decoded audio: interleaved frames of `spec.channels` samples in [-1, 1].
pub trait PcmSink {
    fn start(&mut self, spec: PcmSpec) -> Result<()>;
    fn samples(&mut self, interleaved: &[f32]);
}

/// Bytes of PCM read per block, and frames of silence emitted per block.
const BLOCK_BYTES: usize = 1 << 20;
const SILENCE_FRAMES: usize = 4096;
/// Samples per channel of the longest AAC frame (HE-AAC's SBR doubles LC's 1024).
const AAC_MAX_FRAME: usize = 2048;

/// Decodes the audio of `source` into `sink`.
pub fn decode(source: &dyn RangeSource, limits: &Limits, sink: &mut dyn PcmSink) -> Result<PcmSpec> {
    let head = source.read_vec(0, source.len().min(SNIFF_BYTES as u64))?;
    match sniff(&head) {
        Some(Container::Mp4 | Container::Mov | Container::M4a) => decode_movie(source, limits, sink),
        Some(Container::Wav) => decode_wav(source, limits, sink),
        Some(_) => foreign::decode(source, sink),
        None => Err(EngineError::unsupported("not a media format the engine reads")),
    }
}

pub(super) fn emit_silence(sink: &mut dyn PcmSink, spec: PcmSpec, mut frames: u64) {
    let block = vec![0.0f32; SILENCE_FRAMES * spec.channels];
    while frames > 0 {
        let now = frames.min(SILENCE_FRAMES as u64) as usize;
        sink.samples(&block[..now * spec.channels]);
        frames -= now as u64;
    }
}

/// The first AAC track of a movie, else its first PCM track.
fn decode_movie(source: &dyn RangeSource, limits: &Limits, sink: &mut dyn PcmSink) -> Result<PcmSpec> {
    let movie = isobmff::read_movie(source, limits)?;
    if let Ok(track) = movie.aac_track() {
        return decode_aac_track(source, &movie, track, limits, sink);
    }
    let pcm = movie.tracks.iter().find_map(|track| match &track.entry {
        SampleEntry::Audio { pcm: Some(layout), channels, sample_rate, .. } => {
            Some((track, *layout, PcmSpec { sample_rate: *sample_rate, channels: usize::from(*channels) }))
        }
        _ => None,
    });
    match pcm {
        Some((track, layout, spec)) => decode_pcm_track(source, &movie, track, layout, spec, limits, sink),
        None => Err(EngineError::unsupported("the file has no AAC or PCM audio track")),
    }
}

/// A track's edit list applied to its decoded frames: the empty lead-in as silence, the media
/// start as a skip (encoder priming dropped), the segment's duration as the end (padding dropped).
struct Presentation {
    skip: u64,
    remaining: u64,
    channels: usize,
}

impl Presentation {
    /// Starts `sink` at `spec`, with the lead-in's silence.
    fn start(movie: &Movie, track: &Track, spec: PcmSpec, limits: &Limits, sink: &mut dyn PcmSink) -> Result<Self> {
        let to_frames = |value: u64, timescale: u32| {
            if timescale == 0 {
                value
            } else {
                (u128::from(value) * u128::from(spec.sample_rate) / u128::from(timescale)) as u64
            }
        };
        let (skip, lead_in, remaining) = match track.edit {
            Some(edit) => (
                to_frames(u64::try_from(edit.media_time).unwrap_or(0), track.timescale),
                to_frames(edit.empty_duration, movie.timescale),
                to_frames(edit.segment_duration, movie.timescale),
            ),
            None => (0, 0, u64::MAX),
        };
        let max_frames = limits.max_duration_seconds * u64::from(spec.sample_rate);
        if lead_in > max_frames {
            return Err(EngineError::limit(format!("the edit list delays the audio by {lead_in} samples")));
        }
        sink.start(spec)?;
        emit_silence(sink, spec, lead_in);
        Ok(Self { skip, remaining, channels: spec.channels })
    }

    /// What of `interleaved`, the next decoded frames, is presented.
    fn presented<'a>(&mut self, interleaved: &'a [f32]) -> &'a [f32] {
        let frames = interleaved.len() / self.channels;
        let dropped = self.skip.min(frames as u64) as usize;
        self.skip -= dropped as u64;
        let kept = self.remaining.min((frames - dropped) as u64) as usize;
        self.remaining -= kept as u64;
        &interleaved[dropped * self.channels..(dropped + kept) * self.channels]
    }
}

fn decode_aac_track(
    source: &dyn RangeSource,
    movie: &Movie,
    track: &Track,
    limits: &Limits,
    sink: &mut dyn PcmSink,
) -> Result<PcmSpec> {
    let Some(config) = (match &track.entry {
        SampleEntry::Audio { config, .. } => config.clone(),
        _ => None,
    }) else {
        return Err(EngineError::malformed("AAC track without an AudioSpecificConfig"));
    };
    let mut params = AudioCodecParameters::new();
    params
        .for_codec(CODEC_ID_AAC)
        .with_sample_rate(config.sample_rate)
        .with_extra_data(config.bytes.clone().into_boxed_slice());
    let mut decoder = AacDecoder::try_new(&params, &AudioDecoderOptions::default())
        .map_err(|e| EngineError::unsupported(format!("AAC variant not decodable: {e}")))?;
    let samples = sample_table(track, source.len())?;

    let spec = PcmSpec { sample_rate: config.sample_rate, channels: usize::from(config.channels.max(1)) };
    let mut presentation = Presentation::start(movie, track, spec, limits, sink)?;
    let mut interleaved: Vec<f32> = Vec::new();
    let mut decoded_any = false;
    for_each_sample(source, &samples, |sample, data| {
        let packet = PacketRef::new(track.id, Timestamp::new(0), Duration::new(u64::from(sample.duration)), data);
        match decoder.decode_ref(&packet) {
            Ok(buffer) => {
                buffer.copy_to_vec_interleaved(&mut interleaved);
                decoded_any = true;
            }
            // A damaged frame becomes silence of its length, so that later audio keeps its time;
            // no longer than an AAC frame can be, whatever the sample table claims.
            Err(_) => {
                let frames = (sample.duration as usize).min(AAC_MAX_FRAME);
                interleaved.clear();
                interleaved.resize(frames * spec.channels, 0.0);
            }
        }
        sink.samples(presentation.presented(&interleaved));
        Ok(())
    })?;
    if !decoded_any {
        return Err(EngineError::malformed("no AAC frame of the track could be decoded"));
    }
    Ok(spec)
}

/// QuickTime's uncompressed audio (a camera's or an editor's MOV), read chunk by chunk.
fn decode_pcm_track(
    source: &dyn RangeSource,
    movie: &Movie,
    track: &Track,
    layout: PcmLayout,
    spec: PcmSpec,
    limits: &Limits,
    sink: &mut dyn PcmSink,
) -> Result<PcmSpec> {
    if spec.sample_rate == 0 || spec.channels == 0 {
        return Err(EngineError::malformed("PCM audio of no sample rate or no channels"));
    }
    let convert = pcm_converter(layout)?;
    let bytes_per_sample = usize::from(layout.bits / 8);
    let frame_bytes = u32::try_from(bytes_per_sample * spec.channels).map_err(|_| EngineError::limit("PCM frames"))?;
    // A MOV's table counts frames, its one size that of a frame (or 1, in old QuickTime files); a
    // fragmented file's counts packets of many frames, each of its own size.
    let chunks = match track.sizes {
        SampleSizes::Constant { size, .. } => {
            chunk_table(track, if size > 1 { size } else { frame_bytes }, source.len())?
        }
        SampleSizes::Table(_) => sample_table(track, source.len())?,
    };
    let mut presentation = Presentation::start(movie, track, spec, limits, sink)?;
    let mut samples = Vec::new();
    for_each_sample(source, &chunks, |_, bytes| {
        samples.clear();
        samples.extend(bytes.chunks_exact(bytes_per_sample).map(convert));
        sink.samples(presentation.presented(&samples));
        Ok(())
    })?;
    Ok(spec)
}

fn decode_wav(source: &dyn RangeSource, limits: &Limits, sink: &mut dyn PcmSink) -> Result<PcmSpec> {
    let format = wav::read_format(source, limits)?;
    let convert = converter(&format)?;
    let spec = PcmSpec { sample_rate: format.sample_rate, channels: usize::from(format.channels) };
    sink.start(spec)?;
    let bytes_per_sample = usize::from(format.bits_per_sample / 8);
    let frame_bytes = bytes_per_sample * spec.channels;
    if frame_bytes == 0 || usize::from(format.block_align) != frame_bytes {
        return Err(EngineError::unsupported(format!(
            "WAV block align {} for {} channels of {} bits",
            format.block_align, spec.channels, format.bits_per_sample
        )));
    }
    let block = (BLOCK_BYTES / frame_bytes) * frame_bytes;
    let data_len = format.data_len - format.data_len % frame_bytes as u64;
    let mut samples = Vec::with_capacity(block / bytes_per_sample);
    let mut offset = 0u64;
    while offset < data_len {
        let len = (data_len - offset).min(block as u64);
        let bytes = source.read_vec(format.data_offset + offset, len)?;
        samples.clear();
        samples.extend(bytes.chunks_exact(bytes_per_sample).map(convert));
        sink.samples(&samples);
        offset += len;
    }
    Ok(spec)
}

/// One sample of a WAV's PCM to `f32` in [-1, 1]: little-endian, unsigned at 8 bits.
fn converter(format: &WavFormat) -> Result<fn(&[u8]) -> f32> {
    let (tag, bits) = (format.format_tag, format.bits_per_sample);
    let unsupported = || EngineError::unsupported(format!("WAV format 0x{tag:04x} with {bits} bits"));
    let float = match tag {
        1 => false,
        3 => true,
        _ => return Err(unsupported()),
    };
    pcm_converter(PcmLayout { bits, float, signed: bits > 8, little_endian: true }).map_err(|_| unsupported())
}

/// One sample of QuickTime PCM in `layout` to `f32` in [-1, 1].
fn pcm_converter(layout: PcmLayout) -> Result<fn(&[u8]) -> f32> {
    let PcmLayout { bits, float, signed, little_endian } = layout;
    Ok(match (float, bits, little_endian) {
        (false, 8, _) if signed => |b| f32::from(b[0] as i8) / 128.0,
        (false, 8, _) => |b| (f32::from(b[0]) - 128.0) / 128.0,
        (false, 16, true) => |b| f32::from(i16::from_le_bytes([b[0], b[1]])) / 32_768.0,
        (false, 16, false) => |b| f32::from(i16::from_be_bytes([b[0], b[1]])) / 32_768.0,
        (false, 24, true) => |b| (i32::from_le_bytes([0, b[0], b[1], b[2]]) >> 8) as f32 / 8_388_608.0,
        (false, 24, false) => |b| (i32::from_be_bytes([b[0], b[1], b[2], 0]) >> 8) as f32 / 8_388_608.0,
        (false, 32, true) => |b| i32::from_le_bytes([b[0], b[1], b[2], b[3]]) as f32 / 2_147_483_648.0,
        (false, 32, false) => |b| i32::from_be_bytes([b[0], b[1], b[2], b[3]]) as f32 / 2_147_483_648.0,
        (true, 32, true) => |b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]),
        (true, 32, false) => |b| f32::from_be_bytes([b[0], b[1], b[2], b[3]]),
        (true, 64, true) => |b| f64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]) as f32,
        (true, 64, false) => |b| f64::from_be_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]) as f32,
        _ => return Err(EngineError::unsupported(format!("{} audio", layout.codec_name()))),
    })
}
