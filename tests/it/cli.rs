//! The command-line contract: global options anywhere, exit codes, streams.

use crate::common::Dir;

const SMALL: &str = r#"
warehouse "compute" {
  name         = "COMPUTE_WH"
  auto_suspend = 60
}
"#;

#[test]
fn global_options_go_before_or_after_the_command() {
    let d = Dir::with(&[("main.hcl", SMALL)]);
    let before = d
        .run(&["--format", "json", "plan", "--refresh=false"])
        .ok()
        .stdout;
    let after = d
        .run(&["plan", "--refresh=false", "--format", "json"])
        .ok()
        .stdout;
    assert_eq!(before, after);
}

#[test]
fn detailed_exitcode_says_whether_there_are_changes() {
    let d = Dir::with(&[("main.hcl", SMALL)]);
    d.run(&["plan", "--refresh=false", "--detailed-exitcode"])
        .code(2);
    d.sandbox(&["apply", "--auto-approve"]).ok();
    d.sandbox(&["plan", "--detailed-exitcode"]).code(0);
    // Without --detailed-exitcode changes are still a success.
    d.write("main.hcl", &SMALL.replace("60", "120"));
    d.sandbox(&["plan"]).code(0);
    d.sandbox(&["plan", "--detailed-exitcode"]).code(2);
}

#[test]
fn validate_reports_every_problem_with_its_position_and_exits_1() {
    let d = Dir::with(&[
        (
            "a.hcl",
            "warehouse \"w\" {\n  name = \"W\"\n  sise = \"SMALL\"\n}\n",
        ),
        (
            "b.hcl",
            "schema \"s\" {\n  database = database.missing\n  name     = \"S\"\n}\n",
        ),
    ]);
    let out = d.run(&["validate"]).code(1);
    assert!(out.stderr.contains("a.hcl:3:3: error:"), "{}", out.stderr);
    assert!(
        out.stderr.contains("did you mean \"size\""),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("b.hcl:2:"), "{}", out.stderr);
    let json = d.run(&["validate", "--format", "json"]).code(1).json();
    let files: Vec<&str> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["file"].as_str().unwrap())
        .collect();
    assert_eq!(files, ["a.hcl", "b.hcl"]);
    for d in json.as_array().unwrap() {
        assert!(d["line"].as_u64().unwrap() > 0 && d["column"].as_u64().unwrap() > 0);
    }
}

#[test]
fn bad_input_changes_nothing() {
    let d = Dir::with(&[("main.hcl", SMALL)]);
    d.sandbox(&["apply", "--auto-approve"]).ok();
    let state_before = std::fs::read_to_string(d.path().join("state/default.json")).unwrap();
    d.write(
        "main.hcl",
        &format!("{SMALL}\nwarehouse \"broken\" {{\n  name = \"B\"\n  size = \"HUGE\"\n}}\n"),
    );
    let out = d.sandbox(&["apply", "--auto-approve"]).code(1);
    assert!(out.stderr.contains("main.hcl:"), "{}", out.stderr);
    assert!(out.stderr.contains("nothing was changed"), "{}", out.stderr);
    assert_eq!(
        std::fs::read_to_string(d.path().join("state/default.json")).unwrap(),
        state_before
    );
    let shown = d
        .run(&[
            "sandbox",
            "exec",
            "SHOW WAREHOUSES LIKE 'B'",
            "--format",
            "json",
        ])
        .ok()
        .json();
    assert_eq!(shown["rows"].as_array().unwrap().len(), 0);
}

#[test]
fn fmt_check_lists_files_that_would_change() {
    let d = Dir::with(&[(
        "main.hcl",
        "warehouse \"w\" {\nname = \"W\"\n    auto_suspend=60\n}\n",
    )]);
    let out = d.run(&["fmt", "--check"]).code(1);
    assert!(out.stdout.contains("main.hcl"), "{}", out.stdout);
    d.run(&["fmt"]).ok();
    d.run(&["fmt", "--check"]).ok();
    assert_eq!(
        std::fs::read_to_string(d.path().join("main.hcl")).unwrap(),
        "warehouse \"w\" {\n  name         = \"W\"\n  auto_suspend = 60\n}\n"
    );
}

#[test]
fn graph_is_dot_with_an_edge_per_dependency() {
    let d = Dir::example("mitsui-mlops");
    let dot = d.run(&["graph"]).ok().stdout;
    assert!(dot.starts_with("digraph snowform {"), "{dot}");
    assert!(
        dot.contains("\"schema.feature_store\" -> \"database.main\";"),
        "{dot}"
    );
    assert!(dot.contains("\"task.retrain\" -> \"task.score\";"), "{dot}");
    // The task that CALLs a procedure depends on it.
    assert!(
        dot.contains("\"task.retrain\" -> \"procedure.retrain\";"),
        "{dot}"
    );
}

#[test]
fn state_list_show_and_rm() {
    let d = Dir::with(&[("main.hcl", SMALL)]);
    d.sandbox(&["apply", "--auto-approve"]).ok();
    let list = d.run(&["state", "list"]).ok().stdout;
    assert_eq!(list.trim(), "warehouse.compute\twarehouse\tCOMPUTE_WH");
    let shown: serde_json::Value =
        serde_json::from_str(&d.run(&["state", "show", "warehouse.compute"]).ok().stdout).unwrap();
    assert_eq!(shown["properties"]["auto_suspend"], 60);
    assert!(shown["digest"].as_str().unwrap().len() == 64);
    d.run(&["state", "rm", "warehouse.compute"]).ok();
    assert_eq!(d.run(&["state", "list"]).ok().stdout, "");
    // Forgotten, not dropped: the warehouse is still there, so planning it again is refused.
    let out = d.sandbox(&["plan"]).code(1);
    assert!(
        out.stderr
            .contains("snowform import warehouse.compute 'COMPUTE_WH'"),
        "{}",
        out.stderr
    );
    d.sandbox(&["import", "warehouse.compute", "COMPUTE_WH"])
        .ok();
    d.sandbox(&["plan", "--detailed-exitcode"]).ok();
}

#[test]
fn connection_test_reports_the_session() {
    let d = Dir::with(&[("main.hcl", SMALL)]);
    let info = d
        .sandbox(&["connection", "test", "--format", "json"])
        .ok()
        .json();
    assert_eq!(info["account"], "SANDBOX");
    assert_eq!(info["user"], "SNOWFORM");
}

#[test]
fn apply_without_a_connection_says_how_to_get_one() {
    let d = Dir::with(&[("main.hcl", SMALL)]);
    let out = d.run(&["apply", "--auto-approve"]).code(1);
    assert!(out.stderr.contains("--connection"), "{}", out.stderr);
}

#[test]
fn target_limits_the_plan_to_an_address_and_what_it_depends_on() {
    let d = Dir::example("mitsui-mlops");
    let plan = d
        .run(&[
            "plan",
            "--refresh=false",
            "--format",
            "json",
            "--target",
            "stage.models",
        ])
        .ok()
        .json();
    let mut addresses: Vec<String> = crate::common::actions(&plan)
        .into_iter()
        .map(|(a, _)| a)
        .collect();
    addresses.sort();
    assert_eq!(
        addresses,
        ["database.main", "schema.feature_store", "stage.models"]
    );
    // A block address targets every instance of a for_each block.
    let teams = Dir::example("teams");
    let plan = teams
        .run(&[
            "plan",
            "--refresh=false",
            "--format",
            "json",
            "--target",
            "warehouse.team",
        ])
        .ok()
        .json();
    let addresses: Vec<String> = crate::common::actions(&plan)
        .into_iter()
        .map(|(a, _)| a)
        .collect();
    assert_eq!(
        addresses,
        ["warehouse.team[\"bi\"]", "warehouse.team[\"ml\"]"]
    );
}

#[test]
fn a_target_that_matches_no_address_is_an_error_naming_near_matches() {
    let d = Dir::example("mitsui-mlops");
    let out = d
        .run(&["plan", "--refresh=false", "--target", "stage.model"])
        .code(1);
    assert!(
        out.stderr.contains(
            "--target stage.model matches no address of the configuration or the state (did you mean stage.models?)"
        ),
        "{}",
        out.stderr
    );
    let out = d
        .sandbox(&[
            "apply",
            "--auto-approve",
            "--target",
            "warehouse.nothing_like_it",
        ])
        .code(1);
    assert!(
        out.stderr
            .contains("(warehouse addresses: warehouse.compute"),
        "{}",
        out.stderr
    );
}

#[test]
fn drift_lists_unmanaged_objects_in_managed_databases_and_schemas_only_when_asked() {
    let d = Dir::example("mitsui-mlops");
    d.seed_sources();
    d.sandbox(&["apply", "--auto-approve"]).ok();
    d.exec("CREATE TASK XYZ_DEV.FEATURE_STORE.HAND_MADE AS SELECT 1");
    d.exec("CREATE SCHEMA XYZ_DEV.SCRATCH");
    // Not reported: an object of a schema snowform does not manage (PUBLIC comes with
    // every database), a database or a warehouse (account-wide and usually shared).
    d.exec("CREATE STAGE XYZ_DEV.PUBLIC.ELSEWHERE");
    d.exec("CREATE STAGE XYZ_DEV.SCRATCH.INSIDE");
    d.exec("CREATE DATABASE OTHER_DB");
    d.exec("CREATE SCHEMA OTHER_DB.ELSEWHERE");
    d.exec("CREATE WAREHOUSE OTHER_WH");
    d.sandbox(&["drift"]).ok();
    let report = d
        .sandbox(&["drift", "--include-unmanaged", "--format", "json"])
        .code(2)
        .json();
    assert_eq!(
        report["summary"],
        serde_json::json!({"changed": 0, "deleted": 0, "unmanaged": 2})
    );
    let found: Vec<(&str, &str, &str, &str)> = report["drifted"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["kind"].as_str().unwrap(),
                i["name"].as_str().unwrap(),
                i["drift"].as_str().unwrap(),
                i["address"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            ("schema", "XYZ_DEV.SCRATCH", "unmanaged", ""),
            ("task", "XYZ_DEV.FEATURE_STORE.HAND_MADE", "unmanaged", ""),
        ]
    );
}

#[test]
fn renaming_a_database_carries_what_it_holds() {
    let before = r#"
warehouse "w" {
  name = "OLD_WH"
}
database "d" {
  name = "OLD_DB"
}
schema "s" {
  database = database.d
  name     = "S1"
}
task "t" {
  schema    = schema.s
  name      = "T1"
  sql       = "SELECT 1"
  warehouse = warehouse.w
}
stage "gone" {
  schema = schema.s
  name   = "GONE"
}
"#;
    let d = Dir::with(&[("main.hcl", before)]);
    d.sandbox(&["apply", "--auto-approve"]).ok();
    let after = before
        .replace("OLD_WH", "NEW_WH")
        .replace("OLD_DB", "NEW_DB")
        .replace("\"T1\"", "\"T2\"");
    let after = &after[..after.find("stage \"gone\"").unwrap()];
    d.write("main.hcl", after);
    let plan = d.sandbox(&["plan", "--format", "json"]).ok().json();
    assert_eq!(
        plan["statements"],
        serde_json::json!([
            "ALTER WAREHOUSE OLD_WH RENAME TO NEW_WH",
            "ALTER DATABASE OLD_DB RENAME TO NEW_DB",
            "CREATE TASK NEW_DB.S1.T2 WAREHOUSE = NEW_WH AS SELECT 1",
            "DROP TASK NEW_DB.S1.T1",
            "DROP STAGE NEW_DB.S1.GONE"
        ])
    );
    d.sandbox(&["apply", "--auto-approve", "--allow-destroy"])
        .ok();
    // The records followed: neither the account nor the state alone see anything left to do.
    d.sandbox(&["plan", "--detailed-exitcode"]).ok();
    d.run(&["plan", "--refresh=false", "--detailed-exitcode"])
        .ok();
    let list = d.run(&["state", "list"]).ok().stdout;
    assert!(list.contains("schema.s\tschema\tNEW_DB.S1"), "{list}");
}

/// Renaming a database, schema or warehouse destroys nothing but breaks everything outside
/// snowform that names the old name: every format of the plan says so, and apply needs
/// --allow-rename (or --allow-destroy), as it needs --allow-destroy for a drop.
#[test]
fn renaming_a_database_schema_or_warehouse_is_disruptive_and_needs_allow_rename() {
    let before = r#"
warehouse "w" {
  name = "OLD_WH"
}
database "d" {
  name = "OLD_DB"
}
schema "s" {
  database = database.d
  name     = "OLD_S"
}
"#;
    let d = Dir::with(&[("main.hcl", before)]);
    d.sandbox(&["apply", "--auto-approve"]).ok();
    let mut current = before.to_string();
    for (from, to, address) in [
        ("OLD_WH", "NEW_WH", "warehouse.w"),
        ("OLD_DB", "NEW_DB", "database.d"),
        ("OLD_S", "NEW_S", "schema.s"),
    ] {
        current = current.replace(from, to);
        d.write("main.hcl", &current);
        let plan = d.sandbox(&["plan", "--format", "json"]).ok().json();
        assert_eq!(plan["disruptive"], true, "{plan}");
        assert_eq!(plan["summary"]["update"], 1, "{plan}");
        assert_eq!(plan["destructive"], false, "{plan}");
        let change = plan["changes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["address"] == address)
            .unwrap();
        let why = change["disruption"].as_str().unwrap_or_default();
        assert!(why.contains(from) && why.contains("breaks"), "{change}");
        let human = d.sandbox(&["plan"]).ok().stdout;
        assert!(
            human.contains("disruptive:") && human.contains("--allow-rename"),
            "{human}"
        );
        let md = d.sandbox(&["plan", "--format", "markdown"]).ok().stdout;
        assert!(
            md.contains("Disruptive renames") && md.contains(address),
            "{md}"
        );
        let refused = d.sandbox(&["apply", "--auto-approve"]).code(1);
        assert!(
            refused.stderr.contains("--allow-rename") && refused.stderr.contains(address),
            "{}",
            refused.stderr
        );
        d.sandbox(&["plan", "--detailed-exitcode"]).code(2);
        d.sandbox(&["apply", "--auto-approve", "--allow-rename"])
            .ok();
        d.sandbox(&["plan", "--detailed-exitcode"]).ok();
    }
    // A change that renames nothing is no disruption.
    d.write(
        "main.hcl",
        &current.replace("name = \"NEW_WH\"", "name = \"NEW_WH\"\n  comment = \"x\""),
    );
    let quiet = d.sandbox(&["plan", "--format", "json"]).ok().json();
    assert!(quiet.get("disruptive").is_none(), "{quiet}");
    d.sandbox(&["apply", "--auto-approve"]).ok();
}

/// Nothing reads green without saying what it compared: drift without a state is an error,
/// a plan without one says so, an offline "no changes" says it compared with the state.
#[test]
fn no_state_and_no_refresh_are_said_not_hidden() {
    let cfg = r#"
warehouse "w" {
  name    = "QUIET_WH"
  comment = "batch"
}
"#;
    let d = Dir::with(&[("main.hcl", cfg)]);
    let drift = d.sandbox(&["drift"]).code(1);
    assert!(
        drift.stderr.contains("no state for workspace \"default\"")
            && !drift.stdout.contains("No drift"),
        "{}\n{}",
        drift.stdout,
        drift.stderr
    );
    let plan = d.sandbox(&["plan"]).ok();
    assert!(
        plan.stderr.contains("no state for workspace"),
        "{}",
        plan.stderr
    );
    let offline = d.run(&["plan", "--refresh=false"]).ok();
    assert!(
        offline.stderr.contains("nothing in the account is seen"),
        "{}",
        offline.stderr
    );

    d.sandbox(&["apply", "--auto-approve"]).ok();
    let offline = d.run(&["plan", "--refresh=false"]).ok().stdout;
    assert!(
        offline.contains("No changes against the recorded state")
            && offline.contains("the account was not read")
            && !offline.contains("The account matches"),
        "{offline}"
    );
    let md = d
        .run(&["plan", "--refresh=false", "--format", "markdown"])
        .ok()
        .stdout;
    assert!(
        md.contains("matches the recorded state") && !md.contains("The account matches"),
        "{md}"
    );
    let online = d.sandbox(&["plan"]).ok().stdout;
    assert!(
        online.contains("The account matches the configuration"),
        "{online}"
    );
    d.sandbox(&["drift"]).ok();
}

/// An update that only puts back what someone changed in the account says so, as
/// Terraform's "Objects have changed outside of Terraform" does, in every format.
#[test]
fn an_update_that_undoes_an_outside_change_says_so() {
    let cfg = r#"
warehouse "w" {
  name    = "OOB_WH"
  comment = "batch"
}
"#;
    let d = Dir::with(&[("main.hcl", cfg)]);
    d.sandbox(&["apply", "--auto-approve"]).ok();
    d.exec("ALTER WAREHOUSE OOB_WH SET COMMENT = 'changed in Snowsight'");
    let human = d.sandbox(&["plan"]).ok().stdout;
    assert!(
        human.contains("Note: objects have changed outside snowform")
            && human.contains(
                "only undoes changes made outside snowform since the last apply (comment)"
            ),
        "{human}"
    );
    let json = d.sandbox(&["plan", "--format", "json"]).ok().json();
    let change = json["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["address"] == "warehouse.w")
        .unwrap();
    assert_eq!(
        change["changed_outside"],
        serde_json::json!(["comment"]),
        "{change}"
    );
    let md = d.sandbox(&["plan", "--format", "markdown"]).ok().stdout;
    assert!(
        md.contains("### Objects changed outside snowform") && md.contains("only undoes"),
        "{md}"
    );
    // A change of the configuration on top of it: the note names only what it puts back.
    d.write(
        "main.hcl",
        &cfg.replace("OOB_WH\"", "OOB_WH\"\n  auto_suspend = 60"),
    );
    let human = d.sandbox(&["plan"]).ok().stdout;
    assert!(
        human
            .contains("puts back what was changed outside snowform since the last apply (comment)"),
        "{human}"
    );
    d.sandbox(&["apply", "--auto-approve"]).ok();
    // A change of the configuration alone is not outside.
    d.write("main.hcl", &cfg.replace("batch", "nightly"));
    let json = d.sandbox(&["plan", "--format", "json"]).ok().json();
    assert!(!json.to_string().contains("changed_outside"), "{json}");
    let human = d.sandbox(&["plan"]).ok().stdout;
    assert!(!human.contains("outside snowform"), "{human}");
}

/// The import commands snowform suggests are safe to paste into a shell: an address with
/// brackets and quotes and a name with `$` and `'` reach snowform as written.
#[test]
fn suggested_import_commands_survive_a_shell() {
    let cfg = r#"
warehouse "w" {
  for_each = { ml = 1 }
  name     = "\"ml$wh'x\""
}
"#;
    let d = Dir::with(&[("main.hcl", cfg)]);
    d.exec("CREATE WAREHOUSE \"ml$wh'x\"");
    let plan = d.sandbox(&["plan"]).code(1);
    let line = plan
        .stderr
        .lines()
        .find_map(|l| l.split_once("adopt it with: ").map(|(_, c)| c.to_string()))
        .unwrap_or_else(|| panic!("no import hint:\n{}", plan.stderr));
    assert_eq!(
        line,
        r#"snowform import 'warehouse.w["ml"]' '"ml$wh'\''x"'"#
    );
    // Run exactly that line through sh, with snowform standing for the binary: a process,
    // since the shell's quoting is what is tested.
    let bin = assert_cmd::cargo::cargo_bin("snowform");
    let script = line.replacen(
        "snowform",
        &format!(
            "'{}' --connection sandbox -C '{}'",
            bin.display(),
            d.path().display()
        ),
        1,
    );
    let home = d.path().join(".home");
    std::fs::create_dir_all(&home).unwrap();
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(&script)
        .env_clear()
        .env("HOME", &home)
        .env("SNOWFLAKE_HOME", &home)
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{script}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let list = d.run(&["state", "list"]).ok().stdout;
    assert!(
        list.contains("warehouse.w[\"ml\"]") && list.contains("ml$wh'x"),
        "{list}"
    );
    d.sandbox(&["plan", "--detailed-exitcode"]).ok();

    // drift's hint for an object nobody manages is shell-safe too.
    let cfg = r#"
database "d" {
  name = "HINT_DB"
}
schema "s" {
  database = database.d
  name     = "S"
}
"#;
    let d = Dir::with(&[("main.hcl", cfg)]);
    d.sandbox(&["apply", "--auto-approve"]).ok();
    d.exec("CREATE STAGE HINT_DB.S.\"my$stage\"");
    let drift = d
        .sandbox(&["drift", "--include-unmanaged", "--format", "json"])
        .code(2)
        .json();
    let hint = drift["drifted"][0]["hint"].as_str().unwrap();
    assert!(
        hint.contains(r#"`snowform import stage.NAME 'HINT_DB.S."my$stage"'`"#),
        "{hint}"
    );
}

/// A task body from a pull request holding terminal escape sequences: the plan and apply
/// print them escaped, so they cannot drive the terminal; the account gets them as written.
#[test]
fn control_characters_of_sql_bodies_are_printed_escaped() {
    let hcl = r#"
warehouse "w" {
  name = "ESC_WH"
}
database "d" {
  name = "ESC_DB"
}
schema "s" {
  database = database.d
  name     = "S"
}
task "t" {
  schema    = schema.s
  name      = "T"
  sql       = "SELECT '\u001b]0;pwned\u0007\u001b[2J'"
  warehouse = warehouse.w
}
"#;
    let d = Dir::with(&[("main.hcl", hcl)]);
    let plan = d.sandbox(&["plan"]).ok();
    assert!(
        !plan.stdout.contains('\u{1b}') && !plan.stdout.contains('\u{7}'),
        "{:?}",
        plan.stdout
    );
    assert!(
        plan.stdout.contains("\\u{1b}]0;pwned\\u{7}"),
        "{}",
        plan.stdout
    );
    let apply = d.sandbox(&["apply", "--auto-approve"]).ok();
    assert!(!apply.stderr.contains('\u{1b}'), "{:?}", apply.stderr);
    // Changing the body shows it as a diff, escaped as well.
    d.write("main.hcl", &hcl.replace("pwned", "again"));
    let plan = d.sandbox(&["plan"]).ok();
    assert!(!plan.stdout.contains('\u{1b}'), "{:?}", plan.stdout);
    assert!(plan.stdout.contains("again"), "{}", plan.stdout);
}
