//! The media container as benchmarks run it.

use std::path::PathBuf;
use std::process::Command;

use roughcut_tests::stack::repo_root;

/// The container as its image builds it (media-container/Dockerfile: release at opt-level 3), in
/// a target directory of its own so that the workspace's size-optimised release builds stay cached.
pub fn release_build() -> PathBuf {
    let target = repo_root().join("target/container");
    let status = Command::new("cargo")
        .args(["build", "--quiet", "--release", "-p", "media-container", "--target-dir"])
        .arg(&target)
        .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "3")
        .current_dir(repo_root())
        .status()
        .expect("cargo");
    assert!(status.success(), "building the release media container");
    target.join("release/media-container")
}
