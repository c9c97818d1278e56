"""The Feature Store layout snowform writes, checked with snowflake-ml-python's own code.

tests/compat/run.sh runs this file once per boundary release of the supported range (the
oldest and the newest, see src/kinds/feature_view/mod.rs). It reads the JSON plans that
run.sh wrote (SNOWFORM_COMPAT_PLANS: a directory of `snowform plan --format json` outputs)
and checks every entity and feature view statement the way the installed release reads
them back: the definition pattern, the metadata class, the object tag's version check,
entity names and join keys.
"""

import glob
import json
import os
import re
import warnings

import pytest

from snowflake.ml import version as snowml_version
from snowflake.ml._internal.utils import identifier
from snowflake.ml._internal.utils.sql_identifier import SqlIdentifier
from snowflake.ml.feature_store import entity as entity_mod
from snowflake.ml.feature_store import feature_store as fs_mod
from snowflake.ml.feature_store import feature_view as fv_mod

PLANS = os.environ.get("SNOWFORM_COMPAT_PLANS", "")
EXPECTED_VERSION = os.environ.get("SNOWFORM_COMPAT_VERSION")


def _changes():
    files = sorted(glob.glob(os.path.join(PLANS, "*.json")))
    assert files, f"no plans in SNOWFORM_COMPAT_PLANS={PLANS!r}: run tests/compat/run.sh"
    out = []
    for f in files:
        with open(f, encoding="utf-8") as fh:
            plan = json.load(fh)
        out += [(os.path.basename(f), c) for c in plan["changes"]]
    return out


CHANGES = _changes()
ENTITIES = [(f, c) for f, c in CHANGES if c["kind"] == "entity"]
FEATURE_VIEWS = [(f, c) for f, c in CHANGES if c["kind"] == "feature_view"]


def _id(pair):
    return f"{pair[0]}:{pair[1]['address']}"


def _after(change, name):
    for a in change["attributes"]:
        if a["name"] == name:
            return a["after"]
    return None


def _object_name(qualified):
    """The object part of DB.SCHEMA.NAME, resolved as Snowflake stores it."""
    # (db, schema, object[, rest]): releases differ in the length of the tuple.
    obj = identifier.parse_schema_level_object_identifier(qualified)[2]
    return identifier.get_unescaped_names(obj)


def _show_tags_row(statement):
    """What SHOW TAGS prints for an entity tag created by `statement`: the name and
    allowed_values as a JSON array."""
    m = re.match(r"CREATE (?:OR REPLACE )?TAG (\S+) ALLOWED_VALUES '([^']*)'", statement)
    assert m, statement
    return {"name": _object_name(m.group(1)), "allowed_values": json.dumps([m.group(2)])}


def _list_entities_row(statement):
    """list_entities: NAME is the tag name after the prefix, cut to the name limit."""
    tag = _show_tags_row(statement)
    prefix_len = len(fs_mod._ENTITY_TAG_PREFIX)
    name = tag["name"][prefix_len : prefix_len + entity_mod._ENTITY_NAME_LENGTH_LIMIT]
    return {"NAME": name, "JOIN_KEYS": tag["allowed_values"], "full_name": tag["name"][prefix_len:]}


def _entity_rows():
    rows = {}
    for _f, c in ENTITIES:
        (statement,) = [s for s in c["statements"] if " TAG " in s and "ALLOWED_VALUES" in s]
        row = _list_entities_row(statement)
        rows[row["full_name"]] = row
    return rows


def test_the_installed_release_is_the_one_asked_for():
    if EXPECTED_VERSION:
        assert snowml_version.VERSION == EXPECTED_VERSION


@pytest.mark.parametrize("pair", ENTITIES, ids=_id)
def test_an_entity_is_read_back_with_its_name_and_join_keys(pair):
    _f, change = pair
    (statement,) = [s for s in change["statements"] if "ALLOWED_VALUES" in s]
    row = _list_entities_row(statement)
    # The name survives list_entities' cut, and the library's Entity takes it as it
    # composes it (find_and_compose_entity: the name written as an identifier).
    assert row["NAME"] == row["full_name"], "list_entities cuts the entity name"
    e = entity_mod.Entity(
        name=SqlIdentifier(row["NAME"], case_sensitive=True).identifier(),
        join_keys=fs_mod.FeatureStore._recompose_join_keys(None, row["JOIN_KEYS"]),
    )
    assert e.name.resolved() == row["full_name"]
    # The tag the library would name for this entity is the tag snowform created.
    tag = fs_mod.FeatureStore._get_entity_name(None, e.name)
    assert SqlIdentifier(tag).resolved() == _show_tags_row(statement)["name"]
    # The join keys, split as the library splits them, are the configured ones.
    assert [k.resolved() for k in e.join_keys] == _after(change, "join_keys")


@pytest.mark.parametrize("pair", FEATURE_VIEWS, ids=_id)
def test_a_feature_view_is_read_back_by_the_library(pair):
    _f, change = pair
    entity_rows = _entity_rows()
    (create,) = [s for s in change["statements"] if re.match(r"CREATE (OR REPLACE )?(DYNAMIC TABLE|VIEW) ", s)]
    m = re.match(fs_mod._DT_OR_VIEW_QUERY_PATTERN, create)
    assert m is not None, f"the library's definition pattern does not match:\n{create}"
    dynamic = _after(change, "refresh_freq") is not None
    assert m.group("obj_type").upper() == ("DYNAMIC TABLE" if dynamic else "VIEW")
    assert m.group("query") == _after(change, "query")

    # The metadata class takes every key written (older releases fail on unknown keys).
    meta = fv_mod._FeatureViewMetadata.from_json(m.group("fv_metadata"))
    configured = _after(change, "entities")
    assert [SqlIdentifier(n).resolved() for n in meta.entities] == configured
    # find_and_compose_entity: each metadata name resolves to a listed entity.
    for n in meta.entities:
        resolved = SqlIdentifier(n).resolved()
        assert resolved in entity_rows and entity_rows[resolved]["NAME"] == resolved

    ts = _after(change, "timestamp_col")
    placeholders = getattr(fv_mod, "_LEGACY_TIMESTAMP_COL_PLACEHOLDER_VALS", [fv_mod._TIMESTAMP_COL_PLACEHOLDER])
    if ts is None:
        assert meta.timestamp_col in placeholders
    else:
        assert meta.timestamp_col not in placeholders
        assert SqlIdentifier(meta.timestamp_col).resolved() == ts

    # Each entity tag on the feature view holds that entity's join keys.
    tags = dict(re.findall(r"([^\s(,]+) = '([^']*)'", m.group(0)[: m.start("query")]))
    for n in configured:
        keys = [v for k, v in tags.items() if _object_name(k) == fs_mod._ENTITY_TAG_PREFIX + n]
        assert len(keys) == 1, f"no tag for entity {n}: {tags}"
        assert keys[0].split(entity_mod._FEATURE_VIEW_ENTITY_TAG_DELIMITER) == [
            k.strip('"') for k in fs_mod.FeatureStore._recompose_join_keys(None, entity_rows[n]["JOIN_KEYS"])
        ]


def _object_tag_values():
    values = []
    for _f, c in CHANGES:
        for s in c["statements"]:
            values += re.findall(r"SNOWML_FEATURE_STORE_OBJECT\s*=\s*'([^']*)'", s)
    return values


def test_no_object_tag_makes_the_release_warn_or_refuse():
    values = _object_tag_values()
    assert values, "no SNOWML_FEATURE_STORE_OBJECT tag in the plans"
    infos = [fs_mod._FeatureStoreObjInfo.from_json(v) for v in values]
    assert all(i.type != fs_mod._FeatureStoreObjTypes.UNKNOWN for i in infos), values

    # The release's own check, given the versions its _collapse_object_versions collects.
    class Store:
        def _collapse_object_versions(self):
            from packaging import version as pkg_version

            return sorted({pkg_version.parse(i.pkg_version) for i in infos}, reverse=True)

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fs_mod.FeatureStore._check_feature_store_object_versions(Store())
