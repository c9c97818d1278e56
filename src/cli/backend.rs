//! The state backend a command uses: the local file, or the table in the account that the
//! configuration's `backend "snowflake"` block names.

use super::io::Output;
use super::session::Session;
use super::{CliError, Ctx};
use crate::config::{Backend as Configured, Config};
use crate::model::ObjectName;
use crate::state::{LocalBackend, LockError, LockInfo, SnowflakeBackend, State, StateError};

pub enum Backend {
    Local(LocalBackend),
    Snowflake(SnowflakeBackend),
}

impl Ctx {
    pub fn backend(&self, config: Option<&Config>) -> Backend {
        self.backend_of(config.map(|c| &c.backend))
    }

    /// The backend a configuration's `backend` block names (None: the default).
    pub(crate) fn backend_of(&self, configured: Option<&Configured>) -> Backend {
        match configured {
            Some(Configured::Snowflake {
                database,
                schema,
                table,
            }) => Backend::Snowflake(SnowflakeBackend::new(
                ObjectName::in_schema(database.clone(), schema.clone(), table.clone()),
                &self.global.workspace,
            )),
            _ => Backend::Local(self.local_backend(configured)),
        }
    }
}

impl crate::state::Sql for crate::snowflake::Client {
    async fn execute(&self, sql: &str) -> Result<(Vec<Vec<Option<String>>>, u64), String> {
        let r = self.query(sql).await.map_err(|e| e.to_string())?;
        let changed = r
            .dml
            .map(|d| d.inserted + d.updated + d.deleted)
            .unwrap_or(0);
        Ok((r.rows, changed))
    }
}

fn need<'a>(
    session: Option<&'a Session>,
    backend: &SnowflakeBackend,
) -> Result<&'a Session, CliError> {
    session.ok_or_else(|| {
        CliError::new(format!(
            "the state is kept in Snowflake (table {}): this command needs a connection (--connection NAME)",
            backend.table
        ))
    })
}

impl Backend {
    pub fn describe(&self) -> String {
        match self {
            Backend::Local(l) => l.path.display().to_string(),
            Backend::Snowflake(s) => format!("table {} (workspace {})", s.table, s.workspace),
        }
    }

    /// Read the state; never writes (plan and drift may run with a read-only role). A state
    /// table that does not exist yet reads as no state, and says so.
    pub async fn load(
        &self,
        session: Option<&Session>,
        stderr: &Output,
    ) -> Result<Option<State>, CliError> {
        let state = self.load_quietly(session).await?;
        if let Backend::Snowflake(s) = self {
            if s.table_missing() {
                println_to!(
                    stderr,
                    "The state table {} does not exist yet (or this role cannot read it): \
                     reading an empty state. `snowform apply` or `snowform state init` creates it.",
                    s.table
                );
            }
        }
        Ok(state)
    }

    /// The bytes a local state is kept in, to tell cheaply that it has not moved (equal
    /// bytes); None for the state table, or when they cannot be read.
    pub(crate) fn local_bytes(&self) -> Option<crate::state::StateBytes> {
        match self {
            Backend::Local(l) => l.bytes(),
            Backend::Snowflake(_) => None,
        }
    }

    /// [`Backend::load`] without its note: for reading again what was read once already.
    pub(crate) async fn load_quietly(
        &self,
        session: Option<&Session>,
    ) -> Result<Option<State>, CliError> {
        Ok(match self {
            Backend::Local(l) => l.load()?,
            Backend::Snowflake(s) => s.load(&need(session, s)?.client).await?,
        })
    }

    /// Create what the backend keeps state in, when missing (`state init`).
    pub async fn init(&self, session: Option<&Session>) -> Result<String, CliError> {
        match self {
            Backend::Local(l) => Ok(format!(
                "The local state needs no initialisation: {} is written by the first apply.",
                l.path.display()
            )),
            Backend::Snowflake(s) => {
                let created = s.init(&need(session, s)?.client).await?;
                let mut out: Vec<String> = created.iter().map(|c| format!("{c}: done.")).collect();
                out.push(format!(
                    "The state table {} is ready for workspace {}.",
                    s.table, s.workspace
                ));
                Ok(out.join("\n"))
            }
        }
    }

    pub async fn lock(&self, session: Option<&Session>, info: &LockInfo) -> Result<(), CliError> {
        self.lock_within(session, info, std::time::Duration::ZERO)
            .await
    }

    /// Take the lock; while another process holds it, try again every second for up to
    /// `timeout` (`--lock-timeout`), then refuse with the holder's details.
    pub(crate) async fn lock_within(
        &self,
        session: Option<&Session>,
        info: &LockInfo,
        timeout: std::time::Duration,
    ) -> Result<(), CliError> {
        let until = std::time::Instant::now() + timeout;
        loop {
            let taken = match self {
                Backend::Local(l) => l.lock(info),
                Backend::Snowflake(s) => s.lock(&need(session, s)?.client, info).await,
            };
            match taken {
                Err(LockError::Held(..)) if std::time::Instant::now() < until => {
                    let left = until.saturating_duration_since(std::time::Instant::now());
                    tokio::time::sleep(left.min(std::time::Duration::from_secs(1))).await;
                }
                other => return Ok(other?),
            }
        }
    }

    pub async fn unlock(
        &self,
        session: Option<&Session>,
        info: &LockInfo,
    ) -> Result<(), LockError> {
        match (self, session) {
            (Backend::Local(l), _) => l.unlock(info),
            (Backend::Snowflake(s), Some(sess)) => s.unlock(&sess.client, info).await,
            (Backend::Snowflake(_), None) => Ok(()),
        }
    }

    /// Run `work` holding `lock` (already taken), then release the lock whatever happened:
    /// also when `work` panics, so that a bug never leaves the state locked. The panic
    /// then goes on (exit 101), after saying that the lock was released.
    pub async fn hold<T>(
        &self,
        session: Option<&Session>,
        lock: &LockInfo,
        work: impl std::future::Future<Output = Result<T, CliError>>,
        stderr: &Output,
    ) -> (Result<T, CliError>, Result<(), LockError>) {
        use futures::FutureExt;
        let outcome = std::panic::AssertUnwindSafe(work).catch_unwind().await;
        let released = self.unlock(session, lock).await;
        match outcome {
            Ok(result) => (result, released),
            Err(panic) => {
                match released {
                    Ok(()) => println_to!(
                        stderr,
                        "error: snowform stopped on an internal error (a bug: please report it); the state lock {} was released",
                        lock.id
                    ),
                    Err(e) => println_to!(
                        stderr,
                        "error: snowform stopped on an internal error (a bug: please report it) and could not release the state lock: {e}\nclear it with: snowform force-unlock"
                    ),
                }
                std::panic::resume_unwind(panic)
            }
        }
    }

    pub(crate) async fn lock_info(
        &self,
        session: Option<&Session>,
    ) -> Result<Option<LockInfo>, CliError> {
        Ok(match self {
            Backend::Local(l) => l.lock_info()?,
            Backend::Snowflake(s) => s.lock_info(&need(session, s)?.client).await?,
        })
    }

    pub(crate) async fn force_unlock(
        &self,
        session: Option<&Session>,
    ) -> Result<Option<LockInfo>, CliError> {
        Ok(match self {
            Backend::Local(l) => l.force_unlock()?,
            Backend::Snowflake(s) => s.force_unlock(&need(session, s)?.client).await?,
        })
    }
}

/// Writes state through the backend after every statement, as apply asks: the local file
/// appends to its journal (compacting it into the state now and then), the table writes
/// the rows that changed.
pub(crate) struct Sink<'a> {
    pub backend: &'a Backend,
    pub session: Option<&'a Session>,
    pub lock: &'a LockInfo,
    /// The local journal appended to; none until the first write compacts.
    pub journal: Option<crate::state::JournalWriter>,
    /// The effects of the statements in progress, by request id (for the table backend to
    /// know which records a statement's success changes).
    started: std::collections::BTreeMap<String, Option<crate::plan::Effect>>,
}

impl<'a> Sink<'a> {
    pub fn new(backend: &'a Backend, session: Option<&'a Session>, lock: &'a LockInfo) -> Self {
        Sink {
            backend,
            session,
            lock,
            journal: None,
            started: Default::default(),
        }
    }

    /// The records `entries` change, or None when one may change records beyond its own
    /// (a database or schema renamed renames what it holds).
    fn touched(
        &mut self,
        state: &State,
        entries: &[crate::state::Entry],
    ) -> Option<std::collections::BTreeSet<crate::model::Address>> {
        use crate::plan::Effect;
        use crate::state::Entry;
        let mut touched = std::collections::BTreeSet::new();
        let mut whole = false;
        for e in entries {
            let effect = match e {
                Entry::Start(p) => {
                    self.started.insert(p.request_id.clone(), p.effect.clone());
                    continue;
                }
                Entry::Failed { request_id } => {
                    self.started.remove(request_id);
                    continue;
                }
                Entry::Done {
                    request_id: Some(r),
                    effect,
                } => match (effect, self.started.remove(r)) {
                    (Some(e), _) => Some(e.clone()),
                    (None, Some(e)) => e,
                    // Entered before this run: compare every record.
                    (None, None) => {
                        whole = true;
                        None
                    }
                },
                Entry::Done {
                    request_id: None,
                    effect,
                } => effect.clone(),
            };
            match effect {
                None | Some(Effect::None) => {}
                Some(Effect::Put { object }) => {
                    touched.insert(object.address);
                }
                Some(Effect::Remove { address }) => {
                    touched.insert(address);
                }
                Some(Effect::Move { from, object })
                | Some(Effect::Patch {
                    from: Some(from),
                    object,
                    ..
                }) => {
                    whole |= matches!(
                        object.kind(),
                        crate::model::Kind::Database | crate::model::Kind::Schema
                    );
                    touched.insert(from);
                    touched.insert(object.address);
                }
                Some(Effect::Patch {
                    from: None, object, ..
                }) => {
                    whole |= matches!(
                        object.kind(),
                        crate::model::Kind::Database | crate::model::Kind::Schema
                    ) && state.resources.contains_key(&object.address);
                    touched.insert(object.address);
                }
            }
        }
        (!whole).then_some(touched)
    }

    /// Fold what the journal holds into the state file, or delete the table rows newer
    /// ones superseded (at the end of an apply).
    pub async fn finish(&mut self, state: &State) -> Result<(), StateError> {
        match (self.backend, &self.journal) {
            (Backend::Local(l), Some(j)) if !j.is_empty() => {
                self.journal = Some(l.compact_held(state, self.lock)?);
            }
            (Backend::Snowflake(s), _) => {
                if let Some(sess) = self.session {
                    s.tidy(&sess.client, self.lock).await?;
                }
            }
            _ => {}
        }
        Ok(())
    }
}

impl crate::apply::StateSink for Sink<'_> {
    async fn write(
        &mut self,
        state: &State,
        entries: &[crate::state::Entry],
    ) -> Result<(), StateError> {
        match self.backend {
            Backend::Local(l) => match &mut self.journal {
                Some(j) if !j.wants_compaction() => l.append_held(j, entries, self.lock),
                // The first write starts a journal of this run's own; a long one is
                // folded into the state.
                _ => {
                    self.journal = Some(l.compact_held(state, self.lock)?);
                    Ok(())
                }
            },
            Backend::Snowflake(s) => {
                // No entries: an edit outside a plan (`apply::commit`), every record.
                let touched = if entries.is_empty() {
                    None
                } else {
                    self.touched(state, entries)
                };
                match self.session {
                    Some(sess) => {
                        s.save_changes(&sess.client, state, self.lock, touched.as_ref())
                            .await
                    }
                    None => Err(StateError::Remote("no connection".into())),
                }
            }
        }
    }
}
