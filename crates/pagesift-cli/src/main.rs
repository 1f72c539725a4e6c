//! The `pagesift` binary: parse arguments, run one library call per command, map to an exit code.
//! The pipeline, the outputs and the streaming driver are the `pagesift` library's; this crate
//! holds what only a terminal needs: clap, the progress bar (indicatif), stderr messages, exit
//! codes and the allocator (mimalloc).

mod args;
mod commands;
mod terminal;

use args::{Cli, Command};
use clap::Parser;
use std::process::ExitCode;

/// mimalloc, with its memory kept rather than handed back and no huge pages (see
/// [`tune_allocator`]). Against glibc's allocator (its heap padded), one-thread `label` of 732
/// HTML pages took about 3% less CPU time (0.085 s, 10 alternating rounds; with two threads too);
/// mimalloc with its defaults was no faster than glibc, and peak RSS is about the same.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `--jobs` is capped at this many threads per core: more only costs memory and switching.
const MAX_JOBS_PER_CORE: usize = 4;

fn main() -> ExitCode {
    tune_allocator();
    run(Cli::parse())
}

/// Sets the thread pool up and runs the command.
fn run(cli: Cli) -> ExitCode {
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
    terminal::QUIET.store(cli.quiet, std::sync::atomic::Ordering::Relaxed);
    let result = match cli.command {
        Command::Label(args) => commands::label(args),
        Command::Explain(mut args) => {
            if args.explain == 0 {
                args.explain = 5;
            }
            commands::label(args)
        }
        Command::Extract(args) => commands::extract(args),
        Command::Report(args) => commands::report(args),
        Command::Export(args) => commands::export(args),
        Command::Import(args) => commands::import(args),
        Command::Train(args) => commands::train(args),
        Command::Eval(args) => commands::eval(args),
        Command::Cv(args) => commands::cv(args),
    };
    result.unwrap_or_else(|message| {
        eprintln!("pagesift: error: {message}");
        ExitCode::FAILURE
    })
}

// mimalloc's option setter (`mimalloc.h`; the `mimalloc` crate links it). `libmimalloc-sys`
// declares it only with its `extended` feature, and without this option's number.
extern "C" {
    fn mi_option_set(option: std::ffi::c_int, value: std::ffi::c_long);
}

/// `mi_option_purge_delay` in `mimalloc.h`'s `mi_option_t` (mimalloc 2 and 3).
const MI_OPTION_PURGE_DELAY: std::ffi::c_int = 15;

/// Each batch frees and reallocates tens of megabytes. By default mimalloc hands freed memory
/// back to the kernel after a delay (`purge_delay`), so every batch faults the same pages in
/// again and the kernel clears them; never purging (`-1`, as `MIMALLOC_PURGE_DELAY=-1` would)
/// keeps them, as glibc's padded heap did. And mimalloc asks for transparent huge pages, which
/// took less user time but 0.2-0.4 s of system time more on this VM when its host was busy
/// (compaction, clearing 2 MiB pages): they are turned off for the process, as
/// `MIMALLOC_ALLOW_THP=0` would (and as glibc's allocator never asks for them).
fn tune_allocator() {
    // SAFETY: `mi_option_set` only sets an allocator option (a plain store); it runs before any
    // other thread exists.
    unsafe {
        mi_option_set(MI_OPTION_PURGE_DELAY, -1);
    }
    #[cfg(target_os = "linux")]
    // SAFETY: `prctl(PR_SET_THP_DISABLE)` only sets a flag of the process; an error (an old
    // kernel) leaves huge pages on, which only costs time.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}
