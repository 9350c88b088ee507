//! `irp respond`: the runbook against the connectors an `irp.toml` configures, for one case.
//!
//! The engine state is saved after every step to `<state_dir>/<case>.state.json` (atomically), so
//! a crash, a Ctrl-C or a scheduled monitoring check never loses work: `--resume` continues from
//! the last step, and an action that may have run is verified, never re-sent. Post-recovery
//! monitoring is checked hours later: unless `--wait` is given, the command saves the run and
//! exits, and `--resume` after the check time finishes it.

mod config;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use clap::Args;
use irp::connectors::config::SoarConfig;
use irp::connectors::embedded::SqliteCaseStore;
use irp::connectors::responder::{Parking, Responder, ResponderError, SleepUntil, StateFiles, Waiter};
use irp::connectors::{CaseId, Clock, Finished, SystemClock};
use irp::core::evidence::UserId;
use irp::core::incident::IncidentInputs;
use irp::core::report;
use irp::core::runbook::{RunOptions, Runbook};
use tokio::sync::mpsc;

use self::config::RespondConfig;
use super::approve::{analyst_name, TerminalApprover};
use super::console::{lock, Console, SharedConsole};
use super::finish::{incomplete, print_plan, print_response_times, unverified_actions};
use super::narrate::Narration;

const AFTER_HELP: &str = "\
Approvals are asked on the terminal, action by action, showing the exact call and target;
stdin may be a pipe (scripted answers). End of input is a refusal.

Exit codes:
  0  the runbook completed (or, with --dry-run, the plan was printed), or it is waiting for its
     post-recovery monitoring check with every action verified: run again with --resume after
     the time it prints
  1  the runbook did not complete: a phase blocked, an action failed or was not verified, an
     approval was refused, or the case was closed without action (also while waiting)
  2  usage error, a bad config, a connector that cannot be created, or no state to resume
  130 interrupted (Ctrl-C): the state is saved, --resume continues";

/// Arguments of `irp respond`.
#[derive(Debug, Args)]
#[command(after_help = AFTER_HELP)]
pub struct RespondArgs {
    /// The config: connectors, endpoints, where secrets come from, policy, state directory.
    #[arg(long, value_name = "FILE", default_value = "irp.toml")]
    pub config: PathBuf,
    /// USER_ID: the account under investigation (login / UPN / e-mail).
    #[arg(long, value_name = "USER", required_unless_present = "check", default_value = "")]
    pub user: String,
    /// CASE_ID: the case in the SOAR (created in the embedded SQLite store if missing).
    #[arg(long, value_name = "CASE", required_unless_present = "check", default_value = "")]
    pub case: String,
    /// ALERT_GROUP_IDENTIFIERS, used to find duplicate cases (repeatable).
    #[arg(long = "alert-group", value_name = "ID")]
    pub alert_groups: Vec<String>,
    /// INITIAL_ALERT_DETAILS: the triggering alert as JSON (a file).
    #[arg(long, value_name = "FILE")]
    pub alert_details: Option<PathBuf>,
    /// Plan only: every read-only step, then every proposed action with its exact call; nothing
    /// is approved, executed or written to the case.
    #[arg(long)]
    pub dry_run: bool,
    /// Continue the run saved in the state directory for this case.
    #[arg(long, conflicts_with = "dry_run")]
    pub resume: bool,
    /// Wait for the post-recovery monitoring check instead of saving the run and exiting.
    #[arg(long)]
    pub wait: bool,
    /// The approver's name recorded with each decision (default: $USER). Must not be the user
    /// under investigation: the engine refuses self-approval.
    #[arg(long, value_name = "NAME")]
    pub approver: Option<String>,
    /// Print a JSON summary on stdout instead of the narrative.
    #[arg(long)]
    pub json: bool,
    /// Check the config (schema, policy, paths) and print which connector serves each port;
    /// reads no secret and contacts nothing.
    #[arg(long, conflicts_with_all = ["resume", "dry_run"])]
    pub check: bool,
}

/// How a run ended, mapped onto the exit codes.
enum End {
    Finished(Box<Finished>),
    /// Parked until this time (monitoring).
    Waiting(chrono::DateTime<chrono::Utc>),
    Interrupted,
}

/// Runs `irp respond`.
pub fn run(args: RespondArgs) -> ExitCode {
    let console: SharedConsole = Arc::new(Mutex::new(Console::new(args.json)));
    let code = match run_inner(&args, &console) {
        Ok(code) => code,
        Err(why) => {
            lock(&console).done();
            eprintln!("irp respond: {why}");
            2
        }
    };
    ExitCode::from(code)
}

fn run_inner(args: &RespondArgs, shared: &SharedConsole) -> Result<u8, String> {
    let config = RespondConfig::load(&args.config).map_err(|e| e.to_string())?;
    if args.check {
        let c = &config.connectors;
        println!("{}: ok", args.config.display());
        println!("  siem:    {}", c.siem.name());
        println!("  soar:    {}", c.soar.name());
        println!("  idp:     {}", c.idp.name());
        println!("  mailbox: {}", c.mailbox.name());
        println!("  state:   {}", config.state_dir.display());
        return Ok(0);
    }
    let case = CaseId(args.case.clone());
    let files = StateFiles::new(&config.state_dir, &case);
    let saved = if args.resume {
        Some(files.read().map_err(|e| format!("--resume: {e}"))?)
    } else {
        if files.exists() && !args.dry_run {
            return Err(format!(
                "{} exists: a run for case {} was started before; continue it with --resume, or move the file away to start over",
                files.state_path().display(),
                case.as_str()
            ));
        }
        None
    };
    let inputs = inputs(args)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let end = runtime.block_on(async {
        if let (SoarConfig::Sqlite { path }, None, false) = (&config.connectors.soar, &saved, args.dry_run) {
            let store = SqliteCaseStore::open(path).map_err(|e| e.to_string())?;
            store.ensure_case(&inputs, clock.now()).await.map_err(|e| e.to_string())?;
        }
        let ports = config.connectors.ports().map_err(|e| e.to_string())?;
        let (parked_tx, mut parked_rx) = mpsc::unbounded_channel();
        let waiter: Arc<dyn Waiter> = if args.wait {
            Arc::new(SleepUntil(clock.clone()))
        } else {
            Arc::new(Parking::new(clock.clone(), parked_tx))
        };
        let approver = TerminalApprover { who: analyst_name(args.approver.as_deref()), context: "irp respond" };
        let mut responder = Responder::new(ports, Arc::new(approver), clock.clone())
            .with_waiter(waiter)
            .with_observer(Arc::new(Narration::new(shared.clone())));
        if !args.dry_run {
            std::fs::create_dir_all(files.dir()).map_err(|e| format!("{}: {e}", files.dir().display()))?;
            responder = responder.with_checkpoint(Arc::new(files.clone()));
        }
        {
            let mut console = lock(shared);
            console.title(&format!("irp respond: case {} for {}", case.as_str(), inputs.user_id));
            if args.resume {
                console.line(&format!("resuming from {}", files.state_path().display()));
            }
        }
        let drive = async {
            match saved {
                Some(json) => responder.resume(&json).await,
                None => {
                    let runbook = responder.start(inputs, config.policy.clone(), RunOptions { dry_run: args.dry_run });
                    responder.run(runbook).await
                }
            }
        };
        tokio::select! {
            result = drive => result.map(|f| End::Finished(Box::new(f))).map_err(|e| describe(&e)),
            Some(at) = parked_rx.recv() => Ok(End::Waiting(at)),
            _ = tokio::signal::ctrl_c() => Ok(End::Interrupted),
        }
    })?;
    let mut console = lock(shared);
    console.done();
    match end {
        End::Interrupted => {
            drop(console);
            eprintln!(
                "irp respond: interrupted; the state is saved in {}: --resume continues",
                files.state_path().display()
            );
            Ok(130)
        }
        End::Waiting(at) => {
            // The saved state is what --resume continues: judge the run so far from it.
            let saved = files.read().and_then(|json| Runbook::from_json(&json).map_err(|e| e.to_string()))?;
            let unverified = unverified_actions(&saved);
            console.blank();
            for line in &unverified {
                console.warn(&format!("not verified: {line}"));
            }
            console.title(&format!(
                "Waiting: the monitoring check is due at {}. Run the same command with --resume after that time.",
                at.format("%Y-%m-%d %H:%M UTC")
            ));
            console.line(&format!("state: {}", files.state_path().display()));
            if args.json {
                let json = serde_json::json!({
                    "case_id": case.as_str(),
                    "status": "waiting",
                    "resume_after": at,
                    "unverified_actions": unverified,
                    "state": files.state_path().display().to_string(),
                });
                println!("{}", serde_json::to_string_pretty(&json).unwrap_or_default());
            }
            Ok(if unverified.is_empty() { 0 } else { 1 })
        }
        End::Finished(finished) => {
            finish(args, &files, &finished, &mut console)?;
            Ok(if incomplete(&finished).is_some() { 1 } else { 0 })
        }
    }
}

fn finish(args: &RespondArgs, files: &StateFiles, finished: &Finished, console: &mut Console) -> Result<(), String> {
    let summary = &finished.summary;
    if args.dry_run {
        print_plan(summary, console);
    }
    for problem in &summary.problems {
        console.warn(problem);
    }
    let view = finished.runbook.view();
    let reports = if args.dry_run {
        None
    } else {
        let md = files.write_report("md", &report::markdown::final_report(&view)).map_err(|e| e.to_string())?;
        let html = files.write_report("html", &report::html::final_report(&view)).map_err(|e| e.to_string())?;
        print_response_times(&view, "Response times", console);
        console.blank();
        console.title("Report");
        console.line(&md.display().to_string());
        console.line(&html.display().to_string());
        Some((md, html))
    };
    if let Some(why) = incomplete(finished) {
        console.warn(&why);
    }
    if args.json {
        let json = serde_json::json!({
            "case_id": finished.runbook.incident().case_id().as_str(),
            "user": finished.runbook.incident().user().as_str(),
            "dry_run": args.dry_run,
            "status": if incomplete(finished).is_some() { "incomplete" } else { "completed" },
            "summary": summary,
            "state": (!args.dry_run).then(|| files.state_path().display().to_string()),
            "report": reports.as_ref().map(|(md, html)| serde_json::json!({
                "markdown": md.display().to_string(),
                "html": html.display().to_string(),
            })),
        });
        println!("{}", serde_json::to_string_pretty(&json).unwrap_or_default());
    }
    Ok(())
}

fn describe(e: &ResponderError) -> String {
    format!("{e} (the last saved state can be continued with --resume)")
}

fn inputs(args: &RespondArgs) -> Result<IncidentInputs, String> {
    let initial_alert_details = match &args.alert_details {
        None => None,
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
            Some(serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?)
        }
    };
    if args.user.trim().is_empty() {
        return Err("--user must not be empty".into());
    }
    Ok(IncidentInputs {
        user_id: UserId::new(&args.user),
        case_id: CaseId(args.case.clone()),
        alert_group_identifiers: args.alert_groups.clone(),
        initial_alert_details,
    })
}
