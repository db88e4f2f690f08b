//! glibc's allocator, set for the relay's traffic before any thread exists (BENCHMARKS.md):
//!
//! - **A larger per-thread cache of freed blocks.** glibc keeps 7 freed blocks of each size per
//!   thread; past them a free and the next allocation of that size take the arena's lock and its
//!   bins (`_int_malloc`, `malloc_consolidate`: with `free`, a quarter of the relay's time on the
//!   Redis log at 5,000 events/s). A call to Redis for ten webhooks makes and frees dozens of
//!   blocks of a few sizes at once. 128 per size: the relay's CPU on the Redis log fell by about a
//!   sixth, with no change in memory per idle stream (1,024 cost 3 KB more per stream).
//!   The cache is a tunable glibc reads only when a program starts, so the relay starts itself
//!   again, once, with it in `GLIBC_TUNABLES` (same process id, same arguments). An operator's
//!   own `glibc.malloc.tcache_count` is kept; other tunables they set stay too. The restarted
//!   relay knows it is one by `RELAY_ALLOCATOR_TUNED`, not by reading `GLIBC_TUNABLES` back:
//!   glibc cuts that variable where it parses it (Debian 12's glibc leaves only the first
//!   tunable visible), and a relay that believed it untuned would start itself forever.
//! - **Large buffers returned when freed** (a fixed mapping threshold of 1 MiB): glibc raises its
//!   threshold each time a mapped block is freed, after which 10 MB buffers (images read whole to
//!   remove their metadata) come from per-thread arenas that keep them: 20 image uploads grew the
//!   relay by 160 MB and it stayed.

/// The per-thread cache's tunable, as the relay sets it.
const THREAD_CACHE: &str = "glibc.malloc.tcache_count=128";
/// Set in the relay's environment when it starts itself again.
const RESTARTED: &str = "RELAY_ALLOCATOR_TUNED";

/// Sets both. Returns only once the relay runs as it will: with its cache, with the operator's own
/// cache setting, or (unable to start again) with glibc's default.
pub fn tune() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        if std::env::var_os(RESTARTED).is_none() {
            if let Some(tunables) = with_thread_cache(std::env::var("GLIBC_TUNABLES").ok().as_deref()) {
                restart_with(&tunables);
            }
        }
        // SAFETY: mallopt only sets an allocator parameter; it is called before any other thread.
        unsafe {
            libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
        }
    }
}

/// `GLIBC_TUNABLES` with the relay's thread cache, or `None` when it already names one.
#[cfg_attr(not(all(target_os = "linux", target_env = "gnu")), allow(dead_code))]
fn with_thread_cache(tunables: Option<&str>) -> Option<String> {
    match tunables.filter(|t| !t.is_empty()) {
        Some(t) if t.split(':').any(|tunable| tunable.starts_with("glibc.malloc.tcache_count=")) => None,
        Some(t) => Some(format!("{t}:{THREAD_CACHE}")),
        None => Some(THREAD_CACHE.to_string()),
    }
}

/// Replaces this process with the relay again, `tunables` in its environment. Should that fail
/// (no `/proc/self/exe`, say), the relay goes on with glibc's defaults and says so.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn restart_with(tunables: &str) {
    use std::os::unix::process::CommandExt;
    let mut args = std::env::args_os();
    let Ok(program) = std::env::current_exe() else {
        return eprintln!("the relay goes on with glibc's default thread cache: its program file is not known");
    };
    let mut command = std::process::Command::new(program);
    if let Some(name) = args.next() {
        command.arg0(name);
    }
    let error = command.args(args).env("GLIBC_TUNABLES", tunables).env(RESTARTED, "1").exec();
    eprintln!("the relay goes on with glibc's default thread cache: {error}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_thread_cache_joins_an_operators_tunables_and_never_overrides_theirs() {
        let cases: [(Option<&str>, Option<&str>); 6] = [
            (None, Some(THREAD_CACHE)),
            (Some(""), Some(THREAD_CACHE)),
            (Some("glibc.malloc.arena_max=2"), Some("glibc.malloc.arena_max=2:glibc.malloc.tcache_count=128")),
            (Some("glibc.malloc.tcache_count=7"), None),
            (Some("glibc.malloc.arena_max=2:glibc.malloc.tcache_count=0"), None),
            (Some("glibc.malloc.tcache_count_x=1"), Some("glibc.malloc.tcache_count_x=1:glibc.malloc.tcache_count=128")),
        ];
        for (operator, expected) in cases {
            assert_eq!(with_thread_cache(operator).as_deref(), expected, "GLIBC_TUNABLES={operator:?}");
        }
    }
}
