//! Formatting of dates and timestamps with Java `DateTimeFormatter` patterns, as Spark's
//! `date_format` and the file sinks' `timestampFormat` / `timestampNTZFormat` / `dateFormat`
//! options use them.
//!
//! Supported pattern letters: `G y u M L d D E a h H k K m s S X x Z O`, quoted literals
//! (`'T'`, `''`) and optional sections `[...]` (always printed when formatting, as Java
//! does when every field is available). Other letters are refused.

use std::fmt::Write as _;

use super::pattern::{
    tokenize, PatternToken, UnterminatedLiteral, DAY_NAMES as DAYS, MONTH_NAMES as MONTHS,
};
use super::timestamp::civil_from_days;
use super::zone::Zone;

const MICROS_PER_DAY: i64 = 86_400_000_000;
/// Spark's default `timestampFormat` for JSON and CSV output.
pub const DEFAULT_TIMESTAMP_FORMAT: &str = "yyyy-MM-dd'T'HH:mm:ss.SSSXXX";
/// Spark's default `timestampNTZFormat` for JSON and CSV output.
pub const DEFAULT_TIMESTAMP_NTZ_FORMAT: &str = "yyyy-MM-dd'T'HH:mm:ss[.SSS]";
/// Spark's default `dateFormat` for JSON and CSV output.
pub const DEFAULT_DATE_FORMAT: &str = "yyyy-MM-dd";

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Literal(String),
    Era(usize),
    /// `y` (year of era) or `u` (proleptic year).
    Year {
        count: usize,
        of_era: bool,
    },
    Month(usize),
    Day(usize),
    DayOfYear(usize),
    DayName(usize),
    AmPm,
    /// `H` 0-23, `k` 1-24, `h` 1-12, `K` 0-11.
    Hour {
        count: usize,
        letter: char,
    },
    Minute(usize),
    Second(usize),
    Fraction(usize),
    /// `X` (zero as `Z`) and `x`.
    OffsetX {
        count: usize,
        zero_as_z: bool,
    },
    OffsetZ(usize),
    OffsetO(usize),
}

impl Token {
    fn is_time(&self) -> bool {
        matches!(
            self,
            Token::AmPm
                | Token::Hour { .. }
                | Token::Minute(_)
                | Token::Second(_)
                | Token::Fraction(_)
        )
    }

    fn is_offset(&self) -> bool {
        matches!(
            self,
            Token::OffsetX { .. } | Token::OffsetZ(_) | Token::OffsetO(_)
        )
    }
}

/// A compiled Java date-time pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateTimeFormat {
    tokens: Vec<Token>,
}

/// The calendar fields of one instant in one offset.
struct Fields {
    year: i64,
    month: u32,
    day: u32,
    day_of_year: u32,
    /// 0 = Monday.
    weekday: usize,
    micros_of_day: i64,
    offset_secs: i32,
}

impl DateTimeFormat {
    /// Compiles `pattern`; the error names what is wrong with it.
    pub fn new(pattern: &str) -> Result<Self, String> {
        let pieces = tokenize(pattern).map_err(|UnterminatedLiteral| {
            format!("Pattern ends with an incomplete string literal: {pattern}")
        })?;
        let mut tokens = Vec::new();
        let mut literal = String::new();
        for piece in pieces {
            let (c, count) = match piece {
                PatternToken::Literal(text) => {
                    literal.push_str(&text);
                    continue;
                }
                PatternToken::OptionalStart | PatternToken::OptionalEnd => continue,
                PatternToken::Reserved(c) => {
                    return Err(format!("Pattern includes reserved character: '{c}'"))
                }
                PatternToken::Letter { letter, count } => (letter, count),
            };
            if !literal.is_empty() {
                tokens.push(Token::Literal(std::mem::take(&mut literal)));
            }
            let too_many = || format!("Too many pattern letters: {c}");
            let token = match c {
                'G' if count <= 5 => Token::Era(count),
                'y' | 'u' => Token::Year {
                    count,
                    of_era: c == 'y',
                },
                'M' | 'L' if count <= 5 => Token::Month(count),
                'd' if count <= 2 => Token::Day(count),
                'D' if count <= 3 => Token::DayOfYear(count),
                'E' if count <= 5 => Token::DayName(count),
                'a' if count == 1 => Token::AmPm,
                'H' | 'k' | 'h' | 'K' if count <= 2 => Token::Hour { count, letter: c },
                'm' if count <= 2 => Token::Minute(count),
                's' if count <= 2 => Token::Second(count),
                'S' if count <= 9 => Token::Fraction(count),
                'X' | 'x' if count <= 5 => Token::OffsetX {
                    count,
                    zero_as_z: c == 'X',
                },
                'Z' if count <= 5 => Token::OffsetZ(count),
                'O' if count == 1 || count == 4 => Token::OffsetO(count),
                'G' | 'M' | 'L' | 'd' | 'D' | 'E' | 'a' | 'H' | 'k' | 'h' | 'K' | 'm' | 's'
                | 'S' | 'X' | 'x' | 'Z' | 'O' => return Err(too_many()),
                other => {
                    return Err(format!(
                        "Unsupported pattern letter '{other}' in datetime pattern {pattern}"
                    ))
                }
            };
            tokens.push(token);
        }
        if !literal.is_empty() {
            tokens.push(Token::Literal(literal));
        }
        // Without an era, Spark reads `y` as `u` (the signed year: -0044, not 0045).
        if !tokens.iter().any(|t| matches!(t, Token::Era(_))) {
            for token in &mut tokens {
                if let Token::Year { of_era, .. } = token {
                    *of_era = false;
                }
            }
        }
        Ok(DateTimeFormat { tokens })
    }

    /// Whether the pattern prints a zone offset (not allowed for `TIMESTAMP_NTZ`).
    pub fn has_offset(&self) -> bool {
        self.tokens.iter().any(Token::is_offset)
    }

    /// Whether the pattern prints a time of day or offset (not allowed for dates).
    pub fn has_time(&self) -> bool {
        self.tokens.iter().any(|t| t.is_time() || t.is_offset())
    }

    /// Formats an instant (`micros` since the epoch, UTC) as seen in `zone`, with the offset
    /// in effect at that instant. Instants too far from the epoch to shift are printed as raw
    /// micros.
    pub fn format_micros(&self, micros: i64, zone: &Zone, out: &mut String) {
        let offset_secs = zone.offset_at_utc(micros.div_euclid(1_000_000));
        let Some(local) = micros.checked_add(offset_secs as i64 * 1_000_000) else {
            let _ = write!(out, "{micros}");
            return;
        };
        let days = local.div_euclid(MICROS_PER_DAY);
        let fields = Fields::new(days, local.rem_euclid(MICROS_PER_DAY), offset_secs);
        self.format_fields(&fields, out);
    }

    /// Formats a date given as days since 1970-01-01.
    pub fn format_days(&self, days: i64, out: &mut String) {
        self.format_fields(&Fields::new(days, 0, 0), out);
    }

    fn format_fields(&self, f: &Fields, out: &mut String) {
        let hour = (f.micros_of_day / 3_600_000_000) as u32;
        let minute = (f.micros_of_day / 60_000_000 % 60) as u32;
        let second = (f.micros_of_day / 1_000_000 % 60) as u32;
        let micros = (f.micros_of_day % 1_000_000) as u32;
        for token in &self.tokens {
            match token {
                Token::Literal(text) => out.push_str(text),
                Token::Era(count) => {
                    let ad = f.year > 0;
                    out.push_str(match (count, ad) {
                        (4, true) => "Anno Domini",
                        (4, false) => "Before Christ",
                        (5, true) => "A",
                        (5, false) => "B",
                        (_, true) => "AD",
                        (_, false) => "BC",
                    });
                }
                Token::Year { count, of_era } => {
                    let value = if *of_era && f.year <= 0 {
                        1 - f.year
                    } else {
                        f.year
                    };
                    if *count == 2 {
                        let _ = write!(out, "{:02}", value.rem_euclid(100));
                    } else {
                        let digits = value.unsigned_abs().to_string();
                        if value < 0 {
                            out.push('-');
                        } else if *count >= 4 && digits.len() > *count {
                            out.push('+');
                        }
                        pad(out, &digits, *count);
                    }
                }
                Token::Month(count) => {
                    let name = MONTHS[(f.month - 1) as usize];
                    match count {
                        1 | 2 => number(out, f.month, *count),
                        3 => out.push_str(&name[..3]),
                        4 => out.push_str(name),
                        _ => out.push_str(&name[..1]),
                    }
                }
                Token::Day(count) => number(out, f.day, *count),
                Token::DayOfYear(count) => number(out, f.day_of_year, *count),
                Token::DayName(count) => {
                    let name = DAYS[f.weekday];
                    match count {
                        4 => out.push_str(name),
                        5 => out.push_str(&name[..1]),
                        _ => out.push_str(&name[..3]),
                    }
                }
                Token::AmPm => out.push_str(if hour < 12 { "AM" } else { "PM" }),
                Token::Hour { count, letter } => {
                    let value = match letter {
                        'k' if hour == 0 => 24,
                        'h' if hour.is_multiple_of(12) => 12,
                        'h' | 'K' => hour % 12,
                        _ => hour,
                    };
                    number(out, value, *count);
                }
                Token::Minute(count) => number(out, minute, *count),
                Token::Second(count) => number(out, second, *count),
                Token::Fraction(count) => {
                    let nanos = format!("{:09}", micros as u64 * 1000);
                    out.push_str(&nanos[..*count]);
                }
                Token::OffsetX { count, zero_as_z } => {
                    if *zero_as_z && f.offset_secs == 0 {
                        out.push('Z');
                    } else {
                        let style = match count {
                            1 => OffsetStyle::MaybeMinutes,
                            2 => OffsetStyle::Minutes,
                            3 => OffsetStyle::Colon,
                            4 => OffsetStyle::MaybeSeconds,
                            _ => OffsetStyle::ColonMaybeSeconds,
                        };
                        offset(out, f.offset_secs, style);
                    }
                }
                Token::OffsetZ(count) => match count {
                    1..=3 => offset(out, f.offset_secs, OffsetStyle::Minutes),
                    4 => {
                        out.push_str("GMT");
                        if f.offset_secs != 0 {
                            offset(out, f.offset_secs, OffsetStyle::ColonMaybeSeconds);
                        }
                    }
                    _ if f.offset_secs == 0 => out.push('Z'),
                    _ => offset(out, f.offset_secs, OffsetStyle::ColonMaybeSeconds),
                },
                Token::OffsetO(count) => {
                    out.push_str("GMT");
                    if f.offset_secs != 0 {
                        if *count == 4 {
                            offset(out, f.offset_secs, OffsetStyle::ColonMaybeSeconds);
                        } else {
                            let abs = f.offset_secs.unsigned_abs();
                            let sign = if f.offset_secs < 0 { '-' } else { '+' };
                            let _ = write!(out, "{sign}{}", abs / 3600);
                            if !abs.is_multiple_of(3600) {
                                let _ = write!(out, ":{:02}", abs / 60 % 60);
                            }
                            if !abs.is_multiple_of(60) {
                                let _ = write!(out, ":{:02}", abs % 60);
                            }
                        }
                    }
                }
            }
        }
    }
}

enum OffsetStyle {
    /// `+HH`, or `+HHMM` when the minutes are not zero.
    MaybeMinutes,
    /// `+HHMM`.
    Minutes,
    /// `+HH:MM`.
    Colon,
    /// `+HHMM`, or `+HHMMss` when the seconds are not zero.
    MaybeSeconds,
    /// `+HH:MM`, or `+HH:MM:ss` when the seconds are not zero.
    ColonMaybeSeconds,
}

fn offset(out: &mut String, offset_secs: i32, style: OffsetStyle) {
    let abs = offset_secs.unsigned_abs();
    let (h, m, s) = (abs / 3600, abs / 60 % 60, abs % 60);
    out.push(if offset_secs < 0 { '-' } else { '+' });
    let _ = write!(out, "{h:02}");
    match style {
        OffsetStyle::MaybeMinutes => {
            if m != 0 {
                let _ = write!(out, "{m:02}");
            }
        }
        OffsetStyle::Minutes => {
            let _ = write!(out, "{m:02}");
        }
        OffsetStyle::Colon => {
            let _ = write!(out, ":{m:02}");
        }
        OffsetStyle::MaybeSeconds => {
            let _ = write!(out, "{m:02}");
            if s != 0 {
                let _ = write!(out, "{s:02}");
            }
        }
        OffsetStyle::ColonMaybeSeconds => {
            let _ = write!(out, ":{m:02}");
            if s != 0 {
                let _ = write!(out, ":{s:02}");
            }
        }
    }
}

fn number(out: &mut String, value: u32, width: usize) {
    let _ = write!(out, "{value:0width$}");
}

fn pad(out: &mut String, digits: &str, width: usize) {
    out.extend(std::iter::repeat_n('0', width.saturating_sub(digits.len())));
    out.push_str(digits);
}

impl Fields {
    fn new(days: i64, micros_of_day: i64, offset_secs: i32) -> Self {
        let (year, month, day) = civil_from_days(days);
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        const CUMULATIVE: [u32; 12] = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
        let day_of_year = CUMULATIVE[(month - 1) as usize] + day + u32::from(leap && month > 2);
        Fields {
            year,
            month,
            day,
            day_of_year,
            // 1970-01-01 was a Thursday (index 3 counting from Monday).
            weekday: (days + 3).rem_euclid(7) as usize,
            micros_of_day,
            offset_secs,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(pattern: &str, micros: i64, offset: i32) -> String {
        let mut out = String::new();
        DateTimeFormat::new(pattern)
            .unwrap()
            .format_micros(micros, &Zone::Fixed(offset), &mut out);
        out
    }

    // 2024-03-05T01:02:03.456789Z
    const T: i64 = 1_709_600_523_456_789;

    #[test]
    fn spark_default_formats() {
        // Texts from Spark 4.3 JSON/CSV output (session time zone UTC, then +05:30).
        assert_eq!(
            ts(DEFAULT_TIMESTAMP_FORMAT, T, 0),
            "2024-03-05T01:02:03.456Z"
        );
        assert_eq!(
            ts(
                DEFAULT_TIMESTAMP_FORMAT,
                T - 5 * 3_600_000_000 - 1_800_000_000,
                19_800
            ),
            "2024-03-05T01:02:03.456+05:30"
        );
        assert_eq!(
            ts(DEFAULT_TIMESTAMP_FORMAT, -1_000, 0),
            "1969-12-31T23:59:59.999Z"
        );
        assert_eq!(
            ts(DEFAULT_TIMESTAMP_NTZ_FORMAT, T, 0),
            "2024-03-05T01:02:03.456"
        );
        // 12024-03-05T01:02:03+05:30 printed by Spark as +12024-…
        let far = 317_279_120_523_000_000i64 - 19_800_000_000;
        assert_eq!(
            ts(DEFAULT_TIMESTAMP_FORMAT, far, 19_800),
            "+12024-03-05T01:02:03.000+05:30"
        );
        let mut out = String::new();
        DateTimeFormat::new(DEFAULT_DATE_FORMAT)
            .unwrap()
            .format_days(-719_162, &mut out);
        assert_eq!(out, "0001-01-01");
    }

    #[test]
    fn custom_patterns_as_spark_prints_them() {
        // Spark 4.3, CSV options timestampFormat / dateFormat, session time zone UTC.
        assert_eq!(
            ts("dd/MM/yyyy HH:mm:ss.SSSSSS x Z EEE MMM a hh", T, 0),
            "05/03/2024 01:02:03.456789 +00 +0000 Tue Mar AM 01"
        );
        let mut out = String::new();
        DateTimeFormat::new("yy.M.d D EEEE MMMM")
            .unwrap()
            .format_days(19_787, &mut out);
        assert_eq!(out, "24.3.5 65 Tuesday March");
        assert_eq!(ts("yyyy-MM-dd HH:mm:ss", T, 0), "2024-03-05 01:02:03");
        // Without an era `y` is the signed year, as Spark prints -0044-03-15; with one, the
        // year of the era.
        let ides = super::super::timestamp::days_from_civil(-44, 3, 15);
        let date = |pattern: &str| {
            let mut out = String::new();
            DateTimeFormat::new(pattern)
                .unwrap()
                .format_days(ides, &mut out);
            out
        };
        assert_eq!(date("yyyy-MM-dd"), "-0044-03-15");
        assert_eq!(date("G yyyy"), "BC 0045");
    }

    #[test]
    fn offsets_and_literals() {
        assert_eq!(
            ts("XXX|X|XX|xxx|ZZZZ|O", 0, -3600 * 8),
            "-08:00|-08|-0800|-08:00|GMT-08:00|GMT-8"
        );
        assert_eq!(ts("X|ZZZZZ|OOOO", 0, 0), "Z|Z|GMT");
        assert_eq!(
            ts("'It''s' h a, k K", 13 * 3_600_000_000, 0),
            "It's 1 PM, 13 1"
        );
        assert_eq!(ts("h k", 0, 0), "12 24");
    }

    #[test]
    fn bad_patterns() {
        assert!(DateTimeFormat::new("yyyy-MM-dd qq").is_err());
        assert!(DateTimeFormat::new("HHH").is_err());
        assert!(DateTimeFormat::new("'open").is_err());
        assert!(DateTimeFormat::new("yyyy#").is_err());
        assert!(DateTimeFormat::new("HH").unwrap().has_time());
        assert!(DateTimeFormat::new("XXX").unwrap().has_offset());
        assert!(!DateTimeFormat::new(DEFAULT_DATE_FORMAT).unwrap().has_time());
    }
}
