//! Every entry point that reads untrusted media, on arbitrary bytes: none may panic, hang or
//! allocate without bound; each must answer `Ok` or a coded `EngineError`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use roughcut_engine::analyze::{EnergyVad, analyse};
use roughcut_engine::media::extract::extract_aac;
use roughcut_engine::media::render::{KeptSpan, render_aac_copy, render_mp3};
use roughcut_engine::{Limits, probe, sniff};

fuzz_target!(|data: &[u8]| {
    // Tighter than production so that the fuzzer finds the limits rather than the machine's.
    let limits = Limits { max_metadata_bytes: 4 << 20, max_table_entries: 1 << 20, ..Limits::default() };
    let input = data.to_vec();
    let _ = sniff(&input);
    let _ = probe(&input, &limits);
    let _ = extract_aac(&input, &mut Vec::new(), &limits);
    let spans = [KeptSpan { start_ms: 10, end_ms: 50 }];
    let _ = render_aac_copy(&input, &spans, &mut Vec::new(), &limits);
    let _ = render_mp3(&input, &spans, 128, &mut Vec::new(), &limits);
    let _ = analyse(&input, &limits, &EnergyVad::default());
});
