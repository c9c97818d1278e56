//! End-to-end tests: the snowform command line run as a user runs it, against the embedded
//! sandbox or a `sandbox serve` process, inside this process (`cli::run`) or, where a test
//! needs one, as a process of its own (see common.rs). One test binary, one module per area.

mod access;
mod cli;
mod common;
mod contents;
mod data_sources;
mod deploy_privileges;
mod environments;
mod examples;
mod failures;
mod feature_store_layout;
mod generate;
mod grants;
mod in_process;
mod journal;
mod kinds;
mod lock_timeout;
mod mlops;
mod modules;
mod outputs;
mod owner;
mod plan_cases;
mod procedures;
mod properties;
mod read_ahead;
mod recorded_values;
mod refactor;
mod regression_setup;
mod renamed_containers;
mod replace;
mod replaced_containers;
mod result_scan;
mod robust;
mod robust_locks;
mod robust_suite;
mod roles;
mod shell;
mod state_size;
mod tables;
mod task_graphs;
mod users;
mod walk_config;
mod walk_transitions;
mod walks;
