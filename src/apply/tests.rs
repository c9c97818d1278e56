use super::*;
use crate::diff::{diff, DiffInput};
use crate::model::attr;
use crate::model::{Address, Ident, Kind, Object, ObjectName, Value};
use std::sync::Mutex;

struct Script {
    fail_on: Option<&'static str>,
    ran: Mutex<Vec<String>>,
}

impl Runner for Script {
    async fn run(&self, sql: &str, _request_id: &str) -> Result<(), RunError> {
        self.ran.lock().unwrap().push(sql.to_string());
        if self.fail_on.is_some_and(|f| sql.contains(f)) {
            return Err("003001 (42501): Insufficient privileges".into());
        }
        Ok(())
    }
}

#[derive(Default)]
struct Memory(Vec<State>);

impl StateSink for Memory {
    async fn write(&mut self, state: &State, _: &[Entry]) -> Result<(), StateError> {
        self.0.push(state.clone());
        Ok(())
    }
}

fn id(name: &str) -> Ident {
    Ident::from_canonical(name)
}

fn task(name: &str, after: &[&str]) -> Object {
    let mut o = Object::new(
        Address::new(Kind::Task, name.to_lowercase()),
        ObjectName::in_schema(id("DB"), id("S"), id(name)),
    );
    o.set(attr::SQL, format!("CALL {name}()"));
    o.set(attr::ENABLED, true);
    if !after.is_empty() {
        o.set(
            attr::AFTER,
            Value::List(
                after
                    .iter()
                    .map(|a| Value::from(format!("DB.S.{a}")))
                    .collect(),
            ),
        );
        for a in after {
            o.deps.insert(Address::new(Kind::Task, a.to_lowercase()));
        }
    }
    o
}

fn run(
    plan: &Plan,
    state: &mut State,
    fail_on: Option<&'static str>,
    parallelism: usize,
) -> (ApplyReport, Vec<String>, Memory) {
    let script = Script {
        fail_on,
        ran: Mutex::new(Vec::new()),
    };
    let mut sink = Memory::default();
    let stop = AtomicBool::new(false);
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let report = rt
        .block_on(apply(
            plan,
            state,
            &mut sink,
            &script,
            &ApplyOptions {
                parallelism,
                stop: &stop,
            },
        ))
        .unwrap();
    (report, script.ran.into_inner().unwrap(), sink)
}

/// `count` independent warehouses, W0, W1, ...
fn warehouses(count: usize) -> Vec<Object> {
    (0..count)
        .map(|i| {
            let mut w = Object::new(
                Address::new(Kind::Warehouse, format!("w{i}")),
                ObjectName::account(id(&format!("W{i}"))),
            );
            w.set(attr::SIZE, "XSMALL");
            w
        })
        .collect()
}

fn plan_for(desired: &[Object], state: &State) -> Plan {
    let recorded = state.objects();
    crate::plan::build(
        diff(&DiffInput {
            desired,
            recorded: &recorded,
            live: None,
        })
        .unwrap(),
        "default",
    )
}

#[test]
fn a_failure_stops_new_work_records_what_ran_and_the_next_plan_is_what_is_left() {
    let mut wh = Object::new(
        Address::new(Kind::Warehouse, "a"),
        ObjectName::account(id("A")),
    );
    wh.set(attr::SIZE, "XSMALL");
    let mut db = Object::new(
        Address::new(Kind::Database, "db"),
        ObjectName::account(id("DB")),
    );
    db.set(attr::COMMENT, "x");
    let mut schema = Object::new(
        Address::new(Kind::Schema, "s"),
        ObjectName::in_database(id("DB"), id("S")),
    );
    schema.deps.insert(db.address.clone());
    let desired = vec![wh, db, schema];
    let mut state = State::new("default");
    let plan = plan_for(&desired, &state);
    let (report, _, sink) = run(&plan, &mut state, Some("CREATE SCHEMA"), 1);
    assert_eq!(
        report.applied,
        [
            "CREATE WAREHOUSE A WAREHOUSE_SIZE = XSMALL",
            "CREATE DATABASE DB COMMENT = 'x'"
        ]
    );
    assert_eq!(report.failed[0].statement, "CREATE SCHEMA DB.S");
    assert!(report.pending.is_empty());
    assert!(state.in_progress.is_empty());
    // Every write is a state a kill could leave behind: each one parses back.
    for s in &sink.0 {
        crate::state::State::parse(&s.to_json(), "mem").unwrap();
    }
    assert_eq!(
        state
            .resources
            .keys()
            .map(|a| a.to_string())
            .collect::<Vec<_>>(),
        ["warehouse.a", "database.db"]
    );
    let next = plan_for(&desired, &state);
    assert_eq!(next.statements(), ["CREATE SCHEMA DB.S"]);
}

#[test]
fn a_graph_whose_child_fails_to_change_is_resumed() {
    let before = vec![task("ROOT", &[]), task("CHILD", &["ROOT"])];
    let mut state = State::new("default");
    for o in &before {
        state.apply_effect(&Effect::Put { object: o.clone() });
    }
    let mut after = before.clone();
    after[1].set(attr::SQL, "CALL CHILD_V2()");
    let plan = plan_for(&after, &state);
    let (report, ran, _) = run(&plan, &mut state, Some("MODIFY AS"), 4);
    assert_eq!(
        ran,
        [
            "ALTER TASK DB.S.ROOT SUSPEND",
            "ALTER TASK DB.S.CHILD MODIFY AS CALL CHILD_V2()",
            "ALTER TASK DB.S.ROOT RESUME"
        ]
    );
    assert_eq!(report.failed.len(), 1);
    assert_eq!(
        report.applied,
        [
            "ALTER TASK DB.S.ROOT SUSPEND",
            "ALTER TASK DB.S.ROOT RESUME"
        ]
    );
}

#[test]
fn independent_objects_run_at_once_within_the_parallelism() {
    let desired = warehouses(8);
    let mut state = State::new("default");
    let plan = plan_for(&desired, &state);
    let (report, _, _) = run(&plan, &mut state, None, 4);
    assert!(report.ok());
    assert_eq!(report.applied.len(), 8);
    assert_eq!(state.resources.len(), 8);
    assert_eq!(state.serial, 8);
}

#[test]
fn a_statement_the_state_cannot_record_is_owed_once_the_one_before_it_ran() {
    let db = Object::new(
        Address::new(Kind::Database, "db"),
        ObjectName::account(id("DB")),
    );
    let mut schema = Object::new(
        Address::new(Kind::Schema, "s"),
        ObjectName::in_database(id("DB"), id("S")),
    );
    schema.set(attr::FEATURE_STORE, true);
    schema.deps.insert(db.address.clone());
    let wh = Object::new(
        Address::new(Kind::Warehouse, "w"),
        ObjectName::account(id("W")),
    );
    let mut state = State::new("default");
    state.apply_effect(&Effect::Put { object: db.clone() });
    let plan = plan_for(&[db, schema, wh], &state);
    let tag = "CREATE TAG IF NOT EXISTS DB.S.SNOWML_FEATURE_VIEW_METADATA";
    assert!(plan.statements().contains(&tag), "{:?}", plan.statements());
    // The warehouse fails: nothing new starts, and the schema's first tag never runs. The
    // state cannot tell it from the schema's own record, and no plan would send it again.
    let (report, ran, sink) = run(&plan, &mut state, Some("CREATE WAREHOUSE"), 2);
    assert_eq!(sorted(ran), ["CREATE SCHEMA DB.S", "CREATE WAREHOUSE W"]);
    assert!(report.pending.contains(&tag.to_string()), "{report:?}");
    let owed: Vec<&str> = state
        .in_progress
        .iter()
        .map(|p| p.statement.as_str())
        .collect();
    assert_eq!(owed, [tag]);
    // It records only what it changes: nothing beyond the schema's create.
    assert!(matches!(
        state.in_progress[0].effect,
        Some(Effect::Patch { .. })
    ));
    // It was written together with the record of the statement before it.
    let first_with_schema = sink
        .0
        .iter()
        .find(|s| s.resources.contains_key(&Address::new(Kind::Schema, "s")))
        .unwrap();
    assert!(first_with_schema
        .in_progress
        .iter()
        .any(|p| p.statement == tag));
    // Entered as soon as the statement before it was sent, owed only if that one succeeds.
    let sent = sink
        .0
        .iter()
        .find(|s| {
            s.in_progress
                .iter()
                .any(|p| p.statement == "CREATE SCHEMA DB.S")
        })
        .unwrap();
    let owed = sent
        .in_progress
        .iter()
        .find(|p| p.statement == tag)
        .unwrap();
    let create = sent
        .in_progress
        .iter()
        .find(|p| p.statement == "CREATE SCHEMA DB.S")
        .unwrap();
    assert_eq!(owed.after.as_deref(), Some(create.request_id.as_str()));
    assert_eq!(state.in_progress[0].after, None);

    // When the statement before it fails, nothing is owed.
    let mut state = State::new("default");
    state.apply_effect(&Effect::Put {
        object: db_record(),
    });
    let (_, ran, _) = run(&plan, &mut state, Some("CREATE SCHEMA"), 1);
    assert!(ran.contains(&"CREATE SCHEMA DB.S".to_string()));
    assert!(state.in_progress.is_empty(), "{:?}", state.in_progress);
}

fn sorted(mut statements: Vec<String>) -> Vec<String> {
    statements.sort();
    statements
}

fn db_record() -> Object {
    Object::new(
        Address::new(Kind::Database, "db"),
        ObjectName::account(id("DB")),
    )
}

/// Runs statements and checks, as each one is sent, what the last state written says.
struct Journaled<'a> {
    written: &'a Mutex<Vec<State>>,
}

impl Runner for Journaled<'_> {
    async fn run(&self, sql: &str, request_id: &str) -> Result<(), RunError> {
        let written = self.written.lock().unwrap();
        let last = written
            .last()
            .expect("a state was written before any statement");
        assert!(
            last.in_progress.iter().any(|p| p.request_id == request_id),
            "{sql} was sent before the state recorded it as running"
        );
        Ok(())
    }
}

struct Shared<'a>(&'a Mutex<Vec<State>>);

impl StateSink for Shared<'_> {
    async fn write(&mut self, state: &State, _: &[Entry]) -> Result<(), StateError> {
        self.0.lock().unwrap().push(state.clone());
        Ok(())
    }
}

#[test]
fn each_statement_is_recorded_before_it_is_sent_and_its_result_before_dependents_start() {
    let mut db = Object::new(
        Address::new(Kind::Database, "db"),
        ObjectName::account(id("DB")),
    );
    db.set(attr::COMMENT, "x");
    let mut desired = vec![db.clone()];
    for i in 0..6 {
        let mut s = Object::new(
            Address::new(Kind::Schema, format!("s{i}")),
            ObjectName::in_database(id("DB"), id(&format!("S{i}"))),
        );
        s.deps.insert(db.address.clone());
        desired.push(s);
    }
    let mut state = State::new("default");
    let plan = plan_for(&desired, &state);
    let written = Mutex::new(Vec::new());
    let mut sink = Shared(&written);
    let stop = AtomicBool::new(false);
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let report = rt
        .block_on(apply(
            &plan,
            &mut state,
            &mut sink,
            &Journaled { written: &written },
            &ApplyOptions {
                parallelism: 3,
                stop: &stop,
            },
        ))
        .unwrap();
    assert!(report.ok());
    let written = written.into_inner().unwrap();
    // The schemas start only once the state records the database.
    let first_schema = written
        .iter()
        .position(|s| {
            s.in_progress
                .iter()
                .any(|p| p.statement.starts_with("CREATE SCHEMA"))
        })
        .unwrap();
    assert!(written[first_schema]
        .resources
        .contains_key(&Address::new(Kind::Database, "db")));
    // The last write holds everything and nothing running.
    let last = written.last().unwrap();
    assert!(last.in_progress.is_empty());
    assert_eq!(last.resources.len(), 7);
    assert_eq!(last.serial, 7);
    // Statements started together share a write: fewer writes than two per statement.
    assert!(written.len() < 2 * 7, "{} writes", written.len());
}

#[test]
fn deletes_start_only_once_every_create_is_done() {
    let wh = |name: &str| {
        let mut o = Object::new(
            Address::new(Kind::Warehouse, name.to_lowercase()),
            ObjectName::account(id(name)),
        );
        o.set(attr::SIZE, "XSMALL");
        o
    };
    let mut state = State::new("default");
    for o in [wh("OLD1"), wh("OLD2")] {
        state.apply_effect(&Effect::Put { object: o });
    }
    let plan = plan_for(&[wh("NEW1"), wh("NEW2"), wh("NEW3")], &state);
    let (report, ran, _) = run(&plan, &mut state, None, 8);
    assert!(report.ok());
    let first_drop = ran.iter().position(|s| s.starts_with("DROP")).unwrap();
    assert_eq!(first_drop, 3, "{ran:?}");
    assert_eq!(ran.len(), 5);
    // After a failure in the main phase, no delete starts.
    let mut state = State::new("default");
    for o in [wh("OLD1"), wh("OLD2")] {
        state.apply_effect(&Effect::Put { object: o });
    }
    let plan = plan_for(&[wh("NEW1"), wh("NEW2"), wh("NEW3")], &state);
    let (report, ran, _) = run(&plan, &mut state, Some("NEW2"), 8);
    assert_eq!(report.failed.len(), 1);
    assert!(ran.iter().all(|s| !s.starts_with("DROP")), "{ran:?}");
    assert_eq!(report.pending.len(), 2);
}

/// The statements that ran after one that failed (the resume of a suspended task) record
/// only what they did: the state does not claim the failed change, so an offline plan
/// still has it and drift blames nobody.
#[test]
fn a_failed_statement_is_not_recorded_by_the_resume_that_follows_it() {
    let mut t = task("T", &[]);
    t.set(attr::SCHEDULE, "60 MINUTES");
    t.set(attr::WAREHOUSE, "WH");
    let mut state = State::new("default");
    state.apply_effect(&Effect::Put { object: t.clone() });
    let mut want = t.clone();
    want.set(attr::WAREHOUSE, "NOPE");
    let plan = plan_for(std::slice::from_ref(&want), &state);
    assert_eq!(
        plan.statements(),
        [
            "ALTER TASK DB.S.T SUSPEND",
            "ALTER TASK DB.S.T SET WAREHOUSE = NOPE",
            "ALTER TASK DB.S.T RESUME"
        ]
    );
    let (report, ran, _) = run(&plan, &mut state, Some("SET WAREHOUSE"), 1);
    assert_eq!(ran.len(), 3, "{ran:?}");
    assert_eq!(report.failed.len(), 1);
    let recorded = &state.resources[&t.address];
    assert_eq!(recorded.properties["warehouse"], Value::from("WH"));
    assert_eq!(recorded.properties["enabled"], Value::Bool(true));
    assert_eq!(
        plan_for(&[want], &state).statements(),
        [
            "ALTER TASK DB.S.T SUSPEND",
            "ALTER TASK DB.S.T SET WAREHOUSE = NOPE",
            "ALTER TASK DB.S.T RESUME"
        ]
    );
}

/// Runs every statement, and loses the answer of those containing `lost`.
struct LosesAnswers {
    lost: &'static str,
}

impl Runner for LosesAnswers {
    async fn run(&self, sql: &str, _request_id: &str) -> Result<(), RunError> {
        if sql.contains(self.lost) {
            return Err(RunError::unknown(
                "connection reset; the retries failed too",
            ));
        }
        Ok(())
    }
}

/// A CREATE whose answer is lost stays in progress: the next run reads the account, finds
/// the object and records it, rather than refusing it as one snowform does not manage.
#[test]
fn a_create_whose_answer_is_lost_stays_in_progress_until_the_account_shows_it() {
    let wh = Object::new(
        Address::new(Kind::Warehouse, "a"),
        ObjectName::account(id("A")),
    );
    let desired = vec![wh.clone(), db_record()];
    let mut state = State::new("default");
    let plan = plan_for(&desired, &state);
    let stop = AtomicBool::new(false);
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let report = rt
        .block_on(apply(
            &plan,
            &mut state,
            &mut Memory::default(),
            &LosesAnswers {
                lost: "CREATE DATABASE",
            },
            &ApplyOptions {
                parallelism: 1,
                stop: &stop,
            },
        ))
        .unwrap();
    assert_eq!(report.failed[0].statement, "CREATE DATABASE DB");
    assert!(report.failed[0].error.contains("whether it ran is unknown"));
    assert!(!report.ok());
    assert!(!state.resources.contains_key(&db_record().address));
    let in_progress: Vec<&str> = state
        .in_progress
        .iter()
        .map(|p| p.statement.as_str())
        .collect();
    assert_eq!(in_progress, ["CREATE DATABASE DB"]);

    // The account ran it: settling records it, and nothing is planned for it again.
    let live = [wh, db_record()]
        .into_iter()
        .map(|o| ((o.kind(), o.name.clone()), o))
        .collect();
    let settled = recover::settle(&mut state, &live);
    assert_eq!(settled[0].outcome, recover::Outcome::Recorded);
    assert!(state.in_progress.is_empty());
    assert!(plan_for(&desired, &state).statements().is_empty());
}

/// An edit of the state outside a plan counts one more write before it is written, and
/// never writes a serial past the largest.
#[test]
fn an_edit_outside_a_plan_is_written_with_the_next_serial() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let mut state = State::new("default");
    state.serial = 4;
    let mut sink = Memory::default();
    rt.block_on(commit(&mut state, &mut sink)).unwrap();
    assert_eq!(sink.0.iter().map(|s| s.serial).collect::<Vec<_>>(), [5]);
    state.serial = crate::state::MAX_SERIAL;
    assert!(rt.block_on(commit(&mut state, &mut sink)).is_err());
    assert_eq!(sink.0.len(), 1, "nothing written past the largest serial");
}

/// Answers every statement after `latency`, checking that the state written last enters it.
struct Slow<'a> {
    latency: std::time::Duration,
    written: &'a Mutex<Vec<State>>,
}

impl Runner for Slow<'_> {
    async fn run(&self, sql: &str, request_id: &str) -> Result<(), RunError> {
        {
            let written = self.written.lock().unwrap();
            let last = written.last().expect("a state was written first");
            assert!(
                last.in_progress.iter().any(|p| p.request_id == request_id),
                "{sql} was sent before the state recorded it as running"
            );
        }
        tokio::time::sleep(self.latency).await;
        Ok(())
    }
}

/// A state backend whose every write takes `latency`, as a table in the account does.
struct SlowSink<'a> {
    latency: std::time::Duration,
    written: &'a Mutex<Vec<State>>,
}

impl StateSink for SlowSink<'_> {
    async fn write(&mut self, state: &State, _: &[Entry]) -> Result<(), StateError> {
        self.written.lock().unwrap().push(state.clone());
        tokio::time::sleep(self.latency).await;
        Ok(())
    }
}

#[test]
fn the_state_is_written_while_statements_run_not_between_them() {
    // 32 independent warehouses, 4 at a time, 20 ms a statement and 60 ms a write (a table
    // backend's three round trips). Writing between statements takes at least
    // 8 rounds x (60 + 20) ms = 640 ms.
    let desired = warehouses(32);
    let mut state = State::new("default");
    let plan = plan_for(&desired, &state);
    let written = Mutex::new(Vec::new());
    let ms = std::time::Duration::from_millis;
    let mut sink = SlowSink {
        latency: ms(60),
        written: &written,
    };
    let stop = AtomicBool::new(false);
    // A paused clock: time moves only when every task waits, so the figure is exact.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap();
    let (report, elapsed) = rt.block_on(async {
        let started = tokio::time::Instant::now();
        let report = apply(
            &plan,
            &mut state,
            &mut sink,
            &Slow {
                latency: ms(20),
                written: &written,
            },
            &ApplyOptions {
                parallelism: 4,
                stop: &stop,
            },
        )
        .await
        .unwrap();
        (report, started.elapsed())
    });
    assert!(report.ok());
    assert_eq!(state.resources.len(), 32);
    assert!(state.in_progress.is_empty());
    // Entered ahead, statements keep running through the writes: under 8 x 60 ms, less
    // than one write per round of four statements (380 ms when measured; 700 ms before).
    assert!(elapsed < ms(480), "took {elapsed:?}");
    // And no more writes than a round of statements each, plus the last.
    assert!(
        written.lock().unwrap().len() <= 32 / 4 + 2,
        "{} writes",
        written.lock().unwrap().len()
    );
}
