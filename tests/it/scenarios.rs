//! Random walks through configurations: a seeded generator of configurations (warehouses,
//! databases, schemas, stages, entities, feature views, models, task graphs) and of the
//! transitions between them. Every step is validated, planned, applied and planned again
//! against the sandbox, and must leave nothing to do and no drift.
//!
//! `SNOWFORM_SCENARIO_SEED=N` replays one walk (`SNOWFORM_SCENARIO_STEPS` steps, default
//! 12) and prints every step. `SNOWFORM_SCENARIO_WALKS=N` explores N walks from
//! `SNOWFORM_SCENARIO_FIRST` (default 1000) on, keeps going past failures and writes a
//! report per failing seed under `target/scenarios/`.

use crate::common::{repo, Dir, Out};
use serde_json::Value as J;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

// ---------------------------------------------------------------------------------------
// A small deterministic PRNG (splitmix64): the same seed gives the same walk on every
// machine and with every version of every crate.

struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        assert!(n > 0);
        (self.next() % n as u64) as usize
    }

    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<T: Clone>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len())].clone()
    }

    fn pick_opt<T: Clone>(&mut self, xs: &[T]) -> Option<T> {
        (!xs.is_empty()).then(|| self.pick(xs))
    }

    fn shuffle<T>(&mut self, xs: &mut [T]) {
        for i in (1..xs.len()).rev() {
            let j = self.below(i + 1);
            xs.swap(i, j);
        }
    }
}

// ---------------------------------------------------------------------------------------
// Value pools. Spellings vary on purpose: "60 minutes" and "1 hour" are one lag, "x-small"
// and "XSMALL" one size; such a change must plan nothing.

const SIZES: &[&str] = &["XSMALL", "x-small", "SMALL", "MEDIUM"];
const COMMENTS: &[&str] = &[
    "Feature refreshes",
    "it's the owner's",
    "naïve — ünïcode ✓",
    "costs $5 {approx} 100%",
    "say \"hi\"",
    "back\\slash",
    "",
];
const LAGS: &[&str] = &[
    "1 minute",
    "5 minutes",
    "60 minutes",
    "1 hour",
    "2 hours",
    "1 day",
    "24 hours",
    "downstream",
];
const CRONS: &[&str] = &[
    "0 6 * * * UTC",
    "30 2 * * 1-5 Europe/Paris",
    "0 */4 * * * UTC",
];
const SCHEDULES: &[&str] = &[
    "5 MINUTES",
    "60 MINUTES",
    "1 hour",
    "USING CRON 0 7 * * * UTC",
    "USING CRON 15 3 * * 1-5 America/New_York",
];
const QUERIES: &[&str] = &[
    "SELECT customer_id, SUM(amount) AS spend FROM LANDING.RAW.ORDERS GROUP BY 1",
    "SELECT customer_id, COUNT(*) AS orders FROM LANDING.RAW.ORDERS GROUP BY 1",
    "SELECT id, 'it''s' AS label, ts FROM LANDING.RAW.EVENTS;",
    "SELECT id,\n  ts\nFROM LANDING.RAW.EVENTS\nWHERE ts > '2024-01-01'",
];
const TASK_SQL: &[&str] = &[
    "SELECT 1",
    "SELECT 'it''s'",
    "CALL RAW.PUBLIC.REFRESH_ALL()",
    "INSERT INTO RAW.PUBLIC.LOG SELECT CURRENT_TIMESTAMP()",
];
const WHENS: &[&str] = &[
    "SYSTEM$STREAM_HAS_DATA('RAW.PUBLIC.EVENTS_STREAM')",
    "SYSTEM$GET_PREDECESSOR_RETURN_VALUE() = 'GO'",
];
const KEYS: &[&str] = &["CUSTOMER_ID", "REGION_ID", "COUNTRY", "DEVICE_ID"];
const TS_COLS: &[&str] = &["TS", "EVENT_TIME"];
const ALIASES: &[&str] = &["CHAMPION", "CHALLENGER", "SHADOW", "STAGING"];
const METADATA: &[&str] = &[
    "{ metrics = { rmse = 0.5 } }",
    "{ metrics = { rmse = 0.25, mae = 0.1 } }",
    "{ owner = \"ml\", tags = [\"a\", \"b\"] }",
];
const CONFIGS: &[&str] = &["{ env = \"dev\" }", "{ env = \"prod\", retries = 2 }"];
const OVERLAPS: &[&str] = &["NO_OVERLAP", "ALLOW_CHILD_OVERLAP", "ALLOW_ALL_OVERLAP"];

// ---------------------------------------------------------------------------------------
// The configuration as data. Objects are keyed by their block label; references are labels.

#[derive(Clone, Debug)]
struct Wh {
    name: String,
    size: Option<&'static str>,
    auto_suspend: Option<u32>,
    max_cluster: Option<u32>,
    initially_suspended: bool,
    comment: Option<&'static str>,
}

#[derive(Clone, Debug)]
struct Db {
    name: String,
    comment: Option<&'static str>,
    transient: bool,
    retention: Option<u32>,
}

#[derive(Clone, Debug)]
struct Sc {
    db: String,
    name: String,
    comment: Option<&'static str>,
    transient: bool,
    managed: bool,
    retention: Option<u32>,
}

#[derive(Clone, Debug)]
struct St {
    schema: String,
    name: String,
    comment: Option<&'static str>,
    directory: bool,
    encryption: Option<&'static str>,
}

#[derive(Clone, Debug)]
struct En {
    schema: String,
    name: String,
    keys: Vec<&'static str>,
    comment: Option<&'static str>,
}

#[derive(Clone, Debug, PartialEq)]
enum Refresh {
    View,
    Lag(&'static str),
    Cron(&'static str),
}

#[derive(Clone, Debug)]
struct Fv {
    schema: String,
    name: String,
    version: String,
    entities: Vec<String>,
    query: &'static str,
    refresh: Refresh,
    warehouse: Option<String>,
    refresh_mode: Option<&'static str>,
    initialize: Option<&'static str>,
    ts_col: Option<&'static str>,
    comment: Option<&'static str>,
    enabled: Option<bool>,
}

#[derive(Clone, Debug)]
struct Ver {
    stage: String,
    path: String,
    comment: Option<&'static str>,
    alias: Option<&'static str>,
    metadata: Option<&'static str>,
}

#[derive(Clone, Debug)]
struct Mo {
    schema: String,
    name: String,
    comment: Option<&'static str>,
    /// The configured default version. Unset, the account's default is the version created
    /// first, which the generator keeps as the first version in natural order (see
    /// `effective_default`).
    default: Option<String>,
    versions: BTreeMap<String, Ver>,
    next_version: u32,
}

#[derive(Clone, Debug)]
struct Tk {
    schema: String,
    name: String,
    warehouse: Option<String>,
    schedule: Option<&'static str>,
    after: Vec<String>,
    sql: &'static str,
    when: Option<&'static str>,
    enabled: bool,
    comment: Option<&'static str>,
    config: Option<&'static str>,
    overlap: Option<&'static str>,
    timeout_ms: Option<u32>,
}

#[derive(Clone, Debug, Default)]
struct Config {
    whs: BTreeMap<String, Wh>,
    dbs: BTreeMap<String, Db>,
    scs: BTreeMap<String, Sc>,
    sts: BTreeMap<String, St>,
    ens: BTreeMap<String, En>,
    fvs: BTreeMap<String, Fv>,
    mos: BTreeMap<String, Mo>,
    tks: BTreeMap<String, Tk>,
    counter: u32,
}

/// Whether `op` keeps every stage identifiable in its step: not both relabelled and given a
/// new name, which makes it a new stage to snowform, and the sources of the versions in it
/// new files (refused for a default version). Records what `op` did to the stage labels.
fn identity_kept(
    op: &str,
    renamed: &mut BTreeSet<String>,
    relabelled: &mut BTreeSet<String>,
) -> bool {
    let words: Vec<&str> = op.split_whitespace().collect();
    let stage = |w: &&str| w.starts_with("st");
    if !(words.first().is_some_and(stage) || words.get(1).is_some_and(stage)) {
        return true;
    }
    let label = match words.as_slice() {
        ["relabel", old, "->", new] => {
            if renamed.contains(*old) {
                return false;
            }
            relabelled.insert(new.to_string());
            return true;
        }
        ["rename" | "move", label, "to", ..] => label.to_string(),
        [label, "rename" | "move", "to", ..] => label.trim_end_matches(':').to_string(),
        _ => return true,
    };
    if relabelled.contains(&label) {
        return false;
    }
    renamed.insert(label);
    true
}

/// Natural order of version names (V2 before V10), as snowform creates them.
fn natural_key(v: &str) -> (String, u64) {
    let digits: String = v.chars().filter(|c| c.is_ascii_digit()).collect();
    let prefix: String = v.chars().filter(|c| !c.is_ascii_digit()).collect();
    (prefix, digits.parse().unwrap_or(0))
}

impl Mo {
    fn first_version(&self) -> Option<String> {
        self.versions.keys().min_by_key(|v| natural_key(v)).cloned()
    }

    /// The default version the account has after this configuration is applied.
    fn effective_default(&self) -> Option<String> {
        self.default.clone().or_else(|| self.first_version())
    }

    fn fresh_version(&mut self) -> String {
        self.next_version += 1;
        format!("V{}", self.next_version)
    }
}

fn keys<T>(m: &BTreeMap<String, T>) -> Vec<String> {
    m.keys().cloned().collect()
}

impl Config {
    fn fresh(&mut self, label: &str) -> (String, String) {
        self.counter += 1;
        (
            format!("{label}{}", self.counter),
            format!("{}{}", label.to_uppercase(), self.counter),
        )
    }

    fn fresh_name(&mut self, label: &str) -> String {
        self.fresh(label).1
    }

    fn db_of_schema(&self, s: &str) -> &Db {
        &self.dbs[&self.scs[s].db]
    }

    fn schemas_with<T>(&self, m: &BTreeMap<String, T>, schema: impl Fn(&T) -> &str) -> Vec<String> {
        let mut out: Vec<String> = m.values().map(|x| schema(x).to_string()).collect();
        out.sort();
        out.dedup();
        out
    }

    fn tasks_in(&self, schema: &str) -> Vec<String> {
        self.tks
            .iter()
            .filter(|(_, t)| t.schema == schema)
            .map(|(k, _)| k.clone())
            .collect()
    }

    fn entities_in(&self, schema: &str) -> Vec<String> {
        self.ens
            .iter()
            .filter(|(_, e)| e.schema == schema)
            .map(|(k, _)| k.clone())
            .collect()
    }

    fn children(&self, task: &str) -> Vec<String> {
        self.tks
            .iter()
            .filter(|(_, t)| t.after.iter().any(|a| a == task))
            .map(|(k, _)| k.clone())
            .collect()
    }

    /// The roots a task runs after, directly or not (itself, for a root).
    fn roots(&self, task: &str) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        let mut stack = vec![task.to_string()];
        let mut seen = BTreeSet::new();
        while let Some(t) = stack.pop() {
            if !seen.insert(t.clone()) {
                continue;
            }
            match self.tks.get(&t) {
                Some(x) if !x.after.is_empty() => stack.extend(x.after.iter().cloned()),
                _ => {
                    out.insert(t);
                }
            }
        }
        out
    }

    /// A task graph is a root task and the tasks after it: a task after tasks of two
    /// graphs would give its graph two roots, which Snowflake's documentation does not
    /// describe, so the walks do not build one.
    fn one_root_per_graph(&self) -> bool {
        self.tks.keys().all(|t| self.roots(t).len() <= 1)
    }

    /// The task and every task that runs after it, directly or not.
    fn descendants(&self, task: &str) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        let mut stack = vec![task.to_string()];
        while let Some(t) = stack.pop() {
            if out.insert(t.clone()) {
                stack.extend(self.children(&t));
            }
        }
        out
    }

    // --- removal, with what depends on the object -----------------------------------------

    fn remove_task(&mut self, label: &str, rng: &mut Rng) {
        self.tks.remove(label);
        for t in self.tks.values_mut() {
            if let Some(i) = t.after.iter().position(|a| a == label) {
                t.after.remove(i);
                if t.after.is_empty() && rng.chance(60) {
                    t.schedule = Some(rng.pick(SCHEDULES));
                }
            }
        }
    }

    fn remove_fv(&mut self, label: &str) {
        self.fvs.remove(label);
    }

    fn remove_entity(&mut self, label: &str) {
        self.ens.remove(label);
        let users: Vec<String> = self
            .fvs
            .iter()
            .filter(|(_, f)| f.entities.iter().any(|e| e == label))
            .map(|(k, _)| k.clone())
            .collect();
        for f in users {
            let fv = self.fvs.get_mut(&f).unwrap();
            fv.entities.retain(|e| e != label);
            if fv.entities.is_empty() {
                self.remove_fv(&f);
            }
        }
    }

    /// Versions sourced from the stage go; a model whose default would go goes whole.
    fn remove_stage(&mut self, label: &str) {
        self.sts.remove(label);
        for m in keys(&self.mos) {
            let model = self.mos.get_mut(&m).unwrap();
            let default = model.effective_default();
            let doomed: Vec<String> = model
                .versions
                .iter()
                .filter(|(_, v)| v.stage == label)
                .map(|(k, _)| k.clone())
                .collect();
            if doomed.iter().any(|v| Some(v) == default.as_ref())
                || doomed.len() == model.versions.len()
            {
                self.mos.remove(&m);
            } else {
                for v in doomed {
                    model.versions.remove(&v);
                }
            }
        }
    }

    fn remove_warehouse(&mut self, label: &str, rng: &mut Rng) {
        self.whs.remove(label);
        let others = keys(&self.whs);
        for f in self.fvs.values_mut() {
            if f.warehouse.as_deref() == Some(label) {
                match rng.pick_opt(&others) {
                    Some(w) => f.warehouse = Some(w),
                    None => {
                        f.warehouse = None;
                        f.refresh = Refresh::View;
                    }
                }
            }
        }
        for t in self.tks.values_mut() {
            if t.warehouse.as_deref() == Some(label) {
                t.warehouse = if rng.chance(50) {
                    rng.pick_opt(&others)
                } else {
                    None
                };
            }
        }
    }

    fn remove_schema(&mut self, label: &str, rng: &mut Rng) {
        for t in keys(&self.tks) {
            if self.tks.get(&t).is_some_and(|x| x.schema == label) {
                self.remove_task(&t, rng);
            }
        }
        self.fvs.retain(|_, f| f.schema != label);
        self.mos.retain(|_, m| m.schema != label);
        for e in keys(&self.ens) {
            if self.ens[&e].schema == label {
                self.remove_entity(&e);
            }
        }
        for s in keys(&self.sts) {
            if self.sts[&s].schema == label {
                self.remove_stage(&s);
            }
        }
        self.scs.remove(label);
    }

    fn remove_database(&mut self, label: &str, rng: &mut Rng) {
        for s in keys(&self.scs) {
            if self.scs[&s].db == label {
                self.remove_schema(&s, rng);
            }
        }
        self.dbs.remove(label);
    }

    /// Give an object a new block label: the state entry moves to the new address.
    fn relabel(&mut self, rng: &mut Rng) -> Option<String> {
        /// Moves a block to a new label; returns (old, new).
        fn relabel_in<T>(
            m: &mut BTreeMap<String, T>,
            rng: &mut Rng,
            new: impl Fn(&str) -> String,
        ) -> Option<(String, String)> {
            let k = rng.pick_opt(&keys(m))?;
            let v = m.remove(&k)?;
            let l = new(&k);
            m.insert(l.clone(), v);
            Some((k, l))
        }
        /// A reference to the relabelled block follows it.
        fn follow(x: &mut String, from: &str, to: &str) {
            if x == from {
                *x = to.to_owned();
            }
        }
        let kind = rng.below(8);
        self.counter += 1;
        let n = self.counter;
        let new = |old: &str| format!("{}_m{n}", old.split("_m").next().unwrap_or(old));
        let (old, label) = match kind {
            0 => {
                let (k, l) = relabel_in(&mut self.whs, rng, new)?;
                let fvs = self.fvs.values_mut().map(|f| &mut f.warehouse);
                for w in fvs
                    .chain(self.tks.values_mut().map(|t| &mut t.warehouse))
                    .flatten()
                {
                    follow(w, &k, &l);
                }
                (k, l)
            }
            1 => {
                let (k, l) = relabel_in(&mut self.dbs, rng, new)?;
                self.scs
                    .values_mut()
                    .for_each(|s| follow(&mut s.db, &k, &l));
                (k, l)
            }
            2 => {
                let (k, l) = relabel_in(&mut self.scs, rng, new)?;
                self.sts
                    .values_mut()
                    .for_each(|x| follow(&mut x.schema, &k, &l));
                self.ens
                    .values_mut()
                    .for_each(|x| follow(&mut x.schema, &k, &l));
                self.fvs
                    .values_mut()
                    .for_each(|x| follow(&mut x.schema, &k, &l));
                self.mos
                    .values_mut()
                    .for_each(|x| follow(&mut x.schema, &k, &l));
                self.tks
                    .values_mut()
                    .for_each(|x| follow(&mut x.schema, &k, &l));
                (k, l)
            }
            3 => {
                let (k, l) = relabel_in(&mut self.sts, rng, new)?;
                for m in self.mos.values_mut() {
                    m.versions
                        .values_mut()
                        .for_each(|v| follow(&mut v.stage, &k, &l));
                }
                (k, l)
            }
            4 => {
                let (k, l) = relabel_in(&mut self.ens, rng, new)?;
                for f in self.fvs.values_mut() {
                    f.entities.iter_mut().for_each(|e| follow(e, &k, &l));
                }
                (k, l)
            }
            5 => relabel_in(&mut self.fvs, rng, new)?,
            6 => relabel_in(&mut self.mos, rng, new)?,
            _ => {
                let (k, l) = relabel_in(&mut self.tks, rng, new)?;
                for t in self.tks.values_mut() {
                    t.after.iter_mut().for_each(|a| follow(a, &k, &l));
                }
                (k, l)
            }
        };
        Some(format!("relabel {old} -> {label}"))
    }

    // --- additions ----------------------------------------------------------------------

    fn add_warehouse(&mut self, rng: &mut Rng) -> Option<String> {
        let (label, name) = self.fresh("wh");
        let w = Wh {
            name,
            size: rng.chance(70).then(|| rng.pick(SIZES)),
            auto_suspend: rng.chance(50).then(|| rng.pick(&[60, 300, 0])),
            max_cluster: rng.chance(20).then(|| rng.pick(&[1, 2, 3])),
            initially_suspended: rng.chance(30),
            comment: rng.chance(50).then(|| rng.pick(COMMENTS)),
        };
        self.whs.insert(label.clone(), w);
        Some(format!("add {label}"))
    }

    fn add_database(&mut self, rng: &mut Rng) -> Option<String> {
        if self.dbs.len() >= 2 {
            return None;
        }
        let (label, name) = self.fresh("db");
        self.dbs.insert(
            label.clone(),
            Db {
                name,
                comment: rng.chance(50).then(|| rng.pick(COMMENTS)),
                transient: rng.chance(15),
                retention: rng.chance(20).then(|| rng.pick(&[0, 1, 7])),
            },
        );
        Some(format!("add {label}"))
    }

    fn add_schema(&mut self, rng: &mut Rng) -> Option<String> {
        if self.scs.len() >= 4 {
            return None;
        }
        let db = rng.pick_opt(&keys(&self.dbs))?;
        let (label, name) = self.fresh("sc");
        self.scs.insert(
            label.clone(),
            Sc {
                db,
                name,
                comment: rng.chance(40).then(|| rng.pick(COMMENTS)),
                transient: rng.chance(10),
                managed: rng.chance(20),
                retention: rng.chance(15).then(|| rng.pick(&[0, 1, 3])),
            },
        );
        Some(format!("add {label}"))
    }

    fn add_stage(&mut self, rng: &mut Rng) -> Option<String> {
        let schema = rng.pick_opt(&keys(&self.scs))?;
        let (label, name) = self.fresh("st");
        self.sts.insert(
            label.clone(),
            St {
                schema,
                name,
                comment: rng.chance(40).then(|| rng.pick(COMMENTS)),
                directory: rng.chance(30),
                encryption: rng
                    .chance(25)
                    .then(|| rng.pick(&["SNOWFLAKE_FULL", "SNOWFLAKE_SSE"])),
            },
        );
        Some(format!("add {label}"))
    }

    fn add_entity(&mut self, rng: &mut Rng) -> Option<String> {
        let schema = rng.pick_opt(&keys(&self.scs))?;
        let (label, name) = self.fresh("en");
        let mut ks: Vec<&str> = KEYS.to_vec();
        rng.shuffle(&mut ks);
        ks.truncate(rng.range(1, 2));
        self.ens.insert(
            label.clone(),
            En {
                schema,
                name,
                keys: ks,
                comment: rng.chance(40).then(|| rng.pick(COMMENTS)),
            },
        );
        Some(format!("add {label}"))
    }

    fn random_refresh(&self, rng: &mut Rng) -> (Refresh, Option<String>) {
        let wh = rng.pick_opt(&keys(&self.whs));
        match (rng.below(3), wh) {
            (1, Some(w)) => (Refresh::Lag(rng.pick(LAGS)), Some(w)),
            (2, Some(w)) => (Refresh::Cron(rng.pick(CRONS)), Some(w)),
            _ => (Refresh::View, None),
        }
    }

    fn pick_entities(&self, schema: &str, rng: &mut Rng) -> Option<Vec<String>> {
        let mut es = self.entities_in(schema);
        if es.is_empty() {
            return None;
        }
        rng.shuffle(&mut es);
        es.truncate(rng.range(1, 2));
        Some(es)
    }

    fn add_fv(&mut self, rng: &mut Rng) -> Option<String> {
        let schema = rng.pick_opt(&self.schemas_with(&self.ens, |e| &e.schema))?;
        let entities = self.pick_entities(&schema, rng)?;
        let (label, name) = self.fresh("fv");
        let (refresh, warehouse) = self.random_refresh(rng);
        self.fvs.insert(
            label.clone(),
            Fv {
                schema,
                name,
                version: rng.pick(&["V1", "v1", "1.0", "2024-01"]).to_string(),
                entities,
                query: rng.pick(QUERIES),
                refresh,
                warehouse,
                refresh_mode: rng
                    .chance(20)
                    .then(|| rng.pick(&["AUTO", "FULL", "INCREMENTAL"])),
                initialize: rng
                    .chance(20)
                    .then(|| rng.pick(&["ON_CREATE", "ON_SCHEDULE"])),
                ts_col: rng.chance(30).then(|| rng.pick(TS_COLS)),
                comment: rng.chance(50).then(|| rng.pick(COMMENTS)),
                enabled: rng.chance(30).then(|| rng.chance(50)),
            },
        );
        Some(format!("add {label}"))
    }

    fn random_version(&self, model: &str, v: &str, rng: &mut Rng) -> Option<Ver> {
        let stage = rng.pick_opt(&keys(&self.sts))?;
        Some(Ver {
            stage,
            path: format!("{}/{}", model.to_lowercase(), v.to_lowercase()),
            comment: rng.chance(40).then(|| rng.pick(COMMENTS)),
            alias: None,
            metadata: rng.chance(30).then(|| rng.pick(METADATA)),
        })
    }

    fn add_model(&mut self, rng: &mut Rng) -> Option<String> {
        let schema = rng.pick_opt(&keys(&self.scs))?;
        if self.sts.is_empty() {
            return None;
        }
        let (label, name) = self.fresh("mo");
        let mut m = Mo {
            schema,
            name: name.clone(),
            comment: rng.chance(40).then(|| rng.pick(COMMENTS)),
            default: None,
            versions: BTreeMap::new(),
            next_version: 0,
        };
        for _ in 0..rng.range(1, 3) {
            let v = m.fresh_version();
            let ver = self.random_version(&name, &v, rng)?;
            m.versions.insert(v, ver);
        }
        if rng.chance(50) {
            m.default = Some(rng.pick(&keys(&m.versions)));
        }
        let vs = keys(&m.versions);
        for a in ALIASES.iter().take(rng.below(3)) {
            let v = rng.pick(&vs);
            if m.versions[&v].alias.is_none() {
                m.versions.get_mut(&v).unwrap().alias = Some(a);
            }
        }
        self.mos.insert(label.clone(), m);
        Some(format!("add {label}"))
    }

    fn add_task(&mut self, rng: &mut Rng, child: bool) -> Option<String> {
        let (schema, after) = if child {
            let schema = rng.pick_opt(&self.schemas_with(&self.tks, |t| &t.schema))?;
            let mut preds = self.tasks_in(&schema);
            rng.shuffle(&mut preds);
            preds.truncate(rng.range(1, 2));
            (schema, preds)
        } else {
            (rng.pick_opt(&keys(&self.scs))?, Vec::new())
        };
        let (label, name) = self.fresh("tk");
        let root = after.is_empty();
        self.tks.insert(
            label.clone(),
            Tk {
                schema,
                name,
                warehouse: if rng.chance(60) {
                    rng.pick_opt(&keys(&self.whs))
                } else {
                    None
                },
                schedule: (root && rng.chance(85)).then(|| rng.pick(SCHEDULES)),
                after,
                sql: rng.pick(TASK_SQL),
                when: rng.chance(15).then(|| rng.pick(WHENS)),
                enabled: rng.chance(65),
                comment: rng.chance(30).then(|| rng.pick(COMMENTS)),
                config: (root && rng.chance(20)).then(|| rng.pick(CONFIGS)),
                overlap: (root && rng.chance(15)).then(|| rng.pick(OVERLAPS)),
                timeout_ms: rng.chance(15).then(|| rng.pick(&[60_000, 3_600_000])),
            },
        );
        Some(format!(
            "add {label}{}",
            if child { " (child)" } else { "" }
        ))
    }

    /// A first configuration: something of every kind.
    fn initial(rng: &mut Rng) -> Config {
        let mut c = Config::default();
        for _ in 0..rng.range(1, 2) {
            c.add_warehouse(rng);
        }
        for _ in 0..rng.range(1, 2) {
            c.add_database(rng);
        }
        for _ in 0..rng.range(1, 3) {
            c.add_schema(rng);
        }
        for _ in 0..rng.range(1, 2) {
            c.add_stage(rng);
        }
        for _ in 0..rng.range(1, 3) {
            c.add_entity(rng);
        }
        for _ in 0..rng.range(1, 3) {
            c.add_fv(rng);
        }
        for _ in 0..rng.range(1, 2) {
            c.add_model(rng);
        }
        for _ in 0..rng.range(1, 2) {
            c.add_task(rng, false);
        }
        for _ in 0..rng.range(0, 3) {
            let before = c.clone();
            c.add_task(rng, true);
            if !c.one_root_per_graph() {
                c = before;
            }
        }
        c
    }

    // --- transitions ----------------------------------------------------------------------

    /// One random change; None when the one drawn does not apply to this configuration.
    fn mutate(&mut self, rng: &mut Rng) -> Option<String> {
        let op = rng.below(60);
        match op {
            0 => self.add_warehouse(rng),
            1 => {
                let w = rng.pick_opt(&keys(&self.whs))?;
                self.remove_warehouse(&w, rng);
                Some(format!("remove {w}"))
            }
            2 => {
                let w = rng.pick_opt(&keys(&self.whs))?;
                let x = self.whs.get_mut(&w).unwrap();
                let what = match rng.below(5) {
                    0 => {
                        x.size = rng.chance(80).then(|| rng.pick(SIZES));
                        "size"
                    }
                    1 => {
                        x.auto_suspend = rng.chance(80).then(|| rng.pick(&[60, 300, 0]));
                        "auto_suspend"
                    }
                    2 => {
                        x.max_cluster = rng.chance(70).then(|| rng.pick(&[1, 2, 3]));
                        "max_cluster_count"
                    }
                    3 => {
                        x.initially_suspended = !x.initially_suspended;
                        "initially_suspended"
                    }
                    _ => {
                        x.comment = rng.chance(70).then(|| rng.pick(COMMENTS));
                        "comment"
                    }
                };
                Some(format!("{w}.{what}"))
            }
            3 => {
                let w = rng.pick_opt(&keys(&self.whs))?;
                let n = self.fresh_name("wh");
                self.whs.get_mut(&w).unwrap().name = n.clone();
                Some(format!("rename {w} to {n}"))
            }
            4 => self.add_database(rng),
            5 => {
                if self.dbs.len() < 2 && !rng.chance(10) {
                    return None;
                }
                let d = rng.pick_opt(&keys(&self.dbs))?;
                self.remove_database(&d, rng);
                Some(format!("remove {d}"))
            }
            6 => {
                let d = rng.pick_opt(&keys(&self.dbs))?;
                let n = self.fresh_name("db");
                self.dbs.get_mut(&d).unwrap().name = n.clone();
                Some(format!("rename {d} to {n}"))
            }
            7 => {
                let d = rng.pick_opt(&keys(&self.dbs))?;
                let x = self.dbs.get_mut(&d).unwrap();
                match rng.below(6) {
                    0 => {
                        // Replaces the database and everything in it.
                        x.transient = !x.transient;
                        let t = x.transient;
                        // A permanent schema cannot stay in a transient database.
                        if t {
                            for s in self.scs.values_mut().filter(|s| s.db == d) {
                                s.transient = false;
                            }
                        }
                        Some(format!("{d}.transient = {t}"))
                    }
                    1 | 2 => {
                        x.retention = rng.chance(70).then(|| rng.pick(&[0, 1, 7]));
                        Some(format!("{d}.data_retention_time_in_days"))
                    }
                    _ => {
                        x.comment = rng.chance(70).then(|| rng.pick(COMMENTS));
                        Some(format!("{d}.comment"))
                    }
                }
            }
            8 | 9 => self.add_schema(rng),
            10 => {
                let s = rng.pick_opt(&keys(&self.scs))?;
                self.remove_schema(&s, rng);
                Some(format!("remove {s}"))
            }
            11 => {
                let s = rng.pick_opt(&keys(&self.scs))?;
                let n = self.fresh_name("sc");
                self.scs.get_mut(&s).unwrap().name = n.clone();
                Some(format!("rename {s} to {n}"))
            }
            12 => {
                // Move a schema to the other database (ALTER SCHEMA ... RENAME TO db.s), of
                // the same transience: Snowflake's rule that every schema of a transient
                // database is transient would otherwise make it a replacement.
                let s = rng.pick_opt(&keys(&self.scs))?;
                let here = self.scs[&s].db.clone();
                let t = self.dbs[&here].transient;
                let other = rng.pick_opt(
                    &self
                        .dbs
                        .iter()
                        .filter(|(k, d)| **k != here && d.transient == t)
                        .map(|(k, _)| k.clone())
                        .collect::<Vec<_>>(),
                )?;
                self.scs.get_mut(&s).unwrap().db = other.clone();
                Some(format!("move {s} to {other}"))
            }
            13 => {
                let s = rng.pick_opt(&keys(&self.scs))?;
                let in_transient = self.db_of_schema(&s).transient;
                let x = self.scs.get_mut(&s).unwrap();
                match rng.below(5) {
                    0 if !in_transient => {
                        x.transient = !x.transient;
                        Some(format!("{s}.transient = {}", x.transient))
                    }
                    1 => {
                        x.managed = !x.managed;
                        Some(format!("{s}.managed_access = {}", x.managed))
                    }
                    2 => {
                        x.retention = rng.chance(70).then(|| rng.pick(&[0, 1, 3]));
                        Some(format!("{s}.data_retention_time_in_days"))
                    }
                    _ => {
                        x.comment = rng.chance(70).then(|| rng.pick(COMMENTS));
                        Some(format!("{s}.comment"))
                    }
                }
            }
            14 => self.add_stage(rng),
            15 => {
                let s = rng.pick_opt(&keys(&self.sts))?;
                self.remove_stage(&s);
                Some(format!("remove {s}"))
            }
            16 => {
                let s = rng.pick_opt(&keys(&self.sts))?;
                let x = self.sts.get_mut(&s).unwrap();
                match rng.below(4) {
                    0 => {
                        x.encryption = rng
                            .chance(80)
                            .then(|| rng.pick(&["SNOWFLAKE_FULL", "SNOWFLAKE_SSE"]));
                        Some(format!("{s}.encryption"))
                    }
                    1 => {
                        x.directory = !x.directory;
                        Some(format!("{s}.directory"))
                    }
                    _ => {
                        x.comment = rng.chance(70).then(|| rng.pick(COMMENTS));
                        Some(format!("{s}.comment"))
                    }
                }
            }
            17 => {
                let s = rng.pick_opt(&keys(&self.sts))?;
                if rng.chance(50) {
                    let n = self.fresh_name("st");
                    self.sts.get_mut(&s).unwrap().name = n.clone();
                    Some(format!("rename {s} to {n}"))
                } else {
                    let to = rng.pick_opt(&keys(&self.scs))?;
                    self.sts.get_mut(&s).unwrap().schema = to.clone();
                    Some(format!("move {s} to {to}"))
                }
            }
            18 | 19 => self.add_entity(rng),
            20 => {
                let e = rng.pick_opt(&keys(&self.ens))?;
                self.remove_entity(&e);
                Some(format!("remove {e}"))
            }
            21 => {
                let e = rng.pick_opt(&keys(&self.ens))?;
                match rng.below(3) {
                    0 => {
                        let mut ks: Vec<&str> = KEYS.to_vec();
                        rng.shuffle(&mut ks);
                        ks.truncate(rng.range(1, 2));
                        self.ens.get_mut(&e).unwrap().keys = ks;
                        Some(format!("{e}.join_keys"))
                    }
                    1 => {
                        let n = self.fresh_name("en");
                        self.ens.get_mut(&e).unwrap().name = n.clone();
                        Some(format!("rename {e} to {n}"))
                    }
                    _ => {
                        self.ens.get_mut(&e).unwrap().comment =
                            rng.chance(70).then(|| rng.pick(COMMENTS));
                        Some(format!("{e}.comment"))
                    }
                }
            }
            22..=24 => self.add_fv(rng),
            25 => {
                let f = rng.pick_opt(&keys(&self.fvs))?;
                self.remove_fv(&f);
                Some(format!("remove {f}"))
            }
            26..=31 => self.change_fv(rng),
            32..=33 => self.add_model(rng),
            34 => {
                let m = rng.pick_opt(&keys(&self.mos))?;
                self.mos.remove(&m);
                Some(format!("remove {m}"))
            }
            35..=41 => self.change_model(rng),
            42..=43 => self.add_task(rng, false),
            44..=46 => self.add_task(rng, true),
            47 => {
                let t = rng.pick_opt(&keys(&self.tks))?;
                self.remove_task(&t, rng);
                Some(format!("remove {t}"))
            }
            48..=57 => self.change_task(rng),
            _ => self.relabel(rng),
        }
    }

    fn change_fv(&mut self, rng: &mut Rng) -> Option<String> {
        let f = rng.pick_opt(&keys(&self.fvs))?;
        let whs = keys(&self.whs);
        let choice = rng.below(13);
        let schema = self.fvs[&f].schema.clone();
        let new_entities = self.pick_entities(&schema, rng);
        let new_name = self.fresh_name("fv");
        let (refresh, warehouse) = self.random_refresh(rng);
        let x = self.fvs.get_mut(&f).unwrap();
        let what = match choice {
            0 => {
                // A new version is a new object: the old one is dropped.
                x.version = rng.pick(&["V2", "v3", "1.1", "2024-02", "V1"]).to_string();
                format!("version = {}", x.version)
            }
            1 => {
                x.name = new_name;
                format!("rename to {}", x.name)
            }
            2 => {
                x.query = rng.pick(QUERIES);
                "query".into()
            }
            3 => {
                x.entities = new_entities?;
                format!("entities = {:?}", x.entities)
            }
            4 | 5 => {
                x.refresh = refresh;
                x.warehouse = warehouse;
                format!("refresh = {:?}", x.refresh)
            }
            6 => {
                if let Refresh::Lag(_) = x.refresh {
                    x.refresh = Refresh::Lag(rng.pick(LAGS));
                } else if let Refresh::Cron(_) = x.refresh {
                    x.refresh = Refresh::Cron(rng.pick(CRONS));
                } else {
                    return None;
                }
                format!("refresh = {:?}", x.refresh)
            }
            7 => {
                x.warehouse.as_ref()?;
                x.warehouse = Some(rng.pick(&whs));
                format!("warehouse = {:?}", x.warehouse)
            }
            8 => {
                x.comment = rng.chance(70).then(|| rng.pick(COMMENTS));
                "comment".into()
            }
            9 | 10 => {
                x.enabled = Some(!x.enabled.unwrap_or(true));
                format!("enabled = {:?}", x.enabled)
            }
            11 => {
                x.ts_col = rng.chance(60).then(|| rng.pick(TS_COLS));
                "timestamp_col".into()
            }
            _ => {
                if rng.chance(50) {
                    x.refresh_mode = rng
                        .chance(80)
                        .then(|| rng.pick(&["AUTO", "FULL", "INCREMENTAL"]));
                    "refresh_mode".into()
                } else {
                    x.initialize = rng
                        .chance(80)
                        .then(|| rng.pick(&["ON_CREATE", "ON_SCHEDULE"]));
                    "initialize".into()
                }
            }
        };
        Some(format!("{f}: {what}"))
    }

    fn change_model(&mut self, rng: &mut Rng) -> Option<String> {
        let m = rng.pick_opt(&keys(&self.mos))?;
        let choice = rng.below(12);
        let new_name = self.fresh_name("mo");
        let schemas = keys(&self.scs);
        let model_name = self.mos[&m].name.clone();
        let mut model = self.mos[&m].clone();
        let what = match choice {
            0 => {
                model.name = new_name;
                format!("rename to {}", model.name)
            }
            1 => {
                model.schema = rng.pick(&schemas);
                format!("move to {}", model.schema)
            }
            2 => {
                model.comment = rng.chance(70).then(|| rng.pick(COMMENTS));
                "comment".into()
            }
            3 | 4 => {
                let v = model.fresh_version();
                let ver = self.random_version(&model_name, &v, rng)?;
                model.versions.insert(v.clone(), ver);
                if rng.chance(40) {
                    model.default = Some(v.clone());
                }
                format!("add version {v} (default {:?})", model.default)
            }
            5 => {
                // Never the default the account will have: Snowflake refuses to drop it.
                let default = model.effective_default();
                let candidates: Vec<String> = model
                    .versions
                    .keys()
                    .filter(|v| Some(*v) != default.as_ref())
                    .cloned()
                    .collect();
                let v = rng.pick_opt(&candidates)?;
                model.versions.remove(&v);
                // Unset, the default must stay the first version (see Mo::default).
                if model.default.is_none() && model.first_version() != default {
                    return None;
                }
                format!("drop version {v}")
            }
            6 => {
                let v = rng.pick(&keys(&model.versions));
                model.default = Some(v.clone());
                format!("default_version = {v}")
            }
            7 => {
                // Unset only where the account's default stays what it is.
                if model.default.is_none() || model.default != model.first_version() {
                    return None;
                }
                model.default = None;
                "unset default_version".into()
            }
            8 => {
                // Set, move, swap or unset an alias.
                let vs = keys(&model.versions);
                let v = rng.pick(&vs);
                match rng.below(3) {
                    0 => {
                        let a = rng.pick(ALIASES);
                        for other in model.versions.values_mut() {
                            if other.alias == Some(a) {
                                other.alias = None;
                            }
                        }
                        model.versions.get_mut(&v).unwrap().alias = Some(a);
                        format!("alias {a} to {v}")
                    }
                    1 => {
                        let w = rng.pick(&vs);
                        let a = model.versions[&v].alias;
                        let b = model.versions[&w].alias;
                        model.versions.get_mut(&v).unwrap().alias = b;
                        model.versions.get_mut(&w).unwrap().alias = a;
                        format!("swap aliases of {v} and {w}")
                    }
                    _ => {
                        model.versions.get_mut(&v).unwrap().alias = None;
                        format!("unset alias of {v}")
                    }
                }
            }
            9 => {
                let v = rng.pick(&keys(&model.versions));
                model.versions.get_mut(&v).unwrap().comment =
                    rng.chance(70).then(|| rng.pick(COMMENTS));
                format!("comment of {v}")
            }
            10 => {
                let v = rng.pick(&keys(&model.versions));
                model.versions.get_mut(&v).unwrap().metadata =
                    rng.chance(70).then(|| rng.pick(METADATA));
                format!("metadata of {v}")
            }
            _ => {
                // New files for a version: it is dropped and added again, which Snowflake
                // refuses for the default version.
                let default = model.effective_default();
                let candidates: Vec<String> = model
                    .versions
                    .keys()
                    .filter(|v| Some(*v) != default.as_ref())
                    .cloned()
                    .collect();
                let v = rng.pick_opt(&candidates)?;
                let stage = rng.pick(&keys(&self.sts));
                let ver = model.versions.get_mut(&v).unwrap();
                ver.stage = stage;
                ver.path = format!("{}/{}", ver.path, self.counter);
                format!("new source for {v}")
            }
        };
        self.mos.insert(m.clone(), model);
        Some(format!("{m}: {what}"))
    }

    fn change_task(&mut self, rng: &mut Rng) -> Option<String> {
        let t = rng.pick_opt(&keys(&self.tks))?;
        let choice = rng.below(14);
        let schema = self.tks[&t].schema.clone();
        let mine = self.descendants(&t);
        let possible_preds: Vec<String> = self
            .tasks_in(&schema)
            .into_iter()
            .filter(|p| !mine.contains(p))
            .collect();
        let whs = keys(&self.whs);
        let new_name = self.fresh_name("tk");
        let has_children = !self.children(&t).is_empty();
        let schemas = keys(&self.scs);
        let x = self.tks.get_mut(&t).unwrap();
        let root = x.after.is_empty();
        let what = match choice {
            0 => {
                // Snowflake cannot rename a task: it is dropped and created.
                x.name = new_name;
                format!("rename to {}", x.name)
            }
            1 => {
                // Move under other predecessors (possibly of another graph); a root becomes
                // a child and its graph joins the other.
                let mut preds = possible_preds;
                if preds.is_empty() {
                    return None;
                }
                rng.shuffle(&mut preds);
                preds.truncate(rng.range(1, 2));
                x.after = preds;
                x.schedule = None;
                x.config = None;
                x.overlap = None;
                format!("after = {:?}", x.after)
            }
            2 => {
                // A child becomes a root.
                if root {
                    return None;
                }
                x.after.clear();
                x.schedule = rng.chance(80).then(|| rng.pick(SCHEDULES));
                format!("becomes a root (schedule {:?})", x.schedule)
            }
            3 => {
                x.sql = rng.pick(TASK_SQL);
                "sql".into()
            }
            4 => {
                if !root {
                    return None;
                }
                x.schedule = rng.chance(85).then(|| rng.pick(SCHEDULES));
                format!("schedule = {:?}", x.schedule)
            }
            5 => {
                x.warehouse = if rng.chance(70) {
                    rng.pick_opt(&whs)
                } else {
                    None
                };
                format!("warehouse = {:?}", x.warehouse)
            }
            6..=8 => {
                x.enabled = !x.enabled;
                format!("enabled = {}", x.enabled)
            }
            9 => {
                x.comment = rng.chance(70).then(|| rng.pick(COMMENTS));
                "comment".into()
            }
            10 => {
                x.when = rng.chance(60).then(|| rng.pick(WHENS));
                format!("when = {:?}", x.when)
            }
            11 => {
                if !root {
                    return None;
                }
                if rng.chance(50) {
                    x.config = rng.chance(70).then(|| rng.pick(CONFIGS));
                    "config".into()
                } else {
                    x.overlap = rng.chance(70).then(|| rng.pick(OVERLAPS));
                    "overlap_policy".into()
                }
            }
            12 => {
                x.timeout_ms = rng
                    .chance(70)
                    .then(|| rng.pick(&[60_000, 3_600_000, 7_200_000]));
                "user_task_timeout_ms".into()
            }
            _ => {
                // Only a task on its own may change schema: a graph lives in one schema.
                if !root || has_children {
                    return None;
                }
                x.schema = rng.pick(&schemas);
                format!("move to {}", x.schema)
            }
        };
        Some(format!("{t}: {what}"))
    }

    /// Several changes at once, as a pull request brings them.
    fn transition(&mut self, rng: &mut Rng) -> Vec<String> {
        let n = rng.range(1, 4);
        let mut ops = Vec::new();
        let mut tries = 0;
        let start = self.clone();
        // Stages given a new name (renamed or moved) and stages relabelled in this step.
        let (mut renamed, mut relabelled) = (BTreeSet::new(), BTreeSet::new());
        while ops.len() < n && tries < 200 {
            tries += 1;
            let before = self.clone();
            let op = self
                .mutate(rng)
                .filter(|_| self.one_root_per_graph() && self.no_default_gets_new_files(&start))
                .filter(|op| identity_kept(op, &mut renamed, &mut relabelled));
            if let Some(op) = op {
                if let Err(e) = self.check() {
                    panic!("generator bug after {op}: {e}\n{self:#?}");
                }
                ops.push(op);
            } else {
                *self = before;
            }
        }
        ops
    }

    /// Snowflake cannot drop a model's default version, so a version that is the default
    /// before or after a step gets no new files in it (snowform refuses that plan).
    fn no_default_gets_new_files(&self, start: &Config) -> bool {
        self.mos.iter().all(|(k, m)| {
            let Some(old) = start.mos.get(k) else {
                return true;
            };
            let defaults = [old.effective_default(), m.effective_default()];
            m.versions.iter().all(|(v, ver)| {
                let new_files = old.versions.get(v).is_some_and(|o| o.path != ver.path);
                !new_files || !defaults.iter().any(|d| d.as_ref() == Some(v))
            })
        })
    }

    /// The rules a configuration must keep to validate, checked before snowform sees it.
    fn check(&self) -> Result<(), String> {
        for (k, s) in &self.scs {
            if !self.dbs.contains_key(&s.db) {
                return Err(format!("{k}: no database {}", s.db));
            }
        }
        let schema_of = |k: &str, s: &str| -> Result<(), String> {
            if self.scs.contains_key(s) {
                Ok(())
            } else {
                Err(format!("{k}: no schema {s}"))
            }
        };
        for (k, x) in &self.sts {
            schema_of(k, &x.schema)?;
        }
        for (k, x) in &self.ens {
            schema_of(k, &x.schema)?;
        }
        for (k, f) in &self.fvs {
            schema_of(k, &f.schema)?;
            if f.entities.is_empty() {
                return Err(format!("{k}: no entity"));
            }
            for e in &f.entities {
                match self.ens.get(e) {
                    Some(en) if en.schema == f.schema => {}
                    _ => return Err(format!("{k}: entity {e} missing or elsewhere")),
                }
            }
            match (&f.refresh, &f.warehouse) {
                (Refresh::View, _) => {}
                (_, Some(w)) if self.whs.contains_key(w) => {}
                _ => return Err(format!("{k}: dynamic without warehouse")),
            }
        }
        for (k, m) in &self.mos {
            schema_of(k, &m.schema)?;
            if m.versions.is_empty() {
                return Err(format!("{k}: no version"));
            }
            if let Some(d) = &m.default {
                if !m.versions.contains_key(d) {
                    return Err(format!("{k}: default {d} is not a version"));
                }
            }
            let mut aliases = BTreeSet::new();
            for (v, ver) in &m.versions {
                if !self.sts.contains_key(&ver.stage) {
                    return Err(format!("{k}.{v}: no stage {}", ver.stage));
                }
                if let Some(a) = ver.alias {
                    if !aliases.insert(a) {
                        return Err(format!("{k}: alias {a} twice"));
                    }
                }
            }
        }
        for (k, t) in &self.tks {
            schema_of(k, &t.schema)?;
            if let Some(w) = &t.warehouse {
                if !self.whs.contains_key(w) {
                    return Err(format!("{k}: no warehouse {w}"));
                }
            }
            if !t.after.is_empty() && (t.schedule.is_some() || t.config.is_some()) {
                return Err(format!("{k}: a child with a schedule or config"));
            }
            for p in &t.after {
                match self.tks.get(p) {
                    Some(pt) if pt.schema == t.schema => {}
                    _ => return Err(format!("{k}: predecessor {p} missing or elsewhere")),
                }
            }
            if self.descendants(k).iter().any(|d| t.after.contains(d)) {
                return Err(format!("{k}: cycle"));
            }
        }
        Ok(())
    }

    // --- HCL ------------------------------------------------------------------------------

    fn render(&self) -> String {
        let mut out = String::new();
        let w = &mut out;
        for (k, x) in &self.whs {
            let _ = writeln!(w, "warehouse {} {{", s(k));
            attr(w, "name", &s(&x.name));
            if let Some(v) = x.size {
                attr(w, "size", &s(v));
            }
            if let Some(v) = x.auto_suspend {
                attr(w, "auto_suspend", &v.to_string());
            }
            if let Some(v) = x.max_cluster {
                attr(w, "max_cluster_count", &v.to_string());
            }
            if x.initially_suspended {
                attr(w, "initially_suspended", "true");
            }
            opt(w, "comment", x.comment);
            w.push_str("}\n\n");
        }
        for (k, x) in &self.dbs {
            let _ = writeln!(w, "database {} {{", s(k));
            attr(w, "name", &s(&x.name));
            if x.transient {
                attr(w, "transient", "true");
            }
            if let Some(v) = x.retention {
                attr(w, "data_retention_time_in_days", &v.to_string());
            }
            opt(w, "comment", x.comment);
            w.push_str("}\n\n");
        }
        for (k, x) in &self.scs {
            let _ = writeln!(w, "schema {} {{", s(k));
            attr(w, "database", &format!("database.{}", x.db));
            attr(w, "name", &s(&x.name));
            if x.transient {
                attr(w, "transient", "true");
            }
            if x.managed {
                attr(w, "managed_access", "true");
            }
            if let Some(v) = x.retention {
                attr(w, "data_retention_time_in_days", &v.to_string());
            }
            opt(w, "comment", x.comment);
            w.push_str("}\n\n");
        }
        for (k, x) in &self.sts {
            let _ = writeln!(w, "stage {} {{", s(k));
            attr(w, "schema", &format!("schema.{}", x.schema));
            attr(w, "name", &s(&x.name));
            if x.directory {
                attr(w, "directory", "true");
            }
            if let Some(v) = x.encryption {
                attr(w, "encryption", &s(v));
            }
            opt(w, "comment", x.comment);
            w.push_str("}\n\n");
        }
        for (k, x) in &self.ens {
            let _ = writeln!(w, "entity {} {{", s(k));
            attr(w, "schema", &format!("schema.{}", x.schema));
            attr(w, "name", &s(&x.name));
            let ks: Vec<String> = x.keys.iter().map(|k| s(k)).collect();
            attr(w, "join_keys", &format!("[{}]", ks.join(", ")));
            opt(w, "comment", x.comment);
            w.push_str("}\n\n");
        }
        for (k, x) in &self.fvs {
            let _ = writeln!(w, "feature_view {} {{", s(k));
            attr(w, "schema", &format!("schema.{}", x.schema));
            attr(w, "name", &s(&x.name));
            attr(w, "version", &s(&x.version));
            let es: Vec<String> = x.entities.iter().map(|e| format!("entity.{e}")).collect();
            attr(w, "entities", &format!("[{}]", es.join(", ")));
            attr(w, "query", &s(x.query));
            match x.refresh {
                Refresh::View => {}
                Refresh::Lag(l) | Refresh::Cron(l) => attr(w, "refresh_freq", &s(l)),
            }
            if let Some(wh) = &x.warehouse {
                attr(w, "warehouse", &format!("warehouse.{wh}"));
            }
            if x.refresh != Refresh::View {
                if let Some(v) = x.refresh_mode {
                    attr(w, "refresh_mode", &s(v));
                }
                if let Some(v) = x.initialize {
                    attr(w, "initialize", &s(v));
                }
            }
            if let Some(v) = x.ts_col {
                attr(w, "timestamp_col", &s(v));
            }
            opt(w, "comment", x.comment);
            if let Some(v) = x.enabled {
                attr(w, "enabled", &v.to_string());
            }
            w.push_str("}\n\n");
        }
        for (k, x) in &self.mos {
            let _ = writeln!(w, "model {} {{", s(k));
            attr(w, "schema", &format!("schema.{}", x.schema));
            attr(w, "name", &s(&x.name));
            if let Some(d) = &x.default {
                attr(w, "default_version", &s(d));
            }
            opt(w, "comment", x.comment);
            for (v, ver) in &x.versions {
                let _ = writeln!(w, "\n  version {} {{", s(v));
                let src = format!("@${{stage.{}.fqn}}/{}", ver.stage, ver.path);
                let _ = writeln!(w, "    source = \"{src}\"");
                if let Some(c) = ver.comment {
                    let _ = writeln!(w, "    comment = {}", s(c));
                }
                if let Some(a) = ver.alias {
                    let _ = writeln!(w, "    alias = {}", s(a));
                }
                if let Some(m) = ver.metadata {
                    let _ = writeln!(w, "    metadata = {m}");
                }
                w.push_str("  }\n");
            }
            w.push_str("}\n\n");
        }
        for (k, x) in &self.tks {
            let _ = writeln!(w, "task {} {{", s(k));
            attr(w, "schema", &format!("schema.{}", x.schema));
            attr(w, "name", &s(&x.name));
            attr(w, "sql", &s(x.sql));
            if let Some(wh) = &x.warehouse {
                attr(w, "warehouse", &format!("warehouse.{wh}"));
            }
            if let Some(v) = x.schedule {
                attr(w, "schedule", &s(v));
            }
            if !x.after.is_empty() {
                let ps: Vec<String> = x.after.iter().map(|p| format!("task.{p}")).collect();
                attr(w, "after", &format!("[{}]", ps.join(", ")));
            }
            if let Some(v) = x.when {
                attr(w, "when", &s(v));
            }
            if x.enabled {
                attr(w, "enabled", "true");
            }
            opt(w, "comment", x.comment);
            if let Some(v) = x.config {
                attr(w, "config", v);
            }
            if let Some(v) = x.overlap {
                attr(w, "overlap_policy", &s(v));
            }
            if let Some(v) = x.timeout_ms {
                attr(w, "user_task_timeout_ms", &v.to_string());
            }
            w.push_str("}\n\n");
        }
        out
    }
}

/// An HCL string literal.
fn s(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    // Interpolation markers are escaped by doubling.
    let out = out.replace("${", "$${").replace("%{", "%%{");
    out + "\""
}

fn attr(w: &mut String, name: &str, value: &str) {
    let _ = writeln!(w, "  {name} = {value}");
}

fn opt(w: &mut String, name: &str, value: Option<&str>) {
    if let Some(v) = value {
        attr(w, name, &s(v));
    }
}

// ---------------------------------------------------------------------------------------
// Running a walk.

/// How apply runs a step's plan: as `apply` plans it, or a saved plan whose run order is
/// another order its links allow (any order a parallel apply could take).
#[derive(Clone, Copy, Debug)]
enum ApplyMode {
    Direct,
    Reversed,
    Shuffled(u64),
}

struct StepFailure {
    what: String,
    plan: Option<String>,
    apply: Option<String>,
}

fn fail(what: impl Into<String>) -> StepFailure {
    StepFailure {
        what: what.into(),
        plan: None,
        apply: None,
    }
}

fn strings(v: &J) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .map(|s| s.as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

/// The plan's own consistency: statements listed once, summary and flags that agree
/// with the changes.
fn plan_invariants(plan: &J) -> Result<(), String> {
    let all = strings(&plan["statements"]);
    let mut per_change = Vec::new();
    let mut summary: BTreeMap<String, u64> = BTreeMap::new();
    let mut any_destructive = false;
    for c in plan["changes"].as_array().ok_or("no changes array")? {
        let addr = c["address"].as_str().unwrap_or("?");
        let action = c["action"].as_str().unwrap_or("?");
        *summary.entry(action.to_string()).or_default() += 1;
        let stmts = strings(&c["statements"]);
        if action == "noop" && !stmts.is_empty() {
            return Err(format!("{addr} is a noop with statements {stmts:?}"));
        }
        let destructive = c["destructive"].as_bool().unwrap_or(false);
        any_destructive |= destructive;
        let attrs = c["attributes"].as_array().cloned().unwrap_or_default();
        let drops_part = attrs.iter().any(|a| {
            let name = a["name"].as_str().unwrap_or("");
            name.starts_with("versions.")
                && ((name.matches('.').count() == 1 && a["after"].is_null())
                    || name.ends_with(".source"))
        });
        let may_destroy = matches!(action, "replace" | "delete")
            || (action == "update" && c["kind"] == "model" && drops_part);
        if destructive && !may_destroy {
            return Err(format!(
                "{addr} ({action}) is marked destructive but neither replaces, deletes nor drops a version"
            ));
        }
        let gone = strings(&c["reasons"])
            .iter()
            .any(|r| r.contains("already gone"));
        if matches!(action, "replace" | "delete") && !destructive && !gone {
            return Err(format!("{addr} ({action}) is not marked destructive"));
        }
        if stmts.iter().any(|s| s.contains(" DROP VERSION ")) && !destructive {
            return Err(format!(
                "{addr} drops a model version but is not marked destructive"
            ));
        }
        per_change.extend(stmts);
    }
    if plan["destructive"].as_bool() != Some(any_destructive) {
        return Err(format!(
            "plan.destructive is {} but the changes say {any_destructive}",
            plan["destructive"]
        ));
    }
    for action in ["create", "update", "replace", "delete", "noop"] {
        let n = summary.get(action).copied().unwrap_or(0);
        if plan["summary"][action].as_u64() != Some(n) {
            return Err(format!(
                "summary.{action} is {} but {n} changes have that action",
                plan["summary"][action]
            ));
        }
    }
    let mut seen = BTreeSet::new();
    for st in &all {
        if !seen.insert(st) {
            return Err(format!("statement listed twice: {st}"));
        }
    }
    if sorted(all.clone()) != sorted(per_change.clone()) {
        let a: BTreeSet<_> = all.iter().collect();
        let b: BTreeSet<_> = per_change.iter().collect();
        return Err(format!(
            "statements and the changes' statements differ:\n  only in statements: {:?}\n  only in changes: {:?}",
            a.difference(&b).collect::<Vec<_>>(),
            b.difference(&a).collect::<Vec<_>>()
        ));
    }
    Ok(())
}

/// The plan made from the state alone does what the refreshed one does, but where the
/// refreshed plan found the account already as configured (the state could not know).
fn offline_agrees(refreshed: &J, offline: &J) -> Result<(), String> {
    let by_address = |p: &J| -> BTreeMap<String, J> {
        p["changes"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| (c["address"].as_str().unwrap_or("").to_string(), c.clone()))
            .collect()
    };
    let (r, o) = (by_address(refreshed), by_address(offline));
    let mut skipped = BTreeSet::new();
    let mut skipped_refreshed = BTreeSet::new();
    for addr in r.keys().chain(o.keys()).collect::<BTreeSet<_>>() {
        let (rc, oc) = (r.get(addr), o.get(addr));
        let only_state = rc.is_some_and(|c| {
            strings(&c["reasons"])
                .iter()
                .any(|x| x.contains("already matches"))
        });
        if only_state {
            skipped.extend(oc.map(|c| strings(&c["statements"])).unwrap_or_default());
            continue;
        }
        // The state may lack values the account already has (a default version, an
        // inherited retention): its plan may set them again, and nothing else, maybe in
        // the same statement as what the refreshed plan sets.
        let agree = match (rc, oc) {
            (Some(rc), Some(oc)) if sets_again(rc, oc) => {
                skipped.extend(strings(&oc["statements"]));
                skipped_refreshed.extend(strings(&rc["statements"]));
                true
            }
            (Some(rc), Some(oc)) => {
                rc["action"] == oc["action"]
                    && subsequence(&strings(&rc["statements"]), &strings(&oc["statements"]))
            }
            (None, None) => true,
            _ => false,
        };
        if !agree {
            return Err(format!(
                "{addr}: {} refreshed, {} from the state",
                rc.map(|c| c.to_string()).unwrap_or_default(),
                oc.map(|c| c.to_string()).unwrap_or_default()
            ));
        }
    }
    let order: Vec<String> = strings(&offline["statements"])
        .into_iter()
        .filter(|s| !skipped.contains(s))
        .collect();
    let refreshed_order: Vec<String> = strings(&refreshed["statements"])
        .into_iter()
        .filter(|s| !skipped_refreshed.contains(s))
        .collect();
    if !subsequence(&refreshed_order, &order) {
        return Err("the statements run in another order".into());
    }
    Ok(())
}

/// `small` in the order `big` has them, with maybe more in between.
/// The plan from the state updates what the refreshed one updates (or leaves alone) to the
/// same values, and more: values the account already had.
fn sets_again(refreshed: &J, offline: &J) -> bool {
    let attrs = |c: &J| -> BTreeMap<String, J> {
        c["attributes"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|a| {
                (
                    a["name"].as_str().unwrap_or("").to_string(),
                    a["after"].clone(),
                )
            })
            .collect()
    };
    let (r, o) = (attrs(refreshed), attrs(offline));
    matches!(refreshed["action"].as_str(), Some("noop" | "update"))
        && offline["action"] == "update"
        && o.len() > r.len()
        && r.iter().all(|(k, v)| o.get(k) == Some(v))
}

fn subsequence(small: &[String], big: &[String]) -> bool {
    let mut it = big.iter();
    small.iter().all(|s| it.any(|b| b == s))
}

fn pretty(v: &J) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default()
}

fn out_text(o: &Out) -> String {
    format!(
        "exit {}\nstdout:\n{}\nstderr:\n{}",
        o.code, o.stdout, o.stderr
    )
}

/// Validate, plan, apply, and check that nothing is left to do.
fn run_step(d: &Dir, mode: ApplyMode) -> Result<(), StepFailure> {
    let v = d.run(&["validate"]);
    if v.code != 0 {
        return Err(fail(format!(
            "validate failed (a generator bug):\n{}",
            out_text(&v)
        )));
    }
    let p = d.sandbox(&["plan", "--format", "json"]);
    if p.code != 0 {
        return Err(fail(format!("plan failed:\n{}", out_text(&p))));
    }
    let plan = p.json();
    let with_plan = |what: String| StepFailure {
        what,
        plan: Some(pretty(&plan)),
        apply: None,
    };
    plan_invariants(&plan).map_err(|e| with_plan(format!("plan invariant: {e}")))?;
    let statements = strings(&plan["statements"]);

    let offline = d.sandbox(&["plan", "--refresh=false", "--format", "json"]);
    if offline.code != 0 {
        return Err(with_plan(format!(
            "plan --refresh=false failed:\n{}",
            out_text(&offline)
        )));
    }
    let offline = offline.json();
    offline_agrees(&plan, &offline).map_err(|e| {
        with_plan(format!(
            "the plan against the state differs from the refreshed plan: {e}\n{}",
            pretty(&offline["statements"])
        ))
    })?;

    let applied = match mode {
        ApplyMode::Direct => d.sandbox(&[
            "apply",
            "--auto-approve",
            "--allow-destroy",
            "--parallelism",
            "1",
            "--format",
            "json",
        ]),
        ApplyMode::Reversed | ApplyMode::Shuffled(_) => {
            let file = d.path().join("step.plan");
            let file = file.to_str().unwrap();
            let saved = d.sandbox(&["plan", "--out", file, "--format", "json"]);
            if saved.code != 0 {
                return Err(with_plan(format!(
                    "plan --out failed:\n{}",
                    out_text(&saved)
                )));
            }
            let mut doc: J = serde_json::from_str(&std::fs::read_to_string(file).unwrap())
                .expect("a saved plan is JSON");
            let order = doc["plan"]["order"].as_array_mut().expect("plan.order");
            match mode {
                ApplyMode::Reversed => order.reverse(),
                ApplyMode::Shuffled(seed) => Rng::new(seed).shuffle(order),
                ApplyMode::Direct => unreachable!(),
            }
            crate::common::reseal(&mut doc);
            std::fs::write(file, serde_json::to_string(&doc).unwrap()).unwrap();
            d.sandbox(&[
                "apply",
                file,
                "--auto-approve",
                "--allow-destroy",
                "--parallelism",
                "1",
                "--format",
                "json",
            ])
        }
    };
    let report = serde_json::from_str::<J>(&applied.stdout).ok();
    let with_apply = |what: String| StepFailure {
        what,
        plan: Some(pretty(&plan)),
        apply: Some(out_text(&applied)),
    };
    let Some(report) = report else {
        return Err(with_apply("apply printed no JSON report".into()));
    };
    if applied.code != 0
        || report["failed"] != serde_json::json!([])
        || report["pending"] != serde_json::json!([])
    {
        return Err(with_apply(format!("apply did not succeed ({mode:?})")));
    }
    if sorted(strings(&report["applied"])) != sorted(statements.clone()) {
        return Err(with_apply(format!(
            "apply ran other statements than the plan showed ({mode:?})"
        )));
    }

    for (what, args) in [
        (
            "plan after apply",
            &["plan", "--detailed-exitcode", "--format", "json"][..],
        ),
        (
            "plan --refresh=false after apply",
            &[
                "plan",
                "--refresh=false",
                "--detailed-exitcode",
                "--format",
                "json",
            ][..],
        ),
        ("drift after apply", &["drift", "--format", "json"][..]),
    ] {
        let o = d.sandbox(args);
        if o.code != 0 {
            return Err(with_apply(format!(
                "{what} is not empty ({mode:?}):\n{}",
                out_text(&o)
            )));
        }
    }
    Ok(())
}

struct WalkFailure {
    seed: u64,
    step: usize,
    report: String,
}

/// One walk: a first configuration, then `steps - 1` transitions, then (half the time)
/// everything removed.
fn walk(seed: u64, steps: usize, verbose: bool) -> Result<(), WalkFailure> {
    let mut rng = Rng::new(seed);
    let d = Dir::empty();
    // The raw tables the feature views read, loaded outside snowform.
    d.seed_test_landing();
    let mut cfg = Config::initial(&mut rng);
    let mut before = String::new();
    let destroy_at_end = rng.chance(50);
    for step in 0..=steps {
        let ops = if step == 0 {
            vec!["first configuration".to_string()]
        } else if step == steps {
            if !destroy_at_end {
                break;
            }
            cfg = Config {
                counter: cfg.counter,
                ..Config::default()
            };
            vec!["remove everything".to_string()]
        } else {
            cfg.transition(&mut rng)
        };
        let hcl = cfg.render();
        d.write("main.hcl", &hcl);
        let mode = match rng.below(4) {
            0 => ApplyMode::Direct,
            1 => ApplyMode::Reversed,
            _ => ApplyMode::Shuffled(rng.next()),
        };
        if verbose {
            eprintln!("seed {seed} step {step} ({mode:?}): {}", ops.join("; "));
        }
        if let Err(f) = run_step(&d, mode) {
            let mut r = String::new();
            let _ = writeln!(
                r,
                "scenario seed {seed}, step {step} of {steps}: {}\nreplay: SNOWFORM_SCENARIO_SEED={seed} SNOWFORM_SCENARIO_STEPS={steps} cargo test --test it scenarios::replay -- --nocapture\n",
                f.what
            );
            let _ = writeln!(r, "transition: {}\napply mode: {mode:?}\n", ops.join("; "));
            let _ = writeln!(r, "---- HCL before ----\n{before}");
            let _ = writeln!(r, "---- HCL after ----\n{hcl}");
            if let Some(p) = f.plan {
                let _ = writeln!(r, "---- plan ----\n{p}");
            }
            if let Some(a) = f.apply {
                let _ = writeln!(r, "---- apply ----\n{a}");
            }
            if verbose {
                // Replaying: keep the directory to look into.
                let _ = writeln!(r, "directory kept: {}", d.path().display());
                std::mem::forget(d);
            }
            return Err(WalkFailure {
                seed,
                step,
                report: r,
            });
        }
        before = hcl;
    }
    Ok(())
}

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.trim().parse().ok())
}

const DEFAULT_STEPS: usize = 10;

/// The walks of a default run, unless one seed or a long run is asked for.
fn default_walks(seeds: std::ops::RangeInclusive<u64>) {
    if env_u64("SNOWFORM_SCENARIO_SEED").is_some() || env_u64("SNOWFORM_SCENARIO_WALKS").is_some() {
        return;
    }
    for seed in seeds {
        if let Err(f) = walk(seed, DEFAULT_STEPS, false) {
            panic!("{}", f.report);
        }
    }
}

#[test]
fn walks_1_to_3() {
    default_walks(1..=3);
}

#[test]
fn walks_4_to_6() {
    default_walks(4..=6);
}

#[test]
fn walks_7_to_9() {
    default_walks(7..=9);
}

#[test]
fn walks_10_to_12() {
    default_walks(10..=12);
}

/// `SNOWFORM_SCENARIO_SEED=N [SNOWFORM_SCENARIO_STEPS=M]`: one walk, every step printed.
#[test]
fn replay() {
    let Some(seed) = env_u64("SNOWFORM_SCENARIO_SEED") else {
        return;
    };
    let steps = env_u64("SNOWFORM_SCENARIO_STEPS").unwrap_or(12) as usize;
    if let Err(f) = walk(seed, steps, true) {
        panic!("{}", f.report);
    }
}

/// `SNOWFORM_SCENARIO_WALKS=N [SNOWFORM_SCENARIO_FIRST=K] [SNOWFORM_SCENARIO_STEPS=M]`:
/// explore N walks on two threads, past failures; one report file per failing seed.
#[test]
fn explore() {
    let Some(walks) = env_u64("SNOWFORM_SCENARIO_WALKS") else {
        return;
    };
    let first = env_u64("SNOWFORM_SCENARIO_FIRST").unwrap_or(1000);
    let steps = env_u64("SNOWFORM_SCENARIO_STEPS").unwrap_or(15) as usize;
    let dir = repo().join("target").join("scenarios");
    std::fs::create_dir_all(&dir).unwrap();
    let next = std::sync::atomic::AtomicU64::new(first);
    let failures = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| loop {
                let seed = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                if seed >= first + walks {
                    break;
                }
                if let Err(f) = walk(seed, steps, false) {
                    let first_line = f.report.lines().next().unwrap_or("").to_string();
                    eprintln!("FAIL {first_line}");
                    std::fs::write(dir.join(format!("seed-{}.txt", f.seed)), &f.report).unwrap();
                    failures.lock().unwrap().push((f.seed, f.step, first_line));
                }
            });
        }
    });
    let mut failures = failures.into_inner().unwrap();
    failures.sort();
    eprintln!(
        "explored seeds {first}..{} ({steps} steps each): {} failed",
        first + walks - 1,
        failures.len()
    );
    for (seed, step, line) in &failures {
        eprintln!("  seed {seed} step {step}: {line}");
    }
    assert!(
        failures.is_empty(),
        "{} walks failed; reports in {}",
        failures.len(),
        dir.display()
    );
}

// ---------------------------------------------------------------------------------------
// Regressions: the smallest form of each failure the walks found.

const REGRESSION_BASE: &str = r#"
database "db" {
  name = "RDB"
}

schema "s" {
  database = database.db
  name     = "S"
}
"#;

fn regression_dir(blocks: &str) -> Dir {
    let d = Dir::with(&[("main.hcl", &format!("{REGRESSION_BASE}{blocks}"))]);
    d.seed_sources();
    apply_ok(&d);
    d
}

fn reconfigure(d: &Dir, blocks: &str) {
    d.write("main.hcl", &format!("{REGRESSION_BASE}{blocks}"));
}

#[track_caller]
fn apply_ok(d: &Dir) -> J {
    let out = d.apply_destroying();
    assert_eq!(out["pending"], serde_json::json!([]), "{out}");
    d.sandbox(&["plan", "--detailed-exitcode"]).ok();
    d.sandbox(&["plan", "--refresh=false", "--detailed-exitcode"])
        .ok();
    out
}

/// Applies the plan run in the reverse of its order wherever its links allow (an order a
/// parallel apply could take), and checks that it succeeds and leaves nothing to do.
#[track_caller]
fn apply_reversed_ok(d: &Dir) {
    let file = d.path().join("p.plan");
    let file = file.to_str().unwrap();
    d.sandbox(&["plan", "--out", file]).ok();
    let mut doc: J = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    doc["plan"]["order"].as_array_mut().unwrap().reverse();
    crate::common::reseal(&mut doc);
    std::fs::write(file, doc.to_string()).unwrap();
    let out = d
        .sandbox(&[
            "apply",
            file,
            "--auto-approve",
            "--allow-destroy",
            "--parallelism",
            "1",
            "--format",
            "json",
        ])
        .ok()
        .json();
    assert_eq!(out["failed"], serde_json::json!([]), "{out}");
    d.sandbox(&["plan", "--detailed-exitcode"]).ok();
}

fn plan_statements(d: &Dir, refresh: bool) -> Vec<String> {
    let mut args = vec!["plan", "--format", "json"];
    if !refresh {
        args.push("--refresh=false");
    }
    strings(&d.sandbox(&args).ok().json()["statements"])
}

/// Seed 1: a refreshed plan read the objects to delete from SHOW, which knows nothing of
/// references, so an entity's tag could be dropped before the feature view using it.
#[test]
fn deleting_a_feature_view_and_its_entity_drops_the_view_first() {
    let d = regression_dir(
        r#"
entity "e" {
  schema    = schema.s
  name      = "E"
  join_keys = ["ID"]
}

feature_view "f" {
  schema   = schema.s
  name     = "F"
  version  = "V1"
  entities = [entity.e]
  query    = "SELECT id FROM LANDING.RAW.T"
}
"#,
    );
    reconfigure(&d, "");
    let want = [
        "DROP VIEW RDB.S.F$V1",
        "DROP TAG RDB.S.SNOWML_FEATURE_STORE_ENTITY_E",
    ];
    assert_eq!(plan_statements(&d, true), want);
    assert_eq!(plan_statements(&d, false), want);
    apply_ok(&d);
}

/// Seed 1: a task given a new block label was planned as a move whose state-only step the
/// task graph handling dropped, so the state never followed and every plan showed it again.
/// A move alone must not suspend its graph either: nothing changes in the account.
#[test]
fn a_task_moved_to_a_new_address_is_recorded_there_without_touching_its_graph() {
    let graph = |child_label: &str| {
        format!(
            r#"
task "root" {{
  schema   = schema.s
  name     = "ROOT"
  sql      = "SELECT 1"
  schedule = "5 MINUTES"
  enabled  = true
}}

task "{child_label}" {{
  schema  = schema.s
  name    = "CHILD"
  sql     = "SELECT 2"
  after   = [task.root]
  enabled = true
}}
"#
        )
    };
    let d = regression_dir(&graph("child"));
    reconfigure(&d, &graph("renamed"));
    let plan = d.sandbox(&["plan", "--format", "json"]).ok().json();
    assert_eq!(plan["statements"], serde_json::json!([]), "{plan}");
    apply_ok(&d);
    let state = d.state();
    let text = state.to_string();
    assert!(text.contains("task.renamed"), "{text}");
    assert!(!text.contains("task.child"), "{text}");
}

/// Many seeds: renaming a stage, or the schema or database holding it, changed the source
/// text of every model version made from it, which planned a destructive drop and add of
/// each version, and refused the plan outright for the default version. The version's
/// files are the same; only the record follows the new name.
#[test]
fn renaming_the_stage_of_a_model_keeps_its_versions() {
    let blocks = |schema: &str, stage: &str| {
        format!(
            r#"
schema "files" {{
  database = database.db
  name     = "{schema}"
}}

stage "st" {{
  schema = schema.files
  name   = "{stage}"
}}

model "m" {{
  schema = schema.s
  name   = "M"

  version "V1" {{
    source = "@${{stage.st.fqn}}/m/v1"
  }}

  version "V2" {{
    source = "@${{stage.st.fqn}}/m/v2"
  }}
}}
"#
        )
    };
    let d = regression_dir(&blocks("FILES", "ST"));
    for (schema, stage) in [("FILES", "ST2"), ("FILES2", "ST2")] {
        reconfigure(&d, &blocks(schema, stage));
        let plan = d.sandbox(&["plan", "--format", "json"]).ok().json();
        assert_eq!(plan["destructive"], false, "{plan}");
        assert!(
            !strings(&plan["statements"])
                .iter()
                .any(|s| s.contains("VERSION")),
            "{plan}"
        );
        apply_ok(&d);
        let state = d.state().to_string();
        assert!(
            state.contains(&format!("@RDB.{schema}.{stage}/m/v1")),
            "{state}"
        );
    }
}

/// Seeds 2, 29, 42, 45, 46, 47, 51: renaming the schema of a task graph left the children's
/// recorded predecessors under the old schema name, so the next plan re-linked them with
/// `ADD AFTER <new name>` and `REMOVE AFTER <old name>`; the sandbox matched the old name
/// by its last part alone and unlinked the graph.
#[test]
fn renaming_the_schema_of_a_task_graph_keeps_the_graph() {
    let blocks = |schema: &str| {
        format!(
            r#"
schema "jobs" {{
  database = database.db
  name     = "{schema}"
}}

task "root" {{
  schema   = schema.jobs
  name     = "ROOT"
  sql      = "SELECT 1"
  schedule = "5 MINUTES"
  enabled  = true
}}

task "child" {{
  schema  = schema.jobs
  name    = "CHILD"
  sql     = "SELECT 2"
  after   = [task.root]
  enabled = true
}}
"#
        )
    };
    let d = regression_dir(&blocks("JOBS"));
    reconfigure(&d, &blocks("JOBS2"));
    assert_eq!(
        plan_statements(&d, true),
        ["ALTER SCHEMA RDB.JOBS RENAME TO RDB.JOBS2"]
    );
    apply_ok(&d);
    d.sandbox(&["drift"]).ok();
}

/// Seeds 25, 32: the root of a running graph deleted while its schema is renamed was
/// suspended under the new schema name before the rename ran.
#[test]
fn deleting_a_running_graph_in_a_renamed_schema() {
    let blocks = |schema: &str, tasks: bool| {
        let mut s = format!(
            r#"
schema "jobs" {{
  database = database.db
  name     = "{schema}"
}}
"#
        );
        if tasks {
            s.push_str(
                r#"
task "root" {
  schema   = schema.jobs
  name     = "ROOT"
  sql      = "SELECT 1"
  schedule = "5 MINUTES"
  enabled  = true
}

task "child" {
  schema  = schema.jobs
  name    = "CHILD"
  sql     = "SELECT 2"
  after   = [task.root]
  enabled = true
}
"#,
            );
        }
        s
    };
    let d = regression_dir(&blocks("JOBS", true));
    reconfigure(&d, &blocks("JOBS2", false));
    assert_eq!(
        plan_statements(&d, true),
        [
            "ALTER SCHEMA RDB.JOBS RENAME TO RDB.JOBS2",
            "ALTER TASK RDB.JOBS2.ROOT SUSPEND",
            "DROP TASK RDB.JOBS2.CHILD",
            "DROP TASK RDB.JOBS2.ROOT",
        ]
    );
    apply_ok(&d);
}

/// Seeds 6, 10, 12, 26, 43, 44, 59: a value the account already had (a retention the
/// database inherits, the default version a model already has) made the refreshed plan
/// empty, so the state never recorded it and every plan without a refresh showed it.
#[test]
fn a_value_the_account_already_has_is_recorded() {
    let d = regression_dir("");
    d.write(
        "main.hcl",
        &REGRESSION_BASE.replace(
            "name = \"RDB\"",
            "name = \"RDB\"\n  data_retention_time_in_days = 1",
        ),
    );
    let plan = d.sandbox(&["plan", "--format", "json"]).ok().json();
    assert_eq!(plan["statements"], serde_json::json!([]), "{plan}");
    assert_eq!(plan["summary"]["update"], 1, "{plan}");
    apply_ok(&d);
}

/// Seeds 4, 5, 7, 13, 14, ...: an empty model version comment against none.
#[test]
fn an_empty_model_version_comment_is_no_comment() {
    let d = regression_dir(
        r#"
stage "st" {
  schema = schema.s
  name   = "ST"
}

model "m" {
  schema = schema.s
  name   = "M"

  version "V1" {
    source  = "@${stage.st.fqn}/m/v1"
    comment = ""
  }
}
"#,
    );
    d.sandbox(&["drift"]).ok();
}

/// Seeds 15, 40: a block given a new label while its schema or database is renamed was
/// planned as a new object (which already exists) and a delete of the old one: the move
/// was looked for under the recorded name only, not the name the rename gives it.
#[test]
fn an_object_moved_to_a_new_address_in_a_renamed_database() {
    let blocks = |db: &str, label: &str| {
        format!(
            r#"
database "db" {{
  name = "{db}"
}}

schema "s" {{
  database = database.db
  name     = "S"
}}

task "{label}" {{
  schema   = schema.s
  name     = "T"
  sql      = "SELECT 1"
  schedule = "5 MINUTES"
}}
"#
        )
    };
    let d = Dir::with(&[("main.hcl", &blocks("RDB", "t"))]);
    apply_ok(&d);
    d.write("main.hcl", &blocks("RDB2", "t2"));
    let plan = d.sandbox(&["plan", "--format", "json"]).ok().json();
    assert_eq!(
        strings(&plan["statements"]),
        ["ALTER DATABASE RDB RENAME TO RDB2"],
        "{plan}"
    );
    apply_ok(&d);
    assert!(d.state().to_string().contains("task.t2"));
}

/// Seeds 16, 32, 39: a running task in a database made transient (replaced, with all it
/// holds) was suspended after the database was created again, when it no longer existed.
#[test]
fn a_running_task_in_a_replaced_database_is_created_and_resumed() {
    let blocks = |transient: bool| {
        format!(
            r#"
database "db" {{
  name      = "RDB"
  transient = {transient}
}}

schema "s" {{
  database = database.db
  name     = "S"
}}

task "t" {{
  schema   = schema.s
  name     = "T"
  sql      = "SELECT 1"
  schedule = "5 MINUTES"
  enabled  = true
}}
"#
        )
    };
    let d = Dir::with(&[("main.hcl", &blocks(false))]);
    apply_ok(&d);
    d.write("main.hcl", &blocks(true));
    assert_eq!(
        plan_statements(&d, true),
        [
            "CREATE OR REPLACE TRANSIENT DATABASE RDB",
            "CREATE TRANSIENT SCHEMA RDB.S",
            "CREATE TASK RDB.S.T SCHEDULE = '5 MINUTES' AS SELECT 1",
            "ALTER TASK RDB.S.T RESUME",
        ]
    );
    apply_ok(&d);
}

/// Seeds 32, 35: a schema replaced (made transient) while it, or its database, is renamed:
/// what it held was only recorded under the new name, never created again.
#[test]
fn a_replaced_schema_in_a_renamed_database_gets_its_objects_back() {
    let blocks = |db: &str, transient: bool| {
        format!(
            r#"
database "db" {{
  name = "{db}"
}}

schema "s" {{
  database  = database.db
  name      = "S"
  transient = {transient}
}}

stage "st" {{
  schema = schema.s
  name   = "ST"
}}
"#
        )
    };
    let d = Dir::with(&[("main.hcl", &blocks("RDB", false))]);
    apply_ok(&d);
    d.write("main.hcl", &blocks("RDB2", true));
    assert_eq!(
        plan_statements(&d, true),
        [
            "ALTER DATABASE RDB RENAME TO RDB2",
            "CREATE OR REPLACE TRANSIENT SCHEMA RDB2.S",
            "CREATE STAGE RDB2.S.ST",
        ]
    );
    apply_ok(&d);
}

/// Seeds 51, 67, 74, 94, ...: a running root suspended for a change of its graph while
/// its database is renamed was suspended under the new name before the rename ran.
#[test]
fn changing_a_running_graph_in_a_renamed_database() {
    let blocks = |db: &str, sql: &str| {
        format!(
            r#"
database "db" {{
  name = "{db}"
}}

schema "s" {{
  database = database.db
  name     = "S"
}}

task "root" {{
  schema   = schema.s
  name     = "ROOT"
  sql      = "SELECT 1"
  schedule = "5 MINUTES"
  enabled  = true
}}

task "child" {{
  schema  = schema.s
  name    = "CHILD"
  sql     = "{sql}"
  after   = [task.root]
  enabled = true
}}
"#
        )
    };
    let d = Dir::with(&[("main.hcl", &blocks("RDB", "SELECT 2"))]);
    apply_ok(&d);
    d.write("main.hcl", &blocks("RDB2", "SELECT 3"));
    assert_eq!(
        plan_statements(&d, true),
        [
            "ALTER DATABASE RDB RENAME TO RDB2",
            "ALTER TASK RDB2.S.ROOT SUSPEND",
            "ALTER TASK RDB2.S.CHILD MODIFY AS SELECT 3",
            "ALTER TASK RDB2.S.ROOT RESUME",
        ]
    );
    apply_reversed_ok(&d);
}

/// Seed 20087: a model moved out of a schema whose database is renamed was renamed under
/// the database's new name before that rename ran (a reverse order its links allowed):
/// nothing the model refers to lives in that database, so no reference ordered it.
#[test]
fn an_object_moved_out_of_a_renamed_database() {
    let blocks = |db: &str, schema: &str| {
        format!(
            r#"
database "db" {{
  name = "{db}"
}}

database "other" {{
  name = "ODB"
}}

schema "s" {{
  database = database.db
  name     = "S"
}}

schema "t" {{
  database = database.other
  name     = "T"
}}

stage "st" {{
  schema = schema.t
  name   = "ST"
}}

model "m" {{
  schema = schema.{schema}
  name   = "M"
  version "V1" {{
    source = "@${{stage.st.fqn}}/m/v1"
  }}
}}
"#
        )
    };
    let d = Dir::with(&[("main.hcl", &blocks("RDB", "s"))]);
    apply_ok(&d);
    d.write("main.hcl", &blocks("RDB2", "t"));
    assert_eq!(
        plan_statements(&d, true),
        [
            "ALTER DATABASE RDB RENAME TO RDB2",
            "ALTER MODEL RDB2.S.M RENAME TO ODB.T.M",
        ]
    );
    apply_reversed_ok(&d);
}

/// The configuration of the moves into and out of a replaced schema below: schema `s` made
/// transient (replaced), and a task, a stage and a model placed in `s` or `t`.
fn replaced_schema_blocks(
    transient: bool,
    task_in: &str,
    stage_in: &str,
    model_in: &str,
) -> String {
    format!(
        r#"
database "db" {{
  name = "RDB"
}}

schema "s" {{
  database  = database.db
  name      = "S"
  transient = {transient}
}}

schema "t" {{
  database = database.db
  name     = "T"
}}

stage "keep" {{
  schema = schema.t
  name   = "KEEP"
}}

stage "st" {{
  schema = schema.{stage_in}
  name   = "ST"
}}

model "m" {{
  schema = schema.{model_in}
  name   = "M"
  version "V1" {{
    source = "@${{stage.keep.fqn}}/m/v1"
  }}
}}

task "root" {{
  schema   = schema.{task_in}
  name     = "ROOT"
  sql      = "SELECT 1"
  schedule = "5 MINUTES"
  enabled  = true
}}
"#
    )
}

/// Seed 20043: a running task moved out of a schema made transient (replaced) was
/// suspended and dropped under its old name after the schema was created again, when it
/// no longer existed. Objects renamed out of it must move before it goes.
#[test]
fn objects_moved_out_of_a_replaced_schema() {
    let d = Dir::with(&[("main.hcl", &replaced_schema_blocks(false, "s", "s", "s"))]);
    apply_ok(&d);
    d.write("main.hcl", &replaced_schema_blocks(true, "t", "t", "t"));
    assert_eq!(
        plan_statements(&d, true),
        [
            "ALTER STAGE RDB.S.ST RENAME TO RDB.T.ST",
            "ALTER MODEL RDB.S.M RENAME TO RDB.T.M",
            "CREATE OR REPLACE TRANSIENT SCHEMA RDB.S",
            "CREATE TASK RDB.T.ROOT SCHEDULE = '5 MINUTES' AS SELECT 1",
            "ALTER TASK RDB.T.ROOT RESUME",
        ]
    );
    apply_reversed_ok(&d);
    let versions = d.exec_rows("SHOW VERSIONS IN MODEL RDB.T.M");
    assert_eq!(
        versions.len(),
        1,
        "the model keeps its version: {versions:?}"
    );
}

/// An object renamed into a replaced schema moves after the schema is created again,
/// rather than being created there while the old one stays behind.
#[test]
fn objects_moved_into_a_replaced_schema() {
    let d = Dir::with(&[("main.hcl", &replaced_schema_blocks(false, "t", "t", "t"))]);
    apply_ok(&d);
    d.write("main.hcl", &replaced_schema_blocks(true, "s", "s", "s"));
    assert_eq!(
        plan_statements(&d, true),
        [
            "CREATE OR REPLACE TRANSIENT SCHEMA RDB.S",
            "ALTER STAGE RDB.T.ST RENAME TO RDB.S.ST",
            "ALTER MODEL RDB.T.M RENAME TO RDB.S.M",
            "ALTER TASK RDB.T.ROOT SUSPEND",
            "CREATE TASK RDB.S.ROOT SCHEDULE = '5 MINUTES' AS SELECT 1",
            "DROP TASK RDB.T.ROOT",
            "ALTER TASK RDB.S.ROOT RESUME",
        ]
    );
    apply_reversed_ok(&d);
    for show in ["STAGES", "MODELS", "TASKS"] {
        let left = d.exec_rows(&format!("SHOW {show} IN SCHEMA RDB.T"));
        let names: Vec<&str> = left.iter().filter_map(|r| r[1].as_str()).collect();
        assert!(
            names.iter().all(|n| *n == "KEEP"),
            "nothing but KEEP stays behind in RDB.T: {names:?}"
        );
    }
}

/// Seed 20198: a task only resumed (enabled) in a database being renamed was resumed under
/// the new name before the rename ran: a change whose only statement is its resume had no
/// first statement to order.
#[test]
fn a_task_enabled_in_a_renamed_database() {
    let blocks = |db: &str, enabled: bool| {
        format!(
            r#"
database "db" {{
  name = "{db}"
}}

schema "s" {{
  database = database.db
  name     = "S"
}}

task "t" {{
  schema   = schema.s
  name     = "T"
  sql      = "SELECT 1"
  schedule = "5 MINUTES"
  enabled  = {enabled}
}}
"#
        )
    };
    let d = Dir::with(&[("main.hcl", &blocks("RDB", false))]);
    apply_ok(&d);
    d.write("main.hcl", &blocks("RDB2", true));
    assert_eq!(
        plan_statements(&d, true),
        [
            "ALTER DATABASE RDB RENAME TO RDB2",
            "ALTER TASK RDB2.S.T RESUME"
        ]
    );
    apply_reversed_ok(&d);
}

/// Seeds 40031, 40087: a schema's configured retention that the account showed only by
/// inheritance was recorded, not set, so changing the database's retention (or moving
/// the schema to a database with another) changed the schema's too.
#[test]
fn a_schema_keeps_its_retention_when_its_database_changes() {
    let blocks = |db_retention: &str, schema_retention: &str, schema_db: &str| {
        format!(
            r#"
database "db" {{
  name = "RDB"
  {db_retention}
}}

database "other" {{
  name = "ODB"
  data_retention_time_in_days = 0
}}

schema "s" {{
  database = database.{schema_db}
  name     = "S"
  {schema_retention}
}}
"#
        )
    };
    let d = Dir::with(&[("main.hcl", &blocks("", "", "db"))]);
    apply_ok(&d);
    // The database's default retention is 1: the schema shows 1 by inheritance.
    let keep = "data_retention_time_in_days = 1";
    d.write(
        "main.hcl",
        &blocks("data_retention_time_in_days = 0", keep, "db"),
    );
    assert_eq!(
        plan_statements(&d, true),
        [
            "ALTER DATABASE RDB SET DATA_RETENTION_TIME_IN_DAYS = 0",
            "ALTER SCHEMA RDB.S SET DATA_RETENTION_TIME_IN_DAYS = 1",
        ]
    );
    apply_reversed_ok(&d);

    // Moved to a database whose retention is 0, after only recording the inherited 1.
    let d = Dir::with(&[("main.hcl", &blocks("", "", "db"))]);
    apply_ok(&d);
    d.write("main.hcl", &blocks("", keep, "db"));
    apply_ok(&d);
    d.write("main.hcl", &blocks("", keep, "other"));
    assert_eq!(
        plan_statements(&d, true),
        [
            "ALTER SCHEMA RDB.S RENAME TO ODB.S",
            "ALTER SCHEMA ODB.S SET DATA_RETENTION_TIME_IN_DAYS = 1",
        ]
    );
    apply_reversed_ok(&d);
}
