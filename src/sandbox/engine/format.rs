//! How values are written in result rows: the SQL API sends every value as a string, so
//! timestamps, flags and JSON documents each have one fixed textual form.

use super::clock::Nanos;

/// A TIMESTAMP_LTZ as the SQL API sends it by default: seconds since the epoch with nine
/// decimals, e.g. `1700000000.000000000`.
pub(crate) fn timestamp(nanos: Nanos) -> String {
    let secs = nanos.div_euclid(1_000_000_000);
    let frac = nanos.rem_euclid(1_000_000_000);
    format!("{secs}.{frac:09}")
}

/// `Y` / `N` columns (`is_default`, `directory_enabled`, ...).
pub(crate) fn yn(flag: bool) -> String {
    if flag { "Y" } else { "N" }.to_string()
}

/// `true` / `false` columns (`auto_resume`, `is_secure`, ...).
pub(crate) fn tf(flag: bool) -> String {
    if flag { "true" } else { "false" }.to_string()
}

/// A JSON array of strings on one line: `["A","B"]` (SHOW TAGS `allowed_values`).
pub(crate) fn json_array_compact(items: &[String]) -> String {
    serde_json::to_string(items).unwrap_or_else(|_| "[]".to_string())
}

/// A JSON document pretty-printed with two-space indentation, the way Snowflake prints
/// semi-structured values (`[\n  "A"\n]`, `[]` when empty).
pub(crate) fn json_pretty(value: &serde_json::Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|_| "null".to_string())
}

/// A fully qualified name with every part double-quoted: `"DB"."SCH"."T"`, as task
/// `predecessors` print them.
pub(crate) fn quoted_fqn(parts: &[&str]) -> String {
    parts
        .iter()
        .map(|p| crate::sql::quote::quote_always(p))
        .collect::<Vec<_>>()
        .join(".")
}

/// The display form of a warehouse size keyword: `XSMALL` is `X-Small`.
pub(crate) fn warehouse_size_display(size: &str) -> &'static str {
    match size {
        "XSMALL" => "X-Small",
        "SMALL" => "Small",
        "MEDIUM" => "Medium",
        "LARGE" => "Large",
        "XLARGE" => "X-Large",
        "XXLARGE" => "2X-Large",
        "XXXLARGE" => "3X-Large",
        "X4LARGE" => "4X-Large",
        "X5LARGE" => "5X-Large",
        "X6LARGE" => "6X-Large",
        _ => "X-Small",
    }
}

/// The canonical keyword for any spelling Snowflake accepts in `WAREHOUSE_SIZE = ...`.
pub(crate) fn warehouse_size_keyword(value: &str) -> Option<&'static str> {
    let v = value.to_ascii_uppercase().replace(' ', "");
    Some(match v.as_str() {
        "XSMALL" | "X-SMALL" => "XSMALL",
        "SMALL" => "SMALL",
        "MEDIUM" => "MEDIUM",
        "LARGE" => "LARGE",
        "XLARGE" | "X-LARGE" => "XLARGE",
        "XXLARGE" | "X2LARGE" | "2X-LARGE" => "XXLARGE",
        "XXXLARGE" | "X3LARGE" | "3X-LARGE" => "XXXLARGE",
        "X4LARGE" | "4X-LARGE" => "X4LARGE",
        "X5LARGE" | "5X-LARGE" => "X5LARGE",
        "X6LARGE" | "6X-LARGE" => "X6LARGE",
        _ => return None,
    })
}

/// Parse `YYYY-MM-DD[ T]HH:MI:SS[.fff...]` (no zone) into nanoseconds since the epoch, as
/// a TIMESTAMP_NTZ literal reads.
pub(crate) fn parse_timestamp(text: &str) -> Option<Nanos> {
    let text = text.trim();
    let (date, time) = match text.find([' ', 'T']) {
        Some(i) => (&text[..i], text[i + 1..].trim()),
        None => (text, ""),
    };
    let mut d = date.split('-');
    let y: i64 = d.next()?.parse().ok()?;
    let m: i64 = d.next()?.parse().ok()?;
    let day: i64 = d.next()?.parse().ok()?;
    if d.next().is_some() || !(1..=12).contains(&m) || !(1..=31).contains(&day) {
        return None;
    }
    let (mut hh, mut mi, mut ss, mut nanos) = (0i64, 0i64, 0i64, 0i64);
    if !time.is_empty() {
        let mut t = time.split(':');
        hh = t.next()?.parse().ok()?;
        mi = t.next()?.parse().ok()?;
        let sec = t.next().unwrap_or("0");
        let (whole, frac) = sec.split_once('.').unwrap_or((sec, ""));
        ss = whole.parse().ok()?;
        if !frac.is_empty() {
            if frac.len() > 9 || !frac.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            nanos = format!("{frac:0<9}").parse().ok()?;
        }
        if t.next().is_some() || hh > 23 || mi > 59 || ss > 59 {
            return None;
        }
    }
    let days = days_from_civil(y, m, day);
    Some(((days * 86_400 + hh * 3_600 + mi * 60 + ss) * 1_000_000_000) + nanos)
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `YYYY-MM-DD` of a day count since 1970-01-01 (the proleptic Gregorian calendar): the
/// inverse of `days_from_civil`.
pub(crate) fn date_from_days(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_count_days_from_the_epoch_both_ways() {
        assert_eq!(date_from_days(0), "1970-01-01");
        assert_eq!(date_from_days(-1), "1969-12-31");
        assert_eq!(date_from_days(19_723), "2024-01-01");
        assert_eq!(date_from_days(11_016), "2000-02-29");
        for days in [-800_000, -1, 0, 59, 11_016, 19_723, 2_932_896] {
            let d = date_from_days(days);
            let (y, rest) = d.split_at(d.len() - 6);
            let m: i64 = rest[1..3].parse().unwrap();
            assert_eq!(
                days_from_civil(y.parse().unwrap(), m, rest[4..].parse().unwrap()),
                days
            );
        }
    }

    #[test]
    fn timestamps_have_nine_decimals() {
        assert_eq!(timestamp(1_700_000_000_123_000_000), "1700000000.123000000");
        assert_eq!(timestamp(0), "0.000000000");
    }

    #[test]
    fn parses_ntz_literals() {
        assert_eq!(parse_timestamp("1970-01-02"), Some(86_400_000_000_000));
        assert_eq!(
            parse_timestamp("2024-03-01 12:00:00.5"),
            Some(1_709_294_400_500_000_000)
        );
        assert_eq!(parse_timestamp("2024-13-01"), None);
        assert_eq!(parse_timestamp("soon"), None);
    }

    #[test]
    fn sizes_round_trip_through_their_spellings() {
        assert_eq!(warehouse_size_keyword("x-small"), Some("XSMALL"));
        assert_eq!(warehouse_size_keyword("X2LARGE"), Some("XXLARGE"));
        assert_eq!(warehouse_size_display("XXLARGE"), "2X-Large");
        assert_eq!(warehouse_size_keyword("HUGE"), None);
    }
}
