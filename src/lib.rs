//! pagesift labels every stretch of a health web page as `education`, `promotion` or
//! `boilerplate`, with byte offsets into the page, a score and the text.
//!
//! The shortest call that labels one HTML page (spans' `source` are offsets into the HTML
//! bytes, their `range` offsets into the extracted text):
//!
//! ```
//! let labeler = pagesift::Labeler::builtin()?;
//! let page = labeler.label_html("p1", b"<p>Book your free consultation today!</p>", None)?;
//! assert_eq!(page.spans[0].label, pagesift::Label::Promotion);
//! # Ok::<(), pagesift::Error>(())
//! ```
//!
//! A text page made in memory:
//!
//! ```
//! use pagesift::{Labeler, Label, Page};
//!
//! let labeler = Labeler::builtin().unwrap();
//! let page = Page::from_text("example", "How ketamine works\n\
//!     Ketamine blocks NMDA receptors in the brain, which may explain its rapid effect on mood.\n\
//!     Call us at (385) 685-1410 to schedule your free consultation today!\n\
//!     © 2024 Example Clinic. All Rights Reserved.");
//! let labelled = labeler.label(&page).unwrap();
//! for span in &labelled.spans {
//!     assert_eq!(&page.text[span.range.start..span.range.end], span.text);
//! }
//! let last = labelled.spans.last().unwrap();
//! assert_eq!(last.label, Label::Boilerplate);
//! ```
//!
//! Files, directories, JSON Lines and WARC, streamed into any [`run::Sink`]: [`run`].
//!
//! The pipeline, one module per stage: [`ingest`] → [`segment`] → [`tokenize`] → [`features`] →
//! `model` → `decode` → [`output`]. [`label`], [`train`](mod@train) and [`eval`] compose them, and
//! [`run`] drives a labeller over a stream of inputs into sinks; the `pagesift` binary
//! (`crates/pagesift-cli`) is a thin shell over this library. Plain data ([`types`]) is at the
//! bottom, and no module imports one that imports it back (`scripts/check_shape.py`).

#![deny(missing_docs)]

pub mod boost;
pub mod bundle;
pub mod content;
mod content_page;
pub(crate) mod crossfit;
pub mod cv;
pub(crate) mod decode;
pub mod error;
pub mod eval;
pub mod features;
pub(crate) mod hash;
pub mod html;
pub mod ingest;
pub mod interop;
pub mod label;
pub(crate) mod lexicon;
pub(crate) mod metrics;
pub(crate) mod model;
pub mod output;
pub mod parallel;
pub(crate) mod pipeline;
pub mod progress;
pub mod run;
pub mod segment;
pub mod self_train;
pub mod tokenize;
pub mod train;
pub mod types;

pub use bundle::ModelBundle;
pub use cv::cross_validate;
pub use error::{Error, IngestError, ModelError};
pub use eval::{evaluate, EvalReport};
pub use label::Labeler;
pub use progress::Progress;
pub use train::{train, TrainParams};
pub use types::{ByteRange, GoldPage, Label, LabelledPage, Origin, Page, Span};

impl Page {
    /// A page made in memory; its origin is its id.
    pub fn from_text(id: &str, text: &str) -> Page {
        Page {
            id: id.to_string(),
            origin: Origin {
                path: id.to_string(),
                line: None,
            },
            url: None,
            text: text.to_string(),
            markup: None,
            lossy: false,
        }
    }

    /// An HTML page made in memory: its visible text extracted, with offsets into `html`.
    pub fn from_html(id: &str, html: &[u8]) -> Result<Page, html::HtmlError> {
        let extracted = html::extract(html, None)?;
        Ok(Page {
            text: extracted.text,
            markup: Some(std::sync::Arc::new(extracted.markup)),
            ..Page::from_text(id, "")
        })
    }
}

/// Reads gold files; bad records come back as errors beside the good pages.
pub fn read_gold(paths: &[String]) -> (Vec<GoldPage>, Vec<IngestError>) {
    let mut pages = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        for record in ingest::read_gold_file(path) {
            match record {
                Ok(page) => pages.push(page),
                Err(e) => errors.push(e),
            }
        }
    }
    (pages, errors)
}

/// The text of a labelled page's spans whose label `keep` accepts, one span per line: with
/// `education` alone, the clean article text (`pagesift extract`).
pub fn main_text(page: &LabelledPage, keep: impl Fn(Label) -> bool) -> String {
    let mut text = String::new();
    for span in page.spans.iter().filter(|s| keep(s.label)) {
        if !text.is_empty() {
            text.push('\n');
        }
        text.push_str(&span.text);
    }
    text
}
