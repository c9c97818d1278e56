//! Users end to end on the sandbox: a service user created after the warehouse and role it
//! names as defaults and before the role granted to it, changed, renamed and dropped; and the
//! account's own users (the connecting user, people made out of band), which the
//! configuration does not declare, are never read into a plan or touched.

use crate::common::{actions, statements, Dir};

const USER: &str = r#"
warehouse "ci" {
  name = "CI_WH"
}

role "deployer" {
  name = "DEPLOYER"
}

user "ci" {
  name              = "CI_RUNNER"
  type              = "SERVICE"
  comment           = "Runs snowform"
  default_warehouse = warehouse.ci
  default_role      = role.deployer
  rsa_public_key    = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA5AFqeHc854zIXbQxe5cJOaspytbioDHAhEdF+UepnlrMWNoGxDh2k8qgAEk76sq5ukPg46jzM18LPvEnH29vqAPhg4A1mha/Eiiy7U3F/eE3g4BX58op2gbS0VjLbMxEXXhsCszNLM5GDs8zC+np7LqmPpfdQZRD2omuusmzA2T8DKD9kleFRaOWSESrH+eJKPefgYzE9KzQDzwez6Zm2EmgCm/MNYzCff0ikS0iikXqX8pUiOz2Z+PAfTud+s1VnW0vB3uN20cTmAYdAK/jhgltJr4cDhZg+o3AoljJ403VbYXZL+ocb8CVES8dHp7seDJPEVEDHguQpr5FiUESVQIDAQAB"
}

role_grant "deployer_to_ci" {
  role = role.deployer
  user = user.ci
}
"#;

/// The names SHOW USERS lists in the sandbox account.
fn users(d: &Dir) -> Vec<String> {
    d.exec_rows("SHOW USERS")
        .iter()
        .map(|r| r[0].as_str().unwrap_or_default().to_string())
        .collect()
}

fn at(list: &[String], prefix: &str) -> usize {
    list.iter()
        .position(|s| s.starts_with(prefix))
        .unwrap_or_else(|| panic!("no statement starting {prefix:?} in {list:?}"))
}

#[test]
fn a_service_user_is_created_after_its_defaults_changed_renamed_and_dropped() {
    let d = Dir::with(&[("main.hcl", USER)]);
    let plan = d.sandbox(&["plan", "--format", "json"]).ok().json();
    let sql = statements(&plan);
    let create = at(&sql, "CREATE USER");
    assert_eq!(
        sql[create],
        "CREATE USER CI_RUNNER TYPE = SERVICE COMMENT = 'Runs snowform' DEFAULT_WAREHOUSE = CI_WH DEFAULT_ROLE = DEPLOYER RSA_PUBLIC_KEY = 'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA5AFqeHc854zIXbQxe5cJOaspytbioDHAhEdF+UepnlrMWNoGxDh2k8qgAEk76sq5ukPg46jzM18LPvEnH29vqAPhg4A1mha/Eiiy7U3F/eE3g4BX58op2gbS0VjLbMxEXXhsCszNLM5GDs8zC+np7LqmPpfdQZRD2omuusmzA2T8DKD9kleFRaOWSESrH+eJKPefgYzE9KzQDzwez6Zm2EmgCm/MNYzCff0ikS0iikXqX8pUiOz2Z+PAfTud+s1VnW0vB3uN20cTmAYdAK/jhgltJr4cDhZg+o3AoljJ403VbYXZL+ocb8CVES8dHp7seDJPEVEDHguQpr5FiUESVQIDAQAB'"
    );
    assert!(at(&sql, "CREATE WAREHOUSE") < create, "{sql:?}");
    assert!(at(&sql, "CREATE ROLE") < create, "{sql:?}");
    assert!(
        create < at(&sql, "GRANT ROLE DEPLOYER TO USER CI_RUNNER"),
        "{sql:?}"
    );
    d.sandbox(&["apply", "--auto-approve"]).ok();
    d.sandbox(&["plan", "--detailed-exitcode"]).ok();
    d.sandbox(&["drift"]).ok();

    // A new comment and a removed key: ALTER USER ... SET and UNSET.
    d.write(
        "main.hcl",
        &USER
            .replace("Runs snowform", "Runs snowform in CI")
            .replace(
                "  rsa_public_key    = \"MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA5AFqeHc854zIXbQxe5cJOaspytbioDHAhEdF+UepnlrMWNoGxDh2k8qgAEk76sq5ukPg46jzM18LPvEnH29vqAPhg4A1mha/Eiiy7U3F/eE3g4BX58op2gbS0VjLbMxEXXhsCszNLM5GDs8zC+np7LqmPpfdQZRD2omuusmzA2T8DKD9kleFRaOWSESrH+eJKPefgYzE9KzQDzwez6Zm2EmgCm/MNYzCff0ikS0iikXqX8pUiOz2Z+PAfTud+s1VnW0vB3uN20cTmAYdAK/jhgltJr4cDhZg+o3AoljJ403VbYXZL+ocb8CVES8dHp7seDJPEVEDHguQpr5FiUESVQIDAQAB\"\n",
                "",
            ),
    );
    let plan = d.sandbox(&["plan", "--format", "json"]).ok().json();
    assert_eq!(
        statements(&plan),
        [
            "ALTER USER CI_RUNNER SET COMMENT = 'Runs snowform in CI'",
            "ALTER USER CI_RUNNER UNSET RSA_PUBLIC_KEY"
        ]
    );
    d.sandbox(&["apply", "--auto-approve"]).ok();
    d.sandbox(&["plan", "--detailed-exitcode"]).ok();
    let row = d.exec_rows("SHOW USERS LIKE 'CI_RUNNER'");
    assert!(
        row[0].to_string().contains("Runs snowform in CI"),
        "{row:?}"
    );

    // A rename is ALTER USER ... RENAME TO; the role grant follows the user.
    let renamed = USER
        .replace("Runs snowform", "Runs snowform in CI")
        .replace("\"CI_RUNNER\"", "\"CI_SERVICE\"");
    let renamed = renamed.replace(
        "  rsa_public_key    = \"MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA5AFqeHc854zIXbQxe5cJOaspytbioDHAhEdF+UepnlrMWNoGxDh2k8qgAEk76sq5ukPg46jzM18LPvEnH29vqAPhg4A1mha/Eiiy7U3F/eE3g4BX58op2gbS0VjLbMxEXXhsCszNLM5GDs8zC+np7LqmPpfdQZRD2omuusmzA2T8DKD9kleFRaOWSESrH+eJKPefgYzE9KzQDzwez6Zm2EmgCm/MNYzCff0ikS0iikXqX8pUiOz2Z+PAfTud+s1VnW0vB3uN20cTmAYdAK/jhgltJr4cDhZg+o3AoljJ403VbYXZL+ocb8CVES8dHp7seDJPEVEDHguQpr5FiUESVQIDAQAB\"\n",
        "",
    );
    d.write("main.hcl", &renamed);
    let plan = d.sandbox(&["plan", "--format", "json"]).ok().json();
    assert_eq!(
        statements(&plan)[0],
        "ALTER USER CI_RUNNER RENAME TO CI_SERVICE"
    );
    d.sandbox(&["apply", "--auto-approve", "--allow-destroy"])
        .ok();
    d.sandbox(&["plan", "--detailed-exitcode"]).ok();
    let names = users(&d);
    assert!(names.contains(&"CI_SERVICE".to_string()), "{names:?}");
    assert!(!names.contains(&"CI_RUNNER".to_string()), "{names:?}");

    // Dropping a user is destructive: refused without --allow-destroy.
    d.write("main.hcl", "");
    let plan = d.sandbox(&["plan", "--format", "json"]).ok().json();
    assert!(
        statements(&plan).contains(&"DROP USER CI_SERVICE".to_string()),
        "{plan}"
    );
    d.sandbox(&["apply", "--auto-approve"]).code(1);
    d.apply_destroying();
    assert!(!users(&d).contains(&"CI_SERVICE".to_string()));
    d.sandbox(&["plan", "--detailed-exitcode"]).ok();
}

/// The account's connecting user exists (SHOW USERS lists it, as Snowflake would); it and a
/// user made out of band are never read into the state or a plan, and drift does not report
/// them.
#[test]
fn users_the_configuration_does_not_declare_are_never_touched() {
    let d = Dir::with(&[("main.hcl", USER)]);
    assert!(
        users(&d).contains(&"SNOWFORM".to_string()),
        "the connecting user"
    );
    d.exec("CREATE USER JANE LOGIN_NAME = 'jane@example.com' COMMENT = 'made by hand'");
    let plan = d.sandbox(&["plan", "--format", "json"]).ok().json();
    assert!(
        actions(&plan)
            .iter()
            .all(|(address, _)| !address.contains("jane") && !address.contains("snowform")),
        "{plan}"
    );
    d.sandbox(&["apply", "--auto-approve"]).ok();
    let list = d.run(&["state", "list"]).ok().stdout;
    assert_eq!(list.lines().count(), 4, "{list}");
    d.sandbox(&["drift", "--include-unmanaged"]).ok();
    // An empty configuration drops only what snowform created.
    d.write("main.hcl", "");
    d.apply_destroying();
    let names = users(&d);
    for kept in ["JANE", "SNOWFORM"] {
        assert!(names.iter().any(|n| n == kept), "{kept} in {names:?}");
    }
    assert!(!names.iter().any(|n| n == "CI_RUNNER"), "{names:?}");
}
