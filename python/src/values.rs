//! The Python values: `Span` and `Page`, as the command line's JSON Lines has them.

use super::*;

/// One labelled stretch of a page, as in the command line's JSON Lines.
///
/// `start`/`end`: offsets into the page as given (UTF-8 bytes of a `str`, or the `bytes`
/// themselves for HTML given as bytes); `text_start`/`text_end`: offsets into the page's
/// text (for HTML, the extracted text); `label`: "education", "promotion" or "boilerplate";
/// `score`: the label's mean probability over the span; `text`: the span's text.
#[pyclass(frozen, get_all, module = "pagesift")]
pub(crate) struct Span {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) text_start: usize,
    pub(crate) text_end: usize,
    pub(crate) label: &'static str,
    pub(crate) score: f64,
    pub(crate) text: String,
}

#[pymethods]
impl Span {
    /// A span from a dict with the keys of `to_dict` (a span of the CLI's JSON line).
    #[staticmethod]
    pub(crate) fn from_dict(d: &Bound<'_, PyDict>) -> PyResult<Span> {
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
    pub(crate) fn __reduce__<'py>(
        slf: &Bound<'py, Self>,
    ) -> PyResult<(Bound<'py, PyAny>, (Bound<'py, PyDict>,))> {
        let from_dict = slf.get_type().getattr("from_dict")?;
        Ok((from_dict, (slf.get().to_dict(slf.py())?,)))
    }

    /// The span as a dict with the command line's keys and values.
    pub(crate) fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
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

    pub(crate) fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
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
pub(crate) struct Page {
    pub(crate) id: Option<String>,
    pub(crate) url: Option<String>,
    pub(crate) promotion_share: f64,
    pub(crate) spans: Py<PyList>,
}

#[pymethods]
impl Page {
    /// A page from a dict shaped like `to_dict`'s, or like a line of `pagesift label`'s
    /// JSON Lines output (`json.loads(line)`): `id`, `url` (optional), `promotion_share` and
    /// `spans`.
    #[staticmethod]
    pub(crate) fn from_dict(py: Python<'_>, d: &Bound<'_, PyDict>) -> PyResult<Page> {
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
    pub(crate) fn __reduce__<'py>(
        slf: &Bound<'py, Self>,
    ) -> PyResult<(Bound<'py, PyAny>, (Bound<'py, PyDict>,))> {
        let from_dict = slf.get_type().getattr("from_dict")?;
        Ok((from_dict, (slf.get().to_dict(slf.py())?,)))
    }

    /// The page as a dict shaped like the command line's JSON line: `id`, `url` (only when
    /// given), `promotion_share` and `spans` (dicts). `json.dumps(page.to_dict())` is JSON.
    pub(crate) fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
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

    pub(crate) fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
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
pub(crate) fn py_repr(py: Python<'_>, s: &Option<String>) -> PyResult<String> {
    match s {
        Some(s) => PyString::new(py, s).repr()?.extract(),
        None => Ok("None".to_string()),
    }
}

pub(crate) fn make_page(
    py: Python<'_>,
    id: Option<String>,
    labelled: LabelledPage,
) -> PyResult<Page> {
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
