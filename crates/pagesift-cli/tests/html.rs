//! HTML and WARC through the binary: offsets into the source bytes, encodings, `--emit-text`,
//! `extract`, and a gzip-compressed WARC with a malformed record.

#[path = "../../../tests/util/mod.rs"]
mod util;

use flate2::write::GzEncoder;
use flate2::Compression;
use serde_json::Value;
use std::io::Write;
use util::{assert_spans_cover, data, pages, pagesift, stderr, Dir};

/// The HTML fixtures: hand-written tricky pages in several encodings.
fn fixtures() -> Vec<std::path::PathBuf> {
    let dir = util::root().join("tests/fixtures/html");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(files.len() >= 4);
    files
}

/// The encoding a fixture is written in (its name says), to decode source slices independently.
fn encoding_of(path: &std::path::Path) -> &'static encoding_rs::Encoding {
    let name = path.file_name().unwrap().to_string_lossy();
    if name.starts_with("utf16le") {
        encoding_rs::UTF_16LE
    } else if name.starts_with("latin1") || name.starts_with("cp1252") {
        encoding_rs::WINDOWS_1252
    } else {
        encoding_rs::UTF_8
    }
}

/// Labels `inputs`, returning the labelled pages and the emitted texts.
fn label_with_texts(dir: &Dir, inputs: &[&str]) -> (Vec<Value>, Vec<Value>) {
    let texts = dir.path("texts.jsonl");
    let mut args = vec!["label", "--emit-text", texts.to_str().unwrap()];
    args.extend_from_slice(inputs);
    let out = pagesift(&args, None);
    assert!(out.status.success(), "{}", stderr(&out));
    let emitted = std::fs::read_to_string(&texts)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (pages(&out), emitted)
}

#[test]
fn every_span_source_range_holds_its_text_in_every_html_fixture() {
    let dir = Dir::new();
    for path in fixtures() {
        let (labelled, texts) = label_with_texts(&dir, &[path.to_str().unwrap()]);
        assert_eq!(labelled.len(), 1, "{}", path.display());
        let text = texts[0]["text"].as_str().unwrap();
        assert_spans_cover(text, &labelled[0]);
        let bytes = std::fs::read(&path).unwrap();
        let encoding = encoding_of(&path);
        for span in labelled[0]["spans"].as_array().unwrap() {
            let (start, end) = (
                span["start"].as_u64().unwrap() as usize,
                span["end"].as_u64().unwrap() as usize,
            );
            let (slice, malformed) = encoding.decode_without_bom_handling(&bytes[start..end]);
            assert!(
                !malformed,
                "{}: {start}..{end} cuts a character",
                path.display()
            );
            util::assert_source_holds(&slice, span["text"].as_str().unwrap());
        }
    }
}

#[test]
fn hidden_content_is_dropped_and_blocks_follow_the_markup() {
    let dir = Dir::new();
    let tricky = fixtures()
        .into_iter()
        .find(|p| p.ends_with("tricky_utf8.html"))
        .unwrap();
    let (_, texts) = label_with_texts(&dir, &[tricky.to_str().unwrap()]);
    let text = texts[0]["text"].as_str().unwrap();
    for hidden in [
        "Ignored title",
        "not text",
        "color: red",
        "Hidden text",
        "Also hidden",
        "template text",
        "markup",
    ] {
        assert!(!text.contains(hidden), "{hidden:?} leaked into {text:?}");
    }
    let lines: Vec<&str> = text.lines().collect();
    for line in [
        "Café & Crème: what caffeine does",
        "Unclosed paragraph one",
        "Unclosed paragraph two with bolditalic words",
        "second line",
        "400 mg",
        "Emoji 😀 and CJK 咖啡因 and Arabic قهوة in one line.",
        "© 2024 Example Clinic. All rights reserved. Privacy",
    ] {
        assert!(
            lines.contains(&line),
            "{line:?} is not a block of {lines:?}"
        );
    }
}

#[test]
fn legacy_encodings_are_decoded_by_meta_or_fallback_and_agree() {
    let dir = Dir::new();
    let by = |name: &str| {
        let path = fixtures().into_iter().find(|p| p.ends_with(name)).unwrap();
        let (_, texts) = label_with_texts(&dir, &[path.to_str().unwrap()]);
        texts[0]["text"].as_str().unwrap().to_string()
    };
    let declared = by("latin1_meta.html");
    assert!(declared.starts_with("Café crème and naïve questions"));
    assert!(declared.contains("antioxydants – en"), "{declared}");
    assert_eq!(declared, by("cp1252_undeclared.html"));
    assert!(by("utf16le_bom.html").starts_with("Café facts\nCoffee contains caffeine — about"));
}

#[test]
fn extract_writes_the_education_text_and_more_with_promotion() {
    let dir = Dir::new();
    // Text pages: the education spans of `label`, one per line.
    let file = data("pages_a.gold.jsonl");
    let out = pagesift(&["extract", &file], None);
    assert!(out.status.success(), "{}", stderr(&out));
    let extracted = pages(&out);
    let with_promotion = pages(&pagesift(&["extract", "--with-promotion", &file], None));
    let labelled = pages(&pagesift(&["label", &file], None));
    assert_eq!(extracted.len(), 22);
    for ((education, all), page) in extracted.iter().zip(&with_promotion).zip(&labelled) {
        let spans = page["spans"].as_array().unwrap();
        let of = |labels: &[&str]| {
            spans
                .iter()
                .filter(|s| labels.contains(&s["label"].as_str().unwrap()))
                .map(|s| s["text"].as_str().unwrap())
                .collect::<Vec<_>>()
                .join("\n")
        };
        assert_eq!(education["text"], of(&["education"]));
        assert_eq!(all["text"], of(&["education", "promotion"]));
    }
    // HTML pages: main content decided with the content model; the article is kept, the
    // navigation is not, and promotion only comes with --with-promotion.
    let file = data("pages_b.gold.jsonl");
    let education = pages(&pagesift(&["extract", &file], None));
    let all = pages(&pagesift(&["extract", "--with-promotion", &file], None));
    assert_eq!(education.len(), 22);
    let first = education[0]["text"].as_str().unwrap();
    assert!(first.contains("Triptans, including sumatriptan"), "{first}");
    assert!(!first.contains("Skip to main content"));
    for (education, all) in education.iter().zip(&all) {
        let (e, a) = (
            education["text"].as_str().unwrap(),
            all["text"].as_str().unwrap(),
        );
        assert!(a.len() >= e.len());
        let mut rest = a.lines();
        assert!(
            e.lines().all(|line| rest.any(|l| l.contains(line))),
            "{e:?} not within {a:?}"
        );
    }
    // Plain text output to a file.
    let path = dir.path("article.txt");
    let out = pagesift(
        &[
            "extract",
            "--format",
            "text",
            "-o",
            path.to_str().unwrap(),
            &file,
        ],
        None,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let written = std::fs::read_to_string(&path).unwrap();
    assert!(written.starts_with(first));
}

/// One WARC record, as a crawler writes it.
fn warc_record(kind: &str, id: &str, uri: &str, block: &[u8]) -> Vec<u8> {
    let mut record = format!(
        "WARC/1.0\r\nWARC-Type: {kind}\r\nWARC-Record-ID: {id}\r\n\
         WARC-Date: 2024-05-01T10:00:00Z\r\nWARC-Target-URI: {uri}\r\n\
         Content-Type: application/http; msgtype=response\r\nContent-Length: {}\r\n\r\n",
        block.len()
    )
    .into_bytes();
    record.extend_from_slice(block);
    record.extend_from_slice(b"\r\n\r\n");
    record
}

fn http(content_type: &str, body: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body);
    out
}

#[test]
fn a_gzipped_warc_is_labelled_record_by_record_and_a_malformed_record_is_reported() {
    let page_one = b"<html><body><nav><a href=/>Home</a></nav><h1>What caffeine does</h1>\
        <p>Caffeine blocks adenosine receptors, which keeps you alert for several hours.</p>\
        <footer>&copy; 2024 Coffee Facts</footer></body></html>";
    let page_two = b"<html><body><p>Caf\xe9 cr\xe8me is a French coffee.</p>\
        <p>Call us today to book your tasting!</p></body></html>";
    let mut malformed = b"WARC/1.0\r\nWARC-Type: response\r\nWARC-Record-ID: <urn:uuid:bad>\r\n\
        WARC-Date: 2024-05-01T10:00:00Z\r\nContent-Length: banana\r\n\r\n"
        .to_vec();
    malformed.extend_from_slice(&http("text/html", b"<p>lost</p>"));
    malformed.extend_from_slice(b"\r\n\r\n");
    let records = [
        warc_record("warcinfo", "<urn:uuid:info>", "", b"software: test\r\n"),
        warc_record(
            "response",
            "<urn:uuid:one>",
            "https://coffee.example/facts",
            &http("text/html; charset=utf-8", page_one),
        ),
        warc_record(
            "request",
            "<urn:uuid:req>",
            "https://coffee.example/facts",
            b"GET /facts HTTP/1.1\r\n\r\n",
        ),
        malformed,
        warc_record(
            "response",
            "<urn:uuid:two>",
            "https://cafe.example/",
            &http("text/html; charset=ISO-8859-1", page_two),
        ),
        warc_record(
            "response",
            "<urn:uuid:png>",
            "https://cafe.example/logo.png",
            &http("image/png", b"\x89PNG"),
        ),
    ];
    // One gzip member per record, as crawlers write WARC.gz.
    let mut file = Vec::new();
    for record in &records {
        let mut gz = GzEncoder::new(Vec::new(), Compression::default());
        gz.write_all(record).unwrap();
        file.extend(gz.finish().unwrap());
    }
    let dir = Dir::new();
    let path = dir.create("crawl.warc.gz", &file);
    let texts = dir.path("texts.jsonl");
    let out = pagesift(
        &[
            "label",
            "--emit-text",
            texts.to_str().unwrap(),
            path.as_str(),
        ],
        None,
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(
        err.contains("crawl.warc.gz: WARC record 4: malformed record"),
        "{err}"
    );
    assert!(err.contains("3 pages read, 2 labelled, 1 skipped"), "{err}");
    let labelled = pages(&out);
    let ids: Vec<&str> = labelled.iter().map(|p| p["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["<urn:uuid:one>", "<urn:uuid:two>"]);
    assert_eq!(labelled[0]["url"], "https://coffee.example/facts");
    assert_eq!(labelled[1]["url"], "https://cafe.example/");
    let emitted: Vec<Value> = std::fs::read_to_string(&texts)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        emitted[1]["text"],
        "Café crème is a French coffee.\nCall us today to book your tasting!"
    );
    // Offsets point into the HTTP payload (the HTML bytes as served).
    for page in &labelled {
        let text = emitted.iter().find(|e| e["id"] == page["id"]).unwrap()["text"]
            .as_str()
            .unwrap();
        assert_spans_cover(text, page);
    }
    util::assert_sources_hold(std::str::from_utf8(page_one).unwrap(), &labelled[0]);
    // The same file uncompressed reads the same.
    let plain = dir.create("crawl.warc", records.concat());
    let out = pagesift(&["label", plain.as_str()], None);
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(pages(&out).len(), 2);
}

/// An image's alt text and a button's label are blocks `label` labels, but never article text:
/// `extract` leaves them out.
#[test]
fn extract_leaves_out_alt_texts_and_button_labels() {
    let dir = util::Dir::new();
    let article = "Type 2 diabetes is the most common form of diabetes. It happens when the body \
        does not use insulin well and, over time, cannot make enough of it. ";
    let html = format!(
        "<html><body><article><h1>Type 2 diabetes</h1><p>{}</p>\
         <img src=chart.png alt=\"Chart of blood sugar levels by age group\">\
         <p>{}</p><form><input type=submit value=\"Subscribe to updates\"></form>\
         </article></body></html>",
        article.repeat(3),
        article.repeat(2)
    );
    let path = dir.create("page.html", &html);
    let labelled = util::pages(&util::pagesift(&["label", &path], None));
    let spans = labelled[0]["spans"].as_array().unwrap();
    let all: String = spans.iter().map(|s| s["text"].as_str().unwrap()).collect();
    assert!(all.contains("Chart of blood sugar") && all.contains("Subscribe to updates"));
    let out = util::pagesift(
        &["extract", "--with-promotion", "--format", "text", &path],
        None,
    );
    assert!(out.status.success(), "{}", util::stderr(&out));
    let text = util::stdout(&out);
    assert!(text.contains("most common form of diabetes"), "{text}");
    assert!(!text.contains("Chart of blood sugar"), "{text}");
    assert!(!text.contains("Subscribe to updates"), "{text}");
}

/// `label --main-content` decides boilerplate as `extract` does, so on HTML pages its spans that
/// are not boilerplate are exactly `extract --with-promotion`'s text; without it, `label` decides
/// with the 3-label model and some page of the 22 differs.
#[test]
fn label_with_main_content_agrees_with_extract() {
    let file = data("pages_b.gold.jsonl");
    let extracted = pages(&pagesift(&["extract", "--with-promotion", &file], None));
    let not_boilerplate = |page: &Value| {
        page["spans"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["label"] != "boilerplate")
            .map(|s| s["text"].as_str().unwrap())
            .collect::<Vec<_>>()
            .join("\n")
    };
    let agreed = pages(&pagesift(&["label", "--main-content", &file], None));
    let own = pages(&pagesift(&["label", &file], None));
    assert_eq!((extracted.len(), agreed.len()), (22, 22));
    for (e, l) in extracted.iter().zip(&agreed) {
        assert_eq!(
            e["text"].as_str().unwrap(),
            not_boilerplate(l),
            "{}",
            e["id"]
        );
    }
    assert!(extracted
        .iter()
        .zip(&own)
        .any(|(e, l)| e["text"].as_str().unwrap() != not_boilerplate(l)));
}
