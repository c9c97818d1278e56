//! The command line runs inside the test process (see common.rs), many runs at once: what
//! one run is given or loads never reaches another.

use crate::common::Dir;

/// A value one configuration marks sensitive is hidden in that run's messages only: the
/// redactor belongs to the run, not to the process. (`validate` prints the diagnostics of a
/// configuration it does not load whole, through the redactor of its run.)
#[test]
fn a_sensitive_value_of_one_run_is_not_hidden_in_another() {
    let secret = Dir::with(&[(
        "main.hcl",
        r#"
variable "token" {
  type      = string
  sensitive = true
}

warehouse "a" {
  name    = "IP_SECRET"
  comment = "token ${var.token}"
}
"#,
    )]);
    let out = secret.sandbox(&["--var", "token=plainwords", "plan"]).ok();
    assert!(!out.stdout.contains("plainwords"), "{}", out.stdout);
    assert!(out.stdout.contains("(sensitive)"), "{}", out.stdout);
    let other = Dir::with(&[(
        "main.hcl",
        "warehouse \"b\" {\n  name       = \"IP_OPEN\"\n  plainwords = 1\n}\n",
    )]);
    let out = other.run(&["validate"]).code(1);
    assert!(out.stderr.contains("plainwords"), "{}", out.stderr);
}

/// A variable given to one run (here the workspace) is not seen by the next run.
#[test]
fn the_environment_of_one_run_is_not_seen_by_another() {
    let d = Dir::with(&[("main.hcl", "warehouse \"w\" {\n  name = \"IP_W\"\n}\n")]);
    let other = d.run_env(
        &[("SNOWFORM_WORKSPACE", "other")],
        &["--connection", "sandbox", "plan"],
    );
    let other = other.ok();
    assert!(
        other.stderr.contains(".snowform/sandbox/other.json"),
        "{}",
        other.stderr
    );
    let default = d.sandbox(&["plan"]).ok();
    assert!(
        default.stderr.contains(".snowform/sandbox/default.json"),
        "{}",
        default.stderr
    );
}
