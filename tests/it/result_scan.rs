//! `RESULT_SCAN` through the SQL API of `sandbox serve`: a later statement reads an earlier
//! statement's result by its statement handle or by LAST_QUERY_ID(), as Snowpark does around
//! SHOW (snowpark-python, src/snowflake/snowpark/_internal/analyzer/analyzer_utils.py,
//! `result_scan_statement`, sends `SELECT * FROM TABLE(RESULT_SCAN('<query id>'))`; the
//! filters, ordering and limits it adds on top follow the RESULT_SCAN reference page,
//! https://docs.snowflake.com/en/sql-reference/functions/result_scan).

use crate::common::Served;

fn setup(served: &Served) {
    for sql in [
        "CREATE DATABASE ML",
        "CREATE SCHEMA ML.FS",
        "CREATE TAG ML.FS.ENTITY_PATIENT ALLOWED_VALUES 'ID' COMMENT = 'patients'",
        "CREATE TAG ML.FS.ENTITY_DOCTOR ALLOWED_VALUES 'DOC_ID'",
        "CREATE TAG ML.FS.OTHER",
    ] {
        served.sql(sql);
    }
}

fn names(rows: &[Vec<Option<String>>]) -> Vec<&str> {
    rows.iter()
        .map(|r| r[0].as_deref().unwrap_or("NULL"))
        .collect()
}

#[test]
fn result_scan_reads_an_earlier_show_by_handle_and_by_last_query_id() {
    let served = Served::start(0);
    setup(&served);
    let show = served.query("SHOW TAGS IN SCHEMA ML.FS").unwrap();
    assert_eq!(show.rows.len(), 3);

    // Snowpark's shape, by the SHOW's statement handle: the same columns and rows.
    let all = served
        .query(&format!(
            "SELECT * FROM TABLE(RESULT_SCAN('{}'))",
            show.handle
        ))
        .unwrap();
    assert_eq!(
        all.columns.iter().map(|c| &c.name).collect::<Vec<_>>(),
        show.columns.iter().map(|c| &c.name).collect::<Vec<_>>()
    );
    assert_eq!(all.rows, show.rows);

    // Quoted lower-case SHOW columns, LIKE and AND, ORDER BY, LIMIT.
    let picked = served
        .query(&format!(
            "SELECT \"name\", \"comment\" FROM TABLE(RESULT_SCAN('{}')) \
             WHERE \"name\" LIKE 'ENTITY%' AND \"database_name\" = 'ML' \
             ORDER BY \"name\" DESC LIMIT 5",
            show.handle
        ))
        .unwrap();
    assert_eq!(names(&picked.rows), ["ENTITY_PATIENT", "ENTITY_DOCTOR"]);
    // A quoted column keeps its own name, so a later scan can name it again.
    assert_eq!(
        picked
            .columns
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>(),
        ["name", "comment"]
    );
    assert_eq!(picked.rows[0][1].as_deref(), Some("patients"));
    let one = served
        .query(&format!(
            "SELECT \"name\" FROM TABLE(RESULT_SCAN('{}')) ORDER BY \"name\" LIMIT 1",
            show.handle
        ))
        .unwrap();
    assert_eq!(names(&one.rows), ["ENTITY_DOCTOR"]);

    // LAST_QUERY_ID() is the previous statement: here the one-row scan just above.
    let last = served
        .query("SELECT \"name\" FROM TABLE(RESULT_SCAN(LAST_QUERY_ID()))")
        .unwrap();
    assert_eq!(names(&last.rows), ["ENTITY_DOCTOR"]);
    served.sql("SHOW TAGS LIKE 'OTHER' IN SCHEMA ML.FS");
    let last = served
        .query("SELECT \"name\" FROM TABLE(RESULT_SCAN(LAST_QUERY_ID())) WHERE \"name\" = 'OTHER'")
        .unwrap();
    assert_eq!(names(&last.rows), ["OTHER"]);
}

#[test]
fn result_scan_of_an_unknown_query_id_fails_as_not_found() {
    let served = Served::start(0);
    let err = served
        .query("SELECT * FROM TABLE(RESULT_SCAN('01b2c3d4-0000-0000-0000-000000000000'))")
        .unwrap_err();
    assert_eq!(err.code(), Some("000709"), "{err}");
    assert_eq!(err.sql_state(), Some("02000"), "{err}");
    assert!(
        err.to_string()
            .contains("Statement 01b2c3d4-0000-0000-0000-000000000000 not found"),
        "{err}"
    );
}
