//! `dhis2w instances …`: the saved instances, through the core's workspace.

use crate::cli::{AuthArg, InstanceFields, InstancesCommand, RedirectArg};
use crate::output::{print_json, stored};
use dhis2w_client::profile::{
    dhis2w_default_paths, input_from, AuthKind, Instance, InstanceInput, OAuth2Settings,
    RedirectMode,
};
use dhis2w_client::secret_store::StoredSecrets;
use dhis2w_client::workspace::sessions::verify_input;
use dhis2w_client::{Error, ErrorKind, Result, Secret, Workspace};
use serde_json::json;
use std::io::{BufRead, IsTerminal};
use std::time::Instant;

fn usage(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidInput, message)
}

fn auth_kind(a: AuthArg) -> AuthKind {
    match a {
        AuthArg::Basic => AuthKind::Basic,
        AuthArg::Pat => AuthKind::Pat,
        AuthArg::Oauth2 => AuthKind::Oauth2,
    }
}

/// One line from stdin (the `--…-stdin` switches), without its line end.
fn read_stdin_line(what: &str) -> Result<Secret> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| usage(format!("Could not read the {what} from stdin: {e}")))?;
    let value = line.trim_end_matches(['\r', '\n']);
    if value.is_empty() {
        return Err(usage(format!("The {what} read from stdin is empty.")));
    }
    Ok(Secret::new(value))
}

/// Asks without echo on a terminal; otherwise says which switch to use.
fn prompt(what: &str, switch: &str) -> Result<Secret> {
    if !std::io::stdin().is_terminal() {
        return Err(usage(format!(
            "No {what} given. Pipe it in with {switch} (it is never accepted as an argument)."
        )));
    }
    let value = rpassword::prompt_password(format!("{}: ", capitalise(what)))
        .map_err(|e| usage(format!("Could not read the {what}: {e}")))?;
    if value.is_empty() {
        return Err(usage(format!("The {what} is empty.")));
    }
    Ok(Secret::new(value))
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

/// Applies the given fields to `input` and reads the secret the switches ask for.
fn apply(fields: InstanceFields, input: &mut InstanceInput, adding: bool) -> Result<()> {
    if let Some(n) = fields.name {
        input.name = n;
    }
    if let Some(u) = fields.url {
        input.base_url = u;
    }
    if let Some(a) = fields.auth {
        input.auth_kind = Some(auth_kind(a));
    }
    if fields.username.is_some() {
        input.username = fields.username;
    }
    if fields.ca_cert.is_some() {
        input.ca_cert_path = fields.ca_cert.map(|p| p.display().to_string());
    }
    if fields.color.is_some() {
        input.color = fields.color;
    }
    if fields.notes.is_some() {
        input.notes = fields.notes;
    }
    let kind = input.auth_kind.unwrap_or(AuthKind::Basic);
    if kind == AuthKind::Oauth2 {
        let mut o = input.oauth2.clone().unwrap_or(OAuth2Settings {
            client_id: String::new(),
            scope: None,
            redirect_mode: RedirectMode::Loopback,
        });
        if let Some(c) = fields.client_id {
            o.client_id = c;
        }
        if fields.scope.is_some() {
            o.scope = fields.scope;
        }
        if let Some(r) = fields.redirect {
            o.redirect_mode = match r {
                RedirectArg::Loopback => RedirectMode::Loopback,
                RedirectArg::DeepLink => RedirectMode::DeepLink,
            };
        }
        input.oauth2 = Some(o);
    }
    if fields.password_stdin {
        input.password = Some(read_stdin_line("password")?);
    } else if fields.token_stdin {
        input.pat = Some(read_stdin_line("personal access token")?);
    } else if fields.client_secret_stdin {
        input.client_secret = Some(read_stdin_line("client secret")?);
    } else if adding {
        match kind {
            AuthKind::Basic => input.password = Some(prompt("password", "--password-stdin")?),
            AuthKind::Pat => input.pat = Some(prompt("personal access token", "--token-stdin")?),
            // A public app registration has no secret; nothing to ask.
            AuthKind::Oauth2 => {}
        }
    }
    Ok(())
}

fn describe(inst: &Instance, secrets: &StoredSecrets) -> serde_json::Value {
    json!({
        "id": inst.id,
        "name": inst.name,
        "url": inst.base_url,
        "auth": inst.auth_kind.as_str(),
        "username": inst.username,
        "clientId": inst.oauth2.as_ref().map(|o| &o.client_id),
        "caCert": inst.ca_cert_path,
        "notes": inst.notes,
        "stored": secrets,
    })
}

pub async fn run(ws: &Workspace, cmd: InstancesCommand) -> Result<()> {
    match cmd {
        InstancesCommand::List { json } => {
            let listing = ws.listing().await?;
            // A file from a newer dhis2w lists nothing and is never rewritten: say why.
            if let Some(why) = &listing.read_only {
                eprintln!("{why}");
            }
            if json {
                let list: Vec<_> = listing
                    .instances
                    .iter()
                    .map(|l| describe(&l.instance, &l.secrets))
                    .collect();
                return print_json(&json!({
                    "instances": list,
                    "default": listing.default_id,
                    "active": listing.active_id,
                }));
            }
            if listing.instances.is_empty() {
                if listing.read_only.is_none() {
                    println!("No instance is saved yet. Add one with `dhis2w instances add`.");
                }
                return Ok(());
            }
            let rows: Vec<Vec<String>> = listing
                .instances
                .iter()
                .map(|l| {
                    let mut marks = Vec::new();
                    if listing.default_id.as_deref() == Some(&l.instance.id) {
                        marks.push("default");
                    }
                    if listing.active_id.as_deref() == Some(&l.instance.id) {
                        marks.push("active");
                    }
                    vec![
                        l.instance.name.clone(),
                        l.instance.base_url.clone(),
                        crate::output::auth_words(l.instance.auth_kind).to_owned(),
                        marks.join(", "),
                    ]
                })
                .collect();
            crate::output::print_table(&["Name", "Address", "Sign-in", ""], &rows);
            Ok(())
        }
        InstancesCommand::Show { name, json } => {
            let inst = ws.pick_instance(Some(&name)).await?;
            let secrets = ws.stored(&inst.id).await?;
            if json {
                return print_json(&describe(&inst, &secrets));
            }
            println!("Name:      {}", inst.name);
            println!("Id:        {}", inst.id);
            println!("Address:   {}", inst.base_url);
            println!("Sign-in:   {}", crate::output::auth_words(inst.auth_kind));
            if let Some(u) = &inst.username {
                println!("Username:  {u}");
            }
            if let Some(o) = &inst.oauth2 {
                println!("Client id: {}", o.client_id);
            }
            if let Some(c) = &inst.ca_cert_path {
                println!("CA file:   {c}");
            }
            match inst.auth_kind {
                AuthKind::Basic => println!("Password stored: {}", stored(secrets.password)),
                AuthKind::Pat => println!("Token stored: {}", stored(secrets.pat)),
                AuthKind::Oauth2 => {
                    println!("Client secret stored: {}", stored(secrets.client_secret));
                    println!("Sign-in stored: {}", stored(secrets.token));
                }
            }
            Ok(())
        }
        InstancesCommand::Add { fields, no_verify } => {
            let mut input = InstanceInput::default();
            if fields.name.is_none() || fields.url.is_none() {
                return Err(usage(
                    "Give at least --name and --url (and --auth; default: basic).",
                ));
            }
            if fields.auth.is_none() {
                input.auth_kind = Some(AuthKind::Basic);
            }
            apply(fields, &mut input, true)?;
            input.base_url = dhis2w_client::client::normalise_base_url(&input.base_url)?
                .as_str()
                .trim_end_matches('/')
                .to_owned();
            if !no_verify && input.auth_kind != Some(AuthKind::Oauth2) {
                let v = verify_input(&input).await?;
                eprintln!("Checked: signed in as {} ({}).", v.display_name, v.username);
            }
            let inst = ws.add_instance(&input).await?;
            println!("Saved \"{}\" ({}).", inst.name, inst.id);
            if inst.auth_kind == AuthKind::Oauth2 {
                println!("Sign in with: dhis2w login \"{}\"", inst.name);
            }
            Ok(())
        }
        InstancesCommand::Edit { instance, fields } => {
            let inst = ws.pick_instance(Some(&instance)).await?;
            let mut input = input_from(&inst);
            apply(fields, &mut input, false)?;
            let inst = ws.edit_instance(&inst.id, &input).await?;
            println!("Saved \"{}\".", inst.name);
            Ok(())
        }
        InstancesCommand::Remove { name } => {
            let inst = ws.pick_instance(Some(&name)).await?;
            ws.remove_instance(&inst.id).await?;
            println!(
                "Removed \"{}\" with its saved secrets and history.",
                inst.name
            );
            Ok(())
        }
        InstancesCommand::Default { name } => {
            let inst = ws.pick_instance(Some(&name)).await?;
            ws.set_default(&inst.id).await?;
            println!("\"{}\" is now the default instance.", inst.name);
            Ok(())
        }
        InstancesCommand::Use { name } => {
            let inst = ws.pick_instance(Some(&name)).await?;
            ws.set_active(&inst.id).await?;
            println!("\"{}\" is now the active instance.", inst.name);
            Ok(())
        }
        InstancesCommand::Verify { name } => {
            let inst = ws.pick_instance(name.as_deref()).await?;
            let started = Instant::now();
            let v = ws.verify_saved(&inst.id).await?;
            let ms = v.latency_ms.unwrap_or(started.elapsed().as_millis() as u64);
            println!(
                "{}: signed in as {} ({}), DHIS2 {}, answered in {ms} ms.",
                inst.name,
                v.display_name,
                v.username,
                v.version.as_deref().unwrap_or("(version unknown)")
            );
            Ok(())
        }
        InstancesCommand::RegisterApp { name, days, yes } => {
            let inst = ws.pick_instance(name.as_deref()).await?;
            let plan = ws.plan_app_registration(&inst.id, days).await?;
            println!(
                "What will be created on DHIS2 {} (POST /api/oAuth2Clients):\n{}",
                plan.version, plan.payload
            );
            if !yes {
                println!("Nothing was created. Run again with --yes to register the app.");
                return Ok(());
            }
            let done = ws.register_app(&inst.id, &plan.client_id, days).await?;
            println!(
                "Registered \"dhis2w Desktop\" ({}). {} now signs in through the browser: run `dhis2w login`.",
                done.client_id, inst.name
            );
            Ok(())
        }
        InstancesCommand::ImportDhis2w { file } => {
            let paths = match file {
                Some(f) => vec![f],
                None => dhis2w_default_paths(),
            };
            if paths.is_empty() {
                return Err(Error::new(
                    ErrorKind::NotFound,
                    "No dhis2w profiles file was found (~/.config/dhis2/profiles.toml or .dhis2/profiles.toml). Name one.",
                ));
            }
            let report = ws.import_dhis2w(&paths).await?;
            for p in &report.imported {
                println!("Imported \"{}\".", p.name);
            }
            for s in &report.skipped {
                eprintln!("Skipped \"{}\": {}", s.name, s.reason);
            }
            if report.imported.is_empty() && report.skipped.is_empty() {
                println!("Nothing to import.");
            }
            Ok(())
        }
    }
}
