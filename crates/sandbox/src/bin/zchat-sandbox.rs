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
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .init();
    let args = Args::parse();
    let listener = tokio::net::TcpListener::bind(&args.listen).await?;
    let address = listener.local_addr()?;
    tracing::info!("sandbox on http://{address}/ (agent console), token {}", zchat_sandbox::DEFAULT_TOKEN);
    let config = Config { account: Default::default(), webhook_url: args.webhook_url };
    serve(listener, config, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
}
