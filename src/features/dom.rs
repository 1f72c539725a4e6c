//! DOM features of a unit, from the block it sits in: landmarks around it, its element, link
//! density, images, and cue words in `class`/`id` names. Text pages have all of them at zero
//! (`is_html` tells the model which case it is in). The `class`/`id` words, element path and
//! landmarks are also keys for the lexicon, so names the fixed cues miss are learned from data.

use super::schema::{Dom, DOM_FEATURES};
use crate::hash::{fnv1a_key, fnv1a_seeded};
use crate::html::dom::landmark;
use crate::html::BlockContext;

/// Which cue list a `class`/`id` word is on, as a bit: [`BOILERPLATE_CUE`], [`PROMOTION_CUE`],
/// [`CONTENT_CUE`] or none. A `match` compiles to a switch on the length, so a block's words
/// cost a few comparisons each, where scanning word lists cost dozens.
fn class_cue(word: &str) -> u8 {
    match word {
        "footer" | "nav" | "navbar" | "menu" | "cookie" | "cookies" | "consent" | "breadcrumb"
        | "breadcrumbs" | "sidebar" | "widget" | "share" | "social" | "copyright" | "legal"
        | "skip" | "toc" | "byline" | "author" | "meta" | "tags" | "related" | "pagination"
        | "masthead" | "topbar" | "utility" | "caption" | "disclaimer" | "comments" | "comment" => {
            BOILERPLATE_CUE
        }
        "promo" | "promotion" | "cta" | "ad" | "ads" | "advert" | "advertisement" | "sponsor"
        | "sponsored" | "banner" | "offer" | "offers" | "subscribe" | "newsletter" | "signup"
        | "book" | "booking" | "appointment" | "buy" | "cart" | "pricing" | "price" | "consult"
        | "consultation" | "lead" | "upsell" | "testimonial" | "testimonials" | "badge"
        | "badges" | "trust" | "hero" => PROMOTION_CUE,
        "article" | "content" | "post" | "entry" | "body" | "story" | "text" | "main" | "prose"
        | "faq" => CONTENT_CUE,
        _ => 0,
    }
}

const BOILERPLATE_CUE: u8 = 1;
const PROMOTION_CUE: u8 = 2;
const CONTENT_CUE: u8 = 4;

/// Fills the DOM columns of a unit in block `context` (`None`: a text page, whose columns stay
/// zero); `columns` is the row's DOM section, all zero.
pub(super) fn dom_columns(context: Option<&BlockContext>, columns: &mut [f32]) {
    debug_assert_eq!(columns.len(), DOM_FEATURES.len());
    let Some(c) = context else {
        return;
    };
    let flag = |b: bool| if b { 1.0 } else { 0.0 };
    columns[Dom::IsHtml.index()] = 1.0;
    for bit in 0..landmark::NAMES.len() {
        // The landmark columns follow the order of the landmark bits.
        columns[Dom::InNav.index() + bit] = flag(c.has(1 << bit));
    }
    let mut set = |column: Dom, value: f32| columns[column.index()] = value;
    let density = c.link_density();
    set(Dom::LinkDensity, density);
    set(Dom::AllLink, flag(density > 0.9));
    let tag = c.tag.as_str();
    let heading = matches!(tag, "h1" | "h2" | "h3" | "h4" | "h5" | "h6");
    let cell = matches!(tag, "td" | "th");
    let div = matches!(tag, "div" | "body" | "section" | "article" | "main");
    set(Dom::ElementP, flag(tag == "p"));
    set(Dom::ElementLi, flag(tag == "li"));
    set(Dom::ElementTableCell, flag(cell));
    set(Dom::ElementHeading, flag(heading));
    set(Dom::ElementDivOrBody, flag(div));
    set(Dom::ElementOption, flag(tag == "option"));
    set(
        Dom::ElementOther,
        flag(!(heading || cell || div || matches!(tag, "p" | "li" | "option"))),
    );
    set(Dom::HasImage, flag(c.images > 0));
    set(Dom::Depth, c.depth.min(40) as f32 / 40.0);
    let cues = c
        .attribute_tokens
        .iter()
        .fold(0, |bits, t| bits | class_cue(t));
    set(Dom::ClassBoilerplateCue, flag(cues & BOILERPLATE_CUE != 0));
    set(Dom::ClassPromotionCue, flag(cues & PROMOTION_CUE != 0));
    set(Dom::ClassContentCue, flag(cues & CONTENT_CUE != 0));
}

/// Lexicon keys of each block's DOM context: its element, path, landmarks, class/id words and
/// link-density band, each hashed in its own namespace. The blocks under the same open elements share one list of
/// class/id words (dozens of words on many pages), whose keys are hashed once.
pub(super) fn dom_keys_of(blocks: &[BlockContext]) -> Vec<Vec<u32>> {
    let mut shared: Option<(&BlockContext, Vec<u32>)> = None;
    blocks
        .iter()
        .map(|context| {
            let same_words = shared.as_ref().is_some_and(|(previous, _)| {
                previous
                    .attribute_tokens
                    .same_list(&context.attribute_tokens)
            });
            if !same_words {
                shared = Some((context, word_keys(context)));
            }
            let (_, words) = shared.as_ref().expect("set above");
            dom_keys_with(context, words)
        })
        .collect()
}

/// The keys of a block's class/id words.
fn word_keys(context: &BlockContext) -> Vec<u32> {
    context
        .attribute_tokens
        .iter()
        .map(|token| hash_str(b'a', token))
        .collect()
}

fn dom_keys_with(context: &BlockContext, word_keys: &[u32]) -> Vec<u32> {
    let mut keys = Vec::with_capacity(word_keys.len() + 20);
    keys.push(hash_str(b't', &context.tag));
    keys.push(hash_str(b'p', &context.path));
    for (bit, name) in landmark::NAMES.iter().enumerate() {
        if context.has(1 << bit) {
            keys.push(hash_str(b'l', name));
        }
    }
    keys.extend_from_slice(word_keys);
    let band = (context.link_density() * 4.0).round() as u8;
    const BANDS: [&str; 5] = ["0", "1", "2", "3", "4"];
    match BANDS.get(usize::from(band)) {
        Some(name) => keys.push(hash_str(b'd', name)),
        None => keys.push(hash_str(b'd', &band.to_string())),
    }
    keys
}

/// FNV-1a of a string in a namespace (the namespaces keep DOM keys apart from token keys).
fn hash_str(namespace: u8, text: &str) -> u32 {
    fnv1a_key(fnv1a_seeded(u64::from(namespace) << 8 | 0xD0), text.bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::html::AttributeWords;

    #[test]
    fn a_row_has_one_value_per_name_and_text_pages_are_zero() {
        let mut row = vec![0.0; DOM_FEATURES.len()];
        dom_columns(None, &mut row);
        assert_eq!(row, vec![0.0; DOM_FEATURES.len()]);
        let context = BlockContext {
            tag: "li".into(),
            landmarks: landmark::FOOTER | landmark::LIST,
            attribute_tokens: AttributeWords::from_words(["footer", "cta"]),
            link_bytes: 10,
            text_bytes: 10,
            ..BlockContext::default()
        };
        dom_columns(Some(&context), &mut row);
        assert_eq!(row.len(), DOM_FEATURES.len());
        let value = |name: &str| row[DOM_FEATURES.iter().position(|n| *n == name).unwrap()];
        assert_eq!(value("is_html"), 1.0);
        assert_eq!(value("in_footer"), 1.0);
        assert_eq!(value("in_nav"), 0.0);
        assert_eq!(value("all_link"), 1.0);
        assert_eq!(value("element_li"), 1.0);
        assert_eq!(value("class_promotion_cue"), 1.0);
        assert_eq!(value("class_content_cue"), 0.0);
        // A block under the same elements shares the word list; one elsewhere has its own.
        let sibling = BlockContext {
            link_bytes: 0,
            ..context.clone()
        };
        let elsewhere = BlockContext {
            attribute_tokens: AttributeWords::from_words(["cta", "footer"]),
            ..sibling.clone()
        };
        let keys = dom_keys_of(&[context, sibling, elsewhere]);
        assert_eq!(keys[0].len(), 2 + 2 + 2 + 1);
        assert_ne!(keys[0], keys[1], "the link-density band differs");
        assert_eq!(keys[0][..6], keys[1][..6]);
        assert_eq!(keys[1], keys[2]);
        assert_ne!(hash_str(b'a', "footer"), hash_str(b'l', "footer"));
    }
}
