//! TUS 1.0.0 (https://tus.io/protocols/resumable-upload) as plain values: the headers we read,
//! checked and typed, and the constants we advertise. No I/O: the upload session and the HTTP
//! layer build on these.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha256};

use super::UploadError;

pub const VERSION: &str = "1.0.0";
pub const EXTENSIONS: &str = "creation,creation-with-upload,termination,checksum,expiration";
pub const CHECKSUM_ALGORITHMS: &str = "sha1,md5,sha256";
/// 50 GiB, API.md's `Tus-Max-Size`.
pub const MAX_UPLOAD_BYTES: u64 = 50 << 30;
/// Smaller files cannot be media worth cutting (and cannot be sniffed).
pub const MIN_UPLOAD_BYTES: u64 = 64;
/// One PATCH carries at most this much: what a Worker can hold while it re-cuts parts.
pub const MAX_CHUNK_BYTES: u64 = 64 << 20;
/// An upload expires this long after its last PATCH (by default: the deployment may set
/// `UPLOAD_TTL_SECONDS`).
pub const UPLOAD_TTL_MS: i64 = 24 * 3600 * 1000;
/// The offset-octet-stream media type every PATCH must declare.
pub const PATCH_CONTENT_TYPE: &str = "application/offset+octet-stream";

/// `Tus-Resumable` must name the version we speak (412 otherwise).
pub fn check_resumable(header: Option<&str>) -> Result<(), UploadError> {
    match header {
        Some(VERSION) => Ok(()),
        _ => Err(UploadError::PreconditionFailed),
    }
}

/// `Upload-Length`: digits only, inside [64 B, 50 GiB].
pub fn upload_length(header: Option<&str>) -> Result<u64, UploadError> {
    let value = header.ok_or_else(|| UploadError::BadRequest("Upload-Length is required".into()))?;
    let length = digits(value).ok_or_else(|| UploadError::BadRequest("Upload-Length must be a whole number".into()))?;
    if length > MAX_UPLOAD_BYTES {
        return Err(UploadError::TooLarge(format!("uploads are at most {MAX_UPLOAD_BYTES} bytes")));
    }
    if length < MIN_UPLOAD_BYTES {
        return Err(UploadError::BadRequest(format!("uploads are at least {MIN_UPLOAD_BYTES} bytes")));
    }
    Ok(length)
}

/// `Upload-Offset`: digits only.
pub fn upload_offset(header: Option<&str>) -> Result<u64, UploadError> {
    header.and_then(digits).ok_or_else(|| UploadError::BadRequest("Upload-Offset must be a whole number".into()))
}

fn digits(value: &str) -> Option<u64> {
    let value = value.trim();
    (!value.is_empty() && value.len() <= 19 && value.bytes().all(|b| b.is_ascii_digit())).then(|| value.parse().ok())?
}

/// `Upload-Metadata`: comma-separated `key base64value` pairs (value optional); keys unique,
/// ASCII without spaces or commas; values UTF-8.
pub fn metadata(header: Option<&str>) -> Result<Vec<(String, String)>, UploadError> {
    let Some(header) = header.filter(|h| !h.trim().is_empty()) else { return Ok(Vec::new()) };
    let mut pairs: Vec<(String, String)> = Vec::new();
    for pair in header.split(',') {
        let mut parts = pair.trim().splitn(2, ' ');
        let key = parts.next().unwrap_or_default();
        if key.is_empty() || !key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(UploadError::BadRequest(format!("Upload-Metadata key {key:?} is not a key")));
        }
        let value = match parts.next().map(str::trim) {
            None | Some("") => String::new(),
            Some(encoded) => {
                STANDARD.decode(encoded).ok().and_then(|bytes| String::from_utf8(bytes).ok()).ok_or_else(|| {
                    UploadError::BadRequest(format!("Upload-Metadata {key}: not base64 of UTF-8 text"))
                })?
            }
        };
        if pairs.iter().any(|(existing, _)| existing == key) {
            return Err(UploadError::BadRequest(format!("Upload-Metadata repeats {key}")));
        }
        pairs.push((key.to_owned(), value));
    }
    Ok(pairs)
}

/// A requested `Upload-Checksum`: the algorithm and the expected digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checksum {
    algorithm: Algorithm,
    expected: Vec<u8>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Algorithm {
    Sha1,
    Md5,
    Sha256,
}

impl Checksum {
    /// `Upload-Checksum: <algorithm> <base64 digest>`; an unknown algorithm is a 400.
    pub fn parse(header: Option<&str>) -> Result<Option<Self>, UploadError> {
        let Some(header) = header else { return Ok(None) };
        let (name, digest) = header
            .trim()
            .split_once(' ')
            .ok_or_else(|| UploadError::BadRequest("Upload-Checksum is `<algorithm> <base64 digest>`".into()))?;
        let algorithm = match name {
            "sha1" => Algorithm::Sha1,
            "md5" => Algorithm::Md5,
            "sha256" => Algorithm::Sha256,
            other => {
                return Err(UploadError::BadRequest(format!(
                    "checksum algorithm {other:?}: one of {CHECKSUM_ALGORITHMS}"
                )));
            }
        };
        let expected = STANDARD
            .decode(digest.trim())
            .map_err(|_| UploadError::BadRequest("Upload-Checksum digest is not base64".into()))?;
        Ok(Some(Self { algorithm, expected }))
    }

    /// A running digest of the chunk, fed as its bytes arrive.
    pub fn hasher(&self) -> ChunkHasher {
        match self.algorithm {
            Algorithm::Sha1 => ChunkHasher::Sha1(Sha1::new()),
            Algorithm::Md5 => ChunkHasher::Md5(Md5::new()),
            Algorithm::Sha256 => ChunkHasher::Sha256(Sha256::new()),
        }
    }

    /// 460 unless `hasher` saw exactly the bytes the client hashed.
    pub fn verify(&self, hasher: ChunkHasher) -> Result<(), UploadError> {
        if hasher.finish() == self.expected { Ok(()) } else { Err(UploadError::ChecksumMismatch) }
    }
}

#[derive(Debug)]
pub enum ChunkHasher {
    Sha1(Sha1),
    Md5(Md5),
    Sha256(Sha256),
}

impl ChunkHasher {
    pub fn update(&mut self, bytes: &[u8]) {
        match self {
            Self::Sha1(h) => h.update(bytes),
            Self::Md5(h) => h.update(bytes),
            Self::Sha256(h) => h.update(bytes),
        }
    }

    fn finish(self) -> Vec<u8> {
        match self {
            Self::Sha1(h) => h.finalize().to_vec(),
            Self::Md5(h) => h.finalize().to_vec(),
            Self::Sha256(h) => h.finalize().to_vec(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_offsets_and_versions() {
        assert_eq!(check_resumable(Some("1.0.0")), Ok(()));
        assert_eq!(check_resumable(Some("0.2.2")), Err(UploadError::PreconditionFailed));
        assert_eq!(check_resumable(None), Err(UploadError::PreconditionFailed));
        assert_eq!(upload_length(Some("1048576")), Ok(1_048_576));
        assert!(matches!(upload_length(Some("63")), Err(UploadError::BadRequest(_))));
        assert!(matches!(upload_length(Some("53687091201")), Err(UploadError::TooLarge(_))));
        assert!(matches!(upload_length(Some("-5")), Err(UploadError::BadRequest(_))));
        assert!(matches!(upload_length(Some("1e9")), Err(UploadError::BadRequest(_))));
        assert!(matches!(upload_length(None), Err(UploadError::BadRequest(_))));
        assert_eq!(upload_offset(Some("0")), Ok(0));
        assert!(upload_offset(Some("99999999999999999999")).is_err());
    }

    #[test]
    fn metadata_pairs_decode() {
        let pairs = metadata(Some("filename dGFrZSAxLm1wNA==,is_confidential,language ZW4=")).expect("valid");
        assert_eq!(
            pairs,
            [
                ("filename".into(), "take 1.mp4".into()),
                ("is_confidential".into(), String::new()),
                ("language".into(), "en".into())
            ]
        );
        assert!(metadata(Some("filename !!!")).is_err());
        assert!(metadata(Some("a YQ==,a Yg==")).is_err(), "keys are unique");
        assert_eq!(metadata(None), Ok(Vec::new()));
    }

    #[test]
    fn checksums_verify_each_algorithm() {
        let chunk = b"hello tus";
        for (name, digest) in [
            ("sha1", Sha1::digest(chunk).to_vec()),
            ("md5", Md5::digest(chunk).to_vec()),
            ("sha256", Sha256::digest(chunk).to_vec()),
        ] {
            let header = format!("{name} {}", STANDARD.encode(&digest));
            let checksum = Checksum::parse(Some(&header)).expect("parsed").expect("present");
            let mut hasher = checksum.hasher();
            hasher.update(&chunk[..4]);
            hasher.update(&chunk[4..]);
            assert_eq!(checksum.verify(hasher), Ok(()), "{name}");
            let mut wrong = checksum.hasher();
            wrong.update(b"hello tuz");
            assert_eq!(checksum.verify(wrong), Err(UploadError::ChecksumMismatch), "{name}");
        }
        assert!(Checksum::parse(Some("crc32 AAAA")).is_err());
        assert_eq!(Checksum::parse(None), Ok(None));
    }
}
