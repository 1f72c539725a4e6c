//! Command-line shell: clap structs → library calls → exit codes. No pipeline logic here.

use clap::{Args, Parser, Subcommand, ValueEnum};
use pagesift::ingest::{read_inputs, InputFormat};
use pagesift::output::{span_writer, OutputFormat, SpanWriter, SummaryWriter};
use pagesift::tokenize::TokenizerKind;
use pagesift::Label;
use pagesift::{
    cross_validate, evaluate, read_gold, train, Labeler, ModelBundle, Page, TrainParams,
};
use std::fs::File;
use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

/// Exit code when some input was skipped (the rest was still processed).
const EXIT_SKIPPED: u8 = 2;
/// Pages labelled together; repetition counts are taken over one batch.
const BATCH_PAGES: usize = 512;

#[derive(Parser)]
#[command(
    name = "pagesift",
    version,
    about = "Label health web pages as education, promotion or boilerplate, span by span."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Label pages: text files, directories, JSON Lines or `-` for stdin.
    Label(LabelArgs),
    /// Label pages and say why: `label --explain 5` (or the `--explain N` given).
    Explain(LabelArgs),
    /// Train a model on gold JSON Lines files and save it to a directory.
    Train(TrainArgs),
    /// Score a model against gold files: per-label precision, recall, F1 over non-whitespace bytes.
    Eval(EvalArgs),
    /// Leave-one-document-out cross-validation on gold files.
    Cv(CvArgs),
}

#[derive(Args)]
struct LabelArgs {
    /// Input files or directories; `-` reads stdin.
    #[arg(required = true)]
    inputs: Vec<String>,
    /// Model directory (default: the built-in model).
    #[arg(long)]
    model: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = FormatArg::Jsonl)]
    format: FormatArg,
    /// Write here instead of stdout.
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Read every input as this format instead of guessing from its extension.
    #[arg(long, value_enum)]
    input_format: Option<InputFormatArg>,
    /// Minimum probability for a label, e.g. `promotion=0.8` (repeatable). A unit below it falls
    /// back to the most probable label that meets its own threshold.
    #[arg(long, value_parser = parse_threshold)]
    threshold: Vec<(Label, f32)>,
    /// Write only the spans of this label (e.g. `education` for the article text).
    #[arg(long, value_parser = parse_label)]
    only: Option<Label>,
    /// Also write a per-page summary CSV here (label shares, promotion spans, max promotion score).
    #[arg(long)]
    summary: Option<PathBuf>,
    /// Add to each span (JSONL) the N features that pushed it to its label, with their weights.
    #[arg(long, default_value_t = 0)]
    explain: usize,
}

fn parse_label(s: &str) -> Result<Label, String> {
    s.parse()
}

fn parse_threshold(s: &str) -> Result<(Label, f32), String> {
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
struct TrainOptions {
    /// Subword model of the tokenizer.
    #[arg(long, value_enum, default_value_t = TokenizerArg::Bpe)]
    tokenizer: TokenizerArg,
    /// Tokenizer vocabulary size.
    #[arg(long, default_value_t = TrainParams::default().vocab_size)]
    vocab_size: usize,
    /// Lexicon: n-grams seen in fewer training units are dropped.
    #[arg(long, default_value_t = TrainParams::default().features.lexicon.min_count)]
    min_count: u32,
    /// Lexicon: additive smoothing of the n-gram counts.
    #[arg(long, default_value_t = TrainParams::default().features.lexicon.smoothing)]
    smoothing: f32,
    /// L2 penalty of the logistic regression.
    #[arg(long, default_value_t = TrainParams::default().classifier.alpha)]
    alpha: f32,
    /// L-BFGS iterations at most.
    #[arg(long, default_value_t = TrainParams::default().classifier.max_iterations)]
    max_iterations: u64,
    /// Weight of the learned label transitions (0 = no smoothing).
    #[arg(long, default_value_t = TrainParams::default().transition_weight)]
    transition_weight: f32,
    /// Page folds used to cross-fit the lexicon during training.
    #[arg(long, default_value_t = TrainParams::default().lexicon_folds)]
    lexicon_folds: usize,
    /// Stacked stages over the neighbours' probabilities (0 = the first classifier only).
    #[arg(long, default_value_t = TrainParams::default().stacking_rounds)]
    stacking_rounds: usize,
    /// Do not tune per-label probability multipliers for macro-F1.
    #[arg(long)]
    no_class_weights: bool,
    /// Weigh every training unit the same, whatever its length.
    #[arg(long)]
    no_length_weighting: bool,
    /// Label whole blocks only (no sentence splitting).
    #[arg(long)]
    no_sentences: bool,
}

impl TrainOptions {
    fn params(&self) -> TrainParams {
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
        p.length_weighting = !self.no_length_weighting;
        p.tune_class_weights = !self.no_class_weights;
        p
    }
}

#[derive(Args)]
struct TrainArgs {
    /// Gold JSON Lines files (`ANNOTATION.md` format).
    #[arg(required = true)]
    gold: Vec<String>,
    /// Directory to write tokenizer.json and model.json into.
    #[arg(long)]
    out: PathBuf,
    #[command(flatten)]
    options: TrainOptions,
}

#[derive(Args)]
struct EvalArgs {
    #[arg(required = true)]
    gold: Vec<String>,
    /// Model directory (default: the built-in model).
    #[arg(long)]
    model: Option<PathBuf>,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct CvArgs {
    #[arg(required = true)]
    gold: Vec<String>,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
    /// Also write each page's held-out labelling here (JSON Lines, as `label` writes it).
    #[arg(long)]
    predictions: Option<PathBuf>,
    #[command(flatten)]
    options: TrainOptions,
}

#[derive(Clone, Copy, ValueEnum)]
enum TokenizerArg {
    Bpe,
    Wordpiece,
    Unigram,
}

#[derive(Clone, Copy, ValueEnum)]
enum FormatArg {
    Jsonl,
    Csv,
}

#[derive(Clone, Copy, ValueEnum)]
enum InputFormatArg {
    Text,
    Jsonl,
}

/// What a run read, wrote and skipped.
#[derive(Default)]
struct RunReport {
    pages_in: usize,
    pages_out: usize,
    skipped: usize,
}

impl RunReport {
    fn skip(&mut self, what: impl std::fmt::Display) {
        self.skipped += 1;
        eprintln!("pagesift: skipped {what}");
    }

    fn exit_code(&self) -> ExitCode {
        eprintln!(
            "pagesift: {} pages read, {} labelled, {} skipped",
            self.pages_in, self.pages_out, self.skipped
        );
        if self.skipped > 0 {
            ExitCode::from(EXIT_SKIPPED)
        } else {
            ExitCode::SUCCESS
        }
    }
}

pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Label(args) => label(args),
        Command::Explain(mut args) => {
            if args.explain == 0 {
                args.explain = 5;
            }
            label(args)
        }
        Command::Train(args) => train_cmd(args),
        Command::Eval(args) => eval_cmd(args),
        Command::Cv(args) => cv_cmd(args),
    };
    result.unwrap_or_else(|message| {
        eprintln!("pagesift: error: {message}");
        ExitCode::FAILURE
    })
}

fn load_model(dir: &Option<PathBuf>) -> Result<ModelBundle, String> {
    match dir {
        Some(dir) => ModelBundle::load(dir),
        None => ModelBundle::builtin(),
    }
    .map_err(|e| e.to_string())
}

fn label(args: LabelArgs) -> Result<ExitCode, String> {
    let mut labeler = Labeler::new(&load_model(&args.model)?).map_err(|e| e.to_string())?;
    labeler.explain = args.explain;
    for &(label, p) in &args.threshold {
        labeler = labeler
            .with_threshold(label, p)
            .map_err(|e| e.to_string())?;
    }
    let format = match args.format {
        FormatArg::Jsonl => OutputFormat::Jsonl,
        FormatArg::Csv => OutputFormat::Csv,
    };
    let forced = args.input_format.map(|f| match f {
        InputFormatArg::Text => InputFormat::Text,
        InputFormatArg::Jsonl => InputFormat::Jsonl,
    });
    let out: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(File::create(path).map_err(|e| format!("{}: {e}", path.display()))?),
        None => Box::new(io::stdout().lock()),
    };
    let mut writer = span_writer(format, out);
    let mut summary = match &args.summary {
        Some(path) => Some(SummaryWriter::new(
            File::create(path).map_err(|e| format!("{}: {e}", path.display()))?,
        )),
        None => None,
    };
    let mut report = RunReport::default();
    let mut batch: Vec<Page> = Vec::with_capacity(BATCH_PAGES);
    let mut flush = |batch: &mut Vec<Page>, report: &mut RunReport| -> io::Result<()> {
        for (page, result) in batch.iter().zip(labeler.label_pages(batch)) {
            match result {
                Ok(mut labelled) => {
                    if let Some(summary) = summary.as_mut() {
                        summary.write_page(&labelled)?;
                    }
                    if let Some(label) = args.only {
                        labelled.retain_label(label);
                    }
                    writer.write_page(&labelled)?;
                    report.pages_out += 1;
                }
                Err(e) => report.skip(format!("{}: {e}", page.origin)),
            }
        }
        batch.clear();
        Ok(())
    };
    for record in read_inputs(&args.inputs, forced) {
        report.pages_in += 1;
        match record {
            Ok(page) => batch.push(page),
            Err(e) => report.skip(e),
        }
        if batch.len() == BATCH_PAGES {
            if let Err(e) = flush(&mut batch, &mut report) {
                return output_failed(e);
            }
        }
    }
    let finished = flush(&mut batch, &mut report)
        .and_then(|_| writer.finish())
        .and_then(|_| summary.as_mut().map_or(Ok(()), |s| s.finish()));
    if let Err(e) = finished {
        return output_failed(e);
    }
    Ok(report.exit_code())
}

/// A reader that stopped reading (`pagesift label … | head`) ends the run quietly, as in ripgrep.
fn output_failed(e: io::Error) -> Result<ExitCode, String> {
    if e.kind() == io::ErrorKind::BrokenPipe {
        Ok(ExitCode::SUCCESS)
    } else {
        Err(format!("writing output: {e}"))
    }
}

/// Reads gold files; a bad record is reported and left out, and makes the exit code 2.
fn gold_pages(paths: &[String]) -> (Vec<pagesift::GoldPage>, RunReport) {
    let (pages, errors) = read_gold(paths);
    let mut report = RunReport {
        pages_in: pages.len() + errors.len(),
        ..RunReport::default()
    };
    for e in errors {
        report.skip(e);
    }
    (pages, report)
}

fn train_cmd(args: TrainArgs) -> Result<ExitCode, String> {
    let (gold, mut report) = gold_pages(&args.gold);
    let bundle = train(&gold, &args.options.params(), &args.gold).map_err(|e| e.to_string())?;
    bundle.save(&args.out).map_err(|e| e.to_string())?;
    report.pages_out = gold.len();
    eprintln!(
        "pagesift: trained on {} pages ({} units), model written to {}",
        bundle.trained_on.pages,
        bundle.trained_on.units,
        args.out.display()
    );
    Ok(report.exit_code())
}

fn print_report(report: &pagesift::EvalReport, json: bool) -> Result<(), String> {
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(report).map_err(|e| e.to_string())?
        );
    } else {
        print!("{report}");
    }
    Ok(())
}

fn eval_cmd(args: EvalArgs) -> Result<ExitCode, String> {
    let labeler = Labeler::new(&load_model(&args.model)?).map_err(|e| e.to_string())?;
    let (gold, mut report) = gold_pages(&args.gold);
    let pages: Vec<Page> = gold.iter().map(|g| g.page.clone()).collect();
    let mut scored_gold = Vec::new();
    let mut predicted = Vec::new();
    for (g, result) in gold.iter().zip(labeler.label_pages(&pages)) {
        match result {
            Ok(p) => {
                scored_gold.push(g.clone());
                predicted.push(p);
            }
            Err(e) => report.skip(format!("{}: {e}", g.page.origin)),
        }
    }
    report.pages_out = predicted.len();
    print_report(&evaluate(&scored_gold, &predicted), args.json)?;
    Ok(report.exit_code())
}

fn cv_cmd(args: CvArgs) -> Result<ExitCode, String> {
    let (gold, mut report) = gold_pages(&args.gold);
    let (result, predicted) =
        cross_validate(&gold, &args.options.params()).map_err(|e| e.to_string())?;
    if let Some(path) = &args.predictions {
        let file = File::create(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let mut writer = span_writer(OutputFormat::Jsonl, file);
        for page in &predicted {
            writer
                .write_page(page)
                .map_err(|e| format!("{}: {e}", path.display()))?;
        }
        writer
            .finish()
            .map_err(|e| format!("{}: {e}", path.display()))?;
    }
    report.pages_out = gold.len();
    print_report(&result, args.json)?;
    Ok(report.exit_code())
}
