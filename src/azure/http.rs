//! HTTP to Azure DevOps: the bearer token, JSON in and out, bounded retries of 429 and 5xx
//! (honouring `Retry-After`), and statuses turned into errors that say what to do.

use super::error::{excerpt, AzureError};
use crate::snowflake::{RetryPolicy, Secret};
use reqwest::header::{HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE, RETRY_AFTER};
use reqwest::Url;
use serde::de::DeserializeOwned;
use std::sync::Once;
use std::time::{Duration, Instant};
use tracing::debug;

/// The longest `Retry-After` snowform waits for; throttling that asks for more fails.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

/// The retries of one request: few and short, as a comment is not worth a long wait.
pub fn default_retry() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 5,
        max_elapsed: Duration::from_secs(120),
        initial_backoff: Duration::from_millis(500),
        max_backoff: Duration::from_secs(16),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Verb {
    Get,
    Post,
    Patch,
}

impl Verb {
    pub fn as_str(self) -> &'static str {
        match self {
            Verb::Get => "GET",
            Verb::Post => "POST",
            Verb::Patch => "PATCH",
        }
    }

    fn method(self) -> reqwest::Method {
        match self {
            Verb::Get => reqwest::Method::GET,
            Verb::Post => reqwest::Method::POST,
            Verb::Patch => reqwest::Method::PATCH,
        }
    }
}

/// Why an attempt failed.
pub(crate) enum Failure {
    /// Worth trying again: throttled, the service unavailable, or the network.
    Transient(Transient),
    Fatal(AzureError),
}

pub(crate) struct Transient {
    verb: Verb,
    url: String,
    status: Option<u16>,
    message: String,
    retry_after: Option<Duration>,
}

impl Transient {
    pub(crate) fn into_error(self, attempts: u32) -> AzureError {
        let attempts = if attempts > 1 {
            format!(" ({attempts} attempts)")
        } else {
            String::new()
        };
        match self.status {
            Some(status) => AzureError::Http {
                status,
                method: self.verb.as_str(),
                url: self.url,
                excerpt: self.message,
                attempts,
            },
            None => AzureError::Transport {
                method: self.verb.as_str(),
                url: self.url,
                message: self.message,
                attempts,
            },
        }
    }
}

/// Counts attempts and decides how long to wait before the next one.
pub(crate) struct Attempts<'a> {
    policy: &'a RetryPolicy,
    started: Instant,
    pub made: u32,
}

impl<'a> Attempts<'a> {
    pub fn new(policy: &'a RetryPolicy) -> Attempts<'a> {
        Attempts {
            policy,
            started: Instant::now(),
            made: 0,
        }
    }

    /// After a transient failure of the latest attempt: the wait before the next, or
    /// `None` when the attempts or the time are used up.
    pub(crate) fn next_wait(&mut self, transient: &Transient) -> Option<Duration> {
        let backoff = self.policy.backoff(self.made);
        let wait = match transient.retry_after {
            Some(ra) if ra > MAX_RETRY_AFTER => return None,
            Some(ra) => ra.max(backoff),
            None => backoff,
        };
        if self.made >= self.policy.max_attempts
            || self.started.elapsed() + wait > self.policy.max_elapsed
        {
            return None;
        }
        Some(wait)
    }
}

pub(crate) struct Http {
    client: reqwest::Client,
    token: Secret,
    /// For the 403 message, which names the build service identity.
    project: String,
    organization: String,
    pub retry: RetryPolicy,
}

fn install_crypto_provider() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // Fails only when another provider is already installed, which is fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

impl Http {
    pub fn new(
        token: Secret,
        project: &str,
        organization: &str,
        retry: RetryPolicy,
    ) -> Result<Http, AzureError> {
        install_crypto_provider();
        let client = reqwest::Client::builder()
            .user_agent(concat!("snowform/", env!("CARGO_PKG_VERSION")))
            .timeout(Duration::from_secs(30))
            .connect_timeout(Duration::from_secs(10))
            // A redirect means a sign-in page, never the resource: report it, don't follow it.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| AzureError::Client(e.to_string()))?;
        Ok(Http {
            client,
            token,
            project: project.to_string(),
            organization: organization.to_string(),
            retry,
        })
    }

    /// Send with retries; only for idempotent requests (GET, PATCH).
    pub async fn send<T: DeserializeOwned>(
        &self,
        verb: Verb,
        url: &Url,
        body: Option<&serde_json::Value>,
    ) -> Result<T, AzureError> {
        let mut attempts = Attempts::new(&self.retry);
        loop {
            attempts.made += 1;
            match self.once(verb, url, body).await {
                Ok(v) => return Ok(v),
                Err(Failure::Fatal(e)) => return Err(e),
                Err(Failure::Transient(t)) => match attempts.next_wait(&t) {
                    Some(wait) => {
                        debug!(method = verb.as_str(), status = ?t.status, attempt = attempts.made,
                               wait_ms = wait.as_millis() as u64, "retrying");
                        tokio::time::sleep(wait).await;
                    }
                    None => return Err(t.into_error(attempts.made)),
                },
            }
        }
    }

    /// One attempt.
    pub async fn once<T: DeserializeOwned>(
        &self,
        verb: Verb,
        url: &Url,
        body: Option<&serde_json::Value>,
    ) -> Result<T, Failure> {
        let shown = url.to_string();
        let mut rb = self
            .client
            .request(verb.method(), url.clone())
            .header(ACCEPT, "application/json");
        if let Ok(mut v) = HeaderValue::from_str(&format!("Bearer {}", self.token.expose())) {
            v.set_sensitive(true);
            rb = rb.header(AUTHORIZATION, v);
        }
        if let Some(b) = body {
            let bytes = serde_json::to_vec(b).map_err(|e| {
                Failure::Fatal(AzureError::Client(format!(
                    "cannot encode the request: {e}"
                )))
            })?;
            rb = rb.header(CONTENT_TYPE, "application/json").body(bytes);
        }
        debug!(
            method = verb.as_str(),
            path = url.path(),
            "azure devops request"
        );
        let transient = |status: Option<u16>, message: String, retry_after| {
            Failure::Transient(Transient {
                verb,
                url: shown.clone(),
                status,
                message,
                retry_after,
            })
        };
        let resp = match rb.send().await {
            Ok(r) => r,
            Err(e) if e.is_builder() => {
                return Err(Failure::Fatal(AzureError::Client(describe(&e))))
            }
            Err(e) => return Err(transient(None, describe(&e), None)),
        };
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let bytes = match resp.bytes().await {
            Ok(b) => b,
            Err(e) => return Err(transient(None, describe(&e), None)),
        };
        debug!(status, bytes = bytes.len(), "azure devops response");
        let secret = self.token.expose();
        let is_html = headers
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/html"));
        let method = verb.as_str();
        let fatal = |e| Err(Failure::Fatal(e));
        match status {
            // Azure DevOps answers a token it does not accept with a sign-in page: 203
            // Non-Authoritative Information, a redirect, or an HTML page.
            203 | 300..=399 => fatal(AzureError::Unauthorized {
                status: format!("{status} and a sign-in page"),
                method,
                url: shown,
            }),
            200..=299 if is_html => fatal(AzureError::Unauthorized {
                status: format!("{status} and a sign-in page"),
                method,
                url: shown,
            }),
            // An empty success body reads as JSON null, which callers that ignore it accept.
            200..=299 => serde_json::from_slice(if bytes.is_empty() { b"null" } else { &bytes })
                .map_err(|e| {
                    Failure::Fatal(AzureError::Unexpected {
                        method,
                        url: shown.clone(),
                        message: format!("the body is not the expected JSON ({e})"),
                    })
                }),
            401 => fatal(AzureError::Unauthorized {
                status: "401 Unauthorized".into(),
                method,
                url: shown,
            }),
            403 => fatal(AzureError::Forbidden {
                method,
                url: shown,
                project: self.project.clone(),
                organization: self.organization.clone(),
                detail: format!(". The service said: {}", excerpt(&bytes, secret)),
            }),
            404 => fatal(AzureError::NotFound {
                method,
                url: shown,
                detail: format!(". The service said: {}", excerpt(&bytes, secret)),
            }),
            429 | 500 | 502 | 503 | 504 => Err(transient(
                Some(status),
                excerpt(&bytes, secret),
                retry_after(&headers),
            )),
            _ => fatal(AzureError::Http {
                status,
                method,
                url: shown,
                excerpt: excerpt(&bytes, secret),
                attempts: String::new(),
            }),
        }
    }
}

/// `Retry-After` in seconds (Azure DevOps sends seconds, not dates).
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let v = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    v.parse::<u64>().ok().map(Duration::from_secs)
}

/// The error and its causes on one line.
fn describe(error: &reqwest::Error) -> String {
    use std::error::Error as _;
    let mut msg = error.to_string();
    let mut source = error.source();
    while let Some(s) = source {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        source = s.source();
    }
    msg
}
