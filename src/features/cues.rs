//! Regex cues of a unit: phone numbers, prices, URLs, copyright, calls to action, disclaimers,
//! bylines, author boxes, offers, navigation, "At `<Name>`" and citation marks, answered by one
//! scan of the unit (and a second regex for the disclaimer cue's "accessible … website"
//! windows); and the imperative verbs that open a call to action.

use super::schema::Dense;
use regex::Regex;
use regex_automata::dfa::{dense::DFA, Automaton, OverlappingState};
use regex_automata::Input;
use std::sync::LazyLock;

/// Declares the cue patterns: a [`Cue`] index for each, and its pattern in [`CUE_PATTERNS`].
macro_rules! cues {
    ($($(#[$doc:meta])* $name:ident => $pattern:expr,)*) => {
        /// The cue patterns, matched in one pass over a unit by [`CUES`].
        #[derive(Debug, Clone, Copy)]
        pub(super) enum Cue { $($name),* }
        const CUE_PATTERNS: &[&str] = &[$($pattern),*];
    };
}

/// All cues in one deterministic automaton, compiled by `build.rs` from the same patterns: one
/// scan of a unit answers every cue. The regex crate's set of the same patterns builds its
/// automaton's states lazily, as text needs them; on real pages it kept meeting new ones, and
/// building them was 2-3 % of `label`'s time. Built ahead, the states cost nothing at run time
/// (the table is 14 MB of the binary; `from_bytes` checks it in a few milliseconds).
static CUES: LazyLock<DFA<&'static [u32]>> = LazyLock::new(|| {
    DFA::from_bytes(&CUES_DFA.bytes)
        .expect("build.rs wrote the cue DFA for this target")
        .0
});

/// The serialized cue DFA, aligned as `DFA::from_bytes` needs (the `include_bytes!` recipe of
/// `regex_automata::dfa::dense::DFA::from_bytes`'s documentation).
#[repr(C)]
struct Aligned<B: ?Sized> {
    _align: [u32; 0],
    bytes: B,
}

static CUES_DFA: &Aligned<[u8]> = &Aligned {
    _align: [],
    bytes: *include_bytes!(concat!(env!("OUT_DIR"), "/cues.dfa")),
};

/// The cues a unit matches, one bit per [`Cue`]: every match of every pattern, overlapping
/// (the patterns' matches may overlap one another, so a leftmost-first scan would miss some).
fn matched_cues(unit_text: &str) -> u32 {
    let dfa = &*CUES;
    let input = Input::new(unit_text);
    let mut state = OverlappingState::start();
    let mut matched = 0u32;
    let all = (1u32 << CUE_PATTERNS.len()) - 1;
    loop {
        // The DFA has no quit bytes and an unanchored start state: the search cannot fail.
        let searched = dfa.try_search_overlapping_fwd(&input, &mut state);
        debug_assert!(searched.is_ok(), "cue search failed: {searched:?}");
        match (searched, state.get_match()) {
            (Ok(()), Some(m)) => matched |= 1 << m.pattern().as_usize(),
            _ => return matched,
        }
        if matched == all {
            return matched;
        }
    }
}

/// The rest of the disclaimer cue: "accessible" within a sentence of "website", either way
/// round. Kept out of [`CUES`]: each `[^.]{0,60}` window multiplies the automaton's states by
/// the other patterns'.
static SITE_ACCESSIBILITY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(?-u:\b)(?:(?:web ?site|site)(?-u:\b)[^.]{0,60}(?-u:\b)accessib[a-z]*|accessib[a-z]*(?-u:\b)[^.]{0,60}(?-u:\b)web ?site)(?-u:\b)",
    )
    .expect("valid pattern")
});

/// The copyright cue alone, to find the copyright line of a page.
pub(super) static COPYRIGHT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(CUE_PATTERNS[Cue::Copyright as usize]).expect("valid pattern"));

include!("cue_patterns.rs");

/// Words that start a call to action when they open a sentence.
const IMPERATIVES: &[&str] = &[
    "call",
    "book",
    "schedule",
    "contact",
    "get",
    "sign",
    "download",
    "learn",
    "subscribe",
    "join",
    "try",
    "request",
    "start",
    "visit",
    "order",
    "buy",
    "shop",
    "click",
    "find",
    "discover",
    "save",
    "claim",
    "register",
    "enroll",
    "apply",
    "text",
    "chat",
    "take",
    "don't",
    "reserve",
    "speak",
];

/// The dense column each cue answers.
const CUE_COLUMNS: [(Cue, Dense); 14] = [
    (Cue::Phone, Dense::HasPhoneNumber),
    (Cue::Price, Dense::HasPrice),
    (Cue::Url, Dense::HasUrlOrEmail),
    (Cue::Copyright, Dense::HasCopyright),
    (Cue::CallToAction, Dense::HasCallToActionPhrase),
    (Cue::Citation, Dense::HasCitationMark),
    (Cue::AtName, Dense::StartsWithAtName),
    (Cue::Disclaimer, Dense::HasDisclaimerPhrase),
    (Cue::Byline, Dense::HasBylineOrCreditPhrase),
    (Cue::AuthorBio, Dense::HasAuthorBioPhrase),
    (Cue::Offer, Dense::HasOfferOrTrustPhrase),
    (Cue::Navigation, Dense::HasNavigationPhrase),
    (Cue::Praise, Dense::HasPraiseOrRating),
    (Cue::Attribution, Dense::HasAttribution),
];

/// Fills the cue columns of a unit's row: one flag per cue, and whether it opens with an
/// imperative verb.
pub(super) fn cue_columns(unit_text: &str, row: &mut [f32]) {
    let flag = |b: bool| if b { 1.0 } else { 0.0 };
    let cues = matched_cues(unit_text);
    for (cue, column) in CUE_COLUMNS {
        row[column] = flag(cues & (1 << cue as usize) != 0);
    }
    if row[Dense::HasDisclaimerPhrase] == 0.0 {
        row[Dense::HasDisclaimerPhrase] = flag(SITE_ACCESSIBILITY.is_match(unit_text));
    }
    row[Dense::StartsWithImperative] = flag(starts_with_imperative(unit_text));
}

/// Whether the unit's first word is one of [`IMPERATIVES`].
fn starts_with_imperative(unit_text: &str) -> bool {
    let first_word = unit_text
        .split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .find(|w| !w.is_empty())
        .unwrap_or_default();
    // The list is lower-case ASCII: an ASCII word compares without a lower-cased copy.
    if first_word.is_ascii() {
        IMPERATIVES
            .iter()
            .any(|w| w.eq_ignore_ascii_case(first_word))
    } else {
        IMPERATIVES.contains(&first_word.to_lowercase().as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The DFA build.rs compiled answers, for every pattern, what the pattern alone answers with
    /// the regex crate: on the repository's written pages, line by line and sentence by sentence,
    /// and on texts made to hit each cue.
    #[test]
    fn the_compiled_cues_match_where_their_patterns_do() {
        let patterns: Vec<Regex> = CUE_PATTERNS
            .iter()
            .map(|p| Regex::new(p).expect("valid pattern"))
            .collect();
        let mut texts: Vec<String> = [
            "Call (385) 685-1410 today! Only $49, 20% off, free shipping.",
            "© 2024 Clinic Name. All rights reserved. Privacy Policy | Terms of Use",
            "By Jane Smith, MD — Medically reviewed by Dr. Lee",
            "At Bright Smiles we accept most major insurance [12].",
            "— Sarah K., Leeds",
            "\u{a0}– Mark",
            "KELVIN \u{212a} and ſ: CALL NOW, BOOK ONLINE, Sign Up",
            "We use cookies. This website is not a substitute for professional medical advice.",
            "Rated 4.8 out of 5 by 1,200+ patients: highly recommend!",
            "Visit www.example.com or email info@example.org",
            "",
        ]
        .iter()
        .map(|t| t.to_string())
        .collect();
        let data = concat!(env!("CARGO_MANIFEST_DIR"), "/data");
        for file in ["seeds", "pages_a", "pages_b", "pages_c"] {
            let path = format!("{data}/{file}.gold.jsonl");
            let jsonl = std::fs::read_to_string(&path).expect("the written pages are in the repo");
            for line in jsonl.lines() {
                let page: serde_json::Value = serde_json::from_str(line).expect("gold JSON");
                let text = page["text"].as_str().unwrap_or_default();
                for line in text.lines() {
                    texts.extend(line.split_inclusive(". ").map(str::to_string));
                    texts.push(line.to_string());
                }
            }
        }
        assert!(texts.len() > 5_000, "{} texts", texts.len());
        let mut hits = vec![0usize; CUE_PATTERNS.len()];
        for text in &texts {
            let matched = matched_cues(text);
            for (i, pattern) in patterns.iter().enumerate() {
                let expected = pattern.is_match(text);
                assert_eq!(matched & (1 << i) != 0, expected, "cue {i} on {text:?}");
                hits[i] += usize::from(expected);
            }
        }
        // Every cue is exercised, so each comparison above is one that could fail.
        assert!(hits.iter().all(|&h| h > 0), "{hits:?}");
    }

    #[test]
    fn every_cue_has_its_column() {
        assert_eq!(CUE_COLUMNS.len(), CUE_PATTERNS.len());
        for (i, (cue, _)) in CUE_COLUMNS.iter().enumerate() {
            assert!(CUE_COLUMNS[..i]
                .iter()
                .all(|(c, _)| *c as usize != *cue as usize));
        }
        let mut row = vec![0.0; crate::features::schema::DENSE_FEATURES.len()];
        cue_columns("Call (385) 685-1410 today!", &mut row);
        assert_eq!(row[Dense::HasPhoneNumber], 1.0);
        assert_eq!(row[Dense::StartsWithImperative], 1.0);
        assert_eq!(row[Dense::HasPrice], 0.0);
    }

    #[test]
    fn testimonial_cues() {
        let cue = |text: &str, column: Dense| {
            let mut row = vec![0.0; crate::features::schema::DENSE_FEATURES.len()];
            cue_columns(text, &mut row);
            row[column] == 1.0
        };
        assert!(cue(
            "Josh is a wonderful teacher.",
            Dense::HasPraiseOrRating
        ));
        assert!(cue(
            "I would highly recommend the Armoury!",
            Dense::HasPraiseOrRating
        ));
        assert!(cue("Rated 4.8 out of 5", Dense::HasPraiseOrRating));
        assert!(!cue(
            "Vitamin D helps the body absorb calcium.",
            Dense::HasPraiseOrRating
        ));
        assert!(cue("— Sarah K., Leeds", Dense::HasAttribution));
        assert!(cue("“Best coaching ever.” – Mark", Dense::HasAttribution));
        assert!(!cue(
            "The dose - as a rule - is small.",
            Dense::HasAttribution
        ));
    }

    #[test]
    fn site_notices_are_disclaimers() {
        let disclaimer = |text: &str| {
            let mut row = vec![0.0; crate::features::schema::DENSE_FEATURES.len()];
            cue_columns(text, &mut row);
            row[Dense::HasDisclaimerPhrase] == 1.0
        };
        for notice in [
            "We aim to conform to the Web Content Accessibility Guidelines (WCAG 2.1) at level AA.",
            "These adjustments are compatible with all popular screen readers, including JAWS.",
            "This website utilizes various technologies that are meant to make it as accessible as possible.",
            "We use cookies to improve your browsing experience.",
            "By continuing to browse this site, you consent to our Cookie Policy.",
        ] {
            assert!(disclaimer(notice), "{notice}");
        }
        for prose in [
            "Accessibility Program grants help homeowners widen doorways.",
            "Braille and large print make books accessible to readers with low vision.",
            "Cookies are baked at 180 degrees for twelve minutes.",
        ] {
            assert!(!disclaimer(prose), "{prose}");
        }
    }
}
