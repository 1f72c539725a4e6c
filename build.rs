//! Turns the built-in model's lexicons into a binary form the binary embeds (see
//! `src/bundle.rs`): parsing `models/default/model.json`'s 600,000 JSON number arrays was half of
//! every start-up. The numbers are parsed here by the same `serde_json` the library uses, in the
//! same way (`f32` read as `f64`, then narrowed), and written as their bits, so the lexicon is the
//! one the JSON gives (a test checks it). The rest of each file is kept as JSON, with the
//! lexicon's arrays left empty.
//!
//! Writes into `OUT_DIR`: `model.json` and `content.json` (stripped) and `model.lexicon` and
//! `content.lexicon` (the lexicons in `Lexicon::from_binary`'s form).

use serde::Deserialize;
use serde_json::value::RawValue;
use std::collections::HashMap;
use std::path::Path;

/// Labels per weight array (`Label::COUNT`).
const K: usize = 3;
/// `pagesift::lexicon::BINARY_MAGIC`.
const MAGIC: &[u8; 8] = b"PSLEX\x001\n";
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

fn binary(lexicon: &LexiconFile) -> Vec<u8> {
    let mut out = MAGIC.to_vec();
    let mut put = |w: u32| out.extend_from_slice(&w.to_le_bytes());
    put(lexicon.keys.len() as u32);
    put(lexicon.model_keys.len() as u32);
    lexicon.keys.iter().for_each(|&k| put(k));
    lexicon
        .weights
        .iter()
        .flatten()
        .for_each(|w| put(w.to_bits()));
    lexicon.model_keys.iter().for_each(|&k| put(k));
    lexicon
        .model_weights
        .iter()
        .flatten()
        .for_each(|w| put(w.to_bits()));
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

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    let out_dir = std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR");
    let out_dir = Path::new(&out_dir);
    split("model", out_dir);
    split("content", out_dir);
}
