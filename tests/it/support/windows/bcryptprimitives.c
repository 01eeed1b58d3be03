/* A stand-in for Windows' bcryptprimitives.dll, which Wine 8 lacks: Rust's std (1.78 and
 * later) imports ProcessPrng from it for its random numbers. It is built by the tests next
 * to the aws-mfa.exe they run under Wine, and never shipped. ProcessPrng is documented to
 * fill the buffer and always return TRUE; RtlGenRandom (advapi32's SystemFunction036) is
 * the older system generator Wine does have. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    while (length > 0) {
        ULONG chunk = length > 0x10000000 ? 0x10000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk))
            ExitProcess(0xC0000001); /* no randomness: better dead than predictable */
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
