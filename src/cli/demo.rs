//! `irp demo`: the whole runbook on the bundled scenario, with the embedded connectors.
//!
//! The scenario (`scenarios/demo/`) is compiled into the binary. Each run creates a fresh output
//! folder holding the connectors' state (SQLite case store, local directory, event files) and
//! the report, drives the runbook against them on a simulated clock that starts at the alert,
//! and prints every phase as it goes. Same binary, same output: the reports are byte-identical
//! from run to run.

mod approver;
mod connectors;
mod output;
mod scenario;
mod sim;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use clap::Args;
use irp::connectors::responder::{Finished, Responder, ResponderError};
use irp::core::policy::Policy;
use irp::core::report;
use irp::core::runbook::RunOptions;

use self::approver::Approver;
use self::connectors::{ScenarioCase, SetupError};
use self::output::{OutputDir, OutputError};
use self::sim::{Outbox, SimClock};
use super::console::{lock, Console, SharedConsole};
use super::finish::{incomplete, print_plan, print_response_times};
use super::narrate::Narration;

/// What the run produced, besides what is in the case store and the directory.
struct Drive {
    finished: Finished,
    /// Messages sent to the user (the demo has no mail: they are kept for the output folder).
    notifications: Vec<String>,
}

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
    let console: SharedConsole = Arc::new(Mutex::new(Console::new(args.json)));
    match run_inner(&args, &console) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Incomplete(why)) => {
            lock(&console).done();
            eprintln!("irp demo: {why}");
            ExitCode::from(1)
        }
        Err(Failure::Setup(why)) => {
            lock(&console).done();
            eprintln!("irp demo: {why}");
            ExitCode::from(2)
        }
    }
}

impl From<SetupError> for Failure {
    fn from(e: SetupError) -> Self {
        Failure::Setup(e.to_string())
    }
}

impl From<ResponderError> for Failure {
    fn from(e: ResponderError) -> Self {
        Failure::Incomplete(e.to_string())
    }
}

/// Writes the scenario's event files and directory under `root` and returns the event paths.
fn stage(root: &Path) -> Result<Vec<PathBuf>, OutputError> {
    let events = root.join(OutputDir::EVENTS);
    std::fs::create_dir_all(&events).map_err(|source| OutputError::Io { path: events.clone(), source })?;
    let mut paths = Vec::new();
    for file in scenario::EVENT_FILES {
        let path = events.join(file.name);
        std::fs::write(&path, file.text).map_err(|source| OutputError::Io { path: path.clone(), source })?;
        paths.push(path);
    }
    let directory = root.join(OutputDir::DIRECTORY);
    std::fs::write(&directory, scenario::DIRECTORY.text)
        .map_err(|source| OutputError::Io { path: directory.clone(), source })?;
    Ok(paths)
}

fn run_inner(args: &DemoArgs, shared: &SharedConsole) -> Result<(), Failure> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Setup(format!("cannot start the async runtime: {e}")))?;
    let case = ScenarioCase::bundled()?;
    let inputs = case.inputs().ok_or_else(|| Failure::Setup("bundled scenario: the case names no user".into()))?;
    let start = case.case.created_at;
    let mut console = lock(shared);
    console.title(&format!(
        "irp demo: case {} at Example Corp, suspected takeover of {} (simulated clock starts at the alert, {})",
        case.case.id,
        inputs.user_id,
        start.format("%Y-%m-%d %H:%M UTC")
    ));
    let approver = if args.interactive { Approver::Interactive } else { Approver::Demo };
    if !args.dry_run {
        match approver {
            Approver::Demo => console.line(&format!(
                "approvals: given automatically by the demo approver \"{}\" (not a person; use --interactive to decide yourself)",
                approver::DEMO_APPROVER
            )),
            Approver::Interactive => console.line("approvals: asked on this terminal, action by action"),
        }
    }

    // A dry run stages the scenario in a temporary folder and keeps the case store in memory:
    // nothing the user can see changes.
    let staging;
    let (root, out) = if args.dry_run {
        staging = tempfile::tempdir().map_err(|e| Failure::Setup(format!("cannot create a temporary folder: {e}")))?;
        (staging.path().to_path_buf(), None)
    } else {
        let out = OutputDir::prepare(&args.out)?;
        (out.root().to_path_buf(), Some(out))
    };
    let event_files = stage(&root)?;
    let store = out.as_ref().map(|o| o.path(OutputDir::CASE_STORE));
    drop(console);
    let clock = SimClock::new(start);
    let outbox = Arc::new(Outbox::default());
    let drive = runtime.block_on(async {
        let ports = connectors::create(store.as_deref(), &root.join(OutputDir::DIRECTORY), event_files, &case)
            .await?
            .with_notifier(outbox.clone());
        let responder = Responder::new(ports, Arc::new(approver), clock.shared())
            .with_waiter(clock.waiter())
            .with_observer(Arc::new(
                Narration::new(shared.clone())
                    .after_effect({
                        let clock = clock.clone();
                        Box::new(move |kind| clock.advance_for(kind, approver))
                    })
                    .notify_note(" (kept in the output folder: the demo sends no mail)"),
            ));
        let runbook = responder.start(inputs, Policy::default(), RunOptions { dry_run: args.dry_run });
        Ok::<_, Failure>(responder.run(runbook).await?)
    })?;
    let drive = Drive { finished: drive, notifications: outbox.messages() };
    let mut console = lock(shared);
    console.done();
    if args.dry_run {
        print_plan(&drive.finished.summary, &mut console);
    }
    finish(args, out.as_ref(), &drive, &mut console)
}

fn finish(args: &DemoArgs, out: Option<&OutputDir>, drive: &Drive, console: &mut Console) -> Result<(), Failure> {
    let summary = &drive.finished.summary;
    for problem in &summary.problems {
        console.warn(problem);
    }
    let view = drive.finished.runbook.view();
    let mut report = None;
    if let Some(out) = out {
        let md = out.write(OutputDir::REPORT_MD, &report::markdown::final_report(&view))?;
        let html = out.write(OutputDir::REPORT_HTML, &report::html::final_report(&view))?;
        if !drive.notifications.is_empty() {
            out.write(OutputDir::NOTIFICATIONS, &(drive.notifications.join("\n\n---\n\n") + "\n"))?;
        }
        print_response_times(&view, "Response times (simulated clock)", console);
        console.blank();
        console.title(&format!("Output: {}", out.root().display()));
        for name in [
            OutputDir::REPORT_MD,
            OutputDir::REPORT_HTML,
            OutputDir::CASE_STORE,
            OutputDir::DIRECTORY,
            OutputDir::EVENTS,
        ] {
            console.line(&out.path(name).display().to_string());
        }
        report = Some((md, html));
    }
    if args.json {
        let json = serde_json::json!({
            "case_id": drive.finished.runbook.incident().case_id().as_str(),
            "user": drive.finished.runbook.incident().user().as_str(),
            "dry_run": args.dry_run,
            "summary": summary,
            "out": out.map(|o| o.root().display().to_string()),
            "report": report.as_ref().map(|(md, html)| serde_json::json!({
                "markdown": md.display().to_string(),
                "html": html.display().to_string(),
            })),
        });
        println!("{}", serde_json::to_string_pretty(&json).unwrap_or_default());
    }
    match incomplete(&drive.finished) {
        None => Ok(()),
        Some(why) => Err(Failure::Incomplete(why)),
    }
}
