//! A hash of key values that stays the same across runs, builds and Arrow versions: it
//! picks the instance of a keyed operator's row ([`crate::shard`]), and a join's state is
//! given back to the instance that wrote it, so a key must land in the same instance after
//! a restart. Values are hashed from a canonical form of their own (integers and times as
//! `i64`, floats as `f64` with `-0.0` and NaN normalised, strings as their bytes), not from
//! a hashing crate, whose output may depend on CPU features, nor from Arrow's row format,
//! which Arrow may change; keys of other types (structs, decimals …) fall back to the row
//! format.

use arrow::array::{Array, ArrayRef, AsArray};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Float64Type, Int64Type};
use arrow::error::ArrowError;
use arrow::row::{RowConverter, SortField};

const MULTIPLIER: u64 = 0x9e37_79b9_7f4a_7c15;

/// One word folded into a running hash.
fn mix(hash: u64, word: u64) -> u64 {
    (hash ^ word).wrapping_mul(MULTIPLIER).rotate_left(29)
}

/// `bytes` folded into `hash`, eight at a time, their length first.
fn mix_bytes(mut hash: u64, bytes: &[u8]) -> u64 {
    hash = mix(hash, bytes.len() as u64);
    let mut words = bytes.chunks_exact(8);
    for word in &mut words {
        let mut array = [0u8; 8];
        array.copy_from_slice(word);
        hash = mix(hash, u64::from_le_bytes(array));
    }
    let mut tail = [0u8; 8];
    tail[..words.remainder().len()].copy_from_slice(words.remainder());
    mix(hash, u64::from_le_bytes(tail))
}

/// The murmur3 64-bit finaliser, so that `% P` sees every bit.
fn finish(mut hash: u64) -> u64 {
    hash ^= hash >> 33;
    hash = hash.wrapping_mul(0xff51_afd7_ed55_8ccd);
    hash ^= hash >> 33;
    hash = hash.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    hash ^ (hash >> 33)
}

/// The word a NULL value contributes.
const NULL: u64 = 0x6e75_6c6c;

/// How a key type is hashed.
enum Canonical {
    Integer,
    Float,
    Text,
    Boolean,
}

fn canonical(data_type: &DataType) -> Option<Canonical> {
    use DataType::*;
    Some(match data_type {
        Int8 | Int16 | Int32 | Int64 | UInt8 | UInt16 | UInt32 | UInt64 | Date32 | Date64
        | Timestamp(..) | Time32(_) | Time64(_) | Duration(_) => Canonical::Integer,
        Float16 | Float32 | Float64 => Canonical::Float,
        Utf8 | LargeUtf8 | Utf8View => Canonical::Text,
        Boolean => Canonical::Boolean,
        _ => return None,
    })
}

/// The hash of each of the `rows` rows whose key columns are `columns`.
pub(crate) fn hash_keys(columns: &[ArrayRef], rows: usize) -> Result<Vec<u64>, ArrowError> {
    let mut hashes = vec![MULTIPLIER; rows];
    for column in columns {
        match canonical(column.data_type()) {
            Some(Canonical::Integer) => {
                let values = cast(column, &DataType::Int64)?;
                let values = values.as_primitive::<Int64Type>();
                for (row, hash) in hashes.iter_mut().enumerate() {
                    let word = if values.is_null(row) {
                        NULL
                    } else {
                        values.value(row) as u64
                    };
                    *hash = mix(*hash, word);
                }
            }
            Some(Canonical::Float) => {
                let values = cast(column, &DataType::Float64)?;
                let values = values.as_primitive::<Float64Type>();
                for (row, hash) in hashes.iter_mut().enumerate() {
                    let value = values.value(row);
                    let word = if values.is_null(row) {
                        NULL
                    } else if value.is_nan() {
                        f64::NAN.to_bits()
                    } else {
                        // `-0.0 + 0.0` is `0.0`: both zeros hash alike.
                        (value + 0.0).to_bits()
                    };
                    *hash = mix(*hash, word);
                }
            }
            Some(Canonical::Text) => {
                let values = cast(column, &DataType::Utf8)?;
                let values = values.as_string::<i32>();
                for (row, hash) in hashes.iter_mut().enumerate() {
                    *hash = if values.is_null(row) {
                        mix(*hash, NULL)
                    } else {
                        mix_bytes(*hash, values.value(row).as_bytes())
                    };
                }
            }
            Some(Canonical::Boolean) => {
                let values = column.as_boolean();
                for (row, hash) in hashes.iter_mut().enumerate() {
                    let word = match values.is_null(row) {
                        true => NULL,
                        false => u64::from(values.value(row)),
                    };
                    *hash = mix(*hash, word);
                }
            }
            None => {
                let converter =
                    RowConverter::new(vec![SortField::new(column.data_type().clone())])?;
                let encoded = converter.convert_columns(std::slice::from_ref(column))?;
                for (row, hash) in hashes.iter_mut().enumerate() {
                    *hash = mix_bytes(*hash, encoded.row(row).as_ref());
                }
            }
        }
    }
    Ok(hashes.into_iter().map(finish).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{Float64Array, Int32Array, Int64Array, StringArray};
    use std::sync::Arc;

    #[test]
    fn equal_keys_of_any_integer_width_hash_alike_and_the_values_are_fixed() {
        let narrow: ArrayRef = Arc::new(Int32Array::from(vec![Some(7), None, Some(-1)]));
        let wide: ArrayRef = Arc::new(Int64Array::from(vec![Some(7), None, Some(-1)]));
        let hashes = hash_keys(&[narrow], 3).unwrap();
        assert_eq!(hashes, hash_keys(&[wide], 3).unwrap());
        assert_eq!(hashes.len(), 3);
        assert!(hashes[0] != hashes[1] && hashes[1] != hashes[2]);
        // The hash is part of the checkpoint format: these values must never change. They
        // were computed by a separate (Python) implementation of the steps above.
        let text: ArrayRef = Arc::new(StringArray::from(vec!["Event_1"]));
        assert_eq!(
            (hashes[0], hash_keys(&[text], 1).unwrap()[0]),
            (14_379_373_247_910_165_092, 16_462_632_983_455_553_655)
        );
    }

    #[test]
    fn times_dates_booleans_and_structs_hash() {
        use arrow::array::{BooleanArray, Date32Array, StructArray, TimestampMicrosecondArray};
        use arrow::datatypes::Field;
        let time: ArrayRef =
            Arc::new(TimestampMicrosecondArray::from(vec![5]).with_timezone("UTC"));
        let date: ArrayRef = Arc::new(Date32Array::from(vec![5]));
        let flag: ArrayRef = Arc::new(BooleanArray::from(vec![true]));
        let window: ArrayRef = Arc::new(StructArray::from(vec![(
            Arc::new(Field::new("start", DataType::Int64, true)),
            Arc::new(Int64Array::from(vec![5])) as ArrayRef,
        )]));
        let five: ArrayRef = Arc::new(Int64Array::from(vec![5]));
        // Integers and times are hashed as the same `i64`.
        let expected = hash_keys(&[five], 1).unwrap();
        assert_eq!(hash_keys(&[time], 1).unwrap(), expected);
        assert_eq!(hash_keys(&[date], 1).unwrap(), expected);
        assert_eq!(hash_keys(&[flag.clone(), window], 1).unwrap().len(), 1);
        assert_ne!(hash_keys(&[flag], 1).unwrap(), expected);
    }

    #[test]
    fn both_zeros_and_every_nan_hash_alike() {
        let floats: ArrayRef = Arc::new(Float64Array::from(vec![0.0, -0.0, f64::NAN, -f64::NAN]));
        let hashes = hash_keys(&[floats], 4).unwrap();
        assert_eq!((hashes[0], hashes[2]), (hashes[1], hashes[3]));
    }
}
