//! A configuration directory in a temporary place and the snowform binary to run in it,
//! isolated from the machine's own Snowflake configuration.

#![allow(dead_code)]

use assert_cmd::Command;
use std::path::{Path, PathBuf};

pub struct Dir {
    pub tmp: tempfile::TempDir,
    pub home: tempfile::TempDir,
}

pub struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Out {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }

    #[track_caller]
    pub fn ok(self) -> Out {
        assert_eq!(
            self.code, 0,
            "exit {}\nstdout:\n{}\nstderr:\n{}",
            self.code, self.stdout, self.stderr
        );
        self
    }

    #[track_caller]
    pub fn code(self, code: i32) -> Out {
        assert_eq!(
            self.code, code,
            "exit {} (wanted {code})\nstdout:\n{}\nstderr:\n{}",
            self.code, self.stdout, self.stderr
        );
        self
    }
}

/// The repository's own directory.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

impl Dir {
    /// An empty configuration directory.
    pub fn empty() -> Dir {
        Dir {
            tmp: tempfile::tempdir().unwrap(),
            home: tempfile::tempdir().unwrap(),
        }
    }

    /// A copy of one of the examples.
    pub fn example(name: &str) -> Dir {
        let d = Dir::empty();
        let src = repo().join("examples").join(name);
        for entry in std::fs::read_dir(&src).unwrap() {
            let entry = entry.unwrap();
            if entry.path().extension().is_some_and(|e| e == "hcl") {
                std::fs::copy(entry.path(), d.path().join(entry.file_name())).unwrap();
            }
        }
        d
    }

    /// A directory holding these files.
    pub fn with(files: &[(&str, &str)]) -> Dir {
        let d = Dir::empty();
        for (name, text) in files {
            d.write(name, text);
        }
        d
    }

    pub fn path(&self) -> &Path {
        self.tmp.path()
    }

    pub fn write(&self, name: &str, text: &str) {
        std::fs::write(self.path().join(name), text).unwrap();
    }

    /// The binary with a clean environment: no Snowflake configuration of the machine's,
    /// no colour, this directory as -C.
    pub fn cmd(&self) -> Command {
        let mut c = Command::cargo_bin("snowform").unwrap();
        c.env_clear()
            .env("HOME", self.home.path())
            .env("SNOWFLAKE_HOME", self.home.path())
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("NO_COLOR", "1")
            .arg("-C")
            .arg(self.path());
        c
    }

    pub fn run(&self, args: &[&str]) -> Out {
        let out = self.cmd().args(args).output().unwrap();
        Out {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Run against the embedded sandbox account of this directory.
    pub fn sandbox(&self, args: &[&str]) -> Out {
        let mut all = vec!["--connection", "sandbox"];
        all.extend_from_slice(args);
        self.run(&all)
    }

    /// Change the sandbox account behind snowform's back.
    pub fn exec(&self, sql: &str) -> Out {
        self.run(&["sandbox", "exec", sql]).ok()
    }
}

/// The addresses and actions of a JSON plan's changes that do something.
pub fn actions(plan: &serde_json::Value) -> Vec<(String, String)> {
    plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["action"] != "noop")
        .map(|c| {
            (
                c["address"].as_str().unwrap().to_string(),
                c["action"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}
