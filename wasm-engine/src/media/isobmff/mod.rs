//! MP4 / MOV / M4A (ISO base media file format and QuickTime): the movie's structure, read with
//! a handful of range reads (top-level box headers, then the whole `moov`) however large the
//! media data is.

pub mod boxes;
pub mod esds;
pub mod fragments;
pub mod samples;
pub mod track;
pub mod writer;

use crate::error::{EngineError, Result};
use crate::limits::Limits;
use crate::source::RangeSource;
use boxes::{BoxHeader, FourCc};
use track::{SampleEntry, Track};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Movie {
    /// `ftyp`'s major brand (absent in old QuickTime files).
    pub major_brand: Option<FourCc>,
    pub timescale: u32,
    /// In `timescale`; 0 when the movie does not say (a fragmented one).
    pub duration: u64,
    pub tracks: Vec<Track>,
    pub top_level: Vec<BoxHeader>,
}

impl Movie {
    /// The first AAC (MPEG-4 audio in an `mp4a` entry) track: what extraction, packet-copy
    /// renders and decoding work on.
    pub fn aac_track(&self) -> Result<&Track> {
        self.tracks
            .iter()
            .find(
                |t| matches!(&t.entry, SampleEntry::Audio { format, object_type: Some(0x40), .. } if format == b"mp4a"),
            )
            .ok_or_else(|| EngineError::unsupported("the file has no AAC audio track"))
    }
}

pub fn read_movie(source: &dyn RangeSource, limits: &Limits) -> Result<Movie> {
    let top_level = boxes::top_level(source, limits)?;
    let major_brand = match top_level.iter().find(|b| &b.kind == b"ftyp") {
        Some(ftyp) if ftyp.body_len >= 4 => {
            let mut brand = [0u8; 4];
            source.read_exact_at(ftyp.body_start, &mut brand)?;
            Some(brand)
        }
        _ => None,
    };
    let moov = top_level.iter().find(|b| &b.kind == b"moov").ok_or_else(|| EngineError::malformed("no moov box"))?;
    if moov.body_len > limits.max_metadata_bytes {
        return Err(EngineError::limit(format!(
            "moov of {} bytes (limit {})",
            moov.body_len, limits.max_metadata_bytes
        )));
    }
    let moov_body = source.read_vec(moov.body_start, moov.body_len)?;
    let children = boxes::children(&moov_body, limits)?;
    let mvhd = children.iter().find(|(k, _)| k == b"mvhd").ok_or_else(|| EngineError::malformed("moov has no mvhd"))?;
    let (timescale, duration) = track::parse_mvhd(mvhd.1)?;
    let traks: Vec<&[u8]> = children.iter().filter(|(k, _)| k == b"trak").map(|(_, body)| *body).collect();
    if traks.len() > limits.max_tracks {
        return Err(EngineError::limit(format!("{} tracks (limit {})", traks.len(), limits.max_tracks)));
    }
    let mut tracks = traks.into_iter().map(|trak| track::parse(trak, limits)).collect::<Result<Vec<_>>>()?;
    let fragmented = fragments::append(source, &top_level, &moov_body, &mut tracks, limits)?;
    // a fragmented movie's mvhd counts the moov's own samples only, and its edits say 0 ("as long
    // as the fragments") or the moov's share: its tracks tell its length, to their ends
    let duration = if fragmented { 0 } else { duration };
    if fragmented {
        for track in &mut tracks {
            let media_duration = track.media_duration;
            if let Some(edit) = track.edit.as_mut() {
                let shown = media_duration.saturating_sub(u64::try_from(edit.media_time).unwrap_or(0));
                edit.segment_duration = rescale(shown, track.timescale, timescale);
            }
        }
    }
    Ok(Movie { major_brand, timescale, duration, tracks, top_level })
}

/// `value` in `from` ticks a second, in `to` ticks a second (rounded down).
fn rescale(value: u64, from: u32, to: u32) -> u64 {
    (u128::from(value) * u128::from(to) / u128::from(from.max(1))).try_into().unwrap_or(u64::MAX)
}
