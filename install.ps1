# Installs aws-mfa for the current user, without administrator rights, from a GitHub
# release (PowerShell 7 and Windows PowerShell 5.1):
#
#   irm https://github.com/aws-mfa/aws-mfa/releases/latest/download/install.ps1 | iex
#   & ([scriptblock]::Create((irm https://github.com/aws-mfa/aws-mfa/releases/latest/download/install.ps1))) -Version 0.1.0
#
# It picks the Windows archive from the release's SHA256SUMS, downloads it, refuses it
# (installing nothing) unless its SHA-256 matches, puts aws-mfa.exe in
# %LOCALAPPDATA%\Programs\aws-mfa (or -To DIR) and adds that directory to the user's PATH
# (-NoPathUpdate: only says how).
param(
    [string]$To = '',
    [string]$Version = '',
    [string]$BaseUrl = '',
    [switch]$NoPathUpdate
)

& {
    Set-StrictMode -Version Latest
    $ErrorActionPreference = 'Stop'
    # Invoke-WebRequest's progress bar makes downloads many times slower in 5.1.
    $ProgressPreference = 'SilentlyContinue'
    $repository = 'https://github.com/aws-mfa/aws-mfa'

    # The error, why, and what to do (an exception: `irm | iex` must not close the shell).
    function Fail([string]$message, [string]$hint) {
        $text = "aws-mfa install: $message"
        if ($hint) { $text += "`n  hint: $hint" }
        throw $text
    }

    if ($PSVersionTable.PSVersion.Major -lt 6) {
        [Net.ServicePointManager]::SecurityProtocol = [Net.ServicePointManager]::SecurityProtocol -bor [Net.SecurityProtocolType]::Tls12
    }
    if (-not $BaseUrl) {
        if ($Version) {
            $BaseUrl = "$repository/releases/download/v$($Version.TrimStart('v'))"
        } else {
            $BaseUrl = "$repository/releases/latest/download"
        }
    }
    $BaseUrl = $BaseUrl.TrimEnd('/')
    if (-not $To) {
        if (-not $env:LOCALAPPDATA) { Fail 'no install directory: LOCALAPPDATA is not set' 'name one with -To DIR' }
        $To = Join-Path $env:LOCALAPPDATA 'Programs\aws-mfa'
    }
    $To = [IO.Path]::GetFullPath($To)
    $sourceHint = "build it from source instead: cargo install --locked --git $repository"

    $tmp = Join-Path ([IO.Path]::GetTempPath()) ('aws-mfa-install-' + [guid]::NewGuid())
    New-Item -ItemType Directory $tmp | Out-Null
    try {
        $sums = Join-Path $tmp 'SHA256SUMS'
        try {
            Invoke-WebRequest -UseBasicParsing -Uri "$BaseUrl/SHA256SUMS" -OutFile $sums
        } catch {
            Fail "cannot download $BaseUrl/SHA256SUMS: $($_.Exception.Message)" 'check the address (-Version, -BaseUrl) and the network'
        }
        # Windows builds are x86_64 (Windows on Arm runs them emulated); MSVC first.
        $pick = $null
        foreach ($target in 'x86_64-pc-windows-msvc', 'x86_64-pc-windows-gnu') {
            $pattern = "^([0-9a-fA-F]{64})  (aws-mfa-[0-9A-Za-z.+~-]+-$target\.zip)$"
            $found = @(Get-Content $sums | Where-Object { $_ -match $pattern })
            if ($found.Count -gt 1) { Fail "the release at $BaseUrl lists more than one archive for $target" 'name a release with -Version' }
            if ($found.Count -eq 1) {
                $null = $found[0] -match $pattern
                $pick = @{ Hash = $Matches[1].ToLowerInvariant(); Name = $Matches[2] }
                break
            }
        }
        if (-not $pick) { Fail "the release at $BaseUrl has no aws-mfa archive for Windows" $sourceHint }

        $zip = Join-Path $tmp $pick.Name
        try {
            Invoke-WebRequest -UseBasicParsing -Uri "$BaseUrl/$($pick.Name)" -OutFile $zip
        } catch {
            Fail "cannot download $BaseUrl/$($pick.Name), although SHA256SUMS lists it: $($_.Exception.Message)" 'try again later, or another release with -Version'
        }
        $actual = (Get-FileHash -Algorithm SHA256 -LiteralPath $zip).Hash.ToLowerInvariant()
        if ($actual -ne $pick.Hash) {
            Fail "$($pick.Name) does not match SHA256SUMS: its SHA-256 is $actual, SHA256SUMS says $($pick.Hash); nothing was installed" 'the download was damaged or altered: try again, and report it if it persists'
        }

        $unpacked = Join-Path $tmp 'unpacked'
        Expand-Archive -LiteralPath $zip -DestinationPath $unpacked
        $exe = Join-Path (Join-Path $unpacked ($pick.Name -replace '\.zip$', '')) 'aws-mfa.exe'
        if (-not (Test-Path -LiteralPath $exe)) { Fail "$($pick.Name) holds no aws-mfa.exe" 'report it' }
        $said = & $exe --version
        if ($LASTEXITCODE -ne 0) { Fail "the aws-mfa.exe of $($pick.Name) does not run on this machine" $sourceHint }

        try {
            New-Item -ItemType Directory -Force $To | Out-Null
            Copy-Item -LiteralPath $exe (Join-Path $To 'aws-mfa.exe.new') -Force
            Move-Item -LiteralPath (Join-Path $To 'aws-mfa.exe.new') (Join-Path $To 'aws-mfa.exe') -Force
        } catch {
            Fail "cannot write aws-mfa.exe into ${To}: $($_.Exception.Message)" 'close running aws-mfa programs, or choose another directory with -To DIR'
        }
        Write-Output "Installed $said to $(Join-Path $To 'aws-mfa.exe')"

        # The user's PATH, kept as written in the registry (%VARIABLES% unexpanded).
        $key = Get-Item -LiteralPath 'HKCU:\Environment'
        $userPath = [string]$key.GetValue('Path', '', 'DoNotExpandEnvironmentNames')
        $entries = @($userPath -split ';' | Where-Object { $_ })
        $onPath = @($entries | Where-Object { [Environment]::ExpandEnvironmentVariables($_).TrimEnd('\') -ieq $To.TrimEnd('\') }).Count -gt 0
        if ($onPath) {
            # Already on the user's PATH.
        } elseif ($NoPathUpdate) {
            Write-Output "$To is not on your PATH. Add it:"
            Write-Output "  [Environment]::SetEnvironmentVariable('Path', `"$To;`" + [Environment]::GetEnvironmentVariable('Path', 'User'), 'User')"
        } else {
            $kind = 'ExpandString'
            if ($userPath -and $key.GetValueKind('Path') -eq [Microsoft.Win32.RegistryValueKind]::String) { $kind = 'String' }
            Set-ItemProperty -LiteralPath 'HKCU:\Environment' -Name 'Path' -Value ((@($entries) + $To) -join ';') -Type $kind
            # Tell running programs (Explorer, new terminals) that the environment changed.
            [Environment]::SetEnvironmentVariable('AWS_MFA_INSTALL_PATH_CHANGED', '1', 'User')
            [Environment]::SetEnvironmentVariable('AWS_MFA_INSTALL_PATH_CHANGED', $null, 'User')
            $env:Path = "$env:Path;$To"
            Write-Output "Added $To to your user PATH: new terminals find aws-mfa (this one does already)."
        }
        Write-Output '  in your $PROFILE: aws-mfa init pwsh | Out-String | Invoke-Expression'
    } finally {
        Remove-Item -LiteralPath $tmp -Recurse -Force -ErrorAction SilentlyContinue
    }
}
