//! Site-name heuristics: the site's own name, read from its copyright line, and whether a unit
//! mentions it or has the site acting in it (a seller describing its own service).

use super::cues::COPYRIGHT;
use crate::types::Segmentation;

/// Words that name a business but not which one.
const GENERIC_NAME_WORDS: &[&str] = &[
    "All",
    "Rights",
    "Reserved",
    "Copyright",
    "Inc",
    "LLC",
    "PLLC",
    "Ltd",
    "The",
    "Media",
    "Health",
    "Group",
    "Company",
    "Center",
    "Centre",
    "Clinic",
    "Foundation",
    "Privacy",
    "Policy",
    "Terms",
    "Powered",
    "Website",
];

/// The block holding the page's copyright notice (its first block with the copyright cue).
pub(super) fn copyright_block(text: &str, seg: &Segmentation) -> Option<usize> {
    seg.blocks
        .iter()
        .position(|b| COPYRIGHT.is_match(b.range.slice(text)))
}

/// The distinctive words of the site's own name, read from its copyright line
/// ("© 2025 Harbor Ridge Recovery LLC" → Harbor, Ridge, Recovery). Mentions of the site's
/// own name are a strong sign of a pitch.
pub(super) fn site_name_words(copyright_line: Option<&str>) -> Vec<&str> {
    let Some(line) = copyright_line else {
        return Vec::new();
    };
    let after = match line.find('©') {
        Some(i) => &line[i + '©'.len_utf8()..],
        None => line.find("opyright").map_or(line, |i| &line[i + 8..]),
    };
    let mut words = Vec::new();
    for word in after.split(|c: char| c.is_whitespace() || c == ',') {
        let clean = word.trim_matches(|c: char| !c.is_alphanumeric());
        if clean
            .chars()
            .all(|c| c.is_ascii_digit() || c == '-' || c == '–')
        {
            continue; // years
        }
        if !clean.chars().next().is_some_and(char::is_uppercase) || word.contains('|') {
            break;
        }
        if clean.chars().count() >= 3 && !GENERIC_NAME_WORDS.contains(&clean) {
            words.push(clean);
        }
        if word.ends_with(['.', '|', '·']) || words.len() == 3 {
            break;
        }
    }
    words
}

/// Whether `text` has one of `words` as a whole word.
pub(super) fn mentions_any(text: &str, words: &[&str]) -> bool {
    words.iter().any(|w| {
        text.match_indices(w).any(|(i, _)| {
            let before = text[..i].chars().next_back();
            let after = text[i + w.len()..].chars().next();
            !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
        })
    })
}

/// The site acting in the sentence: "At Desert Bloom, …", "Here at ClearPoint", "Linden House's
/// team", "Northlake offers …" — the seller describing its own service.
pub(super) fn site_name_as_actor(text: &str, words: &[&str]) -> bool {
    words.iter().any(|w| {
        text.match_indices(w).any(|(i, _)| {
            let before = text[..i].trim_end();
            let after = &text[i + w.len()..];
            let at = before.ends_with(" at")
                || before.ends_with("At")
                || before == "at"
                || before.ends_with("with");
            let possessive = after.starts_with("'s") || after.starts_with("’s");
            let starts = before.is_empty();
            at || possessive || starts
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::segment::TextSegmenter;

    #[test]
    fn site_name_comes_from_the_copyright_line() {
        let text = "At Harbor Ridge we care.\nRidgeback dogs.\n© 2025 Harbor Ridge Recovery LLC | Privacy Policy";
        let seg = TextSegmenter::default().segment_text(text);
        let copyright = copyright_block(text, &seg);
        assert_eq!(copyright, Some(2));
        let words = site_name_words(copyright.map(|b| seg.blocks[b].range.slice(text)));
        assert_eq!(words, ["Harbor", "Ridge", "Recovery"]);
        assert!(mentions_any("At Harbor Ridge we care.", &words));
        assert!(!mentions_any("Ridgeback dogs.", &words));
        let plain = "no footer here";
        assert_eq!(
            copyright_block(plain, &TextSegmenter::default().segment_text(plain)),
            None
        );
        assert!(site_name_words(None).is_empty());
    }
}
