//! Whether the terminal on standard error understands ANSI colour sequences.
//!
//! Unix terminals do. A Windows console shows them only with virtual-terminal processing on
//! (Windows 10 and later, on by default in Windows Terminal, off in the older console host), so
//! breakglass asks for it and colours only when the console agrees; an older Windows gets plain
//! text rather than escape codes.

/// True when standard error may carry ANSI colour sequences (the caller has already checked
/// that it is a terminal).
pub fn ansi_colour_supported() -> bool {
    #[cfg(windows)]
    #[allow(unsafe_code)]
    {
        use windows_sys::Win32::System::Console::{
            ENABLE_VIRTUAL_TERMINAL_PROCESSING, GetConsoleMode, GetStdHandle, STD_ERROR_HANDLE, SetConsoleMode,
        };
        // SAFETY: the process's standard error handle and a valid out-pointer.
        unsafe {
            let handle = GetStdHandle(STD_ERROR_HANDLE);
            let mut mode = 0;
            GetConsoleMode(handle, &mut mode) != 0
                && (mode & ENABLE_VIRTUAL_TERMINAL_PROCESSING != 0
                    || SetConsoleMode(handle, mode | ENABLE_VIRTUAL_TERMINAL_PROCESSING) != 0)
        }
    }
    #[cfg(not(windows))]
    {
        true
    }
}
