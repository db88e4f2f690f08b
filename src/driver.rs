//! The shell around the core: feeds it inputs with the current time, and carries out the effects
//! it returns (HTTP calls, the event stream, timers), feeding their outcomes back as inputs.

use std::cell::{Ref, RefCell};
use std::rc::Rc;
use std::time::Duration;

use gloo_events::EventListener;
use yew::Callback;

use crate::core::{Conversation, Effect, Input, Saved};
use crate::texts::Texts;
use crate::{api, json, stream};

/// A handle on the running conversation; cheap to clone, equal when it is the same one.
#[derive(Clone)]
pub struct Driver {
    inner: Rc<Inner>,
}

struct Inner {
    conversation: RefCell<Conversation>,
    /// The host page's origin, for postMessage (none when the frame runs on its own).
    host: Option<String>,
    stream: RefCell<Option<stream::EventStream>>,
    /// The last state told to the host page.
    told: RefCell<Option<(&'static str, Option<u32>, bool)>>,
    /// Asks the view to render again after a change.
    on_change: Callback<()>,
}

impl PartialEq for Driver {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.inner, &other.inner)
    }
}

impl Driver {
    pub fn new(conversation: Conversation, host: Option<String>, on_change: Callback<()>) -> Self {
        Driver {
            inner: Rc::new(Inner { conversation: RefCell::new(conversation), host, stream: RefCell::new(None), told: RefCell::new(None), on_change }),
        }
    }

    pub fn host(&self) -> Option<String> {
        self.inner.host.clone()
    }

    pub fn conversation(&self) -> Ref<'_, Conversation> {
        self.inner.conversation.borrow()
    }

    /// Steps the core with `input`, re-renders, and runs the resulting effects.
    pub fn dispatch(&self, input: Input) {
        let (effects, state) = {
            let mut conversation = self.inner.conversation.borrow_mut();
            (conversation.step(input, now()), conversation.host_state())
        };
        self.inner.on_change.emit(());
        if self.inner.told.borrow().as_ref() != Some(&state) {
            self.inner.told.replace(Some(state));
            crate::host::state(self.inner.host.as_deref(), state);
        }
        for effect in effects {
            self.run(effect);
        }
    }

    /// A callback that dispatches, for views and effects.
    pub fn callback(&self) -> Callback<Input> {
        let driver = self.clone();
        Callback::from(move |input| driver.dispatch(input))
    }

    /// Carries out `effect`: at once when it is synchronous, otherwise in one task whose outcome
    /// (if any) comes back as an input. One future type for every asynchronous effect keeps the
    /// wasm small (each spawned future type is its own copy of the executor's code).
    fn run(&self, effect: Effect) {
        let host = self.inner.host.as_deref();
        match effect {
            Effect::Save(saved) => save(self.department_id(), &saved),
            Effect::ReportUnread(count) => crate::host::unread(host, self.inner.conversation.borrow().lang.texts(), count),
            Effect::Announce(message) => crate::host::message(host, &message),
            Effect::OpenStream { session, last_event_id } => {
                // Replacing the old stream closes it.
                let opened = stream::open(&session, last_event_id.as_deref(), self.callback());
                let failed = opened.is_none();
                *self.inner.stream.borrow_mut() = opened;
                if failed {
                    self.dispatch(Input::StreamClosed);
                }
            }
            Effect::CloseStream => {
                self.inner.stream.borrow_mut().take();
            }
            effect => {
                let driver = self.clone();
                let texts = self.inner.conversation.borrow().lang.texts();
                yew::platform::spawn_local(async move {
                    if let Some(input) = carry_out(texts, effect).await {
                        driver.dispatch(input);
                    }
                });
            }
        }
    }
}

/// The asynchronous effects: HTTP calls and timers, and the input each one ends with.
async fn carry_out(texts: &'static Texts, effect: Effect) -> Option<Input> {
    Some(match effect {
        Effect::StartInteraction { request, previous } => Input::Started(api::start_interaction(texts, &request, previous.as_ref()).await),
        Effect::FinishInteraction { session } => Input::Finished(api::finish(texts, &session).await),
        Effect::UpdateInteraction { session, body } => Input::Rated(api::update(texts, &session, body).await),
        Effect::SendMessage { session, key, body } => {
            let result = api::send_message(texts, &session, &key, body).await;
            Input::Sent { key, result }
        }
        // Typing is a hint: a failed notification is not worth the visitor's attention.
        Effect::NotifyTyping { session, typing } => {
            let _ = api::typing(texts, &session, typing).await;
            return None;
        }
        Effect::ScheduleResend { key, after_ms } => {
            sleep_jittered(after_ms).await;
            Input::Resend { key }
        }
        Effect::ScheduleTypingTick { after_ms } => {
            yew::platform::time::sleep(Duration::from_millis(u64::from(after_ms))).await;
            Input::TypingTick
        }
        Effect::ScheduleReconnect { after_ms } => {
            sleep_jittered(after_ms).await;
            Input::Reconnect
        }
        Effect::Save(_) | Effect::ReportUnread(_) | Effect::Announce(_) | Effect::OpenStream { .. } | Effect::CloseStream => return None,
    })
}

/// Sleeps `after_ms` × 0.5 to 1.5, so that widgets dropped together do not come back together.
async fn sleep_jittered(after_ms: u32) {
    let jittered = f64::from(after_ms) * (0.5 + js_sys::Math::random());
    yew::platform::time::sleep(Duration::from_millis(jittered as u64)).await;
}

impl Driver {
    fn department_id(&self) -> i64 {
        self.inner.conversation.borrow().department_id
    }
}

/// The storage key of a department's conversation in the frame's local storage.
fn storage_key(department_id: i64) -> String {
    format!("zchat:conversation:{department_id}")
}

fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// What this browser kept for `department_id` (nothing when storage is off or the data is bad).
pub fn load(department_id: i64) -> Saved {
    local_storage().and_then(|storage| storage.get_item(&storage_key(department_id)).ok()?).and_then(|text| json::parse(&text)).unwrap_or_default()
}

fn save(department_id: i64, saved: &Saved) {
    // Storage may be off (private modes, blocked third-party storage): the chat works without it.
    if let (Some(storage), Some(json)) = (local_storage(), json::stringify(saved)) {
        let _ = storage.set_item(&storage_key(department_id), &json);
    }
}

/// Feeds [`Input::Wake`] when the browser comes back online or the page becomes visible again;
/// the listeners go when the returned guard is dropped (the component unmounts).
pub fn wake_on_return(driver: &Driver) -> impl FnOnce() {
    let (Some(window), Some(document)) = (web_sys::window(), web_sys::window().and_then(|w| w.document())) else {
        return Box::new(|| ()) as Box<dyn FnOnce()>;
    };
    let online = {
        let driver = driver.clone();
        EventListener::new(&window, "online", move |_| driver.dispatch(Input::Wake))
    };
    let visible = {
        let driver = driver.clone();
        let page = document.clone();
        EventListener::new(&document, "visibilitychange", move |_| {
            if page.visibility_state() == web_sys::VisibilityState::Visible {
                driver.dispatch(Input::Wake);
            }
        })
    };
    Box::new(move || drop((online, visible)))
}

/// Milliseconds since the Unix epoch, from the browser's clock.
pub fn now() -> u64 {
    js_sys::Date::now() as u64
}

/// A fresh random idempotency key for a message.
pub fn new_key() -> String {
    web_sys::window()
        .and_then(|window| window.crypto().ok())
        .map(|crypto| crypto.random_uuid())
        .unwrap_or_else(|| format!("{}-{}", now(), (js_sys::Math::random() * 1e16) as u64))
}
