//! Hostile input, one module per class (paths, bodies, headers and ids, credentials, webhooks,
//! connections and rates, the upstream): each a table of cases with the exact answer expected,
//! run against the real product, and the relay still healthy after every table.

mod bodies;
mod connections;
mod credentials;
mod headers;
mod paths;
mod upstream;
mod webhooks;

use crate::support::Product;

/// After a table: the relay still answers.
pub async fn still_healthy(product: &Product) {
    let health = product.http.get(product.relay("/healthz")).send().await.expect("the relay still answers");
    assert_eq!(health.status(), 200);
}
