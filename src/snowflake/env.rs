//! The process environment as a value, so that connection lookup can be tested without
//! touching the real environment or home directory.

use std::collections::BTreeMap;
use std::path::PathBuf;

/// Environment variables and the home directory. [`Env::from_process`] reads the real
/// ones; tests build one by hand.
#[derive(Clone, Debug, Default)]
pub struct Env {
    vars: BTreeMap<String, String>,
    home: Option<PathBuf>,
}

impl Env {
    /// An empty environment with no home directory.
    pub fn new() -> Env {
        Env::default()
    }

    /// The environment of this process. Variables that are not valid UTF-8 are skipped.
    pub(crate) fn from_process() -> Env {
        let vars = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .collect();
        let home = std::env::var_os("HOME")
            .or_else(|| std::env::var_os("USERPROFILE"))
            .map(PathBuf::from)
            .filter(|p| !p.as_os_str().is_empty());
        Env { vars, home }
    }

    pub fn with_var(mut self, key: &str, value: &str) -> Env {
        self.vars.insert(key.to_string(), value.to_string());
        self
    }

    pub fn with_home(mut self, home: impl Into<PathBuf>) -> Env {
        self.home = Some(home.into());
        self
    }

    pub fn set_var(&mut self, key: &str, value: &str) {
        self.vars.insert(key.to_string(), value.to_string());
    }

    pub fn var(&self, key: &str) -> Option<&str> {
        self.vars.get(key).map(String::as_str)
    }

    /// A variable that is set and not empty.
    pub(crate) fn non_empty(&self, key: &str) -> Option<&str> {
        self.var(key).filter(|v| !v.is_empty())
    }

    /// True for `1`, `true`, `yes`, `on` (any case).
    pub fn flag(&self, key: &str) -> bool {
        matches!(
            self.var(key)
                .map(|v| v.trim().to_ascii_lowercase())
                .as_deref(),
            Some("1" | "true" | "yes" | "on")
        )
    }

    pub fn home(&self) -> Option<&PathBuf> {
        self.home.as_ref()
    }

    /// Variables whose name starts with `prefix`, in name order.
    pub(crate) fn with_prefix<'a>(
        &'a self,
        prefix: &'a str,
    ) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        self.vars
            .range(prefix.to_string()..)
            .take_while(move |(k, _)| k.starts_with(prefix))
            .map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// Expand a leading `~` with the home directory.
    pub(crate) fn expand_tilde(&self, path: &str) -> PathBuf {
        match (path.strip_prefix('~'), &self.home) {
            (Some(rest), Some(home))
                if rest.is_empty() || rest.starts_with('/') || rest.starts_with('\\') =>
            {
                home.join(rest.trim_start_matches(['/', '\\']))
            }
            _ => PathBuf::from(path),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_iteration_and_tilde() {
        let env = Env::new()
            .with_var("SNOWFLAKE_A", "1")
            .with_var("SNOWFLAKE_B", "2")
            .with_var("SNOWFLAKEX", "3")
            .with_var("OTHER", "4")
            .with_home("/home/u");
        let got: Vec<_> = env.with_prefix("SNOWFLAKE_").collect();
        assert_eq!(got, vec![("SNOWFLAKE_A", "1"), ("SNOWFLAKE_B", "2")]);
        assert_eq!(
            env.expand_tilde("~/.snowflake"),
            PathBuf::from("/home/u/.snowflake")
        );
        assert_eq!(env.expand_tilde("~other/x"), PathBuf::from("~other/x"));
        assert_eq!(env.expand_tilde("/abs"), PathBuf::from("/abs"));
    }
}
