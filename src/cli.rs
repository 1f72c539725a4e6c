//! Command-line shell: clap structs → library calls → exit codes. No pipeline logic here.

use clap::{Args, Parser, Subcommand, ValueEnum};
use pagesift::cv::{cross_validate_folds, Folds};
use pagesift::ingest::{into_pages, BatchLimits, BatchStream, InputFormat, ReadOptions};
use pagesift::output::{
    span_writer, span_writer_with, AtomicFile, OutputFormat, SpanWriter, SummaryWriter,
};
use pagesift::tokenize::TokenizerKind;
use pagesift::Label;
use pagesift::{evaluate, read_gold, train, Labeler, LabelledPage, ModelBundle, Page, TrainParams};
use std::collections::HashSet;
use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

/// `--quiet`: no progress bar.
static QUIET: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// A progress bar on stderr, when stderr is a terminal and not `--quiet`: the share of the input
/// read with the time left when its size is known (`total`, bytes), else a spinner; pages/s and
/// MB/s either way.
fn progress_bar(total: Option<u64>) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if QUIET.load(std::sync::atomic::Ordering::Relaxed) || !io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let (bar, template) = match total {
        Some(total) => (
            indicatif::ProgressBar::new(total),
            "{bar:30} {percent:>3}% {eta} left, {elapsed} so far: {msg}",
        ),
        None => (
            indicatif::ProgressBar::new_spinner(),
            "{spinner} {elapsed}: {msg}",
        ),
    };
    bar.set_style(indicatif::ProgressStyle::with_template(template).expect("a valid template"));
    bar
}

/// A spinner on stderr for `train` and `cv` (when stderr is a terminal and not `--quiet`), and
/// the library [`pagesift::Progress`] that moves it: the phase or the folds done, and the time.
fn phase_spinner() -> (indicatif::ProgressBar, pagesift::Progress) {
    use std::io::IsTerminal;
    if QUIET.load(std::sync::atomic::Ordering::Relaxed) || !io::stderr().is_terminal() {
        return (
            indicatif::ProgressBar::hidden(),
            pagesift::Progress::default(),
        );
    }
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {elapsed} {msg}")
            .expect("a valid template"),
    );
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    let shown = bar.clone();
    (
        bar,
        pagesift::Progress::new(move |what| shown.set_message(what.to_string())),
    )
}

/// `--jobs` is capped at this many threads per core: more only costs memory and switching.
const MAX_JOBS_PER_CORE: usize = 4;

/// Exit code when some input was skipped (the rest was still processed). Not 2: clap exits 2 on
/// bad arguments, and a script must tell "you called me wrong" from "some pages were bad".
const EXIT_SKIPPED: u8 = 3;

#[derive(Parser)]
#[command(
    name = "pagesift",
    version,
    about = "Label health web pages as education, promotion or boilerplate, span by span."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Worker threads (default: all cores; at most 4 per core).
    #[arg(long, global = true)]
    jobs: Option<usize>,
    /// No progress bar (it is shown only when stderr is a terminal anyway).
    #[arg(long, short, global = true)]
    quiet: bool,
}

#[derive(Subcommand)]
enum Command {
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
struct InputArgs {
    /// Input files or directories (text, HTML, JSON Lines, WARC, WARC.gz); `-` reads stdin.
    #[arg(required = true)]
    inputs: Vec<String>,
    /// Model directory (default: the built-in model).
    #[arg(long)]
    model: Option<PathBuf>,
    /// Read every input as this format instead of guessing from its name.
    #[arg(long, value_enum)]
    input_format: Option<InputFormatArg>,
    /// A page (file, JSONL line, WARC record) larger than this many bytes is skipped and reported.
    #[arg(long, default_value_t = ReadOptions::default().max_page_bytes)]
    max_page_bytes: usize,
    /// Decode invalid UTF-8 with U+FFFD instead of skipping the page; such pages say `"lossy": true`.
    #[arg(long)]
    lossy: bool,
    /// Also write every skipped input as a JSON line here: file, line, id, reason.
    #[arg(long)]
    errors: Option<PathBuf>,
    /// Follow symbolic links inside input directories (loops are reported; a file reached twice
    /// is read once). Without it, links there are reported and not followed.
    #[arg(long)]
    follow: bool,
}

#[derive(Args)]
struct ExtractArgs {
    #[command(flatten)]
    input: InputArgs,
    /// Keep promotion spans too (all main content, not only the educational part).
    #[arg(long)]
    with_promotion: bool,
    /// `jsonl`: one `{"id", "url", "text"}` per page; `text`: the texts, a blank line between pages.
    #[arg(long, value_enum, default_value_t = ExtractFormatArg::Jsonl)]
    format: ExtractFormatArg,
    /// Write here instead of stdout.
    #[arg(long, short, visible_alias = "out")]
    output: Option<PathBuf>,
}

#[derive(Args)]
struct ReportArgs {
    #[command(flatten)]
    input: InputArgs,
    /// The HTML file to write (`-` for stdout).
    #[arg(long, short = 'o', visible_alias = "output")]
    out: PathBuf,
    /// Pages shown in full (all pages count in the summary).
    #[arg(long, default_value_t = 200)]
    max_pages: usize,
    /// Reasons shown per span on hover.
    #[arg(long, default_value_t = 3)]
    explain: usize,
}

#[derive(Clone, Copy, ValueEnum)]
enum ToolArg {
    Doccano,
    LabelStudio,
    Spacy,
}

impl ToolArg {
    fn format(self) -> pagesift::interop::ToolFormat {
        use pagesift::interop::ToolFormat;
        match self {
            ToolArg::Doccano => ToolFormat::Doccano,
            ToolArg::LabelStudio => ToolFormat::LabelStudio,
            ToolArg::Spacy => ToolFormat::Spacy,
        }
    }
}

#[derive(Args)]
struct ExportArgs {
    /// Gold JSON Lines files; with --predict, any pages (they are labelled first).
    #[arg(required = true)]
    inputs: Vec<String>,
    /// The tool's format.
    #[arg(long, value_enum)]
    to: ToolArg,
    /// Label the inputs with the model and export its spans (pre-annotations to correct).
    #[arg(long)]
    predict: bool,
    /// Model directory for --predict (default: the built-in model).
    #[arg(long)]
    model: Option<PathBuf>,
    /// Write here instead of stdout.
    #[arg(long, short, visible_alias = "out")]
    output: Option<PathBuf>,
}

#[derive(Args)]
struct ImportArgs {
    /// Files exported by the tool.
    #[arg(required = true)]
    inputs: Vec<String>,
    /// The tool's format.
    #[arg(long, value_enum)]
    from: ToolArg,
    /// Write here instead of stdout.
    #[arg(long, short, visible_alias = "out")]
    output: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
enum ExtractFormatArg {
    Jsonl,
    Text,
}

#[derive(Args)]
struct LabelArgs {
    #[command(flatten)]
    input: InputArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = FormatArg::Jsonl)]
    format: FormatArg,
    /// Write here instead of stdout.
    #[arg(long, short, visible_alias = "out")]
    output: Option<PathBuf>,
    /// Continue a killed run: keep the pages already in `--output` (or its newest
    /// `.NAME.*.partial` file) and label only the others (JSON Lines output only).
    #[arg(long, requires = "output")]
    resume: bool,
    /// Also write each page's text here as JSON Lines `{"id", "url", "text"}` (for HTML, the
    /// extracted text, one block per line: what `text_start`/`text_end` point into).
    #[arg(long)]
    emit_text: Option<PathBuf>,
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
    /// CSV (`--format csv`, `--summary`): write cells starting with `=`, `+`, `-`, `@`, tab or CR
    /// as they are, without the leading `'` that stops spreadsheets reading them as formulas.
    #[arg(long)]
    csv_raw: bool,
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
    /// Train a content model on pages with known main content (an index in the format of
    /// `shared/data/web/index.jsonl`) and use it for HTML pages; it is saved with the model.
    #[arg(long, conflicts_with = "content_model")]
    content_pages: Option<String>,
    /// At most this many pages of `--content-pages` are used (spread evenly over the file).
    #[arg(long, default_value_t = 3000)]
    content_max_pages: usize,
    /// Use the content model of this model directory (its `content.json`) instead of training one.
    #[arg(long)]
    content_model: Option<PathBuf>,
}

impl TrainOptions {
    /// The parameters, with the content model trained or loaded as asked.
    fn params_with_content(&self) -> Result<TrainParams, String> {
        let mut params = self.params();
        if let Some(index) = &self.content_pages {
            let (pages, errors) = pagesift::ingest::read_content_pages(index);
            for e in &errors {
                eprintln!("pagesift: skipped {e}");
            }
            let features = pagesift::features::FeatureExtractor::builder()
                .options(params.features)
                .build()
                .map_err(|e| e.to_string())?;
            let model = pagesift::content::ContentModel::train(
                &pages,
                &features,
                params.classifier,
                self.content_max_pages,
                std::slice::from_ref(index),
            )
            .map_err(|e| e.to_string())?;
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
    /// Gold JSON Lines files (the format and labels: docs/labels.md).
    #[arg(required = true)]
    gold: Vec<String>,
    /// Directory to write tokenizer.json and model.json into.
    #[arg(long, short = 'o', visible_alias = "output")]
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
    /// Gold pages, each held out in turn.
    #[arg(required = true)]
    gold: Vec<String>,
    /// More gold pages, in the training side of every fold and never held out or scored.
    #[arg(long, value_name = "GOLD")]
    train_also: Vec<String>,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
    /// Also write each page's held-out labelling here (JSON Lines, as `label` writes it).
    #[arg(long)]
    predictions: Option<PathBuf>,
    /// K folds instead of leaving one page out at a time.
    #[arg(long, value_name = "K", value_parser = clap::value_parser!(u32).range(2..))]
    folds: Option<u32>,
    /// With --folds: keep each site (URL host without `www.`; a page without a URL is its own
    /// site) in one fold, or deal pages to folds in turn.
    #[arg(long, value_enum, default_value = "site", requires = "folds")]
    group_by: GroupByArg,
    #[command(flatten)]
    options: TrainOptions,
}

#[derive(Clone, Copy, ValueEnum)]
enum GroupByArg {
    Site,
    Page,
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
    Html,
    Warc,
}

/// What a run read, wrote and skipped; skipped inputs also go to `--errors` as JSON lines.
#[derive(Default)]
struct RunReport {
    pages_in: usize,
    pages_out: usize,
    skipped: usize,
    /// Pages found in the output of an earlier run (`--resume`) and not labelled again.
    resumed: usize,
    errors: Option<OutputFile>,
}

impl RunReport {
    fn with_errors(path: &Option<PathBuf>) -> Result<RunReport, String> {
        Ok(RunReport {
            errors: side_output(path)?,
            ..RunReport::default()
        })
    }

    /// Reports a skipped input on stderr and in the errors file.
    fn skip_record(&mut self, file: &str, line: Option<usize>, id: Option<&str>, reason: &str) {
        self.skipped += 1;
        let place = line.map_or_else(|| file.to_string(), |l| format!("{file}: line {l}"));
        eprintln!("pagesift: skipped {place}: {reason}");
        if let Some(out) = self.errors.as_mut() {
            let record =
                serde_json::json!({"file": file, "line": line, "id": id, "reason": reason});
            // The errors file is best effort: failing to write it must not stop labelling.
            let _ = writeln!(out, "{record}");
        }
    }

    fn skip(&mut self, e: &pagesift::IngestError) {
        self.skip_record(
            &e.origin.path,
            e.origin.line,
            e.id.as_deref(),
            &e.kind.to_string(),
        );
    }

    fn skip_page(&mut self, page: &Page, reason: &str) {
        self.skip_record(&page.origin.path, page.origin.line, Some(&page.id), reason);
    }

    fn exit_code(&mut self) -> ExitCode {
        if self.resumed > 0 {
            eprintln!(
                "pagesift: {} pages were already in the output (--resume)",
                self.resumed
            );
        }
        eprintln!(
            "pagesift: {} pages read, {} labelled, {} skipped",
            self.pages_in, self.pages_out, self.skipped
        );
        if let Some(errors) = self.errors.take() {
            if let Err(e) = errors.commit() {
                eprintln!("pagesift: error: writing the errors file: {e}");
                return ExitCode::FAILURE;
            }
        }
        if self.skipped > 0 {
            ExitCode::from(EXIT_SKIPPED)
        } else {
            ExitCode::SUCCESS
        }
    }
}

/// Where an output goes: stdout, or a file that appears whole at the end ([`AtomicFile`]).
enum OutputFile {
    Stdout(io::StdoutLock<'static>),
    File(AtomicFile),
}

impl OutputFile {
    fn open(path: &Option<PathBuf>) -> Result<OutputFile, String> {
        Ok(match path {
            Some(path) => OutputFile::File(
                AtomicFile::create(path).map_err(|e| format!("{}: {e}", path.display()))?,
            ),
            None => OutputFile::Stdout(io::stdout().lock()),
        })
    }

    /// Makes the file appear under its name (stdout is flushed).
    fn commit(self) -> io::Result<()> {
        match self {
            OutputFile::Stdout(mut out) => out.flush(),
            OutputFile::File(file) => file.commit(),
        }
    }
}

impl Write for OutputFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            OutputFile::Stdout(out) => out.write(buf),
            OutputFile::File(file) => file.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            OutputFile::Stdout(out) => out.flush(),
            OutputFile::File(file) => file.flush(),
        }
    }
}

pub fn run() -> ExitCode {
    let cli = Cli::parse();
    if let Some(jobs) = cli.jobs {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let max = cores * MAX_JOBS_PER_CORE;
        if jobs > max {
            eprintln!(
                "pagesift: warning: --jobs {jobs} is more than {MAX_JOBS_PER_CORE} per core \
                 ({cores} cores): using {max}"
            );
        }
        if let Err(e) = rayon::ThreadPoolBuilder::new()
            .num_threads(jobs.clamp(1, max))
            .build_global()
        {
            eprintln!("pagesift: error: --jobs {jobs}: {e}");
            return ExitCode::FAILURE;
        }
    }
    QUIET.store(cli.quiet, std::sync::atomic::Ordering::Relaxed);
    let result = match cli.command {
        Command::Label(args) => label(args),
        Command::Explain(mut args) => {
            if args.explain == 0 {
                args.explain = 5;
            }
            label(args)
        }
        Command::Extract(args) => extract_cmd(args),
        Command::Report(args) => report_cmd(args),
        Command::Export(args) => export_cmd(args),
        Command::Import(args) => import_cmd(args),
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

/// Refuses, before anything is read, an output that is an input or two outputs that are one file.
fn check_outputs(inputs: &[String], outputs: &[(&str, &Option<PathBuf>)]) -> Result<(), String> {
    let given: Vec<(&str, &std::path::Path)> = outputs
        .iter()
        .filter_map(|&(option, path)| path.as_deref().map(|p| (option, p)))
        .collect();
    pagesift::output::check_outputs(inputs, &given, pagesift::ingest::walked)
}

/// An optional extra output file (`--summary`, `--emit-text`, `--errors`), written atomically.
fn side_output(path: &Option<PathBuf>) -> Result<Option<OutputFile>, String> {
    path.as_ref()
        .map(|p| OutputFile::open(&Some(p.clone())))
        .transpose()
}

/// The input's batches, read on a thread of their own when the run has several: made before the
/// model loads, so the first batch is read meanwhile.
fn input_batches(input: &InputArgs) -> BatchStream<'_> {
    let forced = input.input_format.map(|f| match f {
        InputFormatArg::Text => InputFormat::Text,
        InputFormatArg::Jsonl => InputFormat::Jsonl,
        InputFormatArg::Html => InputFormat::Html,
        InputFormatArg::Warc => InputFormat::Warc,
    });
    let options = ReadOptions {
        max_page_bytes: input.max_page_bytes,
        lossy: input.lossy,
        follow_links: input.follow,
    };
    BatchStream::start(
        &input.inputs,
        forced,
        options,
        BatchLimits::default(),
        pipelined(),
    )
}

/// Whether batches go through the pipeline of [`label_stream`] (and are read ahead).
fn pipelined() -> bool {
    rayon::current_num_threads() > 1
}

/// Labels each batch in parallel and hands every labelled page to `sink`, in input order. Bad
/// records are reported and skipped; an output error stops the run.
fn label_stream(
    batches: BatchStream<'_>,
    labeler: &Labeler,
    report: &mut RunReport,
    resumed: &mut Resumed,
    mut sink: impl FnMut(&Page, LabelledPage) -> io::Result<()>,
) -> Result<(), io::Error> {
    let meter = batches.meter();
    let bar = progress_bar(meter.total());
    let started = std::time::Instant::now();
    let mut text_bytes = 0usize;
    let mut pages_done = 0usize;
    // Keeps only the pages that parsed, reporting the rest, and moves the progress bar on.
    let mut keep_parsed = |parsed: ParsedBatch, report: &mut RunReport| {
        let mut pages = Vec::with_capacity(parsed.len());
        for result in parsed {
            match result {
                Ok(page) => pages.push(page),
                Err(e) => report.skip(&e),
            }
        }
        text_bytes += pages.iter().map(|p| p.text.len()).sum::<usize>();
        pages_done += pages.len();
        bar.set_position(meter.read());
        let seconds = started.elapsed().as_secs_f64().max(1e-3);
        bar.set_message(format!(
            "{pages_done} pages ({:.0} pages/s, {:.1} MB/s of text)",
            pages_done as f64 / seconds,
            text_bytes as f64 / 1e6 / seconds
        ));
        pages
    };
    // With more than one thread the batches go through a pipeline: while batch k is labelled,
    // batch k+1 is parsed on the same pool and batch k-1 is written on this thread, so the pool
    // fills the end of one stage (a few big pages left) with the other's work. Reading runs a
    // batch ahead. One thread stays one: parse, label and write each batch in turn.
    let pipelined = pipelined();
    let mut duplicates = DuplicateIds::default();
    let mut parsed: Option<Vec<Page>> = None;
    let mut labelled: Option<LabelledBatch> = None;
    for batch in batches {
        for (path, format) in meter.take_guesses() {
            bar.suspend(|| {
                eprintln!(
                    "pagesift: {path}: read as {} (guessed from its first bytes; \
                     --input-format to override)",
                    format.name()
                )
            });
        }
        let mut records = Vec::with_capacity(batch.len());
        for record in batch {
            report.pages_in += 1;
            match record {
                Ok(record) => {
                    duplicates.check(record.id());
                    if resumed.take(record.id()) {
                        report.resumed += 1;
                    } else {
                        records.push(record);
                    }
                }
                Err(e) => report.skip(&e),
            }
        }
        if !pipelined {
            let pages = keep_parsed(into_pages(records), report);
            let results = labeler.label_pages(&pages);
            write_batch(Some((pages, results)), report, &mut sink)?;
            continue;
        }
        let (results, next) = pipeline_step(
            labeler,
            labelled.take(),
            parsed.take(),
            records,
            report,
            &mut sink,
        )?;
        labelled = results;
        parsed = Some(keep_parsed(next, report));
    }
    // The last batch is labelled while the one before it is written.
    if pipelined {
        let (last, _) = pipeline_step(
            labeler,
            labelled.take(),
            parsed.take(),
            Vec::new(),
            report,
            &mut sink,
        )?;
        write_batch(last, report, &mut sink)?;
    }
    bar.finish_and_clear();
    duplicates.finish();
    Ok(())
}

/// The ids of the pages an earlier run wrote (`--resume`), in output order. The input is
/// matched against them by position, not by id alone, so a page whose id repeats is labelled
/// as often as it comes.
#[derive(Default)]
struct Resumed {
    ids: std::collections::VecDeque<String>,
}

impl Resumed {
    /// Whether the input's next good record, `id`, is the next page the earlier run wrote (it
    /// is then not labelled again). A record that has no line (a page skipped as bad) does not
    /// match and is read again; the lines after it still match the records after it.
    fn take(&mut self, id: &str) -> bool {
        let matches = self.ids.front().is_some_and(|done| done == id);
        if matches {
            self.ids.pop_front();
        }
        matches
    }
}

/// Warns on stderr about page ids that repeat in the input (each copy is still labelled). Keeps
/// a 64-bit hash per id, not the id, so memory stays small on long runs.
#[derive(Default)]
struct DuplicateIds {
    seen: HashSet<u64, rustc_hash::FxBuildHasher>,
    repeats: usize,
}

impl DuplicateIds {
    /// At most this many repeated ids are named; the rest are counted.
    const NAMED: usize = 10;

    fn check(&mut self, id: &str) {
        use std::hash::BuildHasher;
        if !self.seen.insert(rustc_hash::FxBuildHasher.hash_one(id)) {
            self.repeats += 1;
            if self.repeats <= Self::NAMED {
                eprintln!(
                    "pagesift: warning: page id {id:?} appears more than once in the input \
                     (each copy is labelled)"
                );
            }
        }
    }

    fn finish(&self) {
        if self.repeats > Self::NAMED {
            eprintln!(
                "pagesift: warning: {} pages have an id that appeared before in the input",
                self.repeats
            );
        }
    }
}

/// One step of the pipeline: writes the batch labelled last time (`previous`) on this thread,
/// while the pool labels `to_label` and parses `records`. Returns the newly labelled batch and
/// the parse results.
fn pipeline_step(
    labeler: &Labeler,
    previous: Option<LabelledBatch>,
    to_label: Option<Vec<Page>>,
    records: Vec<pagesift::ingest::Record>,
    report: &mut RunReport,
    sink: &mut impl FnMut(&Page, LabelledPage) -> io::Result<()>,
) -> io::Result<(Option<LabelledBatch>, ParsedBatch)> {
    std::thread::scope(|scope| {
        let work = scope.spawn(|| {
            rayon::join(
                || {
                    to_label.map(|pages| {
                        let results = labeler.label_pages(&pages);
                        (pages, results)
                    })
                },
                || into_pages(records),
            )
        });
        let written = write_batch(previous, report, sink);
        let done = work
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        written.map(|()| done)
    })
}

/// A batch's parse results, in input order.
type ParsedBatch = Vec<Result<Page, pagesift::IngestError>>;

/// A batch's pages and their labelling results, in input order.
type LabelledBatch = (Vec<Page>, Vec<Result<LabelledPage, pagesift::ModelError>>);

/// Hands a labelled batch to the sink in input order, reporting the pages that failed.
fn write_batch(
    batch: Option<LabelledBatch>,
    report: &mut RunReport,
    sink: &mut impl FnMut(&Page, LabelledPage) -> io::Result<()>,
) -> io::Result<()> {
    let Some((pages, results)) = batch else {
        return Ok(());
    };
    for (page, result) in pages.iter().zip(results) {
        match result {
            Ok(labelled) => {
                sink(page, labelled)?;
                report.pages_out += 1;
            }
            Err(e) => report.skip_page(page, &e.to_string()),
        }
    }
    Ok(())
}

fn label(args: LabelArgs) -> Result<ExitCode, String> {
    check_outputs(
        &args.input.inputs,
        &[
            ("--output", &args.output),
            ("--summary", &args.summary),
            ("--emit-text", &args.emit_text),
            ("--errors", &args.input.errors),
        ],
    )?;
    let batches = input_batches(&args.input);
    let mut labeler =
        Labeler::from_bundle(load_model(&args.input.model)?).map_err(|e| e.to_string())?;
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
    let mut resumed = Resumed::default();
    let mut out = match (&args.output, args.resume) {
        (Some(path), true) => {
            if !matches!(format, OutputFormat::Jsonl) {
                return Err("--resume needs JSON Lines output".into());
            }
            let (file, lines) =
                AtomicFile::resume(path).map_err(|e| format!("{}: {e}", path.display()))?;
            for line in lines {
                let record: serde_json::Value = serde_json::from_str(&line).map_err(|e| {
                    format!(
                        "{}: cannot resume from a line that is not JSON: {e}",
                        path.display()
                    )
                })?;
                if let Some(id) = record["id"].as_str() {
                    resumed.ids.push_back(id.to_string());
                }
            }
            OutputFile::File(file)
        }
        _ => OutputFile::open(&args.output)?,
    };
    let mut summary = side_output(&args.summary)?.map(|s| SummaryWriter::with_raw(s, args.csv_raw));
    let mut texts = side_output(&args.emit_text)?;
    let mut report = RunReport::with_errors(&args.input.errors)?;
    let mut writer = span_writer_with(format, &mut out, args.csv_raw, args.explain > 0);
    let result = label_stream(
        batches,
        &labeler,
        &mut report,
        &mut resumed,
        |page, mut labelled| {
            if let Some(summary) = summary.as_mut() {
                summary.write_page(&labelled)?;
            }
            if let Some(texts) = texts.as_mut() {
                write_page_text(texts, page, &page.text)?;
            }
            if let Some(label) = args.only {
                labelled.retain_label(label);
            }
            writer.write_page(&labelled)
        },
    )
    .and_then(|()| writer.finish());
    // Every output appears under its name only once the whole run went through.
    drop(writer);
    let result = result.and_then(|()| {
        out.commit()?;
        if let Some(s) = summary {
            s.into_inner()?.commit()?;
        }
        if let Some(t) = texts {
            t.commit()?;
        }
        Ok(())
    });
    match result {
        Ok(()) => Ok(report.exit_code()),
        Err(e) => output_failed(e),
    }
}

/// One `{"id", "url", "text"}` line.
fn write_page_text(out: &mut impl Write, page: &Page, text: &str) -> io::Result<()> {
    let record = serde_json::json!({"id": page.id, "url": page.url, "text": text});
    writeln!(out, "{record}")
}

fn extract_cmd(args: ExtractArgs) -> Result<ExitCode, String> {
    check_outputs(
        &args.input.inputs,
        &[("--output", &args.output), ("--errors", &args.input.errors)],
    )?;
    let batches = input_batches(&args.input);
    let mut labeler =
        Labeler::from_bundle(load_model(&args.input.model)?).map_err(|e| e.to_string())?;
    labeler.main_content_axis = true;
    let mut out = OutputFile::open(&args.output)?;
    let mut report = RunReport::with_errors(&args.input.errors)?;
    let keep = |label: Label| {
        label == Label::Education || (args.with_promotion && label == Label::Promotion)
    };
    let result = label_stream(
        batches,
        &labeler,
        &mut report,
        &mut Resumed::default(),
        |page, labelled| {
            let text = pagesift::main_text(&labelled, keep);
            match args.format {
                ExtractFormatArg::Jsonl => write_page_text(&mut out, page, &text),
                ExtractFormatArg::Text => writeln!(out, "{text}\n"),
            }
        },
    )
    .and_then(|()| out.commit());
    match result {
        Ok(()) => Ok(report.exit_code()),
        Err(e) => output_failed(e),
    }
}

fn report_cmd(args: ReportArgs) -> Result<ExitCode, String> {
    check_outputs(
        &args.input.inputs,
        &[
            ("--out", &Some(args.out.clone())),
            ("--errors", &args.input.errors),
        ],
    )?;
    let batches = input_batches(&args.input);
    let mut labeler =
        Labeler::from_bundle(load_model(&args.input.model)?).map_err(|e| e.to_string())?;
    labeler.explain = args.explain;
    let file = AtomicFile::create(&args.out).map_err(|e| format!("{}: {e}", args.out.display()))?;
    let mut html = pagesift::output::ReportWriter::new(file, args.max_pages);
    let mut report = RunReport::with_errors(&args.input.errors)?;
    let result = label_stream(
        batches,
        &labeler,
        &mut report,
        &mut Resumed::default(),
        |page, labelled| {
            html.add(page, &labelled);
            Ok(())
        },
    )
    .and_then(|()| html.finish())
    .and_then(|file| file.commit());
    match result {
        Ok(()) => Ok(report.exit_code()),
        // `--out -` or a FIFO whose reader went away.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(ExitCode::SUCCESS),
        Err(e) => Err(format!("{}: {e}", args.out.display())),
    }
}

fn export_cmd(args: ExportArgs) -> Result<ExitCode, String> {
    check_outputs(&args.inputs, &[("--output", &args.output)])?;
    let (pages, mut report) = if args.predict {
        let labeler = Labeler::from_bundle(load_model(&args.model)?).map_err(|e| e.to_string())?;
        let input = InputArgs {
            inputs: args.inputs.clone(),
            model: None,
            input_format: None,
            max_page_bytes: ReadOptions::default().max_page_bytes,
            lossy: false,
            errors: None,
            follow: false,
        };
        let mut pages = Vec::new();
        let mut report = RunReport::default();
        label_stream(
            input_batches(&input),
            &labeler,
            &mut report,
            &mut Resumed::default(),
            |page, labelled| {
                pages.push(pagesift::GoldPage {
                    page: page.clone(),
                    spans: labelled.spans.iter().map(|s| (s.range, s.label)).collect(),
                    unaligned: Default::default(),
                });
                Ok(())
            },
        )
        .map_err(|e| e.to_string())?;
        (pages, report)
    } else {
        gold_pages(&args.inputs)
    };
    let mut out = OutputFile::open(&args.output)?;
    pagesift::interop::export(&pages, args.to.format(), &mut out)
        .and_then(|()| out.commit())
        .or_else(|e| output_failed(e).map(|_| ()))?;
    report.pages_out = pages.len();
    Ok(report.exit_code())
}

fn import_cmd(args: ImportArgs) -> Result<ExitCode, String> {
    check_outputs(&args.inputs, &[("--output", &args.output)])?;
    let mut report = RunReport::default();
    let mut pages = Vec::new();
    for path in &args.inputs {
        let content = match std::fs::read_to_string(path) {
            Ok(c) => c,
            Err(e) => {
                report.pages_in += 1;
                report.skip_record(path, None, None, &format!("cannot read: {e}"));
                continue;
            }
        };
        for result in pagesift::interop::import(path, &content, args.from.format()) {
            report.pages_in += 1;
            match result {
                Ok(page) => pages.push(page),
                Err(e) => report.skip(&e),
            }
        }
    }
    let mut out = OutputFile::open(&args.output)?;
    pagesift::interop::write_gold(&pages, &mut out)
        .and_then(|()| out.commit())
        .or_else(|e| output_failed(e).map(|_| ()))?;
    report.pages_out = pages.len();
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

/// Reads gold files; a bad record is reported and left out, and makes the exit code 3.
fn gold_pages(paths: &[String]) -> (Vec<pagesift::GoldPage>, RunReport) {
    let (pages, errors) = read_gold(paths);
    let mut report = RunReport {
        pages_in: pages.len() + errors.len(),
        ..RunReport::default()
    };
    for e in errors {
        report.skip(&e);
    }
    (pages, report)
}

fn train_cmd(args: TrainArgs) -> Result<ExitCode, String> {
    let (gold, mut report) = gold_pages(&args.gold);
    let (spinner, progress) = phase_spinner();
    let params = TrainParams {
        progress,
        ..args.options.params_with_content()?
    };
    let trained = train(&gold, &params, &args.gold);
    spinner.finish_and_clear();
    let bundle = trained.map_err(|e| e.to_string())?;
    bundle.save(&args.out).map_err(|e| e.to_string())?;
    report.pages_out = gold.len();
    // The directory is replaced whole, so say what is in it now.
    let content = match &bundle.content {
        Some(c) => format!("with a content model ({} pages)", c.trained_on.pages),
        None => "without a content model".to_string(),
    };
    eprintln!(
        "pagesift: trained on {} pages ({} units), model {content} written to {}",
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
    let labeler = Labeler::from_bundle(load_model(&args.model)?).map_err(|e| e.to_string())?;
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
            Err(e) => report.skip_page(&g.page, &e.to_string()),
        }
    }
    report.pages_out = predicted.len();
    print_report(&evaluate(&scored_gold, &predicted), args.json)?;
    Ok(report.exit_code())
}

fn cv_cmd(args: CvArgs) -> Result<ExitCode, String> {
    let (gold, mut report) = gold_pages(&args.gold);
    // Pages only trained on are not counted as read and labelled; their bad records are skipped.
    let (extra, errors) = read_gold(&args.train_also);
    report.pages_in += errors.len();
    errors.iter().for_each(|e| report.skip(e));
    if !extra.is_empty() {
        eprintln!(
            "pagesift: {} more pages in every training fold",
            extra.len()
        );
    }
    let folds = match (args.folds, args.group_by) {
        (None, _) => Folds::LeaveOneOut,
        (Some(k), GroupByArg::Site) => Folds::BySite(k as usize),
        (Some(k), GroupByArg::Page) => Folds::ByPage(k as usize),
    };
    // With --content-pages and folds, each fold trains its own content model without the
    // held-out sites; otherwise the content model is trained (or loaded) once.
    let per_fold_content = match (&args.options.content_pages, folds) {
        (Some(index), Folds::BySite(_) | Folds::ByPage(_)) => {
            let (pages, errors) = pagesift::ingest::read_content_pages(index);
            for e in &errors {
                eprintln!("pagesift: skipped {e}");
            }
            Some(pagesift::cv::ContentTraining {
                pages,
                max_pages: args.options.content_max_pages,
                sources: vec![index.clone()],
            })
        }
        _ => None,
    };
    let params = if per_fold_content.is_some() {
        args.options.params()
    } else {
        args.options.params_with_content()?
    };
    let (spinner, progress) = phase_spinner();
    let params = TrainParams { progress, ..params };
    let validated = cross_validate_folds(&gold, &extra, &params, folds, per_fold_content.as_ref());
    spinner.finish_and_clear();
    let (result, predicted) = validated.map_err(|e| e.to_string())?;
    if let Some(path) = &args.predictions {
        // Written beside the target and renamed over it whole, as every other output.
        let failed = |e: io::Error| format!("{}: {e}", path.display());
        let mut file = AtomicFile::create(path).map_err(failed)?;
        {
            let mut writer = span_writer(OutputFormat::Jsonl, &mut file);
            for page in &predicted {
                writer.write_page(page).map_err(failed)?;
            }
            writer.finish().map_err(failed)?;
        }
        file.commit().map_err(failed)?;
    }
    report.pages_out = gold.len();
    print_report(&result, args.json)?;
    Ok(report.exit_code())
}
