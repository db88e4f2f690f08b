//! What every test of the workspace shares: the one wait ([`until`]: a condition under a deadline,
//! never a fixed sleep); the relay's binary started on port 0 and read off its ready line
//! ([`RelayProcess`]); and the real servers the tests start beside the product, each in a folder
//! of its own and gone with its handle: `redis-server` (on a Unix socket, so no port is picked),
//! a primary with replicas under Redis Sentinel ([`sentinel`]) and SeaweedFS (a real S3-compatible store). Used by the relay's and the sandbox's tests, the
//! browser journeys and the bench.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::json;
use tokio::io::AsyncBufReadExt;
use tokio::process::{Child, Command};

/// The S3 identity a [`SeaweedFs`] knows.
pub const ACCESS_KEY: &str = "relay-access-key";
pub const SECRET_KEY: &str = "relay-secret-key-for-the-tests";

/// How long a test waits for a condition (a server to answer, an event, a page to change) before
/// it fails.
pub const DEADLINE: Duration = Duration::from_secs(30);

/// Polls `check` every 20 ms until it gives `Some`, or panics after [`DEADLINE`] naming `what`.
pub async fn until<T, F: std::future::Future<Output = Option<T>>>(what: &str, check: impl FnMut() -> F) -> T {
    until_within(DEADLINE, what, check).await
}

/// [`until`], with a deadline of the caller's (a bench's long wait).
pub async fn until_within<T, F: std::future::Future<Output = Option<T>>>(deadline: Duration, what: &str, mut check: impl FnMut() -> F) -> T {
    let started = Instant::now();
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(started.elapsed() < deadline, "timed out after {deadline:?} waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// [`until`], for a condition whose failure needs explaining: `check` says what it saw when the
/// condition does not hold yet, and the panic after [`DEADLINE`] says the last of it.
pub async fn until_explained<T, F: std::future::Future<Output = Result<T, String>>>(what: &str, mut check: impl FnMut() -> F) -> T {
    let started = Instant::now();
    loop {
        match check().await {
            Ok(value) => return value,
            Err(seen) => assert!(started.elapsed() < DEADLINE, "timed out after {DEADLINE:?} waiting for {what}; last seen: {seen}"),
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A `zchat-relay` process started on port 0, and where it listens, read off the ready line it
/// prints once it serves (`ready {"listening": URL, "public": URL, "metrics": URL|null, "sandbox":
/// URL|null, "demo": URL|null}`); the rest of its output is read and dropped, so it never waits on
/// a full pipe. Killed when dropped.
pub struct RelayProcess {
    /// Where it listens (`http://127.0.0.1:PORT`), whatever public URL it was given.
    pub relay: String,
    pub metrics: Option<String>,
    pub sandbox: Option<String>,
    pub process: Child,
}

impl RelayProcess {
    /// Starts `command` (the binary, its flags and environment; its stdout is taken here) and waits
    /// for its ready line.
    pub async fn start(mut command: Command) -> RelayProcess {
        let mut process = command.stdout(Stdio::piped()).kill_on_drop(true).spawn().expect("the relay binary");
        let mut lines = tokio::io::BufReader::new(process.stdout.take().expect("its stdout")).lines();
        let ready = tokio::time::timeout(DEADLINE, async {
            while let Some(line) = lines.next_line().await.expect("its stdout is text") {
                if let Some(json) = line.strip_prefix("ready ") {
                    return serde_json::from_str::<serde_json::Value>(json).expect("the ready line is JSON");
                }
            }
            panic!("the relay ended without saying it is ready");
        })
        .await
        .expect("the relay says it is ready");
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        let url = |name: &str| ready[name].as_str().map(str::to_string);
        RelayProcess { relay: url("listening").expect("the relay's address"), metrics: url("metrics"), sandbox: url("sandbox"), process }
    }

    /// The process id (its memory is read from `/proc`).
    pub fn pid(&self) -> u32 {
        self.process.id().expect("a running relay")
    }
}

/// A `redis-server` of the test's own, with its data in a folder of its own (kept across a
/// restart) and no TCP port: it listens on a Unix socket in that folder, so a restart finds it
/// at the same address and no port is picked and hoped free.
pub struct Redis {
    pub dir: PathBuf,
    process: Option<Child>,
}

impl Redis {
    pub async fn start() -> Redis {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!("zchat-redis-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let mut redis = Redis { dir, process: None };
        redis.restart().await;
        redis
    }

    fn socket(&self) -> PathBuf {
        self.dir.join("redis.sock")
    }

    pub fn url(&self) -> String {
        format!("redis+unix://{}", self.socket().display())
    }

    pub async fn restart(&mut self) {
        let process = Command::new("redis-server")
            .args(["--port", "0", "--unixsocket"])
            .arg(self.socket())
            // Any user may connect (a relay in a container runs as its own user).
            .args(["--unixsocketperm", "777"])
            .args(["--save", "", "--appendonly", "yes", "--appendfsync", "always", "--dir"])
            .arg(&self.dir)
            .stdout(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("redis-server (scripts/setup.sh installs it)");
        self.process = Some(process);
        let socket = self.socket();
        until("redis-server to answer", || async { tokio::net::UnixStream::connect(&socket).await.ok() }).await;
    }

    pub async fn stop(&mut self) {
        if let Some(mut process) = self.process.take() {
            process.kill().await.unwrap();
            let _ = process.wait().await;
        }
        let _ = std::fs::remove_file(self.socket());
    }
}

/// A SeaweedFS of the test's own: master, volume, filer and S3 gateway in one process, with its
/// data in a folder of its own. It cannot listen on port 0, so its eight ports are free ones the
/// system just gave out; a start that loses one of them to a race is tried again.
pub struct SeaweedFs {
    pub endpoint: String,
    dir: PathBuf,
    _process: Child,
}

/// The free disk below which a test's SeaweedFS stops taking files. Its own default is 1% of the
/// disk: on a CI machine whose large disk had under 1% free, every write was refused, and the
/// upload tests failed after minutes of retries.
const ROOM_TO_WRITE: &str = "64MiB";

impl SeaweedFs {
    pub async fn start() -> SeaweedFs {
        Self::start_needing(ROOM_TO_WRITE).await
    }

    /// A SeaweedFS that answers but takes no file, as a store whose disk is full: it wants more
    /// free space than any disk has.
    pub async fn full() -> SeaweedFs {
        Self::start_needing("1000000TiB").await
    }

    async fn start_needing(free_space: &str) -> SeaweedFs {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!("zchat-seaweedfs-{}-{n}", std::process::id()));
        for _attempt in 0..3 {
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            let identities = json!({"identities": [{"name": "relay", "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
                                    "actions": ["Admin", "Read", "List", "Tagging", "Write"]}]});
            std::fs::write(dir.join("s3.json"), identities.to_string()).unwrap();
            let ports = free_ports(8);
            let mut process = Command::new("weed")
                .arg("server")
                .arg(format!("-dir={}", dir.display()))
                .args(["-ip=127.0.0.1", "-ip.bind=127.0.0.1", "-volume.max=4", "-filer", "-s3", "-s3.port.iceberg=0", "-s3.port.lance=0"])
                .arg(format!("-volume.minFreeSpace={free_space}"))
                .arg(format!("-s3.config={}", dir.join("s3.json").display()))
                .args(
                    [
                        "-master.port",
                        "-master.port.grpc",
                        "-volume.port",
                        "-volume.port.grpc",
                        "-filer.port",
                        "-filer.port.grpc",
                        "-s3.port",
                        "-s3.port.grpc",
                    ]
                    .iter()
                    .zip(&ports)
                    .map(|(flag, port)| format!("{flag}={port}")),
                )
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .kill_on_drop(true)
                .spawn()
                .expect("SeaweedFS's weed (scripts/setup.sh installs it)");
            let endpoint = format!("http://127.0.0.1:{}", ports[6]);
            let answered = tokio::time::timeout(Duration::from_secs(30), async {
                loop {
                    if let Ok(Some(_)) = process.try_wait() {
                        return false;
                    }
                    // Any S3 answer (403 to an anonymous listing) means the gateway and the filer are up.
                    if let Ok(answer) = reqwest::get(&endpoint).await {
                        if answer.status().as_u16() == 403 {
                            return true;
                        }
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            })
            .await
            .unwrap_or(false);
            if answered {
                return SeaweedFs { endpoint, dir, _process: process };
            }
            let _ = process.kill().await;
        }
        panic!("SeaweedFS did not start in three tries");
    }

    /// The environment a relay reads its S3 settings from.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ENDPOINT", self.endpoint.clone()),
            ("AWS_ALLOW_HTTP", "true".into()),
            ("AWS_REGION", "us-east-1".into()),
            ("AWS_ACCESS_KEY_ID", ACCESS_KEY.into()),
            ("AWS_SECRET_ACCESS_KEY", SECRET_KEY.into()),
        ]
    }
}

impl Drop for SeaweedFs {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// `n` ports the system just gave out (and took back).
fn free_ports(n: usize) -> Vec<u16> {
    let listeners: Vec<std::net::TcpListener> = (0..n).map(|_| std::net::TcpListener::bind("127.0.0.1:0").unwrap()).collect();
    listeners.iter().map(|l| l.local_addr().unwrap().port()).collect()
}
pub mod images;
pub mod sentinel;
