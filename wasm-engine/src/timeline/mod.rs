//! A cut as an editor's timeline, in OpenTimelineIO's vocabulary (`source_range`,
//! `available_range`, `TimeRange{start_time, duration}`), on integer frames at the source's rate.
//! Every exporter renders this one structure, so all formats agree frame for frame.

pub mod timecode;

use crate::plan::CutPlan;
use crate::time::Rational;
use crate::transcript::Millis;

/// Timelines of sources without video run at 30 fps, the common editing rate for audio.
pub const AUDIO_ONLY_RATE: Rational = Rational { num: 30, den: 1 };

/// A frame rate as editors write it: a nominal integer rate (`timebase`) and whether it runs
/// 1000/1001 slower (NTSC: 23.976, 29.97, 59.94).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameRate {
    pub rate: Rational,
    pub timebase: u32,
    pub ntsc: bool,
}

impl FrameRate {
    /// The editing rate nearest a measured one: NTSC when within 0.05% of `n·1000/1001`, an
    /// integer rate otherwise (editors have no 12.34 fps timelines).
    pub fn conforming(measured: Rational) -> Self {
        let fps = measured.num as f64 / measured.den.max(1) as f64;
        let timebase = (fps * 1.001).round().max(1.0) as u32;
        let ntsc_rate = f64::from(timebase) * 1000.0 / 1001.0;
        if (fps - ntsc_rate).abs() / ntsc_rate < 0.0005 && (fps - f64::from(timebase)).abs() > 0.001 {
            return Self { rate: Rational::new(u64::from(timebase) * 1000, 1001), timebase, ntsc: true };
        }
        let timebase = fps.round().clamp(1.0, 1000.0) as u32;
        Self { rate: Rational::new(u64::from(timebase), 1), timebase, ntsc: false }
    }

    /// Drop-frame timecode exists for 29.97 and 59.94.
    pub fn drop_frame(&self) -> bool {
        self.ntsc && self.timebase.is_multiple_of(30)
    }

    /// The frame nearest `millis`.
    pub fn frames(&self, millis: Millis) -> u64 {
        let numerator = u128::from(millis) * u128::from(self.rate.num);
        let denominator = 1000 * u128::from(self.rate.den);
        ((numerator + denominator / 2) / denominator) as u64
    }

    pub fn as_f64(&self) -> f64 {
        self.rate.num as f64 / self.rate.den as f64
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AudioFormat {
    pub channels: u16,
    pub sample_rate: u32,
}

/// The recording the timeline cuts, as the editor should find it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceMedia {
    /// The file name shown in the editor.
    pub name: String,
    /// Where the editor finds the file: a `file://` URL, a path, or an https URL.
    pub url: String,
    pub duration: Millis,
    /// `(width, height, frame rate)` of the video, if there is video.
    pub video: Option<(u32, u32, Rational)>,
    pub audio: Option<AudioFormat>,
}

/// OTIO's `TimeRange`, in frames of the timeline's rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeRange {
    pub start_time: u64,
    pub duration: u64,
}

impl TimeRange {
    pub fn end_time_exclusive(&self) -> u64 {
        self.start_time + self.duration
    }
}

/// One kept segment: where it comes from in the source and where it sits in the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clip {
    pub source_range: TimeRange,
    pub record_start: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timeline {
    pub name: String,
    pub rate: FrameRate,
    pub source: SourceMedia,
    /// The source's `available_range`: all of it.
    pub available_range: TimeRange,
    pub clips: Vec<Clip>,
}

impl Timeline {
    /// The plan's segments on frames. Record positions come from the running sum of kept
    /// milliseconds, so rounding never accumulates: the whole timeline is within half a frame of
    /// the plan's kept duration however many clips it has, and each clip within one frame.
    pub fn new(name: &str, plan: &CutPlan, source: SourceMedia) -> Self {
        let rate = FrameRate::conforming(source.video.map_or(AUDIO_ONLY_RATE, |(_, _, rate)| rate));
        let available = rate.frames(source.duration);
        let mut clips = Vec::with_capacity(plan.segments.len());
        let mut kept_millis = 0;
        let mut record_end = 0;
        for segment in &plan.segments {
            kept_millis += segment.duration();
            let record_start = record_end;
            record_end = rate.frames(kept_millis);
            let duration = record_end - record_start;
            let start_time = rate.frames(segment.start).min(available.saturating_sub(duration));
            if duration > 0 {
                clips.push(Clip { source_range: TimeRange { start_time, duration }, record_start });
            }
        }
        Self {
            name: name.to_owned(),
            rate,
            available_range: TimeRange { start_time: 0, duration: available.max(record_end) },
            source,
            clips,
        }
    }

    pub fn duration(&self) -> u64 {
        self.clips.last().map_or(0, |c| c.record_start + c.source_range.duration)
    }

    pub fn has_video(&self) -> bool {
        self.source.video.is_some()
    }

    /// Sources without an audio description are assumed to carry sound: a talking head.
    pub fn audio(&self) -> AudioFormat {
        self.source.audio.unwrap_or(AudioFormat { channels: 2, sample_rate: 48_000 })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Span;

    #[test]
    fn rates_conform_to_what_editors_know() {
        let ntsc = FrameRate::conforming(Rational::new(30_000, 1_001));
        assert_eq!((ntsc.timebase, ntsc.ntsc, ntsc.drop_frame()), (30, true, true));
        let measured = FrameRate::conforming(Rational::new(2_997, 100));
        assert_eq!(measured, ntsc, "29.97 as a decimal is NTSC");
        let film = FrameRate::conforming(Rational::new(24_000, 1_001));
        assert_eq!((film.timebase, film.ntsc, film.drop_frame()), (24, true, false));
        assert_eq!(FrameRate::conforming(Rational::new(25, 1)).rate, Rational::new(25, 1));
        assert_eq!(FrameRate::conforming(Rational::new(1_234, 100)).rate, Rational::new(12, 1));
        assert_eq!(ntsc.frames(1_001), 30);
    }

    #[test]
    fn rounding_never_accumulates() {
        // 100 clips of 1,010 ms at 29.97: each is 30.27 frames
        let segments: Vec<Span> = (0..100).map(|i| Span { start: i * 2_000, end: i * 2_000 + 1_010 }).collect();
        let plan = CutPlan { kept_duration: 101_000, source_duration: 200_000, segments, removed: Vec::new() };
        let source = SourceMedia {
            name: "a.mp4".into(),
            url: "a.mp4".into(),
            duration: 200_000,
            video: Some((1920, 1080, Rational::new(30_000, 1_001))),
            audio: None,
        };
        let timeline = Timeline::new("cut", &plan, source);
        assert_eq!(timeline.clips.len(), 100);
        assert_eq!(timeline.duration(), timeline.rate.frames(101_000));
        for (clip, segment) in timeline.clips.iter().zip(&plan.segments) {
            let exact = segment.start as f64 * 30_000.0 / 1_001_000.0;
            assert!((clip.source_range.start_time as f64 - exact).abs() <= 0.5);
            assert!((30..=31).contains(&clip.source_range.duration));
        }
    }
}
