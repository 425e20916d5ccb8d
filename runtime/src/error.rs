//! The error type shared by the runtime, operators, connectors and the facade.

use std::path::PathBuf;

/// A boxed error from an operator, source or sink implementation.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Everything that can stop a query or refuse to start one.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Spark's `AnalysisException`: the query is invalid (raised by `start()`).
    #[error("{0}")]
    Analysis(String),
    /// Spark's `IllegalArgumentException`: a bad option, name or argument.
    #[error("{0}")]
    IllegalArgument(String),
    /// Reading or writing a file failed.
    #[error("{action} {path}: {source}")]
    Io {
        /// What was being done (`reading`, `writing`, `listing`, …).
        action: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// A checkpoint file is missing, corrupt or does not fit the query.
    #[error("checkpoint {path}: {reason}")]
    Checkpoint {
        /// The offending file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// An Arrow kernel failed.
    #[error(transparent)]
    Arrow(#[from] arrow::error::ArrowError),
    /// An operator, source or sink failed; the message names which.
    #[error("{context}: {source}")]
    Component {
        /// The failing operator, source or sink.
        context: String,
        /// Its error.
        #[source]
        source: BoxError,
    },
    /// A runtime error raised while processing rows, shown as its own message
    /// (Spark's `[CAST_INVALID_INPUT] …`, `[DIVIDE_BY_ZERO] …`).
    #[error("{0}")]
    Execution(BoxError),
    /// The query was stopped before the requested work finished.
    #[error("the query was stopped")]
    Stopped,
}

impl Error {
    /// Wraps a component's error with the name of the component.
    pub fn component(context: impl Into<String>, source: impl Into<BoxError>) -> Self {
        Error::Component {
            context: context.into(),
            source: source.into(),
        }
    }

    /// An I/O error on `path` while doing `action`.
    pub fn io(action: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            action,
            path: path.into(),
            source,
        }
    }
}

/// Result with spate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Runs `work`, turning a panic inside it into an [`Error::Execution`] naming `context()`
/// (only built on a panic), so that a bug in an operator or a user function fails the
/// query instead of silently killing an actor.
pub fn catch_panic<T>(
    context: impl FnOnce() -> String,
    work: impl FnOnce() -> Result<T>,
) -> Result<T> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)) {
        Ok(result) => result,
        Err(payload) => {
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            Err(Error::Execution(
                format!("{} panicked: {message}", context()).into(),
            ))
        }
    }
}
