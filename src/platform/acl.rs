//! Owner-only access on Windows, which ignores Unix mode bits: an access list that grants the
//! current user alone, for recovered secrets, output directories and the process itself.

#![allow(unsafe_code)]

use std::io;
use std::os::windows::ffi::OsStrExt;
use std::path::Path;

use windows_sys::Win32::Foundation::{CloseHandle, HANDLE};
use windows_sys::Win32::Security::Authorization::{
    SE_FILE_OBJECT, SE_KERNEL_OBJECT, SetNamedSecurityInfoW, SetSecurityInfo,
};
use windows_sys::Win32::Security::{
    ACE_FLAGS, ACL, ACL_REVISION, AddAccessAllowedAceEx, CONTAINER_INHERIT_ACE, DACL_SECURITY_INFORMATION,
    GetLengthSid, GetTokenInformation, InitializeAcl, OBJECT_INHERIT_ACE, PROTECTED_DACL_SECURITY_INFORMATION,
    TOKEN_QUERY, TOKEN_USER, TokenUser,
};
use windows_sys::Win32::System::Threading::{GetCurrentProcess, OpenProcessToken};

/// Every right on a file or directory (`FILE_ALL_ACCESS`).
const FILE_ALL_ACCESS: u32 = 0x001F_01FF;
/// What other processes of the user keep on this one: ask its name and state, wait for it, end
/// it (`PROCESS_QUERY_LIMITED_INFORMATION | SYNCHRONIZE | PROCESS_TERMINATE`); not read its
/// memory or inject a thread.
const PROCESS_OUTSIDE_ACCESS: u32 = 0x1000 | 0x0010_0000 | 0x0001;

/// Replaces the access list of `path` by one entry granting the current user every right, not
/// inherited from the parent; a directory passes it on to what is created inside.
pub fn restrict_to_owner(path: &Path, directory: bool) -> io::Result<()> {
    let inherit = if directory {
        OBJECT_INHERIT_ACE | CONTAINER_INHERIT_ACE
    } else {
        0
    };
    let user = current_user()?;
    let acl = only_user_acl(&user, FILE_ALL_ACCESS, inherit)?;
    let name: Vec<u16> = path.as_os_str().encode_wide().chain(Some(0)).collect();
    // SAFETY: `name` is NUL-terminated and `acl` a valid ACL that outlives the call.
    let status = unsafe {
        SetNamedSecurityInfoW(
            name.as_ptr(),
            SE_FILE_OBJECT,
            DACL_SECURITY_INFORMATION | PROTECTED_DACL_SECURITY_INFORMATION,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            acl.as_ptr().cast(),
            std::ptr::null(),
        )
    };
    win32_result(status)
}

/// Lets other processes of the same user only query, wait for and end this one, the nearest
/// Windows meaning of Linux's "not dumpable". Administrators holding the debug privilege can
/// still read its memory.
pub fn restrict_process() -> io::Result<()> {
    let user = current_user()?;
    let acl = only_user_acl(&user, PROCESS_OUTSIDE_ACCESS, 0)?;
    // SAFETY: the current-process pseudo handle and a valid ACL.
    let status = unsafe {
        SetSecurityInfo(
            GetCurrentProcess(),
            SE_KERNEL_OBJECT,
            DACL_SECURITY_INFORMATION | PROTECTED_DACL_SECURITY_INFORMATION,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            acl.as_ptr().cast(),
            std::ptr::null(),
        )
    };
    win32_result(status)
}

fn win32_result(status: u32) -> io::Result<()> {
    if status == 0 {
        Ok(())
    } else {
        Err(io::Error::from_raw_os_error(status as i32))
    }
}

/// The process token's `TOKEN_USER` (the user's SID follows it), in u64 words for alignment.
fn current_user() -> io::Result<Vec<u64>> {
    let mut token: HANDLE = std::ptr::null_mut();
    // SAFETY: valid out-pointers; the token is closed below.
    unsafe {
        if OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &mut token) == 0 {
            return Err(io::Error::last_os_error());
        }
        let mut size = 0u32;
        GetTokenInformation(token, TokenUser, std::ptr::null_mut(), 0, &mut size);
        let mut buffer = vec![0u64; (size as usize).div_ceil(8)];
        let read = GetTokenInformation(token, TokenUser, buffer.as_mut_ptr().cast(), size, &mut size);
        let error = io::Error::last_os_error();
        CloseHandle(token);
        if read == 0 {
            return Err(error);
        }
        Ok(buffer)
    }
}

/// An ACL holding one entry: `mask` for the user of `token_user`.
fn only_user_acl(token_user: &[u64], mask: u32, flags: ACE_FLAGS) -> io::Result<Vec<u64>> {
    // SAFETY: `token_user` holds a TOKEN_USER filled by GetTokenInformation; the ACL buffer is
    // sized for its header, one entry and the SID.
    unsafe {
        let sid = (*token_user.as_ptr().cast::<TOKEN_USER>()).User.Sid;
        let size = size_of::<ACL>() + 16 + GetLengthSid(sid) as usize;
        let mut acl = vec![0u64; size.div_ceil(8)];
        let bytes = (acl.len() * 8) as u32;
        if InitializeAcl(acl.as_mut_ptr().cast(), bytes, ACL_REVISION) == 0
            || AddAccessAllowedAceEx(acl.as_mut_ptr().cast(), ACL_REVISION, flags, mask, sid) == 0
        {
            return Err(io::Error::last_os_error());
        }
        Ok(acl)
    }
}
