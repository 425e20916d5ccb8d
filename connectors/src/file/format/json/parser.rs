//! JSON syntax as Spark's Jackson parser accepts it (SEMANTICS.md §3.2): strict JSON plus
//! `allowSingleQuotes` and `allowNonNumericNumbers` (`NaN`, `Infinity`, `+Infinity`,
//! `-Infinity`, `+INF`, `-INF`), no leading zeros, no raw control characters in strings,
//! nesting depth at most [`MAX_DEPTH`]. The parser reads values and validates what it
//! skips; making rows of them is the decoder's (`json.rs`).

use super::PlainNumber;

/// Jackson's default `StreamReadConstraints.maxNestingDepth`.
pub(super) const MAX_DEPTH: usize = 1000;

/// A JSON syntax error (the whole record is malformed): byte offset and message.
#[derive(Debug)]
pub(super) struct SyntaxError {
    /// Offset of the byte where the text stopped being valid.
    pub(super) at: usize,
    /// What was expected there.
    pub(super) what: &'static str,
}

/// What parsing gives: a value, or the syntax error that makes the record malformed.
pub(super) type PResult<T> = Result<T, SyntaxError>;

/// Where a parsed string lives.
pub(super) enum StrLoc {
    /// `line[start..end]`, no escapes.
    Line(usize, usize),
    /// Unescaped into the scratch buffer.
    Scratch,
}

/// A parsed scalar or nested value, located in the line or the scratch buffer.
pub(super) enum Parsed {
    Null,
    True,
    False,
    Int(usize, usize),
    Float(usize, usize),
    Str(StrLoc),
    Nested(usize, usize),
}

/// Which of Jackson's options a parser follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Syntax {
    /// Spark's JSON reader: `NaN` and `Infinity` are numbers; a string holds no raw
    /// control character.
    Reader,
    /// `get_json_object`'s parser: a string may hold raw control characters; `NaN` and
    /// `Infinity` are not JSON.
    Path,
}

/// Reads JSON values from bytes, one token at a time.
pub(super) struct Parser<'a> {
    /// The text.
    pub(super) s: &'a [u8],
    /// Where parsing is.
    pub(super) i: usize,
    /// The options it follows.
    pub(super) syntax: Syntax,
}

/// JSON whitespace within a line: a line terminator (the rest of JSON's whitespace) ends
/// the line, so the parser stops there even when it is given the data beyond.
#[inline]
fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t')
}

impl<'a> Parser<'a> {
    /// A parser of `s` from its start, as the JSON reader parses.
    pub(super) fn new(s: &'a [u8]) -> Self {
        Parser {
            s,
            i: 0,
            syntax: Syntax::Reader,
        }
    }

    #[inline]
    pub(super) fn err<T>(&self, what: &'static str) -> PResult<T> {
        Err(SyntaxError { at: self.i, what })
    }

    #[inline]
    pub(super) fn skip_ws(&mut self) {
        while self.i < self.s.len() && is_ws(self.s[self.i]) {
            self.i += 1;
        }
    }

    #[inline]
    pub(super) fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    /// Parses a string starting at its opening quote (`"` or `'`).
    #[inline]
    pub(super) fn string(&mut self, scratch: &mut Vec<u8>) -> PResult<StrLoc> {
        let quote = self.s[self.i];
        self.i += 1;
        let start = self.i;
        // Fast scan for the common case: no escapes.
        let s = self.s;
        let mut j = find_special(s, start, quote);
        loop {
            let Some(&b) = s.get(j) else {
                self.i = j;
                return self.err("unterminated string");
            };
            if b == quote {
                self.i = j + 1;
                return Ok(StrLoc::Line(start, j));
            }
            if b >= 0x20 {
                break; // a backslash
            }
            if self.syntax == Syntax::Reader {
                self.i = j;
                return self.err("control character in string");
            }
            j = find_special(s, j + 1, quote);
        }
        scratch.clear();
        scratch.extend_from_slice(&s[start..j]);
        self.i = j;
        loop {
            let Some(b) = self.peek() else {
                return self.err("unterminated string");
            };
            if b == quote {
                self.i += 1;
                return Ok(StrLoc::Scratch);
            }
            if b < 0x20 && self.syntax == Syntax::Reader {
                return self.err("control character in string");
            }
            if b != b'\\' {
                scratch.push(b);
                self.i += 1;
                continue;
            }
            self.i += 1;
            let Some(e) = self.peek() else {
                return self.err("unterminated escape");
            };
            self.i += 1;
            match e {
                b'"' | b'\\' | b'/' | b'\'' => scratch.push(e),
                b'b' => scratch.push(8),
                b'f' => scratch.push(12),
                b'n' => scratch.push(b'\n'),
                b'r' => scratch.push(b'\r'),
                b't' => scratch.push(b'\t'),
                b'u' => {
                    let hi = self.hex4()?;
                    let c = if (0xD800..0xDC00).contains(&hi) {
                        // A high surrogate: a low one must follow to form a character.
                        if self.s.get(self.i) == Some(&b'\\')
                            && self.s.get(self.i + 1) == Some(&b'u')
                        {
                            let save = self.i;
                            self.i += 2;
                            let lo = self.hex4()?;
                            if (0xDC00..0xE000).contains(&lo) {
                                let v = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                                char::from_u32(v)
                            } else {
                                self.i = save;
                                None
                            }
                        } else {
                            None
                        }
                    } else {
                        char::from_u32(hi)
                    };
                    // A lone surrogate becomes '?' when Spark encodes the string as UTF-8.
                    let c = c.unwrap_or('?');
                    let mut buf = [0u8; 4];
                    scratch.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                }
                _ => {
                    self.i -= 1;
                    return self.err("unrecognized escape");
                }
            }
        }
    }

    /// Parses an object member's key and the `:` after it (the key's text: [`Self::text`]).
    #[inline]
    pub(super) fn member_key(&mut self, scratch: &mut Vec<u8>) -> PResult<StrLoc> {
        let key = match self.peek() {
            Some(b'"' | b'\'') => self.string(scratch)?,
            _ => return self.err("expected a field name"),
        };
        self.skip_ws();
        if self.peek() != Some(b':') {
            return self.err("expected ':'");
        }
        self.i += 1;
        self.skip_ws();
        Ok(key)
    }

    /// The text of a string [`Self::string`] parsed.
    #[inline]
    pub(super) fn text<'t>(&'t self, at: &StrLoc, scratch: &'t [u8]) -> &'t [u8] {
        match *at {
            StrLoc::Line(a, b) => &self.s[a..b],
            StrLoc::Scratch => scratch,
        }
    }

    fn hex4(&mut self) -> PResult<u32> {
        let mut v = 0u32;
        for _ in 0..4 {
            let Some(b) = self.peek() else {
                return self.err("truncated unicode escape");
            };
            let d = match b {
                b'0'..=b'9' => b - b'0',
                b'a'..=b'f' => b - b'a' + 10,
                b'A'..=b'F' => b - b'A' + 10,
                _ => return self.err("invalid unicode escape"),
            };
            v = v * 16 + u32::from(d);
            self.i += 1;
        }
        Ok(v)
    }

    /// Requires that a literal token is not directly followed by an identifier character.
    #[inline]
    pub(super) fn literal(&mut self, text: &'static [u8]) -> PResult<()> {
        if self.s[self.i..].starts_with(text) {
            self.i += text.len();
            match self.peek() {
                Some(b) if b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80 => {
                    self.err("unrecognized token")
                }
                _ => Ok(()),
            }
        } else {
            self.err("unrecognized token")
        }
    }

    /// Parses a number (Jackson's grammar, or a non-numeric number) at `self.i`.
    #[inline]
    fn number(&mut self) -> PResult<Parsed> {
        let s = self.s;
        let start = self.i;
        let mut j = start;
        let mut sign = false;
        if j < s.len() && (s[j] == b'-' || s[j] == b'+') {
            sign = true;
            j += 1;
        }
        // Non-numeric numbers: NaN, [+-]Infinity, [+-]INF (a sign is required for INF).
        if j < s.len() && (s[j] == b'I' || s[j] == b'N') {
            if self.syntax == Syntax::Path {
                self.i = j;
                return self.err("non-numeric number");
            }
            let rest = &s[j..];
            let token: &'static [u8] = if rest.starts_with(b"Infinity") {
                b"Infinity"
            } else if sign && rest.starts_with(b"INF") {
                b"INF"
            } else if !sign && rest.starts_with(b"NaN") {
                b"NaN"
            } else {
                self.i = j;
                return self.err("unexpected character");
            };
            self.i = j;
            self.literal(token)?;
            return Ok(Parsed::Float(start, self.i));
        }
        if sign && s[start] == b'+' {
            self.i = start;
            return self.err("leading '+' is not allowed");
        }
        let int_start = j;
        while j < s.len() && s[j].is_ascii_digit() {
            j += 1;
        }
        let int_len = j - int_start;
        if int_len == 0 {
            self.i = j;
            return self.err("expected a digit");
        }
        if int_len > 1 && s[int_start] == b'0' {
            self.i = int_start;
            return self.err("leading zeroes are not allowed");
        }
        let mut float = false;
        if j < s.len() && s[j] == b'.' {
            float = true;
            j += 1;
            let f = j;
            while j < s.len() && s[j].is_ascii_digit() {
                j += 1;
            }
            if j == f {
                self.i = j;
                return self.err("expected a fraction digit");
            }
        }
        if j < s.len() && (s[j] == b'e' || s[j] == b'E') {
            float = true;
            j += 1;
            if j < s.len() && (s[j] == b'+' || s[j] == b'-') {
                j += 1;
            }
            let e = j;
            while j < s.len() && s[j].is_ascii_digit() {
                j += 1;
            }
            if j == e {
                self.i = j;
                return self.err("expected an exponent digit");
            }
        }
        self.i = j;
        Ok(if float {
            Parsed::Float(start, j)
        } else {
            Parsed::Int(start, j)
        })
    }

    /// The [`PlainNumber`] at `self.i` and where it ends, or `None` (nothing read) when
    /// the number there is not plain, or is not valid: [`Self::number`] reads those.
    #[inline(always)]
    pub(super) fn plain_number(&self) -> Option<(PlainNumber, usize)> {
        let s = self.s;
        let negative = s.get(self.i) == Some(&b'-');
        let mut j = self.i + usize::from(negative);
        let mut digits: u64 = 0;
        let mut read_digits = |j: &mut usize| {
            let from = *j;
            while let Some(&b) = s.get(*j).filter(|b| b.is_ascii_digit()) {
                digits = digits.wrapping_mul(10).wrapping_add(u64::from(b - b'0'));
                *j += 1;
            }
            *j - from
        };
        let int_start = j;
        let int_len = read_digits(&mut j);
        if int_len == 0 || (int_len > 1 && s[int_start] == b'0') {
            return None;
        }
        let fraction = s.get(j) == Some(&b'.');
        let mut decimals = 0;
        if fraction {
            j += 1;
            decimals = read_digits(&mut j);
            if decimals == 0 {
                return None;
            }
        }
        if int_len + decimals > 15 || matches!(s.get(j), Some(b'e' | b'E')) {
            return None;
        }
        let number = PlainNumber {
            negative,
            digits,
            decimals,
            fraction,
        };
        Some((number, j))
    }

    /// Parses any value; objects and arrays are validated and returned as raw text.
    #[inline]
    pub(super) fn value(&mut self, scratch: &mut Vec<u8>, depth: usize) -> PResult<Parsed> {
        match self.peek() {
            Some(b'"' | b'\'') => Ok(Parsed::Str(self.string(scratch)?)),
            Some(b'-' | b'+' | b'0'..=b'9' | b'N' | b'I') => self.number(),
            Some(b't') => self.literal(b"true").map(|_| Parsed::True),
            Some(b'f') => self.literal(b"false").map(|_| Parsed::False),
            Some(b'n') => self.literal(b"null").map(|_| Parsed::Null),
            Some(b'{' | b'[') => {
                let start = self.i;
                self.skip_container(scratch, depth)?;
                Ok(Parsed::Nested(start, self.i))
            }
            Some(_) => self.err("unexpected character"),
            None => self.err("unexpected end of input"),
        }
    }

    /// Validates and skips an object or array starting at `self.i` (iteratively).
    fn skip_container(&mut self, scratch: &mut Vec<u8>, depth: usize) -> PResult<()> {
        // Stack of open containers: true = object.
        let mut stack: Vec<bool> = Vec::new();
        loop {
            // At the start of a container.
            let is_object = self.s[self.i] == b'{';
            if depth + stack.len() + 1 > MAX_DEPTH {
                return self.err("nesting depth exceeds 1000");
            }
            stack.push(is_object);
            self.i += 1;
            self.skip_ws();
            let close = if is_object { b'}' } else { b']' };
            if self.peek() == Some(close) {
                self.i += 1;
            } else {
                // Members until a nested container is entered or this one closes.
                if self.members(scratch, is_object)? {
                    continue; // entered a nested container
                }
            }
            // The container at the top of the stack has closed; continue its parent.
            stack.pop();
            loop {
                let Some(&parent_is_object) = stack.last() else {
                    return Ok(());
                };
                if self.after_member(parent_is_object)? {
                    // More members in the parent.
                    if self.members(scratch, parent_is_object)? {
                        break; // entered a nested container
                    }
                }
                stack.pop();
            }
        }
    }

    /// Parses members of the current container (positioned at a member start). Returns
    /// `true` when a nested container starts at `self.i`, `false` when the container
    /// closed (its closing bracket consumed).
    fn members(&mut self, scratch: &mut Vec<u8>, is_object: bool) -> PResult<bool> {
        loop {
            if is_object {
                self.member_key(scratch)?;
            }
            match self.peek() {
                Some(b'{' | b'[') => return Ok(true),
                _ => {
                    self.value(scratch, 0)?;
                }
            }
            if !self.after_member(is_object)? {
                return Ok(false);
            }
        }
    }

    /// After a member: consumes `,` (returns true, positioned at the next member) or the
    /// closing bracket (returns false).
    #[inline]
    pub(super) fn after_member(&mut self, is_object: bool) -> PResult<bool> {
        self.skip_ws();
        let close = if is_object { b'}' } else { b']' };
        match self.peek() {
            Some(b',') => {
                self.i += 1;
                self.skip_ws();
                Ok(true)
            }
            Some(c) if c == close => {
                self.i += 1;
                Ok(false)
            }
            _ => self.err(if is_object {
                "expected ',' or '}'"
            } else {
                "expected ',' or ']'"
            }),
        }
    }
}

/// Index of the first byte at or after `from` that is `quote`, a backslash or a control
/// character (< 0x20), or `s.len()`; sixteen bytes at a time with SSE2 (every x86-64 has
/// it), then as [`find_special_in_words`] does.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
pub(super) fn find_special(s: &[u8], from: usize, quote: u8) -> usize {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_max_epu8, _mm_movemask_epi8, _mm_or_si128,
        _mm_set1_epi8,
    };
    let mut i = from;
    // SAFETY: SSE2 is part of the x86-64 baseline, so its intrinsics are there; each load
    // reads the 16 bytes of `block`, inside `s`, and needs no alignment.
    unsafe {
        let quotes = _mm_set1_epi8(quote as i8);
        let backslashes = _mm_set1_epi8(b'\\' as i8);
        let controls = _mm_set1_epi8(0x1f);
        while i + 16 <= s.len() {
            let block = &s[i..i + 16];
            let x = _mm_loadu_si128(block.as_ptr().cast::<__m128i>());
            let special = _mm_or_si128(
                _mm_or_si128(_mm_cmpeq_epi8(x, quotes), _mm_cmpeq_epi8(x, backslashes)),
                // Bytes up to 0x1f: those the unsigned maximum with 0x1f leaves at 0x1f.
                _mm_cmpeq_epi8(_mm_max_epu8(x, controls), controls),
            );
            let found = _mm_movemask_epi8(special) as u32;
            if found != 0 {
                return i + found.trailing_zeros() as usize;
            }
            i += 16;
        }
    }
    find_special_in_words(s, i, quote)
}

/// [`find_special`] where SSE2 is not known to be there.
#[cfg(not(target_arch = "x86_64"))]
#[inline]
pub(super) fn find_special(s: &[u8], from: usize, quote: u8) -> usize {
    find_special_in_words(s, from, quote)
}

/// [`find_special`] eight bytes at a time, then byte by byte.
#[inline]
fn find_special_in_words(s: &[u8], from: usize, quote: u8) -> usize {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let rq = u64::from(quote) * LO;
    let rb = u64::from(b'\\') * LO;
    let mut i = from;
    while i + 8 <= s.len() {
        let mut word = [0u8; 8];
        word.copy_from_slice(&s[i..i + 8]);
        let x = u64::from_le_bytes(word);
        let xq = x ^ rq;
        let xb = x ^ rb;
        let found = (xq.wrapping_sub(LO) & !xq
            | xb.wrapping_sub(LO) & !xb
            | x.wrapping_sub(0x20 * LO) & !x)
            & HI;
        if found != 0 {
            return i + (found.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < s.len() {
        let b = s[i];
        if b == quote || b == b'\\' || b < 0x20 {
            return i;
        }
        i += 1;
    }
    i
}
