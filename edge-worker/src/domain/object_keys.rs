//! Where bytes live in R2, in one place. An uploaded file and its audio proxy sit under
//! `assets/{asset}/`; everything made from a subject (an asset's analysis, speech, transcripts and
//! captions, a cut's plan, a render's file) under `derived/{subject}/{producer}/`, one folder per
//! job or cut so that a retry never mixes its files with another's; a TUS upload's bytes short of a
//! part wait under `staging/{upload}/`. Deleting a subject's prefixes removes every byte of it.

use super::ids::{IdKind, is_of};

pub fn source(asset_id: &str) -> String {
    format!("assets/{asset_id}/source")
}

pub fn audio_proxy(asset_id: &str) -> String {
    format!("assets/{asset_id}/audio-proxy")
}

/// Everything an asset's bytes are: its files and all derived from them.
pub fn asset_prefixes(asset_id: &str) -> [String; 2] {
    [format!("assets/{asset_id}/"), subject_prefix(asset_id)]
}

/// Everything derived from `subject_id` (an asset, or a render's own file).
pub fn subject_prefix(subject_id: &str) -> String {
    format!("derived/{subject_id}/")
}

/// The subject a derived file belongs to: `rnd_…` of `derived/rnd_…/job_…/render`.
pub fn subject_of(key: &str) -> Option<&str> {
    key.strip_prefix("derived/")?.split_once('/').map(|(subject, _)| subject)
}

/// What a file belongs to: an asset (its own files and what is derived from them) or a render
/// (its file).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner<'a> {
    Asset(&'a str),
    Render(&'a str),
}

/// The owner of the file at `key`; `None` for keys that are no one's file (an upload's staging).
pub fn owner_of(key: &str) -> Option<Owner<'_>> {
    if let Some(rest) = key.strip_prefix("assets/") {
        return rest.split_once('/').map(|(asset, _)| Owner::Asset(asset));
    }
    let subject = subject_of(key)?;
    Some(if is_of(IdKind::Render, subject) { Owner::Render(subject) } else { Owner::Asset(subject) })
}

/// Where `producer_id` (a job, a cut, the user) keeps what it made from `subject_id`.
pub fn derived_prefix(subject_id: &str, producer_id: &str) -> String {
    format!("{}{producer_id}/", subject_prefix(subject_id))
}

/// The file `name` that `producer_id` made from `subject_id`.
pub fn derived(subject_id: &str, producer_id: &str, name: &str) -> String {
    format!("{}{name}", derived_prefix(subject_id, producer_id))
}

/// An upload's bytes received past its last whole part, as of `offset`.
pub fn staging(upload_id: &str, offset: u64) -> String {
    format!("staging/{upload_id}/{offset}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_of_a_subject_lies_under_its_prefixes() {
        let [files, derived_files] = asset_prefixes("ast_1");
        assert!(source("ast_1").starts_with(&files) && audio_proxy("ast_1").starts_with(&files));
        let speech = derived("ast_1", "job_1", "speech-000.wav");
        assert_eq!(speech, "derived/ast_1/job_1/speech-000.wav");
        assert!(speech.starts_with(&derived_files) && speech.starts_with(&derived_prefix("ast_1", "job_1")));
        assert!(!derived("ast_10", "job_1", "render").starts_with(&subject_prefix("ast_1")), "no prefix of another");
        assert_eq!(subject_of(&derived("rnd_1", "job_1", "render")), Some("rnd_1"));
        assert_eq!(subject_of(&source("ast_1")), None);
    }

    #[test]
    fn every_file_has_its_owner() {
        assert_eq!(owner_of(&source("ast_1")), Some(Owner::Asset("ast_1")));
        assert_eq!(owner_of(&audio_proxy("ast_1")), Some(Owner::Asset("ast_1")));
        assert_eq!(owner_of(&derived("ast_1", "cut_1", "plan.json")), Some(Owner::Asset("ast_1")));
        assert_eq!(owner_of(&derived("rnd_1", "job_1", "render")), Some(Owner::Render("rnd_1")));
        assert_eq!(owner_of(&staging("upl_1", 0)), None);
        assert_eq!(owner_of("assets/ast_1"), None);
    }
}
