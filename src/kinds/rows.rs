//! SHOW output as the live reader consumes it: named columns of strings, with Snowflake's
//! ways of saying "nothing" (NULL, "", the string `null`) folded into one.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShowRows {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Option<String>>>,
}

impl ShowRows {
    fn col(&self, name: &str) -> Option<usize> {
        self.columns
            .iter()
            .position(|c| c.eq_ignore_ascii_case(name))
    }

    /// The raw value of a column, None for SQL NULL or a missing column.
    pub fn raw<'a>(&'a self, row: &'a [Option<String>], name: &str) -> Option<&'a str> {
        row.get(self.col(name)?)?.as_deref()
    }

    /// The value with NULL, "" and the string `null` all meaning unset.
    pub fn get<'a>(&'a self, row: &'a [Option<String>], name: &str) -> Option<&'a str> {
        self.text(row, name).filter(|v| *v != "null")
    }

    /// Free text such as a comment: NULL and "" are unset, but `null` is what someone wrote.
    pub fn text<'a>(&'a self, row: &'a [Option<String>], name: &str) -> Option<&'a str> {
        self.raw(row, name).filter(|v| !v.is_empty())
    }

    /// `Y`/`N` and `true`/`false` columns.
    pub fn flag(&self, row: &[Option<String>], name: &str) -> Option<bool> {
        match self.get(row, name)?.to_ascii_lowercase().as_str() {
            "y" | "yes" | "true" | "on" => Some(true),
            "n" | "no" | "false" | "off" => Some(false),
            _ => None,
        }
    }

    pub(crate) fn int(&self, row: &[Option<String>], name: &str) -> Option<i64> {
        self.get(row, name)?.trim().parse().ok()
    }

    pub fn iter(&self) -> impl Iterator<Item = &[Option<String>]> {
        self.rows.iter().map(|r| r.as_slice())
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub fn extend(&mut self, other: ShowRows) {
        if self.columns.is_empty() {
            self.columns = other.columns;
        }
        self.rows.extend(other.rows);
    }
}
