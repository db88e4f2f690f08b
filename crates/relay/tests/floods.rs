//! Memory stays flat under floods, measured from the relay process itself (its resident set in
//! `/proc`), on both logs: unauthenticated requests with unchecked paths and fresh
//! `Idempotency-Key`s, forged stream opens, webhooks for interactions nobody opened, big triggers
//! for one conversation and for many. Each flood pushes two to four times its bound through: without
//! the relay's byte budgets the bounds fail.
//! Also here, as the allocator's settings are what these bounds measure: the relay starts itself
//! again with glibc's larger thread cache, and keeps an operator's setting.

#[path = "it/support.rs"]
#[allow(dead_code)]
mod support;

use std::process::Stdio;

use futures_util::stream::{self, StreamExt};
use serde_json::json;
use tokio::process::Command;
use zchat_testkit::RelayProcess;

use support::Redis;

const WEBHOOK_SECRET: &str = "floods-webhook-secret";
const SESSION_SECRET: &str = "floods-session-secret-32-bytes-long!";
/// Requests in flight at once.
const CONCURRENCY: usize = 16;
/// What the resident set may grow by over all floods together (their bytes: about 300 MB).
const BOUND: u64 = 48 * 1024 * 1024;
/// What it may grow by in any one flood (each pushes 4 to 100 MB through; the largest budget one
/// fills, the log's, is 16 MiB here).
const FLOOD_BOUND: u64 = 24 * 1024 * 1024;

struct Relay {
    process: RelayProcess,
    url: String,
    /// Where its floods of uploads land, removed with it.
    _uploads: tempfile::TempDir,
}

impl Relay {
    async fn start(redis: Option<&str>) -> Relay {
        Relay::start_with(redis, &[], &[]).await
    }

    /// With `flags`, and `env` (a `None` value removes the variable).
    async fn start_with(redis: Option<&str>, flags: &[&str], env: &[(&str, Option<&str>)]) -> Relay {
        let uploads = tempfile::Builder::new().prefix("zchat-floods-uploads-").tempdir().expect("a folder for uploads");
        let mut command = Command::new(env!("CARGO_BIN_EXE_zchat-relay"));
        command
            .args(["--listen", "127.0.0.1:0", "--sandbox-listen", "127.0.0.1:0", "--demo-page", "false", "--metrics-listen", "off"])
            .args(["--webhook-secret", WEBHOOK_SECRET, "--session-secret", SESSION_SECRET, "--widget-dir", "/nonexistent"])
            .args(["--requests-per-minute", "100000000", "--creates-per-minute", "100000000", "--interaction-requests-per-minute", "100000000"])
            .args(["--max-log-bytes", &(16 * 1024 * 1024).to_string()])
            .arg("--upload-dir")
            .arg(uploads.path())
            .args(flags)
            .env("RUST_LOG", "error")
            .stderr(Stdio::null());
        if let Some(url) = redis {
            command.args(["--redis-url", url]);
        }
        for (name, value) in env {
            match value {
                Some(value) => command.env(name, value),
                None => command.env_remove(name),
            };
        }
        // It says where it listens once it does (it was asked for port 0).
        let process = RelayProcess::start(command).await;
        Relay { url: process.relay.clone(), process, _uploads: uploads }
    }

    /// The environment the relay's process image was started with, as the kernel laid it out
    /// (glibc may cut `GLIBC_TUNABLES` in it with NULs where it parsed it: read as text, NULs and all).
    fn environ(&self) -> String {
        String::from_utf8_lossy(&std::fs::read(format!("/proc/{}/environ", self.process.pid())).unwrap()).into_owned()
    }

    /// The relay's resident set, in bytes.
    fn rss(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.process.pid())).unwrap();
        let kb: u64 = status.lines().find_map(|l| l.strip_prefix("VmRSS:")).unwrap().trim().trim_end_matches(" kB").trim().parse().unwrap();
        kb * 1024
    }
}

/// Sends `count` requests made by `request`, `CONCURRENCY` at a time; every answer's status must
/// be one of `expected`.
async fn flood(count: usize, expected: &[u16], request: impl Fn(usize) -> reqwest::RequestBuilder) {
    let statuses: Vec<u16> = stream::iter((0..count).map(|n| request(n).send()))
        .buffer_unordered(CONCURRENCY)
        .map(|answer| answer.map(|a| a.status().as_u16()).unwrap_or(0))
        .collect()
        .await;
    for status in statuses {
        assert!(expected.contains(&status), "answered {status}, expected one of {expected:?}");
    }
}

async fn floods_leave_memory_flat(redis: Option<&str>) {
    let relay = Relay::start(redis).await;
    let http = reqwest::Client::builder().pool_max_idle_per_host(CONCURRENCY).build().unwrap();
    let url = |path: &str| format!("{}{path}", relay.url);
    let webhook = url(&format!("/webhooks/zchat/{WEBHOOK_SECRET}"));
    let pad = "x".repeat(60 * 1024);
    let long_hash = "a".repeat(60_000);
    let create = || http.post(url("/core/api/v1/interactions")).json(&json!({"department_id": 1})).send();
    let mut hashes = Vec::new();
    for _ in 0..50 {
        let created: serde_json::Value = create().await.unwrap().json().await.unwrap();
        hashes.push(created["data"]["interaction_hash"].as_str().unwrap().to_string());
    }
    let big_message = |hash: &str, n: usize| {
        json!({"interaction_hash": hash, "message": {"hash": format!("m{n}"), "content": &pad[..50 * 1024], "type": "text"},
               "agent": {"id": 1, "name": "A"}, "extra": {}})
    };
    // Warm up every path once, so that the allocator's arenas and the maps are there already.
    flood(200, &[404], |n| {
        http.post(url(&format!("/core/api/v1/interactions/{long_hash}/messages")))
            .header("Idempotency-Key", format!("w{n}"))
            .json(&json!({"token": "x", "content": "hi"}))
    })
    .await;
    flood(200, &[200], |n| http.post(&webhook).json(&json!({"interaction_hash": format!("warm-{n}"), "state": "typing", "pad": &pad}))).await;
    flood(200, &[200], |n| http.post(&webhook).json(&big_message(&hashes[n % hashes.len()], 1_000_000 + n))).await;
    let before = relay.rss();
    let mut figures = vec![("warm", before)];

    // 1,000 × 60 KB paths, each with a new key: refused before any key is kept.
    flood(1_000, &[404], |n| {
        http.post(url(&format!("/core/api/v1/interactions/{long_hash}/messages")))
            .header("Idempotency-Key", format!("k{n}"))
            .json(&json!({"token": "x", "content": "hi"}))
    })
    .await;
    figures.push(("unchecked paths with new keys (60 MB)", relay.rss()));
    // 1,000 forged stream opens with long resume ids.
    flood(1_000, &[401], |n| {
        http.get(url(&format!("/core/api/v1/interactions/{}/events", hashes[n % hashes.len()])))
            .query(&[("token", format!("forged.{n}")), ("last_event_id", "9".repeat(4_000))])
    })
    .await;
    figures.push(("forged stream opens (4 MB)", relay.rss()));
    // 1,500 × 60 KB triggers for interactions nobody opened: held up to the held-bytes budget.
    flood(1_500, &[200], |n| http.post(&webhook).json(&json!({"interaction_hash": format!("unknown-{n}"), "state": "typing", "pad": &pad}))).await;
    figures.push(("triggers for unknown interactions (90 MB)", relay.rss()));
    // 1,000 × 50 KB agent messages on one conversation: its byte budget keeps the newest.
    flood(1_000, &[200], |n| http.post(&webhook).json(&big_message(&hashes[0], n))).await;
    figures.push(("big messages on one conversation (50 MB)", relay.rss()));
    // 2,000 × 50 KB agent messages over 50 conversations: the total budget (16 MB here).
    flood(2_000, &[200], |n| http.post(&webhook).json(&big_message(&hashes[n % hashes.len()], 10_000 + n))).await;
    figures.push(("big messages on 50 conversations (100 MB)", relay.rss()));

    let log = if redis.is_some() { "Redis" } else { "memory" };
    for (what, rss) in &figures {
        eprintln!("floods ({log} log): after {what}: RSS {:.1} MiB", *rss as f64 / 1048576.0);
    }
    for pair in figures.windows(2) {
        let ((_, earlier), (what, later)) = (&pair[0], &pair[1]);
        assert!(
            later.saturating_sub(*earlier) < FLOOD_BOUND,
            "the relay grew by {:.1} MiB under {what} ({log} log): {figures:?}",
            (later - earlier) as f64 / 1048576.0
        );
    }
    let after = relay.rss();
    assert!(
        after.saturating_sub(before) < BOUND,
        "the relay grew by {:.1} MiB under floods ({log} log): {figures:?}",
        (after - before) as f64 / 1048576.0
    );
    // Still serving.
    let health = http.get(url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    drop(relay);
}

#[tokio::test]
async fn memory_stays_flat_under_floods_with_the_memory_log() {
    floods_leave_memory_flat(None).await;
}

#[tokio::test]
async fn memory_stays_flat_under_floods_with_the_redis_log() {
    let mut redis = Redis::start().await;
    floods_leave_memory_flat(Some(&redis.url())).await;
    redis.stop().await;
    let _ = std::fs::remove_dir_all(&redis.dir);
}

/// The relay starts itself again with glibc's larger thread cache (`allocator.rs`), in the same
/// process, and still says where it listens and answers; an operator's own cache setting is kept,
/// and their other tunables stay.
#[tokio::test]
async fn the_relay_runs_with_its_allocator_tuning_and_keeps_an_operators() {
    // (what the operator set, what the relay's image must have been started with, what not)
    type Case<'a> = (&'a [(&'a str, Option<&'a str>)], &'a [&'a str], &'a [&'a str]);
    let cases: [Case; 4] = [
        (&[("GLIBC_TUNABLES", None)], &["GLIBC_TUNABLES=glibc.malloc.tcache_count=128", "RELAY_ALLOCATOR_TUNED=1"], &[]),
        (&[("GLIBC_TUNABLES", Some("glibc.malloc.arena_max=2"))], &["GLIBC_TUNABLES=glibc.malloc.arena_max=2", "glibc.malloc.tcache_count=128"], &[]),
        (
            &[("GLIBC_TUNABLES", Some("glibc.malloc.tcache_count=7"))],
            &["GLIBC_TUNABLES=glibc.malloc.tcache_count=7"],
            &["tcache_count=128", "RELAY_ALLOCATOR_TUNED"],
        ),
        // Restarted already (however its GLIBC_TUNABLES reads now): never again.
        (&[("GLIBC_TUNABLES", None), ("RELAY_ALLOCATOR_TUNED", Some("1"))], &["RELAY_ALLOCATOR_TUNED=1"], &["GLIBC_TUNABLES"]),
    ];
    for (operator, present, absent) in cases {
        let relay = Relay::start_with(None, &[], operator).await;
        let environ = relay.environ();
        for text in present {
            assert!(environ.contains(text), "started with {operator:?}, {text:?} missing from {environ:?}");
        }
        for text in absent {
            assert!(!environ.contains(text), "started with {operator:?}, {text:?} in {environ:?}");
        }
        let answer = reqwest::get(format!("{}/core/api/v1/interactions/x/typing", relay.url)).await.unwrap();
        assert_eq!(answer.status(), 405, "the restarted relay answers");
    }
}

/// Uploads: a 1 GiB body is refused before it is read (declared, and chunked without a length),
/// and 20 uploads of 10 MiB at once (half of them images, read whole to remove their metadata)
/// stay within a bound: files are spooled to disk as they arrive and at most four are in memory.
#[tokio::test]
async fn uploads_leave_memory_flat() {
    const MIB: usize = 1024 * 1024;
    let relay = Relay::start_with(None, &["--upload-quota-bytes", &(1024 * MIB).to_string()], &[]).await;
    let http = reqwest::Client::new();
    let created: serde_json::Value =
        http.post(format!("{}/core/api/v1/interactions", relay.url)).json(&json!({"department_id": 1})).send().await.unwrap().json().await.unwrap();
    let hash = created["data"]["interaction_hash"].as_str().unwrap().to_string();
    let session = created["data"]["session"].as_str().unwrap().to_string();
    let url = format!("{}/core/api/v1/interactions/{hash}/uploads", relay.url);
    let zeros = |total: usize| {
        let chunk = bytes::Bytes::from(vec![0u8; 64 * 1024]);
        reqwest::Body::wrap_stream(stream::iter((0..total / chunk.len()).map(move |_| Ok::<_, std::io::Error>(chunk.clone()))))
    };
    // Warm: one of each path.
    let text = bytes::Bytes::from(vec![b'a'; 10 * MIB]);
    let image = {
        let mut jpeg = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00".to_vec();
        jpeg.resize(10 * MIB - 2, 0x11);
        jpeg.extend_from_slice(b"\xff\xd9");
        bytes::Bytes::from(jpeg)
    };
    let send = |name: &'static str, body: bytes::Bytes| http.post(&url).query(&[("token", &session)]).header("X-File-Name", name).body(body).send();
    assert_eq!(send("warm.txt", text.clone()).await.unwrap().status(), 200);
    assert_eq!(send("warm.jpg", image.clone()).await.unwrap().status(), 200);
    let before = relay.rss();

    // A gigabyte declared: refused at once, unread.
    let started = std::time::Instant::now();
    let answer =
        http.post(&url).query(&[("token", &session)]).header("Content-Length", (1024 * MIB).to_string()).body(zeros(1024 * MIB)).send().await;
    if let Ok(answer) = answer {
        assert_eq!(answer.status(), 413);
    }
    assert!(started.elapsed() < std::time::Duration::from_secs(5), "refused without reading 1 GiB: {:?}", started.elapsed());
    // And without a length: refused as well.
    let answer = http.post(&url).query(&[("token", &session)]).body(zeros(1024 * MIB)).send().await;
    if let Ok(answer) = answer {
        assert_eq!(answer.status(), 411);
    }
    let after_refusals = relay.rss();

    // Twenty at once, their peak sampled while they run.
    let started = std::time::Instant::now();
    let uploads = stream::iter((0..20).map(|n| if n % 2 == 0 { send("load.txt", text.clone()) } else { send("load.jpg", image.clone()) }))
        .buffer_unordered(20)
        .map(|answer| answer.map(|a| a.status().as_u16()).unwrap_or(0))
        .collect::<Vec<u16>>();
    tokio::pin!(uploads);
    let mut peak = before;
    let statuses = loop {
        tokio::select! {
            statuses = &mut uploads => break statuses,
            _ = tokio::time::sleep(std::time::Duration::from_millis(20)) => peak = peak.max(relay.rss()),
        }
    };
    let took = started.elapsed();
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    let after = relay.rss();
    let mib = |b: u64| b as f64 / MIB as f64;
    eprintln!(
        "uploads: RSS {:.1} MiB warm, {:.1} after refusing 2 × 1 GiB, peak {:.1} during 20 × 10 MiB at once ({:.0} MB/s), {:.1} after",
        mib(before),
        mib(after_refusals),
        mib(peak),
        200.0 * MIB as f64 / 1e6 / took.as_secs_f64(),
        mib(after)
    );
    assert!(after_refusals.saturating_sub(before) < 8 * MIB as u64, "refusing 1 GiB grew the relay by {:.1} MiB", mib(after_refusals - before));
    assert!(peak.saturating_sub(before) < 96 * MIB as u64, "20 uploads of 10 MiB grew the relay by {:.1} MiB", mib(peak - before));
}

/// Idle event streams open at once for this test.
const IDLE_STREAMS: usize = 2_000;
/// What one idle stream may cost the relay's resident set: the forked hyper's purpose
/// (patches/hyper-1.12.0.md). With the published hyper, a connection waiting mid-stream holds
/// about 16 KiB of buffers more.
const IDLE_STREAM_BOUND: u64 = 8 * 1024;

/// Opens the event stream of a conversation the relay never saw (its credential made with the
/// relay's secret) on a connection of its own, and reads the stream's first bytes: it is open.
async fn idle_stream(address: &str, n: usize) -> tokio::net::TcpStream {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let hash = format!("idle-{n:05}");
    let token = zchat_relay::Sessions::new(SESSION_SECRET).issue(&hash);
    let mut connection = tokio::net::TcpStream::connect(address).await.expect("a connection");
    let request = format!("GET /core/api/v1/interactions/{hash}/events?token={token} HTTP/1.1\r\nHost: {address}\r\n\r\n");
    connection.write_all(request.as_bytes()).await.unwrap();
    let mut head = [0u8; 64];
    let read = tokio::time::timeout(support::DEADLINE, connection.read(&mut head)).await.expect("the stream answers").unwrap();
    assert!(head[..read].starts_with(b"HTTP/1.1 200"), "{}", String::from_utf8_lossy(&head[..read]));
    connection
}

/// The guard of the hyper fork: idle streams, each a connection that waits mid-response for as
/// long as a visitor keeps the page, cost a few kilobytes each (memory measured from `/proc`).
#[tokio::test]
async fn idle_streams_hold_a_few_kilobytes_each() {
    let per_address = IDLE_STREAMS.to_string();
    let flags = ["--streams-per-address", &per_address, "--connections-per-address", &per_address, "--heartbeat-seconds", "3600"];
    let relay = Relay::start_with(None, &flags, &[]).await;
    let address = relay.url.trim_start_matches("http://").to_string();
    // The allocator's and the runtime's first growth is not the streams': warm up, then measure.
    let warm: Vec<_> = stream::iter(0..200).map(|n| idle_stream(&address, 100_000 + n)).buffer_unordered(CONCURRENCY).collect().await;
    drop(warm);
    let before = relay.rss();
    let open: Vec<_> = stream::iter(0..IDLE_STREAMS).map(|n| idle_stream(&address, n)).buffer_unordered(CONCURRENCY).collect().await;
    let per_stream = relay.rss().saturating_sub(before) / IDLE_STREAMS as u64;
    eprintln!("{IDLE_STREAMS} idle streams: {per_stream} B of the relay's resident set each");
    assert!(per_stream <= IDLE_STREAM_BOUND, "an idle stream costs {per_stream} B (at most {IDLE_STREAM_BOUND}): patches/hyper-1.12.0.md");
    drop(open);
}
