//! The sandbox: an emulator of the Snowflake SQL API v2 and of an account's metadata
//! catalog. `engine` executes SQL against the catalog; `server` speaks the HTTP protocol.
//! It is a faithful peer for tests and demos, and says so wherever it differs from
//! Snowflake (docs/sandbox.md).

mod bindings;
pub(crate) mod connector;
pub(crate) mod embedded;
pub(crate) mod engine;
pub(crate) mod faults;
pub(crate) mod jwt_verify;
pub(crate) mod server;
mod statements;
pub(crate) mod stats;
mod types;
pub(crate) mod wire;

pub use engine::Engine;
pub use faults::FaultOptions;
pub use server::{
    start, AccessToken, Flusher, RunningServer, ServeError, ServeOptions, UserKey, UserPassword,
};
pub use stats::StatsSnapshot;
pub use types::{Column, DmlStats, ResultSet, Session, SqlEngine, SqlError};

/// The sandbox is evidence about the client only if it does not share the client's
/// reading of the wire or the product's identifier rules: it encodes its own bodies
/// (`wire`) and resolves names by its own rules (`engine::parse`). What it may share:
/// the SQL lexer (`crate::sql`, which only cuts text into tokens and decides no name or
/// value), and the key helpers and `Secret` its JWT check uses to read PEM keys.
#[cfg(test)]
mod independence {
    const ALLOWED: &[&str] = &[
        "crate::sandbox",
        "crate::sql",
        "crate::snowflake::keys",
        "crate::snowflake::Secret",
    ];

    fn files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                files(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }

    #[test]
    fn sandbox_modules_use_neither_the_client_wire_types_nor_the_model() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/sandbox");
        let mut all = Vec::new();
        files(&root, &mut all);
        all.sort();
        assert!(
            all.len() > 20,
            "{} files under {}",
            all.len(),
            root.display()
        );
        let mut bad = Vec::new();
        // Built so that this test's own text does not match itself.
        let needle = ["crate", "::"].concat();
        for f in &all {
            let text = std::fs::read_to_string(f).unwrap();
            for (n, line) in text.lines().enumerate() {
                let mut rest = line;
                while let Some(i) = rest.find(&needle) {
                    let path: String = rest[i..]
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                        .collect();
                    // A braced use list names no module in the path itself: refused.
                    let ok = ALLOWED
                        .iter()
                        .any(|a| path == *a || path.starts_with(&format!("{a}::")));
                    if !ok {
                        bad.push(format!("{}:{}: {}", f.display(), n + 1, line.trim()));
                    }
                    rest = &rest[i + needle.len()..];
                }
            }
        }
        assert!(
            bad.is_empty(),
            "outside what the sandbox may share:\n{}",
            bad.join("\n")
        );
    }
}
