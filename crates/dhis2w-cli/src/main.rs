//! `dhis2w`: a thin command line over the dhis2w Desktop core (`dhis2w-client`). Every command
//! opens the same [`Workspace`] as the app (profiles file, keyring, history) and calls it.

mod analytics;
mod browser;
mod cli;
mod get;
mod instances;
mod output;
mod run;
mod session;

use clap::{CommandFactory, Parser};
use cli::{Cli, Command};
use dhis2w_client::{Error, ErrorKind, Workspace, WorkspaceOptions};
use std::process::ExitCode;

/// Exit codes (README, `dhis2w --help`).
pub mod exit {
    pub const OK: u8 = 0;
    pub const FAILED: u8 = 1;
    pub const USAGE: u8 = 2;
    pub const SIGN_IN: u8 = 3;
    pub const NOT_FOUND: u8 = 4;
}

/// The exit code of an error kind.
pub fn exit_code(kind: ErrorKind) -> u8 {
    match kind {
        k if dhis2w_client::session::is_auth_failure(k) => exit::SIGN_IN,
        ErrorKind::NotFound => exit::NOT_FOUND,
        ErrorKind::InvalidInput => exit::USAGE,
        _ => exit::FAILED,
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("dhis2w: could not start: {e}");
            return ExitCode::from(exit::FAILED);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::from(exit::OK),
        Err(e) => {
            eprintln!("dhis2w: {}", e.message());
            ExitCode::from(exit_code(e.kind()))
        }
    }
}

async fn open() -> Result<Workspace, Error> {
    Workspace::open(&WorkspaceOptions::from_env()).await
}

async fn run(cli: Cli) -> Result<(), Error> {
    let wanted = cli.instance.as_deref();
    match cli.command {
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "dhis2w", &mut std::io::stdout());
            Ok(())
        }
        Command::Man { dir } => output::write_man_pages(&dir),
        Command::Instances(cmd) => instances::run(&open().await?, cmd).await,
        Command::Login(args) => {
            let ws = open().await?;
            session::login(&ws, args.name.as_deref().or(wanted), &args).await
        }
        Command::Logout(a) => session::logout(&open().await?, a.name.as_deref().or(wanted)).await,
        Command::ForgetComputer(a) => {
            session::forget_computer(&open().await?, a.name.as_deref().or(wanted)).await
        }
        Command::Status(a) => session::status(&open().await?, a.name.as_deref().or(wanted)).await,
        Command::Get(args) => get::run(&open().await?, wanted, args).await,
        Command::Analytics(args) => analytics::run(&open().await?, wanted, args).await,
        Command::Run(args) => run::run(&open().await?, wanted, args).await,
        Command::Search(args) => get::search(&open().await?, wanted, args).await,
    }
}
