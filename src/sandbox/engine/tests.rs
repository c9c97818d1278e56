//! Fixture-driven tests: each `tests/fixtures/sandbox/<name>.sql` script runs against a
//! fresh engine and its transcript (every statement with its result or error) is compared
//! with the recorded snapshot. Directives in `-- @...` comments assert outcomes inline, so
//! a wrong result fails even before the snapshot is looked at:
//!
//! - `-- @error <code>`: the next statement must fail with this code (otherwise it must succeed)
//! - `-- @session database=D schema=S role=R warehouse=W user=U` (empty value: unset)
//! - `-- @clock <epoch seconds>`: fix the clock
//! - `-- @summary`: print only the row count and the first and last names of the next result
//! - `-- @repeat <n> <statement with {i}>`: run a statement n times, `{i}` = 00000..n-1
//! - `-- @persist` (first line): keep the account in a file; `-- @reopen`: reopen it from disk
//! - `-- @rows <n>`: the next statement must return exactly n rows

use super::{Clock, Engine};
use crate::sandbox::{ResultSet, Session, SqlEngine, SqlError};
use crate::sql::split_statements;
use std::fmt::Write;
use std::path::{Path, PathBuf};

const ACCOUNT: &str = "SANDBOX";
const START: i64 = 1_700_000_000;

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sandbox")
}

#[derive(Default)]
struct Expect {
    error: Option<String>,
    summary: bool,
    rows: Option<usize>,
}

struct Runner {
    name: String,
    engine: Engine,
    session: Session,
    path: Option<PathBuf>,
    _dir: Option<tempfile::TempDir>,
    clock: Clock,
    out: String,
}

impl Runner {
    fn new(name: &str, persist: bool) -> Runner {
        let clock = Clock::fixed_at_secs(START);
        let (dir, path) = if persist {
            let dir = tempfile::tempdir().expect("temp dir");
            let path = dir.path().join("account.json");
            (Some(dir), Some(path))
        } else {
            (None, None)
        };
        let engine = match &path {
            Some(p) => Engine::open(p, ACCOUNT).expect("open account file"),
            None => Engine::new(ACCOUNT),
        }
        .with_clock(clock.clone());
        let session = Session {
            account: ACCOUNT.into(),
            user: "TESTER".into(),
            role: "SYSADMIN".into(),
            ..Default::default()
        };
        Runner {
            name: name.to_string(),
            engine,
            session,
            path,
            _dir: dir,
            clock,
            out: String::new(),
        }
    }

    fn directive(&mut self, line: &str, expect: &mut Expect) {
        let (word, rest) = line.split_once(' ').unwrap_or((line, ""));
        match word {
            "error" => expect.error = Some(rest.trim().to_string()),
            "summary" => expect.summary = true,
            "rows" => expect.rows = Some(rest.trim().parse().expect("@rows <n>")),
            "persist" => {}
            "clock" => {
                self.clock = Clock::fixed_at_secs(rest.trim().parse().expect("@clock <secs>"));
                self.engine.set_clock(self.clock.clone());
                writeln!(self.out, "-- clock {}", rest.trim()).unwrap();
            }
            "session" => {
                for kv in rest.split_whitespace() {
                    let (k, v) = kv.split_once('=').expect("key=value");
                    let v = (!v.is_empty()).then(|| v.to_string());
                    match k {
                        "database" => self.session.database = v,
                        "schema" => self.session.schema = v,
                        "warehouse" => self.session.warehouse = v,
                        "role" => self.session.role = v.unwrap_or_default(),
                        "user" => self.session.user = v.unwrap_or_default(),
                        other => panic!("{}: unknown session key {other}", self.name),
                    }
                }
                writeln!(self.out, "-- session {}", rest.trim()).unwrap();
            }
            "repeat" => {
                let (n, template) = rest.split_once(' ').expect("@repeat <n> <sql>");
                let n: usize = n.parse().expect("count");
                for i in 0..n {
                    let sql = template.replace("{i}", &format!("{i:05}"));
                    if let Err(e) = self.engine.execute(&sql, &self.session) {
                        panic!("{}: repeated statement {sql} failed: {e}", self.name);
                    }
                }
                writeln!(self.out, "-- repeated {n} times: {template}").unwrap();
            }
            "reopen" => {
                let path = self.path.clone().expect("@reopen needs @persist");
                self.engine = Engine::open(&path, ACCOUNT)
                    .expect("reopen account file")
                    .with_clock(self.clock.clone());
                writeln!(self.out, "-- reopened the account from disk").unwrap();
            }
            other => panic!("{}: unknown directive @{other}", self.name),
        }
    }

    fn statement(&mut self, sql: &str, expect: Expect) {
        writeln!(self.out, "> {sql}").unwrap();
        let result = self.engine.execute(sql, &self.session);
        match (&result, &expect.error) {
            (Ok(_), Some(code)) => panic!(
                "{}: expected error {code} from {sql}, got success:\n{}",
                self.name,
                render(result.as_ref().ok().unwrap(), false)
            ),
            (Err(e), None) => panic!("{}: unexpected error from {sql}: {e}", self.name),
            (Err(e), Some(code)) if &e.code != code => {
                panic!("{}: expected error {code} from {sql}, got {e}", self.name)
            }
            _ => {}
        }
        match result {
            Ok(rs) => {
                if let Some(n) = expect.rows {
                    assert_eq!(rs.rows.len(), n, "{}: row count of {sql}", self.name);
                }
                self.out.push_str(&render(&rs, expect.summary));
            }
            Err(e) => self.out.push_str(&render_error(&e)),
        }
        self.out.push('\n');
    }
}

fn cell(value: &Option<String>) -> String {
    match value {
        Some(s) => format!("{s:?}"),
        None => "NULL".into(),
    }
}

fn render_error(sql_error: &SqlError) -> String {
    format!(
        "error {} ({}): {:?}\n",
        sql_error.code, sql_error.sql_state, sql_error.message
    )
}

fn render(rs: &ResultSet, summary: bool) -> String {
    let mut out = String::new();
    if rs.columns.len() == 1 && rs.columns[0].name == "status" && rs.rows.len() == 1 {
        writeln!(out, "status: {}", cell(&rs.rows[0][0])).unwrap();
        return out;
    }
    let header: Vec<String> = rs
        .columns
        .iter()
        .map(|c| format!("{}({})", c.name, c.type_name))
        .collect();
    writeln!(out, "columns: {}", header.join(" ")).unwrap();
    if let Some(d) = rs.dml {
        writeln!(
            out,
            "dml: inserted={} updated={} deleted={}",
            d.inserted, d.updated, d.deleted
        )
        .unwrap();
    }
    if summary {
        let name_col = rs
            .columns
            .iter()
            .position(|c| c.name == "name")
            .unwrap_or(0);
        let names: Vec<String> = rs.rows.iter().map(|r| cell(&r[name_col])).collect();
        writeln!(out, "rows: {}", names.len()).unwrap();
        if names.len() <= 6 {
            writeln!(out, "names: {}", names.join(", ")).unwrap();
        } else {
            writeln!(
                out,
                "names: {} ... {}",
                names[..3].join(", "),
                names[names.len() - 3..].join(", ")
            )
            .unwrap();
        }
        return out;
    }
    writeln!(out, "rows: {}", rs.rows.len()).unwrap();
    for (i, row) in rs.rows.iter().enumerate() {
        writeln!(out, "row {}:", i + 1).unwrap();
        for (c, v) in rs.columns.iter().zip(row) {
            writeln!(out, "  {}: {}", c.name, cell(v)).unwrap();
        }
    }
    out
}

/// Run one fixture script and return its transcript.
fn transcript(name: &str) -> String {
    let path = fixtures_dir().join(format!("{name}.sql"));
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let persist = text
        .lines()
        .next()
        .is_some_and(|l| l.trim() == "-- @persist");
    let mut r = Runner::new(name, persist);
    let mut expect = Expect::default();
    let mut buffer = String::new();
    for line in text.lines() {
        let trimmed = line.trim();
        if buffer.is_empty() {
            if let Some(d) = trimmed.strip_prefix("-- @") {
                r.directive(d.trim(), &mut expect);
                continue;
            }
            if trimmed.starts_with("--") {
                writeln!(r.out, "{trimmed}").unwrap();
                continue;
            }
            if trimmed.is_empty() {
                continue;
            }
        }
        buffer.push_str(line);
        buffer.push('\n');
        if trimmed.ends_with(';') {
            if let Ok(stmts) = split_statements(&buffer) {
                for (sql, _) in stmts {
                    r.statement(&sql, std::mem::take(&mut expect));
                }
                buffer.clear();
            }
        }
    }
    assert!(
        buffer.trim().is_empty(),
        "{name}: unterminated statement at the end: {buffer}"
    );
    r.out
}

fn check(name: &str) {
    let out = transcript(name);
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(fixtures_dir().join("snapshots"));
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| insta::assert_snapshot!(name, out));
}

macro_rules! fixtures {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                check(stringify!($name));
            }
        )*

        #[test]
        fn every_fixture_file_has_a_test() {
            let listed = [$(stringify!($name)),*];
            let mut files: Vec<String> = std::fs::read_dir(fixtures_dir())
                .expect("fixtures dir")
                .filter_map(|e| e.ok())
                .filter_map(|e| e.file_name().to_str().and_then(|n| n.strip_suffix(".sql")).map(String::from))
                .collect();
            files.sort();
            for f in &files {
                assert!(listed.contains(&f.as_str()), "fixture {f}.sql has no test in fixtures!(...)");
            }
        }
    };
}

fixtures!(
    comment_on,
    databases_schemas,
    entity_detail,
    feature_store,
    grants,
    grants_persistence,
    grants_recreated,
    iac_context,
    information_schema_tables,
    like_conditions,
    merge,
    ml_client_reads,
    models,
    persistence,
    procedures,
    roles,
    session_and_errors,
    show_pagination,
    snowpark_queries,
    stages_tags,
    table_columns,
    tables_dml,
    tag_value_length,
    tasks,
    tasks_root_only,
    users,
    view_sources,
    views_dynamic_tables,
    warehouse_needed,
    warehouses
);

/// `tests/fixtures/sandbox_unsupported/`: valid Snowflake SQL the sandbox does not emulate
/// fails as unsupported, never as a syntax error; invalid SQL fails as a syntax error.
#[test]
fn unsupported_and_syntax_errors() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sandbox_unsupported");
    let mut engine = Engine::new(ACCOUNT);
    let session = Session {
        account: ACCOUNT.into(),
        user: "TESTER".into(),
        role: "SYSADMIN".into(),
        ..Default::default()
    };
    for sql in [
        "CREATE WAREHOUSE WH",
        "CREATE DATABASE DB",
        "CREATE SCHEMA DB.S",
        "CREATE TABLE DB.S.T1 (A1 NUMBER)",
    ] {
        engine.execute(sql, &session).unwrap();
    }
    let session = Session {
        database: Some("DB".into()),
        schema: Some("S".into()),
        warehouse: Some("WH".into()),
        ..session
    };
    let mut wrong = Vec::new();
    for (file, want) in [
        ("unsupported.sql", "000002"),
        ("syntax_errors.sql", "001003"),
    ] {
        let text = std::fs::read_to_string(dir.join(file)).unwrap();
        // One statement per line: a split by `;` would be thrown off by the unbalanced
        // parentheses the syntax errors contain.
        let statements: Vec<&str> = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with("--"))
            .collect();
        assert!(statements.len() >= 10, "{file}: {}", statements.len());
        for sql in statements {
            match engine.execute(sql, &session) {
                Err(e) if e.code == want => {
                    if want == "000002" {
                        assert_eq!(e.sql_state, "0A000", "{sql}");
                        assert!(
                            e.message.starts_with("Unsupported feature")
                                && e.message.contains("snowform sandbox"),
                            "{sql}: {}",
                            e.message
                        );
                    } else {
                        assert_eq!(e.sql_state, "42000", "{sql}");
                    }
                }
                other => wrong.push(format!("{file}: {sql}\n    -> {other:?}")),
            }
        }
    }
    assert!(wrong.is_empty(), "\n{}", wrong.join("\n"));
}
