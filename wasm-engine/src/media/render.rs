//! Audio-only renders by packet copy: the AAC frames of a recording's kept spans, cut at frame
//! boundaries (no re-encoding, so no generation loss), written as an M4A. Each span is widened
//! to whole frames; the snap is reported so that callers can show or correct it.

use super::extract::{Extracted, aac_track, rescale_edit, write_m4a};
use super::isobmff::samples::{Sample, sample_table};
use super::isobmff::track::Edit;
use super::isobmff::{self};
use crate::error::{EngineError, Result};
use crate::limits::Limits;
use crate::source::{ByteSink, RangeSource};
use crate::time::TimeValue;

/// A span of the source's presented timeline to keep, in milliseconds: `[start_ms, end_ms)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeptSpan {
    pub start_ms: u64,
    pub end_ms: u64,
}

/// Where a kept span really starts and ends once snapped to frames, in the track's timescale
/// on the source's presented timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SnappedSpan {
    pub requested: KeptSpan,
    pub start: TimeValue,
    pub end: TimeValue,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// One per requested span (spans sharing a frame are written once).
    pub spans: Vec<SnappedSpan>,
    pub output: Extracted,
}

/// Renders `spans` (sorted, non-overlapping, inside the source) of the AAC track of `source`.
pub fn render_aac_copy(source: &dyn RangeSource, spans: &[KeptSpan], sink: &mut dyn ByteSink, limits: &Limits) -> Result<Rendered> {
    let movie = isobmff::read_movie(source, limits)?;
    let track = aac_track(&movie)?;
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
    let to_ticks = |ms: u64| (u128::from(ms) * u128::from(timescale) / 1000) as u64;
    let to_ticks_up = |ms: u64| (u128::from(ms) * u128::from(timescale)).div_ceil(1000) as u64;

    let mut selected: Vec<std::ops::Range<usize>> = Vec::new();
    let mut snapped = Vec::with_capacity(spans.len());
    let mut previous_end = 0u64;
    for span in spans {
        if span.end_ms <= span.start_ms || span.start_ms < previous_end {
            return Err(EngineError::invalid_argument(format!("span {}..{} ms is empty or out of order", span.start_ms, span.end_ms)));
        }
        previous_end = span.end_ms;
        let (start, end) = (to_ticks(span.start_ms), to_ticks_up(span.end_ms));
        if end > presented_end {
            return Err(EngineError::invalid_argument(format!("span ends at {} ms, after the source", span.end_ms)));
        }
        // The frame holding the start, through the frame holding the last kept tick.
        let first = starts.partition_point(|&s| s <= start + priming) - 1;
        let last = starts.partition_point(|&s| s < end + priming).min(samples.len());
        snapped.push(SnappedSpan {
            requested: *span,
            start: TimeValue::new(starts[first].saturating_sub(priming), timescale),
            end: TimeValue::new((starts[last] - priming).min(presented_end), timescale),
        });
        match selected.last_mut() {
            Some(range) if first <= range.end => range.end = range.end.max(last),
            _ => selected.push(first..last),
        }
    }
    let kept: Vec<Sample> = selected.iter().flat_map(|range| samples[range.clone()].iter().copied()).collect();
    // Keep the priming edit only when the render starts with the source's first frame: the
    // decoder's warm-up samples are then dropped exactly as in the source.
    let starts_at_zero = selected.first().is_some_and(|range| range.start == 0);
    let kept_ticks: u64 = kept.iter().map(|s| u64::from(s.duration)).sum();
    let output_edit = (starts_at_zero && priming > 0).then(|| Edit { empty_duration: 0, media_time: priming as i64, segment_duration: kept_ticks - priming });
    let output = write_m4a(source, track, &kept, output_edit, sink)?;
    Ok(Rendered { spans: snapped, output })
}
