/*
 * TEST-ONLY stand-in for bcryptprimitives.dll under Debian's Wine 8, which lacks it. Rust's
 * standard library asks it for randomness (ProcessPrng) on Windows, so without it no Rust .exe
 * starts under that Wine. This forwards to RtlGenRandom (advapi32's SystemFunction036), the
 * Windows CSPRNG call Wine does have. scripts/wine installs it into a throw-away Wine prefix;
 * it never goes into a bundle: Windows 10 and later have the real DLL.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    while (length > 0) {
        ULONG chunk = length > 0x40000000 ? 0x40000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
