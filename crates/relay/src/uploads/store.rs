//! Where visitors' files are kept, behind one interface (`object_store`'s): a folder on disk
//! (`RELAY_UPLOAD_DIR`, one relay), or S3-compatible object storage (`RELAY_UPLOAD_URL=
//! s3://bucket/prefix`, several relays: a file uploaded through one is served by all). The S3
//! endpoint, region and keys are the usual `AWS_ENDPOINT`, `AWS_REGION`, `AWS_ACCESS_KEY_ID`,
//! `AWS_SECRET_ACCESS_KEY` (and `AWS_ALLOW_HTTP=true` for a plain-HTTP endpoint); paths are
//! path-style unless `AWS_VIRTUAL_HOSTED_STYLE_REQUEST=true`.

use std::sync::Arc;

use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::prefix::PrefixStore;
use object_store::ObjectStore;

use crate::config::UploadSettings;

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
            let s3 = AmazonS3Builder::from_env().with_bucket_name(bucket).build().map_err(|e| format!("RELAY_UPLOAD_URL {url}: {e}"))?;
            Ok(if prefix.is_empty() { Arc::new(s3) } else { Arc::new(PrefixStore::new(s3, prefix)) })
        }
    }
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
