//! Renders by the real container binary, dispatched by a fake worker and checked frame by frame:
//! smart rendering copies whole GOPs and encodes only the edges, the full encode keeps the same
//! frames, AAC is copied by the engine and MP3 encoded by ffmpeg, and outputs larger than a
//! request go up in parts.

mod support;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use roughcut_shared::jobs::{JobOutcome, JobResult, RenderSpec, RenderedFile};
use roughcut_shared::renders::RenderFormat;
use support::{Container, FakeWorker, TestDir, ffmpeg, ffprobe, ffprobe_duration_ms, ffprobe_stream, wait_until};

/// What ffmpeg writes to stdout decoding `path` with `args` (which end with the output format).
fn decoded(path: &Path, args: &[&str]) -> Vec<u8> {
    let output = Command::new("ffmpeg").args(["-nostdin", "-v", "error", "-i"]).arg(path).args(args).arg("-").output();
    let output = output.expect("ffmpeg");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    output.stdout
}

/// Each frame's picture, shrunk to 64×36 grey, for comparisons that survive re-encoding.
fn thumbnails(path: &Path) -> Vec<Vec<u8>> {
    let args = ["-map", "0:v:0", "-vf", "scale=64:36,format=gray", "-fps_mode", "passthrough", "-f", "rawvideo"];
    decoded(path, &args).chunks(64 * 36).map(<[u8]>::to_vec).collect()
}

/// Each decoded frame's MD5, as ffmpeg's `framemd5` prints it.
fn frame_hashes(path: &Path) -> Vec<String> {
    let listing = decoded(path, &["-map", "0:v:0", "-fps_mode", "passthrough", "-f", "framemd5"]);
    String::from_utf8_lossy(&listing)
        .lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| line.rsplit(',').next().map(|hash| hash.trim().to_owned()))
        .collect()
}

fn difference(a: &[u8], b: &[u8]) -> u64 {
    a.iter().zip(b).map(|(x, y)| u64::from(x.abs_diff(*y))).sum()
}

fn rendered(worker: &FakeWorker, container: &Container, output: &Path) -> RenderedFile {
    match worker.wait_for_result(container) {
        JobOutcome::Succeeded { result: JobResult::Render(file) } => {
            let seen = worker.seen();
            let render = &seen.outputs["render"];
            let extension = output.extension().and_then(|e| e.to_str()).unwrap_or_default();
            let expected_type = match extension {
                "mp4" => "video/mp4",
                "m4a" => "audio/mp4",
                _ => "audio/mpeg",
            };
            assert_eq!(render.content_type, expected_type);
            std::fs::write(output, &render.bytes).expect("write the render");
            file
        }
        other => panic!("not a render: {other:?}; container log:\n{}", container.logs()),
    }
}

fn spec(format: RenderFormat, segments: Vec<(u64, u64)>, copy_video: bool) -> RenderSpec {
    let duration_ms = segments.iter().map(|(start, end)| end - start).sum();
    RenderSpec {
        format,
        segments,
        width: Some(640),
        height: Some(360),
        video_bitrate_kbps: Some(2_000),
        audio_bitrate_kbps: 128,
        duration_ms,
        copy_video,
        copy_audio: false,
    }
}

/// A 12-s 640×360 recording at 30 fps with a key frame every second (x264's B-pyramid).
fn source(dir: &TestDir) -> std::path::PathBuf {
    let media = dir.path().join("source.mp4");
    let path = media.to_str().expect("path");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=640x360:rate=30:duration=12",
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=440:duration=12:sample_rate=48000",
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-g",
        "30",
        "-pix_fmt",
        "yuv420p",
        "-b:v",
        "2M",
        "-c:a",
        "aac",
        "-b:a",
        "128k",
        path,
    ]);
    media
}

#[test]
fn a_smart_render_copies_whole_gops_and_keeps_exactly_the_cut_frames() {
    let dir = TestDir::new("smart");
    let media = source(&dir);
    let source_frames = thumbnails(&media);
    let source_hashes = frame_hashes(&media);
    assert_eq!(source_frames.len(), 360);
    // 1.5–6.2 s and 7.0–11.8 s: frames 45..186 and 210..354 at 30 fps
    let segments = vec![(1_500, 6_200), (7_000, 11_800)];
    let expected: Vec<usize> = (45..186).chain(210..354).collect();

    for copy_video in [true, false] {
        let worker = FakeWorker::start(std::fs::read(&media).expect("media"));
        let container = Container::start(dir.path(), &[("MEDIA_SMART_RENDER", "always")]);
        let job = worker.render_job(
            if copy_video { "job_smart" } else { "job_full" },
            spec(RenderFormat::Mp4, segments.clone(), copy_video),
        );
        assert_eq!(container.post(&job).0, 202);
        let output = dir.path().join(format!("render-{copy_video}.mp4"));
        let file = rendered(&worker, &container, &output);
        let logs = container.logs();
        assert_eq!(logs.contains("smart render:"), copy_video, "{logs}");
        let cleaned = wait_until(Duration::from_secs(5), || container.attempt_dirs() == 0);
        assert!(cleaned, "the pieces were left behind");

        let frames = thumbnails(&output);
        assert_eq!(frames.len(), expected.len(), "frames kept (copy_video {copy_video})");
        // frame-accurate: each output frame is its source frame, not a neighbour
        for (index, (frame, source_index)) in frames.iter().zip(&expected).enumerate() {
            let nearest = (source_index.saturating_sub(2)..(source_index + 3).min(360))
                .min_by_key(|candidate| difference(frame, &source_frames[*candidate]))
                .expect("candidates");
            assert_eq!(nearest, *source_index, "output frame {index} (copy_video {copy_video})");
        }
        let hashes = frame_hashes(&output);
        let identical = hashes.iter().zip(&expected).filter(|(hash, index)| **hash == source_hashes[**index]).count();
        if copy_video {
            // whole GOPs: 60..180 and 210..330 are copied, bit for bit
            assert!(identical >= 240, "{identical} frames identical to the source's");
        } else {
            assert_eq!(identical, 0, "a full encode copies nothing");
        }
        let probe = ffprobe(&output);
        let (video, audio) = (ffprobe_stream(&probe, "video"), ffprobe_stream(&probe, "audio"));
        assert_eq!((video["codec_name"].as_str(), audio["codec_name"].as_str()), (Some("h264"), Some("aac")));
        let seconds = |stream: &serde_json::Value, key: &str| {
            stream[key].as_str().and_then(|s| s.parse::<f64>().ok()).expect("a time")
        };
        let frame = 1.0 / 30.0;
        assert!((seconds(video, "duration") - 9.5).abs() <= frame, "video {}", seconds(video, "duration"));
        assert!((seconds(audio, "duration") - 9.5).abs() <= frame, "audio {}", seconds(audio, "duration"));
        assert!((seconds(video, "start_time") - seconds(audio, "start_time")).abs() <= frame, "starts together");
        assert!(ffprobe_duration_ms(&probe).abs_diff(file.duration_ms) <= 40, "reported {} ms", file.duration_ms);
    }
}

#[test]
fn an_obs_recording_in_matroska_renders_the_cut_frames() {
    // OBS's default container: the same H.264 and AAC in Matroska, with times in milliseconds
    let dir = TestDir::new("matroska");
    let mp4 = source(&dir);
    let mkv = dir.path().join("source.mkv");
    ffmpeg(&["-i", mp4.to_str().expect("path"), "-c", "copy", mkv.to_str().expect("path")]);
    let segments = vec![(1_500, 6_200), (7_000, 11_800)];
    for (name, copy_video) in [("smart", true), ("encoded", false)] {
        let worker = FakeWorker::start(std::fs::read(&mkv).expect("media"));
        let container = Container::start(dir.path(), &[("MEDIA_SMART_RENDER", "always")]);
        let job = worker.render_job(&format!("job_{name}"), spec(RenderFormat::Mp4, segments.clone(), copy_video));
        assert_eq!(container.post(&job).0, 202);
        let output = dir.path().join(format!("render-{name}.mp4"));
        rendered(&worker, &container, &output);
        // Matroska's millisecond times step 33 and 34 ms, which a smart render takes for a
        // varying rate: it encodes fully, and copies nothing it could misplace
        let logs = container.logs();
        assert!(!copy_video || logs.contains("encoding fully: the frame rate varies"), "{name}: {logs}");
        // 1.5–6.2 s and 7.0–11.8 s at 30 fps: 141 and 144 frames
        assert_eq!(thumbnails(&output).len(), 285, "{name}");
        let probe = ffprobe(&output);
        let video = ffprobe_stream(&probe, "video");
        let duration = video["duration"].as_str().and_then(|s| s.parse::<f64>().ok()).expect("a duration");
        assert!((duration - 9.5).abs() <= 1.0 / 30.0, "{name}: {duration} s");
    }
}

#[test]
fn a_recording_coded_on_its_side_renders_upright_in_every_path() {
    // a phone's portrait recording: 640×360 coded, a display matrix turning it a quarter
    let dir = TestDir::new("rotated");
    let coded = source(&dir);
    let rotated = dir.path().join("rotated.mp4");
    let (from, to) = (coded.to_str().expect("path"), rotated.to_str().expect("path"));
    ffmpeg(&["-i", from, "-c", "copy", "-metadata:s:v:0", "rotate=90", to]);
    let rotation = |path: &Path| {
        let probe = ffprobe(path);
        let video = ffprobe_stream(&probe, "video");
        let turned =
            video["side_data_list"].as_array().and_then(|list| list.iter().find_map(|d| d["rotation"].as_i64()));
        (video["width"].as_u64(), video["height"].as_u64(), turned.unwrap_or(0))
    };
    assert_eq!(rotation(&rotated), (Some(640), Some(360), 90));
    let cut = vec![(1_500, 6_200), (7_000, 11_800)];
    for (name, segments, copy_video) in
        [("smart", cut.clone(), true), ("encoded", cut, false), ("whole", vec![], false)]
    {
        let worker = FakeWorker::start(std::fs::read(&rotated).expect("media"));
        let container = Container::start(dir.path(), &[("MEDIA_SMART_RENDER", "always")]);
        let job = worker.render_job(&format!("job_{name}"), spec(RenderFormat::Mp4, segments, copy_video));
        assert_eq!(container.post(&job).0, 202);
        let output = dir.path().join(format!("render-{name}.mp4"));
        rendered(&worker, &container, &output);
        assert_eq!(container.logs().contains("smart render:"), copy_video, "{name}: {}", container.logs());
        assert_eq!(rotation(&output), (Some(640), Some(360), 90), "{name}: coded as the source, turned as it is");
    }
}

/// A screen recording or a test picture has no sound: every path renders it, with a silent AAC
/// soundtrack as long as the picture (an MP4 is H.264 + AAC, and editors expect both).
#[test]
fn a_video_without_sound_renders_with_a_silent_soundtrack_in_every_path() {
    let dir = TestDir::new("silent");
    let with_sound = source(&dir);
    let silent = dir.path().join("silent.mp4");
    let (from, to) = (with_sound.to_str().expect("path"), silent.to_str().expect("path"));
    ffmpeg(&["-i", from, "-an", "-c", "copy", to]);
    let cut = vec![(1_500, 6_200), (7_000, 11_800)];
    // more spans than one ffmpeg takes: rendered in groups, then joined
    let many: Vec<(u64, u64)> = (0..30).map(|i| (i * 400, i * 400 + 200)).collect();
    for (name, segments, copy_video) in
        [("smart", cut.clone(), true), ("encoded", cut, false), ("whole", vec![], false), ("groups", many, false)]
    {
        let worker = FakeWorker::start(std::fs::read(&silent).expect("media"));
        let container = Container::start(dir.path(), &[("MEDIA_SMART_RENDER", "always")]);
        let spec = spec(RenderFormat::Mp4, segments.clone(), copy_video);
        let kept_ms = if segments.is_empty() { 12_000 } else { spec.duration_ms };
        assert_eq!(container.post(&worker.render_job(&format!("job_{name}"), spec)).0, 202);
        let output = dir.path().join(format!("render-{name}.mp4"));
        rendered(&worker, &container, &output);
        assert_eq!(container.logs().contains("smart render:"), copy_video, "{name}: {}", container.logs());
        let probe = ffprobe(&output);
        let seconds =
            |kind: &str| ffprobe_stream(&probe, kind)["duration"].as_str().and_then(|d| d.parse::<f64>().ok());
        assert_eq!(ffprobe_stream(&probe, "video")["codec_name"].as_str(), Some("h264"), "{name}");
        assert_eq!(ffprobe_stream(&probe, "audio")["codec_name"].as_str(), Some("aac"), "{name}");
        let (video, audio) = (seconds("video").expect("video"), seconds("audio").expect("audio"));
        let kept = kept_ms as f64 / 1000.0;
        assert!((video - kept).abs() <= 0.034, "{name}: video {video} s for {kept} s");
        assert!((audio - video).abs() <= 0.05, "{name}: audio {audio} s beside video {video} s");
        let samples = decoded(&output, &["-vn", "-ac", "1", "-ar", "8000", "-f", "s16le"]);
        let peak = samples.chunks_exact(2).map(|s| i16::from_le_bytes([s[0], s[1]]).unsigned_abs()).max();
        assert!(peak.is_some_and(|peak| peak <= 1), "{name}: the soundtrack peaks at {peak:?}, not silent");
    }
}

#[test]
fn aac_is_copied_by_the_engine_and_mp3_encoded_by_ffmpeg() {
    let dir = TestDir::new("audio");
    let media = source(&dir);
    let segments = vec![(1_000, 4_000), (6_000, 9_500)];
    for (format, copy_audio, says) in [
        (RenderFormat::M4a, true, "rendered by AAC packet copy"),
        (RenderFormat::Mp3, false, "encoded by ffmpeg as mp3"),
    ] {
        let format_name = format.as_str();
        let worker = FakeWorker::start(std::fs::read(&media).expect("media"));
        let container = Container::start(dir.path(), &[]);
        let spec = RenderSpec {
            width: None,
            height: None,
            video_bitrate_kbps: None,
            copy_audio,
            ..spec(format, segments.clone(), false)
        };
        assert_eq!(container.post(&worker.render_job(&format!("job_{format_name}"), spec)).0, 202);
        let output = dir.path().join(format!("render.{format_name}"));
        rendered(&worker, &container, &output);
        assert!(container.logs().contains(says), "{}", container.logs());
        let probe = ffprobe(&output);
        let codec = if format == RenderFormat::Mp3 { "mp3" } else { "aac" };
        assert_eq!(ffprobe_stream(&probe, "audio")["codec_name"].as_str(), Some(codec));
        // both cut at the source's AAC frames (≤ 21 ms at each of the 4 span edges at 48 kHz)
        assert!(ffprobe_duration_ms(&probe).abs_diff(6_500) <= 85, "{format_name}: {} ms", ffprobe_duration_ms(&probe));
    }
}

/// Times (s) of the frames of `path` that flash white, from its decoded frames at 29.97 fps.
fn flashes(path: &Path) -> Vec<f64> {
    thumbnails(path)
        .iter()
        .enumerate()
        .filter(|(_, frame)| frame.iter().map(|p| u64::from(*p)).sum::<u64>() / frame.len() as u64 > 128)
        .map(|(index, _)| index as f64 * 1001.0 / 30_000.0)
        .collect()
}

/// Times (s) at which a beep starts in the audio of `path`, after at least half a second of quiet.
fn beeps(path: &Path) -> Vec<f64> {
    let pcm = decoded(path, &["-map", "0:a:0", "-ac", "1", "-ar", "8000", "-f", "s16le"]);
    let samples: Vec<i16> = pcm.chunks_exact(2).map(|b| i16::from_le_bytes([b[0], b[1]])).collect();
    let mut onsets = Vec::new();
    // the start counts as quiet: a beep can open the output
    let mut quiet = usize::MAX;
    for (index, sample) in samples.iter().enumerate() {
        if sample.unsigned_abs() > 3_000 {
            if quiet >= 4_000 {
                onsets.push(index as f64 / 8_000.0);
            }
            quiet = 0;
        } else {
            quiet = quiet.saturating_add(1);
        }
    }
    onsets
}

/// `seconds` at 29.97 fps whose picture flashes white on every 150th frame (1-s GOPs) while a
/// 20-ms beep starts.
fn flashes_and_beeps(dir: &TestDir, seconds: u32, size: &str) -> std::path::PathBuf {
    let media = dir.path().join(format!("flashes-{seconds}.mp4"));
    let picture = format!(
        "color=c=black:s={size}:r=30000/1001:d={seconds},drawbox=x=0:y=0:w=iw:h=ih:color=white:t=fill:enable='eq(mod(n\\,150)\\,0)'"
    );
    let sound = format!("aevalsrc=exprs='0.5*sin(2*PI*1000*t)*lt(mod(t\\,5.005)\\,0.02)':s=48000:d={seconds}");
    let path = media.to_str().expect("path");
    ffmpeg(
        &["-f", "lavfi", "-i", &picture, "-f", "lavfi", "-i", &sound, "-c:v", "libx264", "-preset", "ultrafast"]
            .into_iter()
            .chain(["-g", "30", "-pix_fmt", "yuv420p", "-c:a", "aac", path])
            .collect::<Vec<_>>(),
    );
    media
}

/// Renders `segments` of `media` and checks that every flash kept sounds within one frame of its
/// beep, and that the video lasts the kept time within a frame.
fn stays_in_sync(dir: &TestDir, media: &Path, segments: Vec<(u64, u64)>, width: u32, height: u32, smart: bool) {
    let worker = FakeWorker::start(std::fs::read(media).expect("media"));
    let mode = if smart { "always" } else { "never" };
    let container = Container::start(dir.path(), &[("MEDIA_SMART_RENDER", mode)]);
    let kept: u64 = segments.iter().map(|(start, end)| end - start).sum();
    let spec = RenderSpec {
        width: Some(width),
        height: Some(height),
        video_bitrate_kbps: Some(200),
        ..spec(RenderFormat::Mp4, segments, true)
    };
    assert_eq!(container.post(&worker.render_job("job_sync", spec)).0, 202);
    let output = dir.path().join(format!("sync-{smart}.mp4"));
    rendered(&worker, &container, &output);
    assert_eq!(container.logs().contains("smart render:"), smart, "{}", container.logs());
    let (flashes, beeps) = (flashes(&output), beeps(&output));
    let expected_flashes = kept / 5_005 / 2;
    assert!(flashes.len() as u64 >= expected_flashes, "{} flashes kept", flashes.len());
    let frame = 1001.0 / 30_000.0;
    for flash in &flashes {
        let nearest = beeps.iter().map(|beep| beep - flash).min_by(|a, b| a.abs().total_cmp(&b.abs()));
        let offset = nearest.expect("beeps");
        assert!(offset.abs() <= frame, "the flash at {flash:.3} s sounds {offset:.4} s off (smart {smart})");
    }
    let probe = ffprobe(&output);
    let video = ffprobe_stream(&probe, "video")["duration"].as_str().and_then(|d| d.parse::<f64>().ok());
    let kept = kept as f64 / 1000.0;
    assert!(video.is_some_and(|d| (d - kept).abs() <= frame), "video {video:?} s for {kept} s");
}

/// An hour at 29.97 fps cut 600 times at arbitrary milliseconds, encoded fully: every flash still
/// sounds within one frame of its beep, at the end as at the start.
#[test]
fn an_hour_at_29_97_fps_cut_600_times_stays_in_sync() {
    let dir = TestDir::new("sync-hour");
    let media = flashes_and_beeps(&dir, 3_600, "32x32");
    let segments = (0..600).map(|i| (i * 6_000 + 7, i * 6_000 + 4_017)).collect();
    stays_in_sync(&dir, &media, segments, 32, 32, false);
}

/// The same by smart rendering: two minutes cut 20 times, whole GOPs copied, the edges encoded.
#[test]
fn a_smart_render_at_29_97_fps_stays_in_sync() {
    let dir = TestDir::new("sync-smart");
    let media = flashes_and_beeps(&dir, 120, "160x96");
    let segments = (0..20).map(|i| (i * 6_000 + 7, i * 6_000 + 4_517)).collect();
    stays_in_sync(&dir, &media, segments, 160, 96, true);
}

/// The ffmpeg processes working in `dir`.
fn ffmpegs_in(dir: &Path) -> usize {
    let pattern = format!("ffmpeg.*{}", dir.display());
    let found = Command::new("pgrep").args(["-f", &pattern]).output().expect("pgrep");
    String::from_utf8_lossy(&found.stdout).lines().count()
}

/// A container killed outright (SIGKILL: no cleanup runs) takes its ffmpeg with it.
#[test]
fn a_killed_container_leaves_no_ffmpeg_running() {
    let dir = TestDir::new("killed");
    let media = dir.path().join("minute.mp4");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=1280x720:rate=30:duration=60",
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=440:duration=60",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-c:a",
        "aac",
        media.to_str().expect("path"),
    ]);
    let worker = FakeWorker::start(std::fs::read(&media).expect("media"));
    let container = Container::start(dir.path(), &[]);
    let spec = RenderSpec { width: Some(640), height: Some(360), ..spec(RenderFormat::Mp4, vec![(0, 59_000)], false) };
    assert_eq!(container.post(&worker.render_job("job_killed", spec)).0, 202);
    let work = dir.path().join("work");
    assert!(wait_until(Duration::from_secs(20), || ffmpegs_in(&work) > 0), "the encode never started");
    drop(container);
    let gone = wait_until(Duration::from_secs(3), || ffmpegs_in(&work) == 0);
    assert!(gone, "ffmpeg outlived its container");
}

/// A render of 320 MB, more than a request to the worker may carry: it goes up in parts of
/// `OUTPUT_PART_BYTES`, no request over Cloudflare's 100 MB, and arrives whole.
#[test]
fn a_render_larger_than_a_request_goes_up_in_parts() {
    let dir = TestDir::new("large-output");
    let media = dir.path().join("noise.mp4");
    // noise barely compresses: 35 s of it at 640×360 is over 300 MB
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "color=gray:s=640x360:r=30,noise=alls=100:allf=t+u",
        "-f",
        "lavfi",
        "-i",
        "sine=duration=35",
        "-t",
        "35",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-qp",
        "12",
        "-g",
        "30",
        "-pix_fmt",
        "yuv420p",
        "-c:a",
        "aac",
        "-b:a",
        "64k",
        media.to_str().expect("path"),
    ]);
    let source = std::fs::read(&media).expect("media");
    assert!(source.len() > 300_000_000, "{} bytes", source.len());
    let worker = FakeWorker::start(source);
    let container = Container::start(dir.path(), &[("MEDIA_SMART_RENDER", "always")]);
    // the whole recording with its video copied: the render is about as large as the source
    let job = worker.render_job("job_large", spec(RenderFormat::Mp4, Vec::new(), true));
    assert_eq!(container.post(&job).0, 202);
    let file = match worker.wait_for_result(&container) {
        JobOutcome::Succeeded { result: JobResult::Render(file) } => file,
        other => panic!("not a render: {other:?}; container log:\n{}", container.logs()),
    };
    let seen = worker.seen();
    let render = &seen.outputs["render"];
    assert_eq!(render.bytes.len() as u64, file.size_bytes);
    assert!(file.size_bytes > 300_000_000, "{}", file.size_bytes);
    let parts = file.size_bytes.div_ceil(roughcut_shared::jobs::OUTPUT_PART_BYTES) as usize;
    assert_eq!(seen.output_requests.len(), parts, "one request per part: {:?}", seen.output_requests);
    assert!(seen.output_requests.iter().all(|size| *size <= support::MAX_REQUEST_BODY));
    let output = dir.path().join("render.mp4");
    std::fs::write(&output, &render.bytes).expect("write");
    assert!(ffprobe_duration_ms(&ffprobe(&output)).abs_diff(35_000) < 100, "the whole recording");
}

/// An output the worker refuses (4xx) would be refused again: the render fails for good.
#[test]
fn a_refused_output_fails_the_render_for_good() {
    let dir = TestDir::new("refused-output");
    let media = source(&dir);
    let worker = FakeWorker::start(std::fs::read(&media).expect("media"));
    worker.refuse_outputs(413);
    let container = Container::start(dir.path(), &[]);
    assert_eq!(
        container.post(&worker.render_job("job_refused", spec(RenderFormat::M4a, vec![(0, 5_000)], false))).0,
        202
    );
    match worker.wait_for_result(&container) {
        JobOutcome::Failed(failure) => {
            assert_eq!((failure.error_code.as_str(), failure.retryable), ("output_rejected", false), "{failure:?}");
        }
        other => panic!("a refused output ended {other:?}"),
    }
    assert_eq!(worker.seen().output_requests.len(), 1, "sent once, not again");
}
