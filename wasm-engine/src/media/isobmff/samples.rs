//! A track's sample table flattened once, in time linear in the sample count: where each sample's
//! bytes are and how long it lasts (from `stsc` × `stco`/`co64` × `stsz` × `stts`). Reading
//! sample by sample through the chunk tables instead is quadratic on finely interleaved files.

use super::track::{SampleSizes, Track};
use crate::error::{EngineError, Result};
use crate::source::RangeSource;

/// The most read at once, at least (sources with costly reads read more at once).
const MIN_MAX_READ: u64 = 4 * 1024 * 1024;

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

    for chunk in chunks(track) {
        let (chunk_offset, per_chunk) = chunk?;
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

/// A track of uncompressed audio read chunk by chunk, each chunk's samples (`sample_bytes` each)
/// together in pieces of at most `MIN_MAX_READ` bytes, a piece's duration its count of samples.
/// QuickTime counts each frame as a sample, so a per-sample table of an hour of 48-kHz audio
/// would hold 172 million entries.
pub fn chunk_table(track: &Track, sample_bytes: u32, file_len: u64) -> Result<Vec<Sample>> {
    let per_piece = u32::try_from(MIN_MAX_READ / u64::from(sample_bytes.max(1))).unwrap_or(u32::MAX).max(1);
    let mut table = Vec::with_capacity(track.chunk_offsets.len());
    for (index, chunk) in chunks(track).enumerate() {
        let (offset, samples) = chunk?;
        let end = u64::from(samples).checked_mul(u64::from(sample_bytes)).and_then(|bytes| offset.checked_add(bytes));
        if end.is_none_or(|end| end > file_len) {
            return Err(EngineError::truncated(format!(
                "track {}: chunk {} lies beyond the file",
                track.id,
                index + 1
            )));
        }
        let mut done = 0u32;
        while done < samples {
            let count = per_piece.min(samples - done);
            let piece_offset = offset + u64::from(done) * u64::from(sample_bytes);
            table.push(Sample { offset: piece_offset, size: count * sample_bytes, duration: count });
            done += count;
        }
    }
    Ok(table)
}

/// Each chunk's offset and number of samples (`stco`/`co64` × `stsc`), in order.
fn chunks(track: &Track) -> impl Iterator<Item = Result<(u64, u32)>> + '_ {
    let runs = &track.sample_to_chunk;
    let mut run = 0usize;
    track.chunk_offsets.iter().enumerate().map(move |(chunk_index, &offset)| {
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
        Ok((offset, per_chunk))
    })
}

/// Visits each sample with its bytes, in order, with as few bytes and reads as the source's
/// costs allow: samples closer than `gap_worth_a_read` share a read (an audio track interleaved
/// with video is read chunk by chunk from a file, through the video from a `Blob`), an
/// audio-only file is read in large contiguous reads.
pub fn for_each_sample(
    source: &dyn RangeSource,
    samples: &[Sample],
    mut visit: impl FnMut(&Sample, &[u8]) -> Result<()>,
) -> Result<()> {
    let max_gap = source.gap_worth_a_read();
    let max_read = MIN_MAX_READ.max(max_gap.saturating_mul(16));
    let mut buffer = Vec::new();
    let mut pieces = Vec::new();
    let mut first = 0;
    while first < samples.len() {
        let start = samples[first].offset;
        let mut end = start + u64::from(samples[first].size);
        let mut last = first;
        while let Some(next) = samples.get(last + 1) {
            let next_end = next.offset + u64::from(next.size);
            if next.offset < end || next.offset - end > max_gap || next_end - start > max_read {
                break;
            }
            end = next_end;
            last += 1;
        }
        pieces.clear();
        pieces.extend(samples[first..=last].iter().map(|s| (s.offset, s.size as usize)));
        buffer.clear();
        source.read_pieces(start..end, &pieces, &mut buffer)?;
        let mut from = 0;
        for sample in &samples[first..=last] {
            let to = from + sample.size as usize;
            visit(sample, &buffer[from..to])?;
            from = to;
        }
        first = last + 1;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    /// Counts reads, to check how the samples are grouped.
    struct Counting(Vec<u8>, AtomicUsize);

    impl RangeSource for Counting {
        fn len(&self) -> u64 {
            self.0.len() as u64
        }

        fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> Result<()> {
            self.1.fetch_add(1, Ordering::Relaxed);
            self.0.read_exact_at(offset, buf)
        }
    }

    fn sample(offset: u64, size: u32) -> Sample {
        Sample { offset, size, duration: 1024 }
    }

    #[test]
    fn near_samples_share_a_read_and_far_ones_do_not() {
        let data: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        let source = Counting(data.clone(), AtomicUsize::new(0));
        let samples = [sample(0, 100), sample(100, 50), sample(1000, 10), sample(100_000, 20), sample(100_020, 5)];
        let mut seen = Vec::new();
        for_each_sample(&source, &samples, |s, bytes| {
            assert_eq!(bytes, &data[s.offset as usize..(s.offset + u64::from(s.size)) as usize]);
            seen.push(s.offset);
            Ok(())
        })
        .expect("read");
        assert_eq!(seen, [0, 100, 1000, 100_000, 100_020]);
        assert_eq!(source.1.load(Ordering::Relaxed), 2, "two groups: the first three, the last two");
    }
}
