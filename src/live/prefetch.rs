//! Reading the account ahead of the configuration. The queries that reading the state's
//! objects takes do not wait for the configuration: they are sent while it is still being
//! evaluated, and their answers kept by statement. The read that follows (of the
//! configuration's objects and the state's) takes each answer it asks for from them and
//! sends only the rest: nothing more when the configuration names what the state records.

use super::{ExecError, Executor, ReadOptions, ShowRows};
use crate::model::Object;
use std::collections::BTreeMap;
use std::sync::Mutex;

/// The answers of a read sent ahead, by statement text, each given out once.
#[derive(Debug, Default)]
pub(crate) struct Answers {
    by_sql: Mutex<BTreeMap<String, Result<ShowRows, ExecError>>>,
}

impl Answers {
    /// Send what reading `objects` takes through `exec` (the SHOWs, their pages and the
    /// queries their rows call for), keeping every answer. A failure ends it early: what
    /// it did not answer, the read that follows sends, and reports, itself.
    pub(crate) async fn gather<E: Executor>(
        exec: &E,
        objects: &[&Object],
        opts: &ReadOptions,
    ) -> Answers {
        let recording = Recording {
            exec,
            answers: Answers::default(),
        };
        let _ = super::fetch(&recording, objects, opts, false).await;
        recording.answers
    }

    /// The answers no query took: sent for nothing (the configuration no longer names
    /// what they read), but sent, so counted with the read's queries.
    pub(crate) fn unused(&self) -> usize {
        self.lock().len()
    }

    /// An executor that answers from these first and sends the rest through `exec`.
    pub(crate) fn answering<'a, E: Executor>(&'a self, exec: &'a E) -> Answering<'a, E> {
        Answering {
            answers: self,
            exec,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Result<ShowRows, ExecError>>> {
        // A panic while holding it leaves a map that is still whole.
        self.by_sql.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Sends through `exec` and keeps the answers that say what the account has: rows, or a
/// scope that does not exist. Any other failure is the later read's to meet and report.
struct Recording<'a, E> {
    exec: &'a E,
    answers: Answers,
}

impl<E: Executor> Executor for Recording<'_, E> {
    async fn show(&self, sql: &str) -> Result<ShowRows, ExecError> {
        let answer = self.exec.show(sql).await;
        if answer.as_ref().map_or_else(|e| e.not_found, |_| true) {
            self.answers.lock().insert(sql.to_string(), answer.clone());
        }
        answer
    }
}

/// Answers a statement read ahead from its answer, any other through its executor.
pub(crate) struct Answering<'a, E> {
    answers: &'a Answers,
    exec: &'a E,
}

impl<E: Executor> Executor for Answering<'_, E> {
    async fn show(&self, sql: &str) -> Result<ShowRows, ExecError> {
        let kept = self.answers.lock().remove(sql);
        match kept {
            Some(answer) => answer,
            None => self.exec.show(sql).await,
        }
    }
}
