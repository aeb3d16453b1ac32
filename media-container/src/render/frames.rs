//! The input's first video stream as ffprobe lists it packet by packet, without decoding: every
//! frame's presentation and decode time and whether it starts a GOP. Snapping cuts to frames and
//! copying whole GOPs both work on this table.

use std::path::Path;
use std::process::{Command, Stdio};

use crate::untrusted::UntrustedInput;

/// The first video stream; times are ticks of `1/timescale` seconds on the input's timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VideoStream {
    pub codec: String,
    pub pix_fmt: String,
    pub width: u32,
    pub height: u32,
    /// The display rotation ffprobe reads from the display matrix, in degrees (90, -90, 180).
    pub rotation: i32,
    pub timescale: u64,
    /// In decode order, without the packets an edit list hides.
    pub packets: Vec<Packet>,
    /// Packets decoded but never shown (an edit list's pre-roll, flag `D`).
    pub hidden: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Packet {
    pub pts: i64,
    pub dts: i64,
    pub duration: i64,
    pub key: bool,
}

impl VideoStream {
    /// Frame start times in presentation order, then the end of the last frame.
    pub fn frame_times(&self) -> Vec<i64> {
        let mut times: Vec<i64> = self.packets.iter().map(|p| p.pts).collect();
        times.sort_unstable();
        let last = self.packets.iter().max_by_key(|p| p.pts);
        if let Some(last) = last {
            // a last packet without a duration lasts as long as the one before it
            let step = if last.duration > 0 { last.duration } else { typical_step(&times) };
            times.push(last.pts + step);
        }
        times
    }
}

/// `ticks / timescale` as a decimal ffmpeg reads, rounded down to the microsecond.
pub fn seconds(ticks: i64, timescale: u64) -> String {
    let micros = i128::from(ticks) * 1_000_000 / i128::from(timescale.max(1));
    let sign = if micros < 0 { "-" } else { "" };
    let micros = micros.unsigned_abs();
    format!("{sign}{}.{:06}", micros / 1_000_000, micros % 1_000_000)
}

fn typical_step(times: &[i64]) -> i64 {
    times.windows(2).map(|w| w[1] - w[0]).filter(|d| *d > 0).min().unwrap_or(1)
}

/// What ffprobe lists: the stream (with its display matrix's rotation) and every packet.
const SHOWN: &str =
    "stream=codec_name,pix_fmt,width,height,time_base:stream_side_data=rotation:packet=pts,dts,duration,flags";

/// Lists the first video stream of `input` with `ffprobe`; `None` when it has none.
pub fn list(ffprobe: &Path, input: &UntrustedInput) -> Result<Option<VideoStream>, String> {
    parse(&probe(ffprobe, input, &["-select_streams", "v:0", "-show_entries", SHOWN, "-of", "compact=p=1:nk=0"])?)
}

/// Whether `input` has an audio stream.
pub fn has_audio(ffprobe: &Path, input: &UntrustedInput) -> Result<bool, String> {
    let listed = probe(ffprobe, input, &["-select_streams", "a", "-show_entries", "stream=index", "-of", "csv=p=0"])?;
    Ok(!listed.trim().is_empty())
}

/// What ffprobe prints of `input` when asked `args`.
fn probe(ffprobe: &Path, input: &UntrustedInput, args: &[&str]) -> Result<String, String> {
    let output = Command::new(ffprobe)
        .args(["-v", "error"])
        .args(args)
        .args(input.input_args())
        .stdin(Stdio::null())
        .output()
        .map_err(|err| format!("cannot run {}: {err}", ffprobe.display()))?;
    if !output.status.success() {
        return Err(format!("ffprobe failed ({}): {}", output.status, String::from_utf8_lossy(&output.stderr)));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Parses ffprobe's `compact` listing (`packet|pts=…|dts=…|duration=…|flags=K_`, `stream|…`).
pub fn parse(listing: &str) -> Result<Option<VideoStream>, String> {
    let mut stream = None;
    let mut packets = Vec::new();
    let mut hidden = 0;
    for line in listing.lines() {
        let section = line.split('|').next().unwrap_or_default();
        let value = |name: &str| {
            line.split('|').skip(1).find_map(|field| field.strip_prefix(name).and_then(|rest| rest.strip_prefix('=')))
        };
        let number = |name: &str| value(name).and_then(|v| v.parse::<i64>().ok());
        match section {
            "stream" => {
                let timescale = value("time_base")
                    .and_then(|tb| tb.strip_prefix("1/"))
                    .and_then(|den| den.parse::<u64>().ok())
                    .ok_or_else(|| format!("a video time base ffmpeg's tools do not use: {line}"))?;
                let size = |name: &str| number(name).and_then(|n| u32::try_from(n).ok()).unwrap_or(0);
                stream = Some(VideoStream {
                    codec: value("codec_name").unwrap_or_default().to_owned(),
                    pix_fmt: value("pix_fmt").unwrap_or_default().to_owned(),
                    width: size("width"),
                    height: size("height"),
                    rotation: number("rotation").and_then(|r| i32::try_from(r).ok()).unwrap_or(0),
                    timescale,
                    packets: Vec::new(),
                    hidden: 0,
                });
            }
            "packet" => {
                let pts = number("pts").ok_or_else(|| format!("a video packet without a time: {line}"))?;
                if value("flags").is_some_and(|flags| flags.contains('D')) {
                    hidden += 1;
                    continue;
                }
                packets.push(Packet {
                    pts,
                    dts: number("dts").unwrap_or(pts),
                    duration: number("duration").unwrap_or(0),
                    key: value("flags").is_some_and(|flags| flags.starts_with('K')),
                });
            }
            _ => {}
        }
    }
    Ok(stream.map(|stream| VideoStream { packets, hidden, ..stream }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listing_becomes_the_frame_table() {
        let listing = "stream|codec_name=h264|width=1920|height=1080|pix_fmt=yuv420p|time_base=1/15360|side_data|rotation=-90\n\
                       packet|pts=0|dts=-1024|duration=512|flags=K__\n\
                       packet|pts=1024|dts=-512|duration=512|flags=___\n\
                       packet|pts=512|dts=0|duration=512|flags=___\n\
                       packet|pts=-512|dts=-1536|duration=512|flags=_D_\n";
        let stream = parse(listing).expect("parsed").expect("a video stream");
        assert_eq!((stream.codec.as_str(), stream.width, stream.timescale), ("h264", 1920, 15_360));
        assert_eq!(stream.rotation, -90);
        assert_eq!(stream.packets[0], Packet { pts: 0, dts: -1024, duration: 512, key: true });
        assert!(!stream.packets[1].key);
        assert_eq!((stream.packets.len(), stream.hidden), (3, 1), "hidden packets are not frames");
        assert_eq!(stream.frame_times(), vec![0, 512, 1024, 1536]);
        assert_eq!(parse("").expect("parsed"), None, "no video stream");
        assert!(parse("stream|time_base=1/1\npacket|pts=N/A|dts=N/A\n").is_err(), "frames need times");
    }

    #[test]
    fn ticks_print_as_seconds_rounded_down() {
        assert_eq!(seconds(1001, 30_000), "0.033366");
        assert_eq!(seconds(61_440, 15_360), "4.000000");
        assert_eq!(seconds(-256, 15_360), "-0.016666");
    }
}
