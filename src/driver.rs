//! The shell around the core: feeds it inputs with the current time, and carries out the effects
//! it returns (HTTP calls, the event stream, storage, the host page, timers), feeding their
//! outcomes back as inputs.

use std::cell::RefCell;
use std::rc::Rc;

use yew::Callback;

use zchat_types::UpdateInteraction;

use crate::core::{Announcement, Effect, HostState, Input, Widget};
use crate::storage::Keeper;
use crate::texts::Texts;
use crate::{api, chime, clock, host, stream, upload};

/// How long the frame waits for the host page's helpers to hand over what the page keeps for it
/// (`crate::storage`) before it starts without: they come with the frame, and answer its `ready`.
const HANDOVER_WAIT_MS: u32 = 3_000;

/// A handle on the running widget; cheap to clone, equal when it is the same one.
#[derive(Clone)]
pub struct Driver {
    inner: Rc<Inner>,
}

struct Inner {
    /// Shared with the views: a step changes a copy when they hold the last one (`Rc::make_mut`),
    /// which copies only the widget's shell (its parts are shared the same way: a step copies
    /// only the part it changes).
    widget: RefCell<Rc<Widget>>,
    /// The host page's origin, for postMessage (none when the frame runs on its own).
    host: Option<String>,
    /// Where this browser keeps what the next page needs.
    keeper: Keeper,
    stream: RefCell<Option<stream::EventStream>>,
    /// The visitor's files and their uploads.
    files: upload::Files,
    /// The last state told to the host page.
    told: RefCell<Option<HostState>>,
    /// Asks the view to render again after a change.
    on_change: Callback<()>,
}

impl PartialEq for Driver {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.inner, &other.inner)
    }
}

impl Driver {
    pub fn new(widget: Widget, host: Option<String>, on_change: Callback<()>) -> Self {
        let inner = Inner {
            widget: RefCell::new(Rc::new(widget)),
            keeper: Keeper::new(host.as_deref()),
            host,
            stream: RefCell::new(None),
            files: upload::Files::default(),
            told: RefCell::new(None),
            on_change,
        };
        Driver { inner: Rc::new(inner) }
    }

    pub fn host(&self) -> Option<String> {
        self.inner.host.clone()
    }

    /// The widget as it is now, for the views.
    pub fn widget(&self) -> Rc<Widget> {
        Rc::clone(&self.inner.widget.borrow())
    }

    fn texts(&self) -> &'static Texts {
        self.inner.widget.borrow().site.lang.texts()
    }

    /// Steps the core with `input`, re-renders, and runs the resulting effects.
    pub fn dispatch(&self, input: Input) {
        let (effects, state) = {
            let mut widget = self.inner.widget.borrow_mut();
            let widget = Rc::make_mut(&mut widget);
            (widget.step(input, clock::now()), widget.host_state())
        };
        self.inner.on_change.emit(());
        if self.inner.told.borrow().as_ref() != Some(&state) {
            host::state(self.inner.host.as_deref(), &state);
            self.inner.told.replace(Some(state));
        }
        for effect in effects {
            self.run(effect);
        }
    }

    /// The page's start from what this browser kept: at once from the frame's own storage; from
    /// the host page's when its helpers hand it over ([`Driver::handed_over`]), or with nothing
    /// if they have not within [`HANDOVER_WAIT_MS`].
    pub fn start(&self) {
        match self.inner.keeper.load(self.department_id()) {
            Some(saved) => self.dispatch(Input::Restore(saved)),
            None => {
                let driver = self.clone();
                gloo_timers::callback::Timeout::new(HANDOVER_WAIT_MS, move || driver.handed_over(None)).forget();
            }
        }
    }

    /// The host page's helpers handed over what the page keeps (`None`: they did not in time).
    pub fn handed_over(&self, kept: Option<&str>) {
        if let Some(saved) = self.inner.keeper.handed_over(self.department_id(), kept) {
            self.dispatch(Input::Restore(saved));
        }
    }

    fn department_id(&self) -> i64 {
        self.inner.widget.borrow().site.department_id
    }

    /// The visitor picked `files` (the attach button, a paste, a drop).
    pub fn attach(&self, files: &web_sys::FileList) {
        let picked = self.inner.files.pick(files);
        if !picked.is_empty() {
            self.dispatch(Input::Attach(picked));
        }
    }

    /// A callback that dispatches, for views, listeners and effects.
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
            Effect::Save(saved) => self.inner.keeper.save(self.department_id(), &saved),
            Effect::ForgetDevice => self.inner.keeper.forget(),
            Effect::ReportUnread(count) => host::unread(host, self.texts(), count),
            Effect::ShowWindow => host::show(host, true),
            Effect::AskNotifications => host::ask_notifications(host),
            Effect::AlertTitle(count) => {
                let texts = self.texts();
                let title = count.map(|count| if count == 1 { texts.title_one.to_string() } else { texts.title_many.with(&count.to_string()) });
                host::title(host, title.as_deref());
            }
            Effect::ReportAway(at) => {
                let lang = self.inner.widget.borrow().site.lang;
                let texts = lang.texts();
                host::labels(host, texts, &texts.launcher_away.with(&clock::day_and_time(at, lang.tag())));
            }
            Effect::Announce(Announcement { from, text, agent, agent_id }) => {
                // An agent message the widget cannot show is announced as what the visitor reads.
                let text = if text.is_empty() { self.texts().line_unshowable.to_string() } else { text };
                host::message(host, &Announcement { from, text, agent, agent_id });
            }
            Effect::OpenStream { session, after } => {
                // Replacing the old stream closes it.
                let opened = stream::open(&session, after, self.callback());
                let failed = opened.is_none();
                *self.inner.stream.borrow_mut() = opened;
                if failed {
                    self.dispatch(Input::StreamClosed);
                }
            }
            Effect::CloseStream => {
                self.inner.stream.borrow_mut().take();
            }
            Effect::Upload { session, key, file } => {
                // Its end lets go of its listeners, once they have returned.
                let driver = self.clone();
                let ended = Callback::from(move |input: Input| {
                    if let Input::Uploaded { key, .. } = &input {
                        let (driver, key) = (driver.clone(), key.clone());
                        yew::platform::spawn_local(async move { driver.inner.files.ended(&key) });
                    }
                    driver.dispatch(input);
                });
                self.inner.files.upload(self.texts(), &session, key, file, ended);
            }
            Effect::AbortUpload { key } => self.inner.files.abort(&key),
            Effect::DropFile { file } => self.inner.files.drop_file(file),
            effect => {
                let driver = self.clone();
                let texts = self.texts();
                let host = self.inner.host.clone();
                yew::platform::spawn_local(async move {
                    if let Some(input) = carry_out(texts, host, effect).await {
                        driver.dispatch(input);
                    }
                });
            }
        }
    }
}

/// The asynchronous effects: HTTP calls, timers and the chime, and the input each one ends with.
async fn carry_out(texts: &'static Texts, host: Option<String>, effect: Effect) -> Option<Input> {
    Some(match effect {
        Effect::StartInteraction { department_id, customer, extra, page, identity, tag_ids, previous, history } => {
            let start = api::Start { department_id, customer, extra, page, identity, tag_ids, history };
            Input::Started(api::start_interaction(texts, start, previous.as_ref()).await)
        }
        Effect::FinishInteraction { session } => Input::Finished(api::finish(texts, &session).await),
        Effect::Rate { session, mood, note } => {
            let change = UpdateInteraction { token: String::new(), mood, tag_ids: None, customer_key: None, note, identity: None };
            Input::Rated(api::update(texts, &session, change).await)
        }
        // What zChat refuses of it (a key or a tag it does not know) is the site developer's to
        // hear, in the console; the conversation goes on.
        Effect::UpdateConversation { session, identity, tag_ids } => {
            let change = UpdateInteraction { token: String::new(), mood: None, tag_ids, customer_key: None, note: None, identity };
            if let Err(failure) = api::update(texts, &session, change).await {
                host::complain(&failure.message);
            }
            return None;
        }
        Effect::SendMessage { session, key, text, media } => {
            let result = api::send_message(texts, &session, &key, text, media).await;
            Input::Sent { key, result }
        }
        // A wrong setting is the site developer's to fix: said in the console, and the chat goes on.
        Effect::AskHours { hours, timezone } => match api::team_hours(texts, hours, timezone).await {
            Ok(at) => Input::TeamBack(at),
            Err(failure) => {
                if !failure.retryable {
                    host::complain(&failure.message);
                }
                return None;
            }
        },
        // Typing is a hint: a failed notification is not worth the visitor's attention.
        Effect::NotifyTyping { session, typing } => {
            let _ = api::typing(texts, &session, typing).await;
            return None;
        }
        Effect::ScheduleResend { key, after_ms } => {
            clock::sleep_jittered(after_ms).await;
            Input::Resend { key }
        }
        // The page hears of the chime (its `sound` event) from the tab that played it, whose
        // page's helpers also show the notification.
        Effect::Chime { unseen, play, agent, notice } => {
            if chime::chime(unseen, play).await {
                if play {
                    host::sound(host.as_deref(), agent.as_deref());
                }
                // An agent message the widget cannot show is said in words, as on the page.
                if let Some(text) = notice {
                    host::notify(host.as_deref(), agent.as_deref(), if text.is_empty() { texts.line_unshowable } else { &text });
                }
            }
            return None;
        }
        Effect::ScheduleTitleTick { after_ms } => {
            clock::sleep(after_ms).await;
            Input::TitleTick
        }
        Effect::ScheduleTypingTick { after_ms } => {
            clock::sleep(after_ms).await;
            Input::TypingTick
        }
        Effect::ScheduleReconnect { after_ms } => {
            clock::sleep_jittered(after_ms).await;
            Input::Reconnect
        }
        Effect::Save(_)
        | Effect::ForgetDevice
        | Effect::ReportUnread(_)
        | Effect::ReportAway(_)
        | Effect::ShowWindow
        | Effect::AskNotifications
        | Effect::AlertTitle(_)
        | Effect::Announce(_)
        | Effect::OpenStream { .. }
        | Effect::CloseStream
        | Effect::Upload { .. }
        | Effect::AbortUpload { .. }
        | Effect::DropFile { .. } => {
            return None;
        }
    })
}
