//! Visitors' files (docs/design.md, "The relay's public contract"): uploaded by the widget's frame,
//! kept, served at an unguessable address, and sent to zChat as the reference's media message.
//!
//! - [`kind`]: what may be sent, decided from the content.
//! - [`metadata`]: location and camera metadata out of images.
//! - [`address`]: the file's public address, bound to its interaction.
//! - [`quota`]: bytes per conversation.
//! - [`store`]: a folder or S3-compatible storage, behind one interface.
//!
//! An upload is checked (origin, session credential, rates, `Content-Length` against the limit
//! and the conversation's quota) before a byte of it is read; it is then written to a spool file
//! as it arrives (never whole in memory), its kind decided from its first bytes, its metadata
//! removed (images: read whole, at most [`STORING_AT_ONCE`] at a time), and it is stored. Logs
//! never carry a file's name or address.

pub mod address;
pub mod kind;
mod metadata;
mod quota;
pub mod store;

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use bytes::Bytes;
use futures_util::{StreamExt, TryStreamExt};
use object_store::buffered::BufWriter;
use object_store::{GetOptions, GetRange, ObjectStore, ObjectStoreExt};
use tokio::io::AsyncWriteExt;
use tokio::sync::Semaphore;
use zchat_types::{paths, MessageType, SendMessage, Uploaded, UploadedFile};

use crate::caller::Visitor;
use crate::config::UploadSettings;
use crate::error::RelayError;
use crate::hash::InteractionHash;
use crate::idempotency::{self, fingerprint};
use crate::metrics;
use crate::redis_link::Backing;
use crate::Relay;
use kind::Kind;
use quota::{Quota, Reserved};

/// Uploads read into memory at once to have their metadata removed.
pub const STORING_AT_ONCE: usize = 2;
/// The first bytes of a file, which decide its kind.
const HEAD: usize = 64 * 1024;
/// How long an upload may send nothing before it is given up.
const STALLED: Duration = Duration::from_secs(30);
/// The longest `X-File-Name` (percent-encoded) and browser type read.
const MAX_NAME_HEADER: usize = 1024;
const MAX_NAME_CHARS: usize = 120;
/// Parts of a large file written to S3 at once.
const PART: usize = 5 * 1024 * 1024;
/// How a served file may be cached: it never changes under its address.
const CACHE: &str = "private, max-age=31536000, immutable";

pub struct Uploads {
    store: store::Store,
    settings: UploadSettings,
    quota: Quota,
    storing: Semaphore,
}

impl Uploads {
    /// Opens the store `settings` name; the quota is kept on `backing` (Redis when the relays
    /// share it).
    pub fn open(settings: &UploadSettings, backing: &Backing, most_conversations: usize) -> Result<Uploads, String> {
        Ok(Uploads {
            store: store::open(settings)?,
            settings: settings.clone(),
            quota: Quota::new(backing, most_conversations),
            storing: Semaphore::new(STORING_AT_ONCE),
        })
    }

    /// Checks a visitor's message before it goes to zChat: a media message must carry an address
    /// this relay issued for `hash`, of that kind (403 otherwise); a text message no address.
    pub fn check_message(&self, relay: &Relay, hash: &InteractionHash, message: &SendMessage) -> Result<(), RelayError> {
        match (&message.url, message.kind) {
            (None, MessageType::Text) => Ok(()),
            (Some(_), MessageType::Text) => Err(RelayError::refused(400, "A text message carries no url")),
            (None, _) => Err(RelayError::refused(400, "A media message needs the url its upload answered")),
            (Some(url), kind) => match address::issued_for(&relay.sessions, &relay.public_url, hash, url) {
                Some(issued) if issued.message == kind => Ok(()),
                Some(_) => Err(RelayError::refused(403, "The message's type is not the uploaded file's")),
                None => Err(RelayError::refused(403, "The url is not a file uploaded to this conversation")),
            },
        }
    }
}

/// The upload route, for the widget's frame (with the rest of the browser API).
pub fn routes() -> Router<Arc<Relay>> {
    Router::new().route(paths::UPLOADS, post(upload))
}

/// Where stored files are served (agents and zChat's transcript open them).
pub fn file_routes() -> Router<Arc<Relay>> {
    Router::new().route("/uploads/{*file}", get(serve_file))
}

async fn upload(State(relay): State<Arc<Relay>>, Visitor { hash }: Visitor, headers: HeaderMap, body: Body) -> Result<Response, RelayError> {
    let settings = &relay.uploads.settings;
    let length = content_length(&headers, settings.max_bytes).inspect_err(|refusal| {
        if refusal.status() == 413 {
            relay.metrics.uploads.get_or_create(&refused("too_large")).inc();
        }
    })?;
    let name = file_name(&headers)?;
    let declared = match headers.get(header::CONTENT_TYPE) {
        None => String::new(),
        Some(value) if value.len() <= MAX_NAME_HEADER => {
            value.to_str().map_err(|_| RelayError::refused(400, "The Content-Type is not readable"))?.to_string()
        }
        Some(_) => return Err(RelayError::refused(400, "The Content-Type is too long")),
    };
    let key = idempotency::key(&headers)?;
    let print = fingerprint(&(length, &name, &declared));
    let scope = format!("upload:{hash}");
    let run = {
        let relay = Arc::clone(&relay);
        async move { receive(&relay, &hash, length, name, declared, body).await.into_response() }
    };
    // A retry with the same key (a dropped connection, another tab) gets the first file's answer.
    Ok(relay.idempotency.once(&scope, key, print, run).await)
}

fn refused(outcome: &'static str) -> metrics::Upload {
    metrics::Upload { outcome, kind: "unknown" }
}

/// The body's declared length: required (a browser always sends it for a file), at most `max`.
fn content_length(headers: &HeaderMap, max: u64) -> Result<u64, RelayError> {
    let length = headers.get(header::CONTENT_LENGTH).ok_or_else(|| RelayError::refused(411, "An upload needs its Content-Length"))?;
    let length: u64 =
        length.to_str().ok().and_then(|text| text.parse().ok()).ok_or_else(|| RelayError::refused(400, "The Content-Length is not a number"))?;
    if length == 0 {
        return Err(RelayError::refused(400, "The file is empty"));
    }
    if length > max {
        return Err(RelayError::refused(413, format!("The file is too large: the limit is {}", human_bytes(max))));
    }
    Ok(length)
}

/// The visitor's name for the file (`X-File-Name`, percent-encoded UTF-8), cleaned of control
/// characters and cut; empty when not given.
fn file_name(headers: &HeaderMap) -> Result<String, RelayError> {
    let Some(value) = headers.get(paths::FILE_NAME_HEADER) else { return Ok(String::new()) };
    if value.len() > MAX_NAME_HEADER {
        return Err(RelayError::refused(400, "The X-File-Name is too long"));
    }
    let text = value.to_str().map_err(|_| RelayError::refused(400, "The X-File-Name must be percent-encoded"))?;
    let decoded = percent_encoding::percent_decode_str(text).decode_utf8().map_err(|_| RelayError::refused(400, "The X-File-Name is not UTF-8"))?;
    Ok(decoded.chars().filter(|c| !c.is_control()).take(MAX_NAME_CHARS).collect::<String>().trim().to_string())
}

/// `bytes` as people say it (10 MB).
pub fn human_bytes(bytes: u64) -> String {
    const MIB: u64 = 1024 * 1024;
    if bytes >= MIB && bytes % MIB == 0 {
        format!("{} MB", bytes / MIB)
    } else if bytes >= MIB {
        format!("{:.1} MB", bytes as f64 / MIB as f64)
    } else {
        format!("{} KB", bytes.div_ceil(1024))
    }
}

/// Reserves the quota, keeps the file, gives back what was not stored, and counts the outcome.
async fn receive(
    relay: &Relay,
    hash: &InteractionHash,
    length: u64,
    name: String,
    declared: String,
    body: Body,
) -> Result<Json<Uploaded>, RelayError> {
    let uploads = &relay.uploads;
    let limit = uploads.settings.quota_bytes;
    match uploads.quota.reserve(hash, length, limit, relay.idle_ttl).await? {
        Reserved::Yes => {}
        Reserved::No { used } => {
            relay.metrics.uploads.get_or_create(&refused("quota")).inc();
            let left = limit.saturating_sub(used);
            return Err(RelayError::refused(
                413,
                format!("This conversation's files may take {} in all; {} is left", human_bytes(limit), human_bytes(left)),
            ));
        }
    }
    let kept = keep(relay, hash, length, &name, &declared, body).await;
    let stored = kept.as_ref().map_or(0, |(_, file)| file.size);
    uploads.quota.release(hash, length.saturating_sub(stored)).await;
    match kept {
        Ok((kind, file)) => {
            relay.metrics.uploads.get_or_create(&metrics::Upload { outcome: "stored", kind: kind.message.name() }).inc();
            relay.metrics.upload_bytes.inc_by(file.size);
            tracing::info!(kind = kind.ext, size = file.size, "a visitor's file is stored");
            Ok(Json(Uploaded { data: file, message: "File stored".into(), status: 200 }))
        }
        Err(error) => {
            relay.metrics.uploads.get_or_create(&refused(outcome_of(&error))).inc();
            Err(error)
        }
    }
}

/// An upload's outcome for the metrics, by how it failed: the store (`failed`), the file's kind
/// (`wrong_kind`), or the upload itself (`cut_off`).
fn outcome_of(error: &RelayError) -> &'static str {
    match error {
        RelayError::Refused { status: 415, .. } => "wrong_kind",
        RelayError::Refused { .. } => "cut_off",
        _ => "failed",
    }
}

/// The file, spooled, recognised, cleaned and stored; or why not.
async fn keep(
    relay: &Relay,
    hash: &InteractionHash,
    length: u64,
    name: &str,
    declared: &str,
    body: Body,
) -> Result<(&'static Kind, UploadedFile), RelayError> {
    let uploads = &relay.uploads;
    let mut spool = Spool::create(&uploads.settings.spool_dir).await.map_err(RelayError::files)?;
    let head = spool.receive(body, length).await?;
    let kind = kind::classify(&head, head.len() as u64 == length, name, declared).map_err(|reason| RelayError::refused(415, reason))?;
    let shown = address::display_name(name, kind);
    let issued = address::issue(&relay.sessions, &relay.public_url, hash, kind, &shown);
    let path = object_store::path::Path::from(issued.object.as_str());
    let _turn = uploads.storing.acquire().await.map_err(RelayError::files)?;
    let size = if metadata::has_metadata(kind.ext) {
        let bytes = tokio::fs::read(&spool.path).await.map_err(RelayError::files)?;
        let ext = kind.ext;
        let clean = tokio::task::spawn_blocking(move || metadata::strip(ext, Bytes::from(bytes)))
            .await
            .map_err(RelayError::files)?
            .map_err(|reason| RelayError::refused(415, reason))?;
        let size = clean.iter().map(|piece| piece.len() as u64).sum();
        uploads.store.put(&path, clean.into_iter().collect()).await.map_err(RelayError::files)?;
        size
    } else {
        let mut file = tokio::fs::File::open(&spool.path).await.map_err(RelayError::files)?;
        let mut writer = BufWriter::with_capacity(Arc::clone(&uploads.store), path, PART);
        if let Err(error) = tokio::io::copy(&mut file, &mut writer).await {
            let _ = writer.abort().await;
            return Err(RelayError::files(error));
        }
        // A writer whose completion failed cannot be aborted (`object_store` panics if asked):
        // the store's own rule for unfinished multipart uploads clears what it left.
        writer.shutdown().await.map_err(RelayError::files)?;
        length
    };
    let name = if name.is_empty() { shown } else { name.to_string() };
    Ok((kind, UploadedFile { url: issued.url, kind: kind.message, size, name }))
}

/// A file on its way in, on disk; removed when dropped.
struct Spool {
    path: std::path::PathBuf,
    file: tokio::fs::File,
}

impl Spool {
    async fn create(dir: &std::path::Path) -> std::io::Result<Spool> {
        let path = dir.join(format!("zchat-upload-{}.part", crate::random_secret()));
        let file = tokio::fs::OpenOptions::new().write(true).create_new(true).open(&path).await?;
        Ok(Spool { path, file })
    }

    /// Writes `body` (of `length` bytes) to the spool as it arrives; its first bytes come back.
    async fn receive(&mut self, body: Body, length: u64) -> Result<Vec<u8>, RelayError> {
        let mut chunks = body.into_data_stream();
        let mut head = Vec::with_capacity(HEAD.min(length as usize));
        let mut received = 0u64;
        loop {
            let chunk = match tokio::time::timeout(STALLED, chunks.next()).await {
                Err(_) => return Err(RelayError::refused(408, "The upload stalled; try again")),
                Ok(None) => break,
                Ok(Some(Err(_))) => return Err(RelayError::refused(400, "The upload was cut off; try again")),
                Ok(Some(Ok(chunk))) => chunk,
            };
            received += chunk.len() as u64;
            if received > length {
                return Err(RelayError::refused(400, "The body is longer than its Content-Length"));
            }
            let room = HEAD.saturating_sub(head.len()).min(chunk.len());
            head.extend_from_slice(&chunk[..room]);
            self.file.write_all(&chunk).await.map_err(RelayError::files)?;
        }
        if received != length {
            return Err(RelayError::refused(400, "The upload was cut off; try again"));
        }
        self.file.flush().await.map_err(RelayError::files)?;
        Ok(head)
    }
}

impl Drop for Spool {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// `GET /uploads/{token}.{ext}/{name}`: the stored file, as its kind (never as anything a
/// browser would run), with one byte range if asked (players seek).
async fn serve_file(State(relay): State<Arc<Relay>>, uri: Uri, headers: HeaderMap) -> Result<Response, RelayError> {
    let not_found = || RelayError::not_found("No such file");
    // The path as sent (axum's `Path` would decode it): an address has one spelling.
    let file = uri.path().strip_prefix(address::PREFIX).ok_or_else(not_found)?;
    let (object, kind, name) = address::parse(file).ok_or_else(not_found)?;
    let uploads = &relay.uploads;
    let path = object_store::path::Path::from(object.as_str());
    let meta = match uploads.store.head(&path).await {
        Ok(meta) => meta,
        Err(object_store::Error::NotFound { .. }) => return Err(not_found()),
        Err(error) => return Err(RelayError::files(error)),
    };
    let stored_at = meta.last_modified.timestamp_millis().max(0) as u64;
    if stored_at.saturating_add(uploads.settings.retention.as_millis() as u64) <= crate::unix_millis() {
        return Err(RelayError::refused(410, "This file was kept for its time and is gone"));
    }
    let size = meta.size;
    let range = match headers.get(header::RANGE) {
        None => None,
        Some(value) => match byte_range(value.to_str().unwrap_or_default(), size) {
            Some(range) => Some(range),
            None => {
                let mut refusal = RelayError::refused(416, "The range is not in this file").into_response();
                refusal.headers_mut().insert(header::CONTENT_RANGE, HeaderValue::from_str(&format!("bytes */{size}")).expect("digits"));
                return Ok(refusal);
            }
        },
    };
    let options = GetOptions { range: range.clone().map(GetRange::Bounded), ..GetOptions::default() };
    let got = match uploads.store.get_opts(&path, options).await {
        Ok(got) => got,
        Err(object_store::Error::NotFound { .. }) => return Err(not_found()),
        Err(error) => return Err(RelayError::files(error)),
    };
    let body = Body::from_stream(got.into_stream().map_err(std::io::Error::other));
    let disposition = if kind.message == MessageType::File { "attachment" } else { "inline" };
    let mut response = Response::new(body);
    let headers = response.headers_mut();
    let set = |headers: &mut HeaderMap, name: header::HeaderName, value: String| {
        headers.insert(name, HeaderValue::from_str(&value).expect("made of safe characters"));
    };
    set(headers, header::CONTENT_TYPE, kind.mime.to_string());
    // The visitor's own name (RFC 6266: `filename*`, UTF-8), and for clients that read only
    // `filename` its ASCII form (letters, digits, `-`, `_` and `.`: address::safe_name).
    let (ascii, utf8) = (address::safe_name(&name, kind), address::encoded(&name));
    set(headers, header::CONTENT_DISPOSITION, format!("{disposition}; filename=\"{ascii}\"; filename*=UTF-8''{utf8}"));
    set(headers, header::CONTENT_SECURITY_POLICY, "sandbox; default-src 'none'".into());
    set(headers, header::CACHE_CONTROL, CACHE.into());
    set(headers, header::ACCEPT_RANGES, "bytes".into());
    // zChat's console, on its own site, shows it.
    set(headers, header::HeaderName::from_static("cross-origin-resource-policy"), "cross-origin".into());
    match range {
        Some(range) => {
            *response.status_mut() = StatusCode::PARTIAL_CONTENT;
            let headers = response.headers_mut();
            set(headers, header::CONTENT_RANGE, format!("bytes {}-{}/{size}", range.start, range.end - 1));
            set(headers, header::CONTENT_LENGTH, (range.end - range.start).to_string());
        }
        None => set(response.headers_mut(), header::CONTENT_LENGTH, size.to_string()),
    }
    Ok(response)
}

/// One `bytes=` range of a file of `size` bytes, as a half-open range; `None` when it is not one
/// this server serves (several ranges, beyond the end, not a range).
fn byte_range(value: &str, size: u64) -> Option<std::ops::Range<u64>> {
    let spec = value.trim().strip_prefix("bytes=")?;
    let (start, end) = spec.split_once('-')?;
    let number =
        |text: &str| if text.bytes().all(|b| b.is_ascii_digit()) && !text.is_empty() && text.len() < 20 { text.parse::<u64>().ok() } else { None };
    let range = match (start.trim(), end.trim()) {
        ("", suffix) => {
            let suffix = number(suffix)?.min(size);
            size - suffix..size
        }
        (start, "") => number(start)?..size,
        (start, end) => number(start)?..number(end)?.saturating_add(1).min(size),
    };
    (range.start < range.end && range.start < size).then_some(range)
}

/// Deletes stored files past their retention, every little while, until the relay stops.
pub async fn sweep(relay: Arc<Relay>, mut stopping: tokio::sync::watch::Receiver<bool>) {
    let retention = relay.uploads.settings.retention;
    let mut every = tokio::time::interval((retention / 4).clamp(Duration::from_secs(1), Duration::from_secs(3600)));
    loop {
        tokio::select! {
            _ = every.tick() => {}
            _ = stopping.wait_for(|stopping| *stopping) => return,
        }
        let deleted = expire(&relay.uploads, retention).await;
        if deleted > 0 {
            relay.metrics.uploads_expired.inc_by(deleted);
            tracing::info!(deleted, "stored files past their retention deleted");
        }
    }
}

/// Deletes every stored file older than `retention`; how many went.
async fn expire(uploads: &Uploads, retention: Duration) -> u64 {
    let cutoff = crate::unix_millis().saturating_sub(retention.as_millis() as u64);
    let mut listed = uploads.store.list(None);
    let mut deleted = 0;
    while let Some(meta) = listed.next().await {
        let meta = match meta {
            Ok(meta) => meta,
            Err(error) => {
                tracing::warn!(%error, "the stored files could not be listed");
                return deleted;
            }
        };
        if (meta.last_modified.timestamp_millis().max(0) as u64) <= cutoff {
            match uploads.store.delete(&meta.location).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => deleted += 1,
                Err(error) => tracing::warn!(%error, "a stored file past its retention could not be deleted"),
            }
        }
    }
    deleted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_a_player_asks_for_and_ones_it_does_not_get() {
        let table: &[(&str, Option<std::ops::Range<u64>>)] = &[
            ("bytes=0-", Some(0..100)),
            ("bytes=0-0", Some(0..1)),
            ("bytes=10-19", Some(10..20)),
            ("bytes=90-500", Some(90..100)),
            ("bytes=-10", Some(90..100)),
            ("bytes=-500", Some(0..100)),
            ("bytes=100-", None),
            ("bytes=20-10", None),
            ("bytes=0-1,5-6", None),
            ("bytes=-0", None),
            ("items=0-1", None),
            ("bytes=a-b", None),
            ("bytes=+1-2", None),
            ("bytes=99999999999999999999-", None),
            ("", None),
        ];
        for (value, expected) in table {
            assert_eq!(byte_range(value, 100), *expected, "{value}");
        }
    }

    #[test]
    fn sizes_read_as_people_say_them() {
        assert_eq!(human_bytes(10 * 1024 * 1024), "10 MB");
        assert_eq!(human_bytes(1536 * 1024), "1.5 MB");
        assert_eq!(human_bytes(1000), "1 KB");
    }
}
