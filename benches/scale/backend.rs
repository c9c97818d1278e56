//! `backend`: what recording the state in a Snowflake table costs an apply, against a state
//! file. The same first apply (1,000 objects in 10 schemas, `sandbox serve --latency-ms 20`,
//! parallelism 8) runs once with each backend; the table backend's extra requests are its
//! round trips, and the verdict checks that the time it adds is no more than they take.

use super::{
    generate, json, landing, load_average, measure, report, serve, snowform, verdict, workdir,
    APPLY_SHAPE,
};

const LATENCY_MS: u64 = 20;
const PARALLELISM: &str = "8";
/// The backend block the table run adds beside the generated configuration.
const TABLE_BACKEND: &str =
    "backend \"snowflake\" {\n  database = \"SNOWFORM\"\n  schema   = \"STATE\"\n  table    = \"WORKSPACES\"\n}\n";
/// What an administrator creates once for that backend (the table itself snowform creates).
const TABLE_SCHEMA: &str = "CREATE DATABASE SNOWFORM; CREATE SCHEMA SNOWFORM.STATE;";

struct Run {
    wall: f64,
    requests: u64,
}

pub fn backend() {
    println!(
        "\n== backend: a first apply of 1,000 objects in 10 schemas, sandbox serve --latency-ms {LATENCY_MS}, --parallelism {PARALLELISM}: state file against a Snowflake table"
    );
    let dir = workdir("backend");
    let config = generate(&dir, APPLY_SHAPE);
    let file = apply_with(&dir, &config, "file", None);
    let table = apply_with(&dir, &config, "table", Some(TABLE_BACKEND));
    let extra_requests = table.requests.saturating_sub(file.requests);
    let round_trips = extra_requests as f64 * LATENCY_MS as f64 / 1000.0;
    let added = table.wall - file.wall;
    println!(
        "    state file {:.3} s, {} requests; Snowflake table {:.3} s, {} requests ({:.2}x the time); \
         the table adds {extra_requests} requests = {round_trips:.2} s of round trips one after another, and {added:.2} s of wall time; load average {}",
        file.wall,
        file.requests,
        table.wall,
        table.requests,
        table.wall / file.wall,
        load_average()
    );
    verdict(
        &format!(
            "the table backend adds no more than its round trips ({added:.2} s against {round_trips:.2} s)"
        ),
        added <= round_trips,
    );
}

fn apply_with(
    dir: &std::path::Path,
    config: &std::path::Path,
    name: &str,
    block: Option<&str>,
) -> Run {
    let run_dir = dir.join(name);
    std::fs::create_dir_all(&run_dir).expect("run directory");
    let _ = std::fs::remove_dir_all(config.join("state"));
    let backend_file = config.join("backend.hcl");
    match block {
        Some(text) => std::fs::write(&backend_file, text).expect("backend.hcl"),
        None => {
            let _ = std::fs::remove_file(&backend_file);
        }
    }
    let server = serve::Server::start(&super::bin(), LATENCY_MS, &run_dir.join("serve.log"));
    server.run_script(&landing(config));
    if block.is_some() {
        server.run_script(TABLE_SCHEMA);
    }
    // The set-up is not the apply's requests.
    let seeded = server.stats()["requests"].as_u64().unwrap_or(0);
    let home = serve::snowflake_home(&run_dir, server.port);
    let measured = measure::run(
        &mut snowform(
            config,
            &home,
            &[
                "--connection",
                serve::CONNECTION,
                "--format",
                "json",
                "apply",
                "--auto-approve",
                "--parallelism",
                PARALLELISM,
            ],
        ),
        &run_dir,
        "apply",
    );
    report(&format!("apply, state in a {name}"), &measured);
    let requests = server.stats()["requests"].as_u64().unwrap_or(0) - seeded;
    server.stop();
    let applied = json(&measured)["applied"].as_array().map_or(0, Vec::len);
    assert!(applied > 0, "the apply ran statements");
    let _ = std::fs::remove_file(&backend_file);
    Run {
        wall: measured.wall.as_secs_f64(),
        requests,
    }
}
