//! Plans and the state together: what each step records, and when a saved plan no longer
//! fits the state. Here rather than in `plan`, which does not know the state.

use crate::diff::{diff, DiffInput};
use crate::model::attr;
use crate::model::{Address, Ident, Kind, Object, ObjectName, Value};
use crate::plan::{build, Plan};
use std::collections::BTreeMap;

fn id(name: &str) -> Ident {
    Ident::from_canonical(name)
}

fn database() -> Object {
    Object::new(
        Address::new(Kind::Database, "db"),
        ObjectName::account(id("DB")),
    )
}

fn plan(desired: &[Object], recorded: &[Object]) -> Plan {
    let recorded: BTreeMap<Address, Object> = recorded
        .iter()
        .map(|o| (o.address.clone(), o.clone()))
        .collect();
    let changes = diff(&DiffInput {
        desired,
        recorded: &recorded,
        live: None,
    })
    .unwrap();
    build(changes, "default")
}

#[test]
fn each_statement_records_what_it_did() {
    let mut m = Object::new(
        Address::new(Kind::Model, "m"),
        ObjectName::in_schema(id("DB"), id("S"), id("M")),
    );
    let v = |src: &str| Value::Map(BTreeMap::from([("source".to_string(), Value::from(src))]));
    m.set(
        attr::VERSIONS,
        Value::Map(BTreeMap::from([
            ("V1".to_string(), v("@DB.S.ST/v1")),
            ("V2".to_string(), v("@DB.S.ST/v2")),
        ])),
    );
    m.set(attr::DEFAULT_VERSION, "V2");
    let p = plan(&[m.clone()], &[]);
    assert_eq!(
        p.statements(),
        [
            "CREATE MODEL DB.S.M WITH VERSION V1 FROM @DB.S.ST/v1",
            "ALTER MODEL DB.S.M ADD VERSION V2 FROM @DB.S.ST/v2",
            "ALTER MODEL DB.S.M SET DEFAULT_VERSION = V2",
        ]
    );
    // The record after each statement: the create records the model as created, each
    // later statement patches what it changes.
    let mut state = crate::state::State::new("default");
    let recorded: Vec<Object> = p
        .order
        .iter()
        .map(|&i| {
            state.apply_effect(&p.steps[i].effect);
            state.objects()[&m.address].clone()
        })
        .collect();
    assert_eq!(
        recorded[0]
            .get(attr::VERSIONS)
            .unwrap()
            .as_map()
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        ["V1"]
    );
    assert!(recorded[0].get(attr::DEFAULT_VERSION).is_none());
    assert_eq!(
        recorded[1]
            .get(attr::VERSIONS)
            .unwrap()
            .as_map()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(recorded[2], m);
    // Planning again against the first statement's record leaves exactly the rest.
    let rest = plan(&[m], &[recorded[0].clone()]);
    assert_eq!(
        rest.statements(),
        [
            "ALTER MODEL DB.S.M ADD VERSION V2 FROM @DB.S.ST/v2",
            "ALTER MODEL DB.S.M SET DEFAULT_VERSION = V2"
        ]
    );
}

#[test]
fn a_saved_plan_is_stale_once_the_state_it_was_made_against_moved_on() {
    use crate::plan::saved::staleness;
    use crate::state::State;
    let mut p = plan(&[database()], &[]);
    let mut state = State::new("default");
    // Made against no state: fine while there is still none, stale once something ran.
    p.provenance.state_lineage = None;
    assert!(staleness(&p, &state, None).is_empty());
    state.serial = 2;
    assert_eq!(
        staleness(&p, &state, None),
        ["the state changed since the plan was made (none then, serial 2 now): something was applied in between"]
    );
    p.provenance.state_lineage = Some(state.lineage.clone());
    p.provenance.state_serial = 2;
    assert!(staleness(&p, &state, None).is_empty());
    state.serial = 3;
    assert_eq!(
        staleness(&p, &state, None),
        ["the state changed since the plan was made (serial 2 then, 3 now): something was applied in between"]
    );
    p.provenance.state_lineage = Some("another".into());
    assert!(staleness(&p, &state, None)[0].starts_with("the state is another state (lineage"));
}

/// `plan` is pure and the state is read and written at the edge: the state depends on
/// `plan` (for the effects it applies), never `plan` on the state, tests included.
#[test]
fn plan_does_not_depend_on_the_state() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/plan");
    let mut uses = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        for (i, line) in text.lines().enumerate() {
            if line.contains("crate::state") {
                uses.push(format!("{}:{}: {}", path.display(), i + 1, line.trim()));
            }
        }
    }
    assert!(uses.is_empty(), "plan uses the state:\n{}", uses.join("\n"));
}
