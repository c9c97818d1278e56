//! The filters every SHOW shares: LIKE (case-insensitive, `%` and `_`), STARTS WITH
//! (case-sensitive), LIMIT ... FROM (a name cursor), and the 10,000-row rules.

use super::super::errors;
use super::super::parse::ast::Show;
use crate::sandbox::SqlError;

/// Snowflake's ceiling on rows returned by one SHOW.
pub(crate) const MAX_ROWS: usize = 10_000;

/// What happens when a SHOW would return more than 10,000 rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cap {
    /// SHOW WAREHOUSES / STAGES: only the first 10,000 objects are considered at all.
    Silent,
    /// SHOW SCHEMAS / TASKS / ...: without LIMIT, the statement fails.
    Error,
}

/// One row's sort key: database, schema and name ("" where a level does not apply).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Key {
    pub database: String,
    pub schema: String,
    pub name: String,
}

/// SQL LIKE, case-insensitive, with `\` escaping `%`, `_` and itself.
pub fn like(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.to_lowercase().chars().collect();
    let t: Vec<char> = text.to_lowercase().chars().collect();
    like_at(&p, &t)
}

fn like_at(pattern: &[char], text: &[char]) -> bool {
    match pattern.first() {
        None => text.is_empty(),
        Some('%') => (0..=text.len()).any(|i| like_at(&pattern[1..], &text[i..])),
        Some('_') => !text.is_empty() && like_at(&pattern[1..], &text[1..]),
        Some('\\') if pattern.len() > 1 => {
            text.first() == Some(&pattern[1]) && like_at(&pattern[2..], &text[1..])
        }
        Some(c) => text.first() == Some(c) && like_at(&pattern[1..], &text[1..]),
    }
}

/// Apply the filters of `show` to the keys of the objects in scope (already sorted).
pub fn apply(mut keys: Vec<Key>, show: &Show, cap: Cap) -> Result<Vec<Key>, SqlError> {
    if let Some(limit) = show.limit {
        if limit as usize > MAX_ROWS {
            return Err(errors::show_limit_too_large(limit));
        }
    }
    keys.sort();
    if cap == Cap::Silent {
        keys.truncate(MAX_ROWS);
    }
    keys.retain(|k| {
        show.like.as_deref().is_none_or(|p| like(p, &k.name))
            && show
                .starts_with
                .as_deref()
                .is_none_or(|s| k.name.starts_with(s))
            && show.from.as_deref().is_none_or(|f| k.name.as_str() > f)
    });
    match show.limit {
        Some(limit) => keys.truncate(limit as usize),
        None if cap == Cap::Error && keys.len() > MAX_ROWS => {
            return Err(errors::show_too_many_rows())
        }
        None => {}
    }
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_is_case_insensitive_with_wildcards_and_escapes() {
        assert!(like(
            "snowml_feature_store_entity_%",
            "SNOWML_FEATURE_STORE_ENTITY_PATIENT"
        ));
        assert!(like("A_C", "abc"));
        assert!(!like("A_C", "abbc"));
        assert!(like("FV\\_V1", "FV_V1"));
        assert!(!like("FV\\_V1", "FVXV1"));
        assert!(like("%", ""));
    }
}
