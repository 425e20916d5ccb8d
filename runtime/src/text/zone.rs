//! Zone ids inside timestamp strings, resolved like Spark's `DateTimeUtils.getZoneId`:
//! `java.time.ZoneId.of(id, SHORT_IDS)` after Spark's `±h:` → `±0h:` and `±hh:m` → `±hh:0m`
//! rewrites. Fixed offsets are computed here; region ids (`Europe/Paris`) come from the system
//! time zone database through [`super::tzfile`].

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

use super::number::java_trim;
use super::timestamp::trim;
use super::tzfile::{self, TzRules};

/// A resolved zone.
#[derive(Debug, Clone)]
pub enum Zone {
    /// A fixed offset, seconds east of UTC.
    Fixed(i32),
    /// A region with daylight-saving rules.
    Region(Arc<TzRules>),
}

impl Zone {
    /// The offset (seconds east of UTC) in effect at `utc_secs`.
    pub fn offset_at_utc(&self, utc_secs: i64) -> i32 {
        match self {
            Zone::Fixed(secs) => *secs,
            Zone::Region(rules) => rules.offset_at_utc(utc_secs),
        }
    }

    /// The offset to use for a local date-time (seconds since the epoch as if the zone were
    /// UTC), with `ZonedDateTime.of` rules: in an overlap the earlier offset, in a gap the
    /// offset before the gap (which moves the time forward by the gap's length).
    pub fn offset_for_local(&self, local_secs: i64) -> i32 {
        match self {
            Zone::Fixed(secs) => *secs,
            Zone::Region(rules) => {
                let before = rules.offset_at_utc(local_secs - 86_400);
                let after = rules.offset_at_utc(local_secs + 86_400);
                if rules.offset_at_utc(local_secs - before as i64) == before {
                    before
                } else if rules.offset_at_utc(local_secs - after as i64) == after {
                    after
                } else {
                    before
                }
            }
        }
    }
}

/// Resolves zone texts, caching region lookups for one batch.
#[derive(Default)]
pub struct ZoneResolver {
    regions: RefCell<HashMap<Box<[u8]>, Option<Zone>>>,
}

/// Java's `ZoneId.SHORT_IDS`.
const SHORT_IDS: &[(&str, &str)] = &[
    ("ACT", "Australia/Darwin"),
    ("AET", "Australia/Sydney"),
    ("AGT", "America/Argentina/Buenos_Aires"),
    ("ART", "Africa/Cairo"),
    ("AST", "America/Anchorage"),
    ("BET", "America/Sao_Paulo"),
    ("BST", "Asia/Dhaka"),
    ("CAT", "Africa/Harare"),
    ("CNT", "America/St_Johns"),
    ("CST", "America/Chicago"),
    ("CTT", "Asia/Shanghai"),
    ("EAT", "Africa/Addis_Ababa"),
    ("ECT", "Europe/Paris"),
    ("EST", "-05:00"),
    ("HST", "-10:00"),
    ("IET", "America/Indiana/Indianapolis"),
    ("IST", "Asia/Kolkata"),
    ("JST", "Asia/Tokyo"),
    ("MIT", "Pacific/Apia"),
    ("MST", "-07:00"),
    ("NET", "Asia/Yerevan"),
    ("NST", "Pacific/Auckland"),
    ("PLT", "Asia/Karachi"),
    ("PNT", "America/Phoenix"),
    ("PRT", "America/Puerto_Rico"),
    ("PST", "America/Los_Angeles"),
    ("SST", "Pacific/Guadalcanal"),
    ("VST", "Asia/Ho_Chi_Minh"),
];

impl ZoneResolver {
    /// Resolve the zone part of a timestamp string (untrimmed), or `None` if Java would reject
    /// it.
    pub fn resolve(&self, text: &[u8]) -> Option<Zone> {
        let text = java_trim(text);
        let mut buf = [0u8; 64];
        let id = spark_rewrite(text, &mut buf)?;
        if let Some(offset) = fixed_zone(id) {
            return offset.map(Zone::Fixed);
        }
        if let Some(cached) = self.regions.borrow().get(id) {
            return cached.clone();
        }
        let resolved = region(id);
        self.regions
            .borrow_mut()
            .insert(id.into(), resolved.clone());
        resolved
    }
}

/// A zone id that must be a fixed offset (a `timeZone` option), resolved like
/// [`ZoneResolver::resolve`] but without the time zone database: the offset in seconds east of
/// UTC, or `None` for region ids (`America/New_York`, `PST`) and ids Java rejects.
pub fn fixed_offset(id: &[u8]) -> Option<i32> {
    let mut buf = [0u8; 64];
    let id = spark_rewrite(trim(id), &mut buf)?;
    fixed_zone(id)?
}

/// Spark's two `replaceFirst` rewrites, into `buf`. `None` if the id is too long to be valid.
fn spark_rewrite<'a>(text: &[u8], buf: &'a mut [u8; 64]) -> Option<&'a [u8]> {
    if text.len() + 2 > buf.len() {
        return None;
    }
    let mut len = 0;
    // `(\+|\-)(\d):` → `$10$2:` (first match).
    let mut first = None;
    for k in 0..text.len().saturating_sub(2) {
        if (text[k] == b'+' || text[k] == b'-')
            && text[k + 1].is_ascii_digit()
            && text[k + 2] == b':'
        {
            first = Some(k);
            break;
        }
    }
    for (k, &b) in text.iter().enumerate() {
        if Some(k) == first.map(|f| f + 1) {
            buf[len] = b'0';
            len += 1;
        }
        buf[len] = b;
        len += 1;
    }
    // `(\+|\-)(\d\d):(\d)$` → `$1$2:0$3`.
    if len >= 5 {
        let t = &buf[len - 5..len];
        if (t[0] == b'+' || t[0] == b'-')
            && t[1].is_ascii_digit()
            && t[2].is_ascii_digit()
            && t[3] == b':'
            && t[4].is_ascii_digit()
        {
            buf[len] = buf[len - 1];
            buf[len - 1] = b'0';
            len += 1;
        }
    }
    Some(&buf[..len])
}

/// Zones that need no database: `Some(Some(offset))` for a fixed offset, `Some(None)` for an
/// id Java rejects, `None` for a region id to look up.
fn fixed_zone(id: &[u8]) -> Option<Option<i32>> {
    if let Some((_, target)) = SHORT_IDS.iter().find(|(short, _)| short.as_bytes() == id) {
        let target = target.as_bytes();
        return if target[0] == b'-' {
            Some(offset_id(target))
        } else {
            None
        };
    }
    if id.len() <= 1 || id[0] == b'+' || id[0] == b'-' {
        return Some(offset_id(id));
    }
    let prefix = if id.starts_with(b"UTC") || id.starts_with(b"GMT") {
        3
    } else if id.starts_with(b"UT") {
        2
    } else {
        return None;
    };
    if id.len() == prefix {
        return Some(Some(0));
    }
    if id[prefix] != b'+' && id[prefix] != b'-' {
        return None;
    }
    Some(offset_id(&id[prefix..]))
}

/// `java.time.ZoneOffset.of`: `Z`, `±h`, `±hh`, `±hhmm`, `±hh:mm`, `±hhmmss`, `±hh:mm:ss`,
/// at most ±18:00.
fn offset_id(id: &[u8]) -> Option<i32> {
    if id == b"Z" {
        return Some(0);
    }
    let two = |at: usize, colon: bool| -> Option<i32> {
        if colon && id.get(at.wrapping_sub(1)) != Some(&b':') {
            return None;
        }
        let (a, b) = (*id.get(at)?, *id.get(at + 1)?);
        if a.is_ascii_digit() && b.is_ascii_digit() {
            Some(((a - b'0') * 10 + (b - b'0')) as i32)
        } else {
            None
        }
    };
    let (hours, minutes, seconds) = match id.len() {
        2 => {
            let d = id[1];
            if !d.is_ascii_digit() {
                return None;
            }
            ((d - b'0') as i32, 0, 0)
        }
        3 => (two(1, false)?, 0, 0),
        5 => (two(1, false)?, two(3, false)?, 0),
        6 => (two(1, false)?, two(4, true)?, 0),
        7 => (two(1, false)?, two(3, false)?, two(5, false)?),
        9 => (two(1, false)?, two(4, true)?, two(7, true)?),
        _ => return None,
    };
    let sign = match id[0] {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    if hours > 18 || minutes > 59 || seconds > 59 {
        return None;
    }
    let total = hours * 3600 + minutes * 60 + seconds;
    if total > 18 * 3600 {
        return None;
    }
    Some(sign * total)
}

/// A region id (after the short-id mapping), from the time zone database.
fn region(id: &[u8]) -> Option<Zone> {
    let name = std::str::from_utf8(id).ok()?;
    let name = SHORT_IDS
        .iter()
        .find(|(short, _)| *short == name)
        .map_or(name, |(_, long)| long);
    tzfile::load(name).map(Zone::Region)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixed(s: &str) -> Option<i32> {
        match ZoneResolver::default().resolve(s.as_bytes())? {
            Zone::Fixed(secs) => Some(secs),
            Zone::Region(_) => None,
        }
    }

    #[test]
    fn offsets_like_java_zone_offset_of() {
        assert_eq!(fixed("Z"), Some(0));
        assert_eq!(fixed(" +01:00"), Some(3600));
        assert_eq!(fixed("+0100"), Some(3600));
        assert_eq!(fixed("+01"), Some(3600));
        assert_eq!(fixed("+1"), Some(3600));
        assert_eq!(fixed("-1:30"), Some(-5400));
        assert_eq!(fixed("+01:3"), Some(3780));
        assert_eq!(fixed("+01:00:30"), Some(3630));
        assert_eq!(fixed("+010000"), Some(3600));
        assert_eq!(fixed("+18:00"), Some(64800));
        assert_eq!(fixed("+19:00"), None);
        assert_eq!(fixed("+18:01"), None);
        assert_eq!(fixed("+"), None);
        assert_eq!(fixed("+01:"), None);
        assert_eq!(fixed("z"), None);
        assert_eq!(fixed("UTC"), Some(0));
        assert_eq!(fixed("GMT+1:30"), Some(5400));
        assert_eq!(fixed("UTC+01:00:00"), Some(3600));
        assert_eq!(fixed("EST"), Some(-18000));
        assert_eq!(fixed("utc"), None);
    }

    #[test]
    fn fixed_offsets_without_the_database() {
        assert_eq!(fixed_offset(b"Z"), Some(0));
        assert_eq!(fixed_offset(b"+05:30"), Some(19800));
        assert_eq!(fixed_offset(b"-5"), Some(-18000));
        assert_eq!(fixed_offset(b"GMT-01:0"), Some(-3600));
        assert_eq!(fixed_offset(b"UTC+1:30"), Some(5400));
        assert_eq!(fixed_offset(b" UTC "), Some(0));
        assert_eq!(fixed_offset(b"America/New_York"), None);
        assert_eq!(fixed_offset(b"PST"), None);
        assert_eq!(fixed_offset(b"+19:00"), None);
    }
}
