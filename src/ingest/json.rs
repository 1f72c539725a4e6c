//! JSON files: an array of page objects, or one object, pretty-printed or not (what
//! `pandas.DataFrame.to_json(orient="records")` and `json.dump` write). Each object is read as a
//! JSON Lines line is; an error names the record by its place in the array.

use super::{jsonl, read_limited, ReadOptions};
use crate::error::{IngestError, IngestErrorKind};
use crate::types::{Origin, Page};
use serde_json::Value;
use std::io::Read;

/// Most bytes a JSON file may hold (or `--max-page-bytes`, if larger): unlike JSON Lines, which
/// streams, it is parsed whole.
pub const JSON_FILE_LIMIT: usize = 1 << 30;

/// The pages of a JSON file, in order; one `Err` per bad record, or one for the file.
pub fn read_json_pages(
    path: &str,
    reader: impl Read,
    options: ReadOptions,
) -> Vec<Result<Page, IngestError>> {
    let file_error = |kind| {
        let at = Origin {
            path: path.to_string(),
            line: None,
        };
        vec![Err(IngestError::new(at, kind))]
    };
    let limit = JSON_FILE_LIMIT.max(options.max_page_bytes);
    let bytes = match read_limited(reader, limit, Vec::new()) {
        Ok(bytes) => bytes,
        Err(kind) => return file_error(kind),
    };
    if super::text::utf16_json(&bytes) {
        return file_error(IngestErrorKind::Utf16Json);
    }
    let parsed = match std::str::from_utf8(&bytes) {
        Ok(text) => serde_json::from_str(text),
        Err(_) if options.lossy => serde_json::from_str(&String::from_utf8_lossy(&bytes)),
        Err(e) => return file_error(IngestErrorKind::NotUtf8(e.valid_up_to())),
    };
    let at = |e: IngestError| IngestError {
        origin: Origin {
            path: path.to_string(),
            line: None,
        },
        ..e
    };
    match parsed {
        Ok(Value::Array(items)) => items
            .into_iter()
            .enumerate()
            .filter_map(|(i, item)| {
                let as_record = |e: IngestError| IngestError {
                    kind: IngestErrorKind::JsonRecord {
                        record: i + 1,
                        message: e.kind.to_string(),
                    },
                    ..at(e)
                };
                parse(path, i + 1, &item, options).map(|r| r.map_err(as_record))
            })
            .collect(),
        Ok(item @ Value::Object(_)) => {
            // One object is the whole file, as an HTML or text file is: its errors name the
            // file alone, and without an `id` the page is called by the path.
            let named = item.get("id").is_some();
            let page = parse(path, 1, &item, options).map(|result| match result {
                Ok(page) if !named => Ok(Page {
                    id: path.to_string(),
                    ..page
                }),
                Ok(page) => Ok(page),
                Err(e) => Err(at(e)),
            });
            page.into_iter().collect()
        }
        Ok(_) => file_error(IngestErrorKind::BadJson(
            "expected an array of page objects or one page object".into(),
        )),
        Err(e) => file_error(IngestErrorKind::BadJson(e.to_string())),
    }
}

/// Object `number` of a JSON file as a page, read as a JSON Lines line is.
fn parse(
    path: &str,
    number: usize,
    item: &Value,
    options: ReadOptions,
) -> Option<Result<Page, IngestError>> {
    let bytes = serde_json::to_vec(item).unwrap_or_default();
    if bytes.len() > options.max_page_bytes {
        let origin = Origin {
            path: path.to_string(),
            line: Some(number),
        };
        let limit = options.max_page_bytes;
        return Some(Err(IngestError::new(
            origin,
            IngestErrorKind::TooLarge { limit },
        )));
    }
    jsonl::parse_object(path, number, &bytes, options.lossy).map(|r| r.map(|(page, _)| page))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pages(input: &str) -> Vec<Result<Page, IngestError>> {
        read_json_pages("in.json", input.as_bytes(), ReadOptions::default())
    }

    #[test]
    fn an_array_of_pages_is_read_in_order_and_a_bad_record_is_named() {
        let got = pages(
            "[\n  {\"id\": \"a\", \"text\": \"First page.\"},\n  {\"text\": 3},\n  \
             {\"html\": \"<p>Third page.</p>\", \"url\": \"https://x.org/\"}\n]",
        );
        assert_eq!(got.len(), 3);
        assert_eq!(got[0].as_ref().unwrap().text, "First page.");
        let err = got[1].as_ref().unwrap_err().to_string();
        assert_eq!(
            err,
            "in.json: JSON record 2: no string field \"text\" or \"html\""
        );
        let third = got[2].as_ref().unwrap();
        assert_eq!(
            (third.id.as_str(), third.text.as_str()),
            ("in.json:3", "Third page.")
        );
        assert_eq!(third.url.as_deref(), Some("https://x.org/"));
    }

    #[test]
    fn one_pretty_object_is_one_page_and_other_json_is_refused() {
        let got = pages("{\n  \"text\": \"Only page.\"\n}\n");
        let page = got[0].as_ref().unwrap();
        assert_eq!(
            (page.id.as_str(), page.text.as_str()),
            ("in.json", "Only page.")
        );
        for (input, message) in [
            (
                "{\n  \"id\": 1\n}",
                "in.json: no string field \"text\" or \"html\"",
            ),
            (
                "[1, 2]",
                "in.json: JSON record 1: not valid JSON: expected an object",
            ),
            (
                "\"text\"",
                "in.json: not valid JSON: expected an array of page objects or one page object",
            ),
            (
                "[{\"text\": \"x\"}",
                "in.json: not valid JSON: EOF while parsing a list at line 1 column 14",
            ),
        ] {
            let got = pages(input);
            let err = got.iter().find_map(|r| r.as_ref().err()).expect(input);
            assert_eq!(err.to_string(), message, "{input}");
        }
        assert!(pages("[]").is_empty());
    }
}
