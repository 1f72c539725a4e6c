//! One function per command: arguments → library calls → outputs and an exit code.

use crate::args::{
    CvArgs, EvalArgs, ExportArgs, ExtractArgs, ExtractFormatArg, FormatArg, GroupByArg, ImportArgs,
    InputArgs, LabelArgs, ReportArgs, TrainArgs,
};
use crate::terminal::{output_failed, phase_spinner, side_output, OutputFile, RunReport, Terminal};
use pagesift::cv::{cross_validate_weighted, Folds};
use pagesift::ingest::{BatchLimits, BatchStream, ReadOptions};
use pagesift::output::{
    span_writer, span_writer_with, AtomicFile, MainTextFormat, MainTextWriter, OutputFormat,
    PageTextWriter, ReportWriter, SummaryWriter,
};
use pagesift::run::{label_stream, FnSink, OnlyLabel, Resume, RunStats, Sink, Skipped};
use pagesift::{read_gold, train as train_model, GoldPage, Labeler, ModelBundle, TrainParams};
use std::io;
use std::path::PathBuf;
use std::process::ExitCode;

fn load_model(dir: &Option<PathBuf>) -> Result<ModelBundle, String> {
    match dir {
        Some(dir) => ModelBundle::load(dir),
        None => ModelBundle::builtin(),
    }
    .map_err(|e| e.to_string())
}

fn load_labeler(dir: &Option<PathBuf>) -> Result<Labeler, String> {
    Labeler::from_bundle(load_model(dir)?).map_err(|e| e.to_string())
}

/// Refuses, before anything is read, an output that is an input or two outputs that are one file.
fn check_outputs(inputs: &[String], outputs: &[(&str, &Option<PathBuf>)]) -> Result<(), String> {
    let given: Vec<(&str, &std::path::Path)> = outputs
        .iter()
        .filter_map(|&(option, path)| path.as_deref().map(|p| (option, p)))
        .collect();
    pagesift::output::check_outputs(inputs, &given, pagesift::ingest::walked)
}

/// The input's batches, read on a thread of their own when the run has several: made before the
/// model loads, so the first batch is read meanwhile.
fn input_batches(input: &InputArgs) -> BatchStream<'_> {
    BatchStream::start(
        &input.inputs,
        input.forced_format(),
        input.read_options(),
        BatchLimits::default(),
        rayon::current_num_threads() > 1,
    )
}

/// Labels the input into `sink` with the progress bar on, reporting skips into `report`.
fn run_into(
    input: &InputArgs,
    labeler: &Labeler,
    report: &mut RunReport,
    sink: impl Sink,
    resume: Resume,
) -> io::Result<()> {
    run_batches(input_batches(input), labeler, report, sink, resume)
}

fn run_batches(
    batches: BatchStream<'_>,
    labeler: &Labeler,
    report: &mut RunReport,
    sink: impl Sink,
    resume: Resume,
) -> io::Result<()> {
    let mut terminal = Terminal::new();
    let mut sinks = (&mut *report, sink);
    let result = label_stream(batches, labeler, &mut sinks, &mut terminal, resume);
    let stats = match &result {
        Ok(stats) => *stats,
        Err(_) => RunStats::default(),
    };
    terminal.finish(&stats);
    report.add(stats);
    result.map(|_| ())
}

/// The output file of `label`, and the pages it already holds with `--resume`.
fn label_output(args: &LabelArgs) -> Result<(OutputFile, Resume), String> {
    let (Some(path), true) = (&args.output, args.resume) else {
        return Ok((OutputFile::open(&args.output)?, Resume::default()));
    };
    if !matches!(args.format, FormatArg::Jsonl) {
        return Err("--resume needs JSON Lines output".into());
    }
    let (file, lines) = AtomicFile::resume(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let resume = Resume::from_jsonl_lines(&lines).map_err(|e| {
        format!(
            "{}: cannot resume from a line that is not JSON: {e}",
            path.display()
        )
    })?;
    Ok((OutputFile::File(file), resume))
}

pub fn label(args: LabelArgs) -> Result<ExitCode, String> {
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
    let mut labeler = load_labeler(&args.input.model)?
        .with_explain(args.explain)
        .with_main_content_axis(args.main_content);
    for &(label, p) in &args.threshold {
        labeler = labeler
            .with_threshold(label, p)
            .map_err(|e| e.to_string())?;
    }
    let format = match args.format {
        FormatArg::Jsonl => OutputFormat::Jsonl,
        FormatArg::Csv => OutputFormat::Csv,
    };
    let (mut out, resume) = label_output(&args)?;
    let mut summary = side_output(&args.summary)?.map(|s| SummaryWriter::with_raw(s, args.csv_raw));
    let mut texts = side_output(&args.emit_text)?.map(PageTextWriter);
    let mut report = RunReport::with_errors(&args.input.errors)?;
    let result = {
        let writer = span_writer_with(format, &mut out, args.csv_raw, args.explain > 0);
        let spans: Box<dyn Sink + '_> = match args.only {
            Some(label) => Box::new(OnlyLabel {
                label,
                inner: writer,
            }),
            None => Box::new(writer),
        };
        let sinks = (&mut summary, (&mut texts, spans));
        run_batches(batches, &labeler, &mut report, sinks, resume)
    };
    // Every output appears under its name only once the whole run went through.
    let result = result.and_then(|()| {
        out.commit()?;
        if let Some(s) = summary {
            s.into_inner()?.commit()?;
        }
        if let Some(t) = texts {
            t.0.commit()?;
        }
        Ok(())
    });
    match result {
        Ok(()) => Ok(report.exit_code()),
        Err(e) => output_failed(e),
    }
}

pub fn extract(args: ExtractArgs) -> Result<ExitCode, String> {
    check_outputs(
        &args.input.inputs,
        &[("--output", &args.output), ("--errors", &args.input.errors)],
    )?;
    let batches = input_batches(&args.input);
    let labeler = load_labeler(&args.input.model)?.with_main_content_axis(true);
    let mut out = OutputFile::open(&args.output)?;
    let mut report = RunReport::with_errors(&args.input.errors)?;
    let format = match args.format {
        ExtractFormatArg::Jsonl => MainTextFormat::Jsonl,
        ExtractFormatArg::Text => MainTextFormat::Text,
    };
    let writer = MainTextWriter::new(&mut out, format, args.with_promotion);
    let result = run_batches(batches, &labeler, &mut report, writer, Resume::default())
        .and_then(|()| out.commit());
    match result {
        Ok(()) => Ok(report.exit_code()),
        Err(e) => output_failed(e),
    }
}

pub fn report(args: ReportArgs) -> Result<ExitCode, String> {
    check_outputs(
        &args.input.inputs,
        &[
            ("--out", &Some(args.out.clone())),
            ("--errors", &args.input.errors),
        ],
    )?;
    let batches = input_batches(&args.input);
    let labeler = load_labeler(&args.input.model)?.with_explain(args.explain);
    let file = AtomicFile::create(&args.out).map_err(|e| format!("{}: {e}", args.out.display()))?;
    let mut html = ReportWriter::new(file, args.max_pages);
    let mut report = RunReport::with_errors(&args.input.errors)?;
    let result = run_batches(batches, &labeler, &mut report, &mut html, Resume::default())
        .and_then(|()| html.into_inner().commit());
    match result {
        Ok(()) => Ok(report.exit_code()),
        // `--out -` or a FIFO whose reader went away.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(ExitCode::SUCCESS),
        Err(e) => Err(format!("{}: {e}", args.out.display())),
    }
}

pub fn export(args: ExportArgs) -> Result<ExitCode, String> {
    check_outputs(&args.inputs, &[("--output", &args.output)])?;
    let (pages, mut report) = if args.predict {
        let labeler = load_labeler(&args.model)?;
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
        let collect = FnSink(|page: &pagesift::Page, labelled: &pagesift::LabelledPage| {
            pages.push(GoldPage::from_labelled(page, labelled));
            Ok(())
        });
        run_into(&input, &labeler, &mut report, collect, Resume::default())
            .map_err(|e| e.to_string())?;
        (pages, report)
    } else {
        gold_pages(&args.inputs)
    };
    let mut out = OutputFile::open(&args.output)?;
    pagesift::interop::export(&pages, args.to.format(), &mut out)
        .and_then(|()| out.commit())
        .or_else(|e| output_failed(e).map(|_| ()))?;
    report.stats.pages_out = pages.len();
    Ok(report.exit_code())
}

pub fn import(args: ImportArgs) -> Result<ExitCode, String> {
    check_outputs(&args.inputs, &[("--output", &args.output)])?;
    let mut report = RunReport::default();
    let mut pages = Vec::new();
    for path in &args.inputs {
        let content = match std::fs::read_to_string(path) {
            Ok(c) => c,
            Err(e) => {
                report.stats.pages_in += 1;
                report.skip(&Skipped {
                    file: path,
                    line: None,
                    id: None,
                    reason: format!("cannot read: {e}"),
                });
                continue;
            }
        };
        for result in pagesift::interop::import(path, &content, args.from.format()) {
            report.stats.pages_in += 1;
            match result {
                Ok(page) => pages.push(page),
                Err(e) => report.skip(&Skipped::from_error(&e)),
            }
        }
    }
    let mut out = OutputFile::open(&args.output)?;
    pagesift::interop::write_gold(&pages, &mut out)
        .and_then(|()| out.commit())
        .or_else(|e| output_failed(e).map(|_| ()))?;
    report.stats.pages_out = pages.len();
    Ok(report.exit_code())
}

/// Reads gold files; a bad record is reported and left out, and makes the exit code 3.
fn gold_pages(paths: &[String]) -> (Vec<GoldPage>, RunReport) {
    let (pages, errors) = read_gold(paths);
    let mut report = RunReport::default();
    report.stats.pages_in = pages.len() + errors.len();
    for e in &errors {
        report.skip(&Skipped::from_error(e));
    }
    (pages, report)
}

pub fn train(args: TrainArgs) -> Result<ExitCode, String> {
    let (gold, mut report) = gold_pages(&args.gold);
    let (spinner, progress) = phase_spinner();
    let params = TrainParams {
        progress,
        ..args.options.params_with_content()?
    };
    let trained = match args.options.self_training() {
        Some(unlabelled) => {
            let mut sources = args.gold.clone();
            sources.extend(
                unlabelled
                    .sources
                    .iter()
                    .map(|s| format!("{s} (self-training)")),
            );
            let skip_sites = std::collections::HashSet::new();
            pagesift::self_train::train_with_self_training(
                &gold,
                &unlabelled,
                &params,
                &skip_sites,
                &sources,
            )
            .map(|(bundle, pseudo)| {
                eprintln!("pagesift: self-training added {pseudo} pseudo-labelled pages");
                bundle
            })
        }
        None => train_model(&gold, &params, &args.gold),
    };
    spinner.finish_and_clear();
    let bundle = trained.map_err(|e| e.to_string())?;
    bundle.save(&args.out).map_err(|e| e.to_string())?;
    report.stats.pages_out = gold.len();
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

pub fn eval(args: EvalArgs) -> Result<ExitCode, String> {
    let labeler = load_labeler(&args.model)?;
    let (gold, mut report) = gold_pages(&args.gold);
    let scored = pagesift::run::score(&labeler, &gold);
    for (page, e) in &scored.refused {
        report.skip(&Skipped::from_page(&page.page, e));
    }
    report.stats.pages_out = gold.len() - scored.refused.len();
    print_report(&scored.report, args.json)?;
    Ok(report.exit_code())
}

pub fn cv(args: CvArgs) -> Result<ExitCode, String> {
    let (gold, mut report) = gold_pages(&args.gold);
    // Pages only trained on are not counted as read and labelled; their bad records are skipped.
    let (extra, errors) = read_gold(&args.train_also);
    report.stats.pages_in += errors.len();
    errors
        .iter()
        .for_each(|e| report.skip(&Skipped::from_error(e)));
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
    let validated = cross_validate_weighted(
        &gold,
        args.repeat_gold as usize,
        &extra,
        &params,
        folds,
        per_fold_content.as_ref(),
        args.options.self_training().as_ref(),
    );
    spinner.finish_and_clear();
    let validated = validated.map_err(|e| e.to_string())?;
    for (i, e) in &validated.refused {
        report.skip(&Skipped::from_page(&gold[*i].page, e));
    }
    if let Some(path) = &args.predictions {
        write_predictions(path, &validated.predicted)?;
    }
    report.stats.pages_out = gold.len() - validated.refused.len();
    print_report(&validated.report, args.json)?;
    Ok(report.exit_code())
}

/// `cv --predictions`: written beside the target and renamed over it whole, as every other output.
fn write_predictions(
    path: &std::path::Path,
    predicted: &[pagesift::LabelledPage],
) -> Result<(), String> {
    let failed = |e: io::Error| format!("{}: {e}", path.display());
    let mut file = AtomicFile::create(path).map_err(failed)?;
    {
        let mut writer = span_writer(OutputFormat::Jsonl, &mut file);
        for page in predicted {
            writer.write_page(page).map_err(failed)?;
        }
        writer.finish().map_err(failed)?;
    }
    file.commit().map_err(failed)
}
