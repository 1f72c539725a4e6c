//! Pages with known main content, for the content model: JSON Lines in the format of the
//! content-extraction benchmarks' index (`../shared/data/web/index.jsonl`): `id`, `url`,
//! `html` (the path of the HTML file, relative to the index file's folder, gzip allowed) and
//! `main_text` (the main content as plain text).

use super::html::html_page;
use crate::content_page::ContentPage;
use crate::error::{IngestError, IngestErrorKind};
use crate::types::Origin;
use rayon::prelude::*;
use serde::Deserialize;
use std::io::Read;
use std::path::Path;

#[derive(Deserialize)]
struct IndexLine {
    id: String,
    #[serde(default)]
    url: Option<String>,
    html: String,
    main_text: String,
}

/// Reads every page an index lists (in parallel); bad lines and unreadable pages are errors.
pub fn read_content_pages(index: &str) -> (Vec<ContentPage>, Vec<IngestError>) {
    let origin = |line: Option<usize>| Origin {
        path: index.to_string(),
        line,
    };
    let text = match std::fs::read_to_string(index) {
        Ok(text) => text,
        Err(e) => {
            return (
                Vec::new(),
                vec![IngestError::new(
                    origin(None),
                    IngestErrorKind::Io(e.to_string()),
                )],
            )
        }
    };
    let folder = Path::new(index).parent().unwrap_or(Path::new("."));
    let lines: Vec<&str> = text.lines().collect();
    let results: Vec<Result<ContentPage, IngestError>> = lines
        .par_iter()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, line)| {
            let at = origin(Some(i + 1));
            let entry: IndexLine = serde_json::from_str(line).map_err(|e| {
                IngestError::new(at.clone(), IngestErrorKind::BadJson(e.to_string()))
            })?;
            let bytes = read_maybe_gzip(&folder.join(&entry.html)).map_err(|e| {
                IngestError::new(
                    at.clone(),
                    IngestErrorKind::Io(format!("{}: {e}", entry.html)),
                )
            })?;
            let page = html_page(entry.id, at, entry.url, bytes, None)?;
            Ok(ContentPage {
                page,
                main_text: entry.main_text,
            })
        })
        .collect();
    let mut pages = Vec::new();
    let mut errors = Vec::new();
    for result in results {
        match result {
            Ok(page) => pages.push(page),
            Err(e) => errors.push(e),
        }
    }
    (pages, errors)
}

/// A file's bytes, gunzipped when they start with the gzip magic.
fn read_maybe_gzip(path: &Path) -> std::io::Result<Vec<u8>> {
    let bytes = std::fs::read(path)?;
    if !bytes.starts_with(&[0x1f, 0x8b]) {
        return Ok(bytes);
    }
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(&bytes[..]).read_to_end(&mut out)?;
    Ok(out)
}
