//! Runs the sandbox alone (the relay normally starts it in-process).

use clap::Parser;
use zchat_sandbox::{serve, Config};

#[derive(Parser)]
#[command(about = "A local stand-in for zChat: ClientApi V1, webhooks, agent console and agent API")]
struct Args {
    /// Address to listen on.
    #[arg(long, env = "SANDBOX_LISTEN", default_value = "127.0.0.1:8081")]
    listen: String,
    /// Where to POST triggers, e.g. http://127.0.0.1:8080/webhooks/zchat/SECRET.
    #[arg(long, env = "SANDBOX_WEBHOOK_URL")]
    webhook_url: Option<String>,
    /// The account (tokens, departments, tags, customer keys) as a JSON file. Unset: the demo account.
    #[arg(long, env = "SANDBOX_ACCOUNT")]
    account: Option<std::path::PathBuf>,
}

#[tokio::main]
async fn main() -> Result<(), String> {
    tracing_subscriber::fmt().with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into())).init();
    let args = Args::parse();
    let account = match &args.account {
        Some(path) => zchat_sandbox::Account::from_file(path)?,
        None => zchat_sandbox::Account::default(),
    };
    let listener = tokio::net::TcpListener::bind(&args.listen).await.map_err(|e| format!("cannot listen on {}: {e}", args.listen))?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    tracing::info!("sandbox on http://{address}/ (agent console), tokens {:?}", account.tokens);
    let config = Config { account, webhook_url: args.webhook_url };
    serve(listener, config, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
    .map_err(|e| e.to_string())
}
