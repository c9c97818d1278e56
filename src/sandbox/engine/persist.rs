//! Keeping an account on disk as one JSON file, replaced atomically after every change:
//! write a temporary file in the same directory, fsync it, rename it over the old one.

use super::catalog::Catalog;
use serde::{Deserialize, Serialize};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The version of the file layout; bump it when the catalog's shape changes incompatibly.
pub const FORMAT_VERSION: u32 = 1;

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
    #[error("the sandbox account file {path} has format version {found}; this snowform reads version {FORMAT_VERSION}")]
    Version { path: PathBuf, found: u32 },
    #[error("the sandbox account file {path} holds account {found:?}, not {expected:?}; use another file for this account")]
    Account {
        path: PathBuf,
        found: String,
        expected: String,
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

#[derive(Serialize)]
struct AccountFileRef<'a> {
    format_version: u32,
    account: &'a str,
    catalog: &'a Catalog,
    #[serde(skip_serializing_if = "<[RanRequest]>::is_empty")]
    requests: &'a [RanRequest],
}

#[derive(Deserialize)]
struct AccountFile {
    format_version: u32,
    account: String,
    catalog: Catalog,
    #[serde(default)]
    requests: Vec<RanRequest>,
}

/// The catalog kept at `path` for `account` with the requests it remembers, or None when
/// there is no file yet.
pub fn load(
    path: &Path,
    account: &str,
) -> Result<Option<(Catalog, Vec<RanRequest>)>, PersistError> {
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
    if file.format_version != FORMAT_VERSION {
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
    Ok(Some((file.catalog, file.requests)))
}

/// Replace the file at `path` with `catalog` and `requests`, atomically: a statement's
/// change and its request id are kept together or not at all.
pub fn save(
    path: &Path,
    account: &str,
    catalog: &Catalog,
    requests: &[RanRequest],
) -> Result<(), PersistError> {
    let io = |action: &'static str, p: &Path| {
        let path = p.to_path_buf();
        move |source| PersistError::Io {
            action,
            path,
            source,
        }
    };
    let file = AccountFileRef {
        format_version: FORMAT_VERSION,
        account,
        catalog,
        requests,
    };
    let mut bytes = serde_json::to_vec_pretty(&file).map_err(|source| PersistError::Format {
        path: path.to_path_buf(),
        source,
    })?;
    bytes.push(b'\n');
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
        f.write_all(&bytes).map_err(io("write", &tmp))?;
        f.sync_all().map_err(io("sync", &tmp))?;
    }
    fs::rename(&tmp, path).map_err(io("replace", path))?;
    // Make the rename itself durable; not every platform can sync a directory.
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}
