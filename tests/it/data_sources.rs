//! `data` blocks: objects managed elsewhere, read at plan time (with the other metadata
//! queries), never changed; a missing one is a plan error.

use crate::common::{actions, statements, Dir};

const CONFIG: &str = r#"
data "warehouse" "shared" {
  name = "SHARED_WH"
}

data "database" "landing" {
  name = "LANDING"
}

schema "curated" {
  database = data.database.landing.name
  name     = "CURATED"
  comment  = "refreshed on ${data.warehouse.shared.name}"
}
"#;

#[test]
fn data_blocks_are_read_never_changed_and_must_exist() {
    let d = Dir::with(&[("main.hcl", CONFIG)]);
    d.exec("CREATE WAREHOUSE SHARED_WH WAREHOUSE_SIZE = XSMALL");
    d.exec("CREATE DATABASE LANDING");

    let plan = d.sandbox(&["plan", "--format", "json"]).ok().json();
    assert_eq!(
        actions(&plan),
        [("schema.curated".to_string(), "create".to_string())]
    );
    assert_eq!(
        statements(&plan),
        ["CREATE SCHEMA LANDING.CURATED COMMENT = 'refreshed on SHARED_WH'"]
    );
    // Read with the other metadata queries: the warehouses' SHOW is one of them.
    let without = Dir::with(&[(
        "main.hcl",
        "database \"landing\" {\n  name = \"LANDING2\"\n}\n",
    )]);
    let base = without.sandbox(&["plan", "--format", "json"]).ok().json();
    assert!(
        plan["metadata_queries"].as_u64().unwrap() > base["metadata_queries"].as_u64().unwrap(),
        "{} vs {}",
        plan["metadata_queries"],
        base["metadata_queries"]
    );
    d.sandbox(&["apply", "--auto-approve"]).ok();
    let plan = d.sandbox(&["plan", "--format", "json"]).ok().json();
    assert_eq!(actions(&plan), Vec::<(String, String)>::new());
    let listed = d.run(&["state", "list"]).ok().stdout;
    assert!(!listed.contains("SHARED_WH"), "never recorded: {listed}");

    // Planned offline, a data block cannot be checked: said so.
    let offline = d.run(&["plan", "--refresh=false"]).ok();
    assert!(
        offline.stderr.contains("data block(s) were not checked"),
        "{}",
        offline.stderr
    );

    // Gone from the account: the plan stops, pointing at the block.
    d.exec("DROP WAREHOUSE SHARED_WH");
    let err = d.sandbox(&["plan"]).code(1).stderr;
    assert!(
        err.contains("main.hcl:2:1: error: data.warehouse.shared: warehouse SHARED_WH does not exist in the account"),
        "{err}"
    );
}

/// A table loaded by another pipeline: a view's query reads it through the data block, and
/// the plan stops when it is gone.
#[test]
fn a_data_table_is_read_and_must_exist() {
    let config = r#"
data "table" "orders" {
  schema = "LANDING.RAW"
  name   = "ORDERS"
}

schema "curated" {
  database = "LANDING"
  name     = "CURATED"
}

view "recent" {
  schema = schema.curated
  name   = "RECENT_ORDERS"
  query  = "SELECT id FROM ${data.table.orders.fqn}"
}
"#;
    let d = Dir::with(&[("main.hcl", config)]);
    d.exec("CREATE DATABASE LANDING");
    d.exec("CREATE SCHEMA LANDING.RAW");
    d.exec("CREATE TABLE LANDING.RAW.ORDERS (ID NUMBER)");
    let plan = d.sandbox(&["plan", "--format", "json"]).ok().json();
    assert_eq!(
        actions(&plan),
        [
            ("schema.curated".to_string(), "create".to_string()),
            ("view.recent".to_string(), "create".to_string())
        ]
    );
    d.sandbox(&["apply", "--auto-approve"]).ok();
    let plan = d.sandbox(&["plan", "--format", "json"]).ok().json();
    assert_eq!(actions(&plan), Vec::<(String, String)>::new());
    assert!(!d.run(&["state", "list"]).ok().stdout.contains("RAW.ORDERS"));

    d.exec("DROP VIEW LANDING.CURATED.RECENT_ORDERS");
    d.exec("DROP TABLE LANDING.RAW.ORDERS");
    let err = d.sandbox(&["plan"]).code(1).stderr;
    assert!(
        err.contains("main.hcl:2:1: error: data.table.orders: table LANDING.RAW.ORDERS does not exist in the account"),
        "{err}"
    );
}
