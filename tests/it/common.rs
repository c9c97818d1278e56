//! A configuration directory in a temporary place and the snowform command line to run in
//! it, isolated from the machine's own Snowflake configuration.
//!
//! [`Dir::run`] and the helpers built on it run the command line inside the test process
//! (`snowform::cli::run`, with this directory's environment and captured streams): that is
//! as the binary runs it, minus a process start, and tests run in parallel. What needs a
//! process of its own spawns the binary: [`Dir::cmd`] and [`Dir::run_process`] (signals,
//! `kill -9`, a terminal, stdin, the exit code of a panic), and [`Served`] (`sandbox serve`
//! as another process that can be killed and restarted). Each such test says why.

#![allow(dead_code)]

use assert_cmd::Command;
use std::path::{Path, PathBuf};

pub struct Dir {
    pub tmp: tempfile::TempDir,
    pub home: tempfile::TempDir,
}

pub struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Out {
    #[must_use]
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }

    #[track_caller]
    pub fn ok(self) -> Out {
        assert_eq!(
            self.code, 0,
            "exit {}\nstdout:\n{}\nstderr:\n{}",
            self.code, self.stdout, self.stderr
        );
        self
    }

    #[track_caller]
    pub fn code(self, code: i32) -> Out {
        assert_eq!(
            self.code, code,
            "exit {} (wanted {code})\nstdout:\n{}\nstderr:\n{}",
            self.code, self.stdout, self.stderr
        );
        self
    }
}

/// A new temporary directory, in memory (`/dev/shm`) where there is one: the sandbox
/// account and the state are written atomically with an fsync after every statement, which
/// on a disk shared with other work took a third of a test's time, and costs nothing there.
/// What the tests check of those writes (whole files, locks, a process killed mid-write)
/// is the same on both.
pub fn scratch() -> tempfile::TempDir {
    let shm = Path::new("/dev/shm");
    if shm.is_dir() {
        if let Ok(dir) = tempfile::tempdir_in(shm) {
            return dir;
        }
    }
    tempfile::tempdir().unwrap()
}

/// The repository's own directory.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

impl Dir {
    /// An empty configuration directory.
    pub fn empty() -> Dir {
        Dir {
            tmp: scratch(),
            home: scratch(),
        }
    }

    /// A copy of one of the examples.
    pub fn example(name: &str) -> Dir {
        let d = Dir::empty();
        let src = repo().join("examples").join(name);
        for entry in std::fs::read_dir(&src).unwrap() {
            let entry = entry.unwrap();
            // backend.hcl (state in the account, for the pipeline: tests/azure_comment.rs
            // uses the example whole) is left out: these tests read the local state file.
            if entry.path().extension().is_some_and(|e| e == "hcl")
                && entry.file_name() != "backend.hcl"
            {
                std::fs::copy(entry.path(), d.path().join(entry.file_name())).unwrap();
            }
            // modules/: the local modules the example calls.
            if entry.file_name() == "modules" && entry.path().is_dir() {
                copy_tree(&entry.path(), &d.path().join("modules"));
            }
            // procedures/: the procedure bodies the example reads with file().
            if entry.file_name() == "procedures" && entry.path().is_dir() {
                copy_tree(&entry.path(), &d.path().join("procedures"));
            }
        }
        d
    }

    /// A directory holding these files.
    pub fn with(files: &[(&str, &str)]) -> Dir {
        let d = Dir::empty();
        for (name, text) in files {
            d.write(name, text);
        }
        d
    }

    pub fn path(&self) -> &Path {
        self.tmp.path()
    }

    pub fn write(&self, name: &str, text: &str) {
        let path = self.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(path, text).unwrap();
    }

    /// The environment every run of this directory gets: no Snowflake configuration of the
    /// machine's, no colour.
    fn env(&self) -> Vec<(String, String)> {
        let home = self.home.path().to_string_lossy().into_owned();
        vec![
            ("HOME".into(), home.clone()),
            ("SNOWFLAKE_HOME".into(), home),
            ("NO_COLOR".into(), "1".into()),
        ]
    }

    /// The binary as a process of its own, with a clean environment: no Snowflake
    /// configuration of the machine's, no colour, this directory as -C. Only for what needs
    /// a process (see the module's comment); [`Dir::run`] otherwise.
    pub fn cmd(&self) -> Command {
        let mut c = Command::cargo_bin("snowform").unwrap();
        c.env_clear()
            .envs(self.env())
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .arg("-C")
            .arg(self.path());
        c
    }

    /// `snowform -C DIR args...`, in this process: its exit code and output.
    #[must_use = "check the exit code: .ok() or .code(N)"]
    pub fn run(&self, args: &[&str]) -> Out {
        self.run_env(&[], args)
    }

    /// [`Dir::run`] with more environment variables.
    #[must_use = "check the exit code: .ok() or .code(N)"]
    pub fn run_env(&self, vars: &[(&str, &str)], args: &[&str]) -> Out {
        let mut env = snowform::snowflake::Env::new().with_home(self.home.path());
        for (k, v) in self.env() {
            env.set_var(&k, &v);
        }
        for (k, v) in vars {
            env.set_var(k, v);
        }
        // The working directory the binary would inherit: cargo runs tests in the package.
        let (io, stdout, stderr) = snowform::cli::Io::captured(env, repo());
        let dir = self.path().to_string_lossy().into_owned();
        let argv = ["snowform", "-C", &dir]
            .into_iter()
            .chain(args.iter().copied());
        let code = snowform::cli::run(argv, io);
        Out {
            code: code.into(),
            stdout: stdout.text(),
            stderr: stderr.text(),
        }
    }

    /// [`Dir::run`] in a process of its own, for a test that needs one (see the module's
    /// comment).
    #[must_use = "check the exit code: .ok() or .code(N)"]
    pub fn run_process(&self, args: &[&str]) -> Out {
        let out = self.cmd().args(args).output().unwrap();
        Out {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Run against the embedded sandbox account of this directory.
    #[must_use = "check the exit code: .ok() or .code(N)"]
    pub fn sandbox(&self, args: &[&str]) -> Out {
        let mut all = vec!["--connection", "sandbox"];
        all.extend_from_slice(args);
        self.run(&all)
    }

    /// `apply --auto-approve --allow-destroy` on the sandbox: its JSON report, in which no
    /// statement failed.
    #[track_caller]
    pub fn apply_destroying(&self) -> serde_json::Value {
        let out = self
            .sandbox(&[
                "apply",
                "--auto-approve",
                "--allow-destroy",
                "--format",
                "json",
            ])
            .ok()
            .json();
        assert_eq!(out["failed"], serde_json::json!([]), "{out}");
        out
    }

    /// Create the test landing database LANDING.RAW (tests/fixtures/landing.sql) that the
    /// feature views of the tests' own configurations read.
    pub fn seed_test_landing(&self) {
        let sql = std::fs::read_to_string(repo().join("tests/fixtures/landing.sql")).unwrap();
        self.exec(&sql);
    }

    /// Create whatever raw tables this directory's feature views read and it does not
    /// declare: the test landing database when a configuration file names LANDING.RAW (the
    /// examples declare their raw tables).
    pub fn seed_sources(&self) {
        let names_landing = std::fs::read_dir(self.path()).unwrap().any(|e| {
            let p = e.unwrap().path();
            p.extension().is_some_and(|x| x == "hcl")
                && std::fs::read_to_string(&p).is_ok_and(|t| t.contains("LANDING.RAW"))
        });
        if names_landing {
            self.seed_test_landing();
        }
    }

    /// Change the sandbox account behind snowform's back.
    pub fn exec(&self, sql: &str) -> Out {
        self.run(&["sandbox", "exec", sql]).ok()
    }

    /// Read the sandbox account behind snowform's back: the rows of one statement.
    #[must_use]
    pub fn exec_rows(&self, sql: &str) -> Vec<serde_json::Value> {
        let out = self.run(&["--format", "json", "sandbox", "exec", sql]).ok();
        out.json()["rows"].as_array().expect("rows").clone()
    }
}

/// Copy a directory with everything under it.
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// The addresses and actions of a JSON plan's changes that do something.
#[must_use]
pub fn actions(plan: &serde_json::Value) -> Vec<(String, String)> {
    plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["action"] != "noop")
        .map(|c| {
            (
                c["address"].as_str().unwrap().to_string(),
                c["action"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// The warehouse every served account has and every `Dir::connect` connection names.
pub const CI_WAREHOUSE: &str = "CI_WH";

/// A `snowform sandbox serve` process: an account shared by several snowform runs, with
/// latency to catch them mid-flight and statistics of what it executed. A process of its
/// own, so that the robustness tests can kill it (SIGKILL) and restart it on the same port.
pub struct Served {
    child: Option<std::process::Child>,
    pub url: String,
    pub port: u16,
    pub user: String,
    pub token: String,
    latency_ms: u64,
    flags: Vec<String>,
    _account: tempfile::TempDir,
}

impl Served {
    /// Start serving a fresh account with `latency_ms` before every request.
    pub fn start(latency_ms: u64) -> Served {
        Served::start_with(latency_ms, &[])
    }

    /// [`Served::start`] with more `sandbox serve` flags (its fault injection).
    pub fn start_with(latency_ms: u64, flags: &[&str]) -> Served {
        let account = scratch();
        let (user, token) = ("SNOWFORM_CI".to_string(), "sandbox-token-1".to_string());
        let mut served = Served {
            child: None,
            url: String::new(),
            port: 0,
            user,
            token,
            latency_ms,
            flags: flags.iter().map(|f| f.to_string()).collect(),
            _account: account,
        };
        served.serve();
        // The warehouse the connections of `Dir::connect` name: the state table's SELECT,
        // UPDATE and MERGE and the model version reads run on one, as in Snowflake.
        served.sql(&format!(
            "CREATE WAREHOUSE {CI_WAREHOUSE} WAREHOUSE_SIZE = XSMALL AUTO_RESUME = TRUE INITIALLY_SUSPENDED = TRUE"
        ));
        served
    }

    /// Start `sandbox serve` on the account file (on the port it had, once it had one).
    fn serve(&mut self) {
        use std::io::BufRead;
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("snowform"))
            .args(["sandbox", "serve", "--account-file"])
            .arg(self.account_file())
            .args(["--port", &self.port.to_string()])
            .args(["--token", &format!("{}={}", self.user, self.token)])
            .args(["--latency-ms", &self.latency_ms.to_string()])
            .args(&self.flags)
            .env("NO_COLOR", "1")
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let mut first = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        let url = first
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line of sandbox serve: {first:?}"))
            .to_string();
        self.port = url.rsplit(':').next().unwrap().parse().unwrap();
        self.url = url;
        self.child = Some(child);
    }

    /// The file the served account is kept in.
    pub fn account_file(&self) -> std::path::PathBuf {
        self._account.path().join("account.json")
    }

    /// Kill the server with SIGKILL: whatever it was answering is lost.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// The `sandbox serve` flags of the next [`Served::restart`].
    pub fn set_flags(&mut self, flags: &[&str]) {
        self.flags = flags.iter().map(|f| f.to_string()).collect();
    }

    /// The latency of the next [`Served::restart`].
    pub fn latency(&mut self, ms: u64) {
        self.latency_ms = ms;
    }

    /// Serve the same account file again, on the same port. Statistics start from zero.
    pub fn restart(&mut self) {
        self.kill();
        self.serve();
    }

    fn client(&self) -> snowform::snowflake::Client {
        snowform::snowflake::Client::from_base_url(
            &self.url,
            "SANDBOX",
            &self.user,
            snowform::snowflake::Auth::Pat(snowform::snowflake::Secret::new(self.token.clone())),
            snowform::snowflake::ClientOptions {
                context: snowform::snowflake::Context {
                    warehouse: Some(CI_WAREHOUSE.into()),
                    ..Default::default()
                },
                ..Default::default()
            },
        )
        .unwrap()
    }

    fn block_on<T>(f: impl std::future::Future<Output = T>) -> T {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(f)
    }

    /// Run SQL against the served account behind snowform's back; its rows.
    pub fn sql(&self, sql: &str) -> Vec<Vec<Option<String>>> {
        let client = self.client();
        Self::block_on(async { client.query(sql).await })
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
            .rows
    }

    /// Run SQL against the served account; the whole answer (with its statement handle) or
    /// the error.
    pub fn query(
        &self,
        sql: &str,
    ) -> Result<snowform::snowflake::QueryResult, snowform::snowflake::ClientError> {
        let client = self.client();
        Self::block_on(async { client.query(sql).await })
    }

    /// Run every statement of a script (such as an example's landing.sql) against the
    /// served account.
    pub fn run_script(&self, sql: &str) {
        for (stmt, _) in snowform::sql::split_statements(sql).unwrap() {
            self.sql(&stmt);
        }
    }

    /// `GET /sandbox/v1/stats`.
    #[must_use]
    pub fn stats(&self) -> snowform::sandbox::StatsSnapshot {
        use std::io::{Read, Write};
        let mut conn = std::net::TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        write!(
            conn,
            "GET /sandbox/v1/stats HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut reply = String::new();
        conn.read_to_string(&mut reply).unwrap();
        let (head, body) = reply.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        serde_json::from_str(body).unwrap_or_else(|e| panic!("stats ({e}): {body}"))
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        self.kill();
    }
}

impl Dir {
    /// Name `served` as connection `name` in this directory's connections.toml.
    pub fn connect(&self, served: &Served, name: &str) {
        let path = self.home.path().join("connections.toml");
        let mut text = std::fs::read_to_string(&path).unwrap_or_default();
        text.push_str(&format!(
            "[{name}]\naccount = \"SANDBOX\"\nuser = \"{}\"\nauthenticator = \"PROGRAMMATIC_ACCESS_TOKEN\"\ntoken = \"{}\"\nhost = \"127.0.0.1\"\nport = {}\nprotocol = \"http\"\nwarehouse = \"{}\"\n\n",
            served.user, served.token, served.port, CI_WAREHOUSE.to_ascii_lowercase()
        ));
        std::fs::write(&path, text).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
    }

    /// Run with `--connection name`.
    #[must_use = "check the exit code: .ok() or .code(N)"]
    pub fn on(&self, name: &str, args: &[&str]) -> Out {
        let mut all = vec!["--connection", name];
        all.extend_from_slice(args);
        self.run(&all)
    }

    /// The state file of the local backend, parsed.
    #[must_use]
    /// The state file's head (format_version, serial, journal, in_progress) with its
    /// records as snowform reads them, keyed by address (`resources["warehouse.a"]`, with
    /// `properties` and `deps`): the file itself groups them by kind, in columns.
    pub fn state(&self) -> serde_json::Value {
        let text = std::fs::read_to_string(self.path().join("state/default.json")).unwrap();
        let mut raw: serde_json::Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("the state file is not JSON ({e}):\n{text}"));
        let state = snowform::state::State::parse(&text, "state/default.json")
            .unwrap_or_else(|e| panic!("the state file does not read ({e}):\n{text}"));
        raw["resources"] = serde_json::to_value(&state.resources).unwrap();
        raw
    }
}

/// Every statement of a JSON plan, in the order apply runs them.
#[must_use]
pub fn statements(plan: &serde_json::Value) -> Vec<String> {
    plan["statements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

/// Seal a saved plan edited on purpose again, as `plan --out` seals it: the tests that run
/// a plan in another order than it was written change the file deliberately.
pub fn reseal(doc: &mut serde_json::Value) {
    use sha2::Digest;
    let targets: Vec<String> = serde_json::from_value(doc["targets"].clone()).unwrap();
    let replace: Vec<String> = doc
        .get("replace")
        .map(|r| serde_json::from_value(r.clone()).unwrap())
        .unwrap_or_default();
    let text = snowform::plan::saved::sealed(
        &doc["plan"],
        doc["redacted"].as_bool().unwrap(),
        &targets,
        &replace,
    );
    doc["digest"] = serde_json::json!(hex::encode(sha2::Sha256::digest(text.as_bytes())));
}

/// A state sink that keeps nothing: the tests that drive `apply::apply` in process keep
/// the state in memory themselves.
pub struct NoStateSink;

impl snowform::apply::StateSink for NoStateSink {
    async fn write(
        &mut self,
        _: &snowform::state::State,
        _: &[snowform::state::Entry],
    ) -> Result<(), snowform::state::StateError> {
        Ok(())
    }
}

/// A fresh in-memory sandbox account served on a port of its own, whose one user (signed
/// in with `token`) has `warehouse` as default warehouse, and a client signed in to it;
/// with `seed_landing`, the raw tables of tests/fixtures/landing.sql made first.
pub async fn served_account(
    token: &str,
    warehouse: &str,
    seed_landing: bool,
) -> (
    snowform::sandbox::RunningServer,
    snowform::snowflake::Client,
) {
    use snowform::sandbox::{self, AccessToken, ServeOptions, SqlEngine};
    use snowform::snowflake::{Auth, Client, ClientOptions, Secret};
    let mut engine = sandbox::Engine::new("SANDBOX");
    let setup = sandbox::Session {
        account: "SANDBOX".into(),
        user: "SNOWFORM".into(),
        role: "ACCOUNTADMIN".into(),
        ..Default::default()
    };
    engine
        .execute(
            &format!("CREATE WAREHOUSE {warehouse} WAREHOUSE_SIZE = XSMALL"),
            &setup,
        )
        .unwrap();
    let server = sandbox::start(
        ServeOptions {
            tokens: vec![AccessToken {
                user: "SNOWFORM".into(),
                token: Secret::new(token),
            }],
            default_warehouse: Some(warehouse.into()),
            ..ServeOptions::default()
        },
        Box::new(engine),
    )
    .await
    .unwrap();
    let client = Client::from_base_url(
        &server.base_url(),
        "SANDBOX",
        "SNOWFORM",
        Auth::Pat(Secret::new(token)),
        ClientOptions::default(),
    )
    .unwrap();
    if seed_landing {
        let sql = std::fs::read_to_string(repo().join("tests/fixtures/landing.sql")).unwrap();
        for (statement, _) in snowform::sql::split_statements(&sql).unwrap() {
            client.query(&statement).await.unwrap();
        }
    }
    (server, client)
}
