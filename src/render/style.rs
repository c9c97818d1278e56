//! Terminal colour, only when asked for (a terminal, and no NO_COLOR / --no-color).

#[derive(Clone, Copy, Debug, Default)]
pub struct Style {
    pub color: bool,
}

impl Style {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
    pub(crate) fn green(&self, text: &str) -> String {
        self.paint("32", text)
    }
    pub(crate) fn yellow(&self, text: &str) -> String {
        self.paint("33", text)
    }
    pub(crate) fn red(&self, text: &str) -> String {
        self.paint("31", text)
    }
    pub(crate) fn magenta(&self, text: &str) -> String {
        self.paint("35", text)
    }
    pub(crate) fn bold(&self, text: &str) -> String {
        self.paint("1", text)
    }
    pub(crate) fn dim(&self, text: &str) -> String {
        self.paint("2", text)
    }
}

/// `text` with control characters other than tab written as `\u{..}` escapes: SQL bodies
/// come from pull requests, and an escape sequence printed raw would drive the terminal
/// (rewrite what is shown above it, set the window title, ...).
pub fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    if !text
        .chars()
        .any(|c| c.is_control() && c != '\t' && c != '\n')
    {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_control() && c != '\t' && c != '\n' {
            out.push_str(&c.escape_unicode().to_string());
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod printable_tests {
    #[test]
    fn escape_sequences_are_shown_not_sent() {
        assert_eq!(super::printable("SELECT 1"), "SELECT 1");
        assert_eq!(
            super::printable("SELECT '\u{1b}]0;pwned\u{7}\u{1b}[2J'\r"),
            "SELECT '\\u{1b}]0;pwned\\u{7}\\u{1b}[2J'\\u{d}"
        );
        assert_eq!(super::printable("a\tb\nc"), "a\tb\nc");
    }
}
