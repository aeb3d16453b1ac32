//! Audio-only renders of a recording's kept spans: M4A by AAC packet copy (cut at frame
//! boundaries, no re-encoding, so no generation loss; each span widened to whole frames and the
//! snap reported), and MP3 by decoding and re-encoding with a pure-Rust encoder (cut at exact
//! samples; gapless, so players decode exactly the kept length).

use super::decode::{PcmSink, PcmSpec, decode};
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
    let output_edit = (starts_at_zero && priming > 0).then(|| Edit { empty_duration: 0, media_time: priming as i64, segment_duration: kept_ticks - priming });
    let output = write_m4a(source, track, &kept, output_edit, sink)?;
    Ok(Rendered { spans: snapped, output })
}

/// Spans must be non-empty, sorted and non-overlapping.
fn check_order(spans: &[KeptSpan]) -> Result<()> {
    let mut previous_end = 0u64;
    for span in spans {
        if span.end_ms <= span.start_ms || span.start_ms < previous_end {
            return Err(EngineError::invalid_argument(format!("span {}..{} ms is empty or out of order", span.start_ms, span.end_ms)));
        }
        previous_end = span.end_ms;
    }
    if spans.is_empty() {
        return Err(EngineError::invalid_argument("no span to render"));
    }
    Ok(())
}

/// What an MP3 render produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RenderedMp3 {
    /// Samples per channel kept (the decoded length of the output).
    pub frames: u64,
    pub sample_rate: u32,
    pub channels: u16,
    pub bitrate_kbps: u32,
    pub bytes_written: u64,
}

/// Renders `spans` of any decodable `source` as a CBR MP3 at `bitrate_kbps` (snapped to the
/// nearest Layer III rate). Inputs with more than two channels keep the first two; sample rates
/// outside MPEG audio's nine are refused (no resampling yet).
pub fn render_mp3(source: &dyn RangeSource, spans: &[KeptSpan], bitrate_kbps: u32, sink: &mut dyn ByteSink, limits: &Limits) -> Result<RenderedMp3> {
    check_order(spans)?;
    let mut collector = Mp3Collector { spans, next_span: 0, position: 0, spec: None, encoder: None, kept: 0, error: None, bitrate_kbps, stereo: Vec::new() };
    let spec = decode(source, limits, &mut collector)?;
    if let Some(error) = collector.error {
        return Err(error);
    }
    let last_end = spans.last().map_or(0, |s| frame_of(s.end_ms, spec.sample_rate));
    if last_end > collector.position {
        return Err(EngineError::invalid_argument(format!("span ends at {} ms, after the source", spans.last().map_or(0, |s| s.end_ms))));
    }
    let mut encoder = collector.encoder.ok_or_else(|| EngineError::invalid_argument("the spans keep no audio"))?;
    encoder.finish();
    // Drained only after `finish`, so the first packet is the completed gapless tag.
    let mut bytes_written = 0u64;
    loop {
        match encoder.next_packet() {
            Ok(packet) => {
                sink.write_all(&packet)?;
                bytes_written += packet.len() as u64;
            }
            Err(rusty_mp3::Error::Eof | rusty_mp3::Error::Again) => break,
            Err(e) => return Err(EngineError::invalid_argument(format!("mp3 encoder: {e}"))),
        }
    }
    let channels = spec.channels.min(2) as u16;
    Ok(RenderedMp3 { frames: collector.kept, sample_rate: spec.sample_rate, channels, bitrate_kbps: snapped_kbps(bitrate_kbps, spec.sample_rate), bytes_written })
}

fn frame_of(ms: u64, sample_rate: u32) -> u64 {
    (u128::from(ms) * u128::from(sample_rate) / 1000) as u64
}

/// MPEG-1 rates (32–48 kHz) take the V1 table, lower ones the V2 table.
fn snapped_kbps(kbps: u32, sample_rate: u32) -> u32 {
    let version = if sample_rate >= 32_000 { rusty_mp3::header::MpegVersion::V1 } else { rusty_mp3::header::MpegVersion::V2 };
    rusty_mp3::snap_bitrate(version, kbps)
}

/// Receives decoded audio and passes the kept frames to the encoder.
struct Mp3Collector<'a> {
    spans: &'a [KeptSpan],
    next_span: usize,
    /// Frames of decoded audio seen so far.
    position: u64,
    spec: Option<PcmSpec>,
    encoder: Option<rusty_mp3::Mp3Encoder>,
    kept: u64,
    error: Option<EngineError>,
    bitrate_kbps: u32,
    /// The first two channels of wider input.
    stereo: Vec<f32>,
}

impl PcmSink for Mp3Collector<'_> {
    fn start(&mut self, spec: PcmSpec) -> Result<()> {
        self.spec = Some(spec);
        let config = rusty_mp3::Mp3EncoderConfig { bitrate_kbps: self.bitrate_kbps, vbr_quality: None };
        self.encoder = Some(rusty_mp3::Mp3Encoder::new(config));
        Ok(())
    }

    fn samples(&mut self, interleaved: &[f32]) {
        let (Some(spec), Some(encoder)) = (self.spec, self.encoder.as_mut()) else { return };
        if self.error.is_some() {
            return;
        }
        let channels = spec.channels;
        let frames = (interleaved.len() / channels) as u64;
        let (block_start, block_end) = (self.position, self.position + frames);
        while let Some(span) = self.spans.get(self.next_span) {
            let (start, end) = (frame_of(span.start_ms, spec.sample_rate), frame_of(span.end_ms, spec.sample_rate));
            let (from, to) = (start.max(block_start), end.min(block_end));
            if from < to {
                let slice = &interleaved[((from - block_start) as usize) * channels..((to - block_start) as usize) * channels];
                let pushed = if channels > 2 {
                    self.stereo.clear();
                    self.stereo.extend(slice.chunks_exact(channels).flat_map(|frame| [frame[0], frame[1]]));
                    encoder.push_pcm_f32(&self.stereo, 2, spec.sample_rate)
                } else {
                    encoder.push_pcm_f32(slice, channels as u16, spec.sample_rate)
                };
                if let Err(e) = pushed {
                    self.error = Some(EngineError::unsupported(format!("mp3 encoder: {e}")));
                    return;
                }
                self.kept += to - from;
            }
            if end <= block_end {
                self.next_span += 1;
            } else {
                break;
            }
        }
        self.position = block_end;
    }
}
