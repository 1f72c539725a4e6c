//! A page with its known main content: what the main-content (content) model trains on, and
//! what `ingest::read_content_pages` reads. Plain data, below both.

use crate::types::Page;

/// A page with its known main content (plain text).
#[derive(Debug, Clone)]
pub struct ContentPage {
    /// The page, its HTML extracted.
    pub page: Page,
    /// The page's main content as plain text, as an extraction benchmark gives it.
    pub main_text: String,
}
