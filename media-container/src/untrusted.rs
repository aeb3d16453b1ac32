//! A user's file as ffmpeg and ffprobe open it: with the demuxer the engine sniffed from its first
//! bytes, never one ffmpeg guesses, and through the `file` protocol only. Left to guess, ffmpeg
//! reads an ID3 tag followed by an HLS playlist as a playlist, and then opens whatever files or
//! URLs it names.

use std::ffi::OsString;
use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use roughcut_engine::Container;
use roughcut_engine::media::sniff::SNIFF_BYTES;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UntrustedInput {
    path: PathBuf,
    container: Container,
}

impl UntrustedInput {
    /// The file at `path`, read as what its first bytes say; `None` when they are no media the
    /// engine reads.
    pub fn sniff(path: &Path) -> io::Result<Option<Self>> {
        let mut head = Vec::with_capacity(SNIFF_BYTES);
        File::open(path)?.take(SNIFF_BYTES as u64).read_to_end(&mut head)?;
        Ok(roughcut_engine::sniff(&head).map(|container| Self::new(path, container)))
    }

    /// The file at `path`, read as `container`.
    pub fn new(path: &Path, container: Container) -> Self {
        Self { path: path.to_owned(), container }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// What opens it, for ffmpeg and ffprobe alike: the input options, then `-i` and its path.
    pub fn input_args(&self) -> Vec<OsString> {
        let options = ["-protocol_whitelist", "file", "-f", demuxer(self.container), "-i"];
        options.iter().map(OsString::from).chain([self.path.clone().into_os_string()]).collect()
    }

    /// What opens it for ffmpeg to decode: the picture as it is coded, not turned upright, so
    /// that encoded frames match copied ones and the size a render asks for; a rotated source's
    /// render carries the rotation as its tag instead (`render::tag_rotation`).
    pub fn decode_args(&self) -> Vec<OsString> {
        std::iter::once(OsString::from("-noautorotate")).chain(self.input_args()).collect()
    }
}

/// ffmpeg's demuxer of each container the engine sniffs.
fn demuxer(container: Container) -> &'static str {
    match container {
        Container::Mp4 | Container::Mov | Container::M4a => "mov",
        Container::Mp3 => "mp3",
        Container::Adts => "aac",
        Container::Wav => "wav",
        Container::Flac => "flac",
        Container::Ogg => "ogg",
        Container::WebM | Container::Matroska => "matroska",
    }
}

#[cfg(test)]
mod tests {
    use std::process::Command;

    use super::*;

    fn ffmpeg(args: &[&str], output: &Path) {
        let status = Command::new("ffmpeg").args(["-nostdin", "-v", "error", "-y"]).args(args).arg(output).status();
        assert!(status.expect("ffmpeg runs").success(), "ffmpeg {args:?}");
    }

    /// Seconds of audio ffmpeg decodes from `input` opened as `open`.
    fn decoded_seconds(open: &[OsString]) -> f64 {
        let output = Command::new("ffmpeg")
            .args(["-nostdin", "-v", "error"])
            .args(open)
            .args(["-map", "0:a:0", "-ac", "1", "-ar", "8000", "-f", "s16le", "-"])
            .output()
            .expect("ffmpeg runs");
        output.stdout.len() as f64 / 16_000.0
    }

    /// An ID3 tag, then an HLS playlist naming a local file, then 3 s of real MP3 frames: the
    /// engine sniffs MP3, ffmpeg left to guess plays the playlist (10 s of someone else's file).
    #[test]
    fn a_playlist_behind_an_id3_tag_opens_nothing() {
        let dir = std::env::temp_dir().join(format!("roughcut-untrusted-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let (secret, frames) = (dir.join("secret.ts"), dir.join("frames.mp3"));
        ffmpeg(&["-f", "lavfi", "-i", "sine=frequency=700:duration=10", "-c:a", "mp2", "-f", "mpegts"], &secret);
        let lame = ["-c:a", "libmp3lame", "-write_xing", "0", "-id3v2_version", "0"];
        ffmpeg(&[&["-f", "lavfi", "-i", "sine=duration=3"][..], &lame[..]].concat(), &frames);
        let playlist = format!(
            "#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXT-X-MEDIA-SEQUENCE:0\n#EXTINF:10,\n{}\n#EXT-X-ENDLIST\n",
            secret.display()
        );
        let mut evil = b"ID3\x04\x00\x00\x00\x00\x00\x00".to_vec();
        evil.extend_from_slice(playlist.as_bytes());
        evil.extend(std::fs::read(&frames).expect("frames"));
        let path = dir.join("upload");
        std::fs::write(&path, evil).expect("upload");

        let guessed = decoded_seconds(&["-i".into(), path.clone().into_os_string()]);
        assert!(guessed > 9.0, "ffmpeg guessing reads the playlist's file ({guessed} s): the test's premise");
        let input = UntrustedInput::sniff(&path).expect("read").expect("sniffed as MP3");
        let read = decoded_seconds(&input.input_args());
        assert!((read - 3.0).abs() < 0.2, "only the upload's own 3 s are read, not the playlist's file: {read} s");
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn bytes_that_are_no_media_have_no_demuxer() {
        let path = std::env::temp_dir().join(format!("roughcut-untrusted-{}.html", std::process::id()));
        std::fs::write(&path, b"<!doctype html><html><body>no media</body></html>").expect("write");
        assert_eq!(UntrustedInput::sniff(&path).expect("read"), None);
        std::fs::remove_file(&path).ok();
    }
}
