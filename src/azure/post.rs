//! Find-or-create of snowform's thread on the pull request: list the threads, update the
//! first comment of the one marked for this report kind, or create it; then set its status.

use super::env::PipelineEnv;
use super::error::AzureError;
use super::http::{default_retry, Attempts, Failure, Http, Verb};
use super::report::Report;
use super::threads::{
    self, CommentUpdate, Created, StatusUpdate, ThreadList, ThreadStatus, API_VERSION,
};
use super::truncate::{fit, COMMENT_BUDGET};
use crate::snowflake::RetryPolicy;
use reqwest::Url;
use tracing::debug;

/// What was posted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Posted {
    pub thread_id: u64,
    pub comment_id: u64,
    /// A new thread; false when snowform's earlier comment was updated in place.
    pub created: bool,
    /// The report was cut to fit a comment.
    pub truncated: bool,
    /// The thread's status after posting.
    pub status: ThreadStatus,
}

/// Post `report` to the pull request of `env`, or update the comment posted before.
pub async fn post(env: &PipelineEnv, report: &Report) -> Result<Posted, AzureError> {
    PullRequestClient::new(env, default_retry())?
        .post(report)
        .await
}

/// The threads of one pull request.
pub struct PullRequestClient<'a> {
    env: &'a PipelineEnv,
    http: Http,
    /// Comments are cut to this many UTF-16 code units.
    budget: usize,
}

impl<'a> PullRequestClient<'a> {
    pub fn new(env: &'a PipelineEnv, retry: RetryPolicy) -> Result<Self, AzureError> {
        Ok(PullRequestClient {
            env,
            http: Http::new(
                env.access_token.clone(),
                &env.project,
                &env.organization()
                    .unwrap_or_else(|| "<organization>".into()),
                retry,
            )?,
            budget: COMMENT_BUDGET,
        })
    }

    /// `.../pullRequests/{id}/threads` followed by `extra` segments, with the api-version.
    fn url(&self, extra: &[&str]) -> Url {
        let mut u = self.env.collection_uri.clone();
        let pr = self.env.pull_request_id.to_string();
        if let Ok(mut segs) = u.path_segments_mut() {
            segs.pop_if_empty()
                .push(&self.env.project)
                .extend(["_apis", "git", "repositories"])
                .push(&self.env.repository_id)
                .extend(["pullRequests", pr.as_str(), "threads"])
                .extend(extra);
        }
        u.query_pairs_mut().append_pair("api-version", API_VERSION);
        u
    }

    pub async fn post(&self, report: &Report) -> Result<Posted, AzureError> {
        let (content, truncated) = fit(&report.markdown, &report.full_report_note, self.budget);
        let threads_url = self.url(&[]);
        let mut attempts = Attempts::new(&self.http.retry);
        loop {
            let list: ThreadList = self.http.send(Verb::Get, &threads_url, None).await?;
            if let Some((thread, comment)) =
                threads::find(&list.value, report.kind, report.scope.as_ref())
            {
                let (thread_id, comment_id, current) = (thread.id, comment.id, thread.status());
                let changed = comment.content.as_deref() != Some(content.as_str());
                return self
                    .update(thread_id, comment_id, current, changed, &content, report)
                    .await
                    .map(|status| Posted {
                        thread_id,
                        comment_id,
                        created: false,
                        truncated,
                        status,
                    });
            }
            let status = if report.needs_attention {
                ThreadStatus::Active
            } else {
                ThreadStatus::Closed
            };
            let body = threads::new_thread(report.kind, report.scope.as_ref(), &content, status);
            attempts.made += 1;
            // Creating is not idempotent: a failed attempt may still have created the
            // thread, so each retry lists the threads again before creating.
            match self
                .http
                .once::<Created>(Verb::Post, &threads_url, Some(&body))
                .await
            {
                Ok(created) => {
                    debug!(thread = created.id, "created the pull request thread");
                    return Ok(Posted {
                        thread_id: created.id,
                        // Comment ids count from 1 within each thread.
                        comment_id: created.comments.first().map_or(1, |c| c.id),
                        created: true,
                        truncated,
                        status,
                    });
                }
                Err(Failure::Fatal(e)) => return Err(e),
                Err(Failure::Transient(t)) => match attempts.next_wait(&t) {
                    Some(wait) => tokio::time::sleep(wait).await,
                    None => return Err(t.into_error(attempts.made)),
                },
            }
        }
    }

    async fn update(
        &self,
        thread_id: u64,
        comment_id: u64,
        current: ThreadStatus,
        changed: bool,
        content: &str,
        report: &Report,
    ) -> Result<ThreadStatus, AzureError> {
        let thread = thread_id.to_string();
        if changed {
            let url = self.url(&[&thread, "comments", &comment_id.to_string()]);
            let body = serde_json::to_value(CommentUpdate { content }).expect("serialisable");
            let _: serde_json::Value = self.http.send(Verb::Patch, &url, Some(&body)).await?;
            debug!(thread = thread_id, "updated the pull request comment");
        }
        match threads::next_status(current, report.needs_attention, changed) {
            Some(status) => {
                let body = serde_json::to_value(StatusUpdate {
                    status: status.as_str(),
                })
                .expect("serialisable");
                let _: serde_json::Value = self
                    .http
                    .send(Verb::Patch, &self.url(&[&thread]), Some(&body))
                    .await?;
                debug!(
                    thread = thread_id,
                    status = status.as_str(),
                    "set the thread status"
                );
                Ok(status)
            }
            None => Ok(current),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snowflake::Secret;

    #[test]
    fn urls_encode_the_project_and_name_the_api_version() {
        let env = PipelineEnv {
            collection_uri: Url::parse("https://dev.azure.com/fabrikam/").unwrap(),
            project: "ML Platform".into(),
            repository_id: "repo-id".into(),
            pull_request_id: 42,
            access_token: Secret::new("t"),
            build_url: None,
        };
        let c = PullRequestClient::new(&env, RetryPolicy::none()).unwrap();
        assert_eq!(
            c.url(&[]).as_str(),
            "https://dev.azure.com/fabrikam/ML%20Platform/_apis/git/repositories/repo-id/pullRequests/42/threads?api-version=7.1"
        );
        assert_eq!(
            c.url(&["7", "comments", "1"]).as_str(),
            "https://dev.azure.com/fabrikam/ML%20Platform/_apis/git/repositories/repo-id/pullRequests/42/threads/7/comments/1?api-version=7.1"
        );
    }
}
