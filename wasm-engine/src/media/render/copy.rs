//! M4A renders by AAC packet copy.

use super::{KeptSpan, Rendered, SnappedSpan, check_order};
use crate::error::EngineError;
use crate::error::Result;
use crate::limits::Limits;
use crate::media::extract::{aac_track, rescale_edit, write_m4a};
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

    check_order(spans)?;
    let mut selected: Vec<std::ops::Range<usize>> = Vec::new();
    let mut snapped = Vec::with_capacity(spans.len());
    for span in spans {
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
    let output_edit = (starts_at_zero && priming > 0).then(|| Edit {
        empty_duration: 0,
        media_time: priming as i64,
        segment_duration: kept_ticks - priming,
    });
    let output = write_m4a(source, track, &kept, output_edit, sink)?;
    Ok(Rendered { spans: snapped, output })
}
