//! Keeping an account on disk: one JSON file, replaced atomically now and then (write a
//! temporary file in the same directory, fsync it, rename it over the old one), and a
//! journal beside it (`<file>.journal`) with one line per statement that changed the
//! account since: the statement, its session, the time it ran at and the request it
//! answered. Opening the account replays the journal, so recording a statement costs one
//! short appended line, not a rewrite of the whole account.
//!
//! The file names the journal that continues it, and the journal's first line says which
//! journal it is: a compaction writes the file under a new id first and only then starts
//! that journal, so a journal already folded into the file is never replayed. A last line
//! cut short (the server killed while writing it) was never answered, and is ignored.

use super::catalog::Catalog;
use serde::{Deserialize, Serialize};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The version of the file layout; bump it when the catalog's shape changes incompatibly.
/// Version 2 adds the journal; version 1 files are still read.
pub const FORMAT_VERSION: u32 = 2;

#[derive(Debug, thiserror::Error)]
pub enum PersistError {
    #[error("cannot {action} the sandbox account file {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the sandbox account file {path} is not valid: {source}; move it away to start with an empty account")]
    Format {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error("the sandbox account file {path} has format version {found}; this snowform reads versions 1 to {FORMAT_VERSION}")]
    Version { path: PathBuf, found: u32 },
    #[error("the sandbox account file {path} holds account {found:?}, not {expected:?}; use another file for this account")]
    Account {
        path: PathBuf,
        found: String,
        expected: String,
    },
    #[error("the sandbox account journal {path} is damaged at line {line} ({message}); move the account file and its journal away to start with an empty account")]
    Journal {
        path: PathBuf,
        line: usize,
        message: String,
    },
}

/// A request whose statement changed the account, kept with its result so that a server
/// restarted on the same file answers a resubmission of its request id instead of running
/// it again (Snowflake keeps request ids for a time; the sandbox keeps the last
/// [`super::REMEMBERED_REQUESTS`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RanRequest {
    pub request_id: String,
    pub user: String,
    /// Name, type name and nullability of each result column.
    pub columns: Vec<(String, String, bool)>,
    pub rows: Vec<Vec<Option<String>>>,
    /// Rows inserted, updated and deleted, for DML.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dml: Option<[u64; 3]>,
}

/// One statement that changed the account, as the journal keeps it: enough to run it again
/// on the account as it was, with the same outcome.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Logged {
    pub sql: String,
    pub session: super::Session,
    /// The engine's clock when it ran (nanoseconds since the epoch).
    pub now: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<RanRequest>,
}

#[derive(Serialize, Deserialize)]
struct JournalHeader {
    journal: String,
}

/// The journal being appended to, opened by the compaction that started it.
#[derive(Debug)]
pub(crate) struct Journal {
    file: fs::File,
    path: PathBuf,
    /// Bytes of the account file the journal continues, and of the journal so far.
    file_bytes: u64,
    journal_bytes: u64,
    header_bytes: u64,
}

impl Journal {
    /// Time to fold the journal into the file: once it outgrows the file (and a floor), so
    /// that rewriting the file costs a bounded share of what was appended.
    pub(crate) fn wants_compaction(&self) -> bool {
        self.journal_bytes > (4 << 20).max(2 * self.file_bytes)
    }

    /// Nothing was appended since the file was written.
    pub fn is_empty(&self) -> bool {
        self.journal_bytes == self.header_bytes
    }

    /// The journal is still the file at its path (not removed or replaced since it was
    /// opened): what is appended to it is kept.
    pub(crate) fn in_place(&self) -> bool {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            match (self.file.metadata(), fs::metadata(&self.path)) {
                (Ok(open), Ok(there)) => open.dev() == there.dev() && open.ino() == there.ino(),
                _ => false,
            }
        }
        #[cfg(not(unix))]
        {
            self.path.exists()
        }
    }

    /// Append `logged` and make it durable before the statement is answered.
    pub fn append(&mut self, logged: &Logged) -> Result<(), PersistError> {
        let mut line = serde_json::to_vec(logged).map_err(|source| PersistError::Format {
            path: self.path.clone(),
            source,
        })?;
        line.push(b'\n');
        let io = |action: &'static str| {
            let path = self.path.clone();
            move |source| PersistError::Io {
                action,
                path,
                source,
            }
        };
        self.file.write_all(&line).map_err(io("append to"))?;
        self.file.sync_data().map_err(io("sync"))?;
        self.journal_bytes += line.len() as u64;
        Ok(())
    }
}

/// The journal's path beside the account file.
pub(crate) fn journal_path(path: &Path) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(".journal");
    PathBuf::from(p)
}

#[derive(Serialize)]
struct AccountFileRef<'a> {
    format_version: u32,
    account: &'a str,
    journal: &'a str,
    catalog: &'a Catalog,
    #[serde(skip_serializing_if = "<[RanRequest]>::is_empty")]
    requests: &'a [RanRequest],
}

#[derive(Deserialize)]
struct AccountFile {
    format_version: u32,
    account: String,
    #[serde(default)]
    journal: Option<String>,
    catalog: Catalog,
    #[serde(default)]
    requests: Vec<RanRequest>,
}

/// What an account file holds: the catalog, the requests it remembers, and the statements
/// of its journal still to replay on it.
pub(crate) type Loaded = (Catalog, Vec<RanRequest>, Vec<Logged>);

/// The catalog kept at `path` for `account` with the requests it remembers and the
/// journal's statements to replay, or None when there is no file yet.
pub fn load(path: &Path, account: &str) -> Result<Option<Loaded>, PersistError> {
    let bytes = match fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(PersistError::Io {
                action: "read",
                path: path.to_path_buf(),
                source,
            })
        }
    };
    let file: AccountFile =
        serde_json::from_slice(&bytes).map_err(|source| PersistError::Format {
            path: path.to_path_buf(),
            source,
        })?;
    if !(1..=FORMAT_VERSION).contains(&file.format_version) {
        return Err(PersistError::Version {
            path: path.to_path_buf(),
            found: file.format_version,
        });
    }
    if file.account != account {
        return Err(PersistError::Account {
            path: path.to_path_buf(),
            found: file.account,
            expected: account.to_string(),
        });
    }
    let logged = match &file.journal {
        Some(id) => read_journal(path, id)?,
        None => Vec::new(),
    };
    Ok(Some((file.catalog, file.requests, logged)))
}

/// The statements of the journal `id` beside `path`; none when the journal there is
/// another one (already folded into the file) or missing.
fn read_journal(path: &Path, id: &str) -> Result<Vec<Logged>, PersistError> {
    let jpath = journal_path(path);
    let bytes = match fs::read(&jpath) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(PersistError::Io {
                action: "read",
                path: jpath,
                source,
            })
        }
    };
    let mut lines: Vec<&[u8]> = bytes.split(|b| *b == b'\n').collect();
    // Whatever follows the last newline never finished being written.
    let tail = lines.pop().unwrap_or_default();
    let torn = !tail.is_empty();
    let count = lines.len();
    let mut logged = Vec::new();
    for (i, line) in lines.into_iter().enumerate() {
        let is_last = i + 1 == count && !torn;
        let damaged = |message: String| PersistError::Journal {
            path: jpath.clone(),
            line: i + 1,
            message,
        };
        if i == 0 {
            match serde_json::from_slice::<JournalHeader>(line) {
                Ok(h) if h.journal == id => continue,
                Ok(_) => return Ok(Vec::new()),
                Err(_) if is_last => return Ok(Vec::new()),
                Err(e) => return Err(damaged(e.to_string())),
            }
        }
        match serde_json::from_slice::<Logged>(line) {
            Ok(l) => logged.push(l),
            Err(_) if is_last => {}
            Err(e) => return Err(damaged(e.to_string())),
        }
    }
    Ok(logged)
}

/// Replace the file at `path` with `catalog` and `requests`, atomically (a statement's
/// change and its request id are kept together or not at all), under a new journal, and
/// start that journal empty.
pub(crate) fn save(
    path: &Path,
    account: &str,
    catalog: &Catalog,
    requests: &[RanRequest],
) -> Result<Journal, PersistError> {
    // The journal's id is the digest of what it continues: the same account gives the
    // same bytes, and a journal is only ever replayed on the account it started from.
    let id = {
        use sha2::{Digest, Sha256};
        let body = serde_json::to_vec(&AccountFileRef {
            format_version: FORMAT_VERSION,
            account,
            journal: "",
            catalog,
            requests,
        })
        .map_err(|source| PersistError::Format {
            path: path.to_path_buf(),
            source,
        })?;
        hex::encode(&Sha256::digest(&body)[..16])
    };
    let file = AccountFileRef {
        format_version: FORMAT_VERSION,
        account,
        journal: &id,
        catalog,
        requests,
    };
    let mut bytes = serde_json::to_vec_pretty(&file).map_err(|source| PersistError::Format {
        path: path.to_path_buf(),
        source,
    })?;
    bytes.push(b'\n');
    replace(path, &bytes)?;
    let jpath = journal_path(path);
    let mut header = serde_json::to_vec(&JournalHeader { journal: id }).expect("serialisable");
    header.push(b'\n');
    replace(&jpath, &header)?;
    let file = fs::OpenOptions::new()
        .append(true)
        .open(&jpath)
        .map_err(|source| PersistError::Io {
            action: "open",
            path: jpath.clone(),
            source,
        })?;
    Ok(Journal {
        file,
        path: jpath,
        file_bytes: bytes.len() as u64,
        journal_bytes: header.len() as u64,
        header_bytes: header.len() as u64,
    })
}

/// Replace the file at `path` with `bytes`, atomically.
fn replace(path: &Path, bytes: &[u8]) -> Result<(), PersistError> {
    let io = |action: &'static str, p: &Path| {
        let path = p.to_path_buf();
        move |source| PersistError::Io {
            action,
            path,
            source,
        }
    };
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "account.json".into());
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    {
        let mut f = fs::File::create(&tmp).map_err(io("create", &tmp))?;
        f.write_all(bytes).map_err(io("write", &tmp))?;
        f.sync_all().map_err(io("sync", &tmp))?;
    }
    fs::rename(&tmp, path).map_err(io("replace", path))?;
    // Make the rename itself durable; not every platform can sync a directory.
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}
