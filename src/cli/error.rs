//! What a command ends with.

use std::fmt;

/// Exit codes, as README.md's command table gives them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Exit {
    Ok = 0,
    Error = 1,
    /// `plan --detailed-exitcode` with changes; `drift` with drift.
    Changes = 2,
}

/// An error the user can act on; printed as `error: ...` with exit 1.
#[derive(Debug)]
pub(crate) struct CliError(pub String);

impl CliError {
    pub fn new(msg: impl Into<String>) -> CliError {
        CliError(msg.into())
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}

macro_rules! from_display {
    ($($t:ty),*) => {$(
        impl From<$t> for CliError {
            fn from(error: $t) -> CliError {
                CliError(error.to_string())
            }
        }
    )*};
}

from_display!(
    crate::state::StateError,
    crate::state::LockError,
    crate::state::MoveError,
    std::io::Error,
    serde_json::Error,
    crate::model::AddressError
);
