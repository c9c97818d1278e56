//! A lexer for Snowflake SQL: enough to find statement boundaries, string literals,
//! quoted identifiers and comments exactly as Snowflake reads them.

use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenKind {
    /// An unquoted identifier or keyword: `[A-Za-z_][A-Za-z0-9_$]*`.
    Word,
    /// A double-quoted identifier; `value` holds it with `""` undone.
    QuotedIdent,
    /// A single-quoted or `$$`-quoted string; `value` holds the decoded text.
    String,
    Number,
    /// A stage location such as `@DB.S.STAGE/path`, up to white space or `;`, `,`, `)`.
    Stage,
    /// Punctuation and operators: `( ) , ; . = * + - / < > ! : ->> :: <= >= <> != => ||`.
    Symbol,
    /// `--`, `//` and `/* */` comments.
    Comment,
    Whitespace,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    pub kind: TokenKind,
    /// The exact source text of the token.
    pub text: String,
    /// Decoded value: the identifier's name, the string's content; the text otherwise.
    pub value: String,
    /// Byte offset of the token in the source.
    pub offset: usize,
}

impl Token {
    /// True for an unquoted word equal to `kw`, case-insensitively.
    pub(crate) fn is_keyword(&self, kw: &str) -> bool {
        self.kind == TokenKind::Word && self.text.eq_ignore_ascii_case(kw)
    }

    pub(crate) fn is_symbol(&self, text: &str) -> bool {
        self.kind == TokenKind::Symbol && self.text == text
    }

    pub(crate) fn is_trivia(&self) -> bool {
        matches!(self.kind, TokenKind::Comment | TokenKind::Whitespace)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LexError {
    #[error("unterminated string literal starting at byte {0}")]
    UnterminatedString(usize),
    #[error("unterminated quoted identifier starting at byte {0}")]
    UnterminatedIdent(usize),
    #[error("unterminated comment starting at byte {0}")]
    UnterminatedComment(usize),
    #[error("unexpected character {1:?} at byte {0}")]
    Unexpected(usize, char),
}

impl LexError {
    pub fn offset(&self) -> usize {
        match self {
            LexError::UnterminatedString(o)
            | LexError::UnterminatedIdent(o)
            | LexError::UnterminatedComment(o)
            | LexError::Unexpected(o, _) => *o,
        }
    }
}

const MULTI_SYMBOLS: &[&str] = &["->>", "::", "<=", ">=", "<>", "!=", "=>", "||", "->"];

/// Split `src` into tokens, trivia included, so that the concatenation of every token's
/// `text` is `src` again.
pub fn tokenize(src: &str) -> Result<Vec<Token>, LexError> {
    tokens(src).collect()
}

/// The tokens of `src` one at a time: a reader that needs only the head of a long text
/// (the header of a `CREATE ... AS <query>`) stops there, without lexing the rest.
pub fn tokens(src: &str) -> impl Iterator<Item = Result<Token, LexError>> + '_ {
    lexemes(src).map(|l| l.map(Lexeme::into_token))
}

/// A token that borrows its text: only a string or quoted identifier, whose value is
/// decoded, owns one. For readers of long texts that keep nothing (`normalize_sql`).
pub(crate) struct Lexeme<'a> {
    pub kind: TokenKind,
    pub text: &'a str,
    /// The decoded value of a string or quoted identifier.
    pub decoded: Option<String>,
    pub offset: usize,
}

impl Lexeme<'_> {
    fn into_token(self) -> Token {
        let text = self.text.to_string();
        Token {
            kind: self.kind,
            value: self.decoded.unwrap_or_else(|| text.clone()),
            text,
            offset: self.offset,
        }
    }

    pub(crate) fn is_trivia(&self) -> bool {
        matches!(self.kind, TokenKind::Whitespace | TokenKind::Comment)
    }
}

/// The lexemes of `src` one at a time; after an error, nothing more.
pub(crate) fn lexemes(src: &str) -> Lexemes<'_> {
    Lexemes {
        src,
        at: 0,
        failed: false,
    }
}

/// See [`lexemes`].
pub(crate) struct Lexemes<'a> {
    src: &'a str,
    at: usize,
    failed: bool,
}

impl<'a> Iterator for Lexemes<'a> {
    type Item = Result<Lexeme<'a>, LexError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.at >= self.src.len() {
            return None;
        }
        match token_at(self.src, self.at) {
            Ok(lexeme) => {
                self.at += lexeme.text.len();
                Some(Ok(lexeme))
            }
            Err(e) => {
                self.failed = true;
                Some(Err(e))
            }
        }
    }
}

/// The token that starts at byte `start` of `src`.
fn token_at(src: &str, start: usize) -> Result<Lexeme<'_>, LexError> {
    let i = start;
    let bytes = src.as_bytes();
    let c = src[i..].chars().next().expect("in bounds");
    let (kind, end, value) = if c.is_whitespace() {
        let end = scan_while(src, i, char::is_whitespace);
        (TokenKind::Whitespace, end, None)
    } else if src[i..].starts_with("--") || src[i..].starts_with("//") {
        let end = src[i..].find('\n').map(|n| i + n).unwrap_or(src.len());
        (TokenKind::Comment, end, None)
    } else if src[i..].starts_with("/*") {
        match src[i + 2..].find("*/") {
            Some(n) => (TokenKind::Comment, i + 2 + n + 2, None),
            None => return Err(LexError::UnterminatedComment(start)),
        }
    } else if c == '\'' {
        let (end, value) = scan_single_quoted(src, i)?;
        (TokenKind::String, end, Some(value))
    } else if src[i..].starts_with("$$") {
        match src[i + 2..].find("$$") {
            Some(n) => (
                TokenKind::String,
                i + 2 + n + 2,
                Some(src[i + 2..i + 2 + n].to_string()),
            ),
            None => return Err(LexError::UnterminatedString(start)),
        }
    } else if c == '"' {
        let (end, value) = scan_quoted_ident(src, i)?;
        (TokenKind::QuotedIdent, end, Some(value))
    } else if c.is_ascii_alphabetic() || c == '_' || (!c.is_ascii() && c.is_alphabetic()) {
        let end = scan_while(src, i, |c| c.is_alphanumeric() || c == '_' || c == '$');
        (TokenKind::Word, end, None)
    } else if c == '$' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit) {
        // `$1`: a column of a query's source by its position (`SELECT $1 FROM VALUES ...`).
        let end = scan_while(src, i + 1, |c| c.is_ascii_digit());
        (TokenKind::Word, end, None)
    } else if c.is_ascii_digit() || (c == '.' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit)) {
        (TokenKind::Number, scan_number(src, i), None)
    } else if c == '@' {
        let end = scan_while(src, i + 1, |c| {
            !(c.is_whitespace() || c == ';' || c == ',' || c == ')')
        });
        (TokenKind::Stage, end, None)
    } else if let Some(sym) = MULTI_SYMBOLS.iter().find(|s| src[i..].starts_with(**s)) {
        (TokenKind::Symbol, i + sym.len(), None)
    } else if "(),;.=*+-/<>!:%[]{}?|^&~".contains(c) {
        (TokenKind::Symbol, i + c.len_utf8(), None)
    } else {
        return Err(LexError::Unexpected(start, c));
    };
    Ok(Lexeme {
        kind,
        text: &src[start..end],
        decoded: value,
        offset: start,
    })
}

fn scan_while(src: &str, from: usize, pred: impl Fn(char) -> bool) -> usize {
    src[from..]
        .char_indices()
        .find(|(_, c)| !pred(*c))
        .map(|(n, _)| from + n)
        .unwrap_or(src.len())
}

fn scan_number(src: &str, from: usize) -> usize {
    let b = src.as_bytes();
    let mut i = from;
    while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'.') {
        i += 1;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        let mut j = i + 1;
        if j < b.len() && (b[j] == b'+' || b[j] == b'-') {
            j += 1;
        }
        if j < b.len() && b[j].is_ascii_digit() {
            i = j;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
        }
    }
    i
}

/// A single-quoted string: `''` is a quote, and backslash escapes work as in Snowflake.
fn scan_single_quoted(src: &str, start: usize) -> Result<(usize, String), LexError> {
    let mut value = String::new();
    let mut chars = src[start + 1..].char_indices().peekable();
    while let Some((n, c)) = chars.next() {
        match c {
            '\'' => {
                if let Some((_, '\'')) = chars.peek() {
                    chars.next();
                    value.push('\'');
                } else {
                    return Ok((start + 1 + n + 1, value));
                }
            }
            '\\' => {
                let Some((_, e)) = chars.next() else { break };
                match e {
                    'n' => value.push('\n'),
                    't' => value.push('\t'),
                    'r' => value.push('\r'),
                    'b' => value.push('\u{8}'),
                    'f' => value.push('\u{c}'),
                    '0' => value.push('\0'),
                    'x' => {
                        let hex: String = (0..2)
                            .filter_map(|_| chars.next().map(|(_, c)| c))
                            .collect();
                        value.push(
                            u32::from_str_radix(&hex, 16)
                                .ok()
                                .and_then(char::from_u32)
                                .unwrap_or('\u{fffd}'),
                        );
                    }
                    'u' => {
                        let hex: String = (0..4)
                            .filter_map(|_| chars.next().map(|(_, c)| c))
                            .collect();
                        value.push(
                            u32::from_str_radix(&hex, 16)
                                .ok()
                                .and_then(char::from_u32)
                                .unwrap_or('\u{fffd}'),
                        );
                    }
                    other => value.push(other),
                }
            }
            c => value.push(c),
        }
    }
    Err(LexError::UnterminatedString(start))
}

fn scan_quoted_ident(src: &str, start: usize) -> Result<(usize, String), LexError> {
    let mut value = String::new();
    let mut chars = src[start + 1..].char_indices().peekable();
    while let Some((n, c)) = chars.next() {
        if c == '"' {
            if let Some((_, '"')) = chars.peek() {
                chars.next();
                value.push('"');
            } else {
                return Ok((start + 1 + n + 1, value));
            }
        } else {
            value.push(c);
        }
    }
    Err(LexError::UnterminatedIdent(start))
}

impl fmt::Display for Token {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<(TokenKind, String)> {
        tokenize(src)
            .unwrap()
            .into_iter()
            .filter(|t| !t.is_trivia())
            .map(|t| (t.kind, t.value))
            .collect()
    }

    #[test]
    fn round_trips_source_text() {
        let src = "CREATE TASK \"a\"\"b\" -- note\n AS SELECT 'it''s' /* x */ ->> 1.5e3;";
        let joined: String = tokenize(src)
            .unwrap()
            .iter()
            .map(|t| t.text.as_str())
            .collect();
        assert_eq!(joined, src);
    }

    #[test]
    fn decodes_strings_and_quoted_identifiers() {
        let toks = kinds(r#"'a''b\\c\'d\n' "x""y" $$ raw ' $$"#);
        assert_eq!(toks[0], (TokenKind::String, "a'b\\c'd\n".into()));
        assert_eq!(toks[1], (TokenKind::QuotedIdent, "x\"y".into()));
        assert_eq!(toks[2], (TokenKind::String, " raw ' ".into()));
    }

    #[test]
    fn stage_locations_are_one_token() {
        let toks = kinds("FROM @DB.S.\"st\"/a/b.txt;");
        assert_eq!(toks[1], (TokenKind::Stage, "@DB.S.\"st\"/a/b.txt".into()));
        assert_eq!(toks[2], (TokenKind::Symbol, ";".into()));
    }

    #[test]
    fn reports_unterminated_input() {
        assert_eq!(
            tokenize("SELECT 'abc"),
            Err(LexError::UnterminatedString(7))
        );
        assert_eq!(tokenize("x \"abc"), Err(LexError::UnterminatedIdent(2)));
        assert_eq!(tokenize("/* abc"), Err(LexError::UnterminatedComment(0)));
        assert_eq!(
            tokenize("'ends with backslash\\'"),
            Err(LexError::UnterminatedString(0))
        );
    }
}
