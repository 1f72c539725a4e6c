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

mod iter;
mod labeler;
mod records;
mod values;

use iter::*;
use labeler::*;
use records::*;
use values::*;

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
