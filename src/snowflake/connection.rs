//! Finding a named connection the way the `snow` CLI does: the configuration directory,
//! `config.toml` and `connections.toml`, the default name, and environment overrides.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use super::env::Env;
use super::secret::Secret;

/// One resolved connection. Secrets are [`Secret`]s, so `Debug` never shows them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConnectionConfig {
    /// The connection's name (the table it came from).
    pub name: String,
    pub account: Option<String>,
    pub user: Option<String>,
    pub role: Option<String>,
    pub warehouse: Option<String>,
    pub database: Option<String>,
    pub schema: Option<String>,
    /// Overrides the API host, e.g. `127.0.0.1` for the sandbox.
    pub host: Option<String>,
    pub port: Option<u16>,
    /// `https` (default) or `http`.
    pub protocol: Option<String>,
    /// `SNOWFLAKE_JWT`, `PROGRAMMATIC_ACCESS_TOKEN`, `OAUTH`, ... as written.
    pub authenticator: Option<String>,
    /// `private_key_file`, or its alias `private_key_path`.
    pub private_key_file: Option<PathBuf>,
    /// An inline PEM key (`private_key_raw`).
    pub private_key_raw: Option<Secret>,
    /// `private_key_passphrase`, or its alias `private_key_file_pwd`.
    pub private_key_passphrase: Option<Secret>,
    pub token: Option<Secret>,
    pub token_file_path: Option<PathBuf>,
    pub password: Option<Secret>,
    /// Keys snowform does not use, kept by name only (values may be secret).
    pub ignored_keys: Vec<String>,
}

/// A connection and where it came from.
#[derive(Clone, Debug)]
pub struct Resolved {
    pub config: ConnectionConfig,
    /// Problems worth telling the user that do not stop the connection (file
    /// permissions, both files defining connections).
    pub warnings: Vec<String>,
    /// The file that defined the connection; `None` when only environment variables did.
    pub source: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConnectionError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}:{line}:{column}: not valid TOML: {message} (the line is not shown: it may hold a token)")]
    Toml {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    #[error(
        "{path} is writable by group or others (mode {mode:o}); Snowflake tools refuse such files. \
         Run `chmod 0600 {path}`"
    )]
    InsecureFile { path: PathBuf, mode: u32 },
    #[error("connection `{name}` is not defined{where_}{available}")]
    NotFound {
        name: String,
        where_: String,
        available: String,
    },
    #[error("connection `{name}`: `{key}` must be {expected}, found `{found}`")]
    BadValue {
        name: String,
        key: String,
        expected: &'static str,
        found: String,
    },
}

/// Where the configuration files are looked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ConfigDir {
    pub path: PathBuf,
    /// `SNOWFLAKE_HOME`, `~/.snowflake` or the platform directory.
    pub origin: &'static str,
}

/// The configuration directory: `$SNOWFLAKE_HOME` when it exists, else `~/.snowflake`
/// when it exists, else the platform's user config directory + `snowflake`.
pub(crate) fn config_dir(env: &Env) -> Option<ConfigDir> {
    if let Some(home) = env.non_empty("SNOWFLAKE_HOME") {
        let path = env.expand_tilde(home);
        if path.is_dir() {
            return Some(ConfigDir {
                path,
                origin: "SNOWFLAKE_HOME",
            });
        }
    }
    if let Some(home) = env.home() {
        let dot = home.join(".snowflake");
        if dot.is_dir() {
            return Some(ConfigDir {
                path: dot,
                origin: "~/.snowflake",
            });
        }
    }
    platform_config_dir(env).map(|p| ConfigDir {
        path: p.join("snowflake"),
        origin: "user config directory",
    })
}

fn platform_config_dir(env: &Env) -> Option<PathBuf> {
    if cfg!(target_os = "macos") {
        env.home().map(|h| h.join("Library/Application Support"))
    } else if cfg!(windows) {
        env.non_empty("LOCALAPPDATA")
            .map(PathBuf::from)
            .or_else(|| env.home().map(|h| h.join("AppData/Local")))
    } else {
        match env.non_empty("XDG_CONFIG_HOME") {
            Some(x) if Path::new(x).is_absolute() => Some(PathBuf::from(x)),
            _ => env.home().map(|h| h.join(".config")),
        }
    }
}

/// Environment variables that fill keys the connection leaves unset, and the key each fills.
const GENERIC_ENV: &[(&str, &str)] = &[
    ("SNOWFLAKE_ACCOUNT", "account"),
    ("SNOWFLAKE_USER", "user"),
    ("SNOWFLAKE_PASSWORD", "password"),
    ("SNOWFLAKE_DATABASE", "database"),
    ("SNOWFLAKE_SCHEMA", "schema"),
    ("SNOWFLAKE_ROLE", "role"),
    ("SNOWFLAKE_WAREHOUSE", "warehouse"),
    ("SNOWFLAKE_AUTHENTICATOR", "authenticator"),
    ("SNOWFLAKE_PRIVATE_KEY_FILE", "private_key_file"),
    ("SNOWFLAKE_PRIVATE_KEY_PATH", "private_key_file"),
    ("SNOWFLAKE_PRIVATE_KEY_RAW", "private_key_raw"),
    ("SNOWFLAKE_PRIVATE_KEY_PASSPHRASE", "private_key_passphrase"),
    ("SNOWFLAKE_TOKEN", "token"),
    ("SNOWFLAKE_TOKEN_FILE_PATH", "token_file_path"),
    ("SNOWFLAKE_HOST", "host"),
    ("SNOWFLAKE_PORT", "port"),
    ("SNOWFLAKE_PROTOCOL", "protocol"),
    ("SNOWFLAKE_REGION", "region"),
];

/// Alternative key names and the key they stand for.
const KEY_ALIASES: &[(&str, &str)] = &[
    ("private_key_path", "private_key_file"),
    ("private_key_file_pwd", "private_key_passphrase"),
];

/// Variables that silence the "readable by others" warning.
const SKIP_PERMISSION_WARNING_VARS: &[&str] = &[
    "SF_SKIP_TOKEN_FILE_PERMISSIONS_VERIFICATION",
    "SKIP_TOKEN_FILE_PERMISSIONS_VERIFICATION",
    "SF_SKIP_WARNING_FOR_READ_PERMISSIONS_ON_CONFIG_FILE",
];

/// Find connection `name` (or the default one) and apply environment overrides.
pub fn resolve_connection(name: Option<&str>, env: &Env) -> Result<Resolved, ConnectionError> {
    let mut warnings = Vec::new();
    let dir = config_dir(env);
    let files = match &dir {
        Some(d) => ConfigFiles::read(&d.path, env, &mut warnings)?,
        None => ConfigFiles::default(),
    };

    let name = name
        .map(str::to_string)
        .or_else(|| {
            env.non_empty("SNOWFLAKE_DEFAULT_CONNECTION_NAME")
                .map(str::to_string)
        })
        .or_else(|| files.default_connection_name.clone())
        .unwrap_or_else(|| "default".to_string());

    let override_prefix = format!("SNOWFLAKE_CONNECTIONS_{}_", name.to_ascii_uppercase());
    let overrides: Vec<(String, String)> = env
        .with_prefix(&override_prefix)
        .map(|(k, v)| {
            (
                k[override_prefix.len()..].to_ascii_lowercase(),
                v.to_string(),
            )
        })
        .collect();

    let (mut keys, source) = match files.connections.get(&name) {
        Some(table) => (table.clone(), files.connections_source.clone()),
        None if !overrides.is_empty() => (BTreeMap::new(), None),
        None => {
            let where_ = match (&files.connections_source, &dir) {
                (Some(p), _) => format!(" in {}", p.display()),
                (None, Some(d)) => format!(
                    " (no config.toml or connections.toml in {})",
                    d.path.display()
                ),
                (None, None) => String::new(),
            };
            let names: Vec<&str> = files.connections.keys().map(String::as_str).collect();
            let available = if names.is_empty() {
                String::new()
            } else {
                format!("; defined connections: {}", names.join(", "))
            };
            return Err(ConnectionError::NotFound {
                name,
                where_,
                available,
            });
        }
    };

    for (alias, key) in KEY_ALIASES {
        if let Some(v) = keys.remove(*alias) {
            keys.entry(key.to_string()).or_insert(v);
        }
    }
    for (key, value) in overrides {
        let key = KEY_ALIASES
            .iter()
            .find(|(a, _)| *a == key)
            .map(|(_, k)| k.to_string())
            .unwrap_or(key);
        keys.insert(key, value);
    }
    for (var, key) in GENERIC_ENV {
        if let Some(v) = env.non_empty(var) {
            keys.entry(key.to_string()).or_insert_with(|| v.to_string());
        }
    }
    let mut config = build_config(&name, keys, env)?;
    // The passphrase variable wins over the file, as in the `snow` CLI.
    if let Some(p) = env.non_empty("PRIVATE_KEY_PASSPHRASE") {
        config.private_key_passphrase = Some(Secret::new(p));
    }
    key_file_warnings(&config, env, &mut warnings);
    Ok(Resolved {
        config,
        warnings,
        source,
    })
}

fn key_file_warnings(config: &ConnectionConfig, env: &Env, warnings: &mut Vec<String>) {
    if let Some(p) = &config.private_key_file {
        warn_if_readable(p, "private key file", env, warnings);
    }
    if let Some(p) = &config.token_file_path {
        warn_if_readable(p, "token file", env, warnings);
    }
}

/// A connection from the generic SNOWFLAKE_* variables alone, ignoring the files, as the
/// `snow` CLI's `--temporary-connection` does: for pipelines that configure no file.
pub fn temporary_connection(env: &Env) -> Result<Resolved, ConnectionError> {
    let mut keys = BTreeMap::new();
    for (var, key) in GENERIC_ENV {
        if let Some(v) = env.non_empty(var) {
            keys.entry(key.to_string()).or_insert_with(|| v.to_string());
        }
    }
    let mut config = build_config("temporary", keys, env)?;
    if let Some(p) = env.non_empty("PRIVATE_KEY_PASSPHRASE") {
        config.private_key_passphrase = Some(Secret::new(p));
    }
    let mut warnings = Vec::new();
    key_file_warnings(&config, env, &mut warnings);
    Ok(Resolved {
        config,
        warnings,
        source: None,
    })
}

/// The parsed files of one configuration directory.
#[derive(Default)]
struct ConfigFiles {
    default_connection_name: Option<String>,
    connections: BTreeMap<String, BTreeMap<String, String>>,
    connections_source: Option<PathBuf>,
}

impl ConfigFiles {
    fn read(
        dir: &Path,
        env: &Env,
        warnings: &mut Vec<String>,
    ) -> Result<ConfigFiles, ConnectionError> {
        let config_path = dir.join("config.toml");
        let connections_path = dir.join("connections.toml");
        let config = read_toml(&config_path, env, warnings)?;
        let connections = read_toml(&connections_path, env, warnings)?;
        let mut files = ConfigFiles::default();
        if let Some(cfg) = &config {
            files.default_connection_name = cfg
                .get("default_connection_name")
                .and_then(|v| v.as_str())
                .map(str::to_string);
        }
        let from_config = config
            .as_ref()
            .and_then(|c| c.get("connections"))
            .and_then(|v| v.as_table());
        // connections.toml replaces config.toml's whole [connections] table (no merging).
        if let Some(conns) = &connections {
            if from_config.is_some_and(|t| !t.is_empty()) {
                warnings.push(format!(
                    "both {} and {} define connections; only {} is used",
                    config_path.display(),
                    connections_path.display(),
                    connections_path.display()
                ));
            }
            files.connections = tables_to_connections(conns);
            files.connections_source = Some(connections_path);
        } else if let Some(table) = from_config {
            files.connections = tables_to_connections(table);
            files.connections_source = Some(config_path);
        }
        Ok(files)
    }
}

fn tables_to_connections(table: &toml::Table) -> BTreeMap<String, BTreeMap<String, String>> {
    table
        .iter()
        .filter_map(|(name, v)| v.as_table().map(|t| (name.clone(), flatten(t))))
        .collect()
}

/// A connection table as key -> string value. Keys are lower-cased like the Python
/// connector's parameter names; nested tables are skipped.
fn flatten(table: &toml::Table) -> BTreeMap<String, String> {
    table
        .iter()
        .filter_map(|(k, v)| {
            let s = match v {
                toml::Value::String(s) => s.clone(),
                toml::Value::Integer(i) => i.to_string(),
                toml::Value::Boolean(b) => b.to_string(),
                toml::Value::Float(f) => f.to_string(),
                _ => return None,
            };
            Some((k.to_ascii_lowercase(), s))
        })
        .collect()
}

fn read_toml(
    path: &Path,
    env: &Env,
    warnings: &mut Vec<String>,
) -> Result<Option<toml::Table>, ConnectionError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(ConnectionError::Read {
                path: path.to_path_buf(),
                source,
            })
        }
    };
    check_permissions(path, env, warnings)?;
    let table = text.parse::<toml::Table>().map_err(|e| {
        // toml's Display quotes the offending line, which may be `token = "..."`: only
        // its position and the first line of its message are kept.
        let at = e.span().map_or(0, |r| r.start).min(text.len());
        let before = &text[..at];
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        ConnectionError::Toml {
            path: path.to_path_buf(),
            line,
            column,
            message: e.message().lines().next().unwrap_or("").trim().to_string(),
        }
    })?;
    Ok(Some(table))
}

/// A private key or token file others can read gets a warning, as ssh gives for keys.
#[cfg(unix)]
fn warn_if_readable(path: &Path, what: &str, env: &Env, warnings: &mut Vec<String>) {
    use std::os::unix::fs::MetadataExt;
    if SKIP_PERMISSION_WARNING_VARS.iter().any(|v| env.flag(v)) {
        return;
    }
    let Ok(meta) = std::fs::metadata(path) else {
        // Reading it reports what is wrong.
        return;
    };
    let mode = meta.mode() & 0o777;
    if mode & 0o077 != 0 {
        warnings.push(format!(
            "the {what} {} is accessible by group or others (mode {mode:o}); run `chmod 0600 {}` \
             (set SF_SKIP_TOKEN_FILE_PERMISSIONS_VERIFICATION=true to silence this warning)",
            path.display(),
            path.display()
        ));
    }
}

#[cfg(not(unix))]
fn warn_if_readable(_path: &Path, _what: &str, _env: &Env, _warnings: &mut Vec<String>) {}

/// Group/world-writable files are refused; readable ones (or ones owned by another
/// non-root user) produce a warning unless a skip variable is set.
#[cfg(unix)]
pub(crate) fn check_permissions(
    path: &Path,
    env: &Env,
    warnings: &mut Vec<String>,
) -> Result<(), ConnectionError> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(path).map_err(|source| ConnectionError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let mode = meta.mode() & 0o777;
    if mode & 0o022 != 0 {
        return Err(ConnectionError::InsecureFile {
            path: path.to_path_buf(),
            mode,
        });
    }
    if SKIP_PERMISSION_WARNING_VARS.iter().any(|v| env.flag(v)) {
        return Ok(());
    }
    // SAFETY: geteuid has no preconditions and cannot fail.
    let euid = unsafe { libc::geteuid() };
    if mode & 0o044 != 0 || (meta.uid() != euid && meta.uid() != 0) {
        warnings.push(format!(
            "{} is readable by other users (mode {mode:o}); run `chown $USER {}` and `chmod 0600 {}` \
             (set SF_SKIP_TOKEN_FILE_PERMISSIONS_VERIFICATION=true to silence this warning)",
            path.display(),
            path.display(),
            path.display()
        ));
    }
    Ok(())
}

#[cfg(not(unix))]
pub(crate) fn check_permissions(
    _path: &Path,
    _env: &Env,
    _warnings: &mut Vec<String>,
) -> Result<(), ConnectionError> {
    Ok(())
}

fn build_config(
    name: &str,
    mut keys: BTreeMap<String, String>,
    env: &Env,
) -> Result<ConnectionConfig, ConnectionError> {
    let mut take = |k: &str| keys.remove(k).filter(|v| !v.is_empty());
    let port = match take("port") {
        Some(p) => Some(
            p.trim()
                .parse::<u16>()
                .map_err(|_| ConnectionError::BadValue {
                    name: name.to_string(),
                    key: "port".into(),
                    expected: "a port number",
                    found: p,
                })?,
        ),
        None => None,
    };
    let protocol = take("protocol").map(|p| p.to_ascii_lowercase());
    if let Some(p) = &protocol {
        if p != "http" && p != "https" {
            return Err(ConnectionError::BadValue {
                name: name.to_string(),
                key: "protocol".into(),
                expected: "`http` or `https`",
                found: p.clone(),
            });
        }
    }
    let mut config = ConnectionConfig {
        name: name.to_string(),
        account: take("account"),
        user: take("user"),
        role: take("role").map(|v| context_name(&v)),
        warehouse: take("warehouse").map(|v| context_name(&v)),
        database: take("database").map(|v| context_name(&v)),
        schema: take("schema").map(|v| context_name(&v)),
        host: take("host"),
        port,
        protocol,
        authenticator: take("authenticator"),
        private_key_file: take("private_key_file").map(|p| env.expand_tilde(&p)),
        private_key_raw: take("private_key_raw").map(Secret::new),
        private_key_passphrase: take("private_key_passphrase").map(Secret::new),
        token: take("token").map(Secret::new),
        token_file_path: take("token_file_path").map(|p| env.expand_tilde(&p)),
        password: take("password").map(Secret::new),
        ignored_keys: Vec::new(),
    };
    config.ignored_keys = keys.into_keys().collect();
    Ok(config)
}

/// A role, warehouse, database or schema name from a connection file, a variable or a
/// flag, in the form SHOW prints it. The SQL API compares its `role`, `warehouse`,
/// `database` and `schema` fields case-sensitively (Snowflake's SQL API reference), while
/// `snow` and the Python connector read these values as identifiers: unquoted ones are
/// upper-cased (`role = "sysadmin"` is SYSADMIN), a value in double quotes keeps its case
/// and loses the quotes (`"\"Mixed\""` is Mixed, `""` inside standing for one `"`).
pub(crate) fn context_name(value: &str) -> String {
    let v = value.trim();
    match v
        .strip_prefix('"')
        .and_then(|inner| inner.strip_suffix('"'))
        .filter(|inner| !inner.is_empty())
    {
        Some(inner) => inner.replace("\"\"", "\""),
        None => v.to_ascii_uppercase(),
    }
}

impl fmt::Display for ConnectionConfig {
    /// `name (user@account)`, for messages.
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            formatter,
            "{} ({}@{})",
            self.name,
            self.user.as_deref().unwrap_or("?"),
            self.account.as_deref().unwrap_or("?")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Copy fixture directory `name` to `dest` with owner-only permissions.
    fn install(name: &str, dest: &Path) {
        let src = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/connections")
            .join(name);
        std::fs::create_dir_all(dest).unwrap();
        for entry in std::fs::read_dir(src).unwrap() {
            let entry = entry.unwrap();
            let to = dest.join(entry.file_name());
            std::fs::copy(entry.path(), &to).unwrap();
            set_mode(&to, 0o600);
        }
    }

    fn set_mode(path: &Path, mode: u32) {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
        }
        #[cfg(not(unix))]
        let _ = (path, mode);
    }

    /// A home directory holding all three candidate locations.
    struct World {
        home: tempfile::TempDir,
    }

    impl World {
        fn new() -> World {
            let world = World {
                home: tempfile::tempdir().unwrap(),
            };
            install("dot_snowflake", &world.path(".snowflake"));
            install("snowflake_home", &world.path("sfhome"));
            install("xdg", &world.path("xdg/snowflake"));
            world
        }
        fn path(&self, rel: &str) -> PathBuf {
            self.home.path().join(rel)
        }
        fn env(&self) -> Env {
            Env::new().with_home(self.home.path())
        }
    }

    fn account(resolved: &Resolved) -> &str {
        resolved.config.account.as_deref().unwrap()
    }

    #[test]
    fn lookup_order_snowflake_home_then_dot_snowflake_then_xdg() {
        let w = World::new();
        let sfhome = w.path("sfhome");
        let env = w
            .env()
            .with_var("SNOWFLAKE_HOME", sfhome.to_str().unwrap())
            .with_var("XDG_CONFIG_HOME", w.path("xdg").to_str().unwrap());
        let r = resolve_connection(None, &env).unwrap();
        assert_eq!(account(&r), "myorg-home");
        assert_eq!(r.source, Some(sfhome.join("connections.toml")));

        // SNOWFLAKE_HOME that does not exist is passed over.
        let env = w
            .env()
            .with_var("SNOWFLAKE_HOME", "/nonexistent/snowflake")
            .with_var("XDG_CONFIG_HOME", w.path("xdg").to_str().unwrap());
        let r = resolve_connection(None, &env).unwrap();
        assert_eq!(account(&r), "myorg-dev");
        assert_eq!(r.source, Some(w.path(".snowflake/config.toml")));

        // Without ~/.snowflake: the XDG directory.
        std::fs::remove_dir_all(w.path(".snowflake")).unwrap();
        let env = w
            .env()
            .with_var("XDG_CONFIG_HOME", w.path("xdg").to_str().unwrap());
        assert_eq!(
            account(&resolve_connection(None, &env).unwrap()),
            "myorg-xdg"
        );

        // Without XDG_CONFIG_HOME: ~/.config/snowflake.
        install("xdg", &w.path(".config/snowflake"));
        std::fs::write(
            w.path(".config/snowflake/connections.toml"),
            "[default]\naccount = \"dot-config\"\n",
        )
        .unwrap();
        set_mode(&w.path(".config/snowflake/connections.toml"), 0o600);
        assert_eq!(
            account(&resolve_connection(None, &w.env()).unwrap()),
            "dot-config"
        );
        assert_eq!(
            config_dir(&w.env()).unwrap().origin,
            "user config directory"
        );
    }

    #[test]
    fn connections_toml_replaces_the_whole_table_of_config_toml() {
        let home = tempfile::tempdir().unwrap();
        install("both", &home.path().join(".snowflake"));
        let env = Env::new().with_home(home.path());
        // default_connection_name still comes from config.toml.
        let r = resolve_connection(None, &env).unwrap();
        assert_eq!(r.config.name, "shared");
        assert_eq!(account(&r), "from-connections-toml");
        assert_eq!(
            r.config.warehouse, None,
            "no per-key merge with config.toml"
        );
        assert_eq!(r.warnings.len(), 1);
        assert!(
            r.warnings[0].contains("both") && r.warnings[0].contains("only"),
            "{:?}",
            r.warnings
        );
        let err = resolve_connection(Some("only_in_config"), &env).unwrap_err();
        let text = err.to_string();
        assert!(matches!(err, ConnectionError::NotFound { .. }));
        assert!(
            text.contains("connections.toml") && text.contains("other, shared"),
            "{text}"
        );
    }

    #[test]
    fn default_connection_name_resolution() {
        let w = World::new();
        let env = w.env();
        assert_eq!(
            resolve_connection(None, &env).unwrap().config.name,
            "dev",
            "default_connection_name"
        );
        let env2 = env
            .clone()
            .with_var("SNOWFLAKE_DEFAULT_CONNECTION_NAME", "prod");
        assert_eq!(
            resolve_connection(None, &env2).unwrap().config.name,
            "prod",
            "env beats the file"
        );
        assert_eq!(
            resolve_connection(Some("dev"), &env2).unwrap().config.name,
            "dev",
            "explicit beats env"
        );
        let empty = env
            .clone()
            .with_var("SNOWFLAKE_DEFAULT_CONNECTION_NAME", "");
        assert_eq!(
            resolve_connection(None, &empty).unwrap().config.name,
            "dev",
            "an empty variable is unset"
        );
        // No default_connection_name: "default".
        let sf = w.path("sfhome");
        let env3 = w.env().with_var("SNOWFLAKE_HOME", sf.to_str().unwrap());
        assert_eq!(
            resolve_connection(None, &env3).unwrap().config.name,
            "default"
        );
    }

    #[test]
    fn per_connection_overrides_and_generic_variables() {
        let w = World::new();
        let env = w
            .env()
            .with_var("SNOWFLAKE_CONNECTIONS_DEV_WAREHOUSE", "OVERRIDE_WH")
            .with_var(
                "SNOWFLAKE_CONNECTIONS_DEV_PRIVATE_KEY_FILE_PWD",
                "pw-from-env",
            )
            .with_var("SNOWFLAKE_CONNECTIONS_PROD_ROLE", "NOT_MINE")
            .with_var("SNOWFLAKE_WAREHOUSE", "GENERIC_WH")
            .with_var("SNOWFLAKE_DATABASE", "GENERIC_DB")
            .with_var("SNOWFLAKE_ROLE", "GENERIC_ROLE");
        let c = resolve_connection(Some("dev"), &env).unwrap().config;
        assert_eq!(
            c.warehouse.as_deref(),
            Some("OVERRIDE_WH"),
            "override beats the file"
        );
        assert_eq!(
            c.database.as_deref(),
            Some("GENERIC_DB"),
            "generic fills a missing key"
        );
        assert_eq!(
            c.role.as_deref(),
            Some("DEVELOPER"),
            "generic does not replace a set key"
        );
        assert_eq!(
            c.private_key_passphrase.as_ref().map(|s| s.expose()),
            Some("pw-from-env")
        );
        assert_eq!(
            c.private_key_file,
            Some(w.path(".ssh/dev_key.p8")),
            "~ expanded"
        );

        // A connection that exists only in variables.
        let env = w
            .env()
            .with_var("SNOWFLAKE_CONNECTIONS_ADHOC_ACCOUNT", "myorg-adhoc")
            .with_var("SNOWFLAKE_CONNECTIONS_ADHOC_USER", "u");
        let r = resolve_connection(Some("adhoc"), &env).unwrap();
        assert_eq!((account(&r), r.source.as_deref()), ("myorg-adhoc", None));

        // SNOWFLAKE_PRIVATE_KEY_PATH fills private_key_file; PRIVATE_KEY_PASSPHRASE wins over the file.
        let env = w
            .env()
            .with_var("SNOWFLAKE_DEFAULT_CONNECTION_NAME", "prod")
            .with_var("SNOWFLAKE_PRIVATE_KEY_PATH", "/k/key.p8")
            .with_var("PRIVATE_KEY_PASSPHRASE", "pp");
        let c = resolve_connection(None, &env).unwrap().config;
        assert_eq!(c.private_key_file, Some(PathBuf::from("/k/key.p8")));
        assert_eq!(
            c.private_key_passphrase.as_ref().map(|s| s.expose()),
            Some("pp")
        );
        assert_eq!(c.port, Some(443));
        assert_eq!(
            c.token_file_path,
            Some(PathBuf::from("/run/secrets/snowflake_pat"))
        );
    }

    #[test]
    fn context_names_follow_identifier_rules() {
        let home = tempfile::tempdir().unwrap();
        install("context_case", &home.path().join(".snowflake"));
        let env = Env::new().with_home(home.path());
        let c = resolve_connection(None, &env).unwrap().config;
        assert_eq!(
            (
                c.role.as_deref(),
                c.warehouse.as_deref(),
                c.database.as_deref(),
                c.schema.as_deref()
            ),
            (
                Some("SYSADMIN"),
                Some("Mixed_WH"),
                Some("ANALYTICS"),
                Some("My \"S\"")
            )
        );
        // Variables follow the same rules.
        let env = env
            .with_var("SNOWFLAKE_CONNECTIONS_DEFAULT_ROLE", "\"deployer\"")
            .with_var("SNOWFLAKE_CONNECTIONS_DEFAULT_WAREHOUSE", "ml_wh");
        let c = resolve_connection(None, &env).unwrap().config;
        assert_eq!(
            (c.role.as_deref(), c.warehouse.as_deref()),
            (Some("deployer"), Some("ML_WH"))
        );
        let c = temporary_connection(&Env::new().with_var("SNOWFLAKE_ROLE", "public"))
            .unwrap()
            .config;
        assert_eq!(c.role.as_deref(), Some("PUBLIC"));
    }

    #[test]
    fn key_aliases_and_sandbox_fields() {
        let home = tempfile::tempdir().unwrap();
        install("aliases", &home.path().join(".snowflake"));
        let c = resolve_connection(None, &Env::new().with_home(home.path()))
            .unwrap()
            .config;
        assert_eq!(c.private_key_file, Some(PathBuf::from("/keys/alias.p8")));
        assert_eq!(
            c.private_key_passphrase.as_ref().map(|s| s.expose()),
            Some("alias-passphrase-value")
        );
        assert_eq!(
            (c.host.as_deref(), c.port, c.protocol.as_deref()),
            (Some("127.0.0.1"), Some(8123), Some("http"))
        );
        assert_eq!(
            c.ignored_keys,
            vec!["client_session_keep_alive".to_string()]
        );
    }

    #[test]
    fn debug_output_redacts_secrets() {
        let w = World::new();
        let sf = w.path("sfhome");
        let env = w
            .env()
            .with_var("SNOWFLAKE_HOME", sf.to_str().unwrap())
            .with_var(
                "SNOWFLAKE_PRIVATE_KEY_RAW",
                "-----BEGIN PRIVATE KEY-----\nMIIEvQ\n-----END PRIVATE KEY-----",
            );
        let r = resolve_connection(None, &env).unwrap();
        assert!(r.config.token.is_some() && r.config.private_key_raw.is_some());
        let dbg = format!("{r:?} {}", r.config);
        assert!(
            !dbg.contains("oauth-token-value-123") && !dbg.contains("MIIEvQ"),
            "{dbg}"
        );
        assert!(dbg.contains("<redacted>"));
    }

    #[test]
    fn a_toml_error_names_the_place_and_never_shows_the_line() {
        let home = tempfile::tempdir().unwrap();
        let dir = home.path().join(".snowflake");
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("connections.toml");
        // Made up here: an unterminated string on the token's line.
        std::fs::write(
            &file,
            "[default]\naccount = \"xy12345\"\ntoken = \"ver:1-hint:1234-SECRETPAT\n",
        )
        .unwrap();
        set_mode(&file, 0o600);
        let env = Env::new().with_home(home.path());
        let err = resolve_connection(None, &env).unwrap_err().to_string();
        assert!(
            !err.contains("SECRETPAT") && !err.contains("ver:1"),
            "{err}"
        );
        assert!(err.contains("connections.toml:3:"), "{err}");
        assert!(err.contains("not valid TOML"), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn key_and_token_files_others_can_read_get_a_warning() {
        let home = tempfile::tempdir().unwrap();
        let key = home.path().join("key.p8");
        let token = home.path().join("token");
        std::fs::write(&key, "k").unwrap();
        std::fs::write(&token, "t").unwrap();
        let env = Env::new()
            .with_home(home.path())
            .with_var("SNOWFLAKE_ACCOUNT", "xy12345")
            .with_var("SNOWFLAKE_USER", "u")
            .with_var("SNOWFLAKE_PRIVATE_KEY_FILE", key.to_str().unwrap())
            .with_var("SNOWFLAKE_TOKEN_FILE_PATH", token.to_str().unwrap());
        set_mode(&key, 0o600);
        set_mode(&token, 0o600);
        let quiet = temporary_connection(&env).unwrap();
        assert!(quiet.warnings.is_empty(), "{:?}", quiet.warnings);
        set_mode(&key, 0o640);
        set_mode(&token, 0o604);
        let r = temporary_connection(&env).unwrap();
        assert_eq!(r.warnings.len(), 2, "{:?}", r.warnings);
        assert!(r.warnings[0].contains("private key file") && r.warnings[0].contains("chmod 0600"));
        assert!(r.warnings[1].contains("token file") && r.warnings[1].contains("mode 604"));
        let skip = env.with_var("SF_SKIP_TOKEN_FILE_PERMISSIONS_VERIFICATION", "true");
        assert!(temporary_connection(&skip).unwrap().warnings.is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn permission_checks() {
        let home = tempfile::tempdir().unwrap();
        let dir = home.path().join(".snowflake");
        install("xdg", &dir);
        let file = dir.join("connections.toml");
        let env = Env::new().with_home(home.path());
        assert!(
            resolve_connection(None, &env).unwrap().warnings.is_empty(),
            "0600 is quiet"
        );

        set_mode(&file, 0o644);
        let r = resolve_connection(None, &env).unwrap();
        assert_eq!(r.warnings.len(), 1);
        assert!(r.warnings[0].contains("chmod 0600"), "{:?}", r.warnings);
        let skip = env
            .clone()
            .with_var("SF_SKIP_TOKEN_FILE_PERMISSIONS_VERIFICATION", "true");
        assert!(
            resolve_connection(None, &skip).unwrap().warnings.is_empty(),
            "the skip variable silences it"
        );

        for mode in [0o620, 0o602, 0o666] {
            set_mode(&file, mode);
            for e in [&env, &skip] {
                let err = resolve_connection(None, e).unwrap_err();
                assert!(
                    matches!(err, ConnectionError::InsecureFile { .. }),
                    "{mode:o}: {err}"
                );
                assert!(err.to_string().contains("chmod 0600"));
            }
        }
    }

    #[test]
    fn bad_values_and_missing_directory() {
        let home = tempfile::tempdir().unwrap();
        let dir = home.path().join(".snowflake");
        std::fs::create_dir(&dir).unwrap();
        let file = dir.join("connections.toml");
        std::fs::write(&file, "[default]\nport = \"eighty\"\n").unwrap();
        set_mode(&file, 0o600);
        let env = Env::new().with_home(home.path());
        assert!(matches!(
            resolve_connection(None, &env),
            Err(ConnectionError::BadValue { .. })
        ));
        std::fs::write(&file, "[default\n").unwrap();
        assert!(matches!(
            resolve_connection(None, &env),
            Err(ConnectionError::Toml { .. })
        ));
        std::fs::write(&file, "[default]\nprotocol = \"ftp\"\n").unwrap();
        assert!(resolve_connection(None, &env)
            .unwrap_err()
            .to_string()
            .contains("`http` or `https`"));
        // Nothing anywhere.
        let empty = tempfile::tempdir().unwrap();
        let err = resolve_connection(None, &Env::new().with_home(empty.path())).unwrap_err();
        assert!(matches!(err, ConnectionError::NotFound { .. }), "{err}");
    }
}
