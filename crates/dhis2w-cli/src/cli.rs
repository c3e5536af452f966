//! The command line, as clap sees it. `dhis2w --help` and the man page come from here.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// dhis2w: your DHIS2 instances from the command line, shared with dhis2w Desktop.
///
/// The instances, sign-ins and keyring entries are the desktop app's: an instance added here
/// appears in the app, and a sign-in made in either is used by both.
///
/// Which instance a command uses: `--instance NAME`, else DHIS2W_INSTANCE, else the app's
/// active instance, else the default one.
///
/// Exit codes: 0 success; 1 a DHIS2 or network error; 2 wrong usage; 3 sign-in needed;
/// 4 not found.
#[derive(Debug, Parser)]
#[command(name = "dhis2w", version, propagate_version = true)]
pub struct Cli {
    /// The instance to use (its name or id).
    #[arg(long, short = 'i', global = true, env = "DHIS2W_INSTANCE")]
    pub instance: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List, add, edit and check your saved DHIS2 instances.
    #[command(subcommand)]
    Instances(InstancesCommand),
    /// Sign in through your browser (instances that use browser sign-in), or check a saved
    /// password or token.
    Login(LoginArgs),
    /// Sign out: forget the sign-in (browser sign-in) or the saved password/token.
    Logout(NameArg),
    /// Sign out and forget this computer's registration (`login --keep-signed-in`): its key is
    /// deleted from the keyring, and from the server when you may manage OAuth2 clients.
    ForgetComputer(NameArg),
    /// Who is signed in, and until when.
    Status(NameArg),
    /// GET an API path: JSON to stdout, or a table, CSV or Excel file.
    Get(GetArgs),
    /// Ask "what, when, where": data (--dx), periods (--pe) and places (--ou) as a table,
    /// CSV or Excel file, without writing an analytics URL.
    Analytics(AnalyticsArgs),
    /// Run a saved question (saved in the app), here or on another instance (--on).
    Run(RunArgs),
    /// Find data elements, indicators, data sets, programs, org units, category options and
    /// users by name, code or UID.
    Search(SearchArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Write the man pages (dhis2w.1 and one per command) into a folder.
    Man {
        /// The folder (created if missing).
        #[arg(default_value = ".")]
        dir: PathBuf,
    },
}

#[derive(Debug, Args)]
pub struct NameArg {
    /// The instance (name or id); default: see `dhis2w --help`.
    pub name: Option<String>,
}

#[derive(Debug, Args)]
pub struct LoginArgs {
    /// The instance (name or id).
    pub name: Option<String>,
    /// Do not open a browser: print the sign-in link to open elsewhere.
    #[arg(long)]
    pub no_browser: bool,
    /// Sign in as a different user than last time.
    #[arg(long)]
    pub different_user: bool,
    /// Keep this computer signed in (browser sign-in on DHIS2 2.42.5+): DHIS2 registers this
    /// computer with its own key, kept in the keyring, and the sign-in renews itself.
    #[arg(long)]
    pub keep_signed_in: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// The JSON DHIS2 sent (merged into one list with --all).
    Json,
    /// Comma-separated values (UTF-8 with BOM), for spreadsheets.
    Csv,
    /// An Excel workbook (needs -o FILE).
    Xlsx,
    /// A readable table on the terminal.
    Table,
}

#[derive(Debug, Args)]
pub struct GetArgs {
    /// The API path, e.g. /api/organisationUnits or /api/me.
    pub path: String,
    /// A query parameter, e.g. -q fields=id,name -q filter=level:eq:2 (repeatable).
    #[arg(short = 'q', long = "query", value_name = "KEY=VALUE")]
    pub query: Vec<String>,
    /// Follow the pager and get every page.
    #[arg(long)]
    pub all: bool,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Json)]
    pub format: Format,
    /// Write to this file instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DimArg {
    /// Data.
    Dx,
    /// Periods.
    Pe,
    /// Org units.
    Ou,
}

#[derive(Debug, Args)]
pub struct AnalyticsArgs {
    /// Data items: data element, indicator, program indicator UIDs (`a;b` or repeat --dx).
    #[arg(long, required = true)]
    pub dx: Vec<String>,
    /// Periods: LAST_12_MONTHS, THIS_YEAR, 202401, 2024Q1… (`a;b` or repeat --pe).
    #[arg(long, required = true)]
    pub pe: Vec<String>,
    /// Org units: UIDs, LEVEL-2, USER_ORGUNIT, OU_GROUP-<uid>… (`a;b` or repeat --ou).
    #[arg(long, required = true)]
    pub ou: Vec<String>,
    /// Dimensions as rows (default: ou, and dx when several data items).
    #[arg(long, value_enum, value_delimiter = ',')]
    pub rows: Vec<DimArg>,
    /// Dimensions as columns (default: pe).
    #[arg(long, value_enum, value_delimiter = ',')]
    pub columns: Vec<DimArg>,
    /// Dimensions as filters (default: dx when one data item).
    #[arg(long, value_enum, value_delimiter = ',')]
    pub filter: Vec<DimArg>,
    /// Add totals.
    #[arg(long)]
    pub totals: bool,
    /// Output format (json: DHIS2's answer).
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write to this file instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The saved question's name (omit it, or use --list, to list them).
    pub name: Option<String>,
    /// The instance to run it on (name or id); default: see `dhis2w --help`.
    #[arg(long)]
    pub on: Option<String>,
    /// List the saved questions.
    #[arg(long)]
    pub list: bool,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write to this file instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct SearchArgs {
    /// Part of a name, a code or a UID.
    pub text: String,
    /// Print JSON instead of a list.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AuthArg {
    /// Username and password (HTTP Basic).
    Basic,
    /// Personal access token.
    Pat,
    /// Sign in with your browser (OAuth2).
    Oauth2,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RedirectArg {
    /// A local address on this computer (recommended).
    Loopback,
    /// The app's link (org.dhis2w.desktop:/oauth2/callback); needs the desktop app.
    DeepLink,
}

/// Settings shared by `add` and `edit`. Secrets never come from arguments: they are asked
/// for without echo, or read from stdin with the `--…-stdin` switches.
#[derive(Debug, Args)]
pub struct InstanceFields {
    /// The display name.
    #[arg(long)]
    pub name: Option<String>,
    /// The DHIS2 address, e.g. https://play.im.dhis2.org/stable-2-42-4.
    #[arg(long)]
    pub url: Option<String>,
    /// How to sign in.
    #[arg(long, value_enum)]
    pub auth: Option<AuthArg>,
    /// The DHIS2 username (username-and-password sign-in).
    #[arg(long)]
    pub username: Option<String>,
    /// The app registration's client id (browser sign-in).
    #[arg(long)]
    pub client_id: Option<String>,
    /// The scopes to ask for (browser sign-in; default: by server version).
    #[arg(long)]
    pub scope: Option<String>,
    /// Where the browser sends you back (browser sign-in).
    #[arg(long, value_enum)]
    pub redirect: Option<RedirectArg>,
    /// A certificate authority file (PEM) to trust for this server.
    #[arg(long, value_name = "FILE")]
    pub ca_cert: Option<PathBuf>,
    /// A colour tag, e.g. #1565c0.
    #[arg(long)]
    pub color: Option<String>,
    /// Notes.
    #[arg(long)]
    pub notes: Option<String>,
    /// Read the password from stdin (one line).
    #[arg(long, conflicts_with_all = ["token_stdin", "client_secret_stdin"])]
    pub password_stdin: bool,
    /// Read the personal access token from stdin (one line).
    #[arg(long, conflicts_with_all = ["password_stdin", "client_secret_stdin"])]
    pub token_stdin: bool,
    /// Read the app registration's client secret from stdin (one line).
    #[arg(long, conflicts_with_all = ["password_stdin", "token_stdin"])]
    pub client_secret_stdin: bool,
}

#[derive(Debug, Subcommand)]
pub enum InstancesCommand {
    /// List the saved instances.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Show one instance's settings (secrets only as "stored: yes/no").
    Show {
        /// The instance (name or id).
        name: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Save a new instance (asks for its password or token without echo).
    Add {
        #[command(flatten)]
        fields: InstanceFields,
        /// Save without checking the password or token with the server.
        #[arg(long)]
        no_verify: bool,
    },
    /// Change an instance's settings; what you leave out stays as it is.
    Edit {
        /// The instance (name or id).
        #[arg(value_name = "NAME")]
        instance: String,
        #[command(flatten)]
        fields: InstanceFields,
    },
    /// Remove an instance with its saved secrets and history.
    Remove {
        /// The instance (name or id).
        name: String,
    },
    /// Make an instance the default.
    Default {
        /// The instance (name or id).
        name: String,
    },
    /// Make an instance the active one (the app switches to it too).
    Use {
        /// The instance (name or id).
        name: String,
    },
    /// Check the saved sign-in: user, DHIS2 version, time taken.
    Verify {
        /// The instance (name or id).
        name: Option<String>,
    },
    /// Register dhis2w Desktop on the instance's DHIS2 (administrators; an instance that signs
    /// in with a password or token): shows what will be created, creates it with --yes, keeps
    /// its secret in the keyring and switches the instance to browser sign-in.
    RegisterApp {
        /// The instance (name or id).
        name: Option<String>,
        /// How long people stay signed in before DHIS2 asks again (1-365 days).
        #[arg(long, default_value_t = 30)]
        days: u32,
        /// Create it (without this, only show what would be created).
        #[arg(long)]
        yes: bool,
    },
    /// Import the profiles of the dhis2w Python tool (secrets move into the keyring).
    #[command(name = "import-dhis2w")]
    ImportDhis2w {
        /// The profiles file (default: ~/.config/dhis2/profiles.toml and .dhis2/profiles.toml).
        file: Option<PathBuf>,
    },
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_command_line_is_consistent() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
