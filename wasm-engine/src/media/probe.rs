//! Probing: what a media file holds — container, duration, tracks and their codecs, picture size,
//! exact frame rate, rotation, sample rate, channels, bitrates — with the figures ffprobe reports.

use super::foreign;
use super::isobmff::{
    self,
    track::{SampleEntry, Track},
};
use super::sniff::{Container, SNIFF_BYTES, sniff};
use super::wav;
use crate::error::{EngineError, Result};
use crate::limits::Limits;
use crate::source::RangeSource;
use crate::time::{Rational, TimeValue};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrackKind {
    Video,
    Audio,
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VideoInfo {
    pub width: u32,
    pub height: u32,
    /// Frames per second as an exact fraction (30000/1001, not 29.97): the rate of a constant-rate
    /// track, or the average of a variable-rate one.
    pub frame_rate: Rational,
    pub variable_frame_rate: bool,
    /// Degrees (0, 90, 180, 270) the picture is turned clockwise for display.
    pub rotation: u16,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AudioInfo {
    pub sample_rate: u32,
    pub channels: u16,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackInfo {
    pub id: u32,
    pub kind: TrackKind,
    /// ffprobe's `codec_name`: h264, hevc, aac, mp3, pcm, …
    pub codec: String,
    pub duration: Option<TimeValue>,
    /// Bits per second over the track's duration.
    pub bitrate: Option<u64>,
    pub video: Option<VideoInfo>,
    pub audio: Option<AudioInfo>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaInfo {
    pub container: Container,
    pub duration: Option<TimeValue>,
    /// Bits per second of the whole file over its duration.
    pub bitrate: Option<u64>,
    pub size_bytes: u64,
    pub tracks: Vec<TrackInfo>,
}

impl MediaInfo {
    pub fn video(&self) -> Option<&TrackInfo> {
        self.tracks.iter().find(|t| t.kind == TrackKind::Video)
    }

    pub fn audio(&self) -> Option<&TrackInfo> {
        self.tracks.iter().find(|t| t.kind == TrackKind::Audio)
    }
}

/// Probes `source`, reading only the ranges its structure points to.
pub fn probe(source: &dyn RangeSource, limits: &Limits) -> Result<MediaInfo> {
    let head_len = source.len().min(SNIFF_BYTES as u64);
    let head = source.read_vec(0, head_len)?;
    let container = sniff(&head).ok_or_else(|| EngineError::unsupported("not a media format the engine reads"))?;
    let (duration, tracks) = match container {
        Container::Mp4 | Container::Mov | Container::M4a => probe_movie(source, limits)?,
        Container::Wav => wav::probe(source, limits)?,
        Container::Mp3 | Container::Adts | Container::Flac | Container::Ogg | Container::WebM | Container::Matroska => {
            foreign::probe(source, limits)?
        }
    };
    let size_bytes = source.len();
    let bitrate = duration.and_then(|d| bits_per_second(size_bytes, d));
    Ok(MediaInfo { container, duration, bitrate, size_bytes, tracks })
}

/// `bytes` over `duration`, as ffmpeg computes bit rates (integer, truncated).
pub fn bits_per_second(bytes: u64, duration: TimeValue) -> Option<u64> {
    (duration.value > 0)
        .then(|| (u128::from(bytes) * 8 * u128::from(duration.timescale) / u128::from(duration.value)) as u64)
}

fn probe_movie(source: &dyn RangeSource, limits: &Limits) -> Result<(Option<TimeValue>, Vec<TrackInfo>)> {
    let movie = isobmff::read_movie(source, limits)?;
    let tracks: Vec<TrackInfo> = movie.tracks.iter().map(|track| movie_track(track, movie.timescale)).collect();
    let movie_duration =
        (movie.timescale > 0 && movie.duration > 0).then(|| TimeValue::new(movie.duration, movie.timescale));
    let longest_track = tracks.iter().filter_map(|t| t.duration).max_by(|a, b| a.cmp_time(b));
    Ok((movie_duration.or(longest_track), tracks))
}

fn movie_track(track: &Track, movie_timescale: u32) -> TrackInfo {
    let media_duration = (track.media_duration > 0).then(|| TimeValue::new(track.media_duration, track.timescale));
    // The presented duration follows the edit list (AAC priming is edited out), like ffprobe.
    let duration = match (track.edit, movie_timescale) {
        (Some(edit), timescale) if timescale > 0 && edit.segment_duration > 0 => {
            Some(TimeValue::new(edit.segment_duration, timescale))
        }
        _ => media_duration,
    };
    let bitrate = media_duration.and_then(|d| bits_per_second(track.sizes.total_bytes(), d));
    let (kind, video, audio) = match &track.entry {
        SampleEntry::Video { width, height, .. } => {
            let (frame_rate, variable_frame_rate) = frame_rate(track);
            let video = VideoInfo {
                width: u32::from(*width),
                height: u32::from(*height),
                frame_rate,
                variable_frame_rate,
                rotation: rotation(track.matrix),
            };
            (TrackKind::Video, Some(video), None)
        }
        SampleEntry::Audio { channels, sample_rate, .. } => {
            (TrackKind::Audio, None, Some(AudioInfo { sample_rate: *sample_rate, channels: *channels }))
        }
        SampleEntry::Other { .. } => (TrackKind::Other, None, None),
    };
    TrackInfo { id: track.id, kind, codec: isobmff::track::codec_name(&track.entry), duration, bitrate, video, audio }
}

/// The rate of a constant-delta track, else the average. The first and the last sample's deltas
/// are ignored when judging constancy: muxers often shorten the last, and a fragmented MP4, which
/// has no edit list to shift a track's start, lengthens the first by the shift.
fn frame_rate(track: &Track) -> (Rational, bool) {
    let runs = &track.time_to_sample;
    let total_samples: u64 = runs.iter().map(|&(count, _)| u64::from(count)).sum();
    let mut deltas = runs.iter().enumerate().filter_map(|(index, &(count, delta))| {
        let single_at_an_end = (index == 0 || index == runs.len() - 1) && count == 1 && runs.len() > 1;
        (count > 0 && !single_at_an_end).then_some(delta)
    });
    let first = deltas.next();
    let variable = first.is_some_and(|first| deltas.any(|d| d != first));
    match first {
        Some(delta) if !variable && delta > 0 => (Rational::new(u64::from(track.timescale), u64::from(delta)), false),
        _ if track.media_duration > 0 => (
            Rational::from_wide(
                u128::from(total_samples) * u128::from(track.timescale),
                u128::from(track.media_duration),
            ),
            variable,
        ),
        _ => (Rational::new(0, 1), variable),
    }
}

/// Clockwise display rotation from `tkhd`'s matrix, snapped to the nearest right angle.
fn rotation([a, b, _, _]: [i32; 4]) -> u16 {
    let degrees = f64::from(b).atan2(f64::from(a)).to_degrees();
    let snapped = ((degrees / 90.0).round() as i64 * 90).rem_euclid(360);
    snapped as u16
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotation_follows_the_matrix() {
        let one = 0x10000;
        assert_eq!(rotation([one, 0, 0, one]), 0);
        assert_eq!(rotation([0, one, -one, 0]), 90);
        assert_eq!(rotation([-one, 0, 0, -one]), 180);
        assert_eq!(rotation([0, -one, one, 0]), 270);
    }

    #[test]
    fn unknown_bytes_are_unsupported() {
        let error = probe(&b"definitely not media, just text".to_vec(), &Limits::default()).expect_err("refused");
        assert_eq!(error.code, crate::error::ErrorCode::Unsupported);
    }
}
