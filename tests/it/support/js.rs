//! The AWS SDK for JavaScript v3 (`@aws-sdk/client-sts`, `@aws-sdk/credential-providers`),
//! installed by `.ci/run` with npm into `tests/js/node_modules`: a third real client beside
//! the aws CLI and boto3.

use std::path::PathBuf;

use super::TestEnv;

/// Where `.ci/run` installs the SDK.
fn modules() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/js/node_modules")
}

/// Makes `node -e SCRIPT` in `env` find the SDK; `false` (with a printed note) when node or
/// the SDK is missing outside CI. With `CI` set a missing one fails the test.
pub fn require_js_sdk(env: &mut TestEnv) -> bool {
    if super::peers::require("node").is_none() {
        return false;
    }
    let modules = modules();
    if !modules.join("@aws-sdk/client-sts").is_dir()
        || !modules.join("@aws-sdk/credential-providers").is_dir()
    {
        if std::env::var_os("CI").is_some() {
            panic!(
                "the AWS SDK for JavaScript v3 is required when CI is set; .ci/run installs it (npm ci --prefix tests/js)"
            );
        }
        eprintln!(
            "note: the AWS SDK for JavaScript v3 is not installed (npm ci --prefix tests/js); skipping this test"
        );
        return false;
    }
    env.set("NODE_PATH", modules.to_str().expect("a UTF-8 path"));
    true
}

/// Runs `body` (JavaScript, may `await`) in an async function; an error exits 1 with its
/// message on stderr.
pub fn script(body: &str) -> String {
    format!(
        r#"const {{ STSClient, GetCallerIdentityCommand }} = require("@aws-sdk/client-sts");
const {{ fromIni }} = require("@aws-sdk/credential-providers");
(async () => {{
{body}
}})().catch((e) => {{ console.error(String(e && e.stack || e)); process.exit(1); }});
"#
    )
}
