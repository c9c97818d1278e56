//! The attribute names of every kind, as constants. Code reads and writes an object's
//! attributes through these, so a misspelt name fails to compile instead of reading a
//! silent `None`; `tests::every_attribute_has_its_constant` keeps the list and the kinds'
//! tables equal.

macro_rules! attribute_names {
    ($($constant:ident = $name:literal,)*) => {
        $(pub const $constant: &str = $name;)*
        /// Every name above, in order.
        #[cfg(test)]
        pub(crate) const ALL: &[&str] = &[$($constant),*];
    };
}

attribute_names! {
    AFTER = "after",
    ALIAS = "alias",
    ARGUMENTS = "arguments",
    AUTO_RESUME = "auto_resume",
    AUTO_SUSPEND = "auto_suspend",
    BODY = "body",
    CHANGE_TRACKING = "change_tracking",
    CLUSTER_BY = "cluster_by",
    COLUMNS = "columns",
    COMMENT = "comment",
    CONFIG = "config",
    DATA_RETENTION_TIME_IN_DAYS = "data_retention_time_in_days",
    DATABASE = "database",
    DEFAULT = "default",
    DEFAULT_DDL_COLLATION = "default_ddl_collation",
    DEFAULT_VERSION = "default_version",
    DIRECTORY = "directory",
    ENABLE_QUERY_ACCELERATION = "enable_query_acceleration",
    ENABLED = "enabled",
    ENCRYPTION = "encryption",
    ENTITIES = "entities",
    ERROR_INTEGRATION = "error_integration",
    EXECUTE_AS = "execute_as",
    FEATURE_STORE = "feature_store",
    HANDLER = "handler",
    IMPORTS = "imports",
    IN = "in",
    INITIALIZE = "initialize",
    INITIALLY_SUSPENDED = "initially_suspended",
    JOIN_KEYS = "join_keys",
    LANGUAGE = "language",
    MANAGED_ACCESS = "managed_access",
    MAX_CLUSTER_COUNT = "max_cluster_count",
    MAX_CONCURRENCY_LEVEL = "max_concurrency_level",
    MAX_DATA_EXTENSION_TIME_IN_DAYS = "max_data_extension_time_in_days",
    METADATA = "metadata",
    MIN_CLUSTER_COUNT = "min_cluster_count",
    NAME = "name",
    NULLABLE = "nullable",
    ON = "on",
    ON_ALL = "on_all",
    ON_FUTURE = "on_future",
    OVERLAP_POLICY = "overlap_policy",
    OWNER = "owner",
    PACKAGES = "packages",
    PRIVILEGES = "privileges",
    QUERY = "query",
    QUERY_ACCELERATION_MAX_SCALE_FACTOR = "query_acceleration_max_scale_factor",
    REFRESH_FREQ = "refresh_freq",
    REFRESH_MODE = "refresh_mode",
    REFRESH_TASK_TARGET = "refresh_task_target",
    RESOURCE_CONSTRAINT = "resource_constraint",
    RESOURCE_MONITOR = "resource_monitor",
    RETURNS = "returns",
    ROLE = "role",
    RUNTIME_VERSION = "runtime_version",
    SCALING_POLICY = "scaling_policy",
    SCHEDULE = "schedule",
    SCHEMA = "schema",
    SECURE = "secure",
    SIZE = "size",
    SOURCE = "source",
    SQL = "sql",
    STATEMENT_QUEUED_TIMEOUT_IN_SECONDS = "statement_queued_timeout_in_seconds",
    STATEMENT_TIMEOUT_IN_SECONDS = "statement_timeout_in_seconds",
    STORAGE_INTEGRATION = "storage_integration",
    SUSPEND_TASK_AFTER_NUM_FAILURES = "suspend_task_after_num_failures",
    TASK_AUTO_RETRY_ATTEMPTS = "task_auto_retry_attempts",
    TIMESTAMP_COL = "timestamp_col",
    TO = "to",
    TRANSIENT = "transient",
    TYPE = "type",
    URL = "url",
    USER = "user",
    USER_TASK_MANAGED_INITIAL_WAREHOUSE_SIZE = "user_task_managed_initial_warehouse_size",
    USER_TASK_TIMEOUT_MS = "user_task_timeout_ms",
    VERSION = "version",
    VERSIONS = "versions",
    WAREHOUSE = "warehouse",
    WHEN = "when",
    RSA_PUBLIC_KEY_2 = "rsa_public_key_2",
    RSA_PUBLIC_KEY = "rsa_public_key",
    LOGIN_NAME = "login_name",
    DISPLAY_NAME = "display_name",
    DISABLED = "disabled",
    DEFAULT_WAREHOUSE = "default_warehouse",
    DEFAULT_ROLE = "default_role",
    DEFAULT_NAMESPACE = "default_namespace",
}

#[cfg(test)]
mod tests {
    use super::ALL;
    use crate::model::schema::schema;
    use crate::model::Kind;
    use std::collections::BTreeSet;

    #[test]
    fn every_attribute_has_its_constant() {
        let mut declared: BTreeSet<String> = BTreeSet::new();
        for kind in Kind::ALL {
            let s = schema(kind);
            declared.extend(s.attrs.iter().map(|a| a.name.to_string()));
            for b in s.blocks {
                // Its blocks are kept under the plural: a model's `versions`, a table's `columns`.
                declared.insert(format!("{}s", b.name));
                declared.extend(b.attrs.iter().map(|a| a.name.to_string()));
            }
        }
        let constants: BTreeSet<String> = ALL.iter().map(|c| c.to_string()).collect();
        let missing: Vec<_> = declared.difference(&constants).collect();
        let unused: Vec<_> = constants.difference(&declared).collect();
        assert!(
            missing.is_empty(),
            "attributes without a constant in src/model/attr.rs: {missing:?}"
        );
        assert!(
            unused.is_empty(),
            "constants in src/model/attr.rs that no kind declares: {unused:?}"
        );
    }
}
