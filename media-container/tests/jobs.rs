//! The media container end to end: the real binary dispatched `ProcessAsset` jobs by a fake
//! worker, on media generated with ffmpeg and checked against ffprobe.

mod support;

use std::time::Duration;

use roughcut_engine::analyze::Analysis;
use roughcut_shared::job_signature::{TOLERANCE_SECONDS, sign};
use roughcut_shared::jobs::{JobOutcome, JobResult, ProcessedAsset, SpeechFormat};
use support::{
    Container, FakeWorker, JOB_SECRET, TestDir, ffmpeg, ffprobe, ffprobe_duration_ms, ffprobe_stream, wait_until,
};

fn succeeded(outcome: JobOutcome, container: &Container) -> ProcessedAsset {
    match outcome {
        JobOutcome::Succeeded { result: JobResult::ProcessAsset(asset) } => asset,
        JobOutcome::Succeeded { result } => panic!("not a processing result: {result:?}"),
        JobOutcome::Failed(failure) => panic!("failed: {failure:?}; container log:\n{}", container.logs()),
    }
}

fn u16_at(bytes: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([bytes[at], bytes[at + 1]])
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

/// Checks a 16-bit mono PCM WAV with a canonical 44-byte header; returns its sample count.
fn wav_samples(wav: &[u8], sample_rate: u32) -> u64 {
    assert!(wav.len() >= 44, "{} bytes", wav.len());
    assert_eq!(&wav[..4], b"RIFF");
    assert_eq!(u32_at(wav, 4) as usize, wav.len() - 8, "RIFF size");
    assert_eq!(&wav[8..16], b"WAVEfmt ");
    assert_eq!((u16_at(wav, 20), u16_at(wav, 22), u32_at(wav, 24), u16_at(wav, 34)), (1, 1, sample_rate, 16));
    assert_eq!(&wav[36..40], b"data");
    assert_eq!(u32_at(wav, 40) as usize, wav.len() - 44, "data size");
    (wav.len() as u64 - 44) / 2
}

fn within(actual: u64, expected: u64, tolerance: u64) -> bool {
    actual.abs_diff(expected) <= tolerance
}

#[test]
fn an_audio_file_is_probed_analysed_and_cut_into_speech_chunks() {
    let dir = TestDir::new("audio");
    let media = dir.path().join("tone.m4a");
    // A tone with 100 ms of silence at 0.8–0.9 s of every second: each 1 s chunk must end there.
    let tone = "aevalsrc=exprs=0.5*sin(2*PI*440*t)*(1-between(mod(t\\,1)\\,0.8\\,0.9)):s=44100:d=3";
    ffmpeg(&["-f", "lavfi", "-i", tone, "-c:a", "aac", media.to_str().expect("path")]);
    let probe = ffprobe(&media);
    let expected_ms = ffprobe_duration_ms(&probe);
    let audio_stream = ffprobe_stream(&probe, "audio");

    let worker = FakeWorker::start(std::fs::read(&media).expect("media"));
    let container = Container::start(dir.path(), &[]);
    let format = SpeechFormat { sample_rate: 16_000, max_chunk_seconds: 1, split_window_seconds: 1 };
    let (status, _, body) = container.post(&worker.job("job_audio", 1, Some(format)));
    assert_eq!(status, 202, "{body}");
    assert_eq!(body, serde_json::json!({ "job_id": "job_audio", "attempt": 1 }));

    let asset = succeeded(worker.wait_for_result(&container), &container);
    assert!(within(asset.duration_ms, expected_ms, 50), "{} ms, ffprobe {expected_ms} ms", asset.duration_ms);
    assert!(!asset.has_video && asset.media.video.is_none());
    assert_eq!(asset.media.container, "m4a");
    let audio = asset.media.audio.as_ref().expect("audio media");
    assert_eq!(audio.codec, audio_stream["codec_name"].as_str().expect("codec"));
    assert_eq!(audio.sample_rate.to_string(), audio_stream["sample_rate"].as_str().expect("rate"));
    assert_eq!(u64::from(audio.channels), audio_stream["channels"].as_u64().expect("channels"));

    let seen = worker.seen();
    assert_eq!(asset.analysis.as_deref(), Some("analysis.bin"));
    let stored = &seen.outputs["analysis.bin"];
    assert_eq!(stored.content_type, "application/octet-stream");
    let analysis = Analysis::decode(&stored.bytes).expect("analysis decodes");
    let hops = analysis.envelope.levels.len() as u64;
    assert!(within(hops, expected_ms / 10, 2), "{hops} hops for {expected_ms} ms");

    assert!(asset.speech.len() >= 3, "{:?}", asset.speech);
    let mut next_start_ms = 0;
    let mut total_ms = 0;
    for chunk in &asset.speech {
        let output = seen.outputs.get(&chunk.name).unwrap_or_else(|| panic!("{} was not uploaded", chunk.name));
        assert_eq!(output.content_type, "audio/wav");
        let samples = wav_samples(&output.bytes, 16_000);
        assert!(samples <= 16_000, "{} holds {samples} samples, over 1 s", chunk.name);
        assert_eq!(chunk.duration_ms, samples * 1000 / 16_000, "{}", chunk.name);
        assert!(within(chunk.start_ms, next_start_ms, 1), "{chunk:?} after {next_start_ms} ms");
        next_start_ms = chunk.start_ms + chunk.duration_ms;
        let cut_in_silence = (800..=900).contains(&(next_start_ms % 1000));
        assert!(cut_in_silence || chunk.name == asset.speech[asset.speech.len() - 1].name, "{:?}", asset.speech);
        total_ms += chunk.duration_ms;
    }
    assert!(within(total_ms, expected_ms, 30), "chunks hold {total_ms} ms of {expected_ms} ms");
    assert!(next_start_ms <= expected_ms, "speech runs to {next_start_ms} ms, past the end");
    assert_eq!(seen.outputs.len(), asset.speech.len() + 1, "{:?}", seen.outputs.keys());

    assert!(!seen.heartbeats.is_empty(), "no heartbeat");
    assert!(seen.heartbeats.iter().all(|h| (0.0..=1.0).contains(&h.progress) && !h.stage.is_empty()));
    assert_eq!(seen.input_requests, vec![None], "one plain GET of the input");
    drop(seen);
    assert!(wait_until(Duration::from_secs(5), || container.attempt_dirs() == 0), "work directory left behind");
}

#[test]
fn a_video_file_reports_its_picture_and_sound() {
    let dir = TestDir::new("video");
    let media = dir.path().join("testsrc.mp4");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc=size=320x240:rate=25:duration=2",
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=300:duration=2:sample_rate=48000",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-pix_fmt",
        "yuv420p",
        "-c:a",
        "aac",
        "-ac",
        "2",
        media.to_str().expect("path"),
    ]);
    let probe = ffprobe(&media);
    let (video_stream, audio_stream) = (ffprobe_stream(&probe, "video"), ffprobe_stream(&probe, "audio"));

    let worker = FakeWorker::start(std::fs::read(&media).expect("media"));
    let container = Container::start(dir.path(), &[]);
    assert_eq!(container.post(&worker.job("job_video", 1, None)).0, 202);
    let asset = succeeded(worker.wait_for_result(&container), &container);

    assert!(within(asset.duration_ms, ffprobe_duration_ms(&probe), 50), "{} ms", asset.duration_ms);
    assert!(asset.has_video);
    let video = asset.media.video.as_ref().expect("video media");
    assert_eq!(video.codec, video_stream["codec_name"].as_str().expect("codec"));
    assert_eq!(u64::from(video.width), video_stream["width"].as_u64().expect("width"));
    assert_eq!(u64::from(video.height), video_stream["height"].as_u64().expect("height"));
    assert_eq!(video.frame_rate, video_stream["r_frame_rate"].as_str().expect("rate"));
    let audio = asset.media.audio.as_ref().expect("audio media");
    assert_eq!(audio.codec, audio_stream["codec_name"].as_str().expect("codec"));
    assert_eq!(audio.sample_rate.to_string(), audio_stream["sample_rate"].as_str().expect("rate"));
    assert_eq!(u64::from(audio.channels), audio_stream["channels"].as_u64().expect("channels"));
    assert!(asset.speech.is_empty(), "no speech was asked for");
    assert_eq!(asset.analysis.as_deref(), Some("analysis.bin"));
    let outputs: Vec<String> = worker.seen().outputs.keys().cloned().collect();
    assert_eq!(outputs, vec!["analysis.bin".to_owned()]);
    assert!(wait_until(Duration::from_secs(5), || container.attempt_dirs() == 0), "work directory left behind");
}

/// A camera's PCM in a MOV (which the engine decodes) and 5.1 AAC (which it does not: ffmpeg
/// decodes it for the analysis) are analysed alike: a tone in [0, 1) and [2, 3) s of 4, silence
/// else.
#[test]
fn camera_pcm_and_surround_audio_are_analysed() {
    let dir = TestDir::new("foreign-audio");
    let pattern = "aevalsrc=exprs=0.5*sin(2*PI*1000*t)*lt(mod(t\\,2)\\,1):s=48000:d=4";
    let camera = ["-f", "lavfi", "-i", "testsrc=size=320x240:rate=25:duration=4", "-f", "lavfi", "-i", pattern];
    let sources = [
        ("camera.mov", [&camera[..], &["-c:v", "libx264", "-ac", "2", "-c:a", "pcm_s24le"]].concat(), false),
        ("surround.m4a", vec!["-f", "lavfi", "-i", pattern, "-ac", "6", "-c:a", "aac"], true),
    ];
    for (name, args, through_ffmpeg) in sources {
        let media = dir.path().join(name);
        ffmpeg(&[&args[..], &[media.to_str().expect("path")]].concat());
        let audio_stream = ffprobe_stream(&ffprobe(&media), "audio").clone();
        let worker = FakeWorker::start(std::fs::read(&media).expect("media"));
        let container = Container::start(dir.path(), &[]);
        assert_eq!(container.post(&worker.job(&format!("job_{name}"), 1, None)).0, 202);
        let asset = succeeded(worker.wait_for_result(&container), &container);
        let decoded_by_ffmpeg = container.logs().contains("decoding the audio with ffmpeg");
        assert_eq!(decoded_by_ffmpeg, through_ffmpeg, "{name}: {}", container.logs());
        let audio = asset.media.audio.as_ref().expect("audio media");
        assert_eq!(audio.codec, audio_stream["codec_name"].as_str().expect("codec"), "{name}");
        assert_eq!(u64::from(audio.channels), audio_stream["channels"].as_u64().expect("channels"), "{name}");
        let analysis = Analysis::decode(&worker.seen().outputs["analysis.bin"].bytes).expect("analysis decodes");
        assert!(
            (399..=402).contains(&analysis.envelope.levels.len()),
            "{name}: {} hops",
            analysis.envelope.levels.len()
        );
        for hop in (5..95).chain(205..295) {
            assert!(analysis.voice[hop] && analysis.envelope.levels[hop] > -2500, "{name}: hop {hop} of the tone");
        }
        for hop in (110..195).chain(310..395) {
            assert!(!analysis.voice[hop] && analysis.envelope.levels[hop] < -6000, "{name}: hop {hop} of the silence");
        }
    }
}

/// A fragmented MP4, as Safari's MediaRecorder and OBS write it: probed and analysed like any
/// MP4, its samples read from its fragments.
#[test]
fn a_fragmented_mp4_is_processed() {
    let dir = TestDir::new("fragmented");
    let media = dir.path().join("recorded.mp4");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc=size=320x240:rate=30:duration=3",
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=300:duration=3:sample_rate=48000",
        "-c:v",
        "libx264",
        "-c:a",
        "aac",
        "-movflags",
        "frag_keyframe+empty_moov+default_base_moof",
        media.to_str().expect("path"),
    ]);
    let probe = ffprobe(&media);
    let worker = FakeWorker::start(std::fs::read(&media).expect("media"));
    let container = Container::start(dir.path(), &[]);
    assert_eq!(container.post(&worker.job("job_fragmented", 1, None)).0, 202);
    let asset = succeeded(worker.wait_for_result(&container), &container);
    assert!(within(asset.duration_ms, ffprobe_duration_ms(&probe), 50), "{} ms", asset.duration_ms);
    let video = asset.media.video.as_ref().expect("video media");
    assert_eq!((video.codec.as_str(), video.width, video.frame_rate.as_str()), ("h264", 320, "30/1"));
    assert_eq!(asset.media.audio.as_ref().map(|a| a.codec.as_str()), Some("aac"));
    let analysis = Analysis::decode(&worker.seen().outputs["analysis.bin"].bytes).expect("analysis decodes");
    // 3 s, and the AAC encoder's priming, which fragments may carry without the edit list that
    // would hide it (about 21 ms at 48 kHz)
    assert!((299..=304).contains(&analysis.envelope.levels.len()), "{} hops", analysis.envelope.levels.len());
}

#[test]
fn garbage_that_looks_like_an_mp4_is_unsupported_media() {
    let dir = TestDir::new("garbage");
    let mut bytes = vec![0, 0, 0, 0x18];
    bytes.extend_from_slice(b"ftypisom\0\0\x02\0isommp41");
    let mut state: u32 = 0x1234_5678;
    bytes.extend((0..64 * 1024).map(|_| {
        state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        (state >> 24) as u8
    }));
    let worker = FakeWorker::start(bytes);
    let container = Container::start(dir.path(), &[]);
    let format = SpeechFormat::default();
    assert_eq!(container.post(&worker.job("job_garbage", 1, Some(format))).0, 202);
    match worker.wait_for_result(&container) {
        JobOutcome::Failed(failure) => {
            assert_eq!(failure.error_code, "unsupported_media");
            assert!(!failure.retryable);
            assert!(!failure.error_message.is_empty() && !failure.error_message.contains('/'), "{failure:?}");
        }
        other => panic!("garbage was processed: {other:?}"),
    }
    assert!(worker.seen().outputs.is_empty());
    assert!(wait_until(Duration::from_secs(5), || container.attempt_dirs() == 0), "work directory left behind");
}

#[test]
fn a_cancelled_attempt_stops_removes_its_work_and_reports_nothing() {
    let dir = TestDir::new("cancel");
    let worker = FakeWorker::start(vec![7; 1 << 20]);
    worker.stall_input();
    let container = Container::start(dir.path(), &[]);
    assert_eq!(container.post(&worker.job("job_cancel", 1, Some(SpeechFormat::default()))).0, 202);
    let downloading = wait_until(Duration::from_secs(10), || {
        !worker.seen().input_requests.is_empty() && container.attempt_dirs() == 1
    });
    assert!(downloading, "the attempt never started downloading: {}", container.logs());

    worker.cancel();
    let cleaned = wait_until(Duration::from_secs(5), || container.attempt_dirs() == 0);
    assert!(cleaned, "the work directory outlived the cancel: {}", container.logs());
    // Long enough for a heartbeat or two and any outcome that was coming.
    std::thread::sleep(Duration::from_millis(500));
    let seen = worker.seen();
    assert!(seen.results.is_empty(), "a cancelled attempt reported {:?}", seen.results);
    assert!(seen.outputs.is_empty());
    drop(seen);

    // The worker refusing the attempt's links ends it the same way, and the slot was freed.
    let worker = FakeWorker::start(vec![7; 1 << 20]);
    worker.stall_input();
    assert_eq!(container.post(&worker.job("job_cancel", 2, None)).0, 202);
    let downloading = wait_until(Duration::from_secs(10), || {
        !worker.seen().input_requests.is_empty() && container.attempt_dirs() == 1
    });
    assert!(downloading, "the second attempt never started downloading: {}", container.logs());
    worker.refuse_heartbeats(410);
    let cleaned = wait_until(Duration::from_secs(5), || container.attempt_dirs() == 0);
    assert!(cleaned, "a refused attempt kept running: {}", container.logs());
    std::thread::sleep(Duration::from_millis(500));
    assert!(worker.seen().results.is_empty());
}

#[test]
fn dispatch_is_idempotent_per_attempt_newest_wins_and_capacity_is_bounded() {
    let dir = TestDir::new("dispatch");
    let worker = FakeWorker::start(vec![7; 1 << 20]);
    worker.stall_input();
    let container = Container::start(dir.path(), &[("MEDIA_MAX_JOBS", "1")]);

    let (status, _, body) = container.post_raw(r#"{"job_id": "job_x", "attempt": "#);
    assert_eq!(status, 400);
    assert_eq!(body["error"]["code"], "bad_request", "{body}");
    let mut no_placeholder = worker.job("job_a", 1, None);
    no_placeholder.links.output = format!("{}/outputs/fixed", worker.base);
    assert_eq!(container.post(&no_placeholder).0, 400);

    let job = worker.job("job_a", 2, None);
    let (first, _, accepted) = container.post(&job);
    assert_eq!(first, 202, "{accepted}");
    let (again, _, same) = container.post(&job);
    assert_eq!(again, 200);
    assert_eq!(same, accepted);
    let (stale, _, body) = container.post(&worker.job("job_a", 1, None));
    assert_eq!((stale, &body["error"]["code"]), (409, &serde_json::json!("superseded")));

    let (busy, retry_after, body) = container.post(&worker.job("job_b", 1, None));
    assert_eq!(busy, 503, "{body}");
    assert_eq!(body["error"]["code"], "busy");
    assert_eq!(retry_after.as_deref(), Some("5"));

    // A newer attempt takes the running one's slot and stops it.
    assert!(wait_until(Duration::from_secs(10), || container.attempt_dirs() == 1));
    assert_eq!(container.post(&worker.job("job_a", 3, None)).0, 202);
    assert!(wait_until(Duration::from_secs(10), || worker.seen().input_requests.len() == 2));
    let one_left = wait_until(Duration::from_secs(5), || container.attempt_dirs() == 1);
    assert!(one_left, "the superseded attempt kept its work directory: {}", container.logs());
    assert!(worker.seen().results.is_empty());
}

#[test]
fn an_interrupted_download_resumes_where_it_stopped_and_sizes_are_held_to_the_announcement() {
    let dir = TestDir::new("resume");
    let media = dir.path().join("tone.wav");
    ffmpeg(&["-f", "lavfi", "-i", "sine=frequency=500:duration=1", media.to_str().expect("path")]);
    let bytes = std::fs::read(&media).expect("media");
    let half = bytes.len() / 2;

    let worker = FakeWorker::start(bytes.clone());
    worker.cut_first_input();
    let container = Container::start(dir.path(), &[]);
    assert_eq!(container.post(&worker.job("job_resume", 1, None)).0, 202);
    let asset = succeeded(worker.wait_for_result(&container), &container);
    assert_eq!(asset.media.container, "wav");
    assert_eq!(worker.seen().input_requests, vec![None, Some(format!("bytes={half}-"))]);

    for (job_id, announced) in [("job_short", bytes.len() as u64 + 1), ("job_long", bytes.len() as u64 - 1)] {
        let worker = FakeWorker::start(bytes.clone());
        let mut job = worker.job(job_id, 1, None);
        job.task = roughcut_shared::jobs::MediaTask::ProcessAsset { input_size: announced, speech: None };
        assert_eq!(container.post(&job).0, 202);
        match worker.wait_for_result(&container) {
            JobOutcome::Failed(failure) => {
                assert_eq!((failure.error_code.as_str(), failure.retryable), ("input_unavailable", true), "{job_id}");
            }
            other => panic!("{job_id}: a file of the wrong size was processed: {other:?}"),
        }
    }
    assert!(wait_until(Duration::from_secs(5), || container.attempt_dirs() == 0), "work directory left behind");
}

#[test]
fn only_jobs_the_worker_signed_run() {
    let dir = TestDir::new("signed");
    let worker = FakeWorker::start(vec![7; 1 << 16]);
    let container = Container::start(dir.path(), &[]);
    let body = serde_json::to_string(&worker.job("job_forged", 1, None)).expect("json");
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_secs() as i64;
    let other_secret = "someone-elses-secret-0123456789abcdef";
    let tampered = body.replace("job_forged", "job_tampered");
    for (what, body, signature) in [
        ("unsigned", body.clone(), None),
        ("signed with another secret", body.clone(), Some(sign(other_secret, now, body.as_bytes()))),
        ("signed too long ago", body.clone(), Some(sign(JOB_SECRET, now - TOLERANCE_SECONDS - 60, body.as_bytes()))),
        ("changed after signing", tampered, Some(sign(JOB_SECRET, now, body.as_bytes()))),
        ("malformed signature", body.clone(), Some("v1=zz".to_owned())),
    ] {
        let (status, _, answer) = container.post_signed(&body, signature.as_deref());
        assert_eq!((status, &answer["error"]["code"]), (401, &serde_json::json!("unauthenticated")), "{what}");
    }
    std::thread::sleep(Duration::from_millis(300));
    assert!(worker.seen().input_requests.is_empty(), "a forged job made the container fetch its URL");
    assert_eq!(container.attempt_dirs(), 0);
}

#[test]
fn a_job_past_its_time_limit_fails_for_good() {
    let dir = TestDir::new("timeout");
    let worker = FakeWorker::start(vec![7; 1 << 20]);
    worker.stall_input();
    let container = Container::start(dir.path(), &[("MEDIA_JOB_TIMEOUT_SECONDS", "1")]);
    assert_eq!(container.post(&worker.job("job_slow", 1, None)).0, 202);
    match worker.wait_for_result(&container) {
        JobOutcome::Failed(failure) => {
            assert_eq!((failure.error_code.as_str(), failure.retryable), ("timeout", false), "{failure:?}");
        }
        other => panic!("a stalled job ended {other:?}"),
    }
    assert!(wait_until(Duration::from_secs(5), || container.attempt_dirs() == 0), "{}", container.logs());
}

#[test]
fn a_job_larger_than_the_disk_is_refused_before_its_download() {
    let dir = TestDir::new("disk");
    let worker = FakeWorker::start(vec![7; 1 << 16]);
    let container = Container::start(dir.path(), &[]);
    // a petabyte: no disk here holds it
    assert_eq!(container.post(&worker.job_of_size("job_huge", 1 << 50)).0, 202);
    match worker.wait_for_result(&container) {
        JobOutcome::Failed(failure) => {
            assert_eq!((failure.error_code.as_str(), failure.retryable), ("input_too_large", false), "{failure:?}");
        }
        other => panic!("a petabyte job ended {other:?}"),
    }
    assert!(worker.seen().input_requests.is_empty(), "nothing was downloaded");
}
