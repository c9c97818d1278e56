//! Posting snowform's plan and drift reports to the pull request of an Azure Pipelines
//! run: one thread per report kind, workspace and configuration directory, found again
//! by thread properties and updated in place, active while there is something to review
//! and closed when there is not.

pub mod env;
mod error;
mod http;
mod post;
mod report;
pub mod threads;
pub mod truncate;

pub use env::{EnvProblem, PipelineEnv};
pub use error::AzureError;
pub use http::default_retry;
pub use post::{post, Posted, PullRequestClient};
pub use report::{Environment, Report, ReportKind};
pub use threads::ThreadStatus;
