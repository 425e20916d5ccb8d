//! The writer options of the file sink (Spark's names, case-insensitive) and their defaults.

pub(crate) use crate::options::Options;
use spate_runtime::text::datetime_format::{
    DateTimeFormat, DEFAULT_DATE_FORMAT, DEFAULT_TIMESTAMP_FORMAT, DEFAULT_TIMESTAMP_NTZ_FORMAT,
};
use spate_runtime::text::zone::{resolve_zone_id, Zone};
use spate_runtime::{Error, Result};

impl Options {
    /// A single-character option: empty means `'\0'` (off), as in Spark's CSV options.
    fn char(&self, name: &str, default: char) -> Result<char> {
        match self.get(name) {
            None => Ok(default),
            Some(v) => {
                let mut chars = v.chars();
                match (chars.next(), chars.next()) {
                    (None, _) => Ok('\0'),
                    (Some(c), None) => Ok(c),
                    _ => Err(Error::IllegalArgument(format!(
                        "{name} cannot be more than one character"
                    ))),
                }
            }
        }
    }
}

/// How dates and timestamps are printed by the text formats.
#[derive(Debug, Clone)]
pub(crate) struct TextOptions {
    /// `timestampFormat`, for `TIMESTAMP` columns.
    pub(crate) timestamp: DateTimeFormat,
    /// `timestampNTZFormat`, for `TIMESTAMP_NTZ` columns.
    pub(crate) timestamp_ntz: DateTimeFormat,
    /// `dateFormat`, for `DATE` columns.
    pub(crate) date: DateTimeFormat,
    /// The time zone timestamps are shown in (`timeZone` option, else the session's).
    pub(crate) time_zone: Zone,
    /// `lineSep`, written after every record.
    pub(crate) line_sep: String,
}

impl TextOptions {
    fn new(options: &Options, session_time_zone: &Zone) -> Result<Self> {
        let pattern = |name: &str, default: &str| -> Result<DateTimeFormat> {
            let text = options.get(name).unwrap_or(default);
            DateTimeFormat::new(text).map_err(|reason| {
                Error::IllegalArgument(format!("invalid {name} '{text}': {reason}"))
            })
        };
        let timestamp = pattern("timestampFormat", DEFAULT_TIMESTAMP_FORMAT)?;
        let timestamp_ntz = pattern("timestampNTZFormat", DEFAULT_TIMESTAMP_NTZ_FORMAT)?;
        if timestamp_ntz.has_offset() {
            return Err(Error::IllegalArgument(
                "timestampNTZFormat cannot contain a time zone offset".into(),
            ));
        }
        let date = pattern("dateFormat", DEFAULT_DATE_FORMAT)?;
        if date.has_time() {
            return Err(Error::IllegalArgument(
                "dateFormat cannot contain time-of-day or offset fields".into(),
            ));
        }
        let time_zone = match options.get("timeZone") {
            None => session_time_zone.clone(),
            Some(id) => resolve_zone_id(id).map_err(|e| Error::IllegalArgument(e.to_string()))?,
        };
        let line_sep = match options.get("lineSep") {
            None => "\n".to_string(),
            Some("") => {
                return Err(Error::IllegalArgument(
                    "'lineSep' cannot be an empty string.".into(),
                ))
            }
            Some(sep) => sep.to_string(),
        };
        if let Some(encoding) = options.get("encoding").or(options.get("charset")) {
            let e = encoding.to_ascii_lowercase();
            if e != "utf-8" && e != "utf8" {
                return Err(Error::IllegalArgument(format!(
                    "unsupported encoding '{encoding}': spate's file sink writes UTF-8 only"
                )));
            }
        }
        Ok(TextOptions {
            timestamp,
            timestamp_ntz,
            date,
            time_zone,
            line_sep,
        })
    }
}

/// `compression` for the text formats: only no compression is available.
fn text_compression(options: &Options) -> Result<()> {
    match options.get("compression") {
        None => Ok(()),
        Some(c) if c.eq_ignore_ascii_case("none") || c.eq_ignore_ascii_case("uncompressed") => {
            Ok(())
        }
        Some(c) => Err(Error::IllegalArgument(format!(
            "compression codec '{c}' is not supported by spate's file sink (use none)"
        ))),
    }
}

/// Options of the JSON writer.
#[derive(Debug, Clone)]
pub(crate) struct JsonOptions {
    pub(crate) text: TextOptions,
    /// `ignoreNullFields` (default true): leave NULL fields out of the objects.
    pub(crate) ignore_null_fields: bool,
}

impl JsonOptions {
    pub(crate) fn new(options: &Options, session_time_zone: &Zone) -> Result<Self> {
        text_compression(options)?;
        Ok(JsonOptions {
            text: TextOptions::new(options, session_time_zone)?,
            ignore_null_fields: options.bool("ignoreNullFields", true)?,
        })
    }
}

/// Options of the CSV writer, with Spark's write defaults.
#[derive(Debug, Clone)]
pub(crate) struct CsvOptions {
    pub(crate) text: TextOptions,
    /// `header` (false): write the column names first.
    pub(crate) header: bool,
    /// `sep` / `delimiter` (`,`).
    pub(crate) delimiter: String,
    /// `quote` (`"`); `'\0'` when set to the empty string.
    pub(crate) quote: char,
    /// `escape` (`\`): escapes the quote character inside quoted values.
    pub(crate) escape: char,
    /// `charToEscapeQuoteEscaping`: escapes the escape character inside quoted values
    /// (default: the escape character when it differs from the quote, else none).
    pub(crate) escape_escape: Option<char>,
    /// `escapeQuotes` (true): values containing the quote character are quoted.
    pub(crate) escape_quotes: bool,
    /// `quoteAll` (false).
    pub(crate) quote_all: bool,
    /// `nullValue` (empty).
    pub(crate) null_value: String,
    /// `emptyValue` (`""` when writing).
    pub(crate) empty_value: String,
    /// `ignoreLeadingWhiteSpace` (true when writing).
    pub(crate) trim_leading: bool,
    /// `ignoreTrailingWhiteSpace` (true when writing).
    pub(crate) trim_trailing: bool,
}

impl CsvOptions {
    pub(crate) fn new(options: &Options, session_time_zone: &Zone) -> Result<Self> {
        text_compression(options)?;
        let delimiter = match options.get("sep").or(options.get("delimiter")) {
            None => ",".to_string(),
            Some("") => {
                return Err(Error::IllegalArgument(
                    "Delimiter cannot be empty string".into(),
                ))
            }
            Some("\\t") => "\t".to_string(),
            Some(sep) => sep.to_string(),
        };
        let quote = options.char("quote", '"')?;
        let escape = options.char("escape", '\\')?;
        let escape_escape = match options.get("charToEscapeQuoteEscaping") {
            Some(_) => match options.char("charToEscapeQuoteEscaping", '\0')? {
                '\0' => None,
                c => Some(c),
            },
            None if escape != quote => Some(escape),
            None => None,
        };
        Ok(CsvOptions {
            text: TextOptions::new(options, session_time_zone)?,
            header: options.bool("header", false)?,
            delimiter,
            quote,
            escape,
            escape_escape,
            escape_quotes: options.bool("escapeQuotes", true)?,
            quote_all: options.bool("quoteAll", false)?,
            null_value: options.get("nullValue").unwrap_or("").to_string(),
            empty_value: options.get("emptyValue").unwrap_or("\"\"").to_string(),
            trim_leading: options.bool("ignoreLeadingWhiteSpace", true)?,
            trim_trailing: options.bool("ignoreTrailingWhiteSpace", true)?,
        })
    }
}

/// Spark's `Utils.timeStringAsMs` for the `retention` option: a number with an optional
/// unit (`us`, `ms`, `s`, `m`/`min`, `h`, `d`; milliseconds without one).
pub(crate) fn parse_duration_ms(text: &str) -> Result<u64> {
    let t = text.trim().to_ascii_lowercase();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let invalid = || {
        Error::IllegalArgument(format!(
            "Time must be specified as seconds (s), milliseconds (ms), microseconds (us), minutes (m or min), hour (h), or day (d). E.g. 50s, 100ms, or 250us.\nInvalid time string: {text}"
        ))
    };
    let n: u64 = number.parse().map_err(|_| invalid())?;
    let factor_us: u64 = match unit.trim() {
        "us" => 1,
        "" | "ms" => 1_000,
        "s" => 1_000_000,
        "m" | "min" => 60_000_000,
        "h" => 3_600_000_000,
        "d" => 86_400_000_000,
        _ => return Err(invalid()),
    };
    Ok(n.saturating_mul(factor_us) / 1_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(pairs: &[(&str, &str)]) -> Options {
        Options::new(
            &pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    #[test]
    fn csv_defaults_and_overrides() {
        let o = CsvOptions::new(&opts(&[]), &Zone::UTC).unwrap();
        assert!(!o.header);
        assert_eq!(o.delimiter, ",");
        assert_eq!(
            (o.quote, o.escape, o.escape_escape),
            ('"', '\\', Some('\\'))
        );
        assert_eq!(
            (o.null_value.as_str(), o.empty_value.as_str()),
            ("", "\"\"")
        );
        let o = CsvOptions::new(
            &opts(&[
                ("HEADER", "True"),
                ("sep", "\\t"),
                ("quote", ""),
                ("escape", "\""),
            ]),
            &Zone::UTC,
        )
        .unwrap();
        assert!(o.header);
        assert_eq!(o.delimiter, "\t");
        assert_eq!(o.quote, '\0');
        assert!(CsvOptions::new(&opts(&[("header", "yes")]), &Zone::UTC).is_err());
        assert!(CsvOptions::new(&opts(&[("quote", "ab")]), &Zone::UTC).is_err());
        assert!(CsvOptions::new(&opts(&[("compression", "gzip")]), &Zone::UTC).is_err());
        assert!(CsvOptions::new(&opts(&[("compression", "none")]), &Zone::UTC).is_ok());
    }

    #[test]
    fn time_zone_option_and_durations() {
        let zone = |pairs: &[(&str, &str)]| {
            JsonOptions::new(&opts(pairs), &Zone::Fixed(3600)).map(|o| o.text.time_zone)
        };
        assert_eq!(zone(&[]).ok(), Some(Zone::Fixed(3600)));
        assert_eq!(zone(&[("timeZone", "UTC")]).ok(), Some(Zone::UTC));
        assert_eq!(
            zone(&[("timeZone", "GMT-8")]).ok(),
            Some(Zone::Fixed(-28_800))
        );
        assert_eq!(
            zone(&[("TIMEZONE", "-0130")]).ok(),
            Some(Zone::Fixed(-5_400))
        );
        assert_eq!(
            zone(&[("timeZone", "Europe/Paris")]).ok(),
            Some(spate_runtime::testing::region_zone("Europe/Paris"))
        );
        // Spark 4.3 refuses an unknown zone with [INVALID_TIMEZONE].
        assert!(zone(&[("timeZone", "Mars/Olympus")]).is_err_and(|e| e
            .to_string()
            .starts_with("[INVALID_TIMEZONE] The timezone: Mars/Olympus is invalid.")));
        assert_eq!(parse_duration_ms("12h").unwrap(), 43_200_000);
        assert_eq!(parse_duration_ms("100").unwrap(), 100);
        assert_eq!(parse_duration_ms("5 min").unwrap(), 300_000);
        assert!(parse_duration_ms("forever").is_err());
    }
}
