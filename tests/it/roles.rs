//! Account roles end to end on the sandbox: create, change the comment, rename, drop (only
//! with --allow-destroy), generate and import; and the account's own roles, which the
//! configuration does not declare, are never read into a plan or touched.

use crate::common::{actions, statements, Dir};

const ROLE: &str = r#"
role "fs_producer" {
  name    = "XYZ_DEV_FS_PRODUCER"
  comment = "Feature Store producers"
}
"#;

/// The SHOW ROLES row of `name` in the sandbox account, as column -> value.
fn show_role(d: &Dir, name: &str) -> Option<serde_json::Value> {
    d.exec_rows(&format!("SHOW ROLES LIKE '{name}'"))
        .into_iter()
        .next()
}

#[test]
fn a_role_is_created_changed_renamed_and_dropped_and_re_plans_empty() {
    let d = Dir::with(&[("main.hcl", ROLE)]);
    let plan = d.sandbox(&["plan", "--format", "json"]).ok().json();
    assert_eq!(
        statements(&plan),
        ["CREATE ROLE XYZ_DEV_FS_PRODUCER COMMENT = 'Feature Store producers'"]
    );
    d.sandbox(&["apply", "--auto-approve"]).ok();
    d.sandbox(&["plan", "--detailed-exitcode"]).ok();
    let row = show_role(&d, "XYZ_DEV_FS_PRODUCER").expect("the role exists");
    assert!(row.to_string().contains("Feature Store producers"), "{row}");

    // A new comment is an ALTER ROLE ... SET COMMENT; a removed one an UNSET.
    d.write(
        "main.hcl",
        &ROLE.replace("Feature Store producers", "Producers"),
    );
    let plan = d.sandbox(&["plan", "--format", "json"]).ok().json();
    assert_eq!(
        statements(&plan),
        ["ALTER ROLE XYZ_DEV_FS_PRODUCER SET COMMENT = 'Producers'"]
    );
    d.sandbox(&["apply", "--auto-approve"]).ok();
    d.sandbox(&["plan", "--detailed-exitcode"]).ok();
    let uncommented = "role \"fs_producer\" {\n  name = \"XYZ_DEV_FS_PRODUCER\"\n}\n";
    d.write("main.hcl", uncommented);
    let plan = d.sandbox(&["plan", "--format", "json"]).ok().json();
    assert_eq!(
        statements(&plan),
        ["ALTER ROLE XYZ_DEV_FS_PRODUCER UNSET COMMENT"]
    );
    d.sandbox(&["apply", "--auto-approve"]).ok();
    d.sandbox(&["plan", "--detailed-exitcode"]).ok();
    d.sandbox(&["drift"]).ok();

    // A rename is ALTER ROLE ... RENAME TO: disruptive, so it needs --allow-rename.
    d.write(
        "main.hcl",
        &uncommented.replace("XYZ_DEV_FS_PRODUCER", "XYZ_FS_PRODUCER"),
    );
    let plan = d.sandbox(&["plan", "--format", "json"]).ok().json();
    assert_eq!(
        statements(&plan),
        ["ALTER ROLE XYZ_DEV_FS_PRODUCER RENAME TO XYZ_FS_PRODUCER"]
    );
    assert_eq!(plan["disruptive"], true, "{plan}");
    d.sandbox(&["apply", "--auto-approve"]).code(1);
    d.sandbox(&["apply", "--auto-approve", "--allow-rename"])
        .ok();
    d.sandbox(&["plan", "--detailed-exitcode"]).ok();
    assert!(show_role(&d, "XYZ_DEV_FS_PRODUCER").is_none());
    assert!(show_role(&d, "XYZ_FS_PRODUCER").is_some());

    // Dropping a role is destructive: refused without --allow-destroy.
    d.write("main.hcl", "");
    let plan = d.sandbox(&["plan", "--format", "json"]).ok().json();
    assert_eq!(statements(&plan), ["DROP ROLE XYZ_FS_PRODUCER"]);
    assert_eq!(plan["destructive"], true, "{plan}");
    d.sandbox(&["apply", "--auto-approve"]).code(1);
    assert!(show_role(&d, "XYZ_FS_PRODUCER").is_some());
    d.apply_destroying();
    assert!(show_role(&d, "XYZ_FS_PRODUCER").is_none());
    d.sandbox(&["plan", "--detailed-exitcode"]).ok();
}

/// Roles the configuration does not declare (the system roles, one made out of band) are
/// not read into the state or a plan, and drift does not report them.
#[test]
fn roles_the_configuration_does_not_declare_are_never_touched() {
    let d = Dir::with(&[("main.hcl", ROLE)]);
    d.exec("CREATE ROLE ANALYST COMMENT = 'made by hand'");
    let plan = d.sandbox(&["plan", "--format", "json"]).ok().json();
    assert_eq!(
        actions(&plan),
        [("role.fs_producer".to_string(), "create".to_string())]
    );
    d.sandbox(&["apply", "--auto-approve", "--allow-destroy"])
        .ok();
    let list = d.run(&["state", "list"]).ok().stdout;
    assert_eq!(list.lines().count(), 1, "{list}");
    d.sandbox(&["drift", "--include-unmanaged"]).ok();
    // An empty configuration drops only what snowform created.
    d.write("main.hcl", "");
    let plan = d.sandbox(&["plan", "--format", "json"]).ok().json();
    assert_eq!(statements(&plan), ["DROP ROLE XYZ_DEV_FS_PRODUCER"]);
    d.apply_destroying();
    let names: Vec<String> = d
        .exec_rows("SHOW ROLES")
        .iter()
        .map(|r| r[1].as_str().unwrap_or_default().to_string())
        .collect();
    for kept in [
        "ACCOUNTADMIN",
        "ANALYST",
        "PUBLIC",
        "SECURITYADMIN",
        "SYSADMIN",
    ] {
        assert!(names.iter().any(|n| n == kept), "{kept} in {names:?}");
    }
}

/// A role dropped out of band is drift (exit 2) and the plan creates it again.
#[test]
fn a_role_dropped_out_of_band_is_drift_and_created_again() {
    let d = Dir::with(&[("main.hcl", ROLE)]);
    d.sandbox(&["apply", "--auto-approve"]).ok();
    d.exec("DROP ROLE XYZ_DEV_FS_PRODUCER");
    let drift = d.sandbox(&["drift", "--format", "json"]).code(2).json();
    assert!(drift.to_string().contains("role.fs_producer"), "{drift}");
    let plan = d.sandbox(&["plan", "--format", "json"]).ok().json();
    assert_eq!(
        actions(&plan),
        [("role.fs_producer".to_string(), "create".to_string())]
    );
}

/// `generate --role` writes a block for a role that exists, the import it prints records
/// it, and the plan is then empty; a role the account does not have is an error.
#[test]
fn generate_and_import_a_role() {
    let d = Dir::empty();
    d.exec("CREATE ROLE XYZ_DEV_FS_CONSUMER COMMENT = 'Feature Store consumers'");
    let out = d
        .sandbox(&["generate", "--role", "XYZ_DEV_FS_CONSUMER"])
        .ok();
    let hcl = out.stdout;
    assert!(hcl.contains("role \"xyz_dev_fs_consumer\" {"), "{hcl}");
    assert!(
        hcl.contains("comment = \"Feature Store consumers\""),
        "{hcl}"
    );
    assert!(
        hcl.contains("snowform import role.xyz_dev_fs_consumer 'XYZ_DEV_FS_CONSUMER'"),
        "{hcl}"
    );
    d.write("main.hcl", &hcl);
    d.run(&["validate"]).ok();
    d.sandbox(&["import", "role.xyz_dev_fs_consumer", "XYZ_DEV_FS_CONSUMER"])
        .ok();
    d.sandbox(&["plan", "--detailed-exitcode"]).ok();
    let missing = d.sandbox(&["generate", "--role", "NO_SUCH_ROLE"]).code(1);
    assert!(
        missing.stderr.contains("role NO_SUCH_ROLE does not exist"),
        "{}",
        missing.stderr
    );
    // Without --database, --role is required.
    d.sandbox(&["generate"]).code(2);
}
