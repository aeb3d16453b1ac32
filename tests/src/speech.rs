//! Synthetic speech with known words: each distinct word spoken once by espeak-ng, trimmed to its
//! first and last loud sample and cached, so that tests and benchmarks can lay words out at planned
//! times and know exactly where each one is.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

/// espeak-ng writes 22,050 Hz mono s16; recordings made of its words keep that rate.
pub const RATE: u64 = 22_050;
pub const VOICE: [&str; 4] = ["-v", "en-us", "-s", "165"];
/// A clip starts and ends at its first and last sample louder than −45 dBFS.
pub const TRIM_LEVEL: i32 = 184;

fn output(program: &str, args: &[&str]) -> std::process::Output {
    let output = Command::new(program).args(args).output().unwrap_or_else(|e| panic!("{program}: {e}"));
    assert!(output.status.success(), "{program} {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    output
}

/// Each distinct word's trimmed clip, synthesised once (two espeak-ng processes at a time).
pub fn clips(dir: &Path, words: &BTreeSet<String>) -> BTreeMap<String, Vec<i16>> {
    let path = |word: &str| dir.join(format!("{}.wav", word.replace('\'', "_")));
    let missing: Vec<&String> = words.iter().filter(|w| !path(w).exists()).collect();
    if !missing.is_empty() {
        eprintln!("synthesising {} words with espeak-ng …", missing.len());
        std::thread::scope(|scope| {
            for (worker, share) in missing.chunks(missing.len().div_ceil(2)).enumerate() {
                let path = &path;
                scope.spawn(move || {
                    let raw = dir.join(format!("partial-{worker}.wav"));
                    for word in share {
                        let mut args = VOICE.to_vec();
                        let target = raw.to_string_lossy().into_owned();
                        args.extend(["-w", &target, word.as_str()]);
                        output("espeak-ng", &args);
                        let clip = trimmed(&read_wav(&std::fs::read(&raw).expect("espeak output")), word);
                        std::fs::write(&raw, wav_bytes(&clip)).expect("write clip");
                        std::fs::rename(&raw, path(word)).expect("rename clip");
                    }
                });
            }
        });
    }
    words.iter().map(|w| (w.clone(), read_wav(&std::fs::read(path(w)).expect("clip")))).collect()
}

fn trimmed(samples: &[i16], word: &str) -> Vec<i16> {
    let loud = |s: &i16| i32::from(*s).abs() > TRIM_LEVEL;
    match (samples.iter().position(loud), samples.iter().rposition(loud)) {
        (Some(first), Some(last)) => samples[first..=last].to_vec(),
        _ => panic!("espeak-ng said nothing for {word:?}"),
    }
}

/// A canonical 44-byte-header WAV: PCM s16 mono at `RATE`.
pub fn wav_bytes(samples: &[i16]) -> Vec<u8> {
    let data = samples.len() as u32 * 2;
    let mut out = Vec::with_capacity(44 + data as usize);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + data).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes()); // PCM
    out.extend_from_slice(&1u16.to_le_bytes()); // mono
    out.extend_from_slice(&(RATE as u32).to_le_bytes());
    out.extend_from_slice(&(RATE as u32 * 2).to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&16u16.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data.to_le_bytes());
    samples.iter().for_each(|s| out.extend_from_slice(&s.to_le_bytes()));
    out
}

/// The samples of a PCM s16 mono WAV at `RATE` (espeak-ng's output or our own).
pub fn read_wav(bytes: &[u8]) -> Vec<i16> {
    let u16_at = |at: usize| u16::from_le_bytes([bytes[at], bytes[at + 1]]);
    let u32_at = |at: usize| u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
    assert!(bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WAVE", "not a WAV");
    let mut at = 12;
    while at + 8 <= bytes.len() {
        let size = u32_at(at + 4) as usize;
        let body = at + 8;
        match &bytes[at..at + 4] {
            b"fmt " => assert!(
                u16_at(body) == 1
                    && u16_at(body + 2) == 1
                    && u64::from(u32_at(body + 4)) == RATE
                    && u16_at(body + 14) == 16,
                "expected PCM s16 mono at {RATE} Hz"
            ),
            b"data" => {
                let end = body.saturating_add(size).min(bytes.len());
                return bytes[body..end].chunks_exact(2).map(|b| i16::from_le_bytes([b[0], b[1]])).collect();
            }
            _ => {}
        }
        at = body + size + (size & 1);
    }
    panic!("a WAV without data")
}
