//! Inputs the fuzzer (`make fuzz`) found to crash, hang or exhaust memory, kept as regression
//! tests: every entry point must answer them promptly, with a result or a coded error.
//! Provenance: each file is the fuzzer's own artifact, renamed for what it broke.

use roughcut_engine::analyze::{EnergyVad, analyse};
use roughcut_engine::media::extract::extract_aac;
use roughcut_engine::media::render::{KeptSpan, render_aac_copy, render_mp3};
use roughcut_engine::{Limits, probe, sniff};

#[test]
fn every_entry_point_survives_every_regression() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-regressions");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).expect("regressions dir") {
        let input = std::fs::read(entry.expect("entry").path()).expect("read");
        let limits = Limits::default();
        let spans = [KeptSpan { start_ms: 10, end_ms: 50 }];
        let _ = sniff(&input);
        let _ = probe(&input, &limits);
        let _ = extract_aac(&input, &mut Vec::new(), &limits);
        let _ = render_aac_copy(&input, &spans, &mut Vec::new(), &limits);
        let _ = render_mp3(&input, &spans, 128, &mut Vec::new(), &limits);
        let _ = analyse(&input, &limits, &EnergyVad::default());
        seen += 1;
    }
    assert!(seen > 0);
}
