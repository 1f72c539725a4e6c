//! Any bytes as HTML: extraction never panics; the text has one block per line, each line has a
//! DOM context, and every text range maps back to a source range inside the input.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pagesift::html::extract;
use pagesift::ByteRange;

fuzz_target!(|data: &[u8]| {
    let Ok(page) = extract(data, None) else {
        return;
    };
    let lines: Vec<&str> = page.text.split('\n').collect();
    assert_eq!(lines.len(), page.markup.blocks.len());
    let mut at = 0;
    for line in lines {
        assert!(!line.is_empty() && line.trim() == line);
        let range = ByteRange::new(at, at + line.len());
        let source = page.markup.source_range(range).expect("every text byte has a source");
        assert!(source.start < source.end && source.end <= data.len());
        at += line.len() + 1;
    }
});
