//! What the command line shows on stderr and how it ends: the progress bar and spinner, skipped
//! inputs, the run's counts and exit code, and output files that appear whole.

use pagesift::ingest::InputFormat;
use pagesift::output::{AtomicFile, SkippedWriter};
use pagesift::run::{RunProgress, RunStats, Sink, Skipped, Watch};
use pagesift::{LabelledPage, Page};
use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};

/// `--quiet`: no progress bar.
pub static QUIET: AtomicBool = AtomicBool::new(false);

/// Exit code when some input was skipped (the rest was still processed). Not 2: clap exits 2 on
/// bad arguments, and a script must tell "you called me wrong" from "some pages were bad".
const EXIT_SKIPPED: u8 = 3;

/// Whether bars and spinners are drawn: stderr is a terminal and not `--quiet`.
fn drawn() -> bool {
    !QUIET.load(Ordering::Relaxed) && io::stderr().is_terminal()
}

/// A progress bar on stderr: the share of the input read with the time left when its size is
/// known (`total`, bytes), else a spinner; pages/s and MB/s either way.
fn progress_bar(total: Option<u64>) -> indicatif::ProgressBar {
    if !drawn() {
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

/// A spinner on stderr for `train` and `cv`, and the library [`pagesift::Progress`] that moves
/// it: the phase or the folds done, and the time.
pub fn phase_spinner() -> (indicatif::ProgressBar, pagesift::Progress) {
    if !drawn() {
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

/// The run's [`Watch`] on the terminal: the progress bar, guessed formats and repeated ids.
pub struct Terminal {
    bar: indicatif::ProgressBar,
}

impl Terminal {
    /// At most this many repeated ids are named; the rest are counted.
    const NAMED_REPEATS: usize = 10;

    /// A watch with no bar yet (it appears when the run starts).
    pub fn new() -> Self {
        Terminal {
            bar: indicatif::ProgressBar::hidden(),
        }
    }

    /// Clears the bar and counts the repeated ids that were not named.
    pub fn finish(self, stats: &RunStats) {
        self.bar.finish_and_clear();
        if stats.repeated_ids > Self::NAMED_REPEATS {
            eprintln!(
                "pagesift: warning: {} pages have an id that appeared before in the input",
                stats.repeated_ids
            );
        }
    }
}

impl Watch for Terminal {
    fn started(&mut self, bytes_total: Option<u64>) {
        self.bar = progress_bar(bytes_total);
    }

    fn progress(&mut self, p: &RunProgress) {
        self.bar.set_position(p.bytes_read);
        let seconds = p.elapsed.as_secs_f64().max(1e-3);
        self.bar.set_message(format!(
            "{} pages ({:.0} pages/s, {:.1} MB/s of text)",
            p.pages,
            p.pages as f64 / seconds,
            p.text_bytes as f64 / 1e6 / seconds
        ));
    }

    fn guessed(&mut self, path: &str, format: InputFormat) {
        self.bar.suspend(|| {
            eprintln!(
                "pagesift: {path}: read as {} (guessed from its first bytes; \
                 --input-format to override)",
                format.name()
            )
        });
    }

    fn repeated_id(&mut self, id: &str, repeats: usize) {
        if repeats <= Self::NAMED_REPEATS {
            eprintln!(
                "pagesift: warning: page id {id:?} appears more than once in the input \
                 (each copy is labelled)"
            );
        }
    }
}

/// What a run read, wrote and skipped; skipped inputs are said on stderr and also go to
/// `--errors` as JSON lines. As a [`Sink`] it reports the skips of a labelling run.
#[derive(Default)]
pub struct RunReport {
    pub stats: RunStats,
    errors: Option<SkippedWriter<OutputFile>>,
}

impl RunReport {
    /// A report that also writes skipped inputs to `path`.
    pub fn with_errors(path: &Option<PathBuf>) -> Result<RunReport, String> {
        Ok(RunReport {
            errors: side_output(path)?.map(SkippedWriter),
            ..RunReport::default()
        })
    }

    /// Says a skipped input on stderr and in the errors file (best effort: failing to write
    /// it must not stop labelling).
    fn tell(&mut self, skipped: &Skipped<'_>) {
        eprintln!("pagesift: skipped {}: {}", skipped.place(), skipped.reason);
        if let Some(out) = self.errors.as_mut() {
            let _ = out.skipped(skipped);
        }
    }

    /// Counts and reports a skipped input.
    pub fn skip(&mut self, skipped: &Skipped<'_>) {
        self.stats.skipped += 1;
        self.tell(skipped);
    }

    /// Adds a labelling run's counts (its skips were reported as they came).
    pub fn add(&mut self, stats: RunStats) {
        let s = &mut self.stats;
        s.pages_in += stats.pages_in;
        s.pages_out += stats.pages_out;
        s.skipped += stats.skipped;
        s.resumed += stats.resumed;
        s.repeated_ids += stats.repeated_ids;
    }

    /// Says the counts, commits the errors file, and gives the exit code.
    pub fn exit_code(&mut self) -> ExitCode {
        let s = self.stats;
        if s.resumed > 0 {
            eprintln!(
                "pagesift: {} pages were already in the output (--resume)",
                s.resumed
            );
        }
        eprintln!(
            "pagesift: {} pages read, {} labelled, {} skipped",
            s.pages_in, s.pages_out, s.skipped
        );
        if let Some(errors) = self.errors.take() {
            if let Err(e) = errors.0.commit() {
                eprintln!("pagesift: error: writing the errors file: {e}");
                return ExitCode::FAILURE;
            }
        }
        if s.skipped > 0 {
            ExitCode::from(EXIT_SKIPPED)
        } else {
            ExitCode::SUCCESS
        }
    }
}

impl Sink for RunReport {
    fn page(&mut self, _page: &Page, _labelled: &LabelledPage) -> io::Result<()> {
        Ok(())
    }

    fn skipped(&mut self, skipped: &Skipped<'_>) -> io::Result<()> {
        self.tell(skipped);
        Ok(())
    }
}

/// Where an output goes: stdout, or a file that appears whole at the end ([`AtomicFile`]).
pub enum OutputFile {
    Stdout(io::StdoutLock<'static>),
    File(AtomicFile),
}

impl OutputFile {
    /// `path`, or stdout.
    pub fn open(path: &Option<PathBuf>) -> Result<OutputFile, String> {
        Ok(match path {
            Some(path) => OutputFile::File(
                AtomicFile::create(path).map_err(|e| format!("{}: {e}", path.display()))?,
            ),
            None => OutputFile::Stdout(io::stdout().lock()),
        })
    }

    /// Makes the file appear under its name (stdout is flushed).
    pub fn commit(self) -> io::Result<()> {
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

/// An optional extra output file (`--summary`, `--emit-text`, `--errors`), written atomically.
pub fn side_output(path: &Option<PathBuf>) -> Result<Option<OutputFile>, String> {
    path.as_ref()
        .map(|p| OutputFile::open(&Some(p.clone())))
        .transpose()
}

/// A reader that stopped reading (`pagesift label … | head`) ends the run quietly, as in ripgrep.
pub fn output_failed(e: io::Error) -> Result<ExitCode, String> {
    if e.kind() == io::ErrorKind::BrokenPipe {
        Ok(ExitCode::SUCCESS)
    } else {
        Err(format!("writing output: {e}"))
    }
}
