//! Moscow time, the one place it is computed: the regulation's calendar, contract days,
//! booking months and the times written in messages are all Moscow's. Moscow has kept
//! UTC+3 all year since 26 October 2014 and the calendar covers later years, so a fixed
//! offset is exact here and cheaper than a time-zone database.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Utc};

/// Moscow's offset from UTC in seconds.
pub const OFFSET_SECS: i64 = 3 * 3600;

const OFFSET: TimeDelta = TimeDelta::seconds(OFFSET_SECS);

/// The Moscow wall-clock time of an instant.
#[must_use]
pub fn local(at: DateTime<Utc>) -> NaiveDateTime {
    (at + OFFSET).naive_utc()
}

/// The Moscow calendar day an instant falls on ("today" for contracts and bookings).
#[must_use]
pub fn date(at: DateTime<Utc>) -> NaiveDate {
    local(at).date()
}

/// The instant a Moscow calendar day begins (its 00:00).
#[must_use]
pub fn midnight(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(NaiveTime::MIN).and_utc() - OFFSET
}

/// An instant as Moscow wall-clock time, `dd.mm.yyyy HH:MM`, for messages and exports.
#[must_use]
pub fn format(at: DateTime<Utc>) -> String {
    local(at).format("%d.%m.%Y %H:%M").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn the_moscow_day_turns_at_21_utc() {
        assert_eq!(date(at("2026-12-31T20:59:59Z")), day("2026-12-31"));
        assert_eq!(date(at("2026-12-31T21:00:00Z")), day("2027-01-01"));
        assert_eq!(midnight(day("2027-01-01")), at("2026-12-31T21:00:00Z"));
        assert_eq!(format(at("2026-12-31T21:00:00Z")), "01.01.2027 00:00");
        assert_eq!(format(at("2027-03-01T06:05:00Z")), "01.03.2027 09:05");
    }

    #[test]
    fn the_fixed_offset_agrees_with_the_time_zone_database_since_2014() {
        use chrono::TimeZone as _;
        // Every 7 hours and 13 minutes from the last change of Moscow's offset to 2040.
        let mut t = at("2014-10-26T00:00:00Z");
        while t < at("2040-01-01T00:00:00Z") {
            let tz = chrono_tz::Europe::Moscow
                .from_utc_datetime(&t.naive_utc())
                .naive_local();
            assert_eq!(local(t), tz, "{t}");
            t += TimeDelta::minutes(7 * 60 + 13);
        }
    }
}

/// An instant for a person (R-NTF-6, R-CAL-7): in their time zone, with Moscow time in
/// brackets when it differs (the date too when the day differs); `lang` `en` names
/// Moscow in English, anything else in Russian. An unknown zone is Moscow's.
#[must_use]
pub fn format_for(at: DateTime<Utc>, zone: &str, lang: &str) -> String {
    let msk = if lang == "en" { "Moscow" } else { "МСК" };
    let Ok(tz) = zone.parse::<chrono_tz::Tz>() else {
        return format!("{} ({msk})", format(at));
    };
    let theirs = at.with_timezone(&tz).naive_local();
    let moscow = local(at);
    if theirs == moscow {
        return format!("{} ({msk})", format(at));
    }
    let bracket = if theirs.date() == moscow.date() {
        moscow.format("%H:%M").to_string()
    } else {
        moscow.format("%d.%m.%Y %H:%M").to_string()
    };
    format!("{} ({bracket} {msk})", theirs.format("%d.%m.%Y %H:%M"))
}

#[cfg(test)]
mod for_people {
    use super::*;

    #[test]
    fn r_ntf_6_times_in_the_recipients_zone_with_moscow_in_brackets() {
        let at: DateTime<Utc> = "2026-03-16T14:30:00Z".parse().expect("instant");
        // Vladivostok (UTC+10): 00:30 the next day; Moscow 17:30 of the day before.
        assert_eq!(
            format_for(at, "Asia/Vladivostok", "ru"),
            "17.03.2026 00:30 (16.03.2026 17:30 МСК)"
        );
        // Kaliningrad (UTC+2): an hour behind Moscow, the same day.
        assert_eq!(
            format_for(at, "Europe/Kaliningrad", "en"),
            "16.03.2026 16:30 (17:30 Moscow)"
        );
        assert_eq!(format_for(at, "Europe/Moscow", "ru"), "16.03.2026 17:30 (МСК)");
        assert_eq!(format_for(at, "Mars/Olympus", "ru"), "16.03.2026 17:30 (МСК)");
    }
}
