//! Process hardening and the air-gap preflight.
//!
//! A breakglass secret must never reach disk in a core dump, and should be handled on a machine
//! that is offline. Both checks read or set only local process and kernel state: no sockets
//! are opened to find out whether the network is up.

use std::path::Path;

/// What [`harden_process`] achieved.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Hardening {
    /// Core dumps disabled (RLIMIT_CORE = 0).
    pub core_dumps_off: bool,
    /// The process is marked not dumpable (no core, no ptrace by other users).
    pub not_dumpable: bool,
}

/// Turns core dumps off and marks the process not dumpable, best effort.
pub fn harden_process() -> Hardening {
    #[cfg(target_os = "linux")]
    {
        use nix::sys::resource::{Resource, setrlimit};
        Hardening {
            core_dumps_off: setrlimit(Resource::RLIMIT_CORE, 0, 0).is_ok(),
            not_dumpable: nix::sys::prctl::set_dumpable(false).is_ok(),
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        Hardening::default()
    }
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
        }
    }
}
