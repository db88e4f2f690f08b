//! The production topology, as README's "Running in production" sets it up: nginx (Debian's)
//! terminating TLS with a certificate this test makes, configured by the repository's own
//! `deploy/nginx/zchat-relay.conf`, in front of two relays sharing one Redis and one S3-compatible
//! store (SeaweedFS), the sandbox as zChat,
//! and the widget on a host page served over https from another origin, in headless Chromium that
//! trusts the test's certificate (and nothing else it would not). One whole conversation, during
//! which one relay is stopped and started again (a rolling restart) and nginx is reloaded, and a
//! quiet stream outlives the proxy's idle timeout through the relay's heartbeats: the visitor
//! loses nothing and sees every agent message once, in order, and a file sent through one relay is
//! served through the proxy by whichever relay it reaches.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use base64::Engine;
use rcgen::PublicKeyData;
use serde_json::{json, Value};
use sha2::Digest;
use tokio::process::{Child, Command};
use zchat_e2e::{until, widget_dist, Agent, Browser, DEADLINE};
use zchat_relay::launch::{launch, Running};
use zchat_relay::{Config, S3Settings};
use zchat_testkit::{Redis, SeaweedFs, ACCESS_KEY, SECRET_KEY};

const WEBHOOK_SECRET: &str = "production-webhook-secret-0123456789";
const SESSION_SECRET: &str = "production-session-secret-0123456789abcdef";
/// The relays' heartbeat and the stream location's idle timeout in nginx: quiet streams must
/// outlive the timeout through heartbeats (in production 15 s and 60 s; here short, to wait less).
const HEARTBEAT_SECONDS: u64 = 1;
const PROXY_IDLE_SECONDS: u64 = 3;

/// A port the system just gave out (for servers that must come back on the same one).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A self-signed certificate for `localhost` and `127.0.0.1` in `dir`: the paths of the certificate
/// and its key, and the base64 SHA-256 of its public key (what Chromium is told to trust).
fn certificate(dir: &Path) -> (PathBuf, PathBuf, String) {
    let key = rcgen::KeyPair::generate().unwrap();
    let params = rcgen::CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()]).unwrap();
    let cert = params.self_signed(&key).unwrap();
    let (cert_path, key_path) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert_path, cert.pem()).unwrap();
    std::fs::write(&key_path, key.serialize_pem()).unwrap();
    let spki = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(key.subject_public_key_info()));
    (cert_path, key_path, spki)
}

/// nginx with the repository's configuration, made to listen here: the relay's public name on
/// `relay_port`, the host page's site on `page_port`, temporary files in `dir`.
struct Nginx {
    dir: PathBuf,
    process: Child,
}

impl Nginx {
    fn conf(dir: &Path) -> PathBuf {
        dir.join("nginx.conf")
    }

    async fn start(dir: &Path, tls: (&Path, &Path), relays: [std::net::SocketAddr; 2], relay_port: u16, page: (u16, &str)) -> Nginx {
        let recommended = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../deploy/nginx/zchat-relay.conf")).unwrap();
        // The recommended file as it is, but for addresses, certificate and the idle timeout.
        let https_only = recommended.split("# HTTP: only a redirect").next().unwrap();
        let site = https_only
            .replace("server 127.0.0.1:8080 ", &format!("server {} ", relays[0]))
            .replace("server 127.0.0.1:8081 ", &format!("server {} ", relays[1]))
            .replace("    listen 443 ssl http2;\n    listen [::]:443 ssl http2;\n", &format!("    listen 127.0.0.1:{relay_port} ssl http2;\n"))
            .replace("/etc/letsencrypt/live/chat.example.com/fullchain.pem", &tls.0.display().to_string())
            .replace("/etc/letsencrypt/live/chat.example.com/privkey.pem", &tls.1.display().to_string())
            .replace("proxy_read_timeout 60s;", &format!("proxy_read_timeout {PROXY_IDLE_SECONDS}s;"));
        assert!(site.contains(&relays[0].to_string()) && site.contains(&format!("proxy_read_timeout {PROXY_IDLE_SECONDS}s;")), "{site}");
        std::fs::write(dir.join("zchat-relay.conf"), site).unwrap();
        let d = dir.display();
        let (cert, key) = (tls.0.display(), tls.1.display());
        let conf = format!(
            "worker_processes 1;\nerror_log {d}/error.log warn;\npid {d}/nginx.pid;\nevents {{ worker_connections 512; }}\n\
             http {{\n  access_log off;\n  client_body_temp_path {d}/body;\n  proxy_temp_path {d}/proxy;\n  fastcgi_temp_path {d}/fastcgi;\n\
             uwsgi_temp_path {d}/uwsgi;\n  scgi_temp_path {d}/scgi;\n  include {d}/zchat-relay.conf;\n\
             # The shop: the host page, on another origin.\n  server {{\n    listen 127.0.0.1:{} ssl;\n    ssl_certificate {cert};\n\
             ssl_certificate_key {key};\n    location / {{ proxy_pass {}; }}\n  }}\n}}\n",
            page.0, page.1
        );
        std::fs::write(Self::conf(dir), conf).unwrap();
        let test = std::process::Command::new("nginx")
            .arg("-t")
            .arg("-p")
            .arg(dir)
            .arg("-c")
            .arg(Self::conf(dir))
            .output()
            .expect("nginx (scripts/setup.sh installs it)");
        assert!(test.status.success(), "nginx -t: {}", String::from_utf8_lossy(&test.stderr));
        let process = Command::new("nginx")
            .arg("-p")
            .arg(dir)
            .arg("-c")
            .arg(Self::conf(dir))
            .args(["-g", "daemon off;"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let address = format!("127.0.0.1:{relay_port}");
        until("nginx to listen", || async { tokio::net::TcpStream::connect(&address).await.ok() }).await;
        Nginx { dir: dir.to_path_buf(), process }
    }

    /// `nginx -s reload`: new workers with the configuration read again; the old ones finish.
    fn reload(&self) {
        let reload = std::process::Command::new("nginx")
            .arg("-p")
            .arg(&self.dir)
            .arg("-c")
            .arg(Self::conf(&self.dir))
            .args(["-s", "reload"])
            .output()
            .unwrap();
        assert!(reload.status.success(), "nginx -s reload: {}", String::from_utf8_lossy(&reload.stderr));
    }

    async fn stop(mut self) {
        let _ = std::process::Command::new("nginx").arg("-p").arg(&self.dir).arg("-c").arg(Self::conf(&self.dir)).args(["-s", "stop"]).output();
        let _ = tokio::time::timeout(DEADLINE, self.process.wait()).await;
    }
}

/// Where the relays keep visitors' files: one bucket for both.
struct Shared<'a> {
    redis: &'a str,
    s3: &'a SeaweedFs,
    zchat: &'a str,
    page_origin: &'a str,
}

/// A relay on `listen`, behind the proxy at `public_url`, on the shared Redis, store and zChat.
async fn relay(listen: &str, public_url: &str, shared: &Shared<'_>, demo: bool) -> Running {
    let Shared { redis, s3, zchat, page_origin } = *shared;
    let mut config = Config::for_tests(widget_dist());
    config.listen = listen.into();
    config.public_url = Some(public_url.into());
    config.upstream = Some((zchat.into(), zchat_sandbox::DEFAULT_TOKEN.into()));
    config.webhook_secret = Some(WEBHOOK_SECRET.into());
    config.session_secret = Some(SESSION_SECRET.into());
    config.redis_url = Some(redis.into());
    config.trust_forwarded_for = true;
    config.allowed_origins = vec![page_origin.into()];
    config.limits.heartbeat = Duration::from_secs(HEARTBEAT_SECONDS);
    config.metrics_listen = Some("127.0.0.1:0".into());
    config.demo_listen = demo.then(|| "127.0.0.1:0".to_string());
    config.uploads.url = Some("s3://production/files".into());
    config.uploads.s3 = S3Settings {
        endpoint: Some(s3.endpoint.clone()),
        region: Some("us-east-1".into()),
        access_key_id: Some(ACCESS_KEY.into()),
        secret_access_key: Some(SECRET_KEY.into()),
        allow_http: true,
        virtual_hosted: false,
    };
    launch(config).await.expect("a relay starts")
}

/// How many event streams `relays` answered 200 so far (each a connection of the widget).
async fn streams_opened(relays: &[&Running]) -> u64 {
    let mut total = 0;
    for relay in relays {
        let metrics = reqwest::get(relay.metrics_url.clone().unwrap()).await.unwrap().text().await.unwrap();
        total += metrics
            .lines()
            .find_map(|line| line.strip_prefix("relay_answers_total{route=\"/core/api/v1/interactions/{hash}/events\",status=\"200\"} "))
            .and_then(|count| count.parse::<u64>().ok())
            .unwrap_or(0);
    }
    total
}

#[tokio::test]
async fn a_conversation_through_tls_nginx_and_two_relays_survives_a_rolling_restart_and_a_reload() {
    let dir = std::env::temp_dir().join(format!("zchat-production-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let (cert, key, spki) = certificate(&dir);
    let (mut redis, s3) = tokio::join!(Redis::start(), SeaweedFs::start());
    let redis_url = redis.url();

    // zChat: the sandbox, its webhooks to relay B directly (zChat may reach any relay).
    let sandbox_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let zchat = format!("http://{}", sandbox_listener.local_addr().unwrap());
    let (relay_port, page_port, a_port, b_port) = (free_port(), free_port(), free_port(), free_port());
    let public_url = format!("https://127.0.0.1:{relay_port}");
    let page_origin = format!("https://localhost:{page_port}");
    let (stop_sandbox, stopping) = tokio::sync::watch::channel(false);
    let sandbox = zchat_sandbox::Config {
        account: zchat_sandbox::Account::default(),
        webhook_url: Some(format!("http://127.0.0.1:{b_port}/webhooks/zchat/{WEBHOOK_SECRET}")),
    };
    tokio::spawn(zchat_sandbox::serve(sandbox_listener, sandbox, async move {
        let mut stopping = stopping;
        let _ = stopping.wait_for(|stop| *stop).await;
    }));
    let a_listen = format!("127.0.0.1:{a_port}");
    let shared = Shared { redis: &redis_url, s3: &s3, zchat: &zchat, page_origin: &page_origin };
    let mut a = relay(&a_listen, &public_url, &shared, false).await;
    let b = relay(&format!("127.0.0.1:{b_port}"), &public_url, &shared, true).await;
    let demo = b.demo_url.clone().unwrap().replace("localhost", "127.0.0.1");
    let nginx = Nginx::start(&dir, (&cert, &key), [a.relay_address, b.relay_address], relay_port, (page_port, &demo)).await;

    let agent = Agent { sandbox: zchat.clone(), http: reqwest::Client::new() };
    let page = Browser::start_with(&[format!("--ignore-certificate-errors-spki-list={spki}")]).await;
    page.open_widget(&format!("{page_origin}/")).await;
    page.start_chat("Produção Paula").await;
    let hash = agent.interaction_of("Produção Paula", &[]).await;
    agent.act(&hash, "accept", json!({})).await;
    let mut said = Vec::new();
    let mut agent_says = |text: String| {
        said.push(text.clone());
        text
    };
    agent.act(&hash, "messages", json!({"content": agent_says("Olá! Como posso ajudar?".into())})).await;
    page.element_with_text(".zc-agent .zc-text", "Olá! Como posso ajudar?").await;
    page.send("Meu pedido não chegou").await;

    // A quiet conversation outlives nginx's idle timeout on the stream: heartbeats keep it. (The
    // scenario's timeline, not a wait for anything: twice the timeout with nothing to say.)
    let opened = streams_opened(&[&a, &b]).await;
    tokio::time::sleep(Duration::from_secs(PROXY_IDLE_SECONDS * 2 + 1)).await;
    assert_eq!(streams_opened(&[&a, &b]).await, opened, "no stream was cut and opened again while the conversation was quiet");

    // A rolling restart: relay A stops (its streams end; nginx sends everything to B), the
    // conversation goes on, A comes back on its address.
    a.stop().await;
    let during = agent_says("Estou verificando, um momento.".into());
    agent.act(&hash, "messages", json!({"content": during})).await;
    page.send("Obrigada").await;
    a = relay(&a_listen, &public_url, &shared, false).await;
    let after = agent_says("Seu pedido sai amanhã.".into());
    agent.act(&hash, "messages", json!({"content": after})).await;

    // nginx reloads its configuration (new workers; the old ones finish their connections).
    nginx.reload();
    let reloaded = agent_says("Mais alguma coisa?".into());
    agent.act(&hash, "messages", json!({"content": reloaded})).await;
    // A file, through the proxy (its body streamed) to a relay and the shared store.
    let receipt = dir.join("comprovante.pdf");
    let pdf = [b"%PDF-1.4\n".as_slice(), &[b'%'; 300_000], b"\n%%EOF"].concat();
    std::fs::write(&receipt, &pdf).unwrap();
    page.client.find(fantoccini::Locator::Css(".zc-attach input[type=file]")).await.unwrap().send_keys(&receipt.display().to_string()).await.unwrap();
    page.element(".zc-composer button[type=submit]").await.click().await.unwrap();
    page.element_with_text(".zc-visitor[data-delivery=sent] .zc-text", "comprovante.pdf").await;
    page.send("Não, obrigada!").await;

    for text in &said {
        page.element_with_text(".zc-agent .zc-text", text).await;
    }
    assert_eq!(page.texts(".zc-agent .zc-text").await, said, "every agent message once, in order");
    let view = agent.view(&hash).await;
    let visitor: Vec<&str> =
        view["transcript"].as_array().unwrap().iter().filter(|m| m["from"] == "customer").filter_map(|m| m["content"].as_str()).collect();
    assert_eq!(visitor, ["Meu pedido não chegou", "Obrigada", "comprovante.pdf", "Não, obrigada!"], "every visitor message once: {view}");
    // The file's address is on the public URL; through the proxy (trusting the test's
    // certificate), whichever relay answers serves it from the shared store, as sent.
    let url = view["transcript"].as_array().unwrap().iter().find_map(|m| m["url"].as_str()).unwrap().to_string();
    assert!(url.starts_with(&format!("{public_url}/uploads/")), "{url}");
    let trusting =
        reqwest::Client::builder().add_root_certificate(reqwest::Certificate::from_pem(&std::fs::read(&cert).unwrap()).unwrap()).build().unwrap();
    for _ in 0..4 {
        let served = trusting.get(&url).send().await.unwrap();
        assert_eq!(served.status(), 200);
        assert_eq!(served.bytes().await.unwrap().as_ref(), pdf.as_slice());
    }
    assert_eq!(view["state"], Value::from("accepted"));
    page.screenshot("production").await;

    page.close().await;
    nginx.stop().await;
    a.stop().await;
    b.stop().await;
    let _ = stop_sandbox.send(true);
    redis.stop().await;
    drop(s3);
    let _ = std::fs::remove_dir_all(&redis.dir);
    let _ = std::fs::remove_dir_all(&dir);
}
