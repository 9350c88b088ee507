//! `irp demo`: the whole runbook on the bundled scenario. (Skeleton.)

use std::process::ExitCode;

use clap::Args;

/// Arguments of `irp demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {}

/// Runs `irp demo`.
pub fn run(_args: DemoArgs) -> ExitCode {
    println!("irp demo: not yet");
    ExitCode::SUCCESS
}
