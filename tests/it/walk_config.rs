//! The generator of the random walks (tests/it/walks.rs): a small deterministic PRNG, and
//! from it configurations (warehouses, databases, schemas, stages, entities, feature views,
//! models, task graphs) and the transitions between them.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

// ---------------------------------------------------------------------------------------
// A small deterministic PRNG (splitmix64): the same seed gives the same walk on every
// machine and with every version of every crate.

pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03)
    }

    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub(crate) fn below(&mut self, n: usize) -> usize {
        assert!(n > 0);
        (self.next() % n as u64) as usize
    }

    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    pub(crate) fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<T: Clone>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len())].clone()
    }

    fn pick_opt<T: Clone>(&mut self, xs: &[T]) -> Option<T> {
        (!xs.is_empty()).then(|| self.pick(xs))
    }

    pub(crate) fn shuffle<T>(&mut self, xs: &mut [T]) {
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
pub(crate) struct Wh {
    name: String,
    size: Option<&'static str>,
    auto_suspend: Option<u32>,
    max_cluster: Option<u32>,
    initially_suspended: bool,
    comment: Option<&'static str>,
}

#[derive(Clone, Debug)]
pub(crate) struct Db {
    name: String,
    comment: Option<&'static str>,
    transient: bool,
    retention: Option<u32>,
}

#[derive(Clone, Debug)]
pub(crate) struct Sc {
    db: String,
    name: String,
    comment: Option<&'static str>,
    transient: bool,
    managed: bool,
    retention: Option<u32>,
}

#[derive(Clone, Debug)]
pub(crate) struct St {
    schema: String,
    name: String,
    comment: Option<&'static str>,
    directory: bool,
    encryption: Option<&'static str>,
}

#[derive(Clone, Debug)]
pub(crate) struct En {
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
pub(crate) struct Fv {
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
pub(crate) struct Ver {
    stage: String,
    path: String,
    comment: Option<&'static str>,
    alias: Option<&'static str>,
    metadata: Option<&'static str>,
}

#[derive(Clone, Debug)]
pub(crate) struct Mo {
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
pub(crate) struct Tk {
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
pub(crate) struct Config {
    pub(crate) whs: BTreeMap<String, Wh>,
    pub(crate) dbs: BTreeMap<String, Db>,
    pub(crate) scs: BTreeMap<String, Sc>,
    pub(crate) sts: BTreeMap<String, St>,
    pub(crate) ens: BTreeMap<String, En>,
    pub(crate) fvs: BTreeMap<String, Fv>,
    pub(crate) mos: BTreeMap<String, Mo>,
    pub(crate) tks: BTreeMap<String, Tk>,
    pub(crate) counter: u32,
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
    pub(crate) fn initial(rng: &mut Rng) -> Config {
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
    pub(crate) fn transition(&mut self, rng: &mut Rng) -> Vec<String> {
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

    pub(crate) fn render(&self) -> String {
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
