//! Calling a Python callback that may be a plain function or a coroutine function from the
//! Rust future of a `Responder` run.

use std::future::Future;
use std::pin::Pin;

use pyo3::prelude::*;

type PyFuture = Pin<Box<dyn Future<Output = PyResult<Py<PyAny>>> + Send>>;

/// Runs `call` with the interpreter attached; when it returns an awaitable, awaits it on the
/// caller's asyncio loop (the task locals `run()` captured) without holding the interpreter.
pub async fn call_maybe_async<F>(call: F) -> PyResult<Py<PyAny>>
where
    F: for<'py> FnOnce(Python<'py>) -> PyResult<Bound<'py, PyAny>>,
{
    let called: Result<Py<PyAny>, PyFuture> = Python::attach(|py| -> PyResult<_> {
        let result = call(py)?;
        if result.hasattr("__await__")? {
            Ok(Err(Box::pin(pyo3_async_runtimes::tokio::into_future(result)?) as PyFuture))
        } else {
            Ok(Ok(result.unbind()))
        }
    })?;
    match called {
        Ok(value) => Ok(value),
        Err(future) => future.await,
    }
}
