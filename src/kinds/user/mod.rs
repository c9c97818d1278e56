//! A user (CREATE USER, ALTER USER, DROP USER, SHOW USERS and DESCRIBE USER reference
//! pages), as ML platform teams declare them for pipelines: mostly service users that sign in
//! with a key pair (the CI user that runs snowform, a scoring service's user). Only users the
//! configuration or the state names are read and changed; the account's other users (the
//! people, the connecting user) are never touched.
//!
//! No password: secrets do not belong in the configuration or the state, so a user's
//! password (and MFA, PATs, workload identity) is left to whoever administers sign-ins.
//! The public keys are not secret; they are kept in the state. SHOW USERS prints
//! `has_rsa_public_key` and no key, so each declared user is described (DESCRIBE USER, which
//! takes OWNERSHIP of the user) and its keys compared by fingerprint: a key changed or
//! removed outside snowform is seen by plan and drift. A role that may not describe the user
//! compares the keys with the state only.

pub(crate) mod ddl;
pub(crate) mod read;

use crate::model::attr;
use crate::model::schema::{Attr, AttrType::*, DefaultValue as D, EnumValue, Identity, KindSchema};
use crate::model::{Kind, Scope};

/// The user types CREATE USER takes (TYPE); SHOW USERS prints NULL for a user whose type
/// was never set, which behaves as PERSON.
pub(crate) static TYPES: &[EnumValue] = &[
    EnumValue {
        canonical: "PERSON",
        aliases: &[],
    },
    EnumValue {
        canonical: "SERVICE",
        aliases: &[],
    },
    EnumValue {
        canonical: "LEGACY_SERVICE",
        aliases: &[],
    },
];

#[linkme::distributed_slice(crate::model::schema::SCHEMAS)]
pub static SCHEMA: KindSchema = KindSchema {
    kind: Kind::User,
    keyword: "user",
    noun: "user",
    identity: Identity::Named(Scope::Account),
    can_rename: true,
    // After the warehouses and roles it names as defaults.
    generate_rank: 9,
    example_label: "ci_runner",
    doc: "A user, such as the service user a pipeline signs in as with a key pair. Only users the configuration declares are read and changed. No password: secrets do not belong in the configuration or the state. The public keys are compared by fingerprint (DESCRIBE USER, which takes OWNERSHIP of the user; without it, with the state only).",
    blocks: &[],
    attrs: &[
        Attr::name_attr("The user name."),
        Attr::prop(
            attr::TYPE,
            Enum(TYPES),
            Some("TYPE"),
            "PERSON, SERVICE (no password, signs in with a key pair) or LEGACY_SERVICE. Not set, SHOW USERS prints none and the user behaves as PERSON.",
        ),
        Attr::prop(
            attr::LOGIN_NAME,
            Upper,
            Some("LOGIN_NAME"),
            "The name the user signs in with; Snowflake keeps it in upper case. Not set, it is the user name.",
        )
        .computed(),
        Attr::prop(
            attr::DISPLAY_NAME,
            String,
            Some("DISPLAY_NAME"),
            "The name Snowsight shows. Not set, it is the user name.",
        )
        .computed(),
        Attr::prop(attr::COMMENT, String, Some("COMMENT"), "A comment."),
        Attr::prop(
            attr::DISABLED,
            Bool,
            Some("DISABLED"),
            "Lock the user out: a running query of theirs is aborted and they cannot sign in.",
        )
        .default(D::Bool(false)),
        Attr::prop(
            attr::DEFAULT_WAREHOUSE,
            Ref(Kind::Warehouse),
            Some("DEFAULT_WAREHOUSE"),
            "The warehouse a session starts with: a warehouse block reference or warehouse name.",
        ),
        Attr::prop(
            attr::DEFAULT_NAMESPACE,
            String,
            Some("DEFAULT_NAMESPACE"),
            "The database (`DB`) or schema (`DB.SCHEMA`) a session starts in, compared as SHOW USERS prints it (upper case for unquoted names).",
        ),
        Attr::prop(
            attr::DEFAULT_ROLE,
            Ref(Kind::Role),
            Some("DEFAULT_ROLE"),
            "The role a session starts with: a role block reference or role name. It does not grant the role (a role_grant with `user` does).",
        ),
        Attr::prop(
            attr::RSA_PUBLIC_KEY,
            String,
            Some("RSA_PUBLIC_KEY"),
            "The public key of key-pair sign-in: the PEM body without the BEGIN / END lines. Compared by its fingerprint (DESCRIBE USER's RSA_PUBLIC_KEY_FP).",
        )
        .from_describe(),
        Attr::prop(
            attr::RSA_PUBLIC_KEY_2,
            String,
            Some("RSA_PUBLIC_KEY_2"),
            "A second public key, to rotate keys without a gap (RSA_PUBLIC_KEY_2_FP).",
        )
        .from_describe(),
        Attr::owner(),
    ],
};
