//! Spark's DDL schema text: `"id INT NOT NULL, tags ARRAY<STRING>, s STRUCT<x: INT, y: DOUBLE>"`.

use crate::types::ddl_type;
use arrow::datatypes::{DataType, Field, Fields, Schema, SchemaRef};
use spate_runtime::{Error, Result};
use std::sync::Arc;

/// Parses a DDL schema: comma-separated `name TYPE [NOT NULL]` columns (a name may be
/// back-quoted), where a type is a Spark type name, `ARRAY<type>` or
/// `STRUCT<name: type, …>`.
pub fn parse_ddl(ddl: &str) -> Result<SchemaRef> {
    let mut parser = Ddl { text: ddl, at: 0 };
    let fields = parser.fields(None)?;
    parser.skip_spaces();
    if parser.at < ddl.len() {
        return Err(parser.error("unexpected text"));
    }
    if fields.is_empty() {
        return Err(Error::IllegalArgument(format!(
            "Invalid DDL schema {ddl:?}: no columns"
        )));
    }
    Ok(Arc::new(Schema::new(fields)))
}

/// A position in DDL text.
struct Ddl<'a> {
    text: &'a str,
    at: usize,
}

impl Ddl<'_> {
    fn error(&self, what: &str) -> Error {
        Error::IllegalArgument(format!(
            "Invalid DDL schema {:?}: {what} at character {}",
            self.text,
            self.at + 1
        ))
    }

    fn rest(&self) -> &str {
        &self.text[self.at..]
    }

    fn skip_spaces(&mut self) {
        let rest = self.rest();
        self.at += rest.len() - rest.trim_start().len();
    }

    /// Consumes `c` (after spaces) if it is next.
    fn eat(&mut self, c: char) -> bool {
        self.skip_spaces();
        let found = self.rest().starts_with(c);
        if found {
            self.at += c.len_utf8();
        }
        found
    }

    /// A word of letters, digits and underscores, or a back-quoted name (``` `` ``` for one
    /// back-quote).
    fn name(&mut self) -> Result<String> {
        self.skip_spaces();
        if let Some(quoted) = self.rest().strip_prefix('`') {
            let mut name = String::new();
            let mut chars = quoted.char_indices();
            while let Some((i, c)) = chars.next() {
                if c != '`' {
                    name.push(c);
                } else if quoted[i + 1..].starts_with('`') {
                    name.push('`');
                    chars.next();
                } else {
                    self.at += i + 2;
                    return Ok(name);
                }
            }
            return Err(self.error("unterminated back-quoted name"));
        }
        let word: String = self
            .rest()
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if word.is_empty() {
            return Err(self.error("expected a name"));
        }
        self.at += word.len();
        Ok(word)
    }

    /// Comma-separated fields until the end, or until `close` (consumed; none before it
    /// makes an empty struct).
    fn fields(&mut self, close: Option<char>) -> Result<Vec<Field>> {
        let mut fields = Vec::new();
        if close.is_some_and(|c| self.eat(c)) {
            return Ok(fields);
        }
        loop {
            fields.push(self.field()?);
            if self.eat(',') {
                continue;
            }
            self.skip_spaces();
            return match close {
                Some(c) if self.eat(c) => Ok(fields),
                Some(c) => Err(self.error(&format!("expected ',' or '{c}'"))),
                None if self.rest().is_empty() => Ok(fields),
                None => Err(self.error("expected ','")),
            };
        }
    }

    /// `name[:] TYPE [NOT NULL]`.
    fn field(&mut self) -> Result<Field> {
        let name = self.name()?;
        self.eat(':');
        let data_type = self.data_type()?;
        self.skip_spaces();
        let rest = self.rest();
        let nullable = match rest.get(..3) {
            Some(not) if not.eq_ignore_ascii_case("not") => {
                self.at += 3;
                self.skip_spaces();
                let null = self.name()?;
                if !null.eq_ignore_ascii_case("null") {
                    return Err(self.error("expected NOT NULL"));
                }
                false
            }
            _ => true,
        };
        Ok(Field::new(name, data_type, nullable))
    }

    /// A type name, `ARRAY<type>` or `STRUCT<fields>`.
    fn data_type(&mut self) -> Result<DataType> {
        let name = self.name()?;
        match name.to_ascii_lowercase().as_str() {
            "array" => {
                if !self.eat('<') {
                    return Err(self.error("expected '<'"));
                }
                let element = self.data_type()?;
                if !self.eat('>') {
                    return Err(self.error("expected '>'"));
                }
                Ok(DataType::List(Arc::new(Field::new(
                    "element", element, true,
                ))))
            }
            "struct" => {
                if !self.eat('<') {
                    return Err(self.error("expected '<'"));
                }
                Ok(DataType::Struct(Fields::from(self.fields(Some('>'))?)))
            }
            _ => ddl_type(&name),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_types_and_quoted_names() {
        let schema =
            parse_ddl("id INT NOT NULL, `a b` ARRAY<STRING>, s STRUCT<x: INT, `y``z` ARRAY<STRUCT<k:BIGINT>>>")
                .unwrap();
        let element = |t: DataType| DataType::List(Arc::new(Field::new("element", t, true)));
        let k = Fields::from(vec![Field::new("k", DataType::Int64, true)]);
        let s = Fields::from(vec![
            Field::new("x", DataType::Int32, true),
            Field::new("y`z", element(DataType::Struct(k)), true),
        ]);
        assert_eq!(
            schema
                .fields()
                .iter()
                .map(|f| (**f).clone())
                .collect::<Vec<_>>(),
            vec![
                Field::new("id", DataType::Int32, false),
                Field::new("a b", element(DataType::Utf8), true),
                Field::new("s", DataType::Struct(s), true),
            ]
        );
        for bad in [
            "",
            "a",
            "a ARRAY<INT",
            "a STRUCT<x INT",
            "a INT NOT",
            "a INT b INT",
            "a INT,,b INT",
            ",a INT",
            "a STRUCT<x INT,>",
            "a MAP<INT, INT>",
        ] {
            assert!(parse_ddl(bad).is_err(), "{bad}");
        }
    }
}
