//! Loading the RSA private key of a key-pair connection and computing the public-key
//! fingerprint Snowflake records for it (`RSA_PUBLIC_KEY_FP`).

use std::fmt;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePublicKey};
use sha2::{Digest, Sha256};

use super::secret::Secret;

/// Why a key could not be used. No variant carries key material.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("cannot read the private key file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "the private key{origin} is encrypted: set PRIVATE_KEY_PASSPHRASE or the connection's \
         private_key_passphrase (private_key_file_pwd)"
    )]
    PassphraseMissing { origin: String },
    #[error(
        "cannot decrypt the private key{origin}: wrong passphrase, or an unsupported cipher \
         (re-encrypt it with `openssl pkcs8 -topk8 -v2 aes-256-cbc`)"
    )]
    Decrypt { origin: String },
    #[error(
        "the private key{origin} uses legacy PEM encryption (Proc-Type: 4,ENCRYPTED), which is not \
         supported: convert it with `openssl pkcs8 -topk8 -v2 aes-256-cbc -in KEY -out key.p8`"
    )]
    LegacyEncryption { origin: String },
    #[error(
        "the private key{origin} is not an RSA key in PEM form (expected BEGIN PRIVATE KEY, BEGIN \
         ENCRYPTED PRIVATE KEY or BEGIN RSA PRIVATE KEY): {reason}"
    )]
    Parse { origin: String, reason: String },
    #[error("the private key{origin} has {bits} bits; Snowflake requires at least 2048")]
    TooSmall { origin: String, bits: usize },
    #[error("the public key{origin} cannot be read: {reason}")]
    PublicKey { origin: String, reason: String },
}

/// A loaded RSA private key and its public-key fingerprint. `Debug` shows only the
/// fingerprint.
pub struct PrivateKey {
    key: rsa::PrivateKey,
    fingerprint: String,
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("PrivateKey")
            .field("fingerprint", &self.fingerprint)
            .finish_non_exhaustive()
    }
}

impl PrivateKey {
    /// Read and parse a PEM key file.
    pub fn from_file(path: &Path, passphrase: Option<&Secret>) -> Result<PrivateKey, KeyError> {
        let pem = std::fs::read_to_string(path).map_err(|source| KeyError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        PrivateKey::from_pem_with_origin(&pem, passphrase, &format!(" in {}", path.display()))
    }

    /// Parse a PEM key: PKCS#8 (plain or encrypted) or PKCS#1.
    pub(crate) fn from_pem(pem: &str, passphrase: Option<&Secret>) -> Result<PrivateKey, KeyError> {
        PrivateKey::from_pem_with_origin(pem, passphrase, "")
    }

    fn from_pem_with_origin(
        pem: &str,
        passphrase: Option<&Secret>,
        origin: &str,
    ) -> Result<PrivateKey, KeyError> {
        let origin = origin.to_string();
        let pem = pem.trim();
        let parse_err = |reason: String| KeyError::Parse {
            origin: origin.clone(),
            reason,
        };
        let key = if pem.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----") {
            let pass = passphrase.filter(|p| !p.is_empty());
            let pass = pass.ok_or_else(|| KeyError::PassphraseMissing {
                origin: origin.clone(),
            })?;
            rsa::PrivateKey::from_pkcs8_encrypted_pem(pem, pass.expose().as_bytes()).map_err(
                |_| KeyError::Decrypt {
                    origin: origin.clone(),
                },
            )?
        } else if pem.contains("-----BEGIN PRIVATE KEY-----") {
            rsa::PrivateKey::from_pkcs8_pem(pem).map_err(|e| parse_err(e.to_string()))?
        } else if pem.contains("-----BEGIN RSA PRIVATE KEY-----") {
            if pem.contains("Proc-Type: 4,ENCRYPTED") {
                return Err(KeyError::LegacyEncryption { origin });
            }
            rsa::PrivateKey::from_pkcs1_pem(pem).map_err(|e| parse_err(e.to_string()))?
        } else {
            return Err(parse_err("no supported PEM header found".to_string()));
        };
        let bits = rsa::traits::PublicKeyParts::size(&key) * 8;
        if bits < 2048 {
            return Err(KeyError::TooSmall { origin, bits });
        }
        let fingerprint = fingerprint_of(&key.to_public_key()).map_err(parse_err)?;
        Ok(PrivateKey { key, fingerprint })
    }

    /// `SHA256:` + base64 of the SHA-256 of the public key's SubjectPublicKeyInfo DER.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    pub(crate) fn rsa(&self) -> &rsa::PrivateKey {
        &self.key
    }
}

/// The fingerprint of an RSA public key, as Snowflake computes it.
pub(crate) fn fingerprint_of(key: &rsa::PublicKey) -> Result<String, String> {
    let der = key.to_public_key_der().map_err(|e| e.to_string())?;
    let digest = Sha256::digest(der.as_bytes());
    Ok(format!(
        "SHA256:{}",
        base64::engine::general_purpose::STANDARD.encode(digest)
    ))
}

/// Parse a PEM public key (SubjectPublicKeyInfo `BEGIN PUBLIC KEY`, or PKCS#1 `BEGIN RSA
/// PUBLIC KEY`), or the bare base64 body Snowflake's `RSA_PUBLIC_KEY` property holds.
pub(crate) fn parse_public_key(text: &str) -> Result<rsa::PublicKey, KeyError> {
    use rsa::pkcs1::DecodeRsaPublicKey;
    let text = text.trim();
    let err = |reason: String| KeyError::PublicKey {
        origin: String::new(),
        reason,
    };
    if text.contains("-----BEGIN RSA PUBLIC KEY-----") {
        rsa::PublicKey::from_pkcs1_pem(text).map_err(|e| err(e.to_string()))
    } else if text.contains("-----BEGIN PUBLIC KEY-----") {
        rsa::PublicKey::from_public_key_pem(text).map_err(|e| err(e.to_string()))
    } else {
        let body: String = text.split_whitespace().collect();
        let der = base64::engine::general_purpose::STANDARD
            .decode(body)
            .map_err(|e| err(e.to_string()))?;
        rsa::PublicKey::from_public_key_der(&der).map_err(|e| err(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> String {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/keys")
            .join(name);
        std::fs::read_to_string(path).unwrap()
    }

    /// Computed with `openssl pkey -pubout -outform DER | openssl dgst -sha256 -binary | base64`
    /// (tests/fixtures/keys/README.md).
    const TEST_KEY_FP: &str = "SHA256:bv5HhgY74Y1yo5J/q+0v26Cfs1Ha0f16iH5iWeEtqFw=";
    const OTHER_KEY_FP: &str = "SHA256:LX5j8PFhsPPMTxqqyTYfMlk/SgeFw1vdDGUn9iSsF5Y=";
    const PASSPHRASE: &str = "snowform-test-passphrase";

    #[test]
    fn fingerprints_match_openssl() {
        assert_eq!(
            PrivateKey::from_pem(&fixture("test_key.p8"), None)
                .unwrap()
                .fingerprint(),
            TEST_KEY_FP
        );
        assert_eq!(
            PrivateKey::from_pem(&fixture("other_key.p8"), None)
                .unwrap()
                .fingerprint(),
            OTHER_KEY_FP
        );
        let public = parse_public_key(&fixture("test_key.pub")).unwrap();
        assert_eq!(fingerprint_of(&public).unwrap(), TEST_KEY_FP);
    }

    #[test]
    fn all_formats_of_one_key_agree() {
        let pass = Secret::new(PASSPHRASE);
        let enc = PrivateKey::from_pem(&fixture("test_key_encrypted.p8"), Some(&pass)).unwrap();
        let pkcs1 = PrivateKey::from_pem(&fixture("test_key_pkcs1.pem"), None).unwrap();
        assert_eq!(enc.fingerprint(), TEST_KEY_FP);
        assert_eq!(pkcs1.fingerprint(), TEST_KEY_FP);
    }

    #[test]
    fn encrypted_key_errors() {
        let pem = fixture("test_key_encrypted.p8");
        assert!(matches!(
            PrivateKey::from_pem(&pem, None),
            Err(KeyError::PassphraseMissing { .. })
        ));
        let wrong = Secret::new("not-the-passphrase");
        let err = PrivateKey::from_pem(&pem, Some(&wrong)).unwrap_err();
        assert!(matches!(err, KeyError::Decrypt { .. }));
        assert!(!err.to_string().contains("not-the-passphrase"));
    }

    #[test]
    fn garbage_is_rejected_without_echoing_it() {
        let err = PrivateKey::from_pem(
            "-----BEGIN PRIVATE KEY-----\nc2VjcmV0\n-----END PRIVATE KEY-----",
            None,
        )
        .unwrap_err();
        assert!(matches!(err, KeyError::Parse { .. }));
        assert!(!err.to_string().contains("c2VjcmV0"));
        assert!(matches!(
            PrivateKey::from_pem("hello", None),
            Err(KeyError::Parse { .. })
        ));
    }

    #[test]
    fn debug_shows_only_the_fingerprint() {
        let key = PrivateKey::from_pem(&fixture("test_key.p8"), None).unwrap();
        let dbg = format!("{key:?}");
        assert!(dbg.contains(TEST_KEY_FP));
        assert!(dbg.len() < 120, "{dbg}");
    }
}
