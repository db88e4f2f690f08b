//! The zChat visitor chat widget.
//!
//! - [`core`]: the conversation as a pure state machine (no IO; tested natively).
//! - [`settings`]: the embed settings the frame page is given.
//! - [`api`], [`stream`]: the relay's ClientApi V1 mirror over XMLHttpRequest and its event stream
//!   over the browser's EventSource.
//! - [`driver`]: feeds inputs to the core and carries out its effects; [`storage`] (the frame's
//!   local storage), [`clock`] (time and timers) and [`keys`] (idempotency keys) are its edges.
//! - [`chime`]: the tone for the visitor who looks away, in one tab only.
//! - [`upload`]: the visitor's files and their uploads (XMLHttpRequest, for its progress).
//! - [`page`]: the frame page's own listeners (visibility, online, Escape) and focus.
//! - [`texts`]: every text the visitor reads, in pt-BR, en and es.
//! - [`json`]: JSON at the edges, by the browser's parser and serde-wasm-bindgen.
//! - [`host`]: the postMessage channel to the host page's loader (unread count, close, open).
//! - [`components`]: Yew views that render a [`core::Conversation`] and emit inputs; [`app`] is
//!   the root that owns the driver.

pub mod api;
pub mod app;
pub mod chime;
pub mod clock;
pub mod components;
pub mod core;
pub mod driver;
pub mod host;
pub mod json;
pub mod keys;
pub mod page;
pub mod settings;
pub mod storage;
pub mod stream;
pub mod texts;
pub mod upload;
