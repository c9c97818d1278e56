//! The journal of changes to a state: one JSON line per change, appended beside the state
//! file and compacted into it now and then, so that recording a statement costs one short
//! line rather than a rewrite of the whole state.
//!
//! A journal continues one state file: its first line names the journal (`id`), and the
//! state file names the journal that continues it. A compaction writes the whole state
//! under a new journal id first, then starts that journal empty; a reader replays a journal
//! only when the ids match, so a journal already folded into the state (a compaction cut
//! short between the two writes) is never replayed twice. A last line without its newline
//! or that does not parse was cut short by a kill while it was written: it was never
//! acknowledged (nothing was sent on its strength), so it is ignored.

use super::record::{InProgress, State};
use crate::plan::Effect;
use serde::{Deserialize, Serialize};

/// The journal format; its first line carries it.
pub(crate) const JOURNAL_VERSION: u32 = 1;

/// One change to the state, as the apply makes them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Entry {
    /// A statement about to be sent (or owed): entered in `in_progress`.
    Start(InProgress),
    /// A statement succeeded: the effect its in-progress entry names is recorded, the entry
    /// removed, what waited for it owed outright, and the serial counts one more write.
    /// Without a request id, a step that sends nothing records `effect`.
    Done {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        effect: Option<Effect>,
    },
    /// A statement failed: it and what it owed leave `in_progress`.
    Failed { request_id: String },
}

/// The first line of a journal.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Header {
    pub journal_version: u32,
    pub id: String,
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub(crate) struct ReplayError(pub String);

impl State {
    /// Make the change `entry` describes. The apply changes its state only through this,
    /// so replaying its journal gives the state it had.
    pub(crate) fn apply_entry(&mut self, entry: &Entry) -> Result<(), ReplayError> {
        match entry {
            Entry::Start(p) => self.in_progress.push(p.clone()),
            Entry::Done {
                request_id: Some(r),
                effect,
            } => {
                let at = self
                    .in_progress
                    .iter()
                    .position(|p| &p.request_id == r)
                    .ok_or_else(|| {
                        ReplayError(format!(
                            "statement {r} is recorded done but was never entered in progress"
                        ))
                    })?;
                let started = self.in_progress.remove(at);
                let effect = effect.as_ref().or(started.effect.as_ref());
                if let Some(e) = effect {
                    self.apply_effect(e);
                }
                for p in &mut self.in_progress {
                    if p.after.as_deref() == Some(r.as_str()) {
                        p.after = None;
                    }
                }
                // As the apply always counted: a serial past the largest is refused when
                // read next, not here, half-way through recording what ran.
                self.serial = self.serial.saturating_add(1);
            }
            Entry::Done {
                request_id: None,
                effect,
            } => {
                if let Some(e) = effect {
                    self.apply_effect(e);
                }
                self.serial = self.serial.saturating_add(1);
            }
            Entry::Failed { request_id } => self.in_progress.retain(|p| {
                &p.request_id != request_id && p.after.as_deref() != Some(request_id.as_str())
            }),
        }
        Ok(())
    }
}

/// A journal's text read: its id and entries, with how it ended.
#[derive(Debug, PartialEq)]
pub struct Read {
    pub id: Option<String>,
    pub entries: Vec<Entry>,
    /// The last line was cut short and left out.
    pub torn: bool,
}

/// Parse a journal. An unreadable line other than the last is corruption (an error naming
/// its line); an unreadable or unterminated last line is a write cut short, left out.
pub fn parse(text: &[u8]) -> Result<Read, (usize, String)> {
    let mut read = Read {
        id: None,
        entries: Vec::new(),
        torn: false,
    };
    let mut lines: Vec<&[u8]> = text.split(|b| *b == b'\n').collect();
    // Text ending with a newline leaves an empty piece after it; anything else there is a
    // line whose newline never made it to the disk.
    let last = lines.pop().unwrap_or_default();
    if !last.is_empty() {
        read.torn = true;
    }
    let count = lines.len();
    for (i, line) in lines.into_iter().enumerate() {
        let is_last = i + 1 == count && !read.torn;
        if i == 0 {
            match serde_json::from_slice::<Header>(line) {
                Ok(h) if h.journal_version == JOURNAL_VERSION => read.id = Some(h.id),
                Ok(h) => {
                    return Err((
                        1,
                        format!(
                            "journal version {} (this snowform reads {JOURNAL_VERSION}): upgrade snowform",
                            h.journal_version
                        ),
                    ))
                }
                Err(_) if is_last => read.torn = true,
                Err(e) => return Err((1, e.to_string())),
            }
            continue;
        }
        match serde_json::from_slice::<Entry>(line) {
            Ok(entry) => read.entries.push(entry),
            Err(_) if is_last => read.torn = true,
            Err(e) => return Err((i + 1, e.to_string())),
        }
    }
    Ok(read)
}

/// The text of `entries` as journal lines.
pub fn lines(entries: &[Entry]) -> Vec<u8> {
    let mut out = Vec::new();
    for e in entries {
        serde_json::to_writer(&mut out, e).expect("journal entries serialise");
        out.push(b'\n');
    }
    out
}

/// The first line of a new journal.
pub fn header(id: &str) -> Vec<u8> {
    let mut out = serde_json::to_vec(&Header {
        journal_version: JOURNAL_VERSION,
        id: id.to_string(),
    })
    .expect("serialisable");
    out.push(b'\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn start(name: &str) -> Entry {
        Entry::Start(InProgress {
            statement: format!("CREATE WAREHOUSE {name}"),
            request_id: name.into(),
            started_at: "2026-01-01T00:00:00Z".into(),
            effect: None,
            after: None,
        })
    }

    #[test]
    fn a_cut_short_last_line_is_left_out_and_a_bad_earlier_line_is_an_error() {
        let mut text = header("j1");
        text.extend(lines(&[start("a"), start("b")]));
        let whole = parse(&text).unwrap();
        assert_eq!(whole.id.as_deref(), Some("j1"));
        assert_eq!(whole.entries.len(), 2);
        assert!(!whole.torn);
        // Cut anywhere inside the last line: that line alone is left out.
        let second = text.len() - lines(&[start("b")]).len();
        for cut in second + 1..text.len() {
            let read = parse(&text[..cut]).unwrap();
            assert_eq!(read.entries, vec![start("a")], "cut at {cut}");
            assert!(read.torn, "cut at {cut}");
        }
        // A damaged line followed by another is not a cut-short write.
        let mut bad = header("j1");
        bad.extend(b"{\"op\":\"start\"\n");
        bad.extend(lines(&[start("b")]));
        assert_eq!(parse(&bad).unwrap_err().0, 2);
    }

    #[test]
    fn done_records_the_effect_its_start_named_and_releases_what_it_owed() {
        let mut s = State::new("default");
        let mut owed = InProgress {
            statement: "ALTER TASK T RESUME".into(),
            request_id: "b".into(),
            started_at: "x".into(),
            effect: None,
            after: Some("a".into()),
        };
        s.apply_entry(&start("a")).unwrap();
        s.apply_entry(&Entry::Start(owed.clone())).unwrap();
        s.apply_entry(&Entry::Done {
            request_id: Some("a".into()),
            effect: None,
        })
        .unwrap();
        owed.after = None;
        assert_eq!(s.in_progress, vec![owed]);
        assert_eq!(s.serial, 1);
        assert!(s
            .apply_entry(&Entry::Done {
                request_id: Some("a".into()),
                effect: None
            })
            .is_err());
        s.apply_entry(&Entry::Failed {
            request_id: "b".into(),
        })
        .unwrap();
        assert!(s.in_progress.is_empty());
    }
}
