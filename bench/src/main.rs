//! `relay-bench`: runs the release relay (with its in-process sandbox) as a child process and
//! measures, from this process:
//! - memory per idle SSE subscriber: the relay's RSS growth from N open streams, divided by N
//!   (each stream on its own interaction, created beforehand so that only the streams count);
//! - webhook-to-event latency: webhooks POSTed at a fixed rate, each an agent message carrying its
//!   send time; every subscriber notes when its event arrives.
//!
//! Not a test: a report for BENCHMARKS.md (`scripts/bench.sh`). Everything runs on loopback, with
//! bounded counts and time. Load generator and relay share the machine's cores.

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::Parser;
use futures_util::StreamExt;
use serde_json::{json, Value};
use tokio::process::Command;

#[derive(Parser)]
struct Args {
    /// The relay binary (a release build).
    #[arg(long, default_value = "target/release/zchat-relay")]
    relay: PathBuf,
    /// Subscriber counts to measure memory at, in order.
    #[arg(long, value_delimiter = ',', default_value = "1000,10000")]
    subscribers: Vec<usize>,
    /// Webhooks per second in the latency run (at the largest subscriber count).
    #[arg(long, default_value_t = 2000)]
    rate: u64,
    /// Seconds of the latency run.
    #[arg(long, default_value_t = 5)]
    seconds: u64,
}

const SECRET: &str = "bench-secret";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|value| value.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// Waits until RSS stops moving (allocator settling), then reads it.
async fn settled_rss(pid: u32) -> u64 {
    let mut last = rss_kib(pid);
    for _ in 0..20 {
        tokio::time::sleep(Duration::from_millis(250)).await;
        let now = rss_kib(pid);
        if now.abs_diff(last) < 64 {
            return now;
        }
        last = now;
    }
    last
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index] as f64 / 1000.0
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let total = *args.subscribers.iter().max().expect("a subscriber count");
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut relay = Command::new(&args.relay)
        .env("RELAY_LISTEN", format!("127.0.0.1:{port}"))
        .env("RELAY_SANDBOX_LISTEN", format!("127.0.0.1:{}", free_port()))
        .env("ZCHAT_WEBHOOK_SECRET", SECRET)
        .env("RELAY_CREATES_PER_MINUTE", "100000000")
        .env("RELAY_MAX_INTERACTIONS", (total * 2).to_string())
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e} (build it: cargo build --release -p zchat-relay)", args.relay.display()));
    let pid = relay.id().expect("a pid");
    let http = reqwest::Client::builder().pool_max_idle_per_host(64).build().unwrap();
    let started = Instant::now();
    while http.get(format!("{base}/healthz")).send().await.is_err() {
        assert!(started.elapsed() < Duration::from_secs(30), "the relay did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // Interactions first, so that the memory measured after is the streams' alone.
    let mut sessions = Vec::with_capacity(total);
    for chunk in (0..total).collect::<Vec<_>>().chunks(200) {
        let created = futures_util::future::join_all(chunk.iter().map(|_| {
            http.post(format!("{base}/core/api/v1/interactions")).json(&json!({"department_id": 1})).send()
        }))
        .await;
        for answer in created {
            let body: Value = answer.unwrap().json().await.unwrap();
            sessions.push((body["data"]["interaction_hash"].as_str().unwrap().to_string(), body["data"]["session"].as_str().unwrap().to_string()));
        }
    }
    let base_rss = settled_rss(pid).await;
    println!("relay: {} interactions created, RSS {:.1} MiB", total, base_rss as f64 / 1024.0);

    let clock = Instant::now();
    let latencies: Arc<Mutex<Vec<u64>>> = Arc::default();
    let connected = Arc::new(AtomicU64::new(0));
    let stream_client = reqwest::Client::builder().pool_max_idle_per_host(0).build().unwrap();
    let mut opened = 0;
    for &count in &args.subscribers {
        for (hash, session) in &sessions[opened..count] {
            let url = format!("{base}/core/api/v1/interactions/{hash}/events?token={session}");
            let (client, latencies, connected) = (stream_client.clone(), Arc::clone(&latencies), Arc::clone(&connected));
            tokio::spawn(async move {
                let answer = client.get(url).send().await.expect("a stream");
                connected.fetch_add(1, Ordering::Relaxed);
                let mut body = answer.bytes_stream();
                let mut buffer = String::new();
                while let Some(Ok(chunk)) = body.next().await {
                    buffer.push_str(&String::from_utf8_lossy(&chunk));
                    while let Some(end) = buffer.find('\n') {
                        let line: String = buffer.drain(..=end).collect();
                        // Agent messages carry "sent:<micros since the bench's clock>".
                        if let Some(at) = line.split("sent:").nth(1).and_then(|rest| rest.split('"').next()?.parse::<u64>().ok()) {
                            let now = clock.elapsed().as_micros() as u64;
                            latencies.lock().unwrap().push(now.saturating_sub(at));
                        }
                    }
                }
            });
        }
        while connected.load(Ordering::Relaxed) < count as u64 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        opened = count;
        let rss = settled_rss(pid).await;
        let per = (rss.saturating_sub(base_rss)) as f64 * 1024.0 / count as f64;
        println!("{count:>6} idle SSE subscribers: relay RSS {:.1} MiB, {per:.0} bytes per subscriber", rss as f64 / 1024.0);
    }

    // Latency: agent-message webhooks at a fixed rate, round-robin over the interactions.
    let sent_total = args.rate * args.seconds;
    let webhook_url = format!("{base}/webhooks/zchat/{SECRET}");
    let hook_client = reqwest::Client::builder().pool_max_idle_per_host(256).build().unwrap();
    let mut ticker = tokio::time::interval(Duration::from_micros(1_000_000 / args.rate));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let send_started = Instant::now();
    let mut posts = Vec::with_capacity(sent_total as usize);
    for n in 0..sent_total {
        ticker.tick().await;
        let (hash, _) = &sessions[n as usize % opened];
        let sent = clock.elapsed().as_micros() as u64;
        let body = json!({
            "interaction_hash": hash,
            "message": {"hash": format!("bench-{n}"), "content": format!("sent:{sent}"), "type": "text"},
            "agent": {"id": 1, "name": "Bench"},
            "extra": {}
        });
        posts.push(tokio::spawn(hook_client.post(&webhook_url).json(&body).send()));
    }
    let offered = sent_total as f64 / send_started.elapsed().as_secs_f64();
    let mut failed = 0;
    for post in posts {
        if !post.await.map(|r| r.map(|a| a.status().is_success()).unwrap_or(false)).unwrap_or(false) {
            failed += 1;
        }
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while (latencies.lock().unwrap().len() as u64) < sent_total && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut sorted = latencies.lock().unwrap().clone();
    sorted.sort_unstable();
    println!(
        "latency at {opened} subscribers, {} webhooks offered at {offered:.0}/s ({failed} failed): {} events received; webhook-to-event p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        sent_total,
        sorted.len(),
        percentile(&sorted, 0.50),
        percentile(&sorted, 0.99),
        percentile(&sorted, 1.0),
    );
    let _ = relay.kill().await;
}
