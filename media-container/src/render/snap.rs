//! Kept spans moved onto frame boundaries. A video render keeps whole frames, and its audio must
//! keep exactly the same time span by span, or the two drift apart over hundreds of cuts. Each cut
//! goes to the frame boundary that keeps the output's running length nearest the cut's own (error
//! diffusion), so the whole stays within half a frame of the kept duration, however many spans.

use std::ops::Range;

/// `segments` (`[start, end)` in ms, in order) as frame ranges `[first, end)` of `times` (frame
/// starts in presentation order, then the end of the last, in ticks of `1/timescale` s). Spans
/// that would keep no frame are dropped.
pub fn snap(segments: &[(u64, u64)], times: &[i64], timescale: u64) -> Vec<Range<usize>> {
    let Some(frames) = times.len().checked_sub(1) else { return Vec::new() };
    // in thousandths of a tick, so that milliseconds convert exactly
    let milli = |ticks: i64| i128::from(ticks) * 1000;
    let from_ms = |ms: u64| i128::from(ms) * i128::from(timescale);
    let nearest = |target: i128, lowest: usize| {
        let above = lowest + times[lowest..=frames].partition_point(|t| milli(*t) < target);
        if above > frames {
            return frames;
        }
        if above > lowest && target - milli(times[above - 1]) <= milli(times[above]) - target {
            above - 1
        } else {
            above
        }
    };
    let (mut requested, mut written) = (0i128, 0i128);
    let mut previous_end = 0;
    let mut ranges = Vec::with_capacity(segments.len());
    for (start, end) in segments {
        requested += from_ms(*end) - from_ms(*start);
        let first = nearest(from_ms(*start), previous_end);
        let last = nearest(milli(times[first]) + requested - written, first);
        if last > first {
            written += milli(times[last]) - milli(times[first]);
            ranges.push(first..last);
            previous_end = last;
        }
    }
    ranges
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `count` frames of `step` ticks from `offset`, and the end of the last.
    fn cfr(count: i64, step: i64, offset: i64) -> Vec<i64> {
        (0..=count).map(|i| offset + i * step).collect()
    }

    #[test]
    fn each_cut_moves_to_the_nearest_boundary() {
        let times = cfr(300, 512, 0); // 10 s at 30 fps, timebase 1/15360
        assert_eq!(snap(&[(1_000, 2_000)], &times, 15_360), vec![30..60]);
        assert_eq!(snap(&[(1_010, 2_010)], &times, 15_360), vec![30..60], "10 ms is under half a frame");
        assert_eq!(snap(&[(1_020, 2_030)], &times, 15_360), vec![31..61]);
        assert_eq!(snap(&[(9_990, 12_000)], &times, 15_360), Vec::<Range<usize>>::new(), "past the last frame");
        assert_eq!(snap(&[(0, 5), (6, 10)], &times, 15_360), Vec::<Range<usize>>::new(), "too short to keep a frame");
    }

    #[test]
    fn hundreds_of_spans_stay_within_half_a_frame_of_the_kept_duration() {
        // an hour at 29.97 fps (timebase 1/30000, 1001 ticks a frame), 600 spans of 4.01 s
        let times = cfr(107_892, 1_001, 0);
        let segments: Vec<(u64, u64)> = (0..600).map(|i| (i * 6_000 + 7, i * 6_000 + 4_017)).collect();
        let ranges = snap(&segments, &times, 30_000);
        assert_eq!(ranges.len(), 600);
        let frames: usize = ranges.iter().map(|r| r.len()).sum();
        let kept_ms = 600.0 * 4_010.0;
        let written_ms = frames as f64 * 1001.0 / 30.0;
        assert!((written_ms - kept_ms).abs() <= 1001.0 / 60.0, "{written_ms} ms for {kept_ms} ms");
        assert!(ranges.windows(2).all(|w| w[0].end <= w[1].start), "in order, apart");
    }
}
