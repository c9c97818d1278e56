//! How users are read: SHOW USERS and the row decoder, in the canonical forms of
//! `model::canon`, so that what Snowflake prints and what the configuration says compare equal.

use crate::kinds::read::{id, live_object, set_opt, Details, Family, Fetch, KindRead};
use crate::kinds::rows::ShowRows;
use crate::kinds::user::TYPES;
use crate::model::attr;
use crate::model::canon::canonical_enum;
use crate::model::{Kind, Object, ObjectName};

/// SHOW USERS, once for the account.
pub(crate) const USERS: Family = Family {
    name: "users",
    show: "SHOW USERS",
    pages: true,
    recording: "show_users",
};

/// DESCRIBE USER, per declared user: the fingerprints of its public keys (RSA_PUBLIC_KEY_FP,
/// RSA_PUBLIC_KEY_2_FP). It takes OWNERSHIP of the user; a role without it gets "does not
/// exist or not authorized", and the keys are compared with the state.
pub(crate) const USER_DETAILS: Family = Family {
    name: "user details",
    show: "DESCRIBE USER",
    pages: false,
    recording: "desc_user",
};

#[linkme::distributed_slice(crate::kinds::read::READERS)]
static READ: KindRead = KindRead {
    kind: Kind::User,
    families: &[USERS],
    // Users are account-wide: only those the configuration or the state names are kept, so
    // the account's people and its connecting user never enter a plan.
    decode: |fetch| {
        let named = fetch.named(Kind::User);
        let mut found: Vec<Object> = users(fetch.rows(USERS))
            .into_iter()
            .filter(|u| named.contains(&u.name))
            .collect();
        for user in &mut found {
            if let Some(rows) = fetch.details(USER_DETAILS, &user.name) {
                read_keys(user, rows, fetch);
            }
        }
        found
    },
    details: Some(Details {
        family: USER_DETAILS,
        names: |rows| users(rows).into_iter().map(|u| u.name).collect(),
    }),
};

/// The public keys as DESCRIBE USER shows them: by fingerprint only. A key whose fingerprint
/// is that of the key the configuration or the state holds is that key; a key with another
/// fingerprint stands as a text that names it and matches no key, so the plan sets the
/// configured key again and drift reports it; no fingerprint is no key (an empty value,
/// which matches an unset key).
fn read_keys(user: &mut Object, rows: &ShowRows, fetch: &Fetch) {
    for (key, fingerprint_property) in [
        (attr::RSA_PUBLIC_KEY, "RSA_PUBLIC_KEY_FP"),
        (attr::RSA_PUBLIC_KEY_2, "RSA_PUBLIC_KEY_2_FP"),
    ] {
        let shown = rows
            .iter()
            .find(|r| rows.raw(r, "property") == Some(fingerprint_property))
            .and_then(|r| rows.get(r, "value"));
        let Some(shown) = shown else {
            user.set(key, "");
            continue;
        };
        let known = fetch
            .wanted
            .iter()
            .filter(|o| o.kind() == Kind::User && o.name == user.name)
            .filter_map(|o| o.get_str(key))
            .find(|k| fingerprint(k).as_deref() == Some(shown));
        match known {
            Some(k) => user.set(key, k),
            None => user.set(key, format!("(another key: {shown})")),
        }
    }
}

/// Snowflake's fingerprint of a public key: `SHA256:` and the base64 of the SHA-256 digest
/// of the key's DER bytes (the PEM body, with or without its BEGIN / END lines), as the
/// key-pair authentication guide computes it with openssl. None when the text is not base64.
pub(crate) fn fingerprint(key: &str) -> Option<String> {
    use base64::Engine;
    use sha2::{Digest, Sha256};
    let body: String = key
        .lines()
        .filter(|l| !l.trim_start().starts_with("-----"))
        .flat_map(|l| l.chars().filter(|c| !c.is_whitespace()))
        .collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(body)
        .ok()?;
    Some(format!(
        "SHA256:{}",
        base64::engine::general_purpose::STANDARD.encode(Sha256::digest(&der))
    ))
}

/// SHOW USERS (documented columns: name, created_on, login_name, display_name, ...,
/// comment, disabled, ..., default_warehouse, default_namespace, default_role, ..., owner,
/// ..., has_rsa_public_key, type, ...). The keys are not printed (`has_rsa_public_key`
/// only): they come from the state.
pub fn users(rows: &ShowRows) -> Vec<Object> {
    rows.iter()
        .filter_map(|r| {
            let mut o = live_object(Kind::User, ObjectName::account(id(rows.raw(r, "name")?)));
            set_opt(
                &mut o,
                attr::TYPE,
                rows.get(r, "type").and_then(|t| canonical_enum(TYPES, t)),
            );
            set_opt(
                &mut o,
                attr::LOGIN_NAME,
                rows.text(r, "login_name").map(str::to_uppercase),
            );
            set_opt(&mut o, attr::DISPLAY_NAME, rows.text(r, "display_name"));
            set_opt(&mut o, attr::COMMENT, rows.text(r, "comment"));
            set_opt(&mut o, attr::DISABLED, rows.flag(r, "disabled"));
            set_opt(
                &mut o,
                attr::DEFAULT_WAREHOUSE,
                rows.get(r, "default_warehouse"),
            );
            set_opt(
                &mut o,
                attr::DEFAULT_NAMESPACE,
                rows.get(r, "default_namespace"),
            );
            set_opt(&mut o, attr::DEFAULT_ROLE, rows.get(r, "default_role"));
            set_opt(&mut o, attr::OWNER, rows.get(r, "owner"));
            Some(o)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::fingerprint;

    /// The example's service user key; the expected value is what the key-pair
    /// authentication guide's command prints for it (`openssl rsa -pubin -in key.pub
    /// -outform DER | openssl dgst -sha256 -binary | openssl enc -base64`), with or without
    /// the PEM lines and line breaks.
    #[test]
    fn a_key_has_snowflakes_fingerprint() {
        let body = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA5tUT6FBTvSnI/ZjwY8h6WpJhk9vHHn424Ubl9nw2kkz2hXvAdXE94/NyLqIZRBjNDmA6ZtF6zrNibc2Ug60s2mMl/cDEF0C0E/daB3GlDMsTUQHZvD+KmfPS3dQj/zXDMVXw5x5jVWaXC/JodTBbMrM1V3nKqXGTu1Hha9NjZPGQQkKEBXquehBNZyAm5d0xa8qF9Qa940Urp+U8lPti2X3W2ytsfAi8GH2j6EEKQyQCeYCe8uyWV+H4VPI4GENGVWFZQ+N/6tAXyMYn68ItbSOfzwElAzFZsnLGmgcex/XNwU6El87+FnwulBp/oz6B2guoofh14KDEDVoeKml/swIDAQAB";
        let expected = "SHA256:oFJ63LLBwBOYrqh4ATsUyUIRWCrH40kYL+wU5jfTobw=";
        assert_eq!(fingerprint(body).as_deref(), Some(expected));
        let pem = format!(
            "-----BEGIN PUBLIC KEY-----\n{}\n{}\n-----END PUBLIC KEY-----\n",
            &body[..64],
            &body[64..]
        );
        assert_eq!(fingerprint(&pem).as_deref(), Some(expected));
        assert_eq!(fingerprint("not a key!"), None);
    }
}
