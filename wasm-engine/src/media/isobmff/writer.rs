//! Writing ISO-BMFF boxes: a byte buffer whose boxes patch their own sizes when closed.

#[derive(Debug, Default)]
pub struct BoxWriter {
    pub bytes: Vec<u8>,
    open: Vec<usize>,
}

impl BoxWriter {
    pub fn begin(&mut self, kind: &[u8; 4]) -> &mut Self {
        self.open.push(self.bytes.len());
        self.bytes.extend_from_slice(&[0, 0, 0, 0]);
        self.bytes.extend_from_slice(kind);
        self
    }

    /// A full box: `begin` plus version and flags.
    pub fn begin_full(&mut self, kind: &[u8; 4], version: u8, flags: u32) -> &mut Self {
        self.begin(kind);
        self.u32((u32::from(version) << 24) | (flags & 0x00FF_FFFF))
    }

    /// Closes the innermost open box. Our boxes stay far below 4 GiB (`mdat` is written apart).
    pub fn end(&mut self) -> &mut Self {
        if let Some(start) = self.open.pop() {
            let size = u32::try_from(self.bytes.len() - start).unwrap_or(u32::MAX);
            self.bytes[start..start + 4].copy_from_slice(&size.to_be_bytes());
        }
        self
    }

    pub fn raw(&mut self, bytes: &[u8]) -> &mut Self {
        self.bytes.extend_from_slice(bytes);
        self
    }

    pub fn u8(&mut self, value: u8) -> &mut Self {
        self.raw(&[value])
    }

    pub fn u16(&mut self, value: u16) -> &mut Self {
        self.raw(&value.to_be_bytes())
    }

    pub fn u32(&mut self, value: u32) -> &mut Self {
        self.raw(&value.to_be_bytes())
    }

    pub fn i32(&mut self, value: i32) -> &mut Self {
        self.raw(&value.to_be_bytes())
    }

    pub fn u64(&mut self, value: u64) -> &mut Self {
        self.raw(&value.to_be_bytes())
    }

    pub fn zeros(&mut self, count: usize) -> &mut Self {
        self.bytes.resize(self.bytes.len() + count, 0);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_boxes_get_their_sizes() {
        let mut w = BoxWriter::default();
        w.begin(b"moov").begin_full(b"mvhd", 0, 0).u32(7).end().end();
        assert_eq!(w.bytes.len(), 8 + 8 + 4 + 4);
        assert_eq!(&w.bytes[0..8], &[0, 0, 0, 24, b'm', b'o', b'o', b'v']);
        assert_eq!(&w.bytes[8..12], &[0, 0, 0, 16]);
    }
}
