//! Which schemas snowform reads as Feature Store schemas: the ones snowflake-ml-python opens
//! with `CreationMode.FAIL_IF_NOT_EXIST`. Every supported release checks only for the schema
//! and its two tags there (feature_store.py, `_check_internal_objects_exist_or_throw`, 1.5.1
//! and 2.6.0); 1.5.1 never creates the `SNOWML_SNAPSHOT_STATUS` table, which 2.6.0 creates
//! on a best-effort basis and needs only for append-only feature views (docs/attributes.md,
//! "Feature Store compatibility").

use crate::common::{actions, Dir};

const CONFIG: &str = r#"
database "db" {
  name = "OLD_FS"
}

schema "fs" {
  database = database.db
  name     = "FS"
}

entity "customer" {
  schema    = schema.fs
  name      = "CUSTOMER"
  join_keys = ["CUSTOMER_ID"]
}
"#;

fn plan_actions(d: &Dir) -> Vec<(String, String)> {
    actions(&d.sandbox(&["plan", "--format", "json"]).ok().json())
}

#[test]
fn a_feature_store_schema_without_the_snapshot_status_table_is_one() {
    let d = Dir::with(&[("main.hcl", CONFIG)]);
    let out = d
        .sandbox(&["apply", "--auto-approve", "--format", "json"])
        .ok()
        .json();
    assert_eq!(out["failed"], serde_json::json!([]), "{out}");
    // The layout a 1.5.1 Feature Store has: the tags, no snapshot status table.
    d.exec("DROP TABLE OLD_FS.FS.SNOWML_SNAPSHOT_STATUS");
    assert_eq!(
        plan_actions(&d),
        Vec::<(String, String)>::new(),
        "a schema with the library's two tags is a Feature Store schema"
    );
    // Without one of the tags the library refuses to open it: snowform restores the layout.
    d.exec("DROP TAG OLD_FS.FS.SNOWML_FEATURE_VIEW_METADATA");
    assert_eq!(
        plan_actions(&d),
        [("schema.fs".to_string(), "update".to_string())]
    );
}
