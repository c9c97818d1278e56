//! The DDL of each kind, and the proof that no name or comment breaks out of its statement.

use super::*;
use crate::diff::{diff, DiffInput};
use crate::model::attr;
use crate::model::{Address, Ident, Kind, Object, ObjectName, Value};
use crate::sql::{split_statements, tokenize, TokenKind};
use std::collections::BTreeMap;

fn obj(kind: Kind, name: ObjectName, props: &[(&str, Value)]) -> Object {
    let mut o = Object::new(Address::new(kind, "x"), name);
    for (k, v) in props {
        o.set(k, v.clone());
    }
    o
}

fn ident(name: &str) -> Ident {
    Ident::from_canonical(name)
}

fn sqls(stmts: &[Stmt]) -> Vec<String> {
    stmts.iter().filter_map(|s| s.sql.clone()).collect()
}

#[test]
fn warehouse_create_and_alter() {
    let mut w = obj(
        Kind::Warehouse,
        ObjectName::account(ident("COMPUTE_WH")),
        &[
            ("size", "XSMALL".into()),
            ("auto_suspend", 60.into()),
            ("type", "SNOWPARK-OPTIMIZED".into()),
        ],
    );
    assert_eq!(sqls(&create(&w)), ["CREATE WAREHOUSE COMPUTE_WH WAREHOUSE_SIZE = XSMALL WAREHOUSE_TYPE = 'SNOWPARK-OPTIMIZED' AUTO_SUSPEND = 60"]);
    let before = w.clone();
    w.set(attr::SIZE, "SMALL");
    w.props.remove(attr::AUTO_SUSPEND);
    w.set(attr::COMMENT, "it's");
    let recorded = BTreeMap::from([(w.address.clone(), before)]);
    let changes = diff(&DiffInput {
        desired: &[w],
        recorded: &recorded,
        live: None,
    })
    .unwrap();
    assert_eq!(sqls(&statements(&changes[0])), ["ALTER WAREHOUSE COMPUTE_WH SET WAREHOUSE_SIZE = SMALL AUTO_SUSPEND = 600 COMMENT = 'it''s'"]);
}

/// A role: CREATE with its comment, SET / UNSET COMMENT, RENAME TO and DROP.
#[test]
fn role_create_alter_rename_and_drop() {
    let mut r = obj(
        Kind::Role,
        ObjectName::account(ident("FS_PRODUCER")),
        &[("comment", "producers".into())],
    );
    assert_eq!(
        sqls(&create(&r)),
        ["CREATE ROLE FS_PRODUCER COMMENT = 'producers'"]
    );
    let before = r.clone();
    r.set(attr::COMMENT, "it's");
    r.name = ObjectName::account(ident("fs_producer"));
    let recorded = BTreeMap::from([(r.address.clone(), before.clone())]);
    let changes = diff(&DiffInput {
        desired: std::slice::from_ref(&r),
        recorded: &recorded,
        live: None,
    })
    .unwrap();
    assert_eq!(
        sqls(&statements(&changes[0])),
        [
            "ALTER ROLE FS_PRODUCER RENAME TO \"fs_producer\"",
            "ALTER ROLE \"fs_producer\" SET COMMENT = 'it''s'"
        ]
    );
    let mut renamed = before;
    renamed.name = r.name.clone();
    r.props.remove(attr::COMMENT);
    let recorded = BTreeMap::from([(r.address.clone(), renamed)]);
    let changes = diff(&DiffInput {
        desired: std::slice::from_ref(&r),
        recorded: &recorded,
        live: None,
    })
    .unwrap();
    assert_eq!(
        sqls(&statements(&changes[0])),
        ["ALTER ROLE \"fs_producer\" UNSET COMMENT"]
    );
    assert_eq!(sqls(&drop(&r)), ["DROP ROLE \"fs_producer\""]);
}

#[test]
fn hostile_names_and_comments_cannot_break_out() {
    let hostile = [
        "x'; DROP DATABASE PROD; --",
        "back\\slash\\",
        "semi;colon",
        "$$ dollar $$",
        "new\nline\r\n",
        "quote\"d",
        "ünï©ødé 🚀",
        "'||'",
        "*/ /*",
    ];
    for h in hostile {
        let name = ObjectName::in_schema(ident(h), ident(h), ident(h));
        let objects = vec![
            obj(
                Kind::Warehouse,
                ObjectName::account(ident(h)),
                &[("comment", h.into()), ("resource_monitor", h.into())],
            ),
            obj(
                Kind::Database,
                ObjectName::account(ident(h)),
                &[("comment", h.into())],
            ),
            obj(
                Kind::Schema,
                ObjectName::in_database(ident(h), ident(h)),
                &[("comment", h.into()), ("feature_store", true.into())],
            ),
            obj(
                Kind::Stage,
                name.clone(),
                &[("comment", h.into()), ("url", h.into())],
            ),
            obj(
                Kind::Entity,
                name.clone(),
                &[
                    ("comment", h.into()),
                    ("join_keys", Value::List(vec![h.into()])),
                ],
            ),
            obj(
                Kind::Task,
                name.clone(),
                &[
                    ("comment", h.into()),
                    ("sql", "SELECT 1".into()),
                    ("warehouse", h.into()),
                    (
                        "config",
                        format!("{{\"k\":{}}}", serde_json::to_string(h).unwrap()).into(),
                    ),
                ],
            ),
            obj(
                Kind::FeatureView,
                name.clone(),
                &[
                    ("comment", h.into()),
                    ("query", "SELECT 1".into()),
                    ("entities", Value::List(vec![h.into()])),
                    ("refresh_freq", "0 6 * * * UTC".into()),
                    ("warehouse", h.into()),
                    ("timestamp_col", h.into()),
                ],
            ),
            obj(
                Kind::Model,
                name.clone(),
                &[
                    ("comment", h.into()),
                    (
                        "versions",
                        Value::Map(BTreeMap::from([(
                            h.to_string(),
                            Value::Map(BTreeMap::from([
                                ("source".to_string(), Value::from("@DB.S.ST/p")),
                                ("comment".to_string(), h.into()),
                                ("alias".to_string(), h.into()),
                            ])),
                        )])),
                    ),
                ],
            ),
            obj(
                Kind::Role,
                ObjectName::account(ident(h)),
                &[("comment", h.into())],
            ),
            obj(
                Kind::Table,
                name.clone(),
                &[
                    ("comment", h.into()),
                    ("cluster_by", Value::List(vec![h.into()])),
                    (
                        "columns",
                        Value::List(vec![Value::Map(BTreeMap::from([
                            ("name".to_string(), Value::from(h)),
                            ("type".to_string(), Value::from("NUMBER(38,0)")),
                            ("nullable".to_string(), Value::Bool(false)),
                            ("comment".to_string(), h.into()),
                        ]))]),
                    ),
                ],
            ),
            obj(
                Kind::View,
                name.clone(),
                &[("comment", h.into()), ("query", "SELECT 1".into())],
            ),
            {
                // Its names come quoted from the configuration and the live read.
                let on = format!(
                    "SCHEMA {}",
                    ObjectName::in_database(ident(h), ident(h)).to_sql()
                );
                let to = format!("ROLE {}", ident(h).to_sql());
                obj(
                    Kind::Grant,
                    crate::kinds::grant::grant_name(&on, &to),
                    &[
                        ("on", on.as_str().into()),
                        ("to", to.as_str().into()),
                        ("privileges", Value::List(vec![Value::from("USAGE")])),
                    ],
                )
            },
            {
                let role = format!("ROLE {}", ident(h).to_sql());
                let to = format!("USER {}", ident(h).to_sql());
                obj(
                    Kind::RoleGrant,
                    crate::kinds::role_grant::role_grant_name(&role, &to),
                    &[("role", role.as_str().into()), ("to", to.as_str().into())],
                )
            },
            obj(
                Kind::DatabaseRole,
                ObjectName::in_database(ident(h), ident(h)),
                &[],
            ),
            // The body is code by design (sent between `$$`; one holding `$$` is refused
            // when the configuration is read): every other text is quoted.
            obj(
                Kind::Procedure,
                name.clone().with_signature(Some("(NUMBER)".into())),
                &[
                    ("comment", h.into()),
                    (
                        "arguments",
                        Value::List(vec![Value::Map(BTreeMap::from([
                            ("name".to_string(), Value::from(h)),
                            ("type".to_string(), Value::from("NUMBER")),
                        ]))]),
                    ),
                    ("returns", "VARCHAR(16777216)".into()),
                    ("language", "PYTHON".into()),
                    ("runtime_version", h.into()),
                    ("packages", Value::List(vec![h.into()])),
                    ("imports", Value::List(vec![h.into()])),
                    ("handler", h.into()),
                    ("body", "return 1".into()),
                ],
            ),
            obj(
                Kind::User,
                ObjectName::account(ident(h)),
                &[
                    ("type", "SERVICE".into()),
                    ("login_name", h.into()),
                    ("display_name", h.into()),
                    ("comment", h.into()),
                    ("disabled", true.into()),
                    ("default_warehouse", h.into()),
                    ("default_namespace", h.into()),
                    ("default_role", h.into()),
                    ("rsa_public_key", h.into()),
                    ("rsa_public_key_2", h.into()),
                ],
            ),
        ];
        // Every kind of the registry is here: a new kind's statements get the same proof.
        for kind in Kind::ALL {
            assert!(
                objects.iter().any(|o| o.kind() == kind),
                "{kind} has no hostile object"
            );
        }
        for o in &objects {
            for stmt in sqls(&create(o)).iter().chain(sqls(&drop(o)).iter()) {
                // One statement, and the hostile text only ever inside a literal or quoted identifier.
                let parts = split_statements(stmt).unwrap_or_else(|e| panic!("{stmt}: {e}"));
                assert_eq!(parts.len(), 1, "{h:?} split {stmt}");
                for t in tokenize(stmt).unwrap() {
                    if matches!(
                        t.kind,
                        TokenKind::Word | TokenKind::Symbol | TokenKind::Comment
                    ) {
                        assert!(
                            !h.trim().is_empty() && !t.text.contains(h),
                            "{h:?} appears bare in {stmt}"
                        );
                    }
                    assert_ne!(t.kind, TokenKind::Comment, "{stmt} grew a comment");
                }
                let values: Vec<String> = tokenize(stmt)
                    .unwrap()
                    .into_iter()
                    .filter(|t| matches!(t.kind, TokenKind::String | TokenKind::QuotedIdent))
                    .map(|t| t.value)
                    .collect();
                assert!(
                    values.iter().any(|v| v.contains(h)),
                    "{h:?} lost from {stmt}"
                );
            }
        }
    }
}

/// A root that joins a graph drops its graph parameters first, with UNSET: Snowflake
/// refuses OVERLAP_POLICY on a child even at its default, and refuses ADD AFTER while the
/// task still carries CONFIG.
#[test]
fn task_becoming_a_child_unsets_its_graph_parameters_before_add_after() {
    let name = |n: &str| ObjectName::in_schema(ident("DB"), ident("S"), ident(n));
    let before = obj(
        Kind::Task,
        name("T"),
        &[
            ("sql", "SELECT 1".into()),
            ("schedule", "5 MINUTES".into()),
            ("config", r#"{"env":"dev"}"#.into()),
            ("overlap_policy", "ALLOW_CHILD_OVERLAP".into()),
        ],
    );
    let mut after = before.clone();
    after.props.remove(attr::SCHEDULE);
    after.props.remove(attr::CONFIG);
    after.props.remove(attr::OVERLAP_POLICY);
    after.set(attr::AFTER, Value::List(vec!["DB.S.ROOT".into()]));
    let changed = [
        attr::SCHEDULE,
        attr::CONFIG,
        attr::OVERLAP_POLICY,
        attr::AFTER,
    ];
    assert_eq!(
        sqls(&crate::kinds::task::ddl::update(&before, &after, &changed)),
        [
            "ALTER TASK DB.S.T UNSET SCHEDULE, CONFIG, OVERLAP_POLICY",
            "ALTER TASK DB.S.T ADD AFTER DB.S.ROOT",
        ]
    );
}

/// USER_TASK_MANAGED_INITIAL_WAREHOUSE_SIZE is a string in the CREATE TASK reference.
#[test]
fn a_serverless_task_size_is_written_as_a_string() {
    let name = ObjectName::in_schema(ident("DB"), ident("S"), ident("T"));
    let mut t = obj(
        Kind::Task,
        name,
        &[
            ("sql", "SELECT 1".into()),
            ("user_task_managed_initial_warehouse_size", "XSMALL".into()),
        ],
    );
    assert_eq!(
        sqls(&crate::kinds::task::ddl::create(&t)),
        ["CREATE TASK DB.S.T USER_TASK_MANAGED_INITIAL_WAREHOUSE_SIZE = 'XSMALL' AS SELECT 1"]
    );
    let before = t.clone();
    t.set(attr::USER_TASK_MANAGED_INITIAL_WAREHOUSE_SIZE, "XXLARGE");
    assert_eq!(
        sqls(&crate::kinds::task::ddl::update(
            &before,
            &t,
            &[attr::USER_TASK_MANAGED_INITIAL_WAREHOUSE_SIZE]
        )),
        ["ALTER TASK DB.S.T SET USER_TASK_MANAGED_INITIAL_WAREHOUSE_SIZE = 'XXLARGE'"]
    );
}

/// ALTER STAGE lists `SET DIRECTORY = (ENABLE = ...)` as a statement of its own.
#[test]
fn a_stage_directory_change_is_its_own_alter() {
    let name = ObjectName::in_schema(ident("DB"), ident("S"), ident("ST"));
    let o = obj(
        Kind::Stage,
        name,
        &[("directory", true.into()), ("comment", "files".into())],
    );
    assert_eq!(
        sqls(&crate::kinds::stage::ddl::update(
            &o,
            &[attr::DIRECTORY, attr::COMMENT]
        )),
        [
            "ALTER STAGE DB.S.ST SET COMMENT = 'files'",
            "ALTER STAGE DB.S.ST SET DIRECTORY = (ENABLE = TRUE)",
        ]
    );
}

/// A version's stage location reaches the statement as one plain location token or one
/// string literal, never as statement text: even one that did not pass the configuration's
/// check (a hand-edited state or saved plan).
#[test]
fn a_model_version_source_cannot_break_out() {
    let name = ObjectName::in_schema(ident("DB"), ident("S"), ident("M"));
    for (source, expected) in [
        ("@DB.S.STG/models/v1", "@DB.S.STG/models/v1"),
        ("@\"my stage\".S.T/a b", "'@\"my stage\".S.T/a b'"),
        (
            "@DB.S.STG/x; DROP DATABASE PROD; --",
            "'@DB.S.STG/x; DROP DATABASE PROD; --'",
        ),
        (
            "@DB.S.STG/x' ; DROP DATABASE P; --",
            "'@DB.S.STG/x\\' ; DROP DATABASE P; --'",
        ),
        ("@DB.S.STG/x\\'; --", "'@DB.S.STG/x\\\\\\'; --'"),
    ] {
        let o = obj(
            Kind::Model,
            name.clone(),
            &[(
                "versions",
                Value::Map(BTreeMap::from([(
                    "V1".to_string(),
                    Value::Map(BTreeMap::from([(
                        "source".to_string(),
                        Value::from(source),
                    )])),
                )])),
            )],
        );
        let stmt = &sqls(&create(&o))[0];
        assert_eq!(
            stmt,
            &format!("CREATE MODEL DB.S.M WITH VERSION V1 FROM {expected}")
        );
        assert_eq!(split_statements(stmt).unwrap().len(), 1, "{stmt}");
        let last = tokenize(stmt)
            .unwrap()
            .into_iter()
            .rfind(|t| !t.is_trivia())
            .unwrap();
        assert!(
            matches!(last.kind, TokenKind::Stage | TokenKind::String),
            "{stmt}: {last:?}"
        );
        let value = if last.kind == TokenKind::String {
            last.value
        } else {
            last.text
        };
        assert_eq!(value, source, "{stmt}");
    }
}
