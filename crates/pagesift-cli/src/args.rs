//! The command line's arguments (clap), and their translation to library values.

use clap::{Args, Parser, Subcommand, ValueEnum};
use pagesift::ingest::{InputFormat, ReadOptions};
use pagesift::tokenize::TokenizerKind;
use pagesift::{Label, ModelBundle, TrainParams};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "pagesift",
    version,
    about = "Label health web pages as education, promotion or boilerplate, span by span."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Worker threads (default: all cores; at most 4 per core).
    #[arg(long, global = true)]
    pub jobs: Option<usize>,
    /// No progress bar (it is shown only when stderr is a terminal anyway).
    #[arg(long, short, global = true)]
    pub quiet: bool,
}

#[derive(Subcommand)]
pub enum Command {
    /// Label pages: text files, directories, JSON Lines or `-` for stdin.
    Label(LabelArgs),
    /// Label pages and say why: `label --explain 5` (or the `--explain N` given).
    Explain(LabelArgs),
    /// The clean article text of each page: its education spans (with `--with-promotion`, every
    /// span that is not boilerplate), like a main-content extractor.
    Extract(ExtractArgs),
    /// Label pages and write one self-contained HTML report: summary, histogram, per-site
    /// table, and every page with its spans marked.
    Report(ReportArgs),
    /// Convert gold (or, with --predict, labelled pages) to an annotation tool's format.
    Export(ExportArgs),
    /// Convert an annotation tool's file to gold JSON Lines (UTF-8 byte offsets).
    Import(ImportArgs),
    /// Train a model on gold JSON Lines files and save it to a directory.
    Train(TrainArgs),
    /// Score a model against gold files: per-label precision, recall, F1 over non-whitespace bytes.
    Eval(EvalArgs),
    /// Leave-one-document-out cross-validation on gold files.
    Cv(CvArgs),
}

/// Where pages come from and which model labels them (shared by `label` and `extract`).
#[derive(Args)]
pub struct InputArgs {
    /// Input files or directories (text, HTML, JSON Lines, WARC, WARC.gz); `-` reads stdin.
    #[arg(required = true)]
    pub inputs: Vec<String>,
    /// Model directory (default: the built-in model).
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Read every input as this format instead of guessing from its name.
    #[arg(long, value_enum)]
    pub input_format: Option<InputFormatArg>,
    /// A page (file, JSONL line, WARC record) larger than this many bytes is skipped and reported.
    #[arg(long, default_value_t = ReadOptions::default().max_page_bytes)]
    pub max_page_bytes: usize,
    /// Decode invalid UTF-8 with U+FFFD instead of skipping the page; such pages say `"lossy": true`.
    #[arg(long)]
    pub lossy: bool,
    /// Also write every skipped input as a JSON line here: file, line, id, reason.
    #[arg(long)]
    pub errors: Option<PathBuf>,
    /// Follow symbolic links inside input directories (loops are reported; a file reached twice
    /// is read once). Without it, links there are reported and not followed.
    #[arg(long)]
    pub follow: bool,
}

#[derive(Args)]
pub struct ExtractArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Keep promotion spans too (all main content, not only the educational part).
    #[arg(long)]
    pub with_promotion: bool,
    /// `jsonl`: one `{"id", "url", "text"}` per page; `text`: the texts, a blank line between pages.
    #[arg(long, value_enum, default_value_t = ExtractFormatArg::Jsonl)]
    pub format: ExtractFormatArg,
    /// Write here instead of stdout.
    #[arg(long, short, visible_alias = "out")]
    pub output: Option<PathBuf>,
}

#[derive(Args)]
pub struct ReportArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// The HTML file to write (`-` for stdout).
    #[arg(long, short = 'o', visible_alias = "output")]
    pub out: PathBuf,
    /// Pages shown in full (all pages count in the summary).
    #[arg(long, default_value_t = 200)]
    pub max_pages: usize,
    /// Reasons shown per span on hover.
    #[arg(long, default_value_t = 3)]
    pub explain: usize,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum ToolArg {
    Doccano,
    LabelStudio,
    Spacy,
}

impl ToolArg {
    pub fn format(self) -> pagesift::interop::ToolFormat {
        use pagesift::interop::ToolFormat;
        match self {
            ToolArg::Doccano => ToolFormat::Doccano,
            ToolArg::LabelStudio => ToolFormat::LabelStudio,
            ToolArg::Spacy => ToolFormat::Spacy,
        }
    }
}

#[derive(Args)]
pub struct ExportArgs {
    /// Gold JSON Lines files; with --predict, any pages (they are labelled first).
    #[arg(required = true)]
    pub inputs: Vec<String>,
    /// The tool's format.
    #[arg(long, value_enum)]
    pub to: ToolArg,
    /// Label the inputs with the model and export its spans (pre-annotations to correct).
    #[arg(long)]
    pub predict: bool,
    /// Model directory for --predict (default: the built-in model).
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Write here instead of stdout.
    #[arg(long, short, visible_alias = "out")]
    pub output: Option<PathBuf>,
}

#[derive(Args)]
pub struct ImportArgs {
    /// Files exported by the tool.
    #[arg(required = true)]
    pub inputs: Vec<String>,
    /// The tool's format.
    #[arg(long, value_enum)]
    pub from: ToolArg,
    /// Write here instead of stdout.
    #[arg(long, short, visible_alias = "out")]
    pub output: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum ExtractFormatArg {
    Jsonl,
    Text,
}

#[derive(Args)]
pub struct LabelArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = FormatArg::Jsonl)]
    pub format: FormatArg,
    /// Write here instead of stdout.
    #[arg(long, short, visible_alias = "out")]
    pub output: Option<PathBuf>,
    /// Continue a killed run: keep the pages already in `--output` (or its newest
    /// `.NAME.*.partial` file) and label only the others (JSON Lines output only).
    #[arg(long, requires = "output")]
    pub resume: bool,
    /// Also write each page's text here as JSON Lines `{"id", "url", "text"}` (for HTML, the
    /// extracted text, one block per line: what `text_start`/`text_end` point into).
    #[arg(long)]
    pub emit_text: Option<PathBuf>,
    /// Minimum probability for a label, e.g. `promotion=0.8` (repeatable). A unit below it falls
    /// back to the most probable label that meets its own threshold.
    #[arg(long, value_parser = parse_threshold)]
    pub threshold: Vec<(Label, f32)>,
    /// Write only the spans of this label (e.g. `education` for the article text).
    #[arg(long, value_parser = parse_label)]
    pub only: Option<Label>,
    /// Also write a per-page summary CSV here (label shares, promotion spans, max promotion score).
    #[arg(long)]
    pub summary: Option<PathBuf>,
    /// CSV (`--format csv`, `--summary`): write cells starting with `=`, `+`, `-`, `@`, tab or CR
    /// as they are, without the leading `'` that stops spreadsheets reading them as formulas.
    #[arg(long)]
    pub csv_raw: bool,
    /// Add to each span (JSONL) the N features that pushed it to its label, with their weights.
    #[arg(long, default_value_t = 0)]
    pub explain: usize,
    /// On HTML pages, decide boilerplate as `extract` does (the content model, trained on real
    /// pages' main text), so the spans that are not boilerplate are exactly `extract
    /// --with-promotion`'s text. Off by default: it labels the three labels less well (web-gold
    /// macro-F1 0.765 against 0.802 with session 8's model).
    #[arg(long)]
    pub main_content: bool,
}

pub fn parse_label(s: &str) -> Result<Label, String> {
    s.parse()
}

pub fn parse_threshold(s: &str) -> Result<(Label, f32), String> {
    let (label, p) = s
        .split_once('=')
        .ok_or("expected LABEL=PROBABILITY, e.g. promotion=0.8")?;
    let p: f32 = p.parse().map_err(|_| format!("{p:?} is not a number"))?;
    if !(0.0..=1.0).contains(&p) {
        return Err(format!("probability {p} is not between 0 and 1"));
    }
    Ok((label.parse()?, p))
}

#[derive(Args, Clone)]
pub struct TrainOptions {
    /// Subword model of the tokenizer.
    #[arg(long, value_enum, default_value_t = TokenizerArg::Bpe)]
    pub tokenizer: TokenizerArg,
    /// Tokenizer vocabulary size.
    #[arg(long, default_value_t = TrainParams::default().vocab_size)]
    pub vocab_size: usize,
    /// Lexicon: n-grams seen in fewer training units are dropped.
    #[arg(long, default_value_t = TrainParams::default().features.lexicon.min_count)]
    pub min_count: u32,
    /// Lexicon: additive smoothing of the n-gram counts.
    #[arg(long, default_value_t = TrainParams::default().features.lexicon.smoothing)]
    pub smoothing: f32,
    /// L2 penalty of the logistic regression.
    #[arg(long, default_value_t = TrainParams::default().classifier.alpha)]
    pub alpha: f32,
    /// L-BFGS iterations at most.
    #[arg(long, default_value_t = TrainParams::default().classifier.max_iterations)]
    pub max_iterations: u64,
    /// Weight of the learned label transitions (0 = no smoothing).
    #[arg(long, default_value_t = TrainParams::default().transition_weight)]
    pub transition_weight: f32,
    /// Page folds used to cross-fit the lexicon during training.
    #[arg(long, default_value_t = TrainParams::default().lexicon_folds)]
    pub lexicon_folds: usize,
    /// Stacked stages over the neighbours' probabilities (0 = the first classifier only).
    #[arg(long, default_value_t = TrainParams::default().stacking_rounds)]
    pub stacking_rounds: usize,
    /// Boosted trees over the last stage's rows, refining the units it is least sure of
    /// (0 = none, the linear stages decide alone; each adds training time).
    #[arg(long, default_value_t = TrainParams::default().boost.trees)]
    pub boost_trees: usize,
    /// Levels of each boosted tree (2^depth leaves).
    #[arg(long, default_value_t = TrainParams::default().boost.depth)]
    pub boost_depth: usize,
    /// Shrinkage of each boosted tree.
    #[arg(long, default_value_t = TrainParams::default().boost.learning_rate)]
    pub boost_learning_rate: f32,
    /// Units the linear stages give at least this probability skip the trees (above 1: none do).
    #[arg(long, default_value_t = TrainParams::default().boost.below)]
    pub boost_below: f32,
    /// Seed of the boosted trees' row and column sampling; the sets of --boost-ensemble take
    /// this seed and the next ones (on web-gold CV, one set of 600 trees gave macro-F1 0.816 to
    /// 0.824 with seeds 17 to 19; 3 sets of 200, 0.824 and 0.823 from seeds 17 and 20).
    #[arg(long, default_value_t = TrainParams::default().boost.seed)]
    pub boost_seed: u64,
    /// Sets of boosted trees fitted with consecutive seeds, their scores averaged (1 to 16; each
    /// set has --boost-trees trees, and training and labelling the unsure units cost as much
    /// more).
    #[arg(long, default_value_t = TrainParams::default().boost.ensemble)]
    pub boost_ensemble: usize,
    /// Do not tune per-label probability multipliers for macro-F1.
    #[arg(long)]
    pub no_class_weights: bool,
    /// Weigh every training unit the same, whatever its length.
    #[arg(long)]
    pub no_length_weighting: bool,
    /// Label whole blocks only (no sentence splitting).
    #[arg(long)]
    pub no_sentences: bool,
    /// Train a content model on pages with known main content (an index in the format of
    /// `shared/data/web/index.jsonl`) and use it for HTML pages; it is saved with the model.
    #[arg(long, conflicts_with = "content_model")]
    pub content_pages: Option<String>,
    /// At most this many pages of `--content-pages` are used (spread evenly over the file).
    #[arg(long, default_value_t = 3000)]
    pub content_max_pages: usize,
    /// Use the content model of this model directory (its `content.json`) instead of training one.
    #[arg(long)]
    pub content_model: Option<PathBuf>,
    /// Self-training: a first model labels these unlabelled pages (an index in the format of
    /// `shared/data/web/index.jsonl`), its confident spans join the gold, and the model is
    /// trained again. In `cv`, every fold does this without the held-out sites' pages.
    #[arg(long, value_name = "INDEX")]
    pub self_train_pages: Option<String>,
    /// At most this many of `--self-train-pages` are used (spread evenly over the file).
    #[arg(long, default_value_t = 1000, requires = "self_train_pages")]
    pub self_train_max_pages: usize,
    /// A predicted span joins the pseudo-gold only with at least this score.
    #[arg(long, default_value_t = 0.8, requires = "self_train_pages")]
    pub self_train_min_score: f32,
}

impl TrainOptions {
    /// The unlabelled pages of `--self-train-pages`, read (bad records are told and skipped).
    pub fn self_training(&self) -> Option<pagesift::self_train::SelfTraining> {
        let index = self.self_train_pages.as_ref()?;
        let (pages, errors) = pagesift::ingest::read_content_pages(index);
        for e in &errors {
            eprintln!("pagesift: skipped {e}");
        }
        Some(pagesift::self_train::SelfTraining {
            pages: pages.into_iter().map(|p| p.page).collect(),
            max_pages: self.self_train_max_pages,
            min_score: self.self_train_min_score,
            sources: vec![index.clone()],
        })
    }

    /// The parameters, with the content model trained or loaded as asked.
    pub fn params_with_content(&self) -> Result<TrainParams, String> {
        let mut params = self.params();
        if let Some(index) = &self.content_pages {
            let (model, errors) = pagesift::content::train_from_index(
                index,
                params.features,
                params.classifier,
                self.content_max_pages,
            )
            .map_err(|e| e.to_string())?;
            for e in &errors {
                eprintln!("pagesift: skipped {e}");
            }
            let info = &model.trained_on;
            eprintln!(
                "pagesift: content model trained on {} pages ({} content, {} furniture blocks), {} skipped",
                info.pages,
                info.content_blocks,
                info.furniture_blocks,
                errors.len()
            );
            params.content = Some(std::sync::Arc::new(model));
        } else if let Some(dir) = &self.content_model {
            params.content = Some(ModelBundle::load_content(dir).map_err(|e| e.to_string())?);
        }
        Ok(params)
    }

    pub fn params(&self) -> TrainParams {
        let mut p = TrainParams {
            tokenizer: match self.tokenizer {
                TokenizerArg::Bpe => TokenizerKind::Bpe,
                TokenizerArg::Wordpiece => TokenizerKind::WordPiece,
                TokenizerArg::Unigram => TokenizerKind::Unigram,
            },
            vocab_size: self.vocab_size,
            transition_weight: self.transition_weight,
            ..TrainParams::default()
        };
        p.features.lexicon.min_count = self.min_count;
        p.features.lexicon.smoothing = self.smoothing;
        p.lexicon_folds = self.lexicon_folds;
        p.classifier.alpha = self.alpha;
        p.classifier.max_iterations = self.max_iterations;
        p.segment.split_sentences = !self.no_sentences;
        p.stacking_rounds = self.stacking_rounds;
        p.boost.trees = self.boost_trees;
        p.boost.depth = self.boost_depth;
        p.boost.learning_rate = self.boost_learning_rate;
        p.boost.below = self.boost_below;
        p.boost.seed = self.boost_seed;
        p.boost.ensemble = self.boost_ensemble;
        p.length_weighting = !self.no_length_weighting;
        p.tune_class_weights = !self.no_class_weights;
        p
    }
}

#[derive(Args)]
pub struct TrainArgs {
    /// Gold JSON Lines files (the format and labels: docs/labels.md).
    #[arg(required = true)]
    pub gold: Vec<String>,
    /// Directory to write tokenizer.json and model.json into.
    #[arg(long, short = 'o', visible_alias = "output")]
    pub out: PathBuf,
    #[command(flatten)]
    pub options: TrainOptions,
}

#[derive(Args)]
pub struct EvalArgs {
    #[arg(required = true)]
    pub gold: Vec<String>,
    /// Model directory (default: the built-in model).
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
pub struct CvArgs {
    /// Gold pages, each held out in turn.
    #[arg(required = true)]
    pub gold: Vec<String>,
    /// More gold pages, in the training side of every fold and never held out or scored.
    #[arg(long, value_name = "GOLD")]
    pub train_also: Vec<String>,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
    /// Also write each page's held-out labelling here (JSON Lines, as `label` writes it).
    #[arg(long)]
    pub predictions: Option<PathBuf>,
    /// K folds instead of leaving one page out at a time.
    #[arg(long, value_name = "K", value_parser = clap::value_parser!(u32).range(2..))]
    pub folds: Option<u32>,
    /// With --folds: keep each site (URL host without `www.`; a page without a URL is its own
    /// site) in one fold, or deal pages to folds in turn.
    #[arg(long, value_enum, default_value = "site", requires = "folds")]
    pub group_by: GroupByArg,
    /// Repeat the gold pages of every training side N times (as `train` given them N times);
    /// held-out pages are scored once.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub repeat_gold: u32,
    #[command(flatten)]
    pub options: TrainOptions,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum GroupByArg {
    Site,
    Page,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum TokenizerArg {
    Bpe,
    Wordpiece,
    Unigram,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum FormatArg {
    Jsonl,
    Csv,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum InputFormatArg {
    Text,
    Jsonl,
    Json,
    Html,
    Warc,
}

impl InputArgs {
    /// The format every input is read as, when `--input-format` says.
    pub fn forced_format(&self) -> Option<InputFormat> {
        self.input_format.map(|f| match f {
            InputFormatArg::Text => InputFormat::Text,
            InputFormatArg::Jsonl => InputFormat::Jsonl,
            InputFormatArg::Json => InputFormat::Json,
            InputFormatArg::Html => InputFormat::Html,
            InputFormatArg::Warc => InputFormat::Warc,
        })
    }

    /// How pages are read.
    pub fn read_options(&self) -> ReadOptions {
        ReadOptions {
            max_page_bytes: self.max_page_bytes,
            lossy: self.lossy,
            follow_links: self.follow,
        }
    }
}
