//! Visitors' files through the relay (in-process, the sandbox as zChat, a folder as the store):
//! every kind stored and served as itself and sent to zChat as the reference's media message;
//! names and types that lie, kinds that are not accepted, hostile requests and addresses refused
//! (tables); metadata removed; quota; ranges; retention; a retried upload stored once; a
//! connection dropped mid-upload leaving nothing behind.

use std::time::Duration;

use serde_json::{json, Value};

use crate::files::{self, samples};
use crate::support::{raw_request, until, Log, Product};

/// `name` percent-encoded as the widget sends it in `X-File-Name`.
pub fn encoded(name: &str) -> String {
    name.bytes().map(|b| if b.is_ascii_alphanumeric() || b"._-".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

/// Uploads `bytes` to `relay` for `hash`.
pub async fn upload(http: &reqwest::Client, relay: &str, hash: &str, session: &str, name: &str, declared: &str, bytes: Vec<u8>) -> reqwest::Response {
    let mut request = http
        .post(format!("{relay}/core/api/v1/interactions/{hash}/uploads"))
        .query(&[("token", session)])
        .header("X-File-Name", encoded(name))
        .body(bytes);
    if !declared.is_empty() {
        request = request.header("Content-Type", declared);
    }
    request.send().await.unwrap()
}

async fn product_with(adjust: impl FnOnce(&mut zchat_relay::Config)) -> Product {
    Product::on(Log::Memory, adjust).await
}

/// The refusal's status and message, checked to be in the reference's shape.
pub async fn refusal(answer: reqwest::Response) -> (u16, String) {
    let status = answer.status().as_u16();
    let body: Value = answer.json().await.unwrap();
    assert_eq!(body["status"], status, "{body}");
    (status, body["message"].as_str().unwrap().to_string())
}

pub fn send(p: &Product, hash: &str, body: Value) -> reqwest::RequestBuilder {
    p.http.post(p.relay(&format!("/core/api/v1/interactions/{hash}/messages"))).json(&body)
}

#[tokio::test]
async fn a_file_is_served_under_the_visitors_own_name_whatever_its_letters() {
    let p = Product::start().await;
    let (hash, session) = p.start_interaction(1).await;
    let pdf = b"%PDF-1.4\n%\xe2\xe3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n".to_vec();
    let table = [
        ("relatório-ação.pdf", "relatorio-acao.pdf", "relat%C3%B3rio-a%C3%A7%C3%A3o.pdf"),
        ("報告書 2026.pdf", "2026.pdf", "%E5%A0%B1%E5%91%8A%E6%9B%B8%202026.pdf"),
        ("🎉 festa.pdf", "festa.pdf", "%F0%9F%8E%89%20festa.pdf"),
    ];
    for (name, ascii, utf8) in table {
        let stored: Value = upload(&p.http, &p.running.relay_url, &hash, &session, name, "application/pdf", pdf.clone()).await.json().await.unwrap();
        assert_eq!(stored["data"]["name"], name, "the answer names the file as the visitor did");
        let served = p.http.get(stored["data"]["url"].as_str().unwrap()).send().await.unwrap();
        assert_eq!(served.status(), 200, "{name}");
        let disposition = served.headers()["content-disposition"].to_str().unwrap().to_string();
        assert_eq!(disposition, format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{utf8}"), "{name}");
    }
    p.stop().await;
}

#[tokio::test]
async fn every_kind_is_stored_served_as_itself_and_reaches_the_agent() {
    let p = Product::start().await;
    let (hash, session) = p.start_interaction(1).await;
    for sample in samples() {
        let answer = upload(&p.http, &p.running.relay_url, &hash, &session, sample.name, sample.declared, sample.bytes.clone()).await;
        assert_eq!(answer.status(), 200, "{}", sample.name);
        let stored: Value = answer.json().await.unwrap();
        let data = &stored["data"];
        assert_eq!((data["type"].as_str(), data["name"].as_str(), stored["status"].as_u64()), (Some(sample.kind), Some(sample.name), Some(200)));
        let url = data["url"].as_str().unwrap();
        assert!(url.starts_with(&format!("{}/uploads/", p.running.relay_url)) && url.contains(&format!(".{}/", sample.ext)), "{url}");
        let served = p.http.get(url).send().await.unwrap();
        assert_eq!(served.status(), 200, "{url}");
        let header = |name: &str| served.headers().get(name).map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
        let disposition = if sample.kind == "file" { "attachment" } else { "inline" };
        assert!(header("content-disposition").starts_with(&format!("{disposition}; filename=\"")), "{}", header("content-disposition"));
        assert_eq!(header("content-security-policy"), "sandbox; default-src 'none'");
        assert_eq!(header("x-content-type-options"), "nosniff");
        assert!(header("cache-control").contains("max-age=31536000"), "{}", header("cache-control"));
        assert!(!header("content-type").is_empty() && !header("content-type").contains("html") && !header("content-type").contains("svg"));
        let size = data["size"].as_u64().unwrap();
        let body = served.bytes().await.unwrap();
        assert_eq!(body.len() as u64, size, "{}", sample.name);
        if !["jpg", "png", "webp"].contains(&sample.ext) {
            assert_eq!(body.as_ref(), sample.bytes.as_slice(), "{} served as sent", sample.name);
        }
        // The reference's media message, with the caption as content.
        let message = json!({"token": session, "content": format!("here: {}", sample.name), "type": sample.kind, "url": url});
        let sent = send(&p, &hash, message).send().await.unwrap();
        assert_eq!(sent.status(), 200, "{}", sample.name);
    }
    let seen: Value = p.http.get(p.sandbox(&format!("/agent/interactions/{hash}"))).send().await.unwrap().json().await.unwrap();
    let media: Vec<&Value> = seen["transcript"].as_array().unwrap().iter().filter(|m| m["url"].is_string()).collect();
    assert_eq!(media.len(), samples().len(), "zChat has every file: {seen}");
    for (entry, sample) in media.iter().zip(samples()) {
        assert_eq!(entry["type"], sample.kind);
        assert!(entry["url"].as_str().unwrap().contains(&format!(".{}/", sample.ext)));
    }
    p.stop().await;
}

#[tokio::test]
async fn contents_that_are_not_accepted_or_lie_about_themselves_are_refused() {
    let p = Product::start().await;
    let (hash, session) = p.start_interaction(1).await;
    let svg = b"<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>".to_vec();
    let table: Vec<(&str, &str, Vec<u8>, &str)> = vec![
        ("logo.svg", "image/svg+xml", svg.clone(), "Accepted: images"),
        ("logo.png", "image/png", svg, "Accepted: images"),
        ("page.html", "text/html", b"<!doctype html><script>alert(document.cookie)</script>".to_vec(), "Accepted: images"),
        ("app.exe", "application/octet-stream", b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff\0\0".to_vec(), "Accepted: images"),
        ("prog", "", b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x02\0".to_vec(), "Accepted: images"),
        ("pack.zip", "application/zip", b"PK\x03\x04\x14\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x05\0\0\0a.txt".to_vec(), "Accepted: images"),
        ("receipt.pdf", "application/pdf", files::png(), "ends in .pdf but its content is a PNG image"),
        ("photo.jpg", "image/jpeg", files::png(), "ends in .jpg but its content is a PNG image"),
        ("photo", "application/pdf", files::jpeg(1), "says it is application/pdf"),
        ("notes.txt", "text/html", b"plain words\n".to_vec(), "says it is text/html"),
        ("binary.txt", "text/plain", b"\0\x01\x02\x03 not text".to_vec(), "Accepted: images"),
        ("broken.jpg", "image/jpeg", b"\xff\xd8\xff\xe1\xff\xff\0\0".to_vec(), "could not be read"),
    ];
    for (name, declared, bytes, expected) in table {
        let answer = upload(&p.http, &p.running.relay_url, &hash, &session, name, declared, bytes).await;
        let (status, message) = refusal(answer).await;
        assert_eq!(status, 415, "{name}: {message}");
        assert!(message.contains(expected), "{name}: {message}");
    }
    let metrics = p.http.get(p.metrics()).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("relay_uploads_total{outcome=\"wrong_kind\",kind=\"unknown\"} 12"), "{metrics}");
    p.stop().await;
}

#[tokio::test]
async fn hostile_upload_requests_are_refused_before_a_byte_is_kept() {
    let p = product_with(|c| c.uploads.max_bytes = 1_000).await;
    let (hash, session) = p.start_interaction(1).await;
    let (other_hash, other_session) = p.start_interaction(1).await;
    let path = |hash: &str, token: &str| format!("/core/api/v1/interactions/{hash}/uploads?token={token}");
    let pdf = b"%PDF-1.4\n%%EOF\n".to_vec();
    // (path, extra headers, body, status)
    let table: Vec<(String, String, Vec<u8>, u16)> = vec![
        (path(&hash, ""), String::new(), pdf.clone(), 401),
        (path(&hash, "forged.AAAA"), String::new(), pdf.clone(), 401),
        (path(&hash, &other_session), String::new(), pdf.clone(), 403),
        (path("no-such-hash-but-valid", &session), String::new(), pdf.clone(), 403),
        (path("../../etc", &session), String::new(), pdf.clone(), 404),
        (path(&hash, &session), "Origin: https://evil.example\r\n".into(), pdf.clone(), 403),
        (path(&hash, &session), String::new(), vec![b'a'; 1_001], 413),
        (path(&hash, &session), String::new(), Vec::new(), 400),
        (path(&hash, &session), "X-File-Name: %FF%FE.pdf\r\n".into(), pdf.clone(), 400),
        (path(&hash, &session), format!("X-File-Name: {}\r\n", "a".repeat(2_000)), pdf.clone(), 400),
        (path(&hash, &session), format!("Content-Type: {}\r\n", "a".repeat(2_000)), pdf.clone(), 400),
        (path(&hash, &session), "Content-Type: caf\u{e9}\r\n".into(), pdf.clone(), 400),
        (path(&hash, &session), "Idempotency-Key: \r\n".into(), pdf.clone(), 400),
        (format!("/core/api/v1/interactions/{hash}/uploads?token={session}&token=x"), String::new(), pdf.clone(), 400),
    ];
    for (path, headers, body, status) in table {
        let answer = raw_request(&p.address(), "POST", path.as_bytes(), headers.as_bytes(), &body).await;
        assert_eq!(answer.error().0, status, "{path} {headers:?}: {answer:?}");
    }
    // No length (chunked): 411, before the body is read.
    let chunked = format!(
        "POST {} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
        path(&hash, &session)
    );
    let answer = crate::support::raw(&p.address(), chunked.as_bytes()).await;
    assert_eq!(answer.error().0, 411, "{answer:?}");
    // Nothing of these was kept, and the other conversation can still upload.
    let answer = upload(&p.http, &p.running.relay_url, &other_hash, &other_session, "a.pdf", "application/pdf", pdf).await;
    assert_eq!(answer.status(), 200);
    p.stop().await;
}

#[tokio::test]
async fn a_media_message_needs_an_address_issued_for_its_own_conversation() {
    let p = Product::start().await;
    let (hash, session) = p.start_interaction(1).await;
    let (other_hash, other_session) = p.start_interaction(1).await;
    let mine = upload(&p.http, &p.running.relay_url, &hash, &session, "a.jpg", "image/jpeg", files::jpeg(1)).await.json::<Value>().await.unwrap();
    let mine = mine["data"]["url"].as_str().unwrap().to_string();
    let theirs = upload(&p.http, &p.running.relay_url, &other_hash, &other_session, "b.jpg", "", files::jpeg(1)).await.json::<Value>().await.unwrap();
    let theirs = theirs["data"]["url"].as_str().unwrap().to_string();
    let table = [
        (json!({"token": session, "content": "x", "type": "image", "url": theirs}), 403),
        (json!({"token": session, "content": "x", "type": "image", "url": "https://evil.example/receipt.jpg"}), 403),
        (json!({"token": session, "content": "x", "type": "image", "url": mine.replace("/a.jpg", "/b.jpg")}), 403),
        (json!({"token": session, "content": "x", "type": "file", "url": mine}), 403),
        (json!({"token": session, "content": "x", "type": "video", "url": mine}), 403),
        (json!({"token": session, "content": "x", "type": "image", "url": format!("{mine}?v=1")}), 403),
        (json!({"token": session, "content": "x", "type": "image", "url": 5}), 422),
        (json!({"token": session, "content": "x", "type": "image"}), 400),
        (json!({"token": session, "content": "x", "type": "text", "url": mine}), 400),
        (json!({"token": session, "content": "x", "url": mine}), 400),
    ];
    for (body, status) in table {
        let answer = send(&p, &hash, body.clone()).send().await.unwrap();
        assert_eq!(answer.status().as_u16(), status, "{body}");
    }
    let answer = send(&p, &hash, json!({"token": session, "content": "a.jpg", "type": "image", "url": mine})).send().await.unwrap();
    assert_eq!(answer.status(), 200);
    let seen: Value = p.http.get(p.sandbox(&format!("/agent/interactions/{hash}"))).send().await.unwrap().json().await.unwrap();
    let urls: Vec<&str> = seen["transcript"].as_array().unwrap().iter().filter_map(|m| m["url"].as_str()).collect();
    assert_eq!(urls, [mine.as_str()], "only the good one reached zChat");
    p.stop().await;
}

#[tokio::test]
async fn images_lose_their_location_and_camera_before_they_are_stored() {
    let p = Product::start().await;
    let (hash, session) = p.start_interaction(1).await;
    for (name, bytes) in [("phone.jpg", files::jpeg(6)), ("shot.png", files::png()), ("s.webp", files::webp())] {
        let sent = bytes.windows(11).any(|w| w == b"GPSLatitude") || bytes.windows(8).any(|w| w == b"Location");
        assert!(sent, "{name} carries a place");
        let stored: Value = upload(&p.http, &p.running.relay_url, &hash, &session, name, "", bytes.clone()).await.json().await.unwrap();
        let served = p.http.get(stored["data"]["url"].as_str().unwrap()).send().await.unwrap().bytes().await.unwrap();
        assert!(!served.windows(11).any(|w| w == b"GPSLatitude") && !served.windows(8).any(|w| w == b"Location"), "{name}");
        // The GPS directory's pointer (tag 0x8825) is gone with the EXIF.
        assert!(!served.windows(2).any(|w| w == [0x88, 0x25]), "{name}");
        assert!(served.len() < bytes.len(), "{name}");
        assert_eq!(stored["data"]["size"].as_u64(), Some(served.len() as u64));
    }
    // The phone's photo is still turned the way it was taken (orientation 6 kept).
    let stored: Value = upload(&p.http, &p.running.relay_url, &hash, &session, "phone.jpg", "", files::jpeg(6)).await.json().await.unwrap();
    let served = p.http.get(stored["data"]["url"].as_str().unwrap()).send().await.unwrap().bytes().await.unwrap();
    assert!(served.windows(10).any(|w| w == [0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6]), "orientation 6 kept");
    p.stop().await;
}

on_both_logs! {
    async fn a_conversation_gets_its_quota_and_failed_uploads_cost_nothing(log: Log) {
        let p = Product::on(log, |c| c.uploads.quota_bytes = 1_000).await;
        let (hash, session) = p.start_interaction(1).await;
        let text = |n: usize| vec![b'a'; n];
        let up = |bytes: Vec<u8>, name: &'static str| upload(&p.http, &p.running.relay_url, &hash, &session, name, "", bytes);
        assert_eq!(up(text(600), "a.txt").await.status(), 200);
        // A refused kind gives its reservation back.
        assert_eq!(up(vec![0u8; 300], "b.bin").await.status(), 415);
        assert_eq!(up(text(300), "c.txt").await.status(), 200);
        let (status, message) = refusal(up(text(200), "d.txt").await).await;
        assert_eq!(status, 413);
        assert!(message.contains("1 KB in all") && message.contains("1 KB is left"), "{message}");
        assert_eq!(up(text(100), "e.txt").await.status(), 200, "what is left is usable");
        // Another conversation has its own.
        let (other, other_session) = p.start_interaction(1).await;
        assert_eq!(upload(&p.http, &p.running.relay_url, &other, &other_session, "f.txt", "", text(900)).await.status(), 200);
        p.stop().await;
    }
}

#[tokio::test]
async fn served_files_answer_ranges_and_unknown_addresses_find_nothing() {
    let p = Product::start().await;
    let (hash, session) = p.start_interaction(1).await;
    let bytes: Vec<u8> = b"%PDF-1.4\n".iter().copied().chain((0..1000u32).map(|n| (n % 250) as u8 + 1)).collect();
    let stored: Value = upload(&p.http, &p.running.relay_url, &hash, &session, "doc.pdf", "", bytes.clone()).await.json().await.unwrap();
    let url = stored["data"]["url"].as_str().unwrap().to_string();
    let ranged = p.http.get(&url).header("Range", "bytes=100-199").send().await.unwrap();
    assert_eq!(ranged.status(), 206);
    assert_eq!(ranged.headers()["content-range"], format!("bytes 100-199/{}", bytes.len()));
    assert_eq!(ranged.bytes().await.unwrap().as_ref(), &bytes[100..200]);
    let beyond = p.http.get(&url).header("Range", "bytes=5000-").send().await.unwrap();
    assert_eq!(beyond.status(), 416);
    assert_eq!(beyond.headers()["content-range"], format!("bytes */{}", bytes.len()));
    let path = url.split_once("/uploads/").unwrap().1.to_string();
    let (object, name) = path.split_once('/').unwrap();
    let token = object.split_once('.').unwrap().0;
    let table = [
        format!("/uploads/{object}/other.pdf"),
        format!("/uploads/{object}/{name}/x"),
        format!("/uploads/{token}.html/{}", name.replace(".pdf", ".html")),
        format!("/uploads/{token}.svg/{}", name.replace(".pdf", ".svg")),
        format!("/uploads/{}.pdf/{name}", "A".repeat(43)),
        format!("/uploads/{object}"),
        "/uploads/".to_string(),
        "/uploads/..%2F..%2Fetc%2Fpasswd/passwd.pdf".to_string(),
        format!("/uploads/{object}/..%2F{name}"),
    ];
    for path in table {
        let answer = crate::support::raw_get(&p.address(), path.as_bytes(), "").await;
        assert_eq!(answer.error().0, 404, "{path}: {answer:?}");
    }
    p.stop().await;
}

#[tokio::test]
async fn files_are_deleted_when_their_retention_ends() {
    let dir = std::env::temp_dir().join(format!("zchat-retention-{}", std::process::id()));
    let p = product_with(|c| {
        c.uploads.retention = Duration::from_secs(2);
        c.uploads.dir = dir.clone();
    })
    .await;
    let (hash, session) = p.start_interaction(1).await;
    let stored: Value =
        upload(&p.http, &p.running.relay_url, &hash, &session, "a.txt", "", b"kept for two seconds".to_vec()).await.json().await.unwrap();
    let url = stored["data"]["url"].as_str().unwrap().to_string();
    assert_eq!(p.http.get(&url).send().await.unwrap().status(), 200);
    let files = || std::fs::read_dir(&dir).unwrap().count();
    assert_eq!(files(), 1);
    until("the expired file to be gone from disk and its address", || async {
        let status = p.http.get(&url).send().await.ok()?.status().as_u16();
        (files() == 0 && status == 404).then_some(())
    })
    .await;
    let metrics = p.http.get(p.metrics()).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("relay_uploads_expired_total 1"), "{metrics}");
    p.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_retried_upload_is_stored_once_and_a_dropped_one_leaves_nothing() {
    let dir = std::env::temp_dir().join(format!("zchat-retry-{}", std::process::id()));
    let spool = std::env::temp_dir().join(format!("zchat-spool-{}", std::process::id()));
    std::fs::create_dir_all(&spool).unwrap();
    let p = product_with(|c| {
        c.uploads.dir = dir.clone();
        c.uploads.spool_dir = spool.clone();
        c.uploads.quota_bytes = 250_000;
    })
    .await;
    let (hash, session) = p.start_interaction(1).await;
    let pdf: Vec<u8> = b"%PDF-1.4\n".iter().copied().chain(std::iter::repeat_n(b'x', 100_000)).collect();
    let keyed = || {
        p.http
            .post(p.relay(&format!("/core/api/v1/interactions/{hash}/uploads")))
            .query(&[("token", &session)])
            .header("X-File-Name", "a.pdf")
            .header("Idempotency-Key", "upload-1")
            .body(pdf.clone())
            .send()
    };
    let first: Value = keyed().await.unwrap().json().await.unwrap();
    let again = keyed().await.unwrap();
    assert_eq!(again.headers().get("idempotent-replayed").map(|v| v.to_str().unwrap()), Some("true"));
    let again: Value = again.json().await.unwrap();
    assert_eq!(first["data"]["url"], again["data"]["url"]);
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1, "stored once");
    // A connection dropped halfway: nothing stored, nothing left in the spool, no quota spent.
    let head = format!(
        "POST /core/api/v1/interactions/{hash}/uploads?token={session} HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\nX-File-Name: b.pdf\r\n\r\n",
        pdf.len()
    );
    {
        use tokio::io::AsyncWriteExt;
        let mut socket = tokio::net::TcpStream::connect(p.address()).await.unwrap();
        socket.write_all(head.as_bytes()).await.unwrap();
        socket.write_all(&pdf[..50_000]).await.unwrap();
        until("the half upload to be spooled", || async {
            std::fs::read_dir(&spool).unwrap().any(|f| f.unwrap().file_name().to_string_lossy().starts_with("zchat-upload-")).then_some(())
        })
        .await;
    }
    until("the spool to be empty again", || async { (std::fs::read_dir(&spool).unwrap().count() == 0).then_some(()) }).await;
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1, "nothing more stored");
    // 100 KB used of 250 KB: another 100 KB fits only if the dropped one gave its 100 KB back.
    let answer = upload(&p.http, &p.running.relay_url, &hash, &session, "c.pdf", "", pdf.clone()).await;
    assert_eq!(answer.status(), 200);
    let metrics = p.http.get(p.metrics()).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("relay_uploads_total{outcome=\"cut_off\",kind=\"unknown\"} 1"), "{metrics}");
    assert!(metrics.contains("relay_uploads_total{outcome=\"stored\",kind=\"file\"} 2"), "{metrics}");
    p.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&spool);
}
