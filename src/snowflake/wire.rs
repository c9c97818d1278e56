//! The JSON bodies of the SQL API v2, as Snowflake sends them. Both the client (to read
//! them) and the sandbox server (to write them) use these types.

use serde::{Deserialize, Deserializer, Serialize};

/// One row of `data`: every value a string, SQL NULL as `None`.
pub(crate) type Row = Vec<Option<String>>;

/// Response codes with a fixed meaning.
pub(crate) mod codes {
    #[cfg(test)]
    pub(crate) const SUCCESS: &str = "090001";
    #[cfg(test)]
    pub(crate) const ASYNC_IN_PROGRESS: &str = "333334";
    pub(crate) const CANCELED: &str = "000604";
    pub const TIMEOUT: &str = "000630";
    pub(crate) const RESULT_TOO_LARGE: &str = "391908";
    pub(crate) const OAUTH_EXPIRED: &str = "390318";
    pub(crate) const DOES_NOT_EXIST: &str = "002003";
    /// A statement that needs a warehouse, sent without a usable one: the SQL API's code
    /// (391920, "Unable to run the command. You must specify the warehouse to use ...")
    /// and the drivers' (000606, "No active warehouse selected in the current session.").
    pub(crate) const NO_WAREHOUSE_SQL_API: &str = "391920";
    pub(crate) const NO_WAREHOUSE: &str = "000606";
}

/// Every response of POST/GET/cancel: `ResultSet`, `QueryStatus`, `QueryFailureStatus`,
/// `CancelStatus` and the error bodies share these fields.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ResponseBody {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_set_meta_data: Option<ResultSetMetaData>,
    #[serde(
        default,
        deserialize_with = "de_rows",
        skip_serializing_if = "Option::is_none"
    )]
    pub data: Option<Vec<Row>>,
    #[serde(
        default,
        deserialize_with = "de_code",
        skip_serializing_if = "Option::is_none"
    )]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sql_state: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statement_handle: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statement_handles: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statement_status_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_on: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stats: Option<DmlStatsBody>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ResultSetMetaData {
    #[serde(default)]
    pub num_rows: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    #[serde(default)]
    pub row_type: Vec<RowType>,
    #[serde(default)]
    pub partition_info: Vec<PartitionInfo>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RowType {
    pub name: String,
    #[serde(default, deserialize_with = "de_null_string")]
    pub database: String,
    #[serde(default, deserialize_with = "de_null_string")]
    pub schema: String,
    #[serde(default, deserialize_with = "de_null_string")]
    pub table: String,
    /// `text`, `fixed`, `TIMESTAMP_LTZ`, ...: the case varies, compare case-insensitively.
    #[serde(rename = "type")]
    pub type_name: String,
    #[serde(default)]
    pub nullable: bool,
    #[serde(default)]
    pub length: Option<u64>,
    #[serde(default)]
    pub byte_length: Option<u64>,
    #[serde(default)]
    pub precision: Option<u64>,
    #[serde(default)]
    pub scale: Option<i64>,
    #[serde(default)]
    pub collation: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PartitionInfo {
    pub row_count: u64,
    #[serde(default)]
    pub uncompressed_size: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compressed_size: Option<u64>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DmlStatsBody {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub num_rows_inserted: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub num_rows_updated: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub num_rows_deleted: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub num_duplicate_rows_updated: Option<u64>,
}

/// The body of POST /api/v2/statements.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct StatementBody {
    pub statement: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warehouse: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// Session parameters; values are strings (`"MULTI_STATEMENT_COUNT": "2"`).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub parameters: std::collections::BTreeMap<String, serde_json::Value>,
}

impl ResponseBody {
    /// Parse a response body; `None` when it is not JSON of this shape.
    pub fn parse(bytes: &[u8]) -> Option<ResponseBody> {
        serde_json::from_slice(bytes).ok()
    }
}

/// The rows of a partition response: `{"data": [...]}` (possibly with more fields), or
/// a bare array.
pub(crate) fn parse_partition(bytes: &[u8]) -> Result<Vec<Row>, serde_json::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Partition {
        Object {
            #[serde(deserialize_with = "de_rows")]
            data: Option<Vec<Row>>,
        },
        Bare(#[serde(deserialize_with = "de_rows_plain")] Vec<Row>),
    }
    Ok(match serde_json::from_slice(bytes)? {
        Partition::Object { data } => data.unwrap_or_default(),
        Partition::Bare(rows) => rows,
    })
}

/// One value of `data`, decoded straight from the body (no JSON tree in between, which
/// cost an allocation a row and a copy a value on 10,000-row SHOW results): a string as
/// itself, null as `None`, and, leniently, any other JSON value as its JSON text.
struct Cell(Option<String>);

impl<'de> Deserialize<'de> for Cell {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Cell, D::Error> {
        deserializer.deserialize_any(CellVisitor)
    }
}

struct CellVisitor;

impl<'de> serde::de::Visitor<'de> for CellVisitor {
    type Value = Cell;

    fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
        formatter.write_str("a JSON value")
    }

    fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<Cell, E> {
        Ok(Cell(Some(value.to_string())))
    }

    fn visit_string<E: serde::de::Error>(self, value: String) -> Result<Cell, E> {
        Ok(Cell(Some(value)))
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Cell, E> {
        Ok(Cell(None))
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<Cell, E> {
        Ok(Cell(None))
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Cell, D::Error> {
        Cell::deserialize(deserializer)
    }

    // The rest as `serde_json::Value::to_string` writes them.
    fn visit_bool<E: serde::de::Error>(self, value: bool) -> Result<Cell, E> {
        Ok(Cell(Some(value.to_string())))
    }

    fn visit_i64<E: serde::de::Error>(self, value: i64) -> Result<Cell, E> {
        Ok(Cell(Some(serde_json::Value::from(value).to_string())))
    }

    fn visit_u64<E: serde::de::Error>(self, value: u64) -> Result<Cell, E> {
        Ok(Cell(Some(serde_json::Value::from(value).to_string())))
    }

    fn visit_f64<E: serde::de::Error>(self, value: f64) -> Result<Cell, E> {
        Ok(Cell(Some(serde_json::Value::from(value).to_string())))
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, access: A) -> Result<Cell, A::Error> {
        let value =
            serde_json::Value::deserialize(serde::de::value::SeqAccessDeserializer::new(access))?;
        Ok(Cell(Some(value.to_string())))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, access: A) -> Result<Cell, A::Error> {
        let value =
            serde_json::Value::deserialize(serde::de::value::MapAccessDeserializer::new(access))?;
        Ok(Cell(Some(value.to_string())))
    }
}

fn row(cells: Vec<Cell>) -> Row {
    // Same size and alignment: collected in place, no second allocation.
    cells.into_iter().map(|c| c.0).collect()
}

fn de_rows_plain<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<Row>, D::Error> {
    let raw: Vec<Vec<Cell>> = Vec::deserialize(deserializer)?;
    Ok(raw.into_iter().map(row).collect())
}

/// Values are strings, but accept numbers and booleans too rather than fail on them.
fn de_rows<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Vec<Row>>, D::Error> {
    let raw: Option<Vec<Vec<Cell>>> = Option::deserialize(deserializer)?;
    Ok(raw.map(|rows| rows.into_iter().map(row).collect()))
}

fn de_code<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    let raw: Option<serde_json::Value> = Option::deserialize(deserializer)?;
    Ok(match raw {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(s)) => Some(s),
        // A numeric code loses its leading zeros; Snowflake codes have six digits.
        Some(serde_json::Value::Number(n)) => Some(format!("{:0>6}", n.to_string())),
        Some(other) => Some(other.to_string()),
    })
}

fn de_null_string<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    Ok(Option::<String>::deserialize(deserializer)?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/sqlapi")
            .join(name);
        std::fs::read(path).unwrap()
    }

    #[test]
    fn result_set() {
        let b = ResponseBody::parse(&fixture("result_set.json")).unwrap();
        let meta = b.result_set_meta_data.as_ref().unwrap();
        assert_eq!((meta.num_rows, meta.format.as_deref()), (4, Some("jsonv2")));
        assert_eq!(meta.row_type[0].name, "COLUMN1");
        assert_eq!(
            (meta.row_type[0].type_name.as_str(), meta.row_type[0].length),
            ("text", Some(4))
        );
        assert_eq!(
            (meta.row_type[1].precision, meta.row_type[1].scale),
            (Some(1), Some(0))
        );
        assert_eq!(
            meta.partition_info,
            vec![PartitionInfo {
                row_count: 4,
                uncompressed_size: 1438,
                compressed_size: None
            }]
        );
        assert_eq!(
            b.data.as_ref().unwrap()[3],
            vec![Some("test".to_string()), Some("5".to_string())]
        );
        assert_eq!(
            (b.code.as_deref(), b.sql_state.as_deref()),
            (Some(codes::SUCCESS), Some("00000"))
        );
        assert_eq!(
            b.statement_handle.as_deref(),
            Some("536fad38-b564-4dc5-9892-a4543504df6c")
        );
        assert_eq!(b.created_on, Some(1620151584132));
        assert!(b.stats.is_none());
    }

    #[test]
    fn partitioned_result_and_partition() {
        let b = ResponseBody::parse(&fixture("result_set_partitioned.json")).unwrap();
        let meta = b.result_set_meta_data.as_ref().unwrap();
        assert_eq!(meta.partition_info.len(), 2);
        assert_eq!(meta.partition_info[1].compressed_size, Some(746323));
        assert_eq!(meta.row_type[1].type_name, "TIMESTAMP_LTZ");
        assert_eq!(b.data.as_ref().unwrap()[1][0], None);
        let rows = parse_partition(&fixture("partition.json")).unwrap();
        assert_eq!(
            rows,
            vec![
                vec![Some("12345".into()), Some("1620151600.000000000".into())],
                vec![Some("12346".into()), None]
            ]
        );
        assert_eq!(
            parse_partition(br#"[["1"],[null]]"#).unwrap(),
            vec![vec![Some("1".to_string())], vec![None]]
        );
    }

    #[test]
    fn dml_multi_and_status_bodies() {
        let dml = ResponseBody::parse(&fixture("dml.json")).unwrap();
        assert_eq!(dml.stats.as_ref().unwrap().num_rows_inserted, Some(3));
        let multi = ResponseBody::parse(&fixture("multi_statement.json")).unwrap();
        assert_eq!(multi.statement_handles.as_ref().unwrap().len(), 2);
        let pending = ResponseBody::parse(&fixture("query_status_202.json")).unwrap();
        assert_eq!(pending.code.as_deref(), Some(codes::ASYNC_IN_PROGRESS));
        assert!(pending.data.is_none() && pending.result_set_meta_data.is_none());
        let cancel = ResponseBody::parse(&fixture("cancel_200.json")).unwrap();
        assert_eq!(cancel.code.as_deref(), Some(codes::CANCELED));
    }

    #[test]
    fn lenient_values() {
        let b = ResponseBody::parse(br#"{"code": 90001, "data": [[1, true, null, "x"]]}"#).unwrap();
        assert_eq!(b.code.as_deref(), Some("090001"));
        assert_eq!(
            b.data.unwrap()[0],
            vec![
                Some("1".into()),
                Some("true".into()),
                None,
                Some("x".into())
            ]
        );
        assert!(ResponseBody::parse(b"<html>").is_none());
    }

    #[test]
    fn serialising_and_reading_back_is_lossless() {
        for file in [
            "result_set.json",
            "result_set_partitioned.json",
            "dml.json",
            "multi_statement.json",
            "failure_422.json",
        ] {
            let b = ResponseBody::parse(&fixture(file)).unwrap();
            let again = ResponseBody::parse(&serde_json::to_vec(&b).unwrap()).unwrap();
            assert_eq!(b, again, "{file}");
        }
    }
}
