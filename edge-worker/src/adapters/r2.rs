//! R2 behind `Objects`: multipart uploads resumed by id (an upload's requests may
//! land on different isolates), parts rebuilt from their stored numbers and ETags; whole objects
//! streamed in from a request of known length.

use std::any::Any;

use async_trait::async_trait;
use worker::wasm_bindgen::JsValue;
use worker::wasm_bindgen_futures::JsFuture;
use worker::web_sys::{ReadableStream, TransformStream};
use worker::worker_sys::FixedLengthStream;
use worker::{Bucket, UploadedPart};

use crate::domain::StoreError;
use crate::domain::ports::objects::{Objects, PartError, StoredPart};

#[derive(Debug)]
pub struct R2Objects {
    bucket: Bucket,
}

impl R2Objects {
    pub fn new(bucket: Bucket) -> Self {
        Self { bucket }
    }

    /// Stores a request body of `length` bytes as `key` without it entering wasm; a body shorter
    /// or longer than declared fails the put (through a `FixedLengthStream`), so a cut-off
    /// upload never leaves a truncated object.
    pub async fn put_stream(&self, key: &str, body: ReadableStream, length: u64) -> Result<(), StoreError> {
        let transform = fixed_length(length)?;
        let piped = JsFuture::from(body.pipe_to(&transform.writable()));
        let put = self.bucket.put(key, transform.readable()).execute();
        let (piped, put) = futures_util::join!(piped, put);
        piped.map_err(|e| StoreError(format!("R2 stream: the request body: {e:?}")))?;
        put.map_err(r2_error)?;
        Ok(())
    }
}

fn fixed_length(length: u64) -> Result<TransformStream, StoreError> {
    let length = u32::try_from(length).map_err(|_| StoreError(format!("R2: a stream of {length} bytes")))?;
    let fixed = FixedLengthStream::new(length).map_err(|e| StoreError(format!("R2: FixedLengthStream: {e:?}")))?;
    let transform: &TransformStream = fixed.as_ref();
    Ok(transform.clone())
}

fn r2_error(error: worker::Error) -> StoreError {
    StoreError(format!("R2: {error}"))
}

#[async_trait(?Send)]
impl Objects for R2Objects {
    async fn delete_prefix(&self, prefix: &str) -> Result<(), StoreError> {
        let mut cursor = None;
        loop {
            let mut list = self.bucket.list().prefix(prefix);
            if let Some(cursor) = cursor.take() {
                list = list.cursor(cursor);
            }
            let listed = list.execute().await.map_err(r2_error)?;
            for object in listed.objects() {
                self.bucket.delete(object.key()).await.map_err(r2_error)?;
            }
            match listed.cursor().filter(|_| listed.truncated()) {
                Some(next) => cursor = Some(next),
                None => return Ok(()),
            }
        }
    }

    async fn put(&self, key: &str, bytes: Vec<u8>, content_type: &str) -> Result<(), StoreError> {
        let metadata = worker::HttpMetadata { content_type: Some(content_type.to_owned()), ..Default::default() };
        self.bucket.put(key, bytes).http_metadata(metadata).execute().await.map_err(r2_error)?;
        Ok(())
    }

    async fn begin_multipart(&self, key: &str) -> Result<String, StoreError> {
        let upload = self.bucket.create_multipart_upload(key).execute().await.map_err(r2_error)?;
        Ok(upload.upload_id().await)
    }

    async fn put_part(&self, key: &str, multipart_id: &str, number: u16, bytes: Vec<u8>) -> Result<String, StoreError> {
        let upload = self.bucket.resume_multipart_upload(key, multipart_id).map_err(r2_error)?;
        Ok(upload.upload_part(number, bytes).await.map_err(r2_error)?.etag())
    }

    /// The body is the request's own `ReadableStream`: R2 reads it straight from the client,
    /// the bytes never entering wasm. It goes through a `FixedLengthStream` of the declared
    /// length, which fails the part if the client sends fewer or more bytes (a client cut off
    /// mid-request must not leave a short part behind).
    async fn put_part_whole(
        &self,
        key: &str,
        multipart_id: &str,
        number: u16,
        body: Box<dyn Any>,
        length: u64,
    ) -> Result<String, PartError> {
        let stream =
            body.downcast::<ReadableStream>().map_err(|_| StoreError("R2: a part body that is no stream".into()))?;
        let transform = fixed_length(length)?;
        let piped = JsFuture::from(stream.pipe_to(&transform.writable()));
        let upload = self.bucket.resume_multipart_upload(key, multipart_id).map_err(r2_error)?;
        let (piped, uploaded) = futures_util::join!(piped, upload.upload_part(number, transform.readable()));
        // a body that broke off (or was not the declared length) fails both; it is the cause
        piped.map_err(|error: JsValue| PartError::BodyBroken(format!("{error:?}")))?;
        Ok(uploaded.map_err(r2_error)?.etag())
    }

    async fn complete_multipart(&self, key: &str, multipart_id: &str, parts: &[StoredPart]) -> Result<(), StoreError> {
        let upload = self.bucket.resume_multipart_upload(key, multipart_id).map_err(r2_error)?;
        let parts = parts.iter().map(|p| UploadedPart::new(p.number, p.etag.clone()));
        upload.complete(parts).await.map_err(r2_error)?;
        Ok(())
    }

    async fn abort_multipart(&self, key: &str, multipart_id: &str) -> Result<(), StoreError> {
        let upload = self.bucket.resume_multipart_upload(key, multipart_id).map_err(r2_error)?;
        upload.abort().await.map_err(r2_error)
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let Some(object) = self.bucket.get(key).execute().await.map_err(r2_error)? else { return Ok(None) };
        match object.body() {
            Some(body) => Ok(Some(body.bytes().await.map_err(r2_error)?)),
            None => Ok(Some(Vec::new())),
        }
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.bucket.delete(key).await.map_err(r2_error)
    }
}
