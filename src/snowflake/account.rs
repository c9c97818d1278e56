//! Account identifiers: the form that goes into a JWT's `iss`/`sub`, and the host name
//! the API is reached at.

/// The account part of a key-pair JWT's `iss` and `sub` claims, normalised as the official
/// connectors do: strip a URL scheme and the `.snowflakecomputing.com` domain; for legacy
/// `.global` accounts keep the text before the first `-`, otherwise the text before the
/// first `.` (which drops region and cloud segments); upper-case the result.
pub(crate) fn jwt_account(account: &str) -> String {
    let mut a = account.trim();
    for scheme in ["https://", "http://"] {
        if let Some(rest) = a.strip_prefix(scheme) {
            a = rest;
        }
    }
    a = a.trim_end_matches('/');
    for domain in [".snowflakecomputing.com", ".snowflakecomputing.cn"] {
        if let Some(rest) = a.strip_suffix(domain) {
            a = rest;
        }
    }
    let cut = if a.contains(".global") {
        a.split('-').next()
    } else {
        a.split('.').next()
    };
    cut.unwrap_or(a).to_ascii_uppercase()
}

/// The user part of the JWT claims: the login name, upper-cased.
pub(crate) fn jwt_user(user: &str) -> String {
    user.trim().to_ascii_uppercase()
}

/// The default API host for an account identifier. Underscores become hyphens because
/// Snowflake accepts both and host names with `_` fail in some resolvers and TLS stacks.
pub(crate) fn default_host(account: &str) -> String {
    let a = account.trim().to_ascii_lowercase().replace('_', "-");
    if a.ends_with(".snowflakecomputing.com") || a.ends_with(".snowflakecomputing.cn") {
        a
    } else if a.contains(".cn-") {
        format!("{a}.snowflakecomputing.cn")
    } else {
        format!("{a}.snowflakecomputing.com")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The table of reference §2.2: input account, expected claim account.
    const JWT_ACCOUNTS: &[(&str, &str)] = &[
        ("myorg-myaccount", "MYORG-MYACCOUNT"),
        ("xy12345", "XY12345"),
        ("xy12345.us-east-2.aws", "XY12345"),
        ("xy12345.us-east-1", "XY12345"),
        ("xy12345.west-us-2.azure", "XY12345"),
        ("myacct.privatelink", "MYACCT"),
        ("acct-with-dashes", "ACCT-WITH-DASHES"),
        ("testaccount-user.global", "TESTACCOUNT"),
        ("myorg.myaccount", "MYORG"),
        ("MyOrg-My_Account", "MYORG-MY_ACCOUNT"),
        (
            "https://myorg-myaccount.snowflakecomputing.com",
            "MYORG-MYACCOUNT",
        ),
        ("xy12345.us-east-2.aws.snowflakecomputing.com", "XY12345"),
        (" sandbox ", "SANDBOX"),
    ];

    #[test]
    fn jwt_account_table() {
        for (input, want) in JWT_ACCOUNTS {
            assert_eq!(jwt_account(input), *want, "account {input:?}");
        }
    }

    #[test]
    fn hosts() {
        assert_eq!(
            default_host("myorg-myaccount"),
            "myorg-myaccount.snowflakecomputing.com"
        );
        assert_eq!(
            default_host("acme-marketing_test"),
            "acme-marketing-test.snowflakecomputing.com"
        );
        assert_eq!(
            default_host("xy12345.us-east-2.aws"),
            "xy12345.us-east-2.aws.snowflakecomputing.com"
        );
        assert_eq!(
            default_host("xy12345.cn-northwest-1.aws"),
            "xy12345.cn-northwest-1.aws.snowflakecomputing.cn"
        );
        assert_eq!(jwt_user(" jdoe "), "JDOE");
    }
}
