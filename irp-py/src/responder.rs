//! `Responder`: the async runbook driver of `irp-connectors`, awaited from asyncio.
//!
//! The connectors come from the same tables as `irp.toml` (a dict, TOML text or a file); the
//! approver is a Python function or coroutine function; the run is a Rust future handed to the
//! caller's event loop by pyo3-async-runtimes. Cancelling the asyncio task drops that future
//! between two awaits: the action journal is written before every call and the engine state is
//! checkpointed after every step, so `resume()` from the last state finishes the run and verifies,
//! never re-sends, an action that may have been in flight.
//!
//! `run_many()` drives several such runs inside one future, at most `limit` at a time, each with
//! its own state file, callbacks' `Abort` and parking channel, so one incident's exception or
//! monitoring wait never stops another. `notifier=` delivers the runbook's user notice.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};
use irp_connectors::config::{ConfigError, ConfigFile, LoadedConfig, SoarConfig};
use irp_connectors::embedded::SqliteCaseStore;
use irp_connectors::responder::{
    file_stem, in_order_at_most, write_atomically, Checkpoint, CheckpointError, Observer, Parking, Ports, Progress,
    Responder, SleepUntil, StateFiles, Waiter,
};
use irp_connectors::{CaseId, Clock, Finished, SystemClock};
use irp_core::evidence::UserId;
use irp_core::incident::IncidentInputs;
use irp_core::policy::Policy;
use irp_core::report::{html, markdown};
use irp_core::runbook::{RunOptions, Runbook};
use pyo3::prelude::*;
use pyo3::types::{PyList, PyMapping, PyString, PyTuple};
use serde_json::Value;
use tokio::sync::mpsc;

use crate::abort::Abort;
use crate::approval::PyApprover;
use crate::convert::{json_to_py, py_to_json};
use crate::errors::{PyIrpErr, PyIrpResult};
use crate::model::PyLikelihood;
use crate::notifier::PyNotifier;
use crate::policy::policy_arg;
use crate::runbook::PyEffect;

fn config_err(error: ConfigError) -> PyIrpErr {
    match error {
        ConfigError::Read { path, source } => PyIrpErr::Io { path: path.display().to_string(), error: source },
        // A bad policy is a PolicyError, as from `irp.Policy.from_toml`.
        ConfigError::Policy { source, .. } => source.into(),
        other => PyIrpErr::Config(other.to_string()),
    }
}

/// `config=`: a dict, TOML text (a `str` with a newline) or a path (`str` or `os.PathLike`),
/// with the tables of `irp.toml`. Relative paths resolve against the file's directory, or the
/// current directory for text and dicts. Only a dict may carry a secret as a value
/// (`{"value": ...}`, e.g. from the SOAR platform's vault); text and files name an env var or a
/// file.
fn load_config(config: &Bound<'_, PyAny>) -> PyIrpResult<LoadedConfig> {
    let cwd = || std::env::current_dir().map_err(|e| PyIrpErr::Internal(format!("current directory: {e}")));
    let invalid = |e: &dyn std::fmt::Display| PyIrpErr::Config(format!("config: {e}"));
    let file: ConfigFile = if let Ok(text) = config.cast::<PyString>() {
        let text = text.to_cow()?;
        if !text.contains('\n') {
            return ConfigFile::load(Path::new(text.as_ref())).map_err(config_err);
        }
        return ConfigFile::from_toml(&text, "config", &cwd()?).map_err(config_err);
    } else if config.hasattr("__fspath__")? {
        return ConfigFile::load(&config.extract::<PathBuf>()?).map_err(config_err);
    } else if config.is_instance_of::<pyo3::types::PyMapping>() {
        let json = py_to_json(config, "config")?;
        serde_json::from_value(json).map_err(|e| invalid(&e))?
    } else {
        return Err(PyIrpErr::Type(format!(
            "config: expected a dict, TOML text or a path, found `{}`",
            config.get_type().name()?
        )));
    };
    file.resolve("config", &cwd()?).map_err(config_err)
}

/// Keeps the latest state in memory (what `run()` returns when it parks) and, with a state
/// directory, in `<case>.state.json`. Refuses once a callback raised, which stops the run.
struct StateSink {
    file: Option<PathBuf>,
    last: Mutex<Option<String>>,
    abort: Abort,
}

impl StateSink {
    fn last(&self) -> Option<String> {
        self.last.lock().ok().and_then(|l| l.clone())
    }
}

impl Checkpoint for StateSink {
    fn save(&self, _case: &CaseId, state_json: &str) -> Result<(), CheckpointError> {
        if self.abort.raised() {
            return Err(CheckpointError("a Python callback raised".into()));
        }
        if let Some(path) = &self.file {
            write_atomically(path, state_json).map_err(|e| CheckpointError(format!("{}: {e}", path.display())))?;
        }
        if let Ok(mut last) = self.last.lock() {
            *last = Some(state_json.to_owned());
        }
        Ok(())
    }
}

/// One step of a run, as `on_progress` sees it.
#[pyclass(frozen, name = "Progress", module = "irp._irp")]
pub struct PyProgress {
    case_id: String,
    user_id: String,
    kind: &'static str,
    phase: Option<&'static str>,
    effect: Option<PyEffect>,
    action_id: Option<String>,
    holds: Option<bool>,
}

#[pymethods]
impl PyProgress {
    /// `"run_started"`, `"phase_started"`, `"phase_ended"`, `"effect_started"`,
    /// `"effect_finished"`, `"action_executed"`, `"action_verified"`, `"comment_posted"`,
    /// `"run_finished"`, or `"run_waiting"` (parked at the monitoring check: the run's last event).
    #[getter]
    fn kind(&self) -> &'static str {
        self.kind
    }

    /// The case of the run (several runs may share one callback: `Responder.run_many`).
    #[getter]
    fn case_id(&self) -> &str {
        &self.case_id
    }

    /// The account under investigation in that run.
    #[getter]
    fn user_id(&self) -> &str {
        &self.user_id
    }

    /// The phase, for phase events, `comment_posted` and `run_waiting`.
    #[getter]
    fn phase(&self) -> Option<&'static str> {
        self.phase
    }

    /// The effect, for `effect_started` / `effect_finished`.
    #[getter]
    fn effect(&self) -> Option<PyEffect> {
        self.effect.clone()
    }

    /// The action, for `action_executed` / `action_verified`.
    #[getter]
    fn action_id(&self) -> Option<&str> {
        self.action_id.as_deref()
    }

    /// For `action_verified`: the target is in the expected post-state.
    #[getter]
    fn holds(&self) -> Option<bool> {
        self.holds
    }

    fn __repr__(&self) -> String {
        format!("Progress(kind='{}', case_id='{}')", self.kind, self.case_id)
    }
}

impl PyProgress {
    /// An event of `kind` about `runbook`'s incident, with nothing else set.
    fn base(runbook: &Runbook, kind: &'static str) -> Self {
        let incident = runbook.incident();
        PyProgress {
            case_id: incident.case_id().as_str().to_owned(),
            user_id: incident.user().as_str().to_owned(),
            kind,
            phase: None,
            effect: None,
            action_id: None,
            holds: None,
        }
    }

    fn from_progress(runbook: &Runbook, progress: &Progress<'_>) -> Option<Self> {
        let base = |kind| PyProgress::base(runbook, kind);
        Some(match progress {
            Progress::RunStarted => base("run_started"),
            Progress::PhaseStarted { phase } => PyProgress { phase: Some(phase.name()), ..base("phase_started") },
            Progress::PhaseEnded { phase } => PyProgress { phase: Some(phase.name()), ..base("phase_ended") },
            Progress::EffectStarted { effect } => {
                PyProgress { effect: Some(PyEffect::new((*effect).clone())), ..base("effect_started") }
            }
            Progress::EffectFinished { effect, .. } => {
                PyProgress { effect: Some(PyEffect::new((*effect).clone())), ..base("effect_finished") }
            }
            Progress::ActionExecuted { action, .. } => {
                PyProgress { action_id: Some(action.id.as_str().to_owned()), ..base("action_executed") }
            }
            Progress::ActionVerified { action, holds } => PyProgress {
                action_id: Some(action.id.as_str().to_owned()),
                holds: Some(*holds),
                ..base("action_verified")
            },
            Progress::CommentPosted { phase } => PyProgress { phase: Some(phase.name()), ..base("comment_posted") },
            Progress::RunFinished { .. } => base("run_finished"),
            _ => return None,
        })
    }
}

/// Calls `on_progress` with the interpreter attached; an exception stops the run (see [`Abort`]).
struct PyObserver {
    callback: Py<PyAny>,
    abort: Abort,
}

impl PyObserver {
    fn call(&self, progress: PyProgress) {
        if let Err(err) = Python::attach(|py| self.callback.bind(py).call1((progress,)).map(drop)) {
            self.abort.raise(err);
        }
    }

    /// `run_waiting`: the run parked at its monitoring check (the engine's observer never hears
    /// of it, since its future is dropped there).
    fn parked(&self, runbook: &Runbook) {
        let mut progress = PyProgress::base(runbook, "run_waiting");
        progress.phase = Some(runbook.incident().phase().name());
        self.call(progress);
    }
}

impl Observer for PyObserver {
    fn observe(&self, runbook: &Runbook, progress: &Progress<'_>) {
        if let Some(progress) = PyProgress::from_progress(runbook, progress) {
            self.call(progress);
        }
    }
}

/// How a `Responder` run ended: finished by the engine, or parked at a monitoring check.
#[pyclass(frozen, name = "RunResult", module = "irp._irp")]
pub struct PyRunResult {
    outcome: String,
    resume_after: Option<DateTime<Utc>>,
    summary: Option<Value>,
    problems: Vec<String>,
    runbook: Runbook,
    state_json: String,
    state_path: Option<PathBuf>,
}

#[pymethods]
impl PyRunResult {
    /// `"completed"`, `"closed_no_action"`, `"dry_run"`, `"blocked"`, or `"waiting"` (parked at
    /// the post-recovery monitoring check: `resume()` the state after `resume_after`).
    #[getter]
    fn outcome(&self) -> &str {
        &self.outcome
    }

    /// The case this run is for.
    #[getter]
    fn case_id(&self) -> &str {
        self.runbook.incident().case_id().as_str()
    }

    /// The account under investigation.
    #[getter]
    fn user_id(&self) -> &str {
        self.runbook.incident().user().as_str()
    }

    /// When a waiting run's monitoring check is due.
    #[getter]
    fn resume_after(&self) -> Option<DateTime<Utc>> {
        self.resume_after
    }

    /// The phase the run ended (or is waiting) in.
    #[getter]
    fn phase(&self) -> &'static str {
        self.runbook.incident().phase().name()
    }

    /// The likelihood in force, once assessed.
    #[getter]
    fn likelihood(&self) -> PyIrpResult<Option<PyLikelihood>> {
        self.runbook.incident().likelihood().map(PyLikelihood::try_from).transpose()
    }

    /// Every proposed action with its target, exact call and status.
    #[getter]
    fn plan<'py>(&self, py: Python<'py>) -> PyIrpResult<Bound<'py, PyAny>> {
        let json = serde_json::to_value(self.runbook.plan()).map_err(|e| PyIrpErr::Internal(e.to_string()))?;
        Ok(json_to_py(py, &json)?)
    }

    /// Everything a human must look at (failed comments, unverified actions, missing connectors).
    #[getter]
    fn problems<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, &self.problems)
    }

    /// The engine's run summary (`None` while waiting).
    #[getter]
    fn summary<'py>(&self, py: Python<'py>) -> PyIrpResult<Option<Bound<'py, PyAny>>> {
        Ok(self.summary.as_ref().map(|s| json_to_py(py, s)).transpose()?)
    }

    /// The engine state as versioned JSON: what `Responder.resume()` and `Runbook.from_json()` take.
    #[getter]
    fn state_json(&self) -> &str {
        &self.state_json
    }

    /// `<state_dir>/<case>.state.json`, when the responder has a state directory.
    #[getter]
    fn state_path(&self) -> Option<PathBuf> {
        self.state_path.clone()
    }

    /// The final report as Markdown (for the case).
    fn report_markdown(&self) -> String {
        markdown::final_report(&self.runbook.view())
    }

    /// The final report as self-contained HTML.
    fn report_html(&self) -> String {
        html::final_report(&self.runbook.view())
    }

    fn __repr__(&self) -> String {
        let incident = self.runbook.incident();
        format!(
            "RunResult(case_id='{}', outcome='{}', phase='{}')",
            incident.case_id().as_str(),
            self.outcome,
            incident.phase().name()
        )
    }
}

/// How a run starts.
enum Start {
    New { inputs: IncidentInputs, dry_run: bool },
    Resume(String),
}

/// Everything one `run()` / `resume()` needs, moved into its future.
struct Job {
    ports: Ports,
    sqlite: Option<PathBuf>,
    approver: Py<PyAny>,
    on_progress: Option<Py<PyAny>>,
    notifier: Option<Py<PyAny>>,
    policy: Policy,
    state_dir: Option<PathBuf>,
    wait: bool,
}

impl Job {
    /// A copy for one run (the Python callbacks are shared references).
    fn clone_ref(&self, py: Python<'_>) -> Job {
        Job {
            ports: self.ports.clone(),
            sqlite: self.sqlite.clone(),
            approver: self.approver.clone_ref(py),
            on_progress: self.on_progress.as_ref().map(|c| c.clone_ref(py)),
            notifier: self.notifier.as_ref().map(|c| c.clone_ref(py)),
            policy: self.policy.clone(),
            state_dir: self.state_dir.clone(),
            wait: self.wait,
        }
    }

    /// `<state_dir>/<case>.state.json`, when there is a state directory.
    fn state_file(&self, case: &CaseId) -> Option<PathBuf> {
        self.state_dir.as_ref().map(|dir| StateFiles::new(dir, case).state_path())
    }

    async fn drive(self, start: Start) -> PyIrpResult<PyRunResult> {
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let (case, dry_run) = match &start {
            Start::New { inputs, dry_run } => (inputs.case_id.clone(), *dry_run),
            Start::Resume(json) => (Runbook::from_json(json)?.incident().case_id().clone(), false),
        };
        if let (Some(path), Start::New { inputs, dry_run: false }) = (&self.sqlite, &start) {
            let store = SqliteCaseStore::open(path).map_err(PyIrpErr::Connector)?;
            store.ensure_case(inputs, clock.now()).await.map_err(PyIrpErr::Connector)?;
        }
        let abort = Abort::default();
        // A dry run writes nothing, not even its state.
        let file = match &self.state_dir {
            Some(dir) if !dry_run => {
                std::fs::create_dir_all(dir)
                    .map_err(|error| PyIrpErr::Io { path: dir.display().to_string(), error })?;
                self.state_file(&case)
            }
            _ => None,
        };
        let sink = Arc::new(StateSink { file: file.clone(), last: Mutex::new(None), abort: abort.clone() });
        let max_age = Duration::minutes(i64::from(self.policy.runbook.approval_max_age_minutes));
        let approver = PyApprover::new(self.approver, max_age, abort.clone());
        let (parked_tx, mut parked_rx) = mpsc::unbounded_channel();
        let waiter: Arc<dyn Waiter> = if self.wait {
            Arc::new(SleepUntil(clock.clone()))
        } else {
            Arc::new(Parking::new(clock.clone(), parked_tx))
        };
        let mut ports = self.ports;
        if let Some(callback) = self.notifier {
            ports = ports.with_notifier(Arc::new(PyNotifier::new(callback, abort.clone())));
        }
        let mut responder =
            Responder::new(ports, Arc::new(approver), clock.clone()).with_waiter(waiter).with_checkpoint(sink.clone());
        let observer = self.on_progress.map(|callback| Arc::new(PyObserver { callback, abort: abort.clone() }));
        if let Some(observer) = &observer {
            responder = responder.with_observer(observer.clone());
        }
        let policy = self.policy;
        let drive = async {
            match start {
                Start::New { inputs, dry_run } => {
                    let runbook = responder.start(inputs, policy, RunOptions { dry_run });
                    responder.run(runbook).await
                }
                Start::Resume(json) => responder.resume(&json).await,
            }
        };
        let ended = tokio::select! {
            result = drive => Ok(result),
            Some(at) = parked_rx.recv() => Err(at),
        };
        // A callback's exception wins over whatever the run did after it.
        if let Some(err) = abort.take() {
            return Err(PyIrpErr::Py(err));
        }
        match ended {
            Ok(result) => {
                let finished = result.map_err(PyIrpErr::Responder)?;
                finished_result(finished, file.as_deref())
            }
            Err(at) => {
                let state_json =
                    sink.last().ok_or_else(|| PyIrpErr::Internal("parked before any checkpoint".into()))?;
                let runbook = Runbook::from_json(&state_json)?;
                if let Some(observer) = &observer {
                    observer.parked(&runbook);
                    if let Some(err) = abort.take() {
                        return Err(PyIrpErr::Py(err));
                    }
                }
                Ok(PyRunResult {
                    outcome: "waiting".into(),
                    resume_after: Some(at),
                    summary: None,
                    problems: Vec::new(),
                    runbook,
                    state_json,
                    state_path: file,
                })
            }
        }
    }
}

/// The result of a run that reached its end. The responder's last checkpoint already wrote the
/// finished state to the state file, if any.
fn finished_result(finished: Finished, file: Option<&Path>) -> PyIrpResult<PyRunResult> {
    let state_json = finished.runbook.to_json()?;
    let summary = serde_json::to_value(&finished.summary).map_err(|e| PyIrpErr::Internal(e.to_string()))?;
    // `RunOutcome` is internally tagged: `{"outcome": {"outcome": "blocked", "phase": ...}}`.
    let outcome = match summary.get("outcome") {
        Some(Value::String(name)) => name.clone(),
        Some(tagged) => tagged.get("outcome").and_then(Value::as_str).unwrap_or("unknown").to_owned(),
        None => "unknown".to_owned(),
    };
    Ok(PyRunResult {
        outcome,
        resume_after: None,
        problems: finished.summary.problems.clone(),
        summary: Some(summary),
        runbook: finished.runbook,
        state_json,
        state_path: file.map(Path::to_path_buf),
    })
}

/// The async responder: runs the whole runbook against the connectors of an `irp.toml`.
/// `irp.Responder` wraps it so that `run()` / `resume()` are coroutine functions (the future
/// must be created inside the running event loop).
#[pyclass(frozen, name = "ResponderCore", module = "irp._irp")]
pub struct PyResponder {
    /// What every run starts from; each `run()` / `resume()` moves a copy into its future.
    job: Job,
}

#[pymethods]
impl PyResponder {
    #[new]
    #[pyo3(signature = (config, *, approver, policy = None, state_dir = None, on_progress = None, notifier = None, wait_for_monitoring = false))]
    #[allow(clippy::too_many_arguments)] // the keyword arguments of `irp.Responder(...)`
    fn new(
        config: &Bound<'_, PyAny>,
        approver: &Bound<'_, PyAny>,
        policy: Option<&Bound<'_, PyAny>>,
        state_dir: Option<PathBuf>,
        on_progress: Option<&Bound<'_, PyAny>>,
        notifier: Option<&Bound<'_, PyAny>>,
        wait_for_monitoring: bool,
    ) -> PyIrpResult<Self> {
        if !approver.is_callable() {
            return Err(PyIrpErr::Type("approver: expected a function or coroutine function".into()));
        }
        let on_progress = on_progress.filter(|c| !c.is_none());
        if on_progress.is_some_and(|c| !c.is_callable()) {
            return Err(PyIrpErr::Type("on_progress: expected a function".into()));
        }
        let notifier = notifier.filter(|c| !c.is_none());
        if notifier.is_some_and(|c| !c.is_callable()) {
            return Err(PyIrpErr::Type("notifier: expected a function or coroutine function".into()));
        }
        let loaded = load_config(config)?;
        let policy = match policy.filter(|p| !p.is_none()) {
            Some(p) => policy_arg(Some(p))?,
            None => loaded.policy.unwrap_or_default(),
        };
        let ports = loaded.connectors.ports().map_err(PyIrpErr::Connector)?;
        let sqlite = match &loaded.connectors.soar {
            SoarConfig::Sqlite { path } => Some(path.clone()),
            _ => None,
        };
        let job = Job {
            ports,
            sqlite,
            approver: approver.clone().unbind(),
            on_progress: on_progress.map(|c| c.clone().unbind()),
            notifier: notifier.map(|c| c.clone().unbind()),
            policy,
            state_dir: state_dir.or(loaded.state_dir),
            wait: wait_for_monitoring,
        };
        Ok(PyResponder { job })
    }

    /// Starts a run for `user_id` in case `case_id` and drives it to its end (or to the
    /// monitoring check). Returns an awaitable of `RunResult`.
    #[pyo3(signature = (*, user_id, case_id, alert_group_ids = Vec::new(), initial_alert_details = None, dry_run = false))]
    fn run<'py>(
        &self,
        py: Python<'py>,
        user_id: &str,
        case_id: &str,
        alert_group_ids: Vec<String>,
        initial_alert_details: Option<&Bound<'_, PyAny>>,
        dry_run: bool,
    ) -> PyIrpResult<Bound<'py, PyAny>> {
        let (inputs, dry_run) = self.new_run(user_id, case_id, alert_group_ids, initial_alert_details, dry_run)?;
        let job = self.job.clone_ref(py);
        Ok(pyo3_async_runtimes::tokio::future_into_py(py, async move {
            Ok(job.drive(Start::New { inputs, dry_run }).await?)
        })?)
    }

    /// Runs one incident per item of `incidents` (dicts with the keyword arguments of `run()`),
    /// at most `limit` at a time, each exactly as `run()` would. Returns an awaitable of a list
    /// in the order of `incidents` holding, per incident, its `RunResult` or the exception its
    /// `run()` would have raised (bad input, a state file in the way, a case id or user given
    /// twice, a callback's exception): one incident's failure never stops or loses the others.
    #[pyo3(signature = (incidents, *, limit = 4))]
    fn run_many<'py>(
        &self,
        py: Python<'py>,
        incidents: Vec<Bound<'py, PyAny>>,
        limit: usize,
    ) -> PyIrpResult<Bound<'py, PyAny>> {
        if limit == 0 {
            return Err(PyIrpErr::Value("run_many: limit must be at least 1".into()));
        }
        let (mut files, mut users) = (HashSet::new(), HashSet::new());
        let runs: Vec<PyIrpResult<(Job, Start)>> = incidents
            .iter()
            .enumerate()
            .map(|(index, item)| {
                let (inputs, dry_run) = self.incident_run(item).map_err(|e| in_item(index, e))?;
                // Two runs of one case would share its state file and its action journal.
                if !files.insert(file_stem(inputs.case_id.as_str())) {
                    return Err(PyIrpErr::Value(format!(
                        "incidents[{index}]: case {} is already in this run_many (one run per case, and per state file)",
                        inputs.case_id.as_str()
                    )));
                }
                // The engine closes a case as a duplicate of another open case of the same
                // account: run concurrently, two cases of one account would close each other.
                if !users.insert(inputs.user_id.as_str().to_owned()) {
                    return Err(PyIrpErr::Value(format!(
                        "incidents[{index}]: user {} is already in this run_many (two open cases of one account close each other as duplicates)",
                        inputs.user_id.as_str()
                    )));
                }
                Ok((self.job.clone_ref(py), Start::New { inputs, dry_run }))
            })
            .collect();
        Ok(pyo3_async_runtimes::tokio::future_into_py(py, async move {
            // An incident waiting long for its approver does not hold back the start of the next.
            let results = in_order_at_most(
                runs.into_iter().map(|run| async move {
                    match run {
                        Ok((job, start)) => job.drive(start).await,
                        Err(err) => Err(err),
                    }
                }),
                limit,
            )
            .await;
            Python::attach(|py| {
                let items = results
                    .into_iter()
                    .map(|result| match result {
                        Ok(result) => Ok(Py::new(py, result)?.into_any()),
                        Err(err) => Ok(PyErr::from(err).into_value(py).into_any()),
                    })
                    .collect::<PyResult<Vec<Py<PyAny>>>>()?;
                Ok(PyList::new(py, items)?.unbind())
            })
        })?)
    }

    /// Continues a run from its saved state (`RunResult.state_json` or the state file): effects
    /// in flight are performed again, except an action the journal shows started, which is
    /// verified, never re-sent. Returns an awaitable of `RunResult`.
    fn resume<'py>(&self, py: Python<'py>, state_json: String) -> PyIrpResult<Bound<'py, PyAny>> {
        // Refuse a bad state now, not inside the event loop.
        Runbook::from_json(&state_json)?;
        let job = self.job.clone_ref(py);
        Ok(pyo3_async_runtimes::tokio::future_into_py(
            py,
            async move { Ok(job.drive(Start::Resume(state_json)).await?) },
        )?)
    }

    /// The policy runs start with.
    #[getter]
    fn policy(&self) -> crate::policy::PyPolicy {
        crate::policy::PyPolicy { inner: self.job.policy.clone() }
    }

    /// Where `<case>.state.json` is written, if anywhere.
    #[getter]
    fn state_dir(&self) -> Option<PathBuf> {
        self.job.state_dir.clone()
    }

    fn __repr__(&self) -> String {
        format!("ResponderCore({:?})", self.job.ports)
    }
}

/// Keys an item of `run_many(incidents)` may have: the keyword arguments of `run()`.
const INCIDENT_KEYS: [&str; 5] = ["user_id", "case_id", "alert_group_ids", "initial_alert_details", "dry_run"];

/// Says which item of `run_many(incidents)` an error is about.
fn in_item(index: usize, err: PyIrpErr) -> PyIrpErr {
    match err {
        PyIrpErr::Type(message) => PyIrpErr::Type(format!("incidents[{index}]: {message}")),
        PyIrpErr::Value(message) => PyIrpErr::Value(format!("incidents[{index}]: {message}")),
        other => other,
    }
}

impl PyResponder {
    /// Checks the inputs of a new run, as `run()` takes them.
    fn new_run(
        &self,
        user_id: &str,
        case_id: &str,
        alert_group_ids: Vec<String>,
        initial_alert_details: Option<&Bound<'_, PyAny>>,
        dry_run: bool,
    ) -> PyIrpResult<(IncidentInputs, bool)> {
        if user_id.trim().is_empty() || case_id.trim().is_empty() {
            return Err(PyIrpErr::Value("user_id and case_id must not be empty".into()));
        }
        let case = CaseId(case_id.to_owned());
        if let Some(path) = self.job.state_file(&case).filter(|p| !dry_run && p.exists()) {
            return Err(PyIrpErr::Config(format!(
                "{} exists: a run for case {case_id} was started before; resume() its state, or move the file away to start over",
                path.display()
            )));
        }
        let details = match initial_alert_details.filter(|d| !d.is_none()) {
            Some(d) => Some(py_to_json(d, "initial_alert_details")?),
            None => None,
        };
        let inputs = IncidentInputs {
            user_id: UserId::new(user_id),
            case_id: case,
            alert_group_identifiers: alert_group_ids,
            initial_alert_details: details,
        };
        Ok((inputs, dry_run))
    }

    /// One item of `run_many(incidents)`: a mapping with the keyword arguments of `run()`.
    fn incident_run(&self, item: &Bound<'_, PyAny>) -> PyIrpResult<(IncidentInputs, bool)> {
        let Ok(mapping) = item.cast::<PyMapping>() else {
            return Err(PyIrpErr::Type(format!(
                "expected a dict with the keyword arguments of run(), found `{}`",
                item.get_type().name()?
            )));
        };
        for key in mapping.keys()?.iter() {
            let known = key.extract::<String>().ok().filter(|k| INCIDENT_KEYS.contains(&k.as_str()));
            if known.is_none() {
                return Err(PyIrpErr::Type(format!("unexpected key {}", key.repr()?)));
            }
        }
        let get = |key: &str| -> PyIrpResult<Option<Bound<'_, PyAny>>> {
            Ok(if mapping.contains(key)? { Some(mapping.get_item(key)?) } else { None })
        };
        let typed =
            |key: &str, expected: &str, err: PyErr| PyIrpErr::Type(format!("{key}: expected {expected} ({err})"));
        let text = |key: &str| -> PyIrpResult<String> {
            let value = get(key)?.ok_or_else(|| PyIrpErr::Type(format!("missing key '{key}'")))?;
            value.extract::<String>().map_err(|e| typed(key, "a str", e))
        };
        let user_id = text("user_id")?;
        let case_id = text("case_id")?;
        let alert_group_ids = match get("alert_group_ids")? {
            Some(ids) if !ids.is_instance_of::<PyString>() => {
                ids.extract::<Vec<String>>().map_err(|e| typed("alert_group_ids", "a list of str", e))?
            }
            Some(_) => return Err(PyIrpErr::Type("alert_group_ids: expected a list of str, found `str`".into())),
            None => Vec::new(),
        };
        let dry_run = match get("dry_run")? {
            Some(flag) => flag.extract::<bool>().map_err(|e| typed("dry_run", "a bool", e))?,
            None => false,
        };
        let details = get("initial_alert_details")?;
        self.new_run(&user_id, &case_id, alert_group_ids, details.as_ref(), dry_run)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checkpoints_replace_the_state_atomically_and_stop_after_a_callback_raised() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.state.json");
        let abort = Abort::default();
        let sink = StateSink { file: Some(path.clone()), last: Mutex::new(None), abort: abort.clone() };
        let case = CaseId("c".into());
        sink.save(&case, "{\"v\":1}").unwrap();
        sink.save(&case, "{\"v\":2}").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "{\"v\":2}");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        Python::initialize();
        abort.raise(pyo3::exceptions::PyKeyError::new_err("x"));
        assert!(sink.save(&case, "{\"v\":3}").is_err());
        assert_eq!(sink.last().as_deref(), Some("{\"v\":2}"));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "{\"v\":2}");
    }
}
