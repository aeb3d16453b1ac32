//! Fragmented MP4 (what Safari's MediaRecorder, OBS's hybrid MP4 and live packagers write): the
//! `moov` lists no samples, and each `moof` that follows says, track by track (`traf`), where a
//! run of samples lies (`trun`) and how long and large each is, with defaults from `tfhd` and the
//! movie's `trex`. The runs are appended to the tracks' ordinary sample tables (a run is one
//! chunk), so whatever reads a track — probe, extraction, decoding, packet-copy renders — reads a
//! fragmented file as it reads any other.

use super::boxes::{BoxHeader, FourCc, child, children, required};
use super::track::{SampleSizes, Track, full_box_with_flags as full_box};
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
    if !top_level.iter().any(|b| &b.kind == MOOF) {
        return Ok(false);
    }
    let defaults = match child(moov, b"mvex", limits)? {
        Some(mvex) => children(mvex, limits)?
            .into_iter()
            .filter(|(kind, _)| kind == b"trex")
            .map(|(_, trex)| parse_trex(trex))
            .collect::<Result<Vec<_>>>()?,
        None => Vec::new(),
    };
    let mut read = 0u64;
    let mut samples = tracks.iter().map(|t| t.sizes.count()).sum::<u64>();
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
        for (_, traf) in children(&moof, limits)?.into_iter().filter(|(kind, _)| kind == b"traf") {
            samples += append_traf(traf, box_start, &defaults, tracks, limits)?;
            if samples > limits.max_table_entries {
                return Err(EngineError::limit(format!("over {} samples", limits.max_table_entries)));
            }
        }
    }
    // each track lasts as long as its samples: an empty moov's mdhd says 0, a finished file's may
    // already count the fragments
    for track in tracks {
        track.media_duration = track.time_to_sample.iter().map(|&(n, delta)| u64::from(n) * u64::from(delta)).sum();
    }
    Ok(true)
}

fn parse_trex(body: &[u8]) -> Result<Defaults> {
    let (_, _, mut r) = full_box(body)?;
    let track = r.u32()?;
    r.skip(4)?; // sample description index
    Ok(Defaults { track, duration: r.u32()?, size: r.u32()? })
}

/// One track fragment's runs, appended to its track; how many samples they hold.
fn append_traf(
    traf: &[u8],
    moof_start: u64,
    defaults: &[Defaults],
    tracks: &mut [Track],
    limits: &Limits,
) -> Result<u64> {
    let (_, flags, mut r) = full_box(required(traf, b"tfhd", "traf", limits)?)?;
    let id = r.u32()?;
    let Some(track) = tracks.iter_mut().find(|t| t.id == id) else {
        return Err(EngineError::malformed(format!("a track fragment of track {id}, which the movie does not have")));
    };
    let trex = defaults.iter().find(|d| d.track == id);
    // without an explicit base, data offsets count from the moof's first byte (the
    // `default-base-is-moof` rule, which is also what files without the flag mean in practice)
    let base = if flags & BASE_DATA_OFFSET != 0 { r.u64()? } else { moof_start };
    if flags & SAMPLE_DESCRIPTION_INDEX != 0 {
        r.skip(4)?;
    }
    let duration = if flags & DEFAULT_DURATION != 0 { r.u32()? } else { trex.map_or(0, |d| d.duration) };
    let size = if flags & DEFAULT_SIZE != 0 { r.u32()? } else { trex.map_or(0, |d| d.size) };
    if flags & DEFAULT_FLAGS != 0 {
        r.skip(4)?;
    }
    let mut cursor = base;
    let mut added = 0u64;
    for (_, trun) in children(traf, limits)?.into_iter().filter(|(kind, _)| kind == b"trun") {
        let (_, flags, mut r) = full_box(trun)?;
        let per_sample = [SAMPLE_DURATION, SAMPLE_SIZE, SAMPLE_FLAGS, COMPOSITION_OFFSET]
            .iter()
            .filter(|&&field| flags & field != 0)
            .count()
            * 4;
        let optional = usize::from(flags & DATA_OFFSET != 0) * 4 + usize::from(flags & FIRST_SAMPLE_FLAGS != 0) * 4;
        // the count comes before the optional fields: check what the entries need after them
        let count = r.u32()?;
        if u64::from(count) > limits.max_table_entries {
            return Err(EngineError::limit(format!("trun declares {count} samples")));
        }
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
        added += u64::from(count);
    }
    Ok(added)
}

/// A run of (duration, size) samples starting at `offset`, as one more chunk of `track`.
fn append_run(track: &mut Track, offset: u64, run: &[(u32, u32)], limits: &Limits) -> Result<()> {
    if run.is_empty() {
        return Ok(());
    }
    let mut sizes = match std::mem::replace(&mut track.sizes, SampleSizes::Table(Vec::new())) {
        SampleSizes::Table(sizes) => sizes,
        SampleSizes::Constant { size, count } if u64::from(count) <= limits.max_table_entries => {
            vec![size; count as usize]
        }
        SampleSizes::Constant { count, .. } => {
            return Err(EngineError::limit(format!("stsz declares {count} samples")));
        }
    };
    sizes.extend(run.iter().map(|&(_, size)| size));
    track.sizes = SampleSizes::Table(sizes);
    for &(duration, _) in run {
        match track.time_to_sample.last_mut() {
            Some((count, delta)) if *delta == duration => *count += 1,
            _ => track.time_to_sample.push((1, duration)),
        }
    }
    track.chunk_offsets.push(offset);
    let chunk = u32::try_from(track.chunk_offsets.len()).map_err(|_| EngineError::limit("chunk count"))?;
    let per_chunk = run.len() as u32;
    if track.sample_to_chunk.last().is_none_or(|&(_, samples)| samples != per_chunk) {
        track.sample_to_chunk.push((chunk, per_chunk));
    }
    Ok(())
}
