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

/// Where `word` starts in `text` (overlapping occurrences included). Units are short and a
/// site's words few: the word's first byte is looked for with `memchr`, where `match_indices`
/// would build a searcher for every unit and word. A word's first byte is never a UTF-8
/// continuation byte, so every position is a character boundary.
fn occurrences<'a>(text: &'a str, word: &'a str) -> impl Iterator<Item = usize> + 'a {
    let (bytes, word) = (text.as_bytes(), word.as_bytes());
    word.first()
        .map(|&first| memchr::memchr_iter(first, bytes))
        .into_iter()
        .flatten()
        .filter(move |&i| bytes[i..].starts_with(word))
}

/// Whether `text` has one of `words` as a whole word.
pub(super) fn mentions_any(text: &str, words: &[&str]) -> bool {
    words.iter().any(|w| {
        occurrences(text, w).any(|i| {
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
        occurrences(text, w).any(|i| {
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

/// The distinctive label of a page's host, lower-case: `armouryfitness` of
/// `https://www.armouryfitness.ca/x`, `pseg` of `homeenergy.pseg.com`, `acme` of `acme.co.uk`.
/// `None` without a URL or when the label is shorter than 4 letters (too easily found by chance).
pub(super) fn host_label(url: Option<&str>) -> Option<String> {
    let rest = url?.split_once("://").map_or(url?, |(_, r)| r);
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
    let host = host.split(':').next().unwrap_or("").to_ascii_lowercase();
    let labels: Vec<&str> = host.split('.').filter(|l| !l.is_empty()).collect();
    let n = labels.len();
    let label = match n {
        0 => return None,
        1 => labels[0],
        _ => {
            let second = labels[n - 2];
            // A second-level suffix (co.uk, com.au, ac.uk): the brand is the label before it.
            let generic = ["co", "com", "org", "net", "ac", "gov", "edu", "or", "ne"];
            if n >= 3 && generic.contains(&second) {
                labels[n - 3]
            } else {
                second
            }
        }
    };
    let label: String = label.chars().filter(char::is_ascii_alphanumeric).collect();
    (label.len() >= 4).then_some(label)
}

/// Whether `text` names the site by its host's label: words that spell it together
/// ("Make More Music" for `makemoremusic`), or a capitalised word of 5 letters or more that
/// begins it ("Armoury" for `armouryfitness`).
pub(super) fn mentions_host(text: &str, label: &str) -> bool {
    // The label is lower-case ASCII: words are matched against it ignoring ASCII case, without
    // a lower-cased copy of each (this runs on every unit of a page with an address).
    let strip = |rest: &'_ [u8], word: &str| -> Option<usize> {
        let word = word.as_bytes();
        (rest.len() >= word.len() && rest[..word.len()].eq_ignore_ascii_case(word))
            .then_some(word.len())
    };
    let label = label.as_bytes();
    let words: Vec<&str> =
        crate::types::words_by(text, |b| b.is_ascii_alphanumeric(), char::is_alphanumeric)
            .collect();
    for (i, first) in words.iter().enumerate() {
        let Some(mut spelt) = strip(label, first) else {
            continue;
        };
        if first.len() >= 5 && first.starts_with(|c: char| c.is_ascii_uppercase()) {
            return true;
        }
        for next in &words[i + 1..] {
            if spelt >= label.len() {
                break;
            }
            match strip(&label[spelt..], next) {
                Some(n) => spelt += n,
                None => break,
            }
        }
        if spelt == label.len() {
            return true;
        }
    }
    false
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
        // A later whole-word occurrence counts after an earlier one inside a word; a word is
        // told apart from non-ASCII letters around it.
        assert!(mentions_any("Ridgeback dogs at Ridge Farm.", &words));
        assert!(!mentions_any("éRidge Ridgeé", &words));
        assert!(site_name_as_actor(
            "Meet Ridgeline? No: Ridge's team.",
            &words
        ));
        let plain = "no footer here";
        assert_eq!(
            copyright_block(plain, &TextSegmenter::default().segment_text(plain)),
            None
        );
        assert!(site_name_words(None).is_empty());
    }

    #[test]
    fn the_host_names_the_site() {
        let label = host_label(Some("https://www.makemoremusic.uk/why-us/")).unwrap();
        assert_eq!(label, "makemoremusic");
        assert!(mentions_host("Why choose Make More Music?", &label));
        assert!(!mentions_host("Make more of your music.", "makemoremusicx"));
        let label = host_label(Some("https://armouryfitness.ca/stories")).unwrap();
        assert!(mentions_host("I joined the Armoury in May.", &label));
        assert!(!mentions_host("the armoury was old", &label));
        assert_eq!(
            host_label(Some("https://acme.co.uk/")).as_deref(),
            Some("acme")
        );
        assert_eq!(
            host_label(Some("https://ring.com/")).as_deref(),
            Some("ring")
        );
        assert!(!mentions_host("During the day", "ring"));
        assert_eq!(host_label(Some("https://ab.com/")), None);
        assert_eq!(host_label(None), None);
    }
}
