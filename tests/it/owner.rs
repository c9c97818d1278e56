//! Ownership end to end (`owner = role.x`): a new object is created by the deploy role and
//! then moved to its owner with GRANT OWNERSHIP ... COPY CURRENT GRANTS, after every other
//! statement of the plan (grants included); a transfer made outside snowform is drift and
//! the plan moves it back; a changed `owner` is one transfer; an object without `owner`
//! keeps whatever owner it has.

use crate::common::{statements, Dir};

const CONFIG: &str = r#"
role "producer" {
  name = "FS_PRODUCER"
}

role "consumer" {
  name = "FS_CONSUMER"
}

database "db" {
  name = "OWN_DB"
}

schema "s" {
  database = database.db
  name     = "FS"
  owner    = {schema_owner}
}

stage "st" {
  schema = schema.s
  name   = "FILES"
}

warehouse "w" {
  name  = "OWN_WH"
  owner = role.producer
}

grant "usage" {
  privileges = ["USAGE"]
  on         = schema.s
  to         = role.consumer
}
"#;

fn config(schema_owner: &str) -> String {
    CONFIG.replace("{schema_owner}", schema_owner)
}

fn plan(d: &Dir) -> Vec<String> {
    statements(&d.sandbox(&["plan", "--format", "json"]).ok().json())
}

/// The owner column of the one row a SHOW returns.
fn owner(d: &Dir, show: &str) -> String {
    let out = d
        .run(&["--format", "json", "sandbox", "exec", show])
        .ok()
        .json();
    let at = out["columns"]
        .as_array()
        .unwrap()
        .iter()
        .position(|c| c == "owner")
        .expect("an owner column");
    let rows = out["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{show}: {rows:?}");
    rows[0][at].as_str().expect("an owner").to_string()
}

#[test]
fn ownership_moves_after_everything_else_and_back_after_a_transfer_outside() {
    let d = Dir::with(&[("main.hcl", &config("role.producer"))]);
    let first = plan(&d);
    let transfers: Vec<&String> = first
        .iter()
        .filter(|s| s.starts_with("GRANT OWNERSHIP"))
        .collect();
    assert_eq!(
        transfers,
        [
            "GRANT OWNERSHIP ON WAREHOUSE OWN_WH TO ROLE FS_PRODUCER COPY CURRENT GRANTS",
            "GRANT OWNERSHIP ON SCHEMA OWN_DB.FS TO ROLE FS_PRODUCER COPY CURRENT GRANTS",
        ],
        "{first:#?}"
    );
    // Last: after the stage created in the schema and the grant on it.
    assert!(
        first[..first.len() - 2]
            .iter()
            .all(|s| !s.starts_with("GRANT OWNERSHIP")),
        "{first:#?}"
    );
    d.sandbox(&["apply", "--auto-approve"]).ok();
    assert_eq!(plan(&d), Vec::<String>::new());
    assert_eq!(
        owner(&d, "SHOW SCHEMAS LIKE 'FS' IN DATABASE OWN_DB"),
        "FS_PRODUCER"
    );
    assert_eq!(owner(&d, "SHOW WAREHOUSES LIKE 'OWN_WH'"), "FS_PRODUCER");
    // COPY CURRENT GRANTS kept the consumer's USAGE.
    d.sandbox(&["drift"]).code(0);

    d.exec("GRANT OWNERSHIP ON SCHEMA OWN_DB.FS TO ROLE FS_CONSUMER COPY CURRENT GRANTS");
    let drift = d.sandbox(&["drift", "--format", "json"]).code(2).json();
    let drifted: Vec<String> = drift["drifted"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| format!("{} {}", x["address"].as_str().unwrap(), x["attributes"]))
        .collect();
    assert_eq!(
        drifted,
        ["schema.s [{\"actual\":\"FS_CONSUMER\",\"expected\":\"FS_PRODUCER\",\"name\":\"owner\"}]"],
        "{drift:#}"
    );
    assert_eq!(
        plan(&d),
        ["GRANT OWNERSHIP ON SCHEMA OWN_DB.FS TO ROLE FS_PRODUCER COPY CURRENT GRANTS"]
    );
    d.sandbox(&["apply", "--auto-approve"]).ok();
    assert_eq!(plan(&d), Vec::<String>::new());
    d.sandbox(&["drift"]).code(0);
    assert_eq!(
        owner(&d, "SHOW SCHEMAS LIKE 'FS' IN DATABASE OWN_DB"),
        "FS_PRODUCER"
    );
}

#[test]
fn a_changed_owner_is_one_transfer_and_an_unset_owner_is_left_alone() {
    let d = Dir::with(&[("main.hcl", &config("role.producer"))]);
    d.sandbox(&["apply", "--auto-approve"]).ok();

    d.write("main.hcl", &config("role.consumer"));
    assert_eq!(
        plan(&d),
        ["GRANT OWNERSHIP ON SCHEMA OWN_DB.FS TO ROLE FS_CONSUMER COPY CURRENT GRANTS"]
    );
    d.sandbox(&["apply", "--auto-approve"]).ok();
    assert_eq!(plan(&d), Vec::<String>::new());
    assert_eq!(
        owner(&d, "SHOW SCHEMAS LIKE 'FS' IN DATABASE OWN_DB"),
        "FS_CONSUMER"
    );

    // A role name works as well as a reference.
    d.write("main.hcl", &config("\"FS_PRODUCER\""));
    assert_eq!(
        plan(&d),
        ["GRANT OWNERSHIP ON SCHEMA OWN_DB.FS TO ROLE FS_PRODUCER COPY CURRENT GRANTS"]
    );
    d.sandbox(&["apply", "--auto-approve"]).ok();

    // Without `owner`, the owner is not managed: nothing to run, and once applied the
    // record forgets it, so a transfer outside snowform is neither planned nor drift.
    d.write(
        "main.hcl",
        &config("role.producer").replace("  owner    = role.producer\n", ""),
    );
    assert_eq!(plan(&d), Vec::<String>::new());
    d.sandbox(&["apply", "--auto-approve"]).ok();
    d.exec("GRANT OWNERSHIP ON SCHEMA OWN_DB.FS TO ROLE FS_CONSUMER COPY CURRENT GRANTS");
    assert_eq!(plan(&d), Vec::<String>::new());
    d.sandbox(&["drift"]).code(0);
}
