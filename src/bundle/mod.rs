//! A model on disk: `tokenizer.json` (the `tokenizers` crate's own format) and `model.json`
//! (segmenter, feature options, classifier weights, transitions and what it was trained on).
//! The default model is compiled into the binary.

use crate::boost::Booster;
use crate::content::ContentModel;
use crate::decode::Transitions;
use crate::error::ModelError;
use crate::features::FeatureOptions;
use crate::lexicon::Lexicon;
use crate::model::Classifier;
use crate::segment::SegmentOptions;
use crate::tokenize::PageTokenizer;
use save::SaveTarget;
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::sync::Arc;

mod save;

/// Written in every `model.json`; a file with another format version is refused.
pub const MODEL_FORMAT_VERSION: u32 = 3;
const MODEL_FORMAT: &str = "pagesift-model";
/// The optional content model beside `model.json`.
pub const CONTENT_FILE: &str = "content.json";

/// What a model was trained on, recorded in `model.json`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainingInfo {
    /// The training files, as given.
    pub sources: Vec<String>,
    /// Gold pages trained on.
    pub pages: usize,
    /// Labelled units trained on.
    pub units: usize,
    /// The pagesift version that trained the model.
    pub pagesift_version: String,
}

/// The segmenter a model was trained with, tagged by type.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase", deny_unknown_fields)]
pub enum SegmenterConfig {
    /// The text segmenter, with its options.
    Text(SegmentOptions),
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ModelFile {
    format: String,
    version: u32,
    segmenter: SegmenterConfig,
    features: FeatureOptions,
    lexicon: Lexicon,
    classifiers: Vec<Classifier>,
    /// Boosted trees over the last stage's rows (models before 0.x have none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    booster: Option<Booster>,
    decoder: Transitions,
    trained_on: TrainingInfo,
}

/// The fields of `model.json` read before the rest.
#[derive(Deserialize)]
struct ModelHeader {
    format: Option<String>,
    version: Option<u64>,
}

/// Everything needed to label pages.
#[derive(Debug, Clone)]
pub struct ModelBundle {
    /// The subword tokenizer.
    pub tokenizer: PageTokenizer,
    /// The segmenter the model was trained with.
    pub segmenter: SegmenterConfig,
    /// The feature extractor's options.
    pub features: FeatureOptions,
    /// The lexicon the lexical columns are scored with.
    pub lexicon: Lexicon,
    /// The stacked stages: the first sees the unit's features, each later one also the
    /// neighbours' probabilities from the stage before.
    pub classifiers: Vec<Classifier>,
    /// Boosted trees over the last stage's rows, refining the units the linear stages are
    /// least sure of ([`crate::boost`]).
    pub booster: Option<Booster>,
    /// The decoder's transitions and class weights.
    pub transitions: Transitions,
    /// What the model was trained on.
    pub trained_on: TrainingInfo,
    /// The content model (`content.json`), when the model was trained with one.
    pub content: Option<Arc<ContentModel>>,
}

static DEFAULT_TOKENIZER: &str = include_str!("../../models/default/tokenizer.json");
// The built-in `model.json` and `content.json` as `build.rs` splits them: the JSON with the
// lexicons' arrays left empty, and the lexicons in binary (the same numbers, bit for bit; see
// `the_built_in_model_is_the_one_its_json_files_give`). Parsing the lexicons' 600,000 JSON number
// arrays was half of every start-up.
static DEFAULT_MODEL_STRIPPED: &str = include_str!(concat!(env!("OUT_DIR"), "/model.json"));
static DEFAULT_MODEL_LEXICON: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/model.lexicon"));
static DEFAULT_CONTENT_STRIPPED: &str = include_str!(concat!(env!("OUT_DIR"), "/content.json"));
static DEFAULT_CONTENT_LEXICON: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/content.lexicon"));
#[cfg(test)] // The files as they are, for the tests.
static DEFAULT_MODEL: &str = include_str!("../../models/default/model.json");
#[cfg(test)]
static DEFAULT_CONTENT: &str = include_str!("../../models/default/content.json");
#[cfg(test)] // Checked by a test, not at run time (see `ModelBundle::builtin`).
static DEFAULT_MANIFEST: &str = include_str!("../../models/default/manifest.json");

/// Lists every file of a model directory with its checksum; a file that was cut short, edited
/// or swapped for another model's no longer matches and the model is refused.
pub const MANIFEST_FILE: &str = "manifest.json";

/// FNV-1a, 64 bits: not a defence against forgery, a check against damage and hand edits.
fn checksum(bytes: &[u8]) -> String {
    format!("fnv1a64:{:016x}", crate::hash::fnv1a64(bytes))
}

/// The manifest for the files given as (name, content).
fn manifest(files: &[(&str, &str)]) -> String {
    let entries: serde_json::Map<String, serde_json::Value> = files
        .iter()
        .map(|(name, content)| (name.to_string(), checksum(content.as_bytes()).into()))
        .collect();
    serde_json::to_string_pretty(&serde_json::json!({
        "format": "pagesift-manifest",
        "files": entries,
    }))
    .expect("a map of strings serialises")
}

/// Checks every file the manifest lists (and that it lists every file present).
/// Checks `files` against their checksums in the manifest; `complete`: they are all it lists.
fn verify(
    place: &str,
    manifest: &str,
    files: &[(&str, &str)],
    complete: bool,
) -> Result<(), ModelError> {
    let format_err = |message: String| ModelError::Format {
        path: place.to_string(),
        message,
    };
    let value: serde_json::Value =
        serde_json::from_str(manifest).map_err(|e| format_err(format!("{MANIFEST_FILE}: {e}")))?;
    let listed = value["files"]
        .as_object()
        .ok_or_else(|| format_err(format!("{MANIFEST_FILE} has no \"files\"")))?;
    for (name, content) in files {
        let want = listed
            .get(*name)
            .and_then(|v| v.as_str())
            .ok_or_else(|| format_err(format!("{name} is not listed in {MANIFEST_FILE}")))?;
        if checksum(content.as_bytes()) != want {
            return Err(format_err(format!(
                "{name} does not match its checksum in {MANIFEST_FILE} (damaged, cut short or edited)"
            )));
        }
    }
    if let Some(missing) = listed
        .keys()
        .find(|k| complete && !files.iter().any(|(n, _)| n == k))
    {
        return Err(format_err(format!(
            "{missing} is listed in {MANIFEST_FILE} but missing"
        )));
    }
    Ok(())
}

/// One file of the model directory `dir`, or an error naming its path.
/// A model file larger than this is refused before it is read (the built-in model's largest
/// file is about 30 MB).
pub const MAX_MODEL_FILE_BYTES: u64 = 256 * 1024 * 1024;

fn read_model_file(dir: &Path, name: &str) -> Result<String, ModelError> {
    let path = dir.join(name);
    let io_err = |message: String| ModelError::Io {
        path: path.display().to_string(),
        message,
    };
    let size = std::fs::metadata(&path)
        .map_err(|e| io_err(e.to_string()))?
        .len();
    if size > MAX_MODEL_FILE_BYTES {
        return Err(io_err(format!(
            "{size} bytes, larger than the {MAX_MODEL_FILE_BYTES} bytes a model file may have"
        )));
    }
    std::fs::read_to_string(&path).map_err(|e| io_err(e.to_string()))
}

/// The lexicons of the built-in `model.json` and `content.json` in binary form (see
/// [`Lexicon::from_binary`]).
struct BinaryLexicons {
    model: &'static [u8],
    content: &'static [u8],
}

/// The lexicon of `bytes` (see [`Lexicon::from_binary`]), or an error naming `place` and `file`.
fn binary_lexicon(place: &str, file: &str, bytes: &[u8]) -> Result<Lexicon, ModelError> {
    Lexicon::from_binary(bytes).map_err(|e| ModelError::Format {
        path: place.to_string(),
        message: format!("{file}: {e}"),
    })
}

/// Parses `content.json`; `lexicon`: its lexicon in binary form, when the file's own is empty
/// (the built-in model's).
fn parse_content(
    place: &str,
    json: &str,
    lexicon: Option<&[u8]>,
) -> Result<Arc<ContentModel>, ModelError> {
    let format_err = |message: String| ModelError::Format {
        path: place.to_string(),
        message: format!("{CONTENT_FILE}: {message}"),
    };
    let mut model: ContentModel =
        serde_json::from_str(json).map_err(|e| format_err(e.to_string()))?;
    if let Some(bytes) = lexicon {
        model.set_lexicon(binary_lexicon(place, CONTENT_FILE, bytes)?);
    }
    model.check_width().map_err(format_err)?;
    Ok(Arc::new(model))
}

/// Why a bundle failed its checks: the feature options are refused, or a file's content.
enum Checked {
    Model(ModelError),
    Format(String),
}

/// The format and version of `model.json` alone (the rest of the file skipped, not built), so an
/// old or foreign file gets that error rather than a missing field's. Skipping still reads the
/// whole file, so this runs only when the full parse has failed (see `parse_model`).
fn check_header(model: &str) -> Result<(), String> {
    let header: ModelHeader =
        serde_json::from_str(model).map_err(|e| format!("model.json: {e}"))?;
    check_format(header.format.as_deref(), header.version)
}

/// The error for a `model.json` of another format or version, if it is one.
fn check_format(format: Option<&str>, version: Option<u64>) -> Result<(), String> {
    if format != Some(MODEL_FORMAT) {
        return Err("model.json has no \"format\": \"pagesift-model\"".into());
    }
    if version != Some(u64::from(MODEL_FORMAT_VERSION)) {
        return Err(format!(
            "model.json is format version {version:?}, this pagesift reads version {MODEL_FORMAT_VERSION}"
        ));
    }
    Ok(())
}

/// Parses `model.json`, with the errors of a header check made first: a file of another format
/// or version gets that error, whatever else is wrong with it. The full parse runs first and the
/// header is checked on its result; only a file that fails to parse is scanned again for its
/// header (scanning the 27 MB built-in model was an eighth of the start-up time).
fn parse_model(model: &str) -> Result<ModelFile, String> {
    match serde_json::from_str::<ModelFile>(model) {
        Ok(file) => {
            check_format(Some(&file.format), Some(u64::from(file.version)))?;
            Ok(file)
        }
        Err(e) => {
            check_header(model)?;
            Err(format!("model.json: {e}"))
        }
    }
}

impl ModelBundle {
    /// The built-in model (the files under `models/default/` at build time).
    ///
    /// Its files are compiled into the binary, so they are checked against their manifest by
    /// a test (`the_built_in_files_match_their_manifest`) instead of on every start: the check
    /// reads 7 MB a byte at a time, a quarter of the start-up time.
    pub fn builtin() -> Result<Self, ModelError> {
        Self::from_json(
            "<built-in model>",
            DEFAULT_TOKENIZER,
            DEFAULT_MODEL_STRIPPED,
            Some(DEFAULT_CONTENT_STRIPPED),
            Some(BinaryLexicons {
                model: DEFAULT_MODEL_LEXICON,
                content: DEFAULT_CONTENT_LEXICON,
            }),
        )
    }

    /// Loads `tokenizer.json` and `model.json` from `dir`.
    pub fn load(dir: &Path) -> Result<Self, ModelError> {
        let read = |name: &str| read_model_file(dir, name);
        let tokenizer = read("tokenizer.json")?;
        let model = read("model.json")?;
        let content = if dir.join(CONTENT_FILE).exists() {
            Some(read(CONTENT_FILE)?)
        } else {
            None
        };
        let mut files = vec![
            ("tokenizer.json", tokenizer.as_str()),
            ("model.json", model.as_str()),
        ];
        if let Some(content) = &content {
            files.push((CONTENT_FILE, content.as_str()));
        }
        verify(
            &dir.display().to_string(),
            &read(MANIFEST_FILE)?,
            &files,
            true,
        )?;
        Self::from_json(
            &dir.display().to_string(),
            &tokenizer,
            &model,
            content.as_deref(),
            None,
        )
    }

    /// The content model of the bundle in `dir` alone, checked against the manifest: a new
    /// 3-label model can be trained on it whatever features the rest of the bundle had.
    pub fn load_content(dir: &Path) -> Result<Arc<ContentModel>, ModelError> {
        let place = dir.display().to_string();
        let read = |name: &str| read_model_file(dir, name);
        let content = read(CONTENT_FILE)?;
        verify(
            &place,
            &read(MANIFEST_FILE)?,
            &[(CONTENT_FILE, &content)],
            false,
        )?;
        parse_content(&place, &content, None)
    }

    /// The bundle of the files' texts; `lexicons`: the lexicons of `model.json` and
    /// `content.json`, whose own are empty (the built-in model's).
    fn from_json(
        place: &str,
        tokenizer: &str,
        model: &str,
        content: Option<&str>,
        lexicons: Option<BinaryLexicons>,
    ) -> Result<Self, ModelError> {
        let format_err = |message: String| ModelError::Format {
            path: place.to_string(),
            message,
        };
        let (model_lexicon, content_lexicon) = match lexicons {
            Some(BinaryLexicons { model, content }) => (Some(model), Some(content)),
            None => (None, None),
        };
        // The three files parse side by side when there are threads to spare.
        let ((file, tokenizer), content) = rayon::join(
            || {
                rayon::join(
                    || {
                        let mut file = parse_model(model).map_err(format_err)?;
                        if let Some(bytes) = model_lexicon {
                            file.lexicon = binary_lexicon(place, "model.json", bytes)?;
                        }
                        Ok(file)
                    },
                    || {
                        PageTokenizer::from_json(tokenizer)
                            .map_err(|e| format_err(format!("tokenizer.json: {e}")))
                    },
                )
            },
            || {
                content
                    .map(|json| parse_content(place, json, content_lexicon))
                    .transpose()
            },
        );
        let file = file?;
        let bundle = ModelBundle {
            tokenizer: tokenizer?,
            segmenter: file.segmenter,
            features: file.features,
            lexicon: file.lexicon,
            classifiers: file.classifiers,
            booster: file.booster,
            transitions: file.decoder,
            trained_on: file.trained_on,
            content: content?,
        };
        bundle.check().map_err(|e| match e {
            Checked::Model(e) => e,
            Checked::Format(message) => format_err(message),
        })?;
        Ok(bundle)
    }

    /// Checks the classifier stages have the widths the feature options give, and every weight
    /// of the classifiers and the decoder is usable.
    fn check(&self) -> Result<(), Checked> {
        let expected = crate::features::FeatureExtractor::builder()
            .options(self.features)
            .build()
            .map_err(Checked::Model)?
            .width();
        for (stage, classifier) in self.classifiers.iter().enumerate() {
            let want = if stage == 0 {
                expected
            } else {
                expected + crate::features::NEIGHBOUR_COLUMNS
            };
            if classifier.width() != want {
                return Err(Checked::Format(format!(
                    "classifier stage {stage} has {} feature columns, the feature options give {want}",
                    classifier.width()
                )));
            }
        }
        if let Some(booster) = &self.booster {
            let want = self.classifiers.last().map_or(0, Classifier::width);
            if booster.width() != want {
                return Err(Checked::Format(format!(
                    "the boosted trees read {} columns, the last classifier stage has {want}",
                    booster.width()
                )));
            }
            booster.check().map_err(Checked::Format)?;
        }
        if self.classifiers.is_empty() {
            return Err(Checked::Format("model.json has no classifier".into()));
        }
        // Checksums only say a file is the one the manifest names, not that its numbers are
        // usable: a weight that is not finite would make every score NaN.
        if let Some(stage) = self.classifiers.iter().position(|c| !c.is_finite()) {
            return Err(Checked::Format(format!(
                "classifier stage {stage} has a weight that is not a finite number"
            )));
        }
        let t = &self.transitions;
        let finite = |rows: &[[f32; crate::types::Label::COUNT]]| {
            rows.iter().flatten().all(|v| v.is_finite())
        };
        if !(finite(&t.within_block)
            && finite(&t.across_blocks)
            && t.weight.is_finite()
            && t.weight >= 0.0
            && t.class_weights.iter().all(|w| w.is_finite() && *w > 0.0))
        {
            return Err(Checked::Format(
                "model.json: the decoder's transitions, weight or class weights are not finite \
                 positive numbers"
                    .into(),
            ));
        }
        Ok(())
    }

    /// Writes the model into `dir` whole: `tokenizer.json`, `model.json`, `content.json` when
    /// there is a content model, and `manifest.json`. They are written into a new temporary
    /// directory beside `dir`, which then replaces `dir` (the old directory is renamed away,
    /// the new one renamed in, the old one removed), so `dir` is never a mix of two models: a
    /// file of the old model that this one does not write (`content.json`, `TRAINED_ON.md`) is
    /// gone. An existing `dir` must be empty or a model directory (it has `model.json` or
    /// `manifest.json`); anything else is refused rather than replaced. A symbolic link is
    /// followed: the directory it points to is replaced.
    pub fn save(&self, dir: &Path) -> Result<(), ModelError> {
        let (tokenizer, model, content) = self.to_json()?;
        let mut files = vec![
            ("tokenizer.json", tokenizer.as_str()),
            ("model.json", model.as_str()),
        ];
        if let Some(content) = &content {
            files.push((CONTENT_FILE, content.as_str()));
        }
        let target = SaveTarget::of(dir)?;
        let staging = target.write_staging(&files)?;
        target.swap_in(staging)
    }

    /// The texts of `tokenizer.json`, `model.json` and `content.json` (when there is a content
    /// model).
    fn to_json(&self) -> Result<(String, String, Option<String>), ModelError> {
        let file = ModelFile {
            format: MODEL_FORMAT.to_string(),
            version: MODEL_FORMAT_VERSION,
            segmenter: self.segmenter,
            features: self.features,
            lexicon: self.lexicon.clone(),
            classifiers: self.classifiers.clone(),
            booster: self.booster.clone(),
            decoder: self.transitions.clone(),
            trained_on: self.trained_on.clone(),
        };
        let model =
            serde_json::to_string(&file).map_err(|e| ModelError::Training(e.to_string()))?;
        let tokenizer = self.tokenizer.to_json()?;
        let content = self
            .content
            .as_ref()
            .map(|c| serde_json::to_string(c.as_ref()))
            .transpose()
            .map_err(|e| ModelError::Training(e.to_string()))?;
        Ok((tokenizer, model, content))
    }
}

/// An I/O error at `path`.
fn io(path: &Path, e: std::io::Error) -> ModelError {
    ModelError::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_files_match_their_manifest() {
        let files = [
            ("tokenizer.json", DEFAULT_TOKENIZER),
            ("model.json", DEFAULT_MODEL),
            (CONTENT_FILE, DEFAULT_CONTENT),
        ];
        verify("<built-in model>", DEFAULT_MANIFEST, &files, true).unwrap();
        // And the check can fail: one byte changed.
        let version = format!("\"version\":{MODEL_FORMAT_VERSION}");
        let edited = DEFAULT_MODEL.replacen(&version, "\"version\":999", 1);
        assert_ne!(edited, DEFAULT_MODEL);
        let files = [("model.json", edited.as_str())];
        assert!(verify("<built-in model>", DEFAULT_MANIFEST, &files, false).is_err());
    }

    #[test]
    fn the_built_in_model_is_the_one_its_json_files_give() {
        // The built-in model reads its lexicons from `build.rs`'s binary form; parsed from the
        // JSON files instead, every part must be the same, bit for bit.
        let fast = ModelBundle::builtin().unwrap();
        let json = ModelBundle::from_json(
            "<built-in model>",
            DEFAULT_TOKENIZER,
            DEFAULT_MODEL,
            Some(DEFAULT_CONTENT),
            None,
        )
        .unwrap();
        assert!(fast.lexicon.len() > 100_000, "{}", fast.lexicon.len());
        assert_eq!(fast.lexicon, json.lexicon);
        assert_eq!(fast.content, json.content);
        // `==` on floats takes 0.0 for -0.0: the texts written from them do not.
        let (fast_tokenizer, fast_model, fast_content) = fast.to_json().unwrap();
        let (json_tokenizer, json_model, json_content) = json.to_json().unwrap();
        assert!(fast_tokenizer == json_tokenizer);
        assert!(fast_model == json_model);
        assert!(fast_content == json_content);
        // And both write the built-in file back as it is.
        assert!(fast_model == DEFAULT_MODEL);
        assert!(fast_content.as_deref() == Some(DEFAULT_CONTENT));
    }

    #[test]
    fn a_damaged_binary_lexicon_is_refused() {
        let bytes = DEFAULT_CONTENT_LEXICON;
        assert!(Lexicon::from_binary(bytes).is_ok());
        assert!(Lexicon::from_binary(&bytes[..bytes.len() - 4]).is_err());
        assert!(Lexicon::from_binary(&bytes[1..]).is_err());
        assert!(Lexicon::from_binary(&[]).is_err());
        let mut not_finite = bytes.to_vec();
        let last = not_finite.len() - 4;
        not_finite[last..].copy_from_slice(&f32::NAN.to_bits().to_le_bytes());
        assert!(Lexicon::from_binary(&not_finite).is_err());
    }

    #[test]
    fn another_format_or_version_is_the_error_whatever_else_is_wrong() {
        let version = format!("\"version\":{MODEL_FORMAT_VERSION}");
        let error = |json: &str| parse_model(json).err().unwrap_or_default();
        // Parses whole, but another version.
        let newer = DEFAULT_MODEL.replacen(&version, "\"version\":99", 1);
        assert!(error(&newer).contains("format version Some(99)"));
        // Fails to parse (a field of another format), and another version too.
        let other = newer.replacen("\"lexicon\"", "\"vocabulary\"", 1);
        assert!(error(&other).contains("format version Some(99)"));
        // Another format altogether.
        assert!(error(r#"{"format":"other","weights":[1]}"#).contains("has no \"format\""));
        // The right header, and a broken body: the parse error.
        let broken = DEFAULT_MODEL.replacen("\"lexicon\"", "\"vocabulary\"", 1);
        assert!(error(&broken).starts_with("model.json: unknown field `vocabulary`"));
        assert!(parse_model(DEFAULT_MODEL).is_ok());
    }
}
