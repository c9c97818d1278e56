//! Data-driven tests of the configuration language. Each directory under
//! tests/fixtures/config/valid and tests/fixtures/config/errors is a configuration;
//! `expected.txt` pins every diagnostic (`FILE:LINE:COL: SEVERITY: SUMMARY`, none when
//! absent), `objects.json` pins the objects of a valid case, and `args.txt` holds options:
//! `--var NAME=VALUE`, `--var-file FILE` (relative to the case), `--workspace NAME` and
//! `env NAME=VALUE`. Run with UPDATE_EXPECT=1 to rewrite the expectations.

use snowform::config::{load, LoadOptions};
use std::fs;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/config")
}

fn cases(group: &str) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = fs::read_dir(root().join(group))
        .unwrap_or_else(|e| panic!("tests/fixtures/config/{group}: {e}"))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

fn options(case: &Path) -> LoadOptions {
    let mut opts = LoadOptions {
        workspace: "default".into(),
        ..LoadOptions::default()
    };
    let Ok(text) = fs::read_to_string(case.join("args.txt")) else {
        return opts;
    };
    for line in text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let (flag, value) = line
            .split_once(' ')
            .unwrap_or_else(|| panic!("{}: bad args line {line:?}", case.display()));
        match flag {
            "--var" => opts.vars.push(value.to_string()),
            "--var-file" => opts.var_files.push(case.join(value)),
            "--workspace" => opts.workspace = value.to_string(),
            "env" => {
                let (k, v) = value.split_once('=').expect("env NAME=VALUE");
                opts.env.insert(k.to_string(), v.to_string());
            }
            other => panic!("{}: unknown option {other}", case.display()),
        }
    }
    opts
}

/// The first line of each diagnostic, with var-file paths made relative to the case.
fn render(case: &Path, diags: &snowform::diag::Diagnostics) -> String {
    let prefix = format!("{}/", case.display());
    diags
        .iter()
        .map(|d| {
            format!(
                "{}\n",
                d.to_string()
                    .lines()
                    .next()
                    .unwrap_or_default()
                    .replace(&prefix, "")
            )
        })
        .collect()
}

fn check(group: &str, expect_config: bool) {
    let update = std::env::var_os("UPDATE_EXPECT").is_some();
    let mut failures = Vec::new();
    let all = cases(group);
    assert!(!all.is_empty(), "no cases in {group}");
    for case in all {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let (config, diags) = load(&case, &options(&case));
        let got = render(&case, &diags);
        let expected_path = case.join("expected.txt");
        let expected = fs::read_to_string(&expected_path).unwrap_or_default();
        if got != expected {
            if update {
                if got.is_empty() {
                    let _ = fs::remove_file(&expected_path);
                } else {
                    fs::write(&expected_path, &got).unwrap();
                }
            } else {
                failures.push(format!(
                    "{group}/{name}: diagnostics differ\n--- expected\n{expected}--- got\n{got}"
                ));
            }
        }
        match (&config, expect_config) {
            (Some(_), false) => {
                failures.push(format!("{group}/{name}: loaded, but errors were expected"))
            }
            (None, true) => failures.push(format!("{group}/{name}: did not load:\n{got}")),
            _ => {}
        }
        if let Some(config) = config {
            let objects_path = case.join("objects.json");
            let got = serde_json::to_string_pretty(&config.objects).unwrap() + "\n";
            match fs::read_to_string(&objects_path) {
                Ok(expected) if expected == got => {}
                _ if update => fs::write(&objects_path, &got).unwrap(),
                Ok(expected) => failures.push(format!(
                    "{group}/{name}: objects differ\n--- expected\n{expected}--- got\n{got}"
                )),
                Err(_) => failures.push(format!(
                    "{group}/{name}: objects.json is missing (UPDATE_EXPECT=1 writes it)"
                )),
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} case(s) failed:\n\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn valid_configurations_load() {
    check("valid", true);
}

#[test]
fn broken_configurations_report_every_problem() {
    check("errors", false);
}

#[test]
fn fmt_fixtures_format_to_their_output_and_are_stable() {
    let mut failures = Vec::new();
    for case in cases("fmt") {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let input = fs::read_to_string(case.join("in.hcl")).unwrap();
        let expected = fs::read_to_string(case.join("out.hcl")).unwrap();
        match snowform::config::format_source(&input) {
            Ok(got) if got == expected => {}
            Ok(got) => failures.push(format!(
                "fmt/{name}: output differs\n--- expected\n{expected}--- got\n{got}"
            )),
            Err(e) => failures.push(format!("fmt/{name}: {e}")),
        }
        match snowform::config::format_source(&expected) {
            Ok(again) if again == expected => {}
            Ok(again) => failures.push(format!(
                "fmt/{name}: formatting the output changes it\n{again}"
            )),
            Err(e) => failures.push(format!("fmt/{name}: the output does not format: {e}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
