//! A track's sample table flattened once, in time linear in the sample count: where each sample's
//! bytes are and how long it lasts (from `stsc` × `stco`/`co64` × `stsz` × `stts`). Reading
//! sample by sample through the chunk tables instead is quadratic on finely interleaved files.

use super::track::{SampleSizes, Track};
use crate::error::{EngineError, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sample {
    pub offset: u64,
    pub size: u32,
    /// In the track's timescale.
    pub duration: u32,
}

pub fn sample_table(track: &Track, file_len: u64) -> Result<Vec<Sample>> {
    let count = track.sizes.count();
    let stts_total: u64 = track.time_to_sample.iter().map(|&(n, _)| u64::from(n)).sum();
    if stts_total != count {
        return Err(EngineError::malformed(format!(
            "track {}: stts covers {stts_total} samples, stsz {count}",
            track.id
        )));
    }
    // The count was bounded by the stsz entries actually present, or by the limits for a
    // constant-size table, before we got here; the capacity is therefore safe.
    let mut samples = Vec::with_capacity(usize::try_from(count).map_err(|_| EngineError::limit("sample count"))?);
    let mut durations = track.time_to_sample.iter().flat_map(|&(n, delta)| std::iter::repeat_n(delta, n as usize));
    let size_of = |index: usize| match &track.sizes {
        SampleSizes::Constant { size, .. } => *size,
        SampleSizes::Table(sizes) => sizes[index],
    };

    let runs = &track.sample_to_chunk;
    let mut run = 0usize;
    for (chunk_index, &chunk_offset) in track.chunk_offsets.iter().enumerate() {
        let chunk_number = chunk_index as u64 + 1;
        while run + 1 < runs.len() && u64::from(runs[run + 1].0) <= chunk_number {
            run += 1;
        }
        let Some(&(first_chunk, per_chunk)) = runs.get(run) else {
            return Err(EngineError::malformed(format!("track {}: empty stsc", track.id)));
        };
        if u64::from(first_chunk) > chunk_number || first_chunk == 0 {
            return Err(EngineError::malformed(format!("track {}: stsc does not start at chunk 1", track.id)));
        }
        let mut offset = chunk_offset;
        for _ in 0..per_chunk {
            let index = samples.len();
            if index as u64 >= count {
                return Err(EngineError::malformed(format!(
                    "track {}: chunks hold more samples than stsz lists",
                    track.id
                )));
            }
            let size = size_of(index);
            let end = offset.checked_add(u64::from(size)).filter(|&end| end <= file_len);
            let Some(end) = end else {
                return Err(EngineError::truncated(format!(
                    "track {}: sample {index} lies beyond the end of the file",
                    track.id
                )));
            };
            let duration = durations.next().unwrap_or(0);
            samples.push(Sample { offset, size, duration });
            offset = end;
        }
    }
    if samples.len() as u64 != count {
        return Err(EngineError::malformed(format!(
            "track {}: chunks hold {} of {count} samples",
            track.id,
            samples.len()
        )));
    }
    Ok(samples)
}
