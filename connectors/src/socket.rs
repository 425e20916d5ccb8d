//! The `socket` source (SEMANTICS.md §3.5's test sources): UTF-8 lines read from a TCP
//! server (`host`, `port`; e.g. `nc -lk 9999`) as rows `value STRING`, plus `timestamp
//! TIMESTAMP` (when the line arrived, in ms as Spark stamps it) with
//! `includeTimestamp=true`.
//!
//! As in Spark it is for tests and demos, not production: lines are kept in memory until
//! their batch commits and cannot be replayed after a restart. The offset is the number of
//! lines received; a restarted query numbers the new connection's lines on from its last
//! committed offset.

use crate::options::Options;
use arrow::array::{RecordBatch, StringArray, TimestampMicrosecondArray};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use spate_runtime::source::{BatchReader, Bookkeeping, Offset, ReadLimit, Source};
use spate_runtime::types::timestamp_type;
use spate_runtime::{Error, Result};
use std::collections::{HashMap, VecDeque};
use std::io::{BufRead, BufReader};
use std::net::{Shutdown, TcpStream};
use std::sync::{Arc, Mutex, MutexGuard};

/// Lines received and not yet committed.
#[derive(Default)]
struct Received {
    /// Offset of `lines[0]` minus one: the lines before it are committed and dropped.
    base: u64,
    lines: Vec<String>,
    /// Arrival times, µs since the epoch (whole ms).
    times: Vec<i64>,
    /// Why the connection ended, if it failed.
    failure: Option<String>,
}

/// A socket source.
pub struct SocketSource {
    host: String,
    port: u16,
    include_timestamp: bool,
    received: Arc<Mutex<Received>>,
    connection: Option<TcpStream>,
    /// The offset numbering was aligned with the checkpoint's committed offset.
    numbered: bool,
}

/// `value STRING`, plus `timestamp TIMESTAMP` when `include_timestamp`.
fn schema_of(include_timestamp: bool) -> SchemaRef {
    let mut fields = vec![Field::new("value", DataType::Utf8, true)];
    if include_timestamp {
        fields.push(Field::new("timestamp", timestamp_type(), true));
    }
    Arc::new(Schema::new(fields))
}

fn offset_number(offset: &Offset) -> Result<u64> {
    offset
        .as_u64()
        .ok_or_else(|| Error::IllegalArgument(format!("not a socket source offset: {offset}")))
}

impl SocketSource {
    /// A source from Spark's options `host`, `port` and `includeTimestamp`; it connects when
    /// the query starts.
    pub fn new(options: &HashMap<String, String>) -> Result<Self> {
        let options = Options::new(options);
        let get = |key: &str| options.get(key).map(|v| v.trim().to_string());
        let host = get("host").ok_or_else(|| {
            Error::Analysis("Set a host to read from with option(\"host\", ...).".into())
        })?;
        let port = get("port").ok_or_else(|| {
            Error::Analysis("Set a port to read from with option(\"port\", ...).".into())
        })?;
        let port = port.parse().map_err(|_| {
            Error::Analysis(format!(
                "Port should be an integer between 0 and 65535, not {port}"
            ))
        })?;
        let include_timestamp = options.bool("includeTimestamp", false)?;
        Ok(SocketSource {
            host,
            port,
            include_timestamp,
            received: Arc::default(),
            connection: None,
            numbered: false,
        })
    }

    /// The received lines; the first call of a run numbers them on from `committed` (the
    /// checkpoint's offset when the query restarted).
    fn received(&mut self, committed: u64) -> Result<MutexGuard<'_, Received>> {
        let first_call = !std::mem::replace(&mut self.numbered, true);
        let mut received = self
            .received
            .lock()
            .map_err(|_| Error::Execution("the socket source's buffer is poisoned".into()))?;
        if first_call {
            received.base = committed;
        }
        Ok(received)
    }
}

/// Reads lines from `connection` into `received` until the connection ends. Like Java's
/// `BufferedReader.readLine`, a line ends at `\n` or `\r\n`, and bytes that are not UTF-8
/// become U+FFFD.
fn receive(connection: TcpStream, received: Arc<Mutex<Received>>) {
    let mut reader = BufReader::new(connection);
    let mut line = Vec::new();
    loop {
        line.clear();
        let read = reader.read_until(b'\n', &mut line);
        let arrived = chrono::Utc::now().timestamp_millis() * 1000;
        let Ok(mut received) = received.lock() else {
            return;
        };
        match read {
            Ok(0) => return,
            Ok(_) => {
                let text = line.strip_suffix(b"\n").unwrap_or(&line);
                let text = text.strip_suffix(b"\r").unwrap_or(text);
                received
                    .lines
                    .push(String::from_utf8_lossy(text).into_owned());
                received.times.push(arrived);
            }
            Err(error) => {
                received.failure = Some(error.to_string());
                return;
            }
        }
    }
}

impl Source for SocketSource {
    fn description(&self) -> String {
        format!("TextSocketV2[host: {}, port: {}]", self.host, self.port)
    }

    fn schema(&self) -> SchemaRef {
        schema_of(self.include_timestamp)
    }

    /// Connects, and receives lines on a thread of its own from now on.
    fn open(&mut self, _bookkeeping: Bookkeeping) -> Result<()> {
        tracing::warn!("The socket source should not be used for production applications! It does not support recovery.");
        let connection = TcpStream::connect((self.host.as_str(), self.port)).map_err(|e| {
            Error::Execution(format!("connecting to {}:{}: {e}", self.host, self.port).into())
        })?;
        let reading = connection
            .try_clone()
            .map_err(|e| Error::Execution(format!("the socket connection: {e}").into()))?;
        let received = self.received.clone();
        std::thread::Builder::new()
            .name(format!("spate-socket-{}", self.port))
            .spawn(move || receive(reading, received))
            .map_err(|e| Error::Execution(format!("starting the socket reader: {e}").into()))?;
        self.connection = Some(connection);
        Ok(())
    }

    fn prepare_for_available_now(&mut self) -> Result<()> {
        Err(Error::IllegalArgument(
            "The socket source does not support Trigger.AvailableNow".into(),
        ))
    }

    fn latest_offset(
        &mut self,
        start: Option<&Offset>,
        _limit: ReadLimit,
    ) -> Result<Option<Offset>> {
        let start = start.map(offset_number).transpose()?.unwrap_or(0);
        let received = self.received(start)?;
        if let Some(failure) = &received.failure {
            return Err(Error::Execution(
                format!("the socket connection failed: {failure}").into(),
            ));
        }
        let total = received.base + received.lines.len() as u64;
        Ok((total > 0).then(|| serde_json::json!(total)))
    }

    fn plan_batch(&mut self, start: Option<&Offset>, end: &Offset) -> Result<Box<dyn BatchReader>> {
        let start = start.map(offset_number).transpose()?.unwrap_or(0);
        let end = offset_number(end)?;
        let include_timestamp = self.include_timestamp;
        let received = self.received(start)?;
        let held = received.base..=received.base + received.lines.len() as u64;
        if !held.contains(&start) || !held.contains(&end) || start > end {
            return Err(Error::Execution(
                format!("the socket source holds lines {}..{}, not {start}..{end}: it cannot replay lines of an earlier run or connection", held.start(), held.end()).into(),
            ));
        }
        let range = (start - received.base) as usize..(end - received.base) as usize;
        // Batches of at most `BATCH_TEXT_BYTES` of text, as a string column's offsets are
        // 32-bit; a longer line is an error.
        let mut batches = VecDeque::new();
        let mut first = range.start;
        while first < range.end {
            let mut last = first;
            let mut bytes = 0;
            while last < range.end && bytes + received.lines[last].len() <= BATCH_TEXT_BYTES {
                bytes += received.lines[last].len();
                last += 1;
            }
            if last == first {
                return Err(Error::Execution(
                    format!(
                        "a line of {} bytes from the socket is longer than a string value can be",
                        received.lines[first].len()
                    )
                    .into(),
                ));
            }
            let values = StringArray::from_iter_values(received.lines[first..last].iter());
            let mut columns: Vec<Arc<dyn arrow::array::Array>> = vec![Arc::new(values)];
            if include_timestamp {
                columns.push(Arc::new(
                    TimestampMicrosecondArray::from(received.times[first..last].to_vec())
                        .with_timezone("UTC"),
                ));
            }
            batches.push_back(RecordBatch::try_new(schema_of(include_timestamp), columns)?);
            first = last;
        }
        if batches.is_empty() {
            batches.push_back(RecordBatch::new_empty(schema_of(include_timestamp)));
        }
        Ok(Box::new(Lines(batches)))
    }

    /// Drops the committed lines.
    fn commit(&mut self, end: &Offset) -> Result<()> {
        let end = offset_number(end)?;
        let mut received = self.received(end)?;
        let done = (end.saturating_sub(received.base) as usize).min(received.lines.len());
        received.lines.drain(..done);
        received.times.drain(..done);
        received.base += done as u64;
        Ok(())
    }
}

impl Drop for SocketSource {
    /// Closes the connection, which ends the reading thread.
    fn drop(&mut self) {
        if let Some(connection) = &self.connection {
            let _ = connection.shutdown(Shutdown::Both);
        }
    }
}

/// The most bytes of text in one batch (a string column's offsets are 32-bit).
const BATCH_TEXT_BYTES: usize = i32::MAX as usize;

/// One range's lines, handed out once.
struct Lines(VecDeque<RecordBatch>);

impl BatchReader for Lines {
    fn next_batch(&mut self) -> Result<Option<RecordBatch>> {
        Ok(self.0.pop_front())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::AsArray;
    use std::io::Write;
    use std::net::TcpListener;
    use std::time::{Duration, Instant};

    fn options(port: u16, include_timestamp: bool) -> HashMap<String, String> {
        HashMap::from([
            ("host".to_string(), "localhost".to_string()),
            ("port".to_string(), port.to_string()),
            (
                "includeTimestamp".to_string(),
                include_timestamp.to_string(),
            ),
        ])
    }

    fn wait_for(source: &mut SocketSource, start: Option<&Offset>, lines: u64) -> Offset {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let latest = source.latest_offset(start, ReadLimit::Configured).unwrap();
            if latest.as_ref().and_then(Offset::as_u64) == Some(lines) {
                return latest.unwrap();
            }
            assert!(Instant::now() < deadline, "lines did not arrive");
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    fn values(source: &mut SocketSource, start: Option<&Offset>, end: &Offset) -> Vec<String> {
        let batch = source.plan_batch(start, end).unwrap().next_batch().unwrap();
        let batch = batch.unwrap();
        let values = batch.column(0).as_string::<i32>();
        values.iter().map(|v| v.unwrap_or("").to_string()).collect()
    }

    #[test]
    fn lines_become_rows_numbered_by_offset_and_leave_when_committed() {
        let server = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = server.local_addr().unwrap().port();
        let mut source = SocketSource::new(&options(port, true)).unwrap();
        assert_eq!(source.schema().fields().len(), 2);
        source
            .open(Bookkeeping::new(std::path::PathBuf::new()))
            .unwrap();
        let (mut client, _) = server.accept().unwrap();
        assert_eq!(
            source.latest_offset(None, ReadLimit::Configured).unwrap(),
            None
        );
        client.write_all(b"hello world\nsecond line\n").unwrap();
        let two = wait_for(&mut source, None, 2);
        assert_eq!(
            values(&mut source, None, &two),
            ["hello world", "second line"]
        );
        source.commit(&two).unwrap();
        client.write_all(b"third\n").unwrap();
        let three = wait_for(&mut source, Some(&two), 3);
        assert_eq!(values(&mut source, Some(&two), &three), ["third"]);
        // Committed lines are gone for good, and lines not received yet are not there.
        assert!(source.plan_batch(None, &three).is_err());
        assert!(source
            .plan_batch(Some(&three), &serde_json::json!(9))
            .is_err());
        // Not UTF-8, and a Windows line end.
        client.write_all(b"caf\xe9\r\n").unwrap();
        let four = wait_for(&mut source, Some(&three), 4);
        assert_eq!(values(&mut source, Some(&three), &four), ["caf\u{fffd}"]);
    }

    #[test]
    fn a_replayed_range_of_an_earlier_connection_is_an_error_not_a_panic() {
        let server = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = server.local_addr().unwrap().port();
        let mut source = SocketSource::new(&options(port, false)).unwrap();
        source
            .open(Bookkeeping::new(std::path::PathBuf::new()))
            .unwrap();
        let _client = server.accept().unwrap();
        // After a restart the coordinator first commits the last committed offset, then
        // replays the logged range (7, 12] that only the old connection had.
        source.commit(&serde_json::json!(7)).unwrap();
        let replay = source.plan_batch(Some(&serde_json::json!(7)), &serde_json::json!(12));
        assert!(replay.is_err());
    }

    #[test]
    fn a_restart_numbers_lines_on_from_the_committed_offset() {
        let server = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = server.local_addr().unwrap().port();
        let mut source = SocketSource::new(&options(port, false)).unwrap();
        source
            .open(Bookkeeping::new(std::path::PathBuf::new()))
            .unwrap();
        let (mut client, _) = server.accept().unwrap();
        let committed = serde_json::json!(7);
        client.write_all(b"after restart\n").unwrap();
        let end = wait_for(&mut source, Some(&committed), 8);
        assert_eq!(
            values(&mut source, Some(&committed), &end),
            ["after restart"]
        );
    }

    #[test]
    fn bad_options_and_refused_connections_are_typed_errors() {
        assert!(SocketSource::new(&HashMap::new()).is_err());
        let mut bad_port = options(1, false);
        bad_port.insert("port".into(), "many".into());
        assert!(SocketSource::new(&bad_port).is_err());
        // A port nobody listens on.
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut source = SocketSource::new(&options(port, false)).unwrap();
        assert!(source
            .open(Bookkeeping::new(std::path::PathBuf::new()))
            .is_err());
    }
}
