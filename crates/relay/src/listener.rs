//! The relay's accept loop, in place of `axum::serve`, for what that one cannot do: a time limit on
//! a request's head (a connection that never finishes its head is dropped, not held), and a cap on
//! the connections one client address may hold open. HTTP/1.1 and HTTP/2 (h2c) on one port.
//!
//! Each request carries `ConnectInfo<SocketAddr>` as with axum's own server. On shutdown the
//! listener closes, idle connections end, and the rest get a few seconds to finish (streams end
//! by themselves on the same signal).

use std::net::SocketAddr;
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use prometheus_client::metrics::counter::Counter;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower::ServiceExt;

use crate::admission::{client_key, Slots};

/// How long connections may take to finish once the relay stops.
const DRAIN: Duration = Duration::from_secs(5);

/// What one connection may do.
#[derive(Debug, Clone)]
pub struct ConnectionLimits {
    /// How long a client has to send a request's whole head.
    pub header_timeout: Duration,
    /// Open connections per client address; `None` behind a proxy (every peer is the proxy, and
    /// the limits that follow `X-Forwarded-For` apply instead).
    pub per_address: Option<usize>,
}

/// Serves `router` on `listener` until `stopping` turns true. `refused` counts the connections
/// closed at once because their address holds too many.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    refused: Counter,
    mut stopping: watch::Receiver<bool>,
) -> std::io::Result<()> {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder.http1().timer(TokioTimer::new()).header_read_timeout(limits.header_timeout);
    builder.http2().timer(TokioTimer::new());
    let slots = Slots::new(limits.per_address.unwrap_or(usize::MAX));
    let graceful = GracefulShutdown::new();
    loop {
        let (socket, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors and the like: wait a moment rather than spin.
                    tracing::warn!(%error, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = stopped(&mut stopping) => break,
        };
        let Some(slot) = slots.take(client_key(peer.ip())) else {
            refused.inc();
            continue;
        };
        let _ = socket.set_nodelay(true);
        let header_timeout = limits.header_timeout;
        let router = router.clone();
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo::<SocketAddr>(peer));
            router.clone().oneshot(request.map(Body::new))
        });
        let (builder, watcher) = (builder.clone(), graceful.watcher());
        tokio::spawn(async move {
            // The protocol is told by the first bytes, which hyper waits for without a limit: a
            // connection that sends nothing is closed after the head's time limit.
            let mut first = [0u8; 1];
            if !matches!(tokio::time::timeout(header_timeout, socket.peek(&mut first)).await, Ok(Ok(1..))) {
                return;
            }
            let connection = builder.serve_connection_with_upgrades(TokioIo::new(socket), service);
            // A client that leaves mid-request or never finishes its head ends here, quietly.
            let _ = watcher.watch(connection).await;
            drop(slot);
        });
    }
    drop(listener);
    let _ = tokio::time::timeout(DRAIN, graceful.shutdown()).await;
    Ok(())
}

async fn stopped(stopping: &mut watch::Receiver<bool>) {
    let _ = stopping.wait_for(|stop| *stop).await;
}
