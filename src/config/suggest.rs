//! "Did you mean ...?": the closest known name to a misspelt one, by edit distance.

/// The candidate closest to `name`, when it is close enough to be a likely typo.
pub(crate) fn closest<'a, I>(name: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let name_lower = name.to_ascii_lowercase();
    // A typo changes a character or two; longer names may carry more of them.
    let limit = (name.chars().count() / 3).clamp(1, 3);
    let mut best: Option<(usize, &'a str)> = None;
    for candidate in candidates {
        if candidate == name {
            continue;
        }
        let d = distance(&name_lower, &candidate.to_ascii_lowercase());
        if d <= limit && best.is_none_or(|(bd, bc)| d < bd || (d == bd && candidate < bc)) {
            best = Some((d, candidate));
        }
    }
    best.map(|(_, c)| c)
}

/// `did you mean "size"?`, when a candidate is close.
pub(crate) fn hint<'a, I>(name: &str, candidates: I) -> Option<String>
where
    I: IntoIterator<Item = &'a str>,
{
    closest(name, candidates).map(|c| format!("did you mean {c:?}?"))
}

/// Levenshtein distance over characters, counting a swap of two neighbours as one edit.
fn distance(left: &str, right: &str) -> usize {
    let left: Vec<char> = left.chars().collect();
    let right: Vec<char> = right.chars().collect();
    let mut prev2: Vec<usize> = vec![0; right.len() + 1];
    let mut prev: Vec<usize> = (0..=right.len()).collect();
    for i in 1..=left.len() {
        let mut cur = vec![i; right.len() + 1];
        for j in 1..=right.len() {
            let cost = usize::from(left[i - 1] != right[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && left[i - 1] == right[j - 2] && left[i - 2] == right[j - 1] {
                cur[j] = cur[j].min(prev2[j - 2] + 1);
            }
        }
        prev2 = std::mem::replace(&mut prev, cur);
    }
    prev[right.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        let attrs = ["size", "type", "auto_suspend", "auto_resume", "comment"];
        assert_eq!(closest("sise", attrs), Some("size"));
        assert_eq!(closest("auto_suspnd", attrs), Some("auto_suspend"));
        assert_eq!(closest("comemnt", attrs), Some("comment"));
        assert_eq!(closest("SIZE", attrs), Some("size"));
        assert_eq!(closest("warehouse_size", attrs), None);
        assert_eq!(closest("x", attrs), None);
        assert_eq!(
            hint("tpye", attrs).as_deref(),
            Some("did you mean \"type\"?")
        );
    }

    #[test]
    fn distance_counts_edits() {
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("ab", "ba"), 1);
        assert_eq!(distance("", "abc"), 3);
    }
}
