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

/// What [`harden_process`] achieved. Each field has a Linux and a Windows meaning (README,
/// "Platforms"); on other systems nothing is attempted.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Hardening {
    /// No crash dump can hold the process's memory. Linux: RLIMIT_CORE = 0. Windows: no fault
    /// dialog, Windows Error Reporting told to leave the heap out, a crash ends the process
    /// before Windows Error Reporting sees it, and no LocalDumps policy asks for full dumps.
    pub core_dumps_off: bool,
    /// Other processes of the same user cannot read the process's memory. Linux: not dumpable
    /// (no core, no ptrace by other users). Windows: the process's access list lets them only
    /// query and end it (an administrator can still read it).
    pub not_dumpable: bool,
    /// Whether memory (and so every secret buffer) is kept out of swap or the page file.
    pub memory: MemoryLock,
}

/// Whether the process memory is locked in RAM: `mlockall` on Linux; on Windows a hard minimum
/// working set of [`MEMLOCK_NEEDED`], so that the pages of a ceremony are never trimmed to the
/// page file.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub enum MemoryLock {
    /// Current and future pages are locked: no secret can be swapped out.
    Locked,
    /// Not tried: the locked-memory limit (bytes) is below [`MEMLOCK_NEEDED`], and locking under
    /// it would make large allocations abort.
    LimitTooSmall(u64),
    /// Locking was refused.
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

    /// A one-line warning when a crash or another process could copy secrets out of memory, on
    /// the systems where breakglass knows how to prevent that (Linux, Windows).
    pub fn dump_warning(&self) -> Option<String> {
        if !cfg!(any(target_os = "linux", windows)) {
            return None;
        }
        if !self.core_dumps_off {
            return Some(format!(
                "could not disable core dumps; a crash could write secrets to disk{CORE_DUMP_FIX}"
            ));
        }
        if !self.not_dumpable {
            return Some("could not stop other programs of this user from reading this process's memory; close them before handling secrets".into());
        }
        None
    }
}

/// How to turn crash dumps off by hand where breakglass could not.
#[cfg(windows)]
const CORE_DUMP_FIX: &str = "; an administrator can remove the Windows Error Reporting LocalDumps policy (HKLM\\SOFTWARE\\Microsoft\\Windows\\Windows Error Reporting\\LocalDumps)";
#[cfg(not(windows))]
const CORE_DUMP_FIX: &str = "";

/// Where memory goes when RAM runs short, and how to keep secrets out of it.
#[cfg(windows)]
const SWAP: (&str, &str) = (
    "the page file",
    "close other programs and retry, or turn the page file off (System Properties > Advanced > Performance > Virtual memory: No paging file), or hold the ceremony on a live Linux USB",
);
#[cfg(not(windows))]
const SWAP: (&str, &str) = (
    "swap",
    "run as root, raise the limit (ulimit -l unlimited, or memlock in /etc/security/limits.conf), or turn swap off (swapoff -a)",
);

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
    let (swap, fix) = SWAP;
    Some(format!("secrets in memory could be written to {swap}: {why}; {fix}"))
}

/// True when memory can be paged out to disk: on Linux `/proc/swaps` lists an active swap device
/// or file; on Windows the commit limit is larger than RAM (a page file exists).
pub fn swap_active() -> bool {
    #[cfg(windows)]
    {
        windows::page_file_active()
    }
    #[cfg(not(windows))]
    {
        swap_listed(&std::fs::read_to_string("/proc/swaps").unwrap_or_default())
    }
}

#[cfg_attr(windows, allow(dead_code))]
fn swap_listed(table: &str) -> bool {
    table.lines().skip(1).any(|line| !line.trim().is_empty())
}

/// Turns crash dumps off, keeps other processes out of memory and locks memory, best effort.
pub fn harden_process() -> Hardening {
    #[cfg(target_os = "linux")]
    {
        linux::harden()
    }
    #[cfg(windows)]
    {
        windows::harden()
    }
    #[cfg(not(any(target_os = "linux", windows)))]
    {
        Hardening::default()
    }
}

#[cfg(target_os = "linux")]
mod linux;
#[cfg(windows)]
mod windows;

/// Capability number of `CAP_IPC_LOCK` (linux/capability.h).
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
const CAP_IPC_LOCK: u32 = 14;

#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
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
            let noun = if self.interfaces_up.len() == 1 {
                "interface"
            } else {
                "interfaces"
            };
            parts.push(format!("network {noun} up: {}", self.interfaces_up.join(", ")));
        }
        if !self.default_routes.is_empty() {
            parts.push(format!("default route via {}", self.default_routes.join(", ")));
        }
        parts.join("; ")
    }
}

/// Reads the network state: on Windows the adapters (`GetAdaptersAddresses`); elsewhere the
/// caller's network namespace under `/proc/self/net` and, for link state, `/sys/class/net`.
pub fn network_state() -> NetworkState {
    #[cfg(windows)]
    {
        windows::network_state()
    }
    #[cfg(not(windows))]
    {
        network_state_at(Path::new("/sys/class/net"), Path::new("/proc/self/net"))
    }
}

/// [`network_state`] on Linux with the directories given (for tests). The interfaces are those
/// of `proc_net/dev`, which follows the caller's network namespace; `/sys/class/net` shows the
/// namespace sysfs was mounted in (inside `unshare -n` it still lists the host's `eth0`), so it
/// is asked only for the link state of an interface the caller has, and one it does not know
/// counts as up: the preflight must never call a connected machine offline.
pub fn network_state_at(sys_class_net: &Path, proc_net: &Path) -> NetworkState {
    let mut state = NetworkState::default();
    let devices = std::fs::read_to_string(proc_net.join("dev")).unwrap_or_default();
    // Two header lines, then "  eth0: <counters>".
    for name in devices
        .lines()
        .skip(2)
        .filter_map(|line| line.split_once(':'))
        .map(|(name, _)| name.trim())
    {
        if name == "lo" || name.is_empty() {
            continue;
        }
        let up = match std::fs::read_to_string(sys_class_net.join(name).join("operstate")) {
            Ok(operstate) => operstate.trim() == "up",
            Err(_) => true,
        };
        if up {
            state.interfaces_up.push(name.to_owned());
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
        std::fs::write(proc_net.join("dev"), dev_table(&["lo", "eth0", "wlan0"])).unwrap();
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
            "network interface up: eth0; default route via eth0, wlan0"
        );
        std::fs::remove_dir_all(&root).unwrap();
        assert!(network_state_at(&root.join("none"), &root.join("none")).offline());
    }

    fn dev_table(names: &[&str]) -> String {
        let mut table = String::from("Inter-|   Receive\n face |bytes    packets\n");
        for name in names {
            table.push_str(&format!("{name:>6}: 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n"));
        }
        table
    }

    /// Inside `unshare -n` sysfs still shows the host's interfaces; only the caller's count.
    #[test]
    fn interfaces_come_from_the_callers_namespace() {
        let root = std::env::temp_dir().join(format!("bg-netns-{}", std::process::id()));
        let (sys, proc_net) = (root.join("sys"), root.join("proc"));
        std::fs::create_dir_all(sys.join("eth0")).unwrap();
        std::fs::write(sys.join("eth0").join("operstate"), "up\n").unwrap();
        std::fs::create_dir_all(&proc_net).unwrap();
        std::fs::write(proc_net.join("dev"), dev_table(&["lo"])).unwrap();
        assert!(network_state_at(&sys, &proc_net).offline());
        // An interface of the caller's namespace that sysfs cannot describe counts as up.
        std::fs::write(proc_net.join("dev"), dev_table(&["lo", "veth1"])).unwrap();
        assert_eq!(network_state_at(&sys, &proc_net).interfaces_up, ["veth1"]);
        std::fs::remove_dir_all(&root).unwrap();
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
        assert!(warning.contains(SWAP.1), "{warning}");
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
        #[cfg(target_os = "linux")]
        {
            assert!(hardening.core_dumps_off);
            let limits = std::fs::read_to_string("/proc/self/limits").unwrap();
            let core = limits
                .lines()
                .find(|line| line.starts_with("Max core file size"))
                .unwrap();
            assert!(core.split_whitespace().nth(4) == Some("0"), "{core}");
            if linux::can_lock_without_limit() {
                assert_eq!(hardening.memory, MemoryLock::Locked);
            } else {
                assert_ne!(hardening.memory, MemoryLock::Unsupported, "{:?}", hardening.memory);
            }
        }
        #[cfg(windows)]
        {
            assert!(hardening.not_dumpable, "the process access list was not replaced");
            assert_ne!(hardening.memory, MemoryLock::Unsupported);
        }
        #[cfg(not(any(target_os = "linux", windows)))]
        assert_eq!(hardening, Hardening::default());
    }
}
