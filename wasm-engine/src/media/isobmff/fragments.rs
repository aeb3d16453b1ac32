//! Fragmented MP4 (what Safari's MediaRecorder, OBS's hybrid MP4 and live packagers write): the
//! `moov` lists no samples, and each `moof` that follows says, track by track (`traf`), where a
//! run of samples lies (`trun`) and how long and large each is, with defaults from `tfhd` and the
//! movie's `trex`. The runs are appended to the tracks' ordinary sample tables (a run is one
//! chunk), so whatever reads a track — probe, extraction, decoding, packet-copy renders — reads a
//! fragmented file as it reads any other.

use super::boxes::{BoxHeader, FourCc, child, children, required};
use super::track::{SampleSizes, Track, full_box_with_flags};
use crate::error::{EngineError, Result};
use crate::limits::Limits;
use crate::source::RangeSource;

const MOOF: &FourCc = b"moof";

/// `tfhd`: the data's base is given.
const BASE_DATA_OFFSET: u32 = 0x01;
const SAMPLE_DESCRIPTION_INDEX: u32 = 0x02;
const DEFAULT_DURATION: u32 = 0x08;
const DEFAULT_SIZE: u32 = 0x10;
const DEFAULT_FLAGS: u32 = 0x20;
/// `tfhd`: data offsets count from the moof's first byte.
const DEFAULT_BASE_IS_MOOF: u32 = 0x02_0000;
/// `trun`: where the run's data starts, from the base.
const DATA_OFFSET: u32 = 0x001;
const FIRST_SAMPLE_FLAGS: u32 = 0x004;
const SAMPLE_DURATION: u32 = 0x100;
const SAMPLE_SIZE: u32 = 0x200;
const SAMPLE_FLAGS: u32 = 0x400;
const COMPOSITION_OFFSET: u32 = 0x800;

/// A track's sample defaults from `moov/mvex/trex`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Defaults {
    track: u32,
    duration: u32,
    size: u32,
}

/// Appends the samples of every `moof` of the file to `tracks`; whether there were any. A file
/// without fragments is left as it is.
pub fn append(
    source: &dyn RangeSource,
    top_level: &[BoxHeader],
    moov: &[u8],
    tracks: &mut [Track],
    limits: &Limits,
) -> Result<bool> {
    // a movie says it is fragmented with `mvex`; moof boxes after any other are strays
    let Some(mvex) = child(moov, b"mvex", limits)? else { return Ok(false) };
    if !top_level.iter().any(|b| &b.kind == MOOF) {
        return Ok(false);
    }
    let defaults = children(mvex, limits)?
        .into_iter()
        .filter(|(kind, _)| kind == b"trex")
        .map(|(_, trex)| parse_trex(trex))
        .collect::<Result<Vec<_>>>()?;
    let mut read = 0u64;
    let mut budget = Budget { samples: tracks.iter().map(|t| t.sizes.count()).sum::<u64>(), limits };
    // top-level boxes lie end to end from the file's start: a box starts where the one before ends
    let mut start = 0u64;
    for header in top_level {
        let box_start = start;
        start = header.body_start + header.body_len;
        if &header.kind != MOOF {
            continue;
        }
        read += header.body_len;
        if read > limits.max_metadata_bytes {
            return Err(EngineError::limit(format!("moof boxes of over {} bytes", limits.max_metadata_bytes)));
        }
        let moof = source.read_vec(header.body_start, header.body_len)?;
        // a traf without an explicit base has its data right after the previous traf's
        // (ISO/IEC 14496-12 8.8.7.1), the first right after the moof's start
        let mut implicit_base = box_start;
        for (_, traf) in children(&moof, limits)?.into_iter().filter(|(kind, _)| kind == b"traf") {
            implicit_base = append_traf(traf, box_start, implicit_base, &defaults, tracks, &mut budget)?;
        }
    }
    // each track lasts as long as its samples: an empty moov's mdhd says 0, a finished file's may
    // already count the fragments
    for track in tracks {
        track.media_duration = track
            .time_to_sample
            .iter()
            .fold(0u64, |total, &(n, delta)| total.saturating_add(u64::from(n) * u64::from(delta)));
    }
    Ok(true)
}

fn parse_trex(body: &[u8]) -> Result<Defaults> {
    let (_, _, mut r) = full_box_with_flags(body)?;
    let track = r.u32()?;
    r.skip(4)?; // sample description index
    Ok(Defaults { track, duration: r.u32()?, size: r.u32()? })
}

/// Samples read so far, against the limit: checked before each run is allocated.
struct Budget<'a> {
    samples: u64,
    limits: &'a Limits,
}

impl Budget<'_> {
    fn take(&mut self, count: u32) -> Result<()> {
        self.samples += u64::from(count);
        if self.samples > self.limits.max_table_entries {
            return Err(EngineError::limit(format!("over {} samples", self.limits.max_table_entries)));
        }
        Ok(())
    }
}

/// One track fragment's runs, appended to its track; where its data ends.
fn append_traf(
    traf: &[u8],
    moof_start: u64,
    implicit_base: u64,
    defaults: &[Defaults],
    tracks: &mut [Track],
    budget: &mut Budget<'_>,
) -> Result<u64> {
    let limits = budget.limits;
    let (_, flags, mut r) = full_box_with_flags(required(traf, b"tfhd", "traf", limits)?)?;
    let id = r.u32()?;
    let Some(track) = tracks.iter_mut().find(|t| t.id == id) else {
        return Err(EngineError::malformed(format!("a track fragment of track {id}, which the movie does not have")));
    };
    let trex = defaults.iter().find(|d| d.track == id);
    let base = if flags & BASE_DATA_OFFSET != 0 {
        r.u64()?
    } else if flags & DEFAULT_BASE_IS_MOOF != 0 {
        moof_start
    } else {
        implicit_base
    };
    if flags & SAMPLE_DESCRIPTION_INDEX != 0 {
        r.skip(4)?;
    }
    let duration = if flags & DEFAULT_DURATION != 0 { r.u32()? } else { trex.map_or(0, |d| d.duration) };
    let size = if flags & DEFAULT_SIZE != 0 { r.u32()? } else { trex.map_or(0, |d| d.size) };
    if flags & DEFAULT_FLAGS != 0 {
        r.skip(4)?;
    }
    let mut cursor = base;
    for (_, trun) in children(traf, limits)?.into_iter().filter(|(kind, _)| kind == b"trun") {
        let (_, flags, mut r) = full_box_with_flags(trun)?;
        let per_sample = [SAMPLE_DURATION, SAMPLE_SIZE, SAMPLE_FLAGS, COMPOSITION_OFFSET]
            .iter()
            .filter(|&&field| flags & field != 0)
            .count()
            * 4;
        let optional = usize::from(flags & DATA_OFFSET != 0) * 4 + usize::from(flags & FIRST_SAMPLE_FLAGS != 0) * 4;
        // the count comes before the optional fields: check what the entries need after them
        let count = r.u32()?;
        budget.take(count)?;
        if (count as usize).saturating_mul(per_sample).saturating_add(optional) > r.remaining() {
            return Err(EngineError::truncated(format!(
                "trun declares {count} samples but holds {} bytes",
                r.remaining()
            )));
        }
        if flags & DATA_OFFSET != 0 {
            let offset = r.i32()?;
            cursor = base
                .checked_add_signed(i64::from(offset))
                .ok_or_else(|| EngineError::malformed("a trun's data starts before the file"))?;
        }
        if flags & FIRST_SAMPLE_FLAGS != 0 {
            r.skip(4)?;
        }
        let mut run = Vec::with_capacity(count as usize);
        for _ in 0..count {
            let sample_duration = if flags & SAMPLE_DURATION != 0 { r.u32()? } else { duration };
            let sample_size = if flags & SAMPLE_SIZE != 0 { r.u32()? } else { size };
            r.skip(4 * usize::from(flags & SAMPLE_FLAGS != 0) + 4 * usize::from(flags & COMPOSITION_OFFSET != 0))?;
            run.push((sample_duration, sample_size));
        }
        let bytes: u64 = run.iter().map(|&(_, size)| u64::from(size)).sum();
        append_run(track, cursor, &run, limits)?;
        cursor = cursor.saturating_add(bytes);
    }
    Ok(cursor)
}

/// A run of (duration, size) samples starting at `offset`, as one more chunk of `track`.
fn append_run(track: &mut Track, offset: u64, run: &[(u32, u32)], limits: &Limits) -> Result<()> {
    if run.is_empty() {
        return Ok(());
    }
    let added = u32::try_from(run.len()).map_err(|_| EngineError::limit("a run of over 4 billion samples"))?;
    let uniform = run.iter().all(|&(_, size)| size == run[0].1);
    track.sizes = match std::mem::replace(&mut track.sizes, SampleSizes::Table(Vec::new())) {
        // one size for all stays one size (PCM written a frame per sample stays compact)
        SampleSizes::Constant { size, count } if uniform && (count == 0 || size == run[0].1) => {
            SampleSizes::Constant { size: run[0].1, count: count.saturating_add(added) }
        }
        SampleSizes::Table(sizes) if uniform && sizes.is_empty() => {
            SampleSizes::Constant { size: run[0].1, count: added }
        }
        SampleSizes::Constant { count, .. } if u64::from(count) > limits.max_table_entries => {
            return Err(EngineError::limit(format!("stsz declares {count} samples")));
        }
        SampleSizes::Constant { size, count } => {
            SampleSizes::Table(std::iter::repeat_n(size, count as usize).chain(run.iter().map(|&(_, s)| s)).collect())
        }
        SampleSizes::Table(mut sizes) => {
            sizes.extend(run.iter().map(|&(_, size)| size));
            SampleSizes::Table(sizes)
        }
    };
    for &(duration, _) in run {
        match track.time_to_sample.last_mut() {
            Some((count, delta)) if *delta == duration && *count < u32::MAX => *count += 1,
            _ => track.time_to_sample.push((1, duration)),
        }
    }
    track.chunk_offsets.push(offset);
    let chunk = u32::try_from(track.chunk_offsets.len()).map_err(|_| EngineError::limit("chunk count"))?;
    if track.sample_to_chunk.last().is_none_or(|&(_, samples)| samples != added) {
        track.sample_to_chunk.push((chunk, added));
    }
    Ok(())
}
