//! R2 behind `UploadObjects`: multipart uploads resumed by id (an upload's requests may land on
//! different isolates), parts rebuilt from their stored numbers and ETags.

use async_trait::async_trait;
use worker::{Bucket, UploadedPart};

use crate::domain::StoreError;
use crate::domain::uploads::session::{StoredPart, UploadObjects};

#[derive(Debug)]
pub struct R2Objects {
    bucket: Bucket,
}

impl R2Objects {
    pub fn new(bucket: Bucket) -> Self {
        Self { bucket }
    }
}

fn r2_error(error: worker::Error) -> StoreError {
    StoreError(format!("R2: {error}"))
}

#[async_trait(?Send)]
impl UploadObjects for R2Objects {
    async fn begin_multipart(&self, key: &str) -> Result<String, StoreError> {
        let upload = self.bucket.create_multipart_upload(key).execute().await.map_err(r2_error)?;
        Ok(upload.upload_id().await)
    }

    async fn put_part(&self, key: &str, multipart_id: &str, number: u16, bytes: Vec<u8>) -> Result<String, StoreError> {
        let upload = self.bucket.resume_multipart_upload(key, multipart_id).map_err(r2_error)?;
        Ok(upload.upload_part(number, bytes).await.map_err(r2_error)?.etag())
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

    async fn put(&self, key: &str, bytes: Vec<u8>) -> Result<(), StoreError> {
        self.bucket.put(key, bytes).execute().await.map_err(r2_error)?;
        Ok(())
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
