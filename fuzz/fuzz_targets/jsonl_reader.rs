//! Any bytes as JSON Lines: reading never panics, yields at most one result per line, and each
//! error names its line.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pagesift::ingest::{read_stream, InputFormat, ReadOptions};

fuzz_target!(|data: &[u8]| {
    let lines = data.split(|&b| b == b'\n').count();
    let options = ReadOptions {
        max_page_bytes: 4096,
        lossy: data.first().is_some_and(|b| b % 2 == 0),
        follow_links: false,
    };
    let reader = Box::new(std::io::Cursor::new(data.to_vec()));
    let results: Vec<_> = read_stream("fuzz.jsonl".into(), InputFormat::Jsonl, reader, options).collect();
    assert!(results.len() <= lines);
    for result in results {
        match result {
            Ok(page) => assert!(!page.text.trim().is_empty()),
            Err(e) => assert!(e.origin.line.is_some_and(|l| l >= 1 && l <= lines)),
        }
    }
});
