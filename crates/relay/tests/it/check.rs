//! `zchat-relay --check` against real neighbours: a configuration that works passes (exit 0, every
//! line `ok`), and one whose Redis and zChat do not answer fails naming both; with Redis Sentinel,
//! the primary it names and whether it has the replicas asked for.

use std::process::Output;

use crate::support::{fixture_widget, serve_sandbox, Redis};

async fn check(env: &[(&str, String)]) -> (Output, String) {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_zchat-relay"))
        .arg("--check")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(env.iter().map(|(name, value)| (*name, value.as_str())))
        .output()
        .await
        .expect("the relay binary");
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    (output, text)
}

#[tokio::test]
async fn a_working_configuration_passes_and_unreachable_neighbours_are_named() {
    let mut redis = Redis::start().await;
    // zChat: the sandbox, answering on a port of its own.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let zchat = format!("http://{}", listener.local_addr().unwrap());
    let stop = serve_sandbox(listener, None);
    let env = |redis_url: String, zchat: &str| {
        vec![
            ("ZCHAT_API_BASE", zchat.to_string()),
            ("ZCHAT_TOKEN", zchat_sandbox::DEFAULT_TOKEN.to_string()),
            ("ZCHAT_WEBHOOK_SECRET", "w".repeat(24)),
            ("RELAY_SESSION_SECRET", "s".repeat(40)),
            ("RELAY_PUBLIC_URL", "https://chat.example.com".to_string()),
            ("RELAY_ALLOWED_ORIGINS", "https://shop.example.com".to_string()),
            ("RELAY_WIDGET_DIR", fixture_widget().display().to_string()),
            ("REDIS_URL", redis_url),
            ("RELAY_UPLOAD_DIR", std::env::temp_dir().join(format!("zchat-check-uploads-{}", std::process::id())).display().to_string()),
            ("RUST_LOG", "error".to_string()),
        ]
    };

    let (output, text) = check(&env(redis.url(), &zchat)).await;
    assert!(output.status.success(), "{text}\n{}", String::from_utf8_lossy(&output.stderr));
    assert!(text.lines().count() >= 8 && text.lines().all(|line| line.starts_with("ok")), "{text}");
    assert!(text.contains("Redis answers") && text.contains("zChat answers") && text.contains("takes files"), "{text}");

    // Redis stopped, zChat's address closed: both named, and the exit status says so.
    redis.stop().await;
    let closed = "http://127.0.0.1:9";
    let (output, text) = check(&env(redis.url(), closed)).await;
    assert!(!output.status.success(), "{text}");
    let errors: Vec<&str> = text.lines().filter(|line| line.starts_with("error")).collect();
    assert_eq!(errors.len(), 2, "{text}");
    assert!(errors[0].contains("Redis at REDIS_URL") && errors[1].contains(&format!("zChat at {closed}")), "{text}");
    let _ = stop.send(true);
    let _ = std::fs::remove_dir_all(&redis.dir);
}

#[tokio::test]
async fn with_sentinel_it_names_the_primary_and_says_whether_it_has_the_replicas_asked_for() {
    let redis = zchat_testkit::sentinel::Sentinels::start(1).await;
    let env = |sentinels: String, min_replicas: &str| {
        vec![
            ("ZCHAT_API_BASE", "http://127.0.0.1:9".to_string()),
            ("ZCHAT_TOKEN", zchat_sandbox::DEFAULT_TOKEN.to_string()),
            ("REDIS_SENTINELS", sentinels),
            ("RELAY_REDIS_MIN_REPLICAS", min_replicas.to_string()),
            ("RUST_LOG", "error".to_string()),
        ]
    };
    let primary = redis.primary().await;
    let (_, text) = check(&env(redis.addresses(), "1")).await;
    let line = text.lines().find(|line| line.contains("Sentinel")).unwrap_or_else(|| panic!("a line on Sentinel: {text}"));
    assert!(line.starts_with("ok") && line.contains(&format!("127.0.0.1:{primary}")) && line.contains("1 replica"), "{text}");

    // More replicas asked for than the primary has: every webhook would be refused; so it says.
    let (output, text) = check(&env(redis.addresses(), "2")).await;
    assert!(!output.status.success());
    assert!(text.lines().any(|line| line.starts_with("error") && line.contains("RELAY_REDIS_MIN_REPLICAS 2")), "{text}");

    // Sentinels that do not answer (a port closed): named.
    let (_, text) = check(&env("127.0.0.1:9".into(), "1")).await;
    assert!(text.lines().any(|line| line.starts_with("error") && line.contains("REDIS_SENTINELS") && line.contains("127.0.0.1:9")), "{text}");
}

#[tokio::test]
async fn hostile_sentinel_settings_are_refused_or_named_never_a_panic() {
    let long = "h".repeat(10_000);
    let cases: Vec<(&str, String, &str, &str)> = vec![
        // (what, REDIS_SENTINELS, REDIS_SENTINEL_PRIMARY, RELAY_REDIS_MIN_REPLICAS)
        ("only commas", ",,,".into(), "zchat", "1"),
        ("a host without a port", "nohost".into(), "zchat", "1"),
        ("a port that is no number", "127.0.0.1:notaport".into(), "zchat", "1"),
        ("a port out of range", "127.0.0.1:99999".into(), "zchat", "1"),
        ("a broken IPv6 URL", "redis://[::1".into(), "zchat", "1"),
        ("a URL of another scheme", "http://127.0.0.1:9/".into(), "zchat", "1"),
        ("ten thousand letters", long.clone(), "zchat", "1"),
        ("a closed port", "127.0.0.1:9".into(), "", "1"),
        ("a name with a newline", "127.0.0.1:9".into(), "zc\nhat", "1"),
        ("a control character", "127.0.0.1:9\u{1}".into(), "zchat", "0"),
    ];
    for (what, sentinels, name, min_replicas) in cases {
        let env = vec![
            ("ZCHAT_API_BASE", "http://127.0.0.1:9".to_string()),
            ("ZCHAT_TOKEN", zchat_sandbox::DEFAULT_TOKEN.to_string()),
            ("REDIS_SENTINELS", sentinels),
            ("REDIS_SENTINEL_PRIMARY", name.to_string()),
            ("RELAY_REDIS_MIN_REPLICAS", min_replicas.to_string()),
            ("RUST_LOG", "error".to_string()),
        ];
        let (output, text) = check(&env).await;
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!stderr.contains("panicked"), "{what}: {stderr}");
        assert_eq!(output.status.code(), Some(1), "{what}: a finding, not a crash\n{text}\n{stderr}");
        if what != "only commas" {
            assert!(text.lines().any(|line| line.starts_with("error") && line.contains("REDIS_SENTINELS")), "{what}: {text}");
        }
    }
    // A number of replicas that is none is refused before anything runs (clap, exit 2).
    for min_replicas in ["-1", "many", "99999999999999999999999"] {
        let env = vec![("REDIS_SENTINELS", "127.0.0.1:9".to_string()), ("RELAY_REDIS_MIN_REPLICAS", min_replicas.to_string())];
        let (output, _) = check(&env).await;
        assert_eq!(output.status.code(), Some(2), "RELAY_REDIS_MIN_REPLICAS={min_replicas}");
        assert!(
            String::from_utf8_lossy(&output.stderr).contains("RELAY_REDIS_MIN_REPLICAS")
                || String::from_utf8_lossy(&output.stderr).contains("redis-min-replicas")
        );
    }
}
