//! One module per subcommand; each exposes `XArgs` (clap) and `run(XArgs) -> ExitCode`.

mod approve;
pub mod assess;
mod console;
mod narrate;
pub mod demo;
mod finish;
pub mod respond;
