//! Regex cues of a unit: phone numbers, prices, URLs, copyright, calls to action, disclaimers,
//! bylines, author boxes, offers, navigation, "At `<Name>`" and citation marks, answered by one
//! scan of the unit (and a second regex for the disclaimer cue's "accessible … website"
//! windows); and the imperative verbs that open a call to action.

use super::schema::Dense;
use regex::{Regex, RegexSet, RegexSetBuilder};
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

/// All cues in one set: one scan of a unit answers every cue, where a regex per cue scanned
/// the unit a dozen times. The patterns are constants, so building cannot fail at run time
/// (every test that extracts features builds it).
static CUES: LazyLock<RegexSet> = LazyLock::new(|| {
    RegexSetBuilder::new(CUE_PATTERNS)
        // The lazy DFA of a dozen alternations searched for all at once outgrows the default
        // cache on real pages and keeps rebuilding its states: twice as slow (measured on the
        // extracted lines of 732 real pages, 8.8 MB). The cache grows only as far as needed.
        .dfa_size_limit(CUE_DFA_CACHE_BYTES)
        .build()
        .expect("valid cue patterns")
});

/// Most memory the cue set's lazy DFA may use, per thread.
const CUE_DFA_CACHE_BYTES: usize = 8 << 20;

/// The rest of the disclaimer cue: "accessible" within a sentence of "website", either way
/// round. Kept out of [`CUES`]: in the set, each `[^.]{0,60}` window multiplies the lazy DFA's
/// states by the other patterns' and the cache keeps rebuilding them.
static SITE_ACCESSIBILITY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(?-u:\b)(?:(?:web ?site|site)(?-u:\b)[^.]{0,60}(?-u:\b)accessib[a-z]*|accessib[a-z]*(?-u:\b)[^.]{0,60}(?-u:\b)web ?site)(?-u:\b)",
    )
    .expect("valid pattern")
});

/// The copyright cue alone, to find the copyright line of a page.
pub(super) static COPYRIGHT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(CUE_PATTERNS[Cue::Copyright as usize]).expect("valid pattern"));

cues! {
    // ASCII classes and word boundaries keep the regex crate on its fast DFA: a Unicode `\b`
    // makes it fall back to a slower engine on non-ASCII text.
    Phone => r"(?:\+?1[ .-]?)?\(?[0-9]{3}\)?[ .-][0-9]{3}[ .-][0-9]{4}|(?-u:\b)[0-9]{3,4}[ -][0-9]{3}[ -][0-9]{3,4}(?-u:\b)",
    Price => r"[$£€] ?[0-9]|[0-9] ?(?:USD|EUR|GBP)(?-u:\b)|(?i)(?-u:\b)free(?-u:\b)",
    Url => r"(?i)https?://|www\.|(?-u:\b)[A-Za-z0-9_.-]+@[A-Za-z0-9_-]+\.[A-Za-z]|\.(?:com|org|net|example)(?-u:\b)",
    Copyright => r"(?i)©|\(c\) *[0-9]|copyright|all rights reserved",
    CallToAction => r"(?i)(?-u:\b)(?:call (?:us|now|today)|contact us|book (?:now|online|an?|your)|schedule (?:an?|your)|sign up|subscribe|get started|request (?:an?|your)|free (?:consultation|trial|assessment)|learn more|order now|buy now|shop now|download|our (?:team|clinic|clinicians|specialists|staff|program)|we (?:offer|provide|accept|can help)|insurance|by submitting|fill out (?:the|this|our) form|to be contacted|accredited by)(?-u:\b)",
    // Standard disclaimers, review notes and the site's own notices (accessibility statements,
    // cookie banners): boilerplate by the annotation guideline. An accessibility statement is
    // told by its vocabulary (WCAG, screen readers, assistive technology, keyboard navigation)
    // or by "accessible" within a sentence of "website"; plain "accessibility" is not enough (it
    // is a product's feature or a programme's name as often as a notice).
    Disclaimer => r"(?i)(?-u:\b)(?:wcag|screen[- ]?readers?|assistive technolog(?:y|ies)|keyboard[- ](?:only )?navigation|accessibility (?:statement|interface|panel|widget|menu|adjustments|profile|guidelines|standards)|digital accessibility|(?:web ?site|this site) (?:uses|use of) cookies|we use cookies|by (?:using|continuing to (?:use|browse)) (?:this|our) (?:web ?)?site|cookie (?:policy|settings|preferences)|not (?:intended (?:as|to be) |a substitute for )?(?:professional )?(?:medical|legal|financial)(?: [a-z]+)? advice|(?:general )?informational purposes|information only|not been evaluated by the food|not intended to diagnose|does not endorse|results (?:may )?vary|in exchange for an? (?:honest|free)|strives to ensure|always read the (?:label|leaflet)|seek (?:immediate )?medical (?:attention|help)|if you are experiencing a medical emergency|call 911|disclaimer|important note)(?-u:\b)",
    // Bylines, review lines and credits.
    Byline => r"^(?:(?i:about the author|written by|medically reviewed|reviewed by|fact[- ]checked|last (?:updated|reviewed)|updated on|published|photo(?:graph)?:|image:|credit:|sources?:|illustration)|By [A-Z][a-z]+ [A-Z])",
    // Author boxes, corrections and encyclopedia hatnotes.
    AuthorBio => r"(?i)(?-u:\b)(?:is a (?:board[- ]certified|licensed|registered|certified|freelance|staff|senior) |graduate of|has (?:practiced|worked|written|reported|covered)|correction:|editor'?s note|redirects here|this article is about)",
    // Offers, prices, guarantees, trust badges, insurance and newsletter pitches.
    Offer => r"(?i)% off|★|(?-u:\b)(?:discount|coupon|promo code|use code|limited[- ]time|free shipping|money[- ]back|guarantee[ds]?|risk[- ]free|best[- ]selling|top[- ]rated|award[- ]winning|5[- ]star|trusted by|join (?:over|more than)|[0-9][0-9,]*\+? (?:patients|clients|customers|members|reviews)|same[- ](?:day|week)|in[- ]network|(?:we )?accept (?:most )?(?:major )?(?:insurance|ppo)|financing|payment plans?|newsletter|inbox|testimonials?|add to cart|buy|subscribe (?:&|and) save)(?-u:\b)",
    // Site furniture: navigation, account, sharing and legal links, form mechanics.
    Navigation => r"(?i)(?-u:\b)(?:skip to|home|menu|search|log ?in|sign ?in|my account|cart|basket|privacy(?: policy)?|terms(?: of use| of service)?|cookies?|sitemap|site map|share|print|tags?:|related|read more|next|previous|comments?|reply|back to top|top of page|follow us|all rights reserved|this field|required fields?|fields? marked|left unchanged|captcha)(?-u:\b)",
    AtName => r"^At [A-Z]",
    // Testimonials and reviews: praise of a service or a person, recommendations, ratings.
    Praise => r"(?i)(?-u:\b)(?:highly recommend|would recommend|(?:can't|cannot|can not) recommend|recommend (?:him|her|them|this|it|you)|thank you|thanks to|so grateful|so happy|life[- ]changing|changed my life|amazing|fantastic|wonderful|outstanding|incredible|phenomenal|exceeded|couldn't be happier|could not be happier|pleased with|helped me|helped us|i love|we love|loved (?:it|the|my|our)|five stars|[1-5](?:\.[0-9])? (?:out of 5|stars?)|rated [0-9]|verified (?:buyer|purchase|customer)|reviews?)(?-u:\b)|[0-9](?:\.[0-9])? ?/ ?5(?-u:\b)",
    // A quote's attribution: "— Jane D.", "- Mark, Leeds", "” – Sam".
    Attribution => r#"^\s*[—–~] ?[A-Z]|^\s*- [A-Z][a-z]+(?:,| [A-Z]\.?$)|[”"] ?[—–-] ?[A-Z][a-z]+"#,
    Citation => r"\[\d+\]",
}

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
    let cues = CUES.matches(unit_text);
    for (cue, column) in CUE_COLUMNS {
        row[column] = flag(cues.matched(cue as usize));
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
