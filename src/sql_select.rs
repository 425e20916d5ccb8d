//! `spark.sql(text)`: a `SELECT` over a memory-sink table, as the lab queries its
//! `events_memory` table: columns or expressions (or `*`), `WHERE`, `ORDER BY` and `LIMIT`.

use crate::dataframe::DataFrame;
use crate::session::Session;
use crate::sql::{convert, syntax_error, unsupported};
use crate::table::Table;
use arrow::array::ArrayRef;
use arrow::compute::{
    concat_batches, lexsort_to_indices, take_record_batch, SortColumn, SortOptions,
};
use arrow::datatypes::SchemaRef;
use arrow::record_batch::RecordBatch;
use spate_operators::expr::{col, quote_identifier, EvalContext, Expr};
use spate_runtime::{Error, Result};
use sqlparser::ast::{
    self, LimitClause, OrderByKind, OrderByOptions, SelectItem, SetExpr, Statement, TableFactor,
};
use sqlparser::dialect::GenericDialect;

/// Runs the `SELECT` in `text` over the session's memory tables.
pub(crate) fn select(session: &Session, text: &str) -> Result<Table> {
    let dialect = GenericDialect {};
    let statements = crate::sql::spark_parser(&dialect, text)
        .and_then(|mut parser| parser.parse_statements())
        .map_err(|e| syntax_error(text, e))?;
    let [Statement::Query(query)] = statements.as_slice() else {
        return Err(unsupported(
            "anything but one SELECT statement in spark.sql",
        ));
    };
    let SetExpr::Select(select) = query.body.as_ref() else {
        return Err(unsupported("set operations and VALUES in spark.sql"));
    };
    let no_grouping =
        matches!(&select.group_by, ast::GroupByExpr::Expressions(e, _) if e.is_empty());
    if select.distinct.is_some() || select.having.is_some() || !no_grouping {
        return Err(unsupported("DISTINCT, GROUP BY and HAVING in spark.sql"));
    }
    let name = match select.from.as_slice() {
        [from] if from.joins.is_empty() => match &from.relation {
            TableFactor::Table { name, .. } => name.to_string(),
            other => return Err(unsupported(format!("FROM {other} in spark.sql"))),
        },
        _ => return Err(unsupported("a FROM other than one table in spark.sql")),
    };
    let table = session.table(&name)?;
    let mut df = DataFrame::from_static(session.clone(), table.schema(), table.collect());
    if let Some(condition) = &select.selection {
        df = df.filter(convert(condition)?)?;
    }
    let columns = select
        .projection
        .iter()
        .map(|item| match item {
            SelectItem::Wildcard(_) => Ok(col("*")),
            SelectItem::UnnamedExpr(e) => convert(e),
            SelectItem::ExprWithAlias { expr, alias } => Ok(convert(expr)?.alias(&alias.value)),
            other => Err(unsupported(format!("{other} in spark.sql"))),
        })
        .collect::<Result<Vec<Expr>>>()?;
    // ORDER BY reads the output (an alias, or `ORDER BY 2`: the second column), or else
    // the selected rows' input columns, as Spark resolves it.
    let order = match &query.order_by {
        Some(order_by) => match &order_by.kind {
            OrderByKind::Expressions(keys) => keys.as_slice(),
            OrderByKind::All(_) => return Err(unsupported("ORDER BY ALL in spark.sql")),
        },
        None => &[],
    };
    let context = session.eval_context()?;
    let selected = df.select(columns.clone())?;
    let output = selected.schema();
    let keys = order
        .iter()
        .map(|key| {
            let expr = match &key.expr {
                ast::Expr::Value(v) => match &v.value {
                    ast::Value::Number(n, _) => position(&output, n)?,
                    _ => convert(&key.expr)?,
                },
                other => convert(other)?,
            };
            Ok((expr, key.options))
        })
        .collect::<Result<Vec<_>>>()?;
    let resolves = |schema: &SchemaRef| {
        keys.iter()
            .all(|(key, _)| key.output_field_with(schema, &context).is_ok())
    };
    let mut rows = if resolves(&output) {
        sorted(
            concat_batches(&output, &selected.collect()?)?,
            &keys,
            &context,
        )?
    } else if resolves(&df.schema()) {
        // Sorted before the projection that drops the columns it reads.
        let input = sorted(
            concat_batches(&df.schema(), &df.collect()?)?,
            &keys,
            &context,
        )?;
        let sorted_input = DataFrame::from_static(session.clone(), df.schema(), vec![input]);
        concat_batches(&output, &sorted_input.select(columns)?.collect()?)?
    } else {
        return Err(unsupported(
            "ORDER BY keys over both the select list and its input in spark.sql",
        ));
    };
    if let Some(limit) = &query.limit_clause {
        let LimitClause::LimitOffset {
            limit: Some(ast::Expr::Value(value)),
            offset: None,
            limit_by,
        } = limit
        else {
            return Err(unsupported("a LIMIT other than LIMIT <n> in spark.sql"));
        };
        let ast::Value::Number(n, _) = &value.value else {
            return Err(unsupported("a LIMIT other than LIMIT <n> in spark.sql"));
        };
        if !limit_by.is_empty() {
            return Err(unsupported("LIMIT BY in spark.sql"));
        }
        let n: usize = n
            .parse()
            .map_err(|_| Error::Analysis(format!("LIMIT {n} is not a row count")))?;
        rows = rows.slice(0, n.min(rows.num_rows()));
    }
    Ok(Table::new(output, vec![rows], session.time_zone()?))
}

/// `ORDER BY n`: the select list's `n`th column (from 1).
fn position(output: &SchemaRef, n: &str) -> Result<Expr> {
    let field = n
        .parse::<usize>()
        .ok()
        .and_then(|n| n.checked_sub(1))
        .and_then(|i| output.fields().get(i))
        .ok_or_else(|| {
            Error::Analysis(format!("ORDER BY position {n} is not in the select list"))
        })?;
    Ok(col(&quote_identifier(field.name())))
}

/// `rows` in the order of `keys` (Spark: ascending by default, NULLs first when ascending
/// and last when descending).
fn sorted(
    rows: RecordBatch,
    keys: &[(Expr, OrderByOptions)],
    context: &EvalContext,
) -> Result<RecordBatch> {
    if keys.is_empty() {
        return Ok(rows);
    }
    let sort_columns = keys
        .iter()
        .map(|(key, options)| {
            let values: ArrayRef = key
                .evaluate(&rows, context)
                .map_err(|e| Error::Analysis(e.to_string()))?;
            let descending = options.asc == Some(false);
            let nulls_first = options.nulls_first.unwrap_or(!descending);
            Ok(SortColumn {
                values,
                options: Some(SortOptions {
                    descending,
                    nulls_first,
                }),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let order = lexsort_to_indices(&sort_columns, None)?;
    Ok(take_record_batch(&rows, &order)?)
}
