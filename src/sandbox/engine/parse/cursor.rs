//! A cursor over a statement's tokens with the small reading steps every statement
//! parser shares: keywords, identifiers, literals, property lists.

use super::ast::{Name, Prop, PropValue};
use crate::sql::{Token, TokenKind};

/// Why a statement could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ParseError {
    /// Not valid Snowflake SQL at `offset`.
    Syntax {
        offset: usize,
        found: Option<String>,
    },
    /// Valid or plausible Snowflake SQL that the sandbox does not emulate.
    Unsupported { what: String },
}

pub(crate) type PResult<T> = Result<T, ParseError>;

pub(crate) struct Cursor<'a> {
    pub src: &'a str,
    toks: Vec<Token>,
    pos: usize,
}

impl<'a> Cursor<'a> {
    /// `toks` holds the statement's tokens without trivia or a trailing `;`.
    pub fn new(src: &'a str, toks: Vec<Token>) -> Cursor<'a> {
        Cursor { src, toks, pos: 0 }
    }

    pub(crate) fn peek(&self) -> Option<&Token> {
        self.toks.get(self.pos)
    }

    pub(crate) fn peek_at(&self, offset: usize) -> Option<&Token> {
        self.toks.get(self.pos + offset)
    }

    pub(crate) fn at_end(&self) -> bool {
        self.pos >= self.toks.len()
    }

    pub(crate) fn advance(&mut self) -> Option<Token> {
        let t = self.toks.get(self.pos).cloned();
        if t.is_some() {
            self.pos += 1;
        }
        t
    }

    /// Byte offset of the current token, or the end of the statement.
    pub fn offset(&self) -> usize {
        self.peek()
            .map(|t| t.offset)
            .unwrap_or_else(|| self.end_offset())
    }

    /// Byte offset just past the last token consumed (the statement's start when none is).
    pub(crate) fn prev_end(&self) -> usize {
        match self.pos.checked_sub(1).and_then(|i| self.toks.get(i)) {
            Some(t) => t.offset + t.text.len(),
            None => self.toks.first().map(|t| t.offset).unwrap_or(0),
        }
    }

    /// The source text of the tokens consumed since `from` (a byte offset; 0 for the
    /// statement's start), as written.
    pub(crate) fn text_since(&self, from: usize) -> String {
        let first = self.toks.first().map(|t| t.offset).unwrap_or(0);
        let end = self.prev_end();
        self.src[from.max(first).min(end)..end].to_string()
    }

    /// Byte offset just past the statement's last token.
    pub(crate) fn end_offset(&self) -> usize {
        self.toks
            .last()
            .map(|t| t.offset + t.text.len())
            .unwrap_or(0)
    }

    /// The statement's whole text, from its first token to its last.
    pub(crate) fn full_text(&self) -> String {
        let start = self.toks.first().map(|t| t.offset).unwrap_or(0);
        self.src[start..self.end_offset()].to_string()
    }

    /// Source text from `from` to the end of the statement.
    pub(crate) fn text_from(&self, from: usize) -> String {
        self.src[from.min(self.end_offset())..self.end_offset()]
            .trim()
            .to_string()
    }

    pub(crate) fn is_kw(&self, kw: &str) -> bool {
        self.peek().is_some_and(|t| t.is_keyword(kw))
    }

    pub(crate) fn is_kw_at(&self, offset: usize, kw: &str) -> bool {
        self.peek_at(offset).is_some_and(|t| t.is_keyword(kw))
    }

    /// True when the next tokens are exactly these keywords.
    pub(crate) fn is_kws(&self, kws: &[&str]) -> bool {
        kws.iter().enumerate().all(|(i, k)| self.is_kw_at(i, k))
    }

    pub(crate) fn is_sym(&self, symbol: &str) -> bool {
        self.peek().is_some_and(|t| t.is_symbol(symbol))
    }

    pub(crate) fn eat_kw(&mut self, kw: &str) -> bool {
        if self.is_kw(kw) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// Consume the keyword sequence only if all of it is there.
    pub(crate) fn eat_kws(&mut self, kws: &[&str]) -> bool {
        if self.is_kws(kws) {
            self.pos += kws.len();
            true
        } else {
            false
        }
    }

    pub(crate) fn eat_sym(&mut self, symbol: &str) -> bool {
        if self.is_sym(symbol) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    pub(crate) fn expect_kw(&mut self, kw: &str) -> PResult<()> {
        if self.eat_kw(kw) {
            Ok(())
        } else {
            Err(self.unexpected())
        }
    }

    pub(crate) fn expect_kws(&mut self, kws: &[&str]) -> PResult<()> {
        for k in kws {
            self.expect_kw(k)?;
        }
        Ok(())
    }

    pub(crate) fn expect_sym(&mut self, symbol: &str) -> PResult<()> {
        if self.eat_sym(symbol) {
            Ok(())
        } else {
            Err(self.unexpected())
        }
    }

    /// A syntax error at the current token.
    pub(crate) fn unexpected(&self) -> ParseError {
        ParseError::Syntax {
            offset: self.offset(),
            found: self.peek().map(|t| t.text.clone()),
        }
    }

    /// Where the sandbox's grammar is a subset of Snowflake's (expressions, conditions):
    /// a token it cannot place is SQL it does not know, not necessarily invalid SQL, so it
    /// is unsupported. Running out of tokens is still a syntax error.
    pub(crate) fn beyond(&self, what: &str) -> ParseError {
        match self.peek() {
            Some(t) => self.unsupported(format!("{what} ('{}')", t.text)),
            None => self.unexpected(),
        }
    }

    /// `expect_sym` inside a subset grammar: see [`Cursor::beyond`].
    pub(crate) fn expect_sym_in(&mut self, symbol: &str, what: &str) -> PResult<()> {
        if self.eat_sym(symbol) {
            Ok(())
        } else {
            Err(self.beyond(what))
        }
    }

    pub(crate) fn unsupported(&self, what: impl Into<String>) -> ParseError {
        ParseError::Unsupported { what: what.into() }
    }

    /// One identifier in canonical form: unquoted words upper-cased, quoted kept exactly.
    pub fn ident(&mut self) -> PResult<String> {
        match self.peek() {
            Some(t) if t.kind == TokenKind::Word => {
                let v = t.text.to_ascii_uppercase();
                self.pos += 1;
                Ok(v)
            }
            Some(t) if t.kind == TokenKind::QuotedIdent && !t.value.is_empty() => {
                let v = t.value.clone();
                self.pos += 1;
                Ok(v)
            }
            _ => Err(self.unexpected()),
        }
    }

    /// A possibly qualified name of one to three identifiers.
    pub fn name(&mut self) -> PResult<Name> {
        let mut parts = vec![self.ident()?];
        while self.is_sym(".") {
            if parts.len() == 3 {
                return Err(self.unexpected());
            }
            self.pos += 1;
            parts.push(self.ident()?);
        }
        Ok(parts)
    }

    /// A comma-separated list of names.
    pub fn names(&mut self) -> PResult<Vec<Name>> {
        let mut out = vec![self.name()?];
        while self.eat_sym(",") {
            out.push(self.name()?);
        }
        Ok(out)
    }

    pub(crate) fn string(&mut self) -> PResult<String> {
        match self.peek() {
            Some(t) if t.kind == TokenKind::String => {
                let v = t.value.clone();
                self.pos += 1;
                Ok(v)
            }
            _ => Err(self.unexpected()),
        }
    }

    /// A comma-separated list of string literals.
    pub fn strings(&mut self) -> PResult<Vec<String>> {
        let mut out = vec![self.string()?];
        while self.eat_sym(",") {
            out.push(self.string()?);
        }
        Ok(out)
    }

    /// An integer literal, optionally negative.
    pub(crate) fn integer(&mut self) -> PResult<i64> {
        let neg = self.eat_sym("-");
        match self.peek() {
            Some(t) if t.kind == TokenKind::Number => {
                let v: i64 = t.text.parse().map_err(|_| self.unexpected())?;
                self.pos += 1;
                Ok(if neg { -v } else { v })
            }
            _ => Err(self.unexpected()),
        }
    }

    /// `KEY = value` pairs in any order until a token that does not start one. Keys are
    /// upper-cased; a value may be a literal, a name or a parenthesised list of pairs.
    pub fn props(&mut self) -> PResult<Vec<Prop>> {
        let mut out = Vec::new();
        while self.starts_prop() {
            out.push(self.prop()?);
        }
        Ok(out)
    }

    /// True when the next tokens read `WORD =`.
    pub(crate) fn starts_prop(&self) -> bool {
        self.peek().is_some_and(|t| t.kind == TokenKind::Word)
            && self.peek_at(1).is_some_and(|t| t.is_symbol("="))
    }

    pub(crate) fn prop(&mut self) -> PResult<Prop> {
        let offset = self.offset();
        let key = self.ident()?;
        self.expect_sym("=")?;
        let value = self.prop_value()?;
        Ok(Prop { key, value, offset })
    }

    pub(crate) fn prop_value(&mut self) -> PResult<PropValue> {
        let Some(t) = self.peek().cloned() else {
            return Err(self.unexpected());
        };
        match t.kind {
            TokenKind::String => {
                self.pos += 1;
                Ok(PropValue::Str(t.value))
            }
            TokenKind::Number => {
                self.pos += 1;
                Ok(PropValue::Num(t.text))
            }
            TokenKind::Symbol if t.text == "-" => {
                let n = self.integer()?;
                Ok(PropValue::Num(n.to_string()))
            }
            TokenKind::Symbol if t.text == "(" => {
                self.pos += 1;
                let mut inner = Vec::new();
                while !self.is_sym(")") {
                    inner.push(self.prop()?);
                    self.eat_sym(",");
                }
                self.expect_sym(")")?;
                Ok(PropValue::List(inner))
            }
            TokenKind::Word if t.is_keyword("NULL") => {
                self.pos += 1;
                Ok(PropValue::Null)
            }
            TokenKind::Word if self.peek_at(1).is_some_and(|n| n.is_symbol(".")) => {
                Ok(PropValue::Name(self.name()?))
            }
            TokenKind::Word => {
                self.pos += 1;
                Ok(PropValue::Word(t.text))
            }
            TokenKind::QuotedIdent => Ok(PropValue::Name(self.name()?)),
            _ => Err(self.unexpected()),
        }
    }

    /// Skip a balanced parenthesised group starting at the current `(`; returns the text
    /// inside it.
    pub(crate) fn balanced_group(&mut self) -> PResult<String> {
        let open = self.peek().cloned().ok_or_else(|| self.unexpected())?;
        if !open.is_symbol("(") {
            return Err(self.unexpected());
        }
        let mut depth = 0i32;
        while let Some(t) = self.advance() {
            if t.is_symbol("(") {
                depth += 1;
            } else if t.is_symbol(")") {
                depth -= 1;
                if depth == 0 {
                    let inner = &self.src[open.offset + 1..t.offset];
                    return Ok(inner.trim().to_string());
                }
            }
        }
        Err(ParseError::Syntax {
            offset: self.end_offset(),
            found: None,
        })
    }

    /// Consume tokens up to (not including) the first `AS` keyword at parenthesis depth 0;
    /// returns the text consumed, or an error when there is none.
    pub(crate) fn until_top_level_as(&mut self) -> PResult<String> {
        let start = self.offset();
        let mut depth = 0i32;
        while let Some(t) = self.peek() {
            if t.is_symbol("(") {
                depth += 1;
            } else if t.is_symbol(")") {
                depth -= 1;
            } else if depth == 0 && t.is_keyword("AS") {
                return Ok(self.src[start..t.offset].trim().to_string());
            }
            self.pos += 1;
        }
        Err(ParseError::Syntax {
            offset: self.end_offset(),
            found: None,
        })
    }
}
