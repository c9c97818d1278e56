"""snowflake-ml-python's Feature Store and Model Registry against `snowform sandbox serve`.

tests/compat/run.sh runs this file in the environment of each supported release. The
account has examples/mitsui-mlops applied by snowform (conftest.py); the tests read it back
through the library's public API, then register objects the way a data scientist does and
check that `snowform generate` imports them and re-plans to no changes.

What a release needs that the sandbox refuses is expected to fail with the sandbox's
refusal (checked), and marked xfail with the reason; docs/sandbox.md lists these limits.
Any other failure names the statement the sandbox could not answer (`answered`).
"""

import inspect
import json
import re

import pytest

from snowflake.ml.feature_store import CreationMode, Entity, FeatureStore, FeatureView
from snowflake.ml.registry import Registry

DATABASE = "XYZ_DEV"
SCHEMA = "FEATURE_STORE"

# examples/mitsui-mlops/feature_store.hcl and compute.hcl, as the library reports them.
ENTITY = {"name": "PATIENT", "join_keys": ["PATIENT_ID"], "desc": "A patient of the clinic"}
FEATURE_VIEWS = {
    "PATIENT_AGE": {"version": "V1", "desc": "Age in whole years"},
    "PATIENT_VITALS": {"version": "V1", "desc": "Latest vital signs"},
}
# Why the sandbox cannot DESCRIBE each of the example's feature views, which
# get_feature_view does: the refusal and the reason (docs/sandbox.md, DESCRIBE).
DESCRIBE_REFUSALS = {
    "PATIENT_AGE": (
        "its type is not derived from",
        "DESC of the example's PATIENT_AGE: the type of DATEDIFF(...) is not derived by the "
        "sandbox (the DATEDIFF reference says only 'an integer', no NUMBER precision), so it "
        "refuses that DESC",
    ),
    "PATIENT_VITALS": (
        "its source column is NOT NULL",
        "DESC of the example's PATIENT_VITALS: its raw table declares PATIENT_ID NOT NULL, "
        "and whether a dynamic table carries NOT NULL into DESCRIBE is not documented (CREATE "
        "and DESCRIBE DYNAMIC TABLE references), so the sandbox refuses that DESC",
    ),
}
# examples/mitsui-mlops/models.hcl.
MODEL = "AGE_MODEL"
MODEL_COMMENT = "Predicts a patient's age from their vitals"
VERSIONS = {
    "V1": {"comment": "Baseline", "aliases": {"FIRST"}, "metadata": {}},
    "V2": {
        "comment": "Retrained with vital signs",
        "aliases": {"DEFAULT", "LAST", "CHAMPION"},
        "metadata": {"metrics": {"rmse": 4.2, "mae": 3.1}},
    },
}

# Newer releases (2.6.0 of those checked) ask whether the Feature Store's metadata table exists
# with `SELECT COUNT(*) ... FROM INFORMATION_SCHEMA.TABLES` before reading feature views
# (metadata_manager.py, _check_table_exists) unless the same FeatureStore object created it;
# the sandbox has neither that view nor aggregation, and refuses the query.
try:
    from snowflake.ml.feature_store import metadata_manager as _metadata_manager

    CHECKS_METADATA_TABLE = "INFORMATION_SCHEMA.TABLES" in inspect.getsource(_metadata_manager)
except ImportError:
    CHECKS_METADATA_TABLE = False
METADATA_TABLE_REFUSAL = ("Unsupported feature", "FROM INFORMATION_SCHEMA.TABLES")
METADATA_TABLE_REASON = (
    "this release checks for its metadata table with SELECT COUNT(*) FROM INFORMATION_SCHEMA.TABLES, "
    "which the sandbox refuses (no INFORMATION_SCHEMA.TABLES, no aggregation); see docs/sandbox.md"
)
MODEL_SPEC_REASON = (
    "a version's model spec (SHOW VERSIONS with SHOW_MODEL_DETAILS_IN_SHOW_VERSIONS_IN_MODEL) "
    "comes from its model files, which the sandbox does not hold; see docs/sandbox.md"
)


def _chain(e):
    seen = []
    while e is not None and e not in seen:
        seen.append(e)
        e = e.__cause__ or e.__context__
    return seen


def failed_statement(e):
    """The SQL text of the statement behind a library error, if the chain carries it."""
    for x in _chain(e):
        for attr in ("query", "sql_text"):
            q = getattr(x, attr, None)
            if isinstance(q, str) and q.strip():
                return q.strip()
    return None


def answered(fn, *args, **kwargs):
    """Call the library; a failure names the statement the sandbox could not answer."""
    try:
        return fn(*args, **kwargs)
    except Exception as e:
        sql = failed_statement(e) or "(the error does not carry its statement)"
        raise AssertionError(
            f"{getattr(fn, '__qualname__', fn)} failed; the statement the sandbox could not "
            f"answer:\n{sql}\nerror: {e}"
        ) from e


def refused(fn, needle, reason):
    """The call fails with the sandbox's known refusal `needle` (a text, or texts that must all
    appear): xfail with `reason`."""
    with pytest.raises(Exception) as e:
        fn()
    text = " | ".join(str(x) for x in _chain(e.value))
    for n in (needle,) if isinstance(needle, str) else needle:
        assert n in text, f"expected the refusal {n!r}, got: {text}"
    pytest.xfail(reason)


@pytest.fixture(scope="module")
def fs(session):
    return answered(
        FeatureStore,
        session,
        DATABASE,
        SCHEMA,
        "COMPUTE_WH",
        creation_mode=CreationMode.FAIL_IF_NOT_EXIST,
    )


@pytest.fixture(scope="module")
def registry(session):
    return answered(Registry, session=session, database_name=DATABASE, schema_name=SCHEMA)


def test_list_entities(fs):
    rows = answered(fs.list_entities().collect)
    assert [r["NAME"] for r in rows] == [ENTITY["name"]]
    assert json.loads(rows[0]["JOIN_KEYS"]) == ENTITY["join_keys"]
    assert rows[0]["DESC"] == ENTITY["desc"]


def test_get_entity(fs):
    e = answered(fs.get_entity, "PATIENT")
    assert e.name == ENTITY["name"]
    assert [k.resolved() for k in e.join_keys] == ENTITY["join_keys"]
    assert e.desc == ENTITY["desc"]


def test_list_feature_views(fs):
    if CHECKS_METADATA_TABLE:
        refused(lambda: fs.list_feature_views().collect(), METADATA_TABLE_REFUSAL, METADATA_TABLE_REASON)
    rows = answered(fs.list_feature_views().collect)
    got = {r["NAME"]: r for r in rows}
    assert sorted(got) == sorted(FEATURE_VIEWS)
    for name, want in FEATURE_VIEWS.items():
        r = got[name]
        assert r["VERSION"] == want["version"]
        assert r["DATABASE_NAME"] == DATABASE and r["SCHEMA_NAME"] == SCHEMA
        assert r["DESC"] == want["desc"]
        assert json.loads(r["ENTITIES"]) == [ENTITY["name"]]
        assert r["CREATED_ON"] is not None


@pytest.mark.parametrize("name", sorted(FEATURE_VIEWS))
def test_get_feature_view_of_the_example(fs, name):
    want = FEATURE_VIEWS[name]
    if CHECKS_METADATA_TABLE:
        refused(lambda: fs.get_feature_view(name, want["version"]), METADATA_TABLE_REFUSAL, METADATA_TABLE_REASON)
    # Everything before the DESC was answered; the feature view's details are checked on
    # the library's own feature views (test_registered_feature_views_read_back).
    needle, reason = DESCRIBE_REFUSALS[name]
    refused(lambda: fs.get_feature_view(name, want["version"]), needle, reason)


def test_show_models(registry):
    df = answered(registry.show_models)
    assert list(df["name"]) == [MODEL]
    row = df.iloc[0]
    assert row["comment"] == MODEL_COMMENT
    assert row["default_version_name"] == "V2"
    assert sorted(json.loads(row["versions"])) == sorted(VERSIONS)
    assert json.loads(row["aliases"])["CHAMPION"] == "V2"


def test_get_model_and_its_comment(registry):
    m = answered(registry.get_model, MODEL)
    assert m.name == MODEL
    assert answered(lambda: m.comment) == MODEL_COMMENT


def test_show_versions(registry):
    m = answered(registry.get_model, MODEL)
    df = answered(m.show_versions)
    assert sorted(df["name"]) == sorted(VERSIONS)
    for _, row in df.iterrows():
        want = VERSIONS[row["name"]]
        assert row["comment"] == want["comment"]
        assert set(json.loads(row["aliases"])) == want["aliases"]
        # snowform also writes the library's snowpark_ml_schema_version key.
        metadata = json.loads(row["metadata"])
        assert metadata.get("metrics") == want["metadata"].get("metrics"), metadata
        assert str(row["is_default_version"]).lower() == str(row["name"] == "V2").lower()
        assert row["database_name"] == DATABASE and row["model_name"] == MODEL


@pytest.mark.parametrize(
    "call",
    ["versions", "default", "version"],
)
def test_model_versions_need_the_model_spec(registry, call):
    m = answered(registry.get_model, MODEL)
    run = {
        "versions": lambda: m.versions(),
        "default": lambda: m.default,
        "version": lambda: m.version("V2"),
    }[call]
    refused(run, "SHOW_MODEL_DETAILS_IN_SHOW_VERSIONS_IN_MODEL", MODEL_SPEC_REASON)


def test_a_failure_names_the_statement(session):
    """A statement the sandbox refuses is named in the assertion (the suite's contract)."""
    with pytest.raises(AssertionError) as e:
        answered(lambda: session.sql("SELECT UPPER('x')").collect())
    assert "SELECT UPPER('x')" in str(e.value)


# The other way round: what a data scientist registers, snowform generates and imports.
LIB_DB = "DS_DB"
LIB_SCHEMA = "DS_FS"


@pytest.fixture(scope="module")
def registered(served, session):
    """An entity and two feature views registered by the library: (FeatureStore, results)."""
    served.execute(
        f"CREATE DATABASE {LIB_DB}; CREATE SCHEMA {LIB_DB}.RAW;"
        f"CREATE TABLE {LIB_DB}.RAW.ORDERS (CUSTOMER_ID NUMBER, AMOUNT FLOAT, ORDERED_AT TIMESTAMP_NTZ)"
    )
    fs = answered(
        FeatureStore,
        session,
        LIB_DB,
        LIB_SCHEMA,
        "COMPAT_WH",
        creation_mode=CreationMode.CREATE_IF_NOT_EXIST,
    )
    customer = Entity("CUSTOMER", ["CUSTOMER_ID"], desc="A customer")
    answered(fs.register_entity, customer)
    spend = FeatureView(
        "CUSTOMER_SPEND",
        [customer],
        session.sql(f"SELECT customer_id, amount, ordered_at FROM {LIB_DB}.RAW.ORDERS"),
        timestamp_col="ORDERED_AT",
        refresh_freq="1 day",
        desc="Spend per order",
    )
    amount = FeatureView(
        "CUSTOMER_AMOUNT",
        [customer],
        session.sql(f"SELECT customer_id, amount FROM {LIB_DB}.RAW.ORDERS"),
        desc="Amounts, as a view",
    )
    # register_feature_view creates the objects, then reads the feature view back.
    results = {fv.name.resolved(): answered(fs.register_feature_view, fv, "V1") for fv in (spend, amount)}
    return fs, results


def test_registered_feature_views_read_back(registered):
    fs, results = registered
    assert {n: str(r.version) for n, r in results.items()} == {"CUSTOMER_SPEND": "V1", "CUSTOMER_AMOUNT": "V1"}
    spend = answered(fs.get_feature_view, "CUSTOMER_SPEND", "V1")
    assert spend.version == "V1"
    assert spend.desc == "Spend per order"
    assert spend.timestamp_col.resolved() == "ORDERED_AT"
    assert spend.refresh_freq == "1 day"
    assert spend.warehouse.resolved() == "COMPAT_WH"
    assert [e.name.resolved() for e in spend.entities] == ["CUSTOMER"]
    assert [k.resolved() for k in spend.entities[0].join_keys] == ["CUSTOMER_ID"]
    types = {f.name: type(f.datatype).__name__ for f in spend.output_schema.fields}
    assert types == {"CUSTOMER_ID": "LongType", "AMOUNT": "DoubleType", "ORDERED_AT": "TimestampType"}, types
    view = answered(fs.get_feature_view, "CUSTOMER_AMOUNT", "V1")
    assert view.refresh_freq is None and view.desc == "Amounts, as a view"
    assert [f.name for f in view.output_schema.fields] == ["CUSTOMER_ID", "AMOUNT"]


def _imports(stderr):
    """The (address, name) pairs of the `snowform import ADDRESS 'NAME'` lines generate prints."""
    out = []
    for line in stderr.splitlines():
        m = re.match(r"\s*snowform import (\S+) '(.*)'$", line)
        if m:
            out.append((m.group(1), m.group(2).replace("'\\''", "'")))
    return out


def test_generate_imports_what_the_library_registered(served, registered, tmp_path):
    generated = served.snowform(
        str(tmp_path), "generate", "--database", LIB_DB, "--out", str(tmp_path / "main.hcl")
    )
    hcl = (tmp_path / "main.hcl").read_text()
    for block in ('entity "customer"', 'feature_view "customer_spend_v1"'):
        assert block in hcl, f"{block} missing:\n{hcl}"
    assert 'feature_view "customer_amount_v1"' in hcl, hcl
    assert 'timestamp_col = "ORDERED_AT"' in hcl and 'refresh_freq  = "1 day"' in hcl, hcl
    imports = _imports(generated.stderr)
    assert imports, generated.stderr
    for address, name in imports:
        served.snowform(str(tmp_path), "import", address, name)
    plan = served.snowform(
        str(tmp_path), "plan", "--format", "json", "--detailed-exitcode", check=False
    )
    assert plan.returncode in (0, 2), plan.stderr
    # Older releases (1.5.1) create no SNOWML_SNAPSHOT_STATUS table; the schema is still a
    # Feature Store schema, as the library itself judges it (docs/attributes.md).
    changes = [c for c in json.loads(plan.stdout)["changes"] if c["action"] != "noop"]
    assert changes == [], f"generated and imported, then planned: nothing may change\n{hcl}\n{changes}"

