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

    /// How many bytes reading through costs about as much as one more read: readers of
    /// scattered ranges (an audio track between video chunks) read through gaps smaller than
    /// this. A file's read is a cheap system call; a browser `Blob`'s is a round trip to another
    /// process.
    fn gap_worth_a_read(&self) -> u64 {
        16 * 1024
    }

    /// Appends the bytes of `pieces` (ascending `(offset, len)` ranges inside `span`) to `out`,
    /// with one read of `span`: how scattered samples are read through the gaps between them.
    /// A source whose bytes live outside wasm memory (a `Blob`) copies only the pieces in.
    fn read_pieces(&self, span: std::ops::Range<u64>, pieces: &[(u64, usize)], out: &mut Vec<u8>) -> Result<()> {
        check_pieces(&span, pieces)?;
        let at = out.len();
        let len = usize::try_from(span.end - span.start).map_err(|_| EngineError::limit("range larger than memory"))?;
        out.resize(at + len, 0);
        self.read_exact_at(span.start, &mut out[at..])?;
        // the pieces move to the front of what was read, in place: they ascend, so each lands at or
        // before where it was
        let mut write = at;
        for &(offset, len) in pieces {
            let from = at + (offset - span.start) as usize;
            out.copy_within(from..from + len, write);
            write += len;
        }
        out.truncate(write);
        Ok(())
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

/// Pieces of a read: ascending, disjoint and inside `span`, as `read_pieces` requires.
pub fn check_pieces(span: &std::ops::Range<u64>, pieces: &[(u64, usize)]) -> Result<()> {
    let mut next = span.start;
    for &(offset, len) in pieces {
        let end = offset.checked_add(len as u64).filter(|&end| offset >= next && end <= span.end);
        next = end.ok_or_else(|| EngineError::invalid_argument("pieces out of order or outside their read"))?;
    }
    Ok(())
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
    fn pieces_are_read_in_one_span_and_refused_out_of_order() {
        let data: &[u8] = b"0123456789";
        let mut out = b"<".to_vec();
        data.read_pieces(1..9, &[(1, 2), (4, 1), (6, 3)], &mut out).expect("pieces");
        assert_eq!(out, b"<124678");
        let refused =
            |pieces: &[(u64, usize)]| data.read_pieces(1..9, pieces, &mut Vec::new()).expect_err("refused").code;
        assert_eq!(refused(&[(4, 1), (1, 2)]), ErrorCode::InvalidArgument, "out of order");
        assert_eq!(refused(&[(1, 2), (2, 2)]), ErrorCode::InvalidArgument, "overlapping");
        assert_eq!(refused(&[(8, 2)]), ErrorCode::InvalidArgument, "past the span");
        assert_eq!(refused(&[(0, 1)]), ErrorCode::InvalidArgument, "before the span");
    }
}
