//! The sandbox's privilege checks seen through the real client over the SQL API: each
//! request names its role (the `role` field), as a deploy pipeline's connection does. A
//! schema's future grants reach a dynamic table the producer creates later, so the consumer
//! role passes the SELECT check on it while a role without them gets Snowflake's 003001; a
//! deploy role without CREATE DYNAMIC TABLE fails the CREATE with Snowflake's message; a role
//! not granted to the user is refused at the request.

use snowform::sandbox::{self, AccessToken, ServeOptions, SqlEngine};
use snowform::snowflake::{Auth, Client, ClientError, ClientOptions, Context, Secret};

const TOKEN: &str = "grants-test-token";

/// The account as an administrator sets it up (run on the engine directly, as ACCOUNTADMIN):
/// the Feature Store access script of snowflake-ml-python's access_manager.py, trimmed.
const SETUP: &[&str] = &[
    "CREATE WAREHOUSE FS_WH WAREHOUSE_SIZE = XSMALL",
    "CREATE DATABASE ML",
    "CREATE SCHEMA ML.FS",
    "CREATE TABLE ML.FS.SRC (ID INT)",
    "CREATE ROLE FS_PRODUCER",
    "CREATE ROLE FS_CONSUMER",
    "CREATE ROLE MONITOR_ONLY",
    "CREATE ROLE DEPLOYER",
    "CREATE ROLE NOT_MINE",
    "GRANT ROLE FS_CONSUMER TO ROLE FS_PRODUCER",
    "GRANT ROLE FS_PRODUCER TO USER SNOWFORM",
    "GRANT ROLE MONITOR_ONLY TO USER SNOWFORM",
    "GRANT ROLE DEPLOYER TO USER SNOWFORM",
    "GRANT USAGE ON DATABASE ML TO ROLE FS_PRODUCER",
    "GRANT USAGE ON SCHEMA ML.FS TO ROLE FS_PRODUCER",
    "GRANT CREATE DYNAMIC TABLE,CREATE TABLE ON SCHEMA ML.FS TO ROLE FS_PRODUCER",
    "GRANT SELECT ON TABLE ML.FS.SRC TO ROLE FS_PRODUCER",
    "GRANT USAGE ON WAREHOUSE FS_WH TO ROLE FS_PRODUCER",
    "GRANT USAGE ON DATABASE ML TO ROLE FS_CONSUMER",
    "GRANT USAGE ON SCHEMA ML.FS TO ROLE FS_CONSUMER",
    "GRANT SELECT,MONITOR ON FUTURE DYNAMIC TABLES IN SCHEMA ML.FS TO ROLE FS_CONSUMER",
    "GRANT SELECT ON FUTURE TABLES IN SCHEMA ML.FS TO ROLE FS_CONSUMER",
    "GRANT MONITOR ON FUTURE DYNAMIC TABLES IN SCHEMA ML.FS TO ROLE MONITOR_ONLY",
    "GRANT USAGE ON DATABASE ML TO ROLE MONITOR_ONLY",
    "GRANT USAGE ON SCHEMA ML.FS TO ROLE MONITOR_ONLY",
    "GRANT USAGE ON DATABASE ML TO ROLE DEPLOYER",
    "GRANT USAGE ON SCHEMA ML.FS TO ROLE DEPLOYER",
    "GRANT CREATE TABLE ON SCHEMA ML.FS TO ROLE DEPLOYER",
];

async fn account() -> sandbox::RunningServer {
    let mut engine = sandbox::Engine::new("SANDBOX");
    let admin = sandbox::Session {
        account: "SANDBOX".into(),
        user: "SNOWFORM".into(),
        role: "ACCOUNTADMIN".into(),
        ..Default::default()
    };
    for sql in SETUP {
        engine
            .execute(sql, &admin)
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    sandbox::start(
        ServeOptions {
            tokens: vec![AccessToken {
                user: "SNOWFORM".into(),
                token: Secret::new(TOKEN),
            }],
            default_warehouse: Some("FS_WH".into()),
            ..ServeOptions::default()
        },
        Box::new(engine),
    )
    .await
    .unwrap()
}

/// A client whose every request names `role`.
fn as_role(server: &sandbox::RunningServer, role: &str) -> Client {
    Client::from_base_url(
        &server.base_url(),
        "SANDBOX",
        "SNOWFORM",
        Auth::Pat(Secret::new(TOKEN)),
        ClientOptions {
            context: Context {
                role: Some(role.into()),
                warehouse: Some("FS_WH".into()),
                ..Context::default()
            },
            ..ClientOptions::default()
        },
    )
    .unwrap()
}

fn code(e: &ClientError) -> &str {
    e.code().unwrap_or_default()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn a_future_grant_makes_a_new_dynamic_table_readable_by_the_consumer_only() {
    runtime().block_on(async {
        let server = account().await;
        let producer = as_role(&server, "FS_PRODUCER");
        producer
            .query("CREATE DYNAMIC TABLE ML.FS.FEATURES TARGET_LAG = '1 hour' WAREHOUSE = FS_WH AS SELECT ID FROM ML.FS.SRC")
            .await
            .unwrap();
        producer
            .query("CREATE TABLE ML.FS.SNAPSHOT (ID INT)")
            .await
            .unwrap();
        producer
            .query("INSERT INTO ML.FS.SNAPSHOT VALUES (7)")
            .await
            .unwrap();

        // The grants the new dynamic table took from the schema's future grants.
        let grants = producer
            .query("SHOW GRANTS ON DYNAMIC TABLE ML.FS.FEATURES")
            .await
            .unwrap();
        let rows: Vec<(String, String, String)> = grants
            .rows
            .iter()
            .map(|r| {
                let get = |c: &str| grants.get(r, c).unwrap_or_default().to_string();
                (get("privilege"), get("grantee_name"), get("granted_by"))
            })
            .collect();
        let want = |p: &str, g: &str| (p.to_string(), g.to_string(), "FS_PRODUCER".to_string());
        assert!(rows.contains(&want("OWNERSHIP", "FS_PRODUCER")), "{rows:?}");
        assert!(rows.contains(&want("SELECT", "FS_CONSUMER")), "{rows:?}");
        assert!(rows.contains(&want("MONITOR", "MONITOR_ONLY")), "{rows:?}");

        // The consumer reaches it through the producer's hierarchy (FS_CONSUMER is granted
        // to FS_PRODUCER, which the user has): its SELECT passes the privilege check, and
        // only the rows, which the sandbox does not compute, are refused (000002). Its new
        // table's rows are read.
        let consumer = as_role(&server, "FS_CONSUMER");
        let read = consumer
            .query("SELECT ID FROM ML.FS.SNAPSHOT")
            .await
            .unwrap();
        assert_eq!(read.rows, vec![vec![Some("7".to_string())]]);
        let dt = consumer
            .query("SELECT ID FROM ML.FS.FEATURES")
            .await
            .unwrap_err();
        assert_eq!(code(&dt), "000002", "{dt}");
        assert!(dt.message().contains("rows of views and dynamic tables"), "{dt}");
        let hidden = consumer
            .query("SELECT ID FROM ML.FS.SRC")
            .await
            .unwrap_err();
        assert_eq!(code(&hidden), "002003", "{hidden}");

        // A role with MONITOR but without the SELECT future grant.
        let other = as_role(&server, "MONITOR_ONLY");
        let denied = other
            .query("SELECT ID FROM ML.FS.FEATURES")
            .await
            .unwrap_err();
        assert_eq!(code(&denied), "003001", "{denied}");
        assert!(
            denied
                .message()
                .contains("Insufficient privileges to operate on dynamic table 'FEATURES'"),
            "{denied}"
        );
    });
}

#[test]
fn a_deploy_role_without_create_dynamic_table_fails_with_snowflakes_message() {
    runtime().block_on(async {
        let server = account().await;
        let deployer = as_role(&server, "DEPLOYER");
        deployer
            .query("CREATE TABLE ML.FS.DEPLOYED (A INT)")
            .await
            .unwrap();
        let e = deployer
            .query("CREATE DYNAMIC TABLE ML.FS.DEPLOYED_DT TARGET_LAG = '1 hour' WAREHOUSE = FS_WH AS SELECT A FROM ML.FS.DEPLOYED")
            .await
            .unwrap_err();
        assert_eq!(code(&e), "003001", "{e}");
        assert_eq!(e.sql_state(), Some("42501"), "{e}");
        assert!(
            e.message().contains(
                "SQL access control error:\nInsufficient privileges to operate on schema 'FS'"
            ),
            "{e}"
        );
    });
}

#[test]
fn a_request_naming_a_role_the_user_lacks_is_refused() {
    runtime().block_on(async {
        let server = account().await;
        // The SQL API's context fields are case-sensitive (SQL API reference): `fs_producer`
        // names no role.
        for role in ["NOT_MINE", "NO_SUCH_ROLE", "fs_producer"] {
            let e = as_role(&server, role).query("SELECT 1").await.unwrap_err();
            assert_eq!(code(&e), "390189", "{role}: {e}");
        }
        // A system role is every user's (through ACCOUNTADMIN); a granted role is usable.
        as_role(&server, "SYSADMIN")
            .query("SELECT 1")
            .await
            .unwrap();
        as_role(&server, "FS_PRODUCER")
            .query("SELECT 1")
            .await
            .unwrap();
    });
}
