//! Guessing an input's format from its first bytes, for standard input and for files whose name
//! does not say (`.php`, `.json`, `.asp`, no ending at all), as trafilatura does.

use super::InputFormat;
use std::io::{self, Read};

/// How many bytes are looked at.
pub const SNIFF_BYTES: usize = 4096;

/// Tags that make a text starting with `<` a web page.
const HTML_MARKERS: &[&[u8]] = &[
    b"<!doctype html",
    b"<html",
    b"<head",
    b"<body",
    b"<meta",
    b"<title",
    b"<div",
    b"<p>",
    b"<p ",
    b"<br",
    b"<a href",
    b"<script",
    b"<link",
];

/// The format of an input that starts with `prefix` (up to [`SNIFF_BYTES`]): a WARC file, JSON
/// Lines (a first line that opens an object), JSON (an array of objects, or an object whose
/// first line is a lone `{`), HTML (markup with a known tag), or text; for a
/// gzip stream, the format of what its first bytes unpack to.
pub fn sniff(prefix: &[u8]) -> InputFormat {
    if prefix.starts_with(&GZIP_MAGIC) {
        // A gzip stream: the format of what it holds (a WARC file unpacks its own members; the
        // others are unpacked as they are read, see [`gunzip`]). A gzip inside a gzip is text.
        let mut head = vec![0u8; SNIFF_BYTES];
        let n = read_up_to(&mut flate2::read::MultiGzDecoder::new(prefix), &mut head);
        head.truncate(n);
        return if head.starts_with(&GZIP_MAGIC) {
            InputFormat::Text
        } else {
            sniff(&head)
        };
    }
    if let Some(big_endian) = super::text::utf16_bom(prefix) {
        // UTF-16 (a byte-order mark says so): the format of what its characters spell.
        let units = crate::html::charset::utf16_units(&prefix[2..], big_endian);
        let head: String = char::decode_utf16(units)
            .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect();
        return sniff(head.as_bytes());
    }
    let start = prefix.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(prefix);
    let start = &start[start
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(start.len())..];
    if start.starts_with(b"WARC/") {
        return InputFormat::Warc;
    }
    let next_after = |rest: &[u8]| rest.iter().copied().find(|b| !b.is_ascii_whitespace());
    if let Some(rest) = start.strip_prefix(b"{") {
        if matches!(next_after(rest), Some(b'"' | b'}')) {
            // An object on one line opens JSON Lines; a lone `{` on the first line, a
            // pretty-printed JSON object.
            let first_line = rest.split(|&b| b == b'\n').next().unwrap_or_default();
            return if first_line.iter().all(u8::is_ascii_whitespace) {
                InputFormat::Json
            } else {
                InputFormat::Jsonl
            };
        }
    }
    if let Some(rest) = start.strip_prefix(b"[") {
        if matches!(next_after(rest), Some(b'{' | b']')) {
            return InputFormat::Json;
        }
    }
    if start.starts_with(b"<") {
        let lower = start.to_ascii_lowercase();
        if HTML_MARKERS
            .iter()
            .any(|m| lower.windows(m.len()).any(|w| w == *m))
        {
            return InputFormat::Html;
        }
    }
    InputFormat::Text
}

/// Reads until `buf` is full or the input ends (a truncated gzip stream ends it too).
fn read_up_to(reader: &mut impl Read, buf: &mut [u8]) -> usize {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) | Err(_) => break,
            Ok(n) => filled += n,
        }
    }
    filled
}

/// The first two bytes of a gzip stream.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// `reader` unpacked as it is read when it is a gzip stream (by its first two bytes, not its
/// name), else `reader` as it was; `true` when it was unpacked. An unpacking error reads as
/// `gzip: …`.
pub fn gunzip(mut reader: Box<dyn Read>) -> io::Result<(bool, Box<dyn Read>)> {
    let mut magic = Vec::with_capacity(GZIP_MAGIC.len());
    (&mut reader)
        .take(GZIP_MAGIC.len() as u64)
        .read_to_end(&mut magic)?;
    let gzipped = magic == GZIP_MAGIC;
    let whole = io::Cursor::new(magic).chain(reader);
    Ok(if gzipped {
        let decoder = flate2::read::MultiGzDecoder::new(io::BufReader::new(whole));
        (true, Box::new(GzipErrors(decoder)))
    } else {
        (false, Box::new(whole))
    })
}

/// A gzip decoder whose errors say they come from unpacking.
struct GzipErrors<R>(R);

impl<R: Read> Read for GzipErrors<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0
            .read(buf)
            .map_err(|e| io::Error::new(e.kind(), format!("gzip: {e}")))
    }
}

/// Looks at the first bytes of `reader` and gives its format, with a reader that still yields
/// every byte.
pub fn sniff_reader(mut reader: Box<dyn Read>) -> io::Result<(InputFormat, Box<dyn Read>)> {
    let mut prefix = Vec::with_capacity(SNIFF_BYTES);
    (&mut reader)
        .take(SNIFF_BYTES as u64)
        .read_to_end(&mut prefix)?;
    let format = sniff(&prefix);
    Ok((format, Box::new(io::Cursor::new(prefix).chain(reader))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::write::GzEncoder;
    use std::io::Write;

    #[test]
    fn formats_are_told_by_their_first_bytes() {
        let cases: &[(&[u8], InputFormat)] = &[
            (b"<!DOCTYPE html><html><body>x", InputFormat::Html),
            (b"\xEF\xBB\xBF\n  <html lang=en>", InputFormat::Html),
            (
                b"<?xml version=\"1.0\"?>\n<html xmlns=\"http://www.w3.org/1999/xhtml\">",
                InputFormat::Html,
            ),
            (b"<div class=a><p>Hi</p></div>", InputFormat::Html),
            (
                b"{\"id\": \"a\", \"text\": \"x\"}\n{\"id\": \"b\"}",
                InputFormat::Jsonl,
            ),
            (b"{ \"html\": \"<p>x</p>\" }", InputFormat::Jsonl),
            (
                b"{\n  \"id\": \"a\",\n  \"text\": \"x\"\n}",
                InputFormat::Json,
            ),
            (b"[{\"id\": \"a\", \"text\": \"x\"}]", InputFormat::Json),
            (b"[\n  {\n    \"text\": \"x\"", InputFormat::Json),
            (b"[1] is a citation mark", InputFormat::Text),
            (b"WARC/1.1\r\nWARC-Type: response\r\n", InputFormat::Warc),
            (b"Ketamine blocks NMDA receptors.", InputFormat::Text),
            (b"<3 our clinic! Call today.", InputFormat::Text),
            (b"{curly} braces in prose", InputFormat::Text),
            (b"", InputFormat::Text),
        ];
        for (bytes, format) in cases {
            assert_eq!(sniff(bytes), *format, "{}", String::from_utf8_lossy(bytes));
        }
        let mut gz = GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(b"WARC/1.0\r\nWARC-Type: warcinfo\r\n")
            .unwrap();
        assert_eq!(sniff(&gz.finish().unwrap()), InputFormat::Warc);
        let gzip = |bytes: &[u8]| {
            let mut gz = GzEncoder::new(Vec::new(), flate2::Compression::default());
            gz.write_all(bytes).unwrap();
            gz.finish().unwrap()
        };
        assert_eq!(sniff(&gzip(b"<html><body>x")), InputFormat::Html);
        assert_eq!(sniff(&gzip(b"{\"id\": \"a\"}\n")), InputFormat::Jsonl);
        assert_eq!(sniff(&gzip(b"Plain words.")), InputFormat::Text);
        assert_eq!(sniff(&gzip(&gzip(b"<html>"))), InputFormat::Text);
        // UTF-16 with a byte-order mark: what its characters spell, in either byte order.
        let utf16 = super::super::text::utf16_with_bom;
        for big_endian in [false, true] {
            let html = utf16("<!doctype html><html><body>x", big_endian);
            assert_eq!(sniff(&html), InputFormat::Html);
            assert_eq!(sniff(&html[..7]), InputFormat::Text, "too short to tell");
            let text = utf16("Ketamine blocks NMDA receptors.", big_endian);
            assert_eq!(sniff(&text), InputFormat::Text);
            let jsonl = utf16("{\"id\": \"a\"}\n", big_endian);
            assert_eq!(sniff(&jsonl), InputFormat::Jsonl);
        }
    }

    #[test]
    fn gzip_streams_are_unpacked_and_others_left_whole() {
        let mut gz = GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(b"<p>Hello</p>").unwrap();
        let packed = gz.finish().unwrap();
        let (unpacked, mut reader) = gunzip(Box::new(io::Cursor::new(packed.clone()))).unwrap();
        let mut out = Vec::new();
        reader.read_to_end(&mut out).unwrap();
        assert!(unpacked);
        assert_eq!(out, b"<p>Hello</p>");
        for plain in [&b"<p>Hello</p>"[..], b"x", b""] {
            let (unpacked, mut reader) = gunzip(Box::new(io::Cursor::new(plain.to_vec()))).unwrap();
            let mut out = Vec::new();
            reader.read_to_end(&mut out).unwrap();
            assert!(!unpacked);
            assert_eq!(out, plain);
        }
        // A corrupt stream says where the error comes from.
        let mut broken = packed[..12].to_vec();
        broken.extend([0xff; 8]);
        let (_, mut reader) = gunzip(Box::new(io::Cursor::new(broken))).unwrap();
        let err = reader.read_to_end(&mut Vec::new()).unwrap_err();
        assert!(err.to_string().starts_with("gzip: "), "{err}");
    }

    #[test]
    fn a_sniffed_reader_still_yields_every_byte() {
        let body: Vec<u8> = (0..3 * SNIFF_BYTES).map(|i| (i % 251) as u8).collect();
        let mut html = b"<html><body>".to_vec();
        html.extend(&body);
        let (format, mut reader) = sniff_reader(Box::new(io::Cursor::new(html.clone()))).unwrap();
        assert_eq!(format, InputFormat::Html);
        let mut back = Vec::new();
        reader.read_to_end(&mut back).unwrap();
        assert_eq!(back, html);
    }
}
