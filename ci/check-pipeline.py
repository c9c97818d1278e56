"""What the schema cannot check in azure-pipelines.yml: that the stages do what docs/ci.md
says. Run by ci/validate-pipeline.sh with the virtual environment's Python (ruamel.yaml
comes with check-jsonschema). Prints every problem and exits 1 when there is any.

- every script a step runs exists, is executable and parses (`bash -n`);
- the `environments` parameter lists workspace, directory, connection and varFile for each
  environment; each directory exists, keeps its state in the account (`backend
  "snowflake"`), and has the workspace's own variable file (or names a varFile that exists);
- per environment, a Plan stage publishes the saved plan, and an Apply stage depends on it
  and applies exactly that plan (SNOWFORM_PLAN_FILE) in a deployment job to an environment
  (its approval), with the connection's variable group;
- apply.sh runs only in deployment jobs; snowform is built only by ci/azure/build.sh, after a
  Cache@2 step keyed on Cargo.lock and the sources restores the binary it would build.
"""

import re
import subprocess
import sys
from pathlib import Path

from ruamel.yaml import YAML

root = Path(__file__).resolve().parent.parent
problems = []


def problem(msg):
    problems.append(msg)


doc = YAML(typ="safe").load((root / "azure-pipelines.yml").read_text())


def walk(node, path=()):
    """Every mapping in the document, with its path."""
    if isinstance(node, dict):
        yield node, path
        for k, v in node.items():
            yield from walk(v, path + (str(k),))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from walk(v, path + (str(i),))


# Scripts.
for m, path in walk(doc):
    script = m.get("bash") or m.get("script")
    if not isinstance(script, str):
        continue
    for ref in re.findall(r"(?:^|\s)(ci/[\w./-]+\.sh)", script):
        f = root / ref
        if not f.is_file():
            problem(f"{'/'.join(path)}: runs {ref}, which does not exist")
            continue
        if not f.stat().st_mode & 0o111:
            problem(f"{ref} is not executable")
        r = subprocess.run(["bash", "-n", str(f)], capture_output=True, text=True)
        if r.returncode != 0:
            problem(f"{ref} does not parse: {r.stderr.strip()}")
    if "cargo build" in script:
        problem(f"{'/'.join(path)}: builds snowform inline; ci/azure/build.sh builds it only when the cache has no binary")

# The environments parameter.
params = {p["name"]: p for p in doc.get("parameters", [])}
envs = params.get("environments")
if envs is None or envs.get("type") != "object":
    problem("parameters: `environments` (type object) lists the environments")
    envs = {"default": []}
if not envs.get("default"):
    problem("parameters: `environments` has no default entries")
for i, env in enumerate(envs.get("default") or []):
    where = f"environments[{i}]"
    missing = [k for k in ("workspace", "directory", "connection", "varFile") if k not in env]
    if missing:
        problem(f"{where}: missing {', '.join(missing)}")
        continue
    ws, d = str(env["workspace"]), root / str(env["directory"])
    if not re.fullmatch(r"[A-Za-z0-9_]+", ws):
        problem(f"{where}: workspace {ws!r} names stages: letters, digits and _ only")
    if not d.is_dir():
        problem(f"{where}: directory {env['directory']} does not exist")
        continue
    hcl = "".join(p.read_text() for p in d.glob("*.hcl") if not p.name.endswith(".vars.hcl"))
    if not re.search(r'^\s*backend\s+"snowflake"', hcl, re.M):
        problem(f"{where}: {env['directory']} keeps its state on the build machine (no backend \"snowflake\"), which is discarded after the run")
    own = d / "workspaces" / f"{ws}.vars.hcl"
    if env["varFile"]:
        if not (root / str(env["varFile"])).is_file():
            problem(f"{where}: varFile {env['varFile']} does not exist")
    elif not own.is_file():
        problem(f"{where}: {own.relative_to(root)} does not exist, and no varFile is given")

# The per-environment stages, inside `${{ each env in parameters.environments }}`.
stages = doc.get("stages", [])
each = [s for s in stages if isinstance(s, dict) and any("each env in parameters.environments" in k for k in s)]
if len(each) != 1:
    problem("stages: one `${{ each env in parameters.environments }}` block makes the stages of every environment")
    each_stages = []
else:
    each_stages = next(iter(each[0].values()))
by_name = {s.get("stage"): s for s in each_stages}
plan = by_name.get("Plan_${{ env.workspace }}")
apply = by_name.get("Apply_${{ env.workspace }}")
if plan is None or apply is None:
    problem("stages: each environment has a Plan_${{ env.workspace }} and an Apply_${{ env.workspace }} stage")
else:
    text = str(plan)
    if "ci/azure/plan.sh" not in text or "PublishPipelineArtifact" not in text:
        problem("Plan stage: runs ci/azure/plan.sh and publishes the saved plan")
    if apply.get("dependsOn") != plan.get("stage"):
        problem("Apply stage: depends on its environment's Plan stage")
    for s in (plan, apply):
        groups = [v.get("group") for v in s.get("variables", []) if isinstance(v, dict)]
        if "${{ env.connection }}" not in groups:
            problem(f"{s.get('stage')}: uses the environment's variable group ${{{{ env.connection }}}}")
    deployments = [j for j in apply.get("jobs", []) if "deployment" in j]
    if not deployments or not all(j.get("environment") for j in deployments):
        problem("Apply stage: a deployment job with `environment:` (its approval gates the apply)")
    text = str(apply)
    if "ci/azure/apply.sh" not in text or "SNOWFORM_PLAN_FILE" not in text:
        problem("Apply stage: runs ci/azure/apply.sh on the saved plan (SNOWFORM_PLAN_FILE)")

# apply.sh only in deployment jobs.
for m, path in walk(doc):
    if "job" in m and "ci/azure/apply.sh" in str(m):
        problem(f"{'/'.join(path)}: apply.sh runs in a plain job; only a deployment job waits for the environment's approval")

# The binary cache.
caches = [m for m, _ in walk(doc) if m.get("task") == "Cache@2" and "snowformBinDir" in str(m.get("inputs", {}).get("path", ""))]
if not caches:
    problem("Build: a Cache@2 step restores the snowform binary ($(snowformBinDir))")
for c in caches:
    key = c["inputs"].get("key", "")
    if "Cargo.lock" not in key or "src/" not in key:
        problem(f"Build: the binary's cache key names Cargo.lock and the sources, got {key!r}")

for p in problems:
    print(f"azure-pipelines.yml: {p}", file=sys.stderr)
if problems:
    sys.exit(1)
print(f"ok -- azure-pipelines.yml: {len(envs.get('default') or [])} environment(s), stages checked")
