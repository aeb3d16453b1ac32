//! One `trak` of a movie, parsed into what probing and stream-copy need: identity, timing, the
//! first sample description, and the sample tables (ISO/IEC 14496-12 §8.3–8.7).

use super::boxes::{FourCc, child, children, fourcc_text, required};
use super::esds::{self, AudioSpecificConfig};
use crate::error::{EngineError, Result};
use crate::limits::Limits;
use crate::media::bytes::Reader;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SampleEntry {
    Video {
        format: FourCc,
        width: u16,
        height: u16,
    },
    Audio {
        format: FourCc,
        channels: u16,
        sample_rate: u32,
        object_type: Option<u8>,
        config: Option<AudioSpecificConfig>,
        /// The `esds` body verbatim, for remuxing without re-deriving it.
        esds: Option<Vec<u8>>,
        /// How the samples of uncompressed audio are laid out; `None` for a codec.
        pcm: Option<PcmLayout>,
    },
    Other {
        format: FourCc,
    },
}

impl SampleEntry {
    pub fn format(&self) -> FourCc {
        match self {
            Self::Video { format, .. } | Self::Audio { format, .. } | Self::Other { format } => *format,
        }
    }
}

/// The layout of PCM samples, as QuickTime's sound description and its `enda` atom state it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PcmLayout {
    pub bits: u16,
    pub float: bool,
    pub signed: bool,
    pub little_endian: bool,
}

impl PcmLayout {
    /// ffmpeg's name of the layout ("pcm_s16le", "pcm_f32be", "pcm_u8").
    pub fn codec_name(self) -> String {
        let kind = if self.float {
            'f'
        } else if self.signed {
            's'
        } else {
            'u'
        };
        let order = match (self.bits, self.little_endian) {
            (8, _) => "",
            (_, true) => "le",
            (_, false) => "be",
        };
        format!("pcm_{kind}{}{order}", self.bits)
    }
}

/// `stsz`: one size for all samples, or one per sample.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SampleSizes {
    Constant { size: u32, count: u32 },
    Table(Vec<u32>),
}

impl SampleSizes {
    pub fn count(&self) -> u64 {
        match self {
            Self::Constant { count, .. } => u64::from(*count),
            Self::Table(sizes) => sizes.len() as u64,
        }
    }

    pub fn total_bytes(&self) -> u64 {
        match self {
            Self::Constant { size, count } => u64::from(*size) * u64::from(*count),
            Self::Table(sizes) => sizes.iter().map(|&s| u64::from(s)).sum(),
        }
    }
}

/// The first non-empty edit: where presentation starts in the media, and for how long (in the
/// movie's timescale).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Edit {
    pub empty_duration: u64,
    pub media_time: i64,
    pub segment_duration: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Track {
    pub id: u32,
    pub handler: FourCc,
    pub timescale: u32,
    pub media_duration: u64,
    /// `tkhd`'s transformation matrix (a, b, c, d in 16.16), for the display rotation.
    pub matrix: [i32; 4],
    pub edit: Option<Edit>,
    pub entry: SampleEntry,
    /// `stts`: (sample count, delta) runs.
    pub time_to_sample: Vec<(u32, u32)>,
    pub sizes: SampleSizes,
    /// `stsc`: (first chunk, samples per chunk) runs.
    pub sample_to_chunk: Vec<(u32, u32)>,
    pub chunk_offsets: Vec<u64>,
}

fn full_box(body: &[u8]) -> Result<(u8, Reader<'_>)> {
    full_box_with_flags(body).map(|(version, _, reader)| (version, reader))
}

/// A full box's version and flags, and a reader after them.
pub(super) fn full_box_with_flags(body: &[u8]) -> Result<(u8, u32, Reader<'_>)> {
    let mut reader = Reader::new(body);
    let version = reader.u8()?;
    let flags = reader.u24()?;
    Ok((version, flags, reader))
}

pub fn parse(trak: &[u8], limits: &Limits) -> Result<Track> {
    let (id, matrix) = parse_tkhd(required(trak, b"tkhd", "trak", limits)?)?;
    let mdia = required(trak, b"mdia", "trak", limits)?;
    let (timescale, media_duration) = parse_mdhd(required(mdia, b"mdhd", "mdia", limits)?)?;
    let handler = parse_hdlr(required(mdia, b"hdlr", "mdia", limits)?)?;
    let stbl = required(required(mdia, b"minf", "mdia", limits)?, b"stbl", "minf", limits)?;
    let edit = match child(trak, b"edts", limits)? {
        Some(edts) => child(edts, b"elst", limits)?.map(|elst| parse_elst(elst, limits)).transpose()?.flatten(),
        None => None,
    };
    let entry = parse_stsd(required(stbl, b"stsd", "stbl", limits)?, handler, limits)?;
    let time_to_sample = parse_pairs(required(stbl, b"stts", "stbl", limits)?, limits, "stts")?;
    let sizes = parse_stsz(required(stbl, b"stsz", "stbl", limits)?, limits)?;
    let sample_to_chunk = parse_stsc(required(stbl, b"stsc", "stbl", limits)?, limits)?;
    let chunk_offsets = match (child(stbl, b"stco", limits)?, child(stbl, b"co64", limits)?) {
        (Some(stco), _) => parse_offsets(stco, 4, limits)?,
        (None, Some(co64)) => parse_offsets(co64, 8, limits)?,
        (None, None) => return Err(EngineError::malformed("stbl has neither stco nor co64")),
    };
    if timescale == 0 {
        return Err(EngineError::malformed(format!("track {id} has timescale 0")));
    }
    Ok(Track {
        id,
        handler,
        timescale,
        media_duration,
        matrix,
        edit,
        entry,
        time_to_sample,
        sizes,
        sample_to_chunk,
        chunk_offsets,
    })
}

fn parse_tkhd(body: &[u8]) -> Result<(u32, [i32; 4])> {
    let (version, mut r) = full_box(body)?;
    // creation and modification times, then the id; v1 widens the times and the duration
    r.skip(if version == 1 { 16 } else { 8 })?;
    let id = r.u32()?;
    r.skip(4)?; // reserved
    r.skip(if version == 1 { 8 } else { 4 })?; // duration
    r.skip(8 + 2 + 2 + 2 + 2)?; // reserved, layer, alternate group, volume, reserved
    let a = r.i32()?;
    let b = r.i32()?;
    r.skip(4)?; // u
    let c = r.i32()?;
    let d = r.i32()?;
    Ok((id, [a, b, c, d]))
}

fn parse_mdhd(body: &[u8]) -> Result<(u32, u64)> {
    let (version, mut r) = full_box(body)?;
    if version == 1 {
        r.skip(16)?;
        Ok((r.u32()?, r.u64()?))
    } else {
        r.skip(8)?;
        Ok((r.u32()?, u64::from(r.u32()?)))
    }
}

/// The movie header's timescale and duration.
pub fn parse_mvhd(body: &[u8]) -> Result<(u32, u64)> {
    parse_mdhd(body)
}

fn parse_hdlr(body: &[u8]) -> Result<FourCc> {
    let (_, mut r) = full_box(body)?;
    r.skip(4)?; // pre_defined (QuickTime: component type)
    r.array::<4>()
}

fn parse_elst(body: &[u8], limits: &Limits) -> Result<Option<Edit>> {
    let (version, mut r) = full_box(body)?;
    let entry_size = if version == 1 { 20 } else { 12 };
    let count = r.entry_count(entry_size, limits.max_table_entries, "elst")?;
    let mut empty_duration = 0u64;
    for _ in 0..count {
        let (segment_duration, media_time) = if version == 1 {
            (r.u64()?, i64::from_be_bytes(r.array()?))
        } else {
            (u64::from(r.u32()?), i64::from(r.i32()?))
        };
        r.skip(4)?; // media rate
        if media_time == -1 {
            empty_duration = empty_duration.saturating_add(segment_duration);
        } else {
            return Ok(Some(Edit { empty_duration, media_time, segment_duration }));
        }
    }
    Ok(None)
}

fn parse_stsd(body: &[u8], handler: FourCc, limits: &Limits) -> Result<SampleEntry> {
    let (_, mut r) = full_box(body)?;
    if r.u32()? == 0 {
        return Err(EngineError::malformed("stsd has no sample entry"));
    }
    let entries = children(&body[8..], limits)?;
    let (format, entry) = *entries.first().ok_or_else(|| EngineError::malformed("stsd has no sample entry"))?;
    let mut r = Reader::new(entry);
    r.skip(6 + 2)?; // reserved, data reference index
    match &handler {
        b"vide" => {
            r.skip(16)?; // version, revision, vendor, temporal and spatial quality
            Ok(SampleEntry::Video { format, width: r.u16()?, height: r.u16()? })
        }
        b"soun" => parse_audio_entry(format, entry, limits),
        _ => Ok(SampleEntry::Other { format }),
    }
}

/// An audio sample entry: ISO's layout is QuickTime's version 0; versions 1 and 2 (QuickTime
/// File Format, "Sound Sample Description") extend it.
fn parse_audio_entry(format: FourCc, entry: &[u8], limits: &Limits) -> Result<SampleEntry> {
    let mut r = Reader::new(entry);
    r.skip(8)?;
    let version = r.u16()?;
    r.skip(2 + 4)?; // revision, vendor
    let mut channels = r.u16()?;
    let mut bits = r.u16()?;
    r.skip(2 + 2)?; // compression id, packet size
    let mut sample_rate = r.u32()? >> 16;
    // version 2's format flags (kAudioFormatFlagIsFloat 1, IsBigEndian 2, IsSignedInteger 4)
    let mut flags = None;
    match version {
        0 => {}
        1 => r.skip(16)?,
        2 => {
            r.skip(4)?; // size of struct only
            let rate = f64::from_bits(r.u64()?);
            channels = u16::try_from(r.u32()?)
                .map_err(|_| EngineError::malformed("audio entry declares over 65535 channels"))?;
            r.skip(4)?; // always 0x7F000000
            bits = u16::try_from(r.u32()?).unwrap_or(0);
            flags = Some(r.u32()?);
            r.skip(8)?; // bytes per packet, frames per packet
            if rate.is_finite() && rate > 0.0 && rate < 10_000_000.0 {
                sample_rate = rate as u32;
            }
        }
        other => return Err(EngineError::unsupported(format!("audio sample entry version {other}"))),
    }
    let extensions = &entry[r.position()..];
    let wave = child(extensions, b"wave", limits)?;
    // `enda` (in `wave`): 1 when samples of more than a byte are little-endian
    let enda = wave.map(|wave| child(wave, b"enda", limits)).transpose()?.flatten();
    let little = enda.is_some_and(|body| body.len() >= 2 && u16::from_be_bytes([body[0], body[1]]) == 1);
    let pcm = pcm_layout(&format, bits, flags, little);
    let esds = match child(extensions, b"esds", limits)? {
        Some(esds) => Some(esds),
        // QuickTime nests it in a `wave` atom.
        None => wave.map(|wave| child(wave, b"esds", limits)).transpose()?.flatten(),
    };
    let decoder = esds.map(esds::parse).transpose()?;
    let (object_type, config) = match decoder {
        Some(decoder) => (Some(decoder.object_type), decoder.config),
        None => (None, None),
    };
    if let Some(config) = &config {
        sample_rate = config.sample_rate;
        if config.channels > 0 {
            channels = config.channels;
        }
    }
    Ok(SampleEntry::Audio { format, channels, sample_rate, object_type, config, esds: esds.map(<[u8]>::to_vec), pcm })
}

/// The layout of QuickTime's PCM formats: `bits` from the sound description, `flags` those of a
/// version 2 one (`lpcm`), `little` its `enda` atom's word.
fn pcm_layout(format: &FourCc, bits: u16, flags: Option<u32>, little: bool) -> Option<PcmLayout> {
    let (float, signed, little_endian, bits) = match format {
        b"sowt" => (false, true, true, bits),
        b"twos" => (false, true, false, bits),
        b"raw " => (false, false, false, 8),
        b"in24" => (false, true, little, 24),
        b"in32" => (false, true, little, 32),
        b"fl32" => (true, true, little, 32),
        b"fl64" => (true, true, little, 64),
        b"lpcm" => {
            let flags = flags.unwrap_or(0);
            (flags & 1 != 0, flags & 4 != 0, flags & 2 == 0, bits)
        }
        _ => return None,
    };
    (bits > 0).then_some(PcmLayout { bits, float, signed, little_endian })
}

fn parse_pairs(body: &[u8], limits: &Limits, what: &str) -> Result<Vec<(u32, u32)>> {
    let (_, mut r) = full_box(body)?;
    let count = r.entry_count(8, limits.max_table_entries, what)?;
    (0..count).map(|_| Ok((r.u32()?, r.u32()?))).collect()
}

fn parse_stsz(body: &[u8], limits: &Limits) -> Result<SampleSizes> {
    let (_, mut r) = full_box(body)?;
    let size = r.u32()?;
    if size != 0 {
        let count = r.u32()?;
        if u64::from(count) > limits.max_table_entries {
            return Err(EngineError::limit(format!(
                "stsz declares {count} samples (limit {})",
                limits.max_table_entries
            )));
        }
        return Ok(SampleSizes::Constant { size, count });
    }
    let count = r.entry_count(4, limits.max_table_entries, "stsz")?;
    Ok(SampleSizes::Table((0..count).map(|_| r.u32()).collect::<Result<_>>()?))
}

fn parse_stsc(body: &[u8], limits: &Limits) -> Result<Vec<(u32, u32)>> {
    let (_, mut r) = full_box(body)?;
    let count = r.entry_count(12, limits.max_table_entries, "stsc")?;
    (0..count)
        .map(|_| {
            let first_chunk = r.u32()?;
            let per_chunk = r.u32()?;
            r.skip(4)?; // sample description index
            Ok((first_chunk, per_chunk))
        })
        .collect()
}

fn parse_offsets(body: &[u8], width: usize, limits: &Limits) -> Result<Vec<u64>> {
    let (_, mut r) = full_box(body)?;
    let count = r.entry_count(width, limits.max_table_entries, "chunk offsets")?;
    (0..count).map(|_| if width == 8 { r.u64() } else { r.u32().map(u64::from) }).collect()
}

/// The codec as ffprobe names it.
pub fn codec_name(entry: &SampleEntry) -> String {
    let named = match (&entry.format(), entry) {
        (b"avc1" | b"avc3", _) => "h264",
        (b"hvc1" | b"hev1", _) => "hevc",
        (b"av01", _) => "av1",
        (b"vp09", _) => "vp9",
        (b"mp4v", _) => "mpeg4",
        (b"apch" | b"apcn" | b"apcs" | b"apco" | b"ap4h" | b"ap4x", _) => "prores",
        // MPEG-4 audio object types 0x69/0x6B are MP3 in an mp4a entry (ISO/IEC 14496-1 Table 5).
        (b"mp4a", SampleEntry::Audio { object_type: Some(0x69 | 0x6B), .. }) => "mp3",
        (b"mp4a", _) => "aac",
        (b".mp3", _) => "mp3",
        (b"Opus", _) => "opus",
        (b"fLaC", _) => "flac",
        (b"alac", _) => "alac",
        (b"ac-3", _) => "ac3",
        (b"ec-3", _) => "eac3",
        (_, SampleEntry::Audio { pcm: Some(pcm), .. }) => return pcm.codec_name(),
        (format, _) => return fourcc_text(*format).trim().to_lowercase(),
    };
    named.to_owned()
}
