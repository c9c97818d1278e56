//! `output` blocks and `snowform output`: values for scripts, sensitive ones never shown.

use crate::common::Dir;

const CONFIG: &str = r#"
variable "env" {
  default = "dev"
}

variable "token" {
  sensitive = true
  default   = "s3cr3t-token-value"
}

database "main" {
  name = "XYZ_${upper(var.env)}"
}

schema "fs" {
  database = database.main
  name     = "FEATURE_STORE"
}

output "schema_fqn" {
  value       = schema.fs.fqn
  description = "Where the Feature Store lives"
}

output "names" {
  value = { database = database.main.name, schema = schema.fs.name }
}

output "token" {
  value     = var.token
  sensitive = true
}
"#;

#[test]
fn outputs_for_people_and_scripts() {
    let d = Dir::with(&[("main.hcl", CONFIG)]);
    let all = d.run(&["output"]).ok();
    assert_eq!(
        all.stdout,
        "names = {\n  \"database\" = \"XYZ_DEV\"\n  \"schema\" = \"FEATURE_STORE\"\n}\nschema_fqn = \"XYZ_DEV.FEATURE_STORE\"\ntoken = (sensitive)\n"
    );
    let raw = d.run(&["output", "schema_fqn", "--raw"]).ok();
    assert_eq!(raw.stdout, "XYZ_DEV.FEATURE_STORE");
    let one = d.run(&["output", "schema_fqn"]).ok();
    assert_eq!(one.stdout, "\"XYZ_DEV.FEATURE_STORE\"\n");

    let json = d.run(&["output", "--format", "json"]).ok();
    let v: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(v["schema_fqn"]["value"], "XYZ_DEV.FEATURE_STORE");
    assert_eq!(
        v["schema_fqn"]["description"],
        "Where the Feature Store lives"
    );
    assert_eq!(v["names"]["value"]["database"], "XYZ_DEV");
    assert_eq!(v["token"], serde_json::json!({"sensitive": true}));
    // Values follow the variables, as everything else does.
    let prod = d
        .run(&["output", "schema_fqn", "--raw", "--var", "env=prod"])
        .ok();
    assert_eq!(prod.stdout, "XYZ_PROD.FEATURE_STORE");
}

#[test]
fn a_sensitive_value_is_never_printed() {
    let d = Dir::with(&[("main.hcl", CONFIG)]);
    for args in [
        &["output"][..],
        &["output", "token"],
        &["output", "--format", "json"],
        &["output", "token", "--format", "json"],
        &["output", "token", "--raw"],
    ] {
        let out = d.run(args);
        assert!(
            !out.stdout.contains("s3cr3t") && !out.stderr.contains("s3cr3t"),
            "{args:?} printed the secret:\n{}{}",
            out.stdout,
            out.stderr
        );
    }
    let refused = d.run(&["output", "token", "--raw"]).code(1);
    assert!(
        refused.stderr.contains("is sensitive"),
        "{}",
        refused.stderr
    );
}

#[test]
fn a_missing_output_or_a_raw_list_is_an_error_that_says_what_there_is() {
    let d = Dir::with(&[("main.hcl", CONFIG)]);
    let missing = d.run(&["output", "schema"]).code(1);
    assert!(
        missing
            .stderr
            .contains("the outputs are: names, schema_fqn, token"),
        "{}",
        missing.stderr
    );
    let list = d.run(&["output", "names", "--raw"]).code(1);
    assert!(list.stderr.contains("use --format json"), "{}", list.stderr);
    let none = Dir::with(&[("main.hcl", "warehouse \"w\" {\n  name = \"W\"\n}\n")]);
    let empty = none.run(&["output"]).ok();
    assert_eq!(empty.stdout, "");
    assert!(empty.stderr.contains("no outputs"), "{}", empty.stderr);
}
