//! The feature extractor's options, stored in the model, and the builder that checks them.

use super::FeatureExtractor;
use crate::error::ModelError;
use crate::lexicon::LexiconOptions;
use serde::{Deserialize, Serialize};

/// Options of the feature extractor, stored in the model.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeatureOptions {
    /// How the lexicon is fitted.
    pub lexicon: LexiconOptions,
}

/// Builds a [`FeatureExtractor`], checking its options once.
#[derive(Debug, Clone, Default)]
pub struct FeatureExtractorBuilder {
    options: FeatureOptions,
}

impl FeatureExtractorBuilder {
    /// Sets every option at once.
    pub fn options(mut self, options: FeatureOptions) -> Self {
        self.options = options;
        self
    }

    /// Sets the lexicon's minimum count of a key.
    pub fn min_count(mut self, min_count: u32) -> Self {
        self.options.lexicon.min_count = min_count;
        self
    }

    /// Sets the lexicon's smoothing.
    pub fn smoothing(mut self, smoothing: f32) -> Self {
        self.options.lexicon.smoothing = smoothing;
        self
    }

    /// Rejects a minimum count of 0 and a smoothing that is not a positive number.
    pub fn build(self) -> Result<FeatureExtractor, ModelError> {
        let l = self.options.lexicon;
        if l.min_count == 0 {
            return Err(ModelError::Param(
                "lexicon min_count must be at least 1".into(),
            ));
        }
        if !(l.smoothing.is_finite() && l.smoothing > 0.0) {
            return Err(ModelError::Param(format!(
                "lexicon smoothing must be a finite number > 0, got {}",
                l.smoothing
            )));
        }
        Ok(FeatureExtractor::new(self.options))
    }
}
