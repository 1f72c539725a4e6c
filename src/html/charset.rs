//! Which encoding a page's bytes are in: byte-order mark, then the HTTP charset, then a
//! `<meta>` declaration near the top, then UTF-8 if the bytes are valid UTF-8, else Windows-1252
//! (the order browsers use, minus their statistical sniffing).

use encoding_rs::{Encoding, UTF_8, WINDOWS_1252};
use regex::bytes::Regex;
use std::sync::LazyLock;

/// How far into the page a `<meta>` charset is looked for (the HTML spec's prescan reads 1024 bytes;
/// real pages put long `<head>` scripts first, so look further).
const META_PRESCAN_BYTES: usize = 4096;

/// The 16-bit code units of UTF-16 `bytes` (without their byte-order mark), in either byte order;
/// an odd last byte is left out.
pub(crate) fn utf16_units(bytes: &[u8], big_endian: bool) -> impl Iterator<Item = u16> + '_ {
    bytes.chunks_exact(2).map(move |pair| {
        let pair = [pair[0], pair[1]];
        if big_endian {
            u16::from_be_bytes(pair)
        } else {
            u16::from_le_bytes(pair)
        }
    })
}

/// The encoding chosen and where the page's content starts (after a byte-order mark).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Detected {
    /// The encoding the bytes are decoded with.
    pub encoding: &'static Encoding,
    /// Length of the byte-order mark at the start (0 without one).
    pub bom_len: usize,
    /// Where the decision came from: `bom`, `http`, `meta`, `utf-8` or `fallback`.
    pub source: &'static str,
}

/// Picks the encoding of `bytes`; `http_charset` is the `charset=` of a Content-Type header, if any.
pub fn detect(bytes: &[u8], http_charset: Option<&str>) -> Detected {
    if let Some((encoding, bom_len)) = Encoding::for_bom(bytes) {
        return Detected {
            encoding,
            bom_len,
            source: "bom",
        };
    }
    let declared = |label: &str| Encoding::for_label(label.trim().as_bytes()).map(ascii_compatible);
    if let Some(encoding) = http_charset.and_then(declared) {
        return Detected {
            encoding,
            bom_len: 0,
            source: "http",
        };
    }
    if let Some(encoding) = meta_charset(bytes).and_then(|l| declared(&l)) {
        return Detected {
            encoding,
            bom_len: 0,
            source: "meta",
        };
    }
    if std::str::from_utf8(bytes).is_ok() {
        return Detected {
            encoding: UTF_8,
            bom_len: 0,
            source: "utf-8",
        };
    }
    Detected {
        encoding: WINDOWS_1252,
        bom_len: 0,
        source: "fallback",
    }
}

/// A declared UTF-16 in a byte stream read as ASCII is a lie the HTML spec says to read as UTF-8.
fn ascii_compatible(encoding: &'static Encoding) -> &'static Encoding {
    if encoding.is_ascii_compatible() {
        encoding
    } else {
        UTF_8
    }
}

/// The charset of `<meta charset=…>` or `<meta http-equiv=content-type content="…; charset=…">`.
fn meta_charset(bytes: &[u8]) -> Option<String> {
    static META: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r#"(?i-u)<meta\s[^>]*?charset\s*=\s*["']?\s*([a-z0-9_:.\-]+)"#).unwrap()
    });
    let head = &bytes[..bytes.len().min(META_PRESCAN_BYTES)];
    let caps = META.captures(head)?;
    Some(String::from_utf8_lossy(&caps[1]).into_owned())
}

/// The `charset=` parameter of a Content-Type header value.
pub fn charset_of_content_type(content_type: &str) -> Option<&str> {
    content_type.split(';').skip(1).find_map(|param| {
        let (name, value) = param.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| value.trim().trim_matches(|c| c == '"' || c == '\''))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follows_bom_then_http_then_meta_then_utf8_then_windows_1252() {
        assert_eq!(detect(b"\xEF\xBB\xBF<p>x", Some("latin1")).source, "bom");
        let http = detect(b"<meta charset=utf-8><p>caf\xE9", Some("iso-8859-1"));
        assert_eq!((http.encoding, http.source), (WINDOWS_1252, "http"));
        let meta = detect(
            b"<meta http-equiv='Content-Type' content='text/html; charset=Shift_JIS'>",
            None,
        );
        assert_eq!(meta.encoding, encoding_rs::SHIFT_JIS);
        assert_eq!(detect("<p>café".as_bytes(), None).encoding, UTF_8);
        assert_eq!(detect(b"<p>caf\xE9", None).source, "fallback");
        assert_eq!(detect(b"<meta charset=utf-16><p>x", None).encoding, UTF_8);
    }

    #[test]
    fn reads_the_charset_parameter() {
        assert_eq!(
            charset_of_content_type("text/html; Charset=\"ISO-8859-1\""),
            Some("ISO-8859-1")
        );
        assert_eq!(charset_of_content_type("text/html"), None);
    }
}
