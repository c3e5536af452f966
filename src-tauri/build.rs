fn main() {
    // The UI bundle is embedded at compile time. Vite writes new hashed file names on every
    // build, so make any change under ui/dist rebuild the app rather than trusting per-file
    // tracking alone (a stale index.html/asset pair serves HTML in place of the app's script).
    println!("cargo:rerun-if-changed=../ui/dist");
    tauri_build::build()
}
