//! The tests' fake STS as a program, for the benchmarks: it listens on 127.0.0.1 over plain
//! HTTP, prints its URL on stdout, and answers until it is killed. It knows the long-term
//! keys below and verifies every request's signature against them (and what it issued).
//!
//! `cargo build --example fake-sts` (a debug build is enough: the TLS front is nginx).

#[allow(dead_code, unused_imports)]
#[path = "../tests/it/support/fake_sts/mod.rs"]
mod fake_sts;

use std::io::Write;

fn main() {
    let fake = fake_sts::FakeSts::start();
    // The long-term keys it verifies signatures with: the benchmarks' and the PowerShell CI
    // job's (the tests' [default] profile).
    fake.knows("AKIABENCHMARK0000001", "bench")
        .knows("AKIABENCHKEYCHAIN001", "bench")
        .knows("AKIATESTLONGTERM0001", "LONGTERMSECRET/do-not-print+0001");
    let mut stdout = std::io::stdout();
    writeln!(stdout, "{}", fake.url()).expect("stdout");
    stdout.flush().expect("stdout");
    loop {
        std::thread::park();
    }
}
