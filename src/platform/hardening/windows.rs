//! Windows hardening: the nearest Windows meanings of the Linux measures (README, "Platforms").

#![allow(unsafe_code)]

use std::ffi::OsString;
use std::os::windows::ffi::OsStringExt;

use windows_sys::Win32::Foundation::{ERROR_BUFFER_OVERFLOW, ERROR_SUCCESS};
use windows_sys::Win32::NetworkManagement::IpHelper::{
    GAA_FLAG_INCLUDE_GATEWAYS, GAA_FLAG_SKIP_ANYCAST, GAA_FLAG_SKIP_DNS_SERVER, GAA_FLAG_SKIP_MULTICAST,
    GetAdaptersAddresses, IF_TYPE_SOFTWARE_LOOPBACK, IP_ADAPTER_ADDRESSES_LH,
};
use windows_sys::Win32::NetworkManagement::Ndis::IfOperStatusUp;
use windows_sys::Win32::System::Diagnostics::Debug::{
    EXCEPTION_POINTERS, SEM_FAILCRITICALERRORS, SEM_NOGPFAULTERRORBOX, SEM_NOOPENFILEERRORBOX, SetErrorMode,
    SetUnhandledExceptionFilter,
};
use windows_sys::Win32::System::ErrorReporting::{WER_FAULT_REPORTING_FLAG_NOHEAP, WerSetFlags};
use windows_sys::Win32::System::Memory::{
    QUOTA_LIMITS_HARDWS_MAX_DISABLE, QUOTA_LIMITS_HARDWS_MIN_ENABLE, SetProcessWorkingSetSizeEx,
};
use windows_sys::Win32::System::Registry::{HKEY, HKEY_LOCAL_MACHINE, KEY_READ, RegCloseKey, RegOpenKeyExW};
use windows_sys::Win32::System::SystemInformation::{GlobalMemoryStatusEx, MEMORYSTATUSEX};
use windows_sys::Win32::System::Threading::{GetCurrentProcess, TerminateProcess};

use super::{Hardening, MEMLOCK_NEEDED, MemoryLock, NetworkState};
use crate::platform::acl;

/// Exit code of a process ended by a crash (the code Windows gives an unhandled exception is
/// the exception's; this one says "ended on purpose, without a dump").
const CRASH_EXIT: u32 = 70;

pub(super) fn harden() -> Hardening {
    Hardening {
        core_dumps_off: crash_dumps_off(),
        not_dumpable: acl::restrict_process().is_ok(),
        memory: lock_memory(),
    }
}

/// Asks for no fault dialog, heap-free error reports and, for a crash that reaches the
/// top-level handler, an immediate end before Windows Error Reporting runs. A `LocalDumps`
/// policy set by an administrator can still make Windows keep a full dump of a fail-fast abort,
/// so its presence counts as "not off".
fn crash_dumps_off() -> bool {
    // SAFETY: plain calls on the current process with valid arguments.
    unsafe {
        SetErrorMode(SEM_FAILCRITICALERRORS | SEM_NOGPFAULTERRORBOX | SEM_NOOPENFILEERRORBOX);
        SetUnhandledExceptionFilter(Some(end_without_dump));
        WerSetFlags(WER_FAULT_REPORTING_FLAG_NOHEAP) >= 0 && !local_dumps_policy()
    }
}

unsafe extern "system" fn end_without_dump(_exception: *const EXCEPTION_POINTERS) -> i32 {
    // SAFETY: ends the current process; nothing runs after.
    unsafe { TerminateProcess(GetCurrentProcess(), CRASH_EXIT) };
    0
}

/// True when `HKLM\SOFTWARE\Microsoft\Windows\Windows Error Reporting\LocalDumps` exists.
fn local_dumps_policy() -> bool {
    let key = wide("SOFTWARE\\Microsoft\\Windows\\Windows Error Reporting\\LocalDumps");
    let mut handle: HKEY = std::ptr::null_mut();
    // SAFETY: `key` is NUL-terminated; `handle` is closed below when opened.
    unsafe {
        let opened = RegOpenKeyExW(HKEY_LOCAL_MACHINE, key.as_ptr(), 0, KEY_READ, &mut handle) == ERROR_SUCCESS;
        if opened {
            RegCloseKey(handle);
        }
        opened
    }
}

/// A hard minimum working set of [`MEMLOCK_NEEDED`]: Windows never trims the process below it,
/// and only trimmed pages go to the page file. Windows has no `mlockall`.
fn lock_memory() -> MemoryLock {
    let needed = MEMLOCK_NEEDED as usize;
    // SAFETY: the current-process pseudo handle with valid sizes.
    let pinned = unsafe {
        SetProcessWorkingSetSizeEx(
            GetCurrentProcess(),
            needed,
            needed * 2,
            QUOTA_LIMITS_HARDWS_MIN_ENABLE | QUOTA_LIMITS_HARDWS_MAX_DISABLE,
        )
    };
    if pinned != 0 {
        MemoryLock::Locked
    } else {
        MemoryLock::Failed(std::io::Error::last_os_error().to_string())
    }
}

/// True when a page file exists: the commit limit is larger than physical memory.
pub(super) fn page_file_active() -> bool {
    let mut status = MEMORYSTATUSEX {
        dwLength: size_of::<MEMORYSTATUSEX>() as u32,
        ..Default::default()
    };
    // SAFETY: `status` is a valid MEMORYSTATUSEX with its length set.
    let known = unsafe { GlobalMemoryStatusEx(&mut status) } != 0;
    // Unknown counts as active, so the warning errs on the side of saying something.
    !known || status.ullTotalPageFile > status.ullTotalPhys
}

/// Adapters that are up (loopback aside) and those with a default gateway.
pub(super) fn network_state() -> NetworkState {
    let mut state = NetworkState::default();
    let flags = GAA_FLAG_INCLUDE_GATEWAYS | GAA_FLAG_SKIP_ANYCAST | GAA_FLAG_SKIP_MULTICAST | GAA_FLAG_SKIP_DNS_SERVER;
    // u64 words keep the adapter records aligned.
    let mut buffer: Vec<u64> = vec![0; 2048];
    let mut result = ERROR_BUFFER_OVERFLOW;
    for _ in 0..4 {
        let mut size = (buffer.len() * 8) as u32;
        // SAFETY: `buffer` is writable for `size` bytes and suitably aligned.
        result = unsafe { GetAdaptersAddresses(0, flags, std::ptr::null(), buffer.as_mut_ptr().cast(), &mut size) };
        if result != ERROR_BUFFER_OVERFLOW {
            break;
        }
        buffer = vec![0; (size as usize).div_ceil(8) + 64];
    }
    if result != ERROR_SUCCESS {
        // Unreadable: say so rather than call the machine offline.
        state
            .interfaces_up
            .push(format!("unknown (adapters unreadable, error {result})"));
        return state;
    }
    let mut adapter = buffer.as_ptr().cast::<IP_ADAPTER_ADDRESSES_LH>();
    while !adapter.is_null() {
        // SAFETY: a list built by GetAdaptersAddresses inside `buffer`, which outlives the loop.
        let current = unsafe { &*adapter };
        if current.IfType != IF_TYPE_SOFTWARE_LOOPBACK {
            let name = wide_to_string(current.FriendlyName);
            if current.OperStatus == IfOperStatusUp {
                state.interfaces_up.push(name.clone());
            }
            if !current.FirstGatewayAddress.is_null() {
                state.default_routes.push(name);
            }
        }
        adapter = current.Next;
    }
    state.interfaces_up.sort();
    state.default_routes.sort();
    state.default_routes.dedup();
    state
}

fn wide(text: &str) -> Vec<u16> {
    text.encode_utf16().chain(Some(0)).collect()
}

fn wide_to_string(text: *const u16) -> String {
    if text.is_null() {
        return String::new();
    }
    // SAFETY: a NUL-terminated UTF-16 string from the adapter list.
    let units = unsafe {
        let length = (0..).take_while(|&i| *text.add(i) != 0).count();
        std::slice::from_raw_parts(text, length)
    };
    OsString::from_wide(units).to_string_lossy().into_owned()
}
