//! Every entry point that reads untrusted text — transcripts (SRT, WebVTT, JSON, Whisper
//! answers) and scripts — and what is made from them: plans, timelines, captions. None may
//! panic; each answers `Ok` or a coded `EngineError`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use roughcut_engine::export::TimelineFormat;
use roughcut_engine::export::subtitles::cut_cues;
use roughcut_engine::plan::{CutOptions, PlanInput, Script, plan};
use roughcut_engine::time::Rational;
use roughcut_engine::timeline::{SourceMedia, Timeline};
use roughcut_engine::transcript::{Transcript, json, providers, srt, vtt};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let script = Script::new(&text);
    let parsed = [srt::parse(&text), vtt::parse(&text), json::parse(&text), providers::parse_whisper(&text)];
    for words in parsed.into_iter().flatten() {
        let Ok(transcript) = Transcript::repaired(words, Some(86_400_000)) else { continue };
        let duration = transcript.words().last().map_or(1_000, |w| w.end + 1_000);
        let input =
            PlanInput { duration, analysis: None, transcript: Some(&transcript), script: Some(&script), language: None, recognised: true };
        let cut = plan(&input, &CutOptions::default());
        let _ = cut_cues(&cut, &transcript);
        let source = SourceMedia {
            name: text.chars().take(40).collect(),
            url: text.chars().take(80).collect(),
            duration,
            video: Some((1920, 1080, Rational::new(30_000, 1_001))),
            audio: None,
        };
        let timeline = Timeline::new("fuzz", &cut, source);
        for format in TimelineFormat::ALL {
            let _ = format.write(&timeline);
        }
    }
});
