//! Client overhead per statement: 1,000 sequential `SHOW WAREHOUSES` round trips against the
//! sandbox server on loopback, with a trivial engine, key-pair JWT authentication and the
//! real client. Prints total time, mean round trip, mean time inside the server and the
//! difference (HTTP, JSON, auth and scheduling on both sides).
//!
//! Run: `cargo bench --bench client_overhead`

use std::time::{Duration, Instant};

use snowform::sandbox::{
    self, Column, ResultSet, ServeOptions, Session, SqlEngine, SqlError, UserKey,
};
use snowform::snowflake::{Auth, Client, ClientOptions, PrivateKey};

const ROUND_TRIPS: usize = 1_000;
const WARM_UP: usize = 50;

/// Answers every statement with a fixed SHOW WAREHOUSES-like result.
struct ShowWarehouses;

impl SqlEngine for ShowWarehouses {
    fn execute(&mut self, _sql: &str, _session: &Session) -> Result<ResultSet, SqlError> {
        let cols = [
            "name",
            "state",
            "type",
            "size",
            "min_cluster_count",
            "max_cluster_count",
            "auto_suspend",
            "comment",
        ];
        let row = |name: &str, size: &str| {
            vec![
                Some(name.to_string()),
                Some("SUSPENDED".to_string()),
                Some("STANDARD".to_string()),
                Some(size.to_string()),
                Some("1".to_string()),
                Some("1".to_string()),
                Some("60".to_string()),
                None,
            ]
        };
        Ok(ResultSet {
            columns: cols.iter().map(|c| Column::text(c)).collect(),
            rows: vec![
                row("COMPUTE_WH", "X-Small"),
                row("ML_WH", "Medium"),
                row("LOAD_WH", "Small"),
            ],
            dml: None,
        })
    }
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(run());
}

async fn run() {
    let keys = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/keys");
    let public_key = std::fs::read_to_string(keys.join("test_key.pub")).expect("public key");
    let opts = ServeOptions {
        users: vec![UserKey {
            user: "BENCH".into(),
            public_key,
        }],
        ..ServeOptions::default()
    };
    let server = sandbox::start(opts, Box::new(ShowWarehouses))
        .await
        .expect("server");
    let key = PrivateKey::from_file(&keys.join("test_key.p8"), None).expect("private key");
    let auth = Auth::key_pair_from("SANDBOX", "BENCH", &key);
    let client = Client::from_base_url(
        &server.base_url(),
        "SANDBOX",
        "BENCH",
        auth,
        ClientOptions::default(),
    )
    .expect("client");

    for _ in 0..WARM_UP {
        client.query("SHOW WAREHOUSES").await.expect("warm-up");
    }
    let before = server.stats();
    let mut rtts = Vec::with_capacity(ROUND_TRIPS);
    let started = Instant::now();
    for _ in 0..ROUND_TRIPS {
        let t = Instant::now();
        let r = client.query("SHOW WAREHOUSES").await.expect("query");
        rtts.push(t.elapsed());
        assert_eq!(r.rows.len(), 3);
    }
    let total = started.elapsed();
    let after = server.stats();
    assert_eq!(
        after.requests - before.requests,
        ROUND_TRIPS as u64,
        "one HTTP request per statement"
    );

    let micros = |d: Duration| d.as_secs_f64() * 1e6;
    let mean_rtt = micros(total) / ROUND_TRIPS as f64;
    let mean_server = (after.server_time_us - before.server_time_us) as f64 / ROUND_TRIPS as f64;
    rtts.sort();
    let pct = |p: f64| micros(rtts[((rtts.len() as f64 * p) as usize).min(rtts.len() - 1)]);
    println!("client round trips: {ROUND_TRIPS} sequential SHOW WAREHOUSES on loopback");
    println!("total time          {:>10.1} ms", total.as_secs_f64() * 1e3);
    println!(
        "mean round trip     {mean_rtt:>10.1} us  (p50 {:.1} us, p99 {:.1} us)",
        pct(0.50),
        pct(0.99)
    );
    println!("mean server time    {mean_server:>10.1} us");
    println!(
        "mean client overhead{:>10.1} us  (round trip minus server time)",
        mean_rtt - mean_server
    );
    server.shutdown().await;
}
