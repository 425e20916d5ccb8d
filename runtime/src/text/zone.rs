//! Zone ids (the session time zone, `timeZone` options, zones inside timestamp strings),
//! resolved like Spark's `DateTimeUtils.getZoneId`:
//! `java.time.ZoneId.of(id, SHORT_IDS)` after Spark's `±h:` → `±0h:` and `±hh:m` → `±hh:0m`
//! rewrites. Fixed offsets are computed here; region ids (`Europe/Paris`) come from the system
//! time zone database through [`super::tzfile`].

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

use super::number::java_trim;
use super::tzfile::{self, TzRules};

/// A resolved zone: the session time zone, a `timeZone` option or the zone of a timestamp
/// string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Zone {
    /// A fixed offset, seconds east of UTC.
    Fixed(i32),
    /// A region with daylight-saving rules.
    Region(Arc<TzRules>),
}

impl Zone {
    /// UTC, the default session time zone.
    pub const UTC: Zone = Zone::Fixed(0);

    /// The offset (seconds east of UTC) in effect at `utc_secs`.
    #[inline]
    pub fn offset_at_utc(&self, utc_secs: i64) -> i32 {
        match self {
            Zone::Fixed(secs) => *secs,
            Zone::Region(rules) => rules.offset_at_utc(utc_secs),
        }
    }

    /// The local date-time of the instant `utc_secs`, as seconds since the epoch as if the
    /// zone were UTC.
    #[inline]
    pub fn local_seconds(&self, utc_secs: i64) -> i64 {
        utc_secs.saturating_add(i64::from(self.offset_at_utc(utc_secs)))
    }

    /// The offset (seconds east of UTC) when it never changes: a fixed offset, or a region
    /// such as UTC without transitions.
    #[inline]
    pub fn constant_offset(&self) -> Option<i32> {
        match self {
            Zone::Fixed(secs) => Some(*secs),
            Zone::Region(rules) => rules.constant_offset(),
        }
    }

    /// The offset to use for a local date-time (seconds since the epoch as if the zone were
    /// UTC), with `ZonedDateTime.of` rules: in an overlap the earlier offset, in a gap the
    /// offset before the gap (which moves the time forward by the gap's length).
    #[inline]
    pub fn offset_for_local(&self, local_secs: i64) -> i32 {
        match self {
            Zone::Fixed(secs) => *secs,
            Zone::Region(rules) => {
                if let Some(offset) = rules.constant_offset() {
                    return offset;
                }
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

/// A zone id that does not resolve, with Spark's `[INVALID_TIMEZONE]` message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "[INVALID_TIMEZONE] The timezone: {0} is invalid. The timezone must be either a region-based \
     zone ID or a zone offset. Region IDs must have the form 'area/city', such as \
     'America/Los_Angeles'. Zone offsets must be in the format '(+|-)HH', '(+|-)HH:mm\u{2019} or \
     '(+|-)HH:mm:ss', e.g '-08' , '+01:00' or '-13:33:33', and must be in the range from -18:00 \
     to +18:00. 'Z' and 'UTC' are accepted as synonyms for '+00:00'. SQLSTATE: 22009"
)]
pub struct InvalidTimeZone(pub String);

/// The zone id a JVM started here takes as its default (`TimeZone.getDefault`), which is
/// Spark's default session time zone; read once per process, as the JVM does.
pub fn system_zone_id() -> String {
    static ID: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    ID.get_or_init(|| {
        let link = std::fs::read_link("/etc/localtime").ok();
        default_zone_id(
            std::env::var("TZ").ok().as_deref(),
            std::fs::read_to_string("/etc/timezone").ok().as_deref(),
            link.as_deref().and_then(|path| path.to_str()),
        )
    })
    .clone()
}

/// The default zone id from `$TZ` (without a leading `:`), else the contents of
/// `/etc/timezone`, else the zone the `/etc/localtime` link points into `zoneinfo/` for;
/// the first that names a zone this resolves, `UTC` when none does.
fn default_zone_id(tz: Option<&str>, timezone_file: Option<&str>, link: Option<&str>) -> String {
    let from_link = link
        .and_then(|link| link.split_once("zoneinfo/"))
        .map(|(_, id)| id);
    [
        tz.map(|tz| tz.trim_start_matches(':')),
        timezone_file.map(str::trim),
        from_link,
    ]
    .into_iter()
    .flatten()
    .find(|id| !id.is_empty() && resolve_zone_id(id).is_ok())
    .unwrap_or("UTC")
    .to_string()
}

/// A zone id as Spark's `DateTimeUtils.getZoneId` resolves the session time zone
/// (`spark.sql.session.timeZone`) and the `timeZone` option: the text as given, not trimmed
/// (`Europe/Paris`, `UTC`, `Z`, `+02:00`, `+2:00`, `GMT+1`, `PST`). An error if Java rejects it
/// or the time zone database lacks the region.
pub fn resolve_zone_id(id: &str) -> Result<Zone, InvalidTimeZone> {
    let invalid = || InvalidTimeZone(id.to_string());
    let mut buf = [0u8; 64];
    let rewritten = spark_rewrite(id.as_bytes(), &mut buf).ok_or_else(invalid)?;
    match fixed_zone(rewritten) {
        Some(offset) => offset.map(Zone::Fixed),
        None => region(rewritten),
    }
    .ok_or_else(invalid)
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

    #[test]
    fn the_default_zone_is_found_where_java_looks_for_it() {
        let link = Some("/usr/share/zoneinfo/Asia/Tokyo");
        let file = Some("America/New_York\n");
        assert_eq!(
            default_zone_id(Some(":Europe/Paris"), file, link),
            "Europe/Paris"
        );
        assert_eq!(default_zone_id(Some(""), file, link), "America/New_York");
        assert_eq!(default_zone_id(None, None, link), "Asia/Tokyo");
        // A name nothing resolves is passed over; nothing at all means UTC.
        assert_eq!(
            default_zone_id(Some("Mars/Olympus"), None, link),
            "Asia/Tokyo"
        );
        assert_eq!(default_zone_id(None, None, Some("/etc/somewhere")), "UTC");
        assert_eq!(default_zone_id(None, None, None), "UTC");
        assert!(resolve_zone_id(&system_zone_id()).is_ok());
    }

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
    fn zone_ids_like_spark_get_zone_id() {
        // Spark 4.3 accepts these as spark.sql.session.timeZone.
        let fixed = |id: &str| match resolve_zone_id(id) {
            Ok(Zone::Fixed(secs)) => Some(secs),
            _ => None,
        };
        assert_eq!(fixed("Z"), Some(0));
        assert_eq!(fixed("UTC"), Some(0));
        assert_eq!(fixed("+05:30"), Some(19800));
        assert_eq!(fixed("-5"), Some(-18000));
        assert_eq!(fixed("+2:00"), Some(7200));
        assert_eq!(fixed("GMT+1"), Some(3600));
        assert_eq!(fixed("GMT-01:0"), Some(-3600));
        assert_eq!(fixed("UTC+1:30"), Some(5400));
        assert_eq!(fixed("EST"), Some(-18000));
        for id in ["America/Los_Angeles", "Etc/UTC", "CET", "EST5EDT", "PST"] {
            crate::testing::region_zone(id);
        }
        // Spark 4.3 rejects these with [INVALID_CONF_VALUE.TIME_ZONE].
        for id in ["Nope/Zone", " UTC", "UTC ", "utc", "", "+19:00", "../UTC"] {
            assert_eq!(
                resolve_zone_id(id),
                Err(InvalidTimeZone(id.into())),
                "{id:?}"
            );
        }
        // The message of Spark 4.3 for `option("timeZone", "Nope/Zone")`.
        assert_eq!(
            InvalidTimeZone("Nope/Zone".into()).to_string(),
            "[INVALID_TIMEZONE] The timezone: Nope/Zone is invalid. The timezone must be either a \
             region-based zone ID or a zone offset. Region IDs must have the form 'area/city', \
             such as 'America/Los_Angeles'. Zone offsets must be in the format '(+|-)HH', \
             '(+|-)HH:mm\u{2019} or '(+|-)HH:mm:ss', e.g '-08' , '+01:00' or '-13:33:33', and must \
             be in the range from -18:00 to +18:00. 'Z' and 'UTC' are accepted as synonyms for \
             '+00:00'. SQLSTATE: 22009"
        );
    }
}
