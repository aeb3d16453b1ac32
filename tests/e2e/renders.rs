//! Renders through the real stack: the talk of the cuts tests, cut, rendered by the media
//! container as mp4 and mov (smart: its whole GOPs copied), m4a (AAC packet copy) and mp3, each
//! checked with ffprobe — codecs, container, size, duration against the cut's kept duration, audio
//! and video starting together; 4K, 1080p and vertical sources at every tier; and the request
//! rules: the validation matrix, the state gates, idempotency, isolation, hard delete.

use std::process::Command;

use serde_json::{Value, json};
use ureq::http::Method;

use roughcut_tests::client::Account;
use roughcut_tests::stack::Stack;

use crate::Test;
use crate::cuts::{completed, ready, scratch, talk, transcript_json, wait_for};
use crate::processing::ffmpeg;

pub fn tests() -> Vec<Test> {
    vec![
        ("renders::every_format_of_a_cut_and_the_rules", every_format_of_a_cut_and_the_rules),
        ("renders::audio_of_a_video_still_uploading", audio_of_a_video_still_uploading),
        ("renders::an_mp3_renders_to_its_end_then_its_project_goes", an_mp3_renders_to_its_end_then_its_project_goes),
        ("renders::a_browser_recording_renders_to_mp4", a_browser_recording_renders_to_mp4),
        ("renders::a_video_without_sound_renders_with_a_silent_soundtrack", a_video_without_sound),
    ]
}

/// Tests that watch the media container's processes and files, or load the machine with 4K
/// encodes (which starve the tests running beside them on two cores), run alone.
pub fn exclusive_tests() -> Vec<Test> {
    vec![
        ("renders::a_delete_stops_an_encode_and_leaves_nothing", a_delete_stops_an_encode_and_leaves_nothing),
        ("renders::every_tier_of_landscape_4k_1080p_and_vertical_sources", every_tier_of_4k_1080p_and_vertical_sources),
    ]
}

pub fn rendered(account: &Account, render_id: &str) -> Value {
    wait_for("the render", || {
        let render = account.api.get(&format!("/v1/renders/{render_id}")).expect(200).json();
        matches!(render["state"].as_str(), Some("completed" | "failed")).then_some(render)
    })
}

fn probe(stack: &Stack, render: &Value, name: &str) -> Value {
    let url = render["download_url"].as_str().expect("a download URL once completed");
    let (status, _, bytes) = stack.anonymous().send_for_bytes(Method::GET, url, &[]);
    assert_eq!(status, 200);
    let path = scratch(name);
    std::fs::write(&path, bytes).expect("render file");
    let output = Command::new("ffprobe")
        .args(["-v", "error", "-show_format", "-show_streams", "-of", "json"])
        .arg(&path)
        .output()
        .expect("ffprobe");
    serde_json::from_slice(&output.stdout).expect("ffprobe JSON")
}

fn stream<'a>(probe: &'a Value, kind: &str) -> Option<&'a Value> {
    probe["streams"].as_array()?.iter().find(|s| s["codec_type"] == kind)
}

fn seconds(value: &Value) -> f64 {
    value.as_str().and_then(|s| s.parse().ok()).unwrap_or_else(|| panic!("not seconds: {value}"))
}

fn every_format_of_a_cut_and_the_rules(stack: &Stack) {
    let (account, project) = stack.funded_account("renders", 30);
    let talk = talk();
    let asset_id = account.upload_file(&project, &talk.video);
    assert_eq!(ready(&account, &asset_id)["state"], "ready");
    account.api.post(&format!("/v1/assets/{asset_id}/transcript"), &transcript_json(talk)).expect(200);
    let cut = account.api.post("/v1/cuts", &json!({ "asset_id": asset_id })).expect(201).json();
    let cut_id = cut["id"].as_str().expect("cut id").to_owned();
    let cut = completed(&account, &cut_id);
    let kept = seconds(&cut["kept_duration_seconds"]);
    let frame = 1.0 / 30.0;

    let render = |output: Value| {
        account.api.post("/v1/renders", &json!({ "asset_id": asset_id, "cut_id": cut_id, "output": output }))
    };
    let mp4 = render(json!({ "format": "mp4" })).expect(201).json();
    let again = render(json!({ "format": "mp4" })).expect(200).json();
    assert_eq!(mp4["id"], again["id"], "the same asset, cut and output are the same render");
    let mov = render(json!({ "format": "mov", "audio_bitrate": 128 })).expect(201).json();
    let m4a = render(json!({ "format": "m4a" })).expect(201).json();
    let mp3 = account
        .api
        .post("/v1/renders", &json!({ "asset_id": asset_id, "output": { "format": "mp3", "audio_bitrate": 192 } }))
        .expect(201)
        .json();
    assert_eq!((mp4["output"]["width"].as_u64(), mp4["output"]["height"].as_u64()), (Some(320), Some(240)));

    for (render, container, expected) in [(&mp4, "mp4", kept), (&mov, "mov", kept)] {
        let id = render["id"].as_str().expect("id");
        let done = rendered(&account, id);
        assert_eq!((done["state"].as_str(), done["progress"].as_f64()), (Some("completed"), Some(1.0)), "{done}");
        let probed = probe(stack, &done, &format!("{id}.{container}"));
        assert!(probed["format"]["format_name"].as_str().is_some_and(|f| f.contains("mov")), "{container}: {probed}");
        let video = stream(&probed, "video").expect("video");
        let audio = stream(&probed, "audio").expect("audio");
        assert_eq!((video["codec_name"].as_str(), audio["codec_name"].as_str()), (Some("h264"), Some("aac")));
        assert_eq!((video["width"].as_u64(), video["height"].as_u64()), (Some(320), Some(240)));
        let duration = seconds(&video["duration"]);
        assert!(
            (duration - expected).abs() <= frame + 1e-3,
            "{container}: video {duration} s for a cut of {expected} s"
        );
        let starts = (seconds(&video["start_time"]), seconds(&audio["start_time"]));
        assert!((starts.0 - starts.1).abs() <= frame, "{container}: audio and video start together: {starts:?}");
        assert!(seconds(&done["duration_seconds"]) > 0.0);
    }
    let log = stack.log_text("media-container");
    assert!(log.contains("smart render:"), "the cut's whole GOPs were copied:\n{log}");
    for (render, name, codec, expected) in
        [(&m4a, "m4a", "aac", kept), (&mp3, "mp3", "mp3", talk.speech_ms as f64 / 1000.0)]
    {
        let id = render["id"].as_str().expect("id");
        let done = rendered(&account, id);
        assert_eq!(done["state"], "completed", "{done}");
        let probed = probe(stack, &done, &format!("{id}.{name}"));
        assert!(stream(&probed, "video").is_none(), "{name} is audio only");
        assert_eq!(stream(&probed, "audio").expect("audio")["codec_name"], codec);
        let duration = seconds(&probed["format"]["duration"]);
        assert!((duration - expected).abs() <= 0.06, "{name}: {duration} s for {expected} s");
    }
    // lists omit download URLs; filters
    let listed = account.api.get(&format!("/v1/renders?asset_id={asset_id}&cut_id={cut_id}")).expect(200).json();
    assert_eq!(listed["total"], 3);
    assert!(listed["items"].as_array().expect("items").iter().all(|r| r["download_url"].is_null()));
    assert_eq!(account.api.get("/v1/renders?state=completed").expect(200).json()["total"], 4);

    // the validation matrix
    let field_of = |body: Value| {
        let error = account.api.post("/v1/renders", &body).expect_error(422, "validation_error");
        error["error"]["fields"][0]["field"].as_str().unwrap_or_default().to_owned()
    };
    let on = |output: Value| json!({ "asset_id": asset_id, "output": output });
    assert_eq!(
        field_of(on(json!({ "format": "mp4", "resolution": "720p" }))),
        "body.output.resolution",
        "no upscaling"
    );
    assert_eq!(field_of(on(json!({ "format": "mp4", "video_bitrate": 50 }))), "body.output.video_bitrate");
    assert_eq!(field_of(on(json!({ "format": "mp4", "video_bitrate": 7 }))), "body.output.video_bitrate");
    assert_eq!(field_of(on(json!({ "format": "m4a", "resolution": "720p" }))), "body.output.resolution");
    assert_eq!(field_of(on(json!({ "format": "mp3", "audio_bitrate": 100 }))), "body.output.audio_bitrate");
    account.api.post("/v1/renders", &on(json!({ "format": "webm" }))).expect_error(422, "validation_error");
    let tone = scratch("render-tone.m4a");
    let status = Command::new("ffmpeg")
        .args(["-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", "sine=frequency=300:duration=5", "-c:a", "aac"])
        .arg(&tone)
        .status()
        .expect("ffmpeg");
    assert!(status.success());
    let audio_asset = account.upload_file(&project, &tone);
    assert_eq!(ready(&account, &audio_asset)["state"], "ready");
    let video_of_audio = json!({ "asset_id": audio_asset, "output": { "format": "mov" } });
    assert_eq!(field_of(video_of_audio), "body.output.format");
    let foreign_cut = json!({ "asset_id": audio_asset, "cut_id": cut_id, "output": { "format": "m4a" } });
    assert_eq!(field_of(foreign_cut), "body.cut_id");

    // the gates: a cut not completed; an asset still uploading
    let fresh = account
        .api
        .post("/v1/cuts", &json!({ "asset_id": asset_id, "options": { "margin_seconds": 0.3 } }))
        .expect(201)
        .json();
    let pending_cut = json!({ "asset_id": asset_id, "cut_id": fresh["id"], "output": { "format": "m4a" } });
    account.api.post("/v1/renders", &pending_cut).expect_error(409, "modifier_not_ready");
    let uploading = account
        .api
        .post("/v1/assets", &json!({ "project_id": project, "size_bytes": 5_000, "filename": "later.mp4" }))
        .expect(201)
        .json();
    let video_early = json!({ "asset_id": uploading["id"], "output": { "format": "mp4" } });
    account.api.post("/v1/renders", &video_early).expect_error(409, "asset_not_ready");
    let audio_early = json!({ "asset_id": uploading["id"], "output": { "format": "m4a" } });
    account.api.post("/v1/renders", &audio_early).expect_error(409, "asset_processing");

    // isolation, and the hard delete
    let id = mp4["id"].as_str().expect("id");
    let stranger = stack.new_account("renders-stranger");
    stranger.api.get(&format!("/v1/renders/{id}")).expect_error(404, "not_found");
    stranger.api.delete(&format!("/v1/renders/{id}")).expect_error(404, "not_found");
    let download = rendered(&account, id)["download_url"].as_str().expect("url").to_owned();
    account.api.delete(&format!("/v1/renders/{id}")).expect(204);
    account.api.get(&format!("/v1/renders/{id}")).expect_error(404, "not_found");
    let (status, _, _) = stack.anonymous().send_for_bytes(Method::GET, &download, &[]);
    assert_eq!(status, 404, "the file went with the render");
    // rendering again after the delete is a new render
    render(json!({ "format": "mp4" })).expect(201);
}

/// The media container's render attempts now: their work directories (a render's holds its
/// filter graph) and their ffmpeg processes. Processing jobs of other tests may run beside them.
/// A 1-s recording of `width`×`height` at 30 fps with a tone, a key frame every half second,
/// small in bytes (the local stack handles 4K files slowly enough to stall under load).
fn recording(name: &str, width: u32, height: u32) -> std::path::PathBuf {
    let path = scratch(name);
    let picture = format!("testsrc2=size={width}x{height}:rate=30:duration=1");
    let status = Command::new("ffmpeg")
        .args(["-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", &picture, "-f", "lavfi", "-i"])
        .args(["sine=frequency=440:duration=1:sample_rate=48000", "-c:v", "libx264", "-preset", "ultrafast"])
        .args(["-crf", "40", "-g", "15", "-pix_fmt", "yuv420p", "-c:a", "aac"])
        .arg(&path)
        .status()
        .expect("ffmpeg");
    assert!(status.success(), "generating {name}");
    path
}

fn every_tier_of_4k_1080p_and_vertical_sources(stack: &Stack) {
    let (account, project) = stack.funded_account("render-tiers", 10);
    let sources = [
        (
            "4k.mp4",
            3840,
            2160,
            vec![("mp4", "4k", (3840, 2160)), ("mov", "1080p", (1920, 1080)), ("mp4", "720p", (1280, 720))],
        ),
        ("1080p.mp4", 1920, 1080, vec![("mov", "1080p", (1920, 1080)), ("mp4", "720p", (1280, 720))]),
        ("vertical.mp4", 1080, 1920, vec![("mp4", "1080p", (1080, 1920)), ("mov", "720p", (720, 1280))]),
    ];
    let frame = 1.0 / 30.0;
    for (name, width, height, renders) in sources {
        let asset_id = account.upload_file(&project, &recording(name, width, height));
        let asset = ready(&account, &asset_id);
        assert_eq!(asset["state"], "ready", "{asset}");
        let source_seconds = seconds(&asset["duration_seconds"]);
        if height.min(width) < 2160 {
            let error = account
                .api
                .post(
                    "/v1/renders",
                    &json!({ "asset_id": asset_id, "output": { "format": "mp4", "resolution": "4k" } }),
                )
                .expect_error(422, "validation_error");
            assert_eq!(error["error"]["fields"][0]["field"], "body.output.resolution", "{name}: no upscaling");
        }
        let posted: Vec<(Value, &str, (u64, u64))> = renders
            .iter()
            .map(|(format, tier, size)| {
                let output = json!({ "format": format, "resolution": tier });
                let render = account.api.post("/v1/renders", &json!({ "asset_id": asset_id, "output": output }));
                (render.expect(201).json(), *format, (size.0, size.1))
            })
            .collect();
        for (render, format, (width, height)) in posted {
            let id = render["id"].as_str().expect("id");
            let done = rendered(&account, id);
            assert_eq!(done["state"], "completed", "{name} {format}: {done}");
            assert_eq!(
                (done["output"]["width"].as_u64(), done["output"]["height"].as_u64()),
                (Some(width), Some(height))
            );
            let probed = probe(stack, &done, &format!("{id}.{format}"));
            assert!(probed["format"]["format_name"].as_str().is_some_and(|f| f.contains("mov")), "{probed}");
            let video = stream(&probed, "video").expect("video");
            let audio = stream(&probed, "audio").expect("audio");
            assert_eq!((video["codec_name"].as_str(), audio["codec_name"].as_str()), (Some("h264"), Some("aac")));
            let size = (video["width"].as_u64(), video["height"].as_u64());
            assert_eq!(size, (Some(width), Some(height)), "{name} as {format} {width}x{height}");
            let duration = seconds(&video["duration"]);
            assert!((duration - source_seconds).abs() <= frame + 1e-3, "{name} {format}: {duration} s");
            let starts = (seconds(&video["start_time"]), seconds(&audio["start_time"]));
            assert!((starts.0 - starts.1).abs() <= frame, "{name} {format}: starts {starts:?}");
        }
    }
}

fn a_browser_recording_renders_to_mp4(stack: &Stack) {
    // what MediaRecorder writes: VP8 and Opus in a live WebM (no Duration, no Cues)
    let (account, project) = stack.funded_account("render-webm", 10);
    let path = scratch("recorded.webm");
    let status = Command::new("ffmpeg")
        .args(["-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30:duration=3"])
        .args(["-f", "lavfi", "-i", "sine=frequency=440:duration=3:sample_rate=48000", "-c:v", "libvpx"])
        .args(["-deadline", "realtime", "-c:a", "libopus", "-live", "1"])
        .arg(&path)
        .status()
        .expect("ffmpeg");
    assert!(status.success(), "generating the recording");
    let asset_id = account.upload_file(&project, &path);
    let asset = ready(&account, &asset_id);
    assert_eq!((asset["state"].as_str(), asset["type"].as_str()), (Some("ready"), Some("video")), "{asset}");
    let output = json!({ "format": "mp4" });
    let render = account.api.post("/v1/renders", &json!({ "asset_id": asset_id, "output": output })).expect(201).json();
    let done = rendered(&account, render["id"].as_str().expect("id"));
    assert_eq!(done["state"], "completed", "{done}");
    let probed = probe(stack, &done, "recorded.mp4");
    let video = stream(&probed, "video").expect("video");
    let audio = stream(&probed, "audio").expect("audio");
    assert_eq!((video["codec_name"].as_str(), audio["codec_name"].as_str()), (Some("h264"), Some("aac")));
    assert_eq!((video["width"].as_u64(), video["height"].as_u64()), (Some(640), Some(360)));
    let duration = seconds(&video["duration"]);
    assert!((duration - 3.0).abs() <= 0.05, "{duration} s");
}

/// A screen capture or a test picture with no audio track: it is processed, cut (whole: no sound
/// to judge) and rendered to MP4 with a silent AAC soundtrack; an audio format of it is refused.
fn a_video_without_sound(stack: &Stack) {
    let (account, project) = stack.funded_account("render-silent", 10);
    let picture = ["-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25:duration=4"];
    // an MP4 and a browser's screen recording (VP8 in WebM)
    let files = [
        ffmpeg("picture-only.mp4", &picture),
        ffmpeg("screen.webm", &[&picture[..], &["-c:v", "libvpx", "-deadline", "realtime"]].concat()),
    ];
    for path in &files {
        let name = path.file_name().and_then(|n| n.to_str()).expect("name");
        let asset_id = account.upload_file(&project, path);
        let asset = ready(&account, &asset_id);
        assert_eq!((asset["state"].as_str(), asset["type"].as_str()), (Some("ready"), Some("video")), "{asset}");
        assert!(asset["media"]["audio"].is_null(), "{asset}");
        let cut = account.api.post("/v1/cuts", &json!({ "asset_id": asset_id })).expect(201).json();
        let cut = completed(&account, cut["id"].as_str().expect("id"));
        assert_eq!(cut["state"], "completed", "{cut}");
        let body = json!({ "asset_id": asset_id, "cut_id": cut["id"], "output": { "format": "mp4" } });
        let render = account.api.post("/v1/renders", &body).expect(201).json();
        let done = rendered(&account, render["id"].as_str().expect("id"));
        assert_eq!(done["state"], "completed", "{name}: {done}");
        let probed = probe(stack, &done, &format!("{name}.mp4"));
        let (video, audio) = (stream(&probed, "video").expect("video"), stream(&probed, "audio").expect("audio"));
        assert_eq!((video["codec_name"].as_str(), audio["codec_name"].as_str()), (Some("h264"), Some("aac")));
        assert!((seconds(&video["duration"]) - 4.0).abs() <= 0.05, "{name}: {video}");
        assert!((seconds(&audio["duration"]) - 4.0).abs() <= 0.1, "{name}: {audio}");
        for format in ["m4a", "mp3"] {
            let body = json!({ "asset_id": asset_id, "output": { "format": format } });
            let refused = account.api.post("/v1/renders", &body).expect_error(422, "validation_error");
            assert_eq!(refused["error"]["fields"][0]["field"], "body.output.format", "{refused}");
        }
    }
}

/// A minute of 1080p: long enough to encode that a DELETE or a cancel lands mid-encode.
pub fn long_1080p() -> std::path::PathBuf {
    let source = scratch("long-1080p.mp4");
    let status = Command::new("ffmpeg")
        .args(["-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=30", "-f", "lavfi"])
        .args([
            "-i",
            "sine=frequency=300:duration=60",
            "-t",
            "60",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-crf",
            "28",
        ])
        .args(["-c:a", "aac"])
        .arg(&source)
        .status()
        .expect("ffmpeg");
    assert!(status.success());
    source
}

/// The media container's encodes in flight: their work directories and ffmpeg processes.
pub fn container_work(stack: &Stack) -> (usize, usize) {
    let dirs = std::fs::read_dir(stack.media_work_dir())
        .map_or(0, |entries| entries.flatten().filter(|e| e.path().join("graph.txt").exists()).count());
    let pattern = format!("ffmpeg.*{}.*filter_complex_script", stack.media_work_dir().to_string_lossy());
    let ffmpeg = Command::new("pgrep").args(["-f", &pattern]).output().expect("pgrep");
    (dirs, String::from_utf8_lossy(&ffmpeg.stdout).lines().count())
}

fn a_delete_stops_an_encode_and_leaves_nothing(stack: &Stack) {
    let (account, project) = stack.funded_account("renders-delete", 30);
    let source = long_1080p();
    let asset_id = account.upload_file(&project, &source);
    assert_eq!(ready(&account, &asset_id)["state"], "ready");
    let render = account
        .api
        // a smaller tier, so that the picture is encoded rather than copied
        .post("/v1/renders", &json!({ "asset_id": asset_id, "output": { "format": "mp4", "resolution": "720p" } }))
        .expect(201)
        .json();
    let id = render["id"].as_str().expect("id").to_owned();
    wait_for("the encode to start", || {
        let (dirs, encoders) = container_work(stack);
        (dirs > 0 && encoders > 0).then_some(Value::Null)
    });
    std::thread::sleep(std::time::Duration::from_secs(1));
    assert_eq!(account.api.get(&format!("/v1/renders/{id}")).expect(200).json()["state"], "processing");
    let deleted_at = std::time::Instant::now();
    account.api.delete(&format!("/v1/renders/{id}")).expect(204);
    account.api.get(&format!("/v1/renders/{id}")).expect_error(404, "not_found");
    wait_for("the container to stop", || (container_work(stack) == (0, 0)).then_some(Value::Null));
    let stopped = deleted_at.elapsed();
    assert!(stopped.as_secs_f64() <= 5.0, "the encode stopped {stopped:?} after the DELETE");
    assert!(stack.log_text("media-container").contains("cancelled"), "the container says why it stopped");
    assert_eq!(account.api.get(&format!("/v1/renders?asset_id={asset_id}")).expect(200).json()["total"], 0);
}

/// The browser's path: the audio track goes up first as a proxy and makes the asset cuttable; an
/// audio render then runs off the proxy while the video is still on its way.
fn audio_of_a_video_still_uploading(stack: &Stack) {
    let (account, project) = stack.funded_account("render from a proxy", 10);
    let talk = talk();
    let size = std::fs::metadata(&talk.video).expect("talk").len();
    let body = json!({ "project_id": project, "size_bytes": size, "filename": "talk.mp4" });
    let asset_id = account.api.post("/v1/assets", &body).expect(201).json()["id"].as_str().expect("id").to_owned();
    let proxy = std::fs::read(ffmpeg("proxy.m4a", &["-i", &talk.video.to_string_lossy(), "-vn", "-c:a", "copy"]))
        .expect("proxy");
    let created =
        account.api.post(&format!("/v1/assets/{asset_id}/audio-proxy"), &json!({ "size_bytes": proxy.len() }));
    let url = created.expect(201).header("location").expect("Location").to_owned();
    let headers =
        [("tus-resumable", "1.0.0"), ("upload-offset", "0"), ("content-type", "application/offset+octet-stream")];
    account.api.send_with(Method::PATCH, &url, &headers, proxy).expect(204);
    let asset = wait_for("the proxy to make the asset cuttable", || {
        let asset = account.api.get(&format!("/v1/assets/{asset_id}")).expect(200).json();
        (asset["cuttable"] == true).then_some(asset)
    });
    assert_eq!(asset["state"], "pending_upload", "the video is still on its way: {asset}");
    let output = json!({ "asset_id": asset_id, "output": { "format": "m4a" } });
    let render = account.api.post("/v1/renders", &output).expect(201).json();
    let done = rendered(&account, render["id"].as_str().expect("id"));
    assert_eq!(done["state"], "completed", "{done}");
    let probed = probe(stack, &done, "from-proxy.m4a");
    assert!(stream(&probed, "video").is_none());
    assert_eq!(stream(&probed, "audio").expect("audio")["codec_name"], "aac");
    let duration = seconds(&probed["format"]["duration"]);
    assert!((duration - talk.speech_ms as f64 / 1000.0).abs() <= 0.1, "{duration} s of {} ms", talk.speech_ms);
}

/// An MP3's probe counts neither the encoder's delay nor its padding, and its render reaches its
/// very end in one attempt; a cut of it renders to the cut's length (an MP3 made from the talk at
/// libmp3lame's defaults, rendered at 128 kbps). Then its project is deleted with everything under
/// it: asset, cut, renders and their bytes.
fn an_mp3_renders_to_its_end_then_its_project_goes(stack: &Stack) {
    let (account, project) = stack.funded_account("mp3 source", 10);
    let talk = talk();
    let source = ffmpeg("talk.mp3", &["-i", &talk.video.to_string_lossy(), "-vn", "-c:a", "libmp3lame"]);
    let asset_id = account.upload_file(&project, &source);
    let asset = ready(&account, &asset_id);
    assert_eq!(asset["state"], "ready");
    account.api.post(&format!("/v1/assets/{asset_id}/transcript"), &transcript_json(talk)).expect(200);
    let cut = account.api.post("/v1/cuts", &json!({ "asset_id": asset_id })).expect(201).json();
    let cut = completed(&account, cut["id"].as_str().expect("cut id"));
    assert_eq!(cut["state"], "completed", "{cut}");
    let spans = cut["segments"].as_array().map_or(0, Vec::len) as f64;
    assert!(spans > 1.0, "the talk's cut keeps several spans: {cut}");
    let mut downloads = Vec::new();
    let whole = seconds(&asset["duration_seconds"]);
    // a cut falls on the source's MP3 frames (26 ms at 44.1 kHz) at each edge of each span
    let cut_tolerance = 2.0 * spans * 0.027 + 0.06;
    for (cut_id, name, expected, tolerance) in [
        (Value::Null, "whole.mp3", whole, 0.06),
        (cut["id"].clone(), "cut.mp3", seconds(&cut["kept_duration_seconds"]), cut_tolerance),
    ] {
        let body =
            json!({ "asset_id": asset_id, "cut_id": cut_id, "output": { "format": "mp3", "audio_bitrate": 128 } });
        let render = account.api.post("/v1/renders", &body).expect(201).json();
        let done = rendered(&account, render["id"].as_str().expect("id"));
        assert_eq!(done["state"], "completed", "{name}: {done}");
        let jobs = stack
            .admin()
            .get(&format!("/admin/v1/jobs?subject_id={}", done["id"].as_str().unwrap_or("")))
            .expect(200)
            .json();
        assert!(
            jobs.as_array().is_some_and(|jobs| jobs.iter().all(|j| j["attempt"] == 1)),
            "{name}: one attempt: {jobs}"
        );
        let probed = probe(stack, &done, name);
        assert_eq!(stream(&probed, "audio").expect("audio")["codec_name"], "mp3");
        let duration = seconds(&probed["format"]["duration"]);
        assert!((duration - expected).abs() <= tolerance, "{name}: {duration} s for {expected} s");
        downloads.push((
            done["id"].as_str().expect("id").to_owned(),
            done["download_url"].as_str().expect("url").to_owned(),
        ));
    }
    account.api.delete(&format!("/v1/projects/{project}")).expect(204);
    account.api.get(&format!("/v1/projects/{project}")).expect_error(404, "not_found");
    account.api.get(&format!("/v1/assets/{asset_id}")).expect_error(404, "not_found");
    account.api.get(&format!("/v1/cuts/{}", cut["id"].as_str().unwrap_or_default())).expect_error(404, "not_found");
    for (render_id, url) in downloads {
        account.api.get(&format!("/v1/renders/{render_id}")).expect_error(404, "not_found");
        let (status, _, _) = stack.anonymous().send_for_bytes(Method::GET, &url, &[]);
        assert_eq!(status, 404, "the render's bytes are gone: {url}");
    }
    account.api.delete(&format!("/v1/projects/{project}")).expect_error(404, "not_found");
}
