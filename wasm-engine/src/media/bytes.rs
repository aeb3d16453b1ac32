//! A bounds-checked big-endian reader over a byte slice: every read that would run past the end
//! is `truncated_media`, never a panic.

use crate::error::{EngineError, Result};

#[derive(Debug, Clone)]
pub struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Self { data, pos: 0 }
    }

    pub fn remaining(&self) -> usize {
        self.data.len() - self.pos
    }

    pub fn position(&self) -> usize {
        self.pos
    }

    pub fn bytes(&mut self, len: usize) -> Result<&'a [u8]> {
        let end = self.pos.checked_add(len).filter(|&end| end <= self.data.len()).ok_or_else(|| {
            EngineError::truncated(format!("need {len} bytes at {} of a {}-byte structure", self.pos, self.data.len()))
        })?;
        let bytes = &self.data[self.pos..end];
        self.pos = end;
        Ok(bytes)
    }

    pub fn skip(&mut self, len: usize) -> Result<()> {
        self.bytes(len).map(|_| ())
    }

    pub fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.bytes(N)?);
        Ok(out)
    }

    pub fn u8(&mut self) -> Result<u8> {
        Ok(self.array::<1>()?[0])
    }

    pub fn u16(&mut self) -> Result<u16> {
        Ok(u16::from_be_bytes(self.array()?))
    }

    pub fn u24(&mut self) -> Result<u32> {
        let [a, b, c] = self.array()?;
        Ok(u32::from_be_bytes([0, a, b, c]))
    }

    pub fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_be_bytes(self.array()?))
    }

    pub fn i32(&mut self) -> Result<i32> {
        Ok(i32::from_be_bytes(self.array()?))
    }

    pub fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_be_bytes(self.array()?))
    }

    /// A count of fixed-size entries that must fit in what is left, checked before allocating.
    pub fn entry_count(&mut self, entry_size: usize, max: u64, what: &str) -> Result<usize> {
        let count = self.u32()?;
        if u64::from(count) > max {
            return Err(EngineError::limit(format!("{what} declares {count} entries (limit {max})")));
        }
        let count = count as usize;
        if count.saturating_mul(entry_size) > self.remaining() {
            return Err(EngineError::truncated(format!(
                "{what} declares {count} entries but holds {} bytes",
                self.remaining()
            )));
        }
        Ok(count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    #[test]
    fn reads_big_endian_and_stops_at_the_end() {
        let mut reader = Reader::new(&[0, 1, 0, 0, 0, 2, 9]);
        assert_eq!(reader.u16().expect("u16"), 1);
        assert_eq!(reader.u32().expect("u32"), 2);
        assert_eq!(reader.u16().expect_err("short").code, ErrorCode::Truncated);
        assert_eq!(reader.u8().expect("u8"), 9);
    }

    #[test]
    fn entry_counts_are_checked_against_the_bytes_present() {
        let mut reader = Reader::new(&[0, 0, 0, 3, 1, 2, 3, 4]);
        assert_eq!(reader.clone().entry_count(4, 10, "t").expect_err("3×4 > 4").code, ErrorCode::Truncated);
        assert_eq!(reader.clone().entry_count(1, 2, "t").expect_err("over limit").code, ErrorCode::LimitExceeded);
        assert_eq!(reader.entry_count(1, 10, "t").expect("fits"), 3);
    }
}
