//! The stored form of an `Analysis`: written once by processing (in the media container), read by
//! every cut plan (in the worker or the browser). Compact binary rather than JSON because a 3-hour
//! recording has ~1.1 million hops: 2 bytes and 1 bit each here, about 2.5 MB; as JSON, ~8 MB.
//!
//! Layout, little-endian: `RCAN`, version (1 byte), sample rate (u32), noise floor (i16), hop
//! count (u32), the levels (i16 each), the voice mask (one bit per hop, LSB first).

use super::{Analysis, Envelope};
use crate::error::{EngineError, Result};

const MAGIC: &[u8; 4] = b"RCAN";
const VERSION: u8 = 1;
const HEADER_LEN: usize = 4 + 1 + 4 + 2 + 4;

impl Analysis {
    pub fn encode(&self) -> Vec<u8> {
        let hops = self.envelope.levels.len();
        let mut out = Vec::with_capacity(HEADER_LEN + hops * 2 + hops.div_ceil(8));
        out.extend_from_slice(MAGIC);
        out.push(VERSION);
        out.extend_from_slice(&self.envelope.sample_rate.to_le_bytes());
        out.extend_from_slice(&self.noise_floor.to_le_bytes());
        out.extend_from_slice(&(hops as u32).to_le_bytes());
        for level in &self.envelope.levels {
            out.extend_from_slice(&level.to_le_bytes());
        }
        let mut mask = vec![0u8; hops.div_ceil(8)];
        for (hop, _) in self.voice.iter().enumerate().filter(|(_, voiced)| **voiced) {
            mask[hop / 8] |= 1 << (hop % 8);
        }
        out.extend_from_slice(&mask);
        out
    }

    /// Reads what `encode` wrote; anything else (another version, a truncated object) is an error,
    /// never a wrong analysis.
    pub fn decode(bytes: &[u8]) -> Result<Self> {
        let header = bytes.get(..HEADER_LEN).ok_or_else(|| EngineError::truncated("analysis header"))?;
        if &header[..4] != MAGIC {
            return Err(EngineError::malformed("not a stored analysis"));
        }
        if header[4] != VERSION {
            return Err(EngineError::unsupported(format!("stored analysis version {}", header[4])));
        }
        let sample_rate = u32::from_le_bytes([header[5], header[6], header[7], header[8]]);
        let noise_floor = i16::from_le_bytes([header[9], header[10]]);
        let hops = u32::from_le_bytes([header[11], header[12], header[13], header[14]]) as usize;
        let body = &bytes[HEADER_LEN..];
        let expected = hops.checked_mul(2).and_then(|n| n.checked_add(hops.div_ceil(8)));
        if expected != Some(body.len()) {
            return Err(EngineError::truncated(format!("{hops} hops need {expected:?} bytes, found {}", body.len())));
        }
        let (levels, mask) = body.split_at(hops * 2);
        let levels = levels.chunks_exact(2).map(|pair| i16::from_le_bytes([pair[0], pair[1]])).collect();
        let voice = (0..hops).map(|hop| mask[hop / 8] & (1 << (hop % 8)) != 0).collect();
        Ok(Self { envelope: Envelope { sample_rate, levels }, noise_floor, voice })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    fn sample(hops: usize) -> Analysis {
        let levels: Vec<i16> = (0..hops).map(|i| -6000 + (i as i16 % 50) * 97).collect();
        let voice = levels.iter().map(|&l| l > -4000).collect();
        Analysis { envelope: Envelope { sample_rate: 44_100, levels }, noise_floor: -5800, voice }
    }

    #[test]
    fn analyses_survive_the_round_trip_at_every_mask_length() {
        for hops in [0, 1, 7, 8, 9, 1000] {
            let analysis = sample(hops);
            assert_eq!(Analysis::decode(&analysis.encode()).expect("decode"), analysis, "{hops} hops");
        }
    }

    #[test]
    fn damaged_objects_are_refused() {
        let bytes = sample(100).encode();
        assert_eq!(Analysis::decode(&bytes[..bytes.len() - 1]).expect_err("short").code, ErrorCode::Truncated);
        assert_eq!(Analysis::decode(&bytes[..10]).expect_err("header").code, ErrorCode::Truncated);
        let mut wrong = bytes.clone();
        wrong[0] = b'X';
        assert_eq!(Analysis::decode(&wrong).expect_err("magic").code, ErrorCode::Malformed);
        let mut newer = bytes;
        newer[4] = 2;
        assert_eq!(Analysis::decode(&newer).expect_err("version").code, ErrorCode::Unsupported);
    }
}
