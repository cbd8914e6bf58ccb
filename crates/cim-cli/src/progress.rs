//! Progress for long stages: a bar on a terminal, periodic log lines
//! otherwise (cron, Airflow), nothing with `-q`.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::args::GlobalArgs;

/// The progress sink for this invocation.
pub fn for_args(global: &GlobalArgs) -> Box<dyn cim_pipeline::Progress> {
    if global.quiet > 0 {
        Box::new(cim_pipeline::NoProgress)
    } else if std::io::stderr().is_terminal() {
        Box::new(Bar::default())
    } else {
        Box::new(LogLines::default())
    }
}

#[derive(Default)]
struct Bar {
    bar: Mutex<Option<ProgressBar>>,
}

impl cim_pipeline::Progress for Bar {
    fn start(&self, stage: &str, total: Option<u64>) {
        let bar = match total {
            Some(n) => ProgressBar::new(n),
            None => ProgressBar::new_spinner(),
        };
        bar.set_draw_target(ProgressDrawTarget::stderr());
        let template = if total.is_some() {
            "{prefix:>9} [{bar:30}] {human_pos}/{human_len} ({per_sec}, {eta})"
        } else {
            "{prefix:>9} {spinner} {human_pos} rows ({per_sec}) {elapsed}"
        };
        if let Ok(style) = ProgressStyle::with_template(template) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_prefix(stage.to_owned());
        bar.enable_steady_tick(Duration::from_millis(120));
        *self.bar.lock().expect("progress lock") = Some(bar);
    }
    fn advance(&self, n: u64) {
        if let Some(b) = &*self.bar.lock().expect("progress lock") {
            b.inc(n);
        }
    }
    fn finish(&self, _stage: &str) {
        if let Some(b) = self.bar.lock().expect("progress lock").take() {
            b.finish_and_clear();
        }
    }
}

/// One log line per stage start and end, and every 10 s in between.
struct LogLines {
    done: AtomicU64,
    state: Mutex<(String, Instant, Instant)>,
}

impl Default for LogLines {
    fn default() -> Self {
        Self {
            done: AtomicU64::new(0),
            state: Mutex::new((String::new(), Instant::now(), Instant::now())),
        }
    }
}

impl cim_pipeline::Progress for LogLines {
    fn start(&self, stage: &str, _total: Option<u64>) {
        self.done.store(0, Ordering::Relaxed);
        *self.state.lock().expect("progress lock") =
            (stage.to_owned(), Instant::now(), Instant::now());
        tracing::info!("{stage}: started");
    }
    fn advance(&self, n: u64) {
        let done = self.done.fetch_add(n, Ordering::Relaxed) + n;
        let mut st = self.state.lock().expect("progress lock");
        if st.2.elapsed() >= Duration::from_secs(10) {
            st.2 = Instant::now();
            tracing::info!("{}: {done} rows so far", st.0);
        }
    }
    fn finish(&self, stage: &str) {
        let st = self.state.lock().expect("progress lock");
        tracing::info!("{stage}: done in {:.1} s", st.1.elapsed().as_secs_f64());
    }
}
