//! Turns the built-in model's lexicons into a binary form the binary embeds (see
//! `src/bundle/mod.rs`): parsing `models/default/model.json`'s 600,000 JSON number arrays was half of
//! every start-up. The numbers are parsed here by the same `serde_json` the library uses, in the
//! same way (`f32` read as `f64`, then narrowed), and written as their bits, so the lexicon is the
//! one the JSON gives (a test checks it). The rest of each file is kept as JSON, with the
//! lexicon's arrays left empty.
//!
//! Writes into `OUT_DIR`: `model.json` and `content.json` (stripped) and `model.lexicon` and
//! `content.lexicon` (the lexicons in `Lexicon::from_binary`'s form).
//!
//! It also compiles the cue patterns (`src/features/cue_patterns.rs`) into one dense DFA and
//! writes it as `cues.dfa`, which `src/features/cues.rs` embeds: a lazy DFA built the same
//! states at run time, on every run, as real pages met them.

use regex_automata::dfa::dense;
use regex_automata::MatchKind;
use serde::Deserialize;
use serde_json::value::RawValue;
use std::collections::HashMap;
use std::path::Path;

/// Labels per weight array (`Label::COUNT`).
const K: usize = 3;
/// `pagesift::lexicon::BINARY_MAGIC`.
const MAGIC: &[u8; 8] = b"PSLEX\x002\n";
/// What the stripped files' lexicons are replaced with.
const EMPTY_LEXICON: &str = r#"{"keys":[],"weights":[]}"#;

/// `src/lexicon.rs`'s `LexiconFile`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LexiconFile {
    keys: Vec<u32>,
    weights: Vec<[f32; K]>,
    #[serde(default)]
    model_keys: Vec<u32>,
    #[serde(default)]
    model_weights: Vec<[f32; K]>,
    #[serde(default)]
    model_bias: [f32; K],
}

/// `src/lexicon.rs`'s `KeyHasher::write_u32`.
fn key_hash(key: u32) -> u64 {
    u64::from(key).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// The buckets of a `hashbrown` table made for `n` entries (`capacity_to_buckets`): the order
/// written only makes filling the table faster, never changes what is in it.
fn buckets(n: usize) -> usize {
    if n < 4 {
        4
    } else if n < 8 {
        8
    } else {
        (n * 8 / 7).next_power_of_two()
    }
}

/// `Lexicon::from_binary`'s form: the entries with their model weights joined (zeros for a key
/// without), in the order of their home bucket in the table they go into.
fn binary(lexicon: &LexiconFile) -> Vec<u8> {
    assert_eq!(lexicon.keys.len(), lexicon.weights.len());
    assert_eq!(lexicon.model_keys.len(), lexicon.model_weights.len());
    let mut model: HashMap<u32, [f32; K]> = HashMap::new();
    for (&k, &w) in lexicon.model_keys.iter().zip(&lexicon.model_weights) {
        assert!(model.insert(k, w).is_none(), "a model key is listed twice");
    }
    let mut entries: Vec<(u32, [f32; K], [f32; K])> = lexicon
        .keys
        .iter()
        .zip(&lexicon.weights)
        .map(|(&k, &nb)| (k, nb, model.remove(&k).unwrap_or([0.0; K])))
        .collect();
    assert!(
        model.is_empty(),
        "a model key of the lexicon has no lexicon entry"
    );
    let mask = buckets(entries.len()) as u64 - 1;
    entries.sort_by_key(|&(k, _, _)| (key_hash(k) & mask, k));
    let mut out = MAGIC.to_vec();
    let mut put = |w: u32| out.extend_from_slice(&w.to_le_bytes());
    put(entries.len() as u32);
    for (k, nb, model) in &entries {
        put(*k);
        nb.iter().chain(model).for_each(|w| put(w.to_bits()));
    }
    lexicon.model_bias.iter().for_each(|w| put(w.to_bits()));
    out
}

/// Splits the JSON file `name` of the default model into the file without its lexicon's arrays
/// and the binary lexicon.
fn split(name: &str, out_dir: &Path) {
    let path = Path::new("models/default").join(format!("{name}.json"));
    println!("cargo::rerun-if-changed={}", path.display());
    let text = std::fs::read_to_string(&path).expect("the default model's files are readable");
    let fields: HashMap<&str, &RawValue> =
        serde_json::from_str(&text).expect("the default model's files are JSON objects");
    let raw = fields[&"lexicon"].get();
    let lexicon: LexiconFile = serde_json::from_str(raw).expect("the lexicon parses");
    let start = raw.as_ptr() as usize - text.as_ptr() as usize;
    let stripped = format!(
        "{}{EMPTY_LEXICON}{}",
        &text[..start],
        &text[start + raw.len()..]
    );
    std::fs::write(out_dir.join(format!("{name}.json")), stripped).expect("OUT_DIR is writable");
    std::fs::write(out_dir.join(format!("{name}.lexicon")), binary(&lexicon))
        .expect("OUT_DIR is writable");
}

/// `src/features/cues.rs`'s macro, reduced to the pattern list.
macro_rules! cues {
    ($($(#[$doc:meta])* $name:ident => $pattern:expr,)*) => {
        const CUE_PATTERNS: &[&str] = &[$($pattern),*];
    };
}

include!("src/features/cue_patterns.rs");

/// Compiles the cue patterns into one dense DFA that reports every pattern that matches
/// (overlapping search), serialized in the target's byte order.
fn cue_dfa(out_dir: &Path) {
    println!("cargo::rerun-if-changed=src/features/cue_patterns.rs");
    let dfa = dense::Builder::new()
        .configure(
            dense::Config::new()
                .match_kind(MatchKind::All)
                // The default limits are for patterns given at run time; these are ours.
                .dfa_size_limit(Some(256 << 20))
                .determinize_size_limit(Some(256 << 20)),
        )
        .build_many(CUE_PATTERNS)
        .expect("the cue patterns compile into a DFA");
    let big_endian = std::env::var("CARGO_CFG_TARGET_ENDIAN").is_ok_and(|e| e == "big");
    let (bytes, pad) = if big_endian {
        dfa.to_bytes_big_endian()
    } else {
        dfa.to_bytes_little_endian()
    };
    std::fs::write(out_dir.join("cues.dfa"), &bytes[pad..]).expect("OUT_DIR is writable");
}

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    let out_dir = std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR");
    let out_dir = Path::new(&out_dir);
    split("model", out_dir);
    split("content", out_dir);
    cue_dfa(out_dir);
}
