//! Self-training: a model trained on the gold pages labels unlabelled pages, its confident spans
//! become pseudo-gold, and the model is trained again on the gold pages plus the pseudo-gold.
//! Above [`crate::train`](mod@crate::train) and [`crate::label`]; [`crate::cv`] runs it inside every fold (the
//! pseudo-labeller then never sees a held-out page, and no held-out site's page is pseudo-labelled).

use crate::bundle::ModelBundle;
use crate::error::ModelError;
use crate::label::Labeler;
use crate::train::{train, TrainParams};
use crate::types::{GoldPage, Page};
use std::collections::HashSet;

/// Unlabelled pages to pseudo-label, and how.
#[derive(Debug, Clone, Default)]
pub struct SelfTraining {
    /// The unlabelled pages (HTML or text).
    pub pages: Vec<Page>,
    /// At most this many of them are labelled and trained on, spread evenly over the list.
    pub max_pages: usize,
    /// A predicted span becomes pseudo-gold only when its score is at least this; the rest of
    /// the page is left unlabelled (and so not trained on).
    pub min_score: f32,
    /// The files the pages came from, for the record.
    pub sources: Vec<String>,
}

impl SelfTraining {
    /// The pages that may be pseudo-labelled: none whose id is in `skip_ids` (pages that are
    /// gold already) or whose site is in `skip_sites`; at most `max_pages`, spread evenly.
    pub fn candidates<'a>(
        &'a self,
        skip_ids: &HashSet<&str>,
        skip_sites: &HashSet<String>,
    ) -> Vec<&'a Page> {
        let allowed: Vec<&Page> = self
            .pages
            .iter()
            .filter(|p| !skip_ids.contains(p.id.as_str()))
            .filter(|p| p.url.is_none() || !skip_sites.contains(&crate::crossfit::site_of(p)))
            .collect();
        let step = allowed.len().div_ceil(self.max_pages.max(1)).max(1);
        allowed.into_iter().step_by(step).collect()
    }

    /// Labels `pages` with `labeler` and keeps each page's confident spans as pseudo-gold (pages
    /// left with no span, or that fail to label, are dropped).
    pub fn pseudo_gold(&self, labeler: &Labeler, pages: &[&Page]) -> Vec<GoldPage> {
        let (segs, repeats) = labeler.pipeline.segment_batch(pages);
        let labelled = crate::parallel::map_biggest_first(
            pages.iter().zip(&segs).collect(),
            |(p, _)| p.text.len(),
            |(p, seg)| labeler.label_segmented(p, seg, &repeats).ok(),
        );
        pages
            .iter()
            .zip(labelled)
            .filter_map(|(page, labelled)| {
                let spans: Vec<_> = labelled?
                    .spans
                    .iter()
                    .filter(|s| s.score >= self.min_score)
                    .map(|s| (s.range, s.label))
                    .collect();
                (!spans.is_empty()).then(|| GoldPage::new((*page).clone(), spans))
            })
            .collect()
    }

    /// The pseudo-gold a labeler gives for the candidates: no page whose id is one of `known`'s
    /// (pages that are gold already), none of `skip_sites`.
    pub fn pseudo_gold_for(
        &self,
        labeler: &Labeler,
        known: &[&[GoldPage]],
        skip_sites: &HashSet<String>,
    ) -> Vec<GoldPage> {
        let skip_ids: HashSet<&str> = known
            .iter()
            .flat_map(|set| set.iter().map(|g| g.page.id.as_str()))
            .collect();
        self.pseudo_gold(labeler, &self.candidates(&skip_ids, skip_sites))
    }
}

/// Trains on `gold`, pseudo-labels `unlabelled`'s pages with that model, and trains again on
/// both (no page of `skip_sites` is pseudo-labelled). Returns the second model and how many
/// pseudo-gold pages it saw.
pub fn train_with_self_training(
    gold: &[GoldPage],
    unlabelled: &SelfTraining,
    params: &TrainParams,
    skip_sites: &HashSet<String>,
    sources: &[String],
) -> Result<(ModelBundle, usize), ModelError> {
    let first = Labeler::from_bundle(train(gold, params, &[])?)?;
    let mut extended = unlabelled.pseudo_gold_for(&first, &[gold], skip_sites);
    drop(first);
    let pseudo = extended.len();
    extended.splice(0..0, gold.iter().cloned());
    Ok((train(&extended, params, sources)?, pseudo))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(id: &str, url: Option<&str>, text: &str) -> Page {
        Page {
            id: id.to_string(),
            url: url.map(str::to_string),
            text: text.to_string(),
            ..Page::default()
        }
    }

    #[test]
    fn candidates_skip_gold_ids_and_held_out_sites_and_spread_evenly() {
        let pages: Vec<Page> = (0..10)
            .map(|i| {
                let site = if i % 2 == 0 {
                    "held.example"
                } else {
                    "kept.example"
                };
                page(
                    &format!("p{i}"),
                    Some(&format!("https://www.{site}/{i}")),
                    "x",
                )
            })
            .chain([page("no-url", None, "x")])
            .collect();
        let st = SelfTraining {
            pages,
            max_pages: 100,
            ..SelfTraining::default()
        };
        let held: HashSet<String> = ["held.example".to_string()].into();
        let ids = |v: Vec<&Page>| v.iter().map(|p| p.id.clone()).collect::<Vec<_>>();
        assert_eq!(
            ids(st.candidates(&["p3"].into(), &held)),
            ["p1", "p5", "p7", "p9", "no-url"]
        );
        let few = SelfTraining {
            max_pages: 2,
            ..st.clone()
        };
        assert_eq!(ids(few.candidates(&HashSet::new(), &held)), ["p1", "p7"]);
    }

    #[test]
    fn pseudo_gold_keeps_only_confident_spans_with_the_predicted_labels() {
        let labeler = Labeler::builtin().unwrap();
        let text = "How ketamine works\n\
            Ketamine blocks NMDA receptors in the brain, which may explain its rapid effect.\n\
            Call us at (385) 685-1410 to schedule your free consultation today!\n\
            © 2024 Example Clinic. All Rights Reserved.";
        let pages = [page("a", None, text)];
        let refs: Vec<&Page> = pages.iter().collect();
        let predicted = labeler.label(&pages[0]).unwrap();
        let all = SelfTraining {
            min_score: 0.0,
            ..SelfTraining::default()
        };
        let gold = all.pseudo_gold(&labeler, &refs);
        let expected: Vec<_> = predicted.spans.iter().map(|s| (s.range, s.label)).collect();
        assert_eq!(gold.len(), 1);
        assert_eq!(gold[0].spans, expected);
        // Only the spans at or above the threshold stay; none clears a score above 1.
        let cut = predicted.spans.iter().map(|s| s.score).fold(1.0, f32::min);
        let some = SelfTraining {
            min_score: cut + 1e-6,
            ..SelfTraining::default()
        };
        let kept = some.pseudo_gold(&labeler, &refs);
        let confident = predicted.spans.iter().filter(|s| s.score > cut).count();
        assert_eq!(kept.first().map_or(0, |g| g.spans.len()), confident);
        let none = SelfTraining {
            min_score: 1.01,
            ..SelfTraining::default()
        };
        assert!(none.pseudo_gold(&labeler, &refs).is_empty());
    }
}
