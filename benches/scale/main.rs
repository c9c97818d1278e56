//! Scale benchmarks of the release binary on generated configurations (docs/performance.md):
//!
//! - `offline`: 10,000 objects in 50 schemas; `validate` and `plan --refresh=false`.
//! - `refresh`: 10,000 objects in 20 schemas (50 roles among them, future grants in every
//!   schema) applied to `sandbox serve`; a refreshing `plan` against the server with 50 ms
//!   latency per request.
//! - `apply`: 1,000 new objects in 10 schemas applied against 50 ms latency, compared with
//!   the bound computed from the plan's statements and its longest dependency chain.
//! - `curve [OBJECTS...]`: how cost grows with size (1k, 2k, 4k, 8k, 16k objects by default):
//!   validate, offline plan, a first apply and a refreshing plan against `sandbox serve` at
//!   zero latency, and the state's size, as one table of medians.
//! - `backend`: the same first apply with the state in a file and in a Snowflake table
//!   (20 ms latency): what the table backend adds beyond its round trips.
//! - `gen DIR OBJECTS SCHEMAS DATABASES`: only write a configuration.
//!
//! Run: `cargo bench --bench scale [-- offline|refresh|apply|curve|gen ...]` (the first
//! three by default). `SNOWFORM_BENCH_BIN` runs another build of snowform (to compare
//! before and after a change).
//! Under `cargo test` it only makes a smoke run on 300 objects.
//! Work files stay in `$TMPDIR/snowform-scale/<scenario>/` so each command can be rerun by hand.

mod backend;
mod generate;
mod measure;
mod serve;

use generate::{Counts, Shape};
use measure::Measured;
use serde_json::Value;
use snowform::plan::saved::SavedPlan;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

const BUILT: &str = env!("CARGO_BIN_EXE_snowform");

/// The snowform binary measured: this build's, or `SNOWFORM_BENCH_BIN`.
fn bin() -> PathBuf {
    std::env::var_os("SNOWFORM_BENCH_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(BUILT))
}
const LATENCY_MS: u64 = 50;
/// The configuration the apply scenarios (`apply`, `backend`) apply: 1,000 objects in 10 schemas.
const APPLY_SHAPE: Shape = Shape {
    objects: 1_000,
    schemas: 10,
    databases: 1,
    roles: 10,
};
const RUNS: usize = 3;
/// Runs of each first apply in the scaling curve; the median is reported.
const APPLY_RUNS: usize = 3;

fn main() {
    let raw: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    if raw.first().is_some_and(|a| a == measure::CHILD) {
        measure::child_main(&raw[1..]);
    }
    // `cargo bench` passes `--bench`; `cargo test` runs this binary without it, on a debug
    // build (with any test-name filter as an argument): then only a small smoke run checks
    // that the pieces still fit.
    if !std::env::args().any(|a| a == "--bench") {
        smoke();
        return;
    }
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    match args.first().map(String::as_str) {
        None => {
            offline();
            refresh();
            apply();
        }
        Some("offline") => offline(),
        Some("refresh") => refresh(),
        Some("apply") => apply(),
        Some("backend") => backend::backend(),
        Some("curve") => {
            let sizes: Vec<usize> = args[1..]
                .iter()
                .map(|a| a.parse().unwrap_or_else(|_| usage()))
                .collect();
            curve(if sizes.is_empty() {
                &[1_000, 2_000, 4_000, 8_000, 16_000]
            } else {
                &sizes
            });
        }
        Some("gen") => {
            let num = |i: usize| -> usize {
                args.get(i)
                    .and_then(|a| a.parse().ok())
                    .unwrap_or_else(|| usage())
            };
            let dir = PathBuf::from(args.get(1).unwrap_or_else(|| usage()));
            let counts = generate::write(
                &dir,
                Shape {
                    objects: num(2),
                    schemas: num(3),
                    databases: num(4),
                    // ROLES, optional: 0 writes no access control at all.
                    roles: args
                        .get(5)
                        .map(|_| num(5))
                        .unwrap_or_else(|| num(3).min(50)),
                },
            )
            .expect("write the configuration");
            print_counts(&dir, &counts);
        }
        Some(_) => usage(),
    }
}

fn usage() -> ! {
    eprintln!("usage: cargo bench --bench scale -- [offline|refresh|apply|backend|curve [OBJECTS...]|gen DIR OBJECTS SCHEMAS DATABASES [ROLES]]");
    std::process::exit(2)
}

/// A clean work directory for one scenario.
fn workdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join("snowform-scale").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("work directory");
    dir
}

fn generate(dir: &Path, shape: Shape) -> PathBuf {
    let config = dir.join("config");
    let counts = generate::write(&config, shape).expect("write the configuration");
    print_counts(&config, &counts);
    config
}

/// The raw tables the generated feature views read (written beside the configuration).
fn landing(config: &Path) -> String {
    std::fs::read_to_string(config.join("landing.sql")).expect("landing.sql")
}

fn print_counts(dir: &Path, c: &Counts) {
    println!(
        "configuration {}: {} objects = {} warehouses, {} databases, {} schemas, {} stages, {} entities, \
         {} feature views ({} views, {} dynamic tables, {} on cron), {} models ({} versions), \
         {} tasks in {} graphs, {} roles, {} grants",
        dir.display(),
        c.objects(),
        c.warehouses,
        c.databases,
        c.schemas,
        c.stages,
        c.entities,
        c.views + c.dynamic_tables + c.cron_dynamic_tables,
        c.views,
        c.dynamic_tables + c.cron_dynamic_tables,
        c.cron_dynamic_tables,
        c.models,
        c.model_versions,
        c.tasks,
        c.task_graphs,
        c.roles,
        c.grants
    );
}

/// `snowform -C config ...` with an environment of its own.
fn snowform(config: &Path, home: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(bin());
    cmd.arg("-C").arg(config).args(args);
    for (k, _) in std::env::vars() {
        if k.starts_with("SNOWFORM_") || k.starts_with("SNOWFLAKE_") {
            cmd.env_remove(k);
        }
    }
    cmd.env("SNOWFLAKE_HOME", home)
        .env("NO_COLOR", "1")
        .env_remove("RUST_LOG");
    cmd
}

fn report(what: &str, m: &Measured) {
    println!(
        "  {what:<44} wall {:>8.3} s   peak RSS {:>7.1} MiB",
        m.wall.as_secs_f64(),
        m.peak_rss_mib
    );
}

fn verdict(what: &str, ok: bool) {
    println!("  {what}: {}", if ok { "met" } else { "NOT MET" });
}

fn max_of(ms: &[Measured]) -> (Duration, f64) {
    (
        ms.iter().map(|m| m.wall).max().unwrap_or_default(),
        ms.iter().map(|m| m.peak_rss_mib).fold(0.0, f64::max),
    )
}

fn json(m: &Measured) -> Value {
    serde_json::from_str(&m.stdout).expect("JSON report on stdout")
}

fn summary(plan: &Value) -> String {
    let s = &plan["summary"];
    format!(
        "create {} update {} replace {} delete {} noop {}",
        s["create"], s["update"], s["replace"], s["delete"], s["noop"]
    )
}

/// A configuration of 300 objects validates and plans offline: the generator's output is
/// a valid configuration and every object is planned.
fn smoke() {
    let dir = workdir("smoke");
    let shape = Shape {
        objects: 300,
        schemas: 3,
        databases: 2,
        roles: 2,
    };
    let config = generate(&dir, shape);
    measure::run(
        &mut snowform(&config, &dir, &["validate"]),
        &dir,
        "validate",
    );
    let p = measure::run(
        &mut snowform(
            &config,
            &dir,
            &["plan", "--refresh=false", "--format", "json"],
        ),
        &dir,
        "plan",
    );
    let plan = json(&p);
    assert_eq!(plan["summary"]["create"], 300, "every object is planned");
    println!("scale smoke run: {}", summary(&plan));
}

fn offline() {
    println!("\n== offline: validate and plan --refresh=false, 10,000 objects in 50 schemas");
    let dir = workdir("offline");
    let config = generate(
        &dir,
        Shape {
            objects: 10_000,
            schemas: 50,
            databases: 5,
            roles: 50,
        },
    );
    let mut validates = Vec::new();
    let mut plans = Vec::new();
    println!("  load average {}", load_average());
    for run in 1..=RUNS {
        let v = measure::run(
            &mut snowform(&config, &dir, &["validate"]),
            &dir,
            &format!("validate-{run}"),
        );
        report(&format!("validate (run {run})"), &v);
        let p = measure::run(
            &mut snowform(
                &config,
                &dir,
                &["plan", "--refresh=false", "--format", "json"],
            ),
            &dir,
            &format!("plan-{run}"),
        );
        report(&format!("plan --refresh=false (run {run})"), &p);
        let plan = json(&p);
        assert_eq!(plan["summary"]["create"], 10_000, "every object is created");
        if run == 1 {
            println!(
                "  plan: {}; {} statements",
                summary(&plan),
                plan["statements"].as_array().map_or(0, Vec::len)
            );
        }
        validates.push(v);
        plans.push(p);
    }
    println!("  load average {}", load_average());
    let (_, validate_rss) = max_of(&validates);
    let (_, plan_rss) = max_of(&plans);
    let v = median("validate", validates);
    let p = median("plan --refresh=false", plans);
    verdict(
        &format!(
            "validate under 150 ms (median {:.3} s; peak {validate_rss:.1} MiB)",
            v.wall.as_secs_f64()
        ),
        v.wall < Duration::from_millis(150),
    );
    verdict(
        &format!(
            "plan under 250 ms and 150 MB (median {:.3} s; peak {plan_rss:.1} MiB)",
            p.wall.as_secs_f64()
        ),
        p.wall < Duration::from_millis(250) && plan_rss < 150.0,
    );
}

fn refresh() {
    println!(
        "\n== refresh: plan against sandbox serve --latency-ms {LATENCY_MS}, 10,000 objects in 20 schemas"
    );
    let dir = workdir("refresh");
    let config = generate(
        &dir,
        Shape {
            objects: 10_000,
            schemas: 20,
            databases: 2,
            roles: 50,
        },
    );
    // Fill the account through the same server, as a first apply would.
    let server = serve::Server::start(&bin(), LATENCY_MS, &dir.join("serve.log"));
    server.run_script(&landing(&config));
    let home = serve::snowflake_home(&dir, server.port);
    let a = measure::run(
        &mut snowform(
            &config,
            &home,
            &[
                "--connection",
                serve::CONNECTION,
                "apply",
                "--auto-approve",
                "--parallelism",
                "16",
            ],
        ),
        &dir,
        "fill",
    );
    report("setup: apply --parallelism 16", &a);
    let mut runs = Vec::new();
    for run in 1..=RUNS {
        let before = server.stats()["statements"].as_u64().unwrap_or(0);
        let p = measure::run(
            &mut snowform(
                &config,
                &home,
                &[
                    "--connection",
                    serve::CONNECTION,
                    "plan",
                    "--format",
                    "json",
                ],
            ),
            &dir,
            &format!("plan-{run}"),
        );
        let after = server.stats()["statements"].as_u64().unwrap_or(0);
        report(&format!("plan, refreshing (run {run})"), &p);
        let plan = json(&p);
        println!(
            "    metadata_queries {} (server executed {}); {}",
            plan["metadata_queries"],
            after - before,
            summary(&plan)
        );
        assert_eq!(
            plan["summary"]["noop"], 10_000,
            "the applied account matches"
        );
        runs.push((p, plan["metadata_queries"].as_u64().unwrap_or(u64::MAX)));
    }
    server.stop();
    println!("  load average {}", load_average());
    let queries = runs.iter().map(|r| r.1).max().unwrap_or(0);
    let ms: Vec<Measured> = runs.into_iter().map(|r| r.0).collect();
    let (_, rss) = max_of(&ms);
    let m = median("refreshing plan", ms);
    // Access control adds one SHOW GRANTS TO ROLE per declared role and one SHOW FUTURE
    // GRANTS per managed schema and database (docs/performance.md).
    let budget = 60 + 50 + 20 + 2;
    verdict(
        &format!(
            "at most {budget} queries, under 0.5 s and 300 MB (worst {queries} queries, median {:.3} s, {rss:.1} MiB)",
            m.wall.as_secs_f64()
        ),
        queries <= budget && m.wall < Duration::from_millis(500) && rss < 300.0,
    );
}

/// Statements in the plan and the longest chain of statements that must run one after another.
fn plan_shape(saved: &Path) -> (usize, usize) {
    let text = std::fs::read_to_string(saved).expect("saved plan");
    let plan = SavedPlan::parse(&text).expect("saved plan").1;
    let mut depth = vec![0usize; plan.steps.len()];
    // `order` is a topological order of the steps; the main phase ends before any step
    // marked `after_main_phase` starts.
    let mut main_phase = 0;
    for &id in &plan.order {
        let step = &plan.steps[id];
        if step.after_main_phase && main_phase == 0 {
            main_phase = plan
                .main_phase_ends
                .iter()
                .map(|&e| depth[e])
                .max()
                .unwrap_or(0);
        }
        let gate = if step.after_main_phase { main_phase } else { 0 };
        let before = step
            .after
            .iter()
            .map(|&a| depth[a])
            .max()
            .unwrap_or(0)
            .max(gate);
        depth[id] = before + usize::from(step.sql.is_some());
    }
    let statements = plan.steps.iter().filter(|s| s.sql.is_some()).count();
    (statements, depth.into_iter().max().unwrap_or(0))
}

fn apply() {
    println!(
        "\n== apply: 1,000 new objects in 10 schemas against sandbox serve --latency-ms {LATENCY_MS}"
    );
    let dir = workdir("apply");
    let config = generate(&dir, APPLY_SHAPE);
    let latency = LATENCY_MS as f64 / 1000.0;
    for parallelism in [4usize, 16] {
        let run_dir = dir.join(format!("p{parallelism}"));
        std::fs::create_dir_all(&run_dir).expect("run directory");
        let _ = std::fs::remove_dir_all(config.join("state"));
        let server = serve::Server::start(&bin(), LATENCY_MS, &run_dir.join("serve.log"));
        server.run_script(&landing(&config));
        // The landing tables are not snowform's requests.
        let seeded = server.stats()["requests"].as_u64().unwrap_or(0);
        let home = serve::snowflake_home(&run_dir, server.port);
        let conn = ["--connection", serve::CONNECTION];
        let saved = run_dir.join("plan.json");
        let saved_arg = saved.to_string_lossy().to_string();
        let p = measure::run(
            &mut snowform(
                &config,
                &home,
                &[&conn[..], &["plan", "--out", &saved_arg]].concat(),
            ),
            &run_dir,
            "plan",
        );
        report("plan --out (refreshing, empty account)", &p);
        let (statements, chain) = plan_shape(&saved);
        let bound = chain as f64 * latency + statements as f64 * latency / parallelism as f64;
        let par = parallelism.to_string();
        let a = measure::run(
            &mut snowform(
                &config,
                &home,
                &[
                    &conn[..],
                    &[
                        "--format",
                        "json",
                        "apply",
                        "--auto-approve",
                        "--parallelism",
                        &par,
                    ],
                ]
                .concat(),
            ),
            &run_dir,
            "apply",
        );
        report(&format!("apply --parallelism {parallelism}"), &a);
        let stats = server.stats();
        server.stop();
        let rep = json(&a);
        let applied = rep["applied"].as_array().map_or(0, Vec::len);
        assert_eq!(applied, statements, "every statement applied");
        println!(
            "    {statements} statements, longest chain {chain}; bound = {chain} x {latency} s + {statements} x {latency} s / {parallelism} = {bound:.2} s; \
             1.2 x bound = {:.2} s; {:.3}x the bound; server requests {}; load average {}",
            1.2 * bound,
            a.wall.as_secs_f64() / bound,
            stats["requests"].as_u64().unwrap_or(0) - seeded,
            load_average()
        );
        verdict(
            &format!(
                "apply within 1.2x the bound ({:.2} s against {:.2} s)",
                a.wall.as_secs_f64(),
                1.2 * bound
            ),
            a.wall.as_secs_f64() <= 1.2 * bound,
        );
    }
}

/// One row of the scaling curve: the median run of each command.
struct Point {
    objects: usize,
    statements: usize,
    validate: Measured,
    plan: Measured,
    apply: Measured,
    /// The sandbox server's own time during the median apply.
    apply_server_s: f64,
    refresh: Measured,
    state_bytes: u64,
}

/// The median of `runs` by wall time (the upper one of an even count), with every run
/// printed.
fn median(what: &str, mut runs: Vec<Measured>) -> Measured {
    let walls: Vec<String> = runs
        .iter()
        .map(|m| format!("{:.3}", m.wall.as_secs_f64()))
        .collect();
    println!("    {what}: {} s", walls.join(", "));
    runs.sort_by_key(|m| m.wall);
    runs.swap_remove(runs.len() / 2)
}

/// The machine's load average over the last minute, printed beside the figures: the
/// benchmark shares its cores with whatever else runs.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "?".into())
}

/// The cost of each command as the configuration grows, at zero latency so that what is
/// measured is snowform's own work (and the sandbox's), not waiting on round trips. Each
/// command runs [`RUNS`] times; the table holds the medians.
fn curve(sizes: &[usize]) {
    const PARALLELISM: &str = "8";
    println!(
        "\n== curve: validate, plan --refresh=false, first apply (sandbox serve in memory, latency 0, parallelism {PARALLELISM}) and a refreshing plan; medians of {RUNS} runs"
    );
    let mut points = Vec::new();
    for &objects in sizes {
        let dir = workdir(&format!("curve/{objects}"));
        let config = generate(
            &dir,
            Shape {
                objects,
                schemas: (objects / 200).max(1),
                databases: (objects / 2_000).max(1),
                roles: (objects / 200).clamp(1, 50),
            },
        );
        println!("  {objects} objects (load average {})", load_average());
        let runs = |args: &[&str], name: &str| -> Vec<Measured> {
            (1..=RUNS)
                .map(|run| {
                    measure::run(
                        &mut snowform(&config, &dir, args),
                        &dir,
                        &format!("{name}-{run}"),
                    )
                })
                .collect()
        };
        let validate = median("validate", runs(&["validate"], "validate"));
        let plan = median(
            "plan --refresh=false",
            runs(&["plan", "--refresh=false", "--format", "json"], "plan"),
        );
        let planned = json(&plan);
        assert_eq!(
            planned["summary"]["create"], objects,
            "every object is planned"
        );
        let statements = planned["statements"].as_array().map_or(0, Vec::len);
        drop(planned);
        // Each first apply goes into a fresh account with no state.
        let conn = ["--connection", serve::CONNECTION];
        let args = [
            "--format",
            "json",
            "apply",
            "--auto-approve",
            "--parallelism",
            PARALLELISM,
        ];
        let mut applies = Vec::new();
        let mut last: Option<serve::Server> = None;
        for run in 1..=APPLY_RUNS {
            if let Some(old) = last.take() {
                old.stop();
            }
            let _ = std::fs::remove_dir_all(config.join("state"));
            let server = serve::Server::start(&bin(), 0, &dir.join(format!("serve-{run}.log")));
            server.run_script(&landing(&config));
            let home = serve::snowflake_home(&dir, server.port);
            let apply = measure::run(
                &mut snowform(&config, &home, &[&conn[..], &args[..]].concat()),
                &dir,
                &format!("apply-{run}"),
            );
            let applied = json(&apply)["applied"].as_array().map_or(0, Vec::len);
            assert_eq!(applied, statements, "every statement applied");
            let server_s = server.stats()["server_time_us"].as_u64().unwrap_or(0) as f64 / 1e6;
            println!(
                "    apply run {run}: {:.3} s (the server's own time {server_s:.2} s; load average {})",
                apply.wall.as_secs_f64(),
                load_average()
            );
            applies.push((apply, server_s));
            last = Some(server);
        }
        applies.sort_by_key(|(m, _)| m.wall);
        let (apply, apply_server_s) = applies.swap_remove(applies.len() / 2);
        // The refreshing plans read the last run's account, with its state.
        let server = last.expect("one apply run");
        let home = serve::snowflake_home(&dir, server.port);
        let refreshes: Vec<Measured> = (1..=RUNS)
            .map(|run| {
                let m = measure::run(
                    &mut snowform(
                        &config,
                        &home,
                        &[&conn[..], &["plan", "--format", "json"]].concat(),
                    ),
                    &dir,
                    &format!("refresh-{run}"),
                );
                assert_eq!(json(&m)["summary"]["noop"], objects, "the account matches");
                m
            })
            .collect();
        let refresh = median("refreshing plan", refreshes);
        server.stop();
        let state_bytes = std::fs::metadata(config.join("state/default.json"))
            .map(|m| m.len())
            .unwrap_or(0);
        let p = Point {
            objects,
            statements,
            validate,
            plan,
            apply,
            apply_server_s,
            refresh,
            state_bytes,
        };
        println!(
            "  {objects} objects, medians: validate {:.3} s, plan {:.3} s, apply {:.2} s ({statements} statements), refreshing plan {:.3} s, state {} bytes",
            p.validate.wall.as_secs_f64(),
            p.plan.wall.as_secs_f64(),
            p.apply.wall.as_secs_f64(),
            p.refresh.wall.as_secs_f64(),
            p.state_bytes
        );
        points.push(p);
    }
    println!(
        "\n| objects | statements | validate | plan --refresh=false | apply (latency 0, P={PARALLELISM}) | apply / object | server time in apply | refreshing plan (latency 0) | state bytes / object | peak RSS (plan / apply) |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for p in &points {
        println!(
            "| {} | {} | {:.3} s | {:.3} s | {:.2} s | {:.0} µs | {:.2} s | {:.3} s | {} | {:.0} / {:.0} MiB |",
            p.objects,
            p.statements,
            p.validate.wall.as_secs_f64(),
            p.plan.wall.as_secs_f64(),
            p.apply.wall.as_secs_f64(),
            p.apply.wall.as_secs_f64() * 1e6 / p.objects as f64,
            p.apply_server_s,
            p.refresh.wall.as_secs_f64(),
            p.state_bytes / p.objects.max(1) as u64,
            p.plan.peak_rss_mib,
            p.apply.peak_rss_mib
        );
    }
    let at = |n: usize| points.iter().find(|p| p.objects == n);
    if let (Some(small), Some(large)) = (at(2_000), at(8_000)) {
        let ratio = large.apply.wall.as_secs_f64() / small.apply.wall.as_secs_f64();
        verdict(
            &format!("apply of 8,000 objects within 4.5x that of 2,000 (medians: {ratio:.2}x)"),
            ratio <= 4.5,
        );
    }
    if let Some(p) = at(10_000) {
        verdict(
            &format!(
                "apply of 10,000 objects under 10 s (median {:.2} s)",
                p.apply.wall.as_secs_f64()
            ),
            p.apply.wall < Duration::from_secs(10),
        );
    }
    for p in &points {
        let per = p.state_bytes / p.objects.max(1) as u64;
        if p.objects >= 1_000 {
            verdict(
                &format!(
                    "state of {} objects under 250 bytes an object ({per})",
                    p.objects
                ),
                per < 250,
            );
        }
    }
}
