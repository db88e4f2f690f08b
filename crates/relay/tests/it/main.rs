//! The relay with the in-process sandbox, started on free ports, driven over real HTTP.

#[macro_use]
mod support;

mod answers;
mod api;
mod assets;
mod check;
mod failover;
mod files;
mod handoff;
mod history;
mod hostile;
mod hours;
mod identity;
mod log_rules;
mod operations;
mod shared;
mod stream;
mod uploads;
mod uploads_s3;
mod webhook;
