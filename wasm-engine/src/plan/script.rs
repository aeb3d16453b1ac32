//! Reference-script alignment: which transcript words say which script sentence, and which take
//! of each sentence to keep. A greedy tracker walks the transcript's tokens along the script,
//! tolerating what recognisers do (a dropped, substituted or inserted word; near-miss spellings)
//! and re-anchoring with a few tokens of context when speech jumps: back to an earlier sentence
//! (a retake) or off the script (an aside). Linear in the transcript for on-script speech, so a
//! 60-minute transcript plans in milliseconds.

use std::collections::HashMap;

use super::options::{LOOSE_OFF_SCRIPT_MILLIS, ScriptMode};
use super::text::{Token, similar, stream};
use super::{Reason, runs};
use crate::transcript::Word;

/// Script tokens a recogniser may drop in a row.
const MAX_SKIP: usize = 3;
/// Transcript tokens compared when anchoring.
const ANCHOR_WINDOW: usize = 6;
/// Matching tokens that make an anchor.
const MIN_ANCHOR: usize = 3;
/// Matching tokens that make an anchor where fewer than `MIN_ANCHOR` are left to match.
const MIN_LONE_ANCHOR: usize = 2;
/// Tokens before an anchor that may join it (see `pull_back`).
const MAX_PULL_BACK: usize = 3;
/// Occurrences of a token tried on each side of the cursor when anchoring.
const ANCHOR_CANDIDATES: usize = 48;
/// Off-script words inside a take that are tolerated as recognition noise or an ad-lib.
const TOLERATED_INSERTION_WORDS: usize = 2;

/// A script split into sentences (at `.?!…` and line ends) of normalised tokens.
#[derive(Debug)]
pub struct Script {
    tokens: Vec<String>,
    sentence_of: Vec<u32>,
    /// Token range of each sentence.
    sentences: Vec<(usize, usize)>,
    index: HashMap<String, Vec<u32>>,
}

impl Script {
    pub fn new(text: &str) -> Self {
        let mut tokens = Vec::new();
        let mut sentence_of = Vec::new();
        let mut sentences = Vec::new();
        let mut sentence_start = 0;
        let close = |tokens: &Vec<String>, start: &mut usize, sentences: &mut Vec<(usize, usize)>| {
            if tokens.len() > *start {
                sentences.push((*start, tokens.len()));
                *start = tokens.len();
            }
        };
        for line in text.lines() {
            for word in line.split_whitespace() {
                for token in stream(std::iter::once(word)) {
                    tokens.push(token.text);
                    sentence_of.push(sentences.len() as u32);
                }
                if word.ends_with(['.', '?', '!', '…']) {
                    close(&tokens, &mut sentence_start, &mut sentences);
                }
            }
            close(&tokens, &mut sentence_start, &mut sentences);
        }
        let mut index: HashMap<String, Vec<u32>> = HashMap::new();
        for (position, token) in tokens.iter().enumerate() {
            index.entry(token.clone()).or_default().push(position as u32);
        }
        Self { tokens, sentence_of, sentences, index }
    }

    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }
}

/// How many of the transcript tokens from `p` match the script from `c`, walking greedily and
/// allowing one dropped or inserted token at a time.
fn anchor_score(transcript: &[&str], script: &[String], p: usize, c: usize) -> usize {
    let (mut i, mut k, mut matched) = (p, c, 0);
    while i < transcript.len().min(p + ANCHOR_WINDOW) && k < script.len() {
        if similar(transcript[i], &script[k]) {
            matched += 1;
            k += 1;
        } else if k + 1 < script.len() && similar(transcript[i], &script[k + 1]) {
            matched += 1;
            k += 2;
        } else if i == p {
            // the anchor's first token must match
            return 0;
        }
        i += 1;
    }
    matched
}

/// Per transcript word: the reason to remove it (`Restart`, `OffScript`) or `None` to keep it.
/// Fillers (`fillers[word]`) are transparent: neither on nor off the script.
pub fn judge(
    words: &[Word],
    tokens: &[Token],
    fillers: &[bool],
    script: &Script,
    mode: ScriptMode,
    remove_restarts: bool,
) -> Vec<Option<Reason>> {
    let content: Vec<&Token> = tokens.iter().filter(|t| !fillers[t.word]).collect();
    let text: Vec<&str> = content.iter().map(|t| t.text.as_str()).collect();
    let aligned = align(&text, script);

    // takes: (run, sentence) → covered script positions and the transcript tokens in it
    let mut groups: HashMap<(u32, u32), Group> = HashMap::new();
    for (p, alignment) in aligned.iter().enumerate() {
        if let Some((run, position)) = *alignment {
            let sentence = script.sentence_of[position];
            let group = groups.entry((run, sentence)).or_insert_with(|| Group { first: p, covered: Vec::new() });
            group.covered.push(position);
        }
    }
    // per sentence, the take to keep: a complete one beats an incomplete one; among complete
    // takes the last wins (speakers retake until it is right), among incomplete ones the fullest
    type Rank = (bool, usize, usize);
    let mut keep_group: HashMap<u32, ((u32, u32), Rank)> = HashMap::new();
    for (&(run, sentence), group) in &groups {
        let (start, end) = script.sentences[sentence as usize];
        let complete = group.is_complete(start, end);
        let rank = (complete, if complete { 0 } else { group.coverage() }, group.first);
        if keep_group.get(&sentence).is_none_or(|(_, best)| rank > *best) {
            keep_group.insert(sentence, ((run, sentence), rank));
        }
    }
    let kept = |run: u32, position: usize| {
        let sentence = script.sentence_of[position];
        !remove_restarts || keep_group.get(&sentence).is_some_and(|best| best.0 == (run, sentence))
    };

    // per content token: Some(true) kept take, Some(false) dropped take, None off-script
    let mut verdict: Vec<Option<bool>> = aligned.iter().map(|a| a.map(|(run, position)| kept(run, position))).collect();
    tolerate_insertions(&content, &aligned, &mut verdict);

    let mut reasons: Vec<Option<Reason>> = vec![None; words.len()];
    let mut judged = vec![false; words.len()];
    for (token, verdict) in content.iter().zip(&verdict) {
        let word = token.word;
        if judged[word] {
            continue;
        }
        judged[word] = true;
        reasons[word] = match verdict {
            Some(true) => None,
            Some(false) => Some(Reason::Restart),
            None => Some(Reason::OffScript),
        };
    }
    if mode == ScriptMode::Loose {
        keep_short_off_script(words, &mut reasons);
    }
    reasons
}

struct Group {
    first: usize,
    covered: Vec<usize>,
}

impl Group {
    fn coverage(&self) -> usize {
        let mut distinct = self.covered.clone();
        distinct.sort_unstable();
        distinct.dedup();
        distinct.len()
    }

    /// Said to its end (the last or second-to-last token) and at least 70% of it.
    fn is_complete(&self, start: usize, end: usize) -> bool {
        let length = end - start;
        let reached_end = self.covered.iter().any(|&p| p + if length > 2 { 2 } else { 1 } >= end);
        let coverage = self.coverage();
        reached_end && if length <= 2 { coverage == length } else { coverage * 10 >= length * 7 }
    }
}

/// Each transcript token's `(run, script position)`, or `None` off the script. A run is a stretch
/// of speech that follows the script without a jump.
fn align(transcript: &[&str], script: &Script) -> Vec<Option<(u32, usize)>> {
    let m = script.tokens.len();
    let mut aligned = vec![None; transcript.len()];
    let mut cursor: Option<usize> = None;
    let mut synced = false;
    let mut run = 0u32;
    for p in 0..transcript.len() {
        let token = transcript[p];
        let next = transcript.get(p + 1).copied();
        if let (true, Some(q)) = (synced, cursor) {
            let at = |k: usize| script.tokens.get(k).map(String::as_str);
            let matches = |k: usize, t: Option<&str>| matches!((at(k), t), (Some(s), Some(t)) if similar(t, s));
            if matches(q + 1, Some(token)) {
                aligned[p] = Some((run, q + 1));
                cursor = Some(q + 1);
                continue;
            }
            if let Some(k) = (q + 2..=q + 1 + MAX_SKIP)
                .find(|&k| matches(k, Some(token)) && (next.is_none() || matches(k + 1, next)))
            {
                aligned[p] = Some((run, k));
                cursor = Some(k);
                continue;
            }
            if matches(q + 2, next) {
                // substituted
                aligned[p] = Some((run, q + 1));
                cursor = Some(q + 1);
                continue;
            }
            if matches(q + 1, next) {
                // inserted: off the script, but the next token resumes it
                continue;
            }
        }
        match find_anchor(transcript, script, p, cursor) {
            Some(c) => {
                let jumped = cursor.is_none_or(|q| c != q + 1);
                if jumped {
                    run += 1;
                    pull_back(transcript, script, &mut aligned, p, c, run, cursor.is_some_and(|q| c <= q));
                }
                aligned[p] = Some((run, c));
                cursor = Some(c);
                synced = true;
            }
            None => synced = false,
        }
        debug_assert!(cursor.is_none_or(|c| c < m));
    }
    aligned
}

/// After an anchor at script position `c`, the tokens just before `p` that say the script words
/// just before `c` join the new run: a retake whose first word was read as the end of the broken
/// take ("It was confusing and | It was…"), or a misspelled first word that could not anchor
/// ("Ardio mixing…"). Only unaligned tokens are taken, or, on a jump back, tokens of the old run.
fn pull_back(
    transcript: &[&str],
    script: &Script,
    aligned: &mut [Option<(u32, usize)>],
    p: usize,
    c: usize,
    run: u32,
    jumped_back: bool,
) {
    let (mut token, mut position) = (p, c);
    while token > 0 && position > 0 && p - token < MAX_PULL_BACK {
        let previous = token - 1;
        let free = aligned[previous].is_none() || jumped_back;
        if !free || !similar(transcript[previous], &script.tokens[position - 1]) {
            break;
        }
        aligned[previous] = Some((run, position - 1));
        (token, position) = (previous, position - 1);
    }
}

/// The best script position to resume at transcript token `p`: the most context matched, then
/// the nearest after `cursor` (reading on), then the nearest before it (a retake). Only the
/// `ANCHOR_CANDIDATES` occurrences of the token nearest the cursor on each side are tried, which
/// bounds the work per token whatever the script repeats ("the" may occur a thousand times).
fn find_anchor(transcript: &[&str], script: &Script, p: usize, cursor: Option<usize>) -> Option<usize> {
    let needed = MIN_ANCHOR.min(transcript.len() - p);
    let from = cursor.map_or(0, |q| q + 1);
    let distance = |c: usize| if c >= from { c - from } else { script.tokens.len() + from - c };
    let positions = script.index.get(transcript[p]).map_or(&[][..], Vec::as_slice);
    let split = positions.partition_point(|&c| (c as usize) < from);
    let ahead = positions[split..].iter().take(ANCHOR_CANDIDATES);
    let behind = positions[..split].iter().rev().take(ANCHOR_CANDIDATES);
    let mut best: Option<(usize, usize)> = None;
    for c in ahead.chain(behind).map(|&c| c as usize) {
        // Near the transcript's or the script's end fewer tokens can match; but one word that
        // the script says somewhere ("today", "the") is no take of it unless it is all that is
        // left of the script there.
        let script_left = script.tokens.len() - c;
        let needed = if script_left > 1 { needed.max(MIN_LONE_ANCHOR) } else { needed }.min(script_left);
        let score = anchor_score(transcript, &script.tokens, p, c);
        if score >= needed && score > 0 {
            let rank = |c: usize, score: usize| (score, std::cmp::Reverse(distance(c)));
            if best.is_none_or(|(best_c, best_score)| rank(c, score) > rank(best_c, best_score)) {
                best = Some((c, score));
            }
        }
    }
    best.map(|(c, _)| c)
}

/// A short off-script run (recognition noise, an ad-libbed word) between two tokens of the same
/// kept take stays with the take.
fn tolerate_insertions(content: &[&Token], aligned: &[Option<(u32, usize)>], verdict: &mut [Option<bool>]) {
    for run in runs(verdict.len(), |p| verdict[p].is_none()) {
        let (start, p) = (run.start, run.end);
        let words = content[start].word..=content[p - 1].word;
        let inside_one_kept_take = start > 0
            && p < verdict.len()
            && verdict[start - 1] == Some(true)
            && verdict[p] == Some(true)
            && aligned[start - 1].map(|a| a.0) == aligned[p].map(|a| a.0);
        if inside_one_kept_take && words.count() <= TOLERATED_INSERTION_WORDS {
            verdict[start..p].iter_mut().for_each(|v| *v = Some(true));
        }
    }
}

/// `loose` mode: off-script runs shorter than `LOOSE_OFF_SCRIPT_MILLIS` are kept.
fn keep_short_off_script(words: &[Word], reasons: &mut [Option<Reason>]) {
    for run in runs(words.len(), |i| reasons[i] == Some(Reason::OffScript)) {
        if words[run.end - 1].end - words[run.start].start < LOOSE_OFF_SCRIPT_MILLIS {
            reasons[run].iter_mut().for_each(|r| *r = None);
        }
    }
}
