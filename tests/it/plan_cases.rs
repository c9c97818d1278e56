//! Plan cases as data: every directory under tests/fixtures/plan_cases/ is a case, run
//! here against the embedded sandbox. tests/fixtures/plan_cases/README.md describes a case's
//! files; `SNOWFORM_UPDATE_FIXTURES=1` rewrites each case's expected.json from what the plan
//! now is (review the diff before committing it).

use crate::common::{actions, repo, statements, Dir};
use serde_json::{json, Value as J};
use std::path::{Path, PathBuf};

/// The variable that rewrites the expected plans instead of comparing with them.
const UPDATE: &str = "SNOWFORM_UPDATE_FIXTURES";

fn cases() -> Vec<PathBuf> {
    let root = repo().join("tests/fixtures/plan_cases");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

fn read(case: &Path, file: &str) -> Option<String> {
    std::fs::read_to_string(case.join(file)).ok()
}

/// Apply what `main.hcl` holds, and check that it left nothing to do, refreshed or not.
fn apply_converged(d: &Dir, when: &str) -> Result<(), String> {
    let out = d.sandbox(&[
        "apply",
        "--auto-approve",
        "--allow-destroy",
        "--format",
        "json",
    ]);
    if out.code != 0 {
        return Err(format!(
            "{when}: apply exited {}:\n{}",
            out.code, out.stderr
        ));
    }
    let report = out.json();
    if report["failed"] != json!([]) || report["pending"] != json!([]) {
        return Err(format!("{when}: apply left work undone: {report}"));
    }
    for refresh in ["--refresh=true", "--refresh=false"] {
        let again = d.sandbox(&["plan", refresh, "--detailed-exitcode"]);
        if again.code != 0 {
            return Err(format!(
                "{when}: plan {refresh} after the apply exited {} (0 is nothing to do):\n{}{}",
                again.code, again.stdout, again.stderr
            ));
        }
    }
    Ok(())
}

/// The plan of a case, as expected.json holds it.
fn plan_of(d: &Dir) -> Result<J, String> {
    let plan = |extra: &[&str]| {
        let out = d.sandbox(&[&["plan", "--format", "json"], extra].concat());
        if out.code != 0 {
            return Err(format!(
                "plan {extra:?} exited {}:\n{}",
                out.code, out.stderr
            ));
        }
        Ok(out.json())
    };
    let refreshed = plan(&[])?;
    let offline = plan(&["--refresh=false"])?;
    Ok(json!({
        "changes": actions(&refreshed),
        "summary": refreshed["summary"],
        "statements": statements(&refreshed),
        "statements_without_refresh": statements(&offline),
    }))
}

/// Run one case; what went wrong, if anything.
fn run_case(case: &Path) -> Result<(), String> {
    let before = read(case, "before.hcl").ok_or("no before.hcl")?;
    let after = read(case, "after.hcl").ok_or("no after.hcl")?;
    let d = Dir::with(&[("main.hcl", &before)]);
    d.seed_sources();
    apply_converged(&d, "before.hcl")?;
    if let Some(sql) = read(case, "setup.sql") {
        let out = d.run(&["sandbox", "exec", &sql]);
        if out.code != 0 {
            return Err(format!("setup.sql exited {}:\n{}", out.code, out.stderr));
        }
    }
    d.write("main.hcl", &after);
    let got = plan_of(&d)?;
    let file = case.join("expected.json");
    let text = format!("{}\n", serde_json::to_string_pretty(&got).unwrap());
    if std::env::var_os(UPDATE).is_some() {
        std::fs::write(&file, &text).unwrap();
    } else {
        let want = std::fs::read_to_string(&file)
            .map_err(|e| format!("{}: {e} (run with {UPDATE}=1 to write it)", file.display()))?;
        if want != text {
            return Err(format!(
                "the plan is not expected.json (run with {UPDATE}=1 to rewrite it, then review the diff)\n--- expected\n{want}--- got\n{text}"
            ));
        }
    }
    apply_converged(&d, "after.hcl")?;
    let drift = d.sandbox(&["drift"]);
    if drift.code != 0 {
        return Err(format!(
            "drift after applying after.hcl exited {}:\n{}{}",
            drift.code, drift.stdout, drift.stderr
        ));
    }
    Ok(())
}

#[test]
fn every_plan_case_plans_as_expected_and_applies() {
    let cases = cases();
    assert!(!cases.is_empty(), "no plan cases");
    // Two workers take the cases from one list.
    let queue = std::sync::Mutex::new(cases.clone());
    let failures: Vec<String> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..2)
            .map(|_| {
                s.spawn(|| {
                    let mut failed = Vec::new();
                    while let Some(case) = queue.lock().unwrap().pop() {
                        let name = case.file_name().unwrap().to_string_lossy().into_owned();
                        if let Err(e) = run_case(&case) {
                            failed.push(format!("--- {name}: {e}"));
                        }
                    }
                    failed
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect()
    });
    let mut failures = failures;
    failures.sort();
    assert!(
        failures.is_empty(),
        "{} of {} plan cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}
