//! Batches: the records of every input cut into batches of bounded size, read on a thread of
//! their own one batch ahead of the caller, with a meter of the bytes read.

use super::{expand_input, read_records_metered, InputFormat, ReadOptions, ReadState, Record};
use crate::error::IngestError;
use std::io::{self, Read};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// How big one batch of records may grow: it ends at `pages` records, or as soon as its records
/// hold `bytes` bytes (of text or HTML), so big pages keep memory bounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchLimits {
    /// Records per batch at most.
    pub pages: usize,
    /// Bytes of text or HTML per batch at most (a batch ends once it holds this many).
    pub bytes: usize,
}

impl Default for BatchLimits {
    /// 512 pages or 32 MiB: what `pagesift label` uses.
    fn default() -> Self {
        BatchLimits {
            pages: 512,
            bytes: 32 << 20,
        }
    }
}

/// One batch of records (and the errors met while reading them), in input order.
pub type Batch = Vec<Result<Record, IngestError>>;

/// Cuts a stream of records into batches by `limits`.
pub(super) fn batches(
    records: impl Iterator<Item = Result<Record, IngestError>>,
    limits: BatchLimits,
) -> impl Iterator<Item = Batch> {
    let mut records = records.peekable();
    std::iter::from_fn(move || {
        records.peek()?;
        let mut batch = Vec::new();
        let mut bytes = 0;
        while batch.len() < limits.pages.max(1) && bytes < limits.bytes {
            let Some(record) = records.next() else { break };
            bytes += record.as_ref().map_or(0, Record::bytes);
            batch.push(record);
        }
        Some(batch)
    })
}

/// The batches of `inputs`, in input order. With `read_ahead`, a thread of its own starts
/// reading as soon as the stream is made and then stays one batch ahead of the caller (the
/// rendezvous channel holds no batch, so at most two are in memory): a caller that makes the
/// stream before loading its model reads the first batch meanwhile. The batches are the same
/// either way; dropping the stream stops the reading without waiting for it.
pub struct BatchStream<'a> {
    source: BatchSource<'a>,
    meter: ReadMeter,
}

enum BatchSource<'a> {
    Inline(Box<dyn Iterator<Item = (Batch, u64)> + 'a>),
    ReadAhead {
        /// `None` once dropped or ended.
        batches: Option<std::sync::mpsc::Receiver<(Batch, u64)>>,
        reader: Option<std::thread::JoinHandle<()>>,
    },
}

/// How far a [`BatchStream`] has gone: the bytes of its input files (compressed bytes for a
/// `.gz`) up to the end of the last batch it handed out, out of their total size when every
/// input is a file whose size is known.
#[derive(Debug, Clone)]
pub struct ReadMeter {
    handed_out: Arc<AtomicU64>,
    total: Option<u64>,
    state: Arc<ReadState>,
}

impl ReadMeter {
    /// Bytes of input up to the end of the last batch handed out.
    pub fn read(&self) -> u64 {
        self.handed_out.load(Ordering::Relaxed)
    }

    /// The inputs' total size; `None` when one is standard input or not a regular file.
    pub fn total(&self) -> Option<u64> {
        self.total
    }

    /// The inputs whose format was guessed from their first bytes since the last call (standard
    /// input, or a name that does not say: see [`InputFormat::named_by`]), with the guess.
    pub fn take_guesses(&self) -> Vec<(String, InputFormat)> {
        self.state
            .guesses
            .lock()
            .map(|mut g| std::mem::take(&mut *g))
            .unwrap_or_default()
    }
}

/// A reader that adds what it reads to a shared count.
pub(super) struct Metered<R>(pub(super) R, pub(super) Arc<ReadState>);

impl<R: Read> Read for Metered<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.0.read(buf)?;
        self.1.bytes.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// The total size of the files `inputs` name (directories walked as they will be read).
fn total_size(inputs: &[String], follow: bool) -> Option<u64> {
    let mut total = 0u64;
    for input in inputs {
        for path in expand_input(input, follow) {
            let path = path.ok()?;
            if path == "-" {
                return None;
            }
            let meta = std::fs::metadata(&path).ok()?;
            if !meta.is_file() {
                return None;
            }
            total += meta.len();
        }
    }
    Some(total)
}

impl<'a> BatchStream<'a> {
    /// Starts reading `inputs` (files, directories, `-`), each read as `forced` or as its name or first bytes say, and cuts the records into batches by `limits`; `read_ahead` reads on a thread of its own.
    pub fn start(
        inputs: &'a [String],
        forced: Option<InputFormat>,
        options: ReadOptions,
        limits: BatchLimits,
        read_ahead: bool,
    ) -> BatchStream<'a> {
        let read = Arc::<ReadState>::default();
        let meter = ReadMeter {
            handed_out: Arc::default(),
            total: total_size(inputs, options.follow_links),
            state: read.clone(),
        };
        // Each batch goes out with the bytes read when it was cut.
        let cut = {
            let read = read.clone();
            move |batch: Batch| (batch, read.bytes.load(Ordering::Relaxed))
        };
        if !read_ahead {
            let records = read_records_metered(inputs, forced, options, read);
            return BatchStream {
                source: BatchSource::Inline(Box::new(batches(records, limits).map(cut))),
                meter,
            };
        }
        let inputs = inputs.to_vec();
        let (sender, receiver) = std::sync::mpsc::sync_channel(0);
        let reader = std::thread::spawn(move || {
            let records = read_records_metered(&inputs, forced, options, read);
            for batch in batches(records, limits).map(cut) {
                // A closed channel means the caller dropped the stream: stop reading.
                if sender.send(batch).is_err() {
                    return;
                }
            }
        });
        BatchStream {
            source: BatchSource::ReadAhead {
                batches: Some(receiver),
                reader: Some(reader),
            },
            meter,
        }
    }

    /// How far the stream has read, for a progress bar (a handle that stays valid while the
    /// stream is consumed).
    pub fn meter(&self) -> ReadMeter {
        self.meter.clone()
    }
}

impl Iterator for BatchStream<'_> {
    type Item = Batch;

    fn next(&mut self) -> Option<Batch> {
        let (batch, read) = match &mut self.source {
            BatchSource::Inline(batches) => batches.next(),
            BatchSource::ReadAhead { batches, reader } => {
                let batch = batches.as_ref()?.recv().ok();
                if batch.is_none() {
                    // The reader is done, or panicked: a panic must not pass for the end of
                    // the input, so it goes on here.
                    *batches = None;
                    if let Some(Err(panic)) = reader.take().map(|r| r.join()) {
                        std::panic::resume_unwind(panic);
                    }
                }
                batch
            }
        }?;
        self.meter.handed_out.store(read, Ordering::Relaxed);
        Some(batch)
    }
}

impl Drop for BatchStream<'_> {
    fn drop(&mut self) {
        if let BatchSource::ReadAhead { batches, reader } = &mut self.source {
            // Closing the channel ends the reader once the batch it is reading is read. It is not
            // waited for: a reader blocked on a pipe that never ends would hold up the caller's
            // exit (a bad --model must fail at once, whatever the input is doing).
            *batches = None;
            drop(reader.take());
        }
    }
}
