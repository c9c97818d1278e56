//! The pull-request thread resources of the Azure DevOps REST API as far as snowform uses
//! them, and how snowform recognises the thread it posted before. Pure.

use super::report::{Environment, ReportKind};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

/// The REST API version every request names.
pub(crate) const API_VERSION: &str = "7.1";

/// The thread property that marks a snowform thread; its value is the report kind.
pub(crate) const MARKER_PROPERTY: &str = "snowform.report";

/// The thread property naming the workspace and configuration directory of the report
/// (`Environment::key`). A thread without it is the report of an unnamed environment.
pub(crate) const SCOPE_PROPERTY: &str = "snowform.scope";

/// Thread statuses snowform sets or reads (CommentThreadStatus).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ThreadStatus {
    Unknown,
    Active,
    Fixed,
    WontFix,
    Closed,
    ByDesign,
    Pending,
}

impl ThreadStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ThreadStatus::Unknown => "unknown",
            ThreadStatus::Active => "active",
            ThreadStatus::Fixed => "fixed",
            ThreadStatus::WontFix => "wontFix",
            ThreadStatus::Closed => "closed",
            ThreadStatus::ByDesign => "byDesign",
            ThreadStatus::Pending => "pending",
        }
    }

    /// Responses name the status; older servers and some clients use its number.
    fn from_json(value: &Value) -> ThreadStatus {
        match value {
            Value::String(s) => match s.to_ascii_lowercase().as_str() {
                "active" => ThreadStatus::Active,
                "fixed" => ThreadStatus::Fixed,
                "wontfix" => ThreadStatus::WontFix,
                "closed" => ThreadStatus::Closed,
                "bydesign" => ThreadStatus::ByDesign,
                "pending" => ThreadStatus::Pending,
                _ => ThreadStatus::Unknown,
            },
            Value::Number(n) => match n.as_u64() {
                Some(1) => ThreadStatus::Active,
                Some(2) => ThreadStatus::Fixed,
                Some(3) => ThreadStatus::WontFix,
                Some(4) => ThreadStatus::Closed,
                Some(5) => ThreadStatus::ByDesign,
                Some(6) => ThreadStatus::Pending,
                _ => ThreadStatus::Unknown,
            },
            _ => ThreadStatus::Unknown,
        }
    }
}

#[derive(Clone, Debug, Deserialize)]
pub(crate) struct ThreadList {
    #[serde(default)]
    pub value: Vec<Thread>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Thread {
    pub id: u64,
    #[serde(default)]
    status: Value,
    #[serde(default)]
    pub comments: Vec<Comment>,
    #[serde(default)]
    properties: Option<Map<String, Value>>,
    #[serde(default)]
    pub is_deleted: bool,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Comment {
    pub id: u64,
    #[serde(default)]
    pub parent_comment_id: u64,
    #[serde(default)]
    pub content: Option<String>,
    #[serde(default)]
    pub is_deleted: bool,
}

impl Thread {
    pub fn status(&self) -> ThreadStatus {
        ThreadStatus::from_json(&self.status)
    }

    /// A string property, whether sent back in the typed envelope
    /// (`{"$type": "System.String", "$value": "plan"}`) or flat.
    pub fn property(&self, key: &str) -> Option<&str> {
        match self.properties.as_ref()?.get(key)? {
            Value::String(s) => Some(s),
            Value::Object(o) => o.get("$value").and_then(Value::as_str),
            _ => None,
        }
    }

    /// The comment that opens the thread: the earliest top-level one not deleted.
    pub(crate) fn first_comment(&self) -> Option<&Comment> {
        self.comments
            .iter()
            .filter(|c| c.parent_comment_id == 0)
            .min_by_key(|c| c.id)
            .filter(|c| !c.is_deleted)
    }

    fn is_for(&self, kind: ReportKind, scope: Option<&Environment>) -> bool {
        let content = self.first_comment().and_then(|c| c.content.as_deref());
        let kind_matches = match self.property(MARKER_PROPERTY) {
            Some(v) => v == kind.property_value(),
            // A thread whose properties were lost still starts with the report's marker.
            None => content.is_some_and(|c| c.starts_with(kind.marker())),
        };
        if !kind_matches {
            return false;
        }
        // The scope as the property says, else as the comment's hidden line says.
        let has_scope_line = |c: &str| {
            c.lines()
                .nth(1)
                .is_some_and(|l| l.starts_with("<!-- snowform:scope "))
        };
        match (self.property(SCOPE_PROPERTY), scope) {
            (Some(v), Some(s)) => v == s.key(),
            (Some(_), None) => false,
            (None, Some(s)) => {
                content.is_some_and(|c| c.lines().nth(1) == Some(s.comment_marker().as_str()))
            }
            (None, None) => !content.is_some_and(has_scope_line),
        }
    }
}

/// snowform's earlier thread for `kind` in `scope` and its first comment. Of several (two
/// runs that raced), the newest is updated.
pub fn find<'t>(
    threads: &'t [Thread],
    kind: ReportKind,
    scope: Option<&Environment>,
) -> Option<(&'t Thread, &'t Comment)> {
    threads
        .iter()
        .filter(|t| !t.is_deleted && t.is_for(kind, scope))
        .filter_map(|t| t.first_comment().map(|c| (t, c)))
        .max_by_key(|(t, _)| t.id)
}

/// The body that creates a thread.
pub(crate) fn new_thread(
    kind: ReportKind,
    scope: Option<&Environment>,
    content: &str,
    status: ThreadStatus,
) -> Value {
    let mut properties = Map::new();
    properties.insert(
        MARKER_PROPERTY.into(),
        json!({ "$type": "System.String", "$value": kind.property_value() }),
    );
    if let Some(scope) = scope {
        properties.insert(
            SCOPE_PROPERTY.into(),
            json!({ "$type": "System.String", "$value": scope.key() }),
        );
    }
    // Older servers render a comment as markdown only with this set.
    properties.insert(
        "Microsoft.TeamFoundation.Discussion.SupportsMarkdown".into(),
        json!({ "$type": "System.Int32", "$value": 1 }),
    );
    json!({
        "comments": [{ "parentCommentId": 0, "content": content, "commentType": 1 }],
        "status": status.as_str(),
        "properties": properties,
    })
}

#[derive(Serialize)]
pub(crate) struct CommentUpdate<'a> {
    pub content: &'a str,
}

#[derive(Serialize)]
pub(crate) struct StatusUpdate {
    pub status: &'static str,
}

/// What a create or update answers with: the ids snowform reports.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Created {
    pub id: u64,
    #[serde(default)]
    pub comments: Vec<Comment>,
}

/// The status a thread should end up in. A report that needs a reviewer's eye is active;
/// one that says "nothing to do" is closed, so it folds away and never blocks a
/// comment-resolution policy. An unchanged report does not reopen a thread a reviewer
/// resolved; a changed one does.
pub(crate) fn next_status(
    current: ThreadStatus,
    needs_attention: bool,
    content_changed: bool,
) -> Option<ThreadStatus> {
    let wanted = if needs_attention {
        ThreadStatus::Active
    } else {
        ThreadStatus::Closed
    };
    if current == wanted {
        return None;
    }
    if needs_attention && !content_changed && current != ThreadStatus::Closed {
        return None;
    }
    Some(wanted)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn thread(value: Value) -> Thread {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn reads_the_marker_in_either_shape() {
        let enveloped = thread(json!({"id": 1, "status": "active",
            "properties": {"snowform.report": {"$type": "System.String", "$value": "plan"}},
            "comments": [{"id": 1, "parentCommentId": 0, "content": "x"}]}));
        let flat = thread(json!({"id": 2, "status": 4,
            "properties": {"snowform.report": "drift"},
            "comments": [{"id": 1, "parentCommentId": 0, "content": "x"}]}));
        assert_eq!(enveloped.property(MARKER_PROPERTY), Some("plan"));
        assert_eq!(flat.property(MARKER_PROPERTY), Some("drift"));
        assert_eq!(enveloped.status(), ThreadStatus::Active);
        assert_eq!(flat.status(), ThreadStatus::Closed);
        let threads = vec![enveloped, flat];
        assert_eq!(find(&threads, ReportKind::Plan, None).unwrap().0.id, 1);
        assert_eq!(find(&threads, ReportKind::Drift, None).unwrap().0.id, 2);
    }

    #[test]
    fn ignores_other_threads_deleted_ones_and_replies() {
        let threads = vec![
            thread(json!({"id": 1, "comments": [{"id": 1, "content": "LGTM"}]})),
            thread(json!({"id": 2, "isDeleted": true,
                "properties": {"snowform.report": "plan"},
                "comments": [{"id": 1, "content": "old"}]})),
            thread(json!({"id": 3, "properties": {"snowform.report": "plan"},
                "comments": [{"id": 2, "parentCommentId": 1, "content": "a reply"},
                             {"id": 1, "parentCommentId": 0, "content": "the plan"}]})),
        ];
        let (t, c) = find(&threads, ReportKind::Plan, None).unwrap();
        assert_eq!((t.id, c.id), (3, 1));
        assert!(find(&threads, ReportKind::Drift, None).is_none());
    }

    #[test]
    fn falls_back_to_the_content_marker() {
        let threads = vec![thread(json!({"id": 7, "comments": [
            {"id": 1, "content": format!("{}\n## plan", ReportKind::Plan.marker())}]}))];
        assert_eq!(find(&threads, ReportKind::Plan, None).unwrap().0.id, 7);
        assert!(find(&threads, ReportKind::Drift, None).is_none());
    }

    #[test]
    fn status_transitions() {
        use ThreadStatus::*;
        // (current, needs attention, content changed) -> new status
        let cases = [
            (Active, true, true, None),
            (Active, false, true, Some(Closed)),
            (Closed, true, true, Some(Active)),
            (Closed, true, false, Some(Active)),
            (Closed, false, false, None),
            (Fixed, true, false, None),
            (Fixed, true, true, Some(Active)),
            (Fixed, false, false, Some(Closed)),
            (Pending, true, true, Some(Active)),
        ];
        for (current, attention, changed, want) in cases {
            assert_eq!(
                next_status(current, attention, changed),
                want,
                "{current:?} {attention} {changed}"
            );
        }
    }
}
