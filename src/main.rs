//! The `irp` command: `irp demo`, `irp assess`, `irp respond`.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cli;

/// Compromised-account incident response: assess, contain, eradicate, recover, document.
#[derive(Debug, Parser)]
#[command(name = "irp", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the whole runbook on the bundled scenario with the embedded connectors.
    Demo(cli::demo::DemoArgs),
    /// Assess exported identity logs offline: is any account compromised?
    Assess(cli::assess::AssessArgs),
    /// Run the runbook for one case against the connectors configured in irp.toml.
    Respond(cli::respond::RespondArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Demo(args) => cli::demo::run(args),
        Command::Assess(args) => cli::assess::run(args),
        Command::Respond(args) => cli::respond::run(args),
    }
}
