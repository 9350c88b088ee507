//! One module per subcommand; each exposes `XArgs` (clap) and `run(XArgs) -> ExitCode`.

mod allocator;
mod approve;
pub mod assess;
mod console;
pub mod demo;
mod finish;
mod narrate;
pub mod respond;
