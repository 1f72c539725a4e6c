//! A model on disk: `tokenizer.json` (the `tokenizers` crate's own format) and `model.json`
//! (segmenter, feature options, classifier weights, transitions and what it was trained on).
//! The default model is compiled into the binary.

use crate::content::ContentModel;
use crate::decode::Transitions;
use crate::error::ModelError;
use crate::features::FeatureOptions;
use crate::lexicon::Lexicon;
use crate::model::Classifier;
use crate::segment::SegmentOptions;
use crate::tokenize::PageTokenizer;
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::sync::Arc;

/// Written in every `model.json`; a file with another format version is refused.
pub const MODEL_FORMAT_VERSION: u32 = 2;
const MODEL_FORMAT: &str = "pagesift-model";
/// The optional content model beside `model.json`.
pub const CONTENT_FILE: &str = "content.json";

/// What a model was trained on, recorded in `model.json`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainingInfo {
    pub sources: Vec<String>,
    pub pages: usize,
    pub units: usize,
    pub pagesift_version: String,
}

/// The segmenter a model was trained with, tagged by type.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase", deny_unknown_fields)]
pub enum SegmenterConfig {
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
    decoder: Transitions,
    trained_on: TrainingInfo,
}

/// Everything needed to label pages.
#[derive(Debug, Clone)]
pub struct ModelBundle {
    pub tokenizer: PageTokenizer,
    pub segmenter: SegmenterConfig,
    pub features: FeatureOptions,
    pub lexicon: Lexicon,
    /// The stacked stages: the first sees the unit's features, each later one also the
    /// neighbours' probabilities from the stage before.
    pub classifiers: Vec<Classifier>,
    pub transitions: Transitions,
    pub trained_on: TrainingInfo,
    /// The content model (`content.json`), when the model was trained with one.
    pub content: Option<Arc<ContentModel>>,
}

static DEFAULT_TOKENIZER: &str = include_str!("../models/default/tokenizer.json");
static DEFAULT_MODEL: &str = include_str!("../models/default/model.json");
static DEFAULT_CONTENT: &str = include_str!("../models/default/content.json");

impl ModelBundle {
    /// The built-in model (the files under `models/default/` at build time).
    pub fn builtin() -> Result<Self, ModelError> {
        Self::from_json(
            "<built-in model>",
            DEFAULT_TOKENIZER,
            DEFAULT_MODEL,
            Some(DEFAULT_CONTENT),
        )
    }

    /// Loads `tokenizer.json` and `model.json` from `dir`.
    pub fn load(dir: &Path) -> Result<Self, ModelError> {
        let read = |name: &str| {
            let path = dir.join(name);
            std::fs::read_to_string(&path).map_err(|e| ModelError::Io {
                path: path.display().to_string(),
                message: e.to_string(),
            })
        };
        let tokenizer = read("tokenizer.json")?;
        let model = read("model.json")?;
        let content = if dir.join(CONTENT_FILE).exists() {
            Some(read(CONTENT_FILE)?)
        } else {
            None
        };
        Self::from_json(
            &dir.display().to_string(),
            &tokenizer,
            &model,
            content.as_deref(),
        )
    }

    fn from_json(
        place: &str,
        tokenizer: &str,
        model: &str,
        content: Option<&str>,
    ) -> Result<Self, ModelError> {
        let format_err = |message: String| ModelError::Format {
            path: place.to_string(),
            message,
        };
        let header: serde_json::Value =
            serde_json::from_str(model).map_err(|e| format_err(format!("model.json: {e}")))?;
        if header.get("format").and_then(|v| v.as_str()) != Some(MODEL_FORMAT) {
            return Err(format_err(
                "model.json has no \"format\": \"pagesift-model\"".into(),
            ));
        }
        let version = header.get("version").and_then(|v| v.as_u64());
        if version != Some(u64::from(MODEL_FORMAT_VERSION)) {
            return Err(format_err(format!(
                "model.json is format version {version:?}, this pagesift reads version {MODEL_FORMAT_VERSION}"
            )));
        }
        let file: ModelFile =
            serde_json::from_value(header).map_err(|e| format_err(format!("model.json: {e}")))?;
        let tokenizer = PageTokenizer::from_json(tokenizer)
            .map_err(|e| format_err(format!("tokenizer.json: {e}")))?;
        let bundle = ModelBundle {
            tokenizer,
            segmenter: file.segmenter,
            features: file.features,
            lexicon: file.lexicon,
            classifiers: file.classifiers,
            transitions: file.decoder,
            trained_on: file.trained_on,
            content: content
                .map(|json| {
                    serde_json::from_str::<ContentModel>(json)
                        .map(Arc::new)
                        .map_err(|e| format_err(format!("{CONTENT_FILE}: {e}")))
                })
                .transpose()?,
        };
        let expected = crate::features::FeatureExtractor::builder()
            .options(bundle.features)
            .build()?
            .width();
        for (stage, classifier) in bundle.classifiers.iter().enumerate() {
            let want = if stage == 0 {
                expected
            } else {
                expected + crate::features::NEIGHBOUR_COLUMNS
            };
            if classifier.width() != want {
                return Err(format_err(format!(
                    "classifier stage {stage} has {} feature columns, the feature options give {want}",
                    classifier.width()
                )));
            }
        }
        if bundle.classifiers.is_empty() {
            return Err(format_err("model.json has no classifier".into()));
        }
        Ok(bundle)
    }

    /// Writes `tokenizer.json` and `model.json` into `dir` (created if missing).
    pub fn save(&self, dir: &Path) -> Result<(), ModelError> {
        let io = |path: &Path, e: std::io::Error| ModelError::Io {
            path: path.display().to_string(),
            message: e.to_string(),
        };
        std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
        let file = ModelFile {
            format: MODEL_FORMAT.to_string(),
            version: MODEL_FORMAT_VERSION,
            segmenter: self.segmenter,
            features: self.features,
            lexicon: self.lexicon.clone(),
            classifiers: self.classifiers.clone(),
            decoder: self.transitions.clone(),
            trained_on: self.trained_on.clone(),
        };
        let model =
            serde_json::to_string(&file).map_err(|e| ModelError::Training(e.to_string()))?;
        let tokenizer_path = dir.join("tokenizer.json");
        std::fs::write(&tokenizer_path, self.tokenizer.to_json()?)
            .map_err(|e| io(&tokenizer_path, e))?;
        let model_path = dir.join("model.json");
        std::fs::write(&model_path, model).map_err(|e| io(&model_path, e))?;
        let content_path = dir.join(CONTENT_FILE);
        match &self.content {
            Some(content) => {
                let json = serde_json::to_string(content.as_ref())
                    .map_err(|e| ModelError::Training(e.to_string()))?;
                std::fs::write(&content_path, json).map_err(|e| io(&content_path, e))
            }
            // A stale content model from an earlier run must not be picked up with this one.
            None if content_path.exists() => {
                std::fs::remove_file(&content_path).map_err(|e| io(&content_path, e))
            }
            None => Ok(()),
        }
    }
}
