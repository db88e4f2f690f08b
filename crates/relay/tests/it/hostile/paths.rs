//! Paths: every spelling of the frame page, file names that are not the build's, interaction
//! hashes that are not hashes, routes and methods that do not exist.

use crate::hostile::still_healthy;
use crate::support::{fixture_widget, raw_get, raw_request, Log, Product};

const HOST: &str = "https://shop.example";

#[tokio::test]
async fn every_spelling_of_the_frame_page_carries_its_csp_or_is_refused() {
    let widget = fixture_widget();
    let product = Product::on(Log::Memory, |options| {
        options.widget_dir = widget.clone();
        options.allowed_origins = vec![HOST.into()];
    })
    .await;
    let address = product.address();
    let long = format!("/widget/{}.js", "a".repeat(300));
    let cases: Vec<(&[u8], u16)> = vec![
        (b"/widget/", 200),
        (b"/widget/index.html", 200),
        (b"/widget/index.html?x=1", 200),
        (b"/widget/?department=1&lang=en", 200),
        (b"/widget//", 404),
        (b"/widget/./", 404),
        (b"/widget/.", 404),
        (b"/widget//index.html", 404),
        (b"/widget/./index.html", 404),
        (b"/widget/%69ndex.html", 404),
        (b"/widget/index%2ehtml", 404),
        (b"/widget/%2findex.html", 404),
        (b"/widget/index.html/", 404),
        (b"/widget/index.html/.", 404),
        (b"/widget/../widget/index.html", 404),
        (b"/widget/%2e%2e/widget/index.html", 404),
        (b"/widget/.%2e/index.html", 404),
        (b"/widget/index.html%00", 404),
        (b"/widget/index.html;.js", 404),
        (b"/widget/INDEX.HTML", 404),
        (b"/widget/index.html.", 404),
        (b"/widget/snippets/s/index.html", 200),
        (b"/widget/snippets/s/", 404),
        (b"/widget/snippets/s", 404),
        (b"/widget/snippets//s/inline0.js", 404),
        (b"/widget/snippets/s/inline0.js", 200),
        (b"/widget/app-1a2b.js", 200),
        (b"/widget/.hidden", 404),
        (b"/widget/%2ehidden", 404),
        (b"/widget/widget.js", 404),
        (long.as_bytes(), 404),
        (b"/widget/../../../../etc/passwd", 404),
        (b"/widget/%2e%2e%2f%2e%2e%2fetc%2fpasswd", 404),
    ];
    for (path, status) in cases {
        let shown = String::from_utf8_lossy(path);
        let answer = raw_get(&address, path, "").await;
        assert_eq!(answer.status, status, "{shown}: {answer:?}");
        let csp = answer.header("content-security-policy").unwrap_or_else(|| panic!("{shown} has no CSP: {answer:?}"));
        assert!(csp.contains(&format!("frame-ancestors {HOST}")), "{shown}: {csp}");
        if status != 200 {
            answer.error();
        }
        if answer.body.contains("<html") {
            assert!(csp.contains("script-src 'self' 'wasm-unsafe-eval' 'sha256-"), "{shown}: the frame page's own CSP: {csp}");
        }
    }
    // Outside /widget/, nothing is a frame page.
    for path in [&b"/widget"[..], b"/Widget/", b"/WIDGET/index.html", b"//widget/", b"/./widget/"] {
        let answer = raw_get(&address, path, "").await;
        assert_eq!(answer.error(), (404, "Not found".into()), "{}", String::from_utf8_lossy(path));
    }
    still_healthy(&product).await;
    product.stop().await;
}

#[tokio::test]
async fn api_paths_that_name_no_interaction_and_unknown_routes_are_refused_in_the_reference_shape() {
    let product = Product::start().await;
    let address = product.address();
    let json = b"Content-Type: application/json\r\n";
    let long_hash = format!("/core/api/v1/interactions/{}/typing", "a".repeat(65));
    let long_segment = format!("/core/api/v1/interactions/{}/typing", "%41".repeat(2000));
    let cases: Vec<(&str, &[u8], &[u8], u16)> = vec![
        ("PUT", b"/core/api/v1/interactions/%FF%FE/typing", b"{}", 400),
        ("PUT", b"/core/api/v1/interactions/%C0%AF/typing", b"{}", 400),
        ("PUT", b"/core/api/v1/interactions/a.b/typing", b"{}", 404),
        ("PUT", b"/core/api/v1/interactions/a%2Fb/typing", b"{}", 404),
        ("PUT", b"/core/api/v1/interactions/abc%00/typing", b"{}", 404),
        ("PUT", b"/core/api/v1/interactions/%3Cscript%3E/typing", b"{}", 404),
        ("PUT", b"/core/api/v1/interactions/a%0D%0AX-Injected:%201/typing", b"{}", 404),
        ("PUT", b"/core/api/v1/interactions/%20/typing", b"{}", 404),
        ("PUT", b"/core/api/v1/interactions/..%2F..%2Fadmin/typing", b"{}", 404),
        ("PUT", long_hash.as_bytes(), b"{}", 404),
        ("PUT", long_segment.as_bytes(), b"{}", 404),
        ("PUT", b"/core/api/v1/interactions/abc/typing/", b"{}", 404),
        ("PUT", b"/core/api/v1/interactions//typing", b"{}", 404),
        ("POST", b"/core/api/v1/interactions/abc/typing", b"{}", 405),
        ("DELETE", b"/core/api/v1/interactions/abc/messages", b"", 405),
        ("GET", b"/core/api/v1/interactions", b"", 405),
        ("PATCH", b"/core/api/v1/interactions/abc", b"{}", 405),
        ("POST", b"/widget/", b"", 405),
        ("PUT", b"/webhooks/zchat/x", b"{}", 405),
        ("GET", b"/nope", b"", 404),
        ("GET", b"/metrics", b"", 404),
        ("POST", b"/webhooks/zchat", b"{}", 404),
        ("POST", b"/webhooks/zchat/", b"{}", 404),
        ("POST", b"/webhooks/zchat/%FF", b"{}", 400),
        ("GET", b"/history/%FF?sig=x", b"", 400),
        ("GET", b"/history/abc?sig=a&sig=b", b"", 400),
        ("GET", b"/history/a.b?sig=x", b"", 404),
        ("GET", b"/core/api/v1/interactions/abc/events?token=a&token=b", b"", 400),
        ("GET", b"/core/api/v1/interactions/abc/events?last_event_id=1&last_event_id=2&token=a", b"", 400),
        ("GET", b"/core/api/v1/interactions/%FF/events?token=a", b"", 400),
        ("GET", b"/core/api/v1/interactions/a.b/events?token=a", b"", 404),
        // Query text is decoded leniently (U+FFFD): a credential that is not one.
        ("GET", b"/core/api/v1/interactions/abc/events?token=%FF", b"", 401),
    ];
    for (method, path, body, status) in cases {
        let shown = format!("{method} {}", String::from_utf8_lossy(path));
        let answer = raw_request(&address, method, path, json, body).await;
        assert_eq!(answer.error().0, status, "{shown}: {answer:?}");
        if status == 405 {
            assert!(answer.header("allow").is_some(), "{shown} says what is allowed: {answer:?}");
        }
    }
    still_healthy(&product).await;
    product.stop().await;
}
