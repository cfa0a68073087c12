//! Linux hardening: core dumps off, not dumpable, memory locked with `mlockall`.

use nix::sys::mman::{MlockAllFlags, mlockall};
use nix::sys::resource::{RLIM_INFINITY, Resource, getrlimit, setrlimit};

use super::{CAP_IPC_LOCK, Hardening, MEMLOCK_NEEDED, MemoryLock, capability_in_status};

pub(super) fn harden() -> Hardening {
    Hardening {
        core_dumps_off: setrlimit(Resource::RLIMIT_CORE, 0, 0).is_ok(),
        not_dumpable: nix::sys::prctl::set_dumpable(false).is_ok(),
        memory: lock_memory(),
    }
}

/// Locks current and future pages when the limit allows a whole ceremony; raises the soft limit
/// to the hard one first (allowed without privilege).
fn lock_memory() -> MemoryLock {
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
pub(super) fn can_lock_without_limit() -> bool {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    capability_in_status(&status, CAP_IPC_LOCK)
}
