//! Spark's datetime patterns (java.time `DateTimeFormatter.ofPattern` syntax): splitting a
//! pattern into letter runs, literals and optional sections, plus the English month and day
//! names. The operators parse with these patterns (`to_timestamp(s, fmt)`), the file sinks
//! format with them (`timestampFormat`).

/// English month names (`MMMM`), January first.
pub const MONTH_NAMES: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// English day-of-week names (`EEEE`), Monday first.
pub const DAY_NAMES: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// One piece of a datetime pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PatternToken {
    /// A run of one ASCII letter: `yyyy` is `Letter { letter: 'y', count: 4 }`.
    Letter {
        /// The pattern letter.
        letter: char,
        /// How many times it repeats.
        count: usize,
    },
    /// Literal text: a quoted section (`'T'`, `''` for a quote) or one other character.
    Literal(String),
    /// `[`: an optional section starts.
    OptionalStart,
    /// `]`: an optional section ends.
    OptionalEnd,
    /// `#`, `{` or `}`, which java.time reserves.
    Reserved(char),
}

/// The pattern ends inside a quoted literal (`'open`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnterminatedLiteral;

/// Split `pattern` into tokens with java.time's rules for quotes: `'text'` is literal text,
/// `''` inside or outside quotes is one quote.
pub fn tokenize(pattern: &str) -> Result<Vec<PatternToken>, UnterminatedLiteral> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' {
            let mut j = i + 1;
            let mut text = String::new();
            loop {
                match chars.get(j) {
                    None => return Err(UnterminatedLiteral),
                    Some('\'') if chars.get(j + 1) == Some(&'\'') => {
                        text.push('\'');
                        j += 2;
                    }
                    Some('\'') => break,
                    Some(&ch) => {
                        text.push(ch);
                        j += 1;
                    }
                }
            }
            tokens.push(PatternToken::Literal(if j == i + 1 {
                "'".into()
            } else {
                text
            }));
            i = j + 1;
            continue;
        }
        let token = match c {
            '[' => PatternToken::OptionalStart,
            ']' => PatternToken::OptionalEnd,
            '#' | '{' | '}' => PatternToken::Reserved(c),
            c if c.is_ascii_alphabetic() => {
                let mut count = 1;
                while chars.get(i + count) == Some(&c) {
                    count += 1;
                }
                i += count;
                tokens.push(PatternToken::Letter { letter: c, count });
                continue;
            }
            c => PatternToken::Literal(c.to_string()),
        };
        tokens.push(token);
        i += 1;
    }
    Ok(tokens)
}

#[cfg(test)]
mod tests {
    use super::*;
    use PatternToken::*;

    fn letter(letter: char, count: usize) -> PatternToken {
        Letter { letter, count }
    }

    #[test]
    fn tokens() {
        assert_eq!(
            tokenize("yyyy-MM'T'[.SSS]#"),
            Ok(vec![
                letter('y', 4),
                Literal("-".into()),
                letter('M', 2),
                Literal("T".into()),
                OptionalStart,
                Literal(".".into()),
                letter('S', 3),
                OptionalEnd,
                Reserved('#'),
            ])
        );
        assert_eq!(tokenize("''"), Ok(vec![Literal("'".into())]));
        assert_eq!(tokenize("'it''s'"), Ok(vec![Literal("it's".into())]));
        assert_eq!(tokenize("''''"), Ok(vec![Literal("'".into())]));
        assert_eq!(tokenize("'open"), Err(UnterminatedLiteral));
    }
}
