# packaging/test-install.ps1 -Dist DIR: install.ps1 on real Windows, against release files
# (packaging/release's target/dist) served from a loopback HTTP server, run by the
# PowerShell that runs this script (pwsh 7 or Windows PowerShell 5.1):
#
# - the download-and-run route (a script block made from the served install.ps1) installs
#   the Windows build into the directory named, which then names its version, commit and
#   target, and puts that directory on the user's PATH once (twice installed: one entry);
# - a tampered archive and a missing one are refused with the reason, and nothing is
#   installed or added to PATH.
param([Parameter(Mandatory = $true)][string]$Dist)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$Dist = (Resolve-Path $Dist).Path
$installer = Join-Path $Dist 'install.ps1'
$shell = (Get-Process -Id $PID).Path
$failures = 0
function Check([string]$what, [bool]$ok) {
    if ($ok) { Write-Output "  ok: $what" } else { Write-Output "  FAIL: $what"; $script:failures++ }
}
function UserPath {
    [string](Get-Item 'HKCU:\Environment').GetValue('Path', '', 'DoNotExpandEnvironmentNames')
}

$work = Join-Path ([IO.Path]::GetTempPath()) ('install-ps1-test-' + [guid]::NewGuid())
$serve = Join-Path $work 'serve'
New-Item -ItemType Directory $serve | Out-Null
Copy-Item -Recurse $Dist (Join-Path $serve 'good')
Copy-Item -Recurse $Dist (Join-Path $serve 'tampered')
Copy-Item -Recurse $Dist (Join-Path $serve 'missing')
# Tampered: one byte of every Windows archive changed, SHA256SUMS as released.
foreach ($zip in Get-ChildItem (Join-Path $serve 'tampered') -Filter 'aws-mfa-*-windows-*.zip') {
    $bytes = [IO.File]::ReadAllBytes($zip.FullName)
    $bytes[[int]($bytes.Length / 2)] = $bytes[[int]($bytes.Length / 2)] -bxor 1
    [IO.File]::WriteAllBytes($zip.FullName, $bytes)
}
# Missing: listed in SHA256SUMS, not there.
Get-ChildItem (Join-Path $serve 'missing') -Filter 'aws-mfa-*-windows-*.zip' | Remove-Item

$listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
$listener.Start()
$port = $listener.LocalEndpoint.Port
$listener.Stop()
$python = Get-Command python, python3 -ErrorAction SilentlyContinue | Select-Object -First 1 -ExpandProperty Source
$server = Start-Process -PassThru -NoNewWindow -FilePath $python `
    -ArgumentList '-m', 'http.server', '--bind', '127.0.0.1', '--directory', "`"$serve`"", "$port"
$base = "http://127.0.0.1:$port"
$savedPath = UserPath
try {
    for ($i = 0; ; $i++) {
        try { (New-Object Net.WebClient).DownloadString("$base/good/SHA256SUMS") | Out-Null; break } catch {
            if ($i -gt 100) { throw 'the HTTP server did not start' }
            Start-Sleep -Milliseconds 100
        }
    }

    # install.ps1 as users run it, in a new process of this PowerShell: output, exit code.
    function Install([string]$from, [string]$to) {
        $script = "& ([scriptblock]::Create((New-Object Net.WebClient).DownloadString('$from/install.ps1'))) -BaseUrl '$from' -To '$to'"
        $ErrorActionPreference = 'Continue'
        $encoded = [Convert]::ToBase64String([Text.Encoding]::Unicode.GetBytes($script))
        $out = & $shell -NoProfile -NonInteractive -EncodedCommand $encoded 2>&1 | Out-String
        return @{ Code = $LASTEXITCODE; Out = $out }
    }

    Write-Output "install.ps1 in $shell"
    $to = Join-Path $work 'bin'
    $r = Install "$base/good" $to
    Check "installs (exit $($r.Code)): $($r.Out.Trim())" ($r.Code -eq 0)
    $exe = Join-Path $to 'aws-mfa.exe'
    $said = if (Test-Path $exe) { & $exe --version } else { 'nothing installed' }
    Check "aws-mfa.exe --version: $said" ($said -match '^aws-mfa \d+\.\d+\.\d+\S* \([0-9a-f]{7} x86_64-pc-windows-(msvc|gnu)\)$')
    $entries = @((UserPath) -split ';' | Where-Object { $_ -ieq $to })
    Check "the user's PATH holds $to once" ($entries.Count -eq 1)
    Check 'says it added it to PATH' ($r.Out -match 'Added .* to your user PATH')
    $r = Install "$base/good" $to
    $entries = @((UserPath) -split ';' | Where-Object { $_ -ieq $to })
    Check "installed again (exit $($r.Code)): still once on PATH" ($r.Code -eq 0 -and $entries.Count -eq 1)

    foreach ($case in @(
            @{ Name = 'tampered'; Says = 'does not match SHA256SUMS' },
            @{ Name = 'missing'; Says = 'although SHA256SUMS lists it' })) {
        $to = Join-Path $work "bin-$($case.Name)"
        $r = Install "$base/$($case.Name)" $to
        Check "a $($case.Name) archive is refused (exit $($r.Code))" ($r.Code -ne 0)
        Check "and says: $($case.Says)" ($r.Out -match [regex]::Escape($case.Says))
        Check 'nothing installed' (-not (Test-Path (Join-Path $to 'aws-mfa.exe')))
        Check 'nothing added to PATH' (@((UserPath) -split ';' | Where-Object { $_ -ieq $to }).Count -eq 0)
    }
} finally {
    Set-ItemProperty -LiteralPath 'HKCU:\Environment' -Name 'Path' -Value $savedPath
    Stop-Process -Id $server.Id -ErrorAction SilentlyContinue
    Remove-Item -Recurse -Force $work -ErrorAction SilentlyContinue
}
if ($failures -gt 0) { throw "install.ps1: $failures check(s) failed" }
Write-Output 'install.ps1: every check passed'
