//! The `pagesift` binary: parse arguments, run one library call per command, map to an exit code.

mod cli;

fn main() -> std::process::ExitCode {
    cli::run()
}
