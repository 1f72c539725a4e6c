//! Python inputs read as the command line reads its records: a `dict` (or mapping) with `html`
//! or `text`, `id` and `url`, made into pages ready to label.

use super::*;

/// What a page is, before it is parsed.
pub(crate) enum Source {
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
pub(crate) struct RawRecord {
    pub(crate) id: Option<String>,
    pub(crate) place: String,
    pub(crate) url: Option<String>,
    pub(crate) source: Source,
}

impl RawRecord {
    /// Bytes held before parsing (what bounds a batch's memory while it is gathered).
    pub(crate) fn raw_bytes(&self) -> usize {
        match &self.source {
            Source::Text(t) => t.len(),
            Source::Html { bytes, .. } => bytes.len(),
            Source::Bad(_) => 0,
        }
    }

    pub(crate) fn parse(self) -> Parsed {
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

pub(crate) struct Parsed {
    pub(crate) id: Option<String>,
    /// The page, or the message of its error.
    pub(crate) result: Result<pagesift::Page, String>,
    /// What this record adds to its batch's byte count in `pagesift label`.
    pub(crate) cli_bytes: usize,
}

pub(crate) fn bad(place: &str, message: impl std::fmt::Display) -> Source {
    Source::Bad(format!("{place}: {message}"))
}

/// Labels one batch as `Labeler::label_pages` does, noting which pool threads labelled pages.
pub(crate) fn label_batch(
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
pub(crate) fn html_source(html: &Bound<'_, PyAny>, place: &str) -> PyResult<Source> {
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
pub(crate) fn page_id(id: &Bound<'_, PyAny>) -> PyResult<Option<String>> {
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

pub(crate) fn place_of(id: &Option<String>, index: Option<usize>) -> String {
    match (id, index) {
        (Some(id), _) if !id.is_empty() => id.clone(),
        (_, Some(i)) => format!("page {i}"),
        _ => "page".to_string(),
    }
}

/// One `label_many` input item: a dict with `html` (str or bytes) or `text`, and optionally
/// `id` and `url`. What is wrong with an item becomes that item's error, in its place.
pub(crate) fn raw_record(item: &Bound<'_, PyAny>, index: usize) -> RawRecord {
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
