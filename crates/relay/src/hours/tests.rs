//! Business hours: reading `data-hours`, and when the team is back across days, time zones and
//! daylight-saving changes: with zones of fixed rules, then the real ones (jiff's database).

use super::schedule::{Hours, Zone, DAY_MS, MINUTE_MS};

/// Days from 1970-01-01 to a date of the proleptic Gregorian calendar (H. Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let day_of_year = (153 * (month + if month > 2 { -3 } else { 9 }) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// An instant, from a UTC date and time.
fn utc(year: i64, month: i64, day: i64, hour: i64, minute: i64) -> i64 {
    days_from_civil(year, month, day) * DAY_MS + (hour * 60 + minute) * MINUTE_MS
}

/// A zone without daylight saving (America/Sao_Paulo since 2019: −03:00).
struct Fixed(i32);

impl Zone for Fixed {
    fn offset(&self, _: i64) -> i32 {
        self.0
    }
}

/// America/New_York: −05:00, and −04:00 from the second Sunday of March at 02:00 local (07:00 UTC)
/// to the first Sunday of November at 02:00 local (06:00 UTC).
struct NewYork;

/// The day of the month of the `nth` Sunday (`nth` 0 = the last) of a month.
fn sunday(year: i64, month: i64, nth: i64) -> i64 {
    let weekday = |day: i64| (days_from_civil(year, month, day) + 3).rem_euclid(7); // 6 = Sunday
    let days: Vec<i64> = (1..=31).filter(|day| weekday(*day) == 6 && (month != 2 || *day <= 28)).filter(|day| *day <= 30 || month != 4).collect();
    if nth == 0 {
        *days.last().unwrap()
    } else {
        days[nth as usize - 1]
    }
}

impl Zone for NewYork {
    fn offset(&self, at: i64) -> i32 {
        let year = 1970 + at.div_euclid(DAY_MS * 365 + DAY_MS / 4);
        let starts = utc(year, 3, sunday(year, 3, 2), 7, 0);
        let ends = utc(year, 11, sunday(year, 11, 1), 6, 0);
        if (starts..ends).contains(&at) {
            -240
        } else {
            -300
        }
    }
}

/// Europe/Lisbon: 00:00, and +01:00 from the last Sunday of March to the last Sunday of October,
/// both at 01:00 UTC.
struct Lisbon;

impl Zone for Lisbon {
    fn offset(&self, at: i64) -> i32 {
        let year = 1970 + at.div_euclid(DAY_MS * 365 + DAY_MS / 4);
        let starts = utc(year, 3, sunday(year, 3, 0), 1, 0);
        let ends = utc(year, 10, sunday(year, 10, 0), 1, 0);
        if (starts..ends).contains(&at) {
            60
        } else {
            0
        }
    }
}

const WEEK: &str = "mon-fri 09:00-18:00; sat 09:00-13:00";

#[test]
fn the_calendar_is_right() {
    assert_eq!(days_from_civil(1970, 1, 1), 0);
    assert_eq!(days_from_civil(2000, 3, 1), 11_017);
    assert_eq!(days_from_civil(2026, 12, 2), 20_789);
    // The zones' rules: 2026's changes.
    assert_eq!((sunday(2026, 3, 2), sunday(2026, 11, 1), sunday(2026, 3, 0), sunday(2026, 10, 0)), (8, 1, 29, 25));
    assert_eq!(NewYork.offset(utc(2026, 3, 8, 6, 59)), -300);
    assert_eq!(NewYork.offset(utc(2026, 3, 8, 7, 0)), -240);
    assert_eq!(Lisbon.offset(utc(2026, 7, 1, 12, 0)), 60);
}

#[test]
fn hours_are_read_and_every_mistake_is_named() {
    let hours = Hours::parse(WEEK).unwrap();
    let sao_paulo = Fixed(-180);
    // Wednesday 2026-12-02, 12:00 in São Paulo (15:00 UTC): open; 18:00 there: closed.
    assert!(hours.is_open(utc(2026, 12, 2, 15, 0), &sao_paulo));
    assert!(hours.is_open(utc(2026, 12, 2, 20, 59), &sao_paulo), "17:59");
    assert!(!hours.is_open(utc(2026, 12, 2, 21, 0), &sao_paulo), "18:00 closes");
    assert!(!hours.is_open(utc(2026, 12, 2, 11, 59), &sao_paulo), "08:59");
    // Several ranges a day, days in a list, a range through the weekend, any case.
    let split = Hours::parse(" Mon,WED 08:00-12:00, 13:00-17:00 ;fri-mon 10:00-11:00;").unwrap();
    assert!(split.is_open(utc(2026, 11, 30, 13, 30), &Fixed(0)), "monday 13:30");
    assert!(!split.is_open(utc(2026, 11, 30, 12, 30), &Fixed(0)), "monday lunch");
    assert!(split.is_open(utc(2026, 12, 6, 10, 30), &Fixed(0)), "sunday, inside fri-mon");
    assert!(!split.is_open(utc(2026, 12, 1, 10, 30), &Fixed(0)), "tuesday");
    assert!(Hours::parse("sun 00:00-24:00").unwrap().is_open(utc(2026, 12, 6, 23, 59), &Fixed(0)));
    for bad in [
        "",
        ";",
        "mon",
        "09:00-18:00",
        "mon 9:00-18:00",
        "mon 09:00",
        "mon 09:00-",
        "mon 09:00-18:00-20:00",
        "monday 09:00-18:00",
        "mon-funday 09:00-18:00",
        "mon 24:00-01:00",
        "mon 09:00-24:01",
        "mon 09:60-10:00",
        "mon 25:00-26:00",
        "mon 09:00-09:00",
        "mon 0900-1800",
        "mоn 09:00-18:00",
        "mon 09:00-18:00; tue",
        "mon -1:00-02:00",
        "mon +9:00-18:00",
    ] {
        let error = Hours::parse(bad).unwrap_err();
        assert!(error.starts_with("data-hours"), "{bad:?}: {error}");
    }
}

#[test]
fn back_when_the_next_hours_begin_across_days() {
    let hours = Hours::parse(WEEK).unwrap();
    let sao_paulo = Fixed(-180);
    assert_eq!(hours.back_at(utc(2026, 12, 2, 15, 0), &sao_paulo), None, "open now");
    // Wednesday 07:00 there: back at 09:00 the same day.
    assert_eq!(hours.back_at(utc(2026, 12, 2, 10, 0), &sao_paulo), Some(utc(2026, 12, 2, 12, 0)));
    // Wednesday 20:00: Thursday 09:00.
    assert_eq!(hours.back_at(utc(2026, 12, 2, 23, 0), &sao_paulo), Some(utc(2026, 12, 3, 12, 0)));
    // Friday 18:00: Saturday 09:00; Saturday 13:00: Monday 09:00; all of Sunday: Monday.
    assert_eq!(hours.back_at(utc(2026, 12, 4, 21, 0), &sao_paulo), Some(utc(2026, 12, 5, 12, 0)));
    assert_eq!(hours.back_at(utc(2026, 12, 5, 16, 0), &sao_paulo), Some(utc(2026, 12, 7, 12, 0)));
    assert_eq!(hours.back_at(utc(2026, 12, 6, 12, 0), &sao_paulo), Some(utc(2026, 12, 7, 12, 0)));
    // Once a week: a week later, the same day.
    let weekly = Hours::parse("wed 09:00-10:00").unwrap();
    assert_eq!(weekly.back_at(utc(2026, 12, 2, 13, 30), &sao_paulo), Some(utc(2026, 12, 9, 12, 0)));
}

#[test]
fn the_team_s_zone_decides_not_the_visitor_s() {
    // The same instant, Wednesday 2026-12-02 13:00 UTC: 10:00 in São Paulo (open), 08:00 in New
    // York (closed until 09:00 there, 14:00 UTC), 13:00 in Lisbon (open).
    let hours = Hours::parse(WEEK).unwrap();
    let now = utc(2026, 12, 2, 13, 0);
    assert!(hours.is_open(now, &Fixed(-180)));
    assert_eq!(hours.back_at(now, &NewYork), Some(utc(2026, 12, 2, 14, 0)));
    assert!(hours.is_open(now, &Lisbon));
    // A zone east of UTC whose day began before UTC's: Tokyo, Thursday 00:30 there.
    let tokyo = Fixed(540);
    assert_eq!(hours.back_at(utc(2026, 12, 2, 15, 30), &tokyo), Some(utc(2026, 12, 3, 0, 0)), "09:00 Thursday in Tokyo");
}

#[test]
fn daylight_saving_changes_move_the_instant_not_the_hour() {
    let hours = Hours::parse(WEEK).unwrap();
    // New York, 2026: clocks go forward on Sunday 8 March. Saturday 7 March 14:00 EST (closed):
    // back on Monday 9 March at 09:00 EDT, which is 13:00 UTC (the week before it was 14:00).
    assert_eq!(hours.back_at(utc(2026, 3, 7, 19, 0), &NewYork), Some(utc(2026, 3, 9, 13, 0)));
    assert_eq!(hours.back_at(utc(2026, 2, 28, 19, 0), &NewYork), Some(utc(2026, 3, 2, 14, 0)));
    // And back on Sunday 1 November: Saturday 31 October 14:00 EDT, back Monday 2 November 09:00
    // EST, 14:00 UTC.
    assert_eq!(hours.back_at(utc(2026, 10, 31, 18, 0), &NewYork), Some(utc(2026, 11, 2, 14, 0)));
    // Lisbon goes forward on Sunday 29 March at 01:00 UTC: open at 09:00 local both sides of it.
    assert!(hours.is_open(utc(2026, 3, 27, 9, 0), &Lisbon), "Friday 09:00 WET");
    assert!(!hours.is_open(utc(2026, 3, 30, 7, 30), &Lisbon), "Monday 08:30 WEST");
    assert!(hours.is_open(utc(2026, 3, 30, 8, 0), &Lisbon), "Monday 09:00 WEST");
    // Hours that begin in the hour the change skips (02:30 on 8 March in New York) begin where
    // the day goes on, 03:30 EDT; in the hour it repeats (01:30 on 1 November), the first time.
    let night = Hours::parse("sun 02:30-05:00").unwrap();
    assert_eq!(night.back_at(utc(2026, 3, 8, 5, 0), &NewYork), Some(utc(2026, 3, 8, 7, 30)));
    let repeated = Hours::parse("sun 01:30-05:00").unwrap();
    assert_eq!(repeated.back_at(utc(2026, 11, 1, 4, 0), &NewYork), Some(utc(2026, 11, 1, 5, 30)), "01:30 EDT");
}

#[test]
fn hours_past_midnight_belong_to_two_days() {
    let late = Hours::parse("fri 22:00-02:00").unwrap();
    let zone = Fixed(0);
    assert!(late.is_open(utc(2026, 12, 4, 23, 0), &zone), "Friday 23:00");
    assert!(late.is_open(utc(2026, 12, 5, 1, 59), &zone), "Saturday 01:59");
    assert!(!late.is_open(utc(2026, 12, 5, 2, 0), &zone), "Saturday 02:00");
    assert_eq!(late.back_at(utc(2026, 12, 5, 2, 0), &zone), Some(utc(2026, 12, 11, 22, 0)));
    // Sunday into Monday wraps the week.
    let sunday_night = Hours::parse("sun 23:00-01:00").unwrap();
    assert!(sunday_night.is_open(utc(2026, 12, 7, 0, 30), &zone), "Monday 00:30");
}

/// The same rules with the real zones, from jiff's database, and a zone half an hour off the hour.
#[test]
fn real_time_zones_agree() {
    let zone = |name: &str| jiff::tz::TimeZone::get(name).unwrap();
    let hours = Hours::parse(WEEK).unwrap();
    let new_york = zone("America/New_York");
    assert_eq!(hours.back_at(utc(2026, 3, 7, 19, 0), &new_york), Some(utc(2026, 3, 9, 13, 0)), "after clocks go forward");
    assert_eq!(hours.back_at(utc(2026, 10, 31, 18, 0), &new_york), Some(utc(2026, 11, 2, 14, 0)), "after they go back");
    assert_eq!(hours.back_at(utc(2026, 12, 4, 21, 0), &zone("America/Sao_Paulo")), Some(utc(2026, 12, 5, 12, 0)));
    assert!(hours.is_open(utc(2026, 3, 30, 8, 0), &zone("Europe/Lisbon")));
    // Kolkata is +05:30: 09:00 there is 03:30 UTC.
    assert_eq!(hours.back_at(utc(2026, 12, 2, 0, 0), &zone("Asia/Kolkata")), Some(utc(2026, 12, 2, 3, 30)));
}

/// What a browser may send as the settings: each wrong one is a 422 that names its setting, and
/// nothing panics.
#[test]
fn every_wrong_setting_is_named() {
    let now = utc(2026, 12, 2, 12, 0);
    assert_eq!(super::back_at(WEEK, "America/Sao_Paulo", now).unwrap(), None);
    assert_eq!(super::back_at(WEEK, " UTC ", utc(2026, 12, 6, 12, 0)).unwrap(), Some(utc(2026, 12, 7, 9, 0)));
    let long = "mon 09:00-10:00,".repeat(40);
    let cases: Vec<(&str, &str, &str)> = vec![
        (&long, "UTC", "data-hours"),
        ("", "UTC", "data-hours"),
        ("mon 9-18", "UTC", "data-hours"),
        ("mon\u{0} 09:00-18:00", "UTC", "data-hours"),
        (WEEK, "", "data-timezone"),
        (WEEK, "   ", "data-timezone"),
        (WEEK, "Mars/Olympus_Mons", "data-timezone"),
        (WEEK, "../../../etc/passwd", "data-timezone"),
        (WEEK, "/etc/localtime", "data-timezone"),
        (WEEK, "America/Sao_Paulo\u{0}", "data-timezone"),
        (WEEK, "GMT+3; DROP TABLE", "data-timezone"),
        (WEEK, "ã🕐", "data-timezone"),
    ];
    let very_long = "A".repeat(10_000);
    for (hours, zone, named) in cases.into_iter().chain([(WEEK, very_long.as_str(), "data-timezone")]) {
        let refusal = super::back_at(hours, zone, now).unwrap_err();
        let message = refusal.message();
        assert_eq!(refusal.status(), 422, "{hours:?} {zone:?}");
        assert!(message.contains(named) && message.len() < 300, "{hours:?} {zone:?}: {message}");
    }
}
