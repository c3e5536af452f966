//! `dhis2w login | logout | status`: the core's sign-in, shared with the app.

use crate::browser::CliBrowser;
use crate::cli::LoginArgs;
use dhis2w_client::profile::AuthKind;
use dhis2w_client::{Result, SessionState, SessionStatus, SignInRequest, Workspace};
use std::sync::Arc;

fn when(unix: i64) -> String {
    let left = unix - dhis2w_client::workspace::now_secs();
    let date = dhis2w_client::table::iso_date(unix);
    let s = unix.rem_euclid(86_400);
    let clock = format!("{:02}:{:02} UTC", s / 3600, s % 3600 / 60);
    if left <= 0 {
        format!("{date} {clock} (expired)")
    } else if left < 3600 {
        format!("{date} {clock} (in {} min)", left / 60)
    } else {
        format!("{date} {clock} (in {} h)", left / 3600)
    }
}

fn print_status(name: &str, s: &SessionStatus) {
    match s.state {
        SessionState::SignedIn => match &s.user {
            Some(u) => println!("{name}: signed in as {} ({}).", u.display_name, u.username),
            None => println!("{name}: signed in."),
        },
        SessionState::SignedOut => println!("{name}: signed out."),
        SessionState::NeedsSignIn => println!(
            "{name}: the sign-in has run out or was refused. Sign in again with `dhis2w login`."
        ),
    }
    if let Some(exp) = s.expires_at {
        println!("  Access expires: {}", when(exp));
    }
}

pub async fn login(ws: &Workspace, name: Option<&str>, args: &LoginArgs) -> Result<()> {
    let inst = ws.pick_instance(name).await?;
    let browser = CliBrowser::new(args.no_browser);
    let progress: dhis2w_client::auth::oauth2::ProgressCallback = Arc::new(|p| match p.stage {
        dhis2w_client::SignInStage::WaitingForEnrolment => eprintln!(
            "Sign in in the browser to register this computer with DHIS2… (Ctrl+C to stop)"
        ),
        dhis2w_client::SignInStage::Registering => {
            eprintln!("Registering this computer with DHIS2…")
        }
        dhis2w_client::SignInStage::WaitingForBrowser => {
            eprintln!("Waiting for you to sign in in the browser… (Ctrl+C to stop)")
        }
        _ => {}
    });
    let status = ws
        .sign_in(
            &inst.id,
            SignInRequest {
                different_user: args.different_user,
                browser: &browser,
                progress: (inst.auth_kind == AuthKind::Oauth2).then_some(progress),
                keep_signed_in: args.keep_signed_in,
            },
        )
        .await?;
    print_status(&inst.name, &status);
    Ok(())
}

pub async fn logout(ws: &Workspace, name: Option<&str>) -> Result<()> {
    let inst = ws.pick_instance(name).await?;
    let status = ws.sign_out(&inst.id).await?;
    print_status(&inst.name, &status);
    if inst.auth_kind != AuthKind::Oauth2 {
        println!(
            "  The saved {} was deleted from the keyring.",
            match inst.auth_kind {
                AuthKind::Pat => "personal access token",
                _ => "password",
            }
        );
    }
    Ok(())
}

pub async fn forget_computer(ws: &Workspace, name: Option<&str>) -> Result<()> {
    let inst = ws.pick_instance(name).await?;
    let report = ws.forget_device(&inst.id).await?;
    print_status(&inst.name, &report.status);
    println!(
        "  This computer's key was deleted from the keyring{}",
        if report.removed_on_server {
            ", and its registration from the DHIS2 server."
        } else {
            ". Its registration stays on the DHIS2 server; an administrator can remove it under \
             OAuth2 clients."
        }
    );
    Ok(())
}

pub async fn status(ws: &Workspace, name: Option<&str>) -> Result<()> {
    let inst = ws.pick_instance(name).await?;
    let status = ws.status(&inst.id).await?;
    print_status(&inst.name, &status);
    if status.state != SessionState::SignedIn {
        return Err(dhis2w_client::Error::new(
            dhis2w_client::ErrorKind::SignInRequired,
            format!("\"{}\" is not signed in.", inst.name),
        ));
    }
    Ok(())
}
