#!/usr/bin/env python3
"""snowform, SnowDDL and Titan plan the same generated account, side by side.

For each size N the script writes an account of N objects (warehouses, databases, schemas,
roles and grants of USAGE on them to the roles), seeds `snowform sandbox serve` with it
(snowform apply for the kinds snowform has, then the grants as SQL), and then, for each
tool in turn, starts the server again on that account with --latency-ms and runs the tool's
plan of the same account: snowform plan, SnowDDL's plan (technical roles carry the grants)
and a Titan Blueprint plan. It prints one table: tool, version, objects, kinds it plans,
wall time, statements the sandbox received (its stats), and how the run ended.

SnowDDL and Titan run in virtual environments under target/sidebyside/, installed from
PyPI with the pinned versions of constraints-*.txt beside this file on the first run.

Usage: benches/side_by_side/run.py [--objects 1000,10000] [--latency-ms 50] [--smoke]
  --smoke: 40 objects, no latency, twice: fails when a tool does not plan, plans a change
           on the account it was given, or plans none after a schema was dropped and a grant
           revoked out of band.
  SNOWFORM_BIN=path to use that binary instead of building target/debug/snowform.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
OUT = ROOT / "target" / "sidebyside"
USER = "BENCH"
PASSWORD = "bench-secret"
TOKEN = "bench-token"
TOOLS = {
    "snowddl": ("snowddl", "0.70.1"),
    "titan": ("titan-core", "0.11.1"),
}
KINDS = ["warehouses", "databases", "schemas", "roles", "grants"]
# What each tool plans of the generated kinds; the others it is not given.
PLANS = {
    "snowform": KINDS,
    "snowddl": KINDS,
    "titan": KINDS,
}
WHY_NOT = {}


def python_for_venvs():
    for candidate in ("python3.11", "python3.12", "python3.10", "python3"):
        if shutil.which(candidate):
            return candidate
    sys.exit("no python3 to create the environments with")


def venv(tool):
    """The tool's environment, created and installed from PyPI once."""
    package, version = TOOLS[tool]
    path = OUT / f"venv-{tool}"
    marker = path / f".installed-{version}"
    if not marker.exists():
        shutil.rmtree(path, ignore_errors=True)
        subprocess.run([python_for_venvs(), "-m", "venv", str(path)], check=True)
        subprocess.run(
            [str(path / "bin" / "pip"), "install", "--quiet", "--disable-pip-version-check",
             "-c", str(HERE / f"constraints-{tool}.txt"), f"{package}=={version}"],
            check=True,
        )
        marker.touch()
    return path / "bin" / "python"


def spec_for(n):
    """An account of about n objects: 5% warehouses, 5% databases, 40% schemas (as many per
    database), 20% roles and 30% grants of USAGE on them, spread over the roles."""
    nw, nd = max(1, n // 20), max(1, n // 20)
    ns = max(nd, n * 2 // 5) // nd * nd
    nr = max(1, n // 5)
    ng = n - nw - nd - ns - nr
    warehouses = [{"name": f"WH_{i:05d}", "size": "XSMALL", "auto_suspend": 60} for i in range(nw)]
    databases = [{"name": f"DB_{i:05d}"} for i in range(nd)]
    per = ns // nd
    schemas = [{"name": f"S_{j:03d}", "database": d["name"]} for d in databases for j in range(per)]
    # SnowDDL names a technical role <NAME>__T_ROLE; every tool gets the same full names.
    roles = [{"name": f"R_{i:05d}__T_ROLE", "short": f"R_{i:05d}"} for i in range(nr)]
    targets = ([("WAREHOUSE", w["name"]) for w in warehouses]
               + [("DATABASE", d["name"]) for d in databases]
               + [("SCHEMA", f"{s['database']}.{s['name']}") for s in schemas])
    grants = []
    for g in range(max(0, ng)):
        on, name = targets[g % len(targets)]
        grants.append({"privilege": "USAGE", "on": on, "name": name,
                       "role": roles[(g // len(targets) + g) % nr]["name"]})
    return {"warehouses": warehouses, "databases": databases, "schemas": schemas,
            "roles": roles, "grants": grants}


def count(spec):
    return sum(len(spec[k]) for k in KINDS)


def write_snowform(spec, d):
    d.mkdir(parents=True, exist_ok=True)
    out = []
    for w in spec["warehouses"]:
        out.append(f'warehouse "{w["name"].lower()}" {{\n  name = "{w["name"]}"\n  size = "{w["size"]}"\n'
                   f'  auto_suspend = {w["auto_suspend"]}\n}}\n')
    for db in spec["databases"]:
        out.append(f'database "{db["name"].lower()}" {{\n  name = "{db["name"]}"\n}}\n')
    for s in spec["schemas"]:
        out.append(f'schema "{s["database"].lower()}_{s["name"].lower()}" {{\n'
                   f'  database = database.{s["database"].lower()}\n  name = "{s["name"]}"\n}}\n')
    for r in spec["roles"]:
        out.append(f'role "{r["short"].lower()}" {{\n  name = "{r["name"]}"\n}}\n')
    # One grant block per object and role (the spec may repeat a pair).
    labels = {r["name"]: r["short"].lower() for r in spec["roles"]}
    pairs = sorted({(g["on"], g["name"], g["role"]) for g in spec["grants"]})
    for i, (on, name, role) in enumerate(pairs):
        target = {"WAREHOUSE": "warehouse", "DATABASE": "database", "SCHEMA": "schema"}[on]
        label = name.lower().replace(".", "_")
        out.append(f'grant "g{i:05d}" {{\n  privileges = ["USAGE"]\n  on = {target}.{label}\n'
                   f'  to = role.{labels[role]}\n}}\n')
    (d / "main.hcl").write_text("\n".join(out), encoding="utf-8")


def write_snowddl(spec, d):
    """SnowDDL's YAML layout: warehouse.yaml, a directory per database and schema, and the
    roles as technical roles carrying the grants."""
    shutil.rmtree(d, ignore_errors=True)
    d.mkdir(parents=True)
    with open(d / "warehouse.yaml", "w", encoding="utf-8") as f:
        for w in spec["warehouses"]:
            # The sandbox shows a new standard warehouse as generation 2 (docs/sandbox.md);
            # SnowDDL assumes 1 unless told.
            f.write(f'{w["name"]}:\n  size: {w["size"]}\n  auto_suspend: {w["auto_suspend"]}\n'
                    '  generation: "2"\n')
    for db in spec["databases"]:
        (d / db["name"]).mkdir()
        (d / db["name"] / "params.yaml").write_text("{}\n", encoding="utf-8")
        # Every database has PUBLIC; SnowDDL drops schemas its configuration lacks.
        (d / db["name"] / "PUBLIC").mkdir()
        (d / db["name"] / "PUBLIC" / "params.yaml").write_text("{}\n", encoding="utf-8")
    for s in spec["schemas"]:
        p = d / s["database"] / s["name"]
        p.mkdir()
        (p / "params.yaml").write_text("{}\n", encoding="utf-8")
    by_role = {r["short"]: {} for r in spec["roles"]}
    short = {r["name"]: r["short"] for r in spec["roles"]}
    for g in spec["grants"]:
        by_role[short[g["role"]]].setdefault(f'{g["on"]}:{g["privilege"]}', []).append(g["name"])
    with open(d / "technical_role.yaml", "w", encoding="utf-8") as f:
        for name, grants in by_role.items():
            if not grants:
                f.write(f"{name}: {{}}\n")
                continue
            f.write(f"{name}:\n  grants:\n")
            for key, names in grants.items():
                f.write(f"    {key}:\n" + "".join(f"      - {n}\n" for n in names))


class Server:
    def __init__(self, binary, account_file, latency_ms, log):
        self.proc = subprocess.Popen(
            [binary, "sandbox", "serve", "--port", "0", "--account-file", str(account_file),
             "--latency-ms", str(latency_ms), "--password", f"{USER}={PASSWORD}",
             "--token", f"{USER}={TOKEN}"],
            stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, stderr=open(log, "ab"), text=True,
        )
        line = self.proc.stdout.readline()
        m = re.search(r"listening on http://127\.0\.0\.1:(\d+)", line)
        if not m:
            self.proc.kill()
            sys.exit(f"unexpected first line from sandbox serve: {line!r}")
        self.port = int(m.group(1))

    def stats(self):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/sandbox/v1/stats") as r:
            return json.load(r)

    def sql(self, statements):
        """Run statements on the SQL API, many per request."""
        for i in range(0, len(statements), 500):
            body = json.dumps({"statement": ";\n".join(statements[i:i + 500]),
                               "parameters": {"MULTI_STATEMENT_COUNT": "0"}}).encode()
            req = urllib.request.Request(
                f"http://127.0.0.1:{self.port}/api/v2/statements", data=body, method="POST",
                headers={"Content-Type": "application/json", "Authorization": f"Bearer {TOKEN}",
                         "X-Snowflake-Authorization-Token-Type": "PROGRAMMATIC_ACCESS_TOKEN"})
            with urllib.request.urlopen(req) as r:
                r.read()

    def stop(self):
        self.proc.send_signal(2)  # Ctrl-C: the journal is folded into the account file
        self.proc.wait(timeout=60)


def snowform_home(d, port):
    d.mkdir(parents=True, exist_ok=True)
    conf = d / "connections.toml"
    conf.write_text(
        f'[bench]\naccount = "SANDBOX"\nuser = "{USER}"\nauthenticator = "PROGRAMMATIC_ACCESS_TOKEN"\n'
        f'token = "{TOKEN}"\nhost = "127.0.0.1"\nport = {port}\nprotocol = "http"\n', encoding="utf-8")
    conf.chmod(0o600)
    return {"PATH": os.environ.get("PATH", ""), "HOME": str(d), "SNOWFLAKE_HOME": str(d), "NO_COLOR": "1"}


class FirstStatement:
    """When the sandbox received the tool's first statement (polled every 20 ms): what came
    before it is the tool's own start-up (reading its configuration, logging in)."""

    def __init__(self, srv, start):
        self.srv, self.start, self.at = srv, start, None
        self.done = threading.Event()
        self.thread = threading.Thread(target=self.poll, daemon=True)
        self.thread.start()

    def poll(self):
        while not self.done.is_set():
            if self.srv.stats()["statements"] > 0:
                self.at = time.monotonic() - self.start
                return
            time.sleep(0.02)

    def stop(self):
        self.done.set()
        self.thread.join()


def run_tool(tool, binary, work, spec, port):
    """The command line of one tool's plan, and its environment."""
    if tool == "snowform":
        env = snowform_home(work / "home", port)
        return [binary, "-C", str(work / "snowform"), "--connection", "bench", "plan"], env
    env = dict(os.environ)
    # snowflake-connector-python 4 probes cloud metadata addresses at login to detect its
    # platform; the benchmark talks to loopback only.
    env["SNOWFLAKE_DISABLE_PLATFORM_DETECTION"] = "true"
    if tool == "snowddl":
        return [str(venv("snowddl")), str(HERE / "snowddl_plan.py"), str(port), USER, PASSWORD, "--",
                "-c", str(work / "snowddl"), "-a", "SANDBOX", "-u", USER, "-p", PASSWORD,
                "-r", "ACCOUNTADMIN", "plan"], env
    return [str(venv("titan")), str(HERE / "titan_plan.py"), str(port), USER, PASSWORD,
            str(work / "spec.json")], env


def drift_of(spec):
    """Changes made out of band after the seed: one schema dropped (every tool must plan to
    create it again) and one grant revoked (the tools that plan grants must grant it again)."""
    s, g = spec["schemas"][-1], spec["grants"][0]
    return [f'DROP SCHEMA {s["database"]}.{s["name"]}',
            f'REVOKE {g["privilege"]} ON {g["on"]} {g["name"]} FROM ROLE {g["role"]}']


def measure(n, latency, binary, tools, drift=False):
    work = OUT / (f"n{n}-drift" if drift else f"n{n}")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    spec = spec_for(n)
    (work / "spec.json").write_text(json.dumps(spec), encoding="utf-8")
    write_snowform(spec, work / "snowform")
    write_snowddl(spec, work / "snowddl")
    account = work / "account.json"
    log = work / "serve.log"
    # Seed without latency: snowform applies its kinds (so its state knows them), the
    # grants go in as SQL.
    srv = Server(binary, account, 0, log)
    try:
        env = snowform_home(work / "home", srv.port)
        subprocess.run([binary, "-C", str(work / "snowform"), "--connection", "bench", "apply",
                        "--auto-approve"], env=env, check=True, capture_output=True)
        srv.sql([f'GRANT {g["privilege"]} ON {g["on"]} {g["name"]} TO ROLE {g["role"]}'
                 for g in spec["grants"]])
        if drift:
            srv.sql(drift_of(spec))
    finally:
        srv.stop()
    rows = []
    for tool in tools:
        srv = Server(binary, account, latency, log)
        try:
            cmd, env = run_tool(tool, binary, work, spec, srv.port)
            start = time.monotonic()
            first = FirstStatement(srv, start)
            out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=3600)
            wall = time.monotonic() - start
            first.stop()
            stats = srv.stats()
        finally:
            srv.stop()
        (work / f"{tool}.out").write_text(out.stdout + "\n--- stderr\n" + out.stderr, encoding="utf-8")
        (work / f"{tool}.statements.json").write_text(json.dumps(stats["executed"], indent=1), encoding="utf-8")
        outcome = "planned" if out.returncode == 0 else "failed: " + last_error(out)
        rows.append({"tool": tool, "version": version_of(tool, binary), "objects": count(spec),
                     "kinds": kinds_of(tool), "wall_s": round(wall, 2),
                     "before_first_s": None if first.at is None else round(first.at, 2),
                     "statements": stats["statements"], "changes": changes(tool, out),
                     "outcome": outcome})
    return rows


def changes(tool, out):
    """How many changes the tool's plan proposes, as it reports them."""
    patterns = {
        "snowform": r"Plan: (\d+) to create, (\d+) to update, (\d+) to replace, (\d+) to delete",
        "snowddl": r"Suggested (\d+) DDL queries",
        "titan": r"titan plan: (\d+) changes",
    }
    text = out.stdout + out.stderr
    if tool == "snowform" and "No changes." in text:
        return 0
    m = re.search(patterns[tool], text)
    return sum(int(g) for g in m.groups()) if m else None


def last_error(out):
    lines = [l.strip() for l in (out.stderr or out.stdout).splitlines() if l.strip()]
    errors = [l for l in lines if "rror" in l or "Unsupported" in l]
    return (errors or lines or ["exit " + str(out.returncode)])[-1][:160]


def version_of(tool, binary):
    if tool == "snowform":
        return subprocess.run([binary, "--version"], capture_output=True, text=True).stdout.split()[-1]
    return TOOLS[tool][1]


def kinds_of(tool):
    plans = PLANS[tool]
    text = ", ".join(plans)
    if tool in WHY_NOT:
        text += f" (not {WHY_NOT[tool]})"
    return text


def table(rows, latency):
    print(f"\n| tool | version | objects | kinds it plans | wall time (latency {latency} ms) | of which before the first statement | statements | changes planned | outcome |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        changed = "-" if r["changes"] is None else r["changes"]
        before = "-" if r["before_first_s"] is None else f"{r['before_first_s']} s"
        print(f"| {r['tool']} | {r['version']} | {r['objects']} | {r['kinds']} | {r['wall_s']} s "
              f"| {before} | {r['statements']} | {changed} | {r['outcome']} |")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--objects", default="1000,10000")
    ap.add_argument("--latency-ms", type=int, default=50)
    ap.add_argument("--tools", default="snowform,snowddl,titan")
    ap.add_argument("--smoke", action="store_true")
    a = ap.parse_args()
    binary = os.environ.get("SNOWFORM_BIN")
    if not binary:
        subprocess.run(["cargo", "build", "--locked", "--quiet", "--bin", "snowform"], cwd=ROOT, check=True)
        binary = str(ROOT / "target" / "debug" / "snowform")
    sizes, latency = [int(x) for x in a.objects.split(",")], a.latency_ms
    if a.smoke:
        sizes, latency = [40], 0
    tools = a.tools.split(",")
    rows = []
    for n in sizes:
        rows += measure(n, latency, binary, tools)
    table(rows, latency)
    json.dump(rows, open(OUT / "results.json", "w"), indent=1)
    if a.smoke:
        # The account is what every tool was given, so each plan must be empty; after the
        # drift each must plan the missing schema again, and the tools that plan grants the
        # revoked grant too.
        drifted = measure(sizes[0], latency, binary, tools, drift=True)
        print("\nafter dropping a schema and revoking a grant out of band:")
        table(drifted, latency)
        failed = [r for r in rows if r["outcome"] != "planned" or r["changes"] != 0]
        failed += [r for r in drifted if r["outcome"] != "planned" or (r["changes"] or 0) < 2]
        print(f"{len(rows) + len(drifted) - len(failed)} passed, {len(failed)} failed")
        sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
