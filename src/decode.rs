//! Decoding: a Viterbi pass over the units' label probabilities with learned label transitions
//! (one table inside a block, one between blocks), then neighbours with the same label merge into
//! spans.

use crate::types::{non_whitespace_bytes, ByteRange, Label, Segmentation, Span, Unit};
use regex::Regex;
use serde::{Deserialize, Serialize};
use std::sync::LazyLock;

const K: usize = Label::COUNT;

/// Log-probabilities of label changes, learned from gold sequences.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Transitions {
    /// `within_block[a][b]`: ln P(b | a) from one unit to the next inside a block.
    pub within_block: [[f32; K]; K],
    /// `across_blocks[a][b]`: ln P(b | a) from a block's last unit to the next block's first.
    pub across_blocks: [[f32; K]; K],
    /// How much the transitions count against the classifier's evidence (0 = none).
    pub weight: f32,
    /// Multipliers of each label's probability before decoding, tuned at training time.
    pub class_weights: [f32; K],
}

impl Transitions {
    /// No smoothing at all: each unit takes its most probable label.
    pub fn uniform() -> Self {
        Transitions {
            within_block: [[0.0; K]; K],
            across_blocks: [[0.0; K]; K],
            weight: 0.0,
            class_weights: [1.0; K],
        }
    }

    /// Counts transitions in gold label sequences (add-one smoothing).
    /// Each sequence gives the units' labels and whether each unit shares its block with the previous.
    pub fn learn<'a>(
        sequences: impl Iterator<Item = (&'a [Label], &'a [bool])>,
        weight: f32,
    ) -> Self {
        let mut within = [[1.0f32; K]; K];
        let mut across = [[1.0f32; K]; K];
        for (labels, same_block) in sequences {
            for i in 1..labels.len() {
                let table = if same_block[i] {
                    &mut within
                } else {
                    &mut across
                };
                table[labels[i - 1].index()][labels[i].index()] += 1.0;
            }
        }
        let normalise = |t: [[f32; K]; K]| {
            t.map(|row| {
                let sum: f32 = row.iter().sum();
                row.map(|c| (c / sum).ln())
            })
        };
        Transitions {
            within_block: normalise(within),
            across_blocks: normalise(across),
            weight,
            class_weights: [1.0; K],
        }
    }

    /// The most probable label sequence given each unit's label probabilities.
    pub fn viterbi(&self, probs: &[[f32; K]], same_block: &[bool]) -> Vec<Label> {
        let n = probs.len();
        if n == 0 {
            return Vec::new();
        }
        let emit = |p: &[f32; K]| -> [f32; K] {
            std::array::from_fn(|k| (p[k] * self.class_weights[k]).max(1e-9).ln())
        };
        let mut score = emit(&probs[0]);
        let mut back = vec![[0usize; K]; n];
        for i in 1..n {
            let table = if same_block[i] {
                &self.within_block
            } else {
                &self.across_blocks
            };
            let e = emit(&probs[i]);
            let mut next = [f32::NEG_INFINITY; K];
            for b in 0..K {
                for a in 0..K {
                    let s = score[a] + self.weight * table[a][b];
                    if s > next[b] {
                        next[b] = s;
                        back[i][b] = a;
                    }
                }
                next[b] += e[b];
            }
            score = next;
        }
        let mut best = (0..K)
            .max_by(|&a, &b| score[a].total_cmp(&score[b]))
            .unwrap_or(0);
        let mut labels = vec![Label::Education; n];
        for i in (0..n).rev() {
            labels[i] = Label::from_index(best);
            best = back[i][best];
        }
        labels
    }
}

/// Moderation thresholds: a unit whose label is less probable than that label's threshold falls
/// back to the most probable label that does meet its own threshold (labels without a threshold
/// have 0). If no label does, the unit keeps its label.
pub fn apply_thresholds(labels: &mut [Label], probs: &[[f32; K]], thresholds: &[f32; K]) {
    for (label, p) in labels.iter_mut().zip(probs) {
        if p[label.index()] >= thresholds[label.index()] {
            continue;
        }
        let fallback = (0..K)
            .filter(|&k| p[k] >= thresholds[k])
            .max_by(|&a, &b| p[a].total_cmp(&p[b]));
        if let Some(k) = fallback {
            *label = Label::from_index(k);
        }
    }
}

/// Template markup that reached a page's text unrendered: a page builder's or a plugin's
/// shortcodes (`[vc_row type="in_container" …]`, `[/vc_column_text]`, `[contact-form-7 id="3548"]`)
/// printed as text when the plugin that renders them is gone. A tag counts if it closes
/// (`[/name]`), is a bare snake- or kebab-case name (`[vc_column_text]`), or carries `key=value`
/// attributes; plain words in brackets (`[citation needed]`, `[email protected]`, a diagram's
/// `A[take_ownership called]`) do not. The last alternative is an
/// attribute of a tag cut by a block boundary, counted only beside a whole tag.
static TEMPLATE_MARKUP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?x)
        (\[/[a-z][a-z0-9_-]*\]
        | \[[a-z][a-z0-9]+[_-][a-z0-9_-]*\]
        | \[[a-z][a-z0-9_-]*\s+[a-z][a-z0-9_-]*=[^\[\]]*\])
        | [a-z][a-z0-9_-]*=["”″'][^"”″'\[\]]*["”″']"#,
    )
    .expect("valid pattern")
});

/// Share of a block's non-whitespace bytes that are template markup ([`TEMPLATE_MARKUP`]); 0
/// unless the block holds at least one whole tag.
pub fn template_markup_share(block: &str) -> f32 {
    // Every whole tag opens with `[`: most blocks have none and skip the scan.
    if !block.contains('[') {
        return 0.0;
    }
    let (mut markup, mut tags) = (0, 0);
    for m in TEMPLATE_MARKUP.captures_iter(block) {
        tags += usize::from(m.get(1).is_some());
        markup += non_whitespace_bytes(&m[0]);
    }
    let all = non_whitespace_bytes(block);
    if tags == 0 || all == 0 {
        return 0.0;
    }
    markup as f32 / all as f32
}

/// A block at least this much template markup is boilerplate, whatever the classifier says: in
/// all the gold pages (the written ones and web-gold) such blocks hold 30k non-whitespace bytes on
/// 5 pages, every one gold boilerplate (30.0k of them on one page); the blocks with some markup
/// but under this share (0.2 to 0.5) hold 227 bytes, gold education. In the main text of the
/// web pack's 3,545 pages, 4 lines (65 bytes) are this much markup: configuration sections and a
/// Rust attribute in code samples (`[logger_root]`, `#[no_mangle]`). `scripts/template_markup.py`
/// measures both with the same pattern.
pub const TEMPLATE_MARKUP_BLOCK: f32 = 0.5;

/// Form mechanics: the technical text of a web form (a honeypot's "This field is for validation
/// purposes and should be left unchanged.", "Leave this field blank", "Required fields are marked
/// *", "* indicates required field", a comment form's "Your email address will not be
/// published.", "Please enable JavaScript in your browser to complete this form.", the reCAPTCHA
/// notice). The annotation guideline names it boilerplate even inside a lead form whose other
/// text is promotion (its rule 4, and the boilerplate row's example).
static FORM_MECHANICS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix)
        this\s+field\s+is\s+for\s+validation\s+purposes(\s+and\s+should\s+be\s+left\s+unchanged)?\.?
        | (please\s+)?leave\s+this\s+field\s+(blank|empty)\.?
        | (all\s+)?required\s+fields\s+are\s+marked(\s+with\s+an?\s+asterisk)?(\s*\(?\*\)?)?\.?
        | (note:\s+)?fields\s+marked\s+with\s+an?\s+(asterisk|\*)(\s+\(\*\))?\s+are\s+required[.!]?
        | \*\s*(indicates|denotes)\s+(a\s+)?required(\s+fields?)?\.?
        | your\s+email\s+address\s+will\s+not\s+be\s+published\.?
        | please\s+enable\s+javascript\s+in\s+your\s+browser\s+to\s+complete\s+this\s+form\.?
        | this\s+site\s+is\s+protected\s+by\s+recaptcha\s+and\s+the\s+google\s+privacy\s+policy
          \s+and\s+terms\s+of\s+service\s+apply\.?",
    )
    .expect("valid pattern")
});

/// Share of a block's non-whitespace bytes that are form mechanics ([`FORM_MECHANICS`]).
pub fn form_mechanics_share(block: &str) -> f32 {
    // The longest phrase has 100 visible bytes: a block over twice that cannot reach the rule's
    // share, and most blocks skip the scan. The block's own bytes are counted only on a match.
    if block.len() > 400 {
        return 0.0;
    }
    let form: usize = FORM_MECHANICS
        .find_iter(block)
        .map(|m| non_whitespace_bytes(m.as_str()))
        .sum();
    if form == 0 {
        return 0.0;
    }
    form as f32 / non_whitespace_bytes(block) as f32
}

/// A block at least this much form mechanics is boilerplate, whatever the classifier says: in
/// all the gold pages (the written ones, web-gold and data/web-extra's pages) such blocks are 52,
/// every one gold boilerplate; in the main text of the web pack's 3,545 pages, 2 lines of one
/// page are (a honeypot's two lines). `scripts/form_mechanics.py` measures both with this
/// pattern, read from this file.
pub const FORM_MECHANICS_BLOCK: f32 = 0.5;

/// A rule of the annotation guideline that decides a block's label before the classifier does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BoilerplateRule {
    /// Page-builder shortcodes left unrendered ([`template_markup_share`]).
    TemplateMarkup,
    /// The technical text of a web form ([`form_mechanics_share`]).
    FormMechanics,
}

impl BoilerplateRule {
    /// The rule of a block, if one applies.
    pub fn of(block: &str) -> Option<Self> {
        if template_markup_share(block) >= TEMPLATE_MARKUP_BLOCK {
            Some(BoilerplateRule::TemplateMarkup)
        } else if form_mechanics_share(block) >= FORM_MECHANICS_BLOCK {
            Some(BoilerplateRule::FormMechanics)
        } else {
            None
        }
    }

    /// How `--explain` names the rule.
    pub fn reason(self) -> &'static str {
        match self {
            BoilerplateRule::TemplateMarkup => "rule:template_markup",
            BoilerplateRule::FormMechanics => "rule:form_mechanics",
        }
    }
}

/// Leaked template markup and form mechanics are page furniture by the annotation guideline (the
/// first neither informs nor sells; the second the guideline names), but the classifier has seen
/// markup on one training page in 400 and reads its long, word-rich attribute lists as text, and
/// reads a lead form's technical line by the pitch around it: the units of a block a
/// [`BoilerplateRule`] applies to are made certain boilerplate. Returns each block's rule.
pub fn mark_rule_blocks(
    text: &str,
    seg: &Segmentation,
    probs: &mut [[f32; K]],
) -> Vec<Option<BoilerplateRule>> {
    let rules: Vec<Option<BoilerplateRule>> = seg
        .blocks
        .iter()
        .map(|b| BoilerplateRule::of(b.range.slice(text)))
        .collect();
    for (p, unit) in probs.iter_mut().zip(&seg.units) {
        if rules.get(unit.block).copied().flatten().is_some() {
            *p = [0.0; K];
            p[Label::Boilerplate.index()] = 1.0;
        }
    }
    rules
}

/// Merges consecutive units with the same label into spans. A span's score is the mean
/// probability of its label over its units, weighted by their non-whitespace bytes.
pub fn merge_spans(text: &str, units: &[Unit], labels: &[Label], probs: &[[f32; K]]) -> Vec<Span> {
    let mut spans: Vec<Span> = Vec::new();
    let mut weight_sum = 0.0f32;
    let finish = |span: &mut Span, weight_sum: f32| {
        span.score = if weight_sum > 0.0 {
            span.score / weight_sum
        } else {
            0.0
        };
        span.text = span.range.slice(text).to_string();
    };
    for (i, unit) in units.iter().enumerate() {
        let label = labels[i];
        let w = non_whitespace_bytes(unit.range.slice(text)).max(1) as f32;
        let p = probs[i][label.index()];
        match spans.last_mut() {
            Some(last) if last.label == label => {
                last.range = ByteRange::new(last.range.start, unit.range.end);
                last.score += p * w;
                weight_sum += w;
            }
            _ => {
                if let Some(last) = spans.last_mut() {
                    finish(last, weight_sum);
                }
                spans.push(Span {
                    range: unit.range,
                    source: None,
                    label,
                    score: p * w,
                    text: String::new(),
                    reasons: Vec::new(),
                });
                weight_sum = w;
            }
        }
    }
    if let Some(last) = spans.last_mut() {
        finish(last, weight_sum);
    }
    spans
}

/// Promotion bytes over labelled bytes (non-whitespace only).
pub fn promotion_share(spans: &[Span]) -> f32 {
    crate::metrics::PromotionBytes::of(spans.iter().map(|s| (s.text.as_str(), s.label))).share_f32()
}

#[cfg(test)]
mod tests {
    use super::*;
    use Label::*;

    #[test]
    fn template_markup_is_told_from_words_in_brackets() {
        let leaked = "[vc_row type=”in_container” column_margin=”default” text_align=”left”]\
            [vc_column width=”1/2″][vc_column_text]Sewing for beginners[/vc_column_text]";
        assert!(template_markup_share(leaked) > 0.8);
        // A tag cut by a block boundary: its attributes count beside a whole tag.
        let cut = "margin=”40px” text_align=”left”][/vc_column_inner][/vc_row_inner]";
        assert!(template_markup_share(cut) > 0.9);
        assert_eq!(
            template_markup_share("margin=”40px” text_align=”left”"),
            0.0
        );
        for words in [
            "Aspirin thins the blood.[citation needed] It also eases pain.",
            "Email us at [email protected] today",
            "flowchart LR A[message owns String] --> B[take_ownership called]",
            "[1] Smith J. Iron deficiency. Lancet. 2020.",
            "Match a letter with [a-z] or [a-d].",
            "",
        ] {
            assert_eq!(template_markup_share(words), 0.0, "{words}");
        }
        let mostly_text = "[/fancy-ul]And, of course, a good pattern is a must for any beginner \
            who wants a garment that fits and lasts.";
        assert!(template_markup_share(mostly_text) < TEMPLATE_MARKUP_BLOCK);
        assert!(template_markup_share("[contact-form-7 id=\"3548\" title=\"Banner\"]") == 1.0);
    }

    #[test]
    fn blocks_of_template_markup_become_certain_boilerplate() {
        let text = "Iron carries oxygen in the blood.\n[vc_row][vc_column_text]\n\
            [/vc_column_text][/vc_row] Hi\nLow iron makes people tired.";
        let segmenter = crate::segment::TextSegmenter::new(Default::default());
        let seg = segmenter.segment_text(text);
        let mut probs = vec![[0.8, 0.1, 0.1]; seg.units.len()];
        mark_rule_blocks(text, &seg, &mut probs);
        let labels: Vec<Label> = probs
            .iter()
            .map(|p| Label::from_index((0..K).max_by(|&a, &b| p[a].total_cmp(&p[b])).unwrap()))
            .collect();
        for (unit, label) in seg.units.iter().zip(&labels) {
            let leaked = template_markup_share(seg.blocks[unit.block].range.slice(text)) >= 0.5;
            assert_eq!(
                *label == Boilerplate,
                leaked,
                "{:?}",
                unit.range.slice(text)
            );
        }
        assert!(labels.contains(&Boilerplate) && labels.contains(&Education));
    }

    #[test]
    fn form_mechanics_is_told_from_text_about_forms() {
        for form in [
            "This field is for validation purposes and should be left unchanged.",
            "  \u{2022} This field is for validation purposes and should be left unchanged.",
            "Your email address will not be published. Required fields are marked *",
            "Fields marked with an * are required",
            "*indicates required field",
            "Leave this field blank",
            "Please enable JavaScript in your browser to complete this form.",
            "This site is protected by reCAPTCHA and the Google Privacy Policy and Terms of \
             Service apply.",
        ] {
            assert!(form_mechanics_share(form) >= FORM_MECHANICS_BLOCK, "{form}");
            assert_eq!(
                BoilerplateRule::of(form),
                Some(BoilerplateRule::FormMechanics)
            );
        }
        for text in [
            "Supplying all required fields ensures your products can be displayed correctly \
             in search results.",
            "Fill out the form below and our team will call you back within a day.",
            "Validation studies of the questionnaire are required before it is used.",
            "",
        ] {
            assert!(form_mechanics_share(text) < FORM_MECHANICS_BLOCK, "{text}");
            assert_eq!(BoilerplateRule::of(text), None);
        }
        // A long block that mentions it stays the classifier's.
        let long = format!(
            "Your email address will not be published. {}",
            "We reply to every comment within two days and read each one. ".repeat(6)
        );
        assert_eq!(BoilerplateRule::of(&long), None);
    }

    #[test]
    fn learned_transitions_smooth_a_weak_flip() {
        let labels = [Education, Education, Education, Promotion, Promotion];
        let same = [false, true, true, false, true];
        let t = Transitions::learn(std::iter::repeat_n((&labels[..], &same[..]), 20), 1.0);
        assert!(t.within_block[0][0] > t.within_block[0][1]);
        // The middle unit leans promotion a little, inside an education block.
        let probs = [[0.9, 0.05, 0.05], [0.45, 0.5, 0.05], [0.9, 0.05, 0.05]];
        assert_eq!(t.viterbi(&probs, &[false, true, true]), [Education; 3]);
        assert_eq!(
            Transitions::uniform().viterbi(&probs, &[false, true, true]),
            [Education, Promotion, Education]
        );
        // Strong evidence still wins.
        let probs = [[0.9, 0.05, 0.05], [0.01, 0.98, 0.01]];
        assert_eq!(t.viterbi(&probs, &[false, false]), [Education, Promotion]);
    }

    #[test]
    fn class_weights_tip_close_calls() {
        let probs = [[0.5, 0.45, 0.05]];
        let mut t = Transitions::uniform();
        assert_eq!(t.viterbi(&probs, &[false]), [Education]);
        t.class_weights = [1.0, 1.3, 1.0];
        assert_eq!(t.viterbi(&probs, &[false]), [Promotion]);
    }

    #[test]
    fn thresholds_move_weak_labels_to_the_next_one() {
        let probs = [[0.2, 0.7, 0.1], [0.05, 0.9, 0.05], [0.5, 0.3, 0.2]];
        let mut labels = [Promotion, Promotion, Education];
        apply_thresholds(&mut labels, &probs, &[0.0, 0.8, 0.0]);
        assert_eq!(labels, [Education, Promotion, Education]);
        // Nothing meets its threshold: the label stays.
        let mut labels = [Education];
        apply_thresholds(&mut labels, &[[0.5, 0.3, 0.2]], &[0.9, 0.9, 0.9]);
        assert_eq!(labels, [Education]);
    }

    #[test]
    fn merges_same_label_neighbours_and_scores_by_bytes() {
        let text = "aaaa bb\ncc";
        let unit = |s, e, block| Unit {
            range: ByteRange::new(s, e),
            block,
            position: 0,
            siblings: 1,
        };
        let units = [unit(0, 4, 0), unit(5, 7, 0), unit(8, 10, 1)];
        let probs = [[1.0, 0.0, 0.0], [0.4, 0.6, 0.0], [0.1, 0.9, 0.0]];
        let spans = merge_spans(text, &units, &[Education, Promotion, Promotion], &probs);
        assert_eq!(spans.len(), 2);
        assert_eq!(spans[1].range, ByteRange::new(5, 10));
        assert_eq!(spans[1].text, "bb\ncc");
        assert!((spans[1].score - 0.75).abs() < 1e-6);
        assert!((promotion_share(&spans) - 0.5).abs() < 1e-6);
    }
}
