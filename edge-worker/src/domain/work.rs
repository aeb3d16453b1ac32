//! Which handler runs each kind of job, and the job runner over the processing ports: the one
//! place that names every kind.

use async_trait::async_trait;
use roughcut_shared::jobs::JobResult;

use super::StoreError;
use super::cuts::planning::CutPlanning;
use super::jobs::runner::{Begun, JobHandler, JobHandlers, Runner};
use super::pipelines::steps::{PipelineSteps, subject_ended, subject_progressed};
use super::processing::media_job::MediaProcessing;
use super::processing::transcribe::Transcription;
use super::renders::job::RenderJobs;
use crate::domain::ports::jobs::{JobKind, JobRecord};
use crate::domain::ports::{Ports, ProcessingDeps};

/// Every kind's handler, over one set of ports.
#[derive(Debug, Clone, Copy)]
pub struct Handlers<'a> {
    media: MediaProcessing<'a>,
    transcription: Transcription<'a>,
    planning: Awaited<'a, CutPlanning<'a>>,
    renders: Awaited<'a, RenderJobs<'a>>,
    pipeline_steps: PipelineSteps<'a>,
}

/// The handler of a kind whose subjects (cuts, renders) pipeline steps wait on: once it ends
/// one, the steps on it end too, and their streams hear of its progress.
#[derive(Debug, Clone, Copy)]
pub struct Awaited<'a, H> {
    handler: H,
    ports: Ports<'a>,
}

#[async_trait(?Send)]
impl<H: JobHandler> JobHandler for Awaited<'_, H> {
    async fn begin(&self, job: &JobRecord) -> Result<Begun, StoreError> {
        let begun = self.handler.begin(job).await?;
        if matches!(begun, Begun::Ended(_)) {
            subject_ended(&self.ports, &job.subject_id).await?;
        }
        Ok(begun)
    }

    async fn succeeded(&self, job: &JobRecord, result: JobResult) -> Result<(), StoreError> {
        self.handler.succeeded(job, result).await?;
        subject_ended(&self.ports, &job.subject_id).await
    }

    async fn failed(&self, job: &JobRecord, error_code: &str, error_message: &str) -> Result<(), StoreError> {
        self.handler.failed(job, error_code, error_message).await?;
        subject_ended(&self.ports, &job.subject_id).await
    }

    async fn progressed(&self, job: &JobRecord, progress: f64) -> Result<(), StoreError> {
        self.handler.progressed(job, progress).await?;
        subject_progressed(&self.ports, &job.subject_id, progress).await
    }
}

impl JobHandlers for Handlers<'_> {
    fn handler(&self, kind: JobKind) -> &dyn JobHandler {
        match kind {
            JobKind::ProcessAsset | JobKind::ProcessAudioProxy => &self.media,
            JobKind::TranscribeAsset => &self.transcription,
            JobKind::PlanCut => &self.planning,
            JobKind::Render => &self.renders,
            JobKind::PipelineStep => &self.pipeline_steps,
        }
    }
}

/// The runner of every kind of job over `deps`.
pub fn runner(deps: ProcessingDeps<'_>) -> Runner<'_, Handlers<'_>> {
    Runner {
        jobs: deps.jobs,
        queue: deps.queue,
        media: deps.media,
        clock: deps.clock,
        log: deps.log,
        config: &deps.config.jobs,
        handlers: Handlers {
            media: MediaProcessing(deps),
            transcription: Transcription(deps),
            planning: Awaited { handler: CutPlanning(deps), ports: deps.ports },
            renders: Awaited { handler: RenderJobs(deps), ports: deps.ports },
            pipeline_steps: PipelineSteps(deps),
        },
    }
}
