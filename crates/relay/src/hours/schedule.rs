//! The rule of business hours (`data-hours="mon-fri 09:00-18:00; sat 09:00-13:00"` in the
//! team's time zone, `data-timezone="America/Sao_Paulo"`): whether the team is there now, and
//! when it is back. Pure: a time zone's offsets come through [`Zone`] (jiff's database in the
//! relay, fixed rules in the tests).

/// The days as `data-hours` names them, Monday first.
const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
pub const MINUTE_MS: i64 = 60_000;
pub const DAY_MS: i64 = 86_400_000;

/// A time zone: its offset from UTC in minutes at an instant (ms since the Unix epoch).
pub trait Zone {
    fn offset(&self, utc_ms: i64) -> i32;
}

/// The team's hours for each day of the week (Monday first): ranges of minutes since local
/// midnight, each from its opening (included) to its closing (excluded). A range that closes
/// after midnight (`fri 22:00-02:00`) is two: to midnight, and the next day's from midnight.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hours {
    week: [Vec<(u16, u16)>; 7],
}

impl Hours {
    /// Reads `days ranges; days ranges…`: days are `mon`…`sun`, single or as a range
    /// (`mon-fri`, `fri-mon`), separated by commas; ranges are `HH:MM-HH:MM` (`24:00` closes
    /// at midnight), separated by commas. The error names what is wrong.
    pub fn parse(text: &str) -> Result<Hours, String> {
        let mut hours = Hours::default();
        for group in text.split(';').map(str::trim).filter(|group| !group.is_empty()) {
            let wrong = || format!("data-hours: \"{group}\" is not like \"mon-fri 09:00-18:00\".");
            let (days, ranges) = group.split_once(char::is_whitespace).ok_or_else(wrong)?;
            let mut chosen = [false; 7];
            for item in days.split(',') {
                let (first, last) = item.split_once('-').unwrap_or((item, item));
                let (first, last) = (day(first).ok_or_else(wrong)?, day(last).ok_or_else(wrong)?);
                // From the first to the last, through the weekend if it comes first (`fri-mon`).
                let count = (last + 7 - first) % 7 + 1;
                (0..count).for_each(|i| chosen[(first + i) % 7] = true);
            }
            for range in ranges.split(',').map(str::trim) {
                let (open, close) = range.split_once('-').ok_or_else(wrong)?;
                let (open, close) = (minutes(open).filter(|m| *m < 1440).ok_or_else(wrong)?, minutes(close).ok_or_else(wrong)?);
                if open == close {
                    return Err(format!("data-hours: \"{range}\" opens and closes at once."));
                }
                for today in (0..7).filter(|d| chosen[*d]) {
                    if open < close {
                        hours.add(today, open, close);
                    } else {
                        // Past midnight: the rest of today, and the next day's beginning.
                        hours.add(today, open, 1440);
                        if close > 0 {
                            hours.add((today + 1) % 7, 0, close);
                        }
                    }
                }
            }
        }
        if hours.week.iter().all(Vec::is_empty) {
            return Err("data-hours has no hours.".into());
        }
        Ok(hours)
    }

    /// A day's range, in order of opening.
    fn add(&mut self, day: usize, open: u16, close: u16) {
        let ranges = &mut self.week[day];
        let at = ranges.iter().position(|(other, _)| *other > open).unwrap_or(ranges.len());
        ranges.insert(at, (open, close));
    }

    /// Whether the team is there at `now`.
    pub fn is_open(&self, now: i64, zone: &impl Zone) -> bool {
        let local = now + i64::from(zone.offset(now)) * MINUTE_MS;
        let minute = (local.rem_euclid(DAY_MS) / MINUTE_MS) as u16;
        self.week[weekday(local.div_euclid(DAY_MS))].iter().any(|(open, close)| (*open..*close).contains(&minute))
    }

    /// When the team is away at `now`, the instant its next hours begin; `None` while it is there.
    pub fn back_at(&self, now: i64, zone: &impl Zone) -> Option<i64> {
        if self.is_open(now, zone) {
            return None;
        }
        let today = (now + i64::from(zone.offset(now)) * MINUTE_MS).div_euclid(DAY_MS);
        // The openings of the next eight local days (a week and today's rest), in order: the
        // first after now.
        (today..=today + 7)
            .flat_map(|day| self.week[weekday(day)].iter().map(move |(open, _)| day * DAY_MS + i64::from(*open) * MINUTE_MS))
            .map(|local| to_utc(local, zone))
            .find(|at| *at > now)
    }
}

/// The instant a local time (ms since the epoch, as if local were UTC) happens in `zone`, by the
/// offsets a day before and after it. A time that happens twice (the hour a daylight-saving change
/// repeats) is the first; one that never happens (the hour it skips) comes out an hour later,
/// where the day goes on.
fn to_utc(local: i64, zone: &impl Zone) -> i64 {
    let offsets = [zone.offset(local - DAY_MS), zone.offset(local + DAY_MS)].map(|offset| local - i64::from(offset) * MINUTE_MS);
    let happens = |at: &i64| at + i64::from(zone.offset(*at)) * MINUTE_MS == local;
    match offsets.iter().copied().filter(happens).min() {
        Some(at) => at,
        None => offsets[0].max(offsets[1]),
    }
}

/// The weekday (0 Monday) of a day counted from 1970-01-01, a Thursday.
fn weekday(day: i64) -> usize {
    (day + 3).rem_euclid(7) as usize
}

fn day(name: &str) -> Option<usize> {
    let name = name.trim().to_ascii_lowercase();
    DAYS.iter().position(|day| *day == name)
}

/// `HH:MM` as minutes since midnight, up to `24:00`.
fn minutes(text: &str) -> Option<u16> {
    let (hours, minutes) = text.trim().split_once(':')?;
    let number = |part: &str, max: u16| {
        Some(part).filter(|p| p.len() == 2 && p.bytes().all(|b| b.is_ascii_digit())).and_then(|p| p.parse::<u16>().ok()).filter(|n| *n <= max)
    };
    let total = number(hours, 24)? * 60 + number(minutes, 59)?;
    (total <= 1440).then_some(total)
}
