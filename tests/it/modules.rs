//! Module calls: a module-based configuration plans as its flattened equivalent, module
//! addresses in plans, state, targets and import, and messages that name the file inside
//! the module and the call that used it.

use crate::common::{actions, repo, Dir};
use snowform::config::{load, LoadOptions};
use std::collections::BTreeMap;

/// examples/feature-store-module written out by hand: every object of each team's module
/// instance as a top-level block, labelled `<team>_<label>`.
pub(crate) const FLAT: &str = r#"
warehouse "features" {
  name         = "FEATURES_WH"
  size         = "XSMALL"
  auto_suspend = 60
  comment      = "Feature refreshes of every team"
}

database "ml" {
  name    = "ML"
  comment = "Feature Stores of the teams"
}

schema "fraud_feature_store" {
  database = database.ml
  name     = "FRAUD_FEATURES"
  comment  = "Feature Store of the fraud team"
}

entity "fraud_customer" {
  schema    = schema.fraud_feature_store
  name      = "CUSTOMER"
  join_keys = ["CUSTOMER_ID"]
  comment   = "A customer"
}

feature_view "fraud_order_totals" {
  schema       = schema.fraud_feature_store
  name         = "ORDER_TOTALS"
  version      = "V1"
  entities     = [entity.fraud_customer]
  refresh_freq = "1 hour"
  warehouse    = warehouse.features
  comment      = "Orders and spend per customer"
  query        = <<-SQL
    SELECT customer_id AS CUSTOMER_ID, COUNT(*) AS orders, SUM(amount) AS spend
    FROM LANDING.RAW.ORDERS
    GROUP BY customer_id
  SQL
}

feature_view "fraud_last_order" {
  schema   = schema.fraud_feature_store
  name     = "LAST_ORDER"
  version  = "V1"
  entities = [entity.fraud_customer]
  comment  = "When each customer last ordered"
  query    = <<-SQL
    SELECT customer_id AS CUSTOMER_ID, MAX(ordered_at) AS last_ordered_at
    FROM LANDING.RAW.ORDERS
    GROUP BY customer_id
  SQL
}

role "fraud_consumer" {
  name    = "FRAUD_FS_CONSUMER"
  comment = "Reads the fraud team's feature views"
}

grant "fraud_consumer_on_database" {
  privileges = ["USAGE"]
  on         = { kind = "DATABASE", name = database.ml.name }
  to         = role.fraud_consumer
}

grant "fraud_consumer_on_schema" {
  privileges = ["USAGE"]
  on         = schema.fraud_feature_store
  to         = role.fraud_consumer
}

grant "fraud_consumer_future_dynamic_tables" {
  privileges = ["SELECT"]
  on_future  = "DYNAMIC TABLES"
  in         = schema.fraud_feature_store
  to         = role.fraud_consumer
}

grant "fraud_consumer_future_views" {
  privileges = ["SELECT"]
  on_future  = "VIEWS"
  in         = schema.fraud_feature_store
  to         = role.fraud_consumer
}

schema "churn_feature_store" {
  database = database.ml
  name     = "CHURN_FEATURES"
  comment  = "Feature Store of the churn team"
}

entity "churn_customer" {
  schema    = schema.churn_feature_store
  name      = "CUSTOMER"
  join_keys = ["CUSTOMER_ID"]
  comment   = "A customer"
}

feature_view "churn_order_totals" {
  schema       = schema.churn_feature_store
  name         = "ORDER_TOTALS"
  version      = "V1"
  entities     = [entity.churn_customer]
  refresh_freq = "1 day"
  warehouse    = warehouse.features
  comment      = "Orders and spend per customer"
  query        = <<-SQL
    SELECT customer_id AS CUSTOMER_ID, COUNT(*) AS orders, SUM(amount) AS spend
    FROM LANDING.RAW.ORDERS
    GROUP BY customer_id
  SQL
}

feature_view "churn_last_order" {
  schema   = schema.churn_feature_store
  name     = "LAST_ORDER"
  version  = "V1"
  entities = [entity.churn_customer]
  comment  = "When each customer last ordered"
  query    = <<-SQL
    SELECT customer_id AS CUSTOMER_ID, MAX(ordered_at) AS last_ordered_at
    FROM LANDING.RAW.ORDERS
    GROUP BY customer_id
  SQL
}

role "churn_consumer" {
  name    = "CHURN_FS_CONSUMER"
  comment = "Reads the churn team's feature views"
}

grant "churn_consumer_on_database" {
  privileges = ["USAGE"]
  on         = { kind = "DATABASE", name = database.ml.name }
  to         = role.churn_consumer
}

grant "churn_consumer_on_schema" {
  privileges = ["USAGE"]
  on         = schema.churn_feature_store
  to         = role.churn_consumer
}

grant "churn_consumer_future_dynamic_tables" {
  privileges = ["SELECT"]
  on_future  = "DYNAMIC TABLES"
  in         = schema.churn_feature_store
  to         = role.churn_consumer
}

grant "churn_consumer_future_views" {
  privileges = ["SELECT"]
  on_future  = "VIEWS"
  in         = schema.churn_feature_store
  to         = role.churn_consumer
}
"#;

/// `module.team["fraud"].schema.feature_store` -> `schema.fraud_feature_store`; a
/// top-level address stays.
fn flatten(address: &str) -> String {
    let Some(rest) = address.strip_prefix("module.team[\"") else {
        return address.to_string();
    };
    let (team, rest) = rest.split_once("\"].").expect("a module address");
    let (kind, label) = rest.split_once('.').expect("KIND.LABEL");
    format!("{kind}.{team}_{label}")
}

/// The objects of a configuration, keyed by flattened address, with their dependencies
/// flattened too.
fn objects(dir: &std::path::Path) -> BTreeMap<String, serde_json::Value> {
    let opts = LoadOptions {
        workspace: "default".into(),
        ..LoadOptions::default()
    };
    let (config, diags) = load(dir, &opts);
    let config = config.unwrap_or_else(|| panic!("{diags:?}"));
    config
        .objects
        .iter()
        .map(|o| {
            let mut v = serde_json::to_value(o).unwrap();
            let address = flatten(&o.address.to_string());
            v["address"] = serde_json::json!(address);
            if let Some(deps) = v.get_mut("deps").and_then(|d| d.as_array_mut()) {
                for d in deps.iter_mut() {
                    *d = serde_json::json!(flatten(d.as_str().unwrap()));
                }
                deps.sort_by_key(|d| d.as_str().unwrap().to_string());
            }
            // Where a block is written differs by construction.
            if let Some(m) = v.as_object_mut() {
                m.remove("span");
            }
            (address, v)
        })
        .collect()
}

/// A JSON plan's changes keyed by flattened address (the address itself left out), and
/// its statements in a canonical order.
fn plan_shape(plan: &serde_json::Value) -> (BTreeMap<String, serde_json::Value>, Vec<String>) {
    let changes = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let mut c = c.clone();
            let address = flatten(c["address"].as_str().unwrap());
            c.as_object_mut().unwrap().remove("address");
            (address, c)
        })
        .collect();
    let mut statements = crate::common::statements(plan);
    statements.sort();
    (changes, statements)
}

#[test]
fn a_module_configuration_plans_exactly_as_its_flattened_equivalent() {
    let modular = Dir::example("feature-store-module");
    let flat = Dir::with(&[("main.hcl", FLAT)]);

    // The same objects with the same dependencies: apply orders them alike.
    let (m, f) = (objects(modular.path()), objects(flat.path()));
    assert_eq!(m.keys().collect::<Vec<_>>(), f.keys().collect::<Vec<_>>());
    for (address, object) in &m {
        assert_eq!(object, &f[address], "{address}");
    }

    // The same changes and statements, offline and refreshed from an account.
    for args in [
        &["plan", "--refresh=false", "--format", "json"][..],
        &["--connection", "sandbox", "plan", "--format", "json"][..],
    ] {
        let pm = modular.run(args).ok().json();
        let pf = flat.run(args).ok().json();
        assert_eq!(plan_shape(&pm), plan_shape(&pf), "{args:?}");
        assert_eq!(pm["summary"], pf["summary"]);
        // Per team: a schema, an entity, two feature views, a role and four grants.
        assert_eq!(pm["summary"]["create"], 20);
    }

    // Applied, each is settled, and the same statements ran (in an order both allow).
    modular.seed_sources();
    flat.seed_sources();
    let am = modular
        .sandbox(&["apply", "--auto-approve", "--format", "json"])
        .ok()
        .json();
    let af = flat
        .sandbox(&["apply", "--auto-approve", "--format", "json"])
        .ok()
        .json();
    let ran = |a: &serde_json::Value| {
        let mut s: Vec<String> = a["applied"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_str().unwrap().to_string())
            .collect();
        s.sort();
        s
    };
    assert_eq!(ran(&am), ran(&af));
    for d in [&modular, &flat] {
        let plan = d.sandbox(&["plan", "--format", "json"]).ok().json();
        assert_eq!(actions(&plan), Vec::<(String, String)>::new());
    }
}

#[test]
fn module_addresses_in_state_targets_and_import() {
    let d = Dir::example("feature-store-module");
    d.seed_sources();
    d.sandbox(&["apply", "--auto-approve"]).ok();
    let listed = d.run(&["state", "list"]).ok().stdout;
    assert!(
        listed.contains("module.team[\"fraud\"].feature_view.order_totals\tfeature_view\tML.FRAUD_FEATURES.ORDER_TOTALS$V1"),
        "{listed}"
    );

    // A target inside a module instance: it and what it needs, nothing of the other team.
    d.exec("DROP VIEW ML.CHURN_FEATURES.LAST_ORDER$V1");
    d.exec("DROP VIEW ML.FRAUD_FEATURES.LAST_ORDER$V1");
    let plan = d
        .sandbox(&[
            "plan",
            "--format",
            "json",
            "--target",
            "module.team[\"fraud\"].feature_view.last_order",
        ])
        .ok()
        .json();
    assert_eq!(
        actions(&plan),
        [(
            "module.team[\"fraud\"].feature_view.last_order".to_string(),
            "create".to_string()
        )]
    );
    d.sandbox(&["apply", "--auto-approve"]).ok();

    // Forgotten, then adopted again under its module address.
    let address = "module.team[\"churn\"].schema.feature_store";
    d.run(&["state", "rm", address]).ok();
    d.sandbox(&["import", address, "ML.CHURN_FEATURES"]).ok();
    let plan = d.sandbox(&["plan", "--format", "json"]).ok().json();
    assert_eq!(actions(&plan), Vec::<(String, String)>::new());
    let out = d.run(&["output", "--format", "json"]).ok().json();
    assert_eq!(
        out["feature_store_schemas"]["value"]["churn"], "ML.CHURN_FEATURES",
        "{out}"
    );
}

#[test]
fn a_message_about_a_module_names_the_file_inside_it_and_the_call() {
    let d = Dir::empty();
    crate::common::copy_tree(
        &repo().join("tests/fixtures/config/errors/module_calls"),
        d.path(),
    );
    let err = d.run(&["validate"]).code(1).stderr;
    for expected in [
        "modules/fs/main.hcl:16:3: error: unknown attribute \"sise\" in a schema block",
        "  in module.fs, called at main.hcl:5:1",
        "  in module.bad_team, called at main.hcl:19:1",
        "modules/fs/main.hcl:1:1: error: invalid value for variable \"team\": team is a lower-case name\n  the value comes from the module call at main.hcl:21:14",
    ] {
        assert!(err.contains(expected), "{expected}\nnot in\n{err}");
    }
}

#[test]
fn a_module_reaches_the_calling_configuration_only_through_variables() {
    let d = Dir::with(&[
        (
            "main.hcl",
            "database \"main\" {\n  name = \"ML\"\n}\n\nmodule \"fs\" {\n  source = \"./fs\"\n}\n",
        ),
        (
            "fs/main.hcl",
            "schema \"s\" {\n  database = database.main\n  name     = \"S\"\n}\n",
        ),
    ]);
    let err = d.run(&["validate"]).code(1).stderr;
    assert!(
        err.contains("fs/main.hcl:2:14: error: reference to an undeclared block database.main\n"),
        "{err}"
    );
    assert!(
        err.contains("in module.fs, called at main.hcl:5:1"),
        "{err}"
    );
}
