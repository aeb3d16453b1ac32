//! What the latency benchmarks on the local stack share: a small input, the clock, percentiles.

use std::process::Command;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use roughcut_tests::client::Account;

/// A 10-s tone (AAC in M4A) uploaded to `project`, once it is `ready`: its asset id. `name` keeps
/// the file apart from other benchmarks'.
pub fn ready_tone(account: &Account, project: &str, name: &str) -> String {
    let file = std::env::temp_dir().join(format!("roughcut-bench-{name}-{}.m4a", std::process::id()));
    let made = Command::new("ffmpeg")
        .args(["-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", "sine=frequency=220:duration=10"])
        .args(["-c:a", "aac"])
        .arg(&file)
        .status()
        .expect("ffmpeg");
    assert!(made.success());
    let asset_id = account.upload_file(project, &file);
    let started = Instant::now();
    while account.api.get(&format!("/v1/assets/{asset_id}")).expect(200).json()["state"] != "ready" {
        assert!(started.elapsed() < Duration::from_secs(120), "the asset is not ready");
        std::thread::sleep(Duration::from_millis(200));
    }
    asset_id
}

/// Now, in Unix milliseconds (the clock the worker stamps with, on the same machine).
pub fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// The `p`-th percentile of sorted, non-empty latencies.
pub fn percentile(sorted: &[i64], p: usize) -> i64 {
    sorted[(sorted.len() * p / 100).min(sorted.len() - 1)]
}

/// Prints a latency table: each way's count of `unit`, p50 and p99, then the first way's ratio to
/// the second (the peer), each list sorted.
pub fn print_comparison(ours: (&str, &[i64]), peer: (&str, &[i64]), unit: &str) {
    for (name, latencies) in [ours, peer] {
        println!(
            "  {name:<24} {:>3} {unit}  p50 {:>4} ms  p99 {:>4} ms",
            latencies.len(),
            percentile(latencies, 50),
            percentile(latencies, 99)
        );
    }
    let ratio = |p: usize| percentile(ours.1, p) as f64 / percentile(peer.1, p).max(1) as f64;
    println!("  {} / {}: p50 {:.2}×, p99 {:.2}×", ours.0, peer.0, ratio(50), ratio(99));
}
