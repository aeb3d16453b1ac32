//! Smart rendering: where a kept span holds whole GOPs of the source's H.264, those GOPs are copied
//! as they are and only the frames before the first and after the last whole GOP are encoded. The
//! pieces (made two at a time) are joined by ffmpeg's concat demuxer (which turns each piece's
//! parameter sets in-band, so copied and encoded pieces decode in one stream) with the audio of
//! exactly the same spans, made beside them.
//!
//! Only streams where this is exact are copied: constant frame rate, closed GOPs (no frame of a
//! GOP is shown before its key frame), and a decode delay of 0–2 frames, which x264 reproduces
//! for the encoded pieces (`-bf 0`, `-bf 1`, or its default B-pyramid) so that decode times stay
//! in order across every join. Every piece and the result are counted; any surprise falls back to
//! a full encode.

use std::fs::{self, File};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

use crate::control::lock;
use std::thread;
use std::time::Instant;

use roughcut_engine::Container;

use super::encode::{Streams, audio_args, h264_args, silence_input};
use super::frames::{self, VideoStream, seconds};
use super::groups;
use super::{ENCODE_FROM, ENCODE_TO, RenderJob, muxer_args};
use crate::control::ChildError;
use crate::untrusted::UntrustedInput;

/// A run of frames (presentation order) of the output, and how it is made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    Encode(Range<usize>),
    Copy(Range<usize>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmartPlan {
    pub pieces: Vec<Piece>,
    /// Ticks per frame.
    pub step: i64,
    /// Frames between a frame's decode and its presentation, as x264 must reproduce it.
    pub delay: i64,
    /// The source's mean GOP, in frames.
    pub gop: usize,
}

/// Seconds to decode and encode one frame of 1080p with libx264 veryfast on one of this
/// machine's cores (the full 10-min bench runs at 66 fps on two), and what starting an ffmpeg
/// for a piece costs beyond its frames: the estimate compares paths, so only ratios matter.
const FRAME_1080P_SECONDS: f64 = 0.03;
const PIECE_START_SECONDS: f64 = 0.15;
const COPY_FRAME_SECONDS: f64 = 0.000_1;

impl SmartPlan {
    /// Whether copying is estimated faster than encoding all `frames()` (on all cores): each
    /// encoded piece also decodes from the key frame before it (half a GOP on average) and
    /// starts an ffmpeg; `pixels` is the size of the picture.
    pub fn pays_off(&self, pixels: u64) -> bool {
        let frame = FRAME_1080P_SECONDS * pixels as f64 / (1920.0 * 1080.0);
        let full = self.frames() as f64 * frame / PARALLEL_PIECES as f64;
        let smart: f64 = self
            .pieces
            .iter()
            .map(|piece| match piece {
                Piece::Encode(range) => PIECE_START_SECONDS + (range.len() + self.gop / 2) as f64 * frame,
                Piece::Copy(range) => PIECE_START_SECONDS + range.len() as f64 * COPY_FRAME_SECONDS,
            })
            .sum::<f64>()
            / PARALLEL_PIECES as f64;
        smart < full
    }

    pub fn frames(&self) -> usize {
        self.pieces.iter().map(|p| p.range().len()).sum()
    }

    pub fn copied_frames(&self) -> usize {
        self.pieces.iter().filter(|p| matches!(p, Piece::Copy(_))).map(|p| p.range().len()).sum()
    }
}

impl Piece {
    fn range(&self) -> &Range<usize> {
        match self {
            Self::Encode(range) | Self::Copy(range) => range,
        }
    }
}

/// How the smart render of `spans` (frame ranges of `stream`, whose frame starts are `times`)
/// goes, or why the stream must be encoded fully.
pub fn plan(stream: &VideoStream, times: &[i64], spans: &[Range<usize>]) -> Result<SmartPlan, String> {
    if stream.codec != "h264" || stream.pix_fmt != "yuv420p" {
        return Err(format!("{} {} is not copied", stream.codec, stream.pix_fmt));
    }
    if stream.hidden > 0 {
        return Err("an edit list hides frames".into());
    }
    let step = match times {
        [first, second, ..] if second > first => second - first,
        _ => return Err("too few frames".into()),
    };
    if times.windows(2).any(|w| w[1] - w[0] != step) {
        return Err("the frame rate varies".into());
    }
    let first = stream.packets.first().filter(|p| p.key).ok_or("the stream does not start with a key frame")?;
    let delay = (times[0] - first.dts) / step;
    if !(0..=2).contains(&delay) || stream.packets.iter().enumerate().any(|(i, p)| p.dts != times[i] - delay * step) {
        return Err("decode times that x264 does not reproduce".into());
    }
    // closed GOPs: every frame is shown inside the GOP it is decoded in (from its key frame to
    // the next), so a GOP's packets in decode order are exactly its frames
    let frame_of = |pts: i64| usize::try_from((pts - times[0]) / step).unwrap_or(usize::MAX);
    let keys: Vec<usize> = stream.packets.iter().filter(|p| p.key).map(|p| frame_of(p.pts)).collect();
    if keys.windows(2).any(|w| w[1] <= w[0]) {
        return Err("key frames out of order".into());
    }
    let frame_count = times.len() - 1;
    let mut gop = 0;
    for packet in stream.packets.iter().skip(1) {
        if packet.key {
            gop += 1;
        }
        let next_key = keys.get(gop + 1).copied().unwrap_or(frame_count);
        if !(keys[gop]..next_key).contains(&frame_of(packet.pts)) {
            return Err("open GOPs".into());
        }
    }
    // x264 settles its decode delay only over delay + 1 frames: a shorter edge takes in a GOP
    let shortest = usize::try_from(delay).unwrap_or(0) + 1;
    let boundaries: Vec<usize> = keys.iter().copied().chain([frame_count]).collect();
    let mut pieces = Vec::new();
    for span in spans {
        // the whole GOPs inside the span: from its first key frame to its last GOP boundary
        let mut from = keys.iter().copied().find(|key| *key >= span.start);
        if let Some(key) = from.filter(|key| (1..shortest).contains(&(key - span.start))) {
            from = keys.iter().copied().find(|next| *next > key);
        }
        let mut to = boundaries.iter().copied().filter(|b| *b <= span.end).max();
        if let Some(boundary) = to.filter(|b| (1..shortest).contains(&(span.end - b))) {
            to = boundaries.iter().copied().filter(|b| *b < boundary).max();
        }
        match (from, to) {
            (Some(from), Some(to)) if from < to => {
                if span.start < from {
                    pieces.push(Piece::Encode(span.start..from));
                }
                pieces.push(Piece::Copy(from..to));
                if to < span.end {
                    pieces.push(Piece::Encode(to..span.end));
                }
            }
            _ => pieces.push(Piece::Encode(span.clone())),
        }
    }
    let plan = SmartPlan { pieces, step, delay, gop: frame_count / keys.len().max(1) };
    if plan.copied_frames() == 0 {
        return Err("no whole GOP is kept".into());
    }
    Ok(plan)
}

/// Why a smart render did not produce the output.
#[derive(Debug)]
pub enum SmartError {
    /// The attempt is over (cancelled, or a failure of ours).
    Halt(ChildError),
    /// This input is better encoded fully; the reason is for the log.
    Fallback(String),
}

/// Pieces made at once: each ffmpeg decodes on one core, and the pieces are a GOP or two.
const PARALLEL_PIECES: usize = 2;

/// What making the pieces needs, shared by the threads that make them.
struct Pieces<'a> {
    plan: &'a SmartPlan,
    stream: &'a VideoStream,
    times: &'a [i64],
    job: &'a RenderJob<'a>,
    dir: PathBuf,
}

/// Runs `plan` for `job`: the audio made beside the pieces (two at a time), then the join.
/// Logs where the time went.
pub fn run(plan: &SmartPlan, stream: &VideoStream, times: &[i64], job: &RenderJob<'_>) -> Result<(), SmartError> {
    let RenderJob { spec, work, output, config, control, .. } = *job;
    let started = Instant::now();
    let dir = work.join("pieces");
    fs::create_dir_all(&dir).map_err(|e| SmartError::Fallback(format!("creating {e}")))?;
    let pieces = Pieces { plan, stream, times, job, dir };
    let (made, audio) = thread::scope(|scope| {
        let audio_run = scope.spawn(|| {
            let audio_started = Instant::now();
            encode_audio(&pieces).map(|audio| (audio, audio_started.elapsed().as_millis()))
        });
        let made = pieces.make_all();
        let audio = audio_run.join().unwrap_or_else(|_| Err(SmartError::Fallback("the audio thread panicked".into())));
        (made, audio)
    });
    made?;
    let (audio, audio_ms) = audio?;
    let pieces_ms = started.elapsed().as_millis();

    let durations = plan.pieces.iter().map(|piece| {
        let range = piece.range();
        seconds(times[range.end] - times[range.start], stream.timescale)
    });
    let list = groups::concat_list((0..plan.pieces.len()).map(|index| pieces.path(index)).zip(durations));
    let list_path = work.join("pieces.ffconcat");
    fs::write(&list_path, list).map_err(|e| SmartError::Fallback(format!("list: {e}")))?;
    let mut command = ffmpeg(job, &work.join("join.log"))?;
    command.args(["-f", "concat", "-safe", "0", "-i"]).arg(&list_path).arg("-i").arg(&audio);
    command.args(["-map", "0:v:0", "-map", "1:a:0", "-c", "copy"]).args(muxer_args(spec.format)).arg(output);
    run_ffmpeg(job, &mut command, "the join")?;
    // our own file, read the same way (the MP4 demuxer reads MOV too)
    let joined = frames::list(&config.ffprobe, &UntrustedInput::new(output, Container::Mp4));
    let joined = joined.map_err(SmartError::Fallback)?;
    let count = joined.map_or(0, |stream| stream.packets.len());
    if count != plan.frames() {
        return Err(SmartError::Fallback(format!("the join has {count} frames, not {}", plan.frames())));
    }
    control.log(format_args!(
        "smart render timings: pieces {pieces_ms} ms (the audio beside them {audio_ms} ms), join {} ms",
        started.elapsed().as_millis() - pieces_ms
    ));
    Ok(())
}

/// The audio of exactly the kept frames: extracted as PCM group by group (`groups`), then
/// encoded in one piece (one encoder priming, at the start), or as long a silence for a source
/// without sound; its path.
fn encode_audio(pieces: &Pieces<'_>) -> Result<PathBuf, SmartError> {
    let job = pieces.job;
    let spans: Vec<(i64, i64)> =
        plan_spans(pieces.plan).iter().map(|r| (pieces.times[r.start], pieces.times[r.end])).collect();
    let dir = job.work.join("audio");
    fs::create_dir_all(&dir).map_err(|e| SmartError::Fallback(format!("creating {e}")))?;
    let mut command = ffmpeg(job, &dir.join("encode.log"))?;
    if job.sound {
        let list = extract_audio(job, &spans, pieces.stream.timescale, &dir)?;
        command.args(["-f", "concat", "-safe", "0", "-i"]).arg(&list);
    } else {
        let kept = spans.iter().map(|(start, end)| end - start).sum();
        command.args(silence_input(Some(&seconds(kept, pieces.stream.timescale))));
    }
    let audio = dir.join("audio.m4a");
    command.args(audio_args(job.spec.format, job.spec.audio_bitrate_kbps)).args(["-f", "mp4"]).arg(&audio);
    run_ffmpeg(job, &mut command, "the audio encode")?;
    Ok(audio)
}

/// The source's PCM of `spans`, group by group into `dir`; the concat list of the pieces.
fn extract_audio(job: &RenderJob<'_>, spans: &[(i64, i64)], timescale: u64, dir: &Path) -> Result<PathBuf, SmartError> {
    let groups = groups::groups(spans, timescale, dir, Streams { video: false, sound: true });
    for (index, group) in groups.iter().enumerate() {
        let graph = dir.join(format!("group-{index:04}.txt"));
        let command = group.command(&job.config.ffmpeg, job.input, &graph, "null", &[]);
        let mut command = command.map_err(|e| SmartError::Fallback(format!("graph: {e}")))?;
        let log = File::create(dir.join(format!("group-{index:04}.log")));
        command.stderr(log.map_err(|e| SmartError::Fallback(format!("log: {e}")))?);
        run_ffmpeg(job, &mut command, "the audio")?;
    }
    let list = dir.join("audio.ffconcat");
    let pieces = groups.iter().filter_map(|g| Some((g.audio.as_ref()?, g.seconds())));
    fs::write(&list, groups::concat_list(pieces)).map_err(|e| SmartError::Fallback(format!("list: {e}")))?;
    Ok(list)
}

impl Pieces<'_> {
    fn path(&self, index: usize) -> PathBuf {
        self.dir.join(format!("{index:05}.mp4"))
    }

    /// Makes every piece, `PARALLEL_PIECES` at a time; the first error stops the rest.
    fn make_all(&self) -> Result<(), SmartError> {
        let costs: Vec<f64> = self.plan.pieces.iter().map(cost).collect();
        let total = costs.iter().sum::<f64>().max(1.0);
        let next = AtomicUsize::new(0);
        let state = Mutex::new((0.0, None::<SmartError>));
        thread::scope(|scope| {
            for _ in 0..PARALLEL_PIECES {
                scope.spawn(|| {
                    loop {
                        let index = next.fetch_add(1, Ordering::SeqCst);
                        if index >= self.plan.pieces.len() || lock(&state).1.is_some() {
                            return;
                        }
                        let made = self.make(index);
                        let mut state = lock(&state);
                        match made {
                            Ok(()) => {
                                state.0 += costs[index];
                                let done = ENCODE_FROM + (ENCODE_TO - ENCODE_FROM) * state.0 / total;
                                self.job.control.set_progress(done, "encoding");
                            }
                            Err(err) => {
                                state.1.get_or_insert(err);
                                return;
                            }
                        }
                    }
                });
            }
        });
        let (_, failed) = state.into_inner().unwrap_or_else(PoisonError::into_inner);
        failed.map_or(Ok(()), Err)
    }

    /// Makes piece `index` and checks it.
    fn make(&self, index: usize) -> Result<(), SmartError> {
        let (job, piece, path) = (self.job, &self.plan.pieces[index], self.path(index));
        let range = piece.range();
        // a seek half a frame early lands on the frame itself, whatever the rounding
        let from = seconds((self.times[range.start] - self.plan.step / 2).max(0), self.stream.timescale);
        let mut command = ffmpeg(job, &self.dir.join(format!("{index:05}.log")))?;
        command.args(["-ss", &from]).args(job.input.decode_args()).args(["-map", "0:v:0", "-an"]);
        command.args(["-frames:v", &range.len().to_string()]);
        match piece {
            Piece::Copy(_) => {
                // without `-copypriorss 0` ffmpeg would copy from the key frame before the seek
                // and hide the extra frames with an edit list
                command.args(["-c", "copy", "-copypriorss", "0"]);
            }
            Piece::Encode(_) => {
                command.args(["-vf", "setpts=PTS-STARTPTS", "-fps_mode", "passthrough"]);
                command.args(h264_args(job.spec.video_bitrate_kbps.unwrap_or(5_000))).args(bframes(self.plan.delay));
                // a piece is a GOP or two: x264's default frame threads cost more to start than they save
                command.args(["-threads", "2"]);
                command.args(["-video_track_timescale", &self.stream.timescale.to_string()]);
            }
        }
        command.args(["-f", "mp4"]).arg(&path);
        run_ffmpeg(job, &mut command, &format!("piece {index}"))?;
        check_piece(&job.config.ffprobe, &path, range.len(), self.plan.delay)
    }
}

/// An ffmpeg command writing its errors to `log`.
fn ffmpeg(job: &RenderJob<'_>, log: &Path) -> Result<Command, SmartError> {
    let log = File::create(log).map_err(|e| SmartError::Fallback(format!("log: {e}")))?;
    let mut command = Command::new(&job.config.ffmpeg);
    command.args(["-nostdin", "-v", "error", "-y"]).stdin(Stdio::null()).stdout(Stdio::null()).stderr(log);
    Ok(command)
}

fn run_ffmpeg(job: &RenderJob<'_>, command: &mut Command, what: &str) -> Result<(), SmartError> {
    let status = job.control.run_child(command).map_err(SmartError::Halt)?;
    if status.success() { Ok(()) } else { Err(SmartError::Fallback(format!("ffmpeg failed on {what} ({status})"))) }
}

/// The kept spans the pieces make up (adjacent pieces joined), for the audio.
fn plan_spans(plan: &SmartPlan) -> Vec<Range<usize>> {
    let mut spans: Vec<Range<usize>> = Vec::new();
    for piece in &plan.pieces {
        let range = piece.range().clone();
        match spans.last_mut() {
            Some(last) if last.end == range.start => last.end = range.end,
            _ => spans.push(range),
        }
    }
    spans
}

/// Relative time a piece takes: an encoded frame against a copied one.
fn cost(piece: &Piece) -> f64 {
    match piece {
        Piece::Encode(range) => range.len() as f64,
        Piece::Copy(range) => range.len() as f64 / 50.0,
    }
}

/// x264 settings whose decode delay is `delay` frames (its default B-pyramid delays by two).
fn bframes(delay: i64) -> Vec<String> {
    let args: &[&str] = match delay {
        0 => &["-bf", "0"],
        1 => &["-bf", "1"],
        _ => &["-bf", "3", "-x264-params", "b-pyramid=normal"],
    };
    args.iter().map(|a| (*a).to_owned()).collect()
}

/// A piece must hold `frames` frames decoded `delay` frames ahead, or the join would not be exact.
fn check_piece(ffprobe: &Path, path: &Path, frames: usize, delay: i64) -> Result<(), SmartError> {
    let stream = frames::list(ffprobe, &UntrustedInput::new(path, Container::Mp4)).map_err(SmartError::Fallback)?;
    let stream = stream.ok_or_else(|| SmartError::Fallback("a piece without video".into()))?;
    let times = stream.frame_times();
    let step = times.get(1).zip(times.first()).map_or(0, |(b, a)| b - a).max(1);
    let piece_delay = stream.packets.first().map_or(0, |first| (times[0] - first.dts) / step);
    if stream.packets.len() != frames || stream.hidden > 0 || piece_delay != delay {
        return Err(SmartError::Fallback(format!(
            "a piece of {} frames delayed {piece_delay}, not {frames} delayed {delay}",
            stream.packets.len()
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::frames::Packet;

    /// A CFR stream of `count` frames of 512 ticks, key frames every `gop`, decoded as x264 with
    /// B-pyramid orders them (delay 2; within a GOP, presentation order shuffled but closed).
    fn stream(count: usize, gop: usize) -> VideoStream {
        let packets = (0..count)
            .map(|i| {
                let in_gop = i % gop;
                // decode order I P B B … : show the 2nd packet of each pair of non-key frames first
                let shown = if in_gop == 0 || in_gop + 1 >= gop {
                    i
                } else if in_gop % 2 == 1 {
                    i + 1
                } else {
                    i - 1
                };
                Packet { pts: shown as i64 * 512, dts: (i as i64 - 2) * 512, duration: 512, key: in_gop == 0 }
            })
            .collect();
        VideoStream {
            codec: "h264".into(),
            pix_fmt: "yuv420p".into(),
            width: 1920,
            height: 1080,
            rotation: 0,
            timescale: 15_360,
            packets,
            hidden: 0,
        }
    }

    #[test]
    fn whole_gops_are_copied_and_the_edges_encoded() {
        let stream = stream(600, 60);
        let times = stream.frame_times();
        let plan = plan(&stream, &times, &[105..456, 470..479, 480..600]).expect("copyable");
        assert_eq!((plan.step, plan.delay, plan.gop), (512, 2, 60));
        assert!(plan.pays_off(1920 * 1080), "at 1080p, 420 copied frames outweigh 5 pieces");
        assert!(!plan.pays_off(64 * 36), "a thumbnail encodes faster than ffmpeg starts");
        assert_eq!(
            plan.pieces,
            vec![
                Piece::Encode(105..120),
                Piece::Copy(120..420),
                Piece::Encode(420..456),
                Piece::Encode(470..479),
                Piece::Copy(480..600),
            ]
        );
        assert_eq!((plan.frames(), plan.copied_frames()), (351 + 9 + 120, 420));
        assert_eq!(plan_spans(&plan), vec![105..456, 470..479, 480..600]);
    }

    #[test]
    fn an_edge_shorter_than_the_decode_delay_takes_in_a_gop() {
        let stream = stream(600, 60);
        let times = stream.frame_times();
        // one frame before the key frame at 120, two after the boundary at 420
        let short = plan(&stream, &times, std::slice::from_ref(&(119..422))).expect("copyable");
        assert_eq!(short.pieces, vec![Piece::Encode(119..180), Piece::Copy(180..360), Piece::Encode(360..422)]);
        let long_enough = plan(&stream, &times, std::slice::from_ref(&(117..423))).expect("copyable");
        assert_eq!(long_enough.pieces, vec![Piece::Encode(117..120), Piece::Copy(120..420), Piece::Encode(420..423)]);
    }

    #[test]
    fn streams_that_cannot_be_joined_exactly_are_encoded_fully() {
        let good = stream(600, 60);
        let times = good.frame_times();
        let mut hevc = good.clone();
        hevc.codec = "hevc".into();
        assert!(plan(&hevc, &times, std::slice::from_ref(&(0..600))).is_err());
        let mut open = good.clone();
        open.packets[62].pts = 59 * 512; // shown before its GOP's key frame, one of the GOP before after it
        open.packets[59].pts = 61 * 512;
        assert_eq!(plan(&open, &open.frame_times(), std::slice::from_ref(&(0..600))), Err("open GOPs".into()));
        let mut vfr = good.clone();
        vfr.packets.iter_mut().skip(300).for_each(|p| p.pts += 100);
        assert!(plan(&vfr, &vfr.frame_times(), std::slice::from_ref(&(0..600))).is_err(), "a variable frame rate");
        assert!(plan(&good, &times, &[10..50, 130..170]).is_err(), "no whole GOP");
    }
}
