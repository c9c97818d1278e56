"""Shared fixtures of the compatibility suite: a `snowform sandbox serve` account with
examples/mitsui-mlops applied by the snowform binary, and Snowpark sessions on it.

tests/compat/run.sh sets SNOWFORM_BIN (the binary to run). The example is copied without its
backend.hcl, so its state stays in a local file of the copy and the account holds only what
the example creates (its raw tables included).
"""

import os
import re
import shutil
import subprocess

import pytest

BIN = os.environ.get("SNOWFORM_BIN", "")
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
EXAMPLE = os.path.join(ROOT, "examples", "mitsui-mlops")
USER = "DATA_SCIENTIST"
PASSWORD = "compat-secret"
TOKEN = "compat-token"
# The warehouse the sessions and snowform's connection name (the example creates COMPUTE_WH).
WAREHOUSE = "COMPAT_WH"


class Served:
    """A running `snowform sandbox serve` and how to reach it."""

    def __init__(self, port, home):
        self.port = port
        self.home = home

    def params(self, **extra):
        p = {
            "account": "SANDBOX", "user": USER, "password": PASSWORD,
            "host": "127.0.0.1", "port": self.port, "protocol": "http",
            "warehouse": WAREHOUSE,
        }
        p.update(extra)
        return p

    def snowform(self, directory, *args, check=True):
        """Run the snowform binary in `directory` against the served account."""
        env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": self.home,
            "SNOWFLAKE_HOME": self.home,
            "NO_COLOR": "1",
        }
        out = subprocess.run(
            [BIN, "-C", directory, "--connection", "compat", *args],
            env=env, capture_output=True, text=True,
        )
        if check:
            assert out.returncode == 0, (
                f"snowform {' '.join(args)} exited {out.returncode}\n"
                f"stdout:\n{out.stdout}\nstderr:\n{out.stderr}"
            )
        return out

    def execute(self, sql):
        """Run statements through the connector, one request each; a failure names the statement."""
        import snowflake.connector

        with snowflake.connector.connect(**self.params()) as conn:
            for stmt in split_statements(sql):
                try:
                    conn.cursor().execute(stmt)
                except snowflake.connector.errors.ProgrammingError as e:
                    raise AssertionError(f"the sandbox could not answer:\n{stmt}\n{e}") from e


def split_statements(script):
    """The statements of a plain script (no semicolons inside literals): comments dropped."""
    lines = [l for l in script.splitlines() if not l.lstrip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]


@pytest.fixture(scope="session")
def served(tmp_path_factory):
    assert BIN, "SNOWFORM_BIN is not set: run tests/compat/run.sh"
    home = tmp_path_factory.mktemp("home")
    # `-v` logs every statement the sandbox failed, which pytest_sessionfinish checks.
    global SERVE_LOG
    SERVE_LOG = str(home / "serve.log")
    log = open(SERVE_LOG, "w")
    proc = subprocess.Popen(
        [BIN, "sandbox", "serve", "-v", "--port", "0",
         "--password", f"{USER}={PASSWORD}", "--token", f"{USER}={TOKEN}"],
        stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True, stderr=log,
    )
    line = proc.stdout.readline()
    m = re.search(r"listening on http://127\.0\.0\.1:(\d+)", line)
    assert m, f"unexpected first line from sandbox serve: {line!r}"
    port = int(m.group(1))
    # snowform speaks the SQL API v2 with the access token; the sessions sign in with the password.
    conf = home / "connections.toml"
    conf.write_text(
        "[compat]\naccount = \"SANDBOX\"\n"
        f"user = \"{USER}\"\nauthenticator = \"PROGRAMMATIC_ACCESS_TOKEN\"\ntoken = \"{TOKEN}\"\n"
        f"host = \"127.0.0.1\"\nport = {port}\nprotocol = \"http\"\nwarehouse = \"{WAREHOUSE}\"\n"
    )
    conf.chmod(0o600)
    try:
        yield Served(port, str(home))
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()


SERVE_LOG = None
# Statements the suite sends on purpose to see them refused: test_a_failure_names_the_statement's.
DELIBERATE = {"SELECT UPPER('x')"}
# The one documented limit the library meets (docs/sandbox.md): a version's model spec.
DOCUMENTED_LIMITS = ("SHOW_MODEL_DETAILS_IN_SHOW_VERSIONS_IN_MODEL",)


def unsupported_statements(log_text):
    """The statements the sandbox refused as unsupported (000002), from its `-v` log: the clients
    often catch a failure and carry on, so a test passing does not show it."""
    found = []
    for line in log_text.splitlines():
        if "statement failed" not in line or "code=000002" not in line:
            continue
        m = re.search(r'statement="((?:[^"\\]|\\.)*)" error="((?:[^"\\]|\\.)*)"', line)
        statement, message = (m.group(1), m.group(2)) if m else (line, line)
        if statement in DELIBERATE or any(l in message for l in DOCUMENTED_LIMITS):
            continue
        found.append(f"{statement}\n    -> {message}")
    return found


def pytest_sessionfinish(session, exitstatus):
    """Every statement a client sent is answered, or refused with an error Snowflake also gives:
    an unsupported refusal outside the documented limits fails the run, naming the statement."""
    if SERVE_LOG is None or not os.path.exists(SERVE_LOG):
        return
    with open(SERVE_LOG) as f:
        found = unsupported_statements(f.read())
    if found:
        print("\nstatements the sandbox refused as unsupported (not a Snowflake answer):")
        for s in found:
            print(f"  {s}")
        session.exitstatus = 1


@pytest.fixture(scope="session")
def example(served, tmp_path_factory):
    """examples/mitsui-mlops applied to the served account by snowform; its directory."""
    directory = tmp_path_factory.mktemp("mitsui-mlops")
    for name in sorted(os.listdir(EXAMPLE)):
        if name.endswith(".hcl") and name != "backend.hcl":
            shutil.copy(os.path.join(EXAMPLE, name), directory / name)
    # The files its blocks read.
    shutil.copytree(os.path.join(EXAMPLE, "procedures"), directory / "procedures")
    served.execute(f"CREATE WAREHOUSE {WAREHOUSE} WAREHOUSE_SIZE = XSMALL INITIALLY_SUSPENDED = TRUE")
    served.snowform(str(directory), "apply", "--auto-approve")
    served.snowform(str(directory), "plan", "--detailed-exitcode")
    return str(directory)


def open_session(served, **extra):
    from snowflake.snowpark import Session

    return Session.builder.configs(served.params(**extra)).create()


@pytest.fixture(scope="module")
def session(served, example):
    """A Snowpark session on the account the example was applied to."""
    s = open_session(served, database="XYZ_DEV", schema="FEATURE_STORE")
    try:
        yield s
    finally:
        s.close()
