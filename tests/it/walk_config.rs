//! The generator of the random walks (tests/it/walks.rs): a small deterministic PRNG, and
//! from it configurations (warehouses, databases, schemas, stages, entities, feature views,
//! models, task graphs); the transitions between them are in walk_transitions.rs.

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

    pub(crate) fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    pub(crate) fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    pub(crate) fn pick<T: Clone>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len())].clone()
    }

    pub(crate) fn pick_opt<T: Clone>(&mut self, xs: &[T]) -> Option<T> {
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

pub(crate) const SIZES: &[&str] = &["XSMALL", "x-small", "SMALL", "MEDIUM"];
pub(crate) const COMMENTS: &[&str] = &[
    "Feature refreshes",
    "it's the owner's",
    "naïve — ünïcode ✓",
    "costs $5 {approx} 100%",
    "say \"hi\"",
    "back\\slash",
    "",
];
pub(crate) const LAGS: &[&str] = &[
    "1 minute",
    "5 minutes",
    "60 minutes",
    "1 hour",
    "2 hours",
    "1 day",
    "24 hours",
    "downstream",
];
pub(crate) const CRONS: &[&str] = &[
    "0 6 * * * UTC",
    "30 2 * * 1-5 Europe/Paris",
    "0 */4 * * * UTC",
];
pub(crate) const SCHEDULES: &[&str] = &[
    "5 MINUTES",
    "60 MINUTES",
    "1 hour",
    "USING CRON 0 7 * * * UTC",
    "USING CRON 15 3 * * 1-5 America/New_York",
];
pub(crate) const QUERIES: &[&str] = &[
    "SELECT customer_id, SUM(amount) AS spend FROM LANDING.RAW.ORDERS GROUP BY 1",
    "SELECT customer_id, COUNT(*) AS orders FROM LANDING.RAW.ORDERS GROUP BY 1",
    "SELECT id, 'it''s' AS label, ts FROM LANDING.RAW.EVENTS;",
    "SELECT id,\n  ts\nFROM LANDING.RAW.EVENTS\nWHERE ts > '2024-01-01'",
];
pub(crate) const TASK_SQL: &[&str] = &[
    "SELECT 1",
    "SELECT 'it''s'",
    "CALL RAW.PUBLIC.REFRESH_ALL()",
    "INSERT INTO RAW.PUBLIC.LOG SELECT CURRENT_TIMESTAMP()",
];
pub(crate) const WHENS: &[&str] = &[
    "SYSTEM$STREAM_HAS_DATA('RAW.PUBLIC.EVENTS_STREAM')",
    "SYSTEM$GET_PREDECESSOR_RETURN_VALUE() = 'GO'",
];
pub(crate) const KEYS: &[&str] = &["CUSTOMER_ID", "REGION_ID", "COUNTRY", "DEVICE_ID"];
pub(crate) const TS_COLS: &[&str] = &["TS", "EVENT_TIME"];
pub(crate) const ALIASES: &[&str] = &["CHAMPION", "CHALLENGER", "SHADOW", "STAGING"];
pub(crate) const METADATA: &[&str] = &[
    "{ metrics = { rmse = 0.5 } }",
    "{ metrics = { rmse = 0.25, mae = 0.1 } }",
    "{ owner = \"ml\", tags = [\"a\", \"b\"] }",
];
pub(crate) const CONFIGS: &[&str] = &["{ env = \"dev\" }", "{ env = \"prod\", retries = 2 }"];
pub(crate) const OVERLAPS: &[&str] = &["NO_OVERLAP", "ALLOW_CHILD_OVERLAP", "ALLOW_ALL_OVERLAP"];

// ---------------------------------------------------------------------------------------
// The configuration as data. Objects are keyed by their block label; references are labels.

#[derive(Clone, Debug)]
pub(crate) struct Wh {
    pub(crate) name: String,
    pub(crate) size: Option<&'static str>,
    pub(crate) auto_suspend: Option<u32>,
    pub(crate) max_cluster: Option<u32>,
    pub(crate) initially_suspended: bool,
    pub(crate) comment: Option<&'static str>,
}

#[derive(Clone, Debug)]
pub(crate) struct Db {
    pub(crate) name: String,
    pub(crate) comment: Option<&'static str>,
    pub(crate) transient: bool,
    pub(crate) retention: Option<u32>,
}

#[derive(Clone, Debug)]
pub(crate) struct Sc {
    pub(crate) db: String,
    pub(crate) name: String,
    pub(crate) comment: Option<&'static str>,
    pub(crate) transient: bool,
    pub(crate) managed: bool,
    pub(crate) retention: Option<u32>,
}

#[derive(Clone, Debug)]
pub(crate) struct St {
    pub(crate) schema: String,
    pub(crate) name: String,
    pub(crate) comment: Option<&'static str>,
    pub(crate) directory: bool,
    pub(crate) encryption: Option<&'static str>,
}

#[derive(Clone, Debug)]
pub(crate) struct En {
    pub(crate) schema: String,
    pub(crate) name: String,
    pub(crate) keys: Vec<&'static str>,
    pub(crate) comment: Option<&'static str>,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Refresh {
    View,
    Lag(&'static str),
    Cron(&'static str),
}

#[derive(Clone, Debug)]
pub(crate) struct Fv {
    pub(crate) schema: String,
    pub(crate) name: String,
    pub(crate) version: String,
    pub(crate) entities: Vec<String>,
    pub(crate) query: &'static str,
    pub(crate) refresh: Refresh,
    pub(crate) warehouse: Option<String>,
    pub(crate) refresh_mode: Option<&'static str>,
    pub(crate) initialize: Option<&'static str>,
    pub(crate) ts_col: Option<&'static str>,
    pub(crate) comment: Option<&'static str>,
    pub(crate) enabled: Option<bool>,
}

#[derive(Clone, Debug)]
pub(crate) struct Ver {
    pub(crate) stage: String,
    pub(crate) path: String,
    pub(crate) comment: Option<&'static str>,
    pub(crate) alias: Option<&'static str>,
    pub(crate) metadata: Option<&'static str>,
}

#[derive(Clone, Debug)]
pub(crate) struct Mo {
    pub(crate) schema: String,
    pub(crate) name: String,
    pub(crate) comment: Option<&'static str>,
    /// The configured default version. Unset, the account's default is the version created
    /// first, which the generator keeps as the first version in natural order (see
    /// `effective_default`).
    pub(crate) default: Option<String>,
    pub(crate) versions: BTreeMap<String, Ver>,
    pub(crate) next_version: u32,
}

#[derive(Clone, Debug)]
pub(crate) struct Tk {
    pub(crate) schema: String,
    pub(crate) name: String,
    pub(crate) warehouse: Option<String>,
    pub(crate) schedule: Option<&'static str>,
    pub(crate) after: Vec<String>,
    pub(crate) sql: &'static str,
    pub(crate) when: Option<&'static str>,
    pub(crate) enabled: bool,
    pub(crate) comment: Option<&'static str>,
    pub(crate) config: Option<&'static str>,
    pub(crate) overlap: Option<&'static str>,
    pub(crate) timeout_ms: Option<u32>,
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
pub(crate) fn identity_kept(
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
pub(crate) fn natural_key(v: &str) -> (String, u64) {
    let digits: String = v.chars().filter(|c| c.is_ascii_digit()).collect();
    let prefix: String = v.chars().filter(|c| !c.is_ascii_digit()).collect();
    (prefix, digits.parse().unwrap_or(0))
}

impl Mo {
    pub(crate) fn first_version(&self) -> Option<String> {
        self.versions.keys().min_by_key(|v| natural_key(v)).cloned()
    }

    /// The default version the account has after this configuration is applied.
    pub(crate) fn effective_default(&self) -> Option<String> {
        self.default.clone().or_else(|| self.first_version())
    }

    pub(crate) fn fresh_version(&mut self) -> String {
        self.next_version += 1;
        format!("V{}", self.next_version)
    }
}

pub(crate) fn keys<T>(m: &BTreeMap<String, T>) -> Vec<String> {
    m.keys().cloned().collect()
}

impl Config {
    pub(crate) fn fresh(&mut self, label: &str) -> (String, String) {
        self.counter += 1;
        (
            format!("{label}{}", self.counter),
            format!("{}{}", label.to_uppercase(), self.counter),
        )
    }

    pub(crate) fn fresh_name(&mut self, label: &str) -> String {
        self.fresh(label).1
    }

    pub(crate) fn db_of_schema(&self, s: &str) -> &Db {
        &self.dbs[&self.scs[s].db]
    }

    pub(crate) fn schemas_with<T>(
        &self,
        m: &BTreeMap<String, T>,
        schema: impl Fn(&T) -> &str,
    ) -> Vec<String> {
        let mut out: Vec<String> = m.values().map(|x| schema(x).to_string()).collect();
        out.sort();
        out.dedup();
        out
    }

    pub(crate) fn tasks_in(&self, schema: &str) -> Vec<String> {
        self.tks
            .iter()
            .filter(|(_, t)| t.schema == schema)
            .map(|(k, _)| k.clone())
            .collect()
    }

    pub(crate) fn entities_in(&self, schema: &str) -> Vec<String> {
        self.ens
            .iter()
            .filter(|(_, e)| e.schema == schema)
            .map(|(k, _)| k.clone())
            .collect()
    }

    pub(crate) fn children(&self, task: &str) -> Vec<String> {
        self.tks
            .iter()
            .filter(|(_, t)| t.after.iter().any(|a| a == task))
            .map(|(k, _)| k.clone())
            .collect()
    }

    /// The roots a task runs after, directly or not (itself, for a root).
    pub(crate) fn roots(&self, task: &str) -> BTreeSet<String> {
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
    pub(crate) fn one_root_per_graph(&self) -> bool {
        self.tks.keys().all(|t| self.roots(t).len() <= 1)
    }

    /// The task and every task that runs after it, directly or not.
    pub(crate) fn descendants(&self, task: &str) -> BTreeSet<String> {
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

    pub(crate) fn remove_task(&mut self, label: &str, rng: &mut Rng) {
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

    pub(crate) fn remove_fv(&mut self, label: &str) {
        self.fvs.remove(label);
    }

    pub(crate) fn remove_entity(&mut self, label: &str) {
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
    pub(crate) fn remove_stage(&mut self, label: &str) {
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

    pub(crate) fn remove_warehouse(&mut self, label: &str, rng: &mut Rng) {
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

    pub(crate) fn remove_schema(&mut self, label: &str, rng: &mut Rng) {
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

    pub(crate) fn remove_database(&mut self, label: &str, rng: &mut Rng) {
        for s in keys(&self.scs) {
            if self.scs[&s].db == label {
                self.remove_schema(&s, rng);
            }
        }
        self.dbs.remove(label);
    }

    /// Give an object a new block label: the state entry moves to the new address.
    pub(crate) fn relabel(&mut self, rng: &mut Rng) -> Option<String> {
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

    pub(crate) fn add_warehouse(&mut self, rng: &mut Rng) -> Option<String> {
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

    pub(crate) fn add_database(&mut self, rng: &mut Rng) -> Option<String> {
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

    pub(crate) fn add_schema(&mut self, rng: &mut Rng) -> Option<String> {
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

    pub(crate) fn add_stage(&mut self, rng: &mut Rng) -> Option<String> {
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

    pub(crate) fn add_entity(&mut self, rng: &mut Rng) -> Option<String> {
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

    pub(crate) fn random_refresh(&self, rng: &mut Rng) -> (Refresh, Option<String>) {
        let wh = rng.pick_opt(&keys(&self.whs));
        match (rng.below(3), wh) {
            (1, Some(w)) => (Refresh::Lag(rng.pick(LAGS)), Some(w)),
            (2, Some(w)) => (Refresh::Cron(rng.pick(CRONS)), Some(w)),
            _ => (Refresh::View, None),
        }
    }

    pub(crate) fn pick_entities(&self, schema: &str, rng: &mut Rng) -> Option<Vec<String>> {
        let mut es = self.entities_in(schema);
        if es.is_empty() {
            return None;
        }
        rng.shuffle(&mut es);
        es.truncate(rng.range(1, 2));
        Some(es)
    }

    pub(crate) fn add_fv(&mut self, rng: &mut Rng) -> Option<String> {
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

    pub(crate) fn random_version(&self, model: &str, v: &str, rng: &mut Rng) -> Option<Ver> {
        let stage = rng.pick_opt(&keys(&self.sts))?;
        Some(Ver {
            stage,
            path: format!("{}/{}", model.to_lowercase(), v.to_lowercase()),
            comment: rng.chance(40).then(|| rng.pick(COMMENTS)),
            alias: None,
            metadata: rng.chance(30).then(|| rng.pick(METADATA)),
        })
    }

    pub(crate) fn add_model(&mut self, rng: &mut Rng) -> Option<String> {
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

    pub(crate) fn add_task(&mut self, rng: &mut Rng, child: bool) -> Option<String> {
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

    /// The rules a configuration must keep to validate, checked before snowform sees it.
    pub(crate) fn check(&self) -> Result<(), String> {
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
pub(crate) fn s(text: &str) -> String {
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

pub(crate) fn attr(w: &mut String, name: &str, value: &str) {
    let _ = writeln!(w, "  {name} = {value}");
}

pub(crate) fn opt(w: &mut String, name: &str, value: Option<&str>) {
    if let Some(v) = value {
        attr(w, name, &s(v));
    }
}
