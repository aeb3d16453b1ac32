//! Cut planning on small spoken scenes whose right answer is known: retakes, fillers, asides and
//! dead air removed, every other word kept whole.

use roughcut_engine::analyze::{Analysis, EnergyVad, Envelope, VoiceActivityDetector, noise_floor};
use roughcut_engine::plan::{CutOptions, CutPlan, PlanInput, Reason, Script, ScriptMode, plan};
use roughcut_engine::transcript::{Transcript, Word};

/// Words of 250 ms, 100 ms apart; `|` is a 600 ms pause, `||` 2.5 s of dead air.
fn speak(text: &str) -> (Vec<Word>, u64) {
    let mut words = Vec::new();
    let mut time = 500;
    for token in text.split_whitespace() {
        match token {
            "|" => time += 500,
            "||" => time += 2_400,
            _ => {
                words.push(Word { text: token.into(), start: time, end: time + 250, confidence: None });
                time += 350;
            }
        }
    }
    (words, time + 500)
}

/// The envelope such speech makes: −20 dBFS inside words, −60 dBFS room tone between them.
fn analysis_of(words: &[Word], duration: u64) -> Analysis {
    let mut levels = vec![-6_000i16; (duration / 10) as usize];
    for word in words {
        levels[(word.start / 10) as usize..(word.end / 10) as usize].fill(-2_000);
    }
    let envelope = Envelope { sample_rate: 48_000, levels };
    let voice = EnergyVad::default().detect(&envelope);
    Analysis { noise_floor: noise_floor(&envelope), voice, envelope }
}

struct Scene {
    words: Vec<Word>,
    plan: CutPlan,
}

fn cut(spoken: &str, script: Option<&str>, options: CutOptions) -> Scene {
    let (words, duration) = speak(spoken);
    cut_for(words, duration, script, options)
}

fn cut_for(words: Vec<Word>, duration: u64, script: Option<&str>, options: CutOptions) -> Scene {
    let analysis = analysis_of(&words, duration);
    let transcript = Transcript::new(words.clone(), Some(duration)).expect("valid words");
    let script = script.map(Script::new);
    let input = PlanInput {
        duration,
        analysis: Some(&analysis),
        transcript: Some(&transcript),
        script: script.as_ref(),
        language: None,
        recognised: true,
    };
    Scene { plan: plan(&input, &options), words }
}

impl Scene {
    /// The words the cut keeps whole; a word the cut splits is a failure.
    fn kept(&self) -> String {
        let mut kept = Vec::new();
        for word in &self.words {
            let whole = self.plan.segments.iter().any(|s| s.start <= word.start && word.end <= s.end);
            let gone = self.plan.segments.iter().all(|s| s.end <= word.start || word.end <= s.start);
            assert!(whole || gone, "{word:?} is cut in two by {:?}", self.plan.segments);
            if whole {
                kept.push(word.text.as_str());
            }
        }
        kept.join(" ")
    }

    fn reasons(&self) -> Vec<Reason> {
        let mut reasons: Vec<Reason> = self.plan.removed.iter().map(|r| r.reason).collect();
        reasons.sort_unstable();
        reasons.dedup();
        reasons
    }
}

const SCRIPT: &str = "Welcome to the show. Today we're talking about 3 new features.\nLet's begin with the editor.";

#[test]
fn script_keeps_the_last_complete_take_and_drops_asides_and_fillers() {
    let scene = cut(
        "Welcome to the | um welcome to the show. | by the way my coffee is cold again this morning || \
         Today we are talking about three new featurs. | Let's uh begin with the editor.",
        Some(SCRIPT),
        CutOptions::default(),
    );
    assert_eq!(
        scene.kept(),
        "welcome to the show. Today we are talking about three new featurs. Let's begin with the editor."
    );
    assert_eq!(scene.reasons(), [Reason::Silence, Reason::Filler, Reason::Restart, Reason::OffScript]);
}

#[test]
fn a_sentence_said_twice_keeps_the_second_take() {
    let scene = cut(
        "Welcome to the show. | Welcome to the show. | Today we're talking about 3 new features. Let's begin with the editor.",
        Some(SCRIPT),
        CutOptions::default(),
    );
    assert_eq!(
        scene.kept(),
        "Welcome to the show. Today we're talking about 3 new features. Let's begin with the editor."
    );
    let first_take_end = scene.words[3].end;
    assert!(scene.plan.removed.iter().any(|r| r.reason == Reason::Restart && r.start < first_take_end));
}

#[test]
fn loose_mode_keeps_short_ad_libs_and_drops_long_asides() {
    let spoken = "Welcome to the show. | oh what fun | Today we're talking about 3 new features. | \
                  so this reminds me of a long story about my grandmother and her garden in the spring | \
                  Let's begin with the editor.";
    let loose = cut(
        spoken,
        Some(SCRIPT),
        CutOptions { script_mode: ScriptMode::Loose, remove_fillers: false, ..CutOptions::default() },
    );
    assert!(loose.kept().contains("show. oh what fun Today"), "{}", loose.kept());
    assert!(!loose.kept().contains("grandmother"));
    let strict = cut(spoken, Some(SCRIPT), CutOptions { remove_fillers: false, ..CutOptions::default() });
    assert_eq!(
        strict.kept(),
        "Welcome to the show. Today we're talking about 3 new features. Let's begin with the editor."
    );
}

#[test]
fn without_a_script_restarts_and_fillers_still_go() {
    let scene =
        cut("So today we're going | so today we are going to talk um about editing.", None, CutOptions::default());
    assert_eq!(scene.kept(), "so today we are going to talk about editing.");
    let kept_fillers = cut(
        "So today we are going to talk um about editing.",
        None,
        CutOptions { remove_fillers: false, ..CutOptions::default() },
    );
    assert_eq!(kept_fillers.kept(), "So today we are going to talk um about editing.");
}

#[test]
fn filler_cuts_fall_in_the_gaps_around_it() {
    let scene = cut("We ship um today.", None, CutOptions { remove_silence: false, ..CutOptions::default() });
    let filler = scene.plan.removed.iter().find(|r| r.reason == Reason::Filler).expect("the filler is removed");
    let (before, um, after) = (&scene.words[1], &scene.words[2], &scene.words[3]);
    assert!(before.end <= filler.start && filler.start <= um.start + 30, "{filler:?}");
    assert!(um.end.saturating_sub(30) <= filler.end && filler.end <= after.start, "{filler:?}");
}

#[test]
fn dead_air_goes_with_margins_and_short_pauses_stay() {
    let scene = cut("One two. | Three four. || Five six.", None, CutOptions::default());
    assert_eq!(scene.kept(), "One two. Three four. Five six.");
    let silences: Vec<_> = scene.plan.removed.iter().filter(|r| r.reason == Reason::Silence).collect();
    // the 2.5 s gap goes less a 150 ms margin each side; the leading silence keeps only a margin
    let dead_air = silences.iter().find(|r| r.end - r.start > 2_000).expect("the dead air is removed");
    assert_eq!(dead_air.start, scene.words[3].end + 150);
    assert_eq!(dead_air.end, scene.words[4].start - 150);
    assert_eq!(scene.plan.segments.first().map(|s| s.start), Some(scene.words[0].start - 150));
}

#[test]
fn a_strict_script_that_no_speech_matches_keeps_nothing() {
    // Every word is off the script (a lone "today" or "the" is no take of it). The removal of the
    // words ends mid-gap after the last one; what is left of the recording after it (200 ms here:
    // a 400 ms tail, under the 0.5 s a silence needs) and any pause between is room tone, and none
    // of it is kept.
    let spoken = ["my coffee is cold again", "my coffee | is cold || again and | again", "the weather is lovely today"];
    for spoken in spoken {
        let (words, _) = speak(spoken);
        let duration = words.last().expect("words").end + 400;
        let scene = cut_for(words, duration, Some(SCRIPT), CutOptions::default());
        assert_eq!(scene.kept(), "", "{spoken}");
        assert!(scene.plan.segments.is_empty(), "{spoken}: {:?}", scene.plan);
    }
}

#[test]
fn room_tone_between_a_removed_take_and_the_end_is_not_kept_with_a_low_threshold_either() {
    // the same clip, judged by the user's threshold: under it, it is silence; over it, sound
    let (words, _) = speak("Welcome to the show. | my coffee");
    let duration = words.last().expect("words").end + 400;
    let quiet = CutOptions { silence_threshold_db: Some(-50.0), ..CutOptions::default() };
    let scene = cut_for(words.clone(), duration, Some(SCRIPT), quiet);
    assert_eq!(scene.kept(), "Welcome to the show.");
    let kept_end = scene.plan.segments.last().expect("a clip").end;
    assert!(kept_end < words[4].start, "{:?}", scene.plan.segments);
    let below_room_tone = CutOptions { silence_threshold_db: Some(-70.0), ..CutOptions::default() };
    let scene = cut_for(words, duration, Some(SCRIPT), below_room_tone);
    assert_eq!(scene.plan.segments.last().expect("a clip").end, duration, "{:?}", scene.plan.segments);
}
