//! Opens the sample report in headless Chromium when `CIM_CHROMIUM` names
//! a Chromium binary (CI sets it); otherwise checks only the file.
//!
//! `CIM_REPORT_ARTIFACTS`, when set to a directory, receives the sample
//! `report.html` and (with a browser) `report.png`, for CI to archive and
//! people to look at.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use cim_audit::{REPORT_SECTIONS, ReportInput, render_report};

use crate::report::assert_well_formed;
use crate::sample;

/// Flags that keep Chromium from touching the network or the user's
/// profile.
fn base_args(profile: &Path) -> Vec<String> {
    [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--no-first-run",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
    ]
    .iter()
    .map(|s| s.to_string())
    .chain([format!("--user-data-dir={}", profile.display())])
    .collect()
}

/// Runs a command, killing it after `limit`; stdout is drained on a thread
/// so a large DOM cannot block the child.
fn run(mut cmd: Command, limit: Duration) -> Output {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start chromium");
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        out.read_to_end(&mut v).ok();
        v
    });
    let err_reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        err.read_to_end(&mut v).ok();
        v
    });
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > limit {
            child.kill().ok();
            panic!("chromium did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    Output {
        status,
        stdout: reader.join().unwrap(),
        stderr: err_reader.join().unwrap(),
    }
}

#[test]
#[allow(clippy::print_stderr)] // the skip notice is for the person running the tests
fn report_renders_in_headless_chromium() {
    let dir = tempfile::tempdir().unwrap();
    let summary = sample::run_json();
    let model = sample::model_json();
    let probabilities = sample::probabilities();
    let sizes = sample::cluster_sizes();
    let borderline = sample::borderline(false);
    let html = render_report(&ReportInput {
        summary: &summary,
        model: &model,
        probabilities: &probabilities,
        cluster_sizes: &sizes,
        borderline: &borderline,
        show_pii: false,
        threshold: 0.9,
    });
    let path = dir.path().join("report.html");
    std::fs::write(&path, &html).unwrap();

    // Always: the file is a complete, self-contained document.
    let written = std::fs::read_to_string(&path).unwrap();
    assert_eq!(written, html);
    assert_well_formed(&written);
    if let Some(dir) = std::env::var_os("CIM_REPORT_ARTIFACTS") {
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::copy(&path, Path::new(&dir).join("report.html")).unwrap();
    }

    let Some(bin) = std::env::var_os("CIM_CHROMIUM") else {
        eprintln!(
            "CIM_CHROMIUM is not set: browser part of report_renders_in_headless_chromium skipped"
        );
        return;
    };
    let url = format!("file://{}", path.display());
    let png = dir.path().join("report.png");

    let mut cmd = Command::new(&bin);
    cmd.args(base_args(&dir.path().join("profile-shot")))
        .arg(format!("--screenshot={}", png.display()))
        .arg("--window-size=1280,2000")
        .arg(&url);
    let out = run(cmd, Duration::from_secs(120));
    assert!(
        out.status.success(),
        "chromium --screenshot failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let size = std::fs::metadata(&png).map(|m| m.len()).unwrap_or(0);
    assert!(
        size > 10 * 1024,
        "screenshot missing or trivial ({size} bytes)"
    );
    let bytes = std::fs::read(&png).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    if let Some(dir) = std::env::var_os("CIM_REPORT_ARTIFACTS") {
        std::fs::copy(&png, Path::new(&dir).join("report.png")).unwrap();
    }

    let mut cmd = Command::new(&bin);
    cmd.args(base_args(&dir.path().join("profile-dom")))
        .arg("--dump-dom")
        .arg(&url);
    let out = run(cmd, Duration::from_secs(120));
    assert!(
        out.status.success(),
        "chromium --dump-dom failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dom = String::from_utf8_lossy(&out.stdout);
    for (id, title) in REPORT_SECTIONS {
        assert!(
            dom.contains(&format!("<section id=\"{id}\">")),
            "DOM lacks section {id}"
        );
        assert!(
            dom.contains(&format!("<h2>{title}</h2>")),
            "DOM lacks heading {title}"
        );
    }
    assert!(dom.matches("<svg").count() >= 8, "DOM lacks the charts");
    assert!(!dom.to_ascii_lowercase().contains("<script"));
}
