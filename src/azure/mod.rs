//! Posting snowform's plan and drift reports to the pull request of an Azure Pipelines
//! run: one thread per report kind, workspace and configuration directory, found again
//! by thread properties and updated in place, active while there is something to review
//! and closed when there is not.

pub(crate) mod env;
mod error;
mod http;
mod post;
mod report;
pub(crate) mod threads;
pub(crate) mod truncate;

pub use env::{EnvProblem, PipelineEnv};
pub use error::AzureError;
pub use post::{post, Posted, PullRequestClient};
pub use report::{Environment, Report, ReportKind};
pub use threads::ThreadStatus;
