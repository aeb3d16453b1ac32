//! The attempts this process is running, one per job: what makes `POST /jobs` idempotent (the
//! worker re-dispatches when unsure its dispatch arrived), lets a newer attempt supersede an older
//! one, and bounds how many run at once (each decodes audio and may run ffmpeg).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use crate::control::Control;

#[derive(Debug)]
pub struct Registry {
    max_running: usize,
    running: Mutex<HashMap<String, (u32, Arc<Control>)>>,
}

/// What `admit` decided.
#[derive(Debug)]
pub enum Admission {
    /// Run this new attempt (an older attempt of the job, if any, has been cancelled).
    Start(Arc<Control>),
    /// This very attempt is already running.
    AlreadyRunning,
    /// A newer attempt of the job is running: this one is over before it starts.
    Superseded,
    /// No capacity.
    Busy,
}

impl Registry {
    pub fn new(max_running: usize) -> Self {
        Self { max_running, running: Mutex::new(HashMap::new()) }
    }

    pub fn admit(&self, job_id: &str, attempt: u32) -> Admission {
        let mut running = self.running.lock().unwrap_or_else(PoisonError::into_inner);
        match running.get(job_id) {
            Some((current, _)) if *current == attempt => return Admission::AlreadyRunning,
            Some((current, _)) if *current > attempt => return Admission::Superseded,
            // A newer attempt takes the older one's place, so it needs no free slot.
            Some((_, older)) => older.cancel(),
            None if running.len() >= self.max_running => return Admission::Busy,
            None => {}
        }
        let control = Arc::new(Control::new(job_id, attempt));
        running.insert(job_id.to_owned(), (attempt, Arc::clone(&control)));
        Admission::Start(control)
    }

    /// Frees the slot of the attempt `control` controls, unless a newer attempt has taken it.
    pub fn finish(&self, job_id: &str, control: &Arc<Control>) {
        let mut running = self.running.lock().unwrap_or_else(PoisonError::into_inner);
        if running.get(job_id).is_some_and(|(_, current)| Arc::ptr_eq(current, control)) {
            running.remove(job_id);
        }
    }

    /// Cancels every running attempt (at shutdown: the worker's leases then run out and it retries
    /// them elsewhere, rather than the process outliving its stop signal).
    pub fn cancel_all(&self) {
        let running = self.running.lock().unwrap_or_else(PoisonError::into_inner);
        for (_, control) in running.values() {
            control.cancel();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn started(admission: Admission) -> Arc<Control> {
        match admission {
            Admission::Start(control) => control,
            other => panic!("expected a start, got {other:?}"),
        }
    }

    #[test]
    fn attempts_are_admitted_once_and_up_to_capacity() {
        let registry = Registry::new(2);
        let first = started(registry.admit("job_a", 1));
        assert!(matches!(registry.admit("job_a", 1), Admission::AlreadyRunning));
        let _second = started(registry.admit("job_b", 1));
        assert!(matches!(registry.admit("job_c", 1), Admission::Busy));
        registry.finish("job_a", &first);
        let _third = started(registry.admit("job_c", 1));
        assert!(!first.is_cancelled());
    }

    #[test]
    fn a_newer_attempt_cancels_the_older_and_keeps_its_slot() {
        let registry = Registry::new(1);
        let old = started(registry.admit("job_a", 1));
        let new = started(registry.admit("job_a", 2));
        assert!(old.is_cancelled() && !new.is_cancelled());
        assert!(matches!(registry.admit("job_a", 1), Admission::Superseded));
        // The old attempt ending must not free the new one's slot.
        registry.finish("job_a", &old);
        assert!(matches!(registry.admit("job_b", 1), Admission::Busy));
        registry.finish("job_a", &new);
        let other = started(registry.admit("job_b", 1));
        registry.cancel_all();
        assert!(other.is_cancelled());
    }
}
