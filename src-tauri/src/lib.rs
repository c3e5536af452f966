//! dhis2w Desktop: a thin Tauri shell over the `dhis2w-client` core.
//!
//! Commands (in [`commands`]) only translate between the UI's types ([`dto`]) and the core.
//! [`with_commands`] wires the commands and the managed state and is shared by the real app
//! ([`run`]) and the mock-runtime tests; the plugins that need the real runtime
//! (single-instance, deep-link, opener, dialog) and the main window are added only in [`run`].

pub mod browser;
pub mod commands;
pub mod convert;
pub mod dto;
pub mod handoff_port;
pub mod options;
mod relaunch;
pub mod state;

pub use options::{Options, SecretMode};

use tauri::{App, Builder, Manager, Runtime};

/// The label of the one window.
pub const MAIN_WINDOW: &str = "main";

/// The deep-link scheme (also in tauri.conf.json and the .deb desktop entry).
pub const SCHEME: &str = "org.dhis2w.desktop";

type SetupResult = Result<(), Box<dyn std::error::Error>>;

/// Registers the commands and sets up the managed state from `options`.
pub fn with_commands<R: Runtime>(builder: Builder<R>, options: Options) -> Builder<R> {
    with_commands_then(builder, options, |_| Ok(()))
}

/// Like [`with_commands`], running `then` after the state is set up.
pub fn with_commands_then<R, F>(builder: Builder<R>, options: Options, then: F) -> Builder<R>
where
    R: Runtime,
    F: FnOnce(&mut App<R>) -> SetupResult + Send + 'static,
{
    builder
        .invoke_handler(tauri::generate_handler![
            commands::instances::instances_list,
            commands::instances::instances_add,
            commands::instances::instances_edit,
            commands::instances::instances_remove,
            commands::instances::instances_set_default,
            commands::instances::instances_set_active,
            commands::instances::instances_probe,
            commands::instances::instances_verify,
            commands::instances::instances_verify_saved,
            commands::instances::instances_import_cli,
            commands::instances::instances_plan_registration,
            commands::instances::instances_register_app,
            commands::session::session_sign_in,
            commands::session::session_cancel_sign_in,
            commands::session::session_sign_out,
            commands::session::session_status,
            commands::session::session_refresh_now,
            commands::session::session_forget_device,
            commands::browse::browse_get,
            commands::browse::browse_take,
            commands::browse::browse_cancel,
            commands::browse::browse_history,
            commands::browse::browse_pin,
            commands::browse::browse_curl,
            commands::browse::browse_resources,
            commands::browse::browse_save,
            commands::browse::browse_download,
            commands::tables::browse_get_all,
            commands::tables::export_table,
            commands::tables::search_objects,
            commands::tables::identify_object,
            commands::analytics::analytics_run,
            commands::analytics::analytics_export,
            commands::analytics::analytics_prepare,
            commands::analytics::analytics_compare,
            commands::analytics::saved_list,
            commands::analytics::saved_save,
            commands::analytics::saved_delete,
            commands::analytics::saved_export,
            commands::analytics::saved_import,
            commands::app::app_about,
            commands::app::app_diagnostics,
            commands::app::app_set_detailed_log,
            commands::app::app_detailed_log,
            commands::app::app_set_language,
            commands::app::app_deep_link_result,
        ])
        .setup(move |app| {
            if let Err(e) = init(app.handle(), options) {
                return startup_failed(app, e);
            }
            then(app)
        })
}

/// The app cannot open its stores (the profiles file is a folder, unreadable…): a window says
/// what happened and what to do, then the app exits with status 1. Never a panic. Without the
/// dialog plugin (mock-runtime tests) the error is returned as before.
fn startup_failed<R: Runtime>(app: &mut App<R>, e: dhis2w_client::Error) -> SetupResult {
    use tauri_plugin_dialog::{DialogExt, MessageDialogKind};
    tracing::error!(error = %e.message(), "dhis2w Desktop cannot start");
    eprintln!("dhis2w Desktop cannot start: {}", e.message());
    if app.try_state::<tauri_plugin_dialog::Dialog<R>>().is_none() {
        return Err(Box::new(e));
    }
    let words = startup_words(&system_language());
    let handle = app.handle().clone();
    app.dialog()
        .message(format!("{}\n\n{}", e.message(), words.next))
        .title(words.title)
        .kind(MessageDialogKind::Error)
        .show(move |_| handle.exit(1));
    Ok(())
}

/// The words around a start-up error, in the system's language (the UI's own choice is not
/// known before the UI runs).
struct StartupWords {
    title: &'static str,
    next: &'static str,
}

fn startup_words(lang: &str) -> StartupWords {
    match lang {
        "fr" => StartupWords {
            title: "dhis2w Desktop ne peut pas démarrer",
            next: "Rien n’a été modifié. Corrigez le problème ci-dessus, puis relancez dhis2w Desktop.",
        },
        "es" => StartupWords {
            title: "dhis2w Desktop no puede iniciarse",
            next: "No se ha cambiado nada. Corrija el problema indicado arriba y vuelva a abrir dhis2w Desktop.",
        },
        "pt" => StartupWords {
            title: "O dhis2w Desktop não consegue arrancar",
            next: "Nada foi alterado. Corrija o problema indicado acima e volte a abrir o dhis2w Desktop.",
        },
        _ => StartupWords {
            title: "dhis2w Desktop cannot start",
            next: "Nothing was changed. Fix the problem above, then open dhis2w Desktop again.",
        },
    }
}

/// The two-letter language of the system (LC_ALL, LC_MESSAGES, LANG), `en` when unset.
fn system_language() -> String {
    ["LC_ALL", "LC_MESSAGES", "LANG"]
        .iter()
        .filter_map(|v| std::env::var(v).ok())
        .find(|v| !v.is_empty())
        .map(|v| v.chars().take(2).collect::<String>().to_lowercase())
        .unwrap_or_else(|| "en".into())
}

/// Opens the stores named by `options` and manages the [`state::AppState`] (once). The setup
/// hook of [`with_commands`] calls it; mock-runtime tests, whose apps never run the setup
/// hook, call it after `build()`.
pub fn init<R: Runtime>(app: &tauri::AppHandle<R>, options: Options) -> dhis2w_client::Result<()> {
    if app.try_state::<state::AppState>().is_none() {
        app.manage(state::AppState::init(app, options)?);
    }
    Ok(())
}

/// Starts the desktop app.
pub fn run() {
    let tries = relaunch::take_tries();
    let options = Options::from_env();
    // The log file in the data folder (redacted lines; "Copy diagnostics" shows the last ones).
    // Without a data folder the app still runs, unlogged.
    let log_dir = options
        .data_dir
        .clone()
        .or_else(|| dhis2w_client::workspace::default_data_dir().ok());
    if let Some(dir) = log_dir {
        if let Err(e) = dhis2w_client::log::Log::install(&dir) {
            eprintln!("dhis2w Desktop: no log file: {}", e.message());
        }
    }
    let builder = tauri::Builder::default()
        // single-instance must be first: a second launch (e.g. a deep link) hands its
        // arguments to this instance and exits.
        .plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| {
            state::focus_main_window(app);
        }))
        .plugin(tauri_plugin_deep_link::init())
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_dialog::init());
    let mut context = tauri::generate_context!();
    let port = handoff_port::reserve();
    handoff_port::narrow_csp(&mut context.config_mut().app.security.csp, port);
    if let Err(e) = with_commands_then(builder, options, desktop_setup).run(context) {
        if relaunch::is_handover_failure(&e) {
            if let Some(why) = relaunch::start_again(tries) {
                eprintln!("dhis2w Desktop could not start again: {why}");
            }
        }
        // No window could be made (no display, no WebKit): say so on stderr, never panic.
        eprintln!("dhis2w Desktop could not run: {e}");
        std::process::exit(1);
    }
}

/// Real-runtime set-up: deep links and the main window.
fn desktop_setup<R: Runtime>(app: &mut App<R>) -> SetupResult {
    use tauri_plugin_deep_link::DeepLinkExt;

    #[cfg(any(target_os = "linux", windows))]
    if std::env::var("DHIS2W_NO_REGISTER").as_deref() != Ok("1") {
        if let Err(e) = app.deep_link().register_all() {
            tracing::warn!(error = %e, "could not register the {SCHEME} link handler");
        }
    }
    let handle = app.handle().clone();
    app.deep_link().on_open_url(move |event| {
        for url in event.urls() {
            state::deliver_deep_link(&handle, url.as_str());
        }
    });
    // A link that started the app (cold start) arrives before on_open_url exists.
    if let Ok(Some(urls)) = app.deep_link().get_current() {
        for url in urls {
            state::deliver_deep_link(app.handle(), url.as_str());
        }
    }
    let options = &app.state::<state::AppState>().options;
    let page = if options.bench_floor {
        "bench-floor.html"
    } else {
        "index.html"
    };
    browser::build_main_window(app.handle(), options.test_browser.clone(), page)?;
    Ok(())
}

#[cfg(test)]
mod startup_tests {
    use super::*;

    #[test]
    fn start_up_words_exist_in_four_languages() {
        let en = startup_words("en");
        for lang in ["fr", "es", "pt"] {
            let w = startup_words(lang);
            assert_ne!(w.title, en.title, "{lang}");
            assert_ne!(w.next, en.next, "{lang}");
        }
        assert_eq!(startup_words("de").title, en.title, "English otherwise");
    }
}
