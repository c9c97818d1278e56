"""Plans an account described by the benchmark's spec (JSON) with Titan's Python API
against `snowform sandbox serve`, and prints how many changes the plan has.

Usage (in the Titan environment): python titan_plan.py PORT USER PASSWORD SPEC.json
"""

import json
import sys

import snowflake.connector
from titan import Blueprint
from titan.resources import Database, Grant, Role, Schema, Warehouse

port, user, password, spec_path = sys.argv[1:5]
with open(spec_path, encoding="utf-8") as f:
    spec = json.load(f)

resources = []
# The account was made by ACCOUNTADMIN with snowform's defaults (warehouses without
# AUTO_RESUME); Titan's own defaults (SYSADMIN / USERADMIN owners, AUTO_RESUME) would
# otherwise show as changes.
OWNER = "ACCOUNTADMIN"
for w in spec["warehouses"]:
    resources.append(Warehouse(name=w["name"], warehouse_size=w["size"], auto_suspend=w["auto_suspend"],
                               auto_resume=False, owner=OWNER))
for d in spec["databases"]:
    resources.append(Database(name=d["name"], owner=OWNER))
for s in spec["schemas"]:
    resources.append(Schema(name=s["name"], database=s["database"], owner=OWNER))
for r in spec["roles"]:
    resources.append(Role(name=r["name"], owner=OWNER))
for g in spec["grants"]:
    on = {f"on_{g['on'].lower()}": g["name"]}
    resources.append(Grant(priv=g["privilege"], to=g["role"], **on))

session = snowflake.connector.connect(
    account="SANDBOX", user=user, password=password, role="ACCOUNTADMIN",
    host="127.0.0.1", port=int(port), protocol="http",
)
plan = Blueprint(resources=resources).plan(session)
print(f"titan plan: {len(plan)} changes")
for change in plan[:20]:
    print(f"  {change}")
