//! ISO-BMFF / QuickTime box framing (ISO/IEC 14496-12 §4.2): headers read from a range source at
//! the top level, and children iterated inside an in-memory parent, every size checked against
//! its parent so that a lying size field cannot make us read or allocate past the input.

use crate::error::{EngineError, Result};
use crate::limits::Limits;
use crate::media::bytes::Reader;
use crate::source::RangeSource;

pub type FourCc = [u8; 4];

/// A box's type and where its body lies, in the coordinates of whatever it was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BoxHeader {
    pub kind: FourCc,
    pub body_start: u64,
    pub body_len: u64,
}

/// Parses a header from `head` (≥ 8 bytes; 16 for 64-bit sizes) for a box at `offset` inside a
/// parent ending at `parent_end`. Size 0 means "to the end of the parent" (§4.2).
fn parse_header(head: &[u8], offset: u64, parent_end: u64) -> Result<BoxHeader> {
    let mut reader = Reader::new(head);
    let size32 = reader.u32()?;
    let kind = reader.array::<4>()?;
    let (size, header_len) = match size32 {
        0 => (parent_end - offset, 8),
        1 => (reader.u64()?, 16),
        size => (u64::from(size), 8),
    };
    let fits = offset.checked_add(size).is_some_and(|end| end <= parent_end);
    if size < header_len || !fits {
        return Err(EngineError::malformed(format!(
            "box {} at {offset} has size {size}, beyond its parent ending at {parent_end}",
            fourcc_text(kind)
        )));
    }
    Ok(BoxHeader { kind, body_start: offset + header_len, body_len: size - header_len })
}

/// The boxes at the top level of a file, read header by header (a few bytes each).
pub fn top_level(source: &dyn RangeSource, limits: &Limits) -> Result<Vec<BoxHeader>> {
    let end = source.len();
    let mut offset = 0u64;
    let mut boxes = Vec::new();
    while offset < end {
        if boxes.len() >= limits.max_boxes_per_level {
            return Err(EngineError::limit(format!("more than {} top-level boxes", limits.max_boxes_per_level)));
        }
        let mut head = [0u8; 16];
        let available = usize::try_from((end - offset).min(16)).unwrap_or(16);
        if available < 8 {
            return Err(EngineError::truncated(format!("{available} stray bytes at the end of the file")));
        }
        source.read_exact_at(offset, &mut head[..available])?;
        let header = match parse_header(&head[..available], offset, end) {
            Ok(header) => header,
            // A box that claims more than the file holds is a cut-off file, not a lie.
            Err(err) if available >= 8 && is_overlong(&head[..available], offset, end) => {
                return Err(EngineError::truncated(format!("file ends inside its last box ({})", err.message)));
            }
            Err(err) => return Err(err),
        };
        offset = header.body_start + header.body_len;
        boxes.push(header);
    }
    Ok(boxes)
}

fn is_overlong(head: &[u8], offset: u64, end: u64) -> bool {
    let mut reader = Reader::new(head);
    let size = match reader.u32() {
        Ok(1) => reader.skip(4).and_then(|()| reader.u64()).unwrap_or(0),
        Ok(size) => u64::from(size),
        Err(_) => 0,
    };
    size >= 8 && offset.saturating_add(size) > end
}

/// The child boxes of an in-memory box body.
pub fn children<'a>(body: &'a [u8], limits: &Limits) -> Result<Vec<(FourCc, &'a [u8])>> {
    let end = body.len() as u64;
    let mut offset = 0u64;
    let mut out = Vec::new();
    // Some QuickTime atoms end with a 4-byte zero terminator; fewer than 8 bytes left is padding.
    while end - offset >= 8 {
        if out.len() >= limits.max_boxes_per_level {
            return Err(EngineError::limit(format!("more than {} sibling boxes", limits.max_boxes_per_level)));
        }
        let start = offset as usize;
        let head = &body[start..body.len().min(start + 16)];
        let header = parse_header(head, offset, end)?;
        let body_start = header.body_start as usize;
        out.push((header.kind, &body[body_start..body_start + header.body_len as usize]));
        offset = header.body_start + header.body_len;
    }
    Ok(out)
}

/// The first child of `kind`, if any.
pub fn child<'a>(body: &'a [u8], kind: &FourCc, limits: &Limits) -> Result<Option<&'a [u8]>> {
    Ok(children(body, limits)?.into_iter().find(|(k, _)| k == kind).map(|(_, b)| b))
}

/// The child of `kind`, which the format requires.
pub fn required<'a>(body: &'a [u8], kind: &FourCc, parent: &str, limits: &Limits) -> Result<&'a [u8]> {
    child(body, kind, limits)?.ok_or_else(|| EngineError::malformed(format!("{parent} has no {}", fourcc_text(*kind))))
}

pub fn fourcc_text(kind: FourCc) -> String {
    kind.iter().map(|&b| if b.is_ascii_graphic() || b == b' ' { char::from(b) } else { '?' }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    fn boxed(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
        let mut out = ((body.len() + 8) as u32).to_be_bytes().to_vec();
        out.extend_from_slice(kind);
        out.extend_from_slice(body);
        out
    }

    #[test]
    fn walks_top_level_and_children() {
        let mut file = boxed(b"ftyp", b"isom\0\0\0\0");
        file.extend(boxed(b"moov", &[boxed(b"mvhd", &[0; 4]), boxed(b"trak", b"")].concat()));
        let limits = Limits::default();
        let top = top_level(&file, &limits).expect("top level");
        assert_eq!(top.iter().map(|b| b.kind).collect::<Vec<_>>(), [*b"ftyp", *b"moov"]);
        let moov = &file[top[1].body_start as usize..];
        let kids = children(moov, &limits).expect("children");
        assert_eq!(kids.iter().map(|(k, _)| *k).collect::<Vec<_>>(), [*b"mvhd", *b"trak"]);
    }

    #[test]
    fn lying_sizes_are_errors_not_panics() {
        let limits = Limits::default();
        let mut overlong = boxed(b"ftyp", b"isom");
        overlong[3] = 200;
        assert_eq!(top_level(&overlong, &limits).expect_err("cut off").code, ErrorCode::Truncated);
        let mut tiny = boxed(b"ftyp", b"isom");
        tiny[3] = 3;
        assert_eq!(top_level(&tiny, &limits).expect_err("size < header").code, ErrorCode::Malformed);
        let child_too_big = [boxed(b"mvhd", &[0; 4])[..3].to_vec(), vec![99], b"mvhd".to_vec()].concat();
        assert_eq!(children(&child_too_big, &limits).expect_err("child beyond parent").code, ErrorCode::Malformed);
        let huge64 = [1u32.to_be_bytes().to_vec(), b"mdat".to_vec(), u64::MAX.to_be_bytes().to_vec()].concat();
        assert!(top_level(&huge64, &limits).is_err());
    }
}
