//! The sandbox on a free port, with a real webhook receiver and a history server, over HTTP.

mod support;

mod delivery;
mod faults;
mod history;
mod journal;
mod triggers;
