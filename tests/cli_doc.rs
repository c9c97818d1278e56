//! docs/cli.md is the command-line reference scripts rely on: every command of the binary
//! has a section or a table row there, and every option of every command (its long name, or
//! its short one when it has no long name) and every environment variable clap reads for it
//! is written on the page. A command or option added without a line in the reference fails here.

use clap::CommandFactory;
use snowform::cli::args::Cli;
use std::fs;
use std::path::PathBuf;

fn reference() -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/cli.md");
    fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every command path below the root, such as `state in-progress`, with the command itself.
fn commands(cmd: &clap::Command, prefix: &str, out: &mut Vec<(String, clap::Command)>) {
    for sub in cmd.get_subcommands() {
        if sub.get_name() == "help" {
            continue;
        }
        let path = if prefix.is_empty() {
            sub.get_name().to_string()
        } else {
            format!("{prefix} {}", sub.get_name())
        };
        out.push((path.clone(), sub.clone()));
        commands(sub, &path, out);
    }
}

#[test]
fn every_command_and_option_is_in_the_reference() {
    let text = reference();
    let mut root = Cli::command();
    root.build();
    let mut all = vec![(String::new(), root.clone())];
    commands(&root, "", &mut all);

    let mut missing = Vec::new();
    for (path, cmd) in &all {
        if !path.is_empty() && !text.contains(&format!("`{path}")) {
            missing.push(format!("command `{path}`"));
        }
        for arg in cmd.get_arguments() {
            let id = arg.get_id().as_str();
            if id == "help" || id == "version" {
                continue;
            }
            let spelled = match (arg.get_long(), arg.get_short()) {
                (Some(long), _) => Some(format!("--{long}")),
                (None, Some(short)) => Some(format!("-{short}")),
                // A positional argument: its command's heading names it.
                (None, None) => None,
            };
            if let Some(flag) = spelled {
                if !text.contains(&format!("`{flag}")) {
                    missing.push(format!("option {flag} of `snowform {path}`"));
                }
            }
            if let Some(env) = arg.get_env() {
                let env = env.to_string_lossy();
                if !text.contains(&format!("`{env}`")) {
                    missing.push(format!("environment variable {env} of `snowform {path}`"));
                }
            }
        }
    }
    missing.sort();
    missing.dedup();
    assert!(
        missing.is_empty(),
        "docs/cli.md does not mention (add a row or a section for each):\n  {}",
        missing.join("\n  ")
    );
}
