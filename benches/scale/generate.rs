//! A generated configuration shaped like a large ML platform: shared warehouses and databases,
//! then per schema a Feature Store (stages, entities, feature views as views, dynamic tables
//! and cron-refreshed dynamic tables), models with versions, and task graphs (chains and
//! fan-out/fan-in graphs), and access control: team roles, and per schema a grant of USAGE
//! and future grants on its dynamic tables and views to one of them. Written as a person would
//! write it: one file per schema, `for_each` over entities, roles, some feature views and the
//! branches of each fan.

use std::fmt::Write as _;
use std::io;
use std::path::Path;

/// How big a configuration to write.
#[derive(Clone, Copy, Debug)]
pub struct Shape {
    /// Resource instances in total (what `plan` counts as changes).
    pub objects: usize,
    pub schemas: usize,
    pub databases: usize,
    /// Team roles (part of `objects`); each schema grants to one of them.
    pub roles: usize,
}

/// The grants each schema's file writes: USAGE on the schema, and future grants on its
/// dynamic tables and on its views.
const GRANTS_PER_SCHEMA: usize = 3;

/// Warehouses shared by every schema: feature refreshes, scoring tasks, training, ad hoc.
const WAREHOUSES: [(&str, &str); 4] = [
    ("adhoc", "XSMALL"),
    ("scoring", "SMALL"),
    ("training", "LARGE"),
    ("transform", "MEDIUM"),
];

/// Objects of each kind the generator wrote.
#[derive(Clone, Copy, Debug, Default)]
pub struct Counts {
    pub warehouses: usize,
    pub databases: usize,
    pub schemas: usize,
    pub stages: usize,
    pub entities: usize,
    pub views: usize,
    pub dynamic_tables: usize,
    pub cron_dynamic_tables: usize,
    pub models: usize,
    pub model_versions: usize,
    pub tasks: usize,
    pub task_graphs: usize,
    pub roles: usize,
    pub grants: usize,
}

impl Counts {
    pub fn objects(&self) -> usize {
        self.warehouses
            + self.databases
            + self.schemas
            + self.stages
            + self.entities
            + self.views
            + self.dynamic_tables
            + self.cron_dynamic_tables
            + self.models
            + self.tasks
            + self.roles
            + self.grants
    }

    fn add(&mut self, o: &Counts) {
        self.stages += o.stages;
        self.entities += o.entities;
        self.views += o.views;
        self.dynamic_tables += o.dynamic_tables;
        self.cron_dynamic_tables += o.cron_dynamic_tables;
        self.models += o.models;
        self.model_versions += o.model_versions;
        self.tasks += o.tasks;
        self.task_graphs += o.task_graphs;
        self.grants += o.grants;
    }
}

/// Write `shape` as `*.hcl` files into `dir` (created if needed).
pub fn write(dir: &Path, shape: Shape) -> io::Result<Counts> {
    assert!(shape.databases >= 1 && shape.schemas >= shape.databases);
    // No roles: no access control at all (no role, no grant), as the first round measured.
    let grants_per_schema = if shape.roles == 0 {
        0
    } else {
        GRANTS_PER_SCHEMA
    };
    let fixed =
        WAREHOUSES.len() + shape.databases + shape.roles + shape.schemas * (1 + grants_per_schema);
    assert!(
        shape.objects >= fixed + shape.schemas * 12,
        "too few objects for {} schemas",
        shape.schemas
    );
    std::fs::create_dir_all(dir)?;
    let mut counts = Counts {
        warehouses: WAREHOUSES.len(),
        databases: shape.databases,
        schemas: shape.schemas,
        roles: shape.roles,
        ..Counts::default()
    };
    std::fs::write(
        dir.join("account.hcl"),
        account(shape.databases, shape.roles),
    )?;
    let per_schema = shape.objects - fixed;
    let mut raw = std::collections::BTreeSet::new();
    for s in 0..shape.schemas {
        // Spread the remainder over the first schemas.
        let budget = per_schema / shape.schemas + usize::from(s < per_schema % shape.schemas);
        let db = s % shape.databases;
        let (mut text, mut c, tables) = schema_file(s, db, budget);
        if shape.roles > 0 {
            text.push_str(&grants(s, s % shape.roles));
        }
        c.grants = grants_per_schema;
        raw.extend(tables);
        counts.add(&c);
        std::fs::write(dir.join(format!("s{:03}.hcl", s + 1)), text)?;
    }
    debug_assert_eq!(counts.objects(), shape.objects);
    // The raw tables the feature views read, loaded outside snowform: they must exist
    // before the first apply (a view's or dynamic table's sources are checked).
    let mut landing = String::from(
        "CREATE DATABASE IF NOT EXISTS BENCH_RAW;\nCREATE SCHEMA IF NOT EXISTS BENCH_RAW.EVENTS;\n",
    );
    for t in &raw {
        let _ = writeln!(
            landing,
            "CREATE TABLE IF NOT EXISTS BENCH_RAW.EVENTS.{t} (EVENT_AT TIMESTAMP_NTZ, AMOUNT NUMBER, QUANTITY NUMBER);"
        );
    }
    std::fs::write(dir.join("landing.sql"), landing)?;
    Ok(counts)
}

fn db_key(db: usize) -> String {
    format!("{:02}", db + 1)
}

fn role_key(r: usize) -> String {
    format!("{:02}", r + 1)
}

/// A schema's grants to its team's role: USAGE on the schema, and SELECT on the dynamic
/// tables and views created in it from now on (a new feature view version is readable at once).
fn grants(s: usize, role: usize) -> String {
    let id = format!("s{:03}", s + 1);
    let r = role_key(role);
    format!(
        r#"
grant "{id}_usage" {{
  privileges = ["USAGE"]
  on         = schema.{id}
  to         = role.team["{r}"]
}}

grant "{id}_future_dynamic_tables" {{
  privileges = ["SELECT", "MONITOR"]
  on_future  = "DYNAMIC TABLES"
  in         = schema.{id}
  to         = role.team["{r}"]
}}

grant "{id}_future_views" {{
  privileges = ["SELECT", "REFERENCES"]
  on_future  = "VIEWS"
  in         = schema.{id}
  to         = role.team["{r}"]
}}
"#
    )
}

fn account(databases: usize, roles: usize) -> String {
    let mut out = String::from(
        r#"# Shared by every team: the environment, the raw data and the warehouses.
variable "env" {
  type    = string
  default = "BENCH"
}

locals {
  raw = "${var.env}_RAW"
}

warehouse "wh" {
  for_each = {
"#,
    );
    for (key, size) in WAREHOUSES {
        let _ = writeln!(out, "    {key} = {{ size = \"{size}\" }}");
    }
    out.push_str(
        r#"  }
  name         = "${var.env}_${upper(each.key)}_WH"
  size         = each.value.size
  auto_suspend = 60
  comment      = "Shared ${each.key} warehouse"
}

database "db" {
  for_each = toset([
"#,
    );
    let keys: Vec<String> = (0..databases)
        .map(|d| format!("\"{}\"", db_key(d)))
        .collect();
    let _ = writeln!(out, "    {},", keys.join(", "));
    out.push_str(
        r#"  ])
  name    = "${var.env}_ML_${each.key}"
  comment = "ML platform, domain ${each.key}"
}
"#,
    );
    if roles == 0 {
        return out;
    }
    out.push_str(
        r#"
role "team" {
  for_each = toset([
"#,
    );
    let keys: Vec<String> = (0..roles).map(|r| format!("\"{}\"", role_key(r))).collect();
    let _ = writeln!(out, "    {},", keys.join(", "));
    out.push_str(
        r#"  ])
  name    = "${var.env}_TEAM_${each.key}"
  comment = "Team ${each.key}: reads its Feature Store"
}
"#,
    );
    out
}

const ENTITY_NAMES: [&str; 12] = [
    "CUSTOMER", "ACCOUNT", "DEVICE", "MERCHANT", "PRODUCT", "STORE", "SESSION", "CARD", "REGION",
    "CAMPAIGN", "SUPPLIER", "EMPLOYEE",
];

const LAGS: [&str; 4] = ["1 hour", "30 minutes", "1 day", "4 hours"];

/// One schema's file: `budget` objects besides the schema itself.
/// A schema's HCL, its counts, and the raw tables (in `${env}_RAW.EVENTS`) its feature
/// views read.
fn schema_file(s: usize, db: usize, budget: usize) -> (String, Counts, Vec<String>) {
    let mut c = Counts::default();
    let mut raw = Vec::new();
    let id = format!("s{:03}", s + 1);
    let schema_name = format!("S{:03}", s + 1);
    let mut out = String::new();
    let _ = write!(
        out,
        r#"# Team {n}: its Feature Store, models and scheduled jobs.
schema "{id}" {{
  database = database.db["{db}"]
  name     = "{schema_name}"
  comment  = "Team {n}"
}}
"#,
        n = s + 1,
        db = db_key(db),
    );

    let stages = 1 + budget / 150;
    let entities = (budget / 40).clamp(1, ENTITY_NAMES.len());
    let models = budget / 10;
    let task_budget = budget * 35 / 100;
    let fvs = budget - stages - entities - models - task_budget;
    c.stages = stages;
    c.entities = entities;

    for k in 0..stages {
        let _ = write!(
            out,
            r#"
stage "{id}_artifacts_{k}" {{
  schema  = schema.{id}
  name    = "ARTIFACTS_{k}"
  comment = "Model artifacts"
}}
"#
        );
    }

    let ents = &ENTITY_NAMES[..entities];
    let quoted: Vec<String> = ents.iter().map(|e| format!("\"{e}\"")).collect();
    let _ = write!(
        out,
        r#"
entity "{id}" {{
  for_each  = toset([{}])
  schema    = schema.{id}
  name      = each.key
  join_keys = ["${{each.key}}_ID"]
  comment   = "A ${{lower(each.key)}}"
}}
"#,
        quoted.join(", ")
    );

    // Feature views: about 40% from one for_each map of dynamic tables (some on a cron
    // schedule), the rest one block each, alternating views and dynamic tables.
    let mapped = fvs * 2 / 5;
    if mapped > 0 {
        let _ = write!(out, "\nfeature_view \"{id}_agg\" {{\n  for_each = {{\n");
        for i in 0..mapped {
            raw.push(format!("AGG_{i:03}"));
            let entity = ents[i % ents.len()];
            let lag = if i % 6 == 5 {
                c.cron_dynamic_tables += 1;
                format!("{} {} * * * UTC", (i * 7) % 60, i % 24)
            } else {
                c.dynamic_tables += 1;
                LAGS[i % LAGS.len()].to_string()
            };
            let _ = writeln!(
                out,
                "    AGG_{i:03} = {{ entity = \"{entity}\", lag = \"{lag}\" }}"
            );
        }
        let _ = write!(
            out,
            r#"  }}
  schema       = schema.{id}
  name         = each.key
  version      = "V1"
  entities     = [entity.{id}[each.value.entity]]
  refresh_freq = each.value.lag
  warehouse    = warehouse.wh["transform"]
  comment      = "Aggregates per ${{lower(each.value.entity)}}"
  query        = <<-SQL
    SELECT ${{each.value.entity}}_ID, COUNT(*) AS EVENTS, MAX(EVENT_AT) AS LAST_EVENT_AT
    FROM ${{local.raw}}.EVENTS.${{each.key}}
    GROUP BY 1
  SQL
}}
"#
        );
    }
    for i in 0..fvs - mapped {
        raw.push(format!("TEAM_{}_{i:03}", s + 1));
        let e1 = ents[i % ents.len()];
        let e2 = ents[(i + 1) % ents.len()];
        let two = ents.len() > 1 && i % 4 == 3;
        let entities = if two {
            format!("[entity.{id}[\"{e1}\"], entity.{id}[\"{e2}\"]]")
        } else {
            format!("[entity.{id}[\"{e1}\"]]")
        };
        let keys = if two {
            format!("{e1}_ID, {e2}_ID")
        } else {
            format!("{e1}_ID")
        };
        let version = if i % 5 == 4 { "V2" } else { "V1" };
        let _ = write!(
            out,
            r#"
feature_view "{id}_fv_{i:03}" {{
  schema   = schema.{id}
  name     = "FEATURES_{i:03}"
  version  = "{version}"
  entities = {entities}
"#
        );
        if i % 2 == 1 {
            c.dynamic_tables += 1;
            let _ = write!(
                out,
                "  refresh_freq = \"{}\"\n  warehouse    = warehouse.wh[\"transform\"]\n",
                LAGS[i % LAGS.len()]
            );
        } else {
            c.views += 1;
        }
        if i % 3 == 0 {
            out.push_str("  timestamp_col = \"EVENT_AT\"\n");
        }
        let _ = write!(
            out,
            r#"  comment  = "Features {i} of team {n}"
  query    = <<-SQL
    SELECT {keys}, EVENT_AT, AMOUNT, AMOUNT / NULLIF(QUANTITY, 0) AS UNIT_PRICE
    FROM ${{local.raw}}.EVENTS.TEAM_{n}_{i:03}
  SQL
}}
"#,
            n = s + 1
        );
    }

    // Models: one to three versions each, the newest the default and the champion.
    c.models = models;
    for m in 0..models {
        let versions = m % 3 + 1;
        c.model_versions += versions;
        let stage = m % stages;
        let _ = write!(
            out,
            r#"
model "{id}_m{m:03}" {{
  schema          = schema.{id}
  name            = "MODEL_{m:03}"
  comment         = "Model {m} of team {n}"
  default_version = "V{versions}"
"#,
            n = s + 1
        );
        for v in 1..=versions {
            let _ = write!(
                out,
                r#"
  version "V{v}" {{
    source  = "@${{stage.{id}_artifacts_{stage}.fqn}}/model_{m:03}/v{v}"
    comment = "Training run {v}"
"#
            );
            if v == versions {
                let _ = write!(
                    out,
                    "    alias   = \"CHAMPION\"\n    metadata = {{\n      metrics = {{ auc = 0.{}, rows = {} }}\n    }}\n",
                    80 + (m + v) % 19,
                    1000 * (m + 1)
                );
            }
            out.push_str("  }\n");
        }
        out.push_str("}\n");
    }

    // Task graphs: fans (a scheduled root, eight branches, a final task after all of them)
    // and chains of five; what is left over runs on its own schedule.
    let mut left = task_budget;
    let mut g = 0;
    while left >= 5 {
        let enabled = g % 2 == 0;
        if g % 3 == 0 && left >= 10 {
            fan(&mut out, &id, g, enabled, s + 1);
            left -= 10;
            c.tasks += 10;
        } else {
            chain(&mut out, &id, g, enabled, s + 1);
            left -= 5;
            c.tasks += 5;
        }
        c.task_graphs += 1;
        g += 1;
    }
    for t in 0..left {
        let _ = write!(
            out,
            r#"
task "{id}_job_{t}" {{
  schema    = schema.{id}
  name      = "NIGHTLY_JOB_{t}"
  warehouse = warehouse.wh["adhoc"]
  schedule  = "USING CRON {t} 2 * * * UTC"
  sql       = "CALL ${{local.raw}}.OPS.NIGHTLY_{t}()"
  comment   = "Nightly housekeeping"
}}
"#
        );
        c.tasks += 1;
        c.task_graphs += 1;
    }
    (out, c, raw)
}

fn enabled_line(enabled: bool) -> &'static str {
    if enabled {
        "  enabled   = true\n"
    } else {
        ""
    }
}

fn fan(out: &mut String, id: &str, g: usize, enabled: bool, team: usize) {
    let on = enabled_line(enabled);
    let branches: Vec<String> = (1..=8).map(|b| format!("\"B{b}\"")).collect();
    let after: Vec<String> = (1..=8)
        .map(|b| format!("task.{id}_g{g:02}_branch[\"B{b}\"]"))
        .collect();
    let _ = write!(
        out,
        r#"
task "{id}_g{g:02}_root" {{
  schema    = schema.{id}
  name      = "G{g:02}_EXTRACT"
  warehouse = warehouse.wh["scoring"]
  schedule  = "USING CRON {min} {hour} * * * UTC"
  sql       = "CALL ${{local.raw}}.OPS.EXTRACT_{team}_{g}()"
  comment   = "Root of graph {g}"
{on}}}

task "{id}_g{g:02}_branch" {{
  for_each  = toset([{branches}])
  schema    = schema.{id}
  name      = "G{g:02}_SCORE_${{each.key}}"
  warehouse = warehouse.wh["scoring"]
  after     = [task.{id}_g{g:02}_root]
  sql       = "CALL ${{local.raw}}.OPS.SCORE_{team}_{g}('${{each.key}}')"
{on}}}

task "{id}_g{g:02}_publish" {{
  schema    = schema.{id}
  name      = "G{g:02}_PUBLISH"
  warehouse = warehouse.wh["scoring"]
  after     = [{after}]
  sql       = "CALL ${{local.raw}}.OPS.PUBLISH_{team}_{g}()"
{on}}}
"#,
        min = (g * 13) % 60,
        hour = g % 24,
        branches = branches.join(", "),
        after = after.join(", "),
    );
}

fn chain(out: &mut String, id: &str, g: usize, enabled: bool, team: usize) {
    let on = enabled_line(enabled);
    let steps = ["LOAD", "CLEAN", "FEATURES", "TRAIN", "EVALUATE"];
    for (k, step) in steps.iter().enumerate() {
        let _ = write!(
            out,
            "\ntask \"{id}_g{g:02}_{}\" {{\n  schema    = schema.{id}\n  name      = \"G{g:02}_{step}\"\n  warehouse = warehouse.wh[\"{}\"]\n",
            step.to_lowercase(),
            if *step == "TRAIN" { "training" } else { "scoring" }
        );
        if k == 0 {
            let _ = writeln!(
                out,
                "  schedule  = \"USING CRON {} {} * * 1 UTC\"",
                (g * 7) % 60,
                g % 24
            );
        } else {
            let _ = writeln!(
                out,
                "  after     = [task.{id}_g{g:02}_{}]",
                steps[k - 1].to_lowercase()
            );
        }
        let _ = write!(
            out,
            "  sql       = \"CALL ${{local.raw}}.OPS.{step}_{team}_{g}()\"\n{on}}}\n"
        );
    }
}
