//! TUS uploads onto R2 through the real stack: the real clients (tus-js-client from npm, tuspy
//! from PyPI) at sizes around the 8 MiB part size and with odd chunk sizes, and the protocol's
//! rules verb by verb, as tusd's handler tests check them.

use std::io::Write;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use serde_json::{Value, json};
use ureq::http::Method;

use crate::Test;
use roughcut_tests::client::{Account, Reply};
use roughcut_tests::stack::{Stack, repo_root};

pub fn tests() -> Vec<Test> {
    vec![
        ("uploads::tus_js_client_uploads_around_the_part_size", tus_js_client_uploads_around_the_part_size),
        ("uploads::tuspy_uploads_with_odd_chunks", tuspy_uploads_with_odd_chunks),
        ("uploads::options_and_creation_headers", options_and_creation_headers),
        ("uploads::patch_rules", patch_rules),
        ("uploads::termination_and_isolation", termination_and_isolation),
        ("uploads::non_media_is_refused_and_the_asset_fails", non_media_is_refused),
        ("uploads::downloads_are_signed_ranged_and_tamper_proof", downloads),
        ("uploads::concurrent_patches_never_both_apply", concurrent_patches),
        ("uploads::expired_uploads_are_gone_and_their_assets_fail", expiry),
        ("uploads::the_seed_surface_shows_uppercase_assets", seed_surface),
        ("uploads::an_audio_proxy_uploads_beside_its_video", audio_proxy),
        ("uploads::creation_names_its_asset_once_and_a_deleted_assets_upload_waits", creation_and_deletion),
    ]
}

/// Tests that restart the stack, so run with nothing else.
pub fn exclusive_tests() -> Vec<Test> {
    vec![("uploads::interrupted_uploads_resume_byte_identical", interrupted_uploads_resume)]
}

const PART: usize = 8 << 20;
/// "100 MB+": twelve parts and a few bytes (100,675,929 bytes).
const HUNDRED_MB: usize = 12 * PART + 12_345;

fn funded(stack: &Stack, name: &str) -> (Account, String) {
    let account = stack.new_account(name);
    stack.grant(&account.id, 100, "topup").expect(201);
    let project = account.api.post("/v1/projects", &json!({ "name": "uploads" })).expect(201).json();
    (account, project["id"].as_str().expect("project id").to_owned())
}

/// A WAV header and then `size - 44` bytes of a deterministic pattern (so that every byte counts).
fn media(size: usize, seed: u64) -> Vec<u8> {
    let mut bytes =
        b"RIFF\0\0\0\0WAVEfmt \x10\0\0\0\x01\0\x01\0\x80\x3e\0\0\0\x7d\0\0\x02\0\x10\0data\0\0\0\0".to_vec();
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    while bytes.len() < size {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        bytes.extend_from_slice(&state.to_le_bytes());
    }
    bytes.truncate(size);
    bytes
}

fn write_temp(name: &str, bytes: &[u8]) -> PathBuf {
    let path = std::env::temp_dir().join(format!("roughcut-e2e-{}-{name}", std::process::id()));
    std::fs::write(&path, bytes).expect("temp file");
    path
}

/// Runs a client script; returns the upload URL it printed. A client that hangs is killed after
/// two minutes, so a stuck upload fails the test instead of the whole run.
fn run_client(program: &str, script: &Path, args: &[&str]) -> String {
    let mut child = Command::new(program)
        .arg(script)
        .args(args)
        .current_dir(repo_root())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{program}: {e}"));
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    while child.try_wait().expect("client status").is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("{program} {script:?} did not finish within two minutes");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let output = child.wait_with_output().expect("client output");
    assert!(output.status.success(), "{program} {script:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

/// The asset behind an upload URL, once its last byte landed.
fn asset_of(account: &Account, upload_url: &str) -> Value {
    let assets = account.api.get("/v1/assets?limit=100").expect(200).json();
    let upload_id = upload_url.rsplit('/').next().expect("id");
    let head = tus(account, Method::HEAD, upload_url, &[]).expect(200);
    assert!(head.header("upload-offset").is_some(), "HEAD of {upload_id} has an offset");
    assets["items"].as_array().expect("items")[0].clone()
}

/// A TUS request with `Tus-Resumable` and the account's key.
fn tus(account: &Account, method: Method, url: &str, headers: &[(&str, &str)]) -> Reply {
    tus_body(account, method, url, headers, Vec::new())
}

fn tus_body(account: &Account, method: Method, url: &str, headers: &[(&str, &str)], body: Vec<u8>) -> Reply {
    let mut all = vec![("tus-resumable", "1.0.0")];
    all.extend_from_slice(headers);
    let reply = account.api.send_with(method, url, &all, body);
    assert_eq!(reply.header("tus-resumable"), Some("1.0.0"), "every answer names the protocol: {}", reply.body);
    reply
}

fn upload_with(stack: &Stack, program: &str, script: &str, size: usize, chunk: usize, seed: u64) {
    let (account, project) = funded(stack, &format!("client-{seed}"));
    let source = media(size, seed);
    let file = write_temp(&format!("client-{seed}.wav"), &source);
    let metadata = json!({ "project_id": project, "filename": "take.wav", "filetype": "audio/wav" }).to_string();
    let endpoint = format!("{}/v1/uploads", stack.base_url);
    let url = run_client(
        program,
        &repo_root().join(script),
        &[&endpoint, file.to_str().expect("path"), &chunk.to_string(), &account.key, &metadata],
    );
    std::fs::remove_file(&file).ok();
    assert!(url.contains("/v1/uploads/upl_"), "{url}");
    let asset = asset_of(&account, &url);
    assert_ne!(asset["state"], "pending_upload", "the last byte ends the upload: {asset}");
    assert_eq!((asset["type"].as_str(), asset["size_bytes"].as_u64()), (Some("audio"), Some(size as u64)));
    let head = tus(&account, Method::HEAD, &url, &[]).expect(200);
    assert_eq!(head.header("upload-offset"), Some(size.to_string().as_str()));
    assert_eq!(head.header("upload-length"), Some(size.to_string().as_str()));
    assert_eq!(head.header("cache-control"), Some("no-store"));
    let download_url = asset["download_url"].as_str().expect("a download URL once the bytes are stored");
    let (status, _, bytes) = stack.anonymous().send_for_bytes(Method::GET, download_url, &[]);
    assert_eq!(status, 200);
    assert_eq!(sha256(&bytes), sha256(&source), "{program}: the stored object is the file");
}

fn sha256(bytes: &[u8]) -> String {
    hex::encode(<sha2::Sha256 as sha2::Digest>::digest(bytes))
}

fn tus_js_client_uploads_around_the_part_size(stack: &Stack) {
    for (size, chunk, seed) in [(PART - 1, 4 << 20, 1), (PART, PART, 2), (HUNDRED_MB, (1 << 20) + 7, 3)] {
        upload_with(stack, "node", "tests/clients/tus-upload.mjs", size, chunk, seed);
    }
}

fn tuspy_uploads_with_odd_chunks(stack: &Stack) {
    for (size, chunk, seed) in [(PART - 1, PART - 1, 4), (PART, 3 << 20, 5), (HUNDRED_MB, (1 << 20) + 7, 6)] {
        let python = std::env::var("TEST_PYTHON").expect("TEST_PYTHON (scripts/env.sh)");
        upload_with(stack, &python, "tests/clients/tus_upload.py", size, chunk, seed);
    }
}

/// Creates an upload of `length` bytes; returns its URL.
fn create(account: &Account, project: &str, length: usize) -> String {
    let metadata = format!("project_id {}", base64(project.as_bytes()));
    let reply = tus(
        account,
        Method::POST,
        "/v1/uploads",
        &[("upload-length", &length.to_string()), ("upload-metadata", &metadata)],
    );
    reply.expect(201).header("location").expect("Location").to_owned()
}

fn base64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn options_and_creation_headers(stack: &Stack) {
    let options = stack.anonymous().send_with(Method::OPTIONS, "/v1/uploads", &[], Vec::new());
    assert_eq!(options.status, 204);
    assert_eq!(options.header("tus-version"), Some("1.0.0"));
    assert_eq!(options.header("tus-extension"), Some("creation,creation-with-upload,termination,checksum,expiration"));
    assert_eq!(options.header("tus-max-size"), Some("53687091200"));
    assert_eq!(options.header("tus-checksum-algorithm"), Some("sha1,md5,sha256"));

    let (account, project) = funded(stack, "tus-create");
    let missing_version = account.api.send_with(Method::POST, "/v1/uploads", &[("upload-length", "100")], Vec::new());
    assert_eq!(missing_version.status, 412);
    let other_version =
        account.api.send_with(Method::HEAD, "/v1/uploads/upl_1", &[("tus-resumable", "0.2.2")], Vec::new());
    assert_eq!((other_version.status, other_version.header("tus-version")), (412, Some("1.0.0")), "the one we speak");
    let metadata = format!("project_id {}", base64(project.as_bytes()));
    tus(&account, Method::POST, "/v1/uploads", &[("upload-length", "53687091201"), ("upload-metadata", &metadata)])
        .expect_error(413, "payload_too_large");
    tus(&account, Method::POST, "/v1/uploads", &[("upload-length", "10"), ("upload-metadata", &metadata)])
        .expect_error(400, "bad_request");
    tus(&account, Method::POST, "/v1/uploads", &[("upload-length", "100")]).expect_error(422, "validation_error");
    let anonymous = stack.anonymous().send_with(
        Method::POST,
        "/v1/uploads",
        &[("tus-resumable", "1.0.0"), ("upload-length", "100")],
        Vec::new(),
    );
    assert_eq!(anonymous.status, 401);

    // creation-with-upload, on the seed surface
    let body = media(5_000, 9);
    let created = tus_body(
        &account,
        Method::POST,
        "/api/v1/assets/upload-resumable",
        &[
            ("upload-length", "10000"),
            ("upload-metadata", &metadata),
            ("content-type", "application/offset+octet-stream"),
        ],
        body[..4_000].to_vec(),
    )
    .expect(201);
    let location = created.header("location").expect("Location").to_owned();
    assert!(location.contains("/api/v1/assets/upload-resumable/upl_"), "{location}");
    assert_eq!(created.header("upload-offset"), Some("4000"));
    assert!(created.header("upload-expires").is_some_and(|d| d.ends_with(" GMT")));
    assert_eq!(tus(&account, Method::HEAD, &location, &[]).expect(200).header("upload-offset"), Some("4000"));
}

fn patch_rules(stack: &Stack) {
    let (account, project) = funded(stack, "tus-patch");
    let source = media(3_000, 11);
    let url = create(&account, &project, 3_000);
    let patch = |offset: &str, bytes: &[u8], extra: &[(&str, &str)]| {
        let mut headers = vec![("upload-offset", offset), ("content-type", "application/offset+octet-stream")];
        headers.extend_from_slice(extra);
        tus_body(&account, Method::PATCH, &url, &headers, bytes.to_vec())
    };
    assert_eq!(patch("0", &source[..1_000], &[]).expect(204).header("upload-offset"), Some("1000"));
    patch("0", &source[..1_000], &[]).expect_error(409, "conflict");
    patch("1500", &source[1_500..2_000], &[]).expect_error(409, "conflict");
    let wrong_type = tus_body(
        &account,
        Method::PATCH,
        &url,
        &[("upload-offset", "1000"), ("content-type", "application/json")],
        b"{}".to_vec(),
    );
    assert_eq!(wrong_type.status, 415);
    patch("1000", &source[1_000..2_000], &[("upload-checksum", "sha1 AAAAAAAAAAAAAAAAAAAAAAAAAAA=")])
        .expect_error(460, "checksum_mismatch");
    assert_eq!(
        tus(&account, Method::HEAD, &url, &[]).expect(200).header("upload-offset"),
        Some("1000"),
        "the chunk was dropped"
    );
    patch("1000", &source[1_000..2_000], &[("upload-checksum", "crc32 AAAA")]).expect_error(400, "bad_request");
    patch("1000", &source[1_000..], &[("x-http-method-override", "PATCH")]).expect(204);
    let asset = account.api.get("/v1/assets").expect(200).json()["items"][0].clone();
    assert_ne!(asset["state"], "pending_upload");
    patch("3000", b"x", &[]).expect_error(404, "not_found");
    let override_head = tus(&account, Method::POST, &url, &[("x-http-method-override", "HEAD")]);
    assert_eq!(override_head.status, 200, "POST with X-HTTP-Method-Override: HEAD");
}

fn termination_and_isolation(stack: &Stack) {
    let (alice, project) = funded(stack, "tus-alice");
    let (bob, _) = funded(stack, "tus-bob");
    let url = create(&alice, &project, 5_000);
    tus(&bob, Method::HEAD, &url, &[]).expect(404);
    tus_body(
        &bob,
        Method::PATCH,
        &url,
        &[("upload-offset", "0"), ("content-type", "application/offset+octet-stream")],
        media(100, 1),
    )
    .expect_error(404, "not_found");
    tus(&bob, Method::DELETE, &url, &[]).expect_error(404, "not_found");
    tus(&alice, Method::DELETE, &url, &[]).expect(204);
    tus(&alice, Method::HEAD, &url, &[]).expect(404);
    tus(&alice, Method::DELETE, &url, &[]).expect_error(404, "not_found");
    assert_eq!(alice.api.get("/v1/assets").expect(200).json()["total"], 0, "the asset went with its upload");
}

fn non_media_is_refused(stack: &Stack) {
    let (account, project) = funded(stack, "tus-html");
    let url = create(&account, &project, 1_000);
    let html = b"<!doctype html><html><head><title>not media</title></head><body>hello</body></html>".repeat(4);
    let refused = tus_body(
        &account,
        Method::PATCH,
        &url,
        &[("upload-offset", "0"), ("content-type", "application/offset+octet-stream")],
        html,
    );
    refused.expect_error(415, "unsupported_media_type");
    tus(&account, Method::HEAD, &url, &[]).expect(404);
    let asset = account.api.get("/v1/assets").expect(200).json()["items"][0].clone();
    assert_eq!((asset["state"].as_str(), asset["error_code"].as_str()), (Some("failed"), Some("unsupported_media")));
}

fn creation_and_deletion(stack: &Stack) {
    let (account, project) = funded(stack, "tus-create-once");
    let metadata = format!("project_id {},filename {}", base64(project.as_bytes()), base64(b"talk.wav"));
    let headers = [("upload-length", "3000"), ("upload-metadata", metadata.as_str()), ("idempotency-key", "create-1")];
    // the answer names the asset; sent again (its answer lost), it answers the same
    let first = tus(&account, Method::POST, "/v1/uploads", &headers).expect(201);
    let url = first.header("location").expect("Location").to_owned();
    let asset = first.json();
    assert_eq!(first.header("roughcut-asset-id"), asset["id"].as_str(), "{asset}");
    assert!(asset["upload_url"].as_str().is_some_and(|u| url.ends_with(u.rsplit('/').next().unwrap_or("-"))));
    let again = tus(&account, Method::POST, "/v1/uploads", &headers).expect(201);
    assert_eq!((again.header("location"), again.header("idempotent-replayed")), (Some(url.as_str()), Some("true")));
    assert_eq!(again.json()["id"], asset["id"]);
    let other = [("upload-length", "4000"), ("upload-metadata", metadata.as_str()), ("idempotency-key", "create-1")];
    tus(&account, Method::POST, "/v1/uploads", &other).expect_error(422, "validation_error");
    assert_eq!(account.api.get("/v1/assets").expect(200).json()["total"], 1, "one asset");
    let head = tus(&account, Method::HEAD, &url, &[]).expect(200);
    assert_eq!(head.header("upload-metadata"), Some(metadata.as_str()), "HEAD gives the metadata back (TUS)");

    // a deleted asset's upload takes nothing until the asset is restored, then goes on
    let source = media(3_000, 5);
    let patch = |offset: &str, bytes: &[u8]| {
        let headers = [("upload-offset", offset), ("content-type", "application/offset+octet-stream")];
        tus_body(&account, Method::PATCH, &url, &headers, bytes.to_vec())
    };
    patch("0", &source[..1_000]).expect(204);
    let asset_path = format!("/v1/assets/{}", asset["id"].as_str().unwrap_or_default());
    account.api.delete(&asset_path).expect(204);
    tus(&account, Method::HEAD, &url, &[]).expect(404);
    patch("1000", &source[1_000..]).expect_error(404, "not_found");
    let restored = account.api.post(&format!("{asset_path}/restore"), &json!({})).expect(200).json();
    assert_eq!(restored["state"], "pending_upload");
    assert!(restored["upload_url"].is_string(), "{restored}");
    account.api.post(&format!("{asset_path}/restore"), &json!({})).expect_error(409, "conflict");
    assert_eq!(tus(&account, Method::HEAD, &url, &[]).expect(200).header("upload-offset"), Some("1000"));
    patch("1000", &source[1_000..]).expect(204);
    assert_ne!(account.api.get(&asset_path).expect(200).json()["state"], "pending_upload");

    // a cancelled upload's asset comes back failed, never waiting for bytes that cannot come
    let cancelled = create(&account, &project, 3_000);
    let cancelled_asset = asset_of(&account, &cancelled)["id"].as_str().unwrap_or_default().to_owned();
    tus(&account, Method::DELETE, &cancelled, &[]).expect(204);
    let back = account.api.post(&format!("/v1/assets/{cancelled_asset}/restore"), &json!({})).expect(200).json();
    assert_eq!((back["state"].as_str(), back["error_code"].as_str()), (Some("failed"), Some("upload_cancelled")));

    // a first chunk refused, for its checksum or for running past the declared Upload-Length,
    // leaves the upload to resume from 0, not an orphaned asset
    let create_with_chunk = |extra: &[(&str, &str)], chunk: Vec<u8>| {
        let mut headers = vec![("upload-length", "3000"), ("upload-metadata", metadata.as_str()), OCTETS];
        headers.extend_from_slice(extra);
        let created = tus_body(&account, Method::POST, "/v1/uploads", &headers, chunk).expect(201);
        assert_eq!(created.header("upload-offset"), Some("0"));
        created.header("location").expect("Location").to_owned()
    };
    let resumed =
        create_with_chunk(&[("upload-checksum", "sha1 AAAAAAAAAAAAAAAAAAAAAAAAAAA=")], source[..1_000].to_vec());
    assert_eq!(tus(&account, Method::HEAD, &resumed, &[]).expect(200).header("upload-offset"), Some("0"));
    let oversized_url = create_with_chunk(&[], media(4_000, 7));
    let patched = tus_body(&account, Method::PATCH, &oversized_url, &[("upload-offset", "0"), OCTETS], source.clone());
    assert_eq!(patched.expect(204).header("upload-offset"), Some("3000"));

    // the seed surface uploads recordings only
    let typed = format!("project_id {},type {}", base64(project.as_bytes()), base64(b"CUT_FILE"));
    let refused = tus(
        &account,
        Method::POST,
        "/api/v1/assets/upload-resumable",
        &[("upload-length", "3000"), ("upload-metadata", &typed)],
    )
    .expect_error(422, "validation_error");
    assert_eq!(refused["error"]["fields"][0]["field"], "metadata.type", "{refused}");
}

fn downloads(stack: &Stack) {
    let (account, project) = funded(stack, "downloads");
    let source = media(70_000, 21);
    let metadata = format!("project_id {},filename {}", base64(project.as_bytes()), base64("réunion 1.wav".as_bytes()));
    let url = tus(&account, Method::POST, "/v1/uploads", &[("upload-length", "70000"), ("upload-metadata", &metadata)])
        .expect(201)
        .header("location")
        .expect("Location")
        .to_owned();
    tus_body(
        &account,
        Method::PATCH,
        &url,
        &[("upload-offset", "0"), ("content-type", "application/offset+octet-stream")],
        source.clone(),
    )
    .expect(204);
    let asset = account.api.get("/v1/assets").expect(200).json()["items"][0].clone();
    let download = asset["download_url"].as_str().expect("download_url").to_owned();
    let anonymous = stack.anonymous();

    let (status, headers, bytes) = anonymous.send_for_bytes(Method::GET, &download, &[]);
    assert_eq!((status, bytes == source), (200, true));
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    assert_eq!(header("content-length").as_deref(), Some("70000"));
    assert_eq!(header("accept-ranges").as_deref(), Some("bytes"));
    let disposition = header("content-disposition").expect("Content-Disposition");
    assert!(
        disposition.starts_with("attachment;") && disposition.contains("filename*=UTF-8''r%C3%A9union%201.wav"),
        "{disposition}"
    );

    let (status, headers, bytes) = anonymous.send_for_bytes(Method::GET, &download, &[("range", "bytes=1000-1999")]);
    assert_eq!(status, 206);
    assert_eq!(bytes, source[1_000..2_000]);
    assert_eq!(headers.get("content-range").and_then(|v| v.to_str().ok()), Some("bytes 1000-1999/70000"));
    let (status, _, bytes) = anonymous.send_for_bytes(Method::GET, &download, &[("range", "bytes=-10")]);
    assert_eq!((status, bytes.as_slice()), (206, &source[69_990..]));
    let (status, _, _) = anonymous.send_for_bytes(Method::GET, &download, &[("range", "bytes=70000-")]);
    assert_eq!(status, 416);
    let (status, headers, bytes) = anonymous.send_for_bytes(Method::HEAD, &download, &[]);
    assert_eq!((status, bytes.len()), (200, 0));
    assert_eq!(headers.get("content-length").and_then(|v| v.to_str().ok()), Some("70000"));

    let tampered = download.replace("/source?", "/other?");
    anonymous.get(&tampered).expect_error(403, "forbidden");
    let later = download.replace("exp=", "exp=9");
    anonymous.get(&later).expect_error(403, "forbidden");
    let mut flipped = download.clone();
    let last = flipped.pop().expect("a signature");
    flipped.push(if last == '0' { '1' } else { '0' });
    anonymous.get(&flipped).expect_error(403, "forbidden");

    // deleting the asset ends the links handed out for it; a restore brings them back
    let asset_path = format!("/v1/assets/{}", asset["id"].as_str().expect("id"));
    account.api.delete(&asset_path).expect(204);
    anonymous.get(&download).expect_error(404, "not_found");
    account.api.post(&format!("{asset_path}/restore"), &json!({})).expect(200);
    assert_eq!(anonymous.send_for_bytes(Method::GET, &download, &[]).0, 200);
}

const OCTETS: (&str, &str) = ("content-type", "application/offset+octet-stream");

fn concurrent_patches(stack: &Stack) {
    let (account, project) = funded(stack, "tus-race");
    let source = media(8 << 20, 31);
    for round in 0..3 {
        let url = create(&account, &project, source.len());
        let statuses: Vec<u16> = std::thread::scope(|scope| {
            let racers: Vec<_> = (0..2)
                .map(|_| {
                    scope.spawn(|| {
                        tus_body(
                            &account,
                            Method::PATCH,
                            &url,
                            &[("upload-offset", "0"), OCTETS],
                            source[..4 << 20].to_vec(),
                        )
                        .status
                    })
                })
                .collect();
            racers
                .into_iter()
                .map(|racer| racer.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
                .collect()
        });
        let mut sorted = statuses.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, [204, 409], "round {round}: exactly one PATCH applies");
        assert_eq!(tus(&account, Method::HEAD, &url, &[]).expect(200).header("upload-offset"), Some("4194304"));
    }
}

/// Sends the head of a PATCH and only `sent` bytes of its `chunk`, then drops the connection:
/// a client killed mid-request.
fn broken_patch(stack: &Stack, account: &Account, url: &str, offset: usize, chunk: &[u8], sent: usize) {
    let address = stack.base_url.trim_start_matches("http://");
    let path = url.split_once(address).map_or(url, |(_, path)| path);
    let mut stream = TcpStream::connect(address).expect("connect");
    let head = format!(
        "PATCH {path} HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {}\r\nTus-Resumable: 1.0.0\r\n\
         Upload-Offset: {offset}\r\nContent-Type: application/offset+octet-stream\r\nContent-Length: {}\r\n\r\n",
        account.key,
        chunk.len()
    );
    stream.write_all(head.as_bytes()).expect("head");
    stream.write_all(&chunk[..sent]).expect("part of the body");
    stream.flush().expect("flush");
    std::thread::sleep(Duration::from_millis(50));
}

/// What a resuming client does: ask where the upload stands, send from there; a 409 (the broken
/// request still draining on the server) means ask again.
fn resume(account: &Account, url: &str, source: &[u8], chunk: usize) {
    for _ in 0..200 {
        let offset: usize = tus(account, Method::HEAD, url, &[])
            .expect(200)
            .header("upload-offset")
            .expect("offset")
            .parse()
            .expect("number");
        if offset == source.len() {
            return;
        }
        let end = (offset + chunk).min(source.len());
        let reply = tus_body(
            account,
            Method::PATCH,
            url,
            &[("upload-offset", &offset.to_string()), OCTETS],
            source[offset..end].to_vec(),
        );
        match reply.status {
            204 => {}
            409 => std::thread::sleep(Duration::from_millis(200)),
            other => panic!("PATCH at {offset}: {other} {}", reply.body),
        }
    }
    panic!("the upload did not finish");
}

fn interrupted_uploads_resume(stack: &Stack) {
    let (account, project) = funded(stack, "tus-faults");
    let mut state: u64 = 0x5eed;
    let mut next = |below: usize| {
        state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) as usize % below
    };
    for round in 0..20 {
        // even rounds send part-sized chunks (streamed to R2 whole), odd ones odd chunks (re-cut)
        let (size, chunk) = if round % 2 == 0 {
            ((6 << 20) + next(14 << 20), (5 << 20) + next(1 << 20))
        } else {
            ((1 << 20) + next(9 << 20), (1 << 20) + next(3 << 20))
        };
        let source = media(size, 100 + round);
        let url = create(&account, &project, size);
        let interrupt_at = next(size);
        let first = interrupt_at / chunk * chunk;
        // whole chunks up to the interrupted one, then the broken request
        let mut offset = 0;
        while offset < first {
            let end = (offset + chunk).min(size);
            tus_body(
                &account,
                Method::PATCH,
                &url,
                &[("upload-offset", &offset.to_string()), OCTETS],
                source[offset..end].to_vec(),
            )
            .expect(204);
            offset = end;
        }
        let end = (offset + chunk).min(size);
        broken_patch(stack, &account, &url, offset, &source[offset..end], interrupt_at - offset);
        if round == 10 {
            stack.restart_wrangler().expect("wrangler dev restarts");
        }
        resume(&account, &url, &source, chunk);
        let asset = account.api.get("/v1/assets?limit=1").expect(200).json()["items"][0].clone();
        assert_ne!(asset["state"], "pending_upload", "round {round}");
        let (status, _, bytes) =
            stack.anonymous().send_for_bytes(Method::GET, asset["download_url"].as_str().expect("url"), &[]);
        assert_eq!(status, 200);
        assert!(sha256(&bytes) == sha256(&source), "round {round}: {size} bytes interrupted at {interrupt_at}");
    }
}

fn expiry(stack: &Stack) {
    let (account, project) = funded(stack, "tus-expiry");
    let touched = create(&account, &project, 5_000);
    tus_body(&account, Method::PATCH, &touched, &[("upload-offset", "0"), OCTETS], media(1_000, 41)).expect(204);
    let untouched = create(&account, &project, 5_000);
    let live = create(&account, &project, 5_000);
    std::thread::sleep(roughcut_tests::stack::UPLOAD_TTL / 2);
    tus_body(&account, Method::PATCH, &live, &[("upload-offset", "0"), OCTETS], media(1_000, 42)).expect(204);
    std::thread::sleep(roughcut_tests::stack::UPLOAD_TTL / 2 + Duration::from_secs(2));
    for url in [&touched, &untouched] {
        tus(&account, Method::HEAD, url, &[]).expect(404);
        tus_body(&account, Method::PATCH, url, &[("upload-offset", "1000"), OCTETS], media(10, 1))
            .expect_error(404, "not_found");
    }
    assert_eq!(
        tus(&account, Method::HEAD, &live, &[]).expect(200).header("upload-offset"),
        Some("1000"),
        "a PATCH keeps an upload alive"
    );
    stack.run_cron().expect("the sweep runs");
    let assets = account.api.get("/v1/assets?state=failed").expect(200).json();
    assert_eq!(assets["total"], 2, "{assets}");
    assert!(assets["items"].as_array().expect("items").iter().all(|a| a["error_code"] == "upload_expired"));
    assert_eq!(account.api.get("/v1/assets?state=pending_upload").expect(200).json()["total"], 1);
}

fn seed_surface(stack: &Stack) {
    let (account, project) = funded(stack, "seed-assets");
    let metadata =
        format!("project_id {},filename {},type {}", base64(project.as_bytes()), base64(b"a.wav"), base64(b"AUDIO"));
    let pending = tus(
        &account,
        Method::POST,
        "/api/v1/assets/upload-resumable",
        &[("upload-length", "3000"), ("upload-metadata", &metadata)],
    )
    .expect(201);
    let url = pending.header("location").expect("Location").to_owned();
    let listed = account.api.get("/api/v1/assets?state=PENDING_UPLOAD").expect(200).json();
    assert_eq!(listed["total"], 1);
    let id = listed["items"][0]["id"].as_str().expect("id").to_owned();
    assert_eq!(listed["items"][0]["state"], "PENDING_UPLOAD");
    tus_body(&account, Method::PATCH, &url, &[("upload-offset", "0"), OCTETS], media(3_000, 51)).expect(204);

    let asset = account.api.get(&format!("/api/v1/assets/{id}")).expect(200).json();
    assert_eq!((asset["state"].as_str(), asset["type"].as_str()), (Some("READY"), Some("AUDIO")));
    assert!(asset["download_url"].as_str().is_some_and(|u| u.contains("/v1/files/")));
    assert_eq!(account.api.get("/api/v1/assets?state=READY").expect(200).json()["total"], 1);
    account.api.get("/api/v1/assets?state=ready").expect_error(400, "bad_request");

    account.api.delete(&format!("/api/v1/assets/{id}")).expect(204);
    let deleted = account.api.get(&format!("/api/v1/assets/{id}")).expect(200).json();
    assert_eq!(deleted["state"], "DELETED");
    assert_eq!(account.api.get("/api/v1/assets?state=DELETED").expect(200).json()["total"], 1);
    assert_eq!(account.api.get("/api/v1/assets").expect(200).json()["total"], 0);
    account.api.get(&format!("/v1/assets/{id}")).expect_error(404, "not_found");
    assert_eq!(account.api.get("/v1/assets?state=deleted").expect(200).json()["total"], 0);
    stack.new_account("seed-stranger").api.get(&format!("/api/v1/assets/{id}")).expect_error(404, "not_found");
}

fn audio_proxy(stack: &Stack) {
    let (account, project) = funded(stack, "audio-proxy");
    let video = account
        .api
        .post("/v1/assets", &json!({ "project_id": project, "size_bytes": 50_000, "filename": "talk.mp4" }))
        .expect(201);
    let video_upload = video.header("location").expect("Location").to_owned();
    let id = video.json()["id"].as_str().expect("id").to_owned();
    let reply = account.api.post(&format!("/v1/assets/{id}/audio-proxy"), &json!({ "size_bytes": 3_000 })).expect(201);
    let proxy_url = reply.header("location").expect("Location").to_owned();
    assert_eq!(reply.json()["upload_url"].as_str(), Some(proxy_url.as_str()));
    assert_ne!(proxy_url, video_upload);
    account
        .api
        .post(&format!("/v1/assets/{id}/audio-proxy"), &json!({ "size_bytes": 3_000 }))
        .expect_error(409, "conflict");
    let audio = account
        .api
        .post("/v1/assets", &json!({ "project_id": project, "size_bytes": 5_000, "filename": "a.wav" }))
        .expect(201)
        .json();
    let audio_id = audio["id"].as_str().expect("id");
    account
        .api
        .post(&format!("/v1/assets/{audio_id}/audio-proxy"), &json!({ "size_bytes": 3_000 }))
        .expect_error(409, "conflict");
    account.api.post("/v1/assets/ast_nope/audio-proxy", &json!({ "size_bytes": 3_000 })).expect_error(404, "not_found");

    // bytes that are no audio are refused, and a refused proxy may be sent again
    let html = b"<!doctype html><html><head><title>not audio</title></head><body>x</body></html>".repeat(2);
    tus_body(&account, Method::PATCH, &proxy_url, &[("upload-offset", "0"), OCTETS], html)
        .expect_error(415, "unsupported_media_type");
    assert_eq!(account.api.get(&format!("/v1/assets/{id}")).expect(200).json()["state"], "pending_upload");
    let again = account.api.post(&format!("/v1/assets/{id}/audio-proxy"), &json!({ "size_bytes": 3_000 })).expect(201);
    let proxy_url = again.header("location").expect("Location").to_owned();

    tus_body(&account, Method::PATCH, &proxy_url, &[("upload-offset", "0"), OCTETS], media(3_000, 61)).expect(204);
    let asset = account.api.get(&format!("/v1/assets/{id}")).expect(200).json();
    assert_eq!(asset["state"], "pending_upload", "the video goes on uploading");
    assert_eq!(asset["upload_url"].as_str(), Some(video_upload.as_str()));
    assert_eq!(tus(&account, Method::HEAD, &video_upload, &[]).expect(200).header("upload-offset"), Some("0"));
    // the completed proxy is charged for its duration: another would replace it for free
    account
        .api
        .post(&format!("/v1/assets/{id}/audio-proxy"), &json!({ "size_bytes": 3_000 }))
        .expect_error(409, "conflict");
}
