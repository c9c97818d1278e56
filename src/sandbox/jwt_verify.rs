//! Checks the bearer token of a sandbox request the way Snowflake does: an RS256
//! key-pair JWT against the public keys registered per user, or a configured access token.

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use rsa::pkcs1v15::{Signature, VerifyingKey};
use rsa::signature::Verifier as _;
use sha2::Sha256;

use super::wire::codes;
use crate::snowflake::keys::{fingerprint_of, parse_public_key, KeyError};
use crate::snowflake::Secret;

/// Snowflake honours a key-pair JWT for at most this long after `iat`, whatever `exp` says.
const MAX_JWT_AGE_SECS: u64 = 3600;
/// Tolerated clock difference for `iat` in the future.
const CLOCK_SKEW_SECS: u64 = 60;

/// A rejected request: the 401 body's code and message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Rejection {
    pub code: &'static str,
    pub message: String,
    /// Why, for the sandbox's log only (Snowflake's message does not say).
    pub reason: String,
}

/// The account part of the claims the server expects, by Snowflake's key-pair
/// authentication guide: the account identifier upper-cased, without the region and cloud
/// segments an account locator may carry. The sandbox keeps its own copy of this rule so
/// that a mistake in the client's is caught, not mirrored.
fn claim_account(account: &str) -> String {
    let a = account.trim();
    a.split('.').next().unwrap_or(a).to_ascii_uppercase()
}

/// The user part of the claims: the login name upper-cased.
fn claim_user(user: &str) -> String {
    user.trim().to_ascii_uppercase()
}

/// The users and tokens the sandbox accepts.
#[derive(Default)]
pub(crate) struct Verifier {
    account: String,
    keys: BTreeMap<String, Vec<(String, VerifyingKey<Sha256>)>>,
    tokens: Vec<(Secret, String)>,
}

impl Verifier {
    pub fn new(account: &str) -> Verifier {
        Verifier {
            account: claim_account(account),
            ..Verifier::default()
        }
    }

    /// Register a public key (PEM or the bare base64 of `RSA_PUBLIC_KEY`) for `user`.
    /// Returns its fingerprint.
    pub(crate) fn add_public_key(
        &mut self,
        user: &str,
        public_key: &str,
    ) -> Result<String, KeyError> {
        let key = parse_public_key(public_key)?;
        let fp = fingerprint_of(&key).map_err(|reason| KeyError::PublicKey {
            origin: String::new(),
            reason,
        })?;
        self.keys
            .entry(claim_user(user))
            .or_default()
            .push((fp.clone(), VerifyingKey::<Sha256>::new(key)));
        Ok(fp)
    }

    /// Accept `token` (a PAT or OAuth token) as `user`.
    pub(crate) fn add_token(&mut self, user: &str, token: Secret) {
        self.tokens.push((token, claim_user(user)));
    }

    /// The user a request authenticates as.
    pub(crate) fn verify(
        &self,
        authorization: Option<&str>,
        token_type: Option<&str>,
        now: SystemTime,
    ) -> Result<String, Rejection> {
        let token = authorization
            .and_then(|h| {
                h.strip_prefix("Bearer ")
                    .or_else(|| h.strip_prefix("bearer "))
            })
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| jwt_rejection("missing or malformed Authorization header"))?;
        let as_jwt = match token_type.map(|t| t.trim().to_ascii_uppercase()) {
            Some(t) if t == "KEYPAIR_JWT" => true,
            Some(_) => false,
            None => token.split('.').count() == 3,
        };
        if as_jwt {
            self.verify_jwt(token, now)
        } else {
            self.tokens
                .iter()
                .find(|(t, _)| t.expose() == token)
                .map(|(_, user)| user.clone())
                .ok_or_else(|| Rejection {
                    code: codes::OAUTH_INVALID,
                    message: "Invalid OAuth access token. ".to_string() + &trace_id(),
                    reason: "unknown access token".to_string(),
                })
        }
    }

    fn verify_jwt(&self, token: &str, now: SystemTime) -> Result<String, Rejection> {
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let mut parts = token.split('.');
        let (Some(h), Some(p), Some(s), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(jwt_rejection("not three dot-separated parts"));
        };
        let json = |part: &str| -> Option<serde_json::Value> {
            serde_json::from_slice(&b64.decode(part).ok()?).ok()
        };
        let header = json(h).ok_or_else(|| jwt_rejection("header is not base64url JSON"))?;
        if header["alg"] != "RS256" {
            return Err(jwt_rejection("alg is not RS256"));
        }
        let claims = json(p).ok_or_else(|| jwt_rejection("payload is not base64url JSON"))?;
        let (Some(iss), Some(sub)) = (claims["iss"].as_str(), claims["sub"].as_str()) else {
            return Err(jwt_rejection("iss or sub missing"));
        };
        let (Some(iat), Some(exp)) = (number(&claims["iat"]), number(&claims["exp"])) else {
            return Err(jwt_rejection("iat or exp missing"));
        };
        let (subject, fp) = iss
            .split_once(".SHA256:")
            .ok_or_else(|| jwt_rejection("iss has no .SHA256: part"))?;
        let fp = format!("SHA256:{fp}");
        if subject != sub {
            return Err(jwt_rejection("iss does not start with sub"));
        }
        let (account, user) = sub
            .split_once('.')
            .ok_or_else(|| jwt_rejection("sub is not ACCOUNT.USER"))?;
        if account != self.account {
            return Err(jwt_rejection(&format!(
                "account {account} is not {}",
                self.account
            )));
        }
        let keys = self
            .keys
            .get(user)
            .ok_or_else(|| jwt_rejection(&format!("user {user} has no public key")))?;
        let (_, key) = keys.iter().find(|(f, _)| *f == fp).ok_or_else(|| {
            jwt_rejection(&format!("no public key of {user} has fingerprint {fp}"))
        })?;
        let sig = b64
            .decode(s)
            .ok()
            .and_then(|b| Signature::try_from(b.as_slice()).ok());
        let sig = sig.ok_or_else(|| jwt_rejection("signature is not base64url"))?;
        key.verify(format!("{h}.{p}").as_bytes(), &sig)
            .map_err(|_| jwt_rejection("bad signature"))?;
        let now = now.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
        if exp <= now {
            return Err(jwt_rejection("expired (exp is past)"));
        }
        if iat > now + CLOCK_SKEW_SECS {
            return Err(jwt_rejection("iat is in the future"));
        }
        if now > iat + MAX_JWT_AGE_SECS {
            return Err(jwt_rejection("issued more than an hour ago"));
        }
        Ok(user.to_string())
    }
}

/// `iat`/`exp` are seconds; the docs also allow milliseconds.
fn number(value: &serde_json::Value) -> Option<u64> {
    let n = value
        .as_u64()
        .or_else(|| value.as_f64().map(|f| f as u64))?;
    Some(if n > 100_000_000_000 { n / 1000 } else { n })
}

fn jwt_rejection(reason: &str) -> Rejection {
    Rejection {
        code: codes::JWT_INVALID,
        message: format!("JWT token is invalid. {}", trace_id()),
        reason: reason.to_string(),
    }
}

/// Snowflake ends auth errors with a bracketed id for its support staff.
fn trace_id() -> String {
    format!("[{}]", uuid::Uuid::new_v4())
}
