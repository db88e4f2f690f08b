//! The relay's container image (`scripts/image.sh`), run with podman as an operator runs it: not
//! root, a read-only root filesystem, every setting from the environment, zChat (the sandbox) and
//! Redis outside it. A whole conversation goes through it (a create, the visitor's stream, an
//! agent's message by webhook, an upload); its health check answers; `--check` runs inside it; it
//! stops on SIGTERM well within its grace period.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tokio::process::Command;
use zchat_testkit::{Redis, RelayProcess};

const WEBHOOK_SECRET: &str = "image-test-webhook-secret-0123456789";
const SESSION_SECRET: &str = "image-test-session-secret-0123456789abcdef";
/// The image's user (scripts/image.sh).
const UID: &str = "10001";

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The container by its name, removed however the test ends.
struct Container(String);

impl Drop for Container {
    fn drop(&mut self) {
        let _ =
            std::process::Command::new("podman").args(["rm", "--force", "--time", "0", &self.0]).stdout(Stdio::null()).stderr(Stdio::null()).status();
    }
}

/// `podman run` of `image` with `env`, on the host's network, as the image says (its user), with
/// a read-only root, and `mounts` (a folder each, at the same path).
fn podman_run(name: &str, image: &str, env: &[(&str, String)], mounts: &[&str], args: &[&str]) -> Command {
    let mut command = Command::new("podman");
    // (Its volume, /var/lib/zchat-relay, an anonymous one: made from the image's folder, so its
    // user's, and removed with the container.)
    command.args(["run", "--rm", "--name", name, "--network=host", "--read-only"]);
    for (key, value) in env {
        command.args(["--env", &format!("{key}={value}")]);
    }
    for mount in mounts {
        command.args(["--volume", &format!("{mount}:{mount}")]);
    }
    command.arg(image).args(args);
    command
}

/// The next SSE event's data whose text contains `needle`, from `body`.
async fn event_with(stream: &mut reqwest::Response, seen: &mut String, needle: &str) -> String {
    tokio::time::timeout(zchat_testkit::DEADLINE, async {
        loop {
            if let Some(at) = seen.find(needle) {
                let start = seen[..at].rfind("\n\n").map_or(0, |start| start + 2);
                let end = seen[at..].find("\n\n").map_or(seen.len(), |end| at + end);
                let event = seen[start..end].to_string();
                seen.drain(..end);
                return event;
            }
            let chunk = stream.chunk().await.expect("the stream goes on").expect("the stream is open");
            seen.push_str(&String::from_utf8_lossy(&chunk));
        }
    })
    .await
    .unwrap_or_else(|_| panic!("no event with {needle:?} in the stream"))
}

#[tokio::test]
async fn a_conversation_goes_through_the_container_image() {
    // The image: built by the script operators use (its release build is cargo's to cache).
    let built = Command::new("bash")
        .arg(workspace().join("scripts/image.sh"))
        .arg("--reuse-widget")
        .output()
        .await
        .expect("bash runs scripts/image.sh (scripts/setup.sh installs podman and buildah)");
    assert!(built.status.success(), "the image builds:\n{}", String::from_utf8_lossy(&built.stderr));
    let image = String::from_utf8_lossy(&built.stdout).lines().last().expect("the image's name").trim().to_string();

    // Redis and zChat outside the container, on this machine.
    let redis = Redis::start().await;
    let sandbox_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let zchat = format!("http://{}", sandbox_listener.local_addr().unwrap());
    let redis_dir = redis.dir.display().to_string();
    let env = [
        ("RELAY_LISTEN", "127.0.0.1:0".to_string()),
        ("RELAY_METRICS_LISTEN", "127.0.0.1:0".to_string()),
        ("ZCHAT_API_BASE", zchat.clone()),
        ("ZCHAT_TOKEN", "sandbox-token".to_string()),
        ("ZCHAT_WEBHOOK_SECRET", WEBHOOK_SECRET.to_string()),
        ("RELAY_SESSION_SECRET", SESSION_SECRET.to_string()),
        ("RELAY_ALLOWED_ORIGINS", "https://shop.example".to_string()),
        ("REDIS_URL", redis.url()),
    ];
    let name = format!("zchat-image-test-{}", std::process::id());
    let container = Container(name.clone());
    let mut relay = RelayProcess::start(podman_run(&name, &image, &env, &[&redis_dir], &[])).await;
    let (stop_sandbox, stopping) = tokio::sync::watch::channel(false);
    let sandbox = zchat_sandbox::Config {
        account: zchat_sandbox::Account::default(),
        webhook_url: Some(format!("{}/webhooks/zchat/{WEBHOOK_SECRET}", relay.relay)),
    };
    tokio::spawn(zchat_sandbox::serve(sandbox_listener, sandbox, async move {
        let mut stopping = stopping;
        let _ = stopping.wait_for(|stop| *stop).await;
    }));
    let http = reqwest::Client::new();

    // Not root, and its root filesystem read-only.
    let whoami = Command::new("podman").args(["top", &name, "user"]).output().await.unwrap();
    let users = String::from_utf8_lossy(&whoami.stdout).to_string();
    assert!(users.lines().skip(1).all(|user| user.trim() == UID || user.trim() == "relay"), "the relay runs as its user: {users}");
    let inspect = Command::new("podman").args(["inspect", "--format", "{{.HostConfig.ReadonlyRootfs}}", &name]).output().await.unwrap();
    assert_eq!(String::from_utf8_lossy(&inspect.stdout).trim(), "true");

    // A conversation: created through the relay in the container, the visitor's stream open.
    let created: Value = http
        .post(format!("{}/core/api/v1/interactions", relay.relay))
        .json(&json!({"department_id": 1, "customer": {"name": "Contêiner Cida"}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let hash = created["data"]["interaction_hash"].as_str().expect("an interaction").to_string();
    let session = created["data"]["session"].as_str().expect("a session").to_string();
    let mut stream = http
        .get(format!("{}/core/api/v1/interactions/{hash}/events", relay.relay))
        .query(&[("token", session.as_str()), ("times", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    let mut seen = String::new();
    event_with(&mut stream, &mut seen, "\"queued\"").await;
    // An agent's message, by webhook from zChat to the relay in the container, to the stream.
    let agent = |action: &str| format!("{zchat}/agent/interactions/{hash}/{action}");
    assert!(http.post(agent("accept")).json(&json!({})).send().await.unwrap().status().is_success());
    assert!(http.post(agent("messages")).json(&json!({"content": "Olá do contêiner"})).send().await.unwrap().status().is_success());
    let event = event_with(&mut stream, &mut seen, "Olá do contêiner").await;
    assert!(event.contains("event: trigger"), "{event}");
    // A file, kept in the container's volume and served back.
    let png = zchat_testkit::images::png(24, 16, None);
    let uploaded: Value = http
        .post(format!("{}/core/api/v1/interactions/{hash}/uploads", relay.relay))
        .query(&[("token", session.as_str())])
        .header("Content-Type", "image/png")
        .header("X-File-Name", "foto.png")
        .body(png)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let url = uploaded["data"]["url"].as_str().unwrap_or_else(|| panic!("an upload's address: {uploaded}"));
    let served = http.get(url).send().await.unwrap();
    assert_eq!((served.status().as_u16(), served.headers()["content-type"].to_str().unwrap()), (200, "image/png"));

    // Its health check (the image's own, run by podman).
    let healthy = Command::new("podman").args(["healthcheck", "run", &name]).output().await.unwrap();
    assert!(healthy.status.success(), "healthy: {}", String::from_utf8_lossy(&healthy.stdout));

    // `--check` in a container of the same image with the same settings, and an https address.
    let mut checked_env = env.to_vec();
    checked_env.push(("RELAY_PUBLIC_URL", "https://chat.shop.example".to_string()));
    let check = podman_run(&format!("{name}-check"), &image, &checked_env, &[&redis_dir], &["--check"]).output().await.unwrap();
    let findings = String::from_utf8_lossy(&check.stdout).to_string();
    assert!(check.status.success(), "--check inside the image:\n{findings}\n{}", String::from_utf8_lossy(&check.stderr));
    assert!(findings.lines().any(|line| line.starts_with("ok") && line.contains("Redis")), "{findings}");

    // SIGTERM: it stops cleanly, well within podman's default grace period (10 s).
    let asked = Instant::now();
    let stopped = Command::new("podman").args(["stop", "--time", "10", &name]).output().await.unwrap();
    assert!(stopped.status.success());
    let status = tokio::time::timeout(zchat_testkit::DEADLINE, relay.process.wait()).await.expect("the relay ends").unwrap();
    assert!(asked.elapsed() < Duration::from_secs(8), "stopped in {:?}", asked.elapsed());
    assert!(status.success(), "a clean stop: {status:?}");
    let _ = stop_sandbox.send(true);
    drop(container);
}
