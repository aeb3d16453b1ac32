//! Speech for transcribers (`SpeechFormat`): the first audio track as 16-bit mono PCM at the asked
//! rate (ffmpeg), cut into WAV chunks of at most `max_chunk_seconds`, each cut at the quietest
//! 10 ms hop of its last `split_window_seconds` so that no word is split between two requests.
//! Cut points are integer samples (DESIGN.md: never floats).

use std::cmp::Reverse;
use std::fs::File;
use std::io::{self, Cursor, Read, Seek, SeekFrom};
use std::ops::Range;
use std::path::Path;
use std::process::Command;

use roughcut_engine::analyze::{HOPS_PER_SECOND, Level};
use roughcut_shared::jobs::SpeechFormat;

use crate::untrusted::UntrustedInput;

const BYTES_PER_SAMPLE: u64 = 2;
pub const WAV_HEADER_BYTES: u64 = 44;

/// Why a `SpeechFormat` is refused at `POST /jobs`, or `Ok`.
pub fn validate(format: &SpeechFormat) -> Result<(), &'static str> {
    if !(8_000..=192_000).contains(&format.sample_rate) {
        return Err("speech.sample_rate must be 8000 to 192000 Hz");
    }
    if format.max_chunk_seconds == 0 {
        return Err("speech.max_chunk_seconds must be at least 1");
    }
    // A chunk's size must fit the 32-bit sizes of a RIFF header.
    let chunk_bytes = u64::from(format.max_chunk_seconds) * u64::from(format.sample_rate) * BYTES_PER_SAMPLE;
    if chunk_bytes + WAV_HEADER_BYTES > u64::from(u32::MAX) {
        return Err("speech.max_chunk_seconds makes chunks larger than a WAV file can be");
    }
    Ok(())
}

/// ffmpeg writing the first audio track of `input` to `output` as raw mono s16le at `sample_rate`.
/// Raw rather than WAV: ffmpeg's WAV header varies in length (it may add a LIST chunk), while raw
/// samples make every cut plain arithmetic; the chunks get their own canonical headers.
pub fn extract_command(ffmpeg: &Path, input: &UntrustedInput, output: &Path, sample_rate: u32) -> Command {
    let mut command = Command::new(ffmpeg);
    command
        .args(["-nostdin", "-v", "error"])
        .args(input.input_args())
        .args(["-map", "0:a:0", "-ac", "1", "-ar"])
        .arg(sample_rate.to_string())
        .args(["-c:a", "pcm_s16le", "-f", "s16le"])
        .arg(output);
    command
}

/// Samples in a raw s16le file of `bytes` bytes.
pub fn samples_in(bytes: u64) -> u64 {
    bytes / BYTES_PER_SAMPLE
}

/// The chunks of `total` samples at `sample_rate`, in order, covering every sample once. While
/// more than `max_chunk_seconds` remain, a chunk ends where the quietest hop of its window starts
/// (`levels`: the analysis envelope, `HOPS_PER_SECOND` hops a second of the same timeline; ties go
/// to the latest hop, for the longest chunk), or at the maximum when the envelope has no hop there.
pub fn split(total: u64, sample_rate: u32, levels: &[Level], format: &SpeechFormat) -> Vec<Range<u64>> {
    let rate = u64::from(sample_rate);
    let max = u64::from(format.max_chunk_seconds) * rate;
    let window = u64::from(format.split_window_seconds) * rate;
    let mut chunks = Vec::new();
    if total == 0 || max == 0 {
        return chunks;
    }
    let mut start = 0;
    while total - start > max {
        let latest = start + max;
        // At least one sample past `start`, so that every chunk holds audio and the loop advances.
        let earliest = latest.saturating_sub(window).max(start + 1);
        let end = quietest_hop_start(earliest, latest, rate, levels).unwrap_or(latest);
        chunks.push(start..end);
        start = end;
    }
    chunks.push(start..total);
    chunks
}

/// The first sample (at `rate`) of the quietest hop starting within `earliest..=latest`.
fn quietest_hop_start(earliest: u64, latest: u64, rate: u64, levels: &[Level]) -> Option<u64> {
    let hops = u64::from(HOPS_PER_SECOND);
    // Hop h starts at ⌊h·rate/100⌋: these are exactly the hops whose start lies in the range.
    let first = (earliest * hops).div_ceil(rate);
    let last = latest * hops / rate;
    (first..=last)
        .filter_map(|hop| Some((*levels.get(usize::try_from(hop).ok()?)?, hop)))
        .min_by_key(|&(level, hop)| (level, Reverse(hop)))
        .map(|(_, hop)| hop * rate / hops)
}

/// Where a chunk lies in the source, in whole milliseconds: (start_ms, duration_ms).
pub fn chunk_millis(chunk: &Range<u64>, sample_rate: u32) -> (u64, u64) {
    let rate = u64::from(sample_rate);
    (chunk.start * 1000 / rate, (chunk.end - chunk.start) * 1000 / rate)
}

/// `speech-000.wav`, `speech-001.wav`, …
pub fn chunk_name(index: usize) -> String {
    format!("speech-{index:03}.wav")
}

/// The canonical 44-byte header of a 16-bit mono PCM WAV holding `data_bytes` bytes.
pub fn wav_header(sample_rate: u32, data_bytes: u32) -> [u8; 44] {
    let mut header = [0u8; 44];
    let fields: [&[u8]; 12] = [
        b"RIFF",
        &(36 + data_bytes).to_le_bytes(),
        b"WAVEfmt ",
        &16u32.to_le_bytes(),
        &1u16.to_le_bytes(), // PCM
        &1u16.to_le_bytes(), // mono
        &sample_rate.to_le_bytes(),
        &(sample_rate * 2).to_le_bytes(), // bytes per second
        &2u16.to_le_bytes(),              // block align
        &16u16.to_le_bytes(),             // bits per sample
        b"data",
        &data_bytes.to_le_bytes(),
    ];
    let mut at = 0;
    for field in fields {
        header[at..at + field.len()].copy_from_slice(field);
        at += field.len();
    }
    header
}

/// A chunk of the raw speech file as a WAV stream, with its length: it is streamed from the one
/// PCM file rather than written out again, so the speech occupies the disk once.
pub fn chunk_wav(pcm: &Path, chunk: &Range<u64>, sample_rate: u32) -> io::Result<(u64, impl Read + use<>)> {
    let data_bytes = (chunk.end - chunk.start) * BYTES_PER_SAMPLE;
    let data_len = u32::try_from(data_bytes)
        .ok()
        .filter(|len| len.checked_add(36).is_some())
        .ok_or_else(|| io::Error::other("chunk too large for a WAV"))?;
    let mut file = File::open(pcm)?;
    file.seek(SeekFrom::Start(chunk.start * BYTES_PER_SAMPLE))?;
    let header = wav_header(sample_rate, data_len);
    Ok((WAV_HEADER_BYTES + data_bytes, Cursor::new(header).chain(file.take(data_bytes))))
}

#[cfg(test)]
mod tests {
    use super::*;

    const RATE: u32 = 16_000;

    fn format(max: u32, window: u32) -> SpeechFormat {
        SpeechFormat { sample_rate: RATE, max_chunk_seconds: max, split_window_seconds: window }
    }

    /// A loud envelope of `seconds` with quiet hops at `quiet` (hop, level).
    fn levels(seconds: usize, quiet: &[(usize, Level)]) -> Vec<Level> {
        let mut levels = vec![-1_000; seconds * HOPS_PER_SECOND as usize];
        for &(hop, level) in quiet {
            levels[hop] = level;
        }
        levels
    }

    fn assert_covers(chunks: &[Range<u64>], total: u64) {
        assert_eq!(chunks.first().map(|c| c.start), Some(0));
        assert_eq!(chunks.last().map(|c| c.end), Some(total));
        for pair in chunks.windows(2) {
            assert_eq!(pair[0].end, pair[1].start, "{chunks:?}");
        }
        assert!(chunks.iter().all(|c| c.start < c.end), "{chunks:?}");
    }

    #[test]
    fn short_input_is_one_chunk() {
        let total = u64::from(RATE) * 5;
        assert_eq!(split(total, RATE, &levels(5, &[]), &format(600, 60)), vec![0..total]);
        let exactly_max = u64::from(RATE) * 10;
        assert_eq!(split(exactly_max, RATE, &levels(10, &[]), &format(10, 2)), vec![0..exactly_max]);
        assert!(split(0, RATE, &[], &format(10, 2)).is_empty());
    }

    #[test]
    fn chunks_end_at_the_quietest_hop_of_their_window() {
        // 25 s, chunks of at most 10 s cut in their last 3 s: quiet at 8.5 s (hop 850), and two
        // equally quiet hops at 17.2 s and 17.9 s (latest wins); the quiet hop at 5 s is outside.
        let levels = levels(25, &[(500, -9_000), (850, -6_000), (1_720, -7_000), (1_790, -7_000)]);
        let total = u64::from(RATE) * 25;
        let chunks = split(total, RATE, &levels, &format(10, 3));
        assert_eq!(chunks, vec![0..136_000, 136_000..286_400, 286_400..total]);
        assert_covers(&chunks, total);
    }

    #[test]
    fn boundaries_stay_inside_the_window_and_chunks_never_exceed_the_maximum() {
        // A ramp: the quietest hop is always the window's earliest.
        let ramp: Vec<Level> = (0..6_000).map(|hop| -8_000 + hop as Level).collect();
        for (rate, max, window) in [(16_000, 7, 2), (22_050, 5, 5), (44_100, 3, 1), (8_000, 4, 0), (16_000, 1, 1)] {
            let format = SpeechFormat { sample_rate: rate, max_chunk_seconds: max, split_window_seconds: window };
            let total = u64::from(rate) * 59 + 123;
            let chunks = split(total, rate, &ramp, &format);
            assert_covers(&chunks, total);
            let (max, window) = (u64::from(max * rate), u64::from(window * rate));
            for chunk in &chunks[..chunks.len() - 1] {
                let length = chunk.end - chunk.start;
                assert!(length <= max && length + window >= max, "{rate} Hz: {chunk:?}");
            }
            assert!(chunks.last().is_some_and(|c| c.end - c.start <= max));
        }
    }

    #[test]
    fn without_an_envelope_chunks_are_cut_at_the_maximum() {
        let total = u64::from(RATE) * 25;
        let chunks = split(total, RATE, &[], &format(10, 3));
        assert_eq!(chunks, vec![0..160_000, 160_000..320_000, 320_000..total]);
    }

    #[test]
    fn formats_are_checked() {
        assert_eq!(validate(&SpeechFormat::default()), Ok(()));
        assert!(validate(&format(0, 0)).is_err());
        assert!(validate(&SpeechFormat { sample_rate: 0, ..SpeechFormat::default() }).is_err());
        assert!(
            validate(&SpeechFormat { sample_rate: 192_000, max_chunk_seconds: 20_000, split_window_seconds: 1 })
                .is_err()
        );
    }

    #[test]
    fn chunks_are_canonical_wavs_with_millisecond_positions() {
        let dir = std::env::temp_dir().join(format!("media-speech-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let pcm = dir.join("speech.pcm");
        let samples: Vec<u8> = (0..1_000u16).flat_map(|s| s.to_le_bytes()).collect();
        std::fs::write(&pcm, &samples).expect("pcm");
        let (len, mut body) = chunk_wav(&pcm, &(100..300), RATE).expect("chunk");
        let mut wav = Vec::new();
        body.read_to_end(&mut wav).expect("read");
        std::fs::remove_dir_all(&dir).expect("cleanup");
        assert_eq!(len, 44 + 400);
        assert_eq!(wav.len() as u64, len);
        assert_eq!(&wav[..4], b"RIFF");
        assert_eq!(u32::from_le_bytes([wav[4], wav[5], wav[6], wav[7]]), 436);
        assert_eq!(&wav[8..16], b"WAVEfmt ");
        assert_eq!(u32::from_le_bytes([wav[24], wav[25], wav[26], wav[27]]), RATE);
        assert_eq!(&wav[36..40], b"data");
        assert_eq!(&wav[44..46], &100u16.to_le_bytes());
        assert_eq!(chunk_millis(&(16_000..40_000), RATE), (1_000, 1_500));
        assert_eq!(chunk_name(7), "speech-007.wav");
    }
}
