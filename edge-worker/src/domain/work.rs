//! Which handler runs each kind of job, and the job runner over the processing ports: the one
//! place that names every kind.

use super::cuts::planning::CutPlanning;
use super::jobs::runner::{JobHandler, JobHandlers, Runner};
use super::processing::media_job::MediaProcessing;
use super::processing::transcribe::Transcription;
use super::renders::job::RenderJobs;
use crate::domain::ports::ProcessingDeps;
use crate::domain::ports::jobs::JobKind;

/// Every kind's handler, over one set of ports.
#[derive(Debug, Clone, Copy)]
pub struct Handlers<'a> {
    media: MediaProcessing<'a>,
    transcription: Transcription<'a>,
    planning: CutPlanning<'a>,
    renders: RenderJobs<'a>,
}

impl JobHandlers for Handlers<'_> {
    fn handler(&self, kind: JobKind) -> &dyn JobHandler {
        match kind {
            JobKind::ProcessAsset | JobKind::ProcessAudioProxy => &self.media,
            JobKind::TranscribeAsset => &self.transcription,
            JobKind::PlanCut => &self.planning,
            JobKind::Render => &self.renders,
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
            planning: CutPlanning(deps),
            renders: RenderJobs(deps),
        },
    }
}
