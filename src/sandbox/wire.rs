//! The JSON bodies the sandbox sends and reads, written from Snowflake's SQL API reference
//! (docs.snowflake.com/en/developer-guide/sql-api/reference) and its "handling responses"
//! page, not from the client's types: a mistake in the client's reading of the wire
//! cannot be mirrored here and go unnoticed. `tests/fixtures/sqlapi/*.json` hold the
//! documented shapes; the tests below check that every body serialises to them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// One row of `data`: every value a string, SQL NULL as `null`.
pub(crate) type Row = Vec<Option<String>>;

/// Response codes of the SQL API itself (not of a statement).
pub(crate) mod codes {
    pub(crate) const SUCCESS: &str = "090001";
    pub(crate) const ASYNC_IN_PROGRESS: &str = "333334";
    pub(crate) const CANCELED: &str = "000604";
    pub const TIMEOUT: &str = "000630";
    pub(crate) const HANDLE_NOT_FOUND: &str = "000709";
    pub(crate) const INVALID_PAYLOAD: &str = "390142";
    pub(crate) const JWT_INVALID: &str = "390144";
    pub(crate) const OAUTH_INVALID: &str = "390303";
    pub(crate) const TOO_MANY_REQUESTS: &str = "390505";
    pub(crate) const MULTI_STATEMENT_FAILED: &str = "100132";
}

/// A `ResultSet` (200): the first partition of a result.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ResultSetBody {
    pub result_set_meta_data: MetaData,
    pub data: Vec<Row>,
    pub code: &'static str,
    pub sql_state: &'static str,
    pub message: &'static str,
    pub statement_handle: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statement_handles: Option<Vec<String>>,
    pub statement_status_url: String,
    pub created_on: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stats: Option<Stats>,
}

/// `ResultSet_resultSetMetaData`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct MetaData {
    pub num_rows: u64,
    pub format: &'static str,
    pub row_type: Vec<RowType>,
    pub partition_info: Vec<Partition>,
}

/// `ResultSet_resultSetMetaData_rowType`. The reference's examples send every key, with
/// `null` where a key does not apply (`scale` of a text column), so nothing is skipped.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RowType {
    pub name: String,
    pub database: String,
    pub schema: String,
    pub table: String,
    #[serde(rename = "type")]
    pub type_name: &'static str,
    pub nullable: bool,
    pub length: Option<u64>,
    pub byte_length: Option<u64>,
    pub precision: Option<u64>,
    pub scale: Option<u64>,
    pub collation: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Partition {
    pub row_count: u64,
    pub uncompressed_size: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compressed_size: Option<u64>,
}

/// `ResultSet_stats`, sent for DML.
#[derive(Clone, Copy, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Stats {
    pub num_rows_inserted: u64,
    pub num_rows_updated: u64,
    pub num_rows_deleted: u64,
    pub num_duplicate_rows_updated: u64,
}

/// `QueryStatus` (202, 408), `QueryFailureStatus` (422), `CancelStatus` (200) and the
/// bodies of the 400/401/429 answers: a code, a message and whatever else applies.
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct StatusBody {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sql_state: Option<String>,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statement_handle: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statement_status_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_on: Option<i64>,
}

/// The body of `POST /api/v2/statements`. `role`, `warehouse`, `database` and `schema`
/// are kept exactly as sent: the reference says they are case-sensitive.
#[derive(Clone, Debug, Default, Deserialize)]
pub(crate) struct SubmitBody {
    pub statement: String,
    #[serde(default)]
    pub timeout: Option<u64>,
    #[serde(default)]
    pub database: Option<String>,
    #[serde(default)]
    pub schema: Option<String>,
    #[serde(default)]
    pub warehouse: Option<String>,
    #[serde(default)]
    pub role: Option<String>,
    /// Session parameters (`MULTI_STATEMENT_COUNT`, `QUERY_TAG`), keys in any case.
    #[serde(default)]
    pub parameters: BTreeMap<String, serde_json::Value>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn fixture(name: &str) -> Value {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/sqlapi")
            .join(name);
        serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
    }

    /// The keys of `v` and, recursively, of its objects and first array elements: the
    /// shape of a body without its values.
    fn shape(value: &Value, at: &str, out: &mut Vec<String>) {
        match value {
            Value::Object(m) => {
                for (k, x) in m {
                    let p = format!("{at}.{k}");
                    out.push(p.clone());
                    shape(x, &p, out);
                }
            }
            Value::Array(a) => {
                if let Some(first) = a.first() {
                    shape(first, &format!("{at}[]"), out);
                }
            }
            _ => {}
        }
        out.sort();
    }

    fn keys(value: &Value) -> Vec<String> {
        let mut out = Vec::new();
        shape(value, "", &mut out);
        out
    }

    fn row_type(name: &str, type_name: &'static str) -> RowType {
        RowType {
            name: name.into(),
            database: String::new(),
            schema: String::new(),
            table: String::new(),
            type_name,
            nullable: false,
            length: None,
            byte_length: None,
            precision: Some(1),
            scale: Some(0),
            collation: None,
        }
    }

    #[test]
    fn result_set_and_dml_bodies_have_the_documented_shape() {
        let body = ResultSetBody {
            result_set_meta_data: MetaData {
                num_rows: 4,
                format: "jsonv2",
                row_type: vec![row_type("COLUMN1", "text"), row_type("COLUMN2", "fixed")],
                partition_info: vec![Partition {
                    row_count: 4,
                    uncompressed_size: 1438,
                    compressed_size: None,
                }],
            },
            data: vec![vec![Some("test".into()), Some("2".into())]],
            code: codes::SUCCESS,
            sql_state: "00000",
            message: "Statement executed successfully.",
            statement_handle: "h".into(),
            statement_handles: None,
            statement_status_url: "/api/v2/statements/h".into(),
            created_on: 1,
            stats: None,
        };
        let ours = serde_json::to_value(&body).unwrap();
        assert_eq!(keys(&ours), keys(&fixture("result_set.json")));
        // Keys that do not apply are sent as null, not left out.
        assert_eq!(
            ours["resultSetMetaData"]["rowType"][0]["length"],
            Value::Null
        );

        let dml = ResultSetBody {
            stats: Some(Stats {
                num_rows_inserted: 3,
                num_rows_updated: 0,
                num_rows_deleted: 0,
                num_duplicate_rows_updated: 0,
            }),
            ..body.clone()
        };
        assert_eq!(
            keys(&serde_json::to_value(&dml).unwrap()),
            keys(&fixture("dml.json"))
        );

        let multi = ResultSetBody {
            statement_handles: Some(vec!["a".into(), "b".into()]),
            ..body
        };
        let multi_keys = keys(&serde_json::to_value(&multi).unwrap());
        for k in keys(&fixture("multi_statement.json")) {
            assert!(multi_keys.contains(&k), "{k} missing from {multi_keys:?}");
        }
    }

    #[test]
    fn status_bodies_have_the_documented_shape() {
        let failure = StatusBody {
            code: Some("000904".into()),
            sql_state: Some("42000".into()),
            message: "m".into(),
            statement_handle: Some("h".into()),
            statement_status_url: Some("/api/v2/statements/h".into()),
            created_on: Some(1),
        };
        assert_eq!(
            keys(&serde_json::to_value(&failure).unwrap()),
            keys(&fixture("failure_422.json"))
        );
        let pending = StatusBody {
            code: Some(codes::ASYNC_IN_PROGRESS.into()),
            message: "m".into(),
            statement_handle: Some("h".into()),
            statement_status_url: Some("u".into()),
            ..StatusBody::default()
        };
        assert_eq!(
            keys(&serde_json::to_value(&pending).unwrap()),
            keys(&fixture("query_status_202.json"))
        );
        let bad = StatusBody {
            code: Some(codes::INVALID_PAYLOAD.into()),
            message: "m".into(),
            ..StatusBody::default()
        };
        assert_eq!(
            keys(&serde_json::to_value(&bad).unwrap()),
            keys(&fixture("bad_payload_400.json"))
        );
    }

    #[test]
    fn the_submit_body_keeps_context_names_as_sent() {
        let b: SubmitBody = serde_json::from_str(
            r#"{"statement":"select 1","warehouse":"wh","role":"\"Mixed\"","parameters":{"query_tag":"t"}}"#,
        )
        .unwrap();
        assert_eq!(b.warehouse.as_deref(), Some("wh"));
        assert_eq!(b.role.as_deref(), Some("\"Mixed\""));
        assert!(b.database.is_none() && b.timeout.is_none());
    }
}
