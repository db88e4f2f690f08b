//! Business hours: outside them the launcher and the form say when the team is back, in the
//! visitor's time and language, and the visitor can still leave a message; a wrong setting is one
//! console error that names it, and the chat goes on.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::json;
use zchat_e2e::{demo_page, run_script, start_product, until, Agent, Browser};

/// Hours (UTC) that are closed now: only the day after tomorrow.
fn closed_now() -> String {
    let days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    let today = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() / 86_400;
    // 1970-01-01 was a Thursday (3 with Monday 0).
    format!("{} 09:00-10:00", days[((today + 2 + 3) % 7) as usize])
}

#[tokio::test]
async fn outside_business_hours_the_widget_says_when_the_team_is_back() {
    let product = start_product().await;
    let agent = Agent::new(&product);
    let page = Browser::start().await;
    let url = demo_page(&product, &format!("/?hours={}&timezone=UTC", closed_now().replace(' ', "%20")));
    page.client.goto(&url).await.unwrap();
    page.stir().await;
    // The launcher's label, once the frame has asked the relay.
    let launcher = page.widget_part("button").await;
    let label = until("the launcher to say when the team is back", || async {
        let label = launcher.attr("aria-label").await.ok()??;
        label.starts_with("Open chat: we're back ").then_some(label)
    })
    .await;
    launcher.click().await.unwrap();
    page.enter_widget().await;
    let status = page.element(".zc-status").await.text().await.unwrap();
    assert!(status.starts_with("We're away right now, back ") && status.contains("(your time)"), "{status}");
    // The same moment on both: "Open chat: we're back Friday 9:00 AM" and "…back Friday 9:00 AM (your time)…".
    let when = label.trim_start_matches("Open chat: we're back ");
    assert!(status.contains(when), "{label} / {status}");
    // The visitor can still leave a message.
    page.start_chat("Fora do Horário").await;
    let hash = agent.interaction_of("Fora do Horário", &[]).await;
    page.send("Volto amanhã").await;
    agent.wait_view(&hash, "the message", |view| view["transcript"][0]["content"] == "Volto amanhã").await;
    page.close().await;

    // Within the hours: nothing is said, and the launcher keeps its usual label.
    let page = Browser::start().await;
    page.client.goto(&demo_page(&product, "/?hours=mon-sun%2000:00-24:00&timezone=America/Sao_Paulo")).await.unwrap();
    page.stir().await;
    page.widget_part("button").await.click().await.unwrap();
    page.enter_widget().await;
    page.element("#zc-name").await;
    // Once the relay has answered (the frame's own record of its request).
    let answered = "return performance.getEntriesByType('resource').some(e => e.name.endsWith('/hours') && e.responseEnd > 0)";
    until("the relay's answer", || async { (run_script(&page.client, answered, vec![]).await == true).then_some(()) }).await;
    assert!(page.texts(".zc-status").await.is_empty(), "no line over the form while the team is there");
    page.client.enter_parent_frame().await.unwrap();
    let launcher = page.widget_part("button").await;
    launcher.click().await.unwrap();
    assert_eq!(launcher.attr("aria-label").await.unwrap().as_deref(), Some("Open chat"));
    page.close().await;
    product.stop().await;
}

#[tokio::test]
async fn wrong_hours_are_one_console_error_naming_the_setting_and_the_chat_goes_on() {
    let product = start_product().await;
    let page = Browser::start().await;
    // The frame page on its own (its console is then the page's), every error kept.
    page.devtools(
        "Page.addScriptToEvaluateOnNewDocument",
        json!({"source": "window.errors = []; const said = console.error; console.error = (...a) => { errors.push(a.join(' ')); said(...a); };"}),
    )
    .await;
    for (query, named) in [
        ("hours=weekdays&timezone=UTC", "data-hours"),
        ("hours=mon%2009:00-18:00&timezone=Mars/Olympus", "data-timezone"),
        ("hours=mon%2009:00-18:00", "data-timezone"),
    ] {
        page.client.goto(&format!("{}/widget/?department=1&{query}", product.relay_url)).await.unwrap();
        page.element("#zc-name").await;
        let errors = until("the console error", || async {
            let errors = run_script(&page.client, "return window.errors", vec![]).await;
            errors.as_array().filter(|errors| !errors.is_empty()).cloned()
        })
        .await;
        assert_eq!(errors.len(), 1, "{query}: {errors:?}");
        assert!(errors[0].as_str().unwrap().contains(named), "{query}: {errors:?}");
        assert!(page.texts(".zc-status").await.is_empty(), "{query}");
    }
    page.close().await;
    product.stop().await;
}
