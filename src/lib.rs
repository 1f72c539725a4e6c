//! pagesift labels every stretch of a health web page as `education`, `promotion` or
//! `boilerplate`, with byte offsets into the page, a score and the text.
//!
//! The pipeline, one module per stage: [`ingest`] → [`segment`] → [`tokenize`] → [`features`] →
//! [`model`] → [`decode`] → [`output`]. [`label`], [`train`] and [`eval`] compose them; the
//! `pagesift` binary is a thin shell over this library.
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

pub mod bundle;
pub mod decode;
pub mod error;
pub mod eval;
pub mod features;
pub mod ingest;
pub mod label;
pub mod lexicon;
pub mod model;
pub mod output;
pub mod segment;
pub mod tokenize;
pub mod train;
pub mod types;

pub use bundle::ModelBundle;
pub use error::{IngestError, ModelError};
pub use eval::{cross_validate, evaluate, EvalReport};
pub use label::Labeler;
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
        }
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
