//! The sandbox's statement table: each handle's status and stored result, and which
//! request id created which handle (so that resubmissions are not executed twice).

use std::collections::BTreeMap;
use std::io::Write as _;
use std::sync::{Arc, Mutex};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use tokio::sync::watch;

use super::types::{ResultSet, SqlError};
use super::wire::{MetaData, Partition, Row, RowType};

/// A finished statement's result, split into partitions.
#[derive(Debug)]
pub(crate) struct StoredResult {
    pub meta: MetaData,
    pub partitions: Vec<Vec<Row>>,
    /// Gzipped JSON of each partition after the first (index 0 unused).
    pub gzipped: Vec<bytes::Bytes>,
    pub dml: Option<super::types::DmlStats>,
    /// For a multi-statement request: the handles of its statements.
    pub batch: Option<Vec<String>>,
}

impl StoredResult {
    /// Split `rs` into partitions of `rows_per_partition` rows.
    pub(crate) fn from_result_set(rs: ResultSet, rows_per_partition: usize) -> StoredResult {
        let row_type = rs.columns.iter().map(row_type).collect();
        let num_rows = rs.rows.len() as u64;
        let mut partitions: Vec<Vec<Row>> = Vec::new();
        let mut rows = rs.rows.into_iter().peekable();
        while rows.peek().is_some() {
            partitions.push(rows.by_ref().take(rows_per_partition.max(1)).collect());
        }
        if partitions.is_empty() {
            partitions.push(Vec::new());
        }
        let mut gzipped = vec![bytes::Bytes::new()];
        let mut partition_info = Vec::with_capacity(partitions.len());
        for (i, p) in partitions.iter().enumerate() {
            // Written straight from the rows: the same bytes as `json!({"data": p})`, without
            // first copying every value of a 10,000-row SHOW into a JSON tree.
            #[derive(serde::Serialize)]
            struct Data<'a> {
                data: &'a [Row],
            }
            let json = serde_json::to_vec(&Data { data: p }).unwrap_or_default();
            let compressed_size = if i > 0 {
                let gz = gzip(&json);
                let n = gz.len() as u64;
                gzipped.push(gz);
                Some(n)
            } else {
                None
            };
            partition_info.push(Partition {
                row_count: p.len() as u64,
                uncompressed_size: json.len() as u64,
                compressed_size,
            });
        }
        StoredResult {
            meta: MetaData {
                num_rows,
                format: "jsonv2",
                row_type,
                partition_info,
            },
            partitions,
            gzipped,
            dml: rs.dml,
            batch: None,
        }
    }

    /// The summary result of a successful multi-statement request.
    pub(crate) fn batch(handles: Vec<String>) -> StoredResult {
        let mut r = StoredResult::from_result_set(
            ResultSet {
                columns: vec![super::types::Column::text("multiple statement execution")],
                rows: vec![vec![Some(
                    "Multiple statements executed successfully.".into(),
                )]],
                dml: None,
            },
            usize::MAX,
        );
        r.batch = Some(handles);
        r
    }
}

pub(crate) fn gzip(bytes: &[u8]) -> bytes::Bytes {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    // Writing into a Vec cannot fail.
    let _ = enc.write_all(bytes);
    enc.finish().unwrap_or_default().into()
}

/// A column's `rowType` entry with the sizes Snowflake sends for its type: text the
/// maximum VARCHAR length (16,777,216 characters and bytes); fixed NUMBER(38,0), the type
/// of counts and integer literals; timestamps precision 0 and scale 9 (nanoseconds), as
/// the reference's examples and SHOW COLUMNS' `data_type` encode them; booleans, dates,
/// reals and semi-structured types no size at all.
pub(crate) fn row_type(column: &super::types::Column) -> RowType {
    let t = column.type_name.to_ascii_lowercase();
    let (length, byte_length, precision, scale) = match t.as_str() {
        "text" => (Some(16_777_216), Some(16_777_216), None, None),
        "fixed" => (None, None, Some(38), Some(0)),
        "timestamp_ltz" | "timestamp_ntz" | "timestamp_tz" | "time" => {
            (None, None, Some(0), Some(9))
        }
        _ => (None, None, None, None),
    };
    RowType {
        name: column.name.clone(),
        database: String::new(),
        schema: String::new(),
        table: String::new(),
        type_name: column.type_name,
        nullable: column.nullable,
        length,
        byte_length,
        precision,
        scale,
        collation: None,
    }
}

#[derive(Clone, Debug)]
pub(crate) enum Status {
    Running,
    Succeeded(Arc<StoredResult>),
    /// Failed with this error, answered with this HTTP status (422, or 408 on timeout).
    Failed(SqlError, u16),
    Cancelled,
}

#[derive(Clone, Debug)]
pub(crate) struct Snapshot {
    pub user: String,
    pub request_id: String,
    pub created_on: i64,
    pub status: Status,
}

struct Record {
    snapshot: Snapshot,
    done: watch::Sender<bool>,
    children: Vec<String>,
}

#[derive(Default)]
pub(crate) struct Store {
    records: Mutex<BTreeMap<String, Record>>,
    by_request: Mutex<BTreeMap<String, String>>,
}

impl Store {
    fn records(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Record>> {
        self.records.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn requests(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, String>> {
        self.by_request.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A new running statement; returns its handle.
    pub fn create(&self, user: &str, request_id: &str, children: Vec<String>) -> String {
        let handle = uuid::Uuid::new_v4().to_string();
        let created_on = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_millis() as i64;
        let record = Record {
            snapshot: Snapshot {
                user: user.to_string(),
                request_id: request_id.to_string(),
                created_on,
                status: Status::Running,
            },
            done: watch::channel(false).0,
            children,
        };
        self.records().insert(handle.clone(), record);
        handle
    }

    pub fn get(&self, handle: &str) -> Option<Snapshot> {
        self.records().get(handle).map(|r| r.snapshot.clone())
    }

    /// Set the final status of a running statement; a statement that already finished
    /// (cancelled, timed out) keeps its status. Returns whether it was set.
    pub fn finish(&self, handle: &str, status: Status) -> bool {
        let mut records = self.records();
        let Some(r) = records.get_mut(handle) else {
            return false;
        };
        if !matches!(r.snapshot.status, Status::Running) {
            return false;
        }
        r.snapshot.status = status;
        r.done.send_replace(true);
        true
    }

    /// Cancel a statement and its children. `None` when the handle is unknown.
    pub fn cancel(&self, handle: &str) -> Option<()> {
        let children = self.records().get(handle)?.children.clone();
        for h in children.iter().chain(std::iter::once(&handle.to_string())) {
            self.finish(h, Status::Cancelled);
        }
        Some(())
    }

    pub(crate) fn is_running(&self, handle: &str) -> bool {
        matches!(self.get(handle).map(|s| s.status), Some(Status::Running))
    }

    /// Wait until the statement finishes or `deadline` passes.
    pub async fn wait(&self, handle: &str, deadline: Instant) {
        let rx = self.records().get(handle).map(|r| r.done.subscribe());
        if let Some(mut rx) = rx {
            let _ = tokio::time::timeout_at(deadline.into(), rx.wait_for(|done| *done)).await;
        }
    }

    pub(crate) fn remember_request(&self, request_id: &str, handle: &str) {
        self.requests()
            .insert(request_id.to_string(), handle.to_string());
    }

    pub(crate) fn forget_request(&self, request_id: &str) {
        self.requests().remove(request_id);
    }

    pub(crate) fn handle_for_request(&self, request_id: &str) -> Option<String> {
        self.requests().get(request_id).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::Column;

    #[test]
    fn row_types_carry_the_sizes_snowflake_sends() {
        let col = |name: &str, t: &'static str| Column {
            name: name.into(),
            type_name: t,
            nullable: true,
        };
        let rs = ResultSet {
            columns: vec![
                col("T", "text"),
                col("N", "fixed"),
                col("LTZ", "timestamp_ltz"),
                col("NTZ", "timestamp_ntz"),
                col("TZ", "timestamp_tz"),
                col("B", "boolean"),
                col("V", "variant"),
            ],
            rows: vec![],
            dml: None,
        };
        let meta = StoredResult::from_result_set(rs, 10).meta;
        let sizes: Vec<_> = meta
            .row_type
            .iter()
            .map(|r| {
                (
                    r.name.as_str(),
                    r.length,
                    r.byte_length,
                    r.precision,
                    r.scale,
                )
            })
            .collect();
        assert_eq!(
            sizes,
            [
                ("T", Some(16_777_216), Some(16_777_216), None, None),
                ("N", None, None, Some(38), Some(0)),
                ("LTZ", None, None, Some(0), Some(9)),
                ("NTZ", None, None, Some(0), Some(9)),
                ("TZ", None, None, Some(0), Some(9)),
                ("B", None, None, None, None),
                ("V", None, None, None, None),
            ]
        );
    }
}
