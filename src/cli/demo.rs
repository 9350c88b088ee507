//! `irp demo`: the whole runbook on the bundled scenario, with the embedded connectors.
//!
//! The scenario (`scenarios/demo/`) is compiled into the binary. Each run creates a fresh output
//! folder holding the connectors' state (SQLite case store, local directory, event files) and
//! the report, drives the runbook against them on a simulated clock that starts at the alert,
//! and prints every phase as it goes. Same binary, same output: the reports are byte-identical
//! from run to run.

mod console;
mod output;
mod scenario;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use self::console::Console;
use self::output::{OutputDir, OutputError};

const EXIT_CODES: &str = "\
Exit codes:
  0  the runbook ran all seven phases (with --dry-run: the plan was printed)
  1  the runbook did not complete: a phase failed, an action failed or could not be verified,
     or an approval was refused (--interactive)
  2  usage error, or the output folder could not be prepared or written";

/// Arguments of `irp demo`.
#[derive(Debug, Args)]
#[command(after_help = EXIT_CODES)]
pub struct DemoArgs {
    /// Folder for the case store, the local directory, the event files and the report. Created if
    /// missing; a folder that a previous `irp demo` did not write is refused.
    #[arg(long, value_name = "DIR", default_value = "irp-demo-out")]
    pub out: PathBuf,
    /// Ask for every approval on the terminal (showing the exact call and target) instead of
    /// letting the demo approver approve.
    #[arg(long, conflicts_with = "dry_run")]
    pub interactive: bool,
    /// Print the plan (every proposed action with its exact call and target) and change nothing:
    /// no output folder, no case store, no action.
    #[arg(long)]
    pub dry_run: bool,
    /// Print a machine-readable JSON summary on stdout instead of the narrative.
    #[arg(long)]
    pub json: bool,
}

/// How a run ended, mapped onto the documented exit codes.
#[derive(Debug)]
enum Failure {
    /// Exit 1.
    Incomplete(String),
    /// Exit 2.
    Setup(String),
}

impl From<OutputError> for Failure {
    fn from(e: OutputError) -> Self {
        Failure::Setup(e.to_string())
    }
}

/// Runs `irp demo`.
pub fn run(args: DemoArgs) -> ExitCode {
    let mut console = Console::new(args.json);
    match run_inner(&args, &mut console) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Incomplete(why)) => {
            console.done();
            eprintln!("irp demo: {why}");
            ExitCode::from(1)
        }
        Err(Failure::Setup(why)) => {
            console.done();
            eprintln!("irp demo: {why}");
            ExitCode::from(2)
        }
    }
}

fn run_inner(args: &DemoArgs, console: &mut Console) -> Result<(), Failure> {
    let out = OutputDir::prepare(&args.out)?;
    for file in scenario::EVENT_FILES {
        out.write(&format!("{}/{}", OutputDir::EVENTS, file.name), file.text)?;
    }
    out.write(OutputDir::DIRECTORY, scenario::DIRECTORY.text)?;
    console.title("irp demo: Example Corp, suspected account takeover of jdoe@example.com");
    Err(Failure::Incomplete("the runbook engine is not wired yet".into()))
}
