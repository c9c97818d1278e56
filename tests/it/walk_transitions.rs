//! The transitions of the random walks (tests/it/walks.rs): one random change at a time to a
//! configuration of walk_config.rs (a rename, a move, a replacement, a rewired task graph, a
//! new or deleted object, a changed property), kept valid.

use crate::walk_config::*;
use std::collections::BTreeSet;

impl Config {
    /// One random change; None when the one drawn does not apply to this configuration.
    pub(crate) fn mutate(&mut self, rng: &mut Rng) -> Option<String> {
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

    pub(crate) fn change_fv(&mut self, rng: &mut Rng) -> Option<String> {
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

    pub(crate) fn change_model(&mut self, rng: &mut Rng) -> Option<String> {
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

    pub(crate) fn change_task(&mut self, rng: &mut Rng) -> Option<String> {
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
    pub(crate) fn no_default_gets_new_files(&self, start: &Config) -> bool {
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
}
