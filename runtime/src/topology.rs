//! The low-level topology API: a graph of sources, operators and sinks built by hand
//! (the DataFrame planner builds the same graph).

use crate::error::{Error, Result};
use crate::operator::Operator;
use crate::sink::{Sink, SinkOperator};
use crate::source::Source;

/// A node of a [`Topology`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeRef {
    /// The `i`-th source.
    Source(usize),
    /// The `i`-th operator (sinks are operators too).
    Operator(usize),
}

pub(crate) struct OperatorNode {
    pub operator: Box<dyn Operator>,
    pub inputs: usize,
    /// The sink's description, for sinks.
    pub sink: Option<String>,
}

/// An edge from a node's output to an operator's input port.
#[derive(Debug, Clone, Copy)]
pub(crate) struct EdgeSpec {
    pub from: NodeRef,
    pub to: usize,
    pub port: usize,
}

/// A dataflow graph. Edges go from a source or an earlier-added operator to a later-added
/// operator's input port, so the graph cannot have cycles.
#[derive(Default)]
pub struct Topology {
    pub(crate) sources: Vec<Box<dyn Source>>,
    pub(crate) operators: Vec<OperatorNode>,
    pub(crate) edges: Vec<EdgeSpec>,
}

impl Topology {
    /// An empty graph.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a source.
    pub fn add_source(&mut self, source: Box<dyn Source>) -> NodeRef {
        self.sources.push(source);
        NodeRef::Source(self.sources.len() - 1)
    }

    /// Adds an operator with `inputs` input ports.
    pub fn add_operator(&mut self, operator: Box<dyn Operator>, inputs: usize) -> NodeRef {
        self.operators.push(OperatorNode {
            operator,
            inputs,
            sink: None,
        });
        NodeRef::Operator(self.operators.len() - 1)
    }

    /// Adds a sink (one input port).
    pub fn add_sink(&mut self, sink: Box<dyn Sink>) -> NodeRef {
        let description = sink.description();
        self.operators.push(OperatorNode {
            operator: Box::new(SinkOperator::new(sink)),
            inputs: 1,
            sink: Some(description),
        });
        NodeRef::Operator(self.operators.len() - 1)
    }

    /// Connects `from`'s output to input `port` of operator `to`.
    pub fn connect(&mut self, from: NodeRef, to: NodeRef, port: usize) -> Result<()> {
        let NodeRef::Operator(to) = to else {
            return Err(Error::IllegalArgument("a source has no inputs".into()));
        };
        let node = self
            .operators
            .get(to)
            .ok_or_else(|| Error::IllegalArgument(format!("no operator {to}")))?;
        if port >= node.inputs {
            return Err(Error::IllegalArgument(format!(
                "operator {to} has no input port {port}"
            )));
        }
        match from {
            NodeRef::Source(s) if s >= self.sources.len() => {
                return Err(Error::IllegalArgument(format!("no source {s}")))
            }
            NodeRef::Operator(o) if o >= to => {
                return Err(Error::IllegalArgument(format!(
                    "operator {o} cannot feed operator {to}: edges go to later operators"
                )))
            }
            NodeRef::Operator(o) if self.operators[o].sink.is_some() => {
                return Err(Error::IllegalArgument(format!(
                    "operator {o} is a sink and has no output"
                )))
            }
            _ => {}
        }
        if self.edges.iter().any(|e| e.to == to && e.port == port) {
            return Err(Error::IllegalArgument(format!(
                "input port {port} of operator {to} is already connected"
            )));
        }
        self.edges.push(EdgeSpec { from, to, port });
        Ok(())
    }

    /// Checks that the graph can run: a source, a sink, every input port connected.
    pub(crate) fn validate(&self) -> Result<()> {
        if self.sources.is_empty() {
            return Err(Error::IllegalArgument("the topology has no source".into()));
        }
        if !self.operators.iter().any(|o| o.sink.is_some()) {
            return Err(Error::IllegalArgument("the topology has no sink".into()));
        }
        for (index, node) in self.operators.iter().enumerate() {
            if node.inputs == 0 {
                return Err(Error::IllegalArgument(format!(
                    "operator {index} ({}) has no input",
                    node.operator.name()
                )));
            }
            let connected = self.edges.iter().filter(|e| e.to == index).count();
            if connected != node.inputs {
                return Err(Error::IllegalArgument(format!(
                    "operator {index} ({}) has {connected} of its {} inputs connected",
                    node.operator.name(),
                    node.inputs
                )));
            }
        }
        Ok(())
    }
}
