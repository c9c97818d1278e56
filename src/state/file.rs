//! The local backend: a JSON file (default `state/<workspace>.json` under the configuration
//! directory), the journal that continues it (`<file>.journal`, see `journal.rs`) and a lock
//! file beside it, created exclusively.

use super::journal::{self, Entry};
use super::lock::{LockError, LockInfo};
#[cfg(test)]
use super::record::FORMAT_VERSION;
use super::record::{State, StateError};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The bytes of a local state file and of its journal, each None when absent.
pub type StateBytes = (Option<Vec<u8>>, Option<Vec<u8>>);

#[derive(Clone, Debug)]
pub struct LocalBackend {
    pub path: PathBuf,
}

/// The journal being appended to, opened by the compaction that started it.
#[derive(Debug)]
pub struct JournalWriter {
    file: fs::File,
    /// Bytes of the state file the journal continues, and of the journal so far.
    pub state_bytes: u64,
    pub journal_bytes: u64,
    header_bytes: u64,
}

impl JournalWriter {
    /// Time to fold the journal into the state: once it outgrows the state (and a floor),
    /// so that rewriting the state costs a bounded share of what was appended.
    pub(crate) fn wants_compaction(&self) -> bool {
        self.journal_bytes > (4 << 20).max(2 * self.state_bytes)
    }

    /// Nothing appended since the compaction that started it.
    pub fn is_empty(&self) -> bool {
        self.journal_bytes == self.header_bytes
    }
}

/// Write `contents` to `path` so that a reader sees the old file or the new one, never a
/// mix: a temporary file in the same directory, fsync, rename, fsync of the directory.
pub fn atomic_write(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs::create_dir_all(dir)?;
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("state");
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    {
        // Owner only, as ssh keeps keys: states and saved plans name the account's objects
        // and a state may hold sensitive values.
        let mut f = create_private(&tmp)?;
        f.write_all(contents)?;
        f.sync_all()?;
    }
    fs::rename(&tmp, path)?;
    #[cfg(unix)]
    {
        if let Ok(d) = fs::File::open(dir) {
            let _ = d.sync_all();
        }
    }
    Ok(())
}

#[cfg(unix)]
fn create_private(path: &Path) -> std::io::Result<fs::File> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let f = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    // A temporary file left by an earlier run keeps its mode: set it again.
    f.set_permissions(fs::Permissions::from_mode(0o600))?;
    Ok(f)
}

#[cfg(not(unix))]
fn create_private(path: &Path) -> std::io::Result<fs::File> {
    fs::File::create(path)
}

impl LocalBackend {
    pub fn new(path: PathBuf) -> LocalBackend {
        LocalBackend { path }
    }

    pub fn lock_path(&self) -> PathBuf {
        let mut p = self.path.clone().into_os_string();
        p.push(".lock");
        PathBuf::from(p)
    }

    pub(crate) fn journal_path(&self) -> PathBuf {
        let mut p = self.path.clone().into_os_string();
        p.push(".journal");
        PathBuf::from(p)
    }

    fn display(&self) -> String {
        self.path.display().to_string()
    }

    /// The state with its journal replayed.
    /// The bytes of the state file and its journal as they are now (None for one that does
    /// not exist): equal bytes are an equal state, so a reader can tell that the state has
    /// not moved without parsing it again. An error reading either is None as a whole.
    pub fn bytes(&self) -> Option<StateBytes> {
        let read = |p: &Path| match fs::read(p) {
            Ok(b) => Some(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Some(None),
            Err(_) => None,
        };
        Some((read(&self.path)?, read(&self.journal_path())?))
    }

    pub fn load(&self) -> Result<Option<State>, StateError> {
        let text = match fs::read_to_string(&self.path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(StateError::Read {
                    path: self.display(),
                    source: e,
                })
            }
        };
        let (mut state, id) = State::parse_file(&text, &self.display())?;
        let Some(id) = id else {
            return Ok(Some(state));
        };
        let jpath = self.journal_path();
        let bytes = match fs::read(&jpath) {
            Ok(b) => b,
            // A compaction cut short before it started its journal: the state holds all.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Some(state)),
            Err(e) => {
                return Err(StateError::Read {
                    path: jpath.display().to_string(),
                    source: e,
                })
            }
        };
        let damaged = |line: usize, message: String| StateError::Journal {
            path: jpath.display().to_string(),
            line,
            message,
        };
        let read = journal::parse(&bytes).map_err(|(line, m)| damaged(line, m))?;
        // Another journal: one the state already holds (a compaction cut short after
        // writing the state).
        if read.id.as_deref() != Some(id.as_str()) {
            return Ok(Some(state));
        }
        for (i, entry) in read.entries.iter().enumerate() {
            state.apply_entry(entry).map_err(|e| damaged(i + 2, e.0))?;
        }
        Ok(Some(state))
    }

    /// Write the state as the holder of `lock`, after checking that it still holds it: a
    /// lock forced open (and maybe taken by another process) means that someone else may
    /// have changed the state since, and writing would undo their change.
    #[cfg(test)]
    pub(crate) fn save_held(&self, state: &State, lock: &LockInfo) -> Result<(), StateError> {
        self.check_held(lock)?;
        self.save(state)
    }

    fn check_held(&self, lock: &LockInfo) -> Result<(), StateError> {
        let lost = |now: String| StateError::LockLost {
            path: self.display(),
            now,
        };
        match self.lock_info() {
            Ok(Some(held)) if held.id == lock.id => Ok(()),
            Ok(Some(held)) => Err(lost(format!("it is held by {} now", held.holder))),
            Ok(None) => Err(lost("it was removed".into())),
            Err(e) => Err(lost(e.to_string())),
        }
    }

    #[cfg(test)]
    pub(crate) fn save(&self, state: &State) -> Result<(), StateError> {
        self.compact(state).map(|_| ())
    }

    /// Write the whole state under a new journal id, then start that journal empty, and
    /// return it open for appending. Until the state is written the old state and journal
    /// stand; after it, the old journal no longer matches and is never replayed.
    pub(crate) fn compact(&self, state: &State) -> Result<JournalWriter, StateError> {
        let id = uuid::Uuid::new_v4().to_string();
        let text = state.to_file(Some(&id));
        let write = |path: &Path, e| StateError::Write {
            path: path.display().to_string(),
            source: e,
        };
        atomic_write(&self.path, &text).map_err(|e| write(&self.path, e))?;
        let jpath = self.journal_path();
        let header = journal::header(&id);
        atomic_write(&jpath, &header).map_err(|e| write(&jpath, e))?;
        let file = fs::OpenOptions::new()
            .append(true)
            .open(&jpath)
            .map_err(|e| write(&jpath, e))?;
        Ok(JournalWriter {
            file,
            state_bytes: text.len() as u64,
            journal_bytes: header.len() as u64,
            header_bytes: header.len() as u64,
        })
    }

    /// [`LocalBackend::compact`] as the holder of `lock` (see [`LocalBackend::save_held`]).
    pub(crate) fn compact_held(
        &self,
        state: &State,
        lock: &LockInfo,
    ) -> Result<JournalWriter, StateError> {
        self.check_held(lock)?;
        self.compact(state)
    }

    /// Append `entries` to the journal and make them durable, as the holder of `lock`.
    pub(crate) fn append_held(
        &self,
        writer: &mut JournalWriter,
        entries: &[Entry],
        lock: &LockInfo,
    ) -> Result<(), StateError> {
        self.check_held(lock)?;
        let jpath = self.journal_path();
        let write = |e| StateError::Write {
            path: jpath.display().to_string(),
            source: e,
        };
        let text = journal::lines(entries);
        writer.file.write_all(&text).map_err(write)?;
        writer.file.sync_data().map_err(write)?;
        writer.journal_bytes += text.len() as u64;
        Ok(())
    }

    /// Take the lock, or say who holds it.
    pub fn lock(&self, info: &LockInfo) -> Result<(), LockError> {
        let path = self.lock_path();
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            fs::create_dir_all(parent).map_err(|e| LockError::Io {
                path: path.display().to_string(),
                source: e,
            })?;
        }
        match fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(mut f) => {
                let body = serde_json::to_string_pretty(info).expect("serialisable");
                f.write_all(body.as_bytes())
                    .and_then(|_| f.sync_all())
                    .map_err(|e| LockError::Io {
                        path: path.display().to_string(),
                        source: e,
                    })
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                // Gone since (released in between): held a moment ago, say so all the same.
                let holder = self.lock_info()?.unwrap_or_else(|| unreadable_lock(""));
                Err(LockError::Held(
                    Box::new(holder),
                    path.display().to_string(),
                ))
            }
            Err(e) => Err(LockError::Io {
                path: path.display().to_string(),
                source: e,
            }),
        }
    }

    /// Who holds the lock. A lock file that is empty or not a lock (a process killed while
    /// writing it, a hand edit) is held by someone unknown, so that `force-unlock` sees and
    /// clears it rather than saying there is no lock that `lock` then finds held.
    pub(crate) fn lock_info(&self) -> Result<Option<LockInfo>, LockError> {
        let path = self.lock_path();
        // Bytes, not text: a lock file that is not even UTF-8 must be clearable too.
        match fs::read(&path) {
            Ok(bytes) => {
                Ok(Some(serde_json::from_slice(&bytes).unwrap_or_else(|_| {
                    unreadable_lock(&String::from_utf8_lossy(&bytes))
                })))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(LockError::Io {
                path: path.display().to_string(),
                source: e,
            }),
        }
    }

    /// Release our lock (only if it is still ours).
    pub(crate) fn unlock(&self, info: &LockInfo) -> Result<(), LockError> {
        match self.lock_info()? {
            Some(held) if held.id == info.id => {
                fs::remove_file(self.lock_path()).map_err(|e| LockError::Io {
                    path: self.lock_path().display().to_string(),
                    source: e,
                })
            }
            Some(held) => Err(LockError::NotOurs(held.holder)),
            None => Ok(()),
        }
    }

    /// Remove the lock whoever holds it.
    pub(crate) fn force_unlock(&self) -> Result<Option<LockInfo>, LockError> {
        let info = self.lock_info()?;
        match fs::remove_file(self.lock_path()) {
            Ok(()) => Ok(info),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(LockError::Io {
                path: self.lock_path().display().to_string(),
                source: e,
            }),
        }
    }
}

/// The holder of a lock file that cannot be read as a lock.
fn unreadable_lock(text: &str) -> LockInfo {
    let what = if text.trim().is_empty() {
        "the lock file is empty"
    } else {
        "the lock file is not a snowform lock"
    };
    LockInfo {
        id: "?".into(),
        holder: format!("unknown ({what})"),
        host: "?".into(),
        pid: 0,
        time: "?".into(),
        operation: "?".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::attr;

    #[cfg(unix)]
    #[test]
    fn written_files_are_readable_by_the_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("plan.json");
        // Even over a file that others could read.
        fs::write(&path, "old").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        atomic_write(&path, b"new").unwrap();
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }

    /// A plan compares these bytes from before and after reading the account to tell that
    /// the state did not move without parsing it again: equal for the same state, different
    /// once anything is written.
    #[test]
    fn the_bytes_of_a_state_tell_whether_it_moved() {
        let dir = tempfile::tempdir().unwrap();
        let b = LocalBackend::new(dir.path().join("state/default.json"));
        assert_eq!(b.bytes(), Some((None, None)));
        let mut s = State::new("default");
        s.serial = 3;
        b.save(&s).unwrap();
        let first = b.bytes().expect("readable");
        assert!(first.0.is_some());
        assert_eq!(b.bytes(), Some(first.clone()));
        s.serial = 4;
        b.save(&s).unwrap();
        assert_ne!(b.bytes(), Some(first));
    }

    #[test]
    fn save_load_round_trip_and_lock_exclusion() {
        let dir = tempfile::tempdir().unwrap();
        let b = LocalBackend::new(dir.path().join("state/default.json"));
        assert!(b.load().unwrap().is_none());
        let mut s = State::new("default");
        s.serial = 3;
        b.save(&s).unwrap();
        assert_eq!(b.load().unwrap().unwrap(), s);

        let me = LockInfo::new("apply");
        b.lock(&me).unwrap();
        match b.lock(&LockInfo::new("apply")) {
            Err(LockError::Held(holder, _)) => assert_eq!(holder.id, me.id),
            other => panic!("{other:?}"),
        }
        b.unlock(&me).unwrap();
        b.lock(&LockInfo::new("plan")).unwrap();
    }

    #[test]
    fn an_empty_or_corrupt_lock_file_is_held_by_someone_unknown_and_can_be_forced_open() {
        let dir = tempfile::tempdir().unwrap();
        let b = LocalBackend::new(dir.path().join("default.json"));
        for text in [&b""[..], b"{\"id\": 1", b"\0garbage", b"\xff\xfe not UTF-8"] {
            fs::write(b.lock_path(), text).unwrap();
            let held = b
                .lock_info()
                .unwrap()
                .expect("an unreadable lock is still a lock");
            assert!(
                held.holder.starts_with("unknown (the lock file is"),
                "{held:?}"
            );
            assert!(matches!(
                b.lock(&LockInfo::new("apply")),
                Err(LockError::Held(..))
            ));
            assert!(b.force_unlock().unwrap().is_some());
            assert!(b.lock_info().unwrap().is_none());
        }
    }

    #[test]
    fn a_write_after_the_lock_was_forced_open_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let b = LocalBackend::new(dir.path().join("default.json"));
        let mine = LockInfo::new("apply");
        b.lock(&mine).unwrap();
        let mut s = State::new("default");
        s.serial = 1;
        b.save_held(&s, &mine).unwrap();
        b.force_unlock().unwrap();
        s.serial = 2;
        let err = b.save_held(&s, &mine).unwrap_err().to_string();
        assert!(err.contains("no longer holds the state lock"), "{err}");
        let theirs = LockInfo::new("state rm");
        b.lock(&theirs).unwrap();
        let err = b.save_held(&s, &mine).unwrap_err().to_string();
        assert!(err.contains("held by"), "{err}");
        assert_eq!(b.load().unwrap().unwrap().serial, 1);
    }

    #[test]
    fn a_lock_of_a_dead_process_is_reported_stale() {
        let mut info = LockInfo::new("apply");
        info.pid = 999_999_999;
        let msg = LockError::Held(Box::new(info), "x.lock".into()).to_string();
        assert!(msg.contains("no longer runs"), "{msg}");
        assert!(msg.contains("snowform force-unlock"), "{msg}");
    }

    #[test]
    fn a_serial_cannot_wrap() {
        let text = |serial: u64| {
            format!("{{\"format_version\": {FORMAT_VERSION}, \"lineage\": \"l\", \"workspace\": \"default\", \"snowform_version\": \"0\", \"serial\": {serial}, \"resources\": {{}}}}")
        };
        let err = State::parse(&text(u64::MAX), "s.json")
            .unwrap_err()
            .to_string();
        assert!(err.contains("beyond the largest"), "{err}");
        let mut s = State::parse(&text(super::super::MAX_SERIAL), "s.json").unwrap();
        assert!(s.bump_serial().is_err());
        assert_eq!(s.serial, super::super::MAX_SERIAL);
        let mut s = State::parse(&text(7), "s.json").unwrap();
        s.bump_serial().unwrap();
        assert_eq!(s.serial, 8);
    }

    fn warehouse(name: &str, comment: &str) -> crate::model::Object {
        let mut o = crate::model::Object::new(
            crate::model::Address::new(crate::model::Kind::Warehouse, name.to_lowercase()),
            crate::model::ObjectName::account(crate::model::Ident::from_canonical(name)),
        );
        o.set(attr::COMMENT, comment);
        o
    }

    fn start(name: &str) -> Entry {
        Entry::Start(super::super::InProgress {
            statement: format!("CREATE WAREHOUSE {name}"),
            request_id: format!("r-{name}"),
            started_at: "2026-01-01T00:00:00Z".into(),
            effect: Some(crate::plan::Effect::Put {
                object: warehouse(name, "x"),
            }),
            after: None,
        })
    }

    fn done(name: &str) -> Entry {
        Entry::Done {
            request_id: Some(format!("r-{name}")),
            effect: None,
        }
    }

    /// A backend with a compacted state and its journal open, under a lock.
    fn journaled(dir: &Path) -> (LocalBackend, LockInfo, JournalWriter, State) {
        let b = LocalBackend::new(dir.join("state/default.json"));
        let lock = LockInfo::new("apply");
        b.lock(&lock).unwrap();
        let state = State::new("default");
        let w = b.compact_held(&state, &lock).unwrap();
        (b, lock, w, state)
    }

    #[test]
    fn every_reader_sees_the_state_with_its_journal_replayed() {
        let dir = tempfile::tempdir().unwrap();
        let (b, lock, mut w, mut state) = journaled(dir.path());
        let entries = [start("A"), start("B"), done("A")];
        for e in &entries {
            state.apply_entry(e).unwrap();
        }
        b.append_held(&mut w, &entries, &lock).unwrap();
        // The state file alone still says nothing ran.
        let file = State::parse(&fs::read_to_string(&b.path).unwrap(), "s").unwrap();
        assert!(file.resources.is_empty() && file.in_progress.is_empty());
        let loaded = b.load().unwrap().unwrap();
        assert_eq!(loaded, state);
        assert_eq!(loaded.serial, 1);
        assert_eq!(loaded.resources.len(), 1);
        assert_eq!(loaded.in_progress.len(), 1, "B is still in progress");
    }

    #[test]
    fn a_journal_line_cut_short_by_a_kill_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let (b, lock, mut w, mut state) = journaled(dir.path());
        let entries = [start("A")];
        state.apply_entry(&entries[0]).unwrap();
        b.append_held(&mut w, &entries, &lock).unwrap();
        let whole = fs::read(b.journal_path()).unwrap();
        // The record of A's success, cut anywhere before its newline.
        let line = journal::lines(&[done("A")]);
        for cut in 1..line.len() {
            let mut torn = whole.clone();
            torn.extend_from_slice(&line[..cut]);
            fs::write(b.journal_path(), &torn).unwrap();
            assert_eq!(b.load().unwrap().unwrap(), state, "cut at {cut}");
        }
        // A damaged line with another after it is not a cut-short write: refused.
        let mut damaged = whole.clone();
        damaged.extend_from_slice(b"{\"op\":\"done\"\n");
        damaged.extend_from_slice(&line);
        fs::write(b.journal_path(), &damaged).unwrap();
        let err = b.load().unwrap_err().to_string();
        assert!(err.contains("damaged at line 3"), "{err}");
    }

    #[test]
    fn a_compaction_folds_the_journal_in_and_a_journal_already_folded_in_is_not_replayed() {
        let dir = tempfile::tempdir().unwrap();
        let (b, lock, mut w, mut state) = journaled(dir.path());
        let entries = [start("A"), done("A")];
        for e in &entries {
            state.apply_entry(e).unwrap();
        }
        b.append_held(&mut w, &entries, &lock).unwrap();
        let old_journal = fs::read(b.journal_path()).unwrap();
        let w = b.compact_held(&state, &lock).unwrap();
        assert!(w.is_empty());
        let file = State::parse(&fs::read_to_string(&b.path).unwrap(), "s").unwrap();
        assert_eq!(file, state, "the state file holds everything");
        assert_eq!(b.load().unwrap().unwrap(), state);
        // Killed after writing the state and before starting the new journal: the old
        // journal is left, and replaying it would record A twice (and fail on its `done`).
        fs::write(b.journal_path(), &old_journal).unwrap();
        assert_eq!(b.load().unwrap().unwrap(), state);
        fs::remove_file(b.journal_path()).unwrap();
        assert_eq!(b.load().unwrap().unwrap(), state);
    }

    #[test]
    fn a_journal_is_not_appended_to_after_the_lock_was_forced_open() {
        let dir = tempfile::tempdir().unwrap();
        let (b, lock, mut w, _) = journaled(dir.path());
        b.force_unlock().unwrap();
        let err = b.append_held(&mut w, &[start("A")], &lock).unwrap_err();
        assert!(
            err.to_string().contains("no longer holds the state lock"),
            "{err}"
        );
        assert!(b.load().unwrap().unwrap().in_progress.is_empty());
    }

    #[test]
    fn a_format_1_state_still_loads_and_is_written_back_in_the_current_format() {
        // Written by the previous version (its `to_json`, pretty, every field of a record).
        let v1 = r#"{
  "format_version": 1,
  "lineage": "0b5d7f0e-8d3c-4a53-9a57-0d7c4d2b1e11",
  "serial": 4,
  "workspace": "default",
  "snowform_version": "0.1.0",
  "resources": {
    "warehouse.a": {
      "kind": "warehouse",
      "name": "A",
      "object_name": {
        "name": "A"
      },
      "properties": {
        "comment": "x"
      },
      "digest": "DIGEST"
    }
  }
}
"#;
        let dir = tempfile::tempdir().unwrap();
        let b = LocalBackend::new(dir.path().join("default.json"));
        fs::write(&b.path, v1).unwrap();
        let old = b.load().unwrap().unwrap();
        assert_eq!(old.serial, 4);
        assert_eq!(old.format_version, FORMAT_VERSION);
        let a = crate::model::Address::new(crate::model::Kind::Warehouse, "a");
        assert_eq!(
            old.resources[&a].properties["comment"],
            crate::model::Value::from("x")
        );
        b.save(&old).unwrap();
        let text = fs::read_to_string(&b.path).unwrap();
        assert!(
            text.starts_with(&format!("{{\"format_version\":{FORMAT_VERSION},")),
            "{text}"
        );
        // The kind, the printed name and the digest are not stored; they come back.
        assert!(
            !text.contains("digest") && !text.contains("\"kind\""),
            "{text}"
        );
        let again = b.load().unwrap().unwrap();
        assert_eq!(again.resources[&a].name, "A");
        assert_eq!(again.resources[&a].kind, crate::model::Kind::Warehouse);
        assert_eq!(again.resources[&a].digest(), warehouse("A", "x").digest());
        assert_eq!(
            again.resources[&a].to_object(&a),
            old.resources[&a].to_object(&a)
        );
    }

    #[test]
    fn a_stored_record_is_a_line_and_reads_back_equal() {
        let mut s = State::new("default");
        for i in 0..3 {
            s.apply_effect(&crate::plan::Effect::Put {
                object: warehouse(&format!("W{i}"), "c"),
            });
        }
        s.apply_entry(&start("X")).unwrap();
        // Names that need quoting, with a dot and a quote in them, in a schema.
        let id = crate::model::Ident::from_canonical;
        let mut odd = crate::model::Object::new(
            crate::model::Address::new(crate::model::Kind::Stage, "odd"),
            crate::model::ObjectName::in_schema(id("my.db"), id("S"), id("a\"b c")),
        );
        odd.set(attr::COMMENT, "c");
        s.apply_effect(&crate::plan::Effect::Put { object: odd });
        let text = String::from_utf8(s.to_file(Some("j"))).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        // Head, the columns (open, two kinds, close), two groups of records (open, records,
        // close), the close of resources and in_progress's start, one entry, the close.
        assert_eq!(lines.len(), 15, "{text}");
        assert_eq!(lines[1], r#""warehouse":["comment"],"#, "{text}");
        assert_eq!(lines[2], r#""stage":["comment"]"#, "{text}");
        assert_eq!(lines[4], r#""warehouse":{"#, "{text}");
        assert_eq!(lines[5], r#""w0":["W0",["c"]],"#, "{text}");
        assert_eq!(lines[9], r#""stage":{"#, "{text}");
        assert_eq!(
            lines[10], r#""odd":["\"my.db\".S.\"a\"\"b c\"",["c"]]"#,
            "{text}"
        );
        let (back, journal) = State::parse_file(&text, "s").unwrap();
        assert_eq!(back, s);
        assert_eq!(journal.as_deref(), Some("j"));
    }

    #[test]
    fn unknown_format_versions_are_refused() {
        let err = State::parse("{\"format_version\": 9}", "s.json").unwrap_err();
        assert!(err.to_string().contains("upgrade snowform"), "{err}");
    }
}
