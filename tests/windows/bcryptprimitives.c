/* Wine 8.0 (Debian 12) lacks bcryptprimitives.dll, whose ProcessPrng Rust's std (>= 1.78) imports
 * on Windows for its hash seeds. For the wine smoke suite only, this stand-in forwards to advapi32's
 * RtlGenRandom; it is put next to the .exe files and never shipped. */
#include <windows.h>
#include <ntsecapi.h>

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
    while (len > 0) {
        ULONG n = len > 0x40000000 ? 0x40000000 : (ULONG)len;
        if (!RtlGenRandom(data, n)) return FALSE;
        data += n;
        len -= n;
    }
    return TRUE;
}
