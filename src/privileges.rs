//! The privileges the deploy role (the connection's role) needs to apply a configuration,
//! and which of them a role holds, read from its SHOW GRANTS rows. docs/privileges.md is
//! the reference this follows; a test checks that every privilege listed here is on that page.
//!
//! Only what creating the configuration's missing objects takes is listed: an object that
//! exists needs its OWNERSHIP to be changed, which whoever created it holds; a container the
//! plan creates is owned by the deploy role, which then holds every privilege on it.

use crate::kinds::statements::hooks;
use crate::model::attr;
use crate::model::{Ident, Kind, Object, ObjectName, Scope};
use crate::sql::quote_ident;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// What a privilege is granted on.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum On {
    Account,
    Warehouse(Ident),
    Database(Ident),
    Schema(ObjectName),
}

impl fmt::Display for On {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            On::Account => formatter.write_str("ACCOUNT"),
            On::Warehouse(w) => write!(formatter, "WAREHOUSE {}", w.to_sql()),
            On::Database(d) => write!(formatter, "DATABASE {}", d.to_sql()),
            On::Schema(s) => write!(formatter, "SCHEMA {}", s.to_sql()),
        }
    }
}

/// One privilege the deploy role needs, and the first configured object that needs it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Need {
    pub on: On,
    pub privilege: &'static str,
    pub for_address: String,
}

impl Need {
    /// The statement that grants it to `role`.
    pub(crate) fn grant_to(&self, role: &str) -> String {
        format!(
            "GRANT {} ON {} TO ROLE {}",
            self.privilege,
            self.on,
            quote_ident(role)
        )
    }
}

/// Every privilege the deploy role needs to create what of `objects` does not exist yet
/// (`live` finds what the account has), sorted by what it is granted on, one line each.
/// A container the configuration does not declare is taken to exist.
pub(crate) fn needed<'a>(
    objects: &[Object],
    live: &dyn Fn(Kind, &ObjectName) -> Option<&'a Object>,
) -> Vec<Need> {
    let exists = |k: Kind, n: &ObjectName| live(k, n).is_some();
    let mut out: BTreeMap<(On, &'static str), String> = BTreeMap::new();
    let mut need = |on: On, privilege: &'static str, o: &Object| {
        out.entry((on, privilege))
            .or_insert_with(|| o.address.to_string());
    };
    // A container the configuration declares and the account lacks is created by the plan
    // (owned by the deploy role); one it does not declare must be there already.
    let declared: BTreeSet<(Kind, &ObjectName)> =
        objects.iter().map(|o| (o.kind(), &o.name)).collect();
    let present = |k: Kind, n: &ObjectName| exists(k, n) || !declared.contains(&(k, n));
    let db_exists = |db: &Ident| present(Kind::Database, &ObjectName::account(db.clone()));
    for o in objects {
        let here = exists(o.kind(), &o.name);
        match o.kind() {
            Kind::Grant | Kind::RoleGrant => need(On::Account, "MANAGE GRANTS", o),
            // A schema that exists and becomes a Feature Store gets the layout's tags and
            // snapshot table (kinds::schema::ddl).
            Kind::Schema
                if here
                    && o.flag(attr::FEATURE_STORE)
                    && !live(Kind::Schema, &o.name)
                        .is_some_and(|l| l.flag(attr::FEATURE_STORE)) =>
            {
                let db = o.name.database.clone().expect("in a database");
                need(On::Database(db), "USAGE", o);
                need(On::Schema(o.name.clone()), "USAGE", o);
                need(On::Schema(o.name.clone()), "CREATE TAG", o);
                need(On::Schema(o.name.clone()), "CREATE TABLE", o);
            }
            _ => {}
        }
        // What creating it takes, on its container: each kind's own (`KindDdl`).
        let create = (hooks(o.kind()).create_privilege)(o).filter(|_| !here);
        match (create, o.kind().scope()) {
            (None, _) => {}
            (Some(p), Scope::Account) => need(On::Account, p, o),
            (Some(p), Scope::Database) => {
                let db = o.name.database.clone().expect("in a database");
                if db_exists(&db) {
                    need(On::Database(db.clone()), "USAGE", o);
                    need(On::Database(db), p, o);
                }
            }
            (Some(p), Scope::Schema) => {
                let schema = o.name.schema_name().expect("in a schema");
                if present(Kind::Schema, &schema) {
                    let db = schema.database.clone().expect("in a database");
                    need(On::Database(db), "USAGE", o);
                    need(On::Schema(schema.clone()), "USAGE", o);
                    need(On::Schema(schema), p, o);
                }
            }
        }
        // A dynamic table refreshes, and a task runs, on its warehouse, as its owner.
        let runs_on_warehouse = match o.kind() {
            Kind::FeatureView => o.get(attr::REFRESH_FREQ).is_some(),
            Kind::Task => true,
            _ => false,
        };
        if runs_on_warehouse {
            if let Some(w) = o
                .get_str(attr::WAREHOUSE)
                .and_then(|w| Ident::parse(w).ok())
            {
                if present(Kind::Warehouse, &ObjectName::account(w.clone())) {
                    need(On::Warehouse(w), "USAGE", o);
                }
            }
        }
        if o.kind() == Kind::Task {
            need(On::Account, "EXECUTE TASK", o);
        }
    }
    out.into_iter()
        .map(|((on, privilege), for_address)| Need {
            on,
            privilege,
            for_address,
        })
        .collect()
}

/// What a role holds: privileges per securable (OWNERSHIP standing for all of them), and
/// the roles it was granted, whose grants it inherits.
#[derive(Clone, Debug, Default)]
pub struct Held {
    privileges: BTreeSet<(On, String)>,
    owned: BTreeSet<On>,
}

/// The account-level privileges Snowflake grants the system-defined roles, and the roles
/// each inherits (Snowflake's "Overview of access control"): an account lists them in
/// SHOW GRANTS, an emulator may not, so they are known here too.
pub(crate) fn system_role(role: &str) -> (&'static [&'static str], &'static [&'static str]) {
    match role {
        "ACCOUNTADMIN" => (
            &["EXECUTE TASK", "EXECUTE MANAGED TASK"],
            &["SECURITYADMIN", "SYSADMIN"],
        ),
        "SECURITYADMIN" => (&["MANAGE GRANTS"], &["USERADMIN"]),
        "USERADMIN" => (&["CREATE ROLE", "CREATE USER"], &[]),
        "SYSADMIN" => (&["CREATE DATABASE", "CREATE WAREHOUSE"], &[]),
        _ => (&[], &[]),
    }
}

/// The statement that lists the grants to `role`.
pub(crate) fn show_grants_to(role: &str) -> String {
    format!("SHOW GRANTS TO ROLE {}", quote_ident(role))
}

impl Held {
    /// Add the rows of `SHOW GRANTS TO ROLE` (columns `privilege`, `granted_on`, `name`);
    /// the roles they grant (USAGE on a ROLE), to be read in turn.
    pub(crate) fn add_rows<'a>(
        &mut self,
        rows: impl Iterator<Item = (&'a str, &'a str, &'a str)>,
    ) -> Vec<String> {
        let mut roles = Vec::new();
        for (privilege, granted_on, name) in rows {
            let on = match granted_on {
                "ACCOUNT" => Some(On::Account),
                "WAREHOUSE" => Ident::parse(name).ok().map(On::Warehouse),
                "DATABASE" => Ident::parse(name).ok().map(On::Database),
                "SCHEMA" => ObjectName::parse_schema(name).ok().map(On::Schema),
                "ROLE" => {
                    if privilege == "USAGE" {
                        if let Ok(r) = Ident::parse(name) {
                            roles.push(r.as_str().to_string());
                        }
                    }
                    None
                }
                _ => None,
            };
            let Some(on) = on else { continue };
            if privilege == "OWNERSHIP" {
                self.owned.insert(on);
            } else {
                self.privileges.insert((on, privilege.to_string()));
            }
        }
        roles
    }

    /// Add the account-level privileges of a system-defined role; the roles it inherits.
    pub(crate) fn add_system_role(&mut self, role: &str) -> Vec<String> {
        let (privileges, inherits) = system_role(role);
        for p in privileges {
            self.privileges.insert((On::Account, p.to_string()));
        }
        inherits.iter().map(|r| r.to_string()).collect()
    }

    pub(crate) fn holds(&self, need: &Need) -> bool {
        self.owned.contains(&need.on)
            || self
                .privileges
                .contains(&(need.on.clone(), need.privilege.to_string()))
    }
}

/// The needs `held` does not cover, in `needed`'s order.
pub fn missing(needs: Vec<Need>, held: &Held) -> Vec<Need> {
    needs.into_iter().filter(|n| !held.holds(n)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Address;

    fn obj(kind: Kind, label: &str, name: ObjectName, props: &[(&str, &str)]) -> Object {
        let mut o = Object::new(Address::new(kind, label), name);
        for (k, v) in props {
            o.set(k, v.to_string());
        }
        o
    }
    fn id(name: &str) -> Ident {
        Ident::parse(name).unwrap()
    }

    /// A warehouse and a database that exist (ML, with schema FS), a new database NEW
    /// with its new schema and a stage in it, and in FS a dynamic-table feature view, a
    /// view feature view, an entity, a task, and a grant.
    fn config() -> Vec<Object> {
        let fs = |n: &str| ObjectName::in_schema(id("ML"), id("FS"), id(n));
        vec![
            obj(Kind::Warehouse, "wh", ObjectName::account(id("WH")), &[]),
            obj(
                Kind::Warehouse,
                "new_wh",
                ObjectName::account(id("NEW_WH")),
                &[],
            ),
            obj(Kind::Database, "ml", ObjectName::account(id("ML")), &[]),
            obj(Kind::Database, "new", ObjectName::account(id("NEW")), &[]),
            obj(
                Kind::Schema,
                "fs",
                ObjectName::in_database(id("ML"), id("FS")),
                &[],
            ),
            obj(
                Kind::Schema,
                "other",
                ObjectName::in_database(id("ML"), id("OTHER")),
                &[],
            ),
            obj(
                Kind::Schema,
                "n",
                ObjectName::in_database(id("NEW"), id("N")),
                &[],
            ),
            obj(
                Kind::Stage,
                "st",
                ObjectName::in_schema(id("NEW"), id("N"), id("ST")),
                &[],
            ),
            obj(Kind::Entity, "e", fs("PATIENT"), &[]),
            obj(
                Kind::FeatureView,
                "dt",
                fs("AGE$V1"),
                &[("refresh_freq", "1 day"), ("warehouse", "WH")],
            ),
            obj(Kind::FeatureView, "v", fs("BMI$V1"), &[]),
            obj(Kind::Task, "t", fs("NIGHTLY"), &[("warehouse", "NEW_WH")]),
            obj(Kind::Stage, "old", fs("OLD"), &[]),
        ]
    }

    /// What the account has: WH, ML, ML.FS (already a Feature Store) and ML.FS.OLD.
    fn account() -> Vec<Object> {
        let mut fs = obj(
            Kind::Schema,
            "x",
            ObjectName::in_database(id("ML"), id("FS")),
            &[],
        );
        fs.set(attr::FEATURE_STORE, true);
        vec![
            obj(Kind::Warehouse, "x", ObjectName::account(id("WH")), &[]),
            obj(Kind::Database, "x", ObjectName::account(id("ML")), &[]),
            fs,
            obj(
                Kind::Stage,
                "x",
                ObjectName::in_schema(id("ML"), id("FS"), id("OLD")),
                &[],
            ),
        ]
    }

    fn exists<'a>(live: &'a [Object]) -> impl Fn(Kind, &ObjectName) -> Option<&'a Object> {
        move |k, n| live.iter().find(|o| o.kind() == k && &o.name == n)
    }

    fn lines(needs: &[Need]) -> Vec<String> {
        needs
            .iter()
            .map(|n| format!("{} ON {} ({})", n.privilege, n.on, n.for_address))
            .collect()
    }

    #[test]
    fn needs_the_create_privileges_of_what_is_missing_in_existing_containers() {
        assert_eq!(
            lines(&needed(&config(), &exists(&account()))),
            [
                "CREATE DATABASE ON ACCOUNT (database.new)",
                "CREATE WAREHOUSE ON ACCOUNT (warehouse.new_wh)",
                "EXECUTE TASK ON ACCOUNT (task.t)",
                "USAGE ON WAREHOUSE WH (feature_view.dt)",
                "CREATE SCHEMA ON DATABASE ML (schema.other)",
                "USAGE ON DATABASE ML (schema.other)",
                "CREATE DYNAMIC TABLE ON SCHEMA ML.FS (feature_view.dt)",
                "CREATE TAG ON SCHEMA ML.FS (entity.e)",
                "CREATE TASK ON SCHEMA ML.FS (task.t)",
                "CREATE VIEW ON SCHEMA ML.FS (feature_view.v)",
                "USAGE ON SCHEMA ML.FS (entity.e)",
            ]
        );
    }

    #[test]
    fn a_schema_that_exists_and_becomes_a_feature_store_needs_the_layouts_privileges() {
        let mut fs = obj(
            Kind::Schema,
            "fs",
            ObjectName::in_database(id("ML"), id("FS")),
            &[],
        );
        fs.set(attr::FEATURE_STORE, true);
        let mut live = account();
        live[2].set(attr::FEATURE_STORE, false);
        assert_eq!(
            lines(&needed(&[fs.clone()], &exists(&live))),
            [
                "USAGE ON DATABASE ML (schema.fs)",
                "CREATE TABLE ON SCHEMA ML.FS (schema.fs)",
                "CREATE TAG ON SCHEMA ML.FS (schema.fs)",
                "USAGE ON SCHEMA ML.FS (schema.fs)",
            ]
        );
        assert!(needed(&[fs], &exists(&account())).is_empty());
    }

    #[test]
    fn grants_need_manage_grants() {
        let g = obj(Kind::Grant, "g", ObjectName::account(id("G")), &[]);
        assert_eq!(
            lines(&needed(&[g], &exists(&account()))),
            ["MANAGE GRANTS ON ACCOUNT (grant.g)"]
        );
    }

    /// A user the account lacks needs CREATE USER, which USERADMIN holds; one that exists
    /// needs nothing to be created.
    #[test]
    fn a_missing_user_needs_create_user_which_useradmin_holds() {
        let new = obj(Kind::User, "ci", ObjectName::account(id("CI_RUNNER")), &[]);
        let there = obj(Kind::User, "old", ObjectName::account(id("OLD")), &[]);
        let live = [there.clone()];
        let needs = needed(&[new, there], &exists(&live));
        assert_eq!(lines(&needs), ["CREATE USER ON ACCOUNT (user.ci)"]);
        let mut held = Held::default();
        assert!(held.add_system_role("USERADMIN").is_empty());
        assert!(missing(needs, &held).is_empty());
    }

    #[test]
    fn ownership_and_inherited_system_roles_hold_what_they_cover() {
        let mut held = Held::default();
        let roles = held.add_rows(
            [
                ("OWNERSHIP", "SCHEMA", "ML.FS"),
                ("USAGE", "DATABASE", "ML"),
                ("USAGE", "ROLE", "SYSADMIN"),
            ]
            .into_iter(),
        );
        assert_eq!(roles, ["SYSADMIN"]);
        assert!(held.add_system_role("SYSADMIN").is_empty());
        let live = account();
        let left = missing(needed(&config(), &exists(&live)), &held);
        assert_eq!(
            lines(&left),
            [
                "EXECUTE TASK ON ACCOUNT (task.t)",
                "USAGE ON WAREHOUSE WH (feature_view.dt)",
                "CREATE SCHEMA ON DATABASE ML (schema.other)",
            ]
        );
        assert_eq!(
            left[2].grant_to("DEPLOYER"),
            "GRANT CREATE SCHEMA ON DATABASE ML TO ROLE DEPLOYER"
        );
    }

    /// docs/privileges.md is the reference: every privilege this module can ask for is
    /// named there, each kind's CREATE privilege (read from its registered `KindDdl`, so a
    /// new kind's is checked too) and the others `needed` names.
    #[test]
    fn every_privilege_asked_for_is_on_the_privileges_page() {
        let page = include_str!("../docs/privileges.md");
        let mut asked: Vec<&str> = vec![
            "MANAGE GRANTS",
            "USAGE",
            "CREATE TAG",
            "CREATE TABLE",
            "CREATE DYNAMIC TABLE",
            "EXECUTE TASK",
        ];
        for kind in Kind::ALL {
            let blank = Object::new(
                crate::model::Address::new(kind, "x"),
                ObjectName::account(Ident::from_canonical("X")),
            );
            asked.extend((hooks(kind).create_privilege)(&blank));
        }
        for p in asked {
            assert!(page.contains(p), "{p} is not on docs/privileges.md");
        }
        assert!(page.contains("snowform connection test"));
    }
}
