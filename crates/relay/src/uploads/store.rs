//! Where visitors' files are kept, behind one interface (`object_store`'s): a folder on disk
//! (`RELAY_UPLOAD_DIR`, one relay), or S3-compatible object storage (`RELAY_UPLOAD_URL=
//! s3://bucket/prefix`, several relays: a file uploaded through one is served by all), with the
//! endpoint and keys of [`S3Settings`] (the binary reads the usual `AWS_*` settings into it).

use std::sync::Arc;
use std::time::Duration;

use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::prefix::PrefixStore;
use object_store::{ClientOptions, ObjectStore, RetryConfig};

use crate::config::{S3Settings, UploadSettings};

pub type Store = Arc<dyn ObjectStore>;

/// The store `settings` name (creating the folder if it is missing).
pub fn open(settings: &UploadSettings) -> Result<Store, String> {
    match &settings.url {
        None => {
            std::fs::create_dir_all(&settings.dir).map_err(|e| format!("RELAY_UPLOAD_DIR {}: {e}", settings.dir.display()))?;
            let local = LocalFileSystem::new_with_prefix(&settings.dir).map_err(|e| format!("RELAY_UPLOAD_DIR {}: {e}", settings.dir.display()))?;
            Ok(Arc::new(local))
        }
        Some(url) => {
            let (bucket, prefix) = bucket_and_prefix(url)?;
            let s3 = s3_builder(&settings.s3).with_bucket_name(bucket).build().map_err(|e| format!("RELAY_UPLOAD_URL {url}: {e}"))?;
            Ok(if prefix.is_empty() { Arc::new(s3) } else { Arc::new(PrefixStore::new(s3, prefix)) })
        }
    }
}

/// How long one request to the store may take: a part is at most 5 MiB, which this sends at
/// 2.8 Mbit/s. `object_store`'s default is 30 s; a store that takes the request and never answers
/// (SeaweedFS with its disk full does) would keep the visitor waiting that long for each try.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

/// How long a store that fails is tried again before the visitor is told to try again later.
/// `object_store`'s default is three minutes and ten tries: a visitor would watch a spinner that
/// long, and an upload's idempotency lease (30 s) would lapse under it, letting a retry store the
/// file a second time.
fn retry() -> RetryConfig {
    let backoff = object_store::BackoffConfig { init_backoff: Duration::from_millis(100), max_backoff: Duration::from_secs(2), base: 2.0 };
    RetryConfig { backoff, max_retries: 3, retry_timeout: REQUEST_TIMEOUT }
}

fn s3_builder(s3: &S3Settings) -> AmazonS3Builder {
    // The client options first: they replace the whole set, `allow_http` included.
    let options = ClientOptions::new().with_timeout(REQUEST_TIMEOUT).with_connect_timeout(Duration::from_secs(2));
    let mut builder = AmazonS3Builder::new()
        .with_client_options(options)
        .with_retry(retry())
        .with_allow_http(s3.allow_http)
        .with_virtual_hosted_style_request(s3.virtual_hosted);
    if let Some(endpoint) = &s3.endpoint {
        builder = builder.with_endpoint(endpoint);
    }
    if let Some(region) = &s3.region {
        builder = builder.with_region(region);
    }
    if let (Some(id), Some(secret)) = (&s3.access_key_id, &s3.secret_access_key) {
        builder = builder.with_access_key_id(id).with_secret_access_key(secret);
    }
    builder
}

/// `s3://bucket/some/prefix` as its bucket and prefix (without slashes at its ends).
pub fn bucket_and_prefix(url: &str) -> Result<(&str, &str), String> {
    let rest = url.strip_prefix("s3://").ok_or_else(|| format!("RELAY_UPLOAD_URL {url:?} must be s3://bucket or s3://bucket/prefix"))?;
    let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    let valid = (3..=63).contains(&bucket.len()) && bucket.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.');
    if !valid {
        return Err(format!("RELAY_UPLOAD_URL {url:?}: {bucket:?} is not a bucket name"));
    }
    Ok((bucket, prefix.trim_matches('/')))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_s3_url_names_a_bucket_and_maybe_a_prefix() {
        assert_eq!(bucket_and_prefix("s3://chat-files").unwrap(), ("chat-files", ""));
        assert_eq!(bucket_and_prefix("s3://chat-files/widget/uploads/").unwrap(), ("chat-files", "widget/uploads"));
        for bad in ["chat-files", "https://s3.example.com/b", "s3://", "s3://UPPER", "s3://ab", "s3://a_b/x"] {
            assert!(bucket_and_prefix(bad).is_err(), "{bad}");
        }
    }
}
