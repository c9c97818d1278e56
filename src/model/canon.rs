//! Canonical forms of typed values. The configuration and the live reader both pass
//! what they read through these functions, so that "1 day" and "24 hours", or "X-Small"
//! and "XSMALL", are one value and never show up as a change.

use super::schema::EnumValue;
use crate::model::attr;

/// The canonical spelling of an enumerated value, case-insensitively; None when it is not
/// one of the allowed values.
pub(crate) fn canonical_enum(values: &'static [EnumValue], text: &str) -> Option<&'static str> {
    let t = text.trim();
    values
        .iter()
        .find(|v| {
            v.canonical.eq_ignore_ascii_case(t)
                || v.aliases.iter().any(|a| a.eq_ignore_ascii_case(t))
        })
        .map(|v| v.canonical)
}

/// Seconds in an interval unit, accepting Snowflake's words and the usual abbreviations.
fn unit_seconds(unit: &str) -> Option<u64> {
    match unit.to_ascii_lowercase().as_str() {
        "s" | "sec" | "secs" | "second" | "seconds" => Some(1),
        "m" | "min" | "mins" | "minute" | "minutes" => Some(60),
        "h" | "hr" | "hrs" | "hour" | "hours" => Some(3600),
        "d" | "day" | "days" => Some(86400),
        _ => None,
    }
}

/// Parse `"<n> <unit>"` (or `"<n><unit>"`) into seconds. None when it is not that shape,
/// or too large to count (it would overflow, and no schedule or lag is that long).
pub(crate) fn interval_seconds(text: &str) -> Option<u64> {
    let t = text.trim();
    let digits = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    if digits == 0 {
        return None;
    }
    let n: u64 = t[..digits].parse().ok()?;
    let unit = t[digits..].trim();
    n.checked_mul(unit_seconds(unit)?)
}

fn plural(count: u64, unit: &str) -> String {
    if count == 1 {
        format!("1 {unit}")
    } else {
        format!("{count} {unit}s")
    }
}

/// A lag in its largest exact unit: `1 day`, `90 minutes`, `30 seconds`.
pub(crate) fn format_lag(seconds: u64) -> String {
    if seconds > 0 && seconds % 86400 == 0 {
        plural(seconds / 86400, "day")
    } else if seconds > 0 && seconds % 3600 == 0 {
        plural(seconds / 3600, "hour")
    } else if seconds > 0 && seconds % 60 == 0 {
        plural(seconds / 60, "minute")
    } else {
        plural(seconds, "second")
    }
}

/// A dynamic table target lag: `DOWNSTREAM`, or at least one minute.
pub(crate) fn canonical_lag(text: &str) -> Result<String, String> {
    if text.trim().eq_ignore_ascii_case("downstream") {
        return Ok("DOWNSTREAM".into());
    }
    let secs = interval_seconds(text)
        .ok_or_else(|| format!("{text:?} is not a lag; write a number and a unit (seconds, minutes, hours, days), such as \"5 minutes\", or DOWNSTREAM"))?;
    if secs < 60 {
        return Err(format!(
            "a target lag must be at least 1 minute; {text:?} is {secs} seconds"
        ));
    }
    Ok(format_lag(secs))
}

/// The IANA time zone names (zones and links), one a line; see the file's header for
/// its source. A list rather than a time zone crate: only the names are needed, and a
/// crate would compile the whole database into the binary.
const TIME_ZONES: &str = include_str!("time_zones.txt");

fn time_zones() -> impl Iterator<Item = &'static str> {
    TIME_ZONES
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

/// An IANA time zone name, as Snowflake takes it after a cron expression (case-sensitive).
fn check_time_zone(tz: &str) -> Result<(), String> {
    // A set, built once: every cron schedule of a configuration is checked.
    static KNOWN: std::sync::OnceLock<std::collections::HashSet<&'static str>> =
        std::sync::OnceLock::new();
    if KNOWN.get_or_init(|| time_zones().collect()).contains(tz) {
        return Ok(());
    }
    match time_zones().find(|z| z.eq_ignore_ascii_case(tz)) {
        Some(z) => Err(format!(
            "{tz:?} is not a time zone name; time zone names are case-sensitive: write {z:?}"
        )),
        None => Err(format!(
            "{tz:?} is not an IANA time zone name; write one such as \"UTC\", \"Europe/London\" or \"America/Los_Angeles\""
        )),
    }
}

/// The five cron fields, as Snowflake documents them: what each one is, its range and
/// the names it takes (months and weekdays, case-insensitive).
const CRON_FIELDS: [(&str, u32, u32, &[&str]); 5] = [
    ("minute", 0, 59, &[]),
    ("hour", 0, 23, &[]),
    ("day of month", 1, 31, &[]),
    (
        "month",
        1,
        12,
        &[
            "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
        ],
    ),
    (
        "day of week",
        0,
        6,
        &["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"],
    ),
];

/// One value of a cron field: a number in range or one of the field's names.
fn cron_value(text: &str, index: usize) -> Result<u32, String> {
    let (what, min, max, names) = CRON_FIELDS[index];
    if let Some(i) = names.iter().position(|n| n.eq_ignore_ascii_case(text)) {
        return Ok(min + i as u32);
    }
    let n: u32 = text
        .parse()
        .ok()
        .filter(|_| text.chars().all(|c| c.is_ascii_digit()))
        .ok_or_else(|| {
            let named = if names.is_empty() {
                String::new()
            } else {
                format!(" or {}-{}", names[0], names[names.len() - 1])
            };
            format!("the {what} field has {text:?}; write a number from {min} to {max}{named}, `*`, a range a-b, a list a,b or a step */n")
        })?;
    if n < min || n > max {
        return Err(format!(
            "the {what} field has {n}, out of range: it runs from {min} to {max}"
        ));
    }
    Ok(n)
}

/// One cron field: `*`, values, ranges `a-b`, steps `*/n` or `a-b/n`, lists of those,
/// and `L` (the last day) in the day fields, `nL` (the last weekday n) in day of week.
fn check_cron_field(field: &str, index: usize) -> Result<(), String> {
    let (what, ..) = CRON_FIELDS[index];
    for part in field.split(',') {
        if part.is_empty() {
            return Err(format!("the {what} field {field:?} has an empty list item"));
        }
        let is_day = index == 2 || index == 4;
        if is_day && part.eq_ignore_ascii_case("L") {
            continue;
        }
        if index == 4 {
            if let Some(day) = part.strip_suffix(['L', 'l']) {
                cron_value(day, index)?;
                continue;
            }
        }
        let (range, step) = match part.split_once('/') {
            Some((r, s)) => (r, Some(s)),
            None => (part, None),
        };
        if let Some(s) = step {
            let ok = s.chars().all(|c| c.is_ascii_digit()) && s.parse::<u32>().is_ok_and(|n| n > 0);
            if !ok {
                return Err(format!(
                    "the {what} field {field:?} has the step {s:?}; a step is a whole number greater than zero, as in */15"
                ));
            }
        }
        if range == "*" {
            continue;
        }
        match range.split_once('-') {
            Some((a, b)) => {
                let (a, b) = (cron_value(a, index)?, cron_value(b, index)?);
                if a > b {
                    return Err(format!(
                        "the {what} field {field:?} has a range that runs backwards"
                    ));
                }
            }
            None => {
                cron_value(range, index)?;
            }
        }
    }
    Ok(())
}

/// A cron expression with its time zone, fields separated by one space.
fn canonical_cron(fields: &[&str], original: &str) -> Result<String, String> {
    match fields.len() {
        6 => {
            for (i, f) in fields[..5].iter().enumerate() {
                check_cron_field(f, i)
                    .map_err(|e| format!("the cron expression {original:?} is not valid: {e}"))?;
            }
            check_time_zone(fields[5])?;
            Ok(fields.join(" "))
        }
        5 => Err(format!("the cron expression {original:?} has no time zone; add one, such as \"{} UTC\"", fields.join(" "))),
        n => Err(format!("the cron expression {original:?} has {n} fields; write five cron fields and a time zone, such as \"0 6 * * * UTC\"")),
    }
}

/// The longest interval schedule Snowflake runs, in minutes (CREATE TASK, SCHEDULE).
const MAX_SCHEDULE_MINUTES: u64 = 11520;

/// A task schedule: `N MINUTES` (or seconds/hours, written in minutes when exact) or
/// `USING CRON <5 fields> <time zone>`.
pub(crate) fn canonical_schedule(text: &str) -> Result<String, String> {
    let fields: Vec<&str> = text.split_whitespace().collect();
    if fields.len() >= 2
        && fields[0].eq_ignore_ascii_case("using")
        && fields[1].eq_ignore_ascii_case("cron")
    {
        return Ok(format!(
            "USING CRON {}",
            canonical_cron(&fields[2..], text)?
        ));
    }
    let secs = interval_seconds(text).ok_or_else(|| {
        format!("{text:?} is not a schedule; write \"<n> MINUTES\" or \"USING CRON <min> <hour> <day> <month> <weekday> <time zone>\"")
    })?;
    if secs == 0 {
        return Err("a schedule interval must be greater than zero".into());
    }
    // Snowflake's documented limit: a task with a longer interval never runs.
    if secs > MAX_SCHEDULE_MINUTES * 60 {
        return Err(format!(
            "{text:?} is longer than a task schedule can be: at most {MAX_SCHEDULE_MINUTES} MINUTES (8 days); for a longer period use USING CRON"
        ));
    }
    Ok(if secs % 60 == 0 {
        let m = secs / 60;
        if m == 1 {
            "1 MINUTE".to_string()
        } else {
            format!("{m} MINUTES")
        }
    } else {
        format!("{secs} SECONDS")
    })
}

/// A feature view's `refresh_freq`: a lag, or a cron expression (the library runs those
/// as a task with the same name and TARGET_LAG = 'DOWNSTREAM').
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RefreshFreq {
    Lag(String),
    Cron(String),
}

impl RefreshFreq {
    pub fn parse(text: &str) -> Result<RefreshFreq, String> {
        let fields: Vec<&str> = text.split_whitespace().collect();
        if fields.len() >= 3 {
            return canonical_cron(&fields, text).map(RefreshFreq::Cron);
        }
        canonical_lag(text).map(RefreshFreq::Lag)
    }

    pub fn canonical(&self) -> &str {
        match self {
            RefreshFreq::Lag(s) | RefreshFreq::Cron(s) => s,
        }
    }

    /// The dynamic table's TARGET_LAG for this refresh.
    pub fn target_lag(&self) -> &str {
        match self {
            RefreshFreq::Lag(s) => s,
            RefreshFreq::Cron(_) => "DOWNSTREAM",
        }
    }
}

/// JSON text with keys sorted and no insignificant white space.
pub(crate) fn canonical_json(text: &str) -> Result<String, String> {
    let v: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?;
    Ok(serde_json::to_string(&v).expect("JSON values serialise"))
}

/// A feature view version, as the Feature Store library allows it.
pub(crate) fn check_version(text: &str) -> Result<(), String> {
    let mut chars = text.chars();
    let ok_start = chars.next().is_some_and(|c| c.is_ascii_alphanumeric());
    let ok_rest = chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    if !ok_start || !ok_rest {
        return Err(format!("{text:?} is not a feature view version: start with a letter or digit and use only letters, digits, `_`, `.` and `-`"));
    }
    if text.len() > 128 {
        return Err(format!(
            "a feature view version is at most 128 characters; {text:?} has {}",
            text.len()
        ));
    }
    Ok(())
}

/// A stage location `@DB.SCHEMA.STAGE[/path]`: a named stage (its parts quoted with `"`
/// where Snowflake's identifier rules need it) and a path of letters, digits, spaces and
/// `_ - . / = + : , @ ~ %`. The location goes into CREATE MODEL / ADD VERSION ... FROM,
/// quoted by `sql::quote_stage_location`; nothing else may reach the statement.
pub(crate) fn check_stage_path(text: &str) -> Result<(), String> {
    let rest = text.strip_prefix('@').ok_or_else(|| format!("{text:?} is not a stage location; it must start with @, as in \"@DB.SCHEMA.STAGE/path\""))?;
    if rest.starts_with('~') || rest.starts_with('%') {
        return Err(format!("{text:?} is a user or table stage; a model version's files must be on a named stage: \"@DB.SCHEMA.STAGE/path\""));
    }
    let (stage, path) = split_stage_location(rest);
    super::ident::ObjectName::parse_qualified(stage)
        .map_err(|e| format!("{text:?} does not name a stage as @DATABASE.SCHEMA.STAGE: {e}"))?;
    if let Some(bad) = path.chars().find(|c| !stage_path_char(*c)) {
        return Err(format!(
            "the path of the stage location {text:?} holds {bad:?}; a path may hold letters, digits, spaces and _ - . / = + : , @ ~ %: rename the files' folder on the stage"
        ));
    }
    Ok(())
}

/// The stage name and the path of a location without its `@`: the name ends at the first
/// `/` outside double quotes.
pub(crate) fn split_stage_location(rest: &str) -> (&str, &str) {
    let mut quoted = false;
    for (i, c) in rest.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '/' if !quoted => return (&rest[..i], &rest[i..]),
            _ => {}
        }
    }
    (rest, "")
}

fn stage_path_char(character: char) -> bool {
    character.is_alphanumeric() || " _-./=+:,@~%".contains(character)
}

/// A column type in the form Snowflake reports it (data types reference, and the types SHOW
/// COLUMNS and DESCRIBE TABLE print): the synonyms fold into NUMBER, FLOAT, VARCHAR, BINARY and
/// the timestamps, and the omitted arguments take their defaults (NUMBER(38,0),
/// VARCHAR(16777216), CHAR is VARCHAR(1), BINARY(8388608), TIME(9), TIMESTAMP is
/// TIMESTAMP_NTZ(9), the default TIMESTAMP_TYPE_MAPPING).
pub(crate) fn column_type(text: &str) -> Result<String, String> {
    let t = text.trim().to_ascii_uppercase();
    let t = t.split_whitespace().collect::<Vec<_>>().join(" ");
    let (base, args) = match t.find('(') {
        Some(i) if t.ends_with(')') => (
            t[..i].trim().to_string(),
            t[i + 1..t.len() - 1]
                .split(',')
                .map(|a| a.trim().parse::<i64>())
                .collect::<Result<Vec<i64>, _>>()
                .map_err(|_| format!("{text:?} is not a column type: its arguments are whole numbers, such as NUMBER(10,2)"))?,
        ),
        Some(_) => return Err(format!("{text:?} is not a column type")),
        None => (t.clone(), Vec::new()),
    };
    let bad = |why: &str| Err(format!("{text:?}: {why}"));
    let out = match (base.as_str(), args.as_slice()) {
        ("NUMBER" | "NUMERIC" | "DECIMAL", []) => "NUMBER(38,0)".to_string(),
        ("NUMBER" | "NUMERIC" | "DECIMAL", [p]) => format!("NUMBER({p},0)"),
        ("NUMBER" | "NUMERIC" | "DECIMAL", [p, s]) => {
            if !(1..=38).contains(p) || *s < 0 || s > p {
                return bad("precision is 1 to 38 and scale 0 to the precision");
            }
            format!("NUMBER({p},{s})")
        }
        ("INT" | "INTEGER" | "BIGINT" | "SMALLINT" | "TINYINT" | "BYTEINT", []) => {
            "NUMBER(38,0)".to_string()
        }
        ("FLOAT" | "FLOAT4" | "FLOAT8" | "DOUBLE" | "DOUBLE PRECISION" | "REAL", []) => {
            "FLOAT".to_string()
        }
        ("VARCHAR" | "STRING" | "TEXT" | "NVARCHAR" | "NVARCHAR2" | "CHAR VARYING" | "NCHAR VARYING", []) => {
            "VARCHAR(16777216)".to_string()
        }
        ("CHAR" | "CHARACTER" | "NCHAR", []) => "VARCHAR(1)".to_string(),
        ("VARCHAR" | "STRING" | "TEXT" | "NVARCHAR" | "NVARCHAR2" | "CHAR VARYING"
        | "NCHAR VARYING" | "CHAR" | "CHARACTER" | "NCHAR", [n]) => {
            if !(1..=16_777_216).contains(n) {
                return bad("a length is 1 to 16777216");
            }
            format!("VARCHAR({n})")
        }
        ("BINARY" | "VARBINARY", []) => "BINARY(8388608)".to_string(),
        ("BINARY" | "VARBINARY", [n]) => format!("BINARY({n})"),
        ("BOOLEAN" | "DATE" | "VARIANT" | "OBJECT" | "ARRAY" | "GEOGRAPHY" | "GEOMETRY", []) => base,
        ("TIME", []) => "TIME(9)".to_string(),
        ("TIMESTAMP" | "DATETIME" | "TIMESTAMP_NTZ" | "TIMESTAMPNTZ" | "TIMESTAMP WITHOUT TIME ZONE", []) => {
            "TIMESTAMP_NTZ(9)".to_string()
        }
        ("TIMESTAMP_LTZ" | "TIMESTAMPLTZ" | "TIMESTAMP WITH LOCAL TIME ZONE", []) => "TIMESTAMP_LTZ(9)".to_string(),
        ("TIMESTAMP_TZ" | "TIMESTAMPTZ" | "TIMESTAMP WITH TIME ZONE", []) => "TIMESTAMP_TZ(9)".to_string(),
        ("TIME" | "TIMESTAMP" | "DATETIME" | "TIMESTAMP_NTZ" | "TIMESTAMP_LTZ" | "TIMESTAMP_TZ", [p]) => {
            if !(0..=9).contains(p) {
                return bad("a fractional seconds precision is 0 to 9");
            }
            let b = match base.as_str() {
                "TIMESTAMP" | "DATETIME" => "TIMESTAMP_NTZ",
                b => b,
            };
            format!("{b}({p})")
        }
        _ => {
            return Err(format!(
                "{text:?} is not a column type snowform knows; write one of NUMBER(p,s), INT, FLOAT, VARCHAR(n), STRING, CHAR, BINARY, BOOLEAN, DATE, TIME, TIMESTAMP_NTZ, TIMESTAMP_LTZ, TIMESTAMP_TZ, VARIANT, OBJECT, ARRAY, GEOGRAPHY or GEOMETRY"
            ))
        }
    };
    Ok(out)
}

/// A procedure argument type as a signature holds it: the canonical column type without
/// length or precision, as SHOW PROCEDURES prints it (`INT` and `NUMBER(10,2)` are `NUMBER`,
/// `STRING` is `VARCHAR`): Snowflake tells overloads apart by these.
pub(crate) fn argument_type(text: &str) -> Result<String, String> {
    let full = column_type(text)?;
    Ok(full.split('(').next().unwrap_or_default().to_string())
}

/// A column default as snowform writes it into CREATE TABLE: one literal (a number, a string
/// in single quotes, TRUE, FALSE) or one call without arguments (`CURRENT_TIMESTAMP()`), so a
/// value from the configuration can never add SQL of its own. Calls are upper-cased, as
/// Snowflake prints them.
pub(crate) fn column_default(text: &str) -> Result<String, String> {
    let t = text.trim();
    let number = {
        let digits = t.strip_prefix('-').unwrap_or(t);
        !digits.is_empty()
            && digits.chars().all(|c| c.is_ascii_digit() || c == '.')
            && digits.chars().filter(|c| *c == '.').count() <= 1
            && digits.chars().any(|c| c.is_ascii_digit())
    };
    if number {
        return Ok(t.to_string());
    }
    if t.len() >= 2 && t.starts_with('\'') && t.ends_with('\'') {
        let inner = &t[1..t.len() - 1];
        if !inner.replace("''", "").contains('\'') && !inner.contains('\\') {
            return Ok(t.to_string());
        }
    }
    let upper = t.to_ascii_uppercase();
    if upper == "TRUE" || upper == "FALSE" {
        return Ok(upper);
    }
    if let Some(name) = upper.strip_suffix("()") {
        if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Ok(upper);
        }
    }
    Err(format!(
        "{text:?} is not a default snowform writes; write a number, a string in single quotes ('none'), TRUE, FALSE or a call without arguments such as CURRENT_TIMESTAMP()"
    ))
}

/// A column type from the `data_type` JSON of SHOW COLUMNS (`{"type":"FIXED","precision":38,
/// "scale":0,...}`), in the form of [`column_type`]. None for a type it does not know.
pub(crate) fn column_type_of_show(json: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(json).ok()?;
    let n = |k: &str| v.get(k).and_then(serde_json::Value::as_i64);
    let t = v.get(attr::TYPE)?.as_str()?;
    Some(match t {
        "FIXED" => format!("NUMBER({},{})", n("precision")?, n("scale")?),
        "REAL" => "FLOAT".into(),
        "TEXT" => format!("VARCHAR({})", n("length")?),
        "BINARY" => format!("BINARY({})", n("length")?),
        "TIME" | "TIMESTAMP_NTZ" | "TIMESTAMP_LTZ" | "TIMESTAMP_TZ" => {
            format!("{t}({})", n("scale")?)
        }
        "BOOLEAN" | "DATE" | "VARIANT" | "OBJECT" | "ARRAY" | "GEOGRAPHY" | "GEOMETRY" => t.into(),
        _ => return None,
    })
}

/// True when a default value has the shape its type expects (checked by a unit test).
#[cfg(test)]
pub(crate) fn check_default(ty: &super::schema::AttrType, value: &super::Value) -> bool {
    use super::schema::AttrType;
    use super::Value;
    match (ty, value) {
        (AttrType::Bool, Value::Bool(_)) => true,
        (AttrType::Int { min, max }, Value::Int(i)) => min <= i && i <= max,
        (AttrType::Enum(values), Value::Str(s)) => values.iter().any(|v| v.canonical == s),
        (AttrType::Lag, Value::Str(s)) => canonical_lag(s).as_deref() == Ok(s),
        (AttrType::String | AttrType::Ident | AttrType::Sql, Value::Str(_)) => true,
        (AttrType::ColumnType, Value::Str(s)) => column_type(s).as_deref() == Ok(s),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stage_locations_hold_a_named_stage_and_a_plain_path() {
        for ok in [
            "@DB.S.STG",
            "@DB.S.STG/models/v1",
            "@\"my db\".S.\"st;g\"/a b/c=1",
            "@\"a/b\".S.STG/x",
        ] {
            assert_eq!(check_stage_path(ok), Ok(()), "{ok}");
        }
        for (bad, says) in [
            ("@DB.S.STG/x; DROP DATABASE PROD; --", "holds ';'"),
            ("@DB.S.STG/x' OR '1", "holds '\\''"),
            ("@DB.S.STG/x\nDROP", "holds '\\n'"),
            ("@DB.S.STG/x$$", "holds '$'"),
            ("@DB.S/x", "does not name a stage"),
            ("@DB.S.STG; DROP/x", "does not name a stage"),
            ("@~/x", "user or table stage"),
            ("DB.S.STG/x", "must start with @"),
        ] {
            let err = check_stage_path(bad).unwrap_err();
            assert!(err.contains(says), "{bad}: {err}");
        }
    }

    #[test]
    fn column_types_take_snowflakes_canonical_form() {
        for (t, want) in [
            ("int", "NUMBER(38,0)"),
            ("NUMBER", "NUMBER(38,0)"),
            ("decimal(10, 2)", "NUMBER(10,2)"),
            ("STRING", "VARCHAR(16777216)"),
            ("char", "VARCHAR(1)"),
            ("varchar(50)", "VARCHAR(50)"),
            ("double", "FLOAT"),
            ("TIMESTAMP", "TIMESTAMP_NTZ(9)"),
            ("timestamp_ltz(3)", "TIMESTAMP_LTZ(3)"),
            ("date", "DATE"),
        ] {
            assert_eq!(column_type(t).as_deref(), Ok(want), "{t}");
        }
        assert!(column_type("NUMBER(40,0)").is_err());
        assert!(column_type("WHATEVER").is_err());
        // SHOW COLUMNS' JSON (the SHOW COLUMNS reference's example) reads as the same forms.
        for (json, want) in [
            (
                r#"{"type":"FIXED","precision":38,"scale":0,"nullable":true}"#,
                "NUMBER(38,0)",
            ),
            (
                r#"{"type":"TEXT","length":16777216,"byteLength":16777216,"nullable":true,"fixed":false}"#,
                "VARCHAR(16777216)",
            ),
            (r#"{"type":"REAL","nullable":true}"#, "FLOAT"),
            (
                r#"{"type":"TIMESTAMP_NTZ","precision":0,"scale":9,"nullable":true}"#,
                "TIMESTAMP_NTZ(9)",
            ),
        ] {
            assert_eq!(column_type_of_show(json).as_deref(), Some(want), "{json}");
        }
    }

    #[test]
    fn lags_compare_by_duration() {
        assert_eq!(canonical_lag("24 hours").unwrap(), "1 day");
        assert_eq!(canonical_lag("1 day").unwrap(), "1 day");
        assert_eq!(canonical_lag("90 Minutes").unwrap(), "90 minutes");
        assert_eq!(canonical_lag("120 seconds").unwrap(), "2 minutes");
        assert_eq!(canonical_lag("downstream").unwrap(), "DOWNSTREAM");
        assert!(canonical_lag("30 seconds").is_err());
        assert!(canonical_lag("soon").is_err());
    }

    #[test]
    fn schedules_are_canonical() {
        assert_eq!(canonical_schedule("60 minute").unwrap(), "60 MINUTES");
        assert_eq!(canonical_schedule("1 hour").unwrap(), "60 MINUTES");
        assert_eq!(canonical_schedule("5 MINUTE").unwrap(), "5 MINUTES");
        assert_eq!(
            canonical_schedule("using  cron 0 6 * * *  UTC").unwrap(),
            "USING CRON 0 6 * * * UTC"
        );
        assert!(canonical_schedule("USING CRON 0 6 * * *")
            .unwrap_err()
            .contains("time zone"));
    }

    #[test]
    fn cron_fields_are_checked() {
        for ok in [
            "0 6 * * * UTC",
            "*/15 0-23/2 1,15,L JAN-MAR,DEC MON-FRI America/Los_Angeles",
            "0 0 L * 5L Europe/London",
            "59 23 31 12 6 US/Pacific",
            "0 6 * * sun Etc/GMT+5",
        ] {
            assert!(
                RefreshFreq::parse(ok).is_ok(),
                "{ok}: {:?}",
                RefreshFreq::parse(ok)
            );
        }
        for (bad, says) in [
            ("60 6 * * * UTC", "minute field has 60"),
            ("0 24 * * * UTC", "hour field has 24"),
            ("0 6 0 * * UTC", "day of month field has 0"),
            ("0 6 * 13 * UTC", "month field has 13"),
            ("0 6 * * 7 UTC", "day of week field has 7"),
            ("0 6 * * MONDAY UTC", "SUN-SAT"),
            ("*/0 6 * * * UTC", "step"),
            ("0 9-5 * * * UTC", "backwards"),
            ("0 6 * * * Mars/Olympus", "IANA time zone"),
            ("0 6 * * * america/new_york", "\"America/New_York\""),
            ("0 6 * * * * UTC", "7 fields"),
        ] {
            let e = RefreshFreq::parse(bad).unwrap_err();
            assert!(e.contains(says), "{bad}: {e}");
            let e = canonical_schedule(&format!("USING CRON {bad}")).unwrap_err();
            assert!(e.contains(says), "{bad}: {e}");
        }
    }

    #[test]
    fn intervals_are_bounded() {
        assert_eq!(
            canonical_schedule("11520 minutes").unwrap(),
            "11520 MINUTES"
        );
        assert!(canonical_schedule("11521 minutes")
            .unwrap_err()
            .contains("8 days"));
        // Used to overflow (a panic in a debug build).
        assert!(canonical_schedule("9999999999999999999 days").is_err());
        assert!(canonical_lag("9999999999999999999 days").is_err());
        assert!(canonical_schedule("5 MINUTES later").is_err());
        assert!(canonical_lag("5 fortnights").is_err());
    }

    #[test]
    fn refresh_freq_is_a_lag_or_a_cron() {
        assert_eq!(
            RefreshFreq::parse("1 day").unwrap(),
            RefreshFreq::Lag("1 day".into())
        );
        assert_eq!(
            RefreshFreq::parse("0  6 * * * UTC").unwrap(),
            RefreshFreq::Cron("0 6 * * * UTC".into())
        );
        assert_eq!(
            RefreshFreq::parse("0 6 * * * UTC").unwrap().target_lag(),
            "DOWNSTREAM"
        );
        assert!(RefreshFreq::parse("0 6 * * *").is_err());
    }

    #[test]
    fn versions_follow_the_library_rule() {
        assert!(check_version("V1").is_ok());
        assert!(check_version("v1.2-rc_3").is_ok());
        assert!(check_version("_v1").is_err());
        assert!(check_version("v 1").is_err());
        assert!(check_version(&"a".repeat(129)).is_err());
    }

    #[test]
    fn json_is_sorted_and_compact() {
        assert_eq!(
            canonical_json("{ \"b\": 1, \"a\": [1, 2] }").unwrap(),
            "{\"a\":[1,2],\"b\":1}"
        );
    }
}
