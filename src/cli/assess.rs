//! `irp assess`: offline assessment of exported identity logs (DESIGN §3).
//!
//! Reads every input completely (streaming, one record at a time) before printing anything, so
//! output is either whole or absent: a bad record exits 2 with `file:line: what is wrong` on
//! stderr and nothing on stdout.

use std::fmt::Write as _;
use std::fs::File;
use std::io::{self, BufRead, IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use irp_connectors::embedded::ExportReader;
use irp_core::assess::Assessor;
use irp_core::evidence::{EvidenceError, Format};
use irp_core::policy::Policy;
use irp_core::score::{Assessment, Likelihood};

const EXIT_CODES: &str = "\
Exit codes:
  0  assessed (whatever the likelihood)
  1  the output could not be written
  2  bad usage, an unreadable input, a malformed record (`file:line: what is wrong` on stderr), or a bad policy file

With --json: with --user one JSON object, otherwise one JSON line per user, highest score first.
Nothing is printed on stdout unless every input was read successfully.";

/// Arguments of `irp assess`.
#[derive(Debug, Args)]
#[command(after_help = EXIT_CODES)]
pub struct AssessArgs {
    /// Assess only this user (login name, case-insensitive); prints one result even when the
    /// user has no events.
    #[arg(long, value_name = "USER")]
    pub user: Option<String>,
    /// Input shape: auto|okta|entra|o365|workspace|udm (auto sniffs every record).
    #[arg(long, value_name = "FORMAT", default_value = "auto", value_parser = parse_format)]
    pub format: Format,
    /// Policy file (TOML) overriding any subset of the default thresholds.
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// Print JSON (the stable contract) instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Fail (exit 2) on a valid JSON record that cannot become an event (missing or redacted
    /// timestamp, malformed field) instead of skipping it with a warning on stderr.
    #[arg(long)]
    pub strict: bool,
    /// Threads reading and assessing (default: one per core). NDJSON is split at newlines and the
    /// parts are read in parallel; the output is identical for any number.
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// With --user: skip other users' one-line records without parsing them (much faster on a
    /// big export). Other users' sign-ins then teach nothing tenant-wide (password-spray
    /// sources, networks shared with colleagues), and skipped records are not validated.
    #[arg(long, requires = "user")]
    pub skip_others: bool,
    /// Exported log files (NDJSON, a JSON array or a vendor page; gzip is detected); `-` is stdin.
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<String>,
}

fn parse_format(name: &str) -> Result<Format, String> {
    Format::from_name(&name.to_ascii_lowercase())
        .ok_or_else(|| format!("unknown format `{name}` (expected auto, okta, entra, o365, workspace or udm)"))
}

/// Why `irp assess` stopped.
#[derive(Debug, thiserror::Error)]
enum AssessError {
    #[error("irp: policy {path}: {message}")]
    Policy { path: String, message: String },
    #[error("{path}: cannot read: {source}")]
    Open { path: String, source: io::Error },
    #[error("{0}")]
    Evidence(#[from] EvidenceError),
    #[error("irp: cannot write output: {0}")]
    Output(io::Error),
}

impl AssessError {
    fn exit_code(&self) -> ExitCode {
        match self {
            AssessError::Output(_) => ExitCode::from(1),
            _ => ExitCode::from(2),
        }
    }
}

/// Runs `irp assess`.
pub fn run(args: AssessArgs) -> ExitCode {
    match assess(&args).and_then(|text| write_stdout(&text)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            e.exit_code()
        }
    }
}

/// Reads everything and renders the whole output, so nothing is printed unless all of it worked.
fn assess(args: &AssessArgs) -> Result<String, AssessError> {
    let policy = load_policy(args.policy.as_ref())?;
    let mut assessor = Assessor::new(policy).strict(args.strict);
    if let Some(user) = &args.user {
        assessor = assessor.only_user(user).skip_others(args.skip_others);
    }
    let threads = args.threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())).max(1);
    let progress = progress_bar(&args.paths);
    for path in &args.paths {
        let input = open(path, progress.clone())?;
        assessor.push_source_parallel(path, input, args.format, threads)?;
    }
    if let Some(bar) = &progress {
        bar.finish_and_clear();
    }
    report_skipped(&assessor);
    let results = assessor.finish_parallel(threads);
    Ok(if args.json {
        render_json(&results)
    } else {
        render_table(&results, io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none())
    })
}

/// Tells the analyst, on stderr, which records were skipped and where (never silently).
fn report_skipped(assessor: &Assessor) {
    let skipped = assessor.stats().skipped;
    if skipped == 0 {
        return;
    }
    eprintln!("irp: warning: skipped {skipped} record(s) that could not become events (use --strict to fail instead):");
    for warning in assessor.warnings() {
        eprintln!("  {warning}");
    }
    if skipped > assessor.warnings().len() as u64 {
        eprintln!("  ... and {} more", skipped - assessor.warnings().len() as u64);
    }
}

fn load_policy(path: Option<&PathBuf>) -> Result<Policy, AssessError> {
    let Some(path) = path else { return Ok(Policy::default()) };
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| AssessError::Policy { path: name.clone(), message: e.to_string() })?;
    Policy::from_toml_str(&text).map_err(|e| AssessError::Policy { path: name, message: e.to_string() })
}

/// Inputs above this size get a progress bar (when stderr is a terminal): below it a run takes
/// well under a second and a bar would only flicker.
const PROGRESS_MIN_BYTES: u64 = 8 * 1024 * 1024;

fn progress_bar(paths: &[String]) -> Option<ProgressBar> {
    if !io::stderr().is_terminal() {
        return None;
    }
    let total: u64 =
        paths.iter().filter(|p| *p != "-").filter_map(|p| std::fs::metadata(p).ok()).map(|m| m.len()).sum();
    if total <= PROGRESS_MIN_BYTES {
        return None;
    }
    let bar = ProgressBar::new(total);
    if let Ok(style) = ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}") {
        bar.set_style(style);
    }
    Some(bar)
}

/// Counts bytes read from the raw (possibly compressed) file into the progress bar.
struct Counted<R> {
    inner: R,
    bar: Option<ProgressBar>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(bar) = &self.bar {
            bar.inc(n as u64);
        }
        Ok(n)
    }
}

/// Opens a path (`-` is stdin) and decompresses it when it starts with the gzip magic bytes,
/// whatever its name: exports get renamed, and `.gz` files are sometimes already inflated.
fn open(path: &str, bar: Option<ProgressBar>) -> Result<Box<dyn BufRead>, AssessError> {
    let raw: Box<dyn Read> = if path == "-" {
        Box::new(io::stdin().lock())
    } else {
        let file = File::open(path).map_err(|source| AssessError::Open { path: path.to_owned(), source })?;
        Box::new(Counted { inner: file, bar })
    };
    let input = ExportReader::new(raw).map_err(|source| AssessError::Open { path: path.to_owned(), source })?;
    Ok(Box::new(input))
}

fn render_json(results: &[Assessment]) -> String {
    let mut out = String::new();
    for a in results {
        out.push_str(&a.to_contract_json());
        out.push('\n');
    }
    out
}

fn paint(text: &str, likelihood: Likelihood, colour: bool) -> String {
    if !colour {
        return text.to_owned();
    }
    let code = match likelihood {
        Likelihood::Confirmed => "1;31",
        Likelihood::High => "31",
        Likelihood::Medium => "33",
        _ => "32",
    };
    format!("\x1b[{code}m{text}\x1b[0m")
}

fn render_table(results: &[Assessment], colour: bool) -> String {
    let width = results.iter().map(|a| a.user.as_str().len()).max().unwrap_or(4).max(4);
    let mut out = String::new();
    let _ =
        writeln!(out, "{:<width$}  {:<10}  {:>5}  {:>7}  {:>6}", "USER", "LIKELIHOOD", "SCORE", "SIGNALS", "EVENTS");
    for a in results {
        let likelihood = paint(&format!("{:<10}", a.likelihood.name()), a.likelihood, colour);
        let _ = writeln!(
            out,
            "{:<width$}  {likelihood}  {:>5.1}  {:>7}  {:>6}",
            a.user.as_str(),
            a.score,
            a.signals.len(),
            a.events_considered
        );
        for s in &a.signals {
            let _ = writeln!(
                out,
                "    {:<6}  {:<22}  {}  [{}]  {}",
                s.severity.name(),
                s.kind.name(),
                s.time.format("%Y-%m-%d %H:%M:%SZ"),
                s.techniques.join(","),
                s.summary
            );
        }
        for c in a.breakdown.iter().filter(|c| c.kind.is_none()) {
            let _ = writeln!(out, "    {:+6.1}  {}", c.points, c.reason);
        }
    }
    out
}

fn write_stdout(text: &str) -> Result<(), AssessError> {
    let mut stdout = io::stdout().lock();
    match stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()) {
        // `irp assess ... | head` closing the pipe early is not a failure.
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => Err(AssessError::Output(e)),
        _ => Ok(()),
    }
}
