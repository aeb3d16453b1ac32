//! Cuts of many spans, in groups. ffmpeg's filter graph costs every frame time in proportion to
//! its filters (an hour cut 600 times did not finish in five minutes as one graph), so spans are
//! rendered `SPANS_PER_GROUP` at a time, each group by an ffmpeg that seeks to it, into pieces:
//! the group's PCM audio, and its H.264 for full encodes. The concat demuxer joins the pieces and
//! the audio is encoded once, over the whole, so no encoder priming lands between groups.

use std::fmt::Write as _;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::encode::{Keep, Streams, filter_graph};
use super::frames::seconds;
use crate::untrusted::UntrustedInput;

/// Spans per ffmpeg: few enough that its graph stays cheap per frame, many enough that short
/// cuts take one ffmpeg.
pub const SPANS_PER_GROUP: usize = 25;

/// Seek this far before a group's first frame: enough for the seek to land before it, however
/// the key frames fall (ffmpeg decodes from the key frame before the seek point, and `trim` on
/// the untouched timestamps picks the exact frames).
const SEEK_MARGIN_SECONDS: i64 = 1;

/// One group of spans (ticks of `1/timescale` s) and where its pieces go.
pub struct Group<'a> {
    pub spans: &'a [(i64, i64)],
    pub timescale: u64,
    /// The group's PCM (`None`: the source has no sound).
    pub audio: Option<PathBuf>,
    /// The group's H.264, for full encodes (`None`: audio only, for smart renders).
    pub video: Option<PathBuf>,
}

/// The groups of `spans` of `streams`, their pieces named in `dir`.
pub fn groups<'a>(spans: &'a [(i64, i64)], timescale: u64, dir: &Path, streams: Streams) -> Vec<Group<'a>> {
    spans
        .chunks(SPANS_PER_GROUP)
        .enumerate()
        .map(|(index, spans)| Group {
            spans,
            timescale,
            audio: streams.sound.then(|| dir.join(format!("group-{index:04}.wav"))),
            video: streams.video.then(|| dir.join(format!("group-{index:04}.mp4"))),
        })
        .collect()
}

impl Group<'_> {
    /// The ffmpeg that renders this group of `input`, its graph written to `graph_file`:
    /// `video_args` encode the picture (scaled by `scale`).
    pub fn command(
        &self,
        ffmpeg: &Path,
        input: &UntrustedInput,
        graph_file: &Path,
        scale: &str,
        video_args: &[String],
    ) -> io::Result<Command> {
        let first = self.spans.first().map_or(0, |span| span.0);
        let seek = seconds((first - SEEK_MARGIN_SECONDS * self.timescale as i64).max(0), self.timescale);
        let keep = Keep::Frames { spans: self.spans.to_vec(), timescale: self.timescale };
        let streams = Streams { video: self.video.is_some(), sound: self.audio.is_some() };
        std::fs::write(graph_file, filter_graph(&keep, streams, scale))?;
        let mut command = Command::new(ffmpeg);
        // `-copyts`: the seek leaves timestamps as they are, so the graph's times stay the source's
        command.args(["-nostdin", "-v", "error", "-y", "-ss", &seek, "-copyts"]).args(input.decode_args());
        command.arg("-filter_complex_script").arg(graph_file);
        if let Some(video) = &self.video {
            command.args(["-map", "[v]", "-an"]).args(video_args).args(["-f", "mp4"]).arg(video);
        }
        if let Some(audio) = &self.audio {
            command.args(["-map", "[a]", "-vn", "-c:a", "pcm_s16le", "-f", "wav"]).arg(audio);
        }
        command.stdin(Stdio::null()).stdout(Stdio::null());
        Ok(command)
    }

    /// How long the group's kept time lasts, as the concat demuxer reads it.
    pub fn seconds(&self) -> String {
        seconds(self.spans.iter().map(|(start, end)| end - start).sum(), self.timescale)
    }
}

/// The concat demuxer's list of `pieces`: each file and how long it lasts.
pub fn concat_list<P: AsRef<Path>>(pieces: impl IntoIterator<Item = (P, String)>) -> String {
    let mut list = String::from("ffconcat version 1.0\n");
    for (path, duration) in pieces {
        let _ = writeln!(list, "file '{}'\nduration {duration}", path.as_ref().display());
    }
    list
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_are_rendered_in_groups_that_seek_to_their_first_span() {
        let spans: Vec<(i64, i64)> = (0..60).map(|i| (i * 6_000 + 30_000, i * 6_000 + 34_000)).collect();
        let dir = std::env::temp_dir().join(format!("groups-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let groups = groups(&spans, 1_000, &dir, Streams { video: true, sound: true });
        assert_eq!(groups.iter().map(|g| g.spans.len()).collect::<Vec<_>>(), vec![25, 25, 10]);
        let input = UntrustedInput::new(Path::new("in.mp4"), roughcut_engine::Container::Mp4);
        let command = groups[1].command(Path::new("ffmpeg"), &input, &dir.join("g.txt"), "null", &[]);
        let command = command.expect("graph written");
        let args: Vec<String> = command.get_args().map(|a| a.to_string_lossy().into_owned()).collect();
        // the second group starts at 25 × 6 s + 30 s = 180 s; it seeks a second before
        assert_eq!(args[4..7], ["-ss", "179.000000", "-copyts"]);
        assert!(
            args.iter().any(|a| a.ends_with("group-0001.mp4")) && args.iter().any(|a| a.ends_with("group-0001.wav"))
        );
        let graph = std::fs::read_to_string(dir.join("g.txt")).expect("graph");
        assert!(graph.starts_with("[0:v:0]trim=start_pts=180000:end_pts=184000"), "{graph}");
        let list = concat_list(groups.iter().filter_map(|g| Some((g.audio.as_ref()?, g.seconds()))));
        assert!(list.contains("group-0002.wav'\nduration 40.000000\n"), "{list}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
