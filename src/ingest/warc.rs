//! WARC files (plain or gzip, one member per record or one for the whole file), read as a stream:
//! each `response` record with an HTML payload is a page whose id is its WARC-Record-ID and whose
//! url is its WARC-Target-URI. A malformed record is an `Err` naming the file and the record's
//! number; the reader resynchronises at the next record. Other record types are passed over.

use super::html::{HtmlSource, Record};
use super::ReadOptions;
use crate::error::{IngestError, IngestErrorKind};
use crate::html::charset::charset_of_content_type;
use crate::types::Origin;
use flate2::read::MultiGzDecoder;
use std::cell::Cell;
use std::io::{BufRead, BufReader, Read};
use std::rc::Rc;
use warc::{RawRecordHeader, WarcHeader, WarcReader};

/// Largest HTTP header block looked at.
const MAX_HTTP_HEADERS: usize = 96;

/// The pages of one WARC stream.
pub struct WarcPages {
    path: String,
    /// The decompressed stream, cut at record boundaries. Records are read raw, one reader per
    /// record: the typed ones unwrap header values as UTF-8 and panic on a crawler's non-UTF-8
    /// Target-URI (found by the warc_reader fuzz target).
    stream: BufReader<BoundaryReader<BudgetReader<Box<dyn Read>>>>,
    at_boundary: Rc<Cell<bool>>,
    /// 1-based number of the record read last (every record counts, pages or not).
    record: usize,
    /// Set after a parse error: the reader skips the broken record's remains as further errors,
    /// which are the same bad record and are not reported twice.
    resyncing: bool,
    done: bool,
    /// Bytes the current record may still read (decompressed): a lying Content-Length or a
    /// gzip bomb stops here instead of filling memory.
    budget: Rc<Cell<u64>>,
    record_limit: u64,
    /// Set when the budget ran out: the record is too large, not the stream broken.
    over_budget: Rc<Cell<bool>>,
    /// `--max-page-bytes`: an HTML payload larger than this is reported, not labelled.
    page_limit: usize,
}

/// Slack over twice the page limit for WARC and HTTP headers and read-ahead.
const RECORD_SLACK: u64 = 1 << 20;

/// A reader that fails once its shared budget is spent.
struct BudgetReader<R> {
    inner: R,
    budget: Rc<Cell<u64>>,
    limit: u64,
    over_budget: Rc<Cell<bool>>,
}

impl<R: Read> Read for BudgetReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let left = self.budget.get();
        if left == 0 {
            self.over_budget.set(true);
            return Err(std::io::Error::other(format!(
                "record larger than {} bytes (a lying Content-Length, a gzip bomb or a page over --max-page-bytes)",
                self.limit
            )));
        }
        let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        self.budget.set(left - n as u64);
        Ok(n)
    }
}

impl WarcPages {
    pub fn new(path: String, reader: Box<dyn Read>, options: ReadOptions) -> Self {
        let mut buffered = BufReader::with_capacity(1 << 16, reader);
        // Gzip by its magic bytes, not the file name.
        let gzip = buffered
            .fill_buf()
            .is_ok_and(|b| b.starts_with(&[0x1f, 0x8b]));
        let decoded: Box<dyn Read> = if gzip {
            Box::new(MultiGzDecoder::new(buffered))
        } else {
            Box::new(buffered)
        };
        let record_limit = (options.max_page_bytes as u64).saturating_mul(2) + RECORD_SLACK;
        let budget = Rc::new(Cell::new(record_limit));
        let over_budget = Rc::new(Cell::new(false));
        let limited = BudgetReader {
            inner: decoded,
            budget: Rc::clone(&budget),
            limit: record_limit,
            over_budget: Rc::clone(&over_budget),
        };
        let at_boundary = Rc::new(Cell::new(false));
        let stream = BufReader::with_capacity(
            1 << 16,
            BoundaryReader::new(limited, Rc::clone(&at_boundary)),
        );
        WarcPages {
            path,
            stream,
            at_boundary,
            record: 0,
            resyncing: false,
            done: false,
            budget,
            record_limit,
            over_budget,
            page_limit: options.max_page_bytes,
        }
    }

    /// Reads the rest of the current record without keeping it, up to the next record's start
    /// (or the end of the stream), in bounded memory and with no budget.
    fn skip_record(&mut self) -> std::io::Result<()> {
        self.budget.set(u64::MAX);
        let mut scratch = [0u8; 1 << 16];
        while self.stream.read(&mut scratch)? > 0 {}
        self.at_boundary.set(false);
        Ok(())
    }

    fn error(&self, message: String) -> IngestError {
        IngestError::new(
            Origin {
                path: self.path.clone(),
                line: None,
            },
            IngestErrorKind::Warc {
                record: self.record,
                message,
            },
        )
    }
}

impl Iterator for WarcPages {
    type Item = Result<Record, IngestError>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.done {
            self.budget.set(self.record_limit);
            self.over_budget.set(false);
            let next = WarcReader::new(&mut self.stream).iter_raw_records().next();
            // An end of stream at a record boundary is the start of the next record.
            let reached_boundary = self.at_boundary.replace(false);
            let Some(next) = next else {
                if reached_boundary {
                    continue;
                }
                return None;
            };
            match next {
                Ok(record) => {
                    self.record += 1;
                    self.resyncing = false;
                    let (header, body) = record;
                    let kind = header.headers.get(&WarcHeader::WarcType);
                    if !kind.is_some_and(|k| k.trim_ascii().eq_ignore_ascii_case(b"response")) {
                        continue;
                    }
                    match self.response_page(&header, &body) {
                        Ok(Some(page)) => return Some(Ok(page)),
                        Ok(None) => continue,
                        Err(e) => return Some(Err(e)),
                    }
                }
                Err(warc::Error::ReadData(_)) if self.over_budget.replace(false) => {
                    // One record too large (a big video, a gzip bomb): it is skipped by reading
                    // past it, and the records after it are read.
                    self.record += 1;
                    self.resyncing = false;
                    if let Err(e) = self.skip_record() {
                        self.done = true;
                        return Some(Err(self.error(format!("cannot read: {e}"))));
                    }
                    return Some(Err(self.error(format!(
                        "record larger than {} bytes (twice --max-page-bytes, plus 1 MiB for \
                         headers): skipped to the next record",
                        self.record_limit
                    ))));
                }
                Err(warc::Error::ReadData(e)) => {
                    // A broken gzip stream or a failing disk: nothing after it can be trusted.
                    self.done = true;
                    self.record += 1;
                    return Some(Err(self.error(format!("cannot read: {e}"))));
                }
                Err(e) => {
                    if self.resyncing {
                        continue;
                    }
                    self.resyncing = true;
                    self.record += 1;
                    return Some(Err(self.error(format!("malformed record: {e}"))));
                }
            }
        }
        None
    }
}

impl WarcPages {
    /// The page in a `response` record, or `None` when its payload is not HTML.
    fn response_page(
        &self,
        header: &RawRecordHeader,
        body: &[u8],
    ) -> Result<Option<Record>, IngestError> {
        let value = |name: WarcHeader| {
            header
                .headers
                .get(&name)
                .map(|v| String::from_utf8_lossy(v).trim().to_string())
        };
        let id = value(WarcHeader::RecordID).unwrap_or_else(|| format!("record-{}", self.record));
        let url = value(WarcHeader::TargetURI);
        let origin = Origin {
            path: format!("{} record {} ({id})", self.path, self.record),
            line: None,
        };
        let response = parse_http_response(body).map_err(|m| {
            self.error(format!("{id}: bad HTTP response: {m}"))
                .with_id(id.clone())
        })?;
        let is_html = response.content_type.as_deref().is_none_or(|t| {
            let t = t.to_ascii_lowercase();
            t.starts_with("text/html") || t.starts_with("application/xhtml")
        });
        if !is_html {
            return Ok(None);
        }
        if response.body.len() > self.page_limit {
            return Err(IngestError::new(
                origin,
                IngestErrorKind::TooLarge {
                    limit: self.page_limit,
                },
            )
            .with_id(id));
        }
        let charset = response
            .content_type
            .as_deref()
            .and_then(charset_of_content_type);
        Ok(Some(Record::Html(HtmlSource {
            id,
            origin,
            url,
            bytes: response.body,
            http_charset: charset.map(str::to_string),
        })))
    }
}

/// An HTTP response's payload, de-chunked and decompressed, with its Content-Type.
struct HttpResponse {
    content_type: Option<String>,
    body: Vec<u8>,
}

fn parse_http_response(bytes: &[u8]) -> Result<HttpResponse, String> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HTTP_HEADERS];
    let mut response = httparse::Response::new(&mut headers);
    let header_len = match response.parse(bytes) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) => return Err("truncated headers".into()),
        Err(e) => return Err(e.to_string()),
    };
    let header = |name: &str| {
        response
            .headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| String::from_utf8_lossy(h.value).trim().to_string())
    };
    let content_type = header("content-type");
    let mut body = bytes[header_len..].to_vec();
    if header("transfer-encoding").is_some_and(|t| t.eq_ignore_ascii_case("chunked")) {
        body = dechunk(&body)?;
    }
    match header("content-encoding").map(|e| e.to_ascii_lowercase()) {
        Some(e) if e == "gzip" || e == "x-gzip" => {
            let mut decoded = Vec::new();
            MultiGzDecoder::new(&body[..])
                .read_to_end(&mut decoded)
                .map_err(|e| format!("gzip payload: {e}"))?;
            body = decoded;
        }
        Some(e) if e == "deflate" => {
            let mut decoded = Vec::new();
            flate2::read::ZlibDecoder::new(&body[..])
                .read_to_end(&mut decoded)
                .map_err(|e| format!("deflate payload: {e}"))?;
            body = decoded;
        }
        _ => {}
    }
    Ok(HttpResponse { content_type, body })
}

/// Undoes `Transfer-Encoding: chunked` (size line in hex, data, CRLF; a zero size ends it).
fn dechunk(mut bytes: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(bytes.len());
    loop {
        let line_end = bytes
            .iter()
            .position(|&b| b == b'\n')
            .ok_or("chunk size line without end")?;
        let line = String::from_utf8_lossy(&bytes[..line_end]);
        let size_text = line.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size_text, 16)
            .map_err(|_| format!("bad chunk size {size_text:?}"))?;
        bytes = &bytes[line_end + 1..];
        if size == 0 {
            return Ok(out);
        }
        let chunk = bytes.get(..size).ok_or("chunk longer than the payload")?;
        out.extend_from_slice(chunk);
        bytes = &bytes[size..];
        bytes = bytes
            .strip_prefix(b"\r\n")
            .or_else(|| bytes.strip_prefix(b"\n"))
            .unwrap_or(bytes);
    }
}

/// Stops each WARC record at the next record's start: a `WARC/1.x` line right after the blank
/// line that ends a record. The `warc` crate trusts Content-Length and would read a record that
/// claims too many bytes into the records after it; here it meets an end of stream at the next
/// record instead, reports that one record as malformed, and the records after it are read.
/// (A record whose payload itself holds "\r\n\r\nWARC/1." would be cut there: a WARC inside a
/// WARC. Crawls of web pages do not have them.)
struct BoundaryReader<R> {
    inner: R,
    buf: Vec<u8>,
    /// Next byte to hand out, end of the bytes held.
    start: usize,
    end: usize,
    inner_done: bool,
    /// An end of stream is owed at the boundary just reached.
    pending: bool,
    /// Set when an end of stream was a record boundary, not the real end.
    at_boundary: Rc<Cell<bool>>,
}

const BOUNDARY: &[u8] = b"\r\n\r\nWARC/1.";
/// Bytes before a boundary that belong to the record ending there.
const BOUNDARY_LOOKBEHIND: usize = 4;

impl<R: Read> BoundaryReader<R> {
    fn new(inner: R, at_boundary: Rc<Cell<bool>>) -> Self {
        BoundaryReader {
            inner,
            buf: vec![0; 1 << 16],
            start: 0,
            end: 0,
            inner_done: false,
            pending: false,
            at_boundary,
        }
    }

    /// Reads more, keeping a few handed-out bytes so a boundary split across reads is seen.
    fn refill(&mut self) -> std::io::Result<()> {
        let keep_from = self.start.saturating_sub(BOUNDARY.len());
        self.buf.copy_within(keep_from..self.end, 0);
        self.start -= keep_from;
        self.end -= keep_from;
        if self.end == self.buf.len() {
            self.buf.resize(self.buf.len() * 2, 0);
        }
        let n = self.inner.read(&mut self.buf[self.end..])?;
        if n == 0 {
            self.inner_done = true;
        }
        self.end += n;
        Ok(())
    }
}

impl<R: Read> Read for BoundaryReader<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if self.pending {
            self.pending = false;
            self.at_boundary.set(true);
            return Ok(0);
        }
        loop {
            // Never hand out the last bytes before more is known: they may begin a boundary.
            let safe_end = if self.inner_done {
                self.end
            } else {
                self.end.saturating_sub(BOUNDARY.len())
            };
            // Only boundaries past `start` (the one just reached must not stop us again).
            let search_from = (self.start + 1).saturating_sub(BOUNDARY_LOOKBEHIND);
            let boundary = self.buf[search_from..self.end]
                .windows(BOUNDARY.len())
                .position(|w| w == BOUNDARY)
                .map(|i| search_from + i + BOUNDARY_LOOKBEHIND)
                .filter(|&b| b > self.start);
            // A boundary found is whole inside the buffer, so stopping at it is always safe.
            let stop = boundary.unwrap_or(safe_end);
            if stop > self.start {
                let n = (stop - self.start).min(out.len());
                out[..n].copy_from_slice(&self.buf[self.start..self.start + n]);
                self.start += n;
                if boundary == Some(self.start) {
                    self.pending = true;
                }
                return Ok(n);
            }
            if self.inner_done {
                return Ok(0);
            }
            self.refill()?;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_non_utf8_target_uri_is_read_lossily_not_a_panic() {
        // Found by the warc_reader fuzz target.
        let crash = include_bytes!("../../tests/fixtures/fuzz/warc-non-utf8-uri.bin");
        let results: Vec<_> = WarcPages::new(
            "crash.warc".into(),
            Box::new(&crash[..]),
            ReadOptions::default(),
        )
        .collect();
        assert!(!results.is_empty());
        let html = b"<p>Coffee facts</p>";
        let block = [
            &b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n"[..],
            &html[..],
        ]
        .concat();
        let mut warc = format!(
            "WARC/1.0\r\nWARC-Type: response\r\nWARC-Record-ID: <urn:uuid:1>\r\n\
             WARC-Date: 2024-05-01T10:00:00Z\r\nContent-Length: {}\r\nWARC-Target-URI: https://a.",
            block.len()
        )
        .into_bytes();
        warc.extend_from_slice(b"\x9b\x87.example/\r\n\r\n");
        warc.extend_from_slice(&block);
        warc.extend_from_slice(b"\r\n\r\n");
        let pages: Vec<_> = WarcPages::new(
            "w.warc".into(),
            Box::new(std::io::Cursor::new(warc)),
            ReadOptions::default(),
        )
        .collect();
        let page = pages
            .into_iter()
            .next()
            .unwrap()
            .unwrap()
            .into_page()
            .unwrap();
        assert_eq!(page.text, "Coffee facts");
        assert!(page
            .url
            .as_deref()
            .unwrap()
            .starts_with("https://a.\u{FFFD}"));
    }

    /// Hands out one byte per read, to split every boundary across reads.
    struct Trickle<'a>(&'a [u8]);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            match (self.0.split_first(), buf.first_mut()) {
                (Some((&b, rest)), Some(slot)) => {
                    *slot = b;
                    self.0 = rest;
                    Ok(1)
                }
                _ => Ok(0),
            }
        }
    }

    #[test]
    fn the_boundary_reader_ends_each_record_at_the_next_ones_start() {
        let stream = b"WARC/1.0\r\nA: 1\r\n\r\nbody one\r\n\r\nWARC/1.1\r\nB: 2\r\n\r\nbody\r\n\r\nWARC/ no\r\n\r\nWARC/1.0\r\nC\r\n";
        let flag = Rc::new(Cell::new(false));
        let mut reader = BoundaryReader::new(Trickle(stream), Rc::clone(&flag));
        let mut pieces = Vec::new();
        loop {
            let mut piece = Vec::new();
            reader.read_to_end(&mut piece).unwrap();
            let boundary = flag.replace(false);
            pieces.push(String::from_utf8(piece).unwrap());
            if !boundary {
                break;
            }
        }
        assert_eq!(
            pieces,
            [
                "WARC/1.0\r\nA: 1\r\n\r\nbody one\r\n\r\n",
                "WARC/1.1\r\nB: 2\r\n\r\nbody\r\n\r\nWARC/ no\r\n\r\n",
                "WARC/1.0\r\nC\r\n",
            ]
        );
    }

    #[test]
    fn an_html_payload_over_the_page_limit_is_reported_and_the_next_record_read() {
        let record = |id: &str, html: &[u8]| {
            let mut block = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n".to_vec();
            block.extend_from_slice(html);
            let mut r = format!(
                "WARC/1.0\r\nWARC-Type: response\r\nWARC-Record-ID: <{id}>\r\n\
                 Content-Length: {}\r\n\r\n",
                block.len()
            )
            .into_bytes();
            r.extend_from_slice(&block);
            r.extend_from_slice(b"\r\n\r\n");
            r
        };
        let mut warc = record("big", &[b'a'; 1500]);
        warc.extend(record("small", b"<p>Coffee facts</p>"));
        let options = ReadOptions {
            max_page_bytes: 1000,
            ..ReadOptions::default()
        };
        let results: Vec<_> = WarcPages::new(
            "w.warc".into(),
            Box::new(std::io::Cursor::new(warc)),
            options,
        )
        .collect();
        assert_eq!(results.len(), 2);
        let err = results[0].as_ref().unwrap_err();
        assert_eq!(err.kind, IngestErrorKind::TooLarge { limit: 1000 });
        assert_eq!(results[1].as_ref().unwrap().id(), "<small>");
    }

    #[test]
    fn reads_chunked_gzip_http_payloads() {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut gz, b"<p>hello</p>").unwrap();
        let gz = gz.finish().unwrap();
        let mut raw = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=ISO-8859-1\r\n\
             Content-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n",
            gz.len()
        )
        .into_bytes();
        raw.extend_from_slice(&gz);
        raw.extend_from_slice(b"\r\n0\r\n\r\n");
        let response = parse_http_response(&raw).unwrap();
        assert_eq!(response.body, b"<p>hello</p>");
        assert_eq!(
            response
                .content_type
                .as_deref()
                .and_then(charset_of_content_type),
            Some("ISO-8859-1")
        );
        assert!(parse_http_response(b"not http").is_err());
    }
}
