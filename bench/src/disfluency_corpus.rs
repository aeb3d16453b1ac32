//! The team's generated disfluency corpus: word-timed transcripts of made-up talks in which every
//! word carries its truth, with the disfluency shapes real speakers produce — fillers, exact and
//! partial repetitions, revisions, fresh starts, editing phrases — and the fluent repetitions a
//! cut must keep, timed and written the way a recogniser (Whisper) returns them. It is a test set
//! built from the disfluency literature (Shriberg 1994; the Switchboard annotation of Meteer et
//! al. 1995), not from how any planner works.

use crate::labelled::{LabelledWord, Restart, Talk, Truth};
use crate::random::Rng;
use roughcut_engine::transcript::{Millis, Word};

/// How many talks a corpus holds.
const TALKS: u64 = 20;

/// The talks of one seed: mixed styles, topics, lengths (3–8 minutes) and speaking rates.
pub fn generate(seed: u64) -> Vec<Talk> {
    let mut rng = Rng(seed);
    (0..TALKS)
        .map(|index| {
            // Every style appears; the rest of the mix is drawn.
            let style = if index < 4 { STYLES[index as usize] } else { *pick(&mut rng, &STYLES) };
            let topic = &TOPICS[((index + rng.range(0, 3)) as usize) % TOPICS.len()];
            let minutes = rng.range(4, 8);
            Speaker::new(Rng(rng.next()), style).talk(index, topic, minutes)
        })
        .collect()
}

/// How a talk is delivered: the speaking rate and how often each disfluency happens. Rates are per
/// word position (restarts, mid-sentence fillers) or per sentence (sentence-level events), set so
/// that fillers are 2–3% of the corpus's words and repetitions the most common restart, as in
/// Switchboard (Shriberg 1994).
#[derive(Debug, Clone, Copy)]
struct Style {
    name: &'static str,
    /// Words per second of articulation (pauses aside), in hundredths.
    rate: (u64, u64),
    filler: f64,
    sentence_filler: f64,
    repetition: f64,
    fragment: f64,
    revision: f64,
    tail_revision: f64,
    fresh_start: f64,
    discourse: f64,
    dead_air: f64,
}

const STYLES: [Style; 4] = [
    Style {
        name: "scripted",
        rate: (300, 380),
        filler: 0.005,
        sentence_filler: 0.03,
        repetition: 0.005,
        fragment: 0.002,
        revision: 0.005,
        tail_revision: 0.015,
        fresh_start: 0.01,
        discourse: 0.0,
        dead_air: 0.01,
    },
    Style {
        name: "conversation",
        rate: (320, 400),
        filler: 0.02,
        sentence_filler: 0.14,
        repetition: 0.022,
        fragment: 0.007,
        revision: 0.012,
        tail_revision: 0.05,
        fresh_start: 0.05,
        discourse: 0.012,
        dead_air: 0.01,
    },
    Style {
        name: "interview",
        rate: (280, 360),
        filler: 0.018,
        sentence_filler: 0.16,
        repetition: 0.018,
        fragment: 0.006,
        revision: 0.011,
        tail_revision: 0.045,
        fresh_start: 0.045,
        discourse: 0.006,
        dead_air: 0.015,
    },
    Style {
        name: "tutorial",
        rate: (250, 320),
        filler: 0.014,
        sentence_filler: 0.09,
        repetition: 0.012,
        fragment: 0.005,
        revision: 0.009,
        tail_revision: 0.035,
        fresh_start: 0.03,
        discourse: 0.003,
        dead_air: 0.04,
    },
];

/// What precedes a word in time, from no gap at all to dead air.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Gap {
    Phrase,
    AfterFiller,
    /// Between the copies of a repetition: mostly none (Shriberg 1995: most repetitions bridge).
    Stutter,
    Hesitation,
    Comma,
    /// After a reparandum: 150–900 ms, or none at all.
    Interruption,
    Sentence,
    Turn,
    Paragraph,
    DeadAir,
}

#[derive(Debug)]
struct Token {
    text: String,
    truth: Truth,
    gap: Gap,
    /// The last word before an interruption point, lengthened as speakers do.
    prolonged: bool,
    /// A cut-off word: shorter than its letters suggest.
    fragment: bool,
}

/// One speaker's talk being written, word by word, with its truth.
#[derive(Debug)]
struct Speaker {
    rng: Rng,
    style: Style,
    tokens: Vec<Token>,
    next_gap: Gap,
    capital: bool,
}

impl Speaker {
    fn new(rng: Rng, style: Style) -> Self {
        Self { rng, style, tokens: Vec::new(), next_gap: Gap::Sentence, capital: true }
    }

    fn talk(mut self, index: u64, topic: &Topic, minutes: u64) -> Talk {
        let rate = self.rng.range(self.style.rate.0, self.style.rate.1);
        // Pauses take about a quarter of a talk.
        let target_words = (minutes * 60 * rate / 100) as usize * 3 / 4;
        let mut answer_left = 0;
        let mut paragraph_left = self.rng.range(3, 9);
        while self.tokens.len() < target_words {
            if self.style.name == "interview" && answer_left == 0 {
                self.next_gap = self.next_gap.max(Gap::Turn);
                let frame = *pick(&mut self.rng, topic.questions);
                let question = expand(&mut self.rng, frame);
                self.sentence(&question, None);
                self.next_gap = Gap::Turn;
                answer_left = self.rng.range(2, 7);
            }
            answer_left = answer_left.saturating_sub(1);
            paragraph_left -= 1;
            if paragraph_left == 0 {
                self.next_gap = self.next_gap.max(Gap::Paragraph);
                paragraph_left = self.rng.range(3, 9);
            }
            if self.rng.chance(self.style.dead_air) {
                self.next_gap = Gap::DeadAir;
            }
            let kind = self.rng.range(0, 99);
            if kind < 5 {
                let frame = *pick(&mut self.rng, FLUENT_REPEATS);
                for sentence in expand(&mut self.rng, frame).split_inclusive(|w| ends_sentence(w)) {
                    self.fluent(sentence);
                }
            } else if kind < 8 {
                self.parallel();
            } else {
                let frames = if kind < 78 { topic.frames } else { GENERAL };
                let frame = *pick(&mut self.rng, frames);
                let words = expand(&mut self.rng, frame);
                self.sentence(&words, Some(frame));
            }
        }
        let words = self.time(rate);
        let last = words.last().map_or(0, |w| w.word.end);
        let duration = last + self.rng.range(300, 3_000);
        Talk { name: format!("{index:02}-{}-{}", self.style.name, topic.name), words, duration }
    }

    /// Appends a word, capitalised at a sentence start, with the gap the previous word left.
    fn push(&mut self, text: &str, truth: Truth) {
        let text = if self.capital { capitalise(text) } else { text.to_owned() };
        let filler = truth == Truth::Filler;
        let gap = if filler { self.next_gap.max(Gap::Hesitation) } else { self.next_gap };
        self.capital = ends_sentence(&text);
        self.next_gap = if filler {
            Gap::AfterFiller
        } else if ends_sentence(&text) {
            Gap::Sentence
        } else if text.ends_with([',', ';', ':']) {
            Gap::Comma
        } else {
            Gap::Phrase
        };
        self.tokens.push(Token { text, truth, gap, prolonged: false, fragment: false });
    }

    /// A sentence that must survive whole: no disfluency is woven into it.
    fn fluent(&mut self, sentence: &[String]) {
        for word in sentence {
            self.push(word, Truth::Fluent);
        }
    }

    /// Two or three sentences opening the same way ("We need to test it. We need to ship it."):
    /// parallel structure, not a restart.
    fn parallel(&mut self) {
        let (opener, tails) = *pick(&mut self.rng, PARALLEL);
        let count = self.rng.range(2, 3) as usize;
        let first = self.rng.range(0, tails.len() as u64 - 1) as usize;
        for i in 0..count {
            let tail = tails[(first + i * 3) % tails.len()];
            let text = format!("{opener} {tail}.");
            let words: Vec<String> = text.split_whitespace().map(str::to_owned).collect();
            self.fluent(&words);
        }
    }

    /// One sentence as spoken: sentence-level restarts first, then a walk over its words in which
    /// fillers, repetitions, cut-off words and revisions happen at word boundaries.
    fn sentence(&mut self, words: &[String], frame: Option<&str>) {
        let style = self.style;
        if self.rng.chance(style.fresh_start) {
            self.fresh_start();
        }
        if self.rng.chance(style.sentence_filler) {
            self.fillers();
        }
        if self.rng.chance(style.discourse * 2.0) {
            let marker = *pick(&mut self.rng, &["I mean,", "You know,", "Like,", "I mean"]);
            self.push(marker, Truth::Interregnum);
        }
        // A tail revision: the speaker began the same thought with other words ("We moved the-
        // We migrated the database"), found by expanding the same frame again.
        let tail = frame.filter(|_| self.rng.chance(style.tail_revision)).and_then(|frame| {
            let other = expand(&mut self.rng, frame);
            let differs = (0..words.len().min(other.len()).saturating_sub(1)).find(|&i| !same(&words[i], &other[i]))?;
            let from = differs - self.rng.range(0, differs.min(2) as u64) as usize;
            let extra = self.rng.range(0, 2) as usize;
            let end = (differs + extra).min(other.len() - 2);
            Some((from, other[from..=end].to_vec()))
        });
        let last = words.len() - 1;
        for (at, word) in words.iter().enumerate() {
            if let Some((_, reparandum)) = tail.as_ref().filter(|(from, _)| *from == at) {
                let marker = self.restart_marker();
                self.reparandum(reparandum, Restart::Revision, marker);
                if self.rng.chance(0.45) {
                    self.editing_phrase(REVISION_EDITS);
                }
            } else if at < last {
                self.word_event(&words[at..]);
            }
            self.push(word, Truth::Fluent);
        }
    }

    /// At most one disfluency before `rest[0]`, where `rest` is the unspoken rest of the sentence.
    fn word_event(&mut self, rest: &[String]) {
        let style = self.style;
        let word = bare(&rest[0]).to_lowercase();
        // Repetitions fall mostly on function words (in Switchboard, "overwhelmingly function
        // words").
        let weight = if FUNCTION_WORDS.contains(&word.as_str()) { 2.5 } else { 0.25 };
        let letters = word.chars().filter(char::is_ascii_alphabetic).count();
        if self.rng.chance(style.filler) && !self.capital {
            self.fillers();
        } else if self.rng.chance(style.repetition * weight) {
            self.repetition(rest);
        } else if letters >= 2 && self.rng.chance(style.fragment) {
            self.fragment(&rest[0]);
        } else if self.rng.chance(style.revision) {
            self.revision(rest);
        } else if !self.capital && self.rng.chance(style.discourse) {
            for word in *pick(&mut self.rng, DISCOURSE) {
                self.push(word, Truth::Interregnum);
            }
        }
    }

    /// One to three hesitation sounds, written as recognisers write them.
    fn fillers(&mut self) {
        let count = weighted(&mut self.rng, &[(1, 82), (2, 15), (3, 3)]);
        for _ in 0..count {
            let sound = weighted(
                &mut self.rng,
                &[
                    ("um", 34),
                    ("uh", 34),
                    ("erm", 6),
                    ("er", 5),
                    ("uhm", 6),
                    ("hmm", 6),
                    ("ummm", 4),
                    ("mm", 3),
                    ("uhh", 2),
                ],
            );
            let punctuation = weighted(&mut self.rng, &[("", 50), (",", 35), (".", 8), ("...", 7)]);
            self.push(&format!("{sound}{punctuation}"), Truth::Filler);
        }
    }

    /// Exact repetition of 1–4 words, once or more ("I I", "in the in the", "I- I- I"), sometimes
    /// with a filler between; the length mix follows Switchboard's 30,546 one-word, 8,102 two-word
    /// and 1,606 three-word repetitions.
    fn repetition(&mut self, rest: &[String]) {
        let length = weighted(&mut self.rng, &[(1, 76), (2, 19), (3, 4), (4, 1)]).min(rest.len() - 1);
        let copies = weighted(&mut self.rng, &[(1, 85), (2, 13), (3, 2)]);
        if self.rng.chance(0.35) {
            self.next_gap = self.next_gap.max(Gap::Hesitation);
        }
        for _ in 0..copies {
            let marker = weighted(&mut self.rng, &[("", 45), ("-", 25), (",", 15), ("—", 8), ("...", 5), ("--", 2)]);
            self.reparandum(&rest[..length], Restart::Repetition, marker);
            self.next_gap = Gap::Stutter;
            if self.rng.chance(0.15) {
                self.fillers();
            }
        }
    }

    /// A word cut off and then said whole ("th- the", "sim- simple", "s- sim- simple").
    fn fragment(&mut self, word: &str) {
        let whole = bare(word);
        let letters: Vec<char> = whole.chars().collect();
        let cuts = weighted(&mut self.rng, &[(1, 90), (2, 10)]);
        let mut longest = 0;
        for _ in 0..cuts {
            let low = (letters.len() / 3).max(1).max(longest + 1);
            let high = (letters.len() * 2 / 3).max(low).min(letters.len() - 1);
            if low > high {
                break;
            }
            let cut = self.rng.range(low as u64, high as u64) as usize;
            longest = cut;
            let prefix: String = letters[..cut].iter().collect();
            let text = self.cut_off(&prefix);
            self.push(&text, Truth::Reparandum(Restart::Repetition));
            self.mark_fragment();
            self.next_gap = Gap::Stutter;
        }
    }

    /// A cut-off word as recognisers write it: with a hyphen or dash, bare, trailing off, or
    /// snapped to a short real word that starts the same way.
    fn cut_off(&mut self, prefix: &str) -> String {
        match weighted(&mut self.rng, &[(0, 55), (1, 15), (2, 8), (3, 5), (4, 17)]) {
            0 => format!("{prefix}-"),
            1 => prefix.to_owned(),
            2 => format!("{prefix}—"),
            3 => format!("{prefix}..."),
            _ => {
                let first = prefix.chars().next().map(|c| c.to_ascii_lowercase());
                let similar: Vec<&str> = SHORT_WORDS.iter().copied().filter(|w| w.chars().next() == first).collect();
                if similar.is_empty() { format!("{prefix}-") } else { (*pick(&mut self.rng, &similar)).to_owned() }
            }
        }
    }

    fn mark_fragment(&mut self) {
        if let Some(token) = self.tokens.last_mut() {
            token.fragment = true;
        }
    }

    /// A word replaced ("on Monday- on Tuesday", "he was- she was", "we dro- we went"): the
    /// reparandum retraces from `rest[0]` to a substitutable word within three, swaps it, and may
    /// run a word or two past it before the speaker stops.
    fn revision(&mut self, rest: &[String]) {
        let Some((at, swapped)) =
            (0..rest.len().min(4) - 1).find_map(|i| substitute(&mut self.rng, &rest[i]).map(|s| (i, s)))
        else {
            return;
        };
        let run_on = self.rng.range(0, 2) as usize;
        let end = (at + run_on).min(rest.len() - 2);
        let mut reparandum: Vec<String> = rest[..=end].iter().map(|w| bare(w).to_owned()).collect();
        reparandum[at] = swapped;
        let cut = end == at && reparandum[at].len() > 3 && self.rng.chance(0.2);
        if cut {
            // Caught mid-word: the swapped word is cut off.
            let letters: Vec<char> = reparandum[at].chars().collect();
            reparandum[at] = letters[..self.rng.range(2, letters.len() as u64 - 2) as usize].iter().collect();
        }
        let marker = if cut { "-" } else { self.restart_marker() };
        self.reparandum(&reparandum, Restart::Revision, marker);
        if cut {
            self.mark_fragment();
        }
        if self.rng.chance(0.45) {
            self.editing_phrase(REVISION_EDITS);
        }
    }

    /// An abandoned start never repaired ("So the thing about- Anyway, we shipped it."): a stock
    /// opening, or the first words of another sentence.
    fn fresh_start(&mut self) {
        let abandoned: Vec<String> = if self.rng.chance(0.5) {
            pick(&mut self.rng, FRESH_STARTS).split_whitespace().map(str::to_owned).collect()
        } else {
            let frame = *pick(&mut self.rng, GENERAL);
            let other = expand(&mut self.rng, frame);
            let keep = self.rng.range(1, (other.len() as u64 - 1).clamp(1, 5)) as usize;
            other[..keep].iter().map(|w| bare(w).to_owned()).collect()
        };
        let marker = self.restart_marker();
        self.reparandum(&abandoned, Restart::FreshStart, marker);
        if self.rng.chance(0.5) {
            self.editing_phrase(FRESH_EDITS);
        }
        // Recognisers often start the new sentence with a capital even after a dash.
        self.capital |= self.rng.chance(0.35);
    }

    /// Where a take is abandoned, as recognisers punctuate it.
    fn restart_marker(&mut self) -> &'static str {
        weighted(&mut self.rng, &[("-", 30), ("—", 15), ("--", 5), ("...", 10), (",", 15), ("", 20), (".", 5)])
    }

    /// The words of an abandoned take, the last one with its interruption marker and lengthened,
    /// followed by an interruption gap.
    fn reparandum(&mut self, words: &[String], restart: Restart, marker: &str) {
        let last = words.len() - 1;
        for (i, word) in words.iter().enumerate() {
            let text = bare(word);
            let text = if i == last { format!("{text}{marker}") } else { text.to_owned() };
            self.push(&text, Truth::Reparandum(restart));
        }
        if let Some(token) = self.tokens.last_mut() {
            token.prolonged = true;
        }
        self.next_gap = Gap::Interruption;
    }

    /// The editing phrase between a reparandum and what follows ("I mean", "sorry", "uh").
    /// It takes the interruption's pause; what follows it comes at its own punctuation's gap.
    fn editing_phrase(&mut self, phrases: &[&[&str]]) {
        for word in *pick(&mut self.rng, phrases) {
            let truth =
                if FILLERS.contains(&bare(word).to_lowercase().as_str()) { Truth::Filler } else { Truth::Interregnum };
            self.push(word, truth);
        }
    }

    /// Times every word: durations from syllables and the talk's rate, gaps by kind, then the
    /// recogniser's habits — collapsed stutters and fillers stretched into the next word's onset.
    fn time(&mut self, rate: u64) -> Vec<LabelledWord> {
        let rng = &mut self.rng;
        // At rate/100 words a second, a word of 1.45 syllables (conversational English) and its
        // 50 ms gap take 100,000/rate ms.
        let per_syllable = (100_000 / rate).saturating_sub(50) * 100 / 145;
        let confident = rng.chance(0.75);
        let mut cursor: Millis = rng.range(200, 2_500);
        let mut words = Vec::with_capacity(self.tokens.len());
        for token in &self.tokens {
            cursor += gap(rng, token.gap);
            let lower = bare(&token.text).to_lowercase();
            let mut length = if token.truth == Truth::Filler {
                if lower.starts_with("umm") || lower.starts_with("hmm") {
                    rng.range(450, 1_100)
                } else {
                    rng.range(220, 650)
                }
            } else if token.fragment {
                rng.range(50, 220)
            } else {
                let base = syllables(&lower) * per_syllable * rng.range(80, 125) / 100;
                let base = if FUNCTION_WORDS.contains(&lower.as_str()) { base * 7 / 10 } else { base };
                base.max(70)
            };
            if token.prolonged {
                length = length * rng.range(130, 190) / 100;
            }
            let collapse = match token.truth {
                Truth::Filler => 0.25,
                Truth::Reparandum(_) => 0.35,
                Truth::Interregnum => 0.15,
                Truth::Fluent if lower.len() <= 4 => 0.03,
                Truth::Fluent => 0.01,
            };
            let (start, end) = if rng.chance(collapse) {
                // The audio is still there; the recogniser squeezes the word to an instant at
                // the start or the end of it.
                let squeezed = if rng.chance(0.55) { 0 } else { rng.range(10, 20) };
                if rng.chance(0.5) {
                    (cursor, cursor + squeezed)
                } else {
                    (cursor + length - squeezed, cursor + length)
                }
            } else {
                (cursor, cursor + length)
            };
            cursor += length;
            let confidence = confident.then(|| {
                let (low, high) = match token.truth {
                    Truth::Fluent => (80, 99),
                    _ if token.fragment => (10, 60),
                    _ => (35, 92),
                };
                let squeeze = if end - start < 30 { 0.7 } else { 1.0 };
                rng.range(low, high) as f32 / 100.0 * squeeze
            });
            words.push(LabelledWord {
                word: Word { text: token.text.clone(), start, end, confidence },
                truth: token.truth,
            });
        }
        // Fillers the recogniser places late, running into the next word's onset.
        for i in 0..words.len().saturating_sub(1) {
            let (head, tail) = words.split_at_mut(i + 1);
            let (filler, next) = (&mut head[i], &mut tail[0]);
            if filler.truth == Truth::Filler && filler.word.end > filler.word.start && rng.chance(0.2) {
                let reach = (next.word.start + rng.range(40, 200)).min(next.word.end.saturating_sub(40));
                if reach > filler.word.end {
                    filler.word.start += (filler.word.end - filler.word.start) / 2;
                    filler.word.end = reach;
                    next.word.start = reach;
                }
            }
        }
        words
    }
}

/// Milliseconds of silence before a word.
fn gap(rng: &mut Rng, gap: Gap) -> Millis {
    match gap {
        Gap::Phrase if rng.chance(0.35) => 0,
        Gap::Phrase => rng.range(10, 150),
        Gap::AfterFiller if rng.chance(0.3) => 0,
        Gap::AfterFiller => rng.range(40, 350),
        Gap::Stutter if rng.chance(0.55) => rng.range(0, 30),
        Gap::Stutter => rng.range(60, 500),
        Gap::Hesitation if rng.chance(0.25) => 0,
        Gap::Hesitation => rng.range(80, 500),
        Gap::Comma => rng.range(80, 450),
        // Speakers often restart with no pause at all.
        Gap::Interruption if rng.chance(0.3) => 0,
        Gap::Interruption => rng.range(150, 900),
        Gap::Sentence => rng.range(250, 1_100),
        Gap::Turn => rng.range(400, 1_500),
        Gap::Paragraph => rng.range(800, 2_200),
        Gap::DeadAir => rng.range(2_500, 9_000),
    }
}

/// Vowel groups, less a silent final e; digits as spoken ("42%" is four syllables).
fn syllables(word: &str) -> u64 {
    let digits = word.chars().filter(char::is_ascii_digit).count() as u64;
    if digits > 0 {
        return (digits * 3).div_ceil(2) + if word.contains('%') { 2 } else { 0 };
    }
    let mut count = 0;
    let mut in_vowel = false;
    for c in word.chars() {
        let vowel = "aeiouy".contains(c);
        count += u64::from(vowel && !in_vowel);
        in_vowel = vowel;
    }
    if word.ends_with('e') && !word.ends_with("le") && count > 1 {
        count -= 1;
    }
    count.max(1)
}

/// A frame with `{a|b|c}` choices, expanded and split into words; the last word closes the
/// sentence.
fn expand(rng: &mut Rng, frame: &str) -> Vec<String> {
    let mut text = String::new();
    let mut rest = frame;
    while let (Some(open), Some(close)) = (rest.find('{'), rest.find('}')) {
        text.push_str(&rest[..open]);
        let options: Vec<&str> = rest[open + 1..close].split('|').collect();
        text.push_str(pick::<&str>(rng, &options));
        rest = &rest[close + 1..];
    }
    text.push_str(rest);
    let mut words: Vec<String> = text.split_whitespace().map(str::to_owned).collect();
    // Frames are written capitalised; the speaker's first spoken word takes the capital instead,
    // be it a filler or a false start.
    if let Some(first) = words.first_mut().filter(|w| *w != "I" && !w.starts_with("I'")) {
        *first =
            first.chars().next().map_or_else(String::new, |c| c.to_lowercase().chain(first.chars().skip(1)).collect());
    }
    if let Some(last) = words.last_mut().filter(|w| !ends_sentence(w)) {
        last.push('.');
    }
    words
}

/// Another word of the same kind ("Monday" for "Tuesday", "she" for "he", "4" for "3").
fn substitute(rng: &mut Rng, word: &str) -> Option<String> {
    let bare = bare(word);
    let lower = bare.to_lowercase();
    if let Ok(number) = bare.parse::<u64>() {
        return Some((number + rng.range(1, 3)).to_string());
    }
    let group = SUBSTITUTES.iter().find(|group| group.contains(&lower.as_str()))?;
    let others: Vec<&str> = group.iter().copied().filter(|w| *w != lower).collect();
    let other = *pick(rng, &others);
    Some(if bare.starts_with(char::is_uppercase) { capitalise(other) } else { other.to_owned() })
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| first.to_uppercase().chain(chars).collect())
}

/// A word without its punctuation or cut-off marker.
fn bare(word: &str) -> &str {
    word.trim_end_matches([',', '.', '?', '!', ';', ':', '-', '—'])
}

fn same(a: &str, b: &str) -> bool {
    bare(a).eq_ignore_ascii_case(bare(b))
}

fn ends_sentence(word: &str) -> bool {
    word.ends_with(['.', '?', '!']) && !word.ends_with("...")
}

fn pick<'a, T>(rng: &mut Rng, items: &'a [T]) -> &'a T {
    &items[rng.range(0, items.len() as u64 - 1) as usize]
}

fn weighted<T: Copy>(rng: &mut Rng, choices: &[(T, u64)]) -> T {
    let total: u64 = choices.iter().map(|c| c.1).sum();
    let mut roll = rng.range(0, total - 1);
    for &(choice, weight) in choices {
        if roll < weight {
            return choice;
        }
        roll -= weight;
    }
    choices[choices.len() - 1].0
}

const FILLERS: &[&str] = &["um", "uh", "erm", "er", "uhm", "hmm", "ummm", "mm", "uhh"];

const FUNCTION_WORDS: &[&str] = &[
    "i", "the", "a", "an", "we", "it", "it's", "that", "to", "in", "and", "so", "you", "of", "this", "they", "he",
    "she", "is", "was", "there's", "my", "our", "on", "for", "with", "but", "if", "what", "i'm", "we're", "you're",
    "there", "be", "can", "just", "then", "because", "at", "when", "i've", "that's", "they're", "your", "from",
];

/// What a cut-off word is snapped to when the recogniser hears a real word in it.
const SHORT_WORDS: &[&str] = &[
    "a", "be", "but", "can", "do", "for", "go", "have", "in", "is", "it", "let", "me", "my", "no", "of", "on", "pro",
    "so", "the", "to", "we", "what", "with", "you", "re", "con", "de", "ex", "un", "mean", "fine", "hi", "just",
    "kind", "like", "off", "up", "or", "all", "ten",
];

/// Words a speaker swaps for one another in a revision.
const SUBSTITUTES: &[&[&str]] = &[
    &["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"],
    &["january", "february", "march", "april", "june", "july", "august", "september", "october", "november"],
    &["red", "blue", "green", "black", "white", "yellow"],
    &["he", "she"],
    &["his", "her"],
    &["we", "they"],
    &["our", "their"],
    &["this", "that"],
    &["these", "those"],
    &["in", "on", "at"],
    &["to", "from"],
    &["before", "after"],
    &["went", "drove", "walked", "flew"],
    &["said", "told", "asked"],
    &["think", "know", "guess"],
    &["bought", "got", "ordered"],
    &["made", "built", "wrote"],
    &["start", "begin", "finish"],
    &["moved", "switched", "changed"],
    &["use", "try", "need"],
    &["is", "was"],
    &["are", "were"],
    &["can", "should", "could", "will"],
    &["always", "usually", "never", "sometimes"],
    &["big", "small", "large"],
    &["fast", "slow", "quick"],
    &["first", "second", "last", "next"],
    &["easy", "hard", "simple"],
    &["new", "old"],
    &["more", "less"],
    &["better", "worse"],
    &["morning", "evening", "afternoon", "night"],
    &["week", "month", "year", "day"],
    &["yesterday", "today", "tomorrow"],
    &["two", "three", "four", "five", "six", "ten"],
    &["server", "database", "service", "cluster"],
    &["chicken", "beef", "fish", "tofu"],
    &["train", "bus", "car", "plane"],
    &["camera", "lens", "tripod"],
    &["salt", "pepper", "sugar", "butter"],
    &["students", "teachers", "parents"],
    &["users", "customers", "clients"],
    &["minutes", "hours", "seconds"],
    &["left", "right"],
    &["up", "down"],
    &["high", "low"],
    &["cheap", "expensive"],
];

/// Discourse fillers, interregnum-like but with no restart around them.
const DISCOURSE: &[&[&str]] = &[&["you", "know,"], &["like,"], &["you", "know"], &["like"]];

/// Editing phrases between a reparandum and its repair.
const REVISION_EDITS: &[&[&str]] = &[
    &["uh"],
    &["um,"],
    &["I", "mean"],
    &["I", "mean,"],
    &["sorry,"],
    &["sorry."],
    &["or", "rather"],
    &["well,"],
    &["no,"],
    &["no"],
    &["no,", "wait,"],
    &["actually,"],
    &["I", "mean,", "uh,"],
    &["let", "me", "start", "again."],
    &["let", "me", "rephrase", "that."],
    &["what", "I", "meant", "was"],
    &["sorry,", "I", "mean"],
    &["oh,", "sorry,"],
    &["rather,"],
    &["uh,", "sorry,"],
    &["or", "I", "should", "say"],
    &["scratch", "that."],
    &["well,", "actually"],
];

/// What speakers say after abandoning a start.
const FRESH_EDITS: &[&[&str]] = &[
    &["anyway,"],
    &["anyway."],
    &["so"],
    &["okay,", "so"],
    &["well,"],
    &["um,"],
    &["uh,", "anyway,"],
    &["actually,"],
    &["let", "me", "start", "again."],
    &["never", "mind."],
    &["sorry."],
    &["let", "me", "back", "up."],
    &["okay."],
    &["where", "was", "I?"],
];

/// Openings speakers abandon.
const FRESH_STARTS: &[&str] = &[
    "I was going to",
    "So the thing about",
    "What we",
    "The reason I",
    "If you look at the",
    "And then we",
    "So basically the",
    "Let me just",
    "My point is that",
    "The other thing is",
    "When I first",
    "It's kind of like",
    "So what happens is the",
    "We were trying to",
    "Because the",
    "And the",
    "I don't know if",
    "Have you ever",
    "The way I",
    "So if we",
    "One of the",
    "There's a",
    "You know how",
    "I remember when",
    "What I",
    "But the problem",
    "So the first",
    "It was",
];

/// Sentences whose repeated words are meant: a cut must keep them whole.
const FLUENT_REPEATS: &[&str] = &[
    "What it is is {a scheduling problem|a question of trust|basically a shortcut|just habit}.",
    "What the problem is is {that nobody owns it|the timing|the cost}.",
    "I think that that {was the right call|made the difference|is fair|surprised everyone}.",
    "{She|He} said that that {plan|version|recipe|route} was {fine|the best one|too risky}.",
    "We had had {enough|two outages that month|the same problem before|no sleep}.",
    "By then {she|he} had had {three|several|two} {offers|interviews|injuries}.",
    "It was {very very|really really|very, very} {good|slow|expensive|hard|quiet}.",
    "I'm {really, really|really really|very very} {happy|glad|proud} with {it|how it turned out}.",
    "{Many many|Many, many} {people|teams|readers} have asked about {this|that}.",
    "No, no, no, {that's not what I meant|it's the other way around|you don't need that}.",
    "No no no. {It goes on the left|Keep the lid on|Leave the default}.",
    "Okay, {bye bye|bye-bye}.",
    "Bye bye, {everyone|see you next week}.",
    "Honestly, it was so so.",
    "Knock knock. Who's there?",
    "We tried again and again {and nothing worked|until it stuck}.",
    "The code is one one two {four|nine}.",
    "Dial {nine nine nine|one one two} and wait.",
    "It's room two two {four|six}, on the {second|third} floor.",
    "We {test|plan}, we ship, we {test|plan} again.",
    "You {read|listen}, you write, you {read|listen} again.",
    "We measure, we change one thing, we measure again.",
    "What I do do is {write everything down|check the logs first|prep the night before}.",
    "There were {lots and lots|tons and tons} of {questions|bugs|tourists}.",
    "Do it step by step.",
    "We fixed them one by one.",
    "Log in in the top {right|left} corner.",
    "Plug it in in the back.",
    "Yeah, yeah, {that makes sense|I know|fair enough}.",
    "Well, well, well, look who's here.",
    "It has to be done {day by day|bit by bit}.",
    "That was a long, long time ago.",
    "The more you practice, the more you {improve|enjoy it}.",
    "Go, go, go!",
    "If it's broken, it's broken.",
    "Is it what it is, or is it what we made it?",
];

/// Openings that start several sentences in a row, and their tails.
const PARALLEL: &[(&str, &[&str])] = &[
    ("We need to", VERB_TAILS),
    ("You have to", VERB_TAILS),
    ("I want to", VERB_TAILS),
    ("Make sure you", VERB_TAILS),
    ("We're going to", VERB_TAILS),
    ("Don't forget to", VERB_TAILS),
    ("It has to be", ADJECTIVE_TAILS),
    ("It should be", ADJECTIVE_TAILS),
];

const VERB_TAILS: &[&str] = &[
    "test it",
    "ship it",
    "write it down",
    "measure everything",
    "talk to people",
    "keep it simple",
    "fix the bugs first",
    "check the numbers",
    "plan ahead",
    "take breaks",
    "ask for help",
    "read the manual",
    "clean up after",
    "be patient",
    "start small",
    "look at the data",
];

const ADJECTIVE_TAILS: &[&str] =
    &["fast", "cheap", "reliable", "simple", "quiet", "clear", "safe", "easy to read", "honest", "consistent"];

#[derive(Debug)]
struct Topic {
    name: &'static str,
    frames: &'static [&'static str],
    questions: &'static [&'static str],
}

/// Sentences that fit any talk.
const GENERAL: &[&str] = &[
    "I think {that's|it's} {a fair point|really important|worth saying|the main thing}.",
    "{To be honest|Honestly|Frankly}, I {didn't expect|wasn't ready for} {that|any of this|how much work it was}.",
    "So {that's|this is} {where|how} we {ended up|got here|started}.",
    "{Yeah|Right|Okay}, {that's true|exactly|totally|fair enough}.",
    "And then {we|I|they} {realised|figured out|noticed} {it|that} was {wrong|too slow|missing a step}.",
    "The {main|biggest|first} {thing|problem|lesson} was {time|money|communication|the weather}.",
    "{We|I} {spent|wasted|lost} {about|almost|nearly} {3|two|five|ten} {hours|days|weeks} on {it|that|the first part}.",
    "It {took|cost} {us|me} {way|a lot|much} more than {we|I} {planned|thought|budgeted}.",
    "If you {ask|asked} me, {it's|that's} {the right way to do it|overrated|worth it}.",
    "{Let's|We can} {move on to|talk about|look at} the {next part|numbers|results|second step}.",
    "What {surprised|struck} me {most|the most} was {the cost|how simple it was|the feedback}.",
    "{Most|A lot of} people {don't|never} {think about|notice|bother with} {this|that part|the details}.",
    "There {was|is} {a|one} {small|big|weird} {problem|catch|detail} {though|with that}.",
    "I {remember|still remember} the {first|last} time {I|we} {tried|did} {this|that}.",
    "{That|This} {part|step|bit} is {easy|tricky|where people get stuck}.",
    "{We|I} {should|could} have {done|started} {it|that} {sooner|earlier|differently}.",
    "{Anyway|So}, {that's|here's} {the|my} {short|long} {version|answer|story}.",
    "{About|Roughly|Nearly} {40%|half|a third|80%} of {the|our} {time|budget|work} {went|goes} into {that|this|testing}.",
    "It {depends|really depends} on {the situation|who you ask|what you need}.",
    "You {don't|won't} {need|want} {much|a lot} {to start|for this|at first}.",
    "{My|Our} {advice|rule|suggestion} is {simple|to start small|to keep notes}.",
    "That {was|is} {in|back in} {2019|2021|March|the spring|the first year}.",
    "I'll {show you|explain|walk you through} {that|the rest} in a {minute|second|bit}.",
    "{It|That} {sounds|looks} {complicated|scary|easy}, but {it isn't|it's not|it really isn't}.",
    "{We|I} {had|got} {a lot of|some|great} {feedback|questions|help} {from|on} {that|it}.",
    "{On|By} {Monday|Friday|the weekend} {we were|I was} {done|finished|ready}.",
    "The {good|bad} {news|part} is {that|} {it|this} {works|scales|lasts}.",
    "I {think|guess|feel like} {we|people} {overthink|underestimate} {this|it} {a lot|sometimes}.",
    "{Here's|This is} {the|a} {thing|trick|catch} {nobody|no one} {tells you|mentions}.",
    "{So|And} {that's|that was} {it|the plan|the idea}, {really|basically}.",
    "We {went|drove|walked} to the {office|store|station} {on Tuesday|that morning|that afternoon}.",
    "{He|She} {told|asked} {me|us} {to wait|to call back|about the invoice} {yesterday|last week|on Monday}.",
    "It's {not|never} {perfect|finished|done}, but it's {good enough|better|ours}.",
    "{Then|After that} {the|our} {red|blue|green} {one|version|team} {took over|won|shipped}.",
    "{Does|Did} that {make sense|answer the question|help}?",
];

const TOPICS: &[Topic] = &[
    Topic {
        name: "software",
        frames: &[
            "We {moved|migrated|switched} the {service|database|build} to {a new cluster|one machine|the cloud} {last week|in March|after the outage}.",
            "The {tests|builds|deploys} {take|used to take} {about|around|almost} {4|twelve|twenty} minutes {these days|on a good day}.",
            "{If|When} the {server|service|database} {goes down|restarts|fills up}, {we get|the team gets} {paged|an alert|a message}.",
            "I {wrote|rewrote|deleted} the {parser|scheduler|login page} {in|over} {a weekend|two days|one afternoon}.",
            "{Our|The} {error rate|latency|bill} {dropped|went up} by {42%|30%|half} {after|before} the {release|change|migration}.",
            "The {trick|key|point} is to {ship|deploy|release} {small|often|behind a flag}.",
            "{Nobody|No one} {reads|trusts|updates} the {docs|wiki|runbook}, {so|and} {that|this} {hurts|bites us|costs time}.",
            "We {use|tried|dropped} {Postgres|Redis|Kafka} for {the queue|caching|the events}.",
            "{First|Then} {you|we} {open|check|run} the {logs|dashboard|terminal} {and|to} {look for|find|filter} the {errors|request|trace}.",
            "The {bug|crash|leak} {only|just} {happened|showed up} {on Fridays|in production|under load}.",
            "{Code review|Pairing|Testing} {catches|finds|saves} {most|a lot} of {it|the bugs|the mistakes}.",
            "{It|The build} {broke|failed} {because|since} {someone|a script|the cache} {changed|deleted|renamed} a {file|folder|variable}.",
            "We {ship|release|deploy} {every|once a} {day|week|sprint} {now|these days}.",
            "{The|Our} {API|front end|mobile app} {has|had} {about|over} {200|3|fifty} {endpoints|screens|users} {at launch|today}.",
            "{Honestly|Frankly}, the {hardest|slowest} part {is|was} {naming things|the migration|getting approval}.",
            "{Rolling back|Reverting} {took|takes} {two|five|ten} minutes {instead of|rather than} {an hour|a day}.",
        ],
        questions: &[
            "{So|And} how {did you|do you} {decide|choose} what to {build|ship} {first|next}?",
            "What {went|goes} wrong {most often|first} {in production|with deploys}?",
            "How {big|large} {is|was} the team {back then|now|at the start}?",
            "{Why did you pick|How come you chose} {that stack|Rust|Postgres}?",
        ],
    },
    Topic {
        name: "cooking",
        frames: &[
            "{First|Now}, {heat|warm} the {pan|oil|butter} {over|on} {medium|high|low} heat.",
            "{Add|Throw in|Stir in} {a pinch of|some|a spoon of} {salt|pepper|sugar|garlic}.",
            "Let it {simmer|rest|cook} for {about|around|at least} {5|ten|twenty} minutes.",
            "The {chicken|fish|tofu|beef} {should|needs to} be {golden|crispy|cooked through} {on both sides|at the edges|by now}.",
            "{Chop|Slice|Dice} the {onions|carrots|peppers} {as thin as|as small as|roughly as} you can.",
            "I {always|usually|never} {use|buy|make} {fresh|dried|frozen} {herbs|pasta|stock} for {this|that}.",
            "{My|Our} {grandmother|mum|dad} {made|cooked|baked} {this|it} {every Sunday|at Christmas|on weekends}.",
            "{If|When} the {sauce|dough|batter} {is|gets} too {thick|thin|dry}, add {a little|some} {water|milk|flour}.",
            "{Taste|Check} it {now|again|before serving} and {adjust|fix} the {seasoning|salt|heat}.",
            "You {can|could} {swap|replace} the {butter|cream|eggs} {with|for} {olive oil|yogurt|flax}.",
            "The {oven|grill|pan} {should|must} be {really|very|properly} {hot|warm} {before|when} you {start|begin}.",
            "{This|That} {recipe|dish|sauce} {serves|feeds} {four|six|2} {people|adults}.",
            "Don't {rush|skip|overdo} {this|the} {step|resting|browning}.",
            "{Bake|Roast} {it|them} at {180|200|220} degrees for {25|forty|thirty} minutes.",
            "{Serve|Plate} it with {rice|bread|a salad|fresh herbs} {on the side|on top}.",
            "The {secret|trick} {is|was} {the stock|a splash of vinegar|more butter|patience}.",
        ],
        questions: &[
            "What's the {one|first} {dish|thing} {everyone|people} should {learn|cook}?",
            "{Where|How} did you {learn|start} to cook?",
            "What {goes|went} wrong {most|the most} for {beginners|you}?",
        ],
    },
    Topic {
        name: "travel",
        frames: &[
            "We {took|caught|missed} the {train|bus|ferry} to {Lisbon|Kyoto|Oslo|the coast} {early|late} in the {morning|evening}.",
            "The {hotel|hostel|flat} was {right|just} {next to|across from|behind} the {station|market|old town}.",
            "{It|The trip} {cost|came to} {about|around|under} {$900|two thousand euros|400 pounds} {in total|per person}.",
            "{We|I} {spent|stayed} {three|four|10} {days|nights} in {the mountains|the city|a tiny village}.",
            "{Everyone|The locals} {told|warned} us {about|not to miss} the {food|crowds|sunsets}.",
            "{If|When} you {go|visit}, {book|reserve} {early|ahead|a week before}.",
            "The {flight|drive|ride} {was|took} {about|almost} {6|nine|twelve} hours.",
            "{My|Our} {bag|passport|phone} {got lost|went missing|got stolen} {at|in} the {airport|station|cafe}.",
            "We {walked|hiked|cycled} {along|up|around} the {river|coast|hill} {every|each} {day|morning}.",
            "{The|That} {museum|castle|market} was {packed|empty|closed} {on Monday|that weekend|all day}.",
            "{I'd|I would} go back {in a heartbeat|in the autumn|for a longer stay}.",
            "The {weather|rain|heat} {ruined|changed|shaped} {our|the} {plans|second day|whole week}.",
            "{We|I} {learned|picked up} {a few|some} words of {Portuguese|Japanese|Norwegian} {before|on} the trip.",
            "{Taxis|Trains|Buses} {there|in the city} are {cheap|expensive|slow|reliable}.",
            "{It|That} was {the best|the worst|a strange} {meal|night|view} of the {trip|year}.",
        ],
        questions: &[
            "{So|And} {where|which place} {should|would} {people|someone} {start|go first}?",
            "What {was|would be} your {worst|best} {travel|trip} {moment|story}?",
            "How do you {plan|budget for} a trip like {that|this}?",
        ],
    },
    Topic {
        name: "running",
        frames: &[
            "I {run|ran|train} {three|four|5} times a week, {mostly|usually} in the {morning|evening}.",
            "My {first|last|best} {marathon|half marathon|10k} took {about|just under|over} {4|two|five} hours.",
            "{Start|Begin} {slow|slowly|easy} and {build up|add distance|increase} {every|each} week.",
            "{My|The} {knee|ankle|hip} {started|began} to {hurt|ache} {after|around} {ten|15|twenty} kilometres.",
            "{Good|Proper|Decent} {shoes|socks|sleep} {make|made} {a huge|all the|a real} difference.",
            "{Stretching matters|Rest days matter|Strength work matters} {more|a lot more} than {people think|you'd expect}.",
            "We {ran|trained|met} {along|by|at} the {river|park|track} {on|every} {Saturday|Sunday|Tuesday}.",
            "{Hydration|Fuel|Pacing} {is|was} where {most|many} {people|runners} {fail|get it wrong}.",
            "I {lost|dropped} {about|nearly} {6|eight|ten} kilos {that|in one} year.",
            "{The|My} {coach|physio|friend} {told me|wanted me|asked me} to {slow down|rest|run less}.",
            "{Interval|Hill|Tempo} sessions {are|were} {hard|brutal|fun} but {they work|worth it}.",
            "{It|Running} {clears|cleared} my {head|mind} {like|better than} {nothing else|anything}.",
            "{Don't|Never} {increase|add} {more than|over} {10%|a tenth} {a|per} week.",
            "The {race|course|route} {was hilly|was flat|had a brutal climb} {at the end|in the middle}.",
        ],
        questions: &[
            "How did you {get into|start} running?",
            "What {would you tell|do you tell} {a beginner|someone starting out}?",
            "{Do|Did} you {ever|still} get {injured|hurt}?",
        ],
    },
    Topic {
        name: "money",
        frames: &[
            "{Put|Save|Set aside} {about|at least|roughly} {10%|20%|a fifth} of {your|every} {salary|paycheck|income}.",
            "{Index funds|Bonds|Savings accounts} are {boring|safe|cheap}, {and that's the point|which is good}.",
            "{Fees|Taxes|Interest} {eat|ate|take} more of {your|the} {returns|gains|money} than {you think|people realise}.",
            "{We|I} {paid off|cleared} the {loan|card|mortgage} in {three|five|7} years.",
            "{Keep|Have} {three|six} months of {expenses|spending|rent} {in cash|aside|somewhere safe}.",
            "The {market|fund|account} {dropped|fell|rose} {by|about} {30%|twelve percent|a third} {that|last} year.",
            "{A budget|Tracking spending|Automation} {helps|works} {only|best} if you {stick to it|look at it|keep it simple}.",
            "{Most|Many} people {spend|waste} {more|too much} on {subscriptions|food|cars} {than they think|without noticing}.",
            "{Compound|Steady} {interest|growth} {does|did} {most|all} of the {work|heavy lifting}.",
            "{Never|Don't} {borrow|invest} {money|anything} you {can't|couldn't} {afford to lose|pay back}.",
            "{In|By} {2020|2023|April} {we|I} had {$5,000|ten thousand|enough} {saved|put away}.",
            "{Check|Review} {your|the} {pension|statements|accounts} {once|twice} a year.",
            "{Buying|Renting} {made|makes} more sense {for us|in our case|back then}.",
        ],
        questions: &[
            "What's the {first|biggest} {mistake people make|thing people get wrong} with money?",
            "{How|When} did you {start|learn} {saving|investing}?",
            "Is {renting|buying} {really|actually} {a waste|better}?",
        ],
    },
    Topic {
        name: "photography",
        frames: &[
            "{Set|Put} the {camera|lens} to {f/2.8|aperture priority|manual} {first|before anything else}.",
            "{Shoot|Take pictures} {in|during} the {golden hour|early morning|blue hour} {if you can|whenever possible}.",
            "{My|This} {lens|camera|tripod} {cost|was} {about|around} {$600|three hundred|a thousand} {used|new|second hand}.",
            "{Open|Import} the {photos|files|raw files} {in|into} {Lightroom|the editor|your software}.",
            "{Drag|Move|Pull} the {exposure|contrast|highlights} {slider|down|up} {a little|slightly|until it looks right}.",
            "{Keep|Hold} the {horizon|subject|camera} {straight|steady|level} {and|then} {breathe out|press gently}.",
            "The {light|background|colour} matters {more|far more} than the {camera|gear|lens}.",
            "I {shot|took} {about|over} {200|a thousand|500} {photos|frames} {that|on the} {day|trip|wedding}.",
            "{Crop|Trim} {it|the image} {so|until} the {subject sits|eyes sit|horizon sits} on a {third|line}.",
            "{Export|Save} {it|them} {at 2048 pixels|at full size} {for|on} the {web|website|phone}.",
            "{Noise|Grain|Blur} {is|was} {fine|okay|the problem} at {ISO 3200|night|that speed}.",
            "{Use|Try} a {faster|slower} {shutter|speed} {for|with} {moving|running} {kids|water|cars}.",
            "{Back up|Copy} {everything|your photos} to {two|three} {drives|places} {tonight|right away}.",
        ],
        questions: &[
            "What {camera|gear} {should|would} {a beginner|someone new} {buy|start with}?",
            "How {long|much time} do you {spend|take} {editing|on each photo}?",
            "What {made|makes} a {photo|shot} {work|good} for you?",
        ],
    },
    Topic {
        name: "garden",
        frames: &[
            "{Plant|Sow|Put in} the {tomatoes|beans|potatoes} {after|once} the {last frost|soil warms up}.",
            "{Water|Feed} {them|the plants} {early|late} in the {morning|evening} {twice a week|every day}.",
            "The {slugs|birds|rabbits} {ate|got|destroyed} {half|most|all} of the {lettuce|strawberries|seedlings}.",
            "{We|I} {built|made|dug} {three|two|4} {raised beds|borders|paths} {last|this} {spring|autumn|year}.",
            "{Compost|Mulch|Manure} {is|was} {the|our} {secret|answer|best investment}.",
            "{Prune|Cut back} the {roses|apple tree|hedge} {in|during} {February|late winter|the autumn}.",
            "{This|That} {bed|corner|spot} {gets|got} {sun|shade} {all day|in the afternoon|until noon}.",
            "{Don't|Never} {overwater|overfeed} {them|the herbs|young plants}.",
            "The {soil|ground} {here|in our garden} is {heavy clay|sandy|really stony}.",
            "{We|I} {harvested|picked} {about|nearly} {ten|20|forty} kilos of {apples|potatoes|courgettes}.",
            "{Weeds|Nettles|Brambles} {took over|came back} {within|after} {a week|two weeks|a month}.",
            "{Grow|Start with} {herbs|salad|radishes} {if|when} you're {new|just starting|short on space}.",
        ],
        questions: &[
            "What's the {easiest|best} thing to grow {first|for a beginner}?",
            "How much time does the garden {take|need} {a week|in summer}?",
            "What {went|goes} wrong {most|every year}?",
        ],
    },
    Topic {
        name: "startup",
        frames: &[
            "We {raised|closed} {about $2 million|a small round|around 800 thousand} {in|back in} {2021|the spring|March}.",
            "{Our|The} first {customer|client|user} {found|heard about} us {through|on} {a blog post|Twitter|a friend}.",
            "{We|I} {hired|lost|fired} {our|the} first {engineer|salesperson|designer} {too late|too early|after a year}.",
            "{Revenue|Growth|Churn} {was|went} {flat|up|down} for {three|six|two} months.",
            "The {product|pricing|pitch} {changed|moved|shifted} {completely|a lot|twice} {after|in} the first year.",
            "{Investors|Customers|Users} {wanted|asked for|cared about} {growth|a mobile app|better support}.",
            "{We|I} {talked to|interviewed|called} {about|over} {100|fifty|200} {customers|users|companies} {first|before building}.",
            "{Pricing|Hiring|Fundraising} {is|was} the {hardest|scariest|slowest} part {by far|for me}.",
            "{Our|The} {team|company} {grew|went} from {3|five} to {40|thirty|twelve} {people|employees} in {a year|two years}.",
            "{We|They} {almost|nearly} {ran out of money|shut down|gave up} {in|around} {2022|the second year|month eight}.",
            "{The|Our} {best|worst} {decision|hire|mistake} was {the first one|moving fast|saying no}.",
            "{Focus|Saying no|Talking to customers} {saved|helped|changed} us {more than once|many times}.",
        ],
        questions: &[
            "{So|And} how did {the company|it all} {start|begin}?",
            "What {would you|did you} do {differently|again} {now|today}?",
            "{When|How} did you {know|realise} it was {working|going to work}?",
            "What {was|is} the {hardest|biggest} {hire|decision} you {made|had to make}?",
        ],
    },
    Topic {
        name: "teaching",
        frames: &[
            "{Most|Many|Some} of {my|the} students {struggle|struggled} with {fractions|essays|grammar} {at first|early on}.",
            "I {teach|taught} {about|around} {thirty|120|25} {kids|students} {a day|each year|per class}.",
            "{Homework|Feedback|Practice} {works|helps} {only|best} {if|when} it's {short|regular|specific}.",
            "{The|Our} {school|department|class} {switched|moved|changed} to {tablets|online marking|shorter lessons} {in September|last year|in 2020}.",
            "{Parents|Teachers|Students} {want|need|ask for} {clear|more|better} {feedback|structure|examples}.",
            "{Start|Begin} {each|every} {lesson|class} with {a question|a quick quiz|something they know}.",
            "{My|One} {student|kid} {went|moved} from {failing|a D|the bottom} to {top of the class|an A|passing} in {a term|a year}.",
            "{Reading|Writing|Talking} {aloud|out loud|together} {helps|helped} {more|a lot} than {I expected|worksheets}.",
            "{Exams|Tests|Grades} {measure|show} {only|just} {part|a slice} of {what|how much} they {know|learn}.",
            "The {bell|fire alarm|projector} {went off|broke|died} {in the middle of|halfway through} {the lesson|my demo}.",
            "{We|I} {mark|marked} {about|over} {60|a hundred|90} {essays|papers|tests} {a|every} week.",
        ],
        questions: &[
            "What {makes|made} a {good|great} {teacher|lesson} for you?",
            "How {do|did} you {handle|deal with} {a difficult|a noisy} class?",
            "{Why|How} did you {go into|choose} teaching?",
        ],
    },
    Topic {
        name: "music",
        frames: &[
            "I {started|learned|picked up} the {guitar|piano|drums} {when I was|at} {twelve|9|fifteen}.",
            "{Practise|Play} {slowly|with a metronome|every day} {for|about} {twenty|30|ten} minutes.",
            "{Our|The} band {played|toured|recorded} {in|around} {Berlin|small pubs|the north} {for|over} {two|three} years.",
            "{The|That} {song|album|record} {took|needed} {about|nearly} {six|8|ten} months to {finish|write|mix}.",
            "{Scales are|Chords are|Rhythm is} {boring|hard|essential} but {you need it all|it pays off}.",
            "{We|I} {recorded|mixed|wrote} {it|the demo} {in my bedroom|at a friend's studio|in one take}.",
            "{The|My} {teacher|producer|drummer} {told me|wanted me|asked me} to {listen|slow down|play less}.",
            "{Live|On stage}, {everything|the sound|the crowd} {feels|felt} {different|louder|faster}.",
            "{Tune|Check} the {guitar|strings|mic} {before|after} {every|each} {song|set|session}.",
            "I {still|always|never} {get|got} {nervous|excited|sick} {before|during} a {show|gig}.",
            "{Streaming|Radio|Touring} {pays|paid} {almost nothing|very little|the bills} {for|to} {most|small} bands.",
        ],
        questions: &[
            "What {got|brought} you into music?",
            "How {do|did} you {write|start} a {song|new track}?",
            "What {was|is} your {best|worst} {gig|show} {ever|so far}?",
        ],
    },
    Topic {
        name: "diy",
        frames: &[
            "{Turn off|Switch off|Shut off} the {power|water|gas} {at the mains|first|before you start}.",
            "{Measure|Mark} {twice|it twice|the wall}, {cut|drill} {once|carefully}.",
            "{Use|Grab} a {six|8|ten} millimetre {drill bit|plug|screw} {for|on} {this|plaster|brick}.",
            "The {shelf|cabinet|door} {was|looked} {crooked|loose|fine} {after|until} {I|we} {checked|levelled} it.",
            "{Sand|Clean|Prime} the {surface|wood|wall} {before|then} you {paint|varnish|fill} {it|anything}.",
            "{It|The job} took {about|nearly|almost} {two|3|five} {hours|days|weekends}.",
            "{Wear|Put on} {gloves|goggles|a mask} {when|while} you {cut|sand|drill}.",
            "{The|That} {pipe|tap|hinge} {leaked|squeaked|snapped} {again|right away|a week later}.",
            "{Fill|Patch} the {holes|cracks|gaps} with {filler|caulk|plaster} and {let it dry|wait overnight}.",
            "{We|I} {saved|spent} {about|around} {$300|two hundred pounds|a lot} {by doing it ourselves|doing it myself}.",
            "{Check|Test} {it|the level|the circuit} {again|once more} {before|after} {you screw it in|closing up}.",
        ],
        questions: &[
            "What {tools|tool} {should|does} {everyone|a beginner} {own|need}?",
            "When should you {call|hire} {a professional|someone}?",
            "What's the {worst|biggest} {job|mistake} you've {done|made}?",
        ],
    },
    Topic {
        name: "career",
        frames: &[
            "I {applied to|interviewed at|heard back from} {about|over} {forty|20|a dozen} {companies|places|jobs}.",
            "My {first|second|last} {job|manager|role} {taught|showed} me {how to|to} {write|negotiate|ask for help}.",
            "{Ask|Negotiate} for {more|a raise|the title} {before|after} {you sign|the offer|the review}.",
            "{We|I} {hire|hired} {mostly|only|usually} {from|through} {referrals|the community|job boards}.",
            "{The|That} {interview|offer|feedback} {came|arrived} {on|that} {Friday|a Monday|the same day}.",
            "{Your|A} {CV|portfolio|cover letter} {should|needs to} {fit|be} {on one page|on two pages}.",
            "I {left|quit|changed} {my|the} {job|team|company} {after|in} {three|2|five} years.",
            "{Managers|Recruiters|Colleagues} {notice|remember|value} {people who follow up|whoever ships|people who help}.",
            "{Remote work suits|Office jobs suit|Hybrid work suits} {some|most} people {better|more}.",
            "The {salary|pay|offer} was {about|around} {20%|a third|ten thousand} {higher|lower|more}.",
            "{Mentors|Side projects|Good managers} {changed|shaped|made} {my|the} {career|path} {more than|over} anything.",
        ],
        questions: &[
            "How did you {get|land} your first {job|role}?",
            "What {do you look for|matters most} {in|when hiring} {a candidate|people}?",
            "{Would|Should} {people|you} {change|switch} {jobs|teams} {often|every few years}?",
        ],
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeMap, BTreeSet};

    const SEED: u64 = 0xd15f_1e0c_0e55_2026;

    fn all(talks: &[Talk]) -> impl Iterator<Item = &LabelledWord> {
        talks.iter().flat_map(|t| &t.words)
    }

    #[test]
    fn a_seed_gives_one_corpus() {
        assert_eq!(generate(7), generate(7));
        assert_ne!(generate(7), generate(8));
    }

    #[test]
    fn frames_are_well_formed() {
        let frames =
            TOPICS.iter().flat_map(|t| t.frames.iter().chain(t.questions)).chain(GENERAL).chain(FLUENT_REPEATS);
        for frame in frames {
            assert_eq!(frame.matches('{').count(), frame.matches('}').count(), "{frame}");
            assert!(!frame.contains("{{") && !frame.contains("}}"), "{frame}");
        }
    }

    #[test]
    fn times_are_ordered_and_talks_sized() {
        for seed in [SEED, 1, 2] {
            let talks = generate(seed);
            let words = all(&talks).count();
            assert!((15_000..=30_000).contains(&words), "{words} words");
            assert!((12..=20).contains(&talks.len()));
            for talk in &talks {
                let mut previous = 0;
                for w in &talk.words {
                    assert!(w.word.start >= previous, "{}: {:?} overlaps", talk.name, w.word);
                    assert!(w.word.start <= w.word.end, "{}: {:?}", talk.name, w.word);
                    assert!(!w.word.text.trim().is_empty());
                    assert!(w.word.confidence.is_none_or(|c| (0.0..=1.0).contains(&c)));
                    previous = w.word.end;
                }
                assert!(talk.duration >= previous);
                assert!((150_000..=600_000).contains(&talk.duration), "{}: {} ms", talk.name, talk.duration);
            }
        }
    }

    #[test]
    fn every_category_in_realistic_numbers() {
        let talks = generate(SEED);
        let total = all(&talks).count() as f64;
        let mut counts: BTreeMap<Truth, usize> = BTreeMap::new();
        for w in all(&talks) {
            *counts.entry(w.truth).or_default() += 1;
        }
        let share = |truth| counts.get(&truth).copied().unwrap_or(0) as f64 / total;
        println!("{} words: {counts:?}", total);
        assert!((0.02..=0.035).contains(&share(Truth::Filler)), "fillers {}", share(Truth::Filler));
        let repetition = share(Truth::Reparandum(Restart::Repetition));
        let revision = share(Truth::Reparandum(Restart::Revision));
        let fresh = share(Truth::Reparandum(Restart::FreshStart));
        assert!(repetition > 0.008 && revision > 0.003 && fresh > 0.002, "{repetition} {revision} {fresh}");
        assert!(share(Truth::Interregnum) > 0.002);
        // Repetition events (runs) outnumber revision and fresh-start events.
        let runs = |restart| {
            talks
                .iter()
                .flat_map(|t| t.words.windows(2))
                .filter(|w| w[0].truth == Truth::Reparandum(restart) && w[1].truth != Truth::Reparandum(restart))
                .count()
        };
        let (repetitions, revisions, fresh_starts) =
            (runs(Restart::Repetition), runs(Restart::Revision), runs(Restart::FreshStart));
        println!("events: {repetitions} repetitions, {revisions} revisions, {fresh_starts} fresh starts");
        assert!(repetitions > revisions && repetitions > fresh_starts);
        // Meant repetitions a cut must keep.
        let fluent_repeats = talks
            .iter()
            .flat_map(|t| t.words.windows(2))
            .filter(|w| w.iter().all(|w| w.truth == Truth::Fluent) && same(&w[0].word.text, &w[1].word.text))
            .count();
        println!("adjacent fluent repeats: {fluent_repeats}");
        assert!(fluent_repeats >= 40);
    }

    #[test]
    fn collapsed_times_are_common_in_disfluencies_and_rare_in_fluent_speech() {
        let talks = generate(SEED);
        let collapsed = |fluent: bool| {
            let words: Vec<_> =
                all(&talks).filter(|w| (w.truth == Truth::Fluent) == fluent && w.truth != Truth::Interregnum).collect();
            words.iter().filter(|w| w.word.end - w.word.start <= 20).count() as f64 / words.len() as f64
        };
        let (disfluent, fluent) = (collapsed(false), collapsed(true));
        println!("collapsed: {disfluent:.3} of disfluent words, {fluent:.3} of fluent ones");
        assert!((0.2..=0.4).contains(&disfluent) && (0.005..=0.05).contains(&fluent));
    }

    #[test]
    fn fluent_text_is_varied() {
        let talks = generate(SEED);
        let mut sentences = BTreeSet::new();
        let mut sentence = String::new();
        for w in all(&talks).filter(|w| w.truth == Truth::Fluent) {
            sentence.push_str(&bare(&w.word.text).to_lowercase());
            sentence.push(' ');
            if ends_sentence(&w.word.text) {
                sentences.insert(std::mem::take(&mut sentence));
            }
        }
        println!("{} distinct sentences", sentences.len());
        assert!(sentences.len() >= 1_000);
    }

    /// A repetition's shape: reparandum words, how the last is marked, whether it is a cut-off
    /// word, whether a filler follows before the repair.
    #[test]
    fn repetitions_come_in_many_shapes() {
        let talks = generate(SEED);
        let mut shapes: BTreeMap<(usize, &str, bool, bool), usize> = BTreeMap::new();
        for talk in &talks {
            let words = &talk.words;
            let mut i = 0;
            while i < words.len() {
                let repetition = |w: &LabelledWord| w.truth == Truth::Reparandum(Restart::Repetition);
                if !repetition(&words[i]) {
                    i += 1;
                    continue;
                }
                let run = words[i..].iter().take_while(|w| repetition(w)).count();
                let last = &words[i + run - 1].word.text;
                let marker = ["--", "—", "...", "-", ",", "."].into_iter().find(|m| last.ends_with(m)).unwrap_or("");
                let next_fluent = words[i + run..].iter().find(|w| w.truth == Truth::Fluent);
                let cut = next_fluent.is_none_or(|n| !same(&words[i].word.text, &n.word.text));
                let filler = words.get(i + run).is_some_and(|w| w.truth == Truth::Filler);
                *shapes.entry((run, marker, cut, filler)).or_default() += 1;
                i += run;
            }
        }
        for (shape, count) in &shapes {
            println!("{shape:?}: {count}");
        }
        assert!(shapes.len() >= 20, "{} shapes", shapes.len());
    }
}
