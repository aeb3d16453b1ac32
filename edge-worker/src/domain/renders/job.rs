//! The render job: the render starts as the media container takes its encode, completes with the
//! file it wrote, and fails with the container's reason when the input was at fault.

use async_trait::async_trait;
use roughcut_shared::jobs::{JobResult, MediaTask, RENDER_OUTPUT};

use crate::domain::StoreError;
use crate::domain::ids::{IdKind, new_id};
use crate::domain::jobs::runner::{Begun, Ended, JobHandler};
use crate::domain::object_keys;
use crate::domain::ports::Failed;
use crate::domain::ports::ProcessingDeps;
use crate::domain::ports::jobs::{JobPayload, JobRecord};
use crate::domain::ports::renders::Rendered;
use crate::domain::processing::media_job::wrong_job;

/// The handler of `render` jobs.
#[derive(Debug, Clone, Copy)]
pub struct RenderJobs<'a>(pub ProcessingDeps<'a>);

#[async_trait(?Send)]
impl JobHandler for RenderJobs<'_> {
    async fn begin(&self, job: &JobRecord) -> Result<Begun, StoreError> {
        let JobPayload::Render(input) = &job.payload else { return Err(wrong_job(job)) };
        if !self.0.renders.start_render(&job.subject_id, self.0.clock.now()).await? {
            // deleted meanwhile (its job is cancelled too): nothing to encode
            return Ok(Begun::Ended(Ended::SubjectGone { error_message: "The render is gone.".into() }));
        }
        Ok(Begun::Container(MediaTask::Render { input_size: input.size_bytes, spec: input.spec.clone() }))
    }

    async fn succeeded(&self, job: &JobRecord, result: JobResult) -> Result<(), StoreError> {
        let JobResult::Render(file) = result else { return Err(wrong_job(job)) };
        let now = self.0.clock.now();
        let key = object_keys::derived(&job.subject_id, &job.id, RENDER_OUTPUT);
        let event_id = new_id(IdKind::Event, now);
        let rendered = Rendered {
            object_key: &key,
            size_bytes: file.size_bytes,
            duration_ms: file.duration_ms,
            event_id: &event_id,
            at: now,
        };
        self.0.renders.complete_render(&job.subject_id, &rendered).await?;
        Ok(())
    }

    async fn failed(&self, job: &JobRecord, error_code: &str, error_message: &str) -> Result<(), StoreError> {
        let now = self.0.clock.now();
        let event_id = new_id(IdKind::Event, now);
        // the container's reason is the user's only when their input was at fault
        let message = if error_code == "unsupported_media" { error_message } else { "The render failed." };
        let failed = Failed { error_code, error_message: message, event_id: &event_id, at: now };
        self.0.renders.fail_render(&job.subject_id, &failed).await?;
        Ok(())
    }
}
