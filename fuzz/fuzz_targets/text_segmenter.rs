//! Any UTF-8 text: units lie inside their blocks, in order, trimmed, on character boundaries, and
//! together cover every non-whitespace byte.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pagesift::segment::TextSegmenter;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let seg = TextSegmenter::default().segment_text(text);
    let mut covered = vec![false; text.len()];
    let mut last = 0;
    for unit in &seg.units {
        let (s, e) = (unit.range.start, unit.range.end);
        assert!(last <= s && s < e && e <= text.len());
        assert!(text.is_char_boundary(s) && text.is_char_boundary(e));
        let block = seg.blocks[unit.block].range;
        assert!(block.start <= s && e <= block.end);
        assert_eq!(text[s..e].trim(), &text[s..e]);
        covered[s..e].fill(true);
        last = e;
    }
    for (i, c) in text.char_indices() {
        assert!(c.is_whitespace() || covered[i], "byte {i} uncovered");
    }
});
