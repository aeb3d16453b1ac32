//! Bounds on what an input may make the engine do. Uploads are untrusted: every count or size a
//! file declares is checked against these before anything is allocated for it (Symphonia's
//! `LimitError` idea).

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Tracks per file. Real recordings have two or three.
    pub max_tracks: usize,
    /// Entries of one sample table (`stsz`, `stts`, `stco`, …): a 3-hour 60 fps video has
    /// ~650,000 samples.
    pub max_table_entries: u64,
    /// Bytes of metadata read into memory at once (an MP4 `moov`).
    pub max_metadata_bytes: u64,
    /// Boxes visited at one level before the input is called hostile.
    pub max_boxes_per_level: usize,
    /// Presented duration a decode may produce (silence an edit list asks for included).
    pub max_duration_seconds: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_tracks: 16,
            max_table_entries: 8_000_000,
            max_metadata_bytes: 256 * 1024 * 1024,
            max_boxes_per_level: 100_000,
            max_duration_seconds: 24 * 3600,
        }
    }
}
