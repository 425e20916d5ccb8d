//! Source and sink options as Spark reads them: names case-insensitive.

use spate_runtime::{Error, Result};
use std::collections::HashMap;

/// The options with lower-case keys (Spark treats option names case-insensitively).
pub(crate) struct Options(HashMap<String, String>);

impl Options {
    pub(crate) fn new(options: &HashMap<String, String>) -> Self {
        Options(
            options
                .iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), v.clone()))
                .collect(),
        )
    }

    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0.get(&name.to_ascii_lowercase()).map(String::as_str)
    }

    /// Spark's `getBool`: `true` / `false` in any case, else an error naming the option.
    pub(crate) fn bool(&self, name: &str, default: bool) -> Result<bool> {
        match self.get(name) {
            None => Ok(default),
            Some(v) if v.eq_ignore_ascii_case("true") => Ok(true),
            Some(v) if v.eq_ignore_ascii_case("false") => Ok(false),
            Some(_) => Err(Error::IllegalArgument(format!(
                "{name} flag can be true or false"
            ))),
        }
    }
}
