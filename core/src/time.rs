//! TUF timestamps: exactly `YYYY-MM-DDTHH:MM:SSZ`, converted to Unix seconds.
//! A reference time is fixed once per refresh and compared against these.

use crate::error::{Error, Result};

/// Seconds since the Unix epoch, UTC. Signed so dates before 1970 parse.
pub type UnixTime = i64;

/// Parses `YYYY-MM-DDTHH:MM:SSZ` strictly (the only form the TUF spec and
/// python-tuf produce). Any other shape, or an impossible date, is an error.
pub fn parse_expires(s: &str) -> Result<UnixTime> {
    let b = s.as_bytes();
    let shape_ok = b.len() == 20
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
        && b[19] == b'Z';
    let bad = || {
        Error::format(format!(
            "malformed expires {s:?}: expected YYYY-MM-DDTHH:MM:SSZ"
        ))
    };
    if !shape_ok {
        return Err(bad());
    }
    let num = |r: std::ops::Range<usize>| -> Result<i64> {
        let part = &b[r];
        if !part.iter().all(u8::is_ascii_digit) {
            return Err(bad());
        }
        Ok(part
            .iter()
            .fold(0i64, |acc, d| acc * 10 + i64::from(d - b'0')))
    };
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if year < 1
        || !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return Err(bad());
    }
    Ok(days_from_civil(year, month, day) * 86_400 + hour * 3_600 + minute * 60 + second)
}

/// Formats Unix seconds back to the TUF form (for messages and status output).
pub fn format_time(t: UnixTime) -> String {
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// The system clock, for callers that do not fix a reference time themselves.
pub fn now() -> UnixTime {
    match std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX),
    }
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

// Howard Hinnant's days-from-civil algorithm (proleptic Gregorian calendar).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_known_instants() {
        assert_eq!(parse_expires("1970-01-01T00:00:00Z").unwrap(), 0);
        assert_eq!(
            parse_expires("2025-06-24T21:08:03Z").unwrap(),
            1_750_799_283
        );
        assert_eq!(parse_expires("2000-02-29T23:59:59Z").unwrap(), 951_868_799);
        assert_eq!(
            parse_expires("2100-01-01T00:00:00Z").unwrap(),
            4_102_444_800
        );
    }

    #[test]
    fn round_trips() {
        for s in [
            "1999-12-31T23:59:59Z",
            "2030-01-01T00:00:00Z",
            "2024-02-29T12:34:56Z",
        ] {
            assert_eq!(format_time(parse_expires(s).unwrap()), s);
        }
    }

    #[test]
    fn rejects_other_shapes() {
        for s in [
            "",
            "2030-01-01",
            "2030-01-01T00:00:00",
            "2030-01-01T00:00:00+00:00",
            "2030-01-01T00:00:00.5Z",
            "2030-01-01 00:00:00Z",
            "2030-1-01T00:00:00Z",
            "2030-01-01T00:00:00z",
            "+030-01-01T00:00:00Z",
            "2030-13-01T00:00:00Z",
            "2030-00-01T00:00:00Z",
            "2030-02-29T00:00:00Z",
            "2030-04-31T00:00:00Z",
            "2030-01-01T24:00:00Z",
            "2030-01-01T00:60:00Z",
            "2030-01-01T00:00:60Z",
            "0000-01-01T00:00:00Z",
            "２030-01-01T00:00:00Z",
        ] {
            assert!(parse_expires(s).is_err(), "{s:?} accepted");
        }
    }
}
