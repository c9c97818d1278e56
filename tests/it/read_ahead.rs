//! `plan` reads the state and asks the account about the state's objects while the
//! configuration is still being evaluated (see `cli::planning::load_reading_ahead`), and
//! `drift` reads all it compares then. What they show must be what a read after the
//! evaluation would show: every query sent once and counted, the configuration's own
//! objects read too, and a configuration with errors reported as such, whatever the account
//! does.

use crate::common::{actions, Dir, Served};

/// Made up here: a database with two schemas and their stages.
fn team(schemas: usize) -> String {
    let mut hcl = String::from("database \"d\" {\n  name = \"AHEAD_DB\"\n}\n");
    for i in 0..schemas {
        hcl.push_str(&format!(
            "schema \"s{i}\" {{\n  database = database.d\n  name = \"S{i}\"\n}}\nstage \"t{i}\" {{\n  schema = schema.s{i}\n  name = \"T{i}\"\n}}\n"
        ));
    }
    hcl
}

#[test]
fn a_plan_sends_each_query_once_counts_every_one_and_reads_what_only_the_configuration_names() {
    let served = Served::start(0);
    let d = Dir::with(&[("main.hcl", &team(1))]);
    d.connect(&served, "ci");
    d.on("ci", &["apply", "--auto-approve"]).ok();

    // A schema the state does not record: the read ahead (of the state's objects) does not
    // ask about it, the read that follows does. It exists already, made outside snowform.
    served.run_script("CREATE SCHEMA AHEAD_DB.S1; CREATE STAGE AHEAD_DB.S1.T1;");
    d.write("main.hcl", &team(2));
    let before = served.stats();
    let plan = d.on("ci", &["plan", "--format", "json"]).code(1);
    assert!(
        plan.stderr.contains("already exists") || plan.stderr.contains("import"),
        "the schema made outside snowform is seen: {}",
        plan.stderr
    );
    let after = served.stats();
    let sent: Vec<(&String, u64)> = after
        .executed
        .iter()
        .map(|(sql, n)| (sql, n - before.executed.get(sql).copied().unwrap_or(0)))
        .filter(|(_, n)| *n > 0)
        .collect();
    assert!(
        sent.iter().all(|(_, n)| *n == 1),
        "a query sent twice: {sent:#?}"
    );

    // Without it, the plan creates them; every query it sent is counted.
    served.run_script("DROP SCHEMA AHEAD_DB.S1;");
    let before = served.stats();
    let plan = d.on("ci", &["plan", "--format", "json"]).ok().json();
    let after = served.stats();
    assert_eq!(
        actions(&plan),
        vec![
            ("schema.s1".to_string(), "create".to_string()),
            ("stage.t1".to_string(), "create".to_string()),
        ]
    );
    let sent = after.statements - before.statements;
    assert_eq!(plan["metadata_queries"].as_u64().unwrap(), sent);
}

#[test]
fn a_configuration_with_errors_is_reported_whatever_the_account_does() {
    let mut served = Served::start(0);
    let d = Dir::with(&[("main.hcl", &team(1))]);
    d.connect(&served, "ci");
    d.on("ci", &["apply", "--auto-approve"]).ok();
    served.kill();
    reported_before_the_account(&d, "plan");
}

/// With the account gone (connection `ci`), or no such connection at all, `command` on a
/// configuration that names what it does not declare reports that, and nothing of the account.
fn reported_before_the_account(d: &Dir, command: &str) {
    d.write(
        "main.hcl",
        &format!(
            "{}stage \"x\" {{\n  schema = schema.nowhere\n  name = \"X\"\n}}\n",
            team(1)
        ),
    );
    for connection in ["ci", "undefined"] {
        let out = d.on(connection, &[command]).code(1);
        assert!(out.stderr.contains("main.hcl:"), "{}", out.stderr);
        assert!(out.stderr.contains("nowhere"), "{}", out.stderr);
        assert!(
            !out.stderr.contains("reading the account failed")
                && !out.stderr.contains("not defined"),
            "{command} on {connection}: {}",
            out.stderr
        );
    }
}

#[test]
fn what_the_work_ahead_prints_comes_after_the_configurations_diagnostics() {
    // The embedded sandbox says where its account is kept when the connection opens,
    // which now happens while the configuration loads; the configuration warns of a
    // variable file's value that no variable takes.
    let d = Dir::with(&[("main.hcl", "warehouse \"w\" {\n  name = \"AHEAD_W\"\n}\n")]);
    d.write("extra.tfvars", "nope = \"x\"\n");
    let vars = d.path().join("extra.tfvars");
    let out = d
        .run(&[
            "--connection",
            "sandbox",
            "--var-file",
            vars.to_str().unwrap(),
            "plan",
        ])
        .ok();
    let warning = out.stderr.find("no variable \"nope\"").expect(&out.stderr);
    let note = out.stderr.find("embedded sandbox").expect(&out.stderr);
    assert!(warning < note, "{}", out.stderr);
}

#[test]
fn drift_reads_the_account_while_the_configuration_loads_and_reports_a_broken_one_first() {
    let mut served = Served::start(0);
    let d = Dir::with(&[("main.hcl", &team(1))]);
    d.connect(&served, "ci");
    d.on("ci", &["apply", "--auto-approve"]).ok();
    served.run_script("ALTER STAGE AHEAD_DB.S0.T0 SET COMMENT = 'by hand';");

    let before = served.stats();
    let drift = d.on("ci", &["drift", "--format", "json"]).code(2).json();
    let after = served.stats();
    assert_eq!(drift["drifted"][0]["address"], "stage.t0", "{drift:#}");
    assert!(after.executed.iter().all(|(sql, n)| n - before
        .executed
        .get(sql)
        .copied()
        .unwrap_or(0)
        <= 1));
    assert_eq!(
        drift["metadata_queries"].as_u64().unwrap(),
        after.statements - before.statements
    );

    served.kill();
    reported_before_the_account(&d, "drift");
}
