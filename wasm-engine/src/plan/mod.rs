//! Cut planning: from analysis, transcript and script to the kept segments, in strict stages over
//! plain data, as auto-editor does it — words judged (fillers, restarts, script), words turned
//! into removals cut at quiet points, silences found from the signal, removals combined by
//! priority, clips too short dropped. Every time is an integer millisecond; the same input gives
//! the same plan, natively, in the Worker and in the browser.

pub mod cut_points;
pub mod fillers;
pub mod options;
pub mod restarts;
pub mod script;
pub mod silence;
pub mod soundless;
#[cfg(test)]
mod testing;
pub mod text;
pub mod unworded;
pub mod wire;

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::analyze::{Analysis, HOPS_PER_SECOND, Level};
use crate::transcript::{Millis, Transcript, Word};
pub use options::{CutOptions, ScriptMode};
pub use script::Script;

/// Removals shorter than one analysis hop are no cut at all (the clips either side join).
const MIN_REMOVAL: Millis = 1000 / HOPS_PER_SECOND as Millis;
/// How far a word-removal's cut may reach into the removed word itself to find a quiet point.
const INTO_REMOVED_WORD: Millis = 30;

/// Padding around an untranscribed sound's removal: its edges are the first and last hop that
/// sound, so a cut exactly there could keep a soft onset or tail; the stretch is at least
/// `Unworded::guard` (100 ms) from any kept word, so this never reaches one.
const UNWORDED_PAD: Millis = 40;

/// Why a span was removed; the order is the priority when removals overlap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    TooShort,
    Silence,
    Filler,
    Restart,
    OffScript,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Span {
    pub start: Millis,
    pub end: Millis,
}

impl Span {
    pub fn duration(&self) -> Millis {
        self.end - self.start
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Removal {
    pub start: Millis,
    pub end: Millis,
    pub reason: Reason,
}

/// Kept segments and removed spans: sorted, disjoint, together exactly `[0, source_duration)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CutPlan {
    pub segments: Vec<Span>,
    pub removed: Vec<Removal>,
    pub kept_duration: Millis,
    pub source_duration: Millis,
}

/// What a plan is made from. Without analysis nothing is cut for silence and cuts fall where
/// the words say; without a transcript only silence is cut.
#[derive(Debug, Clone, Copy)]
pub struct PlanInput<'a> {
    pub duration: Millis,
    pub analysis: Option<&'a Analysis>,
    pub transcript: Option<&'a Transcript>,
    pub script: Option<&'a Script>,
    /// ISO 639-1, for the default filler list.
    pub language: Option<&'a str>,
    /// Whether a speech recogniser wrote the transcript. Recognisers invent words over a steady
    /// tone; a transcript a person brings is taken at its word wherever there is sound (a test
    /// tone standing in for a voice included).
    pub recognised: bool,
}

/// The transcript's words that were said: those written into silence, or by a recogniser over a
/// steady tone, are no speech to keep, judge or caption. All of them without an analysis.
fn heard_words<'a>(input: &PlanInput<'a>) -> Cow<'a, [Word]> {
    let written = input.transcript.map_or(&[][..], Transcript::words);
    match input.analysis {
        Some(analysis) => Cow::Owned(soundless::heard(analysis, written, input.recognised)),
        None => Cow::Borrowed(written),
    }
}

pub fn plan(input: &PlanInput, options: &CutOptions) -> CutPlan {
    plan_with_heard_words(input, options).0
}

/// The plan, and the words it was made from (`heard_words`): the cut's words, for its captions
/// and its transcript.
pub fn plan_with_heard_words<'a>(input: &PlanInput<'a>, options: &CutOptions) -> (CutPlan, Cow<'a, [Word]>) {
    let levels: &[Level] = input.analysis.map_or(&[], |a| a.envelope.levels.as_slice());
    let heard = heard_words(input);
    let words = heard.as_ref();
    let reasons = judge_words(words, input, options);
    let mut removals = word_removals(words, &reasons, levels, input.duration);
    if options.remove_untranscribed_speech
        && let Some(analysis) = input.analysis
    {
        let kept_words = words.iter().zip(&reasons).filter(|(_, r)| r.is_none()).map(|(w, _)| w);
        removals.extend(unworded::stretches(analysis, kept_words, &unworded::Unworded::default()).into_iter().map(
            |(start, end)| Removal {
                start: start.saturating_sub(UNWORDED_PAD),
                end: end + UNWORDED_PAD,
                reason: Reason::Filler,
            },
        ));
    }
    if options.remove_silence
        && let Some(analysis) = input.analysis
    {
        let threshold = options.silence_threshold_db.map(|db| (db * 100.0).round() as Level);
        let margin = CutOptions::millis(options.margin_seconds);
        let silences = silence::removable(
            analysis,
            threshold,
            CutOptions::millis(options.min_silence_seconds),
            margin,
            input.duration,
        );
        let kept_words = || words.iter().zip(&reasons).filter(|(_, r)| r.is_none()).map(|(w, _)| w);
        removals.extend(clear_of_words(&silences, kept_words(), margin));
        let dead_air = fenced_dead_air(&removals, kept_words(), input.duration, |start, end| {
            silence::all_silent(analysis, threshold, start, end)
        });
        removals.extend(dead_air);
    }
    (assemble(removals, input.duration, CutOptions::millis(options.min_clip_seconds)), heard)
}

/// Stage 1: per word, the reason to remove it, or `None`.
fn judge_words(words: &[Word], input: &PlanInput, options: &CutOptions) -> Vec<Option<Reason>> {
    if words.is_empty() {
        return Vec::new();
    }
    let tokens = text::stream(words.iter().map(|w| w.text.as_str()));
    let filler_list: Vec<String> = match &options.filler_words {
        Some(list) => list.clone(),
        None => fillers::default_fillers(input.language).iter().map(|s| (*s).to_owned()).collect(),
    };
    let is_filler = fillers::find(words, &filler_list);
    let structural: Vec<Option<Reason>> = match input.script.filter(|s| !s.is_empty()) {
        Some(script) => script::judge(words, &tokens, &is_filler, script, options.script_mode, options.remove_restarts),
        None if options.remove_restarts => restarts::find(words, &tokens, &is_filler, input.language)
            .into_iter()
            .map(|r| r.then_some(Reason::Restart))
            .collect(),
        None => vec![None; words.len()],
    };
    structural
        .into_iter()
        .zip(is_filler)
        .map(|(reason, filler)| reason.or((filler && options.remove_fillers).then_some(Reason::Filler)))
        .collect()
}

/// Stage 2: each run of removed words becomes removals from a quiet point in the gap before it
/// to one in the gap after it, never reaching into a kept word. The run keeps "its own gap":
/// cutting near the middle of both gaps leaves about one gap between the words either side.
fn word_removals(words: &[Word], reasons: &[Option<Reason>], levels: &[Level], duration: Millis) -> Vec<Removal> {
    let mut removals = Vec::new();
    for run in runs(words.len(), |i| reasons[i].is_some()) {
        let (first, last) = (run.start, run.end - 1);
        let gap_start = if first == 0 { 0 } else { words[first - 1].end };
        let gap_end = words.get(last + 1).map_or(duration, |w| w.start).min(duration);
        let reach_in = |w: &Word| INTO_REMOVED_WORD.min((w.end - w.start) / 2);
        let start = cut_points::quietest(
            levels,
            gap_start,
            words[first].start + reach_in(&words[first]),
            midpoint(gap_start, words[first].start),
        );
        let end = cut_points::quietest(
            levels,
            words[last].end.saturating_sub(reach_in(&words[last])).max(start),
            gap_end,
            midpoint(words[last].end, gap_end),
        );
        // inside the run, a change of reason falls in the middle of the gap between the words
        let mut piece_start = start;
        for word in first..last {
            if reasons[word] != reasons[word + 1] {
                let boundary = midpoint(words[word].end, words[word + 1].start);
                removals.push(Removal { start: piece_start, end: boundary, reason: reasons[word].expect("removed") });
                piece_start = boundary;
            }
        }
        removals.push(Removal { start: piece_start, end, reason: reasons[last].expect("removed") });
    }
    removals
}

/// The maximal runs of consecutive indices below `len` for which `inside` holds.
pub(crate) fn runs(len: usize, mut inside: impl FnMut(usize) -> bool) -> Vec<std::ops::Range<usize>> {
    let mut runs = Vec::new();
    let mut index = 0;
    while index < len {
        if !inside(index) {
            index += 1;
            continue;
        }
        let start = index;
        while index < len && inside(index) {
            index += 1;
        }
        runs.push(start..index);
    }
    runs
}

fn midpoint(a: Millis, b: Millis) -> Millis {
    a + b.saturating_sub(a) / 2
}

/// Silences minus the kept words and their margins: a transcript knows speech that the signal
/// may have missed (a whisper, a soft consonant).
fn clear_of_words<'w>(
    silences: &[(Millis, Millis)],
    kept: impl Iterator<Item = &'w Word>,
    margin: Millis,
) -> Vec<Removal> {
    let mut protected = kept.map(|w| (w.start.saturating_sub(margin), w.end + margin)).peekable();
    let mut removals = Vec::new();
    for &(start, end) in silences {
        let mut cursor = start;
        while let Some(&(p_start, p_end)) = protected.peek() {
            if p_end <= cursor {
                protected.next();
                continue;
            }
            if p_start >= end {
                break;
            }
            if p_start > cursor {
                removals.push(Removal { start: cursor, end: p_start, reason: Reason::Silence });
            }
            cursor = cursor.max(p_end);
            if p_end >= end {
                break;
            }
            protected.next();
        }
        if cursor < end {
            removals.push(Removal { start: cursor, end, reason: Reason::Silence });
        }
    }
    removals
}

/// Clips that the removals would leave yet that hold no kept word and no sound: dead air too short
/// to be a silence of its own, fenced off from speech by a removed word on one side (a take, a
/// filler, an aside, cut in the middle of the gap after it) and a silence or the recording's end
/// on the other. Kept, it would be a clip of room tone in the cut.
fn fenced_dead_air<'w>(
    removals: &[Removal],
    kept: impl Iterator<Item = &'w Word>,
    duration: Millis,
    silent: impl Fn(Millis, Millis) -> bool,
) -> Vec<Removal> {
    // clips and words both in time order: one sweep (a collapsed word is a 1-ms instant)
    let mut kept = kept.peekable();
    complement(&by_priority(removals), duration)
        .into_iter()
        .filter(|clip| {
            while kept.next_if(|w| w.end.max(w.start + 1) <= clip.start).is_some() {}
            let holds_a_word = kept.peek().is_some_and(|w| w.start < clip.end);
            !holds_a_word && silent(clip.start, clip.end)
        })
        .map(|clip| Removal { start: clip.start, end: clip.end, reason: Reason::Silence })
        .collect()
}

/// Stage 3: overlapping removals resolved by priority, hairline removals dropped, clips shorter
/// than `min_clip` removed as `too_short`, kept segments the complement.
fn assemble(mut removals: Vec<Removal>, duration: Millis, min_clip: Millis) -> CutPlan {
    removals.retain_mut(|r| {
        r.end = r.end.min(duration);
        r.start < r.end
    });
    let mut resolved = by_priority(&removals);
    resolved.retain(|r| r.end - r.start >= MIN_REMOVAL || r.start == 0 || r.end == duration);
    let mut segments = complement(&resolved, duration);
    let (kept, short): (Vec<Span>, Vec<Span>) = segments.drain(..).partition(|s| s.duration() >= min_clip);
    resolved.extend(short.iter().map(|s| Removal { start: s.start, end: s.end, reason: Reason::TooShort }));
    resolved.sort_by_key(|r| r.start);
    let kept_duration = kept.iter().map(Span::duration).sum();
    CutPlan { segments: kept, removed: resolved, kept_duration, source_duration: duration }
}

/// Disjoint removals covering the union of `removals`, each piece labelled with the highest
/// priority reason covering it, neighbours with the same reason joined.
fn by_priority(removals: &[Removal]) -> Vec<Removal> {
    const REASONS: usize = 5;
    let mut events: Vec<(Millis, bool, Reason)> =
        removals.iter().flat_map(|r| [(r.start, true, r.reason), (r.end, false, r.reason)]).collect();
    events.sort_by_key(|&(time, opens, reason)| (time, opens, reason));
    let mut open = [0u32; REASONS];
    let mut out: Vec<Removal> = Vec::new();
    let mut piece: Option<(Millis, Reason)> = None;
    let mut index = 0;
    while index < events.len() {
        let time = events[index].0;
        let current = |open: &[u32; REASONS]| (0..REASONS).rev().find(|&r| open[r] > 0);
        let before = current(&open);
        while index < events.len() && events[index].0 == time {
            let (_, opens, reason) = events[index];
            if opens {
                open[reason as usize] += 1;
            } else {
                open[reason as usize] -= 1;
            }
            index += 1;
        }
        let after = current(&open);
        if before == after {
            continue;
        }
        if let Some((start, reason)) = piece.take() {
            out.push(Removal { start, end: time, reason });
        }
        piece = after.map(|reason| (time, REASON_BY_INDEX[reason]));
    }
    out
}

const REASON_BY_INDEX: [Reason; 5] =
    [Reason::TooShort, Reason::Silence, Reason::Filler, Reason::Restart, Reason::OffScript];

fn complement(removed: &[Removal], duration: Millis) -> Vec<Span> {
    let mut segments = Vec::new();
    let mut cursor = 0;
    for r in removed {
        if r.start > cursor {
            segments.push(Span { start: cursor, end: r.start });
        }
        cursor = cursor.max(r.end);
    }
    if cursor < duration {
        segments.push(Span { start: cursor, end: duration });
    }
    segments
}

#[cfg(test)]
mod tests {
    use super::*;

    fn removal(start: Millis, end: Millis, reason: Reason) -> Removal {
        Removal { start, end, reason }
    }

    #[test]
    fn overlaps_resolve_by_priority() {
        let resolved = by_priority(&[
            removal(0, 100, Reason::Silence),
            removal(50, 150, Reason::Filler),
            removal(140, 300, Reason::Silence),
            removal(400, 500, Reason::Silence),
            removal(500, 600, Reason::Silence),
        ]);
        assert_eq!(
            resolved,
            [
                removal(0, 50, Reason::Silence),
                removal(50, 150, Reason::Filler),
                removal(150, 300, Reason::Silence),
                removal(400, 600, Reason::Silence)
            ]
        );
    }

    #[test]
    fn assembling_covers_the_source_and_drops_short_clips() {
        let plan = assemble(
            vec![
                removal(100, 1_000, Reason::Silence),
                removal(1_100, 2_000, Reason::Filler),
                removal(2_000, 2_005, Reason::Silence),
            ],
            3_000,
            200,
        );
        assert_eq!(plan.segments, [Span { start: 2_000, end: 3_000 }]);
        assert_eq!(
            plan.removed,
            [
                removal(0, 100, Reason::TooShort),
                removal(100, 1_000, Reason::Silence),
                removal(1_000, 1_100, Reason::TooShort),
                removal(1_100, 2_000, Reason::Filler)
            ]
        );
        assert_eq!(plan.kept_duration, 1_000);
    }

    #[test]
    fn silences_step_around_kept_words() {
        let word = |start, end| Word { text: "w".into(), start, end, confidence: None };
        let words = [word(500, 700), word(2_000, 2_200)];
        let cleared = clear_of_words(&[(0, 1_500), (1_600, 3_000)], words.iter(), 100);
        let spans: Vec<_> = cleared.iter().map(|r| (r.start, r.end)).collect();
        assert_eq!(spans, [(0, 400), (800, 1_500), (1_600, 1_900), (2_300, 3_000)]);
    }
}
