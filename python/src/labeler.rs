//! The `Labeler` class: one page (`label_html`, `label_text`), many (`label_many`) or files
//! (`label_files`), on a thread pool of the requested size.

use super::*;

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
pub(crate) struct Labeler {
    pub(crate) inner: Arc<pagesift::Labeler>,
    #[pyo3(get)]
    pub(crate) model_dir: Option<String>,
}

/// The thread pools of this process, by `jobs`, shared by every Labeler. Everything runs on
/// them, never on rayon's global pool: a process forked after the pools were made
/// (multiprocessing, a Spark worker) has none of their threads, and makes its own.
pub(crate) struct Pools {
    pub(crate) pid: u32,
    pub(crate) by_jobs: Vec<(usize, Arc<rayon::ThreadPool>)>,
}

pub(crate) static POOLS: Mutex<Pools> = Mutex::new(Pools {
    pid: 0,
    by_jobs: Vec::new(),
});

/// This process's pool of `jobs` threads (default: one per core; at most four per core).
pub(crate) fn pool(jobs: Option<usize>) -> PyResult<Arc<rayon::ThreadPool>> {
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
    pub(crate) fn label_one(&self, py: Python<'_>, record: RawRecord) -> PyResult<Page> {
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
    pub(crate) fn new(py: Python<'_>, model_dir: Option<std::path::PathBuf>) -> PyResult<Self> {
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
    pub(crate) fn label_html(
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
    pub(crate) fn label_text(
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
    pub(crate) fn label_many(
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
    /// Lines, JSON and WARC files, each also gzip-compressed (`.html.gz`, `.warc.gz`), and
    /// directories (walked in sorted order).
    /// Returns an iterator of `Page` in the command line's order and batches, so the pages
    /// equal its output. `input_format` ("text", "jsonl", "json", "html" or "warc") reads every file
    /// as that format instead of guessing from its name. A record that cannot be read (or a
    /// page with no text) raises `PagesiftError` with the message the command line prints
    /// after "pagesift: skipped ", or is yielded with `return_exceptions=True`.
    #[pyo3(signature = (paths, jobs=None, input_format=None, return_exceptions=false))]
    pub(crate) fn label_files(
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
            Some("json") => Some(InputFormat::Json),
            Some("html") => Some(InputFormat::Html),
            Some("warc") => Some(InputFormat::Warc),
            Some(other) => {
                return Err(error(format!(
                    "input_format must be \"text\", \"jsonl\", \"json\", \"html\" or \"warc\", not {other:?}"
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

    pub(crate) fn __repr__(&self) -> String {
        match &self.model_dir {
            Some(dir) => format!("Labeler(model_dir={dir:?})"),
            None => "Labeler()".to_string(),
        }
    }
}
