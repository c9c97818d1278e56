//! Procedures end to end on the sandbox: overloads (one name, other argument types) are two
//! objects, and dropping one leaves the other; a task that CALLs a declared procedure, by
//! reference or by a literal name in any quoting, is created after it and dropped before
//! it; a body holding `$$` is refused where it is written.

use crate::common::{statements, Dir};

const BASE: &str = r#"
database "db" {
  name = "PROC_DB"
}

schema "s" {
  database = database.db
  name     = "ML"
}
"#;

fn overload(label: &str, arg_type: &str) -> String {
    format!(
        r#"
procedure "{label}" {{
  schema    = schema.s
  name      = "SCORE"
  arguments = [{{ name = "X", type = "{arg_type}" }}]
  returns   = "VARCHAR"
  language  = "SQL"
  body      = "BEGIN RETURN 'ok'; END"
}}
"#
    )
}

fn plan(d: &Dir) -> Vec<String> {
    statements(&d.sandbox(&["plan", "--format", "json"]).ok().json())
}

fn procedures(d: &Dir) -> Vec<String> {
    d.exec_rows("SHOW PROCEDURES IN SCHEMA PROC_DB.ML")
        .iter()
        .map(|r| r[8].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn overloads_are_two_objects_and_dropping_one_leaves_the_other() {
    let both = format!(
        "{BASE}{}{}",
        overload("by_number", "INT"),
        overload("by_text", "STRING")
    );
    let d = Dir::with(&[("main.hcl", &both)]);
    let first = plan(&d);
    assert_eq!(
        first
            .iter()
            .filter(|s| s.starts_with("CREATE PROCEDURE PROC_DB.ML.SCORE("))
            .count(),
        2,
        "{first:?}"
    );
    d.apply_destroying();
    assert_eq!(
        procedures(&d),
        [
            "SCORE(NUMBER) RETURN VARCHAR",
            "SCORE(VARCHAR) RETURN VARCHAR"
        ]
    );
    assert_eq!(plan(&d), Vec::<String>::new(), "re-plan is empty");

    d.write(
        "main.hcl",
        &format!("{BASE}{}", overload("by_number", "NUMBER")),
    );
    assert_eq!(plan(&d), ["DROP PROCEDURE PROC_DB.ML.SCORE(VARCHAR)"]);
    d.apply_destroying();
    assert_eq!(procedures(&d), ["SCORE(NUMBER) RETURN VARCHAR"]);
    assert_eq!(plan(&d), Vec::<String>::new());

    // Other argument types are another procedure: created, and the old one dropped.
    d.write(
        "main.hcl",
        &format!("{BASE}{}", overload("by_number", "FLOAT")),
    );
    let changed = plan(&d);
    assert!(
        changed
            .iter()
            .any(|s| s.starts_with("CREATE PROCEDURE PROC_DB.ML.SCORE(X FLOAT)")),
        "{changed:?}"
    );
    assert!(
        changed.contains(&"DROP PROCEDURE PROC_DB.ML.SCORE(NUMBER)".to_string()),
        "{changed:?}"
    );
    d.apply_destroying();
    assert_eq!(procedures(&d), ["SCORE(FLOAT) RETURN VARCHAR"]);
}

fn with_tasks(task_sql: &str) -> String {
    format!(
        r#"{BASE}
procedure "retrain" {{
  schema    = schema.s
  name      = "RETRAIN"
  arguments = [{{ name = "DAYS", type = "NUMBER" }}]
  returns   = "VARCHAR"
  language  = "SQL"
  body      = "BEGIN RETURN 'ok'; END"
}}

task "t" {{
  schema    = schema.s
  name      = "NIGHTLY"
  schedule  = "60 MINUTES"
  sql       = {task_sql}
}}
"#
    )
}

/// The position of the first statement starting with `prefix`.
fn at(stmts: &[String], prefix: &str) -> usize {
    stmts
        .iter()
        .position(|s| s.starts_with(prefix))
        .unwrap_or_else(|| panic!("no {prefix} in {stmts:?}"))
}

#[test]
fn a_task_that_calls_a_procedure_is_created_after_it_and_dropped_before_it() {
    for sql in [
        r#""CALL ${procedure.retrain.fqn}(30)""#,
        // A literal name, in another case and quoting, resolved in the task's schema.
        r#""call \"PROC_DB\".ml.Retrain(30)""#,
        r#""CALL retrain(30)""#,
    ] {
        let d = Dir::with(&[("main.hcl", &with_tasks(sql))]);
        let created = plan(&d);
        assert!(
            at(&created, "CREATE PROCEDURE") < at(&created, "CREATE TASK"),
            "{sql}: {created:?}"
        );
        d.apply_destroying();
        assert_eq!(plan(&d), Vec::<String>::new(), "{sql}");
        d.write("main.hcl", BASE);
        let dropped = plan(&d);
        assert!(
            at(&dropped, "DROP TASK") < at(&dropped, "DROP PROCEDURE"),
            "{sql}: {dropped:?}"
        );
        d.apply_destroying();
    }
}

#[test]
fn a_body_holding_double_dollars_is_refused_where_it_is_written() {
    let config = format!(
        "{BASE}{}",
        overload("p", "NUMBER").replace("BEGIN RETURN 'ok'; END", "x $$ y")
    );
    let d = Dir::with(&[("main.hcl", &config)]);
    let out = d.run(&["validate"]).code(1);
    assert!(
        out.stderr.contains("main.hcl:") && out.stderr.contains("$$"),
        "{}",
        out.stderr
    );
}
