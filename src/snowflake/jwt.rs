//! Minting and caching the key-pair JWT that authenticates SQL API requests.

use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use rsa::pkcs1v15::SigningKey;
use rsa::signature::{SignatureEncoding, Signer};
use sha2::Sha256;

use super::account::{jwt_account, jwt_user};
use super::keys::PrivateKey;
use super::secret::Secret;

/// Snowflake accepts a key-pair JWT for at most one hour after `iat`.
pub(crate) const DEFAULT_LIFETIME: Duration = Duration::from_secs(59 * 60);
/// A cached token is replaced this long before it expires.
pub(crate) const DEFAULT_RENEW_BEFORE: Duration = Duration::from_secs(5 * 60);

/// Issues RS256 JWTs for one account, user and key, and caches the current one.
pub struct JwtIssuer {
    signing: SigningKey<Sha256>,
    fingerprint: String,
    qualified_user: String,
    lifetime: Duration,
    renew_before: Duration,
    cache: Mutex<Option<Cached>>,
}

struct Cached {
    token: Secret,
    expires: SystemTime,
}

impl fmt::Debug for JwtIssuer {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("JwtIssuer")
            .field("sub", &self.qualified_user)
            .field("fingerprint", &self.fingerprint)
            .finish_non_exhaustive()
    }
}

impl JwtIssuer {
    pub fn new(account: &str, user: &str, key: &PrivateKey) -> JwtIssuer {
        JwtIssuer {
            signing: SigningKey::<Sha256>::new(key.rsa().clone()),
            fingerprint: key.fingerprint().to_string(),
            qualified_user: format!("{}.{}", jwt_account(account), jwt_user(user)),
            lifetime: DEFAULT_LIFETIME,
            renew_before: DEFAULT_RENEW_BEFORE,
            cache: Mutex::new(None),
        }
    }

    /// Change how long minted tokens live (capped at one hour, which is Snowflake's limit).
    #[cfg(test)]
    pub(crate) fn with_lifetime(mut self, lifetime: Duration, renew_before: Duration) -> JwtIssuer {
        self.lifetime = lifetime.min(Duration::from_secs(3600));
        self.renew_before = renew_before.min(self.lifetime);
        self
    }

    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// `ACCOUNT.USER`, the `sub` claim.
    pub fn subject(&self) -> &str {
        &self.qualified_user
    }

    /// `ACCOUNT.USER.SHA256:<fp>`, the `iss` claim.
    pub fn issuer(&self) -> String {
        format!("{}.{}", self.qualified_user, self.fingerprint)
    }

    /// The cached token, or a fresh one when there is none or it expires within the
    /// renewal margin.
    pub fn token(&self) -> Secret {
        let now = SystemTime::now();
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(c) = cache.as_ref() {
            if c.expires > now + self.renew_before {
                return c.token.clone();
            }
        }
        let (token, expires) = self.mint(now);
        *cache = Some(Cached {
            token: token.clone(),
            expires,
        });
        token
    }

    /// Drop the cached token so that the next [`JwtIssuer::token`] mints a new one.
    pub(crate) fn invalidate(&self) {
        *self.cache.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }

    /// Put `token` in the cache as if minted earlier, valid (as far as the client knows)
    /// until `expires`. Lets tests present a token the server will reject.
    #[doc(hidden)]
    pub fn seed_cache(&self, token: Secret, expires: SystemTime) {
        *self.cache.lock().unwrap_or_else(|e| e.into_inner()) = Some(Cached { token, expires });
    }

    /// Sign a token issued at `now`.
    pub(crate) fn mint(&self, now: SystemTime) -> (Secret, SystemTime) {
        let iat = now.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
        let exp = iat + self.lifetime.as_secs();
        let claims = serde_json::json!({ "iss": self.issuer(), "sub": self.qualified_user, "iat": iat, "exp": exp });
        (
            self.sign_claims(&claims),
            UNIX_EPOCH + Duration::from_secs(exp),
        )
    }

    /// Sign arbitrary claims with this key (tests use it to forge bad tokens).
    pub fn sign_claims(&self, claims: &serde_json::Value) -> Secret {
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let header = b64.encode(br#"{"alg":"RS256","typ":"JWT"}"#);
        let payload = b64.encode(claims.to_string());
        let signing_input = format!("{header}.{payload}");
        let signature = self.signing.sign(signing_input.as_bytes());
        Secret::new(format!(
            "{signing_input}.{}",
            b64.encode(signature.to_vec())
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn issuer() -> JwtIssuer {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/keys/test_key.p8");
        let key = PrivateKey::from_file(&path, None).unwrap();
        JwtIssuer::new("myorg-myaccount.us-east-1", "jdoe", &key)
    }

    fn claims(token: &str) -> serde_json::Value {
        let payload = token.split('.').nth(1).unwrap();
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap();
        serde_json::from_slice(&bytes).unwrap()
    }

    #[test]
    fn claims_follow_the_documented_shape() {
        let iss = issuer();
        let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let (token, expires) = iss.mint(now);
        let c = claims(token.expose());
        assert_eq!(
            c["iss"],
            "MYORG-MYACCOUNT.JDOE.SHA256:bv5HhgY74Y1yo5J/q+0v26Cfs1Ha0f16iH5iWeEtqFw="
        );
        assert_eq!(c["sub"], "MYORG-MYACCOUNT.JDOE");
        assert_eq!(c["iat"], 1_700_000_000u64);
        assert_eq!(c["exp"], 1_700_000_000u64 + 59 * 60);
        assert_eq!(expires, now + DEFAULT_LIFETIME);
        let header = token.expose().split('.').next().unwrap();
        assert_eq!(
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(header)
                .unwrap(),
            br#"{"alg":"RS256","typ":"JWT"}"#
        );
    }

    #[test]
    fn token_is_cached_until_invalidated_or_near_expiry() {
        let iss = issuer();
        let a = iss.token();
        std::thread::sleep(Duration::from_millis(1100));
        assert_eq!(iss.token(), a, "cached");
        iss.invalidate();
        assert_ne!(iss.token(), a, "new iat after invalidate");
        // A lifetime inside the renewal margin is never reused.
        let short = issuer().with_lifetime(Duration::from_secs(60), Duration::from_secs(60));
        let t1 = short.token();
        std::thread::sleep(Duration::from_millis(1100));
        assert_ne!(short.token(), t1);
    }
}
