//! End-to-end tests: the snowform binary run as a user runs it, against the embedded
//! sandbox or a `sandbox serve` process. One test binary, one module per area.

mod cli;
mod common;
mod contents;
mod environments;
mod examples;
mod failures;
mod generate;
mod journal;
mod mlops;
mod properties;
mod result_scan;
mod robust;
mod robust_locks;
mod robust_suite;
mod scenarios;
