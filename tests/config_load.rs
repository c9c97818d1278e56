//! The configuration entry point: the examples, the directory edge cases, the digest,
//! sensitive values, the backend and the hints that come with messages.

use snowform::config::{check_dir, load, Backend, Config, LoadOptions};
use snowform::diag::Diagnostics;
use snowform::model::Ident;
use std::fs;
use std::path::Path;

fn options() -> LoadOptions {
    LoadOptions {
        workspace: "default".into(),
        ..LoadOptions::default()
    }
}

fn example(name: &str) -> Config {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(name);
    let (config, diags) = load(&dir, &options());
    assert!(
        diags.is_empty(),
        "examples/{name} must validate cleanly:\n{}",
        lines(&diags)
    );
    config.expect("loads")
}

fn lines(diags: &Diagnostics) -> String {
    diags.iter().map(|d| format!("{d}\n")).collect()
}

fn write(dir: &Path, files: &[(&str, &str)]) {
    for (name, text) in files {
        fs::write(dir.join(name), text).unwrap();
    }
}

#[test]
fn the_ml_pipeline_example_loads_to_its_objects() {
    let config = example("mitsui-mlops");
    insta::assert_json_snapshot!("mitsui_mlops_objects", config.objects);
    let names: Vec<String> = config
        .files
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        [
            "access.hcl",
            "backend.hcl",
            "compute.hcl",
            "feature_store.hcl",
            "models.hcl",
            "procedures.hcl",
            "raw.hcl",
            "tasks.hcl",
            "variables.hcl"
        ]
    );
    // The state is kept in the account (the pipeline's build machines share it).
    assert!(
        matches!(&config.backend, Backend::Snowflake { database, schema, table }
            if database.to_string() == "SNOWFORM" && schema.to_string() == "STATE" && table.to_string() == "WORKSPACES"),
        "{:?}",
        config.backend
    );
}

#[test]
fn the_ml_pipeline_example_builds_prod_from_a_variable() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/mitsui-mlops");
    let opts = LoadOptions {
        vars: vec!["env=PROD".into()],
        ..options()
    };
    let (config, diags) = load(&dir, &opts);
    assert!(diags.is_empty(), "{}", lines(&diags));
    let config = config.unwrap();
    let db = config
        .objects
        .iter()
        .find(|o| o.address.to_string() == "database.main")
        .unwrap();
    assert_eq!(db.name.to_string(), "XYZ_PROD");
    let fv = config
        .objects
        .iter()
        .find(|o| o.address.to_string() == "feature_view.patient_age")
        .unwrap();
    assert_eq!(fv.name.to_string(), "XYZ_PROD.FEATURE_STORE.PATIENT_AGE$V1");

    let opts = LoadOptions {
        vars: vec!["env=QA".into()],
        ..options()
    };
    let (config, diags) = load(&dir, &opts);
    assert!(config.is_none());
    assert_eq!(lines(&diags), "variables.hcl:3:1: error: invalid value for variable \"env\": env must be DEV or PROD.\n  the value comes from --var\n");
}

#[test]
fn the_teams_example_has_one_instance_per_team() {
    let config = example("teams");
    insta::assert_json_snapshot!("teams_objects", config.objects);
    let addresses: Vec<String> = config
        .objects
        .iter()
        .map(|o| o.address.to_string())
        .collect();
    assert_eq!(
        addresses,
        [
            r#"warehouse.team["bi"]"#,
            r#"warehouse.team["ml"]"#,
            "database.shared",
            r#"schema.team["bi"]"#,
            r#"schema.team["ml"]"#
        ]
    );
}

#[test]
fn the_examples_are_formatted() {
    for name in ["mitsui-mlops", "teams"] {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("examples")
            .join(name);
        let changed = check_dir(&dir).unwrap_or_else(|d| panic!("{}", lines(&d)));
        assert!(
            changed.is_empty(),
            "examples/{name}: run snowform fmt on {changed:?}"
        );
    }
}

#[test]
fn a_missing_or_empty_directory_says_what_to_do() {
    let tmp = tempfile::tempdir().unwrap();
    let (config, diags) = load(tmp.path(), &options());
    assert!(config.is_none());
    let d = diags.iter().next().unwrap();
    assert!(d.summary.starts_with("no configuration files in "), "{d}");
    assert!(d.detail.as_deref().unwrap().contains("-C DIR"));

    let (config, diags) = load(&tmp.path().join("nowhere"), &options());
    assert!(config.is_none());
    assert!(diags
        .iter()
        .next()
        .unwrap()
        .summary
        .contains("does not exist"));

    fs::write(tmp.path().join("notes.txt"), "not configuration").unwrap();
    let (config, _) = load(tmp.path(), &options());
    assert!(config.is_none(), "only *.hcl files are configuration");
}

#[test]
fn the_digest_follows_files_and_variable_values() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), &[("main.hcl", "variable \"env\" {\n  default = \"DEV\"\n}\n\ndatabase \"main\" {\n  name = \"XYZ_${var.env}\"\n}\n")]);
    let digest = |opts: &LoadOptions| load(tmp.path(), opts).0.expect("loads").digest;
    let first = digest(&options());
    assert_eq!(first.len(), 64);
    assert_eq!(
        first,
        digest(&options()),
        "the same input gives the same digest"
    );
    let prod = LoadOptions {
        vars: vec!["env=PROD".into()],
        ..options()
    };
    assert_ne!(
        first,
        digest(&prod),
        "a variable value is part of the digest"
    );
    fs::write(tmp.path().join("main.hcl"), "variable \"env\" {\n  default = \"DEV\"\n}\n\ndatabase \"main\" {\n  name = \"XYZ_${var.env}\"\n  comment = \"x\"\n}\n").unwrap();
    assert_ne!(
        first,
        digest(&options()),
        "file contents are part of the digest"
    );
}

#[test]
fn sensitive_values_are_listed_for_redaction() {
    let tmp = tempfile::tempdir().unwrap();
    write(
        tmp.path(),
        &[("main.hcl", "variable \"token\" {\n  sensitive = true\n}\n\nvariable \"plain\" {\n  default = \"visible\"\n}\n\nwarehouse \"w\" {\n  name    = \"W\"\n  comment = \"${var.token} ${var.plain}\"\n}\n")],
    );
    let mut env = std::collections::BTreeMap::new();
    env.insert("SNOWFORM_VAR_token".to_string(), "s3cret".to_string());
    env.insert("SNOWFORM_VAR_unrelated".to_string(), "ignored".to_string());
    let (config, diags) = load(tmp.path(), &LoadOptions { env, ..options() });
    assert!(diags.is_empty(), "{}", lines(&diags));
    // The comment is derived from the sensitive variable: all of it is sensitive too.
    assert_eq!(config.unwrap().sensitive, ["s3cret", "s3cret visible"]);
}

#[test]
fn the_backend_block_chooses_where_state_lives() {
    let tmp = tempfile::tempdir().unwrap();
    write(
        tmp.path(),
        &[(
            "main.hcl",
            "backend \"local\" {\n  path = \"state/${snowform.workspace}.tfstate\"\n}\n",
        )],
    );
    let opts = LoadOptions {
        workspace: "prod".into(),
        ..options()
    };
    assert_eq!(
        load(tmp.path(), &opts).0.unwrap().backend,
        Backend::Local {
            path: Some("state/prod.tfstate".into())
        }
    );

    write(tmp.path(), &[("main.hcl", "backend \"snowflake\" {\n  database = \"ops\"\n  schema   = \"\\\"State\\\"\"\n  table    = \"snowform_state\"\n}\n")]);
    let backend = load(tmp.path(), &options()).0.unwrap().backend;
    assert_eq!(
        backend,
        Backend::Snowflake {
            database: Ident::from_canonical("OPS"),
            schema: Ident::from_canonical("State"),
            table: Ident::from_canonical("SNOWFORM_STATE"),
        }
    );

    write(
        tmp.path(),
        &[(
            "main.hcl",
            "backend \"snowflake\" {\n  database = \"ops\"\n}\n\nbackend \"s3\" {\n}\n",
        )],
    );
    let (config, diags) = load(tmp.path(), &options());
    assert!(config.is_none());
    assert_eq!(
        lines(&diags),
        "main.hcl:1:1: error: backend \"snowflake\" is missing the required attribute \"schema\"\n\
         main.hcl:1:1: error: backend \"snowflake\" is missing the required attribute \"table\"\n\
         main.hcl:5:1: error: a configuration has at most one backend block\n  the first is at main.hcl:1:1\n"
    );
}

#[test]
fn messages_carry_did_you_mean_hints() {
    let tmp = tempfile::tempdir().unwrap();
    write(
        tmp.path(),
        &[(
            "main.hcl",
            "variable \"env\" {\n  default = \"DEV\"\n}\n\nwarehose \"a\" {\n}\n\nwarehouse \"b\" {\n  name = \"B_${var.evn}\"\n  sise = \"SMALL\"\n}\n\nwarehouse \"c\" {\n  name = \"C\"\n  size = \"SMAL\"\n}\n",
        )],
    );
    let (_, diags) = load(tmp.path(), &options());
    assert_eq!(
        lines(&diags),
        "main.hcl:5:1: error: unknown block type \"warehose\"\n  did you mean \"warehouse\"?\n\
         main.hcl:9:15: error: reference to an undeclared variable var.evn\n  did you mean \"env\"?\n\
         main.hcl:10:3: error: unknown attribute \"sise\" in a warehouse block\n  did you mean \"size\"?\n\
         main.hcl:15:10: error: invalid value for \"size\": \"SMAL\" is not one of XSMALL, SMALL, MEDIUM, LARGE, XLARGE, XXLARGE, XXXLARGE, X4LARGE, X5LARGE, X6LARGE\n  did you mean \"SMALL\"?\n"
    );
}

#[test]
fn a_syntax_error_stops_before_evaluation_but_other_files_are_checked() {
    let tmp = tempfile::tempdir().unwrap();
    write(
        tmp.path(),
        &[
            ("a.hcl", "warehouse \"w\" {\n  name = \"W\"\n"),
            (
                "b.hcl",
                "database \"d\" {\n  name = var.nothing\n  colour = 1\n}\n",
            ),
        ],
    );
    let (config, diags) = load(tmp.path(), &options());
    assert!(config.is_none());
    let summaries: Vec<String> = diags
        .iter()
        .map(|d| format!("{}: {}", d.span.as_ref().unwrap(), d.summary))
        .collect();
    assert_eq!(summaries.len(), 2, "{summaries:?}");
    assert!(
        summaries[0].starts_with("a.hcl:2:14: syntax error: invalid block body"),
        "{summaries:?}"
    );
    assert_eq!(
        summaries[1],
        "b.hcl:3:3: unknown attribute \"colour\" in a database block"
    );
}

#[test]
fn a_problem_shared_by_instances_is_reported_once() {
    let tmp = tempfile::tempdir().unwrap();
    write(
        tmp.path(),
        &[("main.hcl", "warehouse \"team\" {\n  for_each = { ml = \"HUGE\", bi = \"HUGE\", ops = \"SMALL\" }\n  name     = \"${each.key}_WH\"\n  size     = each.value\n}\n")],
    );
    let (_, diags) = load(tmp.path(), &options());
    assert_eq!(
        lines(&diags),
        "main.hcl:4:14: error: invalid value for \"size\": \"HUGE\" is not one of XSMALL, SMALL, MEDIUM, LARGE, XLARGE, XXLARGE, XXXLARGE, X4LARGE, X5LARGE, X6LARGE\n  in the instances \"bi\" and \"ml\"\n"
    );
}

#[test]
fn a_sensitive_value_is_not_quoted_in_messages() {
    let tmp = tempfile::tempdir().unwrap();
    write(
        tmp.path(),
        &[(
            "main.hcl",
            "variable \"pin\" {\n  type      = number\n  sensitive = true\n}\n",
        )],
    );
    let opts = LoadOptions {
        vars: vec!["pin=hunter2".into()],
        ..options()
    };
    let (_, diags) = load(tmp.path(), &opts);
    let text = lines(&diags);
    assert!(!text.contains("hunter2"), "{text}");
    assert!(
        text.starts_with(
            "error: invalid value for variable \"pin\" from --var: it is not a number"
        ),
        "{text}"
    );
}

#[test]
fn sensitive_values_are_redacted_from_evaluation_errors() {
    let tmp = tempfile::tempdir().unwrap();
    write(
        tmp.path(),
        &[("main.hcl", "variable \"token\" {\n  default   = \"hunter2\"\n  sensitive = true\n}\n\nwarehouse \"w\" {\n  name         = \"W\"\n  auto_suspend = var.token * 2\n}\n")],
    );
    let (_, diags) = load(tmp.path(), &options());
    let text = lines(&diags);
    assert!(
        text.contains("(sensitive)") && !text.contains("hunter2"),
        "{text}"
    );
}

/// Load a generated configuration.
fn load_text(text: &str) -> Diagnostics {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), &[("main.hcl", text)]);
    load(tmp.path(), &options()).1
}

/// A chain of 60,000 locals overflowed the stack (each local's blocks were found by
/// recursion, once per local: 20,000 took over a minute). Now it is evaluated in one pass:
/// it loads at all (no overflow), in a few seconds. No time is asserted: a busy machine
/// would fail a bound that an idle one meets; a return of the quadratic walk shows as a
/// test that runs for minutes.
#[test]
fn a_chain_of_sixty_thousand_locals_loads_in_one_pass() {
    let n = 60_000;
    let mut text = String::from("locals {\n  l0 = 1\n");
    for i in 1..n {
        text.push_str(&format!("  l{i} = local.l{} + 1\n", i - 1));
    }
    text.push_str(&format!(
        "}}\nwarehouse \"w\" {{\n  name    = \"W\"\n  comment = \"${{local.l{}}}\"\n}}\n",
        n - 1
    ));
    let diags = load_text(&text);
    assert!(diags.is_empty(), "{}", lines(&diags));
}

/// A cycle through 60,000 locals is found without recursion and reported briefly.
#[test]
fn a_cycle_through_sixty_thousand_locals_is_one_short_error() {
    let n = 60_000;
    let mut text = format!("locals {{\n  l0 = local.l{}\n", n - 1);
    for i in 1..n {
        text.push_str(&format!("  l{i} = local.l{}\n", i - 1));
    }
    text.push_str("}\n");
    let diags = load_text(&text);
    let errors: Vec<String> = diags.iter().map(|d| d.to_string()).collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].starts_with("main.hcl:2:3: error: dependency cycle between local.l0, "),
        "{}",
        errors[0]
    );
    assert!(errors[0].contains("and 59990 more"), "{}", errors[0]);
    assert!(errors[0].len() < 2_000, "{} characters", errors[0].len());
}

/// An error about a huge value or a huge line quotes a short excerpt of it.
#[test]
fn errors_quote_a_short_excerpt_of_a_huge_value_or_line() {
    let huge = "a".repeat(100_000);
    let diags = load_text(&format!("locals {{\n  x = -\"{huge}\"\n}}\n"));
    let text = lines(&diags);
    assert!(
        text.starts_with("main.hcl:2:7: error: cannot evaluate local.x"),
        "{text:.300}"
    );
    assert!(text.contains("more characters)"), "{text:.300}");
    assert!(text.len() < 1_000, "{} characters", text.len());

    let nested = format!(
        "locals {{\n  x = {}1{}\n}}\n",
        "(".repeat(5000),
        ")".repeat(5000)
    );
    let diags = load_text(&nested);
    let text = lines(&diags);
    assert!(text.contains("main.hcl:2:"), "{text:.300}");
    assert!(text.contains("nesting depth"), "{text:.300}");
    assert!(text.len() < 1_000, "{} characters", text.len());
}
