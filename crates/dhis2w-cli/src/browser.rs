//! Opening the sign-in page: the system browser, a test program (DHIS2W_TEST_BROWSER, as in
//! the app), or nobody (`--no-browser`: the link is printed).

use async_trait::async_trait;
use dhis2w_client::{BrowserOpener, Error, ErrorKind, Result};
use std::path::PathBuf;
use std::process::{Command, Stdio};

pub struct CliBrowser {
    print_only: bool,
    test_program: Option<PathBuf>,
}

impl CliBrowser {
    pub fn new(print_only: bool) -> Self {
        Self {
            print_only,
            test_program: std::env::var_os("DHIS2W_TEST_BROWSER")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from),
        }
    }
}

fn system_open(url: &str) -> std::io::Result<std::process::Child> {
    let mut cmd = if cfg!(target_os = "macos") {
        Command::new("open")
    } else if cfg!(windows) {
        let mut c = Command::new("rundll32");
        c.arg("url.dll,FileProtocolHandler");
        c
    } else {
        Command::new("xdg-open")
    };
    cmd.arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
}

#[async_trait]
impl BrowserOpener for CliBrowser {
    async fn open(&self, url: &str) -> Result<()> {
        if self.print_only {
            eprintln!("Open this link in a browser to sign in:\n\n  {url}\n");
            return Ok(());
        }
        let spawned = match &self.test_program {
            Some(p) => Command::new(p).arg(url).stdin(Stdio::null()).spawn(),
            None => system_open(url),
        };
        match spawned {
            Ok(_) => {
                eprintln!("Your browser is opening the DHIS2 sign-in page. If it does not, open:\n  {url}");
                Ok(())
            }
            Err(e) => Err(Error::new(
                ErrorKind::Internal,
                format!("No browser could be opened ({e}). Run again with --no-browser and open the link yourself."),
            )),
        }
    }
}
