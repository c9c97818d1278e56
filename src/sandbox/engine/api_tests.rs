//! Tests of the engine's API around statements: persistence, atomic saves, rollback of
//! failed saves, reset, and how whole request texts are read.

use super::{Clock, Engine, PersistError};
use crate::sandbox::{ResultSet, Session, SqlEngine};

fn session() -> Session {
    Session {
        database: Some("DB".into()),
        schema: Some("S".into()),
        warehouse: Some("WH".into()),
        role: "SYSADMIN".into(),
        ..Default::default()
    }
}

fn run(engine: &mut Engine, sql: &str) -> ResultSet {
    engine
        .execute(sql, &session())
        .unwrap_or_else(|err| panic!("{sql}: {err}"))
}

const SETUP: &[&str] = &[
    "CREATE WAREHOUSE wh WAREHOUSE_SIZE = SMALL MAX_CONCURRENCY_LEVEL = 2",
    "CREATE DATABASE db",
    "CREATE TRANSIENT SCHEMA db.s DATA_RETENTION_TIME_IN_DAYS = 0",
    "CREATE TAG t ALLOWED_VALUES 'x'",
    "CREATE STAGE st ENCRYPTION = (TYPE = 'SNOWFLAKE_SSE')",
    "CREATE VIEW v TAG (t = 'x') AS SELECT 1",
    "CREATE DYNAMIC TABLE d TARGET_LAG = '1 day' WAREHOUSE = wh REFRESH_MODE = FULL AS SELECT 1",
    "CREATE TASK r WAREHOUSE = wh SCHEDULE = '5 MINUTE' AS SELECT 1",
    "CREATE TASK c AFTER r WHEN SYSTEM$STREAM_HAS_DATA('X') AS SELECT 2",
    "ALTER TASK c RESUME",
    "CREATE MODEL m WITH VERSION a FROM @st/a",
    "ALTER MODEL m ADD VERSION b FROM @st/b",
    "ALTER MODEL m MODIFY VERSION b SET METADATA = '{\"k\": [1, 2]}'",
    "CREATE TABLE tb (k VARCHAR NOT NULL, at TIMESTAMP_NTZ DEFAULT CURRENT_TIMESTAMP())",
    "INSERT INTO tb (k) VALUES ('one'), ('two')",
];

const READS: &[&str] = &[
    "SHOW WAREHOUSES",
    "SHOW DATABASES",
    "SHOW SCHEMAS IN ACCOUNT",
    "SHOW TAGS",
    "SHOW STAGES",
    "SHOW VIEWS",
    "SHOW DYNAMIC TABLES",
    "SHOW TABLES",
    "SHOW TASKS",
    "SHOW MODELS",
    "SHOW VERSIONS IN MODEL m",
    "SHOW PARAMETERS IN WAREHOUSE wh",
    "SHOW PARAMETERS IN SCHEMA db.s",
    "SHOW PARAMETERS IN TASK c",
    "SELECT SYSTEM$GET_TAG('t', 'v', 'TABLE')",
    "SELECT * FROM tb",
    "SELECT * FROM INFORMATION_SCHEMA.MODEL_VERSIONS",
];

fn reads(engine: &mut Engine) -> Vec<ResultSet> {
    READS.iter().map(|sql| run(engine, sql)).collect()
}

#[test]
fn reopening_an_account_gives_the_same_output_for_every_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("account.json");
    let mut e = Engine::open(&path, "ACME")
        .unwrap()
        .with_clock(Clock::fixed_at_secs(1_700_000_000));
    for sql in SETUP {
        run(&mut e, sql);
    }
    let before = reads(&mut e);
    drop(e);
    let mut reopened = Engine::open(&path, "ACME")
        .unwrap()
        .with_clock(Clock::fixed_at_secs(1_800_000_000));
    assert_eq!(reads(&mut reopened), before);
    assert_eq!(
        reopened.catalog(),
        Engine::open(&path, "ACME").unwrap().catalog()
    );
    // Only the account file and its journal are left in the directory: the temporary
    // files were renamed.
    let mut names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    names.sort();
    assert_eq!(
        names,
        vec![
            std::ffi::OsString::from("account.json"),
            std::ffi::OsString::from("account.json.journal")
        ]
    );
}

#[test]
fn the_same_statements_save_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for name in ["a.json", "b.json"] {
        let path = dir.path().join(name);
        let mut e = Engine::open(&path, "ACME")
            .unwrap()
            .with_clock(Clock::fixed_at_secs(1_700_000_000));
        for sql in SETUP {
            run(&mut e, sql);
        }
        files.push((
            std::fs::read(&path).unwrap(),
            std::fs::read(super::persist::journal_path(&path)).unwrap(),
        ));
    }
    assert_eq!(files[0], files[1]);
}

#[test]
fn reads_and_failed_statements_do_not_rewrite_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("account.json");
    let journal = super::persist::journal_path(&path);
    let mut e = Engine::open(&path, "ACME")
        .unwrap()
        .with_clock(Clock::fixed_at_secs(1));
    run(&mut e, "CREATE DATABASE db");
    let saved = (
        std::fs::read(&path).unwrap(),
        std::fs::read(&journal).unwrap(),
    );
    run(&mut e, "SHOW DATABASES");
    assert!(e.execute("CREATE DATABASE db", &session()).is_err());
    assert_eq!(
        (
            std::fs::read(&path).unwrap(),
            std::fs::read(&journal).unwrap()
        ),
        saved
    );
    // A change is one line appended to the journal; the file stays as it was.
    run(&mut e, "CREATE SCHEMA db.s");
    assert_eq!(std::fs::read(&path).unwrap(), saved.0);
    let appended = std::fs::read(&journal).unwrap();
    assert_eq!(
        appended[saved.1.len()..]
            .iter()
            .filter(|b| **b == b'\n')
            .count(),
        1
    );
    assert!(
        Engine::open(&path, "ACME").unwrap().catalog().databases["DB"]
            .schemas
            .contains_key("S")
    );
}

/// The account file keeps the account as of its last rewrite; the journal beside it each
/// change since, replayed when the account is opened. A line cut short by a kill (never
/// answered) is left out; a journal the file already holds is not replayed again.
#[test]
fn an_account_is_its_file_with_its_journal_replayed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("account.json");
    let journal = super::persist::journal_path(&path);
    let mut e = Engine::open(&path, "ACME")
        .unwrap()
        .with_clock(Clock::fixed_at_secs(1));
    run(&mut e, "CREATE DATABASE db");
    let file_then = std::fs::read(&path).unwrap();
    let journal_then = std::fs::read(&journal).unwrap();
    run(&mut e, "CREATE SCHEMA db.s");
    run(&mut e, "CREATE SCHEMA db.t");
    let whole = e.catalog().clone();
    drop(e);
    assert_eq!(std::fs::read(&path).unwrap(), file_then, "not rewritten");
    assert_eq!(Engine::open(&path, "ACME").unwrap().catalog(), &whole);
    // The last line cut short anywhere: that statement alone is missing.
    let full = std::fs::read(&journal).unwrap();
    let last_start = full[..full.len() - 1]
        .iter()
        .rposition(|b| *b == b'\n')
        .unwrap()
        + 1;
    for cut in [
        last_start + 1,
        (last_start + full.len()) / 2,
        full.len() - 1,
    ] {
        std::fs::write(&journal, &full[..cut]).unwrap();
        let schemas: Vec<String> = Engine::open(&path, "ACME").unwrap().catalog().databases["DB"]
            .schemas
            .keys()
            .cloned()
            .collect();
        assert_eq!(schemas, ["PUBLIC", "S"], "cut at {cut}");
    }
    // A damaged line before the last is not a cut-short write.
    let mut damaged = journal_then.clone();
    damaged.extend_from_slice(b"{\"sql\": \n");
    damaged.extend_from_slice(&full[journal_then.len()..]);
    std::fs::write(&journal, &damaged).unwrap();
    let err = Engine::open(&path, "ACME").err().expect("damaged journal");
    assert!(
        matches!(err, PersistError::Journal { line: 2, .. }),
        "{err}"
    );
    // A rewrite of the file under a new journal, cut short before that journal was
    // started: the old journal does not name the new file and is left alone.
    std::fs::write(&journal, &full).unwrap();
    let mut e = Engine::open(&path, "ACME").unwrap();
    e.reset().unwrap();
    drop(e);
    std::fs::write(&journal, &full).unwrap();
    // Replayed, its statements would fail on the empty account (no database DB).
    let reopened = Engine::open(&path, "ACME").unwrap();
    assert!(reopened.catalog().databases.is_empty());
}

/// A format 1 file (no journal), as the previous version wrote it, still opens.
#[test]
fn an_account_file_of_format_1_still_opens() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("account.json");
    let mut e = Engine::open(&path, "ACME")
        .unwrap()
        .with_clock(Clock::fixed_at_secs(1));
    run(&mut e, "CREATE DATABASE db");
    drop(e);
    let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    v["format_version"] = 1.into();
    v.as_object_mut().unwrap().remove("journal");
    std::fs::write(&path, serde_json::to_vec_pretty(&v).unwrap()).unwrap();
    std::fs::remove_file(super::persist::journal_path(&path)).unwrap();
    let names: Vec<String> = Engine::open(&path, "ACME")
        .unwrap()
        .catalog()
        .databases
        .keys()
        .cloned()
        .collect();
    assert_eq!(names, ["DB"]);
}

#[test]
fn a_change_that_cannot_be_saved_is_undone_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("accounts");
    std::fs::create_dir(&sub).unwrap();
    let mut e = Engine::open(&sub.join("account.json"), "ACME").unwrap();
    run(&mut e, "CREATE DATABASE db");
    // With its directory gone the next save fails: the statement must not appear to work.
    std::fs::remove_dir_all(&sub).unwrap();
    let err = e.execute("CREATE DATABASE other", &session()).unwrap_err();
    assert_eq!(err.code, "000603");
    assert!(err.message.contains("could not save"), "{}", err.message);
    let names: Vec<_> = e.catalog().databases.keys().cloned().collect();
    assert_eq!(names, ["DB"], "the failed change must not stay in memory");
}

#[test]
fn opening_refuses_a_file_of_another_account_or_a_broken_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("account.json");
    let mut e = Engine::open(&path, "ACME").unwrap();
    run(&mut e, "CREATE DATABASE db");
    assert!(matches!(
        Engine::open(&path, "OTHER"),
        Err(PersistError::Account { .. })
    ));
    std::fs::write(&path, b"not json").unwrap();
    let err = Engine::open(&path, "ACME")
        .err()
        .expect("a broken file is an error");
    assert!(matches!(err, PersistError::Format { .. }));
    assert!(err.to_string().contains("move it away"), "{err}");
}

#[test]
fn reset_empties_the_account_and_its_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("account.json");
    let mut e = Engine::open(&path, "ACME").unwrap();
    run(&mut e, "CREATE DATABASE db");
    e.reset().unwrap();
    assert_eq!(run(&mut e, "SHOW DATABASES").rows.len(), 0);
    assert_eq!(
        Engine::open(&path, "ACME").unwrap().catalog(),
        &super::Catalog::default()
    );
}

#[test]
fn a_request_text_is_one_statement_with_an_optional_semicolon_and_comments() {
    let mut e = Engine::new("ACME");
    let r = run(&mut e, "  -- leading comment\n SELECT 1 ; -- trailing\n");
    assert_eq!(r.rows, vec![vec![Some("1".to_string())]]);
    let err = e.execute("SELECT 1; SELECT 2", &session()).unwrap_err();
    assert_eq!(
        (err.code.as_str(), err.sql_state.as_str()),
        ("000008", "0A000")
    );
    let err = e.execute("SELECT 'unterminated", &session()).unwrap_err();
    assert_eq!(err.code, "001003");
    let err = e.execute("   ", &session()).unwrap_err();
    assert_eq!(err.code, "000002");
    assert!(
        err.message.starts_with("Unsupported feature"),
        "{}",
        err.message
    );
}

#[test]
fn syntax_errors_give_line_and_position() {
    let mut e = Engine::new("ACME");
    let err = e
        .execute("CREATE DATABASE d\n  COMMENT = ", &session())
        .unwrap_err();
    assert_eq!(
        err.message,
        "SQL compilation error:\nsyntax error line 2 at position 11 unexpected '<EOF>'."
    );
    let err = e
        .execute("CREATE WAREHOUSE w WAREHOUSE_SIZE = )", &session())
        .unwrap_err();
    assert_eq!(
        err.message,
        "SQL compilation error:\nsyntax error line 1 at position 36 unexpected ')'."
    );
}

#[test]
fn the_system_clock_stamps_objects() {
    let mut e = Engine::new("ACME");
    run(&mut e, "CREATE DATABASE db");
    let created = e.catalog().databases["DB"].meta.created_on;
    assert!(created > 1_700_000_000 * 1_000_000_000, "{created}");
}

/// A server restarted on an account file still knows the requests that changed the
/// account (with their results), as Snowflake keeps request ids across its own restarts:
/// a resubmission is answered, not run again. Reads, failures and in-memory accounts are
/// not remembered.
#[test]
fn an_account_file_remembers_the_requests_that_changed_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("account.json");
    let mut s = session();
    s.user = "U".into();
    let mut e = Engine::open(&path, "ACME").unwrap();
    let created = e
        .execute_request("CREATE WAREHOUSE wh", &s, "req-create")
        .unwrap();
    e.execute_request("SHOW WAREHOUSES", &s, "req-show")
        .unwrap();
    e.execute_request("CREATE WAREHOUSE wh", &s, "req-again")
        .unwrap_err();
    drop(e);
    let reopened = Engine::open(&path, "ACME").unwrap();
    assert_eq!(reopened.ran_request("req-create", "U"), Some(created));
    assert_eq!(reopened.ran_request("req-create", "OTHER"), None);
    assert_eq!(reopened.ran_request("req-show", "U"), None);
    assert_eq!(reopened.ran_request("req-again", "U"), None);

    let mut memory = Engine::new("ACME");
    memory
        .execute_request("CREATE WAREHOUSE wh", &s, "req-create")
        .unwrap();
    assert_eq!(memory.ran_request("req-create", "U"), None);
}
