//! `POST /hours` (`{"hours": "mon-fri 09:00-18:00", "timezone": "America/Sao_Paulo"}`): for the widget, when the team is back by its business hours
//! ([`TeamHours`]; `null` while it is there). The rule is [`schedule`]; a zone's offsets come from
//! jiff's built-in time-zone database, so every zone and its daylight-saving changes are known
//! whatever the server has installed. Here rather than in the widget: the rule and its zone data
//! would cost every visitor's first open 4 KB of wasm, and only sites with hours ask.

mod schedule;
#[cfg(test)]
mod tests;

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::http::header;
use axum::routing::post;
use axum::{Json, Router};
use jiff::tz::TimeZone;
use zchat_types::{ApiJson, HoursAsked, TeamHours};

use crate::caller::Browser;
use crate::error::RelayError;
use crate::Relay;
use schedule::{Hours, Zone};

/// The longest `hours` and `timezone` taken (a week of ranges fits many times over; the longest
/// IANA name has 32 characters).
pub const MAX_HOURS_BYTES: usize = 512;
pub const MAX_ZONE_BYTES: usize = 64;

pub fn routes() -> Router<Arc<Relay>> {
    Router::new().route(zchat_types::paths::HOURS, post(answer))
}

async fn answer(_: Browser, ApiJson(asked): ApiJson<HoursAsked>) -> Result<([(header::HeaderName, &'static str); 1], Json<TeamHours>), RelayError> {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |since| since.as_millis() as i64);
    let back_at = back_at(&asked.hours, &asked.timezone, now)?;
    Ok(([(header::CACHE_CONTROL, "no-store")], Json(TeamHours { back_at })))
}

/// When the team of `hours` in `timezone` is back after `now` (`None`: it is there), or a 422
/// that names the setting that is wrong, for the site's developer.
pub fn back_at(hours: &str, timezone: &str, now: i64) -> Result<Option<i64>, RelayError> {
    if hours.len() > MAX_HOURS_BYTES {
        return Err(RelayError::refused(422, format!("data-hours is longer than {MAX_HOURS_BYTES} bytes.")));
    }
    let schedule = Hours::parse(hours).map_err(|message| RelayError::refused(422, message))?;
    if timezone.trim().is_empty() {
        return Err(RelayError::refused(422, "data-hours needs data-timezone, the team's time zone (like America/Sao_Paulo)."));
    }
    let zone = Some(timezone.trim()).filter(|name| name.len() <= MAX_ZONE_BYTES).and_then(|name| TimeZone::get(name).ok());
    let zone = zone.ok_or_else(|| {
        let shown: String = timezone.chars().take(MAX_ZONE_BYTES).collect();
        RelayError::refused(422, format!("data-timezone \"{shown}\" is not a time zone like America/Sao_Paulo."))
    })?;
    Ok(schedule.back_at(now, &zone))
}

impl Zone for TimeZone {
    fn offset(&self, utc_ms: i64) -> i32 {
        jiff::Timestamp::from_millisecond(utc_ms).map_or(0, |at| self.to_offset(at).seconds() / 60)
    }
}
