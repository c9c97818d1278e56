//! The errors the engine returns, with Snowflake's codes and message texts. Texts marked
//! CONFIRMED were seen in Snowflake output (driver logs, docs, issue threads); the others
//! are the sandbox's best rendering and are listed in docs/sandbox.md.

use super::super::SqlError;

/// Snowflake prefixes compile-time errors with this line; the detail follows on the next.
const COMPILATION: &str = "SQL compilation error:\n";

/// The statement, clause or value is outside what the sandbox emulates.
pub(crate) fn unsupported(what: &str, sql: &str) -> SqlError {
    let mut shown: String = sql.chars().take(120).collect();
    if shown.len() < sql.len() {
        shown.push_str("...");
    }
    SqlError::new(
        "000002",
        "0A000",
        format!("Unsupported feature '{what}': the snowform sandbox does not support this statement: {shown}"),
    )
}

/// CONFIRMED shape: `syntax error line 1 at position 7 unexpected 'foo'.`
/// A statement that needs a warehouse in a session without a usable one. The SQL API
/// answers `391920` / `57P03` with this text (reported from SQL API responses; it names
/// DEFAULT_NAMESPACE where DEFAULT_WAREHOUSE is meant, as Snowflake's text does). The
/// drivers' sessions answer `000606` "No active warehouse selected in the current
/// session." instead. UNCONFIRMED in Snowflake's documentation.
pub(crate) fn no_warehouse() -> SqlError {
    SqlError::new(
        "391920",
        "57P03",
        "Unable to run the command. You must specify the warehouse to use by either setting \
         the warehouse field in the body of the request or by setting the DEFAULT_NAMESPACE \
         property for the current user.",
    )
}

pub(crate) fn syntax(line: usize, position: usize, detail: &str) -> SqlError {
    SqlError::new(
        "001003",
        "42000",
        format!("{COMPILATION}syntax error line {line} at position {position} {detail}"),
    )
}

/// CONFIRMED: `002002 (42710): SQL compilation error:\nObject 'MYTABLE' already exists.`
pub(crate) fn already_exists(name: &str) -> SqlError {
    SqlError::new(
        "002002",
        "42710",
        format!("{COMPILATION}Object '{name}' already exists."),
    )
}

/// CONFIRMED shape (Database, Schema, Stage, Object, Warehouse, Function, Compute pool seen):
/// `002003 (02000): SQL compilation error:\n<Kind> '<name>' does not exist or not authorized.`
pub(crate) fn does_not_exist(kind_noun: &str, name: &str) -> SqlError {
    SqlError::new(
        "002003",
        "02000",
        format!("{COMPILATION}{kind_noun} '{name}' does not exist or not authorized."),
    )
}

/// CALL of a procedure that does not exist. UNCONFIRMED: the code and text are the
/// sandbox's rendering of Snowflake's unknown-function compilation error.
pub(crate) fn unknown_procedure(name: &str) -> SqlError {
    SqlError::new(
        "002140",
        "42601",
        format!("{COMPILATION}Unknown function {name}"),
    )
}

/// A table referenced by a query or DML that is missing. CONFIRMED (dbt logs):
/// `002003 (42S02): SQL compilation error:\nObject 'DB.S.T' does not exist or not authorized.`
pub(crate) fn object_not_found(name: &str) -> SqlError {
    SqlError::new(
        "002003",
        "42S02",
        format!("{COMPILATION}Object '{name}' does not exist or not authorized."),
    )
}

/// A name of one kind used with a statement for another, e.g. `DROP TABLE` on a view.
/// UNCONFIRMED code; the text follows Snowflake's "Object found is of type ..." message.
pub(crate) fn wrong_kind(found: &str, expected: &str) -> SqlError {
    SqlError::new(
        "002203",
        "02000",
        format!("{COMPILATION}Object found is of type '{found}', not specified type '{expected}'."),
    )
}

/// CONFIRMED (connector tests): no current database for an unqualified name.
pub(crate) fn no_current_database(command: &str) -> SqlError {
    SqlError::new(
        "090105",
        "22000",
        format!("Cannot perform {command}. This session does not have a current database. Call 'USE DATABASE', or use a qualified name."),
    )
}

/// CONFIRMED (connector tests): no current schema for an unqualified name.
pub(crate) fn no_current_schema(command: &str) -> SqlError {
    SqlError::new(
        "090106",
        "22000",
        format!("Cannot perform {command}. This session does not have a current schema. Call 'USE SCHEMA', or use a qualified name."),
    )
}

/// CONFIRMED (driver logs, JDBC and Python issues).
pub(crate) fn show_too_many_rows() -> SqlError {
    SqlError::new(
        "090153",
        "22000",
        "The result set size exceeded the max number of rows(10000) supported for SHOW statements. Use LIMIT option to limit result set to a smaller number.",
    )
}

/// UNCONFIRMED text: Snowflake rejects `LIMIT` above 10000 on SHOW; the wording is ours.
pub(crate) fn show_limit_too_large(limit: u64) -> SqlError {
    SqlError::new(
        "090153",
        "22000",
        format!("The LIMIT {limit} exceeds the max number of rows(10000) supported for SHOW statements. Use a LIMIT of at most 10000 and page with FROM."),
    )
}

/// CONFIRMED (code 091421, sqlState 22000, seen in several deploy logs).
pub(crate) fn root_task_not_suspended(root: &str) -> SqlError {
    SqlError::new(
        "091421",
        "22000",
        format!(
            "Unable to update graph with root task {root} since that root task is not suspended."
        ),
    )
}

/// A rule of task graphs other than the suspended root (schedule on a child, predecessor
/// in another schema, too many predecessors, cycles). UNCONFIRMED code and texts.
pub(crate) fn task_rule(message: impl Into<String>) -> SqlError {
    SqlError::new("091422", "22000", message.into())
}

/// A graph parameter set on a task with predecessors. The text is CONFIRMED for
/// ALLOW_OVERLAPPING_EXECUTION (terraform-provider-snowflake, pkg/sdk/testint/
/// tasks_gen_integration_test.go: "Cannot set allow_overlapping_execution on non-root
/// task"); the same wording for the other root-only parameters and the code are UNCONFIRMED.
pub(crate) fn non_root_parameter(key: &str) -> SqlError {
    SqlError::new(
        "091422",
        "22000",
        format!("Cannot set {} on non-root task", key.to_ascii_lowercase()),
    )
}

/// An operation the object's state forbids (dropping a model's default version, a reserved
/// alias, suspending a suspended warehouse). UNCONFIRMED code; texts follow the docs' wording.
pub(crate) fn invalid_state(message: impl Into<String>) -> SqlError {
    SqlError::new("090064", "22000", message.into())
}

/// A property value Snowflake would refuse (unknown warehouse size, bad JSON). UNCONFIRMED
/// code; the text names the property and the value.
pub(crate) fn invalid_value(property: &str, value: &str) -> SqlError {
    SqlError::new(
        "002029",
        "22023",
        format!("{COMPILATION}invalid value [{value}] for parameter '{property}'"),
    )
}

/// A tag value outside the tag's ALLOWED_VALUES. UNCONFIRMED code and text.
pub(crate) fn tag_value_not_allowed(value: &str, tag: &str) -> SqlError {
    SqlError::new(
        "002029",
        "22023",
        format!("{COMPILATION}Tag value '{value}' is not allowed for tag '{tag}'."),
    )
}

/// A tag value (or allowed value) longer than 256 characters. The limit is Snowflake's
/// (documented); the code and text are the sandbox's own.
pub(crate) fn tag_value_too_long(chars: usize, tag: &str) -> SqlError {
    SqlError::new(
        "002029",
        "22023",
        format!("{COMPILATION}Tag value for tag '{tag}' is {chars} characters long; the maximum is 256."),
    )
}

/// A column named in DML or a query that the table does not have. CONFIRMED shape.
pub(crate) fn invalid_identifier(name: &str) -> SqlError {
    SqlError::new(
        "000904",
        "42000",
        format!("{COMPILATION}error line 1 at position 0\ninvalid identifier '{name}'"),
    )
}

/// A column name both sides of a MERGE have, written without a qualifier. UNCONFIRMED code.
pub(crate) fn ambiguous_column(name: &str) -> SqlError {
    SqlError::new(
        "002028",
        "42601",
        format!("{COMPILATION}ambiguous column name '{name}'"),
    )
}

/// CONFIRMED text (Snowflake's message for a NOT NULL violation).
pub(crate) fn null_in_not_null() -> SqlError {
    SqlError::new("100072", "22000", "NULL result in a non-nullable column")
}

/// CONFIRMED shape: `Insert value list does not match column list expecting 3 but got 2`.
pub(crate) fn insert_arity(expected: usize, got: usize) -> SqlError {
    SqlError::new("002020", "21S01", format!("{COMPILATION}Insert value list does not match column list expecting {expected} but got {got}"))
}

/// CONFIRMED shape: `Numeric value 'abc' is not recognized`.
pub(crate) fn not_numeric(value: &str) -> SqlError {
    SqlError::new(
        "100038",
        "22018",
        format!("Numeric value '{value}' is not recognized"),
    )
}

/// CONFIRMED shape (PARSE_JSON reference page): `Error parsing JSON: <what>`. The detail
/// after the colon is the sandbox's JSON parser's, not Snowflake's.
pub(crate) fn json_parse(detail: &str) -> SqlError {
    SqlError::new("100069", "22P02", format!("Error parsing JSON: {detail}"))
}

/// UNION branches with different numbers of columns. UNCONFIRMED code and text (as
/// reported from Snowflake answers, not from its documentation).
pub(crate) fn set_operator_columns(expected: usize, got: usize, branch: usize) -> SqlError {
    SqlError::new(
        "001789",
        "42601",
        format!("{COMPILATION}invalid number of result columns for set operator input branches, expected {expected}, got {got} in branch {branch}"),
    )
}

/// CONFIRMED shape: `Timestamp 'x' is not recognized`.
pub(crate) fn not_timestamp(value: &str) -> SqlError {
    SqlError::new(
        "100035",
        "22007",
        format!("Timestamp '{value}' is not recognized"),
    )
}

/// CONFIRMED shape: `Boolean value 'x' is not recognized`.
pub(crate) fn not_boolean(value: &str) -> SqlError {
    SqlError::new(
        "100037",
        "22018",
        format!("Boolean value '{value}' is not recognized"),
    )
}

/// Creating objects in a database's INFORMATION_SCHEMA. CONFIRMED shape of 003001.
pub(crate) fn insufficient_privileges(schema: &str) -> SqlError {
    SqlError::new(
        "003001",
        "42501",
        format!("{COMPILATION}Insufficient privileges to operate on schema '{schema}'"),
    )
}

/// CONFIRMED (SQL API docs): more than one statement where one was expected.
pub(crate) fn statement_count(actual: usize) -> SqlError {
    SqlError::new(
        "000008",
        "0A000",
        format!("Actual statement count {actual} did not match the desired statement count 1."),
    )
}

/// A failure writing the account file: the statement ran but could not be kept.
pub(crate) fn persistence(detail: &str) -> SqlError {
    SqlError::new(
        "000603",
        "XX000",
        format!("SQL execution internal error: the sandbox could not save the account: {detail}"),
    )
}

/// `RESULT_SCAN` of a query id this user has no remembered result for (unknown, another
/// user's, or older than the sandbox remembers). UNCONFIRMED: the sandbox's own rendering
/// of Snowflake's "statement not found" answer, listed in docs/sandbox.md.
pub(crate) fn result_not_found(query_id: &str) -> SqlError {
    SqlError::new("000709", "02000", format!("Statement {query_id} not found"))
}

/// CONFIRMED code and state: the SQL API reference's QueryFailureStatus example
/// (`002139`, `42601`, "SQL compilation error: Unknown function"); the function's name after
/// it, as Snowflake's messages name it, is unconfirmed.
pub(crate) fn unknown_function(name: &str) -> SqlError {
    SqlError::new(
        "002139",
        "42601",
        format!("SQL compilation error:\nUnknown function {name}"),
    )
}

/// CONFIRMED text (reported in issue threads of ingestion tools): ALTER COLUMN to another
/// type, or a NUMBER to another scale.
pub(crate) fn cannot_change_column(column: &str, from: &str, to: &str) -> SqlError {
    SqlError::new(
        "002108",
        "22000",
        format!("{COMPILATION}cannot change column {column} from type {from} to {to}"),
    )
}

/// CONFIRMED text (reported in issue threads): a shorter VARCHAR.
pub(crate) fn cannot_shorten_varchar(column: &str, from: &str, to: &str) -> SqlError {
    SqlError::new(
        "040050",
        "22000",
        format!("{COMPILATION}cannot change column {column} from type {from} to {to} because reducing the byte-length of varchar is not supported."),
    )
}
