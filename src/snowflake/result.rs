//! The outcome of one statement as the rest of snowform sees it.

use super::wire::{ResponseBody, Row};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ColumnInfo {
    /// As Snowflake names it: lower case for SHOW output, upper case for queries.
    pub name: String,
    /// The `rowType` type, lower-cased (`text`, `fixed`, `timestamp_ltz`, ...).
    pub type_name: String,
    pub nullable: bool,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DmlCounts {
    pub inserted: u64,
    pub updated: u64,
    pub deleted: u64,
    pub duplicates_updated: u64,
}

/// Rows of one statement, all partitions joined in order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct QueryResult {
    pub handle: String,
    pub columns: Vec<ColumnInfo>,
    pub rows: Vec<Row>,
    pub dml: Option<DmlCounts>,
}

impl QueryResult {
    /// The index of column `name`, compared case-insensitively.
    pub fn col(&self, name: &str) -> Option<usize> {
        self.columns
            .iter()
            .position(|c| c.name.eq_ignore_ascii_case(name))
    }

    /// The value of column `name` in `row`; `None` for NULL or an unknown column.
    pub fn get<'a>(&'a self, row: &'a [Option<String>], name: &str) -> Option<&'a str> {
        row.get(self.col(name)?)?.as_deref()
    }

    /// The result described by a 200 response body (partition 0 only; the client adds
    /// the other partitions).
    pub(crate) fn from_body(body: &ResponseBody) -> QueryResult {
        let columns = body
            .result_set_meta_data
            .as_ref()
            .map(|m| {
                m.row_type
                    .iter()
                    .map(|c| ColumnInfo {
                        name: c.name.clone(),
                        type_name: c.type_name.to_ascii_lowercase(),
                        nullable: c.nullable,
                    })
                    .collect()
            })
            .unwrap_or_default();
        let dml = body.stats.as_ref().map(|s| DmlCounts {
            inserted: s.num_rows_inserted.unwrap_or(0),
            updated: s.num_rows_updated.unwrap_or(0),
            deleted: s.num_rows_deleted.unwrap_or(0),
            duplicates_updated: s.num_duplicate_rows_updated.unwrap_or(0),
        });
        QueryResult {
            handle: body.statement_handle.clone().unwrap_or_default(),
            columns,
            rows: body.data.clone().unwrap_or_default(),
            dml,
        }
    }

    /// The number of partitions the response announces (at least 1).
    pub(crate) fn partition_count(body: &ResponseBody) -> usize {
        body.result_set_meta_data
            .as_ref()
            .map(|m| m.partition_info.len())
            .unwrap_or(0)
            .max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(name: &str) -> ResponseBody {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/sqlapi")
            .join(name);
        ResponseBody::parse(&std::fs::read(path).unwrap()).unwrap()
    }

    #[test]
    fn from_documented_bodies() {
        let r = QueryResult::from_body(&body("result_set.json"));
        assert_eq!(
            r.columns[1],
            ColumnInfo {
                name: "COLUMN2".into(),
                type_name: "fixed".into(),
                nullable: false
            }
        );
        assert_eq!(r.rows.len(), 4);
        assert_eq!(r.get(&r.rows[0], "column2"), Some("2"));
        assert_eq!(r.get(&r.rows[0], "nope"), None);
        assert_eq!(QueryResult::partition_count(&body("result_set.json")), 1);
        let p = body("result_set_partitioned.json");
        assert_eq!(QueryResult::partition_count(&p), 2);
        assert_eq!(
            QueryResult::from_body(&p).columns[1].type_name,
            "timestamp_ltz"
        );
        let dml = QueryResult::from_body(&body("dml.json"));
        assert_eq!(
            dml.dml,
            Some(DmlCounts {
                inserted: 3,
                updated: 0,
                deleted: 0,
                duplicates_updated: 0
            })
        );
    }
}
