//! CMX3600 EDL: one event per kept segment, channel `B` (video and audio 1) or `A` for sound
//! alone, reel `AX` with the file in `* FROM CLIP NAME:` / `* FROM CLIP:` (what OTIO, Resolve and
//! Premiere read; `* SOURCE FILE:` is ignored by OTIO). Drop-frame timecodes (`;`) at 29.97 and
//! 59.94. EDLs carry no rate: readers must be told it.

use super::super::timeline::timecode::timecode;
use crate::timeline::Timeline;

pub fn write(timeline: &Timeline) -> String {
    let rate = &timeline.rate;
    let title: String = timeline.name.chars().filter(|c| !c.is_control()).take(70).collect();
    let mut out =
        format!("TITLE: {title}\nFCM: {}\n\n", if rate.drop_frame() { "DROP FRAME" } else { "NON-DROP FRAME" });
    let channel = if timeline.has_video() { "B" } else { "A" };
    let single_line = |text: &str| text.chars().filter(|c| !c.is_control()).collect::<String>();
    for (index, clip) in timeline.clips.iter().enumerate() {
        let source = clip.source_range;
        let record_end = clip.record_start + source.duration;
        out += &format!(
            "{:03}  AX       {channel:<5} C        {} {} {} {}\n* FROM CLIP NAME: {}\n* FROM CLIP: {}\n\n",
            index + 1,
            timecode(source.start_time, rate),
            timecode(source.end_time_exclusive(), rate),
            timecode(clip.record_start, rate),
            timecode(record_end, rate),
            single_line(&timeline.source.name),
            single_line(&timeline.source.url),
        );
    }
    out
}
