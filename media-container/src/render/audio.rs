//! Audio renders with the engine: M4A by AAC packet copy when the spec allows it (no generation
//! loss, no encode at all). Every encode falls to ffmpeg: MP3 too, since libmp3lame encodes about
//! twice as fast as the engine's own encoder (bench `renders`), which stays for the browser, where
//! there is no ffmpeg. A source the engine cannot read falls to ffmpeg as well.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use roughcut_engine::media::render::{KeptSpan, render_aac_copy};
use roughcut_engine::source::ByteSink;
use roughcut_engine::{EngineError, ErrorCode, Limits, probe};
use roughcut_shared::jobs::RenderSpec;
use roughcut_shared::renders::RenderFormat;

use crate::control::Control;
use crate::halt::Halt;
use crate::media::Input;

/// Renders `spec` from `input` into `output` with the engine; `false` when the engine cannot
/// (so ffmpeg should), having written nothing that matters.
pub fn render(spec: &RenderSpec, input: &Path, output: &Path, control: &Control) -> Result<bool, Halt> {
    if !(spec.format == RenderFormat::M4a && spec.copy_audio) {
        return Ok(false);
    }
    let source = Input::open(input, control)?;
    let limits = Limits::default();
    let info = match probe(&source, &limits) {
        Ok(info) => info,
        Err(err) => return engine_outcome(control, &err),
    };
    let Some(audio_ms) = info.audio().and_then(|track| track.duration.or(info.duration)).map(|d| d.millis()) else {
        return Ok(false);
    };
    let spans = kept_spans(&spec.segments, audio_ms);
    if spans.is_empty() {
        return Err(Halt::failed("render_failed", "The cut keeps no audio.", false));
    }
    let file = File::create(output).map_err(|err| Halt::internal(control, "cannot create the render", err))?;
    let mut sink = FileSink(BufWriter::new(file));
    let rendered = render_aac_copy(&source, &spans, &mut sink, &limits).map(|_| ());
    match rendered.and_then(|()| sink.0.flush().map_err(|e| EngineError::io(e.to_string()))) {
        Ok(()) => {
            control.log("rendered by AAC packet copy");
            Ok(true)
        }
        Err(err) => engine_outcome(control, &err),
    }
}

/// The render's spans (all of it when none) inside the audio's `audio_ms`, where the engine reads.
fn kept_spans(segments: &[(u64, u64)], audio_ms: u64) -> Vec<KeptSpan> {
    let whole = [(0, audio_ms)];
    let segments = if segments.is_empty() { &whole[..] } else { segments };
    segments
        .iter()
        .map(|(start, end)| KeptSpan { start_ms: *start, end_ms: (*end).min(audio_ms) })
        .filter(|span| span.end_ms > span.start_ms)
        .collect()
}

/// An engine error: input it does not read goes to ffmpeg; damaged input fails the render; a
/// spec the source cannot satisfy or an encoder refusal fails it too, at once, since another
/// attempt on the same bytes fails the same way; only I/O is worth retrying.
fn engine_outcome(control: &Control, err: &EngineError) -> Result<bool, Halt> {
    control.log(format_args!("engine render: {err}"));
    match err.code {
        ErrorCode::Unsupported => {
            control.log("the engine passes the render to ffmpeg");
            Ok(false)
        }
        ErrorCode::Truncated | ErrorCode::Malformed | ErrorCode::LimitExceeded => {
            Err(Halt::failed("render_failed", "The file's audio could not be rendered: it is damaged.", false))
        }
        ErrorCode::InvalidArgument => Err(Halt::failed(
            "render_failed",
            "The cut does not fit the source's audio (a kept span lies past its end).",
            false,
        )),
        ErrorCode::EncodeFailed => {
            Err(Halt::failed("render_failed", "The audio could not be encoded in the requested format.", false))
        }
        ErrorCode::Io => Err(Halt::internal(control, "engine render", err)),
    }
}

struct FileSink(BufWriter<File>);

impl ByteSink for FileSink {
    fn write_all(&mut self, bytes: &[u8]) -> roughcut_engine::Result<()> {
        self.0.write_all(bytes).map_err(|e| EngineError::io(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_stay_inside_the_audio() {
        let span = |start_ms, end_ms| KeptSpan { start_ms, end_ms };
        assert_eq!(kept_spans(&[], 9_980), vec![span(0, 9_980)], "the whole audio");
        assert_eq!(
            kept_spans(&[(0, 1_000), (9_000, 10_000), (10_000, 11_000)], 9_980),
            vec![span(0, 1_000), span(9_000, 9_980)],
            "a video longer than its audio"
        );
    }

    #[test]
    fn deterministic_engine_failures_fail_at_once_and_io_is_retried() {
        let control = Control::new("job", 1);
        let failure = |err: EngineError| match engine_outcome(&control, &err) {
            Err(Halt::Failed(failure)) => (failure.error_code, failure.retryable),
            other => panic!("{err}: {other:?}"),
        };
        let past_the_end = EngineError::invalid_argument("span ends at 8000 ms, after the source");
        assert_eq!(failure(past_the_end), ("render_failed".to_owned(), false));
        assert_eq!(failure(EngineError::malformed("bad frame")), ("render_failed".to_owned(), false));
        assert_eq!(failure(EngineError::io("disk full")), ("internal".to_owned(), true));
        assert_eq!(engine_outcome(&control, &EngineError::unsupported("opus")).ok(), Some(false));
    }
}
