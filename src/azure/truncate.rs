//! Fitting a report into one pull-request comment: cut at a line boundary, close the code
//! fence and `<details>` sections left open, and say where the full report is.

/// The longest comment Azure DevOps accepts, in UTF-16 code units (.NET string length).
/// It is not documented; the service's own validation error states it ("A discussion
/// comment cannot be longer than 150000 characters. Parameter name: comment.Content").
pub(crate) const SERVICE_LIMIT: usize = 150_000;

/// What snowform posts at most: the service's limit less a margin, because an undocumented
/// limit may be counted slightly differently (or lowered) without notice, and a report
/// that fails to post is worse than one cut a little earlier.
pub(crate) const COMMENT_BUDGET: usize = SERVICE_LIMIT - 2_000;

/// Length as the service counts it.
pub(crate) fn service_len(text: &str) -> usize {
    text.encode_utf16().count()
}

/// The markdown to post and whether it was cut. `note` says where the full report is.
pub(crate) fn fit(markdown: &str, note: &str, budget: usize) -> (String, bool) {
    if service_len(markdown) <= budget {
        return (markdown.to_string(), false);
    }
    let lines: Vec<&str> = markdown.split_inclusive('\n').collect();
    let total = lines.len();
    let tail = |shown: usize| {
        format!(
            "\n---\n\n:scissors: **This report was cut to fit the pull request's comment limit \
             ({shown} of {total} lines shown).** {note}\n"
        )
    };
    let mut used = 0usize;
    let mut best: Option<(usize, Markup)> = None;
    let mut markup = Markup::default();
    for (i, line) in lines.iter().enumerate() {
        markup.feed(line);
        used += service_len(line);
        let closing = markup.closing(line.ends_with('\n'));
        if used + service_len(&closing) + service_len(&tail(i + 1)) > budget {
            break;
        }
        best = Some((i + 1, markup.clone()));
    }
    let mut out = String::new();
    match best {
        Some((shown, markup)) => {
            for line in &lines[..shown] {
                out.push_str(line);
            }
            out.push_str(&markup.closing(lines[shown - 1].ends_with('\n')));
            out.push_str(&tail(shown));
        }
        None => {
            // Not even the first line fits beside the note: post the note alone.
            let t = tail(0);
            out = t
                .chars()
                .scan(0usize, |n, c| {
                    *n += c.len_utf16();
                    (*n <= budget).then_some(c)
                })
                .collect();
        }
    }
    (out, true)
}

/// The markdown constructs a cut can leave open.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Markup {
    /// The open code fence: its character and length.
    fence: Option<(char, usize)>,
    details: usize,
}

impl Markup {
    fn feed(&mut self, line: &str) {
        let t = line.trim();
        match self.fence {
            Some((c, n)) => {
                let run = t.chars().take_while(|x| *x == c).count();
                if run >= n && run == t.chars().count() {
                    self.fence = None;
                }
            }
            None => {
                for c in ['`', '~'] {
                    let run = t.chars().take_while(|x| *x == c).count();
                    if run >= 3 {
                        self.fence = Some((c, run));
                        return;
                    }
                }
                if t.starts_with("<details") {
                    self.details += 1;
                }
                if t.contains("</details>") {
                    self.details = self.details.saturating_sub(1);
                }
            }
        }
    }

    /// Text that closes what is open, starting on a new line.
    fn closing(&self, at_line_start: bool) -> String {
        let mut out = String::new();
        if !at_line_start {
            out.push('\n');
        }
        if let Some((c, n)) = self.fence {
            out.extend(std::iter::repeat_n(c, n));
            out.push('\n');
        }
        for _ in 0..self.details {
            out.push_str("</details>\n");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_reports_are_left_alone() {
        let (out, cut) = fit("# hi\n\nbody\n", "see the run", 100);
        assert_eq!(out, "# hi\n\nbody\n");
        assert!(!cut);
    }

    #[test]
    fn cuts_at_a_line_boundary_within_the_budget_with_the_note() {
        let md: String = (0..1000)
            .map(|i| format!("| row {i} | value |\n"))
            .collect();
        let (out, cut) = fit(&md, "The full report is an artifact.", 2_000);
        assert!(cut);
        assert!(service_len(&out) <= 2_000, "{}", service_len(&out));
        assert!(out.ends_with("The full report is an artifact.\n"), "{out}");
        let body = out.split("\n---\n").next().unwrap();
        assert!(body
            .lines()
            .all(|l| l.starts_with("| row ") && l.ends_with(" |")));
        assert!(out.contains("lines shown"));
        // It keeps as much as fits: one more row would not.
        let shown = body.lines().count();
        assert!(
            out.contains(&format!("({shown} of 1000 lines shown)")),
            "{out}"
        );
        assert!(service_len(&out) + "| row 999 | value |\n".len() > 2_000);
    }

    #[test]
    fn closes_an_open_code_fence_and_details() {
        let mut md = String::from("<!-- m -->\n<details><summary>x</summary>\n\n```sql\n");
        for i in 0..500 {
            md.push_str(&format!("SELECT {i};\n"));
        }
        md.push_str("```\n\n</details>\n");
        let (out, cut) = fit(&md, "note", 1_000);
        assert!(cut);
        assert!(service_len(&out) <= 1_000);
        let body = out.split("\n---\n").next().unwrap();
        assert!(body.ends_with("```\n</details>\n"), "{body}");
    }

    #[test]
    fn counts_as_the_service_does() {
        // Each emoji is two UTF-16 code units (and four UTF-8 bytes).
        let md = "😀\n".repeat(100);
        assert_eq!(service_len(&md), 300);
        let (out, cut) = fit(&md, "n", 250);
        assert!(cut);
        assert!(service_len(&out) <= 250);
    }

    #[test]
    fn a_fence_inside_a_longer_fence_does_not_close_it() {
        let mut m = Markup::default();
        m.feed("````diff\n");
        m.feed("```\n");
        assert_eq!(m.fence, Some(('`', 4)));
        m.feed("<details>\n");
        assert_eq!(m.details, 0);
        m.feed("````\n");
        assert_eq!(m.fence, None);
    }
}
