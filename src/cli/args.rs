//! The command line, as README.md and docs/ describe it. Global options are accepted before or
//! after the command name.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "snowform",
    version,
    about = "Infrastructure as code for the Snowflake objects an ML platform runs on"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Args, Debug, Clone)]
pub struct Global {
    /// The configuration directory: every *.hcl file in it
    #[arg(
        short = 'C',
        long = "dir",
        global = true,
        default_value = ".",
        value_name = "DIR"
    )]
    pub dir: PathBuf,
    /// A variable value (repeatable): --var env=PROD
    #[arg(long = "var", global = true, value_name = "NAME=VALUE")]
    pub vars: Vec<String>,
    /// A file of variable values (HCL attributes, or JSON)
    #[arg(long = "var-file", global = true, value_name = "FILE")]
    pub var_files: Vec<PathBuf>,
    /// One state per workspace
    #[arg(
        long,
        global = true,
        env = "SNOWFORM_WORKSPACE",
        default_value = "default"
    )]
    pub workspace: String,
    /// A connection from connections.toml / config.toml, or `sandbox` for the embedded sandbox
    #[arg(short = 'c', long, global = true, env = "SNOWFORM_CONNECTION")]
    pub connection: Option<String>,
    /// The embedded sandbox's account: NAME is shared by every workspace that names it,
    /// as one Snowflake account is (default: one account per workspace)
    #[arg(
        long = "sandbox-account",
        global = true,
        env = "SNOWFORM_SANDBOX_ACCOUNT",
        value_name = "NAME"
    )]
    pub(crate) sandbox_account: Option<String>,
    /// Report format: human, json or markdown
    #[arg(long, global = true, default_value = "human")]
    pub format: crate::render::Format,
    /// No colour, even on a terminal (also NO_COLOR)
    #[arg(long = "no-color", global = true)]
    pub(crate) no_color: bool,
    /// More log output on stderr (-v, -vv, -vvv)
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

impl Global {
    /// Set the option whose argument id is `id` from its environment variable (see
    /// `cli::parse`).
    pub(crate) fn set_from_env(&mut self, id: &str, value: &str) {
        match id {
            "workspace" => self.workspace = value.to_string(),
            "connection" => self.connection = Some(value.to_string()),
            "sandbox_account" => self.sandbox_account = Some(value.to_string()),
            other => unreachable!("the option {other} declares a variable: set it here"),
        }
    }
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Parse, evaluate and check the configuration
    Validate,
    /// Format the *.hcl files canonically
    Fmt {
        /// List files that would change and exit 1, changing nothing
        #[arg(long)]
        check: bool,
    },
    /// Show the changes apply would make
    Plan(PlanArgs),
    /// Make the changes
    Apply(ApplyArgs),
    /// Report objects changed outside snowform: exit 0 none, 2 drift, 1 error
    Drift {
        /// Also report objects in managed schemas that snowform does not manage
        #[arg(long = "include-unmanaged")]
        include_unmanaged: bool,
        /// Also write the JSON report to this file (for `comment azure-devops --drift`)
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Record an existing object under an address of the configuration
    Import {
        /// The address of a block in the configuration, e.g. warehouse.compute or
        /// 'warehouse.team["ml"]' (quote it for the shell)
        address: String,
        /// The object's Snowflake name, e.g. DB.SCHEMA.NAME
        name: String,
    },
    /// Write HCL for the live objects in a database or schema, and for named roles
    Generate {
        /// The database to read, as SHOW prints it (e.g. XYZ_DEV)
        #[arg(long, required_unless_present = "role")]
        database: Option<String>,
        /// Only this schema of the database (default: every schema of it)
        #[arg(long, requires = "database")]
        schema: Option<String>,
        /// A role to write a block for, as SHOW ROLES prints it (repeatable)
        #[arg(long, value_name = "NAME")]
        role: Vec<String>,
        /// Write the HCL to this file instead of stdout
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Also write an import block per object, so that the next plan adopts them
        #[arg(long)]
        import_blocks: bool,
    },
    /// Read and change the state
    #[command(subcommand)]
    State(StateCommand),
    /// Remove the state lock, whoever holds it
    ForceUnlock {
        /// Confirm without a prompt
        #[arg(long)]
        yes: bool,
    },
    /// The dependency graph as DOT
    Graph,
    /// Connections
    #[command(subcommand)]
    Connection(ConnectionCommand),
    /// Post a report to a pull request
    #[command(subcommand)]
    Comment(CommentCommand),
    /// The Snowflake SQL API emulator
    #[command(subcommand)]
    Sandbox(SandboxCommand),
    /// The configuration's output values: all, or one by NAME
    Output {
        /// One output; without it, every output
        name: Option<String>,
        /// Print the value alone (a string without quotes): for shell scripts
        #[arg(long)]
        raw: bool,
    },
    /// A shell completion script on stdout: `snowform completions bash > /etc/bash_completion.d/snowform`
    Completions {
        /// bash, zsh, fish, powershell or elvish
        shell: clap_complete::Shell,
    },
}

#[derive(Args, Debug)]
pub struct PlanArgs {
    /// Refresh from the account (--refresh=false plans against the state alone)
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true", require_equals = true)]
    pub refresh: bool,
    /// Save the plan for `apply FILE`
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Exit 2 when there are changes
    #[arg(long = "detailed-exitcode")]
    pub(crate) detailed_exitcode: bool,
    /// Limit the plan to these addresses and what they depend on
    #[arg(long = "target", value_name = "ADDRESS")]
    pub targets: Vec<String>,
    /// Replace this object although nothing about it needs it (repeatable): a dynamic
    /// table to rebuild, a stage to empty
    #[arg(long = "replace", value_name = "ADDRESS")]
    pub replace: Vec<String>,
    /// How long to wait for a running apply to release the state lock (and for the state
    /// to stop changing) before planning anyway, or failing: seconds, or 30s, 5m
    #[arg(long = "lock-timeout", value_name = "SECONDS", default_value = "10m", value_parser = lock_timeout)]
    pub lock_timeout: humantime::Duration,
}

/// `--lock-timeout`: a number of seconds (as the command-line contract writes it), or a
/// duration with its unit (`30s`, `5m`).
fn lock_timeout(text: &str) -> Result<humantime::Duration, String> {
    match text.parse::<u64>() {
        Ok(secs) => Ok(std::time::Duration::from_secs(secs).into()),
        Err(_) => text
            .parse::<humantime::Duration>()
            .map_err(|e| format!("{e}: write a number of seconds (30) or a duration (30s, 5m)")),
    }
}

#[derive(Args, Debug)]
pub struct ApplyArgs {
    /// A plan saved with `plan --out`
    pub plan_file: Option<PathBuf>,
    /// Apply without asking
    #[arg(long = "auto-approve")]
    pub(crate) auto_approve: bool,
    /// Allow deletes, replaces and other destructive changes
    #[arg(long = "allow-destroy")]
    pub(crate) allow_destroy: bool,
    /// Allow renaming a database, schema or warehouse, which breaks whatever names the old name
    /// (--allow-destroy allows it too)
    #[arg(long = "allow-rename")]
    pub(crate) allow_rename: bool,
    /// Statements of independent objects run at once
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub parallelism: u16,
    /// Limit the apply to these addresses and what they depend on
    #[arg(long = "target", value_name = "ADDRESS")]
    pub targets: Vec<String>,
    /// Replace this object although nothing about it needs it (repeatable; with
    /// --allow-destroy): not with a saved plan, which holds its replacements
    #[arg(long = "replace", value_name = "ADDRESS")]
    pub replace: Vec<String>,
    /// How long to wait for another apply to release the state lock before refusing:
    /// seconds, or 30s, 5m (0, the default: refuse at once)
    #[arg(long = "lock-timeout", value_name = "SECONDS", default_value = "0", value_parser = lock_timeout)]
    pub lock_timeout: humantime::Duration,
}

#[derive(Subcommand, Debug)]
pub enum StateCommand {
    /// Create the state table of `backend "snowflake"` and this workspace's row, and the
    /// table's database and schema, when missing (an administrator's one-time step; apply
    /// creates the table too, never the database or schema; plan and drift only read)
    Init,
    /// Addresses in the state
    List,
    /// One object as recorded
    Show { address: String },
    /// Forget an object (it is not dropped)
    Rm { address: String },
    /// Record an object under another address of the same kind, as after renaming its block
    /// or moving it into a for_each (nothing in the account changes)
    Mv {
        /// The address it is recorded under now
        from: String,
        /// The address it moves to: quote it for the shell when it has a key, 'schema.team["ml"]'
        to: String,
    },
    /// Statements an interrupted apply left in progress (sent, or owed, with no outcome
    /// recorded), which the next apply settles from the account
    InProgress,
    /// Forget a statement left in progress, and those owed after it, without running it
    /// (after checking the account yourself)
    Forget {
        /// Its request id, as `state in-progress` prints it
        request_id: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum ConnectionCommand {
    /// Account, user, role, warehouse and round-trip time of the selected connection
    Test,
}

#[derive(Subcommand, Debug)]
pub enum CommentCommand {
    /// Post to the pull request of the running Azure Pipelines build
    AzureDevops {
        /// A plan saved with `plan --out`
        #[arg(long, value_name = "FILE", conflicts_with_all = ["drift", "plan_failed"])]
        plan: Option<PathBuf>,
        /// A JSON drift report saved with `drift --out`
        #[arg(long, value_name = "FILE", conflicts_with = "plan_failed")]
        drift: Option<PathBuf>,
        /// The error output of a plan that failed: posted to the plan thread instead
        #[arg(long = "plan-failed", value_name = "FILE")]
        plan_failed: Option<PathBuf>,
    },
}

#[derive(Subcommand, Debug)]
pub enum SandboxCommand {
    /// Serve the SQL API v2 emulator on 127.0.0.1
    Serve(Box<ServeArgs>),
    /// Run SQL against the sandbox account of DIR/workspace
    Exec {
        /// The SQL; it may begin with a `--` comment
        #[arg(allow_hyphen_values = true)]
        sql: String,
    },
    /// Empty the sandbox account of DIR/workspace
    Reset,
}

#[derive(Args, Debug)]
pub struct ServeArgs {
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    #[arg(long, default_value = "SANDBOX")]
    pub account: String,
    /// Keep the account in this file (created when missing)
    #[arg(long = "account-file", value_name = "FILE")]
    pub account_file: Option<PathBuf>,
    /// A user allowed to sign in with a key pair (repeat with --public-key)
    #[arg(long = "user", value_name = "NAME")]
    pub users: Vec<String>,
    /// The public key (PEM) of the preceding --user
    #[arg(long = "public-key", value_name = "FILE")]
    pub(crate) public_keys: Vec<PathBuf>,
    /// An access token accepted for a user: USER=TOKEN (repeatable)
    #[arg(long = "token", value_name = "USER=TOKEN")]
    pub tokens: Vec<String>,
    /// A password the connector protocol (snowflake-connector-python, Snowpark) accepts for
    /// a user: USER=SECRET (repeatable)
    #[arg(long = "password", value_name = "USER=SECRET")]
    pub(crate) passwords: Vec<String>,
    #[arg(long = "latency-ms", default_value_t = 0)]
    pub latency_ms: u64,
    #[arg(long = "fail-every")]
    pub fail_every: Option<u64>,
    #[arg(long = "fail-status", default_value_t = 503)]
    pub fail_status: u16,
    #[arg(long = "drop-connection-every")]
    pub drop_connection_every: Option<u64>,
    #[arg(long = "async-after-ms")]
    pub(crate) async_after_ms: Option<u64>,
    /// Fail every statement whose text matches this regular expression, as a SQL
    /// compilation error, without running it
    #[arg(long = "fail-matching", value_name = "REGEX")]
    pub(crate) fail_matching: Option<String>,
}

/// A workspace names a state (`state/<workspace>.json`, a key of the state table) and a
/// sandbox account file: a name, never a path. `../../x` wrote outside the directory.
pub(crate) fn check_workspace(name: &str) -> Result<(), String> {
    let ok = (1..=64).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "invalid workspace name {:?}: a workspace is a name of 1 to 64 letters, digits, `_` and `-`, starting with a letter or digit (not a path)",
            crate::diag::excerpt(name, 64)
        ))
    }
}
