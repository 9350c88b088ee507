//! `notifier=`: the runbook's `NotifyUser` effect delivered by a Python function or coroutine
//! function, called as `notifier(user_id, message)`.

use async_trait::async_trait;
use irp_connectors::responder::Notifier;
use irp_connectors::{ConnectorError, ErrorKind};
use irp_core::evidence::UserId;
use pyo3::prelude::*;

use crate::abort::Abort;
use crate::callback::call_maybe_async;

/// The operation a failed notification is reported under (`notifier: server error: ...`).
const OPERATION: &str = "notifier";

/// The Rust [`Notifier`] over a Python callable. Returning (any value) means delivered. Raising
/// `irp.ConnectorError` means "could not deliver": the effect fails, the report says so and the
/// run goes on. Any other exception follows the approver's convention: it is handed to
/// [`Abort`], the run stops at its next step with `notify_user` still in flight in the saved
/// state, and `run()` re-raises it.
pub struct PyNotifier {
    callback: Py<PyAny>,
    abort: Abort,
}

impl PyNotifier {
    /// Calls `callback`; exceptions other than `irp.ConnectorError` go to `abort`.
    pub fn new(callback: Py<PyAny>, abort: Abort) -> Self {
        PyNotifier { callback, abort }
    }
}

#[async_trait]
impl Notifier for PyNotifier {
    async fn notify(&self, user: &UserId, message: &str) -> Result<(), ConnectorError> {
        let called = call_maybe_async(|py| self.callback.bind(py).call1((user.as_str(), message))).await;
        let Err(err) = called else { return Ok(()) };
        let (delivery_failed, text) = Python::attach(|py| {
            let text = err.value(py).str().map(|s| s.to_string()).unwrap_or_default();
            (err.is_instance_of::<crate::errors::ConnectorError>(py), text)
        });
        if !delivery_failed {
            self.abort.raise(err);
        }
        Err(ConnectorError::new(ErrorKind::Server, OPERATION).with_detail(text))
    }
}
