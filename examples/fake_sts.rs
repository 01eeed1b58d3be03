//! The tests' fake STS on its own, for checks that no test binary can drive: the PowerShell
//! jobs of `.github/workflows/ci.yml` run real PowerShell against it on Windows.
//!
//! `cargo run --example fake_sts -- URL_FILE` listens on 127.0.0.1 (a free port), writes
//! its URL (`http://127.0.0.1:PORT`) to URL_FILE once it answers, and serves until killed.
//! Every code is accepted; the credentials are the fake's marked ones.

#[allow(dead_code)]
#[path = "../tests/it/support/fake_sts.rs"]
mod fake_sts;

fn main() {
    let Some(url_file) = std::env::args_os().nth(1) else {
        eprintln!("usage: fake_sts URL_FILE");
        std::process::exit(2);
    };
    let fake = fake_sts::FakeSts::start();
    // Written whole under another name, then renamed: a reader never sees half a URL.
    let partial = std::path::PathBuf::from(&url_file).with_extension("partial");
    std::fs::write(&partial, fake.url())
        .and_then(|()| std::fs::rename(&partial, &url_file))
        .expect("write the URL file");
    eprintln!("fake STS listening on {}", fake.url());
    loop {
        std::thread::park();
    }
}
