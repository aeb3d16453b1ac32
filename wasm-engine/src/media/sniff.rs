//! Magic-byte sniffing of a file's first bytes: which container it is, before anything else is
//! read (during upload, on the first chunk). A match means "worth probing", not "valid".

/// Containers the engine recognises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Container {
    Mp4,
    Mov,
    M4a,
    Mp3,
    /// Raw AAC in ADTS frames.
    Adts,
    Wav,
    Flac,
    Ogg,
    WebM,
    Matroska,
}

impl Container {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Mp4 => "mp4",
            Self::Mov => "mov",
            Self::M4a => "m4a",
            Self::Mp3 => "mp3",
            Self::Adts => "aac",
            Self::Wav => "wav",
            Self::Flac => "flac",
            Self::Ogg => "ogg",
            Self::WebM => "webm",
            Self::Matroska => "mkv",
        }
    }
}

/// Bytes the sniffer wants to see; fewer may still match.
pub const SNIFF_BYTES: usize = 64;

/// The container of a file from its first bytes (at least 12 for most formats), or `None`.
pub fn sniff(head: &[u8]) -> Option<Container> {
    iso_bmff(head)
        .or_else(|| riff_wave(head))
        .or_else(|| head.starts_with(b"fLaC").then_some(Container::Flac))
        .or_else(|| head.starts_with(b"OggS").then_some(Container::Ogg))
        .or_else(|| ebml(head))
        .or_else(|| mpeg_audio(head))
}

fn iso_bmff(head: &[u8]) -> Option<Container> {
    let box_type = head.get(4..8)?;
    if box_type == b"ftyp" {
        let brand = head.get(8..12)?;
        return Some(match brand {
            b"qt  " => Container::Mov,
            b"M4A " | b"M4B " | b"M4P " | b"F4A " => Container::M4a,
            _ => Container::Mp4,
        });
    }
    // QuickTime files from before `ftyp` start straight with one of these atoms.
    let size = u32::from_be_bytes(head.get(0..4)?.try_into().ok()?);
    let plausible_size = size == 1 || size >= 8;
    (plausible_size && matches!(box_type, b"moov" | b"mdat" | b"wide" | b"free" | b"skip" | b"pnot"))
        .then_some(Container::Mov)
}

fn riff_wave(head: &[u8]) -> Option<Container> {
    (head.starts_with(b"RIFF") && head.get(8..12) == Some(b"WAVE")).then_some(Container::Wav)
}

/// EBML header; the DocType (within the first bytes) tells WebM from other Matroska.
fn ebml(head: &[u8]) -> Option<Container> {
    if !head.starts_with(&[0x1A, 0x45, 0xDF, 0xA3]) {
        return None;
    }
    let webm = head.windows(4).any(|w| w == b"webm");
    Some(if webm { Container::WebM } else { Container::Matroska })
}

/// An ID3v2 tag, or MPEG audio frame sync with a valid header (layer III/II or ADTS AAC). Two
/// consecutive valid frames are required when the head holds them, since a lone 0xFFE sync
/// occurs by chance in arbitrary data.
fn mpeg_audio(head: &[u8]) -> Option<Container> {
    if head.starts_with(b"ID3") && head.len() >= 10 && head[3] < 0xFF && head[5] & 0x0F == 0 {
        return Some(Container::Mp3);
    }
    let header = head.get(0..4)?;
    if header[0] != 0xFF || header[1] & 0xE0 != 0xE0 {
        return None;
    }
    let layer = (header[1] >> 1) & 0b11;
    if layer == 0 {
        // ADTS: 0xFFF sync, layer 00, a valid sampling-frequency index, frame length ≥ header.
        let sampling_index = (header[2] >> 2) & 0x0F;
        let frame_length = head
            .get(3..6)
            .map(|b| (usize::from(b[0] & 0x03) << 11) | (usize::from(b[1]) << 3) | usize::from(b[2] >> 5));
        return (header[1] & 0xF0 == 0xF0 && sampling_index < 13 && frame_length.is_some_and(|len| len >= 7))
            .then_some(Container::Adts);
    }
    let frame = mpeg_frame_length(header)?;
    match head.get(frame..frame + 4) {
        Some(next) if mpeg_frame_length(next).is_none() => None,
        _ => Some(Container::Mp3),
    }
}

/// Length in bytes of the MPEG-1/2/2.5 layer II/III frame this header starts, if valid.
fn mpeg_frame_length(header: &[u8]) -> Option<usize> {
    if header.len() < 4 || header[0] != 0xFF || header[1] & 0xE0 != 0xE0 {
        return None;
    }
    let version = (header[1] >> 3) & 0b11; // 0: 2.5, 2: 2, 3: 1
    let layer = (header[1] >> 1) & 0b11; // 1: III, 2: II
    let bitrate_index = usize::from(header[2] >> 4);
    let rate_index = usize::from((header[2] >> 2) & 0b11);
    if version == 1 || !(1..=2).contains(&layer) || bitrate_index == 0 || bitrate_index == 15 || rate_index == 3 {
        return None;
    }
    const V1_L3: [u32; 15] = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320];
    const V1_L2: [u32; 15] = [0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384];
    const V2: [u32; 15] = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160];
    const RATES: [u32; 3] = [44_100, 48_000, 32_000];
    let kbps = match (version, layer) {
        (3, 1) => V1_L3[bitrate_index],
        (3, _) => V1_L2[bitrate_index],
        _ => V2[bitrate_index],
    };
    let rate = RATES[rate_index]
        >> match version {
            3 => 0,
            2 => 1,
            _ => 2,
        };
    let samples_per_frame = if version == 3 || layer == 2 { 1152 } else { 576 };
    let padding = u32::from((header[2] >> 1) & 1);
    let length = samples_per_frame / 8 * kbps * 1000 / rate + padding;
    usize::try_from(length).ok().filter(|&len| len >= 4)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn padded(prefix: &[u8]) -> Vec<u8> {
        let mut head = prefix.to_vec();
        head.resize(SNIFF_BYTES, 0);
        head
    }

    #[test]
    fn recognises_each_container() {
        assert_eq!(sniff(&padded(b"\0\0\0\x20ftypisom\0\0\x02\0")), Some(Container::Mp4));
        assert_eq!(sniff(&padded(b"\0\0\0\x14ftypqt  ")), Some(Container::Mov));
        assert_eq!(sniff(&padded(b"\0\0\0\x1cftypM4A ")), Some(Container::M4a));
        assert_eq!(sniff(&padded(b"\0\0\0\x08wide\0\0\0\x10mdat")), Some(Container::Mov));
        assert_eq!(sniff(&padded(b"RIFF\x24\0\0\0WAVEfmt ")), Some(Container::Wav));
        assert_eq!(sniff(&padded(b"fLaC\0\0\0\x22")), Some(Container::Flac));
        assert_eq!(sniff(&padded(b"OggS\0\x02")), Some(Container::Ogg));
        assert_eq!(sniff(&padded(b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm")), Some(Container::WebM));
        assert_eq!(sniff(&padded(b"\x1a\x45\xdf\xa3\x9f\x42\x82\x88matroska")), Some(Container::Matroska));
        assert_eq!(sniff(&padded(b"ID3\x04\0\0\0\0\x01\x00")), Some(Container::Mp3));
        assert_eq!(sniff(&padded(b"\xff\xf1\x50\x80\x02\x1f\xfc")), Some(Container::Adts));
    }

    #[test]
    fn mp3_frame_sync_needs_a_second_frame_when_visible() {
        // MPEG-1 layer III, 128 kbps, 44.1 kHz: 417-byte frames.
        let header = [0xFF, 0xFB, 0x90, 0x64];
        let mut two_frames = vec![0u8; 417 + 4];
        two_frames[..4].copy_from_slice(&header);
        two_frames[417..].copy_from_slice(&header);
        assert_eq!(sniff(&two_frames), Some(Container::Mp3));
        let mut broken = two_frames.clone();
        broken[417] = 0;
        assert_eq!(sniff(&broken), None);
        assert_eq!(sniff(&header), Some(Container::Mp3), "a lone first frame is accepted when nothing follows");
    }

    #[test]
    fn refuses_non_media() {
        for head in [
            &b""[..],
            b"\0\0\0",
            b"%PDF-1.7\n%",
            b"<!DOCTYPE html>",
            b"PK\x03\x04\x14\0\0\0",
            b"\x89PNG\r\n\x1a\n",
            &[0xFF; 64],
        ] {
            assert_eq!(sniff(head), None, "{head:?}");
        }
    }
}
