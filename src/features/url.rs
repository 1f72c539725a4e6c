//! Page keys from the page's address: what the page is for often shows in its path
//! (`/testimonials/`, `/blog/`, `/product/`, `/services/`, `/news/`) and in its host's suffix
//! (`.gov`, `.edu`). The keys go into the lexicon like words, so which of them mean selling
//! is learned from the training pages; a page without a URL has none.

use crate::hash::{fnv1a_key, FNV_OFFSET};

/// Namespaces of the keys (kept apart from token n-grams and DOM keys by their own seeds).
const PATH_WORD: u64 = 0x7572_6c5f_7061_7468; // "url_path"
const SUFFIX: u64 = 0x7572_6c5f_7466_6978; // "url_tfix"
const SHAPE: u64 = 0x7572_6c5f_7368_6170; // "url_shap"

/// Lexicon keys of a URL: its path's words (lower-case, letters only, 2 to 24 letters, at most
/// 12), the host's last label, and the path's depth (0, 1, 2, 3+).
pub fn url_keys(url: Option<&str>) -> Vec<u32> {
    let Some(url) = url else {
        return Vec::new();
    };
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
    let host = host.split(':').next().unwrap_or("").to_ascii_lowercase();
    let path = path.split(['?', '#']).next().unwrap_or("");
    let mut keys = Vec::new();
    if let Some(suffix) = host.rsplit('.').next().filter(|s| !s.is_empty()) {
        keys.push(key(SUFFIX, suffix));
    }
    let depth = path.split('/').filter(|s| !s.is_empty()).count();
    keys.push(key(SHAPE, &depth.min(3).to_string()));
    let mut words = 0;
    for word in path
        .split(|c: char| !c.is_ascii_alphabetic())
        .filter(|w| (2..=24).contains(&w.len()))
    {
        if words == 12 {
            break;
        }
        let k = key(PATH_WORD, &word.to_ascii_lowercase());
        if !keys.contains(&k) {
            keys.push(k);
            words += 1;
        }
    }
    keys
}

const PAGE_TYPE: u64 = 0x7061_6765_5f74_7970; // "page_typ"

/// Lexicon keys of the page types its HTML metadata declares (`og:product`, `ld:dentist`:
/// schema.org's vocabulary is shared across sites, so it says what a new site's page is for).
pub fn page_type_keys(types: &[String]) -> Vec<u32> {
    types.iter().map(|t| key(PAGE_TYPE, t)).collect()
}

/// FNV-1a of a namespace and a string, folded to 32 bits (the namespace is the starting state's
/// XOR, without the extra step the other key families take).
fn key(namespace: u64, s: &str) -> u32 {
    fnv1a_key(FNV_OFFSET ^ namespace, s.bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_words_suffix_and_depth() {
        let a = url_keys(Some(
            "https://www.clinic.example/why-us/Testimonials/?page=2#top",
        ));
        let b = url_keys(Some("http://other.example:8080/testimonials"));
        assert!(a.contains(&key(PATH_WORD, "testimonials")));
        assert!(b.contains(&key(PATH_WORD, "testimonials")));
        assert!(a.contains(&key(PATH_WORD, "why")) && a.contains(&key(PATH_WORD, "us")));
        assert!(
            !a.contains(&key(PATH_WORD, "page")),
            "the query is not the path"
        );
        assert!(a.contains(&key(SUFFIX, "example")));
        assert!(a.contains(&key(SHAPE, "2")) && b.contains(&key(SHAPE, "1")));
        assert_eq!(url_keys(None), Vec::<u32>::new());
        let root = url_keys(Some("https://nih.gov"));
        assert_eq!(root, vec![key(SUFFIX, "gov"), key(SHAPE, "0")]);
    }
}
