//! How requests authenticate: a key-pair JWT, a programmatic access token, or an OAuth
//! access token, chosen from a connection's `authenticator` and key/token fields.

use std::path::PathBuf;
use std::sync::Arc;

use super::connection::ConnectionConfig;
use super::jwt::JwtIssuer;
use super::keys::{KeyError, PrivateKey};
use super::secret::Secret;

/// The credentials a [`super::Client`] sends. `Debug` never shows a secret.
#[derive(Clone, Debug)]
pub enum Auth {
    /// RS256 JWT minted from the connection's private key; renewed on expiry or a 401.
    KeyPair(Arc<JwtIssuer>),
    /// A programmatic access token.
    Pat(Secret),
    /// An OAuth access token obtained elsewhere.
    OAuth(Secret),
}

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("connection `{connection}`: `{key}` is not set; {hint}")]
    Missing {
        connection: String,
        key: &'static str,
        hint: &'static str,
    },
    #[error(
        "connection `{connection}`: authenticator `{authenticator}` is not supported by the SQL API; \
         use SNOWFLAKE_JWT (key pair), PROGRAMMATIC_ACCESS_TOKEN or OAUTH"
    )]
    Unsupported {
        connection: String,
        authenticator: String,
    },
    #[error("connection `{connection}`: {source}")]
    Key {
        connection: String,
        source: KeyError,
    },
    #[error("connection `{connection}`: cannot read token_file_path {path}: {source}")]
    TokenFile {
        connection: String,
        path: PathBuf,
        source: std::io::Error,
    },
}

impl Auth {
    /// Build the credentials a connection describes (reading its key or token file).
    pub(crate) fn from_config(cfg: &ConnectionConfig) -> Result<Auth, AuthError> {
        let connection = cfg.name.clone();
        let authenticator = cfg
            .authenticator
            .as_deref()
            .map(|a| a.trim().to_ascii_uppercase());
        let has_key = cfg.private_key_file.is_some() || cfg.private_key_raw.is_some();
        let has_token = cfg.token.is_some() || cfg.token_file_path.is_some();
        match authenticator.as_deref() {
            Some("SNOWFLAKE_JWT") => Auth::key_pair(cfg),
            Some("PROGRAMMATIC_ACCESS_TOKEN") => Ok(Auth::Pat(read_token(cfg)?)),
            Some("OAUTH") => Ok(Auth::OAuth(read_token(cfg)?)),
            None | Some("") if has_key => Auth::key_pair(cfg),
            None | Some("") if has_token => Ok(Auth::Pat(read_token(cfg)?)),
            None | Some("") | Some("SNOWFLAKE") => Err(AuthError::Missing {
                connection,
                key: "authenticator",
                hint: "the SQL API does not accept passwords: set authenticator = \"SNOWFLAKE_JWT\" with \
                       private_key_file, or a PROGRAMMATIC_ACCESS_TOKEN with token / token_file_path",
            }),
            Some(other) => Err(AuthError::Unsupported { connection, authenticator: other.to_string() }),
        }
    }

    fn key_pair(cfg: &ConnectionConfig) -> Result<Auth, AuthError> {
        let connection = cfg.name.clone();
        let account = cfg.account.as_deref().ok_or_else(|| AuthError::Missing {
            connection: connection.clone(),
            key: "account",
            hint: "set it to your account identifier, e.g. myorg-myaccount",
        })?;
        let user = cfg.user.as_deref().ok_or_else(|| AuthError::Missing {
            connection: connection.clone(),
            key: "user",
            hint: "set it to the login name of the user that holds the public key",
        })?;
        let passphrase = cfg.private_key_passphrase.clone();
        let key = match (&cfg.private_key_file, &cfg.private_key_raw) {
            (Some(path), _) => PrivateKey::from_file(path, passphrase.as_ref()),
            (None, Some(raw)) => PrivateKey::from_pem(raw.expose(), passphrase.as_ref()),
            (None, None) => {
                return Err(AuthError::Missing {
                    connection,
                    key: "private_key_file",
                    hint: "key-pair authentication needs private_key_file (or private_key_raw)",
                })
            }
        }
        .map_err(|source| AuthError::Key { connection, source })?;
        Ok(Auth::KeyPair(Arc::new(JwtIssuer::new(account, user, &key))))
    }

    /// A key-pair [`Auth`] from an already loaded key.
    pub fn key_pair_from(account: &str, user: &str, key: &PrivateKey) -> Auth {
        Auth::KeyPair(Arc::new(JwtIssuer::new(account, user, key)))
    }

    /// The `X-Snowflake-Authorization-Token-Type` header value.
    pub fn token_type(&self) -> &'static str {
        match self {
            Auth::KeyPair(_) => "KEYPAIR_JWT",
            Auth::Pat(_) => "PROGRAMMATIC_ACCESS_TOKEN",
            Auth::OAuth(_) => "OAUTH",
        }
    }

    /// The bearer token for the next request.
    pub(crate) fn bearer(&self) -> Secret {
        match self {
            Auth::KeyPair(issuer) => issuer.token(),
            Auth::Pat(t) | Auth::OAuth(t) => t.clone(),
        }
    }

    /// Forget a cached token after a 401. Returns false when there is nothing to renew
    /// (static tokens), so the caller does not retry.
    pub(crate) fn renew(&self) -> bool {
        match self {
            Auth::KeyPair(issuer) => {
                issuer.invalidate();
                true
            }
            Auth::Pat(_) | Auth::OAuth(_) => false,
        }
    }

    /// The public-key fingerprint, for key-pair auth.
    pub fn fingerprint(&self) -> Option<&str> {
        match self {
            Auth::KeyPair(issuer) => Some(issuer.fingerprint()),
            _ => None,
        }
    }
}

fn read_token(cfg: &ConnectionConfig) -> Result<Secret, AuthError> {
    if let Some(t) = &cfg.token {
        return Ok(t.clone());
    }
    if let Some(path) = &cfg.token_file_path {
        let text = std::fs::read_to_string(path).map_err(|source| AuthError::TokenFile {
            connection: cfg.name.clone(),
            path: path.clone(),
            source,
        })?;
        return Ok(Secret::new(text.trim()));
    }
    Err(AuthError::Missing {
        connection: cfg.name.clone(),
        key: "token",
        hint: "set token, or token_file_path to a file holding the token",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key_path(name: &str) -> PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/keys")
            .join(name)
    }

    fn cfg() -> ConnectionConfig {
        ConnectionConfig {
            name: "c".into(),
            account: Some("acct".into()),
            user: Some("u".into()),
            ..Default::default()
        }
    }

    #[test]
    fn authenticator_selects_the_credentials() {
        let mut c = cfg();
        c.authenticator = Some("snowflake_jwt".into());
        c.private_key_file = Some(key_path("test_key_encrypted.p8"));
        c.private_key_passphrase = Some(Secret::new("snowform-test-passphrase"));
        let a = Auth::from_config(&c).unwrap();
        assert_eq!(a.token_type(), "KEYPAIR_JWT");
        assert_eq!(
            a.fingerprint(),
            Some("SHA256:bv5HhgY74Y1yo5J/q+0v26Cfs1Ha0f16iH5iWeEtqFw=")
        );
        assert!(a.renew());

        let mut c = cfg();
        c.authenticator = Some("PROGRAMMATIC_ACCESS_TOKEN".into());
        c.token = Some(Secret::new("pat"));
        let a = Auth::from_config(&c).unwrap();
        assert_eq!(
            (a.token_type(), a.bearer().expose(), a.renew()),
            ("PROGRAMMATIC_ACCESS_TOKEN", "pat", false)
        );

        let dir = tempfile::tempdir().unwrap();
        let token_file = dir.path().join("token");
        std::fs::write(&token_file, "from-file\n").unwrap();
        let mut c = cfg();
        c.authenticator = Some("oauth".into());
        c.token_file_path = Some(token_file);
        let a = Auth::from_config(&c).unwrap();
        assert_eq!(
            (a.token_type(), a.bearer().expose()),
            ("OAUTH", "from-file")
        );

        // Inferred from the fields when no authenticator is given.
        let mut c = cfg();
        c.private_key_raw = Some(Secret::new(
            std::fs::read_to_string(key_path("test_key_pkcs1.pem")).unwrap(),
        ));
        assert_eq!(Auth::from_config(&c).unwrap().token_type(), "KEYPAIR_JWT");
    }

    #[test]
    fn unusable_configurations_say_what_to_set() {
        let mut c = cfg();
        c.password = Some(Secret::new("pw"));
        let e = Auth::from_config(&c).unwrap_err().to_string();
        assert!(e.contains("SNOWFLAKE_JWT") && !e.contains("pw\""), "{e}");
        c.authenticator = Some("externalbrowser".into());
        assert!(matches!(
            Auth::from_config(&c),
            Err(AuthError::Unsupported { .. })
        ));
        c.authenticator = Some("SNOWFLAKE_JWT".into());
        assert!(Auth::from_config(&c)
            .unwrap_err()
            .to_string()
            .contains("private_key_file"));
        c.private_key_file = Some(key_path("test_key_encrypted.p8"));
        assert!(Auth::from_config(&c)
            .unwrap_err()
            .to_string()
            .contains("PRIVATE_KEY_PASSPHRASE"));
        c.private_key_file = Some(key_path("missing.p8"));
        assert!(Auth::from_config(&c)
            .unwrap_err()
            .to_string()
            .contains("missing.p8"));
        c.authenticator = Some("PROGRAMMATIC_ACCESS_TOKEN".into());
        assert!(Auth::from_config(&c)
            .unwrap_err()
            .to_string()
            .contains("token_file_path"));
    }
}
