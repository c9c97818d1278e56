//! Posting reports to a pull request against a local server that implements the contract
//! of Azure DevOps' pull-request thread endpoints (list, create, update comment, update
//! thread; api-version, bearer token, comment length) and records what it received.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use serde_json::{json, Value};

use snowform::azure::{
    AzureError, Environment, PipelineEnv, Posted, PullRequestClient, Report, ReportKind,
    ThreadStatus,
};
use snowform::drift::DriftReport;
use snowform::render::PlanView;
use snowform::snowflake::{RetryPolicy, Secret};

const TOKEN: &str = "azp-token-7c1e9b2d44f04a0f8e5d6c3b2a190817";
const ORG: &str = "fabrikam";
const PROJECT: &str = "ML Platform";
const REPO: &str = "3411ebc1-d5aa-464f-9615-0b527bc66719";
const PR: u64 = 42;
const LIMIT: usize = 150_000;

// ---------------------------------------------------------------------------------------
// The fake service
// ---------------------------------------------------------------------------------------

#[derive(Clone, Debug)]
struct Recorded {
    method: String,
    /// The path below the pull request, e.g. `threads` or `threads/1/comments/1`.
    path: String,
    query: String,
    body: Option<Value>,
}

/// A failure answered instead of (or, when `after` is set, after) handling a request.
#[derive(Clone, Debug)]
struct Fault {
    method: Option<Method>,
    status: u16,
    retry_after: Option<&'static str>,
    /// Handle the request, then answer with the failure (the response was "lost").
    after: bool,
}

#[derive(Default)]
struct Service {
    threads: BTreeMap<u64, Value>,
    requests: Vec<Recorded>,
    /// Writes answer 403 (the build service lacks "Contribute to pull requests").
    read_only: bool,
    /// Error bodies repeat the Authorization header (to prove the client hides it).
    echo_authorization: bool,
    faults: VecDeque<Fault>,
}

type Shared = Arc<Mutex<Service>>;

fn ado_error(status: u16, message: &str, type_key: &str) -> Response {
    let body = json!({
        "$id": "1", "innerException": null, "message": message,
        "typeName": format!("Microsoft.TeamFoundation.SourceControl.WebServer.{type_key}, Microsoft.TeamFoundation.SourceControl.WebServer"),
        "typeKey": type_key, "errorCode": 0, "eventId": 3000
    });
    (
        StatusCode::from_u16(status).unwrap(),
        [("content-type", "application/json; charset=utf-8")],
        body.to_string(),
    )
        .into_response()
}

fn ok(v: Value) -> Response {
    (
        StatusCode::OK,
        [("content-type", "application/json; charset=utf-8")],
        v.to_string(),
    )
        .into_response()
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap()
}

async fn handle(
    axum::extract::State(shared): axum::extract::State<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let segs: Vec<String> = uri
        .path()
        .trim_start_matches('/')
        .split('/')
        .map(percent_decode)
        .collect();
    let query = uri.query().unwrap_or("").to_string();
    let json_body: Option<Value> = serde_json::from_slice(&body).ok();
    let mut svc = shared.lock().unwrap();
    let below_pr = segs.get(8..).map(|s| s.join("/")).unwrap_or_default();
    svc.requests.push(Recorded {
        method: method.to_string(),
        path: below_pr.clone(),
        query: query.clone(),
        body: json_body.clone(),
    });

    // Authentication comes first, as in the service: a bad token gets 401 with no body.
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if auth != format!("Bearer {TOKEN}") {
        return (
            StatusCode::UNAUTHORIZED,
            [(
                "www-authenticate",
                "Bearer authorization_uri=https://login.example",
            )],
        )
            .into_response();
    }
    let agent = headers
        .get("user-agent")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    assert!(agent.starts_with("snowform/"), "user agent {agent:?}");
    if !query.split('&').any(|p| p == "api-version=7.1") {
        return ado_error(
            400,
            "No api-version was supplied for the \"GET\" request. The version must be supplied either as part of the Accept header or as a query parameter.",
            "VssVersionNotSpecifiedException",
        );
    }

    let fault = match svc.faults.front() {
        Some(f) if f.method.as_ref().is_none_or(|m| *m == method) => svc.faults.pop_front(),
        _ => None,
    };
    if let Some(f) = &fault {
        if !f.after {
            return fault_response(f, svc.echo_authorization);
        }
    }

    // Route: {org}/{project}/_apis/git/repositories/{repo}/pullRequests/{pr}/threads[...]
    let known = segs.len() >= 9
        && segs[0] == ORG
        && segs[1] == PROJECT
        && segs[2..5] == ["_apis", "git", "repositories"]
        && segs[6] == "pullRequests"
        && segs[8] == "threads";
    if !known || segs[5] != REPO {
        return ado_error(
            404,
            &format!("TF401019: The Git repository with name or identifier {} does not exist or you do not have permissions for the operation you are attempting.", segs.get(5).cloned().unwrap_or_default()),
            "GitRepositoryNotFoundException",
        );
    }
    if segs[7] != PR.to_string() {
        return ado_error(
            404,
            &format!(
                "TF401180: The requested pull request was not found. ({})",
                segs[7]
            ),
            "GitPullRequestNotFoundException",
        );
    }
    if method != Method::GET {
        let ct = headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !ct.starts_with("application/json") {
            return ado_error(415, "unsupported media type", "UnsupportedMediaType");
        }
        if svc.read_only {
            let mut msg = "TF401027: You need the Git 'PullRequestContribute' permission to perform this action. Details: identity 'ML Platform Build Service (fabrikam)', scope 'repository'.".to_string();
            if svc.echo_authorization {
                msg.push_str(&format!(" Request header Authorization: {auth}"));
            }
            return ado_error(403, &msg, "GitNeedsPermissionException");
        }
    }
    let rest: Vec<&str> = segs[9..].iter().map(String::as_str).collect();
    let response = match (method.clone(), rest.as_slice()) {
        (Method::GET, []) => {
            let value: Vec<Value> = svc.threads.values().cloned().collect();
            ok(json!({ "value": value, "count": value.len() }))
        }
        (Method::POST, []) => create_thread(&mut svc, json_body),
        (Method::PATCH, [tid]) => update_thread(&mut svc, tid, json_body),
        (Method::PATCH, [tid, "comments", cid]) => update_comment(&mut svc, tid, cid, json_body),
        _ => ado_error(405, "method not allowed", "MethodNotAllowed"),
    };
    match fault {
        Some(f) => fault_response(&f, svc.echo_authorization),
        None => response,
    }
}

fn fault_response(f: &Fault, echo: bool) -> Response {
    let mut message = format!("injected {}", f.status);
    if echo {
        message.push_str(&format!(" (Authorization: Bearer {TOKEN})"));
    }
    let mut r = ado_error(f.status, &message, "Injected");
    if let Some(ra) = f.retry_after {
        r.headers_mut().insert("retry-after", ra.parse().unwrap());
    }
    r
}

fn utf16_len(s: &str) -> usize {
    s.encode_utf16().count()
}

fn too_long() -> Response {
    ado_error(
        400,
        "A discussion comment cannot be longer than 150000 characters.\r\nParameter name: comment.Content",
        "InvalidArgumentValueException",
    )
}

const STATUSES: [&str; 7] = [
    "unknown", "active", "fixed", "wontFix", "closed", "byDesign", "pending",
];

fn create_thread(svc: &mut Service, body: Option<Value>) -> Response {
    let Some(body) = body else {
        return ado_error(400, "The request body is not valid JSON", "InvalidArgument");
    };
    let comments = body["comments"].as_array().cloned().unwrap_or_default();
    let [comment] = comments.as_slice() else {
        return ado_error(
            400,
            "a new thread needs exactly one comment",
            "InvalidArgument",
        );
    };
    assert_eq!(comment["parentCommentId"], 0, "{comment}");
    assert_eq!(comment["commentType"], 1, "{comment}");
    let content = comment["content"].as_str().expect("content").to_string();
    if utf16_len(&content) > LIMIT {
        return too_long();
    }
    let status = body["status"].as_str().expect("status as a name");
    assert!(STATUSES.contains(&status), "{status}");
    let properties = body["properties"].as_object().cloned().unwrap_or_default();
    for (k, v) in &properties {
        assert!(
            v.get("$type").is_some() && v.get("$value").is_some(),
            "property {k} is not in the typed form: {v}"
        );
    }
    let id = svc.threads.keys().max().map_or(1, |m| m + 1);
    let thread = json!({
        "id": id,
        "publishedDate": "2025-01-01T00:00:00Z",
        "lastUpdatedDate": "2025-01-01T00:00:00Z",
        "comments": [{
            "id": 1, "parentCommentId": 0, "content": content, "commentType": "text",
            "isDeleted": false,
            "author": {"displayName": "ML Platform Build Service (fabrikam)"}
        }],
        "status": status,
        "threadContext": null,
        "properties": properties,
        "isDeleted": false
    });
    svc.threads.insert(id, thread.clone());
    ok(thread)
}

fn update_thread(svc: &mut Service, tid: &str, body: Option<Value>) -> Response {
    let Some(thread) = tid.parse().ok().and_then(|t: u64| svc.threads.get_mut(&t)) else {
        return ado_error(404, "thread not found", "DiscussionThreadNotFound");
    };
    let body = body.expect("json body");
    let status = body["status"].as_str().expect("status as a name");
    assert!(STATUSES.contains(&status), "{status}");
    thread["status"] = json!(status);
    ok(thread.clone())
}

fn update_comment(svc: &mut Service, tid: &str, cid: &str, body: Option<Value>) -> Response {
    let Some(thread) = tid.parse().ok().and_then(|t: u64| svc.threads.get_mut(&t)) else {
        return ado_error(404, "thread not found", "DiscussionThreadNotFound");
    };
    let cid: u64 = cid.parse().unwrap();
    let content = body.expect("json body")["content"]
        .as_str()
        .expect("content")
        .to_string();
    if utf16_len(&content) > LIMIT {
        return too_long();
    }
    let Some(comment) = thread["comments"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|c| c["id"] == cid)
    else {
        return ado_error(404, "comment not found", "CommentNotFound");
    };
    comment["content"] = json!(content);
    ok(comment.clone())
}

struct Server {
    url: String,
    shared: Shared,
}

impl Server {
    async fn start() -> Server {
        let shared: Shared = Arc::default();
        let app = Router::new().fallback(handle).with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Server {
            url: format!("http://{addr}/{ORG}/"),
            shared,
        }
    }

    fn env(&self) -> PipelineEnv {
        self.env_with(TOKEN, PR)
    }

    fn env_with(&self, token: &str, pr: u64) -> PipelineEnv {
        let pr = pr.to_string();
        let vars = BTreeMap::from([
            ("SYSTEM_COLLECTIONURI", self.url.as_str()),
            ("SYSTEM_TEAMPROJECT", PROJECT),
            ("BUILD_REPOSITORY_ID", REPO),
            ("SYSTEM_PULLREQUEST_PULLREQUESTID", pr.as_str()),
            ("SYSTEM_ACCESSTOKEN", token),
            ("BUILD_BUILDID", "977"),
        ]);
        PipelineEnv::from_env(|k| vars.get(k).map(|v| v.to_string())).unwrap()
    }

    fn svc(&self) -> std::sync::MutexGuard<'_, Service> {
        self.shared.lock().unwrap()
    }

    fn threads(&self) -> Vec<Value> {
        self.svc().threads.values().cloned().collect()
    }

    /// Method and path of each request since the last call.
    fn take_requests(&self) -> Vec<(String, String)> {
        let mut svc = self.svc();
        let out = svc
            .requests
            .iter()
            .map(|r| (r.method.clone(), r.path.clone()))
            .collect();
        svc.requests.clear();
        out
    }
}

fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 4,
        max_elapsed: Duration::from_secs(10),
        initial_backoff: Duration::from_millis(5),
        max_backoff: Duration::from_millis(20),
    }
}

async fn post(env: &PipelineEnv, report: &Report) -> Result<Posted, AzureError> {
    PullRequestClient::new(env, fast_retry())
        .unwrap()
        .post(report)
        .await
}

fn fixture(name: &str) -> String {
    std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/azure")
            .join(name),
    )
    .unwrap()
}

fn plan_report(name: &str, build_url: Option<&str>) -> Report {
    let view: PlanView = serde_json::from_str(&fixture(name)).unwrap();
    Report::plan(&view, build_url)
}

fn drift_report() -> Report {
    let r: DriftReport = serde_json::from_str(&fixture("drift.json")).unwrap();
    Report::drift(&r, None)
}

fn req(method: &str, path: &str) -> (String, String) {
    (method.to_string(), path.to_string())
}

fn first_content(thread: &Value) -> &str {
    thread["comments"][0]["content"].as_str().unwrap()
}

/// Every error's text and debug form, which must never contain the token.
fn assert_no_token(e: &AzureError, token: &str) {
    assert!(!e.to_string().contains(token), "{e}");
    assert!(!format!("{e:?}").contains(token), "{e:?}");
}

// ---------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn the_first_post_creates_a_thread_with_the_marker() {
    let server = Server::start().await;
    let env = server.env();
    let report = plan_report("plan_changes.json", env.build_url.as_deref());
    let posted = post(&env, &report).await.unwrap();
    assert_eq!(
        posted,
        Posted {
            thread_id: 1,
            comment_id: 1,
            created: true,
            truncated: false,
            status: ThreadStatus::Active
        }
    );
    let paths: Vec<(String, String)> = server
        .svc()
        .requests
        .iter()
        .map(|r| (r.method.clone(), r.path.clone()))
        .collect();
    assert_eq!(paths, vec![req("GET", "threads"), req("POST", "threads")]);
    let threads = server.threads();
    assert_eq!(threads.len(), 1);
    let t = &threads[0];
    assert_eq!(
        t["properties"]["snowform.report"],
        json!({"$type": "System.String", "$value": "plan"})
    );
    assert_eq!(t["status"], "active");
    let content = first_content(t);
    assert_eq!(content, report.markdown);
    assert!(content.starts_with("<!-- snowform:plan -->\n"), "{content}");
    assert!(
        content.contains("ALTER WAREHOUSE ML_COMPUTE_WH"),
        "{content}"
    );
    // The footer links back to the run, with the project name encoded.
    let run = format!("{}ML%20Platform/_build/results?buildId=977", server.url);
    assert!(content.contains(&run), "{content}");
    let svc = server.svc();
    assert!(svc.requests.iter().all(|r| r.query == "api-version=7.1"));
    let sent = svc.requests[1].body.as_ref().unwrap();
    assert_eq!(sent["status"], "active");
    assert_eq!(
        sent["comments"],
        json!([{"parentCommentId": 0, "content": report.markdown, "commentType": 1}])
    );
}

#[tokio::test]
async fn the_second_post_updates_that_comment_in_place() {
    let server = Server::start().await;
    let env = server.env();
    post(&env, &plan_report("plan_changes.json", None))
        .await
        .unwrap();
    // A reviewer answers in the thread.
    {
        let mut svc = server.svc();
        let t = svc.threads.get_mut(&1).unwrap();
        t["comments"].as_array_mut().unwrap().push(json!({
            "id": 2, "parentCommentId": 1, "content": "Why SMALL?", "commentType": "text", "isDeleted": false
        }));
    }
    server.take_requests();

    let mut second = plan_report("plan_changes.json", None);
    second.markdown.push_str("\nsecond push\n");
    let posted = post(&env, &second).await.unwrap();
    assert_eq!(
        (posted.thread_id, posted.comment_id, posted.created),
        (1, 1, false)
    );
    assert_eq!(
        server.take_requests(),
        vec![req("GET", "threads"), req("PATCH", "threads/1/comments/1")]
    );
    let threads = server.threads();
    assert_eq!(threads.len(), 1, "no new thread");
    assert_eq!(first_content(&threads[0]), second.markdown);
    assert_eq!(threads[0]["comments"][1]["content"], "Why SMALL?");
    assert_eq!(threads[0]["status"], "active");
}

#[tokio::test]
async fn no_changes_closes_the_thread_and_changes_reactivate_it() {
    let server = Server::start().await;
    let env = server.env();

    let none = plan_report("plan_no_changes.json", None);
    assert!(!none.needs_attention);
    let posted = post(&env, &none).await.unwrap();
    assert_eq!(posted.status, ThreadStatus::Closed);
    assert_eq!(server.threads()[0]["status"], "closed", "created closed");
    server.take_requests();

    let changes = plan_report("plan_changes.json", None);
    let posted = post(&env, &changes).await.unwrap();
    assert_eq!(
        (posted.created, posted.status),
        (false, ThreadStatus::Active)
    );
    assert_eq!(
        server.take_requests(),
        vec![
            req("GET", "threads"),
            req("PATCH", "threads/1/comments/1"),
            req("PATCH", "threads/1")
        ]
    );
    assert_eq!(server.threads()[0]["status"], "active");

    let posted = post(&env, &none).await.unwrap();
    assert_eq!(posted.status, ThreadStatus::Closed);
    assert_eq!(server.threads()[0]["status"], "closed");
    assert_eq!(server.threads().len(), 1);
}

#[tokio::test]
async fn an_unchanged_report_leaves_a_resolved_thread_alone() {
    let server = Server::start().await;
    let env = server.env();
    let report = plan_report("plan_changes.json", None);
    post(&env, &report).await.unwrap();
    server.svc().threads.get_mut(&1).unwrap()["status"] = json!("fixed");
    server.take_requests();

    let posted = post(&env, &report).await.unwrap();
    assert_eq!(posted.status, ThreadStatus::Fixed);
    assert_eq!(server.take_requests(), vec![req("GET", "threads")]);
    assert_eq!(server.threads()[0]["status"], "fixed");
}

#[tokio::test]
async fn a_plan_thread_and_a_drift_thread_coexist() {
    let server = Server::start().await;
    let env = server.env();
    let plan = plan_report("plan_changes.json", None);
    let drift = drift_report();
    assert!(drift.needs_attention);
    assert_eq!(drift.kind, ReportKind::Drift);

    let p = post(&env, &plan).await.unwrap();
    let d = post(&env, &drift).await.unwrap();
    assert!(p.created && d.created);
    assert_ne!(p.thread_id, d.thread_id);

    let mut plan2 = plan.clone();
    plan2.markdown.push_str("\nagain\n");
    let mut drift2 = drift.clone();
    drift2.markdown.push_str("\nagain\n");
    let p2 = post(&env, &plan2).await.unwrap();
    let d2 = post(&env, &drift2).await.unwrap();
    assert_eq!((p2.thread_id, p2.created), (p.thread_id, false));
    assert_eq!((d2.thread_id, d2.created), (d.thread_id, false));

    let threads = server.threads();
    assert_eq!(threads.len(), 2);
    let by_kind: BTreeMap<String, &Value> = threads
        .iter()
        .map(|t| {
            (
                t["properties"]["snowform.report"]["$value"]
                    .as_str()
                    .unwrap()
                    .to_string(),
                t,
            )
        })
        .collect();
    assert_eq!(first_content(by_kind["plan"]), plan2.markdown);
    assert_eq!(first_content(by_kind["drift"]), drift2.markdown);
    assert!(first_content(by_kind["drift"]).starts_with("<!-- snowform:drift -->"));
}

fn scope(workspace: &str, dir: &str) -> Environment {
    Environment {
        workspace: workspace.into(),
        dir: dir.into(),
    }
}

/// The value of a thread's string property.
fn property<'a>(thread: &'a Value, key: &str) -> Option<&'a str> {
    thread["properties"][key]["$value"].as_str()
}

#[tokio::test]
async fn each_environment_has_its_own_plan_thread() {
    let server = Server::start().await;
    let env = server.env();
    let dir = "examples/mitsui-mlops";
    let dev = plan_report("plan_changes.json", None).scoped(scope("dev", dir));
    let prod = plan_report("plan_changes.json", None).scoped(scope("prod", dir));
    let other_dir = plan_report("plan_changes.json", None).scoped(scope("dev", "examples/teams"));

    let d = post(&env, &dev).await.unwrap();
    let p = post(&env, &prod).await.unwrap();
    let o = post(&env, &other_dir).await.unwrap();
    assert!(d.created && p.created && o.created, "{d:?} {p:?} {o:?}");
    assert_eq!(server.threads().len(), 3);

    // PROD has no changes any more: its thread closes, DEV's stays as it was.
    let prod_clean = plan_report("plan_no_changes.json", None).scoped(scope("prod", dir));
    let p2 = post(&env, &prod_clean).await.unwrap();
    assert_eq!(
        (p2.thread_id, p2.created, p2.status),
        (p.thread_id, false, ThreadStatus::Closed)
    );
    let threads = server.threads();
    let by_id = |id: u64| threads.iter().find(|t| t["id"] == id).unwrap();
    assert_eq!(by_id(d.thread_id)["status"], "active");
    assert_eq!(first_content(by_id(d.thread_id)), dev.markdown);
    assert_eq!(first_content(by_id(p.thread_id)), prod_clean.markdown);
    assert_eq!(
        property(by_id(p.thread_id), "snowform.scope"),
        Some("workspace=prod dir=examples/mitsui-mlops")
    );
    // Each comment says which environment it is about, under the marker.
    let first = first_content(by_id(d.thread_id));
    assert!(first.starts_with("<!-- snowform:plan -->\n<!-- snowform:scope workspace=dev dir=examples/mitsui-mlops -->\n**`examples/mitsui-mlops`** · workspace `dev`"), "{first}");

    // A DEV plan that fails replaces DEV's plan with its error and keeps the thread active.
    let failed = Report::plan_failed(
        "error: cannot reach the account: ```connection refused```",
        Some("https://dev.azure.com/fabrikam/ML%20Platform/_build/results?buildId=977"),
    )
    .scoped(scope("dev", dir));
    let f = post(&env, &failed).await.unwrap();
    assert_eq!(
        (f.thread_id, f.created, f.status),
        (d.thread_id, false, ThreadStatus::Active)
    );
    let threads = server.threads();
    let dev_thread = threads.iter().find(|t| t["id"] == d.thread_id).unwrap();
    let text = first_content(dev_thread);
    assert!(text.contains("snowform plan failed"), "{text}");
    assert!(
        text.contains("````text\nerror: cannot reach the account: ```connection refused```\n````"),
        "{text}"
    );
    assert_eq!(threads.len(), 3);
}

#[tokio::test]
async fn a_scoped_report_leaves_the_thread_of_an_unscoped_one_alone() {
    let server = Server::start().await;
    let env = server.env();
    let old = post(&env, &plan_report("plan_changes.json", None))
        .await
        .unwrap();
    let scoped = plan_report("plan_no_changes.json", None).scoped(scope("prod", "cfg"));
    let new = post(&env, &scoped).await.unwrap();
    assert!(new.created);
    assert_ne!(old.thread_id, new.thread_id);
    let again = post(&env, &plan_report("plan_changes.json", None))
        .await
        .unwrap();
    assert_eq!((again.thread_id, again.created), (old.thread_id, false));
}

#[tokio::test]
async fn other_threads_are_never_touched() {
    let server = Server::start().await;
    server.svc().threads.insert(
        1,
        json!({"id": 1, "status": "active", "isDeleted": false, "properties": {},
               "comments": [{"id": 1, "parentCommentId": 0, "content": "Please add a comment to this schema.", "isDeleted": false}]}),
    );
    let env = server.env();
    let posted = post(&env, &plan_report("plan_changes.json", None))
        .await
        .unwrap();
    assert_eq!((posted.thread_id, posted.created), (2, true));
    assert_eq!(
        first_content(&server.threads()[0]),
        "Please add a comment to this schema."
    );
}

#[tokio::test]
async fn a_rejected_token_says_to_map_system_accesstoken() {
    let server = Server::start().await;
    let bad = "expired-token-0b6f2e";
    let env = server.env_with(bad, PR);
    let err = post(&env, &drift_report()).await.unwrap_err();
    assert_eq!(err.status(), Some(401));
    let msg = err.to_string();
    assert!(msg.contains("System.AccessToken"), "{msg}");
    assert!(
        msg.contains("env: SYSTEM_ACCESSTOKEN: $(System.AccessToken)"),
        "{msg}"
    );
    assert!(msg.contains("/pullRequests/42/threads"), "{msg}");
    assert_no_token(&err, bad);
    assert!(server.threads().is_empty());
}

#[tokio::test]
async fn a_forbidden_write_names_the_permission_and_where_to_grant_it() {
    let server = Server::start().await;
    server.svc().read_only = true;
    server.svc().echo_authorization = true;
    let env = server.env();
    let err = post(&env, &plan_report("plan_changes.json", None))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(403));
    let msg = err.to_string();
    assert!(msg.contains("\"Contribute to pull requests\""), "{msg}");
    assert!(
        msg.contains("\"ML Platform Build Service (fabrikam)\""),
        "{msg}"
    );
    assert!(
        msg.contains("Project settings > Repositories > (the repository) > Security"),
        "{msg}"
    );
    assert!(msg.contains("TF401027"), "the service's own words: {msg}");
    assert_no_token(&err, TOKEN);
}

#[tokio::test]
async fn a_missing_pull_request_or_repository_prints_the_url() {
    let server = Server::start().await;
    let env = server.env_with(TOKEN, 999);
    let err = post(&env, &drift_report()).await.unwrap_err();
    assert_eq!(err.status(), Some(404));
    let msg = err.to_string();
    let url = format!(
        "{}ML%20Platform/_apis/git/repositories/{REPO}/pullRequests/999/threads?api-version=7.1",
        server.url
    );
    assert!(msg.contains(&url), "{msg}");
    assert!(
        msg.contains("the project, the repository or the pull request does not exist"),
        "{msg}"
    );
    assert!(msg.contains("TF401180"), "{msg}");

    let mut env = server.env();
    env.repository_id = "no-such-repo".into();
    let err = post(&env, &drift_report()).await.unwrap_err();
    assert_eq!(err.status(), Some(404));
    assert!(
        err.to_string().contains("/repositories/no-such-repo/"),
        "{err}"
    );
    assert_no_token(&err, TOKEN);
}

#[tokio::test]
async fn a_long_report_is_cut_below_the_limit_with_the_note() {
    let server = Server::start().await;
    let env = server.env();
    let mut report = plan_report("plan_changes.json", env.build_url.as_deref());
    // Emoji count twice, as the service counts UTF-16 code units.
    let mut md = String::from("<!-- snowform:plan -->\n## plan\n\n```sql\n");
    let mut i = 0;
    while md.len() < 400_000 {
        md.push_str(&format!("SELECT {i}; -- 😀 padding padding padding\n"));
        i += 1;
    }
    md.push_str("```\n");
    report.markdown = md;
    let posted = post(&env, &report).await.unwrap();
    assert!(posted.truncated && posted.created);

    let threads = server.threads();
    let content = first_content(&threads[0]);
    assert!(utf16_len(content) <= LIMIT, "{}", utf16_len(content));
    assert!(utf16_len(content) > LIMIT - 10_000, "kept most of it");
    assert!(
        content.trim_end().ends_with(&report.full_report_note),
        "{}",
        &content[content.len() - 300..]
    );
    assert!(report.full_report_note.contains("artifact"));
    assert!(report
        .full_report_note
        .contains(env.build_url.as_deref().unwrap()));
    // Cut at a line boundary, and the open code fence is closed before the note.
    let body = content.split("\n---\n").next().unwrap();
    assert!(
        body.ends_with("padding\n```\n"),
        "{}",
        &body[body.len() - 100..]
    );

    // The update path cuts the same way.
    report.markdown.push_str("changed\n");
    let posted = post(&env, &report).await.unwrap();
    assert!(posted.truncated && !posted.created);
    assert!(utf16_len(first_content(&server.threads()[0])) <= LIMIT);
}

#[tokio::test]
async fn throttling_and_unavailability_are_retried() {
    let server = Server::start().await;
    server.svc().faults.extend([
        Fault {
            method: Some(Method::GET),
            status: 503,
            retry_after: None,
            after: false,
        },
        Fault {
            method: Some(Method::GET),
            status: 429,
            retry_after: Some("0"),
            after: false,
        },
    ]);
    let env = server.env();
    let posted = post(&env, &drift_report()).await.unwrap();
    assert!(posted.created);
    assert_eq!(
        server.take_requests(),
        vec![
            req("GET", "threads"),
            req("GET", "threads"),
            req("GET", "threads"),
            req("POST", "threads")
        ]
    );
}

#[tokio::test]
async fn retries_are_bounded() {
    let server = Server::start().await;
    server.svc().echo_authorization = true;
    server.svc().faults.extend((0..10).map(|_| Fault {
        method: None,
        status: 503,
        retry_after: None,
        after: false,
    }));
    let env = server.env();
    let err = post(&env, &drift_report()).await.unwrap_err();
    assert_eq!(err.status(), Some(503));
    let msg = err.to_string();
    assert!(msg.contains("(4 attempts)"), "{msg}");
    assert_eq!(server.take_requests().len(), 4);
    assert_no_token(&err, TOKEN);
}

#[tokio::test]
async fn a_create_whose_answer_was_lost_is_not_duplicated() {
    let server = Server::start().await;
    // The thread is created, but the client sees 503.
    server.svc().faults.push_back(Fault {
        method: Some(Method::POST),
        status: 503,
        retry_after: None,
        after: true,
    });
    let env = server.env();
    let report = plan_report("plan_changes.json", None);
    let posted = post(&env, &report).await.unwrap();
    assert_eq!((posted.thread_id, posted.created), (1, false));
    assert_eq!(server.threads().len(), 1, "exactly one thread");
    assert_eq!(
        server.take_requests(),
        vec![
            req("GET", "threads"),
            req("POST", "threads"),
            req("GET", "threads")
        ]
    );
}

#[tokio::test]
async fn a_sign_in_page_is_an_authentication_failure() {
    // Azure DevOps answers an unusable credential with 203 and an HTML sign-in page.
    let app = Router::new().fallback(|| async {
        (
            StatusCode::NON_AUTHORITATIVE_INFORMATION,
            [("content-type", "text/html; charset=utf-8")],
            "<html><body>Azure DevOps Services | Sign In</body></html>",
        )
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let vars = BTreeMap::from([
        ("SYSTEM_COLLECTIONURI", format!("http://{addr}/{ORG}")),
        ("SYSTEM_TEAMPROJECT", PROJECT.to_string()),
        ("BUILD_REPOSITORY_ID", REPO.to_string()),
        ("SYSTEM_PULLREQUEST_PULLREQUESTID", PR.to_string()),
        ("SYSTEM_ACCESSTOKEN", TOKEN.to_string()),
    ]);
    let env = PipelineEnv::from_env(|k| vars.get(k).cloned()).unwrap();
    let err = post(&env, &drift_report()).await.unwrap_err();
    assert!(matches!(err, AzureError::Unauthorized { .. }), "{err:?}");
    assert!(err.to_string().contains("203"), "{err}");
    assert_no_token(&err, TOKEN);
}

#[tokio::test]
async fn the_token_is_not_in_debug_output_of_the_environment() {
    let server = Server::start().await;
    let env = server.env();
    assert!(!format!("{env:?}").contains(TOKEN));
    // And the secret type is the crate's redacting one.
    let _: &Secret = &env.access_token;
}

// ---------------------------------------------------------------------------------------
// The pipeline's stage scripts, for two environments of the example sharing one account,
// against the sandbox and this fake service
// ---------------------------------------------------------------------------------------

/// Run one of ci/azure/*.sh as a stage of `workspace` does, with snowform on the embedded
/// sandbox account `ci`, which every workspace shares (as one Snowflake account).
fn stage(
    script: &str,
    dir: &std::path::Path,
    out: &std::path::Path,
    workspace: &str,
    extra: &[(&str, String)],
) -> std::process::Output {
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut cmd = std::process::Command::new("bash");
    cmd.arg(repo.join("ci/azure").join(script))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", out)
        .env("SNOWFLAKE_HOME", out)
        .env("NO_COLOR", "1")
        .env("SNOWFORM_BIN", env!("CARGO_BIN_EXE_snowform"))
        .env("SNOWFORM_DIR", dir)
        .env("SNOWFORM_OUT", out.join(workspace))
        .env("SNOWFORM_WORKSPACE", workspace)
        .env("SNOWFORM_SANDBOX_ACCOUNT", "ci")
        .env("SNOWFORM_CONNECTION", "sandbox");
    for (k, v) in extra {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

/// `snowform sandbox exec SQL` on the shared account, as an administrator or someone
/// changing things by hand.
fn exec(dir: &std::path::Path, home: &std::path::Path, sql: &str) {
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_snowform"))
        .env_clear()
        .env("HOME", home)
        .env("SNOWFLAKE_HOME", home)
        .env("NO_COLOR", "1")
        .env("SNOWFORM_SANDBOX_ACCOUNT", "ci")
        .arg("-C")
        .arg(dir)
        .args(["sandbox", "exec"])
        .arg(sql)
        .output()
        .unwrap();
    assert!(o.status.success(), "{sql}: {o:?}");
}

/// `snowform state init` on the shared sandbox account, as an administrator runs it once.
fn state_init(dir: &std::path::Path, home: &std::path::Path) {
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_snowform"))
        .env_clear()
        .env("HOME", home)
        .env("SNOWFLAKE_HOME", home)
        .env("NO_COLOR", "1")
        .env("SNOWFORM_SANDBOX_ACCOUNT", "ci")
        .arg("-C")
        .arg(dir)
        .args(["--connection", "sandbox", "state", "init"])
        .output()
        .unwrap();
    assert!(o.status.success(), "state init: {o:?}");
    let said = String::from_utf8_lossy(&o.stderr);
    assert!(
        said.contains("CREATE DATABASE IF NOT EXISTS SNOWFORM")
            && said.contains("CREATE SCHEMA IF NOT EXISTS SNOWFORM.STATE"),
        "{said}"
    );
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.path().is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

fn output_text(o: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

async fn run_stage(
    script: &'static str,
    dir: &std::path::Path,
    out: &std::path::Path,
    workspace: &'static str,
    extra: Vec<(&'static str, String)>,
) -> std::process::Output {
    let (d, o) = (dir.to_path_buf(), out.to_path_buf());
    tokio::task::spawn_blocking(move || stage(script, &d, &o, workspace, &extra))
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pipeline_stages_plan_review_and_apply_two_environments() {
    let server = Server::start().await;
    let work = tempfile::tempdir().unwrap();
    let dir = work.path().join("config");
    let out = work.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    // The example as shipped: its state backend and its workspaces' variable files.
    let example = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/mitsui-mlops");
    copy_dir(&example, &dir);
    // What exists before the pipeline's first run: the state table's database and schema,
    // which an administrator creates once with `state init` (the example declares its raw
    // tables).
    state_init(&dir, &out);
    let pr_env = vec![
        ("SYSTEM_COLLECTIONURI", server.url.clone()),
        ("SYSTEM_TEAMPROJECT", PROJECT.to_string()),
        ("BUILD_REPOSITORY_ID", REPO.to_string()),
        ("SYSTEM_PULLREQUEST_PULLREQUESTID", PR.to_string()),
        ("SYSTEM_ACCESSTOKEN", TOKEN.to_string()),
        ("BUILD_BUILDID", "977".to_string()),
    ];

    // Pull request: each environment's plan in its own thread.
    for ws in ["dev", "prod"] {
        let plan = run_stage("plan.sh", &dir, &out, ws, pr_env.clone()).await;
        assert_eq!(plan.status.code(), Some(0), "{ws}: {}", output_text(&plan));
        assert!(out.join(ws).join("plan.json").exists());
    }
    let threads = server.threads();
    assert_eq!(threads.len(), 2, "{threads:#?}");
    let thread_of = |threads: &[Value], ws: &str| -> Value {
        threads
            .iter()
            .find(|t| {
                property(t, "snowform.scope")
                    .is_some_and(|s| s.starts_with(&format!("workspace={ws} ")))
            })
            .unwrap_or_else(|| panic!("no thread for {ws}: {threads:#?}"))
            .clone()
    };
    for (ws, db, wh) in [
        ("dev", "XYZ_DEV", "COMPUTE_WH_DEV"),
        ("prod", "XYZ_PROD", "COMPUTE_WH_PROD"),
    ] {
        let t = thread_of(&threads, ws);
        assert_eq!(t["status"], "active");
        let text = first_content(&t);
        assert!(text.contains(&format!("workspace `{ws}`")), "{text}");
        assert!(text.contains(db) && text.contains(wh), "{ws}: {text}");
    }

    // A PROD plan that fails (its variable file is broken) posts its error to PROD's thread
    // and leaves DEV's alone.
    let broken = work.path().join("broken.vars.hcl");
    std::fs::write(&broken, "env = \n").unwrap();
    let mut failing = pr_env.clone();
    failing.push(("SNOWFORM_VAR_FILE", broken.display().to_string()));
    let failed = run_stage("plan.sh", &dir, &out, "prod", failing).await;
    assert_eq!(failed.status.code(), Some(1), "{}", output_text(&failed));
    assert!(
        !out.join("prod/plan.json").exists(),
        "a failed plan leaves no plan to apply"
    );
    let after = server.threads();
    assert_eq!(after.len(), 2);
    let prod_text = first_content(&thread_of(&after, "prod")).to_string();
    assert!(prod_text.contains("snowform plan failed"), "{prod_text}");
    assert!(prod_text.contains("broken.vars.hcl"), "{prod_text}");
    assert_eq!(
        first_content(&thread_of(&after, "dev")),
        first_content(&thread_of(&threads, "dev"))
    );

    // Main: plan (saved, not posted), then, after approval, apply exactly that plan.
    for ws in ["dev", "prod"] {
        let plan = run_stage("plan.sh", &dir, &out, ws, vec![]).await;
        assert_eq!(plan.status.code(), Some(0), "{ws}: {}", output_text(&plan));
        assert!(output_text(&plan).contains("the plan is not posted"));
        let reviewed = out.join(format!("{ws}-reviewed.json"));
        std::fs::copy(out.join(ws).join("plan.json"), &reviewed).unwrap();
        let apply = run_stage(
            "apply.sh",
            &dir,
            &out,
            ws,
            vec![("SNOWFORM_PLAN_FILE", reviewed.display().to_string())],
        )
        .await;
        assert_eq!(
            apply.status.code(),
            Some(0),
            "{ws}: {}",
            output_text(&apply)
        );
        // The same reviewed plan again: the state moved since, so it is refused as stale.
        let again = run_stage(
            "apply.sh",
            &dir,
            &out,
            ws,
            vec![("SNOWFORM_PLAN_FILE", reviewed.display().to_string())],
        )
        .await;
        assert_eq!(
            again.status.code(),
            Some(1),
            "{ws}: {}",
            output_text(&again)
        );
        assert!(
            output_text(&again).contains("stale"),
            "{}",
            output_text(&again)
        );
    }
    // No saved plan, no apply.
    let none = run_stage(
        "apply.sh",
        &dir,
        &out,
        "dev",
        vec![(
            "SNOWFORM_PLAN_FILE",
            out.join("missing.json").display().to_string(),
        )],
    )
    .await;
    assert_eq!(none.status.code(), Some(1));
    assert!(
        output_text(&none).contains("no saved plan"),
        "{}",
        output_text(&none)
    );

    // Both environments live in one account and one state table, and neither drifted.
    for ws in ["dev", "prod"] {
        let clean = run_stage("drift.sh", &dir, &out, ws, vec![]).await;
        assert_eq!(
            clean.status.code(),
            Some(0),
            "{ws}: {}",
            output_text(&clean)
        );
    }
    // Someone changes DEV's warehouse by hand: DEV's drift check fails the run (exit 2);
    // PROD's does not.
    exec(
        &dir,
        &out,
        "ALTER WAREHOUSE COMPUTE_WH_DEV SET WAREHOUSE_SIZE = SMALL",
    );
    let drift = run_stage(
        "drift.sh",
        &dir,
        &out,
        "dev",
        vec![("TF_BUILD", "True".to_string())],
    )
    .await;
    assert_eq!(drift.status.code(), Some(2), "{}", output_text(&drift));
    assert!(
        output_text(&drift).contains("##vso[task.logissue type=warning]warehouse.compute"),
        "{}",
        output_text(&drift)
    );
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("dev/drift.json")).unwrap())
            .unwrap();
    assert_eq!(report["summary"]["changed"], 1);
    let prod = run_stage("drift.sh", &dir, &out, "prod", vec![]).await;
    assert_eq!(prod.status.code(), Some(0), "{}", output_text(&prod));
}

// ---------------------------------------------------------------------------------------
// Sensitive values across a whole cycle
// ---------------------------------------------------------------------------------------

/// The value of the sensitive variable; the quote makes SQL and JSON spell it otherwise.
const SECRET: &str = "Hunter2'Secret-4a7";

/// A sensitive variable used as written and derived (`upper`, inside a longer string).
const SENSITIVE_CONFIG: &str = r#"
variable "owner_token" {
  type      = string
  sensitive = true
}

locals {
  shouted = upper(var.owner_token)
}

warehouse "plain" {
  name    = "SECRETS_PLAIN"
  comment = "owner token ${var.owner_token}"
}

warehouse "derived" {
  name    = "SECRETS_DERIVED"
  comment = "shouted: ${local.shouted}"
}
"#;

/// Everything `snowform` printed for one run, with the environment it ran in.
fn snowform_in(
    dir: &std::path::Path,
    home: &std::path::Path,
    env: &[(&str, String)],
    args: &[&str],
) -> std::process::Output {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_snowform"));
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("SNOWFLAKE_HOME", home)
        .env("NO_COLOR", "1")
        .env("SNOWFORM_VAR_owner_token", SECRET)
        .arg("-C")
        .arg(dir)
        .args(["--connection", "sandbox"]);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.args(args).output().unwrap()
}

/// Where the secret shows, in any spelling the way out could give it.
fn leaks(text: &str) -> bool {
    let t = text.to_lowercase();
    t.contains("hunter2") || t.contains("secret-4a7")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sensitive_values_never_leave_the_account_and_the_state() {
    let server = Server::start().await;
    let work = tempfile::tempdir().unwrap();
    let dir = work.path().join("config");
    let home = work.path().join("home");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::create_dir_all(&home).unwrap();
    std::fs::write(dir.join("main.hcl"), SENSITIVE_CONFIG).unwrap();
    let pr_env = vec![
        ("SYSTEM_COLLECTIONURI", server.url.clone()),
        ("SYSTEM_TEAMPROJECT", PROJECT.to_string()),
        ("BUILD_REPOSITORY_ID", REPO.to_string()),
        ("SYSTEM_PULLREQUEST_PULLREQUESTID", PR.to_string()),
        ("SYSTEM_ACCESSTOKEN", TOKEN.to_string()),
        ("BUILD_BUILDID", "977".to_string()),
    ];
    let plan_file = work.path().join("plan.json");
    let drift_file = work.path().join("drift.json");
    let p = plan_file.to_str().unwrap().to_string();
    let df = drift_file.to_str().unwrap().to_string();

    let run = |args: &[&str], env: Vec<(&'static str, String)>, code: Option<i32>| {
        let (d, h) = (dir.clone(), home.clone());
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        async move {
            let (out, args) = tokio::task::spawn_blocking(move || {
                let a: Vec<&str> = args.iter().map(String::as_str).collect();
                (snowform_in(&d, &h, &env, &a), args)
            })
            .await
            .unwrap();
            let text = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            if let Some(code) = code {
                assert_eq!(out.status.code(), Some(code), "{args:?}:\n{text}");
            }
            assert!(
                !leaks(&text),
                "snowform {args:?} printed the sensitive value:\n{text}"
            );
            text
        }
    };
    for v in ["-v", "-vv", "-vvv"] {
        run(&[v, "plan"], vec![], Some(0)).await;
    }
    let shown = run(&["--format", "json", "plan"], vec![], Some(0)).await;
    assert!(shown.contains("(sensitive)"), "{shown}");
    run(&["--format", "markdown", "plan"], vec![], Some(0)).await;
    run(&["-vvv", "plan", "--out", &p], vec![], Some(0)).await;
    run(
        &["-vvv", "comment", "azure-devops", "--plan", &p],
        pr_env.clone(),
        Some(0),
    )
    .await;
    let applied = run(&["-vvv", "--format", "json", "apply", &p], vec![], Some(0)).await;
    assert!(
        applied.contains("CREATE WAREHOUSE SECRETS_DERIVED"),
        "{applied}"
    );
    run(&["-vvv", "--format", "markdown", "drift"], vec![], Some(0)).await;
    // Someone changes one comment by hand: drift shows what the state recorded.
    run(
        &[
            "sandbox",
            "exec",
            "ALTER WAREHOUSE SECRETS_PLAIN SET COMMENT = 'by hand'",
        ],
        vec![],
        Some(0),
    )
    .await;
    for v in ["-v", "-vv", "-vvv"] {
        run(&[v, "drift"], vec![], Some(2)).await;
    }
    run(
        &["--format", "json", "drift", "--out", &df],
        vec![],
        Some(2),
    )
    .await;
    run(
        &["-vvv", "comment", "azure-devops", "--drift", &df],
        pr_env.clone(),
        Some(0),
    )
    .await;
    // The plan puts the comment back; apply prints each statement as it runs.
    for v in ["-v", "-vvv"] {
        run(&[v, "--format", "json", "plan"], vec![], Some(0)).await;
    }
    run(&["-vvv", "apply", "--auto-approve"], vec![], Some(0)).await;
    let shown = run(&["state", "show", "warehouse.derived"], vec![], Some(0)).await;
    assert!(shown.contains("(sensitive)"), "{shown}");
    run(&["state", "list"], vec![], Some(0)).await;
    run(&["graph"], vec![], Some(0)).await;
    run(&["--format", "json", "validate"], vec![], Some(0)).await;
    // A statement that fails: the progress line, the report and the messages hide it too.
    // The plan is made without reading the account, then the warehouse goes behind
    // snowform's back, so its ALTER (holding the derived comment) fails.
    std::fs::write(
        dir.join("main.hcl"),
        SENSITIVE_CONFIG.replace("shouted: ${local.shouted}", "loud: ${local.shouted}"),
    )
    .unwrap();
    let p2 = work.path().join("offline.plan");
    let p2 = p2.to_str().unwrap();
    run(&["plan", "--refresh=false", "--out", p2], vec![], Some(0)).await;
    run(
        &["sandbox", "exec", "DROP WAREHOUSE SECRETS_DERIVED"],
        vec![],
        Some(0),
    )
    .await;
    let failed = run(&["-vvv", "--format", "json", "apply", p2], vec![], Some(1)).await;
    assert!(
        failed.contains("ALTER WAREHOUSE SECRETS_DERIVED SET COMMENT = '(sensitive)'"),
        "{failed}"
    );
    run(&["-vvv", "--format", "markdown", "apply", p2], vec![], None).await;
    run(&["-vvv", "apply", p2], vec![], None).await;
    for file in [&plan_file, &drift_file] {
        let text = std::fs::read_to_string(file).unwrap();
        assert!(
            !leaks(&text),
            "{} holds the sensitive value:\n{text}",
            file.display()
        );
    }
    let payloads = serde_json::to_string(&server.threads()).unwrap();
    let bodies: Vec<String> = server
        .svc()
        .requests
        .iter()
        .map(|r| format!("{} {:?}", r.query, r.body))
        .collect();
    assert!(payloads.contains("(sensitive)"), "{payloads}");
    assert!(
        !leaks(&payloads),
        "the comment holds the sensitive value:\n{payloads}"
    );
    assert!(!leaks(&bodies.join("\n")));
    // The account and the state hold it: that is where it is meant to go.
    let state = std::fs::read_to_string(dir.join("state/default.json")).unwrap();
    assert!(state.contains(SECRET), "{state}");
}
