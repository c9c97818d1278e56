//! The robustness suite: hostile inputs and hostile moments. Every run must end with exit
//! 0 or 1 and, on 1, a diagnostic: never a panic (exit 101), never a hang. It runs small
//! in `cargo test` (seconds) and full with
//! `SNOWFORM_ROBUST_SCALE=full cargo test --test it robust -- --include-ignored`;
//! docs/robustness.md lists what each size covers and the last full result.
//! `SNOWFORM_ROBUST_SEED=N` replays a run (each test prints its seed).

use crate::common::{repo, Dir, Served};
use crate::robust::{killed_then_rerun, spawn, wait_for_line};
use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Whether the full size was asked for.
fn full() -> bool {
    std::env::var("SNOWFORM_ROBUST_SCALE").is_ok_and(|s| s == "full")
}

/// How many cases: `small` in `cargo test`, `large` at full size.
fn size(small: usize, large: usize) -> usize {
    if full() {
        large
    } else {
        small
    }
}

/// A seeded generator; the seed is printed so that a failure can be replayed.
fn rng(test: &str) -> fastrand::Rng {
    let seed = std::env::var("SNOWFORM_ROBUST_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| fastrand::u64(..));
    eprintln!("{test}: SNOWFORM_ROBUST_SEED={seed}");
    fastrand::Rng::with_seed(seed)
}

/// How long one run may take before it counts as a hang.
const TIMEOUT: Duration = Duration::from_secs(60);

struct Run {
    code: Option<i32>,
    stderr: String,
    took: Duration,
}

/// Run the binary in `d` with `args`, killed after [`TIMEOUT`]: a process of its own, so
/// that a panic shows as exit 101 and a hang can be killed.
fn run(d: &Dir, args: &[&str]) -> Run {
    let started = Instant::now();
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("snowform"))
        .env_clear()
        .env("HOME", d.home.path())
        .env("SNOWFLAKE_HOME", d.home.path())
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("NO_COLOR", "1")
        .arg("-C")
        .arg(d.path())
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut pipe = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = pipe.read_to_string(&mut s);
        s
    });
    let code = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status.code();
        }
        if started.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    Run {
        code,
        stderr: reader.join().unwrap(),
        took: started.elapsed(),
    }
}

/// Exit 0, or exit 1 with an error message; never a panic, a signal or a hang.
#[track_caller]
fn assert_sane(r: &Run, what: &str) {
    assert!(
        !r.stderr.contains("panicked"),
        "{what}: panicked\n{}",
        r.stderr
    );
    match r.code {
        Some(0) => {}
        Some(1) => assert!(
            r.stderr.contains("error"),
            "{what}: exit 1 without an error message\n{}",
            r.stderr
        ),
        None if r.took >= TIMEOUT => panic!("{what}: no answer after {TIMEOUT:?}"),
        other => panic!("{what}: exit {other:?}\n{}", r.stderr),
    }
}

// ---------------------------------------------------------------------------------------
// Mutated configurations

/// The pieces of an HCL text: words, numbers, strings, white space, single symbols.
fn tokens(text: &str) -> Vec<String> {
    static TOKEN: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let re = TOKEN.get_or_init(|| {
        regex::Regex::new(
            r#"(?s)"(?:[^"\\\n]|\\.)*"|[A-Za-z_][A-Za-z0-9_-]*|[0-9]+(?:\.[0-9]+)?|\s+|."#,
        )
        .unwrap()
    });
    re.find_iter(text).map(|m| m.as_str().to_string()).collect()
}

/// What a mutation puts in place of (or next to) a token.
const HOSTILE: &[&str] = &[
    "99999999999999999999999999999999999999",
    "18446744073709551615 * 18446744073709551615",
    "-9223372036854775808 - 1",
    "1e308 * 10",
    "5 % 0",
    "1 / 0",
    "local.nothing",
    "var.nothing",
    "warehouse.nothing.name",
    "\"${\"",
    "\"\\u0000\"",
    "\"🦀\"",
    "null",
    "[]",
    "{}",
    "true ? 1 : \"x\"",
    "[for x in [1] : x % 0]",
    "jsondecode(\"{\")",
    "file(\"/etc/passwd\")",
    "format(\"%d\", \"x\")",
    "<<EOT\nx\nEOT",
    "#",
    "/*",
    "}",
    "{",
    "=",
    "\"",
    ";",
];

/// Something deep or huge, built at run time.
fn monster(r: &mut fastrand::Rng) -> String {
    let n = r.usize(1..200);
    match r.u8(0..6) {
        0 => format!("{}1{}", "(".repeat(n), ")".repeat(n)),
        1 => format!("{}{}", "[".repeat(n), "]".repeat(n)),
        2 => format!("\"{}\"", "x".repeat(r.usize(1..200_000))),
        3 => vec!["1"; r.usize(1..500)].join(" + "),
        4 => format!("{}1", "-".repeat(n)),
        _ => format!("\"{}\"", "${".repeat(n) + "1" + &"}".repeat(n)),
    }
}

/// One to three token mutations of `text`: delete, duplicate, swap, replace, insert, cut.
fn mutate(text: &str, r: &mut fastrand::Rng) -> (String, Vec<String>) {
    let mut toks = tokens(text);
    let mut done = Vec::new();
    for _ in 0..r.usize(1..=3) {
        if toks.is_empty() {
            break;
        }
        let i = r.usize(..toks.len());
        match r.u8(0..7) {
            0 => {
                done.push(format!("delete {:?}", toks[i]));
                toks.remove(i);
            }
            1 => {
                done.push(format!("duplicate {:?}", toks[i]));
                let t = toks[i].clone();
                toks.insert(i, t);
            }
            2 if i + 1 < toks.len() => {
                let j = r.usize(i + 1..toks.len().min(i + 8));
                done.push(format!("swap {:?} and {:?}", toks[i], toks[j]));
                toks.swap(i, j);
            }
            3 => {
                let h = HOSTILE[r.usize(..HOSTILE.len())].to_string();
                done.push(format!("replace {:?} with {h:?}", toks[i]));
                toks[i] = h;
            }
            4 => {
                let m = monster(r);
                done.push(format!(
                    "replace {:?} with a monster of {} chars",
                    toks[i],
                    m.len()
                ));
                toks[i] = m;
            }
            5 => {
                done.push(format!("cut at token {i}"));
                toks.truncate(i);
            }
            _ => {
                let h = HOSTILE[r.usize(..HOSTILE.len())].to_string();
                done.push(format!("insert {h:?} before {:?}", toks[i]));
                toks.insert(i, h);
            }
        }
    }
    (toks.concat(), done)
}

/// Mutations of the example's HCL: `validate` and `plan --refresh=false` (no connection:
/// configuration, diff and plan, against the recorded state) end in 0 or 1 with a
/// diagnostic, never a panic or a hang.
#[test]
fn mutated_configurations_never_crash() {
    let mut r = rng("mutated_configurations_never_crash");
    let n = size(40, 2000);
    let example = repo().join("examples/mitsui-mlops");
    let mut files: Vec<(String, String)> = std::fs::read_dir(&example)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "hcl"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    files.sort();
    let d = Dir::example("mitsui-mlops");
    let mut errors = 0;
    let placed = regex::Regex::new(r"\.hcl:\d+:\d+: error").unwrap();
    for case in 0..n {
        for (name, text) in &files {
            d.write(name, text);
        }
        let (name, text) = &files[r.usize(..files.len())];
        let (mutated, how) = mutate(text, &mut r);
        d.write(name, &mutated);
        let what = format!("mutation {case} of {name}: {}", how.join("; "));
        let args: &[&str] = if case % 2 == 0 {
            &["validate"]
        } else {
            &["plan", "--refresh=false"]
        };
        let out = run(&d, args);
        assert_sane(&out, &what);
        if out.code == Some(1) {
            errors += 1;
            // A configuration error names its place.
            assert!(
                placed.is_match(&out.stderr) || !out.stderr.contains(".hcl"),
                "{what}: the error names no file:line:col\n{}",
                out.stderr
            );
        }
    }
    eprintln!("{n} mutations, {errors} refused with a diagnostic");
}

// ---------------------------------------------------------------------------------------
// Corrupt and tampered state, lock and plan files

/// Damage a file's bytes: cut, flip, splice garbage, or empty it.
fn damage(bytes: &[u8], r: &mut fastrand::Rng) -> (Vec<u8>, String) {
    let mut b = bytes.to_vec();
    match r.u8(0..6) {
        0 => {
            let at = r.usize(..=b.len());
            b.truncate(at);
            (b, format!("cut at byte {at}"))
        }
        1 if !b.is_empty() => {
            let at = r.usize(..b.len());
            b[at] ^= 1 << r.u8(0..8);
            (b, format!("flip a bit of byte {at}"))
        }
        2 => {
            let at = r.usize(..=b.len());
            let junk: Vec<u8> = (0..r.usize(1..64)).map(|_| r.u8(..)).collect();
            b.splice(at..at, junk);
            (b, format!("garbage at byte {at}"))
        }
        3 => (Vec::new(), "empty".into()),
        4 => (
            format!("{}1{}", "[".repeat(100_000), "]".repeat(100_000)).into_bytes(),
            "deep nesting".into(),
        ),
        _ => (b"\xff\xfe\x00binary".to_vec(), "binary".into()),
    }
}

/// Tamper with a JSON document's values: numbers become huge or negative, strings long or
/// odd, fields vanish or change type.
fn tamper(text: &str, r: &mut fastrand::Rng) -> (String, String) {
    let Ok(mut v) = serde_json::from_str::<serde_json::Value>(text) else {
        return (text.to_string(), "unparsable already".into());
    };
    let mut paths = Vec::new();
    fn walk(v: &serde_json::Value, path: Vec<String>, out: &mut Vec<Vec<String>>) {
        out.push(path.clone());
        match v {
            serde_json::Value::Object(m) => {
                for (k, x) in m {
                    let mut p = path.clone();
                    p.push(k.clone());
                    walk(x, p, out);
                }
            }
            serde_json::Value::Array(a) => {
                for (i, x) in a.iter().enumerate() {
                    let mut p = path.clone();
                    p.push(i.to_string());
                    walk(x, p, out);
                }
            }
            _ => {}
        }
    }
    walk(&v, Vec::new(), &mut paths);
    let path = paths[r.usize(..paths.len())].clone();
    let new = match r.u8(0..8) {
        0 => serde_json::json!(u64::MAX),
        1 => serde_json::json!(-1),
        2 => serde_json::json!(1e308),
        3 => serde_json::json!("x".repeat(100_000)),
        4 => serde_json::json!(null),
        5 => serde_json::json!([]),
        6 => serde_json::json!({"a": {"b": []}}),
        _ => serde_json::json!("'; DROP DATABASE X; --"),
    };
    let what = format!(
        "set /{} to {}",
        path.join("/"),
        crate::robust_suite::short(&new)
    );
    let pointer = |p: &[String]| -> String {
        p.iter()
            .map(|k| format!("/{}", k.replace('~', "~0").replace('/', "~1")))
            .collect()
    };
    if let (Some((last, parent)), true) = (path.split_last(), r.bool()) {
        if let Some(serde_json::Value::Object(m)) = v.pointer_mut(&pointer(parent)) {
            m.remove(last);
            return (v.to_string(), format!("remove /{}", path.join("/")));
        }
    }
    if let Some(at) = v.pointer_mut(&pointer(&path)) {
        *at = new;
    }
    (v.to_string(), what)
}

fn short(v: &serde_json::Value) -> String {
    let s = v.to_string();
    if s.len() > 40 {
        format!("{}...", &s[..40])
    } else {
        s
    }
}

/// Damaged or tampered state, lock and saved-plan files: `state list`, `plan` and
/// `apply PLANFILE` against the sandbox end in 0 or 1 with a diagnostic.
#[test]
fn corrupt_and_tampered_state_lock_and_plan_files_never_crash() {
    let mut r = rng("corrupt_and_tampered_state_lock_and_plan_files_never_crash");
    let n = size(12, 400);
    let d = Dir::with(&[(
        "main.hcl",
        "warehouse \"w\" {\n  for_each = toset([\"A\", \"B\"])\n  name     = \"CT_${each.key}\"\n}\n",
    )]);
    d.sandbox(&["apply", "--auto-approve"]).ok();
    d.write(
        "main.hcl",
        "warehouse \"w\" {\n  for_each = toset([\"A\", \"B\", \"C\"])\n  name     = \"CT_${each.key}\"\n  comment  = \"x\"\n}\n",
    );
    let plan_path = d.path().join("plan.json");
    let plan_arg = plan_path.to_string_lossy().into_owned();
    d.sandbox(&["plan", "--out", &plan_arg]).ok();
    let state_path = d.path().join("state/default.json");
    let account_path = d.path().join(".snowform/sandbox/default.json");
    let lock_path = d.path().join("state/default.json.lock");
    let state = std::fs::read(&state_path).unwrap();
    let account = std::fs::read(&account_path).unwrap();
    let plan = std::fs::read(&plan_path).unwrap();
    let lock = serde_json::json!({
        "id": "1", "holder": "a@b", "host": "elsewhere", "pid": 1,
        "time": "2026-01-01T00:00:00Z", "operation": "apply"
    })
    .to_string()
    .into_bytes();
    for case in 0..n {
        std::fs::write(&state_path, &state).unwrap();
        std::fs::write(&account_path, &account).unwrap();
        std::fs::write(&plan_path, &plan).unwrap();
        let _ = std::fs::remove_file(&lock_path);
        let (target, original) = match case % 3 {
            0 => (&state_path, &state),
            1 => (&plan_path, &plan),
            _ => (&lock_path, &lock),
        };
        let (bytes, how) = if r.bool() {
            damage(original, &mut r)
        } else {
            let (t, how) = tamper(&String::from_utf8_lossy(original), &mut r);
            (t.into_bytes(), how)
        };
        std::fs::write(target, bytes).unwrap();
        let what = format!(
            "case {case}: {} {how}",
            target.file_name().unwrap().to_string_lossy()
        );
        assert_sane(&run(&d, &["state", "list"]), &format!("{what}, state list"));
        assert_sane(
            &run(
                &d,
                &["--connection", "sandbox", "plan", "--lock-timeout", "1s"],
            ),
            &format!("{what}, plan"),
        );
        assert_sane(
            &run(&d, &["--connection", "sandbox", "apply", &plan_arg]),
            &format!("{what}, apply plan.json"),
        );
        // A lock file, however damaged, is cleared by force-unlock.
        if target == &lock_path {
            assert_sane(&run(&d, &["force-unlock", "--yes"]), &what);
            assert!(!lock_path.exists(), "{what}: force-unlock left the lock");
        }
    }
}

// ---------------------------------------------------------------------------------------
// kill -9, signals and lost answers during an apply

/// An apply of the example killed (SIGKILL) at random moments: the state always parses,
/// the re-run converges and runs nothing twice (see `robust::killed_then_rerun`).
#[test]
fn applies_killed_at_random_moments_lose_nothing() {
    let mut r = rng("applies_killed_at_random_moments_lose_nothing");
    for _ in 0..size(2, 40) {
        let ms = r.u64(50..1800);
        let parallelism = if r.bool() { "1" } else { "4" };
        killed_then_rerun(Duration::from_millis(ms), parallelism);
    }
}

const SIGNALLED: &str = r#"
warehouse "w" {
  for_each = toset(["A", "B", "C", "D", "E", "F", "G", "H"])
  name     = "SG_${each.key}"
}
"#;

/// SIGINT (Ctrl-C), SIGTERM and SIGHUP during an apply, at random moments. Each makes the
/// apply start nothing new, let running statements finish, release the lock and exit 1 when
/// statements were left unrun (0 when none were). The state parses and a re-run converges:
/// an empty plan, no drift.
#[test]
fn applies_interrupted_by_signals_converge_on_rerun() {
    let mut r = rng("applies_interrupted_by_signals_converge_on_rerun");
    for case in 0..size(3, 24) {
        let signal = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP][case % 3];
        let served = Served::start(60);
        let d = Dir::with(&[("main.hcl", SIGNALLED)]);
        d.connect(&served, "ci");
        let mut apply = spawn(
            &d,
            &[
                "--connection",
                "ci",
                "apply",
                "--auto-approve",
                "--parallelism",
                if r.bool() { "1" } else { "3" },
            ],
        );
        let rest = wait_for_line(&mut apply, "done ");
        std::thread::sleep(Duration::from_millis(r.u64(0..400)));
        unsafe { libc::kill(apply.id() as libc::pid_t, signal) };
        let status = apply.wait().unwrap();
        let stderr = rest.join().unwrap().join("\n");
        let what = format!("case {case}: signal {signal}");
        assert!(!stderr.contains("panicked"), "{what}\n{stderr}");
        assert!(
            matches!(status.code(), Some(0 | 1)),
            "{what}: {status:?}\n{stderr}"
        );
        assert!(
            !d.path().join("state/default.json.lock").exists(),
            "{what}: the interrupted apply left the lock\n{stderr}"
        );
        d.run(&["state", "list"]).ok();
        let rerun = d.on("ci", &["apply", "--auto-approve"]);
        assert_eq!(rerun.code, 0, "{what}\n{}", rerun.stderr);
        let plan = d.on("ci", &["plan", "--detailed-exitcode"]);
        assert_eq!(plan.code, 0, "{what}: not converged\n{}", plan.stdout);
        assert_eq!(d.on("ci", &["drift"]).code, 0, "{what}: drift");
    }
}

/// Answers lost on the way back (the sandbox runs a statement, then drops the connection)
/// and refused requests (429/503): an apply ends in 0 or 1, and re-runs converge.
#[test]
fn lost_answers_and_refused_requests_converge() {
    let mut r = rng("lost_answers_and_refused_requests_converge");
    for case in 0..size(2, 24) {
        let every = r.u64(2..8).to_string();
        let status = if r.bool() { "429" } else { "503" };
        let flags: Vec<&str> = if case % 2 == 0 {
            vec!["--drop-connection-every", &every]
        } else {
            vec!["--fail-every", &every, "--fail-status", status]
        };
        let what = format!("case {case}: {}", flags.join(" "));
        let served = Served::start_with(0, &flags);
        let d = Dir::with(&[("main.hcl", SIGNALLED)]);
        d.connect(&served, "ci");
        let mut converged = false;
        for _ in 0..4 {
            let out = d.on("ci", &["apply", "--auto-approve"]);
            assert!(
                matches!(out.code, 0 | 1) && !out.stderr.contains("panicked"),
                "{what}: exit {}\n{}",
                out.code,
                out.stderr
            );
            let plan = d.on("ci", &["plan", "--detailed-exitcode"]);
            if plan.code == 0 {
                converged = true;
                break;
            }
        }
        assert!(converged, "{what}: not converged after 4 applies");
    }
}
