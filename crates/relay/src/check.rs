//! `zchat-relay --check`: the configuration and the environment checked without serving, each
//! finding printed plainly, an error making the exit status non-zero. An operator runs it before
//! starting a relay (the systemd unit does it first): secrets present and long enough, a public
//! URL browsers can trust, the host pages named, the widget built, Redis, the uploads' store and
//! zChat answering.

use std::fmt;
use std::time::Duration;

use object_store::ObjectStoreExt;

use crate::config::Config;
use crate::launch::{Secret, IDENTITY_SECRET, SESSION_SECRET, WEBHOOK_SECRET};

/// How long Redis and zChat have to answer.
const PATIENCE: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Ok,
    /// Works, but is not what production wants.
    Warning,
    /// The relay would not start, or would not work.
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub level: Level,
    pub what: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mark = match self.level {
            Level::Ok => "ok     ",
            Level::Warning => "warning",
            Level::Error => "error  ",
        };
        write!(f, "{mark}  {}", self.what)
    }
}

fn finding(level: Level, what: impl Into<String>) -> Finding {
    Finding { level, what: what.into() }
}

/// Every check of `config`, the ones that need the network included.
pub async fn run(config: &Config) -> Vec<Finding> {
    let mut findings = settings(config);
    findings.push(match (&config.redis_sentinels, config.redis()) {
        (Some((sentinels, name)), Some((_, min_replicas))) => sentinel(sentinels, name, config.redis_url.as_deref(), min_replicas).await,
        _ => redis(config.redis_url.as_deref()).await,
    });
    findings.push(uploads(&config.uploads).await);
    if let Some((base, _)) = &config.upstream {
        findings.push(zchat(base).await);
    }
    findings
}

/// The checks that read only the configuration and the file system.
pub fn settings(config: &Config) -> Vec<Finding> {
    use Level::*;
    let mut findings = Vec::new();
    findings.push(match &config.upstream {
        Some((base, token)) if !token.is_empty() && (base.starts_with("https://") || base.starts_with("http://")) => {
            finding(Ok, format!("ZCHAT_API_BASE is {base}, with a token"))
        }
        Some((base, _)) => finding(Error, format!("ZCHAT_API_BASE {base:?} must be an http(s) URL, and ZCHAT_TOKEN set")),
        None => finding(Warning, "ZCHAT_API_BASE is unset: the relay talks to its in-process sandbox, a fake zChat for demos"),
    });
    let secret = |rule: &Secret, value: Option<&str>| match value.map(|value| (value.len(), rule.check(value))) {
        Some((length, Result::Ok(()))) => finding(Ok, format!("{} is set ({length} bytes)", rule.name)),
        Some((_, Err(why))) => finding(Error, why),
        None => finding(Error, format!("{} is unset: a generated one changes at every start and differs between relays", rule.name)),
    };
    findings.push(secret(&WEBHOOK_SECRET, config.webhook_secret.as_deref()));
    findings.push(secret(&SESSION_SECRET, config.session_secret.as_deref()));
    match (config.identity_secret.as_deref(), config.identity_required) {
        (None, false) => {
            findings.push(finding(Ok, "RELAY_IDENTITY_SECRET is unset: conversations cannot name a verified customer or a bot's transcript"))
        }
        (None, true) => findings.push(finding(Error, "RELAY_IDENTITY_REQUIRED needs RELAY_IDENTITY_SECRET")),
        (Some(value), _) => findings.push(secret(&IDENTITY_SECRET, Some(value))),
    }
    findings.push(match config.public_url.as_deref() {
        None => finding(Error, "RELAY_PUBLIC_URL is unset: browsers and zChat must be told where the relay is"),
        Some(url) if url.starts_with("https://") => finding(Ok, format!("RELAY_PUBLIC_URL is {url}")),
        Some(url) if url.starts_with("http://") && loopback(url) => {
            finding(Warning, format!("RELAY_PUBLIC_URL is {url}: plain HTTP, on this machine only"))
        }
        Some(url) => finding(Error, format!("RELAY_PUBLIC_URL {url:?} must be https:// (browsers send session credentials to it)")),
    });
    findings.push(if config.allowed_origins.is_empty() {
        finding(Error, "RELAY_ALLOWED_ORIGINS is unset: any site could embed the widget")
    } else {
        finding(Ok, format!("RELAY_ALLOWED_ORIGINS: {}", config.allowed_origins.join(", ")))
    });
    let widget = &config.widget_dir;
    findings.push(if widget.join("index.html").is_file() && widget.join("widget.js").is_file() {
        finding(Ok, format!("the widget's build is in {}", widget.display()))
    } else {
        finding(Error, format!("no widget build in {} (index.html and widget.js): build it, or set RELAY_WIDGET_DIR", widget.display()))
    });
    findings
}

/// Whether a URL's host is this machine.
fn loopback(url: &str) -> bool {
    let host = crate::origin_of(url);
    let host = host.split("://").nth(1).unwrap_or_default();
    let name = if host.starts_with('[') {
        host.split(']').next().unwrap_or_default().trim_start_matches('[')
    } else {
        host.split(':').next().unwrap_or_default()
    };
    name == "localhost" || name.parse::<std::net::IpAddr>().is_ok_and(|address| address.is_loopback())
}

async fn redis(url: Option<&str>) -> Finding {
    let Some(url) = url else { return finding(Level::Ok, "REDIS_URL is unset: one relay, its event log in memory") };
    let answered = async {
        let client = redis::Client::open(url)?;
        let mut connection = client.get_multiplexed_async_connection().await?;
        redis::cmd("PING").query_async::<String>(&mut connection).await
    };
    match tokio::time::timeout(PATIENCE, answered).await {
        Ok(Ok(_)) => finding(Level::Ok, "Redis answers at REDIS_URL"),
        Ok(Err(error)) => finding(Level::Error, format!("Redis at REDIS_URL does not answer: {error}")),
        Err(_) => finding(Level::Error, format!("Redis at REDIS_URL did not answer within {} s", PATIENCE.as_secs())),
    }
}

/// Redis Sentinel names a primary, which answers as one and has the replicas a trigger must be on.
async fn sentinel(sentinels: &[String], name: &str, template: Option<&str>, min_replicas: usize) -> Finding {
    let asked = async {
        let (host, port) = crate::redis_link::primary_of(sentinels, name).await?;
        let (at, info) = crate::redis_link::reached_as(template, host, port)?;
        let mut connection = redis::Client::open(info)?.get_multiplexed_async_connection().await?;
        let info: String = redis::cmd("INFO").arg("replication").query_async(&mut connection).await?;
        let field = |name: &str| info.lines().find_map(|line| line.strip_prefix(name)).map(|value| value.trim().to_string());
        let replicas = field("connected_slaves:").and_then(|n| n.parse::<usize>().ok()).unwrap_or(0);
        Ok::<_, crate::redis_link::Unavailable>((at, field("role:").unwrap_or_default(), replicas))
    };
    match tokio::time::timeout(PATIENCE, asked).await {
        Ok(Ok((at, role, _))) if role != "master" => {
            finding(Level::Error, format!("Redis Sentinel names {at} the primary {name:?}, but it says it is a {role}: a failover under way?"))
        }
        Ok(Ok((at, _, replicas))) if replicas >= min_replicas => {
            finding(Level::Ok, format!("Redis Sentinel names the primary {name:?} at {at}, with {replicas} replica(s) (RELAY_REDIS_MIN_REPLICAS {min_replicas})"))
        }
        Ok(Ok((at, _, replicas))) => finding(
            Level::Error,
            format!("the primary {name:?} at {at} has {replicas} replica(s), under RELAY_REDIS_MIN_REPLICAS {min_replicas}: every webhook would be refused"),
        ),
        Ok(Err(error)) => finding(Level::Error, format!("REDIS_SENTINELS: {error}")),
        Err(_) => finding(Level::Error, format!("REDIS_SENTINELS did not answer within {} s", PATIENCE.as_secs())),
    }
}

/// The uploads' store takes a file and lets it go again (a probe object, written and deleted).
async fn uploads(settings: &crate::config::UploadSettings) -> Finding {
    let place = match &settings.url {
        Some(url) => format!("the S3 store at RELAY_UPLOAD_URL ({url})"),
        None => format!("the upload folder {} (RELAY_UPLOAD_DIR)", settings.dir.display()),
    };
    let store = match crate::uploads::store::open(settings) {
        Ok(store) => store,
        Err(error) => return finding(Level::Error, error),
    };
    let probe = object_store::path::Path::from("zchat-relay-check.probe");
    let tried = async {
        store.put(&probe, "probe".into()).await?;
        store.delete(&probe).await
    };
    match tokio::time::timeout(PATIENCE, tried).await {
        Ok(Ok(())) => finding(Level::Ok, format!("{place} takes files")),
        Ok(Err(error)) => finding(Level::Error, format!("{place} does not take files: {error}")),
        Err(_) => finding(Level::Error, format!("{place} did not answer within {} s", PATIENCE.as_secs())),
    }
}

async fn zchat(base: &str) -> Finding {
    let client = reqwest::Client::builder().timeout(PATIENCE).redirect(reqwest::redirect::Policy::none()).build();
    let answer = match client {
        Ok(client) => client.get(base).send().await,
        Err(error) => return finding(Level::Error, format!("no HTTP client: {error}")),
    };
    match answer {
        Ok(answer) => finding(Level::Ok, format!("zChat answers at {base} (HTTP {})", answer.status().as_u16())),
        Err(error) => finding(Level::Error, format!("zChat at {base} does not answer: {error}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn production() -> Config {
        Config {
            public_url: Some("https://chat.example.com".into()),
            upstream: Some(("https://zchat.zenvia.io".into(), "token".into())),
            webhook_secret: Some("w".repeat(32)),
            session_secret: Some("s".repeat(64)),
            allowed_origins: vec!["https://shop.example.com".into()],
            widget_dir: std::env::temp_dir().join("zchat-check-widget"),
            ..Config::default()
        }
    }

    fn errors(config: &Config) -> Vec<String> {
        settings(config).into_iter().filter(|f| f.level == Level::Error).map(|f| f.what).collect()
    }

    #[test]
    fn a_production_configuration_passes_and_each_mistake_is_named() {
        std::fs::create_dir_all(production().widget_dir).unwrap();
        std::fs::write(production().widget_dir.join("index.html"), "<!doctype html>").unwrap();
        std::fs::write(production().widget_dir.join("widget.js"), "").unwrap();
        assert_eq!(errors(&production()), Vec::<String>::new());
        type Mistake = Box<dyn Fn(&mut Config)>;
        let table: [(&str, Mistake); 10] = [
            ("ZCHAT_WEBHOOK_SECRET is unset", Box::new(|c| c.webhook_secret = None)),
            ("ZCHAT_WEBHOOK_SECRET must be at least 16 bytes (it has 5)", Box::new(|c| c.webhook_secret = Some("short".into()))),
            ("RELAY_SESSION_SECRET must be at least 32 bytes (it has 31)", Box::new(|c| c.session_secret = Some("s".repeat(31)))),
            ("RELAY_IDENTITY_SECRET must be at least 32 bytes (it has 8)", Box::new(|c| c.identity_secret = Some("identity".into()))),
            ("RELAY_IDENTITY_REQUIRED needs", Box::new(|c| c.identity_required = true)),
            ("RELAY_PUBLIC_URL \"http://chat.example.com\" must be https://", Box::new(|c| c.public_url = Some("http://chat.example.com".into()))),
            ("RELAY_PUBLIC_URL is unset", Box::new(|c| c.public_url = None)),
            ("RELAY_ALLOWED_ORIGINS is unset", Box::new(|c| c.allowed_origins.clear())),
            ("no widget build in", Box::new(|c| c.widget_dir = "/nonexistent".into())),
            ("ZCHAT_API_BASE \"zchat.zenvia.io\" must be", Box::new(|c| c.upstream = Some(("zchat.zenvia.io".into(), "t".into())))),
        ];
        for (expected, mistake) in table {
            let mut config = production();
            mistake(&mut config);
            let found = errors(&config);
            assert!(found.len() == 1 && found[0].starts_with(expected), "{expected}: {found:?}");
        }
    }

    #[test]
    fn plain_http_is_only_for_this_machine() {
        for url in ["http://127.0.0.1:8080", "http://localhost:8080", "http://[::1]:8080"] {
            let config = Config { public_url: Some(url.into()), ..production() };
            let finding = settings(&config).into_iter().find(|f| f.what.starts_with("RELAY_PUBLIC_URL")).unwrap();
            assert_eq!(finding.level, Level::Warning, "{url}");
        }
        for url in ["http://10.0.0.1", "http://localhost.example.com", "http://127.0.0.1.nip.io"] {
            let config = Config { public_url: Some(url.into()), ..production() };
            assert!(errors(&config).iter().any(|e| e.contains("must be https://")), "{url}");
        }
    }
}
