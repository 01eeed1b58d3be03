//! xonsh scripts that evaluate what a program prints. xonsh 0.13's `$(…)` capture can lose
//! a fast program's output on a busy machine, so the output goes through a file instead.

/// xonsh code doing what `execx($(COMMAND))` does: runs `COMMAND` (subprocess mode) and
/// executes what it printed, read back from a file in the working directory.
pub fn execx_output_of(command: &str) -> String {
    format!("{command} > output.xsh\nexecx(open('output.xsh').read())")
}
