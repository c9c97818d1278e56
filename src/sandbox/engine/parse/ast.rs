//! The statements the engine understands, as the parser hands them to the executor.

/// A possibly qualified name: one to three canonical identifiers.
pub(crate) type Name = Vec<String>;

/// The kinds of object a statement can name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum ObjectKind {
    Warehouse,
    Database,
    Schema,
    Stage,
    Tag,
    Table,
    View,
    DynamicTable,
    Task,
    Model,
    Role,
    User,
}

impl ObjectKind {
    /// How Snowflake names the kind in messages ("Dynamic table 'X' does not exist").
    pub(crate) fn noun(self) -> &'static str {
        match self {
            ObjectKind::Warehouse => "Warehouse",
            ObjectKind::Database => "Database",
            ObjectKind::Schema => "Schema",
            ObjectKind::Stage => "Stage",
            ObjectKind::Tag => "Tag",
            ObjectKind::Table => "Table",
            ObjectKind::View => "View",
            ObjectKind::DynamicTable => "Dynamic table",
            ObjectKind::Task => "Task",
            ObjectKind::Model => "Model",
            ObjectKind::Role => "Role",
            ObjectKind::User => "User",
        }
    }

    /// The kind in upper case, as statements spell it (`DYNAMIC TABLE`).
    pub(crate) fn keyword(self) -> &'static str {
        match self {
            ObjectKind::Warehouse => "WAREHOUSE",
            ObjectKind::Database => "DATABASE",
            ObjectKind::Schema => "SCHEMA",
            ObjectKind::Stage => "STAGE",
            ObjectKind::Tag => "TAG",
            ObjectKind::Table => "TABLE",
            ObjectKind::View => "VIEW",
            ObjectKind::DynamicTable => "DYNAMIC TABLE",
            ObjectKind::Task => "TASK",
            ObjectKind::Model => "MODEL",
            ObjectKind::Role => "ROLE",
            ObjectKind::User => "USER",
        }
    }
}

/// `KEY = value` in a property list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Prop {
    pub key: String,
    pub value: PropValue,
    /// Byte offset of the key, for error positions.
    pub offset: usize,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum PropValue {
    Str(String),
    Num(String),
    /// An unquoted word as written: a keyword (`XSMALL`, `TRUE`) or a one-part name.
    Word(String),
    /// A quoted or qualified name, canonical.
    Name(Name),
    Null,
    /// `( KEY = value ... )`.
    List(Vec<Prop>),
}

/// `tag_name = 'value'` in a `TAG (...)` or `SET TAG` clause.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct TagAssign {
    pub tag: Name,
    pub value: String,
}

/// `CREATE [OR REPLACE] <kind> [IF NOT EXISTS] <name>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CreateHead {
    pub or_replace: bool,
    pub if_not_exists: bool,
    pub name: Name,
}

/// A stage location such as `@DB.S.STAGE/path`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct StageLocation {
    pub stage: Name,
    pub path: String,
    /// The location as written.
    pub text: String,
}

/// A column in a view's or dynamic table's column list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ListedColumn {
    pub name: String,
    pub comment: Option<String>,
}

/// A column of `CREATE TABLE`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ColumnDef {
    pub name: String,
    /// The type as written, upper-cased, e.g. `VARCHAR(50)`.
    pub data_type: String,
    pub not_null: bool,
    pub default: Option<Expr>,
    pub comment: Option<String>,
}

/// Whether a CREATE TABLE declared a PRIMARY KEY or UNIQUE constraint anywhere.
pub(crate) type DeclaresKeys = bool;

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Literal {
    Null,
    Bool(bool),
    Number(String),
    String(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Expr {
    Literal(Literal),
    Column(String),
    /// A qualified column reference (`s.col`, `db.sch.t.col`); only MERGE reads these.
    Ref(Name),
    /// A function call; `name` is upper-cased.
    Call {
        name: String,
        args: Vec<Expr>,
    },
    /// `$n`: the source's n-th column (from 1).
    Positional(usize),
    /// `expr :: type` or `CAST(expr AS type)`; `type_name` is upper-cased as written.
    Cast {
        expr: Box<Expr>,
        type_name: String,
    },
    /// `COUNT(*)`: the one aggregate of the whole row the sandbox computes (`query` in
    /// exec/select.rs); `COUNT(expr)` is an ordinary `Call`.
    CountStar,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// A WHERE condition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Cond {
    And(Box<Cond>, Box<Cond>),
    Or(Box<Cond>, Box<Cond>),
    Not(Box<Cond>),
    IsNull {
        expr: Expr,
        negated: bool,
    },
    Cmp {
        left: Expr,
        op: CmpOp,
        right: Expr,
    },
    In {
        expr: Expr,
        list: Vec<Expr>,
        negated: bool,
    },
    /// `<expr> [NOT] LIKE | ILIKE <pattern>`, without ESCAPE.
    Like {
        expr: Expr,
        pattern: Expr,
        /// ILIKE: letters match regardless of case.
        ignore_case: bool,
        negated: bool,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum SelectItem {
    Star,
    Expr {
        expr: Expr,
        alias: Option<String>,
        text: String,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct OrderKey {
    pub column: String,
    pub descending: bool,
}

/// A table function's name, positional arguments and named ones.
pub(crate) type TableCall = (Name, Vec<Expr>, Vec<(String, Expr)>);

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Select {
    pub items: Vec<SelectItem>,
    pub from: Option<Name>,
    /// `FROM TABLE(<function>(<args>))`: the function's name, its positional arguments and
    /// its named ones (`NAME => <expr>`, name upper-cased).
    pub from_function: Option<Box<TableCall>>,
    /// `FROM (<query>)`: a subquery's rows.
    pub from_query: Option<Box<Select>>,
    /// `FROM VALUES (...), (...)`: rows of expressions, columns `COLUMN1`...
    pub from_values: Option<Vec<Vec<Expr>>>,
    pub filter: Option<Cond>,
    pub order_by: Vec<OrderKey>,
    pub limit: Option<u64>,
    /// `UNION [ALL] <select>` branches after this one, in order (`true`: ALL).
    pub union: Vec<(bool, Select)>,
}

/// What `ALTER <kind> <name>` does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum AlterAction {
    Set(Vec<Prop>),
    Unset(Vec<String>),
    Rename(Name),
    Suspend,
    Resume {
        if_suspended: bool,
    },
    Refresh,
    SetTags(Vec<TagAssign>),
    UnsetTags(Vec<Name>),
    EnableManagedAccess,
    DisableManagedAccess,
    AddAllowedValues(Vec<String>),
    DropAllowedValues(Vec<String>),
    SetAllowedValues(Vec<String>),
    UnsetAllowedValues,
    ModifyAs(String),
    ModifyWhen(String),
    RemoveWhen,
    AddAfter(Vec<Name>),
    RemoveAfter(Vec<Name>),
    AddVersion {
        version: String,
        source: StageLocation,
    },
    DropVersion(String),
    VersionSetAlias {
        version: String,
        alias: String,
    },
    VersionUnsetAlias(String),
    /// `ALTER TABLE t ADD [COLUMN] <column definition>`.
    AddColumn(ColumnDef),
    /// `ALTER TABLE t DROP [COLUMN] a [, b ...]`.
    DropColumns(Vec<String>),
    /// `ALTER TABLE t RENAME COLUMN a TO b`.
    RenameColumn(String, String),
    /// `ALTER TABLE t { ALTER | MODIFY } [(] [COLUMN] c <change> [, ...] [)]`.
    AlterColumns(Vec<(String, ColumnChange)>),
    /// `ALTER TABLE t CLUSTER BY ( ... )`.
    ClusterBy(String),
    /// `ALTER TABLE t DROP CLUSTERING KEY`.
    DropClusteringKey,
    ModifyVersion {
        version: String,
        props: Vec<Prop>,
    },
}

/// One clause of ALTER TABLE ... ALTER COLUMN.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ColumnChange {
    /// `[SET DATA] TYPE <type>`, the type as written, upper-cased.
    SetType(String),
    SetNotNull,
    DropNotNull,
    Comment(String),
    UnsetComment,
    DropDefault,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ShowWhat {
    Warehouses,
    Databases,
    Schemas,
    Stages,
    Tags,
    Tables,
    Views,
    DynamicTables,
    Tasks,
    Models,
    Versions,
    Parameters,
    Roles,
    Columns,
    Procedures,
    Users,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ShowScope {
    Account,
    /// `IN DATABASE [d]`.
    Database(Option<String>),
    /// `IN SCHEMA [s]`, `IN [SCHEMA] d.s`.
    Schema(Option<Name>),
    /// `IN MODEL m`.
    Model(Name),
    /// `SHOW PARAMETERS IN <kind> <name>`.
    Object(ObjectKind, Name),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Show {
    pub what: ShowWhat,
    pub terse: bool,
    pub like: Option<String>,
    pub scope: Option<ShowScope>,
    pub starts_with: Option<String>,
    pub limit: Option<u64>,
    pub from: Option<String>,
    pub root_only: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Statement {
    CreateWarehouse {
        head: CreateHead,
        props: Vec<Prop>,
    },
    CreateDatabase {
        head: CreateHead,
        transient: bool,
        props: Vec<Prop>,
    },
    CreateRole {
        head: CreateHead,
        props: Vec<Prop>,
    },
    CreateUser {
        head: CreateHead,
        props: Vec<Prop>,
    },
    CreateSchema {
        head: CreateHead,
        transient: bool,
        managed_access: bool,
        props: Vec<Prop>,
    },
    CreateStage {
        head: CreateHead,
        props: Vec<Prop>,
    },
    CreateTag {
        head: CreateHead,
        allowed_values: Option<Vec<String>>,
        props: Vec<Prop>,
    },
    CreateTable {
        head: CreateHead,
        transient: bool,
        columns: Vec<ColumnDef>,
        declares_keys: DeclaresKeys,
        /// `CLUSTER BY ( ... )`: the text inside the parentheses.
        cluster_by: Option<String>,
        props: Vec<Prop>,
    },
    CreateView {
        head: CreateHead,
        secure: bool,
        columns: Vec<ListedColumn>,
        props: Vec<Prop>,
        tags: Vec<TagAssign>,
        query: String,
        text: String,
    },
    CreateDynamicTable {
        head: CreateHead,
        columns: Vec<ListedColumn>,
        props: Vec<Prop>,
        tags: Vec<TagAssign>,
        cluster_by: Option<String>,
        query: String,
        text: String,
        /// The parts SHOW DYNAMIC TABLES re-prints as written: the head through the name,
        /// the column list, CLUSTER BY, COMMENT and TAG clauses (joined by spaces), and
        /// `AS <query>`.
        shown_head: String,
        shown_body: String,
    },
    CreateTask {
        head: CreateHead,
        props: Vec<Prop>,
        after: Vec<Name>,
        condition: Option<String>,
        body: String,
    },
    CreateModel {
        head: CreateHead,
        version: String,
        source: StageLocation,
    },
    Alter {
        kind: ObjectKind,
        if_exists: bool,
        name: Name,
        action: AlterAction,
    },
    Drop {
        kind: ObjectKind,
        if_exists: bool,
        name: Name,
    },
    CommentOn {
        kind: ObjectKind,
        if_exists: bool,
        name: Name,
        comment: String,
    },
    Show(Show),
    /// `DESC[RIBE] TABLE | VIEW | DYNAMIC TABLE <name>`.
    Describe {
        kind: ObjectKind,
        name: Name,
    },
    Insert {
        table: Name,
        columns: Option<Vec<String>>,
        rows: Vec<Vec<Expr>>,
    },
    Update {
        table: Name,
        assignments: Vec<(String, Expr)>,
        filter: Option<Cond>,
    },
    Delete {
        table: Name,
        filter: Option<Cond>,
    },
    Select(Select),
    /// Boxed: a MERGE holds a whole SELECT and more (clippy large_enum_variant).
    Merge(Box<Merge>),
    /// `GRANT | REVOKE <privileges> ON ... TO | FROM ...`, GRANT OWNERSHIP included.
    Grant(Box<GrantPrivileges>),
    /// `GRANT | REVOKE [DATABASE] ROLE r TO | FROM ROLE | DATABASE ROLE | USER g`.
    GrantRole {
        revoke: bool,
        role: GranteeName,
        to: GranteeName,
    },
    /// `CREATE [OR REPLACE] DATABASE ROLE [IF NOT EXISTS] d.r [COMMENT = '...']`.
    CreateDatabaseRole {
        head: CreateHead,
        props: Vec<Prop>,
    },
    DropDatabaseRole {
        if_exists: bool,
        name: Name,
    },
    /// `SHOW DATABASE ROLES IN DATABASE d [LIKE] [LIMIT]`: kept in `Show` with the database.
    ShowDatabaseRoles {
        database: String,
        like: Option<String>,
        limit: Option<u64>,
    },
    ShowGrants(ShowGrants),
    /// Boxed: a procedure's definition holds its body and clauses.
    CreateProcedure(Box<ProcedureDef>),
    /// `DROP PROCEDURE [IF EXISTS] name(types)`.
    DropProcedure {
        if_exists: bool,
        name: Name,
        types: Vec<String>,
    },
    /// `DESC[RIBE] USER name`.
    DescribeUser {
        name: Name,
    },
    /// `DESC[RIBE] PROCEDURE name(types)`.
    DescribeProcedure {
        name: Name,
        types: Vec<String>,
    },
    /// `CALL name(args)`: `args` as written.
    Call {
        name: Name,
        args: String,
    },
}

/// `CREATE PROCEDURE`: arguments (name, type as written), return type, language and the
/// clauses the sandbox keeps.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ProcedureDef {
    pub head: CreateHead,
    pub secure: bool,
    pub args: Vec<(String, String)>,
    pub copy_grants: bool,
    pub returns: String,
    pub returns_not_null: bool,
    pub language: String,
    pub runtime_version: Option<String>,
    pub packages: Vec<String>,
    pub imports: Vec<String>,
    pub handler: Option<String>,
    pub comment: Option<String>,
    pub execute_as: String,
    pub body: Option<String>,
}

/// The kinds GRANT names after ON (singular) or ON ALL / ON FUTURE (plural).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum GrantKind {
    Account,
    Warehouse,
    Database,
    Schema,
    Table,
    View,
    DynamicTable,
    Stage,
    Task,
    Model,
    Tag,
    Role,
    DatabaseRole,
    User,
}

/// What follows ON.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum GrantTarget {
    Account,
    Object(GrantKind, Name),
    /// `ALL <plural> IN SCHEMA s | IN DATABASE d`: `in_schema` tells which.
    All {
        kind: GrantKind,
        in_schema: bool,
        container: Name,
    },
    Future {
        kind: GrantKind,
        in_schema: bool,
        container: Name,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Privileges {
    All,
    /// Upper-cased, words joined by one space (`CREATE DYNAMIC TABLE`), with the offset of
    /// each for error positions.
    List(Vec<(String, usize)>),
    Ownership,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum GranteeKind {
    Role,
    DatabaseRole,
    User,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct GranteeName {
    pub kind: GranteeKind,
    pub name: Name,
}

/// `COPY | REVOKE CURRENT GRANTS` of GRANT OWNERSHIP.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CurrentGrants {
    Copy,
    Revoke,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct GrantPrivileges {
    pub revoke: bool,
    pub privileges: Privileges,
    pub on: GrantTarget,
    pub to: GranteeName,
    pub grant_option: bool,
    pub current_grants: Option<CurrentGrants>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ShowGrants {
    To(GranteeName),
    Of(GranteeName),
    /// None: `ON ACCOUNT`.
    On(Option<(GrantKind, Name)>),
    FutureIn {
        in_schema: bool,
        container: Name,
    },
    /// `SHOW FUTURE GRANTS TO ROLE r | DATABASE ROLE d.r`.
    FutureTo(GranteeName),
}

/// `MERGE INTO target [[AS] t] USING (SELECT ...) [AS] s ON cond
/// WHEN NOT MATCHED THEN INSERT [(cols)] VALUES (...)`: the one form the sandbox runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Merge {
    pub target: Name,
    pub target_alias: Option<String>,
    /// The source query: a SELECT of expressions without FROM (one row).
    pub source: Select,
    pub source_alias: String,
    pub on: Cond,
    /// `WHEN NOT MATCHED THEN INSERT [(columns)] VALUES (...)`, when present.
    pub insert: Option<MergeInsert>,
    /// `WHEN MATCHED THEN UPDATE SET col = expr, ...`, when present.
    pub update: Option<Vec<(String, Expr)>>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct MergeInsert {
    pub columns: Option<Vec<String>>,
    pub values: Vec<Expr>,
}
