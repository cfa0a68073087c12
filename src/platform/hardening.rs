//! Process hardening and the air-gap preflight.
//!
//! A breakglass secret must never reach disk in a core dump or a swap file, and should be handled
//! on a machine that is offline. These checks read or set only local process and kernel state: no
//! sockets are opened to find out whether the network is up.

use std::path::Path;

/// Locked memory a ceremony may need, in bytes: the peak address space of the heaviest command
/// (unlocking a hostile sheet's protected share at the largest accepted scrypt work factor, 2^20
/// = 1 GiB, or rasterising sheets), measured in docs/MEMORY-LOCKING.md, with headroom. With
/// `MCL_FUTURE` every later mapping counts against `RLIMIT_MEMLOCK`, and one that does not fit
/// fails: the allocation aborts the process. So locking is only attempted when the limit covers
/// this much (or the process may lock without limit).
pub const MEMLOCK_NEEDED: u64 = 2 << 30;

/// What [`harden_process`] achieved.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Hardening {
    /// Core dumps disabled (RLIMIT_CORE = 0).
    pub core_dumps_off: bool,
    /// The process is marked not dumpable (no core, no ptrace by other users).
    pub not_dumpable: bool,
    /// Whether memory (and so every secret buffer) is locked out of swap.
    pub memory: MemoryLock,
}

/// Whether the process memory is locked in RAM (`mlockall`).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub enum MemoryLock {
    /// Current and future pages are locked: no secret can be swapped out.
    Locked,
    /// Not tried: the locked-memory limit (bytes) is below [`MEMLOCK_NEEDED`], and locking under
    /// it would make large allocations abort.
    LimitTooSmall(u64),
    /// `mlockall` was refused.
    Failed(String),
    /// Not supported on this system.
    #[default]
    Unsupported,
}

impl Hardening {
    /// A one-line warning when secrets could reach swap: memory is not locked and a swap device
    /// is active (without swap there is nowhere for them to go, as on most live systems used for
    /// ceremonies, so nothing is said).
    pub fn memory_warning(&self) -> Option<String> {
        memory_warning(&self.memory, swap_active())
    }
}

fn mib(bytes: u64) -> u64 {
    bytes >> 20
}

fn memory_warning(memory: &MemoryLock, swap_active: bool) -> Option<String> {
    let why = match memory {
        MemoryLock::Locked => return None,
        _ if !swap_active => return None,
        MemoryLock::LimitTooSmall(limit) => format!(
            "the locked-memory limit is {} MiB and breakglass needs {} MiB",
            mib(*limit),
            mib(MEMLOCK_NEEDED)
        ),
        MemoryLock::Failed(reason) => format!("locking memory failed ({reason})"),
        MemoryLock::Unsupported => "this system does not support locking memory".into(),
    };
    Some(format!(
        "secrets in memory could be written to swap: {why}; run as root, raise the limit (ulimit -l unlimited, or memlock in /etc/security/limits.conf), or turn swap off (swapoff -a)"
    ))
}

/// True when `/proc/swaps` lists an active swap device or file.
pub fn swap_active() -> bool {
    swap_listed(&std::fs::read_to_string("/proc/swaps").unwrap_or_default())
}

fn swap_listed(table: &str) -> bool {
    table.lines().skip(1).any(|line| !line.trim().is_empty())
}

/// Turns core dumps off, marks the process not dumpable and locks its memory, best effort.
pub fn harden_process() -> Hardening {
    #[cfg(target_os = "linux")]
    {
        use nix::sys::resource::{Resource, setrlimit};
        Hardening {
            core_dumps_off: setrlimit(Resource::RLIMIT_CORE, 0, 0).is_ok(),
            not_dumpable: nix::sys::prctl::set_dumpable(false).is_ok(),
            memory: lock_memory(),
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        Hardening::default()
    }
}

/// Locks current and future pages when the limit allows a whole ceremony; raises the soft limit
/// to the hard one first (allowed without privilege).
#[cfg(target_os = "linux")]
fn lock_memory() -> MemoryLock {
    use nix::sys::mman::{MlockAllFlags, mlockall};
    use nix::sys::resource::{RLIM_INFINITY, Resource, getrlimit, setrlimit};
    let limit = match getrlimit(Resource::RLIMIT_MEMLOCK) {
        Ok((soft, hard)) if soft < hard && setrlimit(Resource::RLIMIT_MEMLOCK, hard, hard).is_ok() => hard,
        Ok((soft, _)) => soft,
        Err(error) => return MemoryLock::Failed(error.desc().to_owned()),
    };
    let unlimited = limit == RLIM_INFINITY || can_lock_without_limit();
    if !unlimited && limit < MEMLOCK_NEEDED {
        return MemoryLock::LimitTooSmall(limit);
    }
    // MCL_ONFAULT (Linux 4.4+; nix 0.32 has no name for it) locks pages as they are first
    // touched instead of populating every reservation (thread stacks, allocator arenas) up
    // front: measured, that populating cost a sealing run about 20 ms and 10 MB. Older kernels
    // refuse the flag, and then everything is locked at once.
    const MCL_ONFAULT: i32 = 4;
    let both = MlockAllFlags::MCL_CURRENT | MlockAllFlags::MCL_FUTURE;
    match mlockall(both | MlockAllFlags::from_bits_retain(MCL_ONFAULT)).or_else(|_| mlockall(both)) {
        Ok(()) => MemoryLock::Locked,
        Err(error) => MemoryLock::Failed(error.desc().to_owned()),
    }
}

/// True when the process holds `CAP_IPC_LOCK` (root usually does), which lifts `RLIMIT_MEMLOCK`.
#[cfg(target_os = "linux")]
fn can_lock_without_limit() -> bool {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    capability_in_status(&status, CAP_IPC_LOCK)
}

/// Capability number of `CAP_IPC_LOCK` (linux/capability.h).
const CAP_IPC_LOCK: u32 = 14;

fn capability_in_status(status: &str, capability: u32) -> bool {
    status
        .lines()
        .find_map(|line| line.strip_prefix("CapEff:"))
        .and_then(|mask| u64::from_str_radix(mask.trim(), 16).ok())
        .is_some_and(|mask| mask & (1 << capability) != 0)
}

/// Signs that the machine is online.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct NetworkState {
    /// Non-loopback interfaces whose state is up.
    pub interfaces_up: Vec<String>,
    /// Interfaces carrying a default route (IPv4 or IPv6).
    pub default_routes: Vec<String>,
}

impl NetworkState {
    /// True if and only if no interface is up and there is no default route.
    pub fn offline(&self) -> bool {
        self.interfaces_up.is_empty() && self.default_routes.is_empty()
    }

    /// One line naming what is online.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if !self.interfaces_up.is_empty() {
            parts.push(format!("network interface(s) up: {}", self.interfaces_up.join(", ")));
        }
        if !self.default_routes.is_empty() {
            parts.push(format!("default route via {}", self.default_routes.join(", ")));
        }
        parts.join("; ")
    }
}

/// Reads the network state from `/sys/class/net` and the kernel routing tables under `proc`.
pub fn network_state() -> NetworkState {
    network_state_at(Path::new("/sys/class/net"), Path::new("/proc/net"))
}

/// [`network_state`] with the directories given (for tests).
pub fn network_state_at(sys_class_net: &Path, proc_net: &Path) -> NetworkState {
    let mut state = NetworkState::default();
    if let Ok(entries) = std::fs::read_dir(sys_class_net) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name == "lo" {
                continue;
            }
            let operstate = std::fs::read_to_string(entry.path().join("operstate")).unwrap_or_default();
            if operstate.trim() == "up" {
                state.interfaces_up.push(name);
            }
        }
    }
    state.interfaces_up.sort();
    // IPv4: columns Iface, Destination (hex), ...; a default route has destination 00000000.
    if let Ok(table) = std::fs::read_to_string(proc_net.join("route")) {
        for line in table.lines().skip(1) {
            let fields: Vec<&str> = line.split_whitespace().collect();
            if fields.len() > 1 && fields[1] == "00000000" && fields[0] != "lo" {
                state.default_routes.push(fields[0].to_owned());
            }
        }
    }
    // IPv6: destination (32 hex) and prefix length first, interface name last.
    if let Ok(table) = std::fs::read_to_string(proc_net.join("ipv6_route")) {
        for line in table.lines() {
            let fields: Vec<&str> = line.split_whitespace().collect();
            if fields.len() >= 10
                && fields[0].chars().all(|c| c == '0')
                && fields[1] == "00"
                && fields[9] != "lo"
                && !state.default_routes.iter().any(|known| known == fields[9])
            {
                state.default_routes.push(fields[9].to_owned());
            }
        }
    }
    state.default_routes.sort();
    state.default_routes.dedup();
    state
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_interfaces_and_default_routes() {
        let root = std::env::temp_dir().join(format!("bg-net-{}", std::process::id()));
        let (sys, proc_net) = (root.join("sys"), root.join("proc"));
        for (name, state) in [("lo", "unknown"), ("eth0", "up"), ("wlan0", "down")] {
            std::fs::create_dir_all(sys.join(name)).unwrap();
            std::fs::write(sys.join(name).join("operstate"), format!("{state}\n")).unwrap();
        }
        std::fs::create_dir_all(&proc_net).unwrap();
        std::fs::write(
            proc_net.join("route"),
            "Iface\tDestination\tGateway\tFlags\nlo\t0000007F\t00000000\t0001\neth0\t00000000\t0101A8C0\t0003\n",
        )
        .unwrap();
        std::fs::write(
            proc_net.join("ipv6_route"),
            "00000000000000000000000000000000 00 00000000000000000000000000000000 00 fe800000000000000000000000000001 00000400 00000001 00000000 00000003     wlan0\n",
        )
        .unwrap();
        let state = network_state_at(&sys, &proc_net);
        assert_eq!(state.interfaces_up, ["eth0"]);
        assert_eq!(state.default_routes, ["eth0", "wlan0"]);
        assert!(!state.offline());
        assert_eq!(
            state.describe(),
            "network interface(s) up: eth0; default route via eth0, wlan0"
        );
        std::fs::remove_dir_all(&root).unwrap();
        assert!(network_state_at(&root.join("none"), &root.join("none")).offline());
    }

    #[test]
    fn memory_warning_only_when_unlocked_and_swap_is_on() {
        assert_eq!(memory_warning(&MemoryLock::Locked, true), None);
        assert_eq!(memory_warning(&MemoryLock::LimitTooSmall(8 << 20), false), None);
        let warning = memory_warning(&MemoryLock::LimitTooSmall(8 << 20), true).unwrap();
        assert!(
            warning.contains("limit is 8 MiB and breakglass needs 2048 MiB"),
            "{warning}"
        );
        assert!(warning.contains("ulimit -l unlimited"), "{warning}");
        assert!(!warning.contains('\n'));
        let failed = memory_warning(&MemoryLock::Failed("Cannot allocate memory".into()), true).unwrap();
        assert!(
            failed.contains("locking memory failed (Cannot allocate memory)"),
            "{failed}"
        );
    }

    #[test]
    fn reads_swaps_and_capabilities() {
        let header = "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n";
        assert!(!swap_listed(header));
        assert!(!swap_listed(""));
        assert!(swap_listed(&format!("{header}/swapfile  file  2097148  0  -2\n")));
        let root = "Name:\tx\nCapEff:\t000001fffeffffff\n";
        let user = "Name:\tx\nCapEff:\t0000000000000000\n";
        assert!(capability_in_status(root, CAP_IPC_LOCK));
        assert!(!capability_in_status(user, CAP_IPC_LOCK));
        assert!(!capability_in_status("", CAP_IPC_LOCK));
    }

    #[test]
    fn hardening_turns_core_dumps_off() {
        let hardening = harden_process();
        if cfg!(target_os = "linux") {
            assert!(hardening.core_dumps_off);
            let limits = std::fs::read_to_string("/proc/self/limits").unwrap();
            let core = limits
                .lines()
                .find(|line| line.starts_with("Max core file size"))
                .unwrap();
            assert!(core.split_whitespace().nth(4) == Some("0"), "{core}");
            if can_lock_without_limit() {
                assert_eq!(hardening.memory, MemoryLock::Locked);
            } else {
                assert_ne!(hardening.memory, MemoryLock::Unsupported, "{:?}", hardening.memory);
            }
        }
    }
}
