//! One module per subcommand; each exposes `XArgs` (clap) and `run(XArgs) -> ExitCode`.

pub mod assess;
pub mod demo;
pub mod respond;
