//! FCPXML 1.9 (Final Cut Pro 10.4.9+, and Resolve): one asset with a `media-rep` (1.9's DTD has
//! no `src` on assets), a spine of video-only `asset-clip`s, each carrying its sound as a
//! connected `<clip lane="-1"><audio/></clip>` — the structure that gives one video and one audio
//! track in both Final Cut and OpenTimelineIO's reader. Times are rationals of the frame duration
//! ("1001/30000s" per frame at 29.97), never decimals.

use super::xml_escape;
use crate::timeline::Timeline;

pub fn write(timeline: &Timeline) -> String {
    let rate = &timeline.rate;
    // per frame: den/num seconds; integer rates in hundredths as Final Cut writes them (100/2500s)
    let (frame_num, frame_den) = if rate.ntsc { (rate.rate.den, rate.rate.num) } else { (100, 100 * rate.rate.num) };
    let time =
        |frames: u64| if frames == 0 { "0s".to_owned() } else { format!("{}/{}s", frames * frame_num, frame_den) };
    let (width, height) = timeline.source.video.map_or((1920, 1080), |(w, h, _)| (w, h));
    // Final Cut's format names: FFVideoFormat1080p2997, …p25, …p5994
    let rate_name = if rate.ntsc {
        ((u64::from(rate.timebase) * 100_000 + 500) / 1001).to_string()
    } else {
        rate.timebase.to_string()
    };
    let format_name = match height {
        720 | 1080 | 2160 if width * 9 == height * 16 => format!(" name=\"FFVideoFormat{height}p{rate_name}\""),
        _ => String::new(),
    };
    let audio = timeline.audio();
    let has_video = timeline.has_video();
    let name = xml_escape(&timeline.source.name);
    let mut spine = String::new();
    let mut offset = 0;
    for clip in &timeline.clips {
        let source = clip.source_range;
        let (start, duration) = (time(source.start_time), time(source.duration));
        if has_video {
            spine += &format!(
                "<asset-clip ref=\"r2\" srcEnable=\"video\" offset=\"{}\" start=\"{start}\" duration=\"{duration}\" name=\"{name}\">\
                 <clip lane=\"-1\" name=\"{name}\" offset=\"{start}\" start=\"{start}\" duration=\"{duration}\">\
                 <audio ref=\"r2\" offset=\"{start}\" start=\"{start}\" duration=\"{duration}\" role=\"dialogue\"/></clip></asset-clip>\n",
                time(offset)
            );
        } else {
            spine += &format!(
                "<asset-clip ref=\"r2\" offset=\"{}\" start=\"{start}\" duration=\"{duration}\" name=\"{name}\" role=\"dialogue\"/>\n",
                time(offset)
            );
        }
        offset += source.duration;
    }
    let tc_format = if rate.drop_frame() { "DF" } else { "NDF" };
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE fcpxml>\n<fcpxml version=\"1.9\">\n<resources>\n\
         <format id=\"r1\"{format_name} frameDuration=\"{}\" width=\"{width}\" height=\"{height}\"/>\n\
         <asset id=\"r2\" name=\"{name}\" start=\"0s\" duration=\"{}\" hasVideo=\"{}\" hasAudio=\"1\" format=\"r1\" \
         audioSources=\"1\" audioChannels=\"{}\" audioRate=\"{}\">\n<media-rep kind=\"original-media\" src=\"{}\"/>\n</asset>\n\
         </resources>\n<library>\n<event name=\"{title}\">\n<project name=\"{title}\">\n\
         <sequence format=\"r1\" duration=\"{}\" tcStart=\"0s\" tcFormat=\"{tc_format}\" audioLayout=\"{}\" audioRate=\"{}\">\n\
         <spine>\n{spine}</spine>\n</sequence>\n</project>\n</event>\n</library>\n</fcpxml>\n",
        time(1),
        time(timeline.available_range.duration),
        u8::from(has_video),
        audio.channels,
        audio.sample_rate,
        xml_escape(&timeline.source.url),
        time(timeline.duration()),
        if audio.channels == 1 { "mono" } else { "stereo" },
        if audio.sample_rate == 44_100 { "44.1k" } else { "48k" },
        title = xml_escape(&timeline.name),
    )
}
