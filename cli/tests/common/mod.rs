//! What the CLI tests share: running the built binary from the repository root, temporary
//! directories, and the checks of a failure.

#![allow(dead_code)] // each test file uses a part

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub mod browser;

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub fn slieksnis(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_slieksnis"))
        .args(args)
        .current_dir(repo())
        .output()
        .expect("the binary runs")
}

/// A fresh directory under the system's temporary directory, unique to this test process.
pub fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("slieksnis-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Standard output and standard error, as one text.
pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Runs and expects failure with exit code 1 and every `needle` in the message; returns it.
pub fn fails(args: &[&str], needles: &[&str]) -> String {
    let o = slieksnis(args);
    let t = text(&o);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{args:?} should fail with 1:\n{t}"
    );
    assert!(!t.contains("panicked"), "{t}");
    for n in needles {
        assert!(t.contains(n), "{args:?}: expected '{n}' in:\n{t}");
    }
    t
}

/// Expects `o` to have failed with exit code 1 and every `needle` in its message.
pub fn fails_with(o: &Output, needles: &[&str]) {
    let t = text(o);
    assert_eq!(o.status.code(), Some(1), "{t}");
    assert!(!t.contains("panicked"), "{t}");
    for n in needles {
        assert!(t.contains(n), "expected '{n}' in:\n{t}");
    }
}

/// Runs and expects success; returns the output.
pub fn succeeds(args: &[&str]) -> String {
    let o = slieksnis(args);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(0), "{args:?} should succeed:\n{t}");
    t
}
