//! `state mv`: a record moves to another address of the same kind, as after renaming a block
//! or moving it into a `for_each`. The object in the account is not touched.

use super::State;
use crate::model::Address;

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum MoveError {
    #[error("{0} is not in the state; `snowform state list` shows what is")]
    NotRecorded(Address),
    #[error("{0} is already in the state; move it away (or `snowform state rm` it) first")]
    Taken(Address),
    #[error("{from} is a {} and {to} a {}: a record moves only to an address of its own kind (a different kind is a different object: remove one and import the other)", from.kind.noun(), to.kind.noun())]
    KindDiffers { from: Address, to: Address },
    #[error("an apply that did not finish left {0} statement(s) in progress, which name addresses as they were: run `snowform apply` to settle them (or `snowform state forget`) before moving records")]
    InProgress(usize),
}

impl State {
    /// Move the record at `from` to `to`, and every record's dependency on it. The caller
    /// bumps the serial and saves.
    // The error names both addresses (with their module paths) for its message; it is
    // built once per command, so its size costs nothing.
    #[allow(clippy::result_large_err)]
    pub(crate) fn move_record(&mut self, from: &Address, to: &Address) -> Result<(), MoveError> {
        if from.kind != to.kind {
            return Err(MoveError::KindDiffers {
                from: from.clone(),
                to: to.clone(),
            });
        }
        if !self.in_progress.is_empty() {
            return Err(MoveError::InProgress(self.in_progress.len()));
        }
        if !self.resources.contains_key(from) {
            return Err(MoveError::NotRecorded(from.clone()));
        }
        if from == to {
            return Ok(());
        }
        if self.resources.contains_key(to) {
            return Err(MoveError::Taken(to.clone()));
        }
        let record = self.resources.remove(from).expect("checked above");
        self.resources.insert(to.clone(), record);
        for record in self.resources.values_mut() {
            for dep in record.deps.iter_mut() {
                if dep == from {
                    *dep = to.clone();
                }
            }
            record.deps.sort();
            record.deps.dedup();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Kind;
    use crate::state::Record;
    use std::collections::BTreeMap;

    fn record(kind: Kind, name: &str, deps: &[Address]) -> Record {
        Record {
            kind,
            name: name.to_string(),
            object_name: crate::model::ObjectName::account(
                crate::model::Ident::parse(name).unwrap(),
            ),
            properties: BTreeMap::new(),
            deps: deps.to_vec(),
            lifecycle: Default::default(),
            digest: Default::default(),
        }
    }

    fn state() -> State {
        let mut s = State::new("default");
        let db = Address::new(Kind::Database, "main");
        s.resources
            .insert(db.clone(), record(Kind::Database, "DB", &[]));
        s.resources.insert(
            Address::new(Kind::Schema, "fs"),
            record(Kind::Schema, "S", &[db]),
        );
        s
    }

    #[test]
    fn a_record_and_the_dependencies_on_it_move() {
        let mut s = state();
        let to = Address::parse("database.team[\"ml\"]").unwrap();
        s.move_record(&Address::new(Kind::Database, "main"), &to)
            .unwrap();
        assert!(s.resources.contains_key(&to));
        assert!(!s
            .resources
            .contains_key(&Address::new(Kind::Database, "main")));
        assert_eq!(
            s.resources[&Address::new(Kind::Schema, "fs")].deps,
            vec![to]
        );
    }

    #[test]
    fn refusals_change_nothing() {
        let db = Address::new(Kind::Database, "main");
        let fs = Address::new(Kind::Schema, "fs");
        let cases = [
            (db.clone(), Address::new(Kind::Schema, "x"), "kind"),
            (
                Address::new(Kind::Database, "nope"),
                Address::new(Kind::Database, "x"),
                "not in",
            ),
            (fs.clone(), Address::new(Kind::Schema, "fs"), ""),
            (Address::new(Kind::Schema, "fs"), fs.clone(), ""),
        ];
        for (from, to, expect) in cases {
            let mut s = state();
            let before = s.clone();
            let r = s.move_record(&from, &to);
            if expect.is_empty() {
                assert!(r.is_ok());
            } else {
                assert!(r.unwrap_err().to_string().contains(expect));
            }
            assert_eq!(s, before);
        }
        let mut s = state();
        s.resources.insert(
            Address::new(Kind::Database, "other"),
            record(Kind::Database, "O", &[]),
        );
        let before = s.clone();
        let err = s
            .move_record(&db, &Address::new(Kind::Database, "other"))
            .unwrap_err();
        assert!(matches!(err, MoveError::Taken(_)));
        assert_eq!(s, before);
    }

    #[test]
    fn statements_in_progress_stop_a_move() {
        let mut s = state();
        s.in_progress.push(crate::state::InProgress {
            statement: "CREATE DATABASE DB".into(),
            request_id: "r".into(),
            started_at: "t".into(),
            effect: None,
            after: None,
        });
        let err = s
            .move_record(
                &Address::new(Kind::Database, "main"),
                &Address::new(Kind::Database, "x"),
            )
            .unwrap_err();
        assert_eq!(err, MoveError::InProgress(1));
    }
}
