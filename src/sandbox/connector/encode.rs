//! Result sets in the JSON form snowflake-connector-python decodes (`queryResultFormat`
//! "json"): every value a string or null, typed by `rowtype`. The converter of the
//! connector (src/snowflake/connector/converter.py) reads booleans as "1"/"0", FIXED with
//! scale 0 as int and with a scale as Decimal, TIMESTAMP_* as epoch seconds with a
//! fraction of `scale` digits, DATE as days since the epoch.

use serde::Serialize;

use crate::sandbox::types::{Column, ResultSet};

/// One column of `rowtype`.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub(crate) struct RowType {
    pub name: String,
    pub database: &'static str,
    pub schema: &'static str,
    pub table: &'static str,
    #[serde(rename = "type")]
    pub type_name: &'static str,
    pub nullable: bool,
    pub precision: Option<u32>,
    pub scale: Option<u32>,
    pub length: Option<u32>,
    #[serde(rename = "byteLength")]
    pub byte_length: Option<u32>,
    pub collation: Option<String>,
}

/// Digits after the point of a FIXED value ("12.50" has 2).
fn fraction_digits(value: &str) -> u32 {
    value.split_once('.').map_or(0, |(_, f)| f.len() as u32)
}

fn row_type(col: &Column, values: &[Option<&str>]) -> RowType {
    let (precision, scale, length, byte_length) = match col.type_name {
        "fixed" => {
            let scale = values
                .iter()
                .flatten()
                .map(|v| fraction_digits(v))
                .max()
                .unwrap_or(0);
            (Some(38), Some(scale), None, None)
        }
        "timestamp_ltz" | "timestamp_ntz" | "timestamp_tz" | "time" => {
            (Some(0), Some(9), None, None)
        }
        // Snowflake's default VARCHAR length (16 MB characters, 4 bytes each).
        "text" | "variant" => (None, None, Some(16_777_216), Some(16_777_216)),
        _ => (None, None, None, None),
    };
    RowType {
        name: col.name.clone(),
        database: "",
        schema: "",
        table: "",
        type_name: col.type_name,
        nullable: col.nullable,
        precision,
        scale,
        length,
        byte_length,
        collation: None,
    }
}

/// `rowtype` and `rowset` of a result.
pub fn encode(rs: &ResultSet) -> (Vec<RowType>, Vec<Vec<Option<String>>>) {
    let types = rs
        .columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let values: Vec<Option<&str>> = rs
                .rows
                .iter()
                .map(|r| r.get(i).and_then(|v| v.as_deref()))
                .collect();
            row_type(c, &values)
        })
        .collect::<Vec<_>>();
    let rows = rs
        .rows
        .iter()
        .map(|r| {
            r.iter()
                .zip(&rs.columns)
                .map(|(v, c)| v.as_deref().map(|v| value(c.type_name, v)))
                .collect()
        })
        .collect();
    (types, rows)
}

/// The engine speaks the SQL API v2's encoding; the JSON results of the connector protocol
/// differ only for booleans ("true" there, "1" here).
fn value(type_name: &str, text: &str) -> String {
    match type_name {
        "boolean" if text.eq_ignore_ascii_case("true") => "1".into(),
        "boolean" if text.eq_ignore_ascii_case("false") => "0".into(),
        _ => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn booleans_become_one_and_zero_and_fixed_scale_follows_the_values() {
        let rs = ResultSet {
            columns: vec![
                Column {
                    name: "B".into(),
                    type_name: "boolean",
                    nullable: false,
                },
                Column {
                    name: "N".into(),
                    type_name: "fixed",
                    nullable: true,
                },
            ],
            rows: vec![
                vec![Some("true".into()), Some("1.25".into())],
                vec![Some("false".into()), None],
            ],
            dml: None,
        };
        let (types, rows) = encode(&rs);
        assert_eq!(types[0].type_name, "boolean");
        assert_eq!(types[1].scale, Some(2));
        assert_eq!(
            rows,
            vec![
                vec![Some("1".to_string()), Some("1.25".to_string())],
                vec![Some("0".to_string()), None]
            ]
        );
    }
}
