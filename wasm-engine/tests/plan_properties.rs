//! Cut planning over many generated inputs (seeded, so any failure replays): the plan is a
//! partition of the source — segments sorted, disjoint, inside it, with the removed spans
//! covering exactly the rest — deterministic, and it never cuts into a word it keeps.

use roughcut_engine::analyze::{Analysis, EnergyVad, Envelope, VoiceActivityDetector, noise_floor};
use roughcut_engine::plan::{CutOptions, CutPlan, PlanInput, Reason, Script, ScriptMode, plan};
use roughcut_engine::transcript::{Transcript, Word};

/// SplitMix64: a tiny, well-mixed, seedable generator.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

const VOCABULARY: [&str; 16] = [
    "we", "ship", "the", "new", "editor", "today", "it's", "faster", "than", "before", "and", "3", "people", "like",
    "it", "so",
];

struct Case {
    duration: u64,
    analysis: Analysis,
    transcript: Transcript,
    script: Option<Script>,
    options: CutOptions,
}

/// Speech bursts over room tone, words inside the bursts (some fillers, some repeated phrases),
/// sometimes a script of the same vocabulary, options anywhere in their ranges.
fn case(random: &mut Random) -> Case {
    let hops = 200 + random.below(6_000) as usize;
    let mut levels = Vec::with_capacity(hops);
    let mut words = Vec::new();
    while levels.len() < hops {
        let quiet = 5 + random.below(250) as usize;
        levels.extend((0..quiet).map(|_| -6_500 + random.below(400) as i16));
        let loud = 20 + random.below(300) as usize;
        let start = levels.len() as u64 * 10;
        levels.extend((0..loud).map(|_| -2_500 + random.below(1_500) as i16));
        let end = levels.len() as u64 * 10;
        let mut time = start + random.below(40);
        while time + 120 < end {
            let length = 80 + random.below(400);
            let text = if random.chance(10) { "um" } else { VOCABULARY[random.below(16) as usize] };
            let word_end = (time + length).min(end);
            words.push(Word { text: text.into(), start: time, end: word_end, confidence: None });
            time = word_end + random.below(250);
        }
    }
    levels.truncate(hops);
    let duration = hops as u64 * 10;
    words.retain(|w| w.end <= duration);
    let envelope = Envelope { sample_rate: 48_000, levels };
    let voice = EnergyVad::default().detect(&envelope);
    let analysis = Analysis { noise_floor: noise_floor(&envelope), voice, envelope };
    let script = random.chance(40).then(|| {
        let sentences: Vec<String> = (0..1 + random.below(20))
            .map(|_| {
                (0..3 + random.below(8)).map(|_| VOCABULARY[random.below(16) as usize]).collect::<Vec<_>>().join(" ")
                    + "."
            })
            .collect();
        Script::new(&sentences.join(" "))
    });
    let options = CutOptions {
        remove_silence: random.chance(80),
        silence_threshold_db: random.chance(30).then(|| -(random.below(90) as f64)),
        min_silence_seconds: 0.1 + random.below(2_000) as f64 / 1000.0,
        margin_seconds: random.below(500) as f64 / 1000.0,
        min_clip_seconds: random.below(1_000) as f64 / 1000.0,
        remove_fillers: random.chance(80),
        filler_words: None,
        remove_restarts: random.chance(80),
        remove_untranscribed_speech: random.chance(80),
        script_mode: if random.chance(50) { ScriptMode::Strict } else { ScriptMode::Loose },
    }
    .validated()
    .expect("generated options are in range");
    let transcript = Transcript::new(words, Some(duration)).expect("generated words are valid");
    Case { duration, analysis, transcript, script, options }
}

fn run(case: &Case, with_transcript: bool) -> CutPlan {
    let input = PlanInput {
        duration: case.duration,
        analysis: Some(&case.analysis),
        transcript: with_transcript.then_some(&case.transcript),
        script: case.script.as_ref(),
        language: None,
        recognised: true,
    };
    plan(&input, &case.options)
}

fn assert_partition(plan: &CutPlan, case: &Case, seed: u64) {
    let mut pieces: Vec<(u64, u64, bool)> = plan.segments.iter().map(|s| (s.start, s.end, true)).collect();
    pieces.extend(plan.removed.iter().map(|r| (r.start, r.end, false)));
    pieces.sort_unstable();
    let mut cursor = 0;
    for &(start, end, _) in &pieces {
        assert_eq!(start, cursor, "seed {seed}: a gap or overlap at {cursor} ms");
        assert!(start < end, "seed {seed}: an empty span at {start}");
        cursor = end;
    }
    assert_eq!(cursor, case.duration, "seed {seed}: the plan ends at the source's end");
    assert!(plan.segments.windows(2).all(|w| w[0].end < w[1].start), "seed {seed}: segments sorted, apart");
    let min_clip = (case.options.min_clip_seconds * 1000.0).round() as u64;
    assert!(plan.segments.iter().all(|s| s.duration() >= min_clip), "seed {seed}: no clip under min_clip");
    assert_eq!(plan.kept_duration, plan.segments.iter().map(|s| s.duration()).sum::<u64>());
    assert_eq!(plan.source_duration, case.duration);
}

/// A kept word is never cut: a word that straddles a segment boundary overlaps a removal made
/// for a word (a filler, restart or off-script span), i.e. it is itself removed.
fn assert_no_cut_into_kept_words(plan: &CutPlan, case: &Case, seed: u64) {
    let word_reasons = [Reason::Filler, Reason::Restart, Reason::OffScript];
    for word in case.transcript.words() {
        let inside_one = plan.segments.iter().any(|s| s.start <= word.start && word.end <= s.end);
        let fully_removed = plan.segments.iter().all(|s| s.end <= word.start || word.end <= s.start);
        if inside_one || fully_removed || word.start == word.end {
            continue;
        }
        let removed_as_word =
            plan.removed.iter().any(|r| word_reasons.contains(&r.reason) && r.start < word.end && word.start < r.end);
        assert!(removed_as_word, "seed {seed}: kept word {word:?} is cut by {:?}", plan.removed);
    }
}

#[test]
fn plans_partition_the_source_deterministically_and_never_cut_kept_words() {
    for seed in 0..300 {
        let mut random = Random(seed);
        let case = case(&mut random);
        for with_transcript in [false, true] {
            let first = run(&case, with_transcript);
            assert_eq!(first, run(&case, with_transcript), "seed {seed}: deterministic");
            assert_partition(&first, &case, seed);
            if with_transcript {
                assert_no_cut_into_kept_words(&first, &case, seed);
            }
        }
    }
}
