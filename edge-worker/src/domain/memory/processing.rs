//! The job and processing ports in memory, with the D1 adapter's guards: claims and attempt ends
//! only from the expected state and attempt, one `consume_asset` per asset, one event per entity
//! and type.

use async_trait::async_trait;
use roughcut_shared::assets::AssetState;
use roughcut_shared::credits::LedgerEntryType;

use super::MemoryStore;
use crate::domain::StoreError;
use crate::domain::ports::Failed;
use crate::domain::ports::jobs::Renewal;
use crate::domain::ports::jobs::{AttemptEnd, JobQueue, JobRecord, JobState, JobStore};
use crate::domain::ports::processing::{
    Charge, EventRecord, HoldSpend, ProbeRecord, ProcessingFacts, ProcessingStore, Settlement, TranscriptSource,
};
use crate::domain::ports::{AppendOutcome, LedgerRecord, LedgerStore};
use crate::domain::time::Timestamp;

#[derive(Debug, Clone)]
pub struct JobRow {
    pub record: JobRecord,
    /// The running attempt's, as its heartbeats report it (D1's `jobs.progress`).
    pub progress: f64,
    /// The last change (D1's `jobs.updated_at`).
    pub updated_at: Timestamp,
}

impl MemoryStore {
    /// Every job row, in the order they were stored.
    pub fn jobs(&self) -> Vec<JobRecord> {
        self.tables.borrow().jobs.iter().map(|j| j.record.clone()).collect()
    }

    /// Job ids sent to the queue and their delays, in order (for tests to deliver).
    pub fn sent_jobs(&self) -> Vec<(String, u32)> {
        self.tables.borrow().sent.clone()
    }

    /// The keys of every stored object.
    pub fn blob_keys(&self) -> Vec<String> {
        self.tables.borrow().blobs.iter().map(|(key, _)| key.clone()).collect()
    }

    /// Overwrites an asset's record (tests put assets in the states other flows would).
    pub fn replace_asset(&self, asset: crate::domain::ports::AssetRecord) {
        let mut tables = self.tables.borrow_mut();
        if let Some(slot) = tables.assets.iter_mut().find(|a| a.id == asset.id) {
            *slot = asset;
        }
    }

    fn with_facts<T>(&self, asset_id: &str, change: impl FnOnce(&mut ProcessingFacts) -> T) -> T {
        let mut tables = self.tables.borrow_mut();
        let index = match tables.facts.iter().position(|(id, _)| id == asset_id) {
            Some(index) => index,
            None => {
                tables.facts.push((asset_id.to_owned(), ProcessingFacts::default()));
                tables.facts.len() - 1
            }
        };
        change(&mut tables.facts[index].1)
    }

    /// Releases the hold that pays for `charge`, as D1 does before the charge: once, and only
    /// when the released credits let the charge through.
    fn spend_hold(&self, charge: &Charge, hold: &HoldSpend) {
        let mut tables = self.tables.borrow_mut();
        let released = tables
            .ledger
            .iter()
            .any(|e| e.hold_id.as_deref() == Some(hold.hold_id.as_str()) && e.entry_type == LedgerEntryType::Release);
        let available: i64 = tables.ledger.iter().filter(|e| e.account_id == charge.account_id).map(|e| e.delta).sum();
        if released || available + hold.amount < charge.credits {
            return;
        }
        tables.ledger.push(LedgerRecord {
            id: hold.release_entry_id.clone(),
            account_id: charge.account_id.clone(),
            entry_type: LedgerEntryType::Release,
            delta: hold.amount,
            asset_id: None,
            pipeline_id: Some(hold.pipeline_id.clone()),
            hold_id: Some(hold.hold_id.clone()),
            memo: Some("Spent on the input's processing charge.".into()),
            created_at: charge.at,
        });
    }

    /// The pipeline whose hold paid for `charge` consumed it (a change: its version moves).
    fn hold_spent_on(&self, charge: &Charge, hold: &HoldSpend) {
        let mut tables = self.tables.borrow_mut();
        let released = tables.ledger.iter().any(|e| e.id == hold.release_entry_id);
        if let Some(pipeline) = tables.pipelines.iter_mut().find(|p| p.id == hold.pipeline_id)
            && released
        {
            pipeline.credits_consumed = charge.credits;
            pipeline.version += 1;
        }
    }

    /// Books a settlement's correction as D1 does: once per asset, a debit only while the account
    /// covers it. True when nothing is due or it is booked.
    async fn book_correction(&self, charge: &Charge) -> Result<bool, StoreError> {
        let Some(correction) = &charge.correction else { return Ok(true) };
        let booked = self.tables.borrow().ledger.iter().any(|e| {
            e.asset_id.as_deref() == Some(charge.asset_id.as_str()) && e.entry_type == LedgerEntryType::Adjustment
        });
        if booked {
            return Ok(true);
        }
        let entry = LedgerRecord {
            id: correction.entry_id.clone(),
            account_id: charge.account_id.clone(),
            entry_type: LedgerEntryType::Adjustment,
            delta: correction.delta,
            asset_id: Some(charge.asset_id.clone()),
            pipeline_id: None,
            hold_id: None,
            memo: Some(correction.memo.clone()),
            created_at: charge.at,
        };
        Ok(LedgerStore::append_entry(self, &entry).await? == AppendOutcome::Appended)
    }

    /// Records an event unless its entity already has one of its type (D1's unique index).
    pub(super) fn record_event(&self, event: EventRecord) {
        let mut tables = self.tables.borrow_mut();
        if !tables.events.iter().any(|e| e.entity_id == event.entity_id && e.event_type == event.event_type) {
            tables.events.push(event);
        }
    }

    /// An event of `entity_id` (about `asset_id`).
    pub(super) fn event(
        account_id: &str,
        event_type: &str,
        entity_id: &str,
        asset_id: &str,
        event_id: &str,
        at: Timestamp,
    ) -> EventRecord {
        EventRecord {
            id: event_id.to_owned(),
            account_id: account_id.to_owned(),
            event_type: event_type.to_owned(),
            entity_id: entity_id.to_owned(),
            asset_id: Some(asset_id.to_owned()),
            created_at: at,
        }
    }
}

#[async_trait(?Send)]
impl JobStore for MemoryStore {
    async fn job(&self, job_id: &str) -> Result<Option<JobRecord>, StoreError> {
        self.check()?;
        Ok(self.tables.borrow().jobs.iter().find(|j| j.record.id == job_id).map(|j| j.record.clone()))
    }

    async fn claim_job(
        &self,
        job_id: &str,
        now: Timestamp,
        lease_until: Timestamp,
    ) -> Result<Option<JobRecord>, StoreError> {
        self.check()?;
        let mut tables = self.tables.borrow_mut();
        let Some(row) = tables.jobs.iter_mut().find(|j| j.record.id == job_id && j.record.state == JobState::Queued)
        else {
            return Ok(None);
        };
        row.record.state = JobState::Running;
        row.record.attempt += 1;
        row.record.lease_expires_at = Some(lease_until);
        row.progress = 0.0;
        row.updated_at = now;
        Ok(Some(row.record.clone()))
    }

    async fn renew_lease(&self, job_id: &str, attempt: u32, renewal: &Renewal) -> Result<bool, StoreError> {
        let Renewal { progress, at: now, until: lease_until } = *renewal;
        self.check()?;
        let mut tables = self.tables.borrow_mut();
        let running = tables
            .jobs
            .iter_mut()
            .find(|j| j.record.id == job_id && j.record.state == JobState::Running && j.record.attempt == attempt);
        Ok(running
            .map(|row| {
                row.record.lease_expires_at = Some(lease_until);
                row.progress = progress;
                row.updated_at = now;
            })
            .is_some())
    }

    async fn end_attempt(
        &self,
        job_id: &str,
        attempt: u32,
        end: &AttemptEnd,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        self.check()?;
        let mut tables = self.tables.borrow_mut();
        let Some(row) = tables
            .jobs
            .iter_mut()
            .find(|j| j.record.id == job_id && j.record.state == JobState::Running && j.record.attempt == attempt)
        else {
            return Ok(false);
        };
        let (state, error) = match end {
            AttemptEnd::Succeeded => (JobState::Succeeded, None),
            AttemptEnd::Retry { error_code, .. } => (JobState::Queued, Some(error_code.clone())),
            AttemptEnd::Failed { error_code, .. } => (JobState::Failed, Some(error_code.clone())),
        };
        if state == JobState::Succeeded {
            row.progress = 1.0;
        }
        row.record.state = state;
        row.record.lease_expires_at = None;
        row.record.last_error = error;
        row.updated_at = now;
        Ok(true)
    }

    async fn defer_attempt(&self, job_id: &str, attempt: u32, now: Timestamp) -> Result<bool, StoreError> {
        self.check()?;
        let mut tables = self.tables.borrow_mut();
        let running = tables
            .jobs
            .iter_mut()
            .find(|j| j.record.id == job_id && j.record.state == JobState::Running && j.record.attempt == attempt);
        Ok(running
            .map(|row| {
                row.record.state = JobState::Queued;
                row.record.attempt -= 1;
                row.record.lease_expires_at = None;
                row.updated_at = now;
            })
            .is_some())
    }

    async fn cancel_job(&self, job_id: &str, now: Timestamp) -> Result<bool, StoreError> {
        self.check()?;
        let mut tables = self.tables.borrow_mut();
        let open = tables.jobs.iter_mut().find(|j| j.record.id == job_id && j.record.state.is_open());
        Ok(open
            .map(|row| {
                row.record.state = JobState::Cancelled;
                row.record.lease_expires_at = None;
                row.updated_at = now;
            })
            .is_some())
    }

    async fn jobs_of(&self, subject_id: &str) -> Result<Vec<JobRecord>, StoreError> {
        self.check()?;
        let mut jobs: Vec<JobRecord> =
            self.tables.borrow().jobs.iter().map(|j| j.record.clone()).filter(|j| j.subject_id == subject_id).collect();
        // D1's ORDER BY created_at, id
        jobs.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        Ok(jobs)
    }

    async fn stalled_jobs(&self, before: Timestamp, limit: u32) -> Result<Vec<JobRecord>, StoreError> {
        self.check()?;
        let tables = self.tables.borrow();
        let mut stalled: Vec<&JobRow> =
            tables.jobs.iter().filter(|j| j.record.state == JobState::Queued && j.updated_at < before).collect();
        stalled.sort_by_key(|j| j.updated_at);
        Ok(stalled.into_iter().take(limit as usize).map(|j| j.record.clone()).collect())
    }

    async fn expired_leases(&self, now: Timestamp, limit: u32) -> Result<Vec<JobRecord>, StoreError> {
        self.check()?;
        let tables = self.tables.borrow();
        let expired = tables
            .jobs
            .iter()
            .map(|j| &j.record)
            .filter(|j| j.state == JobState::Running && j.lease_expires_at.is_some_and(|lease| lease.0 < now.0));
        Ok(expired.take(limit as usize).cloned().collect())
    }
}

#[async_trait(?Send)]
impl JobQueue for MemoryStore {
    async fn submit(&self, job: &JobRecord) -> Result<(), StoreError> {
        self.check()?;
        let mut tables = self.tables.borrow_mut();
        // the id is the job's identity: a second submit of it (a repeated report) adds nothing
        if !tables.jobs.iter().any(|j| j.record.id == job.id) {
            tables.jobs.push(JobRow { record: job.clone(), progress: 0.0, updated_at: job.created_at });
            tables.sent.push((job.id.clone(), 0));
        }
        Ok(())
    }

    async fn resend(&self, job_id: &str, delay_seconds: u32) -> Result<(), StoreError> {
        self.check()?;
        self.tables.borrow_mut().sent.push((job_id.to_owned(), delay_seconds));
        Ok(())
    }
}

#[async_trait(?Send)]
impl ProcessingStore for MemoryStore {
    async fn facts(&self, asset_id: &str) -> Result<ProcessingFacts, StoreError> {
        self.check()?;
        let mut facts = self.with_facts(asset_id, |facts| facts.clone());
        let tables = self.tables.borrow();
        let charges: Vec<i64> = tables
            .ledger
            .iter()
            .filter(|e| e.asset_id.as_deref() == Some(asset_id))
            .filter(|e| matches!(e.entry_type, LedgerEntryType::ConsumeAsset | LedgerEntryType::Adjustment))
            .map(|e| -e.delta)
            .collect();
        let consumed = tables
            .ledger
            .iter()
            .any(|e| e.asset_id.as_deref() == Some(asset_id) && e.entry_type == LedgerEntryType::ConsumeAsset);
        facts.charged = consumed.then(|| charges.iter().sum());
        Ok(facts)
    }

    async fn record_probe(&self, asset_id: &str, probe: &ProbeRecord, _at: Timestamp) -> Result<bool, StoreError> {
        self.check()?;
        let recorded = {
            let mut tables = self.tables.borrow_mut();
            let asset = tables.assets.iter_mut().find(|a| a.id == asset_id && a.state == AssetState::Processing);
            asset
                .map(|asset| {
                    asset.asset_type = Some(probe.asset_type);
                    asset.duration_ms = Some(probe.duration_ms);
                    asset.media = Some(probe.media.clone());
                })
                .is_some()
        };
        if recorded {
            self.with_facts(asset_id, |facts| facts.analysis_key = probe.analysis_key.clone());
        }
        Ok(recorded)
    }

    async fn record_proxy(
        &self,
        asset_id: &str,
        duration_ms: u64,
        analysis_key: Option<&str>,
        _at: Timestamp,
    ) -> Result<bool, StoreError> {
        self.check()?;
        let open = self
            .tables
            .borrow()
            .assets
            .iter()
            .any(|a| a.id == asset_id && matches!(a.state, AssetState::PendingUpload | AssetState::Processing));
        if open {
            self.with_facts(asset_id, |facts| {
                facts.proxy_duration_ms = Some(duration_ms);
                facts.analysis_key = analysis_key.map(str::to_owned);
            });
        }
        Ok(open)
    }

    async fn record_transcript(
        &self,
        asset_id: &str,
        key: &str,
        source: TranscriptSource,
        _at: Timestamp,
    ) -> Result<(), StoreError> {
        self.check()?;
        self.with_facts(asset_id, |facts| {
            // a user's transcript is never replaced by a recogniser's
            if source == TranscriptSource::User || facts.transcript_source.as_deref() != Some("user") {
                facts.transcript_key = Some(key.to_owned());
                facts.transcript_source = Some(source.as_str().to_owned());
            }
        });
        Ok(())
    }

    async fn settle(&self, charge: &Charge) -> Result<Settlement, StoreError> {
        self.check()?;
        let settleable = |state: AssetState| charge.settles_from().contains(&state);
        let (state, cuttable) = {
            let tables = self.tables.borrow();
            let Some(asset) = tables.assets.iter().find(|a| a.id == charge.asset_id) else {
                return Ok(Settlement::Unchanged);
            };
            (asset.state, asset.cuttable)
        };
        if !settleable(state) || (charge.proxy && cuttable) {
            return Ok(Settlement::Unchanged);
        }
        let charged = self.facts(&charge.asset_id).await?.charged.is_some();
        if !charged && let Some(hold) = &charge.hold {
            self.spend_hold(charge, hold);
        }
        let paid = charged || {
            let entry = LedgerRecord {
                id: charge.entry_id.clone(),
                account_id: charge.account_id.clone(),
                entry_type: LedgerEntryType::ConsumeAsset,
                delta: -charge.credits,
                asset_id: Some(charge.asset_id.clone()),
                pipeline_id: None,
                hold_id: None,
                memo: None,
                created_at: charge.at,
            };
            let appended = LedgerStore::append_entry(self, &entry).await? == AppendOutcome::Appended;
            if appended && let Some(hold) = &charge.hold {
                self.hold_spent_on(charge, hold);
            }
            appended
        };
        let paid = paid && self.book_correction(charge).await?;
        let settlement = match (paid, charge.proxy) {
            (true, true) => Settlement::Cuttable,
            (true, false) => Settlement::Ready,
            (false, true) => return Ok(Settlement::Unchanged),
            (false, false) => Settlement::PendingPayment,
        };
        {
            let mut tables = self.tables.borrow_mut();
            if let Some(asset) = tables.assets.iter_mut().find(|a| a.id == charge.asset_id) {
                match settlement {
                    Settlement::Ready => {
                        asset.state = AssetState::Ready;
                        asset.cuttable = true;
                    }
                    Settlement::Cuttable => asset.cuttable = true,
                    Settlement::PendingPayment => asset.state = AssetState::PendingPayment,
                    Settlement::Unchanged => {}
                }
            }
        }
        let event_type = match settlement {
            Settlement::Ready => Some("asset.ready"),
            Settlement::PendingPayment => Some("asset.pending_payment"),
            Settlement::Cuttable | Settlement::Unchanged => None,
        };
        if let Some(event_type) = event_type {
            let asset = &charge.asset_id;
            self.record_event(Self::event(&charge.account_id, event_type, asset, asset, &charge.event_id, charge.at));
        }
        Ok(settlement)
    }

    async fn fail_asset(&self, asset_id: &str, failed: &Failed<'_>) -> Result<bool, StoreError> {
        let Failed { error_code, error_message, event_id, at } = *failed;
        self.check()?;
        let account_id = {
            let mut tables = self.tables.borrow_mut();
            let Some(asset) = tables.assets.iter_mut().find(|a| a.id == asset_id && a.state == AssetState::Processing)
            else {
                return Ok(false);
            };
            asset.state = AssetState::Failed;
            asset.error_code = Some(error_code.to_owned());
            asset.error_message = Some(error_message.to_owned());
            asset.account_id.clone()
        };
        self.record_event(Self::event(&account_id, "asset.failed", asset_id, asset_id, event_id, at));
        Ok(true)
    }

    async fn unpaid_assets(&self, account_id: &str, limit: u32) -> Result<Vec<(String, u64)>, StoreError> {
        self.check()?;
        let tables = self.tables.borrow();
        let mut unpaid: Vec<_> = tables
            .assets
            .iter()
            .filter(|a| a.account_id == account_id && a.state == AssetState::PendingPayment)
            .collect();
        unpaid.sort_by_key(|a| (a.created_at, a.id.clone()));
        Ok(unpaid.into_iter().take(limit as usize).map(|a| (a.id.clone(), a.duration_ms.unwrap_or(0))).collect())
    }

    async fn events(&self, account_id: &str) -> Result<Vec<EventRecord>, StoreError> {
        self.check()?;
        Ok(self.tables.borrow().events.iter().filter(|e| e.account_id == account_id).cloned().collect())
    }
}
