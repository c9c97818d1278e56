//! The local backend: a JSON file (default `state/<workspace>.json` under the configuration
//! directory) and a lock file beside it, created exclusively.

use super::lock::{LockError, LockInfo};
#[cfg(test)]
use super::record::FORMAT_VERSION;
use super::record::{State, StateError};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Clone, Debug)]
pub struct LocalBackend {
    pub path: PathBuf,
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

    fn display(&self) -> String {
        self.path.display().to_string()
    }

    pub fn load(&self) -> Result<Option<State>, StateError> {
        match fs::read_to_string(&self.path) {
            Ok(text) => State::parse(&text, &self.display()).map(Some),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(StateError::Read {
                path: self.display(),
                source: e,
            }),
        }
    }

    /// Write the state as the holder of `lock`, after checking that it still holds it: a
    /// lock forced open (and maybe taken by another process) means that someone else may
    /// have changed the state since, and writing would undo their change.
    pub fn save_held(&self, state: &State, lock: &LockInfo) -> Result<(), StateError> {
        let lost = |now: String| StateError::LockLost {
            path: self.display(),
            now,
        };
        match self.lock_info() {
            Ok(Some(held)) if held.id == lock.id => self.save(state),
            Ok(Some(held)) => Err(lost(format!("it is held by {} now", held.holder))),
            Ok(None) => Err(lost("it was removed".into())),
            Err(e) => Err(lost(e.to_string())),
        }
    }

    pub fn save(&self, state: &State) -> Result<(), StateError> {
        atomic_write(&self.path, state.to_json().as_bytes()).map_err(|e| StateError::Write {
            path: self.display(),
            source: e,
        })
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
    pub fn lock_info(&self) -> Result<Option<LockInfo>, LockError> {
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
    pub fn unlock(&self, info: &LockInfo) -> Result<(), LockError> {
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
    pub fn force_unlock(&self) -> Result<Option<LockInfo>, LockError> {
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

    #[test]
    fn unknown_format_versions_are_refused() {
        let err = State::parse("{\"format_version\": 9}", "s.json").unwrap_err();
        assert!(err.to_string().contains("upgrade snowform"), "{err}");
    }
}
