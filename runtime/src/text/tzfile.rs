//! Region time zones (`America/New_York`) from the system's TZif database
//! (`$TZDIR` or `/usr/share/zoneinfo`), including the POSIX-TZ footer that slim TZif files use
//! for current dates. Files are read once per process and cached.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use super::timestamp::{civil_from_days, days_from_civil, is_leap_year};

/// Offsets of one region over time.
#[derive(Debug, PartialEq, Eq)]
pub struct TzRules {
    /// Transition instants (seconds since the epoch, ascending).
    transitions: Vec<i64>,
    /// Offset in effect from each transition on.
    offsets: Vec<i32>,
    /// Offset before the first transition.
    initial: i32,
    /// Rule for instants after the last transition.
    footer: Option<PosixTz>,
    /// The one offset of a region that never changes (`Etc/UTC`).
    constant: Option<i32>,
}

impl TzRules {
    /// The rules of a region from its transitions, the offsets from each on, the offset
    /// before the first, and the rule after the last.
    fn new(
        transitions: Vec<i64>,
        offsets: Vec<i32>,
        initial: i32,
        footer: Option<PosixTz>,
    ) -> TzRules {
        let footer_agrees = footer
            .as_ref()
            .is_none_or(|rule| rule.dst.is_none() && rule.std == initial);
        let constant = (offsets.iter().all(|&o| o == initial) && footer_agrees).then_some(initial);
        TzRules {
            transitions,
            offsets,
            initial,
            footer,
            constant,
        }
    }

    /// The offset of a region whose offset never changes.
    #[inline]
    pub fn constant_offset(&self) -> Option<i32> {
        self.constant
    }

    /// The offset (seconds east of UTC) at `utc_secs`.
    pub fn offset_at_utc(&self, utc_secs: i64) -> i32 {
        if let Some(offset) = self.constant {
            return offset;
        }
        match self.transitions.last() {
            Some(&last) if utc_secs >= last => match &self.footer {
                Some(rule) => rule.offset_at_utc(utc_secs),
                None => self.offsets.last().copied().unwrap_or(self.initial),
            },
            Some(_) => {
                let idx = self.transitions.partition_point(|&t| t <= utc_secs);
                if idx == 0 {
                    self.initial
                } else {
                    self.offsets[idx - 1]
                }
            }
            None => match &self.footer {
                Some(rule) => rule.offset_at_utc(utc_secs),
                None => self.initial,
            },
        }
    }
}

/// Load (once) the rules of region `name`, or `None` if the database does not have it.
pub fn load(name: &str) -> Option<Arc<TzRules>> {
    static CACHE: OnceLock<Mutex<HashMap<String, Option<Arc<TzRules>>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let mut guard = cache
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(found) = guard.get(name) {
        return found.clone();
    }
    let rules = read(name).map(Arc::new);
    guard.insert(name.to_string(), rules.clone());
    rules
}

/// Files of the system database that are not region ids in Java's tz database.
const NOT_JAVA_REGIONS: &[&str] = &["Factory", "ROC", "localtime", "posixrules"];

/// Java's region id syntax, `[A-Za-z][A-Za-z0-9~/._+-]+`, without path tricks, and not one of
/// the system database's extra files or directories (`posix/…`, `right/…`, `Factory`).
fn valid_region_id(name: &str) -> bool {
    let bytes = name.as_bytes();
    !NOT_JAVA_REGIONS.contains(&name)
        && !name.starts_with("posix/")
        && !name.starts_with("right/")
        && bytes.len() >= 2
        && bytes[0].is_ascii_alphabetic()
        && bytes
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b"~/._+-".contains(&b))
        && !name
            .split('/')
            .any(|part| part.is_empty() || part == "." || part == "..")
}

/// The system time zone database: `$TZDIR`, else `/usr/share/zoneinfo`.
pub fn database_dir() -> PathBuf {
    std::env::var_os("TZDIR").map_or_else(|| PathBuf::from("/usr/share/zoneinfo"), PathBuf::from)
}

fn read(name: &str) -> Option<TzRules> {
    if !valid_region_id(name) {
        return None;
    }
    let data = std::fs::read(database_dir().join(name)).ok()?;
    parse_tzif(&data)
}

struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let out = self.data.get(self.pos..self.pos.checked_add(n)?)?;
        self.pos += n;
        Some(out)
    }
    fn be32(&mut self) -> Option<i32> {
        Some(i32::from_be_bytes(self.take(4)?.try_into().ok()?))
    }
    fn be64(&mut self) -> Option<i64> {
        Some(i64::from_be_bytes(self.take(8)?.try_into().ok()?))
    }
}

struct Header {
    version: u8,
    isutcnt: usize,
    isstdcnt: usize,
    leapcnt: usize,
    timecnt: usize,
    typecnt: usize,
    charcnt: usize,
}

fn header(r: &mut Reader<'_>) -> Option<Header> {
    if r.take(4)? != b"TZif" {
        return None;
    }
    let version = r.take(1)?[0];
    r.take(15)?;
    let mut count = || r.be32().and_then(|v| usize::try_from(v).ok());
    Some(Header {
        version,
        isutcnt: count()?,
        isstdcnt: count()?,
        leapcnt: count()?,
        timecnt: count()?,
        typecnt: count()?,
        charcnt: count()?,
    })
}

/// Parse a TZif file (RFC 8536), preferring the 64-bit data block and the footer.
fn parse_tzif(data: &[u8]) -> Option<TzRules> {
    let mut r = Reader { data, pos: 0 };
    let mut h = header(&mut r)?;
    let mut time_size = 4;
    if h.version >= b'2' {
        let v1_len =
            h.timecnt * 5 + h.typecnt * 6 + h.charcnt + h.leapcnt * 8 + h.isstdcnt + h.isutcnt;
        r.take(v1_len)?;
        h = header(&mut r)?;
        time_size = 8;
    }
    let mut transitions = Vec::with_capacity(h.timecnt);
    for _ in 0..h.timecnt {
        transitions.push(if time_size == 8 {
            r.be64()?
        } else {
            r.be32()? as i64
        });
    }
    let indices = r.take(h.timecnt)?.to_vec();
    let mut types = Vec::with_capacity(h.typecnt);
    for _ in 0..h.typecnt {
        let utoff = r.be32()?;
        r.take(2)?;
        types.push(utoff);
    }
    r.take(h.charcnt + h.leapcnt * (time_size + 4) + h.isstdcnt + h.isutcnt)?;
    let offsets = indices
        .iter()
        .map(|&i| types.get(i as usize).copied())
        .collect::<Option<Vec<_>>>()?;
    let footer = if time_size == 8 {
        let rest = &data[r.pos.min(data.len())..];
        let text = rest
            .strip_prefix(b"\n")
            .and_then(|t| t.split(|&b| b == b'\n').next());
        text.and_then(|t| std::str::from_utf8(t).ok())
            .and_then(PosixTz::parse)
    } else {
        None
    };
    Some(TzRules::new(
        transitions,
        offsets,
        types.first().copied().unwrap_or(0),
        footer,
    ))
}

/// A POSIX TZ rule such as `CET-1CEST,M3.5.0,M10.5.0/3`.
#[derive(Debug, PartialEq, Eq)]
struct PosixTz {
    /// Standard offset, seconds east of UTC.
    std: i32,
    /// Daylight rule, if any.
    dst: Option<DstRule>,
}

#[derive(Debug, PartialEq, Eq)]
struct DstRule {
    offset: i32,
    start: (RuleDate, i32),
    end: (RuleDate, i32),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RuleDate {
    /// `Jn`: day 1–365, February 29 never counted.
    Julian1(u32),
    /// `n`: day 0–365, February 29 counted.
    Julian0(u32),
    /// `Mm.w.d`: weekday `d` (0 = Sunday) of week `w` (5 = last) of month `m`.
    MonthWeekDay(u32, u32, u32),
}

impl RuleDate {
    fn day(self, year: i64) -> i64 {
        let jan1 = days_from_civil(year, 1, 1);
        match self {
            RuleDate::Julian1(n) => {
                let n = n as i64;
                jan1 + n - 1 + i64::from(is_leap_year(year) && n >= 60)
            }
            RuleDate::Julian0(n) => jan1 + n as i64,
            RuleDate::MonthWeekDay(m, w, d) => {
                let first = days_from_civil(year, m, 1);
                let weekday = (first + 4).rem_euclid(7);
                let mut day = first + (d as i64 - weekday).rem_euclid(7) + (w as i64 - 1) * 7;
                let next_month = if m == 12 {
                    days_from_civil(year + 1, 1, 1)
                } else {
                    days_from_civil(year, m + 1, 1)
                };
                while day >= next_month {
                    day -= 7;
                }
                day
            }
        }
    }
}

struct Cursor<'a> {
    s: &'a [u8],
    pos: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }
    fn eat(&mut self, b: u8) -> bool {
        if self.peek() == Some(b) {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    fn number(&mut self) -> Option<u32> {
        let start = self.pos;
        let mut v = 0u32;
        while let Some(b) = self.peek().filter(u8::is_ascii_digit) {
            v = v.checked_mul(10)?.checked_add((b - b'0') as u32)?;
            self.pos += 1;
        }
        (self.pos > start).then_some(v)
    }
    fn name(&mut self) -> Option<()> {
        if self.eat(b'<') {
            while self.peek()? != b'>' {
                self.pos += 1;
            }
            self.pos += 1;
            return Some(());
        }
        let start = self.pos;
        while self.peek().is_some_and(|b| b.is_ascii_alphabetic()) {
            self.pos += 1;
        }
        (self.pos - start >= 3).then_some(())
    }
    /// `[+-]hh[:mm[:ss]]` in seconds.
    fn duration(&mut self) -> Option<i32> {
        let sign = if self.eat(b'-') {
            -1
        } else {
            self.eat(b'+');
            1
        };
        let small = |v: u32| (v <= 1000).then_some(v as i32);
        let mut secs = small(self.number()?)? * 3600;
        if self.eat(b':') {
            secs += small(self.number()?)? * 60;
            if self.eat(b':') {
                secs += small(self.number()?)?;
            }
        }
        Some(sign * secs)
    }
    fn rule_date(&mut self) -> Option<(RuleDate, i32)> {
        let date = if self.eat(b'J') {
            RuleDate::Julian1(self.number()?)
        } else if self.eat(b'M') {
            let m = self.number()?;
            self.eat(b'.').then_some(())?;
            let w = self.number()?;
            self.eat(b'.').then_some(())?;
            let d = self.number()?;
            if !(1..=12).contains(&m) || !(1..=5).contains(&w) || d > 6 {
                return None;
            }
            RuleDate::MonthWeekDay(m, w, d)
        } else {
            RuleDate::Julian0(self.number()?)
        };
        let time = if self.eat(b'/') {
            self.duration()?
        } else {
            7200
        };
        Some((date, time))
    }
}

impl PosixTz {
    fn parse(text: &str) -> Option<PosixTz> {
        let mut c = Cursor {
            s: text.as_bytes(),
            pos: 0,
        };
        c.name()?;
        let std = -c.duration()?;
        if c.peek().is_none() {
            return Some(PosixTz { std, dst: None });
        }
        c.name()?;
        let offset = match c.peek() {
            Some(b',') | None => std + 3600,
            Some(_) => -c.duration()?,
        };
        if !c.eat(b',') {
            return Some(PosixTz { std, dst: None });
        }
        let start = c.rule_date()?;
        c.eat(b',').then_some(())?;
        let end = c.rule_date()?;
        Some(PosixTz {
            std,
            dst: Some(DstRule { offset, start, end }),
        })
    }

    fn offset_at_utc(&self, utc_secs: i64) -> i32 {
        let Some(dst) = &self.dst else {
            return self.std;
        };
        let (year, _, _) = civil_from_days((utc_secs + self.std as i64).div_euclid(86_400));
        let start = dst.start.0.day(year) * 86_400 + dst.start.1 as i64 - self.std as i64;
        let end = dst.end.0.day(year) * 86_400 + dst.end.1 as i64 - dst.offset as i64;
        let in_dst = if start < end {
            utc_secs >= start && utc_secs < end
        } else {
            !(utc_secs >= end && utc_secs < start)
        };
        if in_dst {
            dst.offset
        } else {
            self.std
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn posix_rules() {
        let ny = PosixTz::parse("EST5EDT,M3.2.0,M11.1.0").map(|r| {
            (
                r.offset_at_utc(1_705_312_800), // 2024-01-15 10:00 UTC
                r.offset_at_utc(1_720_000_000), // 2024-07-03
                r.offset_at_utc(1_710_054_000), // 2024-03-10 07:00 UTC, just after 2:00 EST
                r.offset_at_utc(1_710_053_999),
            )
        });
        assert_eq!(ny, Some((-18000, -14400, -14400, -18000)));
        let syd = PosixTz::parse("AEST-10AEDT,M10.1.0,M4.1.0/3").map(|r| {
            (
                r.offset_at_utc(1_705_312_800),
                r.offset_at_utc(1_720_000_000),
            )
        });
        assert_eq!(syd, Some((39600, 36000)));
        assert!(PosixTz::parse("<+0330>-3:30").is_some_and(|r| r.offset_at_utc(0) == 12600));
        assert!(PosixTz::parse("").is_none());
    }

    #[test]
    fn region_ids_are_checked() {
        assert!(!valid_region_id("../etc/passwd"));
        assert!(!valid_region_id("/etc/passwd"));
        assert!(!valid_region_id("America//X"));
        assert!(valid_region_id("America/New_York"));
        assert!(valid_region_id("Etc/GMT+2"));
        // In the system database but not in Java's (Spark 4.3 rejects them as a session zone).
        for id in [
            "Factory",
            "localtime",
            "posixrules",
            "posix/Europe/Paris",
            "right/UTC",
        ] {
            assert!(!valid_region_id(id), "{id}");
        }
    }

    #[test]
    fn system_database() {
        // Spark 4.3: '2024-01-15 10:00:00 America/New_York' → 1705330800000000 µs.
        let ny = crate::testing::region_zone("America/New_York");
        assert_eq!(ny.offset_at_utc(1_705_330_800), -18000);
        assert_eq!(ny.offset_at_utc(1_720_000_000), -14400);
        assert!(load("No/Such_Zone").is_none());
    }

    #[test]
    fn regions_that_never_change_offset_are_constant() {
        let constant = |name: &str| load(name).map(|rules| rules.constant_offset());
        assert_eq!(constant("Etc/UTC"), Some(Some(0)));
        assert_eq!(constant("Etc/GMT+2"), Some(Some(-7200)));
        assert_eq!(constant("America/New_York"), Some(None));
        // Fixed today, but not always: Asia/Kolkata was +05:53:20 before 1942.
        assert_eq!(constant("Asia/Kolkata"), Some(None));
    }
}
