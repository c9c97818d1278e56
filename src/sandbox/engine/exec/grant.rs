//! Access control: privileges on objects, future grants, the role hierarchy, database
//! roles and ownership, the privilege checks a statement run as a role other than the
//! administrators meets, and SHOW GRANTS. Ownership is each object's `Meta::owner`; the
//! other grants are in `Catalog::grants`. Grants follow their object: a drop forgets
//! them, a rename keeps them (`after`).

use super::super::catalog::{
    AccountRole, Catalog, FutureGrant, Grantee, Meta, PrivilegeGrant, RoleGrant, Securable,
    SYSTEM_ROLES,
};
use super::super::errors;
use super::super::format::{tf, timestamp, yn};
use super::super::parse::ast::{
    AlterAction, CreateHead, CurrentGrants, GrantKind, GrantPrivileges, GrantTarget, GranteeKind,
    GranteeName, Name, ObjectKind, Privileges, Prop, ShowGrants, Statement,
};
use super::super::show::like_pattern;
use super::{
    created, drop_missing, dropped, exists_skipped, ok, props, rename_target, Exec, Outcome,
};
use crate::sandbox::{Column, ResultSet, SqlError};
use std::collections::BTreeSet;

/// The system-defined roles whose statements are not checked: they keep every privilege
/// (ACCOUNTADMIN through MANAGE GRANTS and the hierarchy on a real account; the others
/// are a simplification so that sessions of the administrators run as before). PUBLIC
/// and custom roles are checked.
pub(crate) const UNCHECKED_ROLES: &[&str] = &[
    "ACCOUNTADMIN",
    "ORGADMIN",
    "SECURITYADMIN",
    "SYSADMIN",
    "USERADMIN",
];

/// UNCONFIRMED code and text for a known privilege on a kind that does not take it
/// (`GRANT OPERATE ON TABLE t`): a terraform issue shows only that the code starts with
/// `003`. docs/sandbox.md lists it.
pub(crate) const INVALID_PRIVILEGE_CODE: &str = "003011";

/// UNCONFIRMED: what `ALL` expands to on a model. The GRANT grammar lists only USAGE for
/// models; READ is documented in prose (Model Registry privileges) and is grantable here
/// but not part of ALL.
pub(crate) const MODEL_ALL: &[&str] = &["USAGE"];

impl GrantKind {
    /// As SHOW GRANTS prints the kind in `granted_on` / `grant_on`: underscored, and
    /// `MODULE` for a model (terraform-provider-snowflake maps MODULE back to MODEL).
    pub(crate) fn granted_on(self) -> &'static str {
        match self {
            GrantKind::Account => "ACCOUNT",
            GrantKind::Warehouse => "WAREHOUSE",
            GrantKind::Database => "DATABASE",
            GrantKind::Schema => "SCHEMA",
            GrantKind::Table => "TABLE",
            GrantKind::View => "VIEW",
            GrantKind::DynamicTable => "DYNAMIC_TABLE",
            GrantKind::Stage => "STAGE",
            GrantKind::Task => "TASK",
            GrantKind::Model => "MODULE",
            GrantKind::Tag => "TAG",
            GrantKind::Role => "ROLE",
            GrantKind::DatabaseRole => "DATABASE_ROLE",
            GrantKind::User => "USER",
        }
    }

    fn from_granted_on(granted_on: &str) -> Option<GrantKind> {
        ALL_KINDS
            .iter()
            .copied()
            .find(|k| k.granted_on() == granted_on)
    }

    /// How messages name the kind ("Insufficient privileges to operate on table 'T'").
    fn noun(self) -> &'static str {
        match self {
            GrantKind::Account => "account",
            GrantKind::Warehouse => "warehouse",
            GrantKind::Database => "database",
            GrantKind::Schema => "schema",
            GrantKind::Table => "table",
            GrantKind::View => "view",
            GrantKind::DynamicTable => "dynamic table",
            GrantKind::Stage => "stage",
            GrantKind::Task => "task",
            GrantKind::Model => "model",
            GrantKind::Tag => "tag",
            GrantKind::Role => "role",
            GrantKind::DatabaseRole => "database role",
            GrantKind::User => "user",
        }
    }

    /// "Table 'X' does not exist or not authorized."
    fn title(self) -> &'static str {
        match self {
            GrantKind::DynamicTable => "Dynamic table",
            GrantKind::DatabaseRole => "Database role",
            GrantKind::Model => "Model",
            k => ObjectKind::from_grant(k)
                .map(|o| o.noun())
                .unwrap_or("Object"),
        }
    }

    fn in_schema(self) -> bool {
        matches!(
            self,
            GrantKind::Table
                | GrantKind::View
                | GrantKind::DynamicTable
                | GrantKind::Stage
                | GrantKind::Task
                | GrantKind::Model
                | GrantKind::Tag
        )
    }

    /// The privileges GRANT accepts on this kind (OWNERSHIP moves with GRANT OWNERSHIP).
    /// Sources: the GRANT <privileges> grammar and the access control privileges page.
    fn privileges(self) -> &'static [&'static str] {
        match self {
            GrantKind::Account => &[
                "APPLY TAG",
                "CREATE COMPUTE POOL",
                "CREATE DATABASE",
                "CREATE INTEGRATION",
                "CREATE ROLE",
                "CREATE SHARE",
                "CREATE USER",
                "CREATE WAREHOUSE",
                "EXECUTE MANAGED TASK",
                "EXECUTE TASK",
                "IMPORT SHARE",
                "MANAGE GRANTS",
                "MANAGE WAREHOUSES",
                "MONITOR EXECUTION",
                "MONITOR USAGE",
            ],
            GrantKind::Warehouse => &["APPLYBUDGET", "MODIFY", "MONITOR", "OPERATE", "USAGE"],
            GrantKind::Database => &[
                "APPLYBUDGET",
                "CREATE DATABASE ROLE",
                "CREATE SCHEMA",
                "MODIFY",
                "MONITOR",
                "USAGE",
            ],
            GrantKind::Schema => &[
                "ADD SEARCH OPTIMIZATION",
                "APPLYBUDGET",
                "CREATE ALERT",
                "CREATE DATASET",
                "CREATE DYNAMIC TABLE",
                "CREATE EVENT TABLE",
                "CREATE EXTERNAL TABLE",
                "CREATE FILE FORMAT",
                "CREATE FUNCTION",
                "CREATE HYBRID TABLE",
                "CREATE ICEBERG TABLE",
                "CREATE MASKING POLICY",
                "CREATE MATERIALIZED VIEW",
                "CREATE MODEL",
                "CREATE NETWORK RULE",
                "CREATE NOTEBOOK",
                "CREATE PIPE",
                "CREATE PROCEDURE",
                "CREATE ROW ACCESS POLICY",
                "CREATE SECRET",
                "CREATE SEQUENCE",
                "CREATE SERVICE",
                "CREATE STAGE",
                "CREATE STREAM",
                "CREATE STREAMLIT",
                "CREATE TABLE",
                "CREATE TAG",
                "CREATE TASK",
                "CREATE VIEW",
                "MODIFY",
                "MONITOR",
                "USAGE",
            ],
            GrantKind::Table => &[
                "APPLYBUDGET",
                "DELETE",
                "EVOLVE SCHEMA",
                "INSERT",
                "REFERENCES",
                "SELECT",
                "TRUNCATE",
                "UPDATE",
            ],
            // DML privileges are accepted on views and have no effect (access control
            // privileges page, View privileges).
            GrantKind::View => &[
                "DELETE",
                "INSERT",
                "REFERENCES",
                "SELECT",
                "TRUNCATE",
                "UPDATE",
            ],
            GrantKind::DynamicTable => &["MONITOR", "OPERATE", "SELECT"],
            GrantKind::Stage => &["READ", "USAGE", "WRITE"],
            GrantKind::Task => &["APPLYBUDGET", "MONITOR", "OPERATE"],
            GrantKind::Model => &["READ", "USAGE"],
            GrantKind::Tag => &["APPLY", "READ"],
            GrantKind::Role | GrantKind::DatabaseRole => &[],
            // GRANT MONITOR ON USER (access control privileges page).
            GrantKind::User => &["MONITOR"],
        }
    }

    /// What `ALL [PRIVILEGES]` grants; None where ALL is not allowed (tags).
    fn all(self, external_stage: bool) -> Option<&'static [&'static str]> {
        Some(match self {
            GrantKind::Tag | GrantKind::Role | GrantKind::DatabaseRole | GrantKind::User => {
                return None
            }
            GrantKind::View => &["REFERENCES", "SELECT"],
            GrantKind::Stage if external_stage => &["USAGE"],
            GrantKind::Stage => &["READ", "WRITE"],
            GrantKind::Model => MODEL_ALL,
            k => k.privileges(),
        })
    }
}

const ALL_KINDS: &[GrantKind] = &[
    GrantKind::Account,
    GrantKind::Warehouse,
    GrantKind::Database,
    GrantKind::Schema,
    GrantKind::Table,
    GrantKind::View,
    GrantKind::DynamicTable,
    GrantKind::Stage,
    GrantKind::Task,
    GrantKind::Model,
    GrantKind::Tag,
    GrantKind::Role,
    GrantKind::DatabaseRole,
    GrantKind::User,
];

impl ObjectKind {
    fn from_grant(kind: GrantKind) -> Option<ObjectKind> {
        Some(match kind {
            GrantKind::Warehouse => ObjectKind::Warehouse,
            GrantKind::Database => ObjectKind::Database,
            GrantKind::Schema => ObjectKind::Schema,
            GrantKind::Table => ObjectKind::Table,
            GrantKind::View => ObjectKind::View,
            GrantKind::DynamicTable => ObjectKind::DynamicTable,
            GrantKind::Stage => ObjectKind::Stage,
            GrantKind::Task => ObjectKind::Task,
            GrantKind::Model => ObjectKind::Model,
            GrantKind::Tag => ObjectKind::Tag,
            GrantKind::Role => ObjectKind::Role,
            GrantKind::User => ObjectKind::User,
            _ => return None,
        })
    }

    fn grant_kind(self) -> GrantKind {
        match self {
            ObjectKind::Warehouse => GrantKind::Warehouse,
            ObjectKind::Database => GrantKind::Database,
            ObjectKind::Schema => GrantKind::Schema,
            ObjectKind::Stage => GrantKind::Stage,
            ObjectKind::Tag => GrantKind::Tag,
            ObjectKind::Table => GrantKind::Table,
            ObjectKind::View => GrantKind::View,
            ObjectKind::DynamicTable => GrantKind::DynamicTable,
            ObjectKind::Task => GrantKind::Task,
            ObjectKind::Model => GrantKind::Model,
            ObjectKind::Role => GrantKind::Role,
            ObjectKind::User => GrantKind::User,
        }
    }
}

fn securable(kind: GrantKind, name: Vec<String>) -> Securable {
    Securable {
        kind: kind.granted_on().to_string(),
        name,
    }
}

fn kind_of(securable: &Securable) -> GrantKind {
    GrantKind::from_granted_on(&securable.kind).unwrap_or(GrantKind::Account)
}

/// A name as SHOW GRANTS prints it: parts joined by dots, each part that is not a plain
/// upper-case identifier in double quotes (UNCONFIRMED for quoted parts; docs/sandbox.md).
fn shown_name(parts: &[String]) -> String {
    parts
        .iter()
        .map(|p| crate::sql::quote_ident(p))
        .collect::<Vec<_>>()
        .join(".")
}

fn role_grantee(name: &str) -> Grantee {
    Grantee {
        kind: "ROLE".into(),
        name: vec![name.to_string()],
    }
}

fn grantee_kind(kind: GranteeKind) -> &'static str {
    match kind {
        GranteeKind::Role => "ROLE",
        GranteeKind::DatabaseRole => "DATABASE_ROLE",
        GranteeKind::User => "USER",
    }
}

// ---------------------------------------------------------------------------------------
// The catalog's objects seen as securables.

/// The metadata (owner) of a securable, when it exists.
fn meta<'c>(catalog: &'c Catalog, securable: &Securable) -> Option<&'c Meta> {
    let n = &securable.name;
    let kind = kind_of(securable);
    match (kind, n.as_slice()) {
        (GrantKind::Warehouse, [w]) => catalog.warehouses.get(w).map(|o| &o.meta),
        (GrantKind::Database, [d]) => catalog.databases.get(d).map(|o| &o.meta),
        (GrantKind::Role, [r]) => catalog.roles.get(r).map(|o| &o.meta),
        (GrantKind::User, [u]) => catalog.users.get(u).map(|o| &o.meta),
        (GrantKind::DatabaseRole, [d, r]) => catalog
            .databases
            .get(d)
            .and_then(|db| db.database_roles.get(r))
            .map(|o| &o.meta),
        (GrantKind::Schema, [d, securable]) => catalog
            .databases
            .get(d)
            .and_then(|db| db.schemas.get(securable))
            .map(|o| &o.meta),
        (k, [d, sc, o]) => {
            let schema = catalog.databases.get(d)?.schemas.get(sc)?;
            match k {
                GrantKind::Table => schema.tables.get(o).map(|x| &x.meta),
                GrantKind::View => schema.views.get(o).map(|x| &x.meta),
                GrantKind::DynamicTable => schema.dynamic_tables.get(o).map(|x| &x.meta),
                GrantKind::Stage => schema.stages.get(o).map(|x| &x.meta),
                GrantKind::Task => schema.tasks.get(o).map(|x| &x.meta),
                GrantKind::Model => schema.models.get(o).map(|x| &x.meta),
                GrantKind::Tag => schema.tags.get(o).map(|x| &x.meta),
                _ => None,
            }
        }
        _ => None,
    }
}

fn meta_mut<'c>(catalog: &'c mut Catalog, securable: &Securable) -> Option<&'c mut Meta> {
    let n = &securable.name;
    let kind = kind_of(securable);
    match (kind, n.as_slice()) {
        (GrantKind::Warehouse, [w]) => catalog.warehouses.get_mut(w).map(|o| &mut o.meta),
        (GrantKind::Database, [d]) => catalog.databases.get_mut(d).map(|o| &mut o.meta),
        (GrantKind::Role, [r]) => catalog.roles.get_mut(r).map(|o| &mut o.meta),
        (GrantKind::User, [u]) => catalog.users.get_mut(u).map(|o| &mut o.meta),
        (GrantKind::DatabaseRole, [d, r]) => catalog
            .databases
            .get_mut(d)
            .and_then(|db| db.database_roles.get_mut(r))
            .map(|o| &mut o.meta),
        (GrantKind::Schema, [d, securable]) => catalog
            .databases
            .get_mut(d)
            .and_then(|db| db.schemas.get_mut(securable))
            .map(|o| &mut o.meta),
        (k, [d, sc, o]) => {
            let schema = catalog.databases.get_mut(d)?.schemas.get_mut(sc)?;
            match k {
                GrantKind::Table => schema.tables.get_mut(o).map(|x| &mut x.meta),
                GrantKind::View => schema.views.get_mut(o).map(|x| &mut x.meta),
                GrantKind::DynamicTable => schema.dynamic_tables.get_mut(o).map(|x| &mut x.meta),
                GrantKind::Stage => schema.stages.get_mut(o).map(|x| &mut x.meta),
                GrantKind::Task => schema.tasks.get_mut(o).map(|x| &mut x.meta),
                GrantKind::Model => schema.models.get_mut(o).map(|x| &mut x.meta),
                GrantKind::Tag => schema.tags.get_mut(o).map(|x| &mut x.meta),
                _ => None,
            }
        }
        _ => None,
    }
}

fn exists(catalog: &Catalog, securable: &Securable) -> bool {
    match kind_of(securable) {
        GrantKind::Account => true,
        GrantKind::Role if SYSTEM_ROLES.contains(&securable.name[0].as_str()) => true,
        _ => meta(catalog, securable).is_some(),
    }
}

fn grantee_exists(catalog: &Catalog, grantee: &Grantee) -> bool {
    match grantee.kind.as_str() {
        "ROLE" => role_exists(catalog, &grantee.name[0]),
        "DATABASE_ROLE" => exists(
            catalog,
            &securable(GrantKind::DatabaseRole, grantee.name.clone()),
        ),
        _ => true,
    }
}

fn role_exists(catalog: &Catalog, role: &str) -> bool {
    SYSTEM_ROLES.contains(&role) || catalog.roles.contains_key(role)
}

/// An object's name as borrowed parts (one to three): walking the catalog this way copies
/// no name, so a SHOW GRANTS that keeps a few of 10,000 objects does not copy them all.
#[derive(Clone, Copy)]
struct Parts<'c>([&'c str; 3], usize);

impl<'c> Parts<'c> {
    fn of(parts: &[&'c String]) -> Parts<'c> {
        let mut out = [""; 3];
        for (o, p) in out.iter_mut().zip(parts) {
            *o = p.as_str();
        }
        Parts(out, parts.len())
    }

    fn as_slice(&self) -> &[&'c str] {
        &self.0[..self.1]
    }

    fn to_vec(self) -> Vec<String> {
        self.as_slice().iter().map(|p| p.to_string()).collect()
    }
}

/// Every object that has an owner, by kind and borrowed name, in catalog order.
fn owned_parts(catalog: &Catalog) -> Vec<(GrantKind, Parts<'_>, &Meta)> {
    let mut out = Vec::new();
    for (n, w) in &catalog.warehouses {
        out.push((GrantKind::Warehouse, Parts::of(&[n]), &w.meta));
    }
    for (n, r) in &catalog.roles {
        out.push((GrantKind::Role, Parts::of(&[n]), &r.meta));
    }
    for (n, u) in &catalog.users {
        out.push((GrantKind::User, Parts::of(&[n]), &u.meta));
    }
    for (d, db) in &catalog.databases {
        out.push((GrantKind::Database, Parts::of(&[d]), &db.meta));
        for (r, role) in &db.database_roles {
            out.push((GrantKind::DatabaseRole, Parts::of(&[d, r]), &role.meta));
        }
        for (sn, s) in &db.schemas {
            out.push((GrantKind::Schema, Parts::of(&[d, sn]), &s.meta));
            for (n, o) in &s.tables {
                out.push((GrantKind::Table, Parts::of(&[d, sn, n]), &o.meta));
            }
            for (n, o) in &s.views {
                out.push((GrantKind::View, Parts::of(&[d, sn, n]), &o.meta));
            }
            for (n, o) in &s.dynamic_tables {
                out.push((GrantKind::DynamicTable, Parts::of(&[d, sn, n]), &o.meta));
            }
            for (n, o) in &s.stages {
                out.push((GrantKind::Stage, Parts::of(&[d, sn, n]), &o.meta));
            }
            for (n, o) in &s.tasks {
                out.push((GrantKind::Task, Parts::of(&[d, sn, n]), &o.meta));
            }
            for (n, o) in &s.models {
                out.push((GrantKind::Model, Parts::of(&[d, sn, n]), &o.meta));
            }
            for (n, o) in &s.tags {
                out.push((GrantKind::Tag, Parts::of(&[d, sn, n]), &o.meta));
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// The role hierarchy.

/// The roles `role` has: itself, PUBLIC, the system-defined hierarchy (ACCOUNTADMIN above
/// SECURITYADMIN and SYSADMIN, SECURITYADMIN above USERADMIN) and every role and database
/// role granted to one of them.
pub(crate) fn closure(catalog: &Catalog, role: &str) -> BTreeSet<Grantee> {
    reach(catalog, vec![role_grantee(role), role_grantee("PUBLIC")])
}

/// `start` and every role and database role granted to them, transitively.
fn reach(catalog: &Catalog, start: Vec<Grantee>) -> BTreeSet<Grantee> {
    let mut have: BTreeSet<Grantee> = BTreeSet::new();
    let mut todo = start;
    while let Some(g) = todo.pop() {
        if !have.insert(g.clone()) {
            continue;
        }
        if g.kind == "ROLE" {
            let system: &[&str] = match g.name[0].as_str() {
                "ACCOUNTADMIN" => &["SECURITYADMIN", "SYSADMIN"],
                "SECURITYADMIN" => &["USERADMIN"],
                _ => &[],
            };
            todo.extend(system.iter().map(|r| role_grantee(r)));
        }
        for rg in &catalog.grants.roles {
            if rg.to == g {
                todo.push(rg.role.clone());
            }
        }
    }
    have
}

/// Whether `user` may use `role`: every sandbox user holds ACCOUNTADMIN (the default role)
/// and so every system-defined role; other roles must be granted to the user or to a role
/// the user has.
pub(crate) fn may_use_role(catalog: &Catalog, user: &str, role: &str) -> bool {
    if !role_exists(catalog, role) {
        return false;
    }
    // A login name is matched without regard to case, as Snowflake matches login names.
    let mut roots = vec!["ACCOUNTADMIN".to_string()];
    roots.extend(
        catalog
            .grants
            .roles
            .iter()
            .filter(|g| {
                g.to.kind == "USER"
                    && g.to.name[0].eq_ignore_ascii_case(user)
                    && g.role.kind == "ROLE"
            })
            .map(|g| g.role.name[0].clone()),
    );
    roots
        .iter()
        .any(|r| closure(catalog, r).contains(&role_grantee(role)))
}

/// The privileges of the session's role.
pub(crate) struct Access {
    roles: BTreeSet<Grantee>,
    unchecked: bool,
}

impl Access {
    pub(crate) fn of(exec: &Exec) -> Access {
        let role = exec.owner();
        let roles = closure(exec.catalog, &role);
        // A role the account does not have is only reachable through the engine directly
        // (the HTTP layers refuse it): it keeps the unchecked behaviour of older scripts.
        // With every secondary role active the session has ACCOUNTADMIN, which every
        // sandbox user holds.
        let unchecked = !role_exists(exec.catalog, &role)
            || exec.session.secondary_roles_all
            || roles
                .iter()
                .any(|g| g.kind == "ROLE" && UNCHECKED_ROLES.contains(&g.name[0].as_str()));
        Access { roles, unchecked }
    }

    fn has_role(&self, role: &str) -> bool {
        self.roles.contains(&role_grantee(role))
    }

    fn owns(&self, catalog: &Catalog, securable: &Securable) -> bool {
        self.unchecked || meta(catalog, securable).is_some_and(|m| self.has_role(&m.owner))
    }

    /// Ownership, or `privilege` granted to one of the roles. A database role has USAGE on
    /// its database from its creation (access control privileges page, database roles).
    fn holds(&self, catalog: &Catalog, securable: &Securable, privilege: &str) -> bool {
        self.owns(catalog, securable)
            || (privilege == "USAGE"
                && securable.kind == "DATABASE"
                && self
                    .roles
                    .iter()
                    .any(|g| g.kind == "DATABASE_ROLE" && g.name[0] == securable.name[0]))
            || catalog.grants.privileges.iter().any(|g| {
                g.on == *securable && g.privilege == privilege && self.roles.contains(&g.to)
            })
    }

    /// Any privilege at all (what makes an object visible).
    fn sees(&self, catalog: &Catalog, securable: &Securable) -> bool {
        self.owns(catalog, securable)
            || catalog
                .grants
                .privileges
                .iter()
                .any(|g| g.on == *securable && self.roles.contains(&g.to))
    }

    fn grantable(&self, catalog: &Catalog, object: &Securable, privilege: &str) -> bool {
        self.owns(catalog, object)
            || self.holds(
                catalog,
                &securable(GrantKind::Account, vec![]),
                "MANAGE GRANTS",
            )
            || catalog.grants.privileges.iter().any(|g| {
                g.on == *object
                    && g.privilege == privilege
                    && g.grant_option
                    && self.roles.contains(&g.to)
            })
    }
}

fn access_denied(kind: GrantKind, name: &str) -> SqlError {
    SqlError::new(
        "003001",
        "42501",
        format!(
            "SQL access control error:\nInsufficient privileges to operate on {} '{name}'",
            kind.noun()
        ),
    )
}

fn hidden(kind: GrantKind, parts: &[String]) -> SqlError {
    errors::does_not_exist(kind.title(), &parts.join("."))
}

/// USAGE (or ownership) on the database and schema that hold an object; without it the
/// container does not exist for the role.
fn require_containers(exec: &Exec, access: &Access, parts: &[String]) -> Result<(), SqlError> {
    if access.unchecked {
        return Ok(());
    }
    if let Some(d) = parts.first() {
        let db = securable(GrantKind::Database, vec![d.clone()]);
        if exists(exec.catalog, &db) && !access.holds(exec.catalog, &db, "USAGE") {
            return Err(hidden(GrantKind::Database, &db.name));
        }
    }
    if parts.len() >= 2 {
        let sc = securable(GrantKind::Schema, parts[..2].to_vec());
        if exists(exec.catalog, &sc) && !access.holds(exec.catalog, &sc, "USAGE") {
            return Err(hidden(GrantKind::Schema, &sc.name));
        }
    }
    Ok(())
}

/// `privilege` on an existing object (after USAGE on its containers): without it the
/// object is hidden (002003) when the role has no privilege on it at all, else 003001.
fn require_on(
    exec: &Exec,
    access: &Access,
    securable: &Securable,
    privilege: Option<&str>,
) -> Result<(), SqlError> {
    if access.unchecked || !exists(exec.catalog, securable) {
        return Ok(());
    }
    let kind = kind_of(securable);
    if kind.in_schema() {
        require_containers(exec, access, &securable.name[..2])?;
    } else if kind == GrantKind::Schema {
        require_containers(exec, access, &securable.name[..1])?;
    }
    let ok = match privilege {
        Some(p) => access.holds(exec.catalog, securable, p),
        None => access.owns(exec.catalog, securable),
    };
    if ok {
        return Ok(());
    }
    if access.sees(exec.catalog, securable) {
        Err(access_denied(
            kind,
            securable.name.last().map(String::as_str).unwrap_or(""),
        ))
    } else {
        Err(hidden(kind, &securable.name))
    }
}

/// The securable a statement names with `kind` and `name` (a table name may be a
/// dynamic table), resolved with the session's defaults; None when it does not resolve.
fn resolve(exec: &Exec, kind: GrantKind, name: &Name) -> Result<Securable, SqlError> {
    let parts = match kind {
        GrantKind::Account => vec![],
        GrantKind::Warehouse | GrantKind::Database | GrantKind::Role | GrantKind::User => {
            vec![exec.account_name(name)?]
        }
        GrantKind::Schema => {
            let (d, s) = exec.resolve_schema(name, "GRANT")?;
            vec![d, s]
        }
        GrantKind::DatabaseRole => match name.as_slice() {
            [d, r] => vec![d.clone(), r.clone()],
            [r] => {
                let d = exec
                    .session_database()
                    .ok_or_else(|| errors::no_current_database("GRANT"))?;
                vec![d.to_string(), r.clone()]
            }
            _ => return Err(errors::invalid_identifier(&name.join("."))),
        },
        _ => {
            let f = exec.resolve_schema_object(name, "GRANT")?;
            vec![f.database, f.schema, f.name]
        }
    };
    let mut s = securable(kind, parts);
    if kind == GrantKind::Table && !exists(exec.catalog, &s) {
        let dt = securable(GrantKind::DynamicTable, s.name.clone());
        if exists(exec.catalog, &dt) {
            s = dt;
        }
    }
    Ok(s)
}

fn require_exists(exec: &Exec, securable: &Securable) -> Result<(), SqlError> {
    if exists(exec.catalog, securable) {
        Ok(())
    } else {
        Err(hidden(kind_of(securable), &securable.name))
    }
}

// ---------------------------------------------------------------------------------------
// Checks before a statement runs, and bookkeeping after it changed the catalog.

/// What `after` needs to know about a statement, worked out before it runs.
pub(crate) enum Follow {
    None,
    Created(Securable),
    Renamed(Securable, Vec<String>),
    DroppedRole(String),
}

fn create_target(exec: &Exec, kind: GrantKind, head: &CreateHead) -> Option<Securable> {
    resolve(exec, kind, &head.name).ok()
}

/// Refuse `st` when the session's role lacks a privilege it needs; say what to do after.
pub(crate) fn check(exec: &Exec, st: &Statement) -> Result<Follow, SqlError> {
    let a = Access::of(exec);
    let account = securable(GrantKind::Account, vec![]);
    let need_account = |p: &str| -> Result<(), SqlError> {
        if a.unchecked || a.holds(exec.catalog, &account, p) {
            Ok(())
        } else {
            Err(access_denied(GrantKind::Account, exec.account))
        }
    };
    let create_in = |kind: GrantKind, head: &CreateHead| -> Result<Follow, SqlError> {
        let Some(s) = create_target(exec, kind, head) else {
            return Ok(Follow::None);
        };
        if !a.unchecked {
            let container_kind = if kind == GrantKind::Schema {
                GrantKind::Database
            } else {
                GrantKind::Schema
            };
            let container = securable(container_kind, s.name[..s.name.len() - 1].to_vec());
            require_containers(exec, &a, &container.name)?;
            let privilege = format!("CREATE {}", kind_keyword(kind));
            if exists(exec.catalog, &container) && !a.holds(exec.catalog, &container, &privilege) {
                return Err(access_denied(
                    container_kind,
                    container.name.last().unwrap(),
                ));
            }
        }
        Ok(Follow::Created(s))
    };
    match st {
        Statement::CreateWarehouse { head, .. } => {
            need_account("CREATE WAREHOUSE")?;
            Ok(create_target(exec, GrantKind::Warehouse, head)
                .map_or(Follow::None, Follow::Created))
        }
        Statement::CreateDatabase { head, .. } => {
            need_account("CREATE DATABASE")?;
            Ok(
                create_target(exec, GrantKind::Database, head)
                    .map_or(Follow::None, Follow::Created),
            )
        }
        Statement::CreateRole { head, .. } => {
            need_account("CREATE ROLE")?;
            Ok(create_target(exec, GrantKind::Role, head).map_or(Follow::None, Follow::Created))
        }
        Statement::CreateUser { head, .. } => {
            need_account("CREATE USER")?;
            Ok(create_target(exec, GrantKind::User, head).map_or(Follow::None, Follow::Created))
        }
        Statement::CreateSchema { head, .. } => create_in(GrantKind::Schema, head),
        Statement::CreateDatabaseRole { head, .. } => {
            let Some(s) = create_target(exec, GrantKind::DatabaseRole, head) else {
                return Ok(Follow::None);
            };
            if !a.unchecked {
                let db = securable(GrantKind::Database, s.name[..1].to_vec());
                require_containers(exec, &a, &db.name)?;
                if exists(exec.catalog, &db) && !a.holds(exec.catalog, &db, "CREATE DATABASE ROLE")
                {
                    return Err(access_denied(GrantKind::Database, &db.name[0]));
                }
            }
            Ok(Follow::Created(s))
        }
        Statement::CreateStage { head, .. } => create_in(GrantKind::Stage, head),
        Statement::CreateTag { head, .. } => create_in(GrantKind::Tag, head),
        Statement::CreateTable { head, .. } => create_in(GrantKind::Table, head),
        Statement::CreateView { head, .. } => create_in(GrantKind::View, head),
        Statement::CreateDynamicTable { head, .. } => create_in(GrantKind::DynamicTable, head),
        Statement::CreateTask { head, .. } => create_in(GrantKind::Task, head),
        Statement::CreateModel { head, .. } => create_in(GrantKind::Model, head),
        Statement::Alter {
            kind, name, action, ..
        } => {
            let Ok(s) = resolve(exec, kind.grant_kind(), name) else {
                return Ok(Follow::None);
            };
            let needed = match (kind, action) {
                (
                    ObjectKind::Warehouse | ObjectKind::Task | ObjectKind::DynamicTable,
                    AlterAction::Suspend | AlterAction::Resume { .. } | AlterAction::Refresh,
                ) => Some("OPERATE"),
                (
                    ObjectKind::Warehouse | ObjectKind::Database | ObjectKind::Schema,
                    AlterAction::Set(_) | AlterAction::Unset(_),
                ) => Some("MODIFY"),
                _ => None,
            };
            require_on(exec, &a, &s, needed)?;
            if let AlterAction::Rename(to) = action {
                if let Some(new) = renamed(exec, &s, to) {
                    return Ok(Follow::Renamed(s, new));
                }
            }
            Ok(Follow::None)
        }
        Statement::CommentOn { kind, name, .. } => {
            if let Ok(s) = resolve(exec, kind.grant_kind(), name) {
                require_on(exec, &a, &s, None)?;
            }
            Ok(Follow::None)
        }
        Statement::Drop { kind, name, .. } => {
            let Ok(s) = resolve(exec, kind.grant_kind(), name) else {
                return Ok(Follow::None);
            };
            require_on(exec, &a, &s, None)?;
            if *kind == ObjectKind::Role && exists(exec.catalog, &s) {
                if !SYSTEM_ROLES.contains(&s.name[0].as_str()) && s.name[0] == exec.owner() {
                    return Err(SqlError::new(
                        "003180",
                        "42601",
                        format!(
                            "SQL execution error: Cannot drop role {} as it is the current primary role.",
                            s.name[0]
                        ),
                    ));
                }
                return Ok(Follow::DroppedRole(s.name[0].clone()));
            }
            Ok(Follow::None)
        }
        // Describing another user takes its OWNERSHIP (DESCRIBE USER reference).
        Statement::DescribeUser { name } => {
            if let Ok(s) = resolve(exec, GrantKind::User, name) {
                require_on(exec, &a, &s, None)?;
            }
            Ok(Follow::None)
        }
        Statement::DropDatabaseRole { name, .. } => {
            if let Ok(s) = resolve(exec, GrantKind::DatabaseRole, name) {
                require_on(exec, &a, &s, None)?;
            }
            Ok(Follow::None)
        }
        Statement::Select(sel) => {
            if let Some(from) = &sel.from {
                require_relation(exec, &a, from, "SELECT")?;
            }
            Ok(Follow::None)
        }
        Statement::Insert { table, .. } => {
            require_relation(exec, &a, table, "INSERT")?;
            Ok(Follow::None)
        }
        Statement::Update { table, .. } => {
            require_relation(exec, &a, table, "UPDATE")?;
            Ok(Follow::None)
        }
        Statement::Delete { table, .. } => {
            require_relation(exec, &a, table, "DELETE")?;
            Ok(Follow::None)
        }
        Statement::Merge(m) => {
            require_relation(exec, &a, &m.target, "INSERT")?;
            Ok(Follow::None)
        }
        _ => Ok(Follow::None),
    }
}

/// Whether the session's role sees a table, dynamic table or view (any privilege on it, or
/// an unchecked role): what INFORMATION_SCHEMA views list.
pub(crate) fn sees_relation(exec: &Exec, kind: GrantKind, parts: Vec<String>) -> bool {
    let a = Access::of(exec);
    a.unchecked || a.sees(exec.catalog, &securable(kind, parts))
}

fn kind_keyword(kind: GrantKind) -> &'static str {
    match kind {
        GrantKind::DynamicTable => "DYNAMIC TABLE",
        GrantKind::DatabaseRole => "DATABASE ROLE",
        kind => ObjectKind::from_grant(kind)
            .map(|o| o.keyword())
            .unwrap_or(""),
    }
}

/// A table, view or dynamic table read or written by a query: SELECT (or the DML
/// privilege) on it. INFORMATION_SCHEMA is readable by every role that uses the database.
fn require_relation(
    exec: &Exec,
    access: &Access,
    name: &Name,
    privilege: &str,
) -> Result<(), SqlError> {
    if access.unchecked {
        return Ok(());
    }
    let Ok(f) = exec.resolve_schema_object(name, "SELECT") else {
        return Ok(());
    };
    if f.schema == super::INFORMATION_SCHEMA {
        return require_containers(exec, access, &[f.database]);
    }
    let parts = vec![f.database.clone(), f.schema.clone(), f.name.clone()];
    let Some(kind) = [GrantKind::Table, GrantKind::View, GrantKind::DynamicTable]
        .into_iter()
        .find(|k| exists(exec.catalog, &securable(*k, parts.clone())))
    else {
        return Ok(());
    };
    let s = securable(kind, parts);
    require_containers(exec, access, &s.name[..2])
        .map_err(|_| errors::object_not_found(&f.dotted()))?;
    if access.holds(exec.catalog, &s, privilege) {
        Ok(())
    } else if access.sees(exec.catalog, &s) {
        Err(access_denied(kind, &f.name))
    } else {
        Err(errors::object_not_found(&f.dotted()))
    }
}

/// The new name parts of `securable` renamed to `to`.
fn renamed(exec: &Exec, securable: &Securable, to: &Name) -> Option<Vec<String>> {
    let kind = kind_of(securable);
    if kind.in_schema() {
        let from = super::Fqn {
            database: securable.name[0].clone(),
            schema: securable.name[1].clone(),
            name: securable.name[2].clone(),
        };
        let t = rename_target(&from, to).ok()?;
        return Some(vec![t.database, t.schema, t.name]);
    }
    match kind {
        GrantKind::Schema => match to.as_slice() {
            [n] => Some(vec![securable.name[0].clone(), n.clone()]),
            [d, n] => Some(vec![d.clone(), n.clone()]),
            _ => None,
        },
        _ => exec.account_name(to).ok().map(|n| vec![n]),
    }
}

/// Bookkeeping after a statement changed the catalog: a created object takes the future
/// grants that match it (and loses the grants of an object it replaced); a renamed one
/// keeps its grants; grants on or to what no longer exists are forgotten.
/// `removes_nothing`: the statement removed no object, container or role (a CREATE without
/// OR REPLACE, an ALTER that does not rename, a grant; `exec::removes_nothing`), so no grant
/// can have lost what it names, and none names a newly created object yet (the statement
/// that removed an earlier one of its name pruned its grants). Skipping those passes over
/// every grant keeps a long apply linear: each costs O(grants) a statement, and the grants
/// grow with the objects (future grants give each new object its own).
pub(crate) fn after(exec: &mut Exec, follow: Follow, removes_nothing: bool) {
    match follow {
        Follow::None => {}
        Follow::Created(s) => {
            if !removes_nothing {
                exec.catalog.grants.privileges.retain(|g| g.on != s);
            }
            if !removes_nothing && s.kind == GrantKind::Role.granted_on() {
                exec.catalog
                    .grants
                    .roles
                    .retain(|g| g.role != role_grantee(&s.name[0]));
            }
            apply_future(exec, &s, removes_nothing);
        }
        Follow::Renamed(old, new) => rename(exec.catalog, &old, &new),
        Follow::DroppedRole(r) => {
            // Its objects go to the role that dropped it (DROP ROLE usage notes).
            let to = exec.owner();
            for m in all_metas_mut(exec.catalog) {
                if m.owner == r {
                    m.owner = to.clone();
                }
            }
        }
    }
    if !removes_nothing {
        prune(exec.catalog);
    }
}

fn all_metas_mut(catalog: &mut Catalog) -> Vec<&mut Meta> {
    let mut out: Vec<&mut Meta> = Vec::new();
    out.extend(catalog.warehouses.values_mut().map(|o| &mut o.meta));
    out.extend(catalog.roles.values_mut().map(|o| &mut o.meta));
    for db in catalog.databases.values_mut() {
        out.push(&mut db.meta);
        out.extend(db.database_roles.values_mut().map(|o| &mut o.meta));
        for s in db.schemas.values_mut() {
            out.push(&mut s.meta);
            out.extend(s.stages.values_mut().map(|o| &mut o.meta));
            out.extend(s.tags.values_mut().map(|o| &mut o.meta));
            out.extend(s.tables.values_mut().map(|o| &mut o.meta));
            out.extend(s.views.values_mut().map(|o| &mut o.meta));
            out.extend(s.dynamic_tables.values_mut().map(|o| &mut o.meta));
            out.extend(s.tasks.values_mut().map(|o| &mut o.meta));
            out.extend(s.models.values_mut().map(|o| &mut o.meta));
        }
    }
    out
}

/// Forget grants whose object, container or grantee is gone.
fn prune(catalog: &mut Catalog) {
    #[cfg(test)]
    tests::PRUNES.with(|n| n.set(n.get() + 1));
    let mut g = std::mem::take(&mut catalog.grants);
    g.privileges
        .retain(|p| exists(catalog, &p.on) && grantee_exists(catalog, &p.to));
    g.future.retain(|f| {
        let kind = if f.container.len() == 1 {
            GrantKind::Database
        } else {
            GrantKind::Schema
        };
        exists(catalog, &securable(kind, f.container.clone())) && grantee_exists(catalog, &f.to)
    });
    g.roles
        .retain(|r| grantee_exists(catalog, &r.role) && grantee_exists(catalog, &r.to));
    catalog.grants = g;
}

/// Rename `old` to `new` in every grant (and, for a role, in every owner).
fn rename(catalog: &mut Catalog, old: &Securable, new: &[String]) {
    let kind = kind_of(old);
    let n = old.name.len();
    // Which securable kinds sit under the renamed name.
    let under = |k: GrantKind| match kind {
        GrantKind::Database => {
            k != GrantKind::Warehouse && k != GrantKind::Role && k != GrantKind::Account
        }
        GrantKind::Schema => k == GrantKind::Schema || k.in_schema(),
        other => k == other,
    };
    let fix = |parts: &mut Vec<String>| {
        if parts.len() >= n && parts[..n] == old.name[..] {
            parts.splice(..n, new.iter().cloned());
        }
    };
    let fix_grantee = |g: &mut Grantee| match (kind, g.kind.as_str()) {
        (GrantKind::Role, "ROLE") if g.name == old.name => g.name = new.to_vec(),
        (GrantKind::Database, "DATABASE_ROLE") if g.name[0] == old.name[0] => {
            g.name[0] = new[0].clone()
        }
        _ => {}
    };
    for p in &mut catalog.grants.privileges {
        if under(kind_of(&p.on)) {
            fix(&mut p.on.name);
        }
        fix_grantee(&mut p.to);
        if kind == GrantKind::Role && p.granted_by == old.name[0] {
            p.granted_by = new[0].clone();
        }
    }
    for f in &mut catalog.grants.future {
        if matches!(kind, GrantKind::Database | GrantKind::Schema) {
            fix(&mut f.container);
        }
        fix_grantee(&mut f.to);
    }
    for r in &mut catalog.grants.roles {
        fix_grantee(&mut r.role);
        fix_grantee(&mut r.to);
        if kind == GrantKind::Role && r.granted_by == old.name[0] {
            r.granted_by = new[0].clone();
        }
    }
    if kind == GrantKind::Role {
        for m in all_metas_mut(catalog) {
            if m.owner == old.name[0] {
                m.owner = new[0].clone();
            }
        }
    }
}

/// The future grants a new object takes: those of its schema for its kind, or, when its
/// schema has none for the kind, those of its database (GRANT <privileges> usage notes:
/// schema-level future grants take precedence over database-level ones).
/// `fresh`: `securable` was just created where nothing was (no grant names it yet), so only the
/// grants added here need looking at for a duplicate, not every grant of the account.
fn apply_future(exec: &mut Exec, securable: &Securable, fresh: bool) {
    let kind = kind_of(securable);
    if !(kind.in_schema() || kind == GrantKind::Schema) {
        return;
    }
    let schema_level: Vec<FutureGrant> = if kind == GrantKind::Schema {
        Vec::new()
    } else {
        exec.catalog
            .grants
            .future
            .iter()
            .filter(|f| f.kind == securable.kind && f.container[..] == securable.name[..2])
            .cloned()
            .collect()
    };
    let grants = if schema_level.is_empty() {
        exec.catalog
            .grants
            .future
            .iter()
            .filter(|f| f.kind == securable.kind && f.container[..] == securable.name[..1])
            .cloned()
            .collect()
    } else {
        schema_level
    };
    // A future OWNERSHIP grant decides the owner first; the other grants name the owner as
    // their grantor.
    if let Some(o) = grants.iter().find(|f| f.privilege == "OWNERSHIP") {
        if let Some(m) = meta_mut(exec.catalog, securable) {
            m.owner = o.to.name[0].clone();
        }
    }
    let owner = meta(exec.catalog, securable)
        .map(|m| m.owner.clone())
        .unwrap_or_default();
    let from = if fresh {
        exec.catalog.grants.privileges.len()
    } else {
        0
    };
    for f in grants.iter().filter(|f| f.privilege != "OWNERSHIP") {
        add_privilege_from(
            exec.catalog,
            from,
            PrivilegeGrant {
                created_on: exec.now,
                privilege: f.privilege.clone(),
                on: securable.clone(),
                to: f.to.clone(),
                grant_option: f.grant_option,
                granted_by: owner.clone(),
            },
        );
    }
}

/// Add a grant, or update the grant option of the same grant.
fn add_privilege(catalog: &mut Catalog, grant: PrivilegeGrant) {
    add_privilege_from(catalog, 0, grant)
}

/// [`add_privilege`], looking for the same grant only from index `from` on.
fn add_privilege_from(catalog: &mut Catalog, from: usize, grant: PrivilegeGrant) {
    if let Some(e) = catalog.grants.privileges[from..]
        .iter_mut()
        .find(|e| e.on == grant.on && e.privilege == grant.privilege && e.to == grant.to)
    {
        e.grant_option |= grant.grant_option;
        return;
    }
    catalog.grants.privileges.push(grant);
}

// ---------------------------------------------------------------------------------------
// GRANT / REVOKE.

fn not_executed() -> ResultSet {
    ResultSet::status("Grant not executed: Insufficient privileges.")
}

fn wrong_privilege(privilege: &str, kind: GrantKind) -> SqlError {
    SqlError::new(
        INVALID_PRIVILEGE_CODE,
        "42601",
        format!(
            "SQL compilation error:\nInvalid privilege {privilege} for object type {}.",
            kind.granted_on()
        ),
    )
}

fn grantee_of(exec: &Exec, grantee: &GranteeName) -> Result<Grantee, SqlError> {
    let (kind, name) = match grantee.kind {
        GranteeKind::Role => (GranteeKind::Role, vec![exec.account_name(&grantee.name)?]),
        GranteeKind::User => (GranteeKind::User, vec![exec.account_name(&grantee.name)?]),
        GranteeKind::DatabaseRole => (
            GranteeKind::DatabaseRole,
            resolve(exec, GrantKind::DatabaseRole, &grantee.name)?.name,
        ),
    };
    let out = Grantee {
        kind: grantee_kind(kind).to_string(),
        name,
    };
    if !grantee_exists(exec.catalog, &out) {
        let title = if kind == GranteeKind::DatabaseRole {
            "Database role"
        } else {
            "Role"
        };
        return Err(errors::does_not_exist(title, &out.name.join(".")));
    }
    Ok(out)
}

/// Which role a grant made now names as its grantor: the object's owner when the session
/// has it (or manages grants), else the session's role (grant option holder).
fn grantor(exec: &Exec, access: &Access, securable: &Securable) -> String {
    match meta(exec.catalog, securable) {
        Some(m) if access.unchecked || access.has_role(&m.owner) => m.owner.clone(),
        _ => exec.owner(),
    }
}

/// The objects of `kind` in a schema (`[db, s]`) or a whole database (`[db]`), in name order.
fn objects_in(catalog: &Catalog, kind: GrantKind, container: &[String]) -> Vec<Securable> {
    let mut out: Vec<Securable> = owned_parts(catalog)
        .into_iter()
        .filter(|(k, p, _)| {
            let p = p.as_slice();
            *k == kind
                && p.len() == if kind == GrantKind::Schema { 2 } else { 3 }
                && p[..container.len()]
                    .iter()
                    .zip(container)
                    .all(|(a, b)| *a == b)
        })
        .map(|(k, p, _)| securable(k, p.to_vec()))
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

fn container_of(exec: &Exec, in_schema: bool, name: &Name) -> Result<Vec<String>, SqlError> {
    let s = if in_schema {
        resolve(exec, GrantKind::Schema, name)?
    } else {
        resolve(exec, GrantKind::Database, name)?
    };
    require_exists(exec, &s)?;
    Ok(s.name)
}

pub(crate) fn grant(exec: &mut Exec, statement: GrantPrivileges) -> Result<Outcome, SqlError> {
    if statement.privileges == Privileges::Ownership {
        if statement.revoke {
            return Err(SqlError::new(
                "003011",
                "42601",
                "SQL execution error: OWNERSHIP can only be transferred.",
            ));
        }
        return ownership(exec, statement);
    }
    if statement.current_grants.is_some() {
        // The text of a third-party emulator's live-verified test (UNCONFIRMED).
        return Err(SqlError::new(
            "001003",
            "42000",
            "SQL compilation error:\nOnly OWNERSHIP grant command may specify REVOKE CURRENT GRANTS option.",
        ));
    }
    let to = grantee_of(exec, &statement.to)?;
    let a = Access::of(exec);
    let (kind, targets, future_in, bulk) = match &statement.on {
        GrantTarget::Account => (
            GrantKind::Account,
            vec![securable(GrantKind::Account, vec![])],
            None,
            false,
        ),
        GrantTarget::Object(k, name) => {
            let s = resolve(exec, *k, name)?;
            require_exists(exec, &s)?;
            (kind_of(&s), vec![s], None, false)
        }
        GrantTarget::All {
            kind,
            in_schema,
            container,
        } => {
            if *kind == GrantKind::Tag {
                return Err(exec.unsupported("bulk grants on tags (not allowed by Snowflake)"));
            }
            let c = container_of(exec, *in_schema, container)?;
            let mut objects = objects_in(exec.catalog, *kind, &c);
            if *kind == GrantKind::Table {
                // ON ALL TABLES covers dynamic tables too (they are tables to SHOW TABLES):
                // UNCONFIRMED; only plain tables are covered here.
                objects.retain(|s| kind_of(s) == GrantKind::Table);
            }
            (*kind, objects, None, true)
        }
        GrantTarget::Future {
            kind,
            in_schema,
            container,
        } => {
            if *kind == GrantKind::Tag {
                return Err(exec.unsupported("future grants on tags (not allowed by Snowflake)"));
            }
            let c = container_of(exec, *in_schema, container)?;
            (*kind, Vec::new(), Some(c), false)
        }
    };
    let external = |c: &Catalog, s: &Securable| {
        s.kind == "STAGE"
            && c.databases
                .get(&s.name[0])
                .and_then(|d| d.schemas.get(&s.name[1]))
                .and_then(|sc| sc.stages.get(&s.name[2]))
                .is_some_and(|st| st.url.is_some())
    };
    let names: Vec<String> = match &statement.privileges {
        Privileges::All => match kind.all(false) {
            Some(l) => l.iter().map(|p| p.to_string()).collect(),
            None => {
                return Err(SqlError::new(
                    INVALID_PRIVILEGE_CODE,
                    "42601",
                    format!(
                    "SQL compilation error:\nALL privileges cannot be granted on object type {}.",
                    kind.granted_on()
                ),
                ))
            }
        },
        Privileges::List(l) => {
            let mut out = Vec::new();
            for (p, _) in l {
                if !kind.privileges().contains(&p.as_str()) {
                    return Err(wrong_privilege(p, kind));
                }
                if !out.contains(p) {
                    out.push(p.clone());
                }
            }
            out
        }
        Privileges::Ownership => unreachable!("handled above"),
    };
    if let Some(container) = future_in {
        if !a.unchecked
            && !a.holds(
                exec.catalog,
                &securable(GrantKind::Account, vec![]),
                "MANAGE GRANTS",
            )
        {
            return Ok(Outcome::unchanged(not_executed()));
        }
        let now = exec.now;
        let future = &mut exec.catalog.grants.future;
        for p in names {
            let found = future.iter().position(|f| {
                f.kind == kind.granted_on()
                    && f.container == container
                    && f.privilege == p
                    && f.to == to
            });
            match (found, statement.revoke) {
                (Some(i), true) => {
                    future.remove(i);
                }
                (Some(i), false) => future[i].grant_option |= statement.grant_option,
                (None, false) => future.push(FutureGrant {
                    created_on: now,
                    privilege: p,
                    kind: kind.granted_on().to_string(),
                    container: container.clone(),
                    to: to.clone(),
                    grant_option: statement.grant_option,
                }),
                (None, true) => {}
            }
        }
        return Ok(Outcome::changed(ok()));
    }
    let mut count = 0;
    for s in &targets {
        // ALL on a stage: READ and WRITE on internal stages, USAGE on external ones.
        let list: Vec<String> =
            if statement.privileges == Privileges::All && kind == GrantKind::Stage {
                kind.all(external(exec.catalog, s))
                    .unwrap_or_default()
                    .iter()
                    .map(|p| p.to_string())
                    .collect()
            } else {
                names.clone()
            };
        if !a.unchecked && !list.iter().all(|p| a.grantable(exec.catalog, s, p)) {
            if bulk {
                continue;
            }
            return Ok(Outcome::unchanged(not_executed()));
        }
        let by = grantor(exec, &a, s);
        for p in list {
            if statement.revoke {
                exec.catalog
                    .grants
                    .privileges
                    .retain(|e| !(e.on == *s && e.privilege == p && e.to == to));
            } else {
                add_privilege(
                    exec.catalog,
                    PrivilegeGrant {
                        created_on: exec.now,
                        privilege: p,
                        on: s.clone(),
                        to: to.clone(),
                        grant_option: statement.grant_option,
                        granted_by: by.clone(),
                    },
                );
            }
        }
        count += 1;
    }
    let status = if bulk {
        ResultSet::status(format!(
            "Statement executed successfully. {count} objects affected."
        ))
    } else {
        ok()
    };
    Ok(Outcome::changed(status))
}

/// GRANT OWNERSHIP: one object, every object of a kind in a container (in name order,
/// stopping at the first blocked one), or the future owner of a kind in a container.
fn ownership(exec: &mut Exec, statement: GrantPrivileges) -> Result<Outcome, SqlError> {
    if statement.to.kind != GranteeKind::Role {
        return Err(exec.unsupported("ownership by database roles"));
    }
    let to = grantee_of(exec, &statement.to)?;
    let new_owner = to.name[0].clone();
    let a = Access::of(exec);
    let targets = match &statement.on {
        GrantTarget::Account => return Err(errors::syntax(1, 0, "unexpected 'ACCOUNT'.")),
        GrantTarget::Object(k, name) => {
            if *k == GrantKind::Model {
                // GRANT OWNERSHIP usage notes: models cannot be transferred.
                return Err(exec.unsupported("transferring the ownership of a model"));
            }
            let s = resolve(exec, *k, name)?;
            require_exists(exec, &s)?;
            vec![s]
        }
        GrantTarget::All {
            kind,
            in_schema,
            container,
        } => {
            let c = container_of(exec, *in_schema, container)?;
            objects_in(exec.catalog, *kind, &c)
        }
        GrantTarget::Future {
            kind,
            in_schema,
            container,
        } => {
            if statement.current_grants == Some(CurrentGrants::Revoke) {
                return Err(errors::syntax(1, 0, "unexpected 'REVOKE'."));
            }
            if !a.unchecked
                && !a.holds(
                    exec.catalog,
                    &securable(GrantKind::Account, vec![]),
                    "MANAGE GRANTS",
                )
            {
                return Ok(Outcome::unchanged(not_executed()));
            }
            let c = container_of(exec, *in_schema, container)?;
            let on = kind.granted_on().to_string();
            // At most one future OWNERSHIP grant per kind and container.
            exec.catalog
                .grants
                .future
                .retain(|f| !(f.privilege == "OWNERSHIP" && f.kind == on && f.container == c));
            exec.catalog.grants.future.push(FutureGrant {
                created_on: exec.now,
                privilege: "OWNERSHIP".into(),
                kind: on,
                container: c,
                to,
                grant_option: false,
            });
            return Ok(Outcome::changed(ok()));
        }
    };
    let bulk = matches!(statement.on, GrantTarget::All { .. });
    let mut count = 0;
    for s in &targets {
        let current = meta(exec.catalog, s)
            .map(|m| m.owner.clone())
            .unwrap_or_default();
        if !a.unchecked
            && !a.has_role(&current)
            && !a.holds(
                exec.catalog,
                &securable(GrantKind::Account, vec![]),
                "MANAGE GRANTS",
            )
        {
            if bulk {
                continue;
            }
            return Ok(Outcome::unchanged(not_executed()));
        }
        if current != new_owner {
            let outbound: Vec<usize> = exec
                .catalog
                .grants
                .privileges
                .iter()
                .enumerate()
                .filter(|(_, p)| p.on == *s)
                .map(|(i, _)| i)
                .collect();
            match statement.current_grants {
                None if kind_of(s) != GrantKind::Role && !outbound.is_empty() => {
                    let p = &exec.catalog.grants.privileges[outbound[0]];
                    return Err(dependent_grant(p));
                }
                Some(CurrentGrants::Revoke) => {
                    exec.catalog.grants.privileges.retain(|p| p.on != *s);
                }
                Some(CurrentGrants::Copy) => {
                    for i in outbound {
                        exec.catalog.grants.privileges[i].granted_by = new_owner.clone();
                    }
                }
                None => {}
            }
            if let Some(m) = meta_mut(exec.catalog, s) {
                m.owner = new_owner.clone();
            }
        }
        count += 1;
    }
    Ok(Outcome::changed(if bulk {
        ResultSet::status(format!(
            "Statement executed successfully. {count} objects affected."
        ))
    } else {
        ok()
    }))
}

/// CONFIRMED (terraform-provider-snowflake issues 81 and 152): two spaces after each period.
fn dependent_grant(grant: &PrivilegeGrant) -> SqlError {
    SqlError::new(
        "003036",
        "23001",
        format!(
            "SQL execution error: Dependent grant of privilege '{}' on securable '{}' to role '{}' exists.  It must be revoked first.  More than one dependent grant may exist: use 'SHOW GRANTS' command to view them.  To revoke all dependent grants while transferring object ownership, use convenience command 'GRANT OWNERSHIP ON <target_objects> TO <target_role> REVOKE CURRENT GRANTS'.",
            grant.privilege,
            shown_name(&grant.on.name),
            shown_name(&grant.to.name)
        ),
    )
}

/// GRANT / REVOKE ROLE and DATABASE ROLE.
pub(crate) fn grant_role(
    exec: &mut Exec,
    revoke: bool,
    role: GranteeName,
    to: GranteeName,
) -> Result<Outcome, SqlError> {
    let role = grantee_of(exec, &role)?;
    let to = grantee_of(exec, &to)?;
    if role.kind == "ROLE" && to.kind == "DATABASE_ROLE" {
        // Access control overview: account roles cannot be granted to database roles.
        return Err(SqlError::new(
            INVALID_PRIVILEGE_CODE,
            "42601",
            "SQL compilation error:\nAn account role cannot be granted to a database role.",
        ));
    }
    if role.kind == "DATABASE_ROLE" && to.kind == "DATABASE_ROLE" && role.name[0] != to.name[0] {
        return Err(SqlError::new(
            INVALID_PRIVILEGE_CODE,
            "42601",
            "SQL compilation error:\nA database role can only be granted to a database role of the same database.",
        ));
    }
    let a = Access::of(exec);
    let s = Securable {
        kind: role.kind.clone(),
        name: role.name.clone(),
    };
    if !a.unchecked
        && !a.owns(exec.catalog, &s)
        && !a.holds(
            exec.catalog,
            &securable(GrantKind::Account, vec![]),
            "MANAGE GRANTS",
        )
    {
        return Ok(Outcome::unchanged(not_executed()));
    }
    let roles = &mut exec.catalog.grants.roles;
    let found = roles.iter().position(|g| g.role == role && g.to == to);
    if revoke {
        if let Some(i) = found {
            roles.remove(i);
        }
        return Ok(Outcome::changed(ok()));
    }
    if found.is_some() {
        return Ok(Outcome::unchanged(ok()));
    }
    // A grant that would make a role its own ancestor is refused (UNCONFIRMED text).
    if to.kind != "USER" {
        // The new grant closes a cycle when `role` already has `to` (or is it).
        let would = reach(exec.catalog, vec![role.clone()]).contains(&to);
        if would {
            return Err(SqlError::new(
                "003012",
                "42601",
                format!(
                    "SQL execution error: Granting {} '{}' to {} '{}' would create a cycle.",
                    role.kind.to_lowercase().replace('_', " "),
                    shown_name(&role.name),
                    to.kind.to_lowercase().replace('_', " "),
                    shown_name(&to.name)
                ),
            ));
        }
    }
    let by = grantor(exec, &a, &s);
    exec.catalog.grants.roles.push(RoleGrant {
        created_on: exec.now,
        role,
        to,
        granted_by: by,
    });
    Ok(Outcome::changed(ok()))
}

// ---------------------------------------------------------------------------------------
// Database roles.

pub(crate) fn create_database_role(
    exec: &mut Exec,
    head: CreateHead,
    properties: Vec<Prop>,
) -> Result<Outcome, SqlError> {
    let s = resolve(exec, GrantKind::DatabaseRole, &head.name)?;
    let (d, r) = (s.name[0].clone(), s.name[1].clone());
    exec.database(&d)?;
    if exec.catalog.databases[&d].database_roles.contains_key(&r) {
        if head.if_not_exists {
            return Ok(Outcome::unchanged(exists_skipped(&r)));
        }
        if !head.or_replace {
            return Err(errors::already_exists(&r));
        }
    }
    let mut role = AccountRole {
        meta: exec.meta(None),
    };
    for prop in &properties {
        match prop.key.as_str() {
            "COMMENT" => role.meta.comment = props::opt_string(prop)?,
            key => return Err(errors::syntax(1, 0, &format!("unexpected '{key}'."))),
        }
    }
    exec.database_mut(&d)?
        .database_roles
        .insert(r.clone(), role);
    Ok(Outcome::changed(created("Database role", &r)))
}

pub(crate) fn drop_database_role(
    exec: &mut Exec,
    if_exists: bool,
    name: Name,
) -> Result<Outcome, SqlError> {
    let s = resolve(exec, GrantKind::DatabaseRole, &name)?;
    let removed = exec
        .catalog
        .databases
        .get_mut(&s.name[0])
        .and_then(|db| db.database_roles.remove(&s.name[1]))
        .is_some();
    if removed {
        Ok(Outcome::changed(dropped(&s.name[1])))
    } else if if_exists {
        Ok(Outcome::unchanged(drop_missing(&s.name[1])))
    } else {
        Err(hidden(GrantKind::DatabaseRole, &s.name))
    }
}

// ---------------------------------------------------------------------------------------
// SHOW.

fn columns(cols: &[(&str, &'static str)], rows: Vec<Vec<Option<String>>>) -> ResultSet {
    ResultSet {
        columns: cols
            .iter()
            .map(|(n, t)| Column {
                name: n.to_string(),
                type_name: t,
                nullable: true,
            })
            .collect(),
        rows,
        dml: None,
    }
}

const T: &str = "text";
const F: &str = "fixed";
const TS: &str = "timestamp_ltz";

fn s(value: impl Into<String>) -> Option<String> {
    Some(value.into())
}

/// SHOW DATABASE ROLES IN DATABASE d, in the column order of terraform-provider-snowflake's
/// databaseRoleDBRow (the docs give no example). Grant counts are counted from the grants.
pub(crate) fn show_database_roles(
    exec: &Exec,
    database: &str,
    like: Option<&str>,
    limit: Option<u64>,
) -> Result<ResultSet, SqlError> {
    let db = exec.database(database)?;
    let cols = [
        ("created_on", TS),
        ("name", T),
        ("is_default", T),
        ("is_current", T),
        ("is_inherited", T),
        ("granted_to_roles", F),
        ("granted_to_database_roles", F),
        ("granted_database_roles", F),
        ("owner", T),
        ("comment", T),
        ("owner_role_type", T),
    ];
    let current = closure(exec.catalog, &exec.owner());
    let mut rows = Vec::new();
    for (n, r) in &db.database_roles {
        if like.is_some_and(|p| !like_pattern(p, n)) {
            continue;
        }
        let me = Grantee {
            kind: "DATABASE_ROLE".into(),
            name: vec![database.to_string(), n.clone()],
        };
        let of = |k: &str| {
            exec.catalog
                .grants
                .roles
                .iter()
                .filter(|g| g.role == me && g.to.kind == k)
                .count()
        };
        let granted = exec
            .catalog
            .grants
            .roles
            .iter()
            .filter(|g| g.to == me && g.role.kind == "DATABASE_ROLE")
            .count();
        rows.push(vec![
            s(timestamp(r.meta.created_on)),
            s(n),
            s(yn(false)),
            s(yn(false)),
            s(yn(current.contains(&me))),
            s(of("ROLE").to_string()),
            s(of("DATABASE_ROLE").to_string()),
            s(granted.to_string()),
            s(&r.meta.owner),
            s(r.meta.comment.clone().unwrap_or_default()),
            s("ROLE"),
        ]);
    }
    if let Some(n) = limit {
        rows.truncate(n as usize);
    }
    Ok(columns(&cols, rows))
}

/// One privilege row: the object, the grantee and the grant.
struct Row {
    created_on: i64,
    privilege: String,
    on: Securable,
    to: Grantee,
    grant_option: bool,
    granted_by: String,
}

/// A grantee's name in `grantee_name`: a database role prints its bare name
/// (UNCONFIRMED: terraform compares the bare name; docs/sandbox.md).
fn grantee_name(grantee: &Grantee) -> String {
    shown_name(&grantee.name[grantee.name.len() - 1..])
}

/// Ownership rows first for an object created before its grants; every row in the order
/// the grants were made.
/// The privilege rows `keep` keeps (given the object and the grantee). `may_own` is its cheap
/// half for ownership, asked first of every object (kind, name, owner) so that the names of
/// the objects it rules out are never copied.
fn privilege_rows(
    catalog: &Catalog,
    may_own: impl Fn(GrantKind, &[&str], &str) -> bool,
    keep: impl Fn(&Securable, &Grantee) -> bool,
) -> Vec<Row> {
    let mut rows = Vec::new();
    for (kind, parts, m) in owned_parts(catalog) {
        if m.owner.is_empty() || !may_own(kind, parts.as_slice(), &m.owner) {
            continue;
        }
        let sec = securable(kind, parts.to_vec());
        let owner = role_grantee(&m.owner);
        if keep(&sec, &owner) {
            rows.push(Row {
                created_on: m.created_on,
                privilege: "OWNERSHIP".into(),
                on: sec,
                to: owner,
                grant_option: true,
                granted_by: m.owner.clone(),
            });
        }
    }
    for p in &catalog.grants.privileges {
        if keep(&p.on, &p.to) {
            rows.push(Row {
                created_on: p.created_on,
                privilege: p.privilege.clone(),
                on: p.on.clone(),
                to: p.to.clone(),
                grant_option: p.grant_option,
                granted_by: p.granted_by.clone(),
            });
        }
    }
    // Role grants print as USAGE on the granted role.
    for r in &catalog.grants.roles {
        let on = Securable {
            kind: r.role.kind.clone(),
            name: r.role.name.clone(),
        };
        if r.to.kind != "USER" && keep(&on, &r.to) {
            rows.push(Row {
                created_on: r.created_on,
                privilege: "USAGE".into(),
                on,
                to: r.to.clone(),
                grant_option: false,
                granted_by: r.granted_by.clone(),
            });
        }
    }
    rows.sort_by_key(|r| r.created_on);
    rows
}

/// The column order of SHOW GRANTS ON: the 2016 docs example (`ON DATABASE`) puts
/// granted_by_role_type before granted_by; a 2025 example has them the other way round.
/// UNCONFIRMED which a live account returns (docs/sandbox.md); clients read by name.
const ROLE_TYPE_BEFORE_GRANTED_BY: bool = true;

pub(crate) fn show_grants(exec: &Exec, show: &ShowGrants) -> Result<ResultSet, SqlError> {
    let c = &*exec.catalog;
    let base = [
        ("created_on", TS),
        ("privilege", T),
        ("granted_on", T),
        ("name", T),
        ("granted_to", T),
        ("grantee_name", T),
        ("grant_option", T),
    ];
    let row = |r: &Row, with_role_type: bool| {
        let mut v = vec![
            s(timestamp(r.created_on)),
            s(&r.privilege),
            s(&r.on.kind),
            // An account grant names the account (the docs example shows its name).
            s(if r.on.kind == "ACCOUNT" {
                exec.account.to_string()
            } else {
                shown_name(&r.on.name)
            }),
            s(&r.to.kind),
            s(grantee_name(&r.to)),
            s(tf(r.grant_option)),
        ];
        if with_role_type {
            if ROLE_TYPE_BEFORE_GRANTED_BY {
                v.push(s("ROLE"));
                v.push(s(&r.granted_by));
            } else {
                v.push(s(&r.granted_by));
                v.push(s("ROLE"));
            }
        } else {
            v.push(s(&r.granted_by));
        }
        v
    };
    let role_rows = |keep: &dyn Fn(&RoleGrant) -> bool, fq_grantee: bool| {
        let cols = [
            ("created_on", TS),
            ("role", T),
            ("granted_to", T),
            ("grantee_name", T),
            ("granted_by", T),
        ];
        let rows = c
            .grants
            .roles
            .iter()
            .filter(|r| keep(r))
            .map(|r| {
                vec![
                    s(timestamp(r.created_on)),
                    s(shown_name(&r.role.name)),
                    s(&r.to.kind),
                    s(if fq_grantee {
                        shown_name(&r.to.name)
                    } else {
                        grantee_name(&r.to)
                    }),
                    s(&r.granted_by),
                ]
            })
            .collect();
        columns(&cols, rows)
    };
    match show {
        ShowGrants::To(who) => {
            let to = grantee_of(exec, who)?;
            if to.kind == "USER" {
                return Ok(role_rows(&|r| r.to == to, false));
            }
            let rows = privilege_rows(
                c,
                |_, _, owner| to.kind == "ROLE" && to.name.len() == 1 && to.name[0] == owner,
                |_, t| *t == to,
            )
            .iter()
            .map(|r| row(r, false))
            .collect();
            let mut cols = base.to_vec();
            cols.push(("granted_by", T));
            Ok(columns(&cols, rows))
        }
        ShowGrants::Of(role) => {
            let role = grantee_of(exec, role)?;
            // SHOW GRANTS OF DATABASE ROLE prints a database-role grantee fully qualified
            // (terraform-provider-snowflake grants_impl.go).
            let fq = role.kind == "DATABASE_ROLE";
            Ok(role_rows(&|r| r.role == role, fq))
        }
        ShowGrants::On(target) => {
            let sec = match target {
                None => securable(GrantKind::Account, vec![]),
                Some((k, name)) => {
                    let s = resolve(exec, *k, name)?;
                    require_exists(exec, &s)?;
                    s
                }
            };
            let rows = privilege_rows(
                c,
                |kind, parts, _| {
                    kind.granted_on() == sec.kind
                        && parts.len() == sec.name.len()
                        && parts.iter().zip(&sec.name).all(|(a, b)| *a == b)
                },
                |on, _| *on == sec,
            )
            .iter()
            .map(|r| row(r, true))
            .collect();
            let mut cols = base.to_vec();
            if ROLE_TYPE_BEFORE_GRANTED_BY {
                cols.push(("granted_by_role_type", T));
                cols.push(("granted_by", T));
            } else {
                cols.push(("granted_by", T));
                cols.push(("granted_by_role_type", T));
            }
            Ok(columns(&cols, rows))
        }
        ShowGrants::FutureIn { .. } | ShowGrants::FutureTo(_) => {
            // SHOW FUTURE GRANTS TO has the layout of SHOW FUTURE GRANTS IN (the clients that
            // read it, SnowDDL's role resolvers and terraform-provider-snowflake, read the same
            // columns).
            let keep: Box<dyn Fn(&FutureGrant) -> bool> = match show {
                ShowGrants::FutureTo(who) => {
                    let to = grantee_of(exec, who)?;
                    Box::new(move |f| f.to == to)
                }
                ShowGrants::FutureIn {
                    in_schema,
                    container,
                } => {
                    let cont = container_of(exec, *in_schema, container)?;
                    Box::new(move |f| f.container == cont)
                }
                _ => unreachable!("matched above"),
            };
            let cols = [
                ("created_on", TS),
                ("privilege", T),
                ("grant_on", T),
                ("name", T),
                ("grant_to", T),
                ("grantee_name", T),
                ("grant_option", T),
            ];
            let rows = c
                .grants
                .future
                .iter()
                .filter(|f| keep(f))
                .map(|f| {
                    vec![
                        s(timestamp(f.created_on)),
                        s(&f.privilege),
                        s(&f.kind),
                        s(format!("{}.<{}>", shown_name(&f.container), f.kind)),
                        s(&f.to.kind),
                        s(grantee_name(&f.to)),
                        s(tf(f.grant_option)),
                    ]
                })
                .collect();
            Ok(columns(&cols, rows))
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::sandbox::engine::Engine;
    use crate::sandbox::{Session, SqlEngine};

    thread_local! {
        /// How many times this thread's engine passed over every grant (`prune`).
        pub static PRUNES: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
    }

    fn prunes(engine: &mut Engine, session: &Session, sql: &str) -> usize {
        let before = PRUNES.with(|n| n.get());
        engine
            .execute(sql, session)
            .unwrap_or_else(|err| panic!("{sql}: {err:?}"));
        PRUNES.with(|n| n.get()) - before
    }

    /// An apply of N objects under future grants sends N creates while the grants grow with
    /// N: a pass over every grant after each statement made it quadratic. Only a statement
    /// that may remove something passes over them.
    #[test]
    fn only_statements_that_may_remove_something_pass_over_every_grant() {
        let mut e = Engine::new("SANDBOX");
        let s = Session {
            account: "SANDBOX".into(),
            user: "TESTER".into(),
            role: "SYSADMIN".into(),
            ..Default::default()
        };
        for sql in [
            "CREATE DATABASE ml",
            "CREATE SCHEMA ml.fs",
            "CREATE ROLE reader",
            "GRANT SELECT ON FUTURE TABLES IN SCHEMA ml.fs TO ROLE reader",
        ] {
            e.execute(sql, &s).unwrap();
        }
        for sql in [
            "CREATE TABLE ml.fs.t (id INT)",
            "CREATE TABLE IF NOT EXISTS ml.fs.u (id INT)",
            "COMMENT ON TABLE ml.fs.t IS 'x'",
            "ALTER TABLE ml.fs.t SET COMMENT = 'y'",
            "GRANT INSERT ON TABLE ml.fs.t TO ROLE reader",
        ] {
            assert_eq!(prunes(&mut e, &s, sql), 0, "{sql}");
        }
        for sql in [
            "CREATE OR REPLACE TABLE ml.fs.t (id INT)",
            "ALTER TABLE ml.fs.u RENAME TO ml.fs.v",
            "DROP TABLE ml.fs.v",
            "DROP ROLE reader",
        ] {
            assert_eq!(prunes(&mut e, &s, sql), 1, "{sql}");
        }
    }
}
