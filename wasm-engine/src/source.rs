//! Byte-range sources: what the engine reads media through, so that probing a 5 GB upload reads
//! kilobytes, not the file. Implementations: a slice, a file (native), and — in their crates — a
//! `Blob` (browser) and an R2 object (edge worker).

use crate::error::{EngineError, Result};

/// Random-access reads of an input of known length. `Send + Sync` because the demuxers of
/// `media::foreign` require it of their input (reads take `&self`, so sharing is harmless).
pub trait RangeSource: Send + Sync {
    /// Total length in bytes.
    fn len(&self) -> u64;

    /// Reads exactly `buf.len()` bytes at `offset`; short input is `truncated_media`.
    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> Result<()>;

    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Reads `len` bytes at `offset` into a new buffer, after checking they exist (so a declared
    /// size never allocates more than the input holds).
    fn read_vec(&self, offset: u64, len: u64) -> Result<Vec<u8>> {
        let end = offset.checked_add(len).ok_or_else(|| EngineError::malformed("range overflows"))?;
        if end > self.len() {
            return Err(EngineError::truncated(format!("need bytes {offset}..{end} of a {}-byte input", self.len())));
        }
        let len = usize::try_from(len).map_err(|_| EngineError::limit("range larger than memory"))?;
        let mut buf = vec![0; len];
        self.read_exact_at(offset, &mut buf)?;
        Ok(buf)
    }
}

impl RangeSource for [u8] {
    fn len(&self) -> u64 {
        <[u8]>::len(self) as u64
    }

    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> Result<()> {
        let start = usize::try_from(offset).map_err(|_| EngineError::truncated("offset beyond input"))?;
        let bytes = start.checked_add(buf.len()).and_then(|end| self.get(start..end)).ok_or_else(|| {
            EngineError::truncated(format!(
                "need {} bytes at {offset} of a {}-byte input",
                buf.len(),
                <[u8]>::len(self)
            ))
        })?;
        buf.copy_from_slice(bytes);
        Ok(())
    }
}

impl RangeSource for Vec<u8> {
    fn len(&self) -> u64 {
        self.as_slice().len() as u64
    }

    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> Result<()> {
        self.as_slice().read_exact_at(offset, buf)
    }
}

/// Forward reads through a window of `window` bytes, so that many small reads (one per audio
/// frame) become a few large ones: what a `Blob` or an object store wants.
pub struct WindowedReader<'a> {
    source: &'a dyn RangeSource,
    window_len: usize,
    start: u64,
    buffer: Vec<u8>,
}

impl<'a> WindowedReader<'a> {
    pub fn new(source: &'a dyn RangeSource, window_len: usize) -> Self {
        Self { source, window_len: window_len.max(1), start: 0, buffer: Vec::new() }
    }

    /// The `len` bytes at `offset`, refilling the window when they are not all in it.
    pub fn read(&mut self, offset: u64, len: usize) -> Result<&[u8]> {
        let end = offset.checked_add(len as u64).ok_or_else(|| EngineError::malformed("range overflows"))?;
        let buffered_end = self.start + self.buffer.len() as u64;
        if offset < self.start || end > buffered_end {
            let fill = (self.window_len.max(len) as u64).min(self.source.len().saturating_sub(offset)).max(len as u64);
            self.buffer = self.source.read_vec(offset, fill)?;
            self.start = offset;
        }
        let from = (offset - self.start) as usize;
        Ok(&self.buffer[from..from + len])
    }
}

impl std::fmt::Debug for WindowedReader<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WindowedReader").field("start", &self.start).field("len", &self.buffer.len()).finish()
    }
}

/// Where produced bytes go (a `Vec`, a file, the parts of a browser `Blob`).
pub trait ByteSink {
    fn write_all(&mut self, bytes: &[u8]) -> Result<()>;
}

impl ByteSink for Vec<u8> {
    fn write_all(&mut self, bytes: &[u8]) -> Result<()> {
        self.extend_from_slice(bytes);
        Ok(())
    }
}

/// A file on disk, read with positioned reads (no shared cursor, so `&self` suffices).
#[cfg(unix)]
#[derive(Debug)]
pub struct FileSource {
    file: std::fs::File,
    len: u64,
}

#[cfg(unix)]
impl FileSource {
    pub fn open(path: &std::path::Path) -> Result<Self> {
        let file = std::fs::File::open(path).map_err(|e| EngineError::io(format!("{}: {e}", path.display())))?;
        let len = file.metadata().map_err(|e| EngineError::io(format!("{}: {e}", path.display())))?.len();
        Ok(Self { file, len })
    }
}

#[cfg(unix)]
impl RangeSource for FileSource {
    fn len(&self) -> u64 {
        self.len
    }

    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> Result<()> {
        use std::os::unix::fs::FileExt;
        self.file.read_exact_at(buf, offset).map_err(|e| match e.kind() {
            std::io::ErrorKind::UnexpectedEof => {
                EngineError::truncated(format!("need {} bytes at {offset}", buf.len()))
            }
            _ => EngineError::io(e.to_string()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    #[test]
    fn slices_read_ranges_and_refuse_past_the_end() {
        let data: &[u8] = b"0123456789";
        let mut buf = [0u8; 3];
        data.read_exact_at(7, &mut buf).expect("in range");
        assert_eq!(&buf, b"789");
        assert_eq!(data.read_exact_at(8, &mut buf).expect_err("past end").code, ErrorCode::Truncated);
        assert_eq!(data.read_exact_at(u64::MAX, &mut buf).expect_err("huge").code, ErrorCode::Truncated);
        assert_eq!(data.read_vec(2, u64::MAX).expect_err("overflow").code, ErrorCode::Malformed);
        assert_eq!(data.read_vec(2, 1 << 40).expect_err("declared too large").code, ErrorCode::Truncated);
    }

    #[test]
    fn windowed_reads_serve_from_the_window_and_refill() {
        let data: Vec<u8> = (0..=255).collect();
        let mut reader = WindowedReader::new(&data, 16);
        assert_eq!(reader.read(10, 3).expect("read"), &[10, 11, 12]);
        assert_eq!(reader.read(20, 4).expect("within window"), &[20, 21, 22, 23]);
        assert_eq!(reader.read(5, 40).expect("larger than window").len(), 40);
        assert_eq!(reader.read(250, 6).expect("at the end"), &[250, 251, 252, 253, 254, 255]);
        assert_eq!(reader.read(250, 7).expect_err("past the end").code, ErrorCode::Truncated);
    }
}
