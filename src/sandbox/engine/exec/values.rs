//! Values in tables and conditions: coercion of literals to a column's type, comparison
//! in that type, and three-valued evaluation of WHERE conditions.

use super::super::catalog::ColumnType;
use super::super::clock::Nanos;
use super::super::errors;
use super::super::format;
use super::super::parse::ast::{CmpOp, Cond, Expr, Literal};
use crate::sandbox::SqlError;
use std::cmp::Ordering;

/// The storage class of a declared type, or None for types the sandbox does not keep.
pub(crate) fn column_type_of(data_type: &str) -> Option<ColumnType> {
    let base = data_type
        .split(['(', ' '])
        .next()
        .unwrap_or("")
        .to_ascii_uppercase();
    Some(match base.as_str() {
        "VARCHAR" | "STRING" | "TEXT" | "CHAR" | "CHARACTER" | "NCHAR" | "NVARCHAR"
        | "NVARCHAR2" => ColumnType::Text,
        "NUMBER" | "NUMERIC" | "DECIMAL" | "INT" | "INTEGER" | "BIGINT" | "SMALLINT"
        | "TINYINT" | "BYTEINT" => ColumnType::Fixed,
        "FLOAT" | "FLOAT4" | "FLOAT8" | "DOUBLE" | "REAL" => ColumnType::Real,
        "BOOLEAN" => ColumnType::Boolean,
        "DATE" => ColumnType::Date,
        "TIMESTAMP" | "TIMESTAMP_NTZ" | "DATETIME" => ColumnType::TimestampNtz,
        "TIMESTAMP_LTZ" => ColumnType::TimestampLtz,
        "TIMESTAMP_TZ" => ColumnType::TimestampTz,
        "VARIANT" | "OBJECT" | "ARRAY" => ColumnType::Variant,
        _ => return None,
    })
}

/// An evaluated expression: a typed value from a column or function, or a literal whose
/// type is decided by what it meets.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Val {
    Null,
    Str(String),
    Num(String),
    Bool(bool),
    Typed(ColumnType, String),
}

impl Val {
    /// The type a result column holding this value has.
    pub(crate) fn column_type(&self) -> ColumnType {
        match self {
            Val::Null | Val::Str(_) => ColumnType::Text,
            Val::Num(_) => ColumnType::Fixed,
            Val::Bool(_) => ColumnType::Boolean,
            Val::Typed(t, _) => *t,
        }
    }

    /// The value as a result cell without coercion.
    pub(crate) fn cell(&self) -> Option<String> {
        match self {
            Val::Null => None,
            Val::Str(s) | Val::Num(s) | Val::Typed(_, s) => Some(s.clone()),
            Val::Bool(b) => Some(format::tf(*b)),
        }
    }
}

pub(crate) fn literal(literal: &Literal) -> Val {
    match literal {
        Literal::Null => Val::Null,
        Literal::Bool(b) => Val::Bool(*b),
        Literal::Number(n) => Val::Num(n.clone()),
        Literal::String(s) => Val::Str(s.clone()),
    }
}

/// What an expression is evaluated with: the statement's time and its text (for messages).
pub(crate) struct EvalContext<'a> {
    pub now: Nanos,
    pub text: &'a str,
}

/// Evaluate an expression against a row (`columns` names the row's cells).
pub(crate) fn eval(
    expr: &Expr,
    columns: &[(String, ColumnType)],
    row: &[Option<String>],
    env: &EvalContext,
) -> Result<Val, SqlError> {
    match expr {
        Expr::Literal(l) => Ok(literal(l)),
        Expr::Column(name) => {
            let i = columns
                .iter()
                .position(|(n, _)| n == name)
                .ok_or_else(|| errors::invalid_identifier(name))?;
            Ok(match &row[i] {
                None => Val::Null,
                Some(v) => Val::Typed(columns[i].1, v.clone()),
            })
        }
        Expr::Call { name, args }
            if args.is_empty()
                && matches!(
                    name.as_str(),
                    "CURRENT_TIMESTAMP" | "LOCALTIMESTAMP" | "SYSDATE" | "GETDATE"
                ) =>
        {
            let t = if name == "SYSDATE" {
                ColumnType::TimestampNtz
            } else {
                ColumnType::TimestampLtz
            };
            Ok(Val::Typed(t, format::timestamp(env.now)))
        }
        Expr::Ref(parts) => Err(errors::invalid_identifier(&parts.join("."))),
        // Counted over the whole result by `select::query`, never per row.
        Expr::CountStar => Err(errors::unsupported(
            "COUNT(*) outside the select list of a query with FROM",
            env.text,
        )),
        Expr::Positional(n) => match row.get(n - 1) {
            Some(None) => Ok(Val::Null),
            Some(Some(v)) => Ok(Val::Typed(columns[n - 1].1, v.clone())),
            None => Err(errors::invalid_identifier(&format!("${n}"))),
        },
        Expr::Cast { expr, type_name } => {
            let t = cast_type(type_name, env)?;
            let v = eval(expr, columns, row, env)?;
            if matches!(v, Val::Typed(ColumnType::Variant, _)) && t != ColumnType::Variant {
                // A variant cast to a scalar type unwraps JSON; not emulated.
                return Err(errors::unsupported(
                    &format!("casting a VARIANT to {type_name}"),
                    env.text,
                ));
            }
            let cell = match coerce(t, &v)? {
                None => return Ok(Val::Null),
                Some(cell) => cell,
            };
            let cell = match (t, type_args(type_name).as_slice()) {
                // A fixed-point number with no scale rounds half away from zero ('1.5'::INT
                // is 2); other scales are not emulated.
                (ColumnType::Fixed, [] | [_] | [_, 0]) if cell.contains(['.', 'e', 'E']) => {
                    let f: f64 = cell.parse().map_err(|_| errors::not_numeric(&cell))?;
                    format!("{}", f.round() as i128)
                }
                (ColumnType::Fixed, [] | [_] | [_, 0]) => cell,
                (ColumnType::Fixed, _) => {
                    return Err(errors::unsupported(
                        &format!("casts to {type_name}"),
                        env.text,
                    ))
                }
                // Snowflake refuses a text longer than the declared length; not emulated.
                (ColumnType::Text, [n]) if cell.chars().count() as i64 > *n => {
                    return Err(errors::unsupported(
                        &format!("casts to {type_name}"),
                        env.text,
                    ))
                }
                (_, []) | (ColumnType::Text, [_]) => cell,
                // Timestamp precisions and other arguments: not emulated.
                _ if t != ColumnType::Real => {
                    return Err(errors::unsupported(
                        &format!("casts to {type_name}"),
                        env.text,
                    ))
                }
                _ => cell,
            };
            Ok(Val::Typed(t, cell))
        }
        Expr::Call { name, args } => call(name, args, columns, row, env),
    }
}

/// A timestamp text without its trailing UTC offset (`+HH:MM`, `-HHMM` or `Z`).
fn without_offset(text: &str) -> &str {
    let t = text.trim();
    if let Some(rest) = t.strip_suffix('Z') {
        return rest;
    }
    for len in [6, 5] {
        if t.len() > len + 10 && t.is_char_boundary(t.len() - len) {
            let (head, off) = t.split_at(t.len() - len);
            let digits: String = off[1..].chars().filter(|c| *c != ':').collect();
            let shaped = off.starts_with(['+', '-'])
                && digits.len() == 4
                && digits.bytes().all(|b| b.is_ascii_digit())
                && (len == 5 || off.as_bytes()[3] == b':');
            if shaped {
                return head.trim_end();
            }
        }
    }
    t
}

/// The numbers in a type's parentheses: `NUMBER(38, 0)` is [38, 0].
fn type_args(type_name: &str) -> Vec<i64> {
    type_name
        .split_once('(')
        .map(|(_, rest)| {
            rest.trim_end_matches(')')
                .split(',')
                .filter_map(|a| a.trim().parse().ok())
                .collect()
        })
        .unwrap_or_default()
}

/// The column type a cast goes to; types the sandbox does not keep are refused.
pub(crate) fn cast_type(type_name: &str, env: &EvalContext) -> Result<ColumnType, SqlError> {
    column_type_of(type_name)
        .ok_or_else(|| errors::unsupported(&format!("casts to {type_name}"), env.text))
}

/// The type an expression's result column has, known without a row (an empty result and
/// describe-only requests still need one). Functions answer their documented return type.
pub(crate) fn static_type(
    expr: &Expr,
    columns: &[(String, ColumnType)],
    env: &EvalContext,
) -> Result<ColumnType, SqlError> {
    Ok(match expr {
        Expr::Literal(l) => literal(l).column_type(),
        Expr::Column(name) => {
            columns
                .iter()
                .find(|(n, _)| n == name)
                .ok_or_else(|| errors::invalid_identifier(name))?
                .1
        }
        Expr::Positional(n) => {
            columns
                .get(n - 1)
                .ok_or_else(|| errors::invalid_identifier(&format!("${n}")))?
                .1
        }
        Expr::Ref(parts) => return Err(errors::invalid_identifier(&parts.join("."))),
        Expr::Cast { type_name, .. } => cast_type(type_name, env)?,
        // COUNT returns NUMBER (its reference page); the sandbox's rows say FIXED.
        Expr::CountStar => ColumnType::Fixed,
        Expr::Call { name, .. } => match name.as_str() {
            "SUBSTRING" | "SUBSTR" | "REPLACE" => ColumnType::Text,
            "PARSE_JSON" => ColumnType::Variant,
            "TO_TIMESTAMP" | "TO_TIMESTAMP_NTZ" | "SYSDATE" => ColumnType::TimestampNtz,
            "CURRENT_TIMESTAMP" | "LOCALTIMESTAMP" | "GETDATE" => ColumnType::TimestampLtz,
            other => return Err(errors::unsupported(&format!("function {other}"), env.text)),
        },
    })
}

/// A text argument of a string function: text and numbers as written; NULL is None.
fn text_arg(name: &str, value: Val, env: &EvalContext) -> Result<Option<String>, SqlError> {
    match value {
        Val::Null => Ok(None),
        Val::Str(s) | Val::Num(s) => Ok(Some(s)),
        Val::Typed(ColumnType::Text | ColumnType::Fixed, s) => Ok(Some(s)),
        _ => Err(errors::unsupported(
            &format!("{name} of values other than text and numbers"),
            env.text,
        )),
    }
}

/// An integer argument; NULL is None.
fn int_arg(name: &str, value: Val, env: &EvalContext) -> Result<Option<i64>, SqlError> {
    match text_arg(name, value, env)? {
        None => Ok(None),
        Some(s) => s
            .trim()
            .parse::<i64>()
            .map(Some)
            .map_err(|_| errors::not_numeric(&s)),
    }
}

/// Functions evaluated on a row: the string functions Snowpark's projections of SHOW
/// results use, PARSE_JSON and TO_TIMESTAMP of text (create_dataframe's), and the clock.
fn call(
    name: &str,
    args: &[Expr],
    columns: &[(String, ColumnType)],
    row: &[Option<String>],
    env: &EvalContext,
) -> Result<Val, SqlError> {
    let arity = |lo: usize, hi: usize| {
        if args.len() < lo || args.len() > hi {
            Err(errors::invalid_value(
                name,
                &format!("expects {lo} to {hi} arguments, got {}", args.len()),
            ))
        } else {
            Ok(())
        }
    };
    let mut vals = Vec::new();
    let known = [
        "SUBSTRING",
        "SUBSTR",
        "REPLACE",
        "PARSE_JSON",
        "TO_TIMESTAMP",
        "TO_TIMESTAMP_NTZ",
    ];
    if !known.contains(&name) {
        return Err(errors::unsupported(&format!("function {name}"), env.text));
    }
    for a in args {
        vals.push(eval(a, columns, row, env)?);
    }
    let mut vals = vals.into_iter();
    let mut next = || vals.next().unwrap_or(Val::Null);
    match name {
        // SUBSTR(base, start[, length]): 1-based; 0 counts as 1, a negative start counts
        // from the end; a negative length gives ''.
        "SUBSTRING" | "SUBSTR" => {
            arity(2, 3)?;
            let has_len = args.len() == 3;
            let (Some(base), Some(start)) =
                (text_arg(name, next(), env)?, int_arg(name, next(), env)?)
            else {
                return Ok(Val::Null);
            };
            let len = if has_len {
                match int_arg(name, next(), env)? {
                    None => return Ok(Val::Null),
                    Some(l) => Some(l),
                }
            } else {
                None
            };
            let chars: Vec<char> = base.chars().collect();
            let n = chars.len() as i64;
            let from = if start > 0 {
                start - 1
            } else if start == 0 {
                0
            } else {
                (n + start).max(0)
            };
            let to = match len {
                Some(l) if l < 0 => from,
                Some(l) => from.saturating_add(l).min(n),
                None => n,
            };
            let out: String = if from >= n || to <= from {
                String::new()
            } else {
                chars[from as usize..to as usize].iter().collect()
            };
            Ok(Val::Typed(ColumnType::Text, out))
        }
        // REPLACE(subject, pattern[, replacement]): every occurrence; an empty pattern
        // leaves the subject as it is.
        "REPLACE" => {
            arity(2, 3)?;
            let has_to = args.len() == 3;
            let (Some(subject), Some(pattern)) =
                (text_arg(name, next(), env)?, text_arg(name, next(), env)?)
            else {
                return Ok(Val::Null);
            };
            let to = if has_to {
                match text_arg(name, next(), env)? {
                    None => return Ok(Val::Null),
                    Some(t) => t,
                }
            } else {
                String::new()
            };
            let out = if pattern.is_empty() {
                subject
            } else {
                subject.replace(&pattern, &to)
            };
            Ok(Val::Typed(ColumnType::Text, out))
        }
        "PARSE_JSON" => {
            arity(1, 1)?;
            let Some(text) = text_arg(name, next(), env)? else {
                return Ok(Val::Null);
            };
            let v: serde_json::Value =
                serde_json::from_str(&text).map_err(|e| errors::json_parse(&e.to_string()))?;
            Ok(Val::Typed(ColumnType::Variant, format::json_pretty(&v)))
        }
        // TO_TIMESTAMP of text, as the session's TIMESTAMP_NTZ default maps it; of
        // numbers (epoch scales) not emulated.
        _ => {
            arity(1, 1)?;
            match next() {
                Val::Null => Ok(Val::Null),
                Val::Str(text) | Val::Typed(ColumnType::Text, text) => {
                    // A TIMESTAMP_NTZ keeps the wall-clock time and drops a written offset
                    // (Snowpark writes datetimes with theirs).
                    let t = ColumnType::TimestampNtz;
                    let v = Val::Str(without_offset(&text).to_string());
                    Ok(coerce(t, &v)?.map_or(Val::Null, |c| Val::Typed(t, c)))
                }
                v if matches!(v, Val::Typed(ty, _) if is_timestamp(ty)) => {
                    let t = ColumnType::TimestampNtz;
                    Ok(coerce(t, &v)?.map_or(Val::Null, |c| Val::Typed(t, c)))
                }
                _ => Err(errors::unsupported(
                    &format!("{name} of values other than text and timestamps"),
                    env.text,
                )),
            }
        }
    }
}

fn normalize_number(number: &str) -> Option<String> {
    let t = number.trim().trim_start_matches('+');
    if let Ok(i) = t.parse::<i128>() {
        return Some(i.to_string());
    }
    let f: f64 = t.parse().ok()?;
    if !f.is_finite() {
        return None;
    }
    Some(if f.fract() == 0.0 && f.abs() < 1e18 {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    })
}

fn parse_bool(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" | "t" | "yes" | "y" | "on" | "1" => Some(true),
        "false" | "f" | "no" | "n" | "off" | "0" => Some(false),
        _ => None,
    }
}

fn timestamp_cell(column_type: ColumnType, nanos: Nanos) -> String {
    let ts = format::timestamp(nanos);
    // TIMESTAMP_TZ cells carry the offset in minutes plus 1440 (UTC here).
    if column_type == ColumnType::TimestampTz {
        format!("{ts} 1440")
    } else {
        ts
    }
}

/// The value `v` takes in a column of type `t`, as a stored cell.
pub(crate) fn coerce(column_type: ColumnType, value: &Val) -> Result<Option<String>, SqlError> {
    let text = match value {
        Val::Null => return Ok(None),
        Val::Typed(vt, s) if *vt == column_type => return Ok(Some(s.clone())),
        Val::Typed(vt, s) if is_timestamp(*vt) && is_timestamp(column_type) => {
            let secs = s.split_whitespace().next().unwrap_or(s);
            return Ok(Some(if column_type == ColumnType::TimestampTz {
                format!("{secs} 1440")
            } else {
                secs.to_string()
            }));
        }
        Val::Typed(_, s) | Val::Str(s) | Val::Num(s) => s.clone(),
        Val::Bool(b) => format::tf(*b),
    };
    let is_num_literal = matches!(value, Val::Num(_));
    Ok(Some(match column_type {
        ColumnType::Text => text,
        ColumnType::Fixed | ColumnType::Real => {
            if let Val::Bool(b) = value {
                return Ok(Some(if *b { "1" } else { "0" }.to_string()));
            }
            normalize_number(&text).ok_or_else(|| errors::not_numeric(&text))?
        }
        ColumnType::Boolean => {
            let b = if is_num_literal {
                normalize_number(&text).map(|n| n != "0")
            } else {
                parse_bool(&text)
            };
            format::tf(b.ok_or_else(|| errors::not_boolean(&text))?)
        }
        ColumnType::Date => {
            let n = format::parse_timestamp(&text)
                .filter(|_| !text.contains(':'))
                .ok_or_else(|| errors::not_timestamp(&text))?;
            (n / 86_400_000_000_000).to_string()
        }
        ColumnType::TimestampNtz | ColumnType::TimestampLtz | ColumnType::TimestampTz => {
            if is_num_literal {
                return Err(errors::not_timestamp(&text));
            }
            timestamp_cell(
                column_type,
                format::parse_timestamp(&text).ok_or_else(|| errors::not_timestamp(&text))?,
            )
        }
        ColumnType::Variant => match value {
            Val::Str(s) => format::json_pretty(&serde_json::Value::String(s.clone())),
            _ => text,
        },
    }))
}

fn is_timestamp(column_type: ColumnType) -> bool {
    matches!(
        column_type,
        ColumnType::TimestampNtz | ColumnType::TimestampLtz | ColumnType::TimestampTz
    )
}

fn seconds_and_nanos(text: &str) -> (i64, i64) {
    let first = text.split_whitespace().next().unwrap_or("");
    let (a, b) = first.split_once('.').unwrap_or((first, "0"));
    (a.parse().unwrap_or(0), b.parse().unwrap_or(0))
}

/// Order two stored cells of type `t`.
pub(crate) fn compare_values(column_type: ColumnType, left: &str, right: &str) -> Ordering {
    match column_type {
        ColumnType::Fixed | ColumnType::Real => match (left.parse::<f64>(), right.parse::<f64>()) {
            (Ok(x), Ok(y)) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
            _ => left.cmp(right),
        },
        ColumnType::Date => left
            .parse::<i64>()
            .unwrap_or(0)
            .cmp(&right.parse::<i64>().unwrap_or(0)),
        ColumnType::TimestampNtz | ColumnType::TimestampLtz | ColumnType::TimestampTz => {
            seconds_and_nanos(left).cmp(&seconds_and_nanos(right))
        }
        ColumnType::Boolean | ColumnType::Text | ColumnType::Variant => left.cmp(right),
    }
}

/// Compare two values: the typed side decides the type; two literals compare as numbers
/// when either is a number.
fn compare(left: &Val, right: &Val) -> Result<Option<Ordering>, SqlError> {
    if matches!(left, Val::Null) || matches!(right, Val::Null) {
        return Ok(None);
    }
    let t = match (left, right) {
        (Val::Typed(t, _), _) | (_, Val::Typed(t, _)) => *t,
        (Val::Num(_), _) | (_, Val::Num(_)) => ColumnType::Fixed,
        (Val::Bool(_), _) | (_, Val::Bool(_)) => ColumnType::Boolean,
        _ => ColumnType::Text,
    };
    let (Some(x), Some(y)) = (coerce(t, left)?, coerce(t, right)?) else {
        return Ok(None);
    };
    Ok(Some(compare_values(t, &x, &y)))
}

/// Evaluate a condition: Some(true), Some(false), or None for SQL's unknown.
pub(crate) fn eval_cond(
    cond: &Cond,
    columns: &[(String, ColumnType)],
    row: &[Option<String>],
    env: &EvalContext,
) -> Result<Option<bool>, SqlError> {
    Ok(match cond {
        Cond::And(a, b) => match (
            eval_cond(a, columns, row, env)?,
            eval_cond(b, columns, row, env)?,
        ) {
            (Some(false), _) | (_, Some(false)) => Some(false),
            (Some(true), Some(true)) => Some(true),
            _ => None,
        },
        Cond::Or(a, b) => match (
            eval_cond(a, columns, row, env)?,
            eval_cond(b, columns, row, env)?,
        ) {
            (Some(true), _) | (_, Some(true)) => Some(true),
            (Some(false), Some(false)) => Some(false),
            _ => None,
        },
        Cond::Not(a) => eval_cond(a, columns, row, env)?.map(|b| !b),
        Cond::IsNull { expr, negated } => {
            Some((eval(expr, columns, row, env)? == Val::Null) != *negated)
        }
        Cond::Cmp { left, op, right } => {
            let ord = compare(
                &eval(left, columns, row, env)?,
                &eval(right, columns, row, env)?,
            )?;
            ord.map(|o| match op {
                CmpOp::Eq => o == Ordering::Equal,
                CmpOp::Ne => o != Ordering::Equal,
                CmpOp::Lt => o == Ordering::Less,
                CmpOp::Le => o != Ordering::Greater,
                CmpOp::Gt => o == Ordering::Greater,
                CmpOp::Ge => o != Ordering::Less,
            })
        }
        Cond::In {
            expr,
            list,
            negated,
        } => {
            let v = eval(expr, columns, row, env)?;
            let mut result = Some(false);
            for item in list {
                match compare(&v, &eval(item, columns, row, env)?)? {
                    Some(Ordering::Equal) => {
                        result = Some(true);
                        break;
                    }
                    None => result = None,
                    _ => {}
                }
            }
            result.map(|b| b != *negated)
        }
        Cond::Like {
            expr,
            pattern,
            ignore_case,
            negated,
        } => {
            let text = like_text(eval(expr, columns, row, env)?, env)?;
            let pattern = like_text(eval(pattern, columns, row, env)?, env)?;
            match (text, pattern) {
                (Some(t), Some(p)) => {
                    let (t, p) = if *ignore_case {
                        (t.to_lowercase(), p.to_lowercase())
                    } else {
                        (t, p)
                    };
                    let p: Vec<char> = p.chars().collect();
                    let t: Vec<char> = t.chars().collect();
                    Some(like_at(&p, &t) != *negated)
                }
                _ => None,
            }
        }
    })
}

/// A LIKE operand as text; NULL is None. Only text and numbers: how other types print
/// when cast to text is not emulated.
fn like_text(value: Val, env: &EvalContext) -> Result<Option<String>, SqlError> {
    match value {
        Val::Null => Ok(None),
        Val::Str(s) | Val::Num(s) => Ok(Some(s)),
        Val::Typed(ColumnType::Text | ColumnType::Fixed, s) => Ok(Some(s)),
        _ => Err(errors::unsupported(
            "LIKE on values other than text and numbers",
            env.text,
        )),
    }
}

/// Snowflake's LIKE without ESCAPE: `%` any run, `_` one character, no escape character.
fn like_at(pattern: &[char], text: &[char]) -> bool {
    match pattern.first() {
        None => text.is_empty(),
        Some('%') => (0..=text.len()).any(|i| like_at(&pattern[1..], &text[i..])),
        Some('_') => !text.is_empty() && like_at(&pattern[1..], &text[1..]),
        Some(c) => text.first() == Some(c) && like_at(&pattern[1..], &text[1..]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coerces_literals_to_column_types() {
        assert_eq!(
            coerce(ColumnType::Fixed, &Val::Str("042".into())).unwrap(),
            Some("42".into())
        );
        assert!(coerce(ColumnType::Fixed, &Val::Str("abc".into())).is_err());
        assert_eq!(
            coerce(ColumnType::Boolean, &Val::Str("yes".into())).unwrap(),
            Some("true".into())
        );
        assert_eq!(
            coerce(
                ColumnType::TimestampNtz,
                &Val::Str("1970-01-01 00:01:00".into())
            )
            .unwrap(),
            Some("60.000000000".into())
        );
        assert_eq!(
            coerce(ColumnType::Date, &Val::Str("1970-01-03".into())).unwrap(),
            Some("2".into())
        );
    }

    #[test]
    fn compares_in_the_column_type() {
        assert_eq!(compare_values(ColumnType::Fixed, "9", "10"), Ordering::Less);
        assert_eq!(
            compare_values(ColumnType::Text, "9", "10"),
            Ordering::Greater
        );
        assert_eq!(
            compare_values(ColumnType::TimestampLtz, "5.000000002", "5.000000010"),
            Ordering::Less
        );
    }
}
