//! The app's processes as the OS sees them, for the window benchmarks (issue 13, P3 and P4):
//! the app under `tauri-driver`, its WebKit helpers, when it started and what memory (PSS) the
//! whole tree holds.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

fn stat_fields(pid: u32) -> Option<Vec<String>> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The name is in parentheses and may hold spaces: fields start after the last ')'.
    let (head, rest) = s.rsplit_once(')')?;
    let name = head.split_once('(')?.1.to_owned();
    let mut v = vec![name];
    v.extend(rest.split_whitespace().map(str::to_owned));
    Some(v)
}

fn all_pids() -> Vec<u32> {
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse().ok())
        .collect()
}

/// Every process below `root` (children, grandchildren…), not `root` itself.
pub fn descendants(root: u32) -> Vec<u32> {
    let parents: Vec<(u32, u32)> = all_pids()
        .into_iter()
        .filter_map(|p| {
            let f = stat_fields(p)?;
            Some((p, f.get(2)?.parse().ok()?))
        })
        .collect();
    let mut out = vec![];
    let mut frontier = vec![root];
    while let Some(p) = frontier.pop() {
        for (c, pp) in &parents {
            if *pp == p && !out.contains(c) {
                out.push(*c);
                frontier.push(*c);
            }
        }
    }
    out
}

/// Whether `pid` has ended: gone, or a zombie (which holds no socket or bus name any more).
pub fn ended(pid: u32) -> bool {
    stat_fields(pid).is_none_or(|f| f.get(1).is_some_and(|state| state == "Z"))
}

/// The process named `name` below `root`.
pub fn find_below(root: u32, name: &str) -> Option<u32> {
    descendants(root)
        .into_iter()
        .find(|p| stat_fields(*p).is_some_and(|f| f[0] == name))
}

/// When `pid` started (10 ms resolution: the kernel counts in clock ticks).
pub fn started_at(pid: u32) -> Option<SystemTime> {
    let ticks: u64 = stat_fields(pid)?.get(20)?.parse().ok()?;
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as u64;
    let boot: u64 = std::fs::read_to_string("/proc/stat")
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix("btime ")?.trim().parse().ok())?;
    Some(UNIX_EPOCH + Duration::from_secs(boot) + Duration::from_millis(ticks * 1000 / hz))
}

/// The proportional set size of one process, in kB.
fn pss_kb(pid: u32) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok()?;
    s.lines().find_map(|l| {
        l.strip_prefix("Pss:")?
            .trim()
            .strip_suffix("kB")?
            .trim()
            .parse()
            .ok()
    })
}

/// Proportional set size of `pid` and every process below it, in kB (shared pages counted
/// once across them, as PSS does).
pub fn tree_pss_kb(pid: u32) -> u64 {
    std::iter::once(pid)
        .chain(descendants(pid))
        .filter_map(pss_kb)
        .sum()
}

/// The pid, name and PSS (kB) of `pid` and every process below it, largest first.
pub fn tree_members(pid: u32) -> Vec<(u32, String, u64)> {
    let mut v: Vec<(u32, String, u64)> = std::iter::once(pid)
        .chain(descendants(pid))
        .filter_map(|p| {
            let name = stat_fields(p)?.first()?.clone();
            Some((p, name, pss_kb(p)?))
        })
        .collect();
    v.sort_by_key(|e| std::cmp::Reverse(e.2));
    v
}

/// The names and PSS (kB) of `pid` and every process below it, largest first.
pub fn tree_breakdown(pid: u32) -> Vec<(String, u64)> {
    tree_members(pid)
        .into_iter()
        .map(|(_, name, kb)| (name, kb))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_has_a_start_time_and_memory() {
        let me = std::process::id();
        let started = started_at(me).unwrap();
        assert!(started <= SystemTime::now());
        assert!(SystemTime::now().duration_since(started).unwrap() < Duration::from_secs(3600));
        assert!(tree_pss_kb(me) > 100);
        let child = std::process::Command::new("sleep")
            .arg("5")
            .spawn()
            .unwrap();
        assert_eq!(find_below(me, "sleep"), Some(child.id()));
        let mut child = child;
        let _ = child.kill();
        let _ = child.wait();
    }
}
