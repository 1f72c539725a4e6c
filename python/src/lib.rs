//! `pagesift._pagesift`: the Python classes over the Rust library (`pagesift` re-exports them).
//!
//! Pages are read as `pagesift label` reads a JSON Lines record (`html` as a `str`, or `text`)
//! or an HTML file (`html` as `bytes`), and [`Labeler.label_many`] cuts its input into the same
//! batches as the command line (512 records or 32 MiB), so the batch repetition features, and
//! with them every span, come out as the command line's on the same pages in the same order.

use pagesift::ingest::{
    into_pages, page_from_html, page_from_text, Batch, BatchLimits, BatchStream, InputFormat,
    ReadOptions,
};
use pagesift::{LabelledPage, ModelBundle, ModelError};
use pyo3::create_exception;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyIterator, PyList, PyMapping, PyString};
use std::collections::{HashSet, VecDeque};
use std::sync::{Arc, Mutex};

create_exception!(
    pagesift,
    PagesiftError,
    PyValueError,
    "A page or a model pagesift cannot use; the message is the one the command line prints.\n\n\
     A subclass of ValueError: a blank page, HTML with no visible text, a record with neither \
     \"html\" nor \"text\", a model directory that cannot be loaded, a bad `jobs`."
);

fn error(message: impl std::fmt::Display) -> PyErr {
    PagesiftError::new_err(message.to_string())
}

/// A score as `pagesift label` writes it: the f32's shortest decimal, read as a Python float,
/// so `json.loads` of the command line's line and the Python value are the same number.
fn json_float(x: f32) -> f64 {
    x.to_string().parse().unwrap_or(f64::from(x))
}

/// One labelled stretch of a page, as in the command line's JSON Lines.
///
/// `start`/`end`: offsets into the page as given (UTF-8 bytes of a `str`, or the `bytes`
/// themselves for HTML given as bytes); `text_start`/`text_end`: offsets into the page's
/// text (for HTML, the extracted text); `label`: "education", "promotion" or "boilerplate";
/// `score`: the label's mean probability over the span; `text`: the span's text.
#[pyclass(frozen, get_all, module = "pagesift")]
struct Span {
    start: usize,
    end: usize,
    text_start: usize,
    text_end: usize,
    label: &'static str,
    score: f64,
    text: String,
}

#[pymethods]
impl Span {
    /// A span from a dict with the keys of `to_dict` (a span of the CLI's JSON line).
    #[staticmethod]
    fn from_dict(d: &Bound<'_, PyDict>) -> PyResult<Span> {
        let get = |key: &str| -> PyResult<Bound<'_, PyAny>> {
            d.get_item(key)?
                .ok_or_else(|| error(format!("a span needs {key:?}")))
        };
        let label: String = get("label")?.extract()?;
        let label = pagesift::Label::ALL
            .iter()
            .find(|l| l.as_str() == label)
            .ok_or_else(|| error(format!("unknown label {label:?}")))?
            .as_str();
        Ok(Span {
            start: get("start")?.extract()?,
            end: get("end")?.extract()?,
            text_start: get("text_start")?.extract()?,
            text_end: get("text_end")?.extract()?,
            label,
            score: get("score")?.extract()?,
            text: get("text")?.extract()?,
        })
    }

    /// Pickling goes through `to_dict` and `from_dict`.
    fn __reduce__<'py>(
        slf: &Bound<'py, Self>,
    ) -> PyResult<(Bound<'py, PyAny>, (Bound<'py, PyDict>,))> {
        let from_dict = slf.get_type().getattr("from_dict")?;
        Ok((from_dict, (slf.get().to_dict(slf.py())?,)))
    }

    /// The span as a dict with the command line's keys and values.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("start", self.start)?;
        d.set_item("end", self.end)?;
        d.set_item("text_start", self.text_start)?;
        d.set_item("text_end", self.text_end)?;
        d.set_item("label", self.label)?;
        d.set_item("score", self.score)?;
        d.set_item("text", &self.text)?;
        Ok(d)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let mut text: String = self.text.chars().take(40).collect();
        if text.len() < self.text.len() {
            text.push('…');
        }
        Ok(format!(
            "Span(start={}, end={}, label='{}', score={:.3}, text={})",
            self.start,
            self.end,
            self.label,
            self.score,
            py_repr(py, &Some(text))?
        ))
    }
}

/// A labelled page: `id` and `url` as given, `promotion_share` (promotion bytes over
/// labelled bytes, non-whitespace only) and `spans`, a list of `Span` in page order.
#[pyclass(frozen, get_all, module = "pagesift")]
struct Page {
    id: Option<String>,
    url: Option<String>,
    promotion_share: f64,
    spans: Py<PyList>,
}

#[pymethods]
impl Page {
    /// A page from a dict shaped like `to_dict`'s, or like a line of `pagesift label`'s
    /// JSON Lines output (`json.loads(line)`): `id`, `url` (optional), `promotion_share` and
    /// `spans`.
    #[staticmethod]
    fn from_dict(py: Python<'_>, d: &Bound<'_, PyDict>) -> PyResult<Page> {
        let optional = |key: &str| -> PyResult<Option<String>> {
            match d.get_item(key)? {
                Some(v) if !v.is_none() => Ok(Some(v.extract()?)),
                _ => Ok(None),
            }
        };
        let spans = PyList::empty(py);
        let given = d
            .get_item("spans")?
            .ok_or_else(|| error("a page needs \"spans\""))?;
        for span in given.try_iter()? {
            spans.append(Bound::new(py, Span::from_dict(span?.downcast()?)?)?)?;
        }
        Ok(Page {
            id: optional("id")?,
            url: optional("url")?,
            promotion_share: d
                .get_item("promotion_share")?
                .ok_or_else(|| error("a page needs \"promotion_share\""))?
                .extract()?,
            spans: spans.unbind(),
        })
    }

    /// Pickling goes through `to_dict` and `from_dict`.
    fn __reduce__<'py>(
        slf: &Bound<'py, Self>,
    ) -> PyResult<(Bound<'py, PyAny>, (Bound<'py, PyDict>,))> {
        let from_dict = slf.get_type().getattr("from_dict")?;
        Ok((from_dict, (slf.get().to_dict(slf.py())?,)))
    }

    /// The page as a dict shaped like the command line's JSON line: `id`, `url` (only when
    /// given), `promotion_share` and `spans` (dicts). `json.dumps(page.to_dict())` is JSON.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("id", &self.id)?;
        if let Some(url) = &self.url {
            d.set_item("url", url)?;
        }
        d.set_item("promotion_share", self.promotion_share)?;
        let spans = PyList::empty(py);
        for span in self.spans.bind(py).iter() {
            spans.append(span.downcast::<Span>()?.get().to_dict(py)?)?;
        }
        d.set_item("spans", spans)?;
        Ok(d)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "Page(id={}, url={}, promotion_share={:.3}, spans=<{} spans>)",
            py_repr(py, &self.id)?,
            py_repr(py, &self.url)?,
            self.promotion_share,
            self.spans.bind(py).len()
        ))
    }
}

/// Python's `repr` of an optional string.
fn py_repr(py: Python<'_>, s: &Option<String>) -> PyResult<String> {
    match s {
        Some(s) => PyString::new(py, s).repr()?.extract(),
        None => Ok("None".to_string()),
    }
}

fn make_page(py: Python<'_>, id: Option<String>, labelled: LabelledPage) -> PyResult<Page> {
    let spans = PyList::empty(py);
    for s in labelled.spans {
        let input = s.input_range();
        let span = Span {
            start: input.start,
            end: input.end,
            text_start: s.range.start,
            text_end: s.range.end,
            label: s.label.as_str(),
            score: json_float(s.score),
            text: s.text,
        };
        spans.append(Bound::new(py, span)?)?;
    }
    Ok(Page {
        id,
        url: labelled.url,
        promotion_share: json_float(labelled.promotion_share),
        spans: spans.unbind(),
    })
}

/// What a page is, before it is parsed.
enum Source {
    Text(String),
    Html {
        bytes: Vec<u8>,
        /// `Some("utf-8")` for HTML given as a `str` (as a JSON Lines `html` field).
        charset: Option<&'static str>,
    },
    /// A record that is not a page: the error's message, known already.
    Bad(String),
}

/// One input record: its id as given, the name its errors use, its URL and its source.
struct RawRecord {
    id: Option<String>,
    place: String,
    url: Option<String>,
    source: Source,
}

impl RawRecord {
    /// Bytes held before parsing (what bounds a batch's memory while it is gathered).
    fn raw_bytes(&self) -> usize {
        match &self.source {
            Source::Text(t) => t.len(),
            Source::Html { bytes, .. } => bytes.len(),
            Source::Bad(_) => 0,
        }
    }

    fn parse(self) -> Parsed {
        let url = self.url.as_deref();
        let (result, cli_bytes) = match self.source {
            // A JSON Lines record: the reader makes the page, and the batch counts its text.
            Source::Text(text) => {
                let page = page_from_text(&self.place, text, url);
                let n = page.as_ref().map_or(0, |p| p.text.len());
                (page, n)
            }
            Source::Html {
                bytes,
                charset: Some(charset),
            } => {
                let page = page_from_html(&self.place, bytes, url, Some(charset));
                let n = page.as_ref().map_or(0, |p| p.text.len());
                (page, n)
            }
            // An HTML file: the batch counts its bytes, whether they parse or not.
            Source::Html {
                bytes,
                charset: None,
            } => {
                let n = bytes.len();
                (page_from_html(&self.place, bytes, url, None), n)
            }
            Source::Bad(message) => {
                return Parsed {
                    id: self.id,
                    result: Err(message),
                    cli_bytes: 0,
                }
            }
        };
        let result = result.map_err(|e| e.to_string()).map(|mut page| {
            page.id = self.id.clone().unwrap_or_default();
            page
        });
        Parsed {
            id: self.id,
            result,
            cli_bytes,
        }
    }
}

struct Parsed {
    id: Option<String>,
    /// The page, or the message of its error.
    result: Result<pagesift::Page, String>,
    /// What this record adds to its batch's byte count in `pagesift label`.
    cli_bytes: usize,
}

fn bad(place: &str, message: impl std::fmt::Display) -> Source {
    Source::Bad(format!("{place}: {message}"))
}

/// Labels one batch as `Labeler::label_pages` does, noting which pool threads labelled pages.
fn label_batch(
    labeler: &pagesift::Labeler,
    pages: &[pagesift::Page],
    threads: &Mutex<HashSet<usize>>,
) -> Vec<Result<LabelledPage, ModelError>> {
    let refs: Vec<&pagesift::Page> = pages.iter().collect();
    let (segs, repeats) = labeler.pipeline().segment_batch(&refs);
    pagesift::parallel::map_biggest_first(
        pages.iter().zip(&segs).collect(),
        |(p, _)| p.text.len(),
        |(p, seg)| {
            if let Some(i) = rayon::current_thread_index() {
                threads.lock().map(|mut t| t.insert(i)).ok();
            }
            labeler.label_segmented(p, seg, &repeats)
        },
    )
}

/// Reads a page's `html` argument: a `str` (read as Unicode, as a JSON Lines `html` field) or
/// `bytes` (read as an HTML file: a `<meta charset>` or byte-order mark says the encoding).
fn html_source(html: &Bound<'_, PyAny>, place: &str) -> PyResult<Source> {
    if let Ok(s) = html.downcast::<PyString>() {
        return Ok(match s.extract::<String>() {
            Ok(s) => Source::Html {
                bytes: s.into_bytes(),
                charset: Some("utf-8"),
            },
            Err(e) => bad(place, e.to_string()),
        });
    }
    if let Ok(b) = html.downcast::<PyBytes>() {
        return Ok(Source::Html {
            bytes: b.as_bytes().to_vec(),
            charset: None,
        });
    }
    Err(pyo3::exceptions::PyTypeError::new_err(format!(
        "html must be str or bytes, not {}",
        html.get_type().name()?
    )))
}

/// A page id as given: `str`, or `int` (written as the command line writes a JSON number id).
fn page_id(id: &Bound<'_, PyAny>) -> PyResult<Option<String>> {
    if id.is_none() {
        Ok(None)
    } else if let Ok(s) = id.downcast::<PyString>() {
        Ok(Some(s.extract()?))
    } else if id.is_instance_of::<pyo3::types::PyBool>() {
        Err(pyo3::exceptions::PyTypeError::new_err(
            "a page id must be str or int, not bool",
        ))
    } else if id.is_instance_of::<pyo3::types::PyInt>() {
        Ok(Some(id.str()?.extract()?))
    } else {
        Err(pyo3::exceptions::PyTypeError::new_err(format!(
            "a page id must be str or int, not {}",
            id.get_type().name()?
        )))
    }
}

fn place_of(id: &Option<String>, index: Option<usize>) -> String {
    match (id, index) {
        (Some(id), _) if !id.is_empty() => id.clone(),
        (_, Some(i)) => format!("page {i}"),
        _ => "page".to_string(),
    }
}

/// One `label_many` input item: a dict with `html` (str or bytes) or `text`, and optionally
/// `id` and `url`. What is wrong with an item becomes that item's error, in its place.
fn raw_record(item: &Bound<'_, PyAny>, index: usize) -> RawRecord {
    let place = format!("page {index}");
    // A dict, or any other mapping (`collections.abc.Mapping`).
    let Ok(dict) = item.downcast::<PyMapping>() else {
        let kind = item
            .get_type()
            .name()
            .map(|n| n.to_string())
            .unwrap_or_default();
        return RawRecord {
            id: None,
            source: bad(
                &place,
                format!("expected a dict with \"html\" or \"text\", got {kind}"),
            ),
            place,
            url: None,
        };
    };
    let field = |name: &str| dict.get_item(name).ok().filter(|v| !v.is_none());
    let id = match field("id").map(|v| page_id(&v)).transpose() {
        Ok(id) => id.flatten(),
        Err(e) => {
            return RawRecord {
                id: None,
                source: bad(&place, e.to_string()),
                place,
                url: None,
            }
        }
    };
    let place = place_of(&id, Some(index));
    let url = field("url").and_then(|u| u.extract::<String>().ok());
    // As in a JSON Lines record: a string `html` makes an HTML page, else `text` is the page.
    let html =
        field("html").filter(|h| h.is_instance_of::<PyString>() || h.is_instance_of::<PyBytes>());
    let source = match html {
        Some(h) => html_source(&h, &place).unwrap_or_else(|e| bad(&place, e.to_string())),
        None => match field("text").map(|t| t.extract::<String>()) {
            Some(Ok(text)) => Source::Text(text),
            Some(Err(e)) if field("text").is_some_and(|t| t.is_instance_of::<PyString>()) => {
                bad(&place, e.to_string())
            }
            _ => bad(&place, pagesift::error::IngestErrorKind::MissingText),
        },
    };
    RawRecord {
        id,
        place,
        url,
        source,
    }
}

/// Labels health web pages: each stretch of a page becomes a `Span` labelled "education",
/// "promotion" or "boilerplate", with offsets, a score and its text.
///
/// `Labeler()` uses the built-in model (inside the package); `Labeler(model_dir)` a model
/// directory written by `pagesift train`. A Labeler can be shared by threads.
///
/// `label_html` and `label_text` label one page, which is then its own batch;
/// `label_many` labels an iterable of pages in the batches the command line uses, in
/// parallel, so its results equal `pagesift label` on a JSON Lines file of the same records
/// (the "batch repetition" features count how many pages of a batch share a block of text,
/// so a page labelled alone can differ from the same page labelled among others).
#[pyclass(frozen, module = "pagesift")]
struct Labeler {
    inner: Arc<pagesift::Labeler>,
    #[pyo3(get)]
    model_dir: Option<String>,
}

/// The thread pools of this process, by `jobs`, shared by every Labeler. Everything runs on
/// them, never on rayon's global pool: a process forked after the pools were made
/// (multiprocessing, a Spark worker) has none of their threads, and makes its own.
struct Pools {
    pid: u32,
    by_jobs: Vec<(usize, Arc<rayon::ThreadPool>)>,
}

static POOLS: Mutex<Pools> = Mutex::new(Pools {
    pid: 0,
    by_jobs: Vec::new(),
});

/// This process's pool of `jobs` threads (default: one per core; at most four per core).
fn pool(jobs: Option<usize>) -> PyResult<Arc<rayon::ThreadPool>> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let jobs = match jobs {
        None => cores,
        Some(0) => return Err(error("jobs must be at least 1")),
        Some(n) => n.min(cores * 4),
    };
    let mut pools = POOLS
        .lock()
        .map_err(|_| error("thread pool cache poisoned"))?;
    let pid = std::process::id();
    if pools.pid != pid {
        // The parent's pools: their threads are not in this process, so they are left alone.
        std::mem::forget(std::mem::take(&mut pools.by_jobs));
        pools.pid = pid;
    }
    if let Some((_, pool)) = pools.by_jobs.iter().find(|(n, _)| *n == jobs) {
        return Ok(pool.clone());
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .thread_name(|i| format!("pagesift-{i}"))
        .build()
        .map_err(|e| error(format!("jobs {jobs}: {e}")))?;
    let pool = Arc::new(pool);
    pools.by_jobs.push((jobs, pool.clone()));
    Ok(pool)
}

impl Labeler {
    fn label_one(&self, py: Python<'_>, record: RawRecord) -> PyResult<Page> {
        let inner = self.inner.clone();
        // One page is one thread's work; on this process's own pool, not rayon's global one.
        let pool = pool(Some(1))?;
        let (id, result) = py.allow_threads(move || {
            let parsed = record.parse();
            let result = match parsed.result {
                Ok(page) => pool
                    .install(|| inner.label(&page))
                    .map_err(|e| e.to_string()),
                Err(message) => Err(message),
            };
            (parsed.id, result)
        });
        make_page(py, id, result.map_err(error)?)
    }
}

#[pymethods]
impl Labeler {
    #[new]
    #[pyo3(signature = (model_dir=None))]
    fn new(py: Python<'_>, model_dir: Option<std::path::PathBuf>) -> PyResult<Self> {
        let dir = model_dir.clone();
        let pool = pool(None)?;
        let inner = py
            .allow_threads(move || {
                pool.install(|| {
                    let bundle = match &dir {
                        Some(dir) => ModelBundle::load(dir),
                        None => ModelBundle::builtin(),
                    }?;
                    pagesift::Labeler::from_bundle(bundle)
                })
            })
            .map_err(error)?;
        Ok(Labeler {
            inner: Arc::new(inner),
            model_dir: model_dir.map(|d| d.to_string_lossy().into_owned()),
        })
    }

    /// Labels one HTML page and returns a `Page`.
    ///
    /// `html` as `str` is read as Unicode (like a JSON Lines `"html"` field: a `<meta
    /// charset>` inside is ignored) and `start`/`end` are offsets into its UTF-8 bytes;
    /// as `bytes` it is read like an HTML file: a byte-order mark or `<meta charset>` says the
    /// encoding (windows-1252, Shift_JIS...) and `start`/`end` are offsets into those bytes.
    /// `url` feeds the URL features. Raises `PagesiftError` for a page with no visible text.
    #[pyo3(signature = (html, id=None, url=None))]
    fn label_html(
        &self,
        py: Python<'_>,
        html: &Bound<'_, PyAny>,
        id: Option<&Bound<'_, PyAny>>,
        url: Option<String>,
    ) -> PyResult<Page> {
        let id = id.map(page_id).transpose()?.flatten();
        let place = place_of(&id, None);
        let source = html_source(html, &place)?;
        if let Source::Bad(message) = source {
            return Err(error(message));
        }
        self.label_one(
            py,
            RawRecord {
                id,
                place,
                url,
                source,
            },
        )
    }

    /// Labels one plain-text page and returns a `Page`; offsets are into the text's UTF-8
    /// bytes (a leading byte-order mark is dropped, as the command line does). Raises
    /// `PagesiftError` for a blank page.
    #[pyo3(signature = (text, id=None))]
    fn label_text(
        &self,
        py: Python<'_>,
        text: String,
        id: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Page> {
        let id = id.map(page_id).transpose()?.flatten();
        let place = place_of(&id, None);
        self.label_one(
            py,
            RawRecord {
                id,
                place,
                url: None,
                source: Source::Text(text),
            },
        )
    }

    /// Labels many pages in parallel and returns an iterator of `Page`, in input order.
    ///
    /// `pages` is any iterable of dicts (or other mappings) like JSON Lines records:
    /// `{"id": ..., "html": ..., "url": ...}` or `{"id": ..., "text": ...}` (`html` wins when
    /// both are there; `id` and `url` may be left out). It is read lazily, in batches of 512 pages or 32 MiB, exactly
    /// as `pagesift label` cuts a file, so results equal the command line's on the same
    /// records in the same order; memory stays bounded however long the iterable is.
    ///
    /// Each batch is parsed and labelled on `jobs` Rust threads (default: every core) with
    /// the GIL released; with more than one thread, the next batch is read ahead and labelled
    /// while Python takes this one's pages (two batches in memory at most, as in the CLI). A page that cannot be labelled raises `PagesiftError` when the
    /// iterator reaches it (the pages after it still come on the next call); with
    /// `return_exceptions=True` the error is yielded in the page's place instead.
    #[pyo3(signature = (pages, jobs=None, return_exceptions=false))]
    fn label_many(
        &self,
        pages: &Bound<'_, PyAny>,
        jobs: Option<usize>,
        return_exceptions: bool,
    ) -> PyResult<PageIterator> {
        Ok(PageIterator {
            input: Some(pages.try_iter()?.unbind()),
            labeler: self.inner.clone(),
            pool: pool(jobs)?,
            return_exceptions,
            index: 0,
            pending: VecDeque::new(),
            ready: VecDeque::new(),
            deferred: None,
            threads: Arc::new(Mutex::new(HashSet::new())),
            files: None,
            inflight: None,
        })
    }

    /// Labels files as `pagesift label PATH...` does, with its readers: text, HTML, JSON
    /// Lines and WARC (`.warc`, `.warc.gz`) files, and directories (walked in sorted order).
    /// Returns an iterator of `Page` in the command line's order and batches, so the pages
    /// equal its output. `input_format` ("text", "jsonl", "html" or "warc") reads every file
    /// as that format instead of guessing from its name. A record that cannot be read (or a
    /// page with no text) raises `PagesiftError` with the message the command line prints
    /// after "pagesift: skipped ", or is yielded with `return_exceptions=True`.
    #[pyo3(signature = (paths, jobs=None, input_format=None, return_exceptions=false))]
    fn label_files(
        &self,
        paths: &Bound<'_, PyAny>,
        jobs: Option<usize>,
        input_format: Option<&str>,
        return_exceptions: bool,
    ) -> PyResult<PageIterator> {
        let forced = match input_format {
            None => None,
            Some("text") => Some(InputFormat::Text),
            Some("jsonl") => Some(InputFormat::Jsonl),
            Some("html") => Some(InputFormat::Html),
            Some("warc") => Some(InputFormat::Warc),
            Some(other) => {
                return Err(error(format!(
                    "input_format must be \"text\", \"jsonl\", \"html\" or \"warc\", not {other:?}"
                )))
            }
        };
        let inputs: Vec<String> = if let Ok(one) = paths.extract::<std::path::PathBuf>() {
            vec![one.to_string_lossy().into_owned()]
        } else {
            paths
                .try_iter()?
                .map(|p| {
                    Ok(p?
                        .extract::<std::path::PathBuf>()?
                        .to_string_lossy()
                        .into_owned())
                })
                .collect::<PyResult<_>>()?
        };
        let pool = pool(jobs)?;
        let (sender, receiver) = std::sync::mpsc::sync_channel(0);
        std::thread::Builder::new()
            .name("pagesift-read".into())
            .spawn(move || {
                let stream = BatchStream::start(
                    &inputs,
                    forced,
                    ReadOptions::default(),
                    BatchLimits::default(),
                    false,
                );
                for batch in stream {
                    // A closed channel: the iterator is gone, stop reading.
                    if sender.send(batch).is_err() {
                        return;
                    }
                }
            })
            .map_err(|e| error(format!("cannot start a reading thread: {e}")))?;
        Ok(PageIterator {
            input: None,
            labeler: self.inner.clone(),
            pool,
            return_exceptions,
            index: 0,
            pending: VecDeque::new(),
            ready: VecDeque::new(),
            deferred: None,
            threads: Arc::new(Mutex::new(HashSet::new())),
            files: Some(Mutex::new(receiver)),
            inflight: None,
        })
    }

    fn __repr__(&self) -> String {
        match &self.model_dir {
            Some(dir) => format!("Labeler(model_dir={dir:?})"),
            None => "Labeler()".to_string(),
        }
    }
}

/// The iterator `Labeler.label_many` returns: `Page`s (or, with `return_exceptions=True`,
/// `PagesiftError`s) in input order. `threads_used` is how many Rust threads have labelled
/// pages so far.
#[pyclass(module = "pagesift")]
struct PageIterator {
    input: Option<Py<PyIterator>>,
    labeler: Arc<pagesift::Labeler>,
    pool: Arc<rayon::ThreadPool>,
    return_exceptions: bool,
    /// Records read so far.
    index: usize,
    /// Parsed records not yet in a batch.
    pending: VecDeque<Parsed>,
    /// Results of the labelled batch, to hand out.
    ready: VecDeque<PyResult<Page>>,
    /// An exception the input iterable raised, raised once the pages before it are out.
    deferred: Option<PyErr>,
    threads: Arc<Mutex<HashSet<usize>>>,
    /// `label_files`: the CLI's own batches, read on a thread of their own.
    files: Option<Mutex<std::sync::mpsc::Receiver<Batch>>>,
    /// The next batch, being parsed and labelled on the pool (with more than one thread).
    inflight: Option<Mutex<std::sync::mpsc::Receiver<Prefetched>>>,
}

/// What a prefetch job hands back: the records not yet in a batch, and the batch it labelled
/// (`None` when deciding the batch needs records not read yet).
type Prefetched = (VecDeque<Parsed>, Option<Vec<Labelled>>);

impl PageIterator {
    /// Reads more records from the input: enough to fill a batch, as far as sizes before
    /// parsing tell.
    fn pull(&mut self, py: Python<'_>, limits: BatchLimits) -> Vec<RawRecord> {
        let mut raws = Vec::new();
        let mut bytes: usize = self.pending.iter().map(|p| p.cli_bytes).sum();
        while self.pending.len() + raws.len() < limits.pages.max(1) && bytes < limits.bytes {
            let Some(input) = &self.input else { break };
            match input.bind(py).clone().next() {
                None => self.input = None,
                Some(Err(e)) => {
                    self.deferred = Some(e);
                    self.input = None;
                }
                Some(Ok(item)) => {
                    let raw = raw_record(&item, self.index);
                    self.index += 1;
                    bytes += raw.raw_bytes();
                    raws.push(raw);
                }
            }
        }
        raws
    }

    /// Reads and parses more records.
    fn read_more(&mut self, py: Python<'_>, limits: BatchLimits) {
        let raws = self.pull(py, limits);
        let pool = self.pool.clone();
        let parsed = py.allow_threads(move || {
            pool.install(|| {
                pagesift::parallel::map_biggest_first(raws, RawRecord::raw_bytes, RawRecord::parse)
            })
        });
        self.pending.extend(parsed);
    }

    /// With more than one thread, as `pagesift label` does: reads the next batch's records
    /// now and parses and labels them on the pool while Python takes this batch's pages.
    fn prefetch(&mut self, py: Python<'_>, limits: BatchLimits) {
        if self.input.is_none() && self.pending.is_empty() {
            return;
        }
        let raws = self.pull(py, limits);
        let exhausted = self.input.is_none();
        let mut pending = std::mem::take(&mut self.pending);
        let (labeler, threads) = (self.labeler.clone(), self.threads.clone());
        let (sender, receiver) = std::sync::mpsc::sync_channel(1);
        self.pool.spawn(move || {
            pending.extend(pagesift::parallel::map_biggest_first(
                raws,
                RawRecord::raw_bytes,
                RawRecord::parse,
            ));
            let batch = match cut(&pending, exhausted, limits) {
                Some(n) if n > 0 => Some(label_pending(&labeler, &mut pending, n, &threads)),
                _ => None,
            };
            // The iterator may be gone: then nobody wants the batch.
            let _ = sender.send((pending, batch));
        });
        self.inflight = Some(Mutex::new(receiver));
    }

    /// `label_files`: labels the reader's next batch into `ready` as `pagesift label` does
    /// (parse, then label the pages that parsed); false when the files are done.
    fn next_file_batch(&mut self, py: Python<'_>) -> PyResult<bool> {
        let Some(files) = self.files.take() else {
            return Ok(false);
        };
        let (labeler, pool, threads) = (
            self.labeler.clone(),
            self.pool.clone(),
            self.threads.clone(),
        );
        let (files, done) = py.allow_threads(move || {
            let batch = files.lock().ok().and_then(|r| r.recv().ok());
            let done = batch.map(|batch| {
                // Each record's slot: its id and error, or its place among the parsed pages.
                let mut slots: Vec<Result<(), (Option<String>, String)>> = Vec::new();
                let mut records = Vec::new();
                for record in batch {
                    match record {
                        Ok(record) => {
                            slots.push(Ok(()));
                            records.push(record);
                        }
                        Err(e) => slots.push(Err((e.id.clone(), e.to_string()))),
                    }
                }
                let parsed = pool.install(|| into_pages(records));
                let mut pages = Vec::new();
                let mut parse_results = Vec::new();
                for result in parsed {
                    match result {
                        Ok(page) => {
                            parse_results.push(Ok(()));
                            pages.push(page);
                        }
                        Err(e) => parse_results.push(Err((e.id.clone(), e.to_string()))),
                    }
                }
                let labelled = pool.install(|| label_batch(&labeler, &pages, &threads));
                let mut parse_results = parse_results.into_iter();
                let mut labelled = pages.into_iter().zip(labelled);
                let mut out = Vec::with_capacity(slots.len());
                for slot in slots {
                    out.push(
                        match slot.and_then(|()| {
                            parse_results
                                .next()
                                .unwrap_or_else(|| Err((None, "internal error: no parse".into())))
                        }) {
                            Err((_, message)) => Err(message),
                            Ok(()) => match labelled.next() {
                                Some((page, Ok(result))) => Ok((page.id, result)),
                                Some((page, Err(e))) => Err(format!("{}: {e}", page.origin)),
                                None => Err("internal error: a page has no result".into()),
                            },
                        },
                    );
                }
                out
            });
            (files, done)
        });
        let Some(done) = done else {
            return Ok(false);
        };
        self.files = Some(files);
        for result in done {
            let page = match result {
                Ok((id, labelled)) => make_page(py, Some(id), labelled),
                Err(message) => Err(error(message)),
            };
            self.ready.push_back(page);
        }
        Ok(true)
    }

    /// Labels the next batch into `ready`; false when the input is done.
    fn next_batch(&mut self, py: Python<'_>) -> PyResult<bool> {
        if self.files.is_some() {
            return self.next_file_batch(py);
        }
        let limits = BatchLimits::default();
        let mut done = None;
        if let Some(inflight) = self.inflight.take() {
            let receiver = inflight
                .into_inner()
                .map_err(|_| error("internal error: a labelling job failed"))?;
            let (pending, batch) = py
                .allow_threads(move || receiver.recv())
                .map_err(|_| error("internal error: a labelling job was lost"))?;
            self.pending = pending;
            done = batch;
        }
        let done = match done {
            Some(done) => done,
            None => {
                let n = loop {
                    if let Some(n) = cut(&self.pending, self.input.is_none(), limits) {
                        break n;
                    }
                    self.read_more(py, limits);
                };
                if n == 0 {
                    return Ok(false);
                }
                let mut pending = std::mem::take(&mut self.pending);
                let (labeler, pool, threads) = (
                    self.labeler.clone(),
                    self.pool.clone(),
                    self.threads.clone(),
                );
                let (pending, batch) = py.allow_threads(move || {
                    let batch = pool.install(|| label_pending(&labeler, &mut pending, n, &threads));
                    (pending, batch)
                });
                self.pending = pending;
                batch
            }
        };
        if self.pool.current_num_threads() > 1 {
            self.prefetch(py, limits);
        }
        for (id, result) in done {
            let page = match result {
                Ok(labelled) => make_page(py, id, labelled),
                Err(message) => Err(error(message)),
            };
            self.ready.push_back(page);
        }
        Ok(true)
    }
}

/// How many of the `pending` records `pagesift label` would put in its next batch, or `None`
/// when that depends on records not read yet (`exhausted`: there are none).
fn cut(pending: &VecDeque<Parsed>, exhausted: bool, limits: BatchLimits) -> Option<usize> {
    let (mut n, mut bytes) = (0, 0);
    while n < limits.pages.max(1) && bytes < limits.bytes {
        let Some(p) = pending.get(n) else {
            return exhausted.then_some(n);
        };
        bytes += p.cli_bytes;
        n += 1;
    }
    Some(n)
}

/// One labelled record: its id as given, and its labelling or error message.
type Labelled = (Option<String>, Result<LabelledPage, String>);

/// Labels the first `n` pending records as one batch, on the current pool: the pages that
/// parsed together (their repetition counts are the batch's), the others keep their errors.
fn label_pending(
    labeler: &pagesift::Labeler,
    pending: &mut VecDeque<Parsed>,
    n: usize,
    threads: &Mutex<HashSet<usize>>,
) -> Vec<Labelled> {
    let mut slots = Vec::with_capacity(n);
    let mut pages = Vec::new();
    for p in pending.drain(..n) {
        match p.result {
            Ok(page) => {
                slots.push((p.id, None));
                pages.push(page);
            }
            Err(message) => slots.push((p.id, Some(message))),
        }
    }
    let mut results = label_batch(labeler, &pages, threads).into_iter();
    slots
        .into_iter()
        .map(|(id, failed)| {
            let result = match failed {
                Some(message) => Err(message),
                None => match results.next() {
                    Some(Ok(labelled)) => Ok(labelled),
                    Some(Err(e)) => Err(e.to_string()),
                    None => Err("internal error: a page has no result".to_string()),
                },
            };
            (id, result)
        })
        .collect()
}

#[pymethods]
impl PageIterator {
    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__(&mut self, py: Python<'_>) -> PyResult<Option<PyObject>> {
        loop {
            if let Some(result) = self.ready.pop_front() {
                return match result {
                    Ok(page) => Ok(Some(Bound::new(py, page)?.into_any().unbind())),
                    Err(e) if self.return_exceptions => Ok(Some(e.into_value(py).into_any())),
                    Err(e) => Err(e),
                };
            }
            if !self.next_batch(py)? {
                return match self.deferred.take() {
                    Some(e) => Err(e),
                    None => Ok(None),
                };
            }
        }
    }

    /// How many Rust threads have labelled pages of this iterator so far.
    #[getter]
    fn threads_used(&self) -> usize {
        self.threads.lock().map_or(0, |t| t.len())
    }
}

/// The Rust extension of the `pagesift` package; import `pagesift` instead.
#[pymodule]
fn _pagesift(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Labeler>()?;
    m.add_class::<Page>()?;
    m.add_class::<Span>()?;
    m.add_class::<PageIterator>()?;
    m.add("PagesiftError", m.py().get_type::<PagesiftError>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
