//! `zchat-relay --check` against real neighbours: a configuration that works passes (exit 0, every
//! line `ok`), and one whose Redis and zChat do not answer fails naming both.

use std::process::Output;

use crate::support::{fixture_widget, Redis};

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
    let config = zchat_sandbox::Config { account: zchat_sandbox::Account::default(), webhook_url: None };
    let (stop, stopping) = tokio::sync::watch::channel(false);
    tokio::spawn(zchat_sandbox::serve(listener, config, async move {
        let mut stopping = stopping;
        let _ = stopping.wait_for(|stop| *stop).await;
    }));
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
