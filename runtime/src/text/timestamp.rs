//! Spark's string → timestamp conversion (`CAST(s AS TIMESTAMP)`, `to_timestamp(s)`), a byte-level
//! port of `DateTimeUtils.parseTimestampString` / `stringToTimestamp`; the display form Spark
//! casts timestamps to (`yyyy-MM-dd HH:mm:ss[.fraction]`, [`format_timestamp`]); proleptic
//! Gregorian calendar helpers.
//!
//! Accepted: optional surrounding whitespace/control bytes, optional `+`/`-` year sign, then
//! `yyyy[y[y]]`, `yyyy-[m]m`, `yyyy-[m]m-[d]d`, optionally followed by ` ` or `T` and
//! `[h]h[:[m]m[:[s]s[.fraction]]]` (fraction digits past 6 are truncated) and an optional zone
//! (`Z`, `±h[h][:mm]`, `UTC±…`, region ids). A time alone (`10:00`, `T10:00:00`) takes today's
//! date in the zone. No zone → the session time zone.

use std::cell::Cell;

use super::zone::{Zone, ZoneResolver};

/// Microseconds in a second.
pub const MICROS_PER_SECOND: i64 = 1_000_000;
/// Microseconds in a day (a day is always 86 400 s).
pub const MICROS_PER_DAY: i64 = 86_400 * MICROS_PER_SECOND;

/// Days since 1970-01-01 of a proleptic Gregorian date (no validation).
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = month as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The proleptic Gregorian `(year, month, day)` of a day number (days since 1970-01-01).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Whether `year` is a leap year in the proleptic Gregorian calendar.
pub fn is_leap_year(year: i64) -> bool {
    year.rem_euclid(4) == 0 && (year.rem_euclid(100) != 0 || year.rem_euclid(400) == 0)
}

/// Number of days in `month` (1–12) of `year`.
pub fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if is_leap_year(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Microseconds since the epoch of a local date-time at UTC offset `offset_secs`, or `None` if it
/// does not fit in 64 bits (Spark's `instantToMicros` overflow).
pub fn local_to_micros(
    days: i64,
    second_of_day: i64,
    micros: i64,
    offset_secs: i64,
) -> Option<i64> {
    let secs = days
        .checked_mul(86_400)?
        .checked_add(second_of_day - offset_secs)?;
    secs.checked_mul(MICROS_PER_SECOND)?.checked_add(micros)
}

/// The fields of a timestamp string, before validation.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Parts<'a> {
    year: i64,
    month: i64,
    day: i64,
    hour: i64,
    minute: i64,
    second: i64,
    micros: i64,
    /// The zone text, still untrimmed at its start (as Spark takes it).
    zone: Option<&'a [u8]>,
    /// Only a time was given: the date is today's.
    just_time: bool,
}

/// Bytes Spark trims around timestamp strings (`UTF8String.isWhitespaceOrISOControl` on a
/// signed byte: 0x00–0x20 and 0x7F).
#[inline]
pub fn is_trimmed(b: u8) -> bool {
    b <= 0x20 || b == 0x7f
}

/// `s` without the bytes [`is_trimmed`] matches at both ends (`UTF8String.trimAll`).
pub fn trim(s: &[u8]) -> &[u8] {
    let mut start = 0;
    let mut end = s.len();
    while start < end && is_trimmed(s[start]) {
        start += 1;
    }
    while end > start && is_trimmed(s[end - 1]) {
        end -= 1;
    }
    &s[start..end]
}

#[inline]
fn valid_digits(segment: usize, digits: usize) -> bool {
    match segment {
        0 => (4..=6).contains(&digits),
        6 => true,
        7 => digits <= 2,
        _ => digits > 0 && digits <= 2,
    }
}

#[inline]
fn two_digits(a: u8, b: u8) -> Option<i64> {
    let (x, y) = (a.wrapping_sub(b'0'), b.wrapping_sub(b'0'));
    (x < 10 && y < 10).then(|| (x * 10 + y) as i64)
}

#[inline(always)]
fn load8(s: &[u8]) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&s[..8]);
    u64::from_le_bytes(a)
}

/// Whether all 8 bytes are ASCII digits (simdjson's `is_made_of_eight_digits_fast`).
#[inline(always)]
fn eight_digits(v: u64) -> bool {
    ((v & 0xF0F0_F0F0_F0F0_F0F0)
        | (((v.wrapping_add(0x0606_0606_0606_0606)) & 0xF0F0_F0F0_F0F0_F0F0) >> 4))
        == 0x3333_3333_3333_3333
}

#[inline(always)]
fn byte(v: u64, i: u32) -> i64 {
    ((v >> (8 * i)) & 0xff) as i64
}

/// Bytes 4 and 7 of an 8-byte chunk.
const SEPARATORS_4_7: u64 = (0xff << 32) | (0xff << 56);
/// Bytes 2 and 5 of an 8-byte chunk.
const SEPARATORS_2_5: u64 = (0xff << 16) | (0xff << 40);
const ZEROS: u64 = 0x3030_3030_3030_3030;
/// `-` at bytes 4 and 7 (`yyyy-MM-`).
const DASHES_4_7: u64 = ((b'-' as u64) << 32) | ((b'-' as u64) << 56);
/// `:` at bytes 2 and 5 (`HH:mm:ss`).
const COLONS_2_5: u64 = ((b':' as u64) << 16) | ((b':' as u64) << 40);

/// Each byte of `word` less `'0'`, when the bytes under `separators` are those of
/// `expected` and the others ASCII digits.
#[inline(always)]
fn digits_between(word: u64, separators: u64, expected: u64) -> Option<u64> {
    if word & separators != expected {
        return None;
    }
    let digits = (word & !separators) | (ZEROS & separators);
    eight_digits(digits).then(|| digits - ZEROS)
}

/// The common shapes `yyyy-MM-dd` and `yyyy-MM-dd[ T]HH:mm:ss[.f{1,6}]` at fixed positions,
/// checked eight bytes at a time; `None` means "use the general parser" (which gives the same
/// fields for these shapes).
#[inline(always)]
fn fast_parts(s: &[u8]) -> Option<Parts<'_>> {
    let n = s.len();
    if n != 10 && n < 19 {
        return None;
    }
    let a = digits_between(load8(s), SEPARATORS_4_7, DASHES_4_7)?;
    let mut parts = Parts {
        year: byte(a, 0) * 1000 + byte(a, 1) * 100 + byte(a, 2) * 10 + byte(a, 3),
        month: byte(a, 5) * 10 + byte(a, 6),
        day: 0,
        hour: 0,
        minute: 0,
        second: 0,
        micros: 0,
        zone: None,
        just_time: false,
    };
    if n == 10 {
        parts.day = two_digits(s[8], s[9])?;
        return Some(parts);
    }
    let b = load8(&s[8..]);
    let sep = (b >> 16) & 0xff;
    if (sep != b' ' as u64 && sep != b'T' as u64)
        || (b >> 40) & 0xff != b':' as u64
        || s[16] != b':'
    {
        return None;
    }
    let b = (b & !SEPARATORS_2_5) | (ZEROS & SEPARATORS_2_5);
    if !eight_digits(b) {
        return None;
    }
    let b = b - ZEROS;
    parts.day = byte(b, 0) * 10 + byte(b, 1);
    parts.hour = byte(b, 3) * 10 + byte(b, 4);
    parts.minute = byte(b, 6) * 10 + byte(b, 7);
    parts.second = two_digits(s[17], s[18])?;
    if n > 19 {
        if s[19] != b'.' || !(21..=26).contains(&n) {
            return None;
        }
        let mut micros = 0i64;
        for &c in &s[20..] {
            let d = c.wrapping_sub(b'0');
            if d > 9 {
                return None;
            }
            micros = micros * 10 + d as i64;
        }
        for _ in n - 20..6 {
            micros *= 10;
        }
        parts.micros = micros;
    }
    Some(parts)
}

/// Split a timestamp string into its fields (`DateTimeUtils.parseTimestampString`).
pub(crate) fn parse_parts(s: &[u8]) -> Option<Parts<'_>> {
    let mut start = 0;
    while start < s.len() && is_trimmed(s[start]) {
        start += 1;
    }
    if start >= s.len() {
        return None;
    }
    let mut end = s.len();
    while end > start + 1 && is_trimmed(s[end - 1]) {
        end -= 1;
    }
    let mut segments = [1i64, 1, 1, 0, 0, 0, 0, 0, 0];
    let mut i = 0usize;
    let mut value = 0i64;
    let mut digits = 0usize;
    let mut fraction_digits = 0usize;
    let mut just_time = false;
    let mut zone = None;
    let mut j = start;
    let mut year_sign = None;
    if s[j] == b'-' || s[j] == b'+' {
        year_sign = Some(if s[j] == b'-' { -1 } else { 1 });
        j += 1;
    }
    macro_rules! close_segment {
        ($seg:expr) => {{
            if !valid_digits($seg, digits) {
                return None;
            }
            segments[$seg] = value;
            value = 0;
            digits = 0;
        }};
    }
    while j < end {
        let b = s[j];
        let d = b.wrapping_sub(b'0');
        if d <= 9 {
            if i == 6 {
                fraction_digits += 1;
            }
            if i != 6 || digits < 6 {
                value = value.wrapping_mul(10).wrapping_add(d as i64);
            }
            digits += 1;
        } else if j == 0 && b == b'T' {
            just_time = true;
            i += 3;
        } else if i < 2 {
            if b == b'-' {
                close_segment!(i);
                i += 1;
            } else if i == 0 && b == b':' && year_sign.is_none() {
                just_time = true;
                close_segment!(3);
                i = 4;
            } else {
                return None;
            }
        } else if i == 2 {
            if b == b' ' || b == b'T' {
                close_segment!(2);
                i += 1;
            } else {
                return None;
            }
        } else if i == 3 || i == 4 {
            if b == b':' {
                close_segment!(i);
                i += 1;
            } else {
                return None;
            }
        } else if i == 5 || i == 6 {
            close_segment!(i);
            i += 1;
            if !(b == b'.' && i == 6) {
                // Anything else starts the zone, which runs to the end of the string.
                zone = Some(&s[j..end]);
                j = end - 1;
                if i == 6 {
                    i += 1;
                }
            }
        } else if i < 8 && (b == b':' || b == b' ') {
            close_segment!(i);
            i += 1;
        } else {
            return None;
        }
        j += 1;
    }
    if i >= segments.len() || !valid_digits(i, digits) {
        return None;
    }
    segments[i] = value;
    let mut micros = segments[6];
    while fraction_digits < 6 {
        micros *= 10;
        fraction_digits += 1;
    }
    Some(Parts {
        year: segments[0] * year_sign.unwrap_or(1),
        month: segments[1],
        day: segments[2],
        hour: segments[3],
        minute: segments[4],
        second: segments[5],
        micros,
        zone,
        just_time,
    })
}

/// Converts timestamp strings with Spark's rules, for one batch: holds the session zone, the
/// current time (for time-only strings, read once) and a cache of region zones.
pub struct TimestampParser<'z> {
    session: &'z Zone,
    /// The session zone's offset (seconds), when it never changes (UTC, a fixed offset).
    constant_offset: Option<i64>,
    zones: ZoneResolver,
    now_micros: Cell<Option<i64>>,
    /// The last month seen: `(year, month, day number of its 1st, its length)`.
    month: Cell<(i64, i64, i64, i64)>,
    /// The last `yyyy-MM-dd` read at the start of a string: its first eight bytes, its last
    /// two and its day number (see [`TimestampParser::same_day_seconds`]).
    day: Cell<(u64, u16, i64)>,
}

impl<'z> TimestampParser<'z> {
    /// A parser for strings without a zone in the session time zone `session`.
    pub fn new(session: &'z Zone) -> Self {
        Self {
            session,
            constant_offset: session.constant_offset().map(i64::from),
            zones: ZoneResolver::default(),
            now_micros: Cell::new(None),
            month: Cell::new((i64::MIN, 0, 0, 0)),
            // A real day (1970-01-01, day 0), so that what matches it reads as in full.
            day: Cell::new((load8(b"1970-01-"), u16::from_le_bytes(*b"01"), 0)),
        }
    }

    /// Day number of a date, or `None` if it does not exist (most rows share a month, so the
    /// month's first day is cached).
    #[inline]
    fn day_number(&self, year: i64, month: i64, day: i64) -> Option<i64> {
        let (y, m, first, len) = self.month.get();
        let (first, len) = if y == year && m == month {
            (first, len)
        } else {
            if !(1..=12).contains(&month) {
                return None;
            }
            let len = days_in_month(year, month as u32) as i64;
            let first = days_from_civil(year, month as u32, 1);
            self.month.set((year, month, first, len));
            (first, len)
        };
        (1..=len).contains(&day).then(|| first + day - 1)
    }

    fn now(&self) -> i64 {
        if let Some(now) = self.now_micros.get() {
            return now;
        }
        let now = chrono::Utc::now().timestamp_micros();
        self.now_micros.set(Some(now));
        now
    }

    /// The local seconds since the epoch of `yyyy-MM-dd[ T]HH:mm:ss` (nothing around it) on
    /// the day the last string began with: a stream's timestamps mostly share their day, so
    /// only the time is read. `None` for any other string, or an invalid time (which the
    /// full parse then refuses).
    #[inline(always)]
    fn same_day_seconds(&self, s: &[u8]) -> Option<i64> {
        if s.len() != 19 {
            return None;
        }
        let (date, day_bytes, days) = self.day.get();
        if load8(s) != date
            || u16::from_le_bytes([s[8], s[9]]) != day_bytes
            || (s[10] != b' ' && s[10] != b'T')
        {
            return None;
        }
        let time = digits_between(load8(&s[11..]), SEPARATORS_2_5, COLONS_2_5)?;
        let hour = byte(time, 0) * 10 + byte(time, 1);
        let minute = byte(time, 3) * 10 + byte(time, 4);
        let second = byte(time, 6) * 10 + byte(time, 7);
        (hour < 24 && minute < 60 && second < 60)
            .then(|| days * 86_400 + hour * 3600 + minute * 60 + second)
    }

    /// Microseconds since the epoch, or `None` if Spark would reject the string.
    #[inline]
    pub fn parse(&self, s: &[u8]) -> Option<i64> {
        if let Some(offset) = self.constant_offset {
            if let Some(local) = self.same_day_seconds(s) {
                return local_to_micros(0, local, 0, offset);
            }
        }
        self.parse_in_full(s)
    }

    /// [`Self::parse`] without the same-day shortcut.
    fn parse_in_full(&self, s: &[u8]) -> Option<i64> {
        let (p, fixed_positions) = match fast_parts(s) {
            Some(p) => (p, true),
            None => (parse_parts(s)?, false),
        };
        let parsed_zone;
        let zone = match p.zone {
            Some(text) => {
                parsed_zone = self.zones.resolve(text)?;
                &parsed_zone
            }
            None => self.session,
        };
        if !(0..24).contains(&p.hour)
            || !(0..60).contains(&p.minute)
            || !(0..60).contains(&p.second)
        {
            return None;
        }
        let days = if p.just_time {
            let now = self.now();
            let offset = zone.offset_at_utc(now.div_euclid(MICROS_PER_SECOND));
            (now + offset as i64 * MICROS_PER_SECOND).div_euclid(MICROS_PER_DAY)
        } else {
            let days = self.day_number(p.year, p.month, p.day)?;
            if fixed_positions {
                self.day
                    .set((load8(s), u16::from_le_bytes([s[8], s[9]]), days));
            }
            days
        };
        let second_of_day = p.hour * 3600 + p.minute * 60 + p.second;
        let offset = match zone {
            Zone::Fixed(secs) => *secs as i64,
            region => region.offset_for_local(days * 86_400 + second_of_day) as i64,
        };
        local_to_micros(days, second_of_day, p.micros, offset)
    }
}

/// Nanoseconds in a day.
const NANOS_PER_DAY: i128 = 86_400_000_000_000;

/// Append `v` with at least `width` digits (zero padded), `-` first if negative.
fn push_padded(out: &mut String, v: i64, width: usize) {
    let mut buf = [b'0'; 20];
    let mut n = v.unsigned_abs();
    let mut i = buf.len();
    while n > 0 {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
    }
    let len = (buf.len() - i).max(width).min(buf.len());
    if v < 0 {
        out.push('-');
    }
    for &b in &buf[buf.len() - len..] {
        out.push(b as char);
    }
}

/// A year as java.time's ISO formatter prints it (`uuuu`, `SignStyle.EXCEEDS_PAD`): `2024`,
/// `0000`, `-0044`, `+12024`.
pub fn push_year(year: i64, out: &mut String) {
    if year > 9999 {
        out.push('+');
    }
    push_padded(out, year, 4);
}

/// A date (days since 1970-01-01) as `yyyy-MM-dd`, the year as in [`push_year`].
pub fn push_date(days: i64, out: &mut String) {
    let (year, month, day) = civil_from_days(days);
    push_year(year, out);
    out.push('-');
    push_padded(out, i64::from(month), 2);
    out.push('-');
    push_padded(out, i64::from(day), 2);
}

/// A time of day (nanoseconds since midnight, `0..86_400 s`) as `HH:mm:ss` plus `.fraction`
/// without trailing zeros when the fraction is not zero.
pub fn push_time(nanos_of_day: i64, out: &mut String) {
    let secs = nanos_of_day / 1_000_000_000;
    push_padded(out, secs / 3600, 2);
    out.push(':');
    push_padded(out, secs / 60 % 60, 2);
    out.push(':');
    push_padded(out, secs % 60, 2);
    push_fraction(nanos_of_day % 1_000_000_000, out);
}

/// `.fraction` of a second given in nanoseconds, without trailing zeros; nothing for zero.
pub fn push_fraction(nanos: i64, out: &mut String) {
    if nanos == 0 {
        return;
    }
    let mut fraction = nanos;
    let mut width = 9;
    while fraction % 10 == 0 {
        fraction /= 10;
        width -= 1;
    }
    out.push('.');
    push_padded(out, fraction, width);
}

/// A local date-time (nanoseconds since 1970-01-01T00:00 in its zone) the way Spark casts a
/// timestamp to a string: `yyyy-MM-dd HH:mm:ss[.fraction]`, trailing fraction zeros dropped.
pub fn push_local_timestamp(local_nanos: i128, out: &mut String) {
    let days = local_nanos.div_euclid(NANOS_PER_DAY);
    let nanos_of_day = local_nanos.rem_euclid(NANOS_PER_DAY) as i64;
    push_date(days as i64, out);
    out.push(' ');
    push_time(nanos_of_day, out);
}

/// A timestamp (`micros` since the epoch) as Spark casts it to a string in `zone`, with the
/// offset in effect at that instant: see [`push_local_timestamp`].
pub fn format_timestamp(micros: i64, zone: &Zone, out: &mut String) {
    let offset_secs = zone.offset_at_utc(micros.div_euclid(MICROS_PER_SECOND));
    let local_micros = micros as i128 + offset_secs as i128 * MICROS_PER_SECOND as i128;
    push_local_timestamp(local_micros * 1000, out);
}

/// `LocalDate.of(year, month, day)` validation.
fn valid_date(year: i64, month: i64, day: i64) -> bool {
    if !(1..=12).contains(&month) || day < 1 {
        return false;
    }
    let max = match month {
        2 if is_leap_year(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    day <= max && (-999_999_999..=999_999_999).contains(&year)
}

/// Spark's `stringToDate` (a string cast to a DATE): `[+-]yyyy[-m[m][-d[d]]]`, then
/// nothing, or a space or `T` and anything; the date as written, whatever zone follows.
/// Days since the epoch.
pub fn parse_date(s: &[u8]) -> Option<i32> {
    let bytes = trim(s);
    if bytes.is_empty() {
        return None;
    }
    let valid = |segment: usize, digits: u32| -> bool {
        if segment == 0 {
            (4..=7).contains(&digits)
        } else {
            digits > 0 && digits <= 2
        }
    };
    let mut segments: [i64; 3] = [1, 1, 1];
    let mut sign = 1i64;
    let mut i = 0usize;
    let mut value = 0i64;
    let mut digits = 0u32;
    let mut j = 0usize;
    if bytes[0] == b'-' || bytes[0] == b'+' {
        sign = if bytes[0] == b'-' { -1 } else { 1 };
        j = 1;
    }
    let end = bytes.len();
    while j < end && i < 3 && !(bytes[j] == b' ' || bytes[j] == b'T') {
        let b = bytes[j];
        if i < 2 && b == b'-' {
            if !valid(i, digits) {
                return None;
            }
            segments[i] = value;
            value = 0;
            digits = 0;
            i += 1;
        } else if b.is_ascii_digit() {
            value = value * 10 + i64::from(b - b'0');
            digits += 1;
            if digits > 12 {
                return None;
            }
        } else {
            return None;
        }
        j += 1;
    }
    if !valid(i, digits) {
        return None;
    }
    if i < 2 && j < end {
        return None;
    }
    segments[i] = value;
    let year = sign * segments[0];
    if !valid_date(year, segments[1], segments[2]) {
        return None;
    }
    i32::try_from(days_from_civil(
        year,
        segments[1] as u32,
        segments[2] as u32,
    ))
    .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(micros: i64) -> String {
        let mut s = String::new();
        format_timestamp(micros, &Zone::UTC, &mut s);
        s
    }

    #[test]
    fn timestamps_print_like_spark_cast_to_string() {
        // `CAST(ts AS STRING)` results from Spark 4.3, session time zone UTC.
        assert_eq!(ts(1_705_312_800_000_000), "2024-01-15 10:00:00");
        assert_eq!(ts(1_705_312_800_120_000), "2024-01-15 10:00:00.12");
        assert_eq!(ts(1_705_312_800_000_001), "2024-01-15 10:00:00.000001");
        assert_eq!(ts(-62_135_596_800_000_000), "0001-01-01 00:00:00");
        assert_eq!(ts(-500_000), "1969-12-31 23:59:59.5");
        assert_eq!(ts(317_274_796_800_000_000), "+12024-01-15 00:00:00");
        assert_eq!(ts(-63_549_360_000_000_000), "-0044-03-15 00:00:00");
        let mut s = String::new();
        format_timestamp(1_705_312_800_000_000, &Zone::Fixed(3600), &mut s);
        assert_eq!(s, "2024-01-15 11:00:00");
        let mut s = String::new();
        push_local_timestamp(1_705_312_800_000_000_123, &mut s);
        assert_eq!(s, "2024-01-15 10:00:00.000000123");
    }

    fn utc(s: &str) -> Option<i64> {
        TimestampParser::new(&Zone::UTC).parse(s.as_bytes())
    }

    #[test]
    fn strings_on_the_day_before_read_as_in_full() {
        // A new parser, and one that has read the strings before (reusing their day),
        // against the full parse, in zones with a constant offset and with a changing one.
        let texts = [
            "2024-01-15 10:03:00",
            "2024-01-15 23:59:59",
            "2024-01-15T00:00:00",
            "2024-01-15 24:00:00",
            "2024-01-15 10:60:00",
            "2024-01-15 10:00:60",
            "2024-01-15 1a:00:00",
            "2024-01-15 10-00-00",
            "2024-01-15X10:00:00",
            "2024-01-15 10:00:00.5",
            "2024-01-15 10:00:0",
            "2024-01-15",
            "2024-01-15 10:00:00Z",
            " 2024-01-15 10:00:0",
            "2024-01-16 10:03:00",
            "2024-02-29 12:00:00",
            "2023-02-29 12:00:00",
            "2024-02-29 13:00:00",
            "2024-03-10 02:30:00",
            "2024-03-10 02:31:00",
            "2024-11-03 01:30:00",
            "2024-11-03 01:31:00",
            "0000-01-01 00:00:01",
            "+2024-01-15 10:00:0",
            "9999-12-31 23:59:59",
            "\0\0\0\0\0\0\0\0\0\0 10:00:00",
            "\0\0\0\0\0\0\0\0\0\0T10:00:00",
            "1970-01-01 10:00:00",
        ];
        let zones = [
            Zone::UTC,
            Zone::Fixed(-9 * 3600 - 30 * 60),
            crate::testing::region_zone("Etc/UTC"),
            crate::testing::region_zone("America/Los_Angeles"),
        ];
        for zone in &zones {
            let warm = TimestampParser::new(zone);
            for round in 0..2 {
                for text in texts {
                    let full = TimestampParser::new(zone).parse_in_full(text.as_bytes());
                    let fresh = TimestampParser::new(zone).parse(text.as_bytes());
                    assert_eq!(fresh, full, "{text:?}");
                    assert_eq!(warm.parse(text.as_bytes()), full, "{text:?}, round {round}");
                }
            }
        }
    }

    #[test]
    fn calendar_round_trips() {
        for days in [
            -1_000_000i64,
            -719_468,
            -1,
            0,
            1,
            19_737,
            2_932_896,
            106_000_000,
        ] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(days_from_civil(2024, 1, 15), 19_737);
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert!(is_leap_year(2000) && is_leap_year(2024) && !is_leap_year(1900) && is_leap_year(0));
    }

    #[test]
    fn strings_spark_accepts() {
        // (input, unix_micros(to_timestamp(input))) from Spark 4.3, session time zone UTC.
        let cases: &[(&str, i64)] = &[
            ("2024-01-15 10:00:00", 1705312800000000),
            ("2024-01-15", 1705276800000000),
            ("2024", 1704067200000000),
            ("2024-01", 1704067200000000),
            ("2024-1-5", 1704412800000000),
            ("2024-1-5 1:2:3", 1704416523000000),
            ("2024-01-15T10:00:00.123+02:00", 1705305600123000),
            ("  2024-01-15 10:00:00  ", 1705312800000000),
            ("2024-01-15T10:00", 1705312800000000),
            ("2024-01-15 10", 1705312800000000),
            ("2024-01-15 ", 1705276800000000),
            ("2024-01-15 10:00:00Z", 1705312800000000),
            ("2024-01-15 10:00:00 UTC", 1705312800000000),
            ("2024-01-15 10:00:00UTC", 1705312800000000),
            ("2024-01-15 10:00:00+0100", 1705309200000000),
            ("2024-01-15 10:00:00+01", 1705309200000000),
            ("2024-01-15 10:00:00+1", 1705309200000000),
            ("2024-01-15 10:00:00-1:30", 1705318200000000),
            ("2024-01-15 10:00:00+01:3", 1705309020000000),
            ("2024-01-15 10:00:00 GMT+01:00", 1705309200000000),
            ("2024-01-15 10:00:00 UTC+1", 1705309200000000),
            ("2024-01-15 10:00:00 EST", 1705330800000000),
            ("2024-01-15 10:00:00 MST", 1705338000000000),
            ("2024-01-15 10:00:00 HST", 1705348800000000),
            ("2024-01-15 10:00:00.1234567", 1705312800123456),
            ("2024-01-15 10:00:00.123456789", 1705312800123456),
            ("2024-01-15 10:00:00.", 1705312800000000),
            ("2024-01-15 10:00:00.+01:00", 1705309200000000),
            ("2024-02-29", 1709164800000000),
            ("+2024-01-15", 1705276800000000),
            ("-0044-03-15", -63549360000000000),
            ("12024-01-15", 317274796800000000),
            ("123456-01-15", 3833729049600000000),
            ("294247-01-10", 9223372022400000000),
            ("2024-01-15T10:00:00.5Z", 1705312800500000),
            ("2024-01-15 10:00:00 +01:00", 1705309200000000),
            ("2024-01-15 10:00:00 Z", 1705312800000000),
            ("2024-01-15 10:00:00+01:00:30", 1705309170000000),
            ("2024-01-15 10:00:00+14:00", 1705262400000000),
            ("2024-01-15 10:00:00+18:00", 1705248000000000),
            ("2024-01-15 10:00:00-00:00", 1705312800000000),
            ("2024-01-15 10:00:00 +0100", 1705309200000000),
            ("2024-01-15 10:00:00 UT", 1705312800000000),
            ("2024-01-15 10:00:00 GMT", 1705312800000000),
            ("2024-01-15 10:00:00 UTC+01:00", 1705309200000000),
            ("2024-01-15 10:00:00 GMT-5", 1705330800000000),
            ("2024-01-15 10:00:00 UTC+14", 1705262400000000),
            ("2024-01-15 10:00:00+01:00 ", 1705309200000000),
            ("2024-01-15 10:00:00.123 +02:00", 1705305600123000),
            ("2024-01-15T10:00:00.123456Z", 1705312800123456),
            ("2024-01-15T10:00:00.000001", 1705312800000001),
            ("1969-12-31 23:59:59.999999", -1),
            ("0001-01-01", -62135596800000000),
            ("0000-01-01", -62167219200000000),
            ("2024-1", 1704067200000000),
            ("9999-12-31 23:59:59.999999", 253402300799999999),
            ("2024-01-15 10:00:00 +01:00 ", 1705309200000000),
            ("2024-01-15 10:00:00 GMT+1:30", 1705307400000000),
            ("2024-01-15 10:00:00 +1:30", 1705307400000000),
            ("2024-01-15 1:2", 1705280520000000),
            ("2024-01-15 10:00:00 UTC+01:00:00", 1705309200000000),
            ("2024-01-15 10:00:00+01:00:00", 1705309200000000),
            ("2024-01-15 10:00:00+010000", 1705309200000000),
            ("2024-01-15 10:00:00+01:0", 1705309200000000),
            ("2024-01-15 10:00:00 +01:00:00", 1705309200000000),
            ("-2024-01-15", -126037296000000000),
            ("+12024-01-15", 317274796800000000),
            ("\n2024-01-15\n", 1705276800000000),
            ("2024-01-15 10:00:00 Z ", 1705312800000000),
            // From a fuzz run against Spark 4.3 (5 083 mutated strings, all matching).
            ("20249-01", 576829555200000000),
            ("20244-1-5 1:2:3", 576672051723000000),
        ];
        for (s, want) in cases {
            assert_eq!(utc(s), Some(*want), "{s:?}");
        }
    }

    #[test]
    fn strings_spark_rejects() {
        // Each of these gives NULL from `to_timestamp` in Spark 4.3 with ANSI off.
        let cases = [
            "2024/01/15 10:00",
            "not a time",
            "",
            "   ",
            "2024-01-15T",
            "2024-01-15 10:00Z",
            "2024-01-15 10:00+01:00",
            "2024-02-30",
            "2023-02-29",
            "2024-13-01",
            "2024-01-15 24:00:00",
            "2024-01-15 23:59:60",
            "2024-01-15 10:60",
            "20240115",
            "024-01-15",
            "294248-01-01",
            "2024-001-15",
            "2024-01-015",
            "2024-01-15 010:00",
            "2024-01-15  10:00",
            "2024-01-15\t10:00",
            "2024-01-15 10:00:00z",
            "2024-01-15 10:00:00+19:00",
            "2024-01-15 10:00:00 utc",
            "2024-01-15-",
            "2024-",
            "2024-01-",
            "2024-01-15 10:",
            "2024-01-15 10:00:",
            "2024-01-15 :00",
            "2024-01-15 10::00",
            "1-01-01",
            "2024-01-15 10:00:00+01:00Z",
            "2024-01-15 10:00:00 +01:",
            "2024-01-15 10:00:00+",
            "2024-01-15 10:00:00-",
            "\u{a0}2024-01-15",
            "2024-01-15T10:00:00+02:00[Europe/Paris]",
            "2024-01-15 10:00:00.12a",
            "2024-01-15 10:00:00a",
            "2024-01-15 10:00:00 UTC0",
        ];
        for s in cases {
            assert_eq!(utc(s), None, "{s:?}");
        }
    }

    #[test]
    fn region_zones_from_the_system_database() {
        // Spark 4.3 values; fails (naming the directory) without the time zone database.
        crate::testing::region_zone("America/New_York");
        let cases: &[(&str, i64)] = &[
            ("2024-01-15 10:00:00 America/New_York", 1705330800000000),
            ("2024-01-15 10:00:00 PST", 1705341600000000),
            ("2024-01-15 10:00:00 CET", 1705309200000000),
            ("2024-01-15 10:00:00 Etc/GMT+2", 1705320000000000),
            ("2024-01-15 10:00:00 GMT0", 1705312800000000),
        ];
        for (s, want) in cases {
            assert_eq!(utc(s), Some(*want), "{s:?}");
        }
    }

    #[test]
    fn time_only_strings_take_todays_date() {
        // Spark 4.3: `to_timestamp('10:00:00')` is 10:00 today (in the zone).
        let today = chrono::Utc::now()
            .timestamp_micros()
            .div_euclid(MICROS_PER_DAY);
        let ten = today * MICROS_PER_DAY + 10 * 3600 * MICROS_PER_SECOND;
        for s in ["10:00:00", "T10:00:00", "10:00"] {
            let got = utc(s);
            // Allow for midnight passing during the test.
            assert!(
                got == Some(ten) || got == Some(ten + MICROS_PER_DAY),
                "{s}: {got:?}"
            );
        }
        assert_eq!(utc(" T10:00"), None);
    }

    #[test]
    fn session_zone_applies_without_explicit_zone() {
        let zone = Zone::Fixed(3600);
        let p = TimestampParser::new(&zone);
        assert_eq!(p.parse(b"2024-01-15 10:00:00"), Some(1705309200000000));
        assert_eq!(p.parse(b"2024-01-15 10:00:00Z"), Some(1705312800000000));
    }

    #[test]
    fn region_session_zone_across_daylight_saving_changes() {
        // Spark 4.3, session time zone America/Los_Angeles: `to_timestamp` and
        // `CAST(ts AS STRING)`. 02:30 on 2024-03-10 is in the spring-forward gap (java.time
        // moves it forward by the gap: 03:30 PDT); 01:30 on 2024-11-03 happens twice (the
        // earlier offset, PDT, wins).
        let la = crate::testing::region_zone("America/Los_Angeles");
        let p = TimestampParser::new(&la);
        let cases: &[(&str, i64)] = &[
            ("2024-03-10 01:30:00", 1710063000000000),
            ("2024-03-10 02:30:00", 1710066600000000),
            ("2024-03-10 03:30:00", 1710066600000000),
            ("2024-11-03 00:30:00", 1730619000000000),
            ("2024-11-03 01:30:00", 1730622600000000),
            ("2024-11-03 02:30:00", 1730629800000000),
            ("2024-01-15 10:00:00", 1705341600000000),
            ("2024-11-03 01:30:00-08:00", 1730626200000000),
        ];
        for (s, want) in cases {
            assert_eq!(p.parse(s.as_bytes()), Some(*want), "{s:?}");
        }
        let show = |micros: i64| {
            let mut s = String::new();
            format_timestamp(micros, &la, &mut s);
            s
        };
        // Either side of 2024-03-10 10:00Z (PST → PDT) and of 2024-11-03 09:00Z (PDT → PST).
        assert_eq!(show(1_710_064_799_000_000), "2024-03-10 01:59:59");
        assert_eq!(show(1_710_064_800_000_000), "2024-03-10 03:00:00");
        assert_eq!(show(1_730_624_399_000_000), "2024-11-03 01:59:59");
        assert_eq!(show(1_730_624_400_000_000), "2024-11-03 01:00:00");
        assert_eq!(show(1_730_622_600_000_000), "2024-11-03 01:30:00");
        assert_eq!(show(1_730_626_200_000_000), "2024-11-03 01:30:00");
    }
}
