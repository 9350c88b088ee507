//! The narrative of `irp demo` and `irp respond` on stdout. Colour and spinners only when stdout is a terminal (and
//! `NO_COLOR` is unset), so piped output and test captures are plain, stable text.

use std::io::{IsTerminal, Write};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

/// ANSI styles used by the narrative.
#[derive(Clone, Copy, Debug)]
enum Style {
    Bold,
    Dim,
    Green,
    Yellow,
    Red,
    Cyan,
}

impl Style {
    fn code(self) -> &'static str {
        match self {
            Style::Bold => "1",
            Style::Dim => "2",
            Style::Green => "32",
            Style::Yellow => "33",
            Style::Red => "31",
            Style::Cyan => "36",
        }
    }
}

/// Where the narrative goes.
#[derive(Debug)]
pub struct Console {
    /// False with `--json`: stdout then carries only the summary.
    enabled: bool,
    terminal: bool,
    colour: bool,
    spinner: Option<ProgressBar>,
}

impl Console {
    /// A console writing to stdout; `quiet` silences the narrative (for `--json`).
    pub fn new(quiet: bool) -> Self {
        let terminal = std::io::stdout().is_terminal();
        let colour = terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
        Console { enabled: !quiet, terminal, colour, spinner: None }
    }

    fn paint(&self, style: Style, text: &str) -> String {
        if self.colour {
            format!("\x1b[{}m{text}\x1b[0m", style.code())
        } else {
            text.to_owned()
        }
    }

    fn emit(&mut self, line: &str) {
        if !self.enabled {
            return;
        }
        // A spinner owns the current terminal line: print above it.
        if let Some(spinner) = &self.spinner {
            spinner.println(line);
        } else {
            let mut out = std::io::stdout().lock();
            // A closed pipe (`irp demo | head`) is not worth failing the run for.
            let _ = writeln!(out, "{line}");
        }
    }

    /// The run's title line.
    pub fn title(&mut self, text: &str) {
        let line = self.paint(Style::Bold, text);
        self.emit(&line);
    }

    /// A phase header: `[3/7] Containment`.
    pub fn phase(&mut self, number: usize, total: usize, title: &str) {
        let header = self.paint(Style::Bold, &format!("[{number}/{total}] {title}"));
        self.emit("");
        self.emit(&header);
    }

    /// A plain indented line.
    pub fn line(&mut self, text: &str) {
        self.emit(&format!("  {text}"));
    }

    /// A detail under a line (dimmed).
    pub fn detail(&mut self, text: &str) {
        let painted = self.paint(Style::Dim, text);
        self.emit(&format!("      {painted}"));
    }

    /// Something that worked.
    pub fn ok(&mut self, text: &str) {
        let mark = self.paint(Style::Green, "ok");
        self.emit(&format!("  {mark}  {text}"));
    }

    /// Something to look at.
    pub fn warn(&mut self, text: &str) {
        let mark = self.paint(Style::Yellow, "!!");
        self.emit(&format!("  {mark}  {text}"));
    }

    /// Something that failed.
    pub fn fail(&mut self, text: &str) {
        let mark = self.paint(Style::Red, "xx");
        self.emit(&format!("  {mark}  {text}"));
    }

    /// A proposed or executed action: its call is the part a reviewer checks.
    pub fn action(&mut self, label: &str, call: &str) {
        let call = self.paint(Style::Cyan, call);
        self.emit(&format!("  ->  {label}"));
        self.emit(&format!("      {call}"));
    }

    /// An empty line.
    pub fn blank(&mut self) {
        self.emit("");
    }

    /// Shows a spinner with `message` until [`Console::done`] (terminal only).
    pub fn busy(&mut self, message: &str) {
        if !self.enabled || !self.terminal {
            return;
        }
        let spinner = ProgressBar::new_spinner();
        if let Ok(style) = ProgressStyle::with_template("  {spinner} {msg}") {
            spinner.set_style(style);
        }
        spinner.set_message(message.to_owned());
        spinner.enable_steady_tick(Duration::from_millis(80));
        self.spinner = Some(spinner);
    }

    /// Removes the spinner.
    pub fn done(&mut self) {
        if let Some(spinner) = self.spinner.take() {
            spinner.finish_and_clear();
        }
    }
}

impl Drop for Console {
    fn drop(&mut self) {
        self.done();
    }
}

/// The console, shared between the command and the Responder's observer.
pub type SharedConsole = Arc<Mutex<Console>>;

/// Locks the console. A poisoned console still prints: finishing the run's output matters more
/// than the panic that poisoned it.
pub fn lock(console: &SharedConsole) -> MutexGuard<'_, Console> {
    console.lock().unwrap_or_else(|p| p.into_inner())
}
