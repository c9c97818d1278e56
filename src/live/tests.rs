//! The live reader against SHOW output recorded in Snowflake's formats
//! (tests/fixtures/show/made_up/*.json): which queries it sends and the objects it reads; and
//! recorded rows of one reader beside the objects they must read as
//! (tests/fixtures/show/decode/*.json).

use super::*;
use crate::model::attr;
use crate::model::{Address, Ident, Kind, Object, ObjectName};
use std::collections::BTreeMap;
use std::sync::Mutex;

struct Recorded {
    by_sql: BTreeMap<String, ShowRows>,
    sent: Mutex<Vec<String>>,
}

impl Recorded {
    fn load() -> Recorded {
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/show/made_up");
        let mut by_sql = BTreeMap::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if !path.is_file() {
                continue;
            }
            let text = std::fs::read_to_string(path).unwrap();
            let v: serde_json::Value = serde_json::from_str(&text).unwrap();
            let rows: ShowRows = serde_json::from_value(v.clone()).unwrap();
            by_sql.insert(v["sql"].as_str().unwrap().to_string(), rows);
        }
        Recorded {
            by_sql,
            sent: Mutex::new(Vec::new()),
        }
    }
}

impl Executor for Recorded {
    async fn show(&self, sql: &str) -> Result<ShowRows, ExecError> {
        self.sent.lock().unwrap().push(sql.to_string());
        self.by_sql.get(sql).cloned().ok_or_else(|| ExecError {
            message: format!("no recording for {sql}"),
            not_found: true,
        })
    }
}

fn wanted(kind: Kind, name: ObjectName) -> Object {
    let mut o = Object::new(Address::new(kind, "x"), name);
    if kind == Kind::Schema {
        o.set(attr::FEATURE_STORE, true);
    }
    o
}

fn fs(name: &str) -> ObjectName {
    let id = Ident::from_canonical;
    ObjectName::in_schema(id("XYZ_DEV"), id("FEATURE_STORE"), id(name))
}

fn every_kind() -> Vec<Object> {
    let id = Ident::from_canonical;
    vec![
        wanted(Kind::Warehouse, ObjectName::account(id("COMPUTE_WH"))),
        wanted(Kind::Database, ObjectName::account(id("XYZ_DEV"))),
        wanted(
            Kind::Schema,
            ObjectName::in_database(id("XYZ_DEV"), id("FEATURE_STORE")),
        ),
        wanted(Kind::Stage, fs("MODEL_ARTIFACTS")),
        wanted(Kind::Entity, fs("SNOWML_FEATURE_STORE_ENTITY_PATIENT")),
        wanted(Kind::FeatureView, fs("PATIENT_AGE$V1")),
        wanted(Kind::Task, fs("SCORE_PATIENTS")),
        wanted(Kind::Model, fs("AGE_MODEL")),
        wanted(Kind::Role, ObjectName::account(id("XYZ_DEV_FS_PRODUCER"))),
        wanted(
            Kind::Table,
            ObjectName::in_schema(id("XYZ_DEV"), id("RAW"), id("RAW_CLAIMS")),
        ),
        wanted(Kind::View, fs("PATIENT_NAMES")),
        wanted(
            Kind::Procedure,
            fs("RETRAIN_AGE").with_signature(Some("(NUMBER)".into())),
        ),
        future_grant(),
        role_grant(),
        wanted(
            Kind::DatabaseRole,
            ObjectName::in_database(id("XYZ_DEV"), id("FS_READERS")),
        ),
        service_user(),
    ]
}

/// The probe user, with the key whose fingerprint DESCRIBE USER prints
/// (made_up/desc_user_ci.json): the read gives the key back.
fn service_user() -> Object {
    let mut o = wanted(
        Kind::User,
        ObjectName::account(Ident::from_canonical("XYZ_DEV_CI")),
    );
    o.set(attr::RSA_PUBLIC_KEY, CI_KEY);
    o
}

const CI_KEY: &str = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA5tUT6FBTvSnI/ZjwY8h6WpJhk9vHHn424Ubl9nw2kkz2hXvAdXE94/NyLqIZRBjNDmA6ZtF6zrNibc2Ug60s2mMl/cDEF0C0E/daB3GlDMsTUQHZvD+KmfPS3dQj/zXDMVXw5x5jVWaXC/JodTBbMrM1V3nKqXGTu1Hha9NjZPGQQkKEBXquehBNZyAm5d0xa8qF9Qa940Urp+U8lPti2X3W2ytsfAi8GH2j6EEKQyQCeYCe8uyWV+H4VPI4GENGVWFZQ+N/6tAXyMYn68ItbSOfzwElAzFZsnLGmgcex/XNwU6El87+FnwulBp/oz6B2guoofh14KDEDVoeKml/swIDAQAB";

/// The probe role grant: the consumer role granted to the producer role.
fn role_grant() -> Object {
    let (role, to) = ("ROLE XYZ_DEV_FS_CONSUMER", "ROLE XYZ_DEV_FS_PRODUCER");
    let mut o = wanted(
        Kind::RoleGrant,
        crate::kinds::role_grant::role_grant_name(role, to),
    );
    o.set(attr::ROLE, role);
    o.set(attr::TO, to);
    o
}

/// The probe grant: SELECT, MONITOR on the future dynamic tables of the Feature Store schema.
fn future_grant() -> Object {
    let target = "FUTURE DYNAMIC TABLES IN SCHEMA XYZ_DEV.FEATURE_STORE";
    let to = "ROLE XYZ_DEV_FS_PRODUCER";
    let mut o = wanted(Kind::Grant, crate::kinds::grant::grant_name(target, to));
    o.set(attr::ON_FUTURE, "DYNAMIC TABLES");
    o.set(attr::IN, "SCHEMA XYZ_DEV.FEATURE_STORE");
    o.set(attr::TO, to);
    o
}

/// The registry's live part of every kind: SHOW families with a documented recording, a
/// made-up recording the reader is run against, and a decoder that finds the kind's object
/// in it (and, for account-wide kinds such as roles, nothing the configuration does not name).
#[test]
fn every_kind_has_show_families_recordings_and_a_decoder() {
    let objects = every_kind();
    let exec = Recorded::load();
    let refs: Vec<&Object> = objects.iter().collect();
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let read = rt
        .block_on(read(&exec, &refs, &ReadOptions::default()))
        .unwrap();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/show");
    let mut missing = Vec::new();
    for kind in Kind::ALL {
        let families = queries::families(kind);
        if families.is_empty() {
            missing.push(format!("{kind}: no SHOW family"));
        }
        for f in families {
            let path = root.join(format!("documented/{}.json", f.recording));
            if !path.is_file() {
                missing.push(format!(
                    "{kind}: no documented recording {}",
                    path.display()
                ));
            }
        }
        let Some(probe) = objects.iter().find(|o| o.kind() == kind) else {
            missing.push(format!("{kind}: no object in every_kind()"));
            continue;
        };
        if !read.picture.contains_key(&(kind, probe.name.clone())) {
            missing.push(format!("{kind}: {} not decoded from made_up/", probe.name));
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
    let roles: Vec<String> = read
        .picture
        .keys()
        .filter(|(k, _)| *k == Kind::Role)
        .map(|(_, n)| n.to_string())
        .collect();
    assert_eq!(
        roles,
        ["XYZ_DEV_FS_PRODUCER"],
        "only declared roles are read"
    );
    let users: Vec<String> = read
        .picture
        .keys()
        .filter(|(k, _)| *k == Kind::User)
        .map(|(_, n)| n.to_string())
        .collect();
    assert_eq!(users, ["XYZ_DEV_CI"], "only declared users are read");
}

#[test]
fn reads_every_kind_from_recorded_show_output_with_one_query_per_kind_and_scope() {
    let objects = every_kind();
    let exec = Recorded::load();
    let refs: Vec<&Object> = objects.iter().collect();
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let read = rt
        .block_on(read(&exec, &refs, &ReadOptions::default()))
        .unwrap();
    let mut sent = exec.sent.lock().unwrap().clone();
    sent.sort();
    assert_eq!(read.queries, sent.len());
    assert!(read.missing_scopes.is_empty(), "{:?}", read.missing_scopes);
    let by_name: BTreeMap<String, &Object> = read
        .picture
        .iter()
        .map(|((k, n), o)| (format!("{k} {n}"), o))
        .collect();
    insta::assert_json_snapshot!("queries", sent);
    insta::assert_json_snapshot!(
        "objects",
        by_name
            .iter()
            .map(|(k, o)| (k.clone(), o.props.clone()))
            .collect::<BTreeMap<_, _>>()
    );
}

/// A scripted executor: SHOW MODELS finds nothing, and any SELECT fails as Snowflake fails
/// a statement that needs a warehouse in a session without one.
struct NoModelsNoWarehouse {
    sent: Mutex<Vec<String>>,
}

impl Executor for NoModelsNoWarehouse {
    async fn show(&self, sql: &str) -> Result<ShowRows, ExecError> {
        self.sent.lock().unwrap().push(sql.to_string());
        if sql.starts_with("SELECT") {
            return Err(ExecError {
                message: "391920: Unable to run the command. You must specify the warehouse to use"
                    .into(),
                not_found: false,
            });
        }
        Ok(serde_json::from_value(
            serde_json::json!({ "columns": ["name", "database_name"], "rows": [] }),
        )
        .unwrap())
    }
}

#[test]
fn model_versions_are_read_only_where_show_models_found_a_model() {
    let id = Ident::from_canonical;
    let model = wanted(
        Kind::Model,
        ObjectName::in_schema(id("NEW_DB"), id("S"), id("M")),
    );
    let exec = NoModelsNoWarehouse {
        sent: Mutex::new(Vec::new()),
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let read = rt
        .block_on(read(&exec, &[&model], &ReadOptions::default()))
        .unwrap();
    let sent = exec.sent.lock().unwrap().clone();
    assert_eq!(sent, ["SHOW MODELS IN SCHEMA NEW_DB.S"]);
    assert_eq!(read.queries, 1);
}

#[test]
fn feature_view_definitions_are_read_as_the_library_reads_them() {
    let text = "CREATE OR REPLACE DYNAMIC TABLE DB.S.\"FV$v1\" COPY GRANTS TARGET_LAG = '1 day' COMMENT = 'it''s' TAG (DB.S.SNOWML_FEATURE_VIEW_METADATA = '{\"entities\": [\"E\"]}', DB.S.SNOWML_FEATURE_STORE_ENTITY_E = 'A,B') WAREHOUSE = W REFRESH_MODE = AUTO INITIALIZE = 'ON_SCHEDULE' AS SELECT 1 AS x";
    let d = definition_text(text);
    assert_eq!(
        d.tags["SNOWML_FEATURE_VIEW_METADATA"],
        "{\"entities\": [\"E\"]}"
    );
    assert_eq!(d.tags["SNOWML_FEATURE_STORE_ENTITY_E"], "A,B");
    assert_eq!(d.refresh_mode.as_deref(), Some("AUTO"));
    assert_eq!(d.initialize.as_deref(), Some("ON_SCHEDULE"));
    assert_eq!(d.query.as_deref(), Some("SELECT 1 AS x"));

    // Only the header is lexed: a query the lexer does not know (a backtick, say) takes
    // nothing from what the header says.
    let odd = text.replace("SELECT 1 AS x", "SELECT `x` FROM T");
    let d = definition_text(&odd);
    assert_eq!(d.tags["SNOWML_FEATURE_STORE_ENTITY_E"], "A,B");
    assert_eq!(d.refresh_mode.as_deref(), Some("AUTO"));
    assert_eq!(d.query.as_deref(), Some("SELECT `x` FROM T"));
}

/// Metadata as the library writes it (quoted names, its later keys) and as snowform wrote it
/// before (its later keys, names unquoted): each is read as the library reads it.
#[test]
fn feature_view_metadata_is_resolved_as_the_library_resolves_it() {
    let show = |meta: &str| {
        let text = format!("CREATE VIEW DB.S.\"FV$V1\" COMMENT = '' TAG (DB.S.SNOWML_FEATURE_VIEW_METADATA = '{meta}') AS SELECT 1 AS x");
        let views: ShowRows = serde_json::from_value(serde_json::json!({
            "columns": ["name", "database_name", "schema_name", "text", "comment"],
            "rows": [["FV$V1", "DB", "S", text, ""]],
        }))
        .unwrap();
        let empty: ShowRows =
            serde_json::from_value(serde_json::json!({"columns": ["name"], "rows": []})).unwrap();
        let fv = crate::kinds::feature_view::read::feature_views(&empty, &views, &empty).remove(0);
        (
            fv.get(attr::ENTITIES)
                .unwrap()
                .str_list()
                .iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>(),
            fv.get_str(attr::TIMESTAMP_COL).map(str::to_string),
        )
    };
    assert_eq!(
        show(
            r#"{"entities": ["\"webVisitor\"", "CUSTOMER"], "timestamp_col": "\"clickedAt\"", "is_tiled": false, "is_append_only": false}"#
        ),
        (
            vec!["webVisitor".to_string(), "CUSTOMER".to_string()],
            Some("clickedAt".to_string())
        )
    );
    assert_eq!(
        show(
            r#"{"entities": ["webVisitor"], "timestamp_col": "NULL", "is_tiled": false, "is_iceberg": false, "is_rollup": false, "is_streaming": false, "is_append_only": false}"#
        ),
        (vec!["WEBVISITOR".to_string()], None)
    );
    assert_eq!(
        show(r#"{"entities": ["E"], "timestamp_col": "FS_TIMESTAMP_COL_PLACEHOLDER_VAL"}"#),
        (vec!["E".to_string()], None)
    );
}

/// Each file holds `reader` (a parse function), `show` (its inputs by family, as SHOW
/// returns them) and `objects` (name -> properties, exactly).
#[test]
fn recorded_rows_read_as_the_objects_pinned_beside_them() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/show/decode");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(!files.is_empty());
    for path in files {
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let show = |family: &str| -> ShowRows {
            serde_json::from_value(v["show"][family].clone()).unwrap_or_default()
        };
        let objects = match v["reader"].as_str().unwrap() {
            "warehouses" => crate::kinds::warehouse::read::warehouses(&show("warehouses")),
            "databases" => crate::kinds::database::read::databases(&show("databases")),
            "schemas" => crate::kinds::schema::read::schemas(&show("schemas")),
            "stages" => crate::kinds::stage::read::stages(&show("stages")),
            "entities" => crate::kinds::entity::read::entities(&show("tags")),
            "tasks" => crate::kinds::task::read::tasks(&show("tasks")),
            "feature_views" => crate::kinds::feature_view::read::feature_views(
                &show("dynamic_tables"),
                &show("views"),
                &show("tasks"),
            ),
            "models" => crate::kinds::model::read::models(&show("models"), &show("model_versions")),
            other => panic!("{}: no reader {other}", path.display()),
        };
        let got: BTreeMap<String, serde_json::Value> = objects
            .iter()
            .map(|o| (o.name.to_string(), serde_json::to_value(&o.props).unwrap()))
            .collect();
        let want: BTreeMap<String, serde_json::Value> =
            serde_json::from_value(v["objects"].clone()).unwrap();
        assert_eq!(got, want, "{}: {}", path.display(), v["about"]);
    }
}

/// Every recorded SHOW fixture says where it comes from; a made-up one says so in its path.
#[test]
fn every_recorded_fixture_names_its_source() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/show");
    let mut unsourced = Vec::new();
    let mut seen = 0;
    for dir in ["documented", "made_up", "decode"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "json") {
                continue;
            }
            seen += 1;
            let v: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            let source = v["source"].as_str().unwrap_or_default();
            let made_up = source.starts_with("Made up here");
            let named_made_up = path
                .components()
                .any(|c| c.as_os_str().to_string_lossy().starts_with("made_up"));
            if source.is_empty() || made_up != named_made_up {
                unsourced.push(path.display().to_string());
            }
        }
    }
    assert!(seen > 10, "no fixtures found under {}", root.display());
    assert!(
        unsourced.is_empty(),
        "fixtures without a source, or made up without saying so in their name:\n{}",
        unsourced.join("\n")
    );
}

/// A made-up recording stands for no layout of its own: its columns are the documented ones
/// (a SELECT of named columns: those columns, in the documented order).
#[test]
fn made_up_recordings_use_the_documented_columns() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/show");
    let read = |p: std::path::PathBuf| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap()
    };
    let names = |v: &serde_json::Value, key: &str| -> Vec<String> {
        v[key]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|c| c.as_str().unwrap().to_lowercase())
                    .collect()
            })
            .unwrap_or_default()
    };
    // made_up/<file> -> documented/<file>; SHOW TABLES has only a TERSE example documented.
    let pairs = [
        ("databases", "show_databases", false),
        ("dynamic_tables", "show_dynamic_tables", false),
        ("models", "show_models", false),
        ("schemas", "show_schemas", false),
        ("stages", "show_stages", false),
        ("tags", "show_tags", false),
        ("tasks", "show_tasks", false),
        ("views", "show_views", false),
        ("warehouses", "show_warehouses", false),
        ("roles", "show_roles", false),
        ("users", "show_users", false),
        ("columns", "show_columns", false),
        ("grants_to_role", "show_grants_to_role", false),
        ("future_grants", "show_future_grants_in_schema", false),
        ("grants_of_role", "show_grants_of_role", false),
        ("database_roles", "show_database_roles", false),
        ("procedures", "show_procedures", false),
        ("desc_procedure_retrain_age", "desc_procedure", false),
        ("desc_user_ci", "desc_user", false),
        (
            "grants_to_database_role",
            "show_grants_to_database_role",
            false,
        ),
        ("model_versions", "information_schema_model_versions", true),
    ];
    let mut wrong = Vec::new();
    for (made_up, documented, selected) in pairs {
        let m = read(root.join("made_up").join(format!("{made_up}.json")));
        let d = read(root.join("documented").join(format!("{documented}.json")));
        let extra: Vec<String> = d["extra_columns"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|c| c["name"].as_str().unwrap().to_lowercase())
                    .collect()
            })
            .unwrap_or_default();
        let got: Vec<String> = names(&m, "columns")
            .into_iter()
            .filter(|c| !extra.contains(c))
            .collect();
        let mut want = names(&d, "columns");
        if selected {
            want.retain(|c| got.contains(c));
        }
        if got != want {
            wrong.push(format!("{made_up}: {got:?}\n  documented: {want:?}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// The readers decode Snowflake's own documented example rows (not only rows written here).
#[test]
fn documented_example_rows_decode() {
    let root =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/show/documented");
    let rows = |name: &str| -> ShowRows {
        let v: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(root.join(format!("{name}.json"))).unwrap(),
        )
        .unwrap();
        // Where a documented column is missing from the example, its rows are kept apart.
        let (columns, rows) = if v["rows"].as_array().is_some_and(|r| !r.is_empty()) {
            (v["columns"].clone(), v["rows"].clone())
        } else {
            let columns = if v["example_columns"].is_array() {
                v["example_columns"].clone()
            } else {
                v["columns"].clone()
            };
            (columns, v["example_rows"].clone())
        };
        serde_json::from_value(serde_json::json!({ "columns": columns, "rows": rows })).unwrap()
    };
    let decoded: BTreeMap<String, BTreeMap<String, serde_json::Value>> = [
        (
            "warehouses",
            crate::kinds::warehouse::read::warehouses(&rows("show_warehouses")),
        ),
        (
            "databases",
            crate::kinds::database::read::databases(&rows("show_databases")),
        ),
        (
            "schemas",
            crate::kinds::schema::read::schemas(&rows("show_schemas")),
        ),
        (
            "tasks",
            crate::kinds::task::read::tasks(&rows("show_tasks")),
        ),
        (
            "roles",
            crate::kinds::role::read::roles(&rows("show_roles")),
        ),
        (
            "role_grants",
            crate::kinds::role_grant::read::role_grants(&rows("show_grants_of_role")),
        ),
        (
            "users",
            crate::kinds::user::read::users(&rows("show_users")),
        ),
        (
            "grants",
            crate::kinds::grant::read::grants(
                &rows("show_grants_to_role"),
                &rows("show_future_grants_in_schema"),
            ),
        ),
    ]
    .into_iter()
    .map(|(family, objects)| {
        assert!(!objects.is_empty(), "{family}: no documented row decoded");
        let by_name = objects
            .iter()
            .map(|o| (o.name.to_string(), serde_json::to_value(&o.props).unwrap()))
            .collect();
        (family.to_string(), by_name)
    })
    .collect();
    insta::assert_json_snapshot!("documented_rows", decoded);
}

#[test]
fn a_replaced_schema_is_listed_whole_reusing_what_the_first_read_fetched() {
    let id = Ident::from_canonical;
    let objects = every_kind();
    let exec = Recorded::load();
    let refs: Vec<&Object> = objects.iter().collect();
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let first = rt
        .block_on(read(&exec, &refs, &ReadOptions::default()))
        .unwrap();
    let schema = ObjectName::in_database(id("XYZ_DEV"), id("FEATURE_STORE"));
    let database = ObjectName::account(id("XYZ_DEV"));
    let list = |containers: &[ObjectName]| {
        let before = exec.sent.lock().unwrap().len();
        let listed = rt.block_on(read_contents(&exec, &first, containers, 4));
        let mut sent = exec.sent.lock().unwrap()[before..].to_vec();
        sent.sort();
        assert_eq!(listed.queries, sent.len());
        (listed, sent)
    };
    // The schema's stages, tags, dynamic tables, views, tasks and models were read already;
    // only its tables (every one, not just the Feature Store's) are new.
    let (listed, sent) = list(std::slice::from_ref(&schema));
    assert_eq!(
        sent,
        ["SHOW TABLES IN SCHEMA XYZ_DEV.FEATURE_STORE LIMIT 10000"]
    );
    let found: Vec<String> = listed.found[&schema]
        .as_ref()
        .unwrap()
        .iter()
        .map(|f| format!("{} {}", f.kind, f.name))
        .collect();
    insta::assert_json_snapshot!("replaced_schema_contents", found);

    // A database is read once per kind, its schemas excepted (read already); a schema in
    // it is listed from the database's rows.
    let (listed, sent) = list(&[schema.clone(), database.clone()]);
    assert_eq!(
        sent,
        [
            "SHOW DYNAMIC TABLES IN DATABASE XYZ_DEV LIMIT 10000",
            "SHOW MODELS IN DATABASE XYZ_DEV",
            "SHOW STAGES IN DATABASE XYZ_DEV",
            "SHOW TABLES IN DATABASE XYZ_DEV LIMIT 10000",
            "SHOW TAGS IN DATABASE XYZ_DEV",
            "SHOW TASKS IN DATABASE XYZ_DEV LIMIT 10000",
            "SHOW VIEWS IN DATABASE XYZ_DEV LIMIT 10000",
        ]
    );
    // Nothing is recorded for the database-wide reads: it cannot be listed, and says so.
    assert_eq!(
        listed.found[&database],
        Err("database XYZ_DEV does not exist or is not visible to this role".to_string())
    );
}

/// Counts the queries in flight at once: each takes a moment, as a round trip does.
struct InFlight {
    inner: Recorded,
    now: std::sync::atomic::AtomicUsize,
    peak: std::sync::atomic::AtomicUsize,
}

impl Executor for InFlight {
    async fn show(&self, sql: &str) -> Result<ShowRows, ExecError> {
        use std::sync::atomic::Ordering::SeqCst;
        let now = self.now.fetch_add(1, SeqCst) + 1;
        self.peak.fetch_max(now, SeqCst);
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        self.now.fetch_sub(1, SeqCst);
        self.inner.show(sql).await
    }
}

#[test]
fn the_queries_that_do_not_wait_for_another_are_all_sent_at_once() {
    let objects = every_kind();
    let exec = InFlight {
        inner: Recorded::load(),
        now: Default::default(),
        peak: Default::default(),
    };
    let refs: Vec<&Object> = objects.iter().collect();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    rt.block_on(read(&exec, &refs, &ReadOptions::default()))
        .unwrap();
    let sent = exec.inner.sent.lock().unwrap().clone();
    // Only the model versions wait, for SHOW MODELS to find a model, and the DESCRIBE of the
    // declared procedure and user, for SHOW PROCEDURES and SHOW USERS to find them.
    let shows = sent.iter().filter(|s| s.starts_with("SHOW")).count();
    assert!(shows > 8, "{sent:?}");
    assert_eq!(sent.len(), shows + 3, "{sent:?}");
    assert_eq!(exec.peak.into_inner(), shows, "{sent:?}");
}

/// A read after a read ahead of some of its objects (the state's, while the configuration
/// loads) finds what a read of its own finds, takes each answer it needs from the read
/// ahead, and sends only what that did not ask.
#[test]
fn a_read_after_a_read_ahead_finds_the_same_and_sends_only_the_rest() {
    let objects = every_kind();
    let refs: Vec<&Object> = objects.iter().collect();
    let recorded: Vec<&Object> = refs.iter().copied().step_by(2).collect();
    let opts = ReadOptions::default();
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();

    let alone = Recorded::load();
    let direct = rt.block_on(read(&alone, &refs, &opts)).unwrap();

    let exec = Recorded::load();
    let answers = rt.block_on(super::Answers::gather(&exec, &recorded, &opts));
    let ahead: Vec<String> = std::mem::take(&mut *exec.sent.lock().unwrap());
    let after = rt
        .block_on(read(&answers.answering(&exec), &refs, &opts))
        .unwrap();
    let rest: Vec<String> = exec.sent.lock().unwrap().clone();

    assert_eq!(
        format!("{:#?}", after.picture),
        format!("{:#?}", direct.picture)
    );
    assert!(!ahead.is_empty() && !rest.is_empty(), "{ahead:?} {rest:?}");
    let once: BTreeSet<&String> = ahead.iter().chain(&rest).collect();
    assert_eq!(
        once.len(),
        ahead.len() + rest.len(),
        "sent twice: {ahead:?} {rest:?}"
    );
    let needed: BTreeSet<String> = alone.sent.lock().unwrap().iter().cloned().collect();
    assert!(
        needed.iter().all(|q| once.contains(q)),
        "{needed:?} {once:?}"
    );
    // Every query sent is counted: those the read took, and those nobody took.
    assert_eq!(after.queries + answers.unused(), once.len());
}
