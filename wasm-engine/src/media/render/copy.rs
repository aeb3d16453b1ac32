//! M4A renders by AAC packet copy.

use super::{KeptSpan, Rendered, SnappedSpan, check_order};
use crate::error::EngineError;
use crate::error::Result;
use crate::limits::Limits;
use crate::media::extract::{rescale_edit, write_m4a};
use crate::media::isobmff::samples::{Sample, sample_table};
use crate::media::isobmff::track::Edit;
use crate::media::isobmff::{self};
use crate::source::{ByteSink, RangeSource};
use crate::time::TimeValue;

/// Renders `spans` (sorted, non-overlapping, inside the source) of the AAC track of `source`.
pub fn render_aac_copy(
    source: &dyn RangeSource,
    spans: &[KeptSpan],
    sink: &mut dyn ByteSink,
    limits: &Limits,
) -> Result<Rendered> {
    let movie = isobmff::read_movie(source, limits)?;
    let track = movie.aac_track()?;
    let samples = sample_table(track, source.len())?;
    let timescale = track.timescale;
    let edit = track.edit.map(|edit| rescale_edit(edit, movie.timescale, timescale));
    let priming = edit.map_or(0, |e| u64::try_from(e.media_time).unwrap_or(0));

    // Media time at which each frame starts, plus the end of the last.
    let mut starts = Vec::with_capacity(samples.len() + 1);
    let mut at = 0u64;
    starts.push(at);
    for sample in &samples {
        at += u64::from(sample.duration);
        starts.push(at);
    }
    let presented_end = edit.map_or(at, |e| e.segment_duration.min(at.saturating_sub(priming)));
    // A movie's durations (its header's, the edit list's, in the movie's milliseconds) may claim
    // a little more than the samples hold (ffmpeg's AAC at 22,050 Hz: 10,271 ms, samples to
    // 10,269.7), and the probe reports the claim, as ffprobe does: a span may end up to a frame
    // past the last sample and is cut there.
    let frame = samples.iter().map(|s| u64::from(s.duration)).max().unwrap_or(0);
    let claimed_end = presented_end + frame;
    let to_ticks = |ms: u64| (u128::from(ms) * u128::from(timescale) / 1000) as u64;

    // Each cut moves to a frame boundary, chosen so that the output's running length stays
    // within half a frame of the requested running length (error diffusion): the whole render
    // is then as long as the spans asked for, within a frame, however many spans there are.
    check_order(spans)?;
    let mut selected: Vec<std::ops::Range<usize>> = Vec::new();
    let mut snapped = Vec::with_capacity(spans.len());
    let (mut requested_total, mut output_total, mut next_free) = (0u64, 0u64, 0usize);
    let presented =
        |boundary: usize| TimeValue::new(starts[boundary].saturating_sub(priming).min(presented_end), timescale);
    for span in spans {
        let (start, end) = (to_ticks(span.start_ms), to_ticks(span.end_ms));
        if end > claimed_end {
            return Err(EngineError::invalid_argument(format!("span ends at {} ms, after the source", span.end_ms)));
        }
        let end = end.min(presented_end);
        let start = start.min(end);
        requested_total += end - start;
        if next_free >= samples.len() {
            // Earlier spans took the last frame already: nothing of this one is left to copy.
            snapped.push(SnappedSpan { requested: *span, start: presented(next_free), end: presented(next_free) });
            continue;
        }
        // A frame is copied once: spans closer than a frame share the boundary between them.
        let first = nearest_boundary(&starts, start + priming, next_free, samples.len() - 1);
        let wanted_end = starts[first] + requested_total.saturating_sub(output_total);
        let last = nearest_boundary(&starts, wanted_end, first + 1, samples.len());
        output_total += starts[last] - starts[first];
        next_free = last;
        snapped.push(SnappedSpan { requested: *span, start: presented(first), end: presented(last) });
        match selected.last_mut() {
            Some(range) if range.end == first => range.end = last,
            _ => selected.push(first..last),
        }
    }
    let kept: Vec<Sample> = selected.iter().flat_map(|range| samples[range.clone()].iter().copied()).collect();
    // Keep the priming edit only when the render starts with the source's first frame: the
    // decoder's warm-up samples are then dropped exactly as in the source.
    let starts_at_zero = selected.first().is_some_and(|range| range.start == 0);
    let kept_ticks: u64 = kept.iter().map(|s| u64::from(s.duration)).sum();
    let output_edit = (starts_at_zero && priming > 0).then(|| Edit {
        empty_duration: 0,
        media_time: priming as i64,
        segment_duration: kept_ticks - priming,
    });
    let output = write_m4a(source, track, &kept, output_edit, sink)?;
    Ok(Rendered { spans: snapped, output })
}

/// The index in `lo..=hi` of the frame boundary nearest `ticks`.
fn nearest_boundary(starts: &[u64], ticks: u64, lo: usize, hi: usize) -> usize {
    let after = starts.partition_point(|&s| s < ticks).clamp(lo, hi);
    let before = after.saturating_sub(1).max(lo);
    if ticks.abs_diff(starts[before]) <= ticks.abs_diff(starts[after]) { before } else { after }
}
