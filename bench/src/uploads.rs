//! `make bench`: upload throughput — a 1 GiB file (`BENCH_UPLOAD_MIB` to change it) sent with
//! tus-js-client in 16 MiB chunks through `wrangler dev` (Worker → Durable Object → local R2),
//! against `@tus/server` with its file store, the same client, chunk size and bytes, in the same
//! run (bench/uploads/tus-bench.mjs). Target: roughcut at least 0.5× the peer's throughput. It
//! needs the built worker (`make build`) and starts the same local stack as the e2e tests.

use std::io::Write;
use std::path::Path;
use std::process::Command;

use roughcut_tests::stack::{Stack, repo_root};
use serde_json::{Value, json};

const CHUNK: usize = 16 << 20;

/// A WAV header (so the upload is accepted as media) and then a byte pattern, written once.
fn input(mib: usize) -> std::path::PathBuf {
    let dir = repo_root().join("target/bench-media");
    std::fs::create_dir_all(&dir).expect("bench dir");
    let path = dir.join(format!("upload-{mib}MiB.wav"));
    if !path.exists() {
        let mut file = std::io::BufWriter::new(std::fs::File::create(&path).expect("bench file"));
        file.write_all(b"RIFF\0\0\0\0WAVEfmt \x10\0\0\0\x01\0\x01\0\x80\x3e\0\0\0\x7d\0\0\x02\0\x10\0data\0\0\0\0")
            .expect("header");
        let block: Vec<u8> = (0..1 << 20).map(|i: u32| (i.wrapping_mul(2_654_435_761) >> 24) as u8).collect();
        for _ in 0..mib {
            file.write_all(&block).expect("block");
        }
    }
    path
}

fn main() {
    let mib: usize = std::env::var("BENCH_UPLOAD_MIB").ok().and_then(|v| v.parse().ok()).unwrap_or(1024);
    let file = input(mib);
    let size = std::fs::metadata(&file).expect("file").len();
    let stack = Stack::start().unwrap_or_else(|e| panic!("the local stack: {e}"));
    let account = stack.new_account("bench");
    stack.grant(&account.id, 1_000, "topup").expect(201);
    let project: Value = account.api.post("/v1/projects", &json!({ "name": "bench" })).expect(201).json();
    let output = Command::new("node")
        .arg(repo_root().join("bench/uploads/tus-bench.mjs"))
        .args([
            &format!("{}/v1/uploads", stack.base_url),
            &account.key,
            project["id"].as_str().expect("project id"),
            file.to_str().expect("path"),
            &CHUNK.to_string(),
        ])
        .current_dir(repo_root())
        .output()
        .expect("node");
    assert!(output.status.success(), "tus-bench.mjs: {}", String::from_utf8_lossy(&output.stderr));
    let times: Value = serde_json::from_slice(&output.stdout).expect("JSON from tus-bench.mjs");
    let (peer, roughcut) =
        (times["peer_seconds"].as_f64().expect("peer"), times["roughcut_seconds"].as_f64().expect("roughcut"));
    let rate = |seconds: f64| size as f64 / (1 << 20) as f64 / seconds;
    println!("upload of {} ({mib} MiB) with tus-js-client, 16 MiB chunks, one run each", display(&file));
    println!();
    println!("| server | time | throughput |");
    println!("|---|---|---|");
    println!("| @tus/server 2.4.5, file store (peer) | {peer:.2} s | {:.0} MiB/s |", rate(peer));
    println!(
        "| roughcut: wrangler dev, Worker → Durable Object → R2 | {roughcut:.2} s | {:.0} MiB/s |",
        rate(roughcut)
    );
    println!();
    println!("roughcut / peer throughput: {:.2}x (target ≥ 0.5)", peer / roughcut);
}

fn display(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}
