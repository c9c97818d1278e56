"""snowflake-connector-python and Snowpark against `snowform sandbox serve`.

tests/compat/run.sh runs this file in the environment of each supported
snowflake-ml-python release, whose dependencies bring the connector and Snowpark. It
starts the sandbox (SNOWFORM_BIN) with a password, a key pair and an access token for one
user, and checks that the connector's protocol and the SQL API v2 see one account.
"""

import datetime
import json
import os
import re
import subprocess
import time
import urllib.request

import pytest
import snowflake.connector
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

BIN = os.environ.get("SNOWFORM_BIN", "")
USER = "ALICE"
PASSWORD = "compat-password"
PAT = "compat-access-token"


@pytest.fixture(scope="module")
def key(tmp_path_factory):
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pub = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    path = tmp_path_factory.mktemp("key") / "alice.pub"
    path.write_bytes(pub)
    return private, path


@pytest.fixture(scope="module")
def port(key):
    assert BIN, "SNOWFORM_BIN is not set: run tests/compat/run.sh"
    proc = subprocess.Popen(
        [BIN, "sandbox", "serve", "--port", "0",
         "--password", f"{USER}={PASSWORD}",
         "--user", USER, "--public-key", str(key[1]),
         "--token", f"{USER}={PAT}"],
        stdout=subprocess.PIPE, text=True,
    )
    line = proc.stdout.readline()
    m = re.search(r"listening on http://127\.0\.0\.1:(\d+)", line)
    assert m, f"unexpected first line from sandbox serve: {line!r}"
    yield int(m.group(1))
    proc.terminate()
    proc.wait(timeout=10)


def connect(port, **kw):
    args = dict(account="SANDBOX", user=USER, host="127.0.0.1", port=port, protocol="http")
    if "private_key" not in kw:
        args["password"] = PASSWORD
    args.update(kw)
    return snowflake.connector.connect(**args)


def sql_api(port, statement):
    """One statement through the SQL API v2, as any of its clients sends it."""
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v2/statements",
        data=json.dumps({"statement": statement}).encode(),
        headers={
            "Content-Type": "application/json",
            "Authorization": f"Bearer {PAT}",
            "X-Snowflake-Authorization-Token-Type": "PROGRAMMATIC_ACCESS_TOKEN",
        },
        method="POST",
    )
    with urllib.request.urlopen(req) as r:
        return json.load(r)


def test_select_decodes_to_python_types(port):
    with connect(port) as conn:
        row = conn.cursor().execute("SELECT 1, TRUE, 'x'").fetchone()
        assert row == (1, True, "x")
        assert [type(v) for v in row] == [int, bool, str]
        now = conn.cursor().execute("SELECT CURRENT_TIMESTAMP()").fetchone()[0]
        assert isinstance(now, datetime.datetime) and now.tzinfo is not None


@pytest.mark.parametrize("paramstyle,sql", [
    ("qmark", "SELECT ?, ?, ?, ?, ?"),
    ("numeric", "SELECT :1, :2, :3, :4, :5"),
])
def test_server_side_bindings(port, paramstyle, sql):
    """The qmark and numeric styles send their values as bindings, bound by the server."""
    with connect(port, paramstyle=paramstyle) as conn:
        values = (42, "it's ?", True, None, datetime.date(2024, 2, 29))
        row = conn.cursor().execute(sql, values).fetchone()
        assert row == values


def test_both_protocols_see_one_account(port):
    with connect(port) as conn:
        cur = conn.cursor()
        cur.execute("CREATE DATABASE FROM_CONNECTOR")
        seen = sql_api(port, "SHOW DATABASES")
        names = [r[1] for r in seen["data"]]
        assert "FROM_CONNECTOR" in names
        sql_api(port, "CREATE DATABASE FROM_SQL_API")
        cur.execute("SHOW DATABASES")
        name = [d[0] for d in cur.description].index("name")
        assert "FROM_SQL_API" in [r[name] for r in cur.fetchall()]
        cur.execute("USE DATABASE FROM_SQL_API")
        assert conn.database == "FROM_SQL_API"
        assert cur.execute("SELECT CURRENT_DATABASE()").fetchone() == ("FROM_SQL_API",)


def test_errors_carry_code_and_sqlstate(port):
    with connect(port) as conn:
        with pytest.raises(snowflake.connector.errors.ProgrammingError) as e:
            conn.cursor().execute("USE DATABASE NO_SUCH_DATABASE")
        assert e.value.errno == 2043
        assert e.value.sqlstate == "02000"


def test_wrong_password_is_refused(port):
    with pytest.raises(snowflake.connector.errors.DatabaseError) as e:
        connect(port, password="wrong")
    # Connector 4 reports the server's code; 3.x its own "failed to connect" (250001).
    assert e.value.errno in (390100, 250001)
    assert "Incorrect username or password was specified." in str(e.value)


def test_async_query_and_its_status(port):
    with connect(port) as conn:
        cur = conn.cursor()
        cur.execute_async("SELECT 2")
        qid = cur.sfqid
        deadline = time.monotonic() + 10
        while conn.is_still_running(conn.get_query_status(qid)):
            assert time.monotonic() < deadline, "the async query did not finish"
            time.sleep(0.05)
        # GET /queries/<id>/result; get_results_from_sfqid reads through RESULT_SCAN instead.
        cur.query_result(qid)
        assert cur.fetchone() == (2,)
        assert conn.get_query_status(qid).name == "SUCCESS"


def test_key_pair_login(port, key):
    with connect(port, private_key=key[0]) as conn:
        assert conn.cursor().execute("SELECT CURRENT_USER()").fetchone() == (USER,)


def test_snowpark_session(port):
    from snowflake.snowpark import Session

    session = Session.builder.configs({
        "account": "SANDBOX", "user": USER, "password": PASSWORD,
        "host": "127.0.0.1", "port": port, "protocol": "http",
    }).create()
    try:
        rows = session.sql("SELECT 1 AS ONE, 'x' AS S").collect()
        assert rows[0]["ONE"] == 1 and rows[0]["S"] == "x"
        session.sql("CREATE DATABASE FROM_SNOWPARK").collect()
        session.use_database("FROM_SNOWPARK")
        assert session.get_current_database() == '"FROM_SNOWPARK"'
        names = [r[1] for r in sql_api(port, "SHOW DATABASES")["data"]]
        assert "FROM_SNOWPARK" in names
    finally:
        session.close()
