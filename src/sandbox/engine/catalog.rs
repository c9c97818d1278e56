//! The account's catalog: every object the sandbox keeps, as plain serialisable data.
//! Maps are BTreeMaps keyed by canonical name, so iteration order is the lexicographic
//! order SHOW prints and the saved file is byte-for-byte reproducible.

use super::clock::Nanos;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What every object carries.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Meta {
    pub created_on: Nanos,
    pub owner: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Tag values set on the object, keyed by the tag's quoted FQN (`"DB"."S"."T"`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Catalog {
    #[serde(default)]
    pub warehouses: BTreeMap<String, Warehouse>,
    #[serde(default)]
    pub databases: BTreeMap<String, Database>,
    /// Account roles created here; the system-defined ones are implied (`SYSTEM_ROLES`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub roles: BTreeMap<String, AccountRole>,
    /// Users created here (the embedded account creates its connecting user).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub users: BTreeMap<String, User>,
    /// Privileges, future grants and role grants (ownership is each object's `Meta::owner`).
    #[serde(default, skip_serializing_if = "Grants::is_empty")]
    pub grants: Grants,
    /// A counter for ids (task ids, warehouse uuids) and creation order.
    #[serde(default)]
    pub sequence: u64,
}

impl Catalog {
    pub(crate) fn next_sequence(&mut self) -> u64 {
        self.sequence += 1;
        self.sequence
    }
}

/// The roles every account has (SHOW ROLES lists them; they cannot be created, changed or
/// dropped here).
pub(crate) const SYSTEM_ROLES: &[&str] = &[
    "ACCOUNTADMIN",
    "ORGADMIN",
    "PUBLIC",
    "SECURITYADMIN",
    "SYSADMIN",
    "USERADMIN",
];

/// An account or database role: a name, an owner and a comment. Its grants are in
/// [`Grants`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountRole {
    pub meta: Meta,
}

/// A user: the properties an infrastructure definition sets (no password, names or MFA).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub meta: Meta,
    /// Upper case, as Snowflake keeps login names.
    pub login_name: String,
    pub display_name: Option<String>,
    /// `PERSON`, `SERVICE` or `LEGACY_SERVICE`; None when never set (SHOW prints NULL).
    pub user_type: Option<String>,
    pub disabled: bool,
    pub default_warehouse: Option<String>,
    pub default_namespace: Option<String>,
    pub default_role: Option<String>,
    pub rsa_public_key: Option<String>,
    pub rsa_public_key_2: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Warehouse {
    pub meta: Meta,
    pub started: bool,
    /// `STANDARD` or `SNOWPARK-OPTIMIZED`.
    pub warehouse_type: String,
    /// A canonical size keyword (`XSMALL`, `XXLARGE`, ...).
    pub size: String,
    pub min_cluster_count: i64,
    pub max_cluster_count: i64,
    pub scaling_policy: String,
    pub auto_suspend: Option<i64>,
    pub auto_resume: bool,
    pub enable_query_acceleration: bool,
    pub query_acceleration_max_scale_factor: i64,
    pub resource_monitor: Option<String>,
    pub resource_constraint: Option<String>,
    pub generation: Option<String>,
    pub uuid: String,
    pub resumed_on: Nanos,
    pub updated_on: Nanos,
    /// Parameters set on the warehouse (`STATEMENT_TIMEOUT_IN_SECONDS`, ...).
    #[serde(default)]
    pub params: BTreeMap<String, String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Database {
    pub meta: Meta,
    pub transient: bool,
    /// Parameters set on the database (`DATA_RETENTION_TIME_IN_DAYS`, ...).
    #[serde(default)]
    pub params: BTreeMap<String, String>,
    /// The schemas other than INFORMATION_SCHEMA, which is implied.
    #[serde(default)]
    pub schemas: BTreeMap<String, Schema>,
    /// Database roles, by name (dropped with the database).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub database_roles: BTreeMap<String, AccountRole>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schema {
    pub meta: Meta,
    pub transient: bool,
    pub managed_access: bool,
    #[serde(default)]
    pub params: BTreeMap<String, String>,
    #[serde(default)]
    pub stages: BTreeMap<String, Stage>,
    #[serde(default)]
    pub tags: BTreeMap<String, Tag>,
    #[serde(default)]
    pub tables: BTreeMap<String, Table>,
    #[serde(default)]
    pub views: BTreeMap<String, View>,
    #[serde(default)]
    pub dynamic_tables: BTreeMap<String, DynamicTable>,
    #[serde(default)]
    pub tasks: BTreeMap<String, Task>,
    #[serde(default)]
    pub models: BTreeMap<String, Model>,
    /// Stored procedures, by name and argument types (`NAME(NUMBER,VARCHAR)`): overloads
    /// are distinct procedures.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub procedures: BTreeMap<String, Procedure>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Procedure {
    pub meta: Meta,
    pub name: String,
    pub secure: bool,
    /// Argument names and canonical types.
    pub args: Vec<(String, String)>,
    pub returns: String,
    pub returns_not_null: bool,
    pub language: String,
    pub runtime_version: Option<String>,
    pub packages: Vec<String>,
    pub imports: Vec<String>,
    pub handler: Option<String>,
    pub execute_as: String,
    pub body: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Stage {
    pub meta: Meta,
    pub url: Option<String>,
    pub storage_integration: Option<String>,
    /// `SNOWFLAKE_FULL` or `SNOWFLAKE_SSE` (internal stages).
    pub encryption: Option<String>,
    pub directory_enabled: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Tag {
    pub meta: Meta,
    /// None: any value is allowed. Some(empty): no value is.
    pub allowed_values: Option<Vec<String>>,
}

/// The storage class of a table column, which decides how values compare and print.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum ColumnType {
    Text,
    Fixed,
    Real,
    Boolean,
    Date,
    TimestampNtz,
    TimestampLtz,
    TimestampTz,
    Variant,
}

impl ColumnType {
    /// The type name in `rowType`.
    pub(crate) fn row_type(self) -> &'static str {
        match self {
            ColumnType::Text => "text",
            ColumnType::Fixed => "fixed",
            ColumnType::Real => "real",
            ColumnType::Boolean => "boolean",
            ColumnType::Date => "date",
            ColumnType::TimestampNtz => "timestamp_ntz",
            ColumnType::TimestampLtz => "timestamp_ltz",
            ColumnType::TimestampTz => "timestamp_tz",
            ColumnType::Variant => "variant",
        }
    }
}

/// A column default: a literal value or the statement's time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum ColumnDefault {
    Value(Option<String>),
    CurrentTimestamp,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct TableColumn {
    pub name: String,
    pub data_type: String,
    pub column_type: ColumnType,
    pub not_null: bool,
    pub default: Option<ColumnDefault>,
    pub comment: Option<String>,
    /// Added by ALTER TABLE ... ADD COLUMN with a default, which then cannot be dropped.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub added_with_default: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Table {
    pub meta: Meta,
    pub transient: bool,
    pub columns: Vec<TableColumn>,
    /// Values in their result form (see `exec::table`), None for NULL.
    pub rows: Vec<Vec<Option<String>>>,
    /// Whether CREATE TABLE declared PRIMARY KEY or UNIQUE (which DESCRIBE shows); None in
    /// accounts saved before it was kept.
    #[serde(default)]
    pub declares_keys: Option<bool>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub change_tracking: bool,
    /// The clustering key as written inside `CLUSTER BY ( ... )`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_by: Option<String>,
    /// DATA_RETENTION_TIME_IN_DAYS set on the table; None inherits the schema's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention_days: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct View {
    pub meta: Meta,
    pub secure: bool,
    /// The CREATE statement as submitted.
    pub text: String,
    pub query: String,
    /// Its columns (DESCRIBE rows) as derived when it was created: Snowflake saves a view's
    /// column structure then, so later changes to its sources do not change it. None when
    /// they could not be derived (DESCRIBE and SHOW COLUMNS derive them again, or refuse).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub saved_columns: Option<Vec<Vec<Option<String>>>>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct DynamicTable {
    pub meta: Meta,
    /// The CREATE statement as submitted.
    pub text: String,
    /// What SHOW re-prints as written; None in accounts saved before it was kept.
    #[serde(default)]
    pub shown: Option<ShownText>,
    pub query: String,
    /// `5 minutes` or `DOWNSTREAM`.
    pub target_lag: String,
    pub warehouse: String,
    /// As declared: `AUTO`, `FULL` or `INCREMENTAL`.
    pub refresh_mode: String,
    pub initialize: String,
    pub cluster_by: Option<String>,
    pub suspended: bool,
    pub last_suspended_on: Option<Nanos>,
    pub data_timestamp: Option<Nanos>,
    /// As a view's `saved_columns`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub saved_columns: Option<Vec<Vec<Option<String>>>>,
}

/// The parts of a dynamic table's CREATE that SHOW DYNAMIC TABLES re-prints as written.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ShownText {
    /// `CREATE ... DYNAMIC TABLE <name>` and the column list, CLUSTER BY, COMMENT and TAG
    /// clauses as written, joined by single spaces.
    pub head: String,
    /// `AS <query>` as written.
    pub body: String,
}

impl DynamicTable {
    /// The `text` column of SHOW DYNAMIC TABLES. Snowflake does not keep the statement as
    /// submitted: it re-prints the head, column list, CLUSTER BY and COMMENT as written, then
    /// the current options as `lag = '<lag>' refresh_mode = '<mode>' initialize = '<init>'
    /// warehouse = <wh>`, then `AS <query>` as written; a later ALTER of the lag shows, a
    /// later comment does not. The place of a TAG clause (after COMMENT here) is
    /// UNCONFIRMED, as is dropping COPY GRANTS.
    pub(crate) fn shown_text(&self) -> String {
        let Some(shown) = &self.shown else {
            return self.text.clone();
        };
        format!(
            "{} lag = '{}' refresh_mode = '{}' initialize = '{}' warehouse = {} {}",
            shown.head,
            self.target_lag,
            self.refresh_mode,
            self.initialize,
            crate::sql::quote_ident(&self.warehouse),
            shown.body
        )
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Task {
    pub meta: Meta,
    pub id: String,
    pub warehouse: Option<String>,
    pub schedule: Option<String>,
    pub config: Option<String>,
    pub error_integration: Option<String>,
    /// Names of predecessor tasks, all in this task's schema.
    pub predecessors: Vec<String>,
    pub definition: String,
    pub condition: Option<String>,
    pub started: bool,
    pub last_committed_on: Option<Nanos>,
    pub last_suspended_on: Option<Nanos>,
    pub last_suspended_reason: Option<String>,
    /// Parameters set on the task (`USER_TASK_TIMEOUT_MS`, `OVERLAP_POLICY`, ...).
    #[serde(default)]
    pub params: BTreeMap<String, String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelVersion {
    pub created_on: Nanos,
    pub last_altered: Nanos,
    /// Creation order, which decides FIRST and LAST when timestamps tie.
    pub sequence: u64,
    /// The stage location the version was created from.
    pub source: String,
    pub alias: Option<String>,
    pub comment: Option<String>,
    /// A JSON object; `{}` when none was set.
    pub metadata: serde_json::Value,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Model {
    pub meta: Meta,
    pub last_altered: Nanos,
    pub default_version: String,
    pub versions: BTreeMap<String, ModelVersion>,
}

/// The objects of a schema that share one namespace: tables, views and dynamic tables.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Relation {
    Table,
    View,
    DynamicTable,
}

impl Relation {
    /// As Snowflake names the type in "Object found is of type ..." messages.
    pub fn type_name(self) -> &'static str {
        match self {
            Relation::Table => "TABLE",
            Relation::View => "VIEW",
            Relation::DynamicTable => "DYNAMIC_TABLE",
        }
    }
}

impl Schema {
    /// Which relation, if any, holds `name`.
    pub(crate) fn relation(&self, name: &str) -> Option<Relation> {
        if self.tables.contains_key(name) {
            Some(Relation::Table)
        } else if self.views.contains_key(name) {
            Some(Relation::View)
        } else if self.dynamic_tables.contains_key(name) {
            Some(Relation::DynamicTable)
        } else {
            None
        }
    }

    /// Every object's metadata, for tag bookkeeping.
    pub(crate) fn metas_mut(&mut self) -> impl Iterator<Item = &mut Meta> {
        self.stages
            .values_mut()
            .map(|o| &mut o.meta)
            .chain(self.tags.values_mut().map(|o| &mut o.meta))
            .chain(self.tables.values_mut().map(|o| &mut o.meta))
            .chain(self.views.values_mut().map(|o| &mut o.meta))
            .chain(self.dynamic_tables.values_mut().map(|o| &mut o.meta))
            .chain(self.tasks.values_mut().map(|o| &mut o.meta))
            .chain(self.models.values_mut().map(|o| &mut o.meta))
    }
}

/// The key of a tag in `Meta::tags`.
pub(crate) fn tag_key(database: &str, schema: &str, tag: &str) -> String {
    super::format::quoted_fqn(&[database, schema, tag])
}

/// What a privilege is granted on: the kind as SHOW GRANTS prints it in `granted_on`
/// (`ACCOUNT`, `DYNAMIC_TABLE`, `MODULE`, ...) and the canonical name parts (none for the
/// account, `[db, role]` for a database role).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub(crate) struct Securable {
    pub kind: String,
    pub name: Vec<String>,
}

/// Who holds a grant: `ROLE`, `DATABASE_ROLE` (name `[db, role]`) or `USER`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub(crate) struct Grantee {
    pub kind: String,
    pub name: Vec<String>,
}

/// One privilege on one object to one grantee.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrivilegeGrant {
    pub created_on: Nanos,
    pub privilege: String,
    pub on: Securable,
    pub to: Grantee,
    pub grant_option: bool,
    /// The granting role (empty for grants the system made).
    pub granted_by: String,
}

/// A future grant: `privilege` on every `kind` object created later in `container`
/// (`[db]` or `[db, schema]`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FutureGrant {
    pub created_on: Nanos,
    pub privilege: String,
    /// The object kind as `grant_on` prints it (`TABLE`, `DYNAMIC_TABLE`, `SCHEMA`, ...).
    pub kind: String,
    pub container: Vec<String>,
    pub to: Grantee,
    pub grant_option: bool,
}

/// A role (`ROLE` or `DATABASE_ROLE`) granted to a role, database role or user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleGrant {
    pub created_on: Nanos,
    pub role: Grantee,
    pub to: Grantee,
    pub granted_by: String,
}

/// Every grant of the account, each list in the order the grants were made.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grants {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub privileges: Vec<PrivilegeGrant>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub future: Vec<FutureGrant>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<RoleGrant>,
}

impl Grants {
    pub fn is_empty(&self) -> bool {
        self.privileges.is_empty() && self.future.is_empty() && self.roles.is_empty()
    }
}
