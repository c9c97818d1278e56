//! The `snow` CLI's habits: `-c NAME` for `--connection NAME`, and completion scripts.

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
