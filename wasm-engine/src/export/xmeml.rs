//! Final Cut Pro 7 XML (xmeml version 5), which Premiere Pro and Resolve import: a sequence
//! with one video track and one audio track of clipitems over one `<file id="file-1">`, written
//! in full at its first use in reading order (video tracks before audio tracks) and by id after.
//! NTSC rates are `<timebase>30</timebase><ntsc>TRUE</ntsc>`; clipitem ids are unique because
//! readers resolve ids globally.

use super::xml_escape;
use crate::timeline::Timeline;
use crate::timeline::timecode::timecode;

pub fn write(timeline: &Timeline) -> String {
    let rate = format!(
        "<rate><timebase>{}</timebase><ntsc>{}</ntsc></rate>",
        timeline.rate.timebase,
        if timeline.rate.ntsc { "TRUE" } else { "FALSE" }
    );
    let available = timeline.available_range.duration;
    let audio = timeline.audio();
    let name = xml_escape(&timeline.source.name);
    let file_full = {
        let video = timeline.source.video.map_or(String::new(), |(width, height, _)| {
            format!("<video><samplecharacteristics><width>{width}</width><height>{height}</height></samplecharacteristics></video>")
        });
        format!(
            "<file id=\"file-1\"><name>{name}</name><pathurl>{}</pathurl>{rate}<duration>{available}</duration>\
             <timecode>{rate}<string>{}</string><frame>0</frame><displayformat>{}</displayformat></timecode>\
             <media>{video}<audio><samplecharacteristics><depth>16</depth><samplerate>{}</samplerate></samplecharacteristics>\
             <channelcount>{}</channelcount></audio></media></file>",
            xml_escape(&timeline.source.url),
            timecode(0, &timeline.rate),
            if timeline.rate.drop_frame() { "DF" } else { "NDF" },
            audio.sample_rate,
            audio.channels,
        )
    };
    let mut next_id = 0;
    let mut file_written = false;
    let mut track = |kind: &str| -> String {
        let mut out = String::from("<track>");
        for clip in &timeline.clips {
            next_id += 1;
            let file = if file_written { "<file id=\"file-1\"/>".to_owned() } else { file_full.clone() };
            file_written = true;
            let source = clip.source_range;
            let source_track = if kind == "audio" {
                "<sourcetrack><mediatype>audio</mediatype><trackindex>1</trackindex></sourcetrack>"
            } else {
                ""
            };
            out += &format!(
                "<clipitem id=\"clipitem-{next_id}\"><name>{name}</name><duration>{available}</duration>{rate}\
                 <start>{}</start><end>{}</end><in>{}</in><out>{}</out>{file}{source_track}</clipitem>",
                clip.record_start,
                clip.record_start + source.duration,
                source.start_time,
                source.end_time_exclusive(),
            );
        }
        out + "</track>"
    };
    let video = if let Some((width, height, _)) = timeline.source.video {
        let format = format!(
            "<format><samplecharacteristics>{rate}<width>{width}</width><height>{height}</height></samplecharacteristics></format>"
        );
        format!("<video>{format}{}</video>", track("video"))
    } else {
        String::new()
    };
    let audio_tracks = format!("<audio>{}</audio>", track("audio"));
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE xmeml>\n<xmeml version=\"5\"><sequence id=\"sequence-1\">\
         <name>{}</name><duration>{}</duration>{rate}\
         <timecode>{rate}<string>{}</string><frame>0</frame><displayformat>{}</displayformat></timecode>\
         <media>{video}{audio_tracks}</media></sequence></xmeml>\n",
        xml_escape(&timeline.name),
        timeline.duration(),
        timecode(0, &timeline.rate),
        if timeline.rate.drop_frame() { "DF" } else { "NDF" },
    )
}
