//! Audio extraction without re-encoding: the AAC track of an MP4/MOV remuxed into a standalone,
//! fast-start M4A. The payload is copied sample by sample (bit-identical to
//! `ffmpeg -i in.mp4 -vn -c:a copy`), the track's timescale, edit list (encoder priming) and
//! `esds` are kept verbatim, and the durations are exact sums, never rounded.

use super::isobmff;
use super::isobmff::samples::{Sample, for_each_sample, sample_table};
use super::isobmff::track::{Edit, SampleEntry, Track};
use super::isobmff::writer::BoxWriter;
use crate::error::{EngineError, Result};
use crate::limits::Limits;
use crate::source::{ByteSink, RangeSource};
use crate::time::TimeValue;

/// Samples per output chunk (about 1.4 s of 48 kHz AAC): few `stco` entries, short seeks.
const SAMPLES_PER_CHUNK: usize = 64;

/// What an extraction or a packet-copy render produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Extracted {
    pub samples: u64,
    /// The presented duration (after the edit list), in the track's timescale.
    pub duration: TimeValue,
    pub bytes_written: u64,
}

/// Writes the first AAC track of `source` as an M4A to `sink`.
pub fn extract_aac(source: &dyn RangeSource, sink: &mut dyn ByteSink, limits: &Limits) -> Result<Extracted> {
    let movie = isobmff::read_movie(source, limits)?;
    let track = movie.aac_track()?;
    let samples = sample_table(track, source.len())?;
    let edit = track.edit.map(|edit| rescale_edit(edit, movie.timescale, track.timescale));
    write_m4a(source, track, &samples, edit, sink)
}

/// Writes `samples` of the AAC `track` (read from `source`) as a fast-start M4A whose movie
/// timescale is the track's, with `edit` (in that timescale) as its edit list.
pub fn write_m4a(
    source: &dyn RangeSource,
    track: &Track,
    samples: &[Sample],
    edit: Option<Edit>,
    sink: &mut dyn ByteSink,
) -> Result<Extracted> {
    if samples.is_empty() {
        return Err(EngineError::malformed("no AAC samples to write"));
    }
    let payload: u64 = samples.iter().map(|s| u64::from(s.size)).sum();
    let media_duration: u64 = samples.iter().map(|s| u64::from(s.duration)).sum();
    let presented = edit.map_or(media_duration, |e| e.empty_duration + e.segment_duration);

    let ftyp = ftyp();
    let large = payload + 16 > u64::from(u32::MAX);
    let mdat_header_len = if large { 16 } else { 8 };
    // Offsets do not change the size of `moov` (fixed-width fields), so one dry run sizes it.
    let layout = Layout { track, samples, media_duration, presented, edit, large_offsets: false };
    let moov_len = moov(&layout, 0).len() as u64;
    let data_start = ftyp.len() as u64 + moov_len + mdat_header_len;
    let large_offsets = data_start + payload > u64::from(u32::MAX);
    let layout = Layout { large_offsets, ..layout };
    let moov = moov(&layout, data_start + if large_offsets { moov_len_growth(samples) } else { 0 });

    sink.write_all(&ftyp)?;
    sink.write_all(&moov)?;
    if large {
        sink.write_all(&1u32.to_be_bytes())?;
        sink.write_all(b"mdat")?;
        sink.write_all(&(payload + 16).to_be_bytes())?;
    } else {
        sink.write_all(&((payload + 8) as u32).to_be_bytes())?;
        sink.write_all(b"mdat")?;
    }
    for_each_sample(source, samples, |_, bytes| sink.write_all(bytes))?;
    let bytes_written = ftyp.len() as u64 + moov.len() as u64 + mdat_header_len + payload;
    Ok(Extracted { samples: samples.len() as u64, duration: TimeValue::new(presented, track.timescale), bytes_written })
}

/// `co64` entries are 4 bytes wider than `stco`'s.
fn moov_len_growth(samples: &[Sample]) -> u64 {
    samples.len().div_ceil(SAMPLES_PER_CHUNK) as u64 * 4
}

/// An edit in the movie's timescale, restated in the track's (ours is the output's movie
/// timescale too), rounding to the nearest tick.
pub fn rescale_edit(edit: Edit, from: u32, to: u32) -> Edit {
    let rescale = |value: u64| {
        if from == 0 {
            value
        } else {
            ((u128::from(value) * u128::from(to) + u128::from(from) / 2) / u128::from(from)) as u64
        }
    };
    Edit {
        empty_duration: rescale(edit.empty_duration),
        media_time: edit.media_time,
        segment_duration: rescale(edit.segment_duration),
    }
}

fn ftyp() -> Vec<u8> {
    let mut w = BoxWriter::default();
    w.begin(b"ftyp").raw(b"M4A ").u32(512).raw(b"M4A isomiso2mp41").end();
    w.bytes
}

struct Layout<'a> {
    track: &'a Track,
    samples: &'a [Sample],
    media_duration: u64,
    presented: u64,
    edit: Option<Edit>,
    large_offsets: bool,
}

const IDENTITY: [i32; 9] = [0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x4000_0000];

fn moov(layout: &Layout<'_>, data_start: u64) -> Vec<u8> {
    let timescale = layout.track.timescale;
    let wide = layout.presented > u64::from(u32::MAX) || layout.media_duration > u64::from(u32::MAX);
    let version = u8::from(wide);
    let mut w = BoxWriter::default();
    w.begin(b"moov");

    w.begin_full(b"mvhd", version, 0);
    times(&mut w, wide);
    w.u32(timescale);
    duration(&mut w, wide, layout.presented);
    w.u32(0x0001_0000).u16(0x0100).zeros(10);
    IDENTITY.iter().for_each(|&m| {
        w.i32(m);
    });
    w.zeros(24).u32(2).end();

    w.begin(b"trak");
    w.begin_full(b"tkhd", version, 0x3);
    times(&mut w, wide);
    w.u32(1).u32(0);
    duration(&mut w, wide, layout.presented);
    w.zeros(8).u16(0).u16(1).u16(0x0100).u16(0);
    IDENTITY.iter().for_each(|&m| {
        w.i32(m);
    });
    w.u32(0).u32(0).end();

    if let Some(edit) = layout.edit {
        let entries = 1 + u32::from(edit.empty_duration > 0);
        w.begin(b"edts").begin_full(b"elst", 1, 0).u32(entries);
        if edit.empty_duration > 0 {
            w.u64(edit.empty_duration).u64(u64::MAX).u32(0x0001_0000);
        }
        w.u64(edit.segment_duration).raw(&edit.media_time.to_be_bytes()).u32(0x0001_0000).end().end();
    }

    w.begin(b"mdia");
    w.begin_full(b"mdhd", version, 0);
    times(&mut w, wide);
    w.u32(timescale);
    duration(&mut w, wide, layout.media_duration);
    w.u16(0x55C4).u16(0).end(); // language "und"
    w.begin_full(b"hdlr", 0, 0).u32(0).raw(b"soun").zeros(12).raw(b"SoundHandler\0").end();
    w.begin(b"minf");
    w.begin_full(b"smhd", 0, 0).u16(0).u16(0).end();
    w.begin(b"dinf").begin_full(b"dref", 0, 0).u32(1).begin_full(b"url ", 0, 1).end().end().end();
    w.begin(b"stbl");
    sample_description(&mut w, layout.track);
    time_to_sample(&mut w, layout.samples);
    chunks(&mut w, layout, data_start);
    w.end(); // stbl
    w.end().end().end().end(); // minf, mdia, trak, moov
    w.bytes
}

fn times(w: &mut BoxWriter, wide: bool) {
    if wide {
        w.zeros(16)
    } else {
        w.zeros(8)
    };
}

fn duration(w: &mut BoxWriter, wide: bool, value: u64) {
    if wide {
        w.u64(value)
    } else {
        w.u32(value as u32)
    };
}

/// An ISO `mp4a` entry (version 0) around the source's `esds`, whatever QuickTime layout the
/// source used.
fn sample_description(w: &mut BoxWriter, track: &Track) {
    let (channels, esds) = match &track.entry {
        SampleEntry::Audio { channels, esds, .. } => (*channels, esds.as_deref().unwrap_or_default()),
        _ => (2, &[][..]),
    };
    let rate_field = if track.timescale <= 0xFFFF { track.timescale << 16 } else { 0 };
    w.begin_full(b"stsd", 0, 0).u32(1);
    w.begin(b"mp4a").zeros(6).u16(1).zeros(8).u16(channels).u16(16).u16(0).u16(0).u32(rate_field);
    w.begin(b"esds").raw(esds).end();
    w.end().end();
}

fn time_to_sample(w: &mut BoxWriter, samples: &[Sample]) {
    let mut runs: Vec<(u32, u32)> = Vec::new();
    for sample in samples {
        match runs.last_mut() {
            Some((count, delta)) if *delta == sample.duration => *count += 1,
            _ => runs.push((1, sample.duration)),
        }
    }
    w.begin_full(b"stts", 0, 0).u32(runs.len() as u32);
    for (count, delta) in runs {
        w.u32(count).u32(delta);
    }
    w.end();
}

fn chunks(w: &mut BoxWriter, layout: &Layout<'_>, data_start: u64) {
    let samples = layout.samples;
    let full_chunks = samples.len() / SAMPLES_PER_CHUNK;
    let tail = samples.len() % SAMPLES_PER_CHUNK;
    let mut stsc = vec![(1u32, SAMPLES_PER_CHUNK as u32)];
    if full_chunks == 0 {
        stsc = vec![(1, tail as u32)];
    } else if tail > 0 {
        stsc.push((full_chunks as u32 + 1, tail as u32));
    }
    w.begin_full(b"stsc", 0, 0).u32(stsc.len() as u32);
    for (first, per_chunk) in stsc {
        w.u32(first).u32(per_chunk).u32(1);
    }
    w.end();

    let first_size = samples[0].size;
    if samples.iter().all(|s| s.size == first_size) {
        w.begin_full(b"stsz", 0, 0).u32(first_size).u32(samples.len() as u32).end();
    } else {
        w.begin_full(b"stsz", 0, 0).u32(0).u32(samples.len() as u32);
        samples.iter().for_each(|s| {
            w.u32(s.size);
        });
        w.end();
    }

    let mut offset = data_start;
    let offsets: Vec<u64> = samples
        .chunks(SAMPLES_PER_CHUNK)
        .map(|chunk| {
            let start = offset;
            offset += chunk.iter().map(|s| u64::from(s.size)).sum::<u64>();
            start
        })
        .collect();
    if layout.large_offsets {
        w.begin_full(b"co64", 0, 0).u32(offsets.len() as u32);
        offsets.iter().for_each(|&o| {
            w.u64(o);
        });
    } else {
        w.begin_full(b"stco", 0, 0).u32(offsets.len() as u32);
        offsets.iter().for_each(|&o| {
            w.u32(o as u32);
        });
    }
    w.end();
}
