//! How an attempt stops before success: cancelled (it goes quietly: the worker has already moved
//! on) or failed (it reports a `JobFailure` whose message is safe to show to the asset's owner;
//! the details go to stderr only).

use std::fmt::Display;

use roughcut_shared::jobs::JobFailure;

use std::path::Path;

use crate::control::{Abandoned, ChildError, Control};

#[derive(Debug, PartialEq, Eq)]
pub enum Halt {
    Cancelled,
    Failed(JobFailure),
}

/// The report of a failure of ours; what went wrong is in the log, not in the message.
pub fn internal_failure() -> JobFailure {
    JobFailure {
        error_code: "internal".to_owned(),
        error_message: "Processing failed on our side.".to_owned(),
        retryable: true,
    }
}

impl Halt {
    pub fn failed(error_code: &str, error_message: &str, retryable: bool) -> Self {
        Self::Failed(JobFailure {
            error_code: error_code.to_owned(),
            error_message: error_message.to_owned(),
            retryable,
        })
    }

    /// A failure of ours (disk, a missing ffmpeg, a bug): logged with `context` and `detail`,
    /// reported as a retryable `internal` failure — or as a cancel when the attempt was cancelled
    /// meanwhile, since a cancel is what usually breaks a step halfway.
    pub fn internal(control: &Control, context: &str, detail: impl Display) -> Self {
        if control.is_cancelled() {
            return Self::Cancelled;
        }
        control.log(format_args!("{context}: {detail}"));
        Self::Failed(internal_failure())
    }

    /// A step abandoned by `Control::abandon_on_cancel`.
    pub fn abandoned(control: &Control, context: &str, abandoned: Abandoned) -> Self {
        match abandoned {
            Abandoned::Cancelled => Self::Cancelled,
            Abandoned::Lost => Self::internal(control, context, "the step's thread was lost"),
        }
    }

    /// How a child process (`program`) that did not run to its end ends the attempt.
    pub fn child(control: &Control, program: &Path, err: ChildError) -> Self {
        match err {
            ChildError::Cancelled => Self::Cancelled,
            ChildError::Spawn(err) => Self::internal(control, &format!("cannot run {}", program.display()), err),
            ChildError::Wait(err) => Self::internal(control, &format!("lost the {} process", program.display()), err),
        }
    }
}
