//! Random walks through configurations: a seeded generator of configurations (warehouses,
//! databases, schemas, stages, entities, feature views, models, task graphs) and of the
//! transitions between them. Every step is validated, planned, applied and planned again
//! against the sandbox, and must leave nothing to do and no drift.
//!
//! `SNOWFORM_SCENARIO_SEED=N` replays one walk (`SNOWFORM_SCENARIO_STEPS` steps, default
//! 12) and prints every step. `SNOWFORM_SCENARIO_WALKS=N` explores N walks from
//! `SNOWFORM_SCENARIO_FIRST` (default 1000) on, keeps going past failures and writes a
//! report per failing seed under `target/scenarios/`. Both are ignored tests: add
//! `-- --ignored` (`cargo test --test it walks::replay -- --ignored`).
//!
//! The configurations come from tests/it/walk_config.rs and walk_transitions.rs; the
//! regression tests (the smallest form of each failure the walks found) are in the files
//! regression_setup.rs names.

use crate::common::{repo, Dir, Out};
use crate::walk_config::{Config, Rng};
use serde_json::Value as J;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

// ---------------------------------------------------------------------------------------
// Running a walk.

/// How apply runs a step's plan: as `apply` plans it, or a saved plan whose run order is
/// another order its links allow (any order a parallel apply could take).
#[derive(Clone, Copy, Debug)]
enum ApplyMode {
    Direct,
    Reversed,
    Shuffled(u64),
}

struct StepFailure {
    what: String,
    plan: Option<String>,
    apply: Option<String>,
}

fn fail(what: impl Into<String>) -> StepFailure {
    StepFailure {
        what: what.into(),
        plan: None,
        apply: None,
    }
}

pub(crate) fn strings(v: &J) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .map(|s| s.as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

/// The plan's own consistency: statements listed once, summary and flags that agree
/// with the changes.
fn plan_invariants(plan: &J) -> Result<(), String> {
    let all = strings(&plan["statements"]);
    let mut per_change = Vec::new();
    let mut summary: BTreeMap<String, u64> = BTreeMap::new();
    let mut any_destructive = false;
    for c in plan["changes"].as_array().ok_or("no changes array")? {
        let addr = c["address"].as_str().unwrap_or("?");
        let action = c["action"].as_str().unwrap_or("?");
        *summary.entry(action.to_string()).or_default() += 1;
        let stmts = strings(&c["statements"]);
        if action == "noop" && !stmts.is_empty() {
            return Err(format!("{addr} is a noop with statements {stmts:?}"));
        }
        let destructive = c["destructive"].as_bool().unwrap_or(false);
        any_destructive |= destructive;
        let attrs = c["attributes"].as_array().cloned().unwrap_or_default();
        let drops_part = attrs.iter().any(|a| {
            let name = a["name"].as_str().unwrap_or("");
            name.starts_with("versions.")
                && ((name.matches('.').count() == 1 && a["after"].is_null())
                    || name.ends_with(".source"))
        });
        let may_destroy = matches!(action, "replace" | "delete")
            || (action == "update" && c["kind"] == "model" && drops_part);
        if destructive && !may_destroy {
            return Err(format!(
                "{addr} ({action}) is marked destructive but neither replaces, deletes nor drops a version"
            ));
        }
        let gone = strings(&c["reasons"])
            .iter()
            .any(|r| r.contains("already gone"));
        if matches!(action, "replace" | "delete") && !destructive && !gone {
            return Err(format!("{addr} ({action}) is not marked destructive"));
        }
        if stmts.iter().any(|s| s.contains(" DROP VERSION ")) && !destructive {
            return Err(format!(
                "{addr} drops a model version but is not marked destructive"
            ));
        }
        per_change.extend(stmts);
    }
    if plan["destructive"].as_bool() != Some(any_destructive) {
        return Err(format!(
            "plan.destructive is {} but the changes say {any_destructive}",
            plan["destructive"]
        ));
    }
    for action in ["create", "update", "replace", "delete", "noop"] {
        let n = summary.get(action).copied().unwrap_or(0);
        if plan["summary"][action].as_u64() != Some(n) {
            return Err(format!(
                "summary.{action} is {} but {n} changes have that action",
                plan["summary"][action]
            ));
        }
    }
    let mut seen = BTreeSet::new();
    for st in &all {
        if !seen.insert(st) {
            return Err(format!("statement listed twice: {st}"));
        }
    }
    if sorted(all.clone()) != sorted(per_change.clone()) {
        let a: BTreeSet<_> = all.iter().collect();
        let b: BTreeSet<_> = per_change.iter().collect();
        return Err(format!(
            "statements and the changes' statements differ:\n  only in statements: {:?}\n  only in changes: {:?}",
            a.difference(&b).collect::<Vec<_>>(),
            b.difference(&a).collect::<Vec<_>>()
        ));
    }
    Ok(())
}

/// The plan made from the state alone does what the refreshed one does, but where the
/// refreshed plan found the account already as configured (the state could not know).
fn offline_agrees(refreshed: &J, offline: &J) -> Result<(), String> {
    let by_address = |p: &J| -> BTreeMap<String, J> {
        p["changes"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| (c["address"].as_str().unwrap_or("").to_string(), c.clone()))
            .collect()
    };
    let (r, o) = (by_address(refreshed), by_address(offline));
    let mut skipped = BTreeSet::new();
    let mut skipped_refreshed = BTreeSet::new();
    for addr in r.keys().chain(o.keys()).collect::<BTreeSet<_>>() {
        let (rc, oc) = (r.get(addr), o.get(addr));
        let only_state = rc.is_some_and(|c| {
            strings(&c["reasons"])
                .iter()
                .any(|x| x.contains("already matches"))
        });
        if only_state {
            skipped.extend(oc.map(|c| strings(&c["statements"])).unwrap_or_default());
            continue;
        }
        // The state may lack values the account already has (a default version, an
        // inherited retention): its plan may set them again, and nothing else, maybe in
        // the same statement as what the refreshed plan sets.
        let agree = match (rc, oc) {
            (Some(rc), Some(oc)) if sets_again(rc, oc) => {
                skipped.extend(strings(&oc["statements"]));
                skipped_refreshed.extend(strings(&rc["statements"]));
                true
            }
            (Some(rc), Some(oc)) => {
                rc["action"] == oc["action"]
                    && subsequence(&strings(&rc["statements"]), &strings(&oc["statements"]))
            }
            (None, None) => true,
            _ => false,
        };
        if !agree {
            return Err(format!(
                "{addr}: {} refreshed, {} from the state",
                rc.map(|c| c.to_string()).unwrap_or_default(),
                oc.map(|c| c.to_string()).unwrap_or_default()
            ));
        }
    }
    let order: Vec<String> = strings(&offline["statements"])
        .into_iter()
        .filter(|s| !skipped.contains(s))
        .collect();
    let refreshed_order: Vec<String> = strings(&refreshed["statements"])
        .into_iter()
        .filter(|s| !skipped_refreshed.contains(s))
        .collect();
    if !subsequence(&refreshed_order, &order) {
        return Err("the statements run in another order".into());
    }
    Ok(())
}

/// `small` in the order `big` has them, with maybe more in between.
/// The plan from the state updates what the refreshed one updates (or leaves alone) to the
/// same values, and more: values the account already had.
fn sets_again(refreshed: &J, offline: &J) -> bool {
    let attrs = |c: &J| -> BTreeMap<String, J> {
        c["attributes"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|a| {
                (
                    a["name"].as_str().unwrap_or("").to_string(),
                    a["after"].clone(),
                )
            })
            .collect()
    };
    let (r, o) = (attrs(refreshed), attrs(offline));
    matches!(refreshed["action"].as_str(), Some("noop" | "update"))
        && offline["action"] == "update"
        && o.len() > r.len()
        && r.iter().all(|(k, v)| o.get(k) == Some(v))
}

fn subsequence(small: &[String], big: &[String]) -> bool {
    let mut it = big.iter();
    small.iter().all(|s| it.any(|b| b == s))
}

fn pretty(v: &J) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default()
}

fn out_text(o: &Out) -> String {
    format!(
        "exit {}\nstdout:\n{}\nstderr:\n{}",
        o.code, o.stdout, o.stderr
    )
}

/// Validate, plan, apply, and check that nothing is left to do.
fn run_step(d: &Dir, mode: ApplyMode) -> Result<(), StepFailure> {
    let v = d.run(&["validate"]);
    if v.code != 0 {
        return Err(fail(format!(
            "validate failed (a generator bug):\n{}",
            out_text(&v)
        )));
    }
    // A saved plan's run order is rearranged below: the refreshed plan saves itself (the
    // JSON it prints is the same with --out), rather than a second refresh saving it.
    let saved_plan = d.path().join("step.plan");
    let saved_plan = saved_plan.to_str().unwrap();
    let p = match mode {
        ApplyMode::Direct => d.sandbox(&["plan", "--format", "json"]),
        ApplyMode::Reversed | ApplyMode::Shuffled(_) => {
            d.sandbox(&["plan", "--out", saved_plan, "--format", "json"])
        }
    };
    if p.code != 0 {
        return Err(fail(format!("plan failed:\n{}", out_text(&p))));
    }
    let plan = p.json();
    let with_plan = |what: String| StepFailure {
        what,
        plan: Some(pretty(&plan)),
        apply: None,
    };
    plan_invariants(&plan).map_err(|e| with_plan(format!("plan invariant: {e}")))?;
    let statements = strings(&plan["statements"]);

    let offline = d.sandbox(&["plan", "--refresh=false", "--format", "json"]);
    if offline.code != 0 {
        return Err(with_plan(format!(
            "plan --refresh=false failed:\n{}",
            out_text(&offline)
        )));
    }
    let offline = offline.json();
    offline_agrees(&plan, &offline).map_err(|e| {
        with_plan(format!(
            "the plan against the state differs from the refreshed plan: {e}\n{}",
            pretty(&offline["statements"])
        ))
    })?;

    let applied = match mode {
        ApplyMode::Direct => d.sandbox(&[
            "apply",
            "--auto-approve",
            "--allow-destroy",
            "--parallelism",
            "1",
            "--format",
            "json",
        ]),
        ApplyMode::Reversed | ApplyMode::Shuffled(_) => {
            let file = saved_plan;
            let mut doc: J = serde_json::from_str(&std::fs::read_to_string(file).unwrap())
                .expect("a saved plan is JSON");
            let order = doc["plan"]["order"].as_array_mut().expect("plan.order");
            match mode {
                ApplyMode::Reversed => order.reverse(),
                ApplyMode::Shuffled(seed) => Rng::new(seed).shuffle(order),
                ApplyMode::Direct => unreachable!(),
            }
            crate::common::reseal(&mut doc);
            std::fs::write(file, serde_json::to_string(&doc).unwrap()).unwrap();
            d.sandbox(&[
                "apply",
                file,
                "--auto-approve",
                "--allow-destroy",
                "--parallelism",
                "1",
                "--format",
                "json",
            ])
        }
    };
    let report = serde_json::from_str::<J>(&applied.stdout).ok();
    let with_apply = |what: String| StepFailure {
        what,
        plan: Some(pretty(&plan)),
        apply: Some(out_text(&applied)),
    };
    let Some(report) = report else {
        return Err(with_apply("apply printed no JSON report".into()));
    };
    if applied.code != 0
        || report["failed"] != serde_json::json!([])
        || report["pending"] != serde_json::json!([])
    {
        return Err(with_apply(format!("apply did not succeed ({mode:?})")));
    }
    if sorted(strings(&report["applied"])) != sorted(statements.clone()) {
        return Err(with_apply(format!(
            "apply ran other statements than the plan showed ({mode:?})"
        )));
    }

    for (what, args) in [
        (
            "plan after apply",
            &["plan", "--detailed-exitcode", "--format", "json"][..],
        ),
        (
            "plan --refresh=false after apply",
            &[
                "plan",
                "--refresh=false",
                "--detailed-exitcode",
                "--format",
                "json",
            ][..],
        ),
        ("drift after apply", &["drift", "--format", "json"][..]),
    ] {
        let o = d.sandbox(args);
        if o.code != 0 {
            return Err(with_apply(format!(
                "{what} is not empty ({mode:?}):\n{}",
                out_text(&o)
            )));
        }
    }
    Ok(())
}

struct WalkFailure {
    seed: u64,
    step: usize,
    report: String,
}

/// One walk: a first configuration, then `steps - 1` transitions, then (half the time)
/// everything removed.
fn walk(seed: u64, steps: usize, verbose: bool) -> Result<(), WalkFailure> {
    let mut rng = Rng::new(seed);
    let d = Dir::empty();
    // The raw tables the feature views read, loaded outside snowform.
    d.seed_test_landing();
    let mut cfg = Config::initial(&mut rng);
    let mut before = String::new();
    let destroy_at_end = rng.chance(50);
    for step in 0..=steps {
        let ops = if step == 0 {
            vec!["first configuration".to_string()]
        } else if step == steps {
            if !destroy_at_end {
                break;
            }
            cfg = Config {
                counter: cfg.counter,
                ..Config::default()
            };
            vec!["remove everything".to_string()]
        } else {
            cfg.transition(&mut rng)
        };
        let hcl = cfg.render();
        d.write("main.hcl", &hcl);
        let mode = match rng.below(4) {
            0 => ApplyMode::Direct,
            1 => ApplyMode::Reversed,
            _ => ApplyMode::Shuffled(rng.next()),
        };
        if verbose {
            eprintln!("seed {seed} step {step} ({mode:?}): {}", ops.join("; "));
        }
        if let Err(f) = run_step(&d, mode) {
            let mut r = String::new();
            let _ = writeln!(
                r,
                "scenario seed {seed}, step {step} of {steps}: {}\nreplay: SNOWFORM_SCENARIO_SEED={seed} SNOWFORM_SCENARIO_STEPS={steps} cargo test --test it walks::replay -- --ignored --nocapture\n",
                f.what
            );
            let _ = writeln!(r, "transition: {}\napply mode: {mode:?}\n", ops.join("; "));
            let _ = writeln!(r, "---- HCL before ----\n{before}");
            let _ = writeln!(r, "---- HCL after ----\n{hcl}");
            if let Some(p) = f.plan {
                let _ = writeln!(r, "---- plan ----\n{p}");
            }
            if let Some(a) = f.apply {
                let _ = writeln!(r, "---- apply ----\n{a}");
            }
            if verbose {
                // Replaying: keep the directory to look into.
                let _ = writeln!(r, "directory kept: {}", d.path().display());
                std::mem::forget(d);
            }
            return Err(WalkFailure {
                seed,
                step,
                report: r,
            });
        }
        before = hcl;
    }
    Ok(())
}

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.trim().parse().ok())
}

const DEFAULT_STEPS: usize = 10;

/// The walks of a default run, unless one seed or a long run is asked for.
fn default_walks(seeds: std::ops::RangeInclusive<u64>) {
    if env_u64("SNOWFORM_SCENARIO_SEED").is_some() || env_u64("SNOWFORM_SCENARIO_WALKS").is_some() {
        return;
    }
    for seed in seeds {
        if let Err(f) = walk(seed, DEFAULT_STEPS, false) {
            panic!("{}", f.report);
        }
    }
}

#[test]
fn walks_1_to_3() {
    default_walks(1..=3);
}

#[test]
fn walks_4_to_6() {
    default_walks(4..=6);
}

#[test]
fn walks_7_to_9() {
    default_walks(7..=9);
}

#[test]
fn walks_10_to_12() {
    default_walks(10..=12);
}

/// `SNOWFORM_SCENARIO_SEED=N [SNOWFORM_SCENARIO_STEPS=M] cargo test --test it walks::replay
/// -- --ignored`: one walk, every step printed.
#[test]
#[ignore = "replays the walk SNOWFORM_SCENARIO_SEED names: set it and run with --ignored"]
fn replay() {
    let Some(seed) = env_u64("SNOWFORM_SCENARIO_SEED") else {
        panic!("set SNOWFORM_SCENARIO_SEED=N to replay the walk of seed N");
    };
    let steps = env_u64("SNOWFORM_SCENARIO_STEPS").unwrap_or(12) as usize;
    if let Err(f) = walk(seed, steps, true) {
        panic!("{}", f.report);
    }
}

/// `SNOWFORM_SCENARIO_WALKS=N [SNOWFORM_SCENARIO_FIRST=K] [SNOWFORM_SCENARIO_STEPS=M] cargo
/// test --test it walks::explore -- --ignored`: explore N walks on two threads, past
/// failures; one report file per failing seed.
#[test]
#[ignore = "explores SNOWFORM_SCENARIO_WALKS walks: set it and run with --ignored"]
fn explore() {
    let Some(walks) = env_u64("SNOWFORM_SCENARIO_WALKS") else {
        panic!("set SNOWFORM_SCENARIO_WALKS=N to explore N walks");
    };
    let first = env_u64("SNOWFORM_SCENARIO_FIRST").unwrap_or(1000);
    let steps = env_u64("SNOWFORM_SCENARIO_STEPS").unwrap_or(15) as usize;
    let dir = repo().join("target").join("scenarios");
    std::fs::create_dir_all(&dir).unwrap();
    let next = std::sync::atomic::AtomicU64::new(first);
    let failures = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| loop {
                let seed = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                if seed >= first + walks {
                    break;
                }
                if let Err(f) = walk(seed, steps, false) {
                    let first_line = f.report.lines().next().unwrap_or("").to_string();
                    eprintln!("FAIL {first_line}");
                    std::fs::write(dir.join(format!("seed-{}.txt", f.seed)), &f.report).unwrap();
                    failures.lock().unwrap().push((f.seed, f.step, first_line));
                }
            });
        }
    });
    let mut failures = failures.into_inner().unwrap();
    failures.sort();
    eprintln!(
        "explored seeds {first}..{} ({steps} steps each): {} failed",
        first + walks - 1,
        failures.len()
    );
    for (seed, step, line) in &failures {
        eprintln!("  seed {seed} step {step}: {line}");
    }
    assert!(
        failures.is_empty(),
        "{} walks failed; reports in {}",
        failures.len(),
        dir.display()
    );
}
