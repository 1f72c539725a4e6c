//! A labelling run over a stream of inputs: read → parse → label → [`Sink`]s, overlapped.
//!
//! [`label_stream`] is the fast path the `pagesift` command line takes: with more than one rayon
//! thread, while batch k is labelled, batch k+1 is parsed on the same pool and batch k−1 is handed
//! to the sink on the calling thread, and reading runs a batch ahead. Every output (JSON Lines,
//! CSV, the summary, the report, the extracted text, the errors file) is a [`Sink`]; progress and
//! notices (a guessed input format, a repeated page id) go to a [`Watch`].
//!
//! ```
//! use pagesift::ingest::{BatchLimits, BatchStream, ReadOptions};
//! use pagesift::run::{label_stream, Collect, Resume};
//! use pagesift::Labeler;
//!
//! let dir = tempfile::tempdir().unwrap();
//! std::fs::write(dir.path().join("a.txt"), "Call us today for a free consultation!").unwrap();
//! std::fs::write(dir.path().join("b.html"), "<p>Ketamine blocks NMDA receptors.</p>").unwrap();
//! let inputs = [dir.path().to_string_lossy().into_owned()];
//! let batches =
//!     BatchStream::start(&inputs, None, ReadOptions::default(), BatchLimits::default(), false);
//! let labeler = Labeler::builtin().unwrap();
//! let mut pages = Collect::default();
//! let stats = label_stream(batches, &labeler, &mut pages, &mut (), Resume::default()).unwrap();
//! assert_eq!((stats.pages_in, stats.pages_out, stats.skipped), (2, 2, 0));
//! assert_eq!(pages.0.len(), 2);
//! ```

use crate::error::{IngestError, ModelError};
use crate::ingest::{into_pages, BatchStream, InputFormat, Record};
use crate::label::Labeler;
use crate::types::{GoldPage, Label, LabelledPage, Page};
use std::collections::{HashSet, VecDeque};
use std::io;
use std::time::Duration;

/// An input the run left out, and why: a record that did not parse or a page the model refused.
#[derive(Debug, Clone, PartialEq)]
pub struct Skipped<'a> {
    /// The input file (`-` for stdin).
    pub file: &'a str,
    /// The line (JSON Lines) or record number (WARC), when the file holds several pages.
    pub line: Option<usize>,
    /// The page's id, when it was read before the failure.
    pub id: Option<&'a str>,
    /// What went wrong, in words.
    pub reason: String,
}

impl<'a> Skipped<'a> {
    /// A record that did not parse.
    pub fn from_error(e: &'a IngestError) -> Self {
        Skipped {
            file: &e.origin.path,
            line: e.origin.line,
            id: e.id.as_deref(),
            reason: e.kind.to_string(),
        }
    }

    /// A parsed page the model could not label.
    pub fn from_page(page: &'a Page, e: &ModelError) -> Self {
        Skipped {
            file: &page.origin.path,
            line: page.origin.line,
            id: Some(&page.id),
            reason: e.to_string(),
        }
    }

    /// `file`, or `file: line N`.
    pub fn place(&self) -> String {
        self.line.map_or_else(
            || self.file.to_string(),
            |l| format!("{}: line {l}", self.file),
        )
    }
}

/// Where labelled pages go, in input order. Outputs are sinks, and so are combinations of
/// them: `(A, B)` hands each page to both, `Option<S>` to `S` when there is one.
///
/// A sink of one's own, here counting promotion bytes per site:
///
/// ```
/// use pagesift::run::{label_stream, Resume, Sink};
/// use pagesift::ingest::{BatchLimits, BatchStream, ReadOptions};
/// use pagesift::{Label, LabelledPage, Labeler, Page};
/// use std::collections::BTreeMap;
///
/// #[derive(Default)]
/// struct PromotionBySite(BTreeMap<String, usize>);
///
/// impl Sink for PromotionBySite {
///     fn page(&mut self, _page: &Page, labelled: &LabelledPage) -> std::io::Result<()> {
///         let site = labelled.url.clone().unwrap_or_default();
///         let promotion = labelled.spans.iter().filter(|s| s.label == Label::Promotion);
///         *self.0.entry(site).or_default() += promotion.map(|s| s.text.len()).sum::<usize>();
///         Ok(())
///     }
/// }
///
/// let dir = tempfile::tempdir()?;
/// let file = dir.path().join("pages.jsonl");
/// std::fs::write(&file, concat!(
///     r#"{"id": "a", "url": "https://clinic.example/", "text": "Book your free consultation today!"}"#,
///     "\n",
///     r#"{"id": "b", "url": "https://news.example/", "text": "Ketamine blocks NMDA receptors."}"#,
///     "\n",
/// ))?;
/// let inputs = [file.to_string_lossy().into_owned()];
/// let batches =
///     BatchStream::start(&inputs, None, ReadOptions::default(), BatchLimits::default(), true);
/// let mut by_site = PromotionBySite::default();
/// let labeler = Labeler::builtin()?;
/// label_stream(batches, &labeler, &mut by_site, &mut (), Resume::default())?;
/// assert!(by_site.0["https://clinic.example/"] > 0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait Sink {
    /// One labelled page; `page` is the input it came from (its text, URL and markup).
    fn page(&mut self, page: &Page, labelled: &LabelledPage) -> io::Result<()>;

    /// An input that was left out. The default ignores it.
    fn skipped(&mut self, _skipped: &Skipped<'_>) -> io::Result<()> {
        Ok(())
    }

    /// The run is over: flush what is buffered. The default does nothing.
    fn finish(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A sink behind a reference or a box is the sink itself.
macro_rules! delegate_sink {
    ($($outer:ty),*) => {$(
        impl<S: Sink + ?Sized> Sink for $outer {
            fn page(&mut self, page: &Page, labelled: &LabelledPage) -> io::Result<()> {
                (**self).page(page, labelled)
            }
            fn skipped(&mut self, skipped: &Skipped<'_>) -> io::Result<()> {
                (**self).skipped(skipped)
            }
            fn finish(&mut self) -> io::Result<()> {
                (**self).finish()
            }
        }
    )*};
}

delegate_sink!(&mut S, Box<S>);

impl<S: Sink> Sink for Option<S> {
    fn page(&mut self, page: &Page, labelled: &LabelledPage) -> io::Result<()> {
        self.as_mut().map_or(Ok(()), |s| s.page(page, labelled))
    }
    fn skipped(&mut self, skipped: &Skipped<'_>) -> io::Result<()> {
        self.as_mut().map_or(Ok(()), |s| s.skipped(skipped))
    }
    fn finish(&mut self) -> io::Result<()> {
        self.as_mut().map_or(Ok(()), |s| s.finish())
    }
}

/// Both sinks, the first first.
impl<A: Sink, B: Sink> Sink for (A, B) {
    fn page(&mut self, page: &Page, labelled: &LabelledPage) -> io::Result<()> {
        self.0.page(page, labelled)?;
        self.1.page(page, labelled)
    }
    fn skipped(&mut self, skipped: &Skipped<'_>) -> io::Result<()> {
        self.0.skipped(skipped)?;
        self.1.skipped(skipped)
    }
    fn finish(&mut self) -> io::Result<()> {
        self.0.finish()?;
        self.1.finish()
    }
}

/// A sink that keeps every labelled page in memory.
#[derive(Debug, Default)]
pub struct Collect(pub Vec<LabelledPage>);

impl Sink for Collect {
    fn page(&mut self, _page: &Page, labelled: &LabelledPage) -> io::Result<()> {
        self.0.push(labelled.clone());
        Ok(())
    }
}

/// A sink made of a function called with each labelled page.
pub struct FnSink<F>(pub F);

impl<F: FnMut(&Page, &LabelledPage) -> io::Result<()>> Sink for FnSink<F> {
    fn page(&mut self, page: &Page, labelled: &LabelledPage) -> io::Result<()> {
        (self.0)(page, labelled)
    }
}

/// Hands the inner sink only the spans of one label (`label --only`).
pub struct OnlyLabel<S> {
    /// The label kept.
    pub label: Label,
    /// Where the filtered pages go.
    pub inner: S,
}

impl<S: Sink> Sink for OnlyLabel<S> {
    fn page(&mut self, page: &Page, labelled: &LabelledPage) -> io::Result<()> {
        let mut kept = labelled.clone();
        kept.retain_label(self.label);
        self.inner.page(page, &kept)
    }
    fn skipped(&mut self, skipped: &Skipped<'_>) -> io::Result<()> {
        self.inner.skipped(skipped)
    }
    fn finish(&mut self) -> io::Result<()> {
        self.inner.finish()
    }
}

/// How far a run is, after each batch is parsed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RunProgress {
    /// Input bytes read up to the batch last handed out.
    pub bytes_read: u64,
    /// Input bytes in all, when every input is a file of known size.
    pub bytes_total: Option<u64>,
    /// Pages parsed so far.
    pub pages: usize,
    /// Bytes of page text parsed so far.
    pub text_bytes: usize,
    /// Time since the run started.
    pub elapsed: Duration,
}

/// What a run tells its caller besides the pages: progress and notices. Every method defaults to
/// doing nothing, and `()` is the watch that listens to nothing.
pub trait Watch {
    /// The run starts; `bytes_total` as in [`RunProgress`].
    fn started(&mut self, _bytes_total: Option<u64>) {}
    /// A batch was parsed.
    fn progress(&mut self, _progress: &RunProgress) {}
    /// An input whose name did not say its format was read as `format`, guessed from its first
    /// bytes.
    fn guessed(&mut self, _path: &str, _format: InputFormat) {}
    /// A page id appeared again in the input (each copy is labelled); `repeats` counts the
    /// repeated ids so far.
    fn repeated_id(&mut self, _id: &str, _repeats: usize) {}
}

impl Watch for () {}

/// What a run read, labelled and left out.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunStats {
    /// Records read (pages, and records that did not parse).
    pub pages_in: usize,
    /// Pages labelled and handed to the sink.
    pub pages_out: usize,
    /// Records and pages left out (each was handed to [`Sink::skipped`]).
    pub skipped: usize,
    /// Pages found in the output of an earlier run ([`Resume`]) and not labelled again.
    pub resumed: usize,
    /// Records whose id appeared before in the input.
    pub repeated_ids: usize,
}

/// The ids of the pages an earlier run wrote (`label --resume`), in output order. The input is
/// matched against them by position, not by id alone, so a page whose id repeats is labelled
/// as often as it comes.
#[derive(Debug, Default, Clone)]
pub struct Resume {
    ids: VecDeque<String>,
}

impl Resume {
    /// The ids of the JSON Lines an earlier run wrote (`{"id": …}` each).
    pub fn from_jsonl_lines(lines: &[String]) -> Result<Resume, serde_json::Error> {
        let mut ids = VecDeque::with_capacity(lines.len());
        for line in lines {
            let record: serde_json::Value = serde_json::from_str(line)?;
            if let Some(id) = record["id"].as_str() {
                ids.push_back(id.to_string());
            }
        }
        Ok(Resume { ids })
    }

    /// Whether the input's next good record, `id`, is the next page the earlier run wrote (it
    /// is then not labelled again). A record that has no line (a page skipped as bad) does not
    /// match and is read again; the lines after it still match the records after it.
    fn take(&mut self, id: &str) -> bool {
        let matches = self.ids.front().is_some_and(|done| done == id);
        if matches {
            self.ids.pop_front();
        }
        matches
    }
}

/// Labels each batch in parallel and hands every labelled page to `sink`, in input order. Bad
/// records and pages the model refuses go to [`Sink::skipped`] and the run goes on; an error of
/// the sink stops it. The sink's [`Sink::finish`] is called at the end.
pub fn label_stream<S: Sink + ?Sized, W: Watch + ?Sized>(
    batches: BatchStream<'_>,
    labeler: &Labeler,
    sink: &mut S,
    watch: &mut W,
    mut resume: Resume,
) -> io::Result<RunStats> {
    let mut run = Running {
        labeler,
        stats: RunStats::default(),
        seen_ids: HashSet::default(),
        meter: batches.meter(),
        started: std::time::Instant::now(),
        pages_parsed: 0,
        text_bytes: 0,
    };
    watch.started(run.meter.total());
    // With more than one thread the batches go through a pipeline: while batch k is labelled,
    // batch k+1 is parsed on the same pool and batch k-1 is written on this thread, so the pool
    // fills the end of one stage (a few big pages left) with the other's work. Reading runs a
    // batch ahead. One thread stays one: parse, label and write each batch in turn.
    let pipelined = rayon::current_num_threads() > 1;
    let mut parsed: Option<Vec<Page>> = None;
    let mut labelled: Option<LabelledBatch> = None;
    for batch in batches {
        for (path, format) in run.meter.take_guesses() {
            watch.guessed(&path, format);
        }
        let records = run.new_records(batch, &mut resume, sink, watch)?;
        if !pipelined {
            let pages = run.keep_parsed(into_pages(records), sink, watch)?;
            let results = labeler.label_pages(&pages);
            run.write_batch(Some((pages, results)), sink)?;
            continue;
        }
        let (results, next) = run.pipeline_step(labelled.take(), parsed.take(), records, sink)?;
        labelled = results;
        parsed = Some(run.keep_parsed(next, sink, watch)?);
    }
    // The last batch is labelled while the one before it is written.
    if pipelined {
        let (last, _) = run.pipeline_step(labelled.take(), parsed.take(), Vec::new(), sink)?;
        run.write_batch(last, sink)?;
    }
    sink.finish()?;
    Ok(run.stats)
}

/// A batch's parse results, in input order.
type ParsedBatch = Vec<Result<Page, IngestError>>;

/// A batch's pages and their labelling results, in input order.
type LabelledBatch = (Vec<Page>, Vec<Result<LabelledPage, ModelError>>);

/// The state of one [`label_stream`].
struct Running<'l> {
    labeler: &'l Labeler,
    stats: RunStats,
    /// A 64-bit hash per page id, not the id, so memory stays small on long runs.
    seen_ids: HashSet<u64, rustc_hash::FxBuildHasher>,
    meter: crate::ingest::ReadMeter,
    started: std::time::Instant,
    pages_parsed: usize,
    text_bytes: usize,
}

impl Running<'_> {
    /// The batch's good records that an earlier run did not write; bad ones go to the sink.
    fn new_records<S: Sink + ?Sized, W: Watch + ?Sized>(
        &mut self,
        batch: crate::ingest::Batch,
        resume: &mut Resume,
        sink: &mut S,
        watch: &mut W,
    ) -> io::Result<Vec<Record>> {
        use std::hash::BuildHasher;
        let mut records = Vec::with_capacity(batch.len());
        for record in batch {
            self.stats.pages_in += 1;
            match record {
                Ok(record) => {
                    let id = record.id();
                    if !self.seen_ids.insert(rustc_hash::FxBuildHasher.hash_one(id)) {
                        self.stats.repeated_ids += 1;
                        watch.repeated_id(id, self.stats.repeated_ids);
                    }
                    if resume.take(id) {
                        self.stats.resumed += 1;
                    } else {
                        records.push(record);
                    }
                }
                Err(e) => self.skip(sink, &Skipped::from_error(&e))?,
            }
        }
        Ok(records)
    }

    fn skip<S: Sink + ?Sized>(&mut self, sink: &mut S, skipped: &Skipped<'_>) -> io::Result<()> {
        self.stats.skipped += 1;
        sink.skipped(skipped)
    }

    /// Keeps only the pages that parsed, handing the rest to the sink, and reports progress.
    fn keep_parsed<S: Sink + ?Sized, W: Watch + ?Sized>(
        &mut self,
        parsed: ParsedBatch,
        sink: &mut S,
        watch: &mut W,
    ) -> io::Result<Vec<Page>> {
        let mut pages = Vec::with_capacity(parsed.len());
        for result in parsed {
            match result {
                Ok(page) => pages.push(page),
                Err(e) => self.skip(sink, &Skipped::from_error(&e))?,
            }
        }
        self.text_bytes += pages.iter().map(|p| p.text.len()).sum::<usize>();
        self.pages_parsed += pages.len();
        watch.progress(&RunProgress {
            bytes_read: self.meter.read(),
            bytes_total: self.meter.total(),
            pages: self.pages_parsed,
            text_bytes: self.text_bytes,
            elapsed: self.started.elapsed(),
        });
        Ok(pages)
    }

    /// One step of the pipeline: writes the batch labelled last time (`previous`) on this
    /// thread, while the pool labels `to_label` and parses `records`. Returns the newly labelled
    /// batch and the parse results.
    fn pipeline_step<S: Sink + ?Sized>(
        &mut self,
        previous: Option<LabelledBatch>,
        to_label: Option<Vec<Page>>,
        records: Vec<Record>,
        sink: &mut S,
    ) -> io::Result<(Option<LabelledBatch>, ParsedBatch)> {
        let labeler = self.labeler;
        std::thread::scope(|scope| {
            let work = scope.spawn(|| {
                rayon::join(
                    || {
                        to_label.map(|pages| {
                            let results = labeler.label_pages(&pages);
                            (pages, results)
                        })
                    },
                    || into_pages(records),
                )
            });
            let written = self.write_batch(previous, sink);
            let done = work
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            written.map(|()| done)
        })
    }

    /// Hands a labelled batch to the sink in input order, and the pages that failed as skipped.
    fn write_batch<S: Sink + ?Sized>(
        &mut self,
        batch: Option<LabelledBatch>,
        sink: &mut S,
    ) -> io::Result<()> {
        let Some((pages, results)) = batch else {
            return Ok(());
        };
        for (page, result) in pages.iter().zip(results) {
            match result {
                Ok(labelled) => {
                    sink.page(page, &labelled)?;
                    self.stats.pages_out += 1;
                }
                Err(e) => self.skip(sink, &Skipped::from_page(page, &e))?,
            }
        }
        Ok(())
    }
}

/// A model scored against gold pages ([`score`]).
#[derive(Debug)]
pub struct Scored<'g> {
    /// Precision, recall and F1 per label over the pages labelled.
    pub report: crate::eval::EvalReport,
    /// The gold pages the model refused, and why; they are left out of the scores.
    pub refused: Vec<(&'g GoldPage, ModelError)>,
}

/// Labels the gold pages (as one batch, in parallel) and scores the labels against the gold:
/// `pagesift eval`.
pub fn score<'g>(labeler: &Labeler, gold: &'g [GoldPage]) -> Scored<'g> {
    let pages: Vec<Page> = gold.iter().map(|g| g.page.clone()).collect();
    let mut scored_gold = Vec::with_capacity(gold.len());
    let mut predicted = Vec::with_capacity(gold.len());
    let mut refused = Vec::new();
    for (g, result) in gold.iter().zip(labeler.label_pages(&pages)) {
        match result {
            Ok(p) => {
                scored_gold.push(g.clone());
                predicted.push(p);
            }
            Err(e) => refused.push((g, e)),
        }
    }
    Scored {
        report: crate::eval::evaluate(&scored_gold, &predicted),
        refused,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::{BatchLimits, ReadOptions};

    /// Records what reaches a sink, in order.
    #[derive(Default)]
    struct Log(Vec<String>);

    impl Sink for Log {
        fn page(&mut self, _page: &Page, labelled: &LabelledPage) -> io::Result<()> {
            self.0.push(format!("page {}", labelled.id));
            Ok(())
        }
        fn skipped(&mut self, skipped: &Skipped<'_>) -> io::Result<()> {
            self.0.push(format!("skipped {}", skipped.place()));
            Ok(())
        }
        fn finish(&mut self) -> io::Result<()> {
            self.0.push("finish".into());
            Ok(())
        }
    }

    fn stream_of(jsonl: &str, dir: &tempfile::TempDir) -> Vec<String> {
        let path = dir.path().join("in.jsonl");
        std::fs::write(&path, jsonl).unwrap();
        vec![path.to_string_lossy().into_owned()]
    }

    #[test]
    fn pages_reach_the_sink_in_order_with_skips_resumes_and_repeats_counted() {
        let dir = tempfile::tempdir().unwrap();
        let inputs = stream_of(
            "{\"id\":\"a\",\"text\":\"Call us today.\"}\n\
             not json\n\
             {\"id\":\"b\",\"text\":\"Ketamine blocks NMDA receptors.\"}\n\
             {\"id\":\"a\",\"text\":\"Again.\"}\n",
            &dir,
        );
        let labeler = Labeler::builtin().unwrap();
        let batches = BatchStream::start(
            &inputs,
            None,
            ReadOptions::default(),
            BatchLimits::default(),
            false,
        );
        let mut log = Log::default();
        let resume = Resume::from_jsonl_lines(&["{\"id\":\"a\"}".to_string()]).unwrap();
        let stats = label_stream(batches, &labeler, &mut log, &mut (), resume).unwrap();
        let file = &inputs[0];
        assert_eq!(
            log.0,
            [
                format!("skipped {file}: line 2"),
                "page b".to_string(),
                "page a".to_string(),
                "finish".to_string()
            ]
        );
        assert_eq!(
            stats,
            RunStats {
                pages_in: 4,
                pages_out: 2,
                skipped: 1,
                resumed: 1,
                repeated_ids: 1
            }
        );
    }

    #[test]
    fn a_sink_error_stops_the_run() {
        let dir = tempfile::tempdir().unwrap();
        let inputs = stream_of("{\"id\":\"a\",\"text\":\"x\"}\n", &dir);
        let batches = BatchStream::start(
            &inputs,
            None,
            ReadOptions::default(),
            BatchLimits::default(),
            false,
        );
        let mut failing =
            FnSink(|_: &Page, _: &LabelledPage| Err(io::ErrorKind::BrokenPipe.into()));
        let labeler = Labeler::builtin().unwrap();
        let e = label_stream(batches, &labeler, &mut failing, &mut (), Resume::default());
        assert_eq!(e.unwrap_err().kind(), io::ErrorKind::BrokenPipe);
    }
}
