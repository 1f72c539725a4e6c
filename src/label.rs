//! Labelling: page → segments → tokens → features → probabilities → Viterbi → spans.
//! Each page is independent except for the batch repetition counts, so pages run under rayon.

use crate::boost::Booster;
use crate::bundle::{ModelBundle, SegmenterConfig};
use crate::decode::{
    apply_thresholds, mark_rule_blocks, merge_spans, promotion_share, BoilerplateRule, Transitions,
};
use crate::error::{Error, ModelError};
use crate::features::{stacked_feature_name, with_neighbours, FeatureExtractor, RepeatIndex};
use crate::lexicon::Lexicon;
use crate::model::Classifier;
use crate::segment::TextSegmenter;
use crate::types::{non_whitespace_bytes, Label, LabelledPage, Page, Reason, Segmentation, Span};
use ndarray::Array2;

pub use crate::pipeline::{FeaturePipeline, MAX_UNITS};

/// Runs the stacked classifiers: stage 0 on `x`, each later stage on `x` plus the neighbours'
/// probabilities from the stage before.
/// With boosted trees, the units the last stage is least sure of take the trees' probabilities
/// over the same input. Also returns the last stage's input, which explanations read.
pub fn stacked_proba(
    classifiers: &[Classifier],
    booster: Option<&Booster>,
    x: &Array2<f32>,
    unit_block: &[usize],
) -> (Array2<f32>, Array2<f32>) {
    let mut p = classifiers[0].predict_proba(x);
    let mut input = None;
    for stage in &classifiers[1..] {
        let stacked = with_neighbours(x, &p, unit_block);
        p = stage.predict_proba(&stacked);
        input = Some(stacked);
    }
    if let Some(booster) = booster {
        booster.refine(input.as_ref().unwrap_or(x), &mut p);
    }
    // A one-stage model's input is `x` itself: copied only then.
    (p, input.unwrap_or_else(|| x.clone()))
}

/// Applies a trained model to pages: made once ([`Labeler::builtin`], [`Labeler::from_dir`]),
/// set with the `with_…` methods, then shared by every thread.
///
/// ```
/// use pagesift::{Label, Labeler};
///
/// let labeler = Labeler::builtin()?
///     .with_threshold(Label::Promotion, 0.6)?
///     .with_explain(2);
/// let page = labeler.label_text("p", "Book your free consultation today!")?;
/// assert_eq!(page.spans[0].label, Label::Promotion);
/// assert!(page.spans[0].reasons.len() <= 2);
/// # Ok::<(), pagesift::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Labeler {
    pub(crate) pipeline: FeaturePipeline,
    pub(crate) lexicon: Lexicon,
    pub(crate) classifiers: Vec<Classifier>,
    pub(crate) booster: Option<Booster>,
    pub(crate) transitions: Transitions,
    /// Per-label minimum probability (see [`apply_thresholds`]); zeros by default.
    thresholds: [f32; Label::COUNT],
    /// How many reasons to give per span (0: none).
    explain: usize,
    /// Extraction mode (`extract`): on HTML pages the content model, trained on thousands of
    /// real pages, decides what is main content; see [`decide_main_content`].
    main_content_axis: bool,
}

impl Labeler {
    /// A labeler of a model in memory (copied; [`Labeler::from_bundle`] takes it).
    pub fn new(bundle: &ModelBundle) -> Result<Self, ModelError> {
        Self::from_bundle(bundle.clone())
    }

    /// The labeler of the model saved in `dir` (`pagesift train --out dir`).
    pub fn from_dir(dir: impl AsRef<std::path::Path>) -> Result<Self, Error> {
        Ok(Self::from_bundle(ModelBundle::load(dir.as_ref())?)?)
    }

    /// The stages before the classifier (segmenter, tokenizer, features), for callers that
    /// segment pages themselves ([`Labeler::label_segmented`]).
    pub fn pipeline(&self) -> &FeaturePipeline {
        &self.pipeline
    }

    /// [`Labeler::new`], taking the bundle instead of copying its vocabulary, lexicon and
    /// weights.
    pub fn from_bundle(bundle: ModelBundle) -> Result<Self, ModelError> {
        let SegmenterConfig::Text(options) = bundle.segmenter;
        Ok(Labeler {
            pipeline: FeaturePipeline {
                segmenter: TextSegmenter::new(options),
                tokenizer: bundle.tokenizer,
                features: FeatureExtractor::builder()
                    .options(bundle.features)
                    .build()?,
                content: bundle.content,
            },
            lexicon: bundle.lexicon,
            classifiers: bundle.classifiers,
            booster: bundle.booster,
            transitions: bundle.transitions,
            thresholds: [0.0; Label::COUNT],
            explain: 0,
            main_content_axis: false,
        })
    }

    /// Sets a minimum probability for `label`: below it a unit falls back to the next label.
    pub fn with_threshold(
        mut self,
        label: Label,
        min_probability: f32,
    ) -> Result<Self, ModelError> {
        if !(0.0..=1.0).contains(&min_probability) {
            return Err(ModelError::Param(format!(
                "threshold for {label} must be between 0 and 1, got {min_probability}"
            )));
        }
        self.thresholds[label.index()] = min_probability;
        Ok(self)
    }

    /// Gives each span the `n` features that pushed it most to its label (0: none).
    pub fn with_explain(mut self, n: usize) -> Self {
        self.explain = n;
        self
    }

    /// Extraction mode (`pagesift extract`): on HTML pages the content model decides what is
    /// main content, so boilerplate is what a main-content extractor would drop.
    pub fn with_main_content_axis(mut self, on: bool) -> Self {
        self.main_content_axis = on;
        self
    }

    /// The built-in model's labeler (compiled into the library; nothing is read or downloaded).
    pub fn builtin() -> Result<Self, Error> {
        Ok(Self::from_bundle(ModelBundle::builtin()?)?)
    }

    /// Labels one page, given the batch's repetition counts.
    pub fn label_page(
        &self,
        page: &Page,
        repeats: &RepeatIndex,
    ) -> Result<LabelledPage, ModelError> {
        self.label_segmented(page, &self.pipeline.segment(page), repeats)
    }

    /// Labels one page already cut by this labeler's segmenter, given its batch's repetition
    /// counts: [`Labeler::label_pages`] is [`FeaturePipeline::segment_batch`] and then this on
    /// every page (for callers that schedule the pages themselves).
    pub fn label_segmented(
        &self,
        page: &Page,
        seg: &Segmentation,
        repeats: &RepeatIndex,
    ) -> Result<LabelledPage, ModelError> {
        if seg.units.len() > MAX_UNITS {
            return Err(ModelError::TooManyUnits {
                units: seg.units.len(),
                limit: MAX_UNITS,
            });
        }
        let (prepared, furniture) = self.pipeline.prepare_with_furniture(page, seg, repeats)?;
        let x = self.pipeline.features.rows(&prepared, &self.lexicon);
        let (p, input) = stacked_proba(
            &self.classifiers,
            self.booster.as_ref(),
            &x,
            &prepared.unit_block,
        );
        let mut probs: Vec<[f32; Label::COUNT]> =
            p.rows().into_iter().map(|r| [r[0], r[1], r[2]]).collect();
        let rules = mark_rule_blocks(&page.text, seg, &mut probs);
        let same_block: Vec<bool> = seg.units.iter().map(|u| u.position > 0).collect();
        let mut labels: Vec<Label> = self.transitions.viterbi(&probs, &same_block);
        apply_thresholds(&mut labels, &probs, &self.thresholds);
        if self.main_content_axis {
            let dom = crate::html::Markup::html(page.markup.as_deref())
                .map(|m| &m.blocks[..])
                .filter(|blocks| blocks.len() == seg.blocks.len());
            decide_main_content(&furniture, seg, dom, &rules, &mut labels);
        }
        let mut spans = merge_spans(&page.text, &seg.units, &labels, &probs);
        if let Some(markup) = &page.markup {
            for span in &mut spans {
                span.source = markup.source_range(span.range);
            }
        }
        if self.explain > 0 {
            self.add_reasons(&mut spans, seg, &rules, &input, &page.text);
        }
        Ok(LabelledPage {
            id: page.id.clone(),
            url: page.url.clone(),
            promotion_share: promotion_share(&spans),
            lossy: page.lossy,
            spans,
            text_bytes: page.text.len(),
        })
    }

    /// Fills each span's reasons: the features with the largest push towards its label,
    /// averaged over its units by length. A span made only of blocks a rule decided (`rules`,
    /// per block) was labelled by that rule, and its one reason says so.
    fn add_reasons(
        &self,
        spans: &mut [Span],
        seg: &Segmentation,
        rules: &[Option<BoilerplateRule>],
        input: &Array2<f32>,
        text: &str,
    ) {
        let units = &seg.units;
        let last = self
            .classifiers
            .last()
            .expect("a model has at least one stage");
        // The units the trees decided are explained by the trees, the others by the last
        // linear stage: each by what gave it its label.
        let linear = self.booster.as_ref().map(|_| last.predict_proba(input));
        let mut u = 0;
        for span in spans {
            let mut push = vec![0f32; input.ncols()];
            let mut values = vec![0f32; input.ncols()];
            let mut total = 0f32;
            let mut by_rule = None;
            let mut all_by_rule = true;
            while u < units.len() && units[u].range.end <= span.range.end {
                let rule = rules.get(units[u].block).copied().flatten();
                all_by_rule &= rule.is_some();
                by_rule = by_rule.or(rule);
                let w = non_whitespace_bytes(units[u].range.slice(text)) as f32;
                let row = input.row(u);
                let contributions = match (&self.booster, &linear) {
                    (Some(booster), Some(linear)) if booster.decides(linear.row(u)) => {
                        booster.contributions(row, span.label)
                    }
                    _ => last.contributions(row, span.label),
                };
                for (acc, c) in push.iter_mut().zip(contributions) {
                    *acc += c * w;
                }
                for (acc, v) in values.iter_mut().zip(input.row(u)) {
                    *acc += v * w;
                }
                total += w;
                u += 1;
            }
            if let Some(rule) = by_rule.filter(|_| all_by_rule) {
                span.reasons = vec![Reason {
                    feature: rule.reason().into(),
                    push: 1.0,
                    value: 1.0,
                }];
                continue;
            }
            span.reasons = strongest(push, self.explain)
                .into_iter()
                .map(|(column, c)| Reason {
                    feature: stacked_feature_name(&self.pipeline.features, column),
                    push: c / total.max(1.0),
                    value: values[column] / total.max(1.0),
                })
                .collect();
        }
    }

    /// Labels a single page (its repetition counts come from the page alone).
    pub fn label(&self, page: &Page) -> Result<LabelledPage, ModelError> {
        self.label_pages(std::slice::from_ref(page))
            .pop()
            .expect("one page in, one result out")
    }

    /// Labels one plain-text page given in memory, as `pagesift label` labels a JSON Lines
    /// file holding only `{"id": id, "text": text}`: a leading byte-order mark is dropped and
    /// offsets are UTF-8 bytes into `text`. A blank page is an error, as is a model that fails.
    ///
    /// A page's batch repetition features count how many pages of its batch share each block,
    /// so the same page labelled in a batch of others (`pagesift label` on a file of many
    /// pages, [`Labeler::label_pages`]) can be labelled differently; here the batch is the page.
    ///
    /// ```
    /// use pagesift::{Label, Labeler};
    ///
    /// let labeler = Labeler::builtin().unwrap();
    /// let text = "What is ketamine?\nKetamine is an anaesthetic that doctors also use for \
    ///     depression that did not respond to other treatment.\nCall (385) 685-1410 today to \
    ///     book your free consultation!";
    /// let page = labeler.label_text("p1", text).unwrap();
    /// assert_eq!(page.id, "p1");
    /// for span in &page.spans {
    ///     assert_eq!(&text[span.range.start..span.range.end], span.text);
    /// }
    /// assert_eq!(page.spans.last().unwrap().label, Label::Promotion);
    /// assert!(labeler.label_text("blank", " \n ").is_err());
    /// ```
    pub fn label_text(&self, id: &str, text: &str) -> Result<LabelledPage, Error> {
        let page = crate::ingest::page_from_text(id, text.to_string(), None)?;
        Ok(self.label(&page)?)
    }

    /// Labels one HTML page given in memory as bytes, as `pagesift label` labels an HTML file
    /// with the same bytes: the encoding comes from a byte-order mark or a `<meta charset>`
    /// (UTF-8 otherwise), spans' `source` ranges are offsets into `html` and their `range`s
    /// offsets into the extracted text. `url` feeds the URL features. A page with no visible
    /// text is an error. As with [`Labeler::label_text`], the page is its own batch.
    ///
    /// ```
    /// use pagesift::Labeler;
    ///
    /// let labeler = Labeler::builtin().unwrap();
    /// let html = b"<html><body><h1>Ketamine</h1><p>Ketamine blocks NMDA receptors \
    ///     in the brain.</p><footer>Copyright 2024 Clinic</footer></body></html>";
    /// let page = labeler.label_html("p2", html, Some("https://example.org/a")).unwrap();
    /// assert_eq!(page.url.as_deref(), Some("https://example.org/a"));
    /// for span in &page.spans {
    ///     let source = span.source.unwrap();
    ///     assert!(source.end <= html.len());
    /// }
    /// let err = labeler.label_html("empty", b"<script>x()</script>", None).unwrap_err();
    /// assert_eq!(err.to_string(), "empty: cannot read HTML: no visible text");
    /// ```
    pub fn label_html(
        &self,
        id: &str,
        html: &[u8],
        url: Option<&str>,
    ) -> Result<LabelledPage, Error> {
        let page = crate::ingest::page_from_html(id, html.to_vec(), url, None)?;
        Ok(self.label(&page)?)
    }

    /// Labels a batch in parallel; results come back in input order.
    pub fn label_pages(&self, pages: &[Page]) -> Vec<Result<LabelledPage, ModelError>> {
        let refs: Vec<&Page> = pages.iter().collect();
        let (segs, repeats) = self.pipeline.segment_batch(&refs);
        crate::parallel::map_biggest_first(
            pages.iter().zip(&segs).collect(),
            |(p, _)| p.text.len(),
            |(p, seg)| self.label_segmented(p, seg, &repeats),
        )
    }
}

/// The `n` columns that push hardest (positive pushes only), strongest first.
fn strongest(push: Vec<f32>, n: usize) -> Vec<(usize, f32)> {
    let mut ranked: Vec<(usize, f32)> = push
        .into_iter()
        .enumerate()
        .filter(|(_, c)| *c > 0.0)
        .collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
    ranked.truncate(n);
    ranked
}

/// Extraction mode: a unit of a block the content model calls furniture becomes boilerplate,
/// and a unit of a main-content block the 3-label model called boilerplate becomes
/// education; promotion inside main content stays promotion. (The 3-label model alone is
/// the better labeller of the gold's three labels; the content model the better judge of
/// what extraction benchmarks count as main content, whose "not main" includes ads.) A block a
/// rule made boilerplate (leaked template markup, form mechanics: `rules`, from
/// [`mark_rule_blocks`]) is never main content.
fn decide_main_content(
    furniture: &[f32],
    seg: &Segmentation,
    dom: Option<&[crate::html::BlockContext]>,
    rules: &[Option<BoilerplateRule>],
    labels: &mut [Label],
) {
    if furniture.is_empty() {
        return;
    }
    for (label, unit) in labels.iter_mut().zip(&seg.units) {
        // An image's alt text or a button's label is never article text.
        let shown_by_attribute = dom
            .and_then(|blocks| blocks.get(unit.block))
            .is_some_and(|b| b.alt_text);
        let leaked = rules.get(unit.block).copied().flatten().is_some();
        let main =
            !shown_by_attribute && !leaked && furniture.get(unit.block).is_some_and(|&f| f <= 0.5);
        *label = match (*label, main) {
            (_, false) => Label::Boilerplate,
            (Label::Boilerplate, true) => Label::Education,
            (other, true) => other,
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `--explain` names, for the units the trees decided, the columns the trees' splits credit,
    /// and for the others the last linear stage's: each unit is explained by what labelled it.
    #[test]
    fn units_the_trees_decide_are_explained_by_the_trees() {
        let labeler = Labeler::builtin().unwrap().with_explain(3);
        let booster = labeler
            .booster
            .as_ref()
            .expect("the built-in model has trees");
        let last = labeler.classifiers.last().unwrap();
        let gold = crate::ingest::read_gold_file("data/seeds.gold.jsonl");
        let (mut by_trees, mut differ) = (0, 0);
        for page in gold.iter().take(3).map(|g| &g.as_ref().unwrap().page) {
            let (segs, repeats) = labeler.pipeline.segment_batch(&[page]);
            let seg = &segs[0];
            let labelled = labeler.label_segmented(page, seg, &repeats).unwrap();
            // The last stage's input and probabilities, as labelling computes them.
            let prepared = labeler.pipeline.prepare(page, seg, &repeats).unwrap();
            let x = labeler.pipeline.features.rows(&prepared, &labeler.lexicon);
            let (_, input) = stacked_proba(&labeler.classifiers, None, &x, &prepared.unit_block);
            let linear = last.predict_proba(&input);
            for span in &labelled.spans {
                let units: Vec<usize> = (0..seg.units.len())
                    .filter(|&u| {
                        let r = seg.units[u].range;
                        span.range.start <= r.start && r.end <= span.range.end
                    })
                    .collect();
                // A span a rule labelled (a form's validation line) is explained by the rule.
                let by_rule = span.reasons.iter().any(|r| r.feature.starts_with("rule:"));
                if by_rule || !units.iter().all(|&u| booster.decides(linear.row(u))) {
                    continue;
                }
                by_trees += 1;
                let ranked = |contributions: &dyn Fn(usize) -> Vec<f32>| {
                    let mut push = vec![0f32; input.ncols()];
                    for &u in &units {
                        let w = non_whitespace_bytes(seg.units[u].range.slice(&page.text)) as f32;
                        for (p, c) in push.iter_mut().zip(contributions(u)) {
                            *p += c * w;
                        }
                    }
                    strongest(push, 3)
                        .into_iter()
                        .map(|(column, _)| stacked_feature_name(&labeler.pipeline.features, column))
                        .collect::<Vec<_>>()
                };
                let trees = ranked(&|u| booster.contributions(input.row(u), span.label));
                let linear_reasons = ranked(&|u| last.contributions(input.row(u), span.label));
                let given: Vec<String> = span.reasons.iter().map(|r| r.feature.clone()).collect();
                assert_eq!(given, trees, "{:?}", span.text);
                differ += usize::from(trees != linear_reasons);
            }
        }
        assert!(
            by_trees > 0 && differ > 0,
            "{by_trees} spans decided by trees, {differ} differ"
        );
    }

    /// The spans holding the test pages' shortcodes: exactly one.
    fn shortcode_spans(page: &LabelledPage) -> Vec<&Span> {
        let spans: Vec<&Span> = page
            .spans
            .iter()
            .filter(|s| s.text.contains("[vc_"))
            .collect();
        assert_eq!(spans.len(), 1, "{:?}", page.spans);
        spans
    }

    /// A block of page-builder shortcodes left unrendered in the page is boilerplate with the
    /// certainty of a rule (score 1; the model alone gives it about 0.98 here, and reads such
    /// blocks as education on a page made of them), and the text around it keeps the model's
    /// labels.
    #[test]
    fn leaked_template_markup_is_boilerplate() {
        let labeler = Labeler::builtin().unwrap();
        let text = "Iron carries oxygen in the blood. Low iron makes people tired.\n\
            [vc_row type=”full_width_background” bg_position=”center top” text_align=”left”]\
            [vc_column_text]Iron-rich meals for beginners: what to cook first[/vc_column_text]\
            [nectar_btn size=”small” text=”Read the beginner guide” url=”https://example.org/g”]\n\
            Lentils, beans and dark leafy greens are good sources of iron. Vitamin C helps the \
            body absorb it.\n";
        let page = labeler.label_text("p", text).unwrap();
        let leaked = shortcode_spans(&page);
        assert_eq!(leaked[0].label, Label::Boilerplate);
        assert_eq!(leaked[0].score, 1.0);
        assert!(leaked[0].reasons.is_empty());
        // Explained, the span names the rule; the others, the model's features.
        let explained = labeler
            .clone()
            .with_explain(2)
            .label_text("p", text)
            .unwrap();
        let reasons: Vec<&str> = shortcode_spans(&explained)[0]
            .reasons
            .iter()
            .map(|r| r.feature.as_str())
            .collect();
        assert_eq!(reasons, ["rule:template_markup"]);
        assert!(explained
            .spans
            .iter()
            .filter(|s| s.label == Label::Education)
            .all(|s| s.reasons.len() == 2 && !s.reasons[0].feature.starts_with("rule:")));
        assert!(!leaked[0].text.contains("Iron carries") && !leaked[0].text.contains("Lentils"));
        let education: Vec<&str> = page
            .spans
            .iter()
            .filter(|s| s.label == Label::Education)
            .map(|s| s.text.as_str())
            .collect();
        assert_eq!(education.len(), 2, "{:?}", page.spans);
    }

    /// A lead form's technical line is boilerplate by rule, with the rule as its reason, while
    /// the pitch around it stays promotion (the guideline's rule 4).
    #[test]
    fn form_mechanics_inside_a_lead_form_is_boilerplate() {
        let labeler = Labeler::builtin().unwrap().with_explain(2);
        let text = "Schedule Your Ketamine Treatment Today\n\
            Call us at 385-685-1410 to book a consultation or fill out the form below:\n\
            This field is for validation purposes and should be left unchanged.\n\
            By submitting this form you agree to be contacted via phone, text or email.\n";
        let page = labeler.label_text("p", text).unwrap();
        let form: Vec<&Span> = page
            .spans
            .iter()
            .filter(|s| s.text.contains("validation purposes"))
            .collect();
        assert_eq!(form.len(), 1, "{:?}", page.spans);
        assert_eq!(form[0].label, Label::Boilerplate);
        assert_eq!(form[0].score, 1.0);
        assert!(!form[0].text.contains("Call us") && !form[0].text.contains("submitting"));
        let reasons: Vec<&str> = form[0].reasons.iter().map(|r| r.feature.as_str()).collect();
        assert_eq!(reasons, ["rule:form_mechanics"]);
        assert!(page
            .spans
            .iter()
            .any(|s| s.label == Label::Promotion && s.text.contains("Call us")));
    }

    /// Extraction mode keeps leaked template markup out of the main content, even inside the
    /// article, where the content model calls its block main content.
    #[test]
    fn leaked_template_markup_is_never_main_content() {
        let html = "<html><body><nav><a href=/>Home</a> <a href=/a>About</a></nav><main>\
            <h1>Iron deficiency</h1><p>Iron carries oxygen in the blood. Low iron makes people \
            tired and short of breath, and children grow more slowly.</p><p>[vc_row \
            type=”in_container” text_align=”left”][vc_column_text]Iron-rich meals for beginners: \
            what to cook first[/vc_column_text][nectar_btn text=”Read the guide” \
            url=”https://example.org/g”]</p><p>Lentils, beans and dark leafy greens are good \
            sources of iron. Vitamin C helps the body absorb it.</p></main></body></html>";
        for axis in [false, true] {
            let labeler = Labeler::builtin().unwrap().with_main_content_axis(axis);
            let page = labeler.label_html("p", html.as_bytes(), None).unwrap();
            let leaked = shortcode_spans(&page);
            assert_eq!(
                leaked[0].label,
                Label::Boilerplate,
                "main content axis {axis}"
            );
            assert!(page
                .spans
                .iter()
                .any(|s| s.label != Label::Boilerplate && s.text.contains("Lentils")));
        }
    }
}
