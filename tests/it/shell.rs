//! Habits users bring from the `snow` CLI and Terraform: `-c NAME` for `--connection NAME`,
//! completion scripts, `state mv`.

use crate::common::Dir;

const SMALL: &str = r#"
warehouse "compute" {
  name = "COMPUTE_WH"
}
"#;

#[test]
fn short_c_selects_a_connection_as_the_snow_cli_does() {
    let d = Dir::with(&[("main.hcl", SMALL)]);
    d.run(&["-c", "sandbox", "apply", "--auto-approve"]).ok();
    // The same account as --connection sandbox: nothing left to do.
    d.sandbox(&["plan", "--detailed-exitcode"]).code(0);
    let named = d.run(&["plan", "-c", "nowhere"]).code(1);
    assert!(named.stderr.contains("nowhere"), "{}", named.stderr);
}

#[test]
fn completion_scripts_name_every_command() {
    let d = Dir::empty();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = d.run(&["completions", shell]).ok();
        for command in ["plan", "apply", "drift", "generate", "in-progress", "serve"] {
            assert!(
                out.stdout.contains(command),
                "the {shell} script does not complete `{command}`"
            );
        }
    }
    let bad = d.run(&["completions", "cmd.exe"]).code(2);
    assert!(bad.stderr.contains("possible values"), "{}", bad.stderr);
}

#[test]
fn state_mv_follows_a_renamed_block() {
    let d = Dir::with(&[("main.hcl", SMALL)]);
    d.sandbox(&["apply", "--auto-approve"]).ok();
    let renamed = r#"
warehouse "main" {
  name = "COMPUTE_WH"
}
"#;
    d.write("main.hcl", renamed);
    let before = d.sandbox(&["plan", "--format", "json"]).ok();
    let before: serde_json::Value = serde_json::from_str(&before.stdout).unwrap();
    assert_ne!(before["summary"]["noop"], 1, "{before:#}");

    // A different kind is a different object.
    let wrong = d
        .sandbox(&["state", "mv", "warehouse.compute", "database.main"])
        .code(1);
    assert!(wrong.stderr.contains("own kind"), "{}", wrong.stderr);
    let out = d
        .sandbox(&["state", "mv", "warehouse.compute", "warehouse.main"])
        .ok();
    assert!(
        out.stderr.contains("Nothing in the account changed"),
        "{}",
        out.stderr
    );
    d.sandbox(&["plan", "--detailed-exitcode"]).code(0);
    let list = d.sandbox(&["state", "list"]).ok();
    assert!(
        list.stdout.starts_with("warehouse.main\t"),
        "{}",
        list.stdout
    );
    // The old address is gone.
    d.sandbox(&["state", "mv", "warehouse.compute", "warehouse.other"])
        .code(1);
}
