//! `relay-bench`: the relay and a peer under the same load, side by side. Each target runs as its
//! own process(es) on loopback, started here:
//! - `memory`: the release relay with its in-process sandbox, event log in memory (the default);
//! - `redis`: the same relay with `REDIS_URL` (a `redis-server` of the bench's own);
//! - `redis-replicated`: the same, its Redis with a replica, `RELAY_REDIS_MIN_REPLICAS=1` (each
//!   call of the log waits for the replica: `WAIT`, what a Sentinel deployment pays);
//! - `nchan`: Debian's nginx with `libnginx-mod-nchan`, SSE subscribers and HTTP publishing;
//! - `nchan-redis`: the same nchan keeping its messages in a Redis of its own (the Redis log's peer).
//!
//! For each target, from this process:
//! - memory per idle SSE subscriber: the server's RSS growth from N open streams, divided by N
//!   (each stream on its own interaction / channel, created beforehand so that only streams count);
//! - publish-to-event latency at the largest N: events published at fixed rates (a webhook to the
//!   relay, a POST to nchan's publisher), each carrying its send time; every subscriber notes when
//!   it arrives; p50 / p99 / max, and losses (events that never arrived, failed publishes); with
//!   the Redis log, also its calls to Redis in that run (p50 / p99, from `relay_redis_call_seconds`);
//! - the highest rate with no loss, trying rising rates until one loses events.
//!
//! Not a test: a report for BENCHMARKS.md (`scripts/bench.sh`). Load generator and servers share
//! the machine's cores.

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::Parser;
use futures_util::StreamExt;
use serde_json::{json, Value};
use tokio::process::{Child, Command};
use zchat_testkit::until;

#[derive(Parser)]
struct Args {
    /// The relay binary (a release build).
    #[arg(long, default_value = "target/release/zchat-relay")]
    relay: PathBuf,
    /// What to measure, in order: memory, redis, redis-replicated, nchan, nchan-redis.
    #[arg(long, value_delimiter = ',', default_value = "memory,redis,nchan,nchan-redis")]
    targets: Vec<String>,
    /// Subscriber counts to measure memory at, in order.
    #[arg(long, value_delimiter = ',', default_value = "1000,10000")]
    subscribers: Vec<usize>,
    /// Events per second of the latency runs (at the largest subscriber count).
    #[arg(long, value_delimiter = ',', default_value = "500,2000,5000")]
    rates: Vec<u64>,
    /// Rates tried for the highest with no loss, after the latency runs.
    #[arg(long, value_delimiter = ',', default_value = "7500,10000,15000,20000")]
    ceiling_rates: Vec<u64>,
    /// Seconds of each latency run.
    #[arg(long, default_value_t = 5)]
    seconds: u64,
}

const SECRET: &str = "bench-webhook-secret";

/// Publishes in flight at once, as a webhook sender has a bounded pool of connections: beyond it
/// an event waits in the publisher (its latency counting from when it was due). Unbounded, a
/// server that fell behind drew a new connection for every event until both sides ran out of
/// descriptors, and the losses measured the descriptor limit, not the server.
const IN_FLIGHT: usize = 256;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// The process's proportional set size (its share of pages it shares with others, such as
/// nginx's workers and their shared memory zone), in KiB.
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).unwrap_or_default();
    status.lines().find_map(|line| line.strip_prefix("Pss:")).and_then(|value| value.split_whitespace().next()?.parse().ok()).unwrap_or(0)
}

/// The memory (PSS) of `pids` together, once it stops moving (allocator settling).
async fn settled_rss(pids: &[u32]) -> u64 {
    let total = || pids.iter().map(|pid| rss_kib(*pid)).sum::<u64>();
    let mut last = total();
    for _ in 0..20 {
        tokio::time::sleep(Duration::from_millis(250)).await;
        let now = total();
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

/// The relay's `relay_redis_call_seconds` buckets (upper bound, calls so far), if it has them.
async fn call_buckets(http: &reqwest::Client, url: Option<&str>) -> Option<Vec<(f64, u64)>> {
    let text = http.get(url?).send().await.ok()?.text().await.ok()?;
    let buckets: Vec<(f64, u64)> = text
        .lines()
        .filter_map(|line| line.strip_prefix("relay_redis_call_seconds_bucket{le=\""))
        .filter_map(|rest| {
            let (le, count) = rest.split_once("\"} ")?;
            Some((if le == "+Inf" { f64::INFINITY } else { le.parse().ok()? }, count.trim().parse().ok()?))
        })
        .collect();
    (!buckets.is_empty()).then_some(buckets)
}

/// The upper bound of the bucket the `q` quantile falls in (cumulative counts, as Prometheus's).
fn bucket_quantile(buckets: &[(f64, u64)], q: f64) -> f64 {
    let total = buckets.last().map_or(0, |&(_, n)| n);
    let rank = (total as f64 * q).ceil() as u64;
    buckets.iter().find(|&&(_, n)| n >= rank.max(1)).map_or(f64::NAN, |&(le, _)| le)
}

async fn wait_until_up(http: &reqwest::Client, url: &str) {
    until(&format!("{url} to answer"), || async { http.get(url).send().await.ok() }).await;
}

/// One server under test: where to subscribe and publish, and whose memory counts.
/// Publishes the `n`th event, carrying `sent`, to subscriber `at`.
type Publish = Box<dyn Fn(&reqwest::Client, usize, u64, u64) -> reqwest::RequestBuilder + Send + Sync>;

struct Target {
    name: String,
    /// The processes whose RSS is the server's memory.
    pids: Vec<u32>,
    /// One stream URL per subscriber.
    streams: Vec<String>,
    /// Publishing the `n`th event, carrying `sent` (µs on the bench's clock), to subscriber `at`.
    publish: Publish,
    /// The relay's `/metrics` (with the Redis log): how long its calls to Redis took.
    metrics: Option<String>,
    /// Stops nginx the way it stops (its master ends its workers) before the processes are killed.
    _stop: Option<StopNginx>,
    _processes: Vec<Child>,
    /// Its files (Redis's folder, nginx's prefix), removed after its processes (fields drop in order).
    _dirs: Vec<Scratch>,
}

/// A folder of the bench's, removed when dropped: run on its own (not under `scripts/bench.sh`'s
/// scratch folder), `relay-bench` leaves nothing behind but the relay's log.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Stops an nginx when dropped, workers included: its master is asked to stop (SIGTERM: it ends
/// its workers, then itself), and the drop waits until the workers are gone, killing any that
/// outlive 10 s. Killing the master alone (as `kill_on_drop` does, after this) would leave its
/// workers running, orphaned: `nginx -s stop` returns at once, before they are gone.
struct StopNginx {
    master: u32,
    workers: Vec<u32>,
}

/// Whether process `pid` still runs (a zombie has ended: it only waits for its parent).
fn running(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .is_ok_and(|stat| stat.rsplit_once(") ").and_then(|(_, rest)| rest.chars().next()).is_some_and(|state| state != 'Z'))
}

fn signal(signal: &str, pid: u32) {
    let _ = std::process::Command::new("kill").args([signal, &pid.to_string()]).stderr(Stdio::null()).status();
}

impl Drop for StopNginx {
    fn drop(&mut self) {
        signal("-TERM", self.master);
        let started = Instant::now();
        while self.workers.iter().any(|&pid| running(pid)) && started.elapsed() < Duration::from_secs(10) {
            std::thread::sleep(Duration::from_millis(50));
        }
        for &pid in self.workers.iter().filter(|&&pid| running(pid)) {
            eprintln!("nginx worker {pid} outlived its master's stop: killed");
            signal("-KILL", pid);
        }
    }
}

/// A `redis-server` of the bench's own (no persistence), or a replica of the one on `primary`:
/// the process, its URL and its folder.
async fn redis_server(primary: Option<&str>) -> (Child, String, Scratch) {
    let port = free_port();
    let data = std::env::temp_dir().join(format!("zchat-bench-redis-{port}"));
    std::fs::create_dir_all(&data).unwrap();
    let mut server = Command::new("redis-server");
    server
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--repl-diskless-sync-delay", "0", "--dir"])
        .arg(&data);
    if let Some(primary) = primary {
        let address = primary.trim_start_matches("redis://");
        let (host, primary_port) = address.split_once(':').expect("host:port");
        server.args(["--replicaof", host, primary_port]);
    }
    let server = server.stdout(Stdio::null()).kill_on_drop(true).spawn().expect("redis-server (scripts/setup.sh installs it)");
    until("redis-server to listen", || async { tokio::net::TcpStream::connect(("127.0.0.1", port)).await.ok() }).await;
    (server, format!("redis://127.0.0.1:{port}"), Scratch(data))
}

/// Where the relay keeps its log.
#[derive(Clone, Copy, PartialEq)]
enum Log {
    Memory,
    Redis,
    /// Redis with a replica that each call waits for.
    Replicated,
}

async fn relay(args: &Args, total: usize, log: Log) -> Target {
    let redis = log != Log::Memory;
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut processes = Vec::new();
    let mut command = Command::new(&args.relay);
    let sandbox = format!("http://127.0.0.1:{}", free_port());
    command
        .env("RELAY_LISTEN", format!("127.0.0.1:{port}"))
        .env("RELAY_SANDBOX_LISTEN", sandbox.trim_start_matches("http://"))
        .env("RELAY_DEMO_PAGE", "false")
        .env("ZCHAT_WEBHOOK_SECRET", SECRET)
        .env("RELAY_CREATES_PER_MINUTE", "100000000")
        // One load generator on one address plays every visitor: lift the per-address limits.
        .env("RELAY_REQUESTS_PER_MINUTE", "100000000")
        .env("RELAY_INTERACTION_REQUESTS_PER_MINUTE", "100000000")
        .env("RELAY_CONNECTIONS_PER_ADDRESS", "1000000")
        .env("RELAY_STREAMS_PER_ADDRESS", "1000000")
        // No metrics listener but with Redis (below).
        .env("RELAY_METRICS_LISTEN", "off")
        .env("RELAY_MAX_INTERACTIONS", (total * 2).to_string())
        .env("RUST_LOG", "warn")
        // Its warnings, for when a figure looks wrong.
        .stdout(std::fs::File::create(std::env::temp_dir().join(format!("zchat-bench-relay-{port}.log"))).unwrap())
        .kill_on_drop(true);
    let mut dirs = Vec::new();
    let mut metrics = None;
    if redis {
        // Its calls to Redis timed (`relay_redis_call_seconds`): what Redis adds to an event.
        let metrics_port = free_port();
        command.env("RELAY_METRICS_LISTEN", format!("127.0.0.1:{metrics_port}"));
        metrics = Some(format!("http://127.0.0.1:{metrics_port}/metrics"));
        let (server, url, data) = redis_server(None).await;
        processes.push(server);
        dirs.push(data);
        if log == Log::Replicated {
            let (replica, _, data) = redis_server(Some(&url)).await;
            processes.push(replica);
            dirs.push(data);
            command.env("RELAY_REDIS_MIN_REPLICAS", "1");
        }
        command.env("REDIS_URL", url);
    }
    let relay =
        command.spawn().unwrap_or_else(|e| panic!("cannot start {}: {e} (build it: cargo build --release -p zchat-relay)", args.relay.display()));
    let pid = relay.id().expect("a pid");
    processes.push(relay);
    let http = reqwest::Client::builder().pool_max_idle_per_host(64).build().unwrap();
    wait_until_up(&http, &format!("{base}/healthz")).await;
    if redis {
        // The relay connects to Redis in the background: wait until it takes streams.
        until("the relay's shared log to take streams", || async {
            let body: Value =
                http.post(format!("{base}/core/api/v1/interactions")).json(&json!({"department_id": 1})).send().await.ok()?.json().await.ok()?;
            let (hash, session) = (body["data"]["interaction_hash"].as_str()?, body["data"]["session"].as_str()?);
            let stream = http.get(format!("{base}/core/api/v1/interactions/{hash}/events?token={session}")).send().await.ok()?;
            stream.status().is_success().then_some(())
        })
        .await;
    }

    // Interactions first, so that the memory measured after is the streams' alone.
    let mut streams = Vec::with_capacity(total);
    let mut hashes = Vec::with_capacity(total);
    for chunk in (0..total).collect::<Vec<_>>().chunks(200) {
        let created = futures_util::future::join_all(
            chunk.iter().map(|_| http.post(format!("{base}/core/api/v1/interactions")).json(&json!({"department_id": 1})).send()),
        )
        .await;
        for answer in created {
            let body: Value = answer.unwrap().json().await.unwrap();
            let (hash, session) = (body["data"]["interaction_hash"].as_str().unwrap(), body["data"]["session"].as_str().unwrap());
            streams.push(format!("{base}/core/api/v1/interactions/{hash}/events?token={session}"));
            hashes.push(hash.to_string());
        }
    }
    // Each interaction made queues one trigger at the sandbox, which it sends to the relay one
    // at a time: nothing is measured until the last has arrived (they are in order).
    let last = hashes.last().cloned().unwrap_or_default();
    let started = Instant::now();
    loop {
        let deliveries: Value = http.get(format!("{sandbox}/agent/webhooks")).send().await.unwrap().json().await.unwrap();
        let arrived = deliveries.as_array().into_iter().flatten().any(|d| d["trigger"]["interaction_hash"] == last.as_str());
        if arrived {
            println!(
                "   (the sandbox's {} triggers reached the relay {:.1} s after the last interaction was made)",
                hashes.len(),
                started.elapsed().as_secs_f64()
            );
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(300), "the sandbox's triggers did not all reach the relay");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let webhook = format!("{base}/webhooks/zchat/{SECRET}");
    let publish = move |client: &reqwest::Client, at: usize, n: u64, sent: u64| {
        client.post(&webhook).json(&json!({
            "interaction_hash": hashes[at],
            "message": {"hash": format!("bench-{n}"), "content": format!("sent:{sent}"), "type": "text"},
            "agent": {"id": 1, "name": "Bench"},
            "extra": {}
        }))
    };
    let name = match log {
        Log::Memory => "relay (memory log)",
        Log::Redis => "relay (Redis log)",
        Log::Replicated => "relay (Redis log, each call on a replica: WAIT 1)",
    };
    Target { name: name.into(), pids: vec![pid], streams, publish: Box::new(publish), metrics, _stop: None, _processes: processes, _dirs: dirs }
}

/// nginx + nchan: `/sub/{id}` an EventSource subscriber, `/pub/{id}` the publisher. With
/// `redis`, nchan keeps its messages in a Redis of the bench's own (`nchan_redis_pass`) rather than
/// in nginx's shared memory: the peer of the relay's Redis log, one round trip to Redis per event.
async fn nchan(total: usize, redis: bool) -> Target {
    let port = free_port();
    let prefix = std::env::temp_dir().join(format!("zchat-bench-nchan-{port}"));
    std::fs::create_dir_all(prefix.join("logs")).unwrap();
    let (mut processes, mut dirs) = (Vec::new(), vec![Scratch(prefix.clone())]);
    let (storage, redis_pass) = if redis {
        let (server, url, data) = redis_server(None).await;
        processes.push(server);
        dirs.push(data);
        (format!("  upstream bench_redis {{ nchan_redis_server {url}; }}\n"), " nchan_redis_pass bench_redis;")
    } else {
        (String::new(), "")
    };
    let config = format!(
        "load_module /usr/lib/nginx/modules/ngx_nchan_module.so;\n\
         worker_processes 2;\nworker_rlimit_nofile 65536;\npid {prefix}/nginx.pid;\nerror_log {prefix}/logs/error.log warn;\n\
         events {{ worker_connections 32768; }}\n\
         http {{\n  access_log off;\n  nchan_shared_memory_size 256M;\n{storage}\
           server {{\n    listen 127.0.0.1:{port};\n\
             location ~ ^/sub/(\\w+)$ {{ nchan_subscriber eventsource; nchan_channel_id $1; nchan_subscriber_first_message newest;{redis_pass} }}\n\
             location ~ ^/pub/(\\w+)$ {{ nchan_publisher; nchan_channel_id $1; nchan_message_buffer_length 2000; nchan_message_timeout 1h;{redis_pass} }}\n\
             location = /healthz {{ return 200 ok; }}\n  }}\n}}\n",
        prefix = prefix.display(),
    );
    let path = prefix.join("nginx.conf");
    std::fs::write(&path, config).unwrap();
    let server = Command::new("nginx")
        .arg("-c")
        .arg(&path)
        .arg("-p")
        .arg(&prefix)
        .args(["-g", "daemon off;"])
        .stdout(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("nginx with libnginx-mod-nchan (scripts/bench.sh installs them)");
    let master = server.id().expect("a pid");
    processes.push(server);
    let base = format!("http://127.0.0.1:{port}");
    wait_until_up(&reqwest::Client::new(), &format!("{base}/healthz")).await;
    // Master and workers: their RSS together is nginx's memory.
    let children = std::fs::read_to_string(format!("/proc/{master}/task/{master}/children")).unwrap_or_default();
    let mut pids: Vec<u32> = children.split_whitespace().filter_map(|p| p.parse().ok()).collect();
    pids.push(master);
    let streams = (0..total).map(|n| format!("{base}/sub/c{n}")).collect();
    let publish = move |client: &reqwest::Client, at: usize, _n: u64, sent: u64| {
        client.post(format!("{base}/pub/c{at}")).header("content-type", "application/json").body(format!("{{\"content\":\"sent:{sent}\"}}"))
    };
    let stop = StopNginx { master, workers: pids.iter().copied().filter(|&pid| pid != master).collect() };
    Target {
        name: if redis { "nchan on Redis (nginx 1.22, nchan 1.3.6)" } else { "nchan (nginx 1.22, nchan 1.3.6)" }.into(),
        pids,
        streams,
        publish: Box::new(publish),
        metrics: None,
        _stop: Some(stop),
        _processes: processes,
        _dirs: dirs,
    }
}

/// What one latency run saw.
struct Run {
    offered: f64,
    failed: u64,
    received: usize,
    sorted: Vec<u64>,
}

async fn measure(target: &Target, args: &Args) {
    let clock = Instant::now();
    let latencies: Arc<Mutex<Vec<u64>>> = Arc::default();
    let connected = Arc::new(AtomicU64::new(0));
    let stream_client = reqwest::Client::builder().pool_max_idle_per_host(0).build().unwrap();
    println!("== {}", target.name);
    let base_rss = settled_rss(&target.pids).await;
    println!("   before streams: memory {:.1} MiB", base_rss as f64 / 1024.0);
    let mut opened = 0;
    for &count in &args.subscribers {
        for url in &target.streams[opened..count] {
            let (client, latencies, connected, url) = (stream_client.clone(), Arc::clone(&latencies), Arc::clone(&connected), url.clone());
            tokio::spawn(async move {
                // As a browser would: a stream refused (503) is asked for again a moment later.
                let answer = loop {
                    match client.get(&url).header("accept", "text/event-stream").send().await {
                        Ok(answer) if answer.status().is_success() => break answer,
                        _ => tokio::time::sleep(Duration::from_millis(200)).await,
                    }
                };
                connected.fetch_add(1, Ordering::Relaxed);
                let mut body = answer.bytes_stream();
                let mut buffer = String::new();
                while let Some(Ok(chunk)) = body.next().await {
                    buffer.push_str(&String::from_utf8_lossy(&chunk));
                    while let Some(end) = buffer.find('\n') {
                        let line: String = buffer.drain(..=end).collect();
                        // Events carry "sent:<micros since the bench's clock>".
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
        let rss = settled_rss(&target.pids).await;
        let per = (rss.saturating_sub(base_rss)) as f64 * 1024.0 / count as f64;
        println!("   {count:>6} idle SSE subscribers: memory {:.1} MiB, {per:.0} bytes per subscriber", rss as f64 / 1024.0);
    }
    let hook_client = reqwest::Client::builder().pool_max_idle_per_host(IN_FLIGHT).build().unwrap();
    let mut sequence = 0;
    let mut run = |rate: u64| {
        let (latencies, hook_client) = (Arc::clone(&latencies), hook_client.clone());
        let lanes = Arc::new(tokio::sync::Semaphore::new(IN_FLIGHT));
        let first = sequence;
        sequence += rate * args.seconds;
        async move {
            latencies.lock().unwrap().clear();
            let total = rate * args.seconds;
            let mut ticker = tokio::time::interval(Duration::from_micros(1_000_000 / rate));
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
            let started = Instant::now();
            let mut posts = Vec::with_capacity(total as usize);
            for n in 0..total {
                ticker.tick().await;
                let sent = clock.elapsed().as_micros() as u64;
                // Sent when one of the publisher's connections is free; its latency counts from now.
                let (post, lanes) = ((target.publish)(&hook_client, n as usize % opened, first + n, sent), Arc::clone(&lanes));
                posts.push(tokio::spawn(async move {
                    let _lane = lanes.acquire_owned().await.expect("never closed");
                    post.send().await
                }));
            }
            let offered = total as f64 / started.elapsed().as_secs_f64();
            let mut failed = 0;
            for post in posts {
                if !post.await.map(|r| r.map(|a| a.status().is_success()).unwrap_or(false)).unwrap_or(false) {
                    failed += 1;
                }
            }
            let deadline = Instant::now() + Duration::from_secs(15);
            while (latencies.lock().unwrap().len() as u64) < total && Instant::now() < deadline {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            let mut sorted = latencies.lock().unwrap().clone();
            sorted.sort_unstable();
            Run { offered, failed, received: sorted.len(), sorted }
        }
    };
    let mut highest = 0;
    for &rate in &args.rates {
        let calls_before = call_buckets(&hook_client, target.metrics.as_deref()).await;
        let result = run(rate).await;
        let calls = call_buckets(&hook_client, target.metrics.as_deref()).await;
        let lost = (rate * args.seconds).saturating_sub(result.received as u64);
        if lost == 0 && result.failed == 0 && result.offered >= rate as f64 * 0.95 {
            highest = highest.max(rate);
        }
        println!(
            "   {rate:>5} events/s at {opened} subscribers (offered {:.0}/s): p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms; {} failed publishes, {lost} events lost",
            result.offered,
            percentile(&result.sorted, 0.50),
            percentile(&result.sorted, 0.99),
            percentile(&result.sorted, 1.0),
            result.failed,
        );
        if let (Some(before), Some(after)) = (calls_before, calls) {
            let during: Vec<(f64, u64)> = after.iter().zip(&before).map(|(&(le, a), &(_, b))| (le, a.saturating_sub(b))).collect();
            let count = during.last().map_or(0, |&(_, n)| n);
            println!(
                "          its calls to Redis: {count}, p50 under {:.2} ms, p99 under {:.2} ms",
                bucket_quantile(&during, 0.50) * 1000.0,
                bucket_quantile(&during, 0.99) * 1000.0
            );
        }
    }
    for &rate in &args.ceiling_rates {
        let result = run(rate).await;
        let lost = (rate * args.seconds).saturating_sub(result.received as u64);
        let whole = lost == 0 && result.failed == 0 && result.offered >= rate as f64 * 0.95;
        println!(
            "   {rate:>5} events/s (offered {:.0}/s): {} failed, {lost} lost, p99 {:.2} ms{}",
            result.offered,
            result.failed,
            percentile(&result.sorted, 0.99),
            if whole { "" } else { ": loss" }
        );
        if !whole {
            break;
        }
        highest = rate;
    }
    println!("   highest rate with no loss: {highest} events/s");
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let total = *args.subscribers.iter().max().expect("a subscriber count");
    for name in &args.targets {
        let target = match name.as_str() {
            "memory" => relay(&args, total, Log::Memory).await,
            "redis" => relay(&args, total, Log::Redis).await,
            "redis-replicated" => relay(&args, total, Log::Replicated).await,
            "nchan" => nchan(total, false).await,
            "nchan-redis" => nchan(total, true).await,
            other => panic!("unknown target {other}: memory, redis, redis-replicated, nchan or nchan-redis"),
        };
        measure(&target, &args).await;
        drop(target);
        // Let the kernel take the closed sockets back before the next target.
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
}
