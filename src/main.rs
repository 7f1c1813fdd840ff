use clap::Parser;
use cutover::cli::{self, Cli};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Err(message) = cli::logging::init(cli.log_file.as_deref()) {
        cutover::errln!("warning: {message}; continuing without a log");
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            cutover::errln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(cli::run(cli)) {
        Ok(code) => code,
        Err(error) => {
            tracing::error!("{error:#}");
            cutover::errln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
