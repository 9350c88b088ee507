//! `irp assess`: offline assessment of exported logs. (Skeleton.)

use std::process::ExitCode;

use clap::Args;

/// Arguments of `irp assess`.
#[derive(Debug, Args)]
pub struct AssessArgs {}

/// Runs `irp assess`.
pub fn run(_args: AssessArgs) -> ExitCode {
    println!("irp assess: not yet");
    ExitCode::SUCCESS
}
