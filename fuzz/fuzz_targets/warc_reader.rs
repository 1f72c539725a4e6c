//! Any bytes as a WARC (plain or gzip): reading never panics and ends; every page has text.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pagesift::ingest::{read_stream, InputFormat, ReadOptions};

fuzz_target!(|data: &[u8]| {
    let options = ReadOptions {
        max_page_bytes: 1 << 20,
        lossy: false,
        follow_links: false,
    };
    let reader = Box::new(std::io::Cursor::new(data.to_vec()));
    for page in read_stream("fuzz.warc".into(), InputFormat::Warc, reader, options).take(10_000) {
        if let Ok(page) = page {
            assert!(!page.text.trim().is_empty());
        }
    }
});
