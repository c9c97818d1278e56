//! `snowform sandbox serve` as a child process, and a `connections.toml` that points at it
//! with a programmatic access token, exactly as a user would set one up.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};

pub const USER: &str = "BENCH";
const TOKEN: &str = "bench-token";
pub const CONNECTION: &str = "bench";
/// The warehouse the connection names, made when the server starts.
pub const WAREHOUSE: &str = "BENCH_CLIENT";

pub struct Server {
    child: Child,
    _stdout: BufReader<ChildStdout>,
    pub port: u16,
}

impl Server {
    /// Start the server with an empty account kept in memory, or, with
    /// `SNOWFORM_BENCH_ACCOUNT_FILE=1`, in `account.json` beside `log` (`--account-file`).
    pub fn start(bin: &Path, latency_ms: u64, log: &Path) -> Server {
        let mut cmd = Command::new(bin);
        cmd.args(["sandbox", "serve", "--token"])
            .arg(format!("{USER}={TOKEN}"))
            .arg("--latency-ms")
            .arg(latency_ms.to_string());
        if std::env::var_os("SNOWFORM_BENCH_ACCOUNT_FILE").is_some_and(|v| v == "1") {
            let file = log.with_file_name("account.json");
            let _ = std::fs::remove_file(&file);
            let _ = std::fs::remove_file(log.with_file_name("account.json.journal"));
            cmd.arg("--account-file").arg(file);
        }
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(log).expect("server log"))
            .spawn()
            .expect("start sandbox serve");
        let mut stdout = BufReader::new(child.stdout.take().expect("piped"));
        let mut line = String::new();
        stdout.read_line(&mut line).expect("first line");
        let port = line
            .trim()
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("unexpected first line from sandbox serve: {line:?}"));
        let server = Server {
            child,
            _stdout: stdout,
            port,
        };
        // The connection's warehouse, for the statements that need one (a refreshing plan
        // reads INFORMATION_SCHEMA.MODEL_VERSIONS), as a user's account has.
        server.run_script(&format!(
            "CREATE WAREHOUSE IF NOT EXISTS {WAREHOUSE} WAREHOUSE_SIZE = XSMALL"
        ));
        server
    }

    /// Run every statement of `sql` (the configuration's landing.sql) against the account,
    /// as the ingestion side would before the first apply.
    pub fn run_script(&self, sql: &str) {
        let client = snowform::snowflake::Client::from_base_url(
            &format!("http://127.0.0.1:{}", self.port),
            "SANDBOX",
            USER,
            snowform::snowflake::Auth::Pat(snowform::snowflake::Secret::new(TOKEN.to_string())),
            Default::default(),
        )
        .expect("client");
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        for (stmt, _) in snowform::sql::split_statements(sql).expect("landing SQL") {
            rt.block_on(client.query(&stmt))
                .unwrap_or_else(|e| panic!("{stmt}: {e}"));
        }
    }

    /// `GET /sandbox/v1/stats` as JSON.
    pub fn stats(&self) -> serde_json::Value {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).expect("connect");
        // HTTP/1.0: the whole body, then the connection closes.
        write!(
            s,
            "GET /sandbox/v1/stats HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n"
        )
        .expect("request");
        let mut resp = String::new();
        s.read_to_string(&mut resp).expect("response");
        let body = resp.split_once("\r\n\r\n").map(|x| x.1).unwrap_or("");
        serde_json::from_str(body).expect("stats JSON")
    }

    /// Stop it as Ctrl-C would.
    pub fn stop(mut self) {
        // SAFETY: signalling our own child process by its id.
        unsafe {
            libc::kill(self.child.id() as libc::pid_t, libc::SIGINT);
        }
        let _ = self.child.wait();
    }
}

/// A server is never left running: also when a measurement fails (a panic) before `stop`.
impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A `SNOWFLAKE_HOME` holding `connections.toml` with the connection `bench` to `port`.
pub fn snowflake_home(dir: &Path, port: u16) -> PathBuf {
    let home = dir.join("snowflake-home");
    std::fs::create_dir_all(&home).expect("home");
    let path = home.join("connections.toml");
    std::fs::write(
        &path,
        format!(
            "[{CONNECTION}]\naccount = \"SANDBOX\"\nuser = \"{USER}\"\nauthenticator = \"PROGRAMMATIC_ACCESS_TOKEN\"\ntoken = \"{TOKEN}\"\nwarehouse = \"{WAREHOUSE}\"\nhost = \"127.0.0.1\"\nport = {port}\nprotocol = \"http\"\n"
        ),
    )
    .expect("connections.toml");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
            .expect("chmod 0600");
    }
    home
}
