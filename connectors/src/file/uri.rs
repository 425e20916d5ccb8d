//! Local paths as the `file:` URLs Spark writes into its logs, and back.

use std::path::PathBuf;

/// The decoded last path component of a file URL (Hadoop's `Path.getName`).
pub(crate) fn url_file_name(url: &str) -> String {
    let decoded = percent_decode(url_path_part(url));
    let decoded = decoded.trim_end_matches('/');
    decoded.rsplit('/').next().unwrap_or(decoded).to_string()
}

/// The path part of a URL: without `scheme:` and `//authority`.
fn url_path_part(url: &str) -> &str {
    let rest = match url.find(':') {
        Some(colon)
            if url[..colon]
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)) =>
        {
            &url[colon + 1..]
        }
        _ => url,
    };
    match rest.strip_prefix("//") {
        Some(after) => after.find('/').map_or("", |slash| &after[slash..]),
        None => rest,
    }
}

/// Decodes `%XX` escapes (invalid escapes are kept as they are).
pub(crate) fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = |b: u8| (b as char).to_digit(16);
            if let (Some(hi), Some(lo)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((hi * 16 + lo) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A file URL as the local path it names (`file:///a%20b` → `/a b`).
pub(crate) fn url_to_path(url: &str) -> std::result::Result<PathBuf, String> {
    let rest = url
        .strip_prefix("file:")
        .ok_or_else(|| format!("`{url}` is not a file: URL"))?;
    let path = match rest.strip_prefix("//") {
        Some(after) => {
            let slash = after
                .find('/')
                .ok_or_else(|| format!("`{url}` has no path"))?;
            if slash != 0 && &after[..slash] != "localhost" {
                return Err(format!("`{url}` names another host"));
            }
            &after[slash..]
        }
        None => rest,
    };
    if !path.starts_with('/') {
        return Err(format!("`{url}` is not an absolute file URL"));
    }
    Ok(PathBuf::from(percent_decode(path)))
}

/// An absolute path as Spark writes it into its logs: `file://` + the path quoted like
/// `java.net.URI` quotes a path (space, `%`, `#`, `?`, `[`, `]`, `{`, `}`, `^`, `|`, `"`,
/// `<`, `>`, `` ` ``, `\` and control characters escaped; other non-ASCII characters kept).
pub(crate) fn path_to_url(path: &str) -> String {
    let mut out = String::with_capacity(path.len() + 8);
    out.push_str("file://");
    for c in path.chars() {
        let keep = if c.is_ascii() {
            c.is_ascii_alphanumeric() || "-_.!~*'(),;:$&+=/@".contains(c)
        } else {
            !c.is_whitespace() && !c.is_control()
        };
        if keep {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_quoted_like_java_uris() {
        let url = path_to_url("/in/sp ace é%#?[x]{y}^|\"<>`\\\t;,=+&$@'!~*().json");
        assert_eq!(
            url,
            "file:///in/sp%20ace%20é%25%23%3F%5Bx%5D%7By%7D%5E%7C%22%3C%3E%60%5C%09;,=+&$@'!~*().json"
        );
        assert_eq!(
            url_to_path(&url).unwrap(),
            PathBuf::from("/in/sp ace é%#?[x]{y}^|\"<>`\\\t;,=+&$@'!~*().json")
        );
        assert_eq!(url_to_path("file:/a/b").unwrap(), PathBuf::from("/a/b"));
        assert!(url_to_path("hdfs://nn/a").is_err());
        assert!(url_to_path("file://host/a").is_err());
        assert_eq!(url_file_name("file:///in/a%20b.json"), "a b.json");
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
        // Spark 4.3's file sink wrote `file:///tmp/fs5/w/o%20ut%25é/y/part-…` for `o ut%é/y`.
        assert_eq!(path_to_url("/tmp/o ut%é/y"), "file:///tmp/o%20ut%25é/y");
    }
}
