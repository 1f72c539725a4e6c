//! `PageIterator`: labelled pages handed out lazily, in input order, batch by batch.

use super::*;

/// The iterator `Labeler.label_many` returns: `Page`s (or, with `return_exceptions=True`,
/// `PagesiftError`s) in input order. `threads_used` is how many Rust threads have labelled
/// pages so far.
#[pyclass(module = "pagesift")]
pub(crate) struct PageIterator {
    pub(crate) input: Option<Py<PyIterator>>,
    pub(crate) labeler: Arc<pagesift::Labeler>,
    pub(crate) pool: Arc<rayon::ThreadPool>,
    pub(crate) return_exceptions: bool,
    /// Records read so far.
    pub(crate) index: usize,
    /// Parsed records not yet in a batch.
    pub(crate) pending: VecDeque<Parsed>,
    /// Results of the labelled batch, to hand out.
    pub(crate) ready: VecDeque<PyResult<Page>>,
    /// An exception the input iterable raised, raised once the pages before it are out.
    pub(crate) deferred: Option<PyErr>,
    pub(crate) threads: Arc<Mutex<HashSet<usize>>>,
    /// `label_files`: the CLI's own batches, read on a thread of their own.
    pub(crate) files: Option<Mutex<std::sync::mpsc::Receiver<Batch>>>,
    /// The next batch, being parsed and labelled on the pool (with more than one thread).
    pub(crate) inflight: Option<Mutex<std::sync::mpsc::Receiver<Prefetched>>>,
}

/// What a prefetch job hands back: the records not yet in a batch, and the batch it labelled
/// (`None` when deciding the batch needs records not read yet).
pub(crate) type Prefetched = (VecDeque<Parsed>, Option<Vec<Labelled>>);

impl PageIterator {
    /// Reads more records from the input: enough to fill a batch, as far as sizes before
    /// parsing tell.
    pub(crate) fn pull(&mut self, py: Python<'_>, limits: BatchLimits) -> Vec<RawRecord> {
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
    pub(crate) fn read_more(&mut self, py: Python<'_>, limits: BatchLimits) {
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
    pub(crate) fn prefetch(&mut self, py: Python<'_>, limits: BatchLimits) {
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
    pub(crate) fn next_file_batch(&mut self, py: Python<'_>) -> PyResult<bool> {
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
    pub(crate) fn next_batch(&mut self, py: Python<'_>) -> PyResult<bool> {
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
pub(crate) fn cut(
    pending: &VecDeque<Parsed>,
    exhausted: bool,
    limits: BatchLimits,
) -> Option<usize> {
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
pub(crate) type Labelled = (Option<String>, Result<LabelledPage, String>);

/// Labels the first `n` pending records as one batch, on the current pool: the pages that
/// parsed together (their repetition counts are the batch's), the others keep their errors.
pub(crate) fn label_pending(
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
    pub(crate) fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    pub(crate) fn __next__(&mut self, py: Python<'_>) -> PyResult<Option<PyObject>> {
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
    pub(crate) fn threads_used(&self) -> usize {
        self.threads.lock().map_or(0, |t| t.len())
    }
}
