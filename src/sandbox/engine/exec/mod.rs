//! Executing parsed statements against the catalog: name resolution with the session's
//! defaults, the existence rules every kind shares, and dispatch to one module per family.

mod account;
mod context;
pub(crate) mod describe;
pub mod grant;
mod info_tables;
mod merge;
mod model;
mod procedure;
pub mod props;
mod role;
mod schema;
mod select;
mod stage_tag;
mod table;
mod tagging;
mod task;
mod user;
mod values;
mod view;

use super::catalog::{Catalog, Database, Meta, Schema};
use super::clock::Nanos;
use super::errors;
use super::parse::ast::{AlterAction, Name, ObjectKind, Prop, PropValue, ShowWhat, Statement};
use super::show;
use crate::sandbox::{ResultSet, Session, SqlError};

pub(crate) use model::{model_aliases, system_aliases, versions_in_order};

/// The name INFORMATION_SCHEMA has in every database.
pub(crate) const INFORMATION_SCHEMA: &str = "INFORMATION_SCHEMA";

/// Everything a statement runs with.
pub(crate) struct Exec<'a> {
    pub catalog: &'a mut Catalog,
    pub session: &'a Session,
    pub account: &'a str,
    pub now: Nanos,
    /// The statement's text, for messages and for `text` columns.
    pub text: &'a str,
    /// Earlier statements' results, oldest first, for `RESULT_SCAN`.
    pub results: &'a std::collections::VecDeque<ScannedResult>,
}

/// A statement's result kept for `RESULT_SCAN`.
#[derive(Clone, Debug)]
pub(crate) struct ScannedResult {
    pub query_id: String,
    pub user: String,
    pub result: crate::sandbox::ResultSet,
}

/// A fully qualified schema object name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Fqn {
    pub database: String,
    pub schema: String,
    pub name: String,
}

impl Fqn {
    /// `DB.S.NAME`, as Snowflake prints names in messages.
    pub(crate) fn dotted(&self) -> String {
        format!("{}.{}.{}", self.database, self.schema, self.name)
    }
}

/// What a statement returned and whether it changed the catalog.
pub struct Outcome {
    pub result: ResultSet,
    pub changed: bool,
}

impl Outcome {
    pub fn changed(result: ResultSet) -> Outcome {
        Outcome {
            result,
            changed: true,
        }
    }

    pub fn unchanged(result: ResultSet) -> Outcome {
        Outcome {
            result,
            changed: false,
        }
    }
}

/// Whether a statement runs on a warehouse: DML, and SELECTs that read a table or view
/// (INFORMATION_SCHEMA views included).
fn needs_warehouse(st: &Statement) -> bool {
    match st {
        Statement::Insert { .. }
        | Statement::Update { .. }
        | Statement::Delete { .. }
        | Statement::Merge(_) => true,
        Statement::Select(s) => select_needs_warehouse(s),
        _ => false,
    }
}

/// A SELECT reading a table, a table function or a subquery that does, in any UNION branch.
/// VALUES alone is computed like a SELECT without FROM.
fn select_needs_warehouse(select: &crate::sandbox::engine::parse::ast::Select) -> bool {
    select.from.is_some()
        || select.from_function.is_some()
        || select
            .from_query
            .as_deref()
            .is_some_and(select_needs_warehouse)
        || select.union.iter().any(|(_, b)| select_needs_warehouse(b))
}

/// A describe-only query: `SELECT * FROM <view or dynamic table>` answers its columns from
/// the view's definition (the rows are never read); anything else runs as it would.
pub(crate) fn describe_only(exec: &mut Exec, st: Statement) -> Result<Outcome, SqlError> {
    if let Statement::Select(s) = &st {
        let star = matches!(
            s.items.as_slice(),
            [crate::sandbox::engine::parse::ast::SelectItem::Star]
        );
        let plain = s.from_function.is_none()
            && s.filter.is_none()
            && s.order_by.is_empty()
            && s.union.is_empty();
        if let (true, true, Some(name)) = (star, plain, &s.from) {
            if let Some(columns) = describe::relation_columns(exec, name)? {
                return Ok(Outcome::unchanged(crate::sandbox::ResultSet {
                    columns,
                    rows: Vec::new(),
                    dml: None,
                }));
            }
        }
    }
    run(exec, st)
}

pub fn run(exec: &mut Exec, st: Statement) -> Result<Outcome, SqlError> {
    if needs_warehouse(&st) {
        exec.require_warehouse()?;
    }
    // Privileges are checked before anything changes; grants follow what changed.
    let follow = grant::check(exec, &st)?;
    let removes_nothing = removes_nothing(&st);
    let outcome = dispatch(exec, st)?;
    if outcome.changed {
        grant::after(exec, follow, removes_nothing);
    }
    Ok(outcome)
}

/// A statement that removes no object, container or role (`grant::after`): a CREATE without
/// OR REPLACE, an ALTER other than a rename, a comment, a grant or revoke, or DML. Everything
/// else is treated as one that may.
fn removes_nothing(st: &Statement) -> bool {
    match st {
        Statement::CreateWarehouse { head, .. }
        | Statement::CreateDatabase { head, .. }
        | Statement::CreateRole { head, .. }
        | Statement::CreateUser { head, .. }
        | Statement::CreateSchema { head, .. }
        | Statement::CreateStage { head, .. }
        | Statement::CreateTag { head, .. }
        | Statement::CreateTable { head, .. }
        | Statement::CreateView { head, .. }
        | Statement::CreateDynamicTable { head, .. }
        | Statement::CreateTask { head, .. }
        | Statement::CreateModel { head, .. }
        | Statement::CreateDatabaseRole { head, .. } => !head.or_replace,
        Statement::Alter { action, .. } => !matches!(action, AlterAction::Rename(_)),
        Statement::CommentOn { .. }
        | Statement::Grant(_)
        | Statement::GrantRole { .. }
        | Statement::Insert { .. }
        | Statement::Update { .. }
        | Statement::Delete { .. }
        | Statement::Merge(_) => true,
        _ => false,
    }
}

fn dispatch(exec: &mut Exec, st: Statement) -> Result<Outcome, SqlError> {
    match st {
        Statement::CreateWarehouse { head, props } => account::create_warehouse(exec, head, props),
        Statement::CreateRole { head, props } => role::create_role(exec, head, props),
        Statement::CreateUser { head, props } => user::create_user(exec, head, props),
        Statement::CreateDatabase {
            head,
            transient,
            props,
        } => account::create_database(exec, head, transient, props),
        Statement::CreateSchema {
            head,
            transient,
            managed_access,
            props,
        } => schema::create_schema(exec, head, transient, managed_access, props),
        Statement::CreateStage { head, props } => stage_tag::create_stage(exec, head, props),
        Statement::CreateTag {
            head,
            allowed_values,
            props,
        } => stage_tag::create_tag(exec, head, allowed_values, props),
        Statement::CreateTable {
            head,
            transient,
            columns,
            declares_keys,
            cluster_by,
            props,
        } => table::create_table(
            exec,
            head,
            transient,
            columns,
            declares_keys,
            cluster_by,
            props,
        ),
        Statement::Describe { kind, name } => {
            describe::describe(exec, kind, &name).map(Outcome::unchanged)
        }
        Statement::CreateView {
            head,
            secure,
            columns,
            props,
            tags,
            query,
            text,
        } => view::create_view(
            exec,
            view::ViewDef {
                head,
                secure,
                columns,
                props,
                tags,
                query,
                text,
            },
        ),
        Statement::CreateDynamicTable {
            head,
            columns,
            props,
            tags,
            cluster_by,
            query,
            text,
            shown_head,
            shown_body,
        } => view::create_dynamic_table(
            exec,
            view::DynamicTableDef {
                head,
                columns,
                props,
                tags,
                cluster_by,
                query,
                text,
                shown_head,
                shown_body,
            },
        ),
        Statement::CreateTask {
            head,
            props,
            after,
            condition,
            body,
        } => task::create_task(exec, head, props, after, condition, body),
        Statement::CreateModel {
            head,
            version,
            source,
        } => model::create_model(exec, head, version, source),
        Statement::Alter {
            kind,
            if_exists,
            name,
            action,
        } => alter(exec, kind, if_exists, name, action),
        Statement::Drop {
            kind,
            if_exists,
            name,
        } => drop(exec, kind, if_exists, name),
        Statement::CommentOn {
            kind,
            if_exists,
            name,
            comment,
        } => {
            let prop = Prop {
                key: "COMMENT".into(),
                value: PropValue::Str(comment),
                offset: 0,
            };
            alter(exec, kind, if_exists, name, AlterAction::Set(vec![prop]))
        }
        Statement::Show(s) if s.what == ShowWhat::Procedures => {
            procedure::show(exec, &s).map(Outcome::unchanged)
        }
        Statement::Show(s) => show::run(exec, &s).map(Outcome::unchanged),
        Statement::Insert {
            table,
            columns,
            rows,
        } => table::insert(exec, table, columns, rows),
        Statement::Update {
            table,
            assignments,
            filter,
        } => table::update(exec, table, assignments, filter),
        Statement::Delete { table, filter } => table::delete(exec, table, filter),
        Statement::Select(s) => select::select(exec, s),
        Statement::Merge(m) => merge::merge(exec, *m),
        Statement::Grant(g) => grant::grant(exec, *g),
        Statement::GrantRole { revoke, role, to } => grant::grant_role(exec, revoke, role, to),
        Statement::CreateDatabaseRole { head, props } => {
            grant::create_database_role(exec, head, props)
        }
        Statement::DropDatabaseRole { if_exists, name } => {
            grant::drop_database_role(exec, if_exists, name)
        }
        Statement::ShowDatabaseRoles {
            database,
            like,
            limit,
        } => grant::show_database_roles(exec, &database, like.as_deref(), limit)
            .map(Outcome::unchanged),
        Statement::ShowGrants(g) => grant::show_grants(exec, &g).map(Outcome::unchanged),
        Statement::CreateProcedure(def) => procedure::create(exec, *def),
        Statement::DropProcedure {
            if_exists,
            name,
            types,
        } => procedure::drop(exec, if_exists, name, types),
        Statement::DescribeProcedure { name, types } => procedure::describe(exec, name, types),
        Statement::DescribeUser { name } => user::describe_user(exec, &name),
        Statement::Call { name, args } => procedure::call(exec, name, args),
    }
}

fn alter(
    exec: &mut Exec,
    kind: ObjectKind,
    if_exists: bool,
    name: Name,
    action: AlterAction,
) -> Result<Outcome, SqlError> {
    if matches!(action, AlterAction::SetTags(_) | AlterAction::UnsetTags(_)) {
        match kind {
            ObjectKind::Role => return Err(exec.unsupported("tags on roles")),
            ObjectKind::User => return Err(exec.unsupported("tags on users")),
            _ => {}
        }
    }
    if let AlterAction::SetTags(assigns) = &action {
        return tagging::set_tags(exec, kind, if_exists, &name, assigns);
    }
    if let AlterAction::UnsetTags(tags) = &action {
        return tagging::unset_tags(exec, kind, if_exists, &name, tags);
    }
    match kind {
        ObjectKind::Warehouse => account::alter_warehouse(exec, if_exists, name, action),
        ObjectKind::Database => account::alter_database(exec, if_exists, name, action),
        ObjectKind::Schema => schema::alter_schema(exec, if_exists, name, action),
        ObjectKind::Stage => stage_tag::alter_stage(exec, if_exists, name, action),
        ObjectKind::Tag => stage_tag::alter_tag(exec, if_exists, name, action),
        ObjectKind::Table => table::alter_table(exec, if_exists, name, action),
        ObjectKind::View => view::alter_view(exec, if_exists, name, action),
        ObjectKind::DynamicTable => view::alter_dynamic_table(exec, if_exists, name, action),
        ObjectKind::Task => task::alter_task(exec, if_exists, name, action),
        ObjectKind::Model => model::alter_model(exec, if_exists, name, action),
        ObjectKind::Role => role::alter_role(exec, if_exists, name, action),
        ObjectKind::User => user::alter_user(exec, if_exists, name, action),
    }
}

fn drop(
    exec: &mut Exec,
    kind: ObjectKind,
    if_exists: bool,
    name: Name,
) -> Result<Outcome, SqlError> {
    match kind {
        ObjectKind::Warehouse => account::drop_warehouse(exec, if_exists, name),
        ObjectKind::Database => account::drop_database(exec, if_exists, name),
        ObjectKind::Schema => schema::drop_schema(exec, if_exists, name),
        ObjectKind::Task => task::drop_task(exec, if_exists, name),
        ObjectKind::Role => role::drop_role(exec, if_exists, name),
        ObjectKind::User => user::drop_user(exec, if_exists, name),
        _ => drop_schema_object(exec, kind, if_exists, name),
    }
}

/// DROP for the schema objects whose removal has no side effects on others.
fn drop_schema_object(
    exec: &mut Exec,
    kind: ObjectKind,
    if_exists: bool,
    name: Name,
) -> Result<Outcome, SqlError> {
    let command = format!("DROP {}", kind.keyword());
    let fqn = exec.resolve_schema_object(&name, &command)?;
    let schema = match exec.schema_mut(&fqn.database, &fqn.schema) {
        Ok(s) => s,
        Err(_) if if_exists => return Ok(Outcome::unchanged(drop_missing(&fqn.name))),
        Err(e) => return Err(e),
    };
    let relation_kind = |k: ObjectKind| match k {
        ObjectKind::Table => Some(super::catalog::Relation::Table),
        ObjectKind::View => Some(super::catalog::Relation::View),
        ObjectKind::DynamicTable => Some(super::catalog::Relation::DynamicTable),
        _ => None,
    };
    if let Some(expected) = relation_kind(kind) {
        if let Some(found) = schema.relation(&fqn.name) {
            if found != expected {
                return Err(errors::wrong_kind(found.type_name(), expected.type_name()));
            }
        }
    }
    let removed = match kind {
        ObjectKind::Stage => schema.stages.remove(&fqn.name).is_some(),
        ObjectKind::Tag => schema.tags.remove(&fqn.name).is_some(),
        ObjectKind::Table => schema.tables.remove(&fqn.name).is_some(),
        ObjectKind::View => schema.views.remove(&fqn.name).is_some(),
        ObjectKind::DynamicTable => schema.dynamic_tables.remove(&fqn.name).is_some(),
        ObjectKind::Model => schema.models.remove(&fqn.name).is_some(),
        _ => false,
    };
    if !removed {
        return if if_exists {
            Ok(Outcome::unchanged(drop_missing(&fqn.name)))
        } else {
            Err(errors::does_not_exist(kind.noun(), &fqn.dotted()))
        };
    }
    if kind == ObjectKind::Tag {
        tagging::forget_tag(exec.catalog, &fqn);
    }
    Ok(Outcome::changed(dropped(&fqn.name)))
}

// Status texts of DDL results (CONFIRMED forms from Snowflake's output).

pub fn ok() -> ResultSet {
    ResultSet::status("Statement executed successfully.")
}

pub fn created(noun: &str, name: &str) -> ResultSet {
    ResultSet::status(format!("{noun} {name} successfully created."))
}

pub(crate) fn exists_skipped(name: &str) -> ResultSet {
    ResultSet::status(format!("{name} already exists, statement succeeded."))
}

pub(crate) fn dropped(name: &str) -> ResultSet {
    ResultSet::status(format!("{name} successfully dropped."))
}

pub(crate) fn drop_missing(name: &str) -> ResultSet {
    ResultSet::status(format!(
        "Drop statement executed successfully ({name} already dropped)."
    ))
}

impl<'a> Exec<'a> {
    /// The role that owns what the statement creates.
    pub fn owner(&self) -> String {
        if self.session.role.trim().is_empty() {
            "SYSADMIN".to_string()
        } else {
            self.session.role.clone()
        }
    }

    pub fn meta(&self, comment: Option<String>) -> Meta {
        Meta {
            created_on: self.now,
            owner: self.owner(),
            comment,
            tags: Default::default(),
        }
    }

    /// The current database: the request's `database`, compared case-sensitively as the
    /// SQL API compares it, when the account has it. A name that matches no database
    /// leaves the session without a current database (as drivers that do not validate
    /// their context behave); unqualified names then fail with "does not have a current
    /// database".
    pub(crate) fn session_database(&self) -> Option<&str> {
        self.session
            .database
            .as_deref()
            .filter(|d| !d.is_empty() && self.catalog.databases.contains_key(*d))
    }

    /// The current schema: the request's `schema` when the current database has it.
    pub(crate) fn session_schema(&self) -> Option<&str> {
        let db = self.catalog.databases.get(self.session_database()?)?;
        self.session
            .schema
            .as_deref()
            .filter(|s| !s.is_empty() && db.schemas.contains_key(*s))
    }

    /// The current warehouse: the request's `warehouse` (case-sensitive) when the account
    /// has it. Otherwise the session has none, and only statements that need none run.
    pub(crate) fn session_warehouse(&self) -> Option<&str> {
        self.session
            .warehouse
            .as_deref()
            .filter(|w| !w.is_empty() && self.catalog.warehouses.contains_key(*w))
    }

    /// Statements that read or write table data run on a warehouse: one must be current
    /// and running, or suspended with AUTO_RESUME. SHOW, DDL, constant SELECTs, SYSTEM$
    /// functions and CURRENT_*() need none (they are answered from metadata).
    pub(crate) fn require_warehouse(&self) -> Result<(), SqlError> {
        let usable = self
            .session_warehouse()
            .and_then(|w| self.catalog.warehouses.get(w))
            .is_some_and(|w| w.started || w.auto_resume);
        if usable {
            Ok(())
        } else {
            Err(errors::no_warehouse())
        }
    }

    /// `n`, `s.n` or `d.s.n` completed with the session's database and schema.
    pub(crate) fn resolve_schema_object(
        &self,
        name: &Name,
        command: &str,
    ) -> Result<Fqn, SqlError> {
        let (database, schema, name) = match name.as_slice() {
            [n] => {
                let d = self
                    .session_database()
                    .ok_or_else(|| errors::no_current_database(command))?;
                let s = self
                    .session_schema()
                    .ok_or_else(|| errors::no_current_schema(command))?;
                (d.to_string(), s.to_string(), n.clone())
            }
            [s, n] => {
                let d = self
                    .session_database()
                    .ok_or_else(|| errors::no_current_database(command))?;
                (d.to_string(), s.clone(), n.clone())
            }
            [d, s, n] => (d.clone(), s.clone(), n.clone()),
            _ => {
                // The parser refuses such names with Snowflake's syntax error first.
                return Err(errors::invalid_identifier(&name.join(".")));
            }
        };
        Ok(Fqn {
            database,
            schema,
            name,
        })
    }

    /// `s` or `d.s` completed with the session's database.
    pub(crate) fn resolve_schema(
        &self,
        name: &Name,
        command: &str,
    ) -> Result<(String, String), SqlError> {
        match name.as_slice() {
            [s] => {
                let d = self
                    .session_database()
                    .ok_or_else(|| errors::no_current_database(command))?;
                Ok((d.to_string(), s.clone()))
            }
            [d, s] => Ok((d.clone(), s.clone())),
            _ => Err(errors::syntax(
                1,
                0,
                &format!("unexpected '{}'.", name.join(".")),
            )),
        }
    }

    /// An account-level name (warehouse, database): exactly one part.
    pub(crate) fn account_name(&self, name: &Name) -> Result<String, SqlError> {
        match name.as_slice() {
            [n] => Ok(n.clone()),
            _ => Err(errors::syntax(
                1,
                0,
                &format!("unexpected '{}'.", name.join(".")),
            )),
        }
    }

    pub fn database(&self, db: &str) -> Result<&Database, SqlError> {
        self.catalog
            .databases
            .get(db)
            .ok_or_else(|| errors::does_not_exist("Database", db))
    }

    pub(crate) fn database_mut(&mut self, db: &str) -> Result<&mut Database, SqlError> {
        self.catalog
            .databases
            .get_mut(db)
            .ok_or_else(|| errors::does_not_exist("Database", db))
    }

    pub fn schema(&self, db: &str, schema: &str) -> Result<&Schema, SqlError> {
        self.database(db)?
            .schemas
            .get(schema)
            .ok_or_else(|| errors::does_not_exist("Schema", &format!("{db}.{schema}")))
    }

    pub(crate) fn schema_mut(&mut self, db: &str, schema: &str) -> Result<&mut Schema, SqlError> {
        self.database_mut(db)?
            .schemas
            .get_mut(schema)
            .ok_or_else(|| errors::does_not_exist("Schema", &format!("{db}.{schema}")))
    }

    /// The schema new objects go into; INFORMATION_SCHEMA is read-only.
    pub(crate) fn schema_for_create(
        &mut self,
        db: &str,
        schema: &str,
    ) -> Result<&mut Schema, SqlError> {
        if schema == INFORMATION_SCHEMA && self.catalog.databases.contains_key(db) {
            return Err(errors::insufficient_privileges(schema));
        }
        self.schema_mut(db, schema)
    }

    /// What expressions in this statement are evaluated with.
    pub fn env(&self) -> values::EvalContext<'_> {
        values::EvalContext {
            now: self.now,
            text: self.text,
        }
    }

    pub(crate) fn unsupported(&self, what: &str) -> SqlError {
        errors::unsupported(what, self.text)
    }
}

/// The new name of a renamed schema object: an unqualified name stays in the object's
/// schema, `s.n` in its database.
pub(crate) fn rename_target(from: &Fqn, to: &Name) -> Result<Fqn, SqlError> {
    Ok(match to.as_slice() {
        [n] => Fqn {
            database: from.database.clone(),
            schema: from.schema.clone(),
            name: n.clone(),
        },
        [s, n] => Fqn {
            database: from.database.clone(),
            schema: s.clone(),
            name: n.clone(),
        },
        [d, s, n] => Fqn {
            database: d.clone(),
            schema: s.clone(),
            name: n.clone(),
        },
        _ => return Err(errors::syntax(1, 0, "unexpected name in RENAME TO.")),
    })
}
