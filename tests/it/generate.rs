//! `generate` round trips: apply a configuration, generate HCL for its database into a new
//! directory, import every block with the commands generate prints, and plan: nothing to do.

use crate::common::{actions, Dir};

/// The `snowform import ADDRESS 'NAME'` commands generate printed, as (address, name).
fn printed_imports(stderr: &str) -> Vec<(String, String)> {
    stderr
        .lines()
        .filter_map(|l| l.trim().strip_prefix("snowform import "))
        .map(|rest| {
            let (address, quoted) = rest.split_once(' ').expect("ADDRESS NAME");
            (address.to_string(), shell_unquote(quoted))
        })
        .collect()
}

/// A word as a POSIX shell reads it: '...' quoted pieces, with `\'` between them.
fn shell_unquote(word: &str) -> String {
    let mut out = String::new();
    let mut quoted = false;
    let mut chars = word.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => quoted = !quoted,
            '\\' if !quoted => out.push(chars.next().expect("an escaped character")),
            c => out.push(c),
        }
    }
    assert!(!quoted, "unbalanced quotes in {word}");
    out
}

/// Apply `d`, generate `database` into a new directory that shares the sandbox account,
/// import what generate lists there, and return the new directory and its HCL.
fn generate_and_import(d: &Dir, database: &str) -> (Dir, String) {
    d.seed_sources();
    let applied = d
        .sandbox(&["apply", "--auto-approve", "--format", "json"])
        .ok()
        .json();
    assert_eq!(applied["failed"], serde_json::json!([]), "{applied}");

    let new = Dir::empty();
    let account = ".snowform/sandbox/default.json";
    std::fs::create_dir_all(new.path().join(".snowform/sandbox")).unwrap();
    let out_file = new.path().join("main.hcl");
    let generated = d
        .sandbox(&[
            "generate",
            "--database",
            database,
            "--out",
            out_file.to_str().unwrap(),
        ])
        .ok();
    // The new directory reads the same account.
    std::fs::copy(d.path().join(account), new.path().join(account)).unwrap();
    let hcl = std::fs::read_to_string(&out_file).unwrap();
    let imports = printed_imports(&generated.stderr);
    let blocks = hcl
        .lines()
        .filter(|l| !l.starts_with([' ', '#', '}']) && l.ends_with('{'))
        .count();
    assert_eq!(imports.len(), blocks, "one import per block:\n{hcl}");
    new.run(&["validate"]).ok();
    new.run(&["fmt", "--check"]).ok();
    for (address, name) in &imports {
        let out = new.sandbox(&["import", address, name]).ok();
        assert!(
            out.stderr.contains(&format!("as {address}")),
            "{}",
            out.stderr
        );
    }
    let state = new.sandbox(&["state", "list"]).ok();
    assert_eq!(
        state.stdout.lines().count(),
        imports.len(),
        "{}",
        state.stdout
    );
    (new, hcl)
}

#[track_caller]
fn assert_no_changes(d: &Dir, hcl: &str) {
    let plan = d
        .sandbox(&["plan", "--format", "json", "--detailed-exitcode"])
        .ok()
        .json();
    assert_eq!(
        actions(&plan),
        Vec::<(String, String)>::new(),
        "generated, imported, then planned: nothing may change\n{hcl}"
    );
}

#[test]
fn the_mitsui_example_round_trips() {
    let d = Dir::example("mitsui-mlops");
    let (new, hcl) = generate_and_import(&d, "XYZ_DEV");
    for block in [
        "database \"xyz_dev\"",
        "schema \"feature_store\"",
        "stage \"model_artifacts\"",
        "entity \"patient\"",
        "feature_view \"patient_age_v1\"",
        "feature_view \"patient_vitals_v1\"",
        "model \"age_model\"",
        "task \"score_patients\"",
        "task \"retrain_age_model\"",
    ] {
        assert!(hcl.contains(block), "{block} missing:\n{hcl}");
    }
    assert!(
        !hcl.contains("task \"patient_vitals"),
        "a cron feature view's refresh task belongs to the feature view:\n{hcl}"
    );
    assert_no_changes(&new, &hcl);
    new.sandbox(&["drift"]).ok();
}

#[test]
fn the_teams_example_round_trips() {
    let d = Dir::example("teams");
    let (new, hcl) = generate_and_import(&d, "TEAMS");
    assert!(
        hcl.contains("schema \"ml\"") && hcl.contains("schema \"bi\""),
        "{hcl}"
    );
    assert_no_changes(&new, &hcl);
}

#[test]
fn feature_views_with_hostile_text_round_trip() {
    let paused = r#"
feature_view "paused" {
  schema       = schema.fs
  name         = "PAUSED"
  version      = "V1"
  entities     = [entity.customer]
  refresh_freq = "5 minutes"
  refresh_mode = "INCREMENTAL"
  warehouse    = warehouse.wh
  enabled      = false
  query        = "SELECT customer_id, '${literal}' AS marker FROM LANDING.RAW.ORDERS"
}
"#
    .replace("'${", "'$${");
    let config = format!("{}{paused}", crate::mlops::feature_store_config());
    let d = Dir::with(&[("main.hcl", &config)]);
    let (new, hcl) = generate_and_import(&d, "MLOPS");
    assert_no_changes(&new, &hcl);
}

/// A model version's files are not readable from Snowflake: generate writes a placeholder
/// and says so; import records the source as the configuration has it, placeholder or
/// the real location written in before importing.
#[test]
fn model_version_sources_are_placeholders_that_import_records_as_configured() {
    let d = Dir::example("mitsui-mlops");
    let (new, hcl) = generate_and_import(&d, "XYZ_DEV");
    let placeholder = "@XYZ_DEV.FEATURE_STORE.UNKNOWN_STAGE/AGE_MODEL/V1";
    assert!(hcl.contains(&format!("= \"{placeholder}\"")), "{hcl}");
    assert!(
        hcl.contains("Snowflake does not keep where a version's files came from")
            && hcl.contains("before `snowform import`"),
        "the placeholder is explained:\n{hcl}"
    );
    let state = new
        .sandbox(&["state", "show", "model.age_model"])
        .ok()
        .stdout;
    assert!(state.contains(placeholder), "{state}");
    assert_no_changes(&new, &hcl);

    // Written in before import, the real location is what the state records.
    let real = Dir::empty();
    std::fs::create_dir_all(real.path().join(".snowform/sandbox")).unwrap();
    std::fs::copy(
        d.path().join(".snowform/sandbox/default.json"),
        real.path().join(".snowform/sandbox/default.json"),
    )
    .unwrap();
    real.write(
        "main.hcl",
        &hcl.replace(
            "@XYZ_DEV.FEATURE_STORE.UNKNOWN_STAGE/AGE_MODEL/V",
            "@XYZ_DEV.FEATURE_STORE.MODEL_ARTIFACTS/age_model/v",
        ),
    );
    let imported = real
        .sandbox(&[
            "import",
            "model.age_model",
            "XYZ_DEV.FEATURE_STORE.AGE_MODEL",
        ])
        .ok();
    assert!(
        imported.stderr.contains("recorded as configured")
            && imported
                .stderr
                .contains("@XYZ_DEV.FEATURE_STORE.MODEL_ARTIFACTS/age_model/v2"),
        "import says which sources it took on trust:\n{}",
        imported.stderr
    );
    let state = real
        .sandbox(&["state", "show", "model.age_model"])
        .ok()
        .stdout;
    assert!(
        state.contains("@XYZ_DEV.FEATURE_STORE.MODEL_ARTIFACTS/age_model/v1"),
        "{state}"
    );
}
