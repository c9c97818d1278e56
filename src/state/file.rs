//! The local backend: a JSON file (default `state/<workspace>.json` under the configuration
//! directory) and a lock file beside it, created exclusively.

use super::lock::{LockError, LockInfo};
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
                let holder = self.lock_info()?.unwrap_or_else(|| LockInfo {
                    id: "?".into(),
                    holder: "unknown (unreadable lock file)".into(),
                    host: "?".into(),
                    pid: 0,
                    time: "?".into(),
                    operation: "?".into(),
                });
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

    pub fn lock_info(&self) -> Result<Option<LockInfo>, LockError> {
        let path = self.lock_path();
        match fs::read_to_string(&path) {
            Ok(text) => Ok(serde_json::from_str(&text).ok()),
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
    fn a_lock_of_a_dead_process_is_reported_stale() {
        let mut info = LockInfo::new("apply");
        info.pid = 999_999_999;
        let msg = LockError::Held(Box::new(info), "x.lock".into()).to_string();
        assert!(msg.contains("no longer runs"), "{msg}");
        assert!(msg.contains("snowform force-unlock"), "{msg}");
    }

    #[test]
    fn unknown_format_versions_are_refused() {
        let err = State::parse("{\"format_version\": 9}", "s.json").unwrap_err();
        assert!(err.to_string().contains("upgrade snowform"), "{err}");
    }
}
