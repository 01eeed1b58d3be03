/* A small Windows program the Wine tests run as aws-mfa.exe's child (and as its parent).
 *
 *   winchild exit N             exit with code N (any 32-bit value)
 *   winchild env NAME...        print NAME=value (or NAME unset) per line, UTF-8
 *   winchild get                GET $AWS_CONTAINER_CREDENTIALS_FULL_URI with the header
 *                               Authorization: $AWS_CONTAINER_AUTHORIZATION_TOKEN; print
 *                               the status line's code and the body
 *   winchild run COMMAND...     start COMMAND (the rest of this command line), wait, print
 *                               "exit code N" on stderr and exit with N: a Windows parent
 *                               that sees all 32 bits of the code (copied as pwsh.exe and
 *                               powershell.exe, it is also the parent a shell would be)
 *   winchild spawn FILE         start "winchild sleep 600" (standard handles: NUL), write
 *                               its pid to FILE, exit 0
 *   winchild sleep SECONDS      sleep
 *   winchild hold               read stdin until it ends (keeps the Wine server up)
 *   winchild alive PID          print "alive" or "gone"
 *   winchild ctrl-c             send Ctrl-C to every process on this console (itself
 *                               included, handled), wait, and exit 7 as a program that
 *                               stops cleanly on Ctrl-C would (1 if none arrived)
 */
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include <fcntl.h>
#include <io.h>

static volatile LONG got_ctrl_c;

static BOOL WINAPI note_ctrl_c(DWORD event)
{
    if (event == CTRL_C_EVENT)
        got_ctrl_c = 1;
    return TRUE;
}

static void put_utf8(const wchar_t *text)
{
    char buf[65536];
    int n = WideCharToMultiByte(CP_UTF8, 0, text, -1, buf, sizeof buf, NULL, NULL);
    if (n > 0)
        fwrite(buf, 1, (size_t)n - 1, stdout);
}

/* The rest of this process's command line after `skip` arguments. */
static wchar_t *rest_of_command_line(int skip)
{
    wchar_t *p = GetCommandLineW();
    for (int i = 0; i < skip; i++) {
        while (*p == L' ' || *p == L'\t')
            p++;
        int quoted = 0;
        while (*p && (quoted || (*p != L' ' && *p != L'\t'))) {
            if (*p == L'"')
                quoted = !quoted;
            p++;
        }
    }
    while (*p == L' ' || *p == L'\t')
        p++;
    return p;
}

static int run(void)
{
    wchar_t *command = _wcsdup(rest_of_command_line(2));
    STARTUPINFOW si = {sizeof si};
    PROCESS_INFORMATION pi;
    if (!CreateProcessW(NULL, command, NULL, NULL, TRUE, 0, NULL, NULL, &si, &pi)) {
        fprintf(stderr, "winchild: cannot start the command: error %lu\n", GetLastError());
        return 255;
    }
    WaitForSingleObject(pi.hProcess, INFINITE);
    DWORD code = 0;
    GetExitCodeProcess(pi.hProcess, &code);
    fflush(stdout);
    fprintf(stderr, "exit code %lu\n", code);
    fflush(stderr);
    ExitProcess(code);
}

static int get(void)
{
    char uri[1024], token[1024];
    if (!GetEnvironmentVariableA("AWS_CONTAINER_CREDENTIALS_FULL_URI", uri, sizeof uri) ||
        !GetEnvironmentVariableA("AWS_CONTAINER_AUTHORIZATION_TOKEN", token, sizeof token)) {
        fprintf(stderr, "winchild: no endpoint in the environment\n");
        return 2;
    }
    char host[256];
    unsigned port;
    int used = 0;
    if (sscanf(uri, "http://%255[^:]:%u%n", host, &port, &used) != 2) {
        fprintf(stderr, "winchild: cannot read %s\n", uri);
        return 2;
    }
    const char *path = uri + used;
    WSADATA wsa;
    WSAStartup(MAKEWORD(2, 2), &wsa);
    SOCKET s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    struct sockaddr_in addr = {0};
    addr.sin_family = AF_INET;
    addr.sin_port = htons((u_short)port);
    if (inet_pton(AF_INET, host, &addr.sin_addr) != 1 ||
        connect(s, (struct sockaddr *)&addr, sizeof addr) != 0) {
        fprintf(stderr, "winchild: cannot connect to %s:%u\n", host, port);
        return 2;
    }
    char request[2048];
    int n = snprintf(request, sizeof request,
                     "GET %s HTTP/1.1\r\nHost: %s:%u\r\nAuthorization: %s\r\nConnection: close\r\n\r\n",
                     path, host, port, token);
    send(s, request, n, 0);
    static char response[65536];
    int total = 0, got;
    while (total < (int)sizeof response - 1 &&
           (got = recv(s, response + total, sizeof response - 1 - total, 0)) > 0)
        total += got;
    response[total] = 0;
    closesocket(s);
    const char *body = strstr(response, "\r\n\r\n");
    const char *status = strchr(response, ' ');
    if (!body || !status) {
        fprintf(stderr, "winchild: no HTTP answer\n");
        return 2;
    }
    printf("%.3s\n%s\n", status + 1, body + 4);
    return 0;
}

int wmain(int argc, wchar_t **argv)
{
    /* "\n" stays "\n": the tests compare bytes. */
    _setmode(_fileno(stdout), _O_BINARY);
    if (argc < 2)
        return 2;
    const wchar_t *what = argv[1];
    if (!wcscmp(what, L"exit") && argc == 3)
        ExitProcess((UINT)wcstoul(argv[2], NULL, 10));
    if (!wcscmp(what, L"env")) {
        static wchar_t value[32768];
        for (int i = 2; i < argc; i++) {
            put_utf8(argv[i]);
            if (GetEnvironmentVariableW(argv[i], value, 32768)) {
                put_utf8(L"=");
                put_utf8(value);
                put_utf8(L"\n");
            } else {
                put_utf8(L" unset\n");
            }
        }
        return 0;
    }
    if (!wcscmp(what, L"get"))
        return get();
    if (!wcscmp(what, L"run"))
        return run();
    if (!wcscmp(what, L"spawn") && argc == 3) {
        wchar_t self[MAX_PATH], command[MAX_PATH + 32];
        GetModuleFileNameW(NULL, self, MAX_PATH);
        swprintf(command, MAX_PATH + 32, L"\"%ls\" sleep 600", self);
        /* The grandchild's standard handles are NUL: it must not hold the test's pipes. */
        SECURITY_ATTRIBUTES inherit = {sizeof inherit, NULL, TRUE};
        HANDLE nul = CreateFileW(L"NUL", GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE,
                                 &inherit, OPEN_EXISTING, 0, NULL);
        STARTUPINFOW si = {sizeof si};
        si.dwFlags = STARTF_USESTDHANDLES;
        si.hStdInput = si.hStdOutput = si.hStdError = nul;
        PROCESS_INFORMATION pi;
        if (!CreateProcessW(NULL, command, NULL, NULL, TRUE, 0, NULL, NULL, &si, &pi))
            return 3;
        FILE *f = _wfopen(argv[2], L"w");
        if (!f)
            return 4;
        fprintf(f, "%lu", pi.dwProcessId);
        fclose(f);
        return 0;
    }
    if (!wcscmp(what, L"hold")) {
        char buf[64];
        DWORD got;
        while (ReadFile(GetStdHandle(STD_INPUT_HANDLE), buf, sizeof buf, &got, NULL) && got > 0)
            ;
        return 0;
    }
    if (!wcscmp(what, L"sleep") && argc == 3) {
        Sleep(1000 * (DWORD)wcstoul(argv[2], NULL, 10));
        return 0;
    }
    if (!wcscmp(what, L"alive") && argc == 3) {
        HANDLE p = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE,
                               (DWORD)wcstoul(argv[2], NULL, 10));
        DWORD code = 0;
        int alive = p && GetExitCodeProcess(p, &code) && code == STILL_ACTIVE;
        printf(alive ? "alive\n" : "gone\n");
        return 0;
    }
    if (!wcscmp(what, L"ctrl-c")) {
        SetConsoleCtrlHandler(note_ctrl_c, TRUE);
        if (!GenerateConsoleCtrlEvent(CTRL_C_EVENT, 0)) {
            fprintf(stderr, "winchild: GenerateConsoleCtrlEvent: error %lu\n", GetLastError());
            return 3;
        }
        for (int i = 0; i < 50 && !got_ctrl_c; i++)
            Sleep(100);
        /* Time for the event to reach (and, unless it ignores it, end) the parent. */
        Sleep(1000);
        printf(got_ctrl_c ? "child: got Ctrl-C, exiting 7\n" : "child: no Ctrl-C\n");
        return got_ctrl_c ? 7 : 1;
    }
    fprintf(stderr, "winchild: unknown command\n");
    return 2;
}
