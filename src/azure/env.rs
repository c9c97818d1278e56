//! The pull request a pipeline run belongs to, read from Azure Pipelines' predefined
//! variables (which agents export as upper-case environment variables, dots as `_`).

use crate::snowflake::Secret;
use reqwest::Url;
use std::fmt;

pub(crate) const COLLECTION_URI: &str = "SYSTEM_COLLECTIONURI";
pub(crate) const TEAM_PROJECT: &str = "SYSTEM_TEAMPROJECT";
pub(crate) const REPOSITORY_ID: &str = "BUILD_REPOSITORY_ID";
pub(crate) const PULL_REQUEST_ID: &str = "SYSTEM_PULLREQUEST_PULLREQUESTID";
pub(crate) const ACCESS_TOKEN: &str = "SYSTEM_ACCESSTOKEN";
pub(crate) const BUILD_ID: &str = "BUILD_BUILDID";

/// Where to post and with what token.
#[derive(Clone, Debug)]
pub struct PipelineEnv {
    /// The organization (or Azure DevOps Server collection) URL, always ending in `/`.
    pub collection_uri: Url,
    pub project: String,
    pub repository_id: String,
    pub pull_request_id: u64,
    pub access_token: Secret,
    /// The results page of this run, when `BUILD_BUILDID` is set.
    pub build_url: Option<String>,
}

/// One thing wrong with the environment; each says how to fix it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EnvProblem {
    /// A predefined variable every pipeline job has is not set.
    Missing(&'static str),
    /// `SYSTEM_PULLREQUEST_PULLREQUESTID` is unset: the run was not triggered for a PR.
    NotPullRequest,
    /// `SYSTEM_ACCESSTOKEN` is unset or still the unexpanded `$(System.AccessToken)`.
    TokenNotMapped,
    Invalid {
        name: &'static str,
        value: String,
        expected: &'static str,
    },
}

impl fmt::Display for EnvProblem {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EnvProblem::Missing(name) => write!(
                formatter,
                "{name} is not set: run this command in an Azure Pipelines job, which sets it"
            ),
            EnvProblem::NotPullRequest => write!(
                formatter,
                "{PULL_REQUEST_ID} is not set: this build is not a pull-request build (only runs \
                 started by a branch policy's build validation have one); run the comment step only \
                 when `eq(variables['Build.Reason'], 'PullRequest')`"
            ),
            EnvProblem::TokenNotMapped => write!(
                formatter,
                "{ACCESS_TOKEN} is not set: pipelines do not pass the job's token to scripts by \
                 themselves; map it into the step with `env: SYSTEM_ACCESSTOKEN: $(System.AccessToken)`"
            ),
            EnvProblem::Invalid {
                name,
                value,
                expected,
            } => write!(formatter, "{name} is `{value}`; expected {expected}"),
        }
    }
}

impl PipelineEnv {
    /// Read the variables through `get` (e.g. `|k| std::env::var(k).ok()`). Every problem
    /// is reported, not only the first.
    pub fn from_env(
        get: impl Fn(&str) -> Option<String>,
    ) -> Result<PipelineEnv, super::AzureError> {
        // A macro the agent could not expand reaches the script as its literal text.
        let value = |name: &str| {
            get(name)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty() && !v.starts_with("$("))
        };
        let mut problems = Vec::new();
        let mut required = |name: &'static str| {
            let v = value(name);
            if v.is_none() {
                problems.push(EnvProblem::Missing(name));
            }
            v
        };
        let collection = required(COLLECTION_URI);
        let project = required(TEAM_PROJECT);
        let repository_id = required(REPOSITORY_ID);

        let collection_uri = collection.and_then(|c| match parse_collection_uri(&c) {
            Ok(u) => Some(u),
            Err(expected) => {
                problems.push(EnvProblem::Invalid {
                    name: COLLECTION_URI,
                    value: hide_userinfo(&c),
                    expected,
                });
                None
            }
        });
        let pull_request_id = match value(PULL_REQUEST_ID) {
            None => {
                problems.push(EnvProblem::NotPullRequest);
                None
            }
            Some(v) => match v.parse::<u64>() {
                Ok(n) if n > 0 => Some(n),
                _ => {
                    problems.push(EnvProblem::Invalid {
                        name: PULL_REQUEST_ID,
                        value: v,
                        expected: "a pull request number",
                    });
                    None
                }
            },
        };
        let access_token = value(ACCESS_TOKEN).map(Secret::new);
        if access_token.is_none() {
            problems.push(EnvProblem::TokenNotMapped);
        }
        let build_id = value(BUILD_ID).filter(|b| b.bytes().all(|c| c.is_ascii_digit()));

        match (
            collection_uri,
            project,
            repository_id,
            pull_request_id,
            access_token,
        ) {
            (Some(collection_uri), Some(project), Some(repository_id), Some(pr), Some(token))
                if problems.is_empty() =>
            {
                let build_url =
                    build_id.map(|id| build_results_url(&collection_uri, &project, &id));
                Ok(PipelineEnv {
                    collection_uri,
                    project,
                    repository_id,
                    pull_request_id: pr,
                    access_token: token,
                    build_url,
                })
            }
            _ => Err(super::AzureError::Environment(problems)),
        }
    }

    /// The organization (Azure DevOps Services) or collection (Azure DevOps Server) name, as
    /// it appears in the build service identity "<project> Build Service (<organization>)".
    pub(crate) fn organization(&self) -> Option<String> {
        let u = &self.collection_uri;
        let host = u.host_str().unwrap_or_default();
        if let Some(org) = host.strip_suffix(".visualstudio.com") {
            return Some(org.to_string());
        }
        u.path_segments()?
            .rfind(|s| !s.is_empty())
            .map(str::to_string)
    }
}

fn parse_collection_uri(value: &str) -> Result<Url, &'static str> {
    let mut with_slash = value.to_string();
    if !with_slash.ends_with('/') {
        with_slash.push('/');
    }
    match Url::parse(&with_slash) {
        Ok(mut u) if matches!(u.scheme(), "http" | "https") && u.has_host() => {
            // A user and password in the URL (https://user:pw@dev.azure.com/...) are never
            // used (the token authenticates) and never printed: error messages, logs and the
            // build link in the comment show this URL.
            let _ = u.set_username("");
            let _ = u.set_password(None);
            Ok(u)
        }
        _ => Err("the organization URL, such as https://dev.azure.com/fabrikam/"),
    }
}

/// `value` with whatever stands before an `@` in its authority replaced, for messages.
fn hide_userinfo(value: &str) -> String {
    let Some(start) = value.find("://").map(|i| i + 3) else {
        return value.to_string();
    };
    let authority_end = value[start..]
        .find(['/', '?', '#'])
        .map_or(value.len(), |i| start + i);
    match value[start..authority_end].rfind('@') {
        Some(at) => format!("{}***{}", &value[..start], &value[start + at..]),
        None => value.to_string(),
    }
}

/// `{collection}{project}/_build/results?buildId={id}`, with the project name encoded.
fn build_results_url(collection: &Url, project: &str, build_id: &str) -> String {
    let mut u = collection.clone();
    if let Ok(mut segs) = u.path_segments_mut() {
        segs.pop_if_empty()
            .push(project)
            .push("_build")
            .push("results");
    }
    u.query_pairs_mut().append_pair("buildId", build_id);
    u.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::azure::AzureError;
    use std::collections::BTreeMap;

    const TOKEN: &str = "eyJ0eXAiOiJKV1Qi.token-value-3f9a";

    fn full() -> BTreeMap<&'static str, &'static str> {
        BTreeMap::from([
            (COLLECTION_URI, "https://dev.azure.com/fabrikam/"),
            (TEAM_PROJECT, "ML Platform"),
            (REPOSITORY_ID, "3411ebc1-d5aa-464f-9615-0b527bc66719"),
            (PULL_REQUEST_ID, "42"),
            (ACCESS_TOKEN, TOKEN),
            (BUILD_ID, "1234"),
        ])
    }

    fn read(vars: &BTreeMap<&'static str, &'static str>) -> Result<PipelineEnv, AzureError> {
        PipelineEnv::from_env(|k| vars.get(k).map(|v| v.to_string()))
    }

    fn problems(vars: &BTreeMap<&'static str, &'static str>) -> Vec<EnvProblem> {
        match read(vars) {
            Err(AzureError::Environment(p)) => p,
            other => panic!("expected an environment error, got {other:?}"),
        }
    }

    #[test]
    fn reads_a_pull_request_build() {
        let env = read(&full()).unwrap();
        assert_eq!(
            env.collection_uri.as_str(),
            "https://dev.azure.com/fabrikam/"
        );
        assert_eq!(env.project, "ML Platform");
        assert_eq!(env.repository_id, "3411ebc1-d5aa-464f-9615-0b527bc66719");
        assert_eq!(env.pull_request_id, 42);
        assert_eq!(env.access_token.expose(), TOKEN);
        assert_eq!(
            env.build_url.as_deref(),
            Some("https://dev.azure.com/fabrikam/ML%20Platform/_build/results?buildId=1234")
        );
        assert!(!format!("{env:?}").contains(TOKEN));
        assert_eq!(env.organization().as_deref(), Some("fabrikam"));
    }

    #[test]
    fn organization_from_each_url_form() {
        for (uri, org) in [
            ("https://dev.azure.com/fabrikam/", "fabrikam"),
            ("https://fabrikam.visualstudio.com/", "fabrikam"),
            (
                "https://tfs.contoso.com/tfs/DefaultCollection/",
                "DefaultCollection",
            ),
        ] {
            let mut vars = full();
            vars.insert(COLLECTION_URI, uri);
            assert_eq!(
                read(&vars).unwrap().organization().as_deref(),
                Some(org),
                "{uri}"
            );
        }
    }

    #[test]
    fn a_password_in_the_collection_url_is_never_shown() {
        let get = |uri: &'static str| {
            move |k: &str| match k {
                COLLECTION_URI => Some(uri.to_string()),
                TEAM_PROJECT => Some("P".to_string()),
                REPOSITORY_ID => Some("r".to_string()),
                PULL_REQUEST_ID => Some("7".to_string()),
                ACCESS_TOKEN => Some("tok".to_string()),
                BUILD_ID => Some("9".to_string()),
                _ => None,
            }
        };
        let env =
            PipelineEnv::from_env(get("https://user:hunter2pw@dev.azure.com/fabrikam")).unwrap();
        assert_eq!(
            env.collection_uri.as_str(),
            "https://dev.azure.com/fabrikam/"
        );
        assert!(!env.build_url.as_deref().unwrap().contains("hunter2pw"));
        assert!(!format!("{env:?}").contains("hunter2pw"));
        let err = PipelineEnv::from_env(get("ftp://user:hunter2pw@dev.azure.com/x"))
            .unwrap_err()
            .to_string();
        assert!(
            !err.contains("hunter2pw") && err.contains("ftp://***@dev.azure.com/x"),
            "{err}"
        );
    }

    #[test]
    fn collection_uri_without_trailing_slash_and_no_build_id() {
        let mut vars = full();
        vars.insert(
            COLLECTION_URI,
            "https://tfs.contoso.com/tfs/DefaultCollection",
        );
        vars.remove(BUILD_ID);
        let env = read(&vars).unwrap();
        assert_eq!(
            env.collection_uri.as_str(),
            "https://tfs.contoso.com/tfs/DefaultCollection/"
        );
        assert_eq!(env.build_url, None);
    }

    #[test]
    fn each_missing_variable_is_named() {
        for name in [COLLECTION_URI, TEAM_PROJECT, REPOSITORY_ID] {
            let mut vars = full();
            vars.remove(name);
            assert_eq!(problems(&vars), vec![EnvProblem::Missing(name)], "{name}");
            let msg = read(&vars).unwrap_err().to_string();
            assert!(msg.contains(name), "{msg}");
        }
    }

    #[test]
    fn empty_values_count_as_missing() {
        let mut vars = full();
        vars.insert(TEAM_PROJECT, "  ");
        assert_eq!(problems(&vars), vec![EnvProblem::Missing(TEAM_PROJECT)]);
    }

    #[test]
    fn a_build_without_a_pull_request_says_so() {
        let mut vars = full();
        vars.remove(PULL_REQUEST_ID);
        assert_eq!(problems(&vars), vec![EnvProblem::NotPullRequest]);
        let msg = read(&vars).unwrap_err().to_string();
        assert!(msg.contains(PULL_REQUEST_ID), "{msg}");
        assert!(msg.contains("not a pull-request build"), "{msg}");
    }

    #[test]
    fn an_unmapped_token_says_how_to_map_it() {
        for value in [None, Some("$(System.AccessToken)")] {
            let mut vars = full();
            match value {
                None => vars.remove(ACCESS_TOKEN),
                Some(v) => vars.insert(ACCESS_TOKEN, v),
            };
            assert_eq!(problems(&vars), vec![EnvProblem::TokenNotMapped]);
            let msg = read(&vars).unwrap_err().to_string();
            assert!(msg.contains(ACCESS_TOKEN), "{msg}");
            assert!(
                msg.contains("env: SYSTEM_ACCESSTOKEN: $(System.AccessToken)"),
                "{msg}"
            );
        }
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let vars = BTreeMap::from([(COLLECTION_URI, "not a url")]);
        assert_eq!(
            problems(&vars),
            vec![
                EnvProblem::Missing(TEAM_PROJECT),
                EnvProblem::Missing(REPOSITORY_ID),
                EnvProblem::Invalid {
                    name: COLLECTION_URI,
                    value: "not a url".into(),
                    expected: "the organization URL, such as https://dev.azure.com/fabrikam/",
                },
                EnvProblem::NotPullRequest,
                EnvProblem::TokenNotMapped,
            ]
        );
    }

    #[test]
    fn a_bad_pull_request_id_is_invalid() {
        let mut vars = full();
        vars.insert(PULL_REQUEST_ID, "refs/pull/42/merge");
        assert!(matches!(
            problems(&vars).as_slice(),
            [EnvProblem::Invalid {
                name: PULL_REQUEST_ID,
                ..
            }]
        ));
    }

    #[test]
    fn the_token_never_appears_in_the_error() {
        let mut vars = full();
        vars.remove(TEAM_PROJECT);
        let err = read(&vars).unwrap_err();
        assert!(!err.to_string().contains(TOKEN));
        assert!(!format!("{err:?}").contains(TOKEN));
    }
}
