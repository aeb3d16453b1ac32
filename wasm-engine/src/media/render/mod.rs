//! Audio-only renders of a recording's kept spans: M4A by AAC packet copy (`copy`: cut at frame
//! boundaries, no re-encoding, so no generation loss; each cut moved to a boundary so that the
//! whole stays within a frame of the requested length, and the snap reported), MP3 re-encoded with a pure-Rust encoder (`mp3`) and 16-bit WAV (`wav`, what
//! an external encoder takes), both cut at exact samples.

mod copy;
mod mp3;
mod wav;

pub use copy::render_aac_copy;
pub use mp3::{RenderedMp3, render_mp3};
pub use wav::{RenderedPcm, render_wav};

use super::decode::{PcmSink, PcmSpec, decode};
use super::extract::Extracted;
use crate::error::{EngineError, Result};
use crate::limits::Limits;
use crate::source::RangeSource;
use crate::time::TimeValue;

/// A span of the source's presented timeline to keep, in milliseconds: `[start_ms, end_ms)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeptSpan {
    pub start_ms: u64,
    pub end_ms: u64,
}

/// Where a kept span really starts and ends once snapped to frames, in the track's timescale
/// on the source's presented timeline (each cut moves by at most a frame and a half).
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

/// Spans must be non-empty, sorted and non-overlapping.
fn check_order(spans: &[KeptSpan]) -> Result<()> {
    let mut previous_end = 0u64;
    for span in spans {
        if span.end_ms <= span.start_ms || span.start_ms < previous_end {
            return Err(EngineError::invalid_argument(format!(
                "span {}..{} ms is empty or out of order",
                span.start_ms, span.end_ms
            )));
        }
        previous_end = span.end_ms;
    }
    if spans.is_empty() {
        return Err(EngineError::invalid_argument("no span to render"));
    }
    Ok(())
}

fn frame_of(ms: u64, sample_rate: u32) -> u64 {
    (u128::from(ms) * u128::from(sample_rate) / 1000) as u64
}

/// Receives the kept audio of a render, in order.
trait KeptConsumer {
    fn start(&mut self, spec: PcmSpec) -> Result<()>;
    fn kept(&mut self, spec: PcmSpec, interleaved: &[f32]) -> Result<()>;
}

/// Decodes `source` and hands `consumer` exactly the samples inside `spans` (checked to be in
/// order and inside the source); returns the layout and the frames kept.
fn decode_kept(
    source: &dyn RangeSource,
    spans: &[KeptSpan],
    limits: &Limits,
    consumer: &mut dyn KeptConsumer,
) -> Result<(PcmSpec, u64)> {
    check_order(spans)?;
    let mut splitter = Splitter { spans, next_span: 0, position: 0, spec: None, kept: 0, error: None, consumer };
    let spec = decode(source, limits, &mut splitter)?;
    if let Some(error) = splitter.error {
        return Err(error);
    }
    let last_end = spans.last().map_or(0, |s| frame_of(s.end_ms, spec.sample_rate));
    if last_end > splitter.position {
        return Err(EngineError::invalid_argument(format!(
            "span ends at {} ms, after the source",
            spans.last().map_or(0, |s| s.end_ms)
        )));
    }
    Ok((spec, splitter.kept))
}

/// Splits decoded audio into kept and dropped samples.
struct Splitter<'a> {
    spans: &'a [KeptSpan],
    next_span: usize,
    /// Frames of decoded audio seen so far.
    position: u64,
    spec: Option<PcmSpec>,
    kept: u64,
    error: Option<EngineError>,
    consumer: &'a mut dyn KeptConsumer,
}

impl PcmSink for Splitter<'_> {
    fn start(&mut self, spec: PcmSpec) -> Result<()> {
        self.spec = Some(spec);
        self.consumer.start(spec)
    }

    fn samples(&mut self, interleaved: &[f32]) {
        let Some(spec) = self.spec else { return };
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
                let slice =
                    &interleaved[((from - block_start) as usize) * channels..((to - block_start) as usize) * channels];
                if let Err(error) = self.consumer.kept(spec, slice) {
                    self.error = Some(error);
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
