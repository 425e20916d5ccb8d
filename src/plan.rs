//! The planner: a DataFrame's logical plan → a runtime topology
//! (source with its stateless stage fused in → sink).

use crate::dataframe::DataFrame;
use crate::writer::{OutputMode, SinkSpec};
use spate_connectors::console::ConsoleSink;
use spate_connectors::file::sink::{FileSink, OutputFormat};
use spate_connectors::foreach_batch::ForeachBatchSink;
use spate_connectors::memory::{MemoryMode, MemorySink, MemoryTable};
use spate_operators::stage::Stage;
use spate_runtime::source::{BatchMap, MappedSource};
use spate_runtime::{Error, Result, Sink, Source, Topology};
use std::collections::HashMap;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;

/// Builds the topology of `df` writing into `sink`.
pub(crate) fn plan_query(
    df: &DataFrame,
    sink: SinkSpec,
    mode: OutputMode,
    options: &HashMap<String, String>,
    query_name: Option<&str>,
) -> Result<Topology> {
    let session = &df.session;
    let plan = &df.plan;
    let time_zone = session.time_zone()?;
    let source = plan.source.open(time_zone)?;
    let stage = Stage::new(
        source.schema(),
        plan.transforms.clone(),
        session.eval_context()?,
    )
    .map_err(|e| Error::Analysis(e.to_string()))?;
    let schema = stage.output_schema();
    let schema_of_stage = schema.clone();
    let sink: Box<dyn Sink> = match sink {
        SinkSpec::Console(output) => {
            Box::new(ConsoleSink::new(schema, options, time_zone, output)?)
        }
        SinkSpec::Memory => {
            let table = MemoryTable::new(schema);
            session.register_table(query_name.unwrap_or_default(), table.clone());
            let mode = match mode {
                OutputMode::Complete => MemoryMode::Complete,
                _ => MemoryMode::Append,
            };
            Box::new(MemorySink::new(table, mode))
        }
        SinkSpec::File(format) => {
            let path = options
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("path"))
                .map(|(_, v)| PathBuf::from(v))
                .ok_or_else(|| Error::IllegalArgument("'path' is not specified".into()))?;
            let format =
                OutputFormat::from_str(&format).map_err(|e| Error::component("writeStream", e))?;
            Box::new(FileSink::new(format, &path, options, time_zone)?)
        }
        SinkSpec::ForeachBatch(function) => Box::new(ForeachBatchSink::new(function)),
    };
    // The stateless stage runs inside the source's actor: no message hop, and the sink
    // gets a core of its own.
    let stage = Arc::new(stage);
    let map: BatchMap = Arc::new(move |batch| stage.apply(batch));
    let source = MappedSource::new(Box::new(source), map, schema_of_stage);
    let mut topology = Topology::new();
    let source = topology.add_source(Box::new(source));
    let sink = topology.add_sink(sink);
    topology.connect(source, sink, 0)?;
    Ok(topology)
}
