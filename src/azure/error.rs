//! What can go wrong when posting to a pull request, each with what to do about it.
//! URLs in messages carry no credentials; response excerpts have the token removed.

use super::env::EnvProblem;

#[derive(Debug, thiserror::Error)]
pub enum AzureError {
    #[error("cannot post to the pull request:\n{}", list(.0))]
    Environment(Vec<EnvProblem>),

    #[error(
        "Azure DevOps refused the token ({status}) for {method} {url}: System.AccessToken is missing \
         or expired. Map it into the step's environment with `env: SYSTEM_ACCESSTOKEN: \
         $(System.AccessToken)`"
    )]
    Unauthorized {
        status: String,
        method: &'static str,
        url: String,
    },

    #[error(
        "Azure DevOps answered 403 Forbidden for {method} {url}: the pipeline's build service identity \
         (\"{project} Build Service ({organization})\", or \"Project Collection Build Service \
         ({organization})\" when the job authorization scope is the collection) lacks \"Contribute to pull requests\" on the \
         repository. Grant it in Project settings > Repositories > (the repository) > Security{detail}"
    )]
    Forbidden {
        method: &'static str,
        url: String,
        project: String,
        organization: String,
        detail: String,
    },

    #[error(
        "Azure DevOps answered 404 Not Found for {method} {url}: the project, the repository or the \
         pull request does not exist, or the build service cannot see it{detail}"
    )]
    NotFound {
        method: &'static str,
        url: String,
        detail: String,
    },

    #[error("Azure DevOps answered {status} for {method} {url}{attempts}: {excerpt}")]
    Http {
        status: u16,
        method: &'static str,
        url: String,
        excerpt: String,
        attempts: String,
    },

    #[error("cannot reach Azure DevOps for {method} {url}{attempts}: {message}")]
    Transport {
        method: &'static str,
        url: String,
        message: String,
        attempts: String,
    },

    #[error("unexpected answer from Azure DevOps for {method} {url}: {message}")]
    Unexpected {
        method: &'static str,
        url: String,
        message: String,
    },

    #[error("cannot build the HTTP client: {0}")]
    Client(String),
}

fn list(problems: &[EnvProblem]) -> String {
    problems
        .iter()
        .map(|p| format!("  - {p}"))
        .collect::<Vec<_>>()
        .join("\n")
}

impl AzureError {
    /// The HTTP status, for errors that have one.
    pub fn status(&self) -> Option<u16> {
        match self {
            AzureError::Unauthorized { .. } => Some(401),
            AzureError::Forbidden { .. } => Some(403),
            AzureError::NotFound { .. } => Some(404),
            AzureError::Http { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// A short, single-line excerpt of a response body: Azure DevOps' `message` when the body
/// is its JSON error, else the text with whitespace collapsed; `secret` removed.
pub(crate) fn excerpt(body: &[u8], secret: &str) -> String {
    const MAX: usize = 300;
    let text = String::from_utf8_lossy(body);
    let message = serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|v| {
            v.get("message")
                .and_then(|m| m.as_str())
                .map(str::to_string)
        })
        .unwrap_or_else(|| text.into_owned());
    let mut one_line = message.split_whitespace().collect::<Vec<_>>().join(" ");
    if !secret.is_empty() {
        one_line = one_line.replace(secret, "<redacted>");
    }
    if one_line.chars().count() > MAX {
        let cut: String = one_line.chars().take(MAX).collect();
        format!("{cut}…")
    } else if one_line.is_empty() {
        "(empty body)".into()
    } else {
        one_line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpt_prefers_the_service_message_and_hides_the_secret() {
        let body = br#"{"$id":"1","message":"A discussion comment cannot be longer than 150000 characters.\r\nParameter name: comment.Content","typeKey":"X"}"#;
        assert_eq!(
            excerpt(body, "tok"),
            "A discussion comment cannot be longer than 150000 characters. Parameter name: comment.Content"
        );
        assert_eq!(
            excerpt(b"<html> bad tok-en\n</html>", "tok-en"),
            "<html> bad <redacted> </html>"
        );
        assert_eq!(excerpt(b"", "x"), "(empty body)");
        let long = "x".repeat(1000);
        assert_eq!(excerpt(long.as_bytes(), "").chars().count(), 301);
    }
}
