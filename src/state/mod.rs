//! State: what snowform last applied, per address, with a lineage and a serial. Every
//! statement is entered before it is sent and recorded once it succeeded; the local backend
//! appends each change to a journal that it folds into the state file now and then, the
//! table backend writes the rows that changed. Backends keep it in a local file or in a
//! table in the account. It holds no credential, but it does hold the sensitive values
//! objects were created with (local files are mode 0600).

mod file;
pub(crate) mod journal;
mod lock;
mod moves;
mod record;
mod remote;
mod stored;

pub(crate) use file::{atomic_write, JournalWriter, LocalBackend, StateBytes};
pub use journal::Entry;
pub(crate) use lock::{LockError, LockInfo};
pub(crate) use moves::MoveError;
pub use record::{InProgress, Record, State, StateError, FORMAT_VERSION, MAX_SERIAL};
pub(crate) use remote::{SnowflakeBackend, Sql};
