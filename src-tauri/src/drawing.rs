//! How WebKit draws the window on Linux: without a graphics card, not through OpenGL.
//!
//! WebKitGTK composites the page with OpenGL. On a computer without a GPU (a virtual machine, a
//! remote desktop, a server under Xvfb) that OpenGL is Mesa's software renderer, which costs more
//! than drawing on the CPU directly. Measured with the window bench (issue 13, docs/performance.md;
//! release build, Xvfb, 2026-12-01): idle memory of the process tree 241 MB instead of 329 MB,
//! start-up 1.55–1.65 s instead of 1.80 s, no first launch in a new account waiting 2 s while Mesa
//! fills its shader cache, and the 60 MB list's peak 717–734 MB instead of 883 MB. The price:
//! painting moves to the page's thread (longest blocks during that list 177–213 ms instead of
//! about 150 ms). With a GPU, compositing is what keeps scrolling smooth, so it is left on.

use std::ffi::OsStr;
use std::path::Path;

/// WebKitGTK's switch: set (to anything but `0`), the page is drawn without compositing.
pub const WEBKIT_SWITCH: &str = "WEBKIT_DISABLE_COMPOSITING_MODE";

/// Whether the window should be drawn on the CPU: only when nobody chose (`already` is the
/// switch's current value) and the computer shows no GPU, i.e. no render node in `dri` (Linux's
/// `/dev/dri/renderD*`, made for every GPU with a driver, NVIDIA's included) and no `dxg` (the
/// GPU of Windows' Linux subsystem, `/dev/dxg`).
pub fn draw_on_cpu(already: Option<&OsStr>, dri: &Path, dxg: &Path) -> bool {
    if already.is_some() || dxg.exists() {
        return false;
    }
    let has_render_node = std::fs::read_dir(dri)
        .map(|entries| {
            entries
                .flatten()
                .any(|e| e.file_name().to_string_lossy().starts_with("renderD"))
        })
        .unwrap_or(false);
    !has_render_node
}

/// Sets WebKit's switch for this process and its WebKit processes when [`draw_on_cpu`] says so.
/// Call first thing in `main`, before any thread starts (it changes the environment).
pub fn choose() {
    if cfg!(target_os = "linux")
        && draw_on_cpu(
            std::env::var_os(WEBKIT_SWITCH).as_deref(),
            Path::new("/dev/dri"),
            Path::new("/dev/dxg"),
        )
    {
        std::env::set_var(WEBKIT_SWITCH, "1");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_drawing_only_without_a_gpu_and_when_nobody_chose() {
        let dir = tempfile::tempdir().unwrap();
        let dri = dir.path().join("dri");
        let dxg = dir.path().join("dxg");
        // No /dev/dri at all (Xvfb on a server, as in CI): draw on the CPU.
        assert!(draw_on_cpu(None, &dri, &dxg));
        // A display card node but no render node (no GPU driver for rendering): still the CPU.
        std::fs::create_dir(&dri).unwrap();
        std::fs::write(dri.join("card0"), "").unwrap();
        assert!(draw_on_cpu(None, &dri, &dxg));
        // Someone already chose, either way: left alone.
        assert!(!draw_on_cpu(Some(OsStr::new("0")), &dri, &dxg));
        assert!(!draw_on_cpu(Some(OsStr::new("1")), &dri, &dxg));
        // Windows' Linux subsystem exposes its GPU as /dev/dxg.
        std::fs::write(&dxg, "").unwrap();
        assert!(!draw_on_cpu(None, &dri, &dxg));
        std::fs::remove_file(&dxg).unwrap();
        // A render node: a GPU, compositing stays on.
        std::fs::write(dri.join("renderD128"), "").unwrap();
        assert!(!draw_on_cpu(None, &dri, &dxg));
    }
}
