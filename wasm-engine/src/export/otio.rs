//! OpenTimelineIO's native JSON (`.otio`): Timeline.1 → Stack.1 → Track.1 (Video, Audio) →
//! Clip.2 with an ExternalReference.1. Rates are written as the exact float of the rational
//! (29.97002997002997, not 29.97: OTIO's SMPTE timecode refuses 29.97).

use serde_json::{Value, json};

use crate::timeline::{TimeRange, Timeline};

fn rational_time(value: u64, rate: f64) -> Value {
    json!({"OTIO_SCHEMA": "RationalTime.1", "rate": rate, "value": value as f64})
}

fn time_range(range: TimeRange, rate: f64) -> Value {
    json!({
        "OTIO_SCHEMA": "TimeRange.1",
        "start_time": rational_time(range.start_time, rate),
        "duration": rational_time(range.duration, rate),
    })
}

pub fn write(timeline: &Timeline) -> String {
    let rate = timeline.rate.as_f64();
    let clips = |kind: &str| -> Value {
        let children: Vec<Value> = timeline
            .clips
            .iter()
            .map(|clip| {
                json!({
                    "OTIO_SCHEMA": "Clip.2",
                    "name": timeline.source.name,
                    "source_range": time_range(clip.source_range, rate),
                    "media_references": {"DEFAULT_MEDIA": {
                        "OTIO_SCHEMA": "ExternalReference.1",
                        "name": timeline.source.name,
                        "target_url": timeline.source.url,
                        "available_range": time_range(timeline.available_range, rate),
                        "metadata": {},
                    }},
                    "active_media_reference_key": "DEFAULT_MEDIA",
                    "metadata": {},
                    "effects": [],
                    "markers": [],
                    "enabled": true,
                })
            })
            .collect();
        let name = if kind == "Video" { "V1" } else { "A1" };
        json!({"OTIO_SCHEMA": "Track.1", "name": name, "kind": kind, "children": children, "metadata": {}, "effects": [], "markers": [], "enabled": true})
    };
    let mut tracks = Vec::new();
    if timeline.has_video() {
        tracks.push(clips("Video"));
    }
    tracks.push(clips("Audio"));
    let document = json!({
        "OTIO_SCHEMA": "Timeline.1",
        "name": timeline.name,
        "global_start_time": rational_time(0, rate),
        "metadata": {"roughcut": {"source_duration_frames": timeline.available_range.duration}},
        "tracks": {"OTIO_SCHEMA": "Stack.1", "name": "tracks", "children": tracks, "metadata": {}, "effects": [], "markers": [], "enabled": true},
    });
    serde_json::to_string_pretty(&document).expect("plain data serialises")
}
