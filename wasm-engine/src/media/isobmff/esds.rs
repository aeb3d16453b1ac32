//! The MPEG-4 elementary stream descriptor (`esds`, ISO/IEC 14496-1 §7.2.6) and the AAC
//! AudioSpecificConfig it carries (ISO/IEC 14496-3 §1.6.2.1): the true sample rate and channel
//! layout of an AAC track, which the sample entry's fields may not state.

use crate::error::{EngineError, Result};
use crate::media::bytes::Reader;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AudioSpecificConfig {
    pub object_type: u8,
    pub sample_rate: u32,
    pub channels: u16,
    /// The config's bytes, kept verbatim for remuxing.
    pub bytes: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecoderConfig {
    /// `objectTypeIndication` (0x40: MPEG-4 audio).
    pub object_type: u8,
    pub config: Option<AudioSpecificConfig>,
}

const SAMPLE_RATES: [u32; 13] =
    [96_000, 88_200, 64_000, 48_000, 44_100, 32_000, 24_000, 22_050, 16_000, 12_000, 11_025, 8_000, 7_350];

/// A descriptor's tag and its body (the length is 1–4 bytes of 7 bits each).
fn descriptor<'a>(r: &mut Reader<'a>) -> Result<(u8, &'a [u8])> {
    let tag = r.u8()?;
    let mut len = 0usize;
    for _ in 0..4 {
        let byte = r.u8()?;
        len = (len << 7) | usize::from(byte & 0x7F);
        if byte & 0x80 == 0 {
            break;
        }
    }
    Ok((tag, r.bytes(len)?))
}

pub fn parse(esds: &[u8]) -> Result<DecoderConfig> {
    let mut r = Reader::new(esds);
    r.skip(4)?; // version, flags
    let (tag, es) = descriptor(&mut r)?;
    if tag != 0x03 {
        return Err(EngineError::malformed(format!("esds starts with descriptor tag {tag}, not ES_Descriptor")));
    }
    let mut r = Reader::new(es);
    r.skip(2)?; // ES_ID
    let flags = r.u8()?;
    if flags & 0x80 != 0 {
        r.skip(2)?; // dependsOn_ES_ID
    }
    if flags & 0x40 != 0 {
        let url_len = r.u8()?;
        r.skip(usize::from(url_len))?;
    }
    if flags & 0x20 != 0 {
        r.skip(2)?; // OCR_ES_Id
    }
    let (tag, decoder) = descriptor(&mut r)?;
    if tag != 0x04 {
        return Err(EngineError::malformed(format!("ES_Descriptor holds tag {tag}, not DecoderConfigDescriptor")));
    }
    let mut r = Reader::new(decoder);
    let object_type = r.u8()?;
    r.skip(1 + 3 + 4 + 4)?; // stream type, buffer size, max and average bit rates
    let config = if r.remaining() > 0 {
        let (tag, specific) = descriptor(&mut r)?;
        if tag == 0x05 && object_type == 0x40 { Some(audio_specific_config(specific)?) } else { None }
    } else {
        None
    };
    Ok(DecoderConfig { object_type, config })
}

/// Reads bits MSB first.
struct Bits<'a> {
    data: &'a [u8],
    bit: usize,
}

impl Bits<'_> {
    fn take(&mut self, count: usize) -> Result<u32> {
        let mut value = 0u32;
        for _ in 0..count {
            let byte =
                self.data.get(self.bit / 8).ok_or_else(|| EngineError::truncated("AudioSpecificConfig ends early"))?;
            value = (value << 1) | u32::from((byte >> (7 - self.bit % 8)) & 1);
            self.bit += 1;
        }
        Ok(value)
    }
}

pub fn audio_specific_config(bytes: &[u8]) -> Result<AudioSpecificConfig> {
    let mut bits = Bits { data: bytes, bit: 0 };
    let mut object_type = bits.take(5)?;
    if object_type == 31 {
        object_type = 32 + bits.take(6)?;
    }
    let index = bits.take(4)? as usize;
    let sample_rate = if index == 15 {
        bits.take(24)?
    } else {
        *SAMPLE_RATES
            .get(index)
            .ok_or_else(|| EngineError::malformed(format!("AAC sampling frequency index {index}")))?
    };
    let channels = bits.take(4)? as u16;
    // Configurations 1–6 are that many channels; 7 is 7.1 (8); 0 means "in the program config".
    let channels = match channels {
        7 => 8,
        other => other,
    };
    Ok(AudioSpecificConfig { object_type: object_type as u8, sample_rate, channels, bytes: bytes.to_vec() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_aac_lc_configs() {
        // AAC LC, 48 kHz (index 3), stereo: 00010 0011 0010 000
        let config = audio_specific_config(&[0x11, 0x90]).expect("asc");
        assert_eq!((config.object_type, config.sample_rate, config.channels), (2, 48_000, 2));
        // AAC LC, 44.1 kHz (index 4), mono: 00010 0100 0001 000
        let config = audio_specific_config(&[0x12, 0x08]).expect("asc");
        assert_eq!((config.sample_rate, config.channels), (44_100, 1));
        assert!(audio_specific_config(&[0x17]).is_err(), "index 14 is reserved");
        assert!(audio_specific_config(&[]).is_err());
    }
}
