//! Transcripts whose every word carries its truth — what a rough cut must remove and what it must
//! keep — in the reparandum / interregnum / repair terms of the disfluency literature (Shriberg
//! 1994): the disfluency benchmark scores plans against them, whatever corpus they come from.

use roughcut_engine::transcript::{Millis, Word};

/// What one spoken word is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Truth {
    /// Meant to be said: a cut that removes it loses speech.
    Fluent,
    /// A hesitation sound ("um", "uh", "erm"): must go.
    Filler,
    /// An editing phrase between a reparandum and its repair ("I mean", "sorry", "let me start
    /// again"), or a discourse filler ("you know", "like"): may go or stay, never scored as lost.
    Interregnum,
    /// A word of an abandoned take (the reparandum): must go.
    Reparandum(Restart),
}

/// How a take was abandoned: the relation of the reparandum to its repair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Restart {
    /// The repair repeats it word for word ("the the", "I- I", "we we went").
    Repetition,
    /// The repair replaces a word or changes the tail ("we went- we drove").
    Revision,
    /// Abandoned and never repaired: the speaker starts something else.
    FreshStart,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LabelledWord {
    /// As a recogniser writes it, with its times (a collapsed word has `start == end`).
    pub word: Word,
    pub truth: Truth,
}

/// One recording's transcript.
#[derive(Debug, Clone, PartialEq)]
pub struct Talk {
    pub name: String,
    pub words: Vec<LabelledWord>,
    /// The recording's length, at or after the last word's end.
    pub duration: Millis,
}
