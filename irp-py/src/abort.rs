//! How Python callbacks stop a `Responder` run: the first exception raised by the approver or the
//! progress callback is kept and re-raised by `run()` / `resume()`, and the flag makes the next
//! checkpoint refuse, so the run stops at its next step with its state saved.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use pyo3::PyErr;

/// Shared between the callbacks of one run and the code that drives it.
#[derive(Clone, Default)]
pub struct Abort {
    error: Arc<Mutex<Option<PyErr>>>,
    raised: Arc<AtomicBool>,
}

impl Abort {
    /// Records `err` (the first one wins) and asks the run to stop.
    pub fn raise(&self, err: PyErr) {
        if let Ok(mut slot) = self.error.lock() {
            slot.get_or_insert(err);
        }
        self.raised.store(true, Ordering::SeqCst);
    }

    /// True once a callback raised.
    pub fn raised(&self) -> bool {
        self.raised.load(Ordering::SeqCst)
    }

    /// The recorded exception, if any.
    pub fn take(&self) -> Option<PyErr> {
        self.error.lock().ok().and_then(|mut slot| slot.take())
    }
}
