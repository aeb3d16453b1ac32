//! One TUS upload onto an object store's multipart upload. R2 wants parts of one size (at least
//! 5 MiB) except the last, while clients send chunks of any size: each PATCH's bytes are re-cut
//! into `PART_SIZE` parts, and the remainder waits in a staging object until the next chunk or
//! the last byte. A PATCH is all or nothing: it works on a copy of the session, its staging
//! object gets a new name, and its parts take numbers past the saved ones (a retry overwrites
//! them), so a checksum mismatch, a dropped connection or a crash leaves the saved session — the
//! only thing that counts — exactly as it was.

use std::any::Any;

use async_trait::async_trait;
use roughcut_engine::Container;
use serde::{Deserialize, Serialize};

use super::UploadError;
use super::tus::{Checksum, MAX_CHUNK_BYTES};
use crate::domain::StoreError;
use crate::domain::object_keys;
use crate::domain::ports::objects::{Objects, PartError, StoredPart};
use crate::domain::ports::{UploadEnd, UploadEnding, UploadPurpose};
use crate::domain::time::Timestamp;

/// Every part but the last, unless the first chunk picks another size: 8 MiB, over R2's 5 MiB
/// minimum and small enough to hold twice.
pub const PART_SIZE: u64 = 8 << 20;
/// R2's smallest part but the last.
const MIN_PART_SIZE: u64 = 5 << 20;
/// The largest part a first chunk may choose: a part is held whole while it is re-cut, and a
/// Worker has 128 MB.
const MAX_PART_SIZE: u64 = 32 << 20;
/// R2 (like S3) numbers parts 1…10,000: 8 MiB parts cover 78 GiB, beyond the 50 GiB cap.
const MAX_PARTS: u64 = 10_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionState {
    Open,
    Completed,
    Terminated,
}

/// What the store keeps between requests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadSession {
    pub id: String,
    pub account_id: String,
    pub asset_id: String,
    pub length: u64,
    pub offset: u64,
    pub object_key: String,
    pub state: SessionState,
    pub expires_at: Timestamp,
    pub multipart_id: Option<String>,
    pub parts: Vec<StoredPart>,
    /// The staging object holding the bytes after the last whole part.
    pub staged_key: Option<String>,
    /// What the first bytes are, once seen.
    pub container: Option<String>,
    /// The size of every part but the last, fixed by the first chunk.
    pub part_size: u64,
    /// How long after its last PATCH the upload expires.
    pub ttl_ms: i64,
    /// The expiry D1 last recorded for the sweep.
    pub recorded_expires_at: Timestamp,
    pub purpose: UploadPurpose,
    /// `Upload-Metadata` as the creation sent it (sessions saved before it was kept have none).
    #[serde(default)]
    pub metadata: Option<String>,
}

/// A PATCH body, piece by piece as it arrives.
#[async_trait(?Send)]
pub trait ChunkSource {
    async fn next_piece(&mut self) -> Result<Option<Vec<u8>>, UploadError>;

    /// The whole body as the platform holds it, for a store that can write it as a part without
    /// the bytes passing through here (`Objects::put_part_whole`); `None` when it cannot.
    fn whole(&mut self) -> Option<Box<dyn Any>> {
        None
    }
}

/// What a successful PATCH did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Patched {
    pub session: UploadSession,
    /// The container sniffed from the first bytes, on the PATCH that brought them.
    pub sniffed: Option<Container>,
    pub completed: bool,
}

impl UploadSession {
    /// This upload's end as `end`, with `size_bytes` stored, for the asset store.
    pub fn ending<'a>(
        &'a self,
        end: &'a UploadEnd,
        size_bytes: u64,
        at: Timestamp,
        event_id: &'a str,
    ) -> UploadEnding<'a> {
        let (upload_id, asset_id, purpose) = (self.id.as_str(), self.asset_id.as_str(), self.purpose);
        UploadEnding { upload_id, asset_id, purpose, end, size_bytes, at, event_id }
    }

    pub fn is_expired(&self, now: Timestamp) -> bool {
        self.state == SessionState::Open && now.0 >= self.expires_at.0
    }

    /// Appends one chunk that claims to start at `offset` and, when the request says so, to be
    /// `declared` bytes long (`Content-Length`).
    pub async fn patch(
        &self,
        offset: u64,
        declared: Option<u64>,
        checksum: Option<&Checksum>,
        body: &mut dyn ChunkSource,
        objects: &dyn Objects,
        now: Timestamp,
    ) -> Result<Patched, UploadError> {
        if self.state != SessionState::Open || self.is_expired(now) {
            return Err(UploadError::NotFound);
        }
        if offset != self.offset {
            return Err(UploadError::OffsetMismatch { expected: self.offset });
        }
        if declared.is_some_and(|length| length > MAX_CHUNK_BYTES) {
            return Err(UploadError::TooLarge(format!("a chunk is at most {MAX_CHUNK_BYTES} bytes")));
        }
        if declared.is_some_and(|length| offset + length > self.length) {
            return Err(UploadError::TooLarge("the chunk runs past Upload-Length".into()));
        }
        let mut next = self.clone();
        if next.parts.is_empty() && next.offset == 0 {
            next.part_size = part_size_for(declared, self.length);
        }
        if let Some(length) = declared.filter(|&length| checksum.is_none() && next.takes_whole_part(length))
            && let Some(whole) = body.whole()
        {
            // A client sending part-sized chunks (tus-js-client's chunkSize): each chunk becomes
            // one part, streamed to the store without passing through here.
            let multipart = next.multipart(objects).await?;
            let number = next.next_part_number()?;
            let etag = match objects.put_part_whole(&next.object_key, &multipart, number, whole, length).await {
                Ok(etag) => etag,
                Err(PartError::BodyBroken(cause)) => {
                    return Err(UploadError::BadRequest(format!("the request body broke off: {cause}")));
                }
                Err(PartError::Store(error)) => return Err(error.into()),
            };
            next.parts.push(StoredPart { number, etag });
            next.offset += length;
            return next.commit(Vec::new(), None, objects, now).await;
        }
        let mut hasher = checksum.map(Checksum::hasher);
        let mut buffer = match &self.staged_key {
            Some(key) => {
                objects.get(key).await?.ok_or_else(|| StoreError(format!("staging object {key} is missing")))?
            }
            None => Vec::new(),
        };
        let mut received: u64 = 0;
        let mut sniffed = None;
        while let Some(piece) = body.next_piece().await? {
            received += piece.len() as u64;
            if received > MAX_CHUNK_BYTES {
                return Err(UploadError::TooLarge(format!("a chunk is at most {MAX_CHUNK_BYTES} bytes")));
            }
            if self.offset + received > self.length {
                return Err(UploadError::TooLarge("the chunk runs past Upload-Length".into()));
            }
            if let Some(hasher) = &mut hasher {
                hasher.update(&piece);
            }
            buffer.extend_from_slice(&piece);
            if self.container.is_none() && sniffed.is_none() {
                sniffed = sniff_start(&buffer, self.offset + received == self.length)?;
            }
            while buffer.len() as u64 >= next.part_size {
                let rest = buffer.split_off(next.part_size as usize);
                let part = std::mem::replace(&mut buffer, rest);
                next.write_part(part, objects).await?;
            }
        }
        if let (Some(checksum), Some(hasher)) = (checksum, hasher) {
            checksum.verify(hasher)?;
        }
        next.offset += received;
        next.commit(buffer, sniffed, objects, now).await
    }

    /// Ends a PATCH whose bytes are in: the remainder `buffer` staged (or, on the last byte,
    /// written as the last part and the object completed), the expiry pushed back.
    async fn commit(
        self,
        buffer: Vec<u8>,
        sniffed: Option<Container>,
        objects: &dyn Objects,
        now: Timestamp,
    ) -> Result<Patched, UploadError> {
        let mut next = self;
        if let Some(container) = sniffed {
            next.container = Some(container.as_str().to_owned());
        }
        next.expires_at = Timestamp(now.0 + next.ttl_ms);
        let completed = next.offset == next.length;
        let previous_staging = next.staged_key.take();
        if completed {
            if !buffer.is_empty() || next.parts.is_empty() {
                next.write_part(buffer, objects).await?;
            }
            let multipart = next.multipart_id.clone().ok_or_else(|| StoreError("no multipart upload".into()))?;
            objects.complete_multipart(&next.object_key, &multipart, &next.parts).await?;
            next.state = SessionState::Completed;
        } else if !buffer.is_empty() {
            let key = object_keys::staging(&next.id, next.offset);
            objects.put(&key, buffer, "application/octet-stream").await?;
            next.staged_key = Some(key);
        }
        if let Some(old) = previous_staging.filter(|old| Some(old) != next.staged_key.as_ref()) {
            objects.delete(&old).await?;
        }
        Ok(Patched { session: next, sniffed, completed })
    }

    /// Whether a chunk of `length` bytes at the current offset is exactly the next part: the
    /// first bytes already sniffed, nothing staged, and a whole part (or the whole rest, no
    /// larger than a part: R2's last part may not be).
    fn takes_whole_part(&self, length: u64) -> bool {
        self.container.is_some()
            && self.staged_key.is_none()
            && length > 0
            && self.offset == self.parts.len() as u64 * self.part_size
            && (length == self.part_size || (self.offset + length == self.length && length < self.part_size))
    }

    /// The multipart upload, started on first use.
    async fn multipart(&mut self, objects: &dyn Objects) -> Result<String, UploadError> {
        match &self.multipart_id {
            Some(id) => Ok(id.clone()),
            None => {
                let id = objects.begin_multipart(&self.object_key).await?;
                self.multipart_id = Some(id.clone());
                Ok(id)
            }
        }
    }

    /// Part numbers are positions, so a PATCH that fails and is retried overwrites its own parts.
    fn next_part_number(&self) -> Result<u16, UploadError> {
        let number = self.parts.len() as u64 + 1;
        if number > MAX_PARTS {
            return Err(UploadError::TooLarge("too many parts".into()));
        }
        Ok(number as u16)
    }

    /// Uploads the next part from bytes here.
    async fn write_part(&mut self, bytes: Vec<u8>, objects: &dyn Objects) -> Result<(), UploadError> {
        let multipart = self.multipart(objects).await?;
        let number = self.next_part_number()?;
        let etag = objects.put_part(&self.object_key, &multipart, number, bytes).await?;
        self.parts.push(StoredPart { number, etag });
        Ok(())
    }
}

/// The part size an upload keeps: its first chunk's size when that is a valid part size whose
/// 10,000 parts hold the whole upload (so a client sending equal chunks has each streamed as one
/// part), else `PART_SIZE` (or more, should 10,000 of those not hold it).
fn part_size_for(first_chunk: Option<u64>, length: u64) -> u64 {
    let smallest = length.div_ceil(MAX_PARTS);
    match first_chunk {
        Some(size) if (MIN_PART_SIZE..=MAX_PART_SIZE).contains(&size) && size < length && size >= smallest => size,
        _ => PART_SIZE.max(smallest),
    }
}

/// The container of the upload's first bytes, once enough of them are here (`final_bytes`: no
/// more will come). Bytes that are no media we read end the upload with 415.
fn sniff_start(buffer: &[u8], final_bytes: bool) -> Result<Option<Container>, UploadError> {
    if buffer.len() < roughcut_engine::media::sniff::SNIFF_BYTES && !final_bytes {
        return Ok(None);
    }
    match roughcut_engine::sniff(buffer) {
        Some(container) => Ok(Some(container)),
        None => Err(UploadError::UnsupportedMedia),
    }
}

#[cfg(test)]
mod tests {
    use base64::Engine;
    use futures_executor::block_on;
    use sha2::{Digest, Sha256};

    use super::*;
    use crate::domain::testing::MemoryObjects;
    use crate::domain::uploads::testing::{body, media, open_session as session};
    use crate::domain::uploads::tus::{MAX_UPLOAD_BYTES, UPLOAD_TTL_MS};

    /// Uploads `source` in chunks of `chunk` bytes and returns the stored object.
    fn upload(source: &[u8], chunk: usize, objects: &MemoryObjects) -> UploadSession {
        let mut current = session(source.len() as u64);
        for piece in source.chunks(chunk) {
            let patched =
                block_on(current.patch(current.offset, None, None, &mut body(piece, 65_536), objects, Timestamp(1)))
                    .expect("patched");
            assert_eq!(patched.completed, patched.session.offset == source.len() as u64);
            current = patched.session;
        }
        current
    }

    #[test]
    fn any_chunking_reassembles_the_file_in_r2_shaped_parts() {
        let part = PART_SIZE as usize;
        for (length, chunk) in
            [(part - 1, part - 1), (part, part), (part + 1, 1 << 20), (2 * part + 12_345, (1 << 20) + 7), (3_000, 100)]
        {
            let source = media(length);
            let objects = MemoryObjects::default();
            let done = upload(&source, chunk, &objects);
            assert_eq!(done.state, SessionState::Completed, "{length}/{chunk}");
            assert_eq!(done.container.as_deref(), Some("wav"));
            let stored = objects.blob("assets/ast_1/source").expect("the object");
            assert!(stored == source, "{length} bytes in chunks of {chunk}: the object differs");
            assert_eq!(objects.blob_keys().len(), 1, "no staging object is left behind");
        }
    }

    #[test]
    fn a_checksum_mismatch_changes_nothing_and_the_retry_lands() {
        let source = media(PART_SIZE as usize + 5_000);
        let objects = MemoryObjects::default();
        let start = session(source.len() as u64);
        let first = block_on(start.patch(0, None, None, &mut body(&source[..1_000], 300), &objects, Timestamp(1)))
            .expect("first");
        let chunk = &source[1_000..];
        let wrong = Checksum::parse(Some("sha256 AAAA")).expect("parsed").expect("present");
        let refused =
            block_on(first.session.patch(1_000, None, Some(&wrong), &mut body(chunk, 4_096), &objects, Timestamp(2)));
        assert_eq!(refused, Err(UploadError::ChecksumMismatch));
        let digest = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(chunk));
        let right = Checksum::parse(Some(&format!("sha256 {digest}"))).expect("parsed").expect("present");
        let done =
            block_on(first.session.patch(1_000, None, Some(&right), &mut body(chunk, 4_096), &objects, Timestamp(3)))
                .expect("retry");
        assert!(done.completed);
        assert!(objects.blob("assets/ast_1/source").as_ref() == Some(&source));
    }

    #[test]
    fn protocol_violations_are_refused() {
        let objects = MemoryObjects::default();
        let start = session(1_000);
        let offset = block_on(start.patch(10, None, None, &mut body(&media(10), 10), &objects, Timestamp(1)));
        assert_eq!(offset, Err(UploadError::OffsetMismatch { expected: 0 }));
        let html = b"<!doctype html><html><body>not a video, just a page with some text</body></html>";
        let refused = block_on(start.patch(0, None, None, &mut body(html, 16), &objects, Timestamp(1)));
        assert_eq!(refused, Err(UploadError::UnsupportedMedia));
        let too_long = block_on(start.patch(0, None, None, &mut body(&media(1_001), 100), &objects, Timestamp(1)));
        assert!(matches!(too_long, Err(UploadError::TooLarge(_))));
        let expired =
            block_on(start.patch(0, None, None, &mut body(&media(100), 100), &objects, Timestamp(UPLOAD_TTL_MS)));
        assert_eq!(expired, Err(UploadError::NotFound));
        let big = session(MAX_CHUNK_BYTES + 10);
        let mut huge = crate::domain::uploads::testing::Body(vec![vec![0; 1 << 20]; 65]);
        huge.0[0] = media(1 << 20);
        assert!(matches!(
            block_on(big.patch(0, None, None, &mut huge, &objects, Timestamp(1))),
            Err(UploadError::TooLarge(_))
        ));
    }

    #[test]
    fn equal_part_sized_chunks_go_whole_and_odd_ones_are_re_cut() {
        let chunk = 6 << 20;
        let source = media(3 * chunk + 1_000);
        let objects = MemoryObjects::default();
        let mut current = session(source.len() as u64);
        for piece in source.chunks(chunk) {
            let declared = Some(piece.len() as u64);
            current = block_on(current.patch(
                current.offset,
                declared,
                None,
                &mut body(piece, 65_536),
                &objects,
                Timestamp(1),
            ))
            .expect("patched")
            .session;
        }
        assert_eq!(current.part_size, chunk as u64, "the first chunk chose the part size");
        assert_eq!(objects.whole_parts(), 3, "every chunk after the first (sniffed) went whole");
        assert!(objects.blob("assets/ast_1/source").as_ref() == Some(&source));
        let odd = MemoryObjects::default();
        let mut current = session(source.len() as u64);
        for piece in source.chunks((1 << 20) + 7) {
            let declared = Some(piece.len() as u64);
            current =
                block_on(current.patch(current.offset, declared, None, &mut body(piece, 65_536), &odd, Timestamp(1)))
                    .expect("patched")
                    .session;
        }
        assert_eq!((current.part_size, odd.whole_parts()), (PART_SIZE, 0));
        assert!(odd.blob("assets/ast_1/source").as_ref() == Some(&source));
    }

    #[test]
    fn a_whole_part_whose_body_breaks_off_is_the_clients_failure_and_changes_nothing() {
        let chunk = 6 << 20;
        let source = media(2 * chunk);
        let objects = MemoryObjects::default();
        let first = session(source.len() as u64);
        let declared = Some(chunk as u64);
        let after_first =
            block_on(first.patch(0, declared, None, &mut body(&source[..chunk], 65_536), &objects, Timestamp(1)))
                .expect("the first chunk")
                .session;
        // the next chunk declares a whole part and the client is cut off half way
        let cut_off = &source[chunk..chunk + chunk / 2];
        let broken = block_on(after_first.patch(
            chunk as u64,
            declared,
            None,
            &mut body(cut_off, 65_536),
            &objects,
            Timestamp(2),
        ));
        assert!(
            matches!(&broken, Err(UploadError::BadRequest(cause)) if cause.starts_with("the request body broke off")),
            "{broken:?}"
        );
        assert_eq!(objects.whole_parts(), 0, "no part was stored");
        let resumed = block_on(after_first.patch(
            chunk as u64,
            declared,
            None,
            &mut body(&source[chunk..], 65_536),
            &objects,
            Timestamp(3),
        ))
        .expect("the chunk sent again");
        assert!(resumed.completed && objects.blob("assets/ast_1/source").as_ref() == Some(&source));
    }

    #[test]
    fn every_upload_up_to_the_cap_fits_in_ten_thousand_parts() {
        let mib = 1 << 20;
        let lengths = [MAX_UPLOAD_BYTES, MAX_UPLOAD_BYTES - 1, 49 << 30, 48 << 30, 40 << 30, 1 << 30, 3 * mib];
        let first_chunks = [None, Some(MIN_PART_SIZE), Some(5 * mib + 1), Some(6 * mib), Some(MAX_PART_SIZE), Some(1)];
        for length in lengths {
            for first in first_chunks {
                let size = part_size_for(first, length);
                assert!(size * MAX_PARTS >= length, "{length} bytes in parts of {size} after a first chunk {first:?}");
                assert!(size >= MIN_PART_SIZE, "{size}");
            }
        }
        // 5 MiB chunks still stream whole where their 10,000 parts hold the upload
        assert_eq!(part_size_for(Some(MIN_PART_SIZE), 40 << 30), MIN_PART_SIZE);
        assert_eq!(part_size_for(Some(MIN_PART_SIZE), MAX_UPLOAD_BYTES), PART_SIZE);
    }

    #[test]
    fn a_tiny_first_chunk_waits_for_enough_bytes_to_sniff() {
        let source = media(200);
        let objects = MemoryObjects::default();
        let start = session(200);
        let first =
            block_on(start.patch(0, None, None, &mut body(&source[..20], 20), &objects, Timestamp(1))).expect("first");
        assert_eq!(first.session.container, None);
        let done = block_on(first.session.patch(20, None, None, &mut body(&source[20..], 50), &objects, Timestamp(1)))
            .expect("rest");
        assert_eq!(done.sniffed, Some(Container::Wav));
        assert!(objects.blob("assets/ast_1/source").as_ref() == Some(&source));
    }
}
