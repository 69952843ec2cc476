//! Human durations (`30m`, `2h30m`, `1.5d`) parsed to minutes and back.
//! A day is a working day of 8 hours and a week five of them.

use crate::DomainError;

const MINUTES_PER_HOUR: f64 = 60.0;
const MINUTES_PER_DAY: f64 = 8.0 * MINUTES_PER_HOUR;
const MINUTES_PER_WEEK: f64 = 5.0 * MINUTES_PER_DAY;
/// Anything longer is surely a typo (a year of working days).
const MAX_MINUTES: f64 = 250.0 * MINUTES_PER_DAY;

/// Parses `30m`, `2h`, `2h30m`, `1.5d`, `1w 2d`, `90min`, `1 hour` into whole minutes.
///
/// `field` names the input the text came from, for the error.
pub fn parse_duration(field: &str, text: &str) -> Result<i64, DomainError> {
    let invalid = || {
        DomainError::new(
            field,
            format!(
                "invalid duration '{text}': expected a number with a unit, like 30m, 2h, 2h30m, 1.5d or 1w (1d = 8h, 1w = 5d)"
            ),
        )
    };
    let s = text.trim().to_ascii_lowercase();
    if s.is_empty() {
        return Err(invalid());
    }
    let mut total = 0.0;
    let mut rest = s.as_str();
    while !rest.is_empty() {
        rest = rest.trim_start();
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if num_len == 0 {
            return Err(invalid());
        }
        let value: f64 = rest[..num_len].parse().map_err(|_| invalid())?;
        rest = rest[num_len..].trim_start();
        let unit_len = rest
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(rest.len());
        let minutes_per_unit = match &rest[..unit_len] {
            "m" | "min" | "mins" | "minute" | "minutes" => 1.0,
            "h" | "hr" | "hrs" | "hour" | "hours" => MINUTES_PER_HOUR,
            "d" | "day" | "days" => MINUTES_PER_DAY,
            "w" | "wk" | "week" | "weeks" => MINUTES_PER_WEEK,
            _ => return Err(invalid()),
        };
        total += value * minutes_per_unit;
        rest = rest[unit_len..].trim_start_matches([' ', ',']);
    }
    if total <= 0.0 {
        return Err(DomainError::new(
            field,
            format!("invalid duration '{text}': must be more than zero"),
        ));
    }
    // Time is kept in whole minutes: less than half a minute would be stored as none.
    if total < 0.5 {
        return Err(DomainError::new(
            field,
            format!(
                "invalid duration '{text}': less than a minute; time is recorded in whole minutes"
            ),
        ));
    }
    if total > MAX_MINUTES {
        return Err(DomainError::new(
            field,
            format!("invalid duration '{text}': at most 250d is accepted"),
        ));
    }
    Ok(total.round() as i64)
}

/// Formats minutes the way people write them: `2h30m`, `45m`, `0m`.
pub fn format_minutes(minutes: i64) -> String {
    let (h, m) = (minutes / 60, minutes % 60);
    match (h, m) {
        (0, m) => format!("{m}m"),
        (h, 0) => format!("{h}h"),
        (h, m) => format!("{h}h{m}m"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_forms() {
        let cases = [
            ("30m", 30),
            ("2h", 120),
            ("2h30m", 150),
            ("1.5d", 720),
            ("1d", 480),
            ("1w", 2400),
            ("90min", 90),
            ("1 hour 15 minutes", 75),
            (" 2H ", 120),
            ("0.25h", 15),
        ];
        for (text, minutes) in cases {
            assert_eq!(parse_duration("time_spent", text), Ok(minutes), "{text}");
        }
    }

    #[test]
    fn rejects_garbage_naming_the_field() {
        for text in [
            "", "2", "abc", "2x", "h", "-1h", "1..5h", "0m", "9999d", "0.1m", "0.001h",
        ] {
            let err = parse_duration("time_spent", text).unwrap_err();
            assert_eq!(err.field, "time_spent", "{text}");
        }
        let err = parse_duration("time_spent", "2").unwrap_err();
        assert!(err.message.contains("like 30m, 2h"), "{}", err.message);
    }

    #[test]
    fn formats_back() {
        assert_eq!(format_minutes(150), "2h30m");
        assert_eq!(format_minutes(45), "45m");
        assert_eq!(format_minutes(480), "8h");
        assert_eq!(format_minutes(0), "0m");
    }
}
