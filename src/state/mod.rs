//! State: what snowform last applied, per address, with a lineage and a serial. It is
//! written after every statement that succeeds, atomically. It holds no credential, but it
//! does hold the sensitive values objects were created with (local files are mode 0600). Backends
//! keep it in a local file or in a table in the account.

mod file;
mod lock;
mod moves;
mod record;
mod remote;

pub use file::{atomic_write, LocalBackend};
pub use lock::{LockError, LockInfo};
pub use moves::MoveError;
pub use record::{InProgress, Record, State, StateError, FORMAT_VERSION, MAX_SERIAL};
pub use remote::{SnowflakeBackend, Sql};
