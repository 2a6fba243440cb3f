//! The run: attempts in a loop, each decided by the recovery policy, within
//! one budget (`--retries`, `--max-time`).
//!
//! Data flows one way: an attempt ([`attempt`]) produces hits and an exit;
//! [`crate::diagnose`] names the cause; [`crate::recover`] says whether a safe
//! action exists and updates the plan; every step is an [`Event`] for the
//! reporters, which alone decide what a person, a CI log or the JSON report
//! sees. Nothing here prints.

pub mod attempt;
mod checks;
mod live;
mod places;
mod unwrap;
pub mod watchdog;

use crate::detect::catalogue::{Catalogue, Cause};
use crate::detect::{Hit, Matcher};
use crate::diagnose::synthetic;
use crate::diagnose::Collector;
use crate::exit_code;
use crate::facts::cache;
use crate::facts::command::{Client, Command};
use crate::facts::context::{ChildEnv, Context};
use crate::facts::destination::Seen;
use crate::process::{self, ChunkSink, Notice, SpawnError, Spec};
use crate::recover::policy::{self, Decision, Plan, Settings, Situation};
use crate::recover::{cooldown, rerun};
use crate::report::json::{self as report, Outcome, Report};
use crate::report::{Event, Failure, Reporters};
use attempt::{Limits, StopReason};
use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::atomic::AtomicU64;
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

/// Everything the loop hears about while an attempt runs.
#[derive(Debug)]
pub enum Message {
    /// Signature hits, as the matcher finds them in the streaming output.
    Hits(Vec<Hit>),
    Process(Notice),
    Signal(i32),
}

/// How the run may go, from the command line, the environment and the config file.
#[derive(Debug, Clone)]
pub struct Options {
    pub retries: u32,
    pub max_time: Option<Duration>,
    pub stall_timeout: Duration,
    /// Proof-of-life interval without a terminal (`None`: off).
    pub heartbeat: Option<Duration>,
    /// Run the child on a pseudo-terminal.
    pub pty: bool,
    /// When a general program may be re-run from the top (`recover::rerun`).
    pub rerun: crate::recover::rerun::Settings,
    pub settings: Settings,
}

/// The channel every producer (tee matchers, the exit waiter, the signal thread) sends on.
struct Inbox {
    tx: Sender<Message>,
    rx: Receiver<Message>,
}

impl Inbox {
    fn new() -> Inbox {
        let (tx, rx) = channel();
        Inbox { tx, rx }
    }

    fn notify(&self) -> process::Notify {
        let tx = self.tx.clone();
        Arc::new(move |n| {
            let _ = tx.send(Message::Process(n));
        })
    }

    /// A matcher per stream; all streams of one attempt share one record counter, and note the
    /// places their output names in `seen`.
    fn matchers(
        &self,
        catalogue: &Catalogue,
        seen: Arc<Mutex<Seen>>,
    ) -> impl FnMut(process::StreamId) -> Box<dyn ChunkSink> {
        let records = Arc::new(AtomicU64::new(0));
        let tx = self.tx.clone();
        let catalogue = catalogue.clone();
        move |_| {
            let tx = tx.clone();
            let matcher = Matcher::new(
                catalogue.clone(),
                records.clone(),
                Box::new(move |hits| {
                    let _ = tx.send(Message::Hits(hits));
                }),
            );
            Box::new(places::Places::new(Box::new(matcher), seen.clone()))
        }
    }

    /// A signal that came in since the last look (window changes aside), if any.
    fn signalled(&self) -> Option<i32> {
        while let Ok(m) = self.rx.try_recv() {
            if let Message::Signal(sig) = m {
                if sig != crate::process::signals::WINCH {
                    return Some(sig);
                }
            }
        }
        None
    }
}

/// The real child: a process group on this machine.
impl attempt::Child for process::Running {
    fn signal(&self, sig: i32) {
        process::Running::signal(self, sig)
    }
    fn try_exit(&mut self) -> Option<std::process::ExitStatus> {
        process::Running::try_exit(self)
    }
    fn try_stop(&mut self) -> Option<i32> {
        process::Running::try_stop(self)
    }
    fn resize(&self) {
        process::Running::resize(self)
    }
    fn bytes_read(&self) -> u64 {
        process::Running::bytes_read(self)
    }
    fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }
    fn suspend(&mut self, already_stopped: bool) -> Duration {
        process::Running::suspend(self, already_stopped)
    }
    fn stopped(&mut self, sig: i32) -> process::Stopped {
        process::Running::stopped(self, sig)
    }
    fn continued(&mut self) -> process::Stopped {
        process::Running::continued(self)
    }
    fn delivering(&self) -> bool {
        process::Running::delivering(self)
    }
    fn had_terminal(&self) -> bool {
        process::Running::had_terminal(self)
    }
}

/// The real disk: the folders this command's bytes land in.
struct WatchedDisk {
    roots: Vec<PathBuf>,
    /// Partial files newer than this were written by this attempt.
    began: SystemTime,
    /// The child's requests to the Hub (`facts::sockets`): a download that has not written a byte yet.
    hub: Option<crate::facts::sockets::HubWatch>,
}

impl attempt::Disk for WatchedDisk {
    fn bytes(&self) -> u64 {
        cache::bytes_on_disk(&self.roots)
    }
    fn download_under_way(&self) -> bool {
        !cache::leftover_partials(&self.roots, self.began).is_empty()
            || self.hub.as_ref().is_some_and(|h| h.request_open())
    }
}

/// How one attempt ended, its streams drained.
struct AttemptEnd {
    code: i32,
    stopped: Option<StopReason>,
    hits: crate::diagnose::Collector,
    tail: String,
    duration: Duration,
    /// The child's stdout ended mid-line (matters to GitHub's command parser).
    stdout_ends_mid_line: bool,
    /// Every reader of the attempt reached end-of-file.
    streams_closed: bool,
    /// Time the attempt stood stopped (Ctrl-Z): the run's deadline moves by as much.
    paused: Duration,
    /// hfwrap's own output could not take the child's: which stream, and why.
    undelivered: Option<(process::StreamId, process::Undelivered)>,
    /// Bytes of output the matcher skipped (a flood it could not keep up with).
    unmatched: u64,
}

/// The exit code of a run that hfwrap ended: the child's own code is not passed on when
/// hfwrap stopped it (130 from our SIGINT must not read as the user's Ctrl-C).
fn failed_code(end: &AttemptEnd) -> i32 {
    match end.stopped {
        Some(StopReason::MaxTime) | Some(StopReason::Stall) => exit_code::INCOMPLETE,
        // Its own error ended it; hfwrap only stopped it waiting on nothing.
        Some(StopReason::HungAfterError) => 1,
        _ if end.code == 0 => exit_code::INCOMPLETE,
        _ => end.code,
    }
}

/// Every value of a token this run may see: the one in effect and any the plan gives the child.
fn secrets_of(plan: &Plan, ctx: &Context, secrets: &mut Vec<String>) {
    if let Some(t) = &ctx.token {
        secrets.push(t.secret().to_string());
    }
    for (k, v) in &plan.env {
        let (k, v) = (k.to_string_lossy(), v.to_string_lossy());
        if k == "HF_TOKEN" || k == "HUGGING_FACE_HUB_TOKEN" {
            secrets.push(v.trim().to_string());
        } else if let Some(t) = v.strip_prefix("Authorization: Bearer ").filter(|_| k.starts_with("GIT_CONFIG_VALUE_"))
        {
            secrets.push(t.to_string());
        }
    }
    secrets.retain(|s| !s.is_empty());
    secrets.sort();
    secrets.dedup();
}

/// Run `command` under hfwrap with the child environment `env`; returns the exit code.
pub fn run(opts: &Options, catalogue: Catalogue, command: Command, env: ChildEnv, out: &mut Reporters) -> i32 {
    let inbox = Inbox::new();
    let signal_tx = inbox.tx.clone();
    let _signals = process::signals::listen(move |sig| {
        let m =
            if sig == process::signals::CHLD { Message::Process(Notice::ChildChanged) } else { Message::Signal(sig) };
        signal_tx.send(m).is_ok()
    });
    // The terminal, the one stdin forwarder and the subreaper, for every attempt; dropping it at
    // the end of the run (however it ends) puts the terminal back as it was.
    let session = process::Session::start();

    let mut clone_dir = checks::clone_dir(&command);
    // Links in fixes point at what the user configured, decided once, before hfwrap changes
    // anything (a mirror it switches to is not where a token or a licence lives).
    let hub = crate::facts::context::hub_for_links(&env, command.git_clone_target().map(|(u, _)| u).as_deref());
    let trust = opts.settings.trust();
    let mut plan = Plan::new(command, env);
    let started = Instant::now();
    let mut deadline = opts.max_time.map(|d| started + d);
    let mut report = Report::new(plan.command.display());
    let seed = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(7)
        ^ std::process::id() as u64;
    let mut reruns = 0u32;
    let mut secrets: Vec<String> = Vec::new();
    let mut hub_version = match plan.command.client() {
        // Read from disk for the CLIs; for `python …` it would mean starting Python, so it stays unknown.
        Client::Hf | Client::LegacyCli => crate::facts::context::hub_version(&plan.command.program, &plan.env),
        _ => None,
    };
    let total = opts.retries + 1;
    let max_wait = opts.settings.max_wait();
    // Shared files hfwrap will not read (a FIFO at a token file): said once, then done without.
    let mut warned: Vec<String> = Vec::new();
    for w in checks::unusable_token_files(&plan, opts.settings.token_file.as_deref()) {
        warn_once(out, &mut warned, w);
    }

    loop {
        let number = reruns + 1;
        let mut ctx = Context::for_child(&plan.env, &plan.command.args);
        ctx.hub_major = hub_version.map(|v| v.0);
        ctx.hub = hub.clone();
        ctx.writes = plan.command.writes_to_hub();
        secrets_of(&plan, &ctx, &mut secrets);
        out.emit(Event::Secrets(&secrets));
        // Another hfwrap on this machine was told to back off: honour it (at most --max-wait) before
        // asking again, unless it would outlast --max-time: then this run's one chance is now.
        match cooldown::remaining(&plan.env, &ctx.endpoint, max_wait) {
            Ok(Some(wait)) if deadline.map_or(true, |d| Instant::now().checked_add(wait).is_some_and(|t| t < d)) => {
                out.emit(Event::CooldownWait { endpoint: &ctx.endpoint, wait });
                if let Some(sig) = wait_or_interrupt(&inbox.rx, wait, out) {
                    return interrupted(&mut report, sig, out);
                }
            }
            Ok(_) => {}
            Err(w) => warn_once(out, &mut warned, w),
        }
        checks::clone_dir_before_attempt(&plan, &mut clone_dir);
        let attempt_started = report::now_rfc3339();
        let attempt_began = SystemTime::now();
        let shown = crate::redact::argv(&plan.command.display());
        out.emit(Event::AttemptStarted { number, total, command: &shown });
        let spec = Spec {
            program: plan.command.program.clone(),
            args: plan.command.args.clone(),
            env: plan.env.clone(),
            pty: opts.pty,
        };
        let seen = Arc::new(Mutex::new(Seen::default()));
        let end = match session.spawn(&spec, &mut inbox.matchers(&catalogue, seen.clone()), inbox.notify()) {
            Ok(running) => {
                // The moment the child prints the error that ends it, say what it means: a CI log
                // shows it even if the child then hangs until the job's own timeout.
                let mut early = |hits: &Collector, out: &mut Reporters| {
                    let d = hits.diagnose(&catalogue, &ctx);
                    if d.cause != Cause::Unknown {
                        out.emit(Event::ErrorSeen { summary: &d.summary, cause: d.cause.id(), fix: &d.fix });
                    }
                };
                let end = run_attempt(running, &inbox, &plan, opts, deadline, &mut early, out);
                out.emit(Event::AttemptEnded {
                    number,
                    stdout_ends_mid_line: end.stdout_ends_mid_line,
                    streams_closed: end.streams_closed,
                });
                // Time stood still while the user had the run stopped (Ctrl-Z … fg).
                deadline = deadline.map(|d| d + end.paused);
                end
            }
            Err(e) => {
                out.emit(Event::AttemptEnded { number, stdout_ends_mid_line: false, streams_closed: true });
                // A legacy `huggingface-cli` that is not installed: try `hf` if it is.
                if matches!(e, SpawnError::NotFound) && plan.command.client() == Client::LegacyCli && !plan.translated {
                    if let Some(cmd) = which::which("hf").ok().and_then(|hf| plan.command.as_hf_download(hf.into())) {
                        out.emit(Event::Translated { command: &crate::redact::argv(&cmd.display()) });
                        plan.command = cmd;
                        plan.translated = true;
                        continue;
                    }
                }
                return spawn_failed(&e, &plan.command, &mut report, out);
            }
        };
        checks::clone_dir_after_attempt(&plan, &mut clone_dir);

        let mut record = report::Attempt {
            number,
            command: shown,
            started_at: attempt_started,
            duration_ms: end.duration.as_millis() as u64,
            exit_code: end.code,
            cause: None,
            rule: None,
            action: None,
            env_changes: Vec::new(),
            unmatched_bytes: end.unmatched,
        };
        report.tail = crate::redact::untrusted(&end.tail);
        // `python …`: the huggingface_hub its interpreter imports picks the CA variable of a TLS
        // fix when the output does not show the HTTP stack. Starting that Python costs tens of
        // milliseconds, so it is read only then, once per run.
        let hits = end.hits.hits();
        let needs_hub_version = hits.iter().any(|h| catalogue.signature(h.signature).spec.fix.contains("{ca_var}"))
            && !hits.iter().any(|h| h.facts.stack.is_some());
        if hub_version.is_none() && needs_hub_version && plan.command.client() == Client::Python {
            hub_version = which::which_in(&plan.command.program, plan.env.get(&OsString::from("PATH")), ".")
                .ok()
                .and_then(|exe| crate::facts::hub::hub_of_interpreter(&exe).version)
                .map(|v| (v.0, v.1, v.2));
            ctx.hub_major = hub_version.map(|v| v.0);
        }

        if let Some(StopReason::Interrupt(sig)) = end.stopped {
            report.attempts.push(record);
            return interrupted(&mut report, sig, out);
        }
        if let (Some(StopReason::Output), Some((stream, why))) = (end.stopped, &end.undelivered) {
            report.attempts.push(record);
            return output_failed(&mut report, *stream, why, out);
        }
        // Success, checked against the filesystem.
        let problem = (end.code == 0 && end.stopped.is_none()).then(|| {
            checks::incomplete_success(&plan, attempt_began, clone_dir)
                .or_else(|| checks::curl_error_body(&plan, attempt_began, &catalogue, &ctx))
        });
        let mut diagnosis = match (problem, end.stopped) {
            (Some(None), _) => {
                report.attempts.push(record);
                report.outcome = Outcome::Success;
                report.exit_code = exit_code::SUCCESS;
                out.emit(Event::Finished { report: &report, failure: None });
                return exit_code::SUCCESS;
            }
            (Some(Some(d)), _) => d,
            (None, Some(StopReason::Stall)) => {
                // A lock never released, a retry loop that never got anywhere: the lines say which.
                let said = end.hits.diagnose(&catalogue, &ctx);
                if matches!(said.cause, Cause::LockStuck | Cause::RateLimited) {
                    said
                } else {
                    synthetic::diagnosis(
                        "stall",
                        &[
                            ("stall", crate::report::human_duration(opts.stall_timeout)),
                            ("stall_seconds", opts.stall_timeout.as_secs().to_string()),
                            ("endpoint", ctx.endpoint.clone()),
                        ],
                    )
                }
            }
            _ => unwrap::unwrap_not_found(end.hits.diagnose(&catalogue, &ctx), end.hits.hits(), &catalogue, &ctx),
        };
        if let Some(d) = crate::diagnose::Collector::diagnose_rejoined(&catalogue, &diagnosis, &end.tail, &ctx) {
            diagnosis = d;
        }
        if diagnosis.cause == Cause::Unknown && end.stopped.is_none() {
            if let Some(checked) = live::check(&plan, &ctx) {
                diagnosis = checked;
            }
        }

        if diagnosis.cause == Cause::LockStuck {
            live::name_lock_holders(&mut diagnosis);
        }
        if diagnosis.cause == Cause::AuthRequired && ctx.token.is_some() && !plan.on_mirror {
            if let Err(sig) = checks::refine_with_probe(&mut diagnosis, &plan, &ctx, &trust, &|| inbox.signalled()) {
                report.attempts.push(record);
                return interrupted(&mut report, sig, out);
            }
        }
        let seen = seen.lock().map(|s| s.clone()).unwrap_or_else(|e| e.into_inner().clone());
        record.cause = Some(diagnosis.cause);
        record.rule = diagnosis.rule.clone();
        let hf_on_path = which::which_in("hf", plan.env.get(&OsString::from("PATH")), ".").ok().map(OsString::from);
        let out_of_time = end.stopped == Some(StopReason::MaxTime) || deadline.is_some_and(|d| Instant::now() >= d);
        let decision = if out_of_time {
            let max = crate::report::human_duration(opts.max_time.unwrap_or_default());
            Stop::Budget(format!("--max-time {max} ran out"))
        } else if reruns >= opts.retries {
            match opts.retries {
                0 => Stop::Quietly,
                n => Stop::Budget(format!("the retry budget ({n}) is used up")),
            }
        } else {
            let situation = Situation {
                diagnosis: &diagnosis,
                reruns,
                settings: &opts.settings,
                token_in_effect: ctx.token.as_ref(),
                hf_on_path,
                seed: seed.wrapping_add(reruns as u64),
                seen: &seen,
            };
            let before = plan.clone();
            match (policy::decide(&mut plan, &situation), checks::clone_rerun_blocked(&plan, clone_dir)) {
                (Decision::Retry { .. }, Some(why)) => Stop::Advice(why),
                // What a re-run costs: a program is not started again from the top behind the user's back.
                (Decision::Retry { wait, action, env_changes }, None) => match rerun::check(
                    &before,
                    &plan,
                    &env_changes,
                    &action,
                    end.duration,
                    &opts.rerun,
                    opts.settings.token_file.as_deref(),
                ) {
                    Some(refusal) => {
                        report.rerun_command = Some(refusal.command);
                        Stop::Advice(refusal.why)
                    }
                    // Every wait within --max-wait, whichever arm of the policy chose it.
                    None => Stop::No { wait: wait.min(max_wait), action, env_changes },
                },
                (Decision::Stop(Some(why)), _) => Stop::Advice(why),
                (Decision::Stop(None), _) => Stop::Quietly,
            }
        };

        let why = match decision {
            Stop::No { wait, action, env_changes } if deadline.is_some_and(|d| Instant::now() + wait >= d) => {
                let _ = (action, env_changes);
                Stop::Budget("--max-time would run out during the wait".into())
            }
            Stop::No { wait, action, env_changes } => {
                if diagnosis.cause == Cause::RateLimited {
                    if let Err(w) = cooldown::record(&plan.env, &ctx.endpoint, wait, max_wait) {
                        warn_once(out, &mut warned, w);
                    }
                }
                record.action = Some(action.clone());
                record.env_changes = env_changes;
                report.attempts.push(record);
                reruns += 1;
                out.emit(Event::Retrying { summary: &diagnosis.summary, action: &action, next: reruns + 1, total });
                if let Some(w) = checks::remove_own_clone(&plan, clone_dir) {
                    warn_once(out, &mut warned, w);
                }
                if let Some(sig) = wait_or_interrupt(&inbox.rx, wait, out) {
                    return interrupted(&mut report, sig, out);
                }
                continue;
            }
            stop => stop,
        };
        report.attempts.push(record);
        let code = failed_code(&end);
        report.outcome = Outcome::Failed;
        report.exit_code = code;
        report.set_diagnosis(&diagnosis);
        let note = match &why {
            Stop::Budget(w) => Some(w.as_str()),
            Stop::Advice(w) => {
                report.not_retried = Some(w.clone());
                None
            }
            _ => None,
        };
        out.emit(Event::Finished {
            report: &report,
            failure: Some(Failure { diagnosis: &diagnosis, note, exit_code: code }),
        });
        return code;
    }
}

/// What comes after a failed attempt.
enum Stop {
    /// Not a stop: re-run after `wait` with the plan already updated.
    No { wait: Duration, action: String, env_changes: Vec<String> },
    /// Time or the retry budget ran out: a note.
    Budget(String),
    /// The policy (or the clone guard) says why not, and what the user can do: part of the fix.
    Advice(String),
    /// Nothing to add to the fix.
    Quietly,
}

/// Spawn, watch and drain one attempt.
fn run_attempt(
    mut running: process::Running,
    inbox: &Inbox,
    plan: &Plan,
    opts: &Options,
    deadline: Option<Instant>,
    early: &mut dyn FnMut(&Collector, &mut Reporters),
    out: &mut Reporters,
) -> AttemptEnd {
    let always_watched = plan.command.is_hub_download() || plan.command.git_clone_target().is_some();
    let disk = WatchedDisk {
        roots: cache::watched_roots(&plan.command, &plan.env),
        began: SystemTime::now() - Duration::from_secs(2),
        hub: (!always_watched).then(|| {
            crate::facts::sockets::HubWatch::new(running.pid() as i32, &crate::facts::context::endpoint(&plan.env))
        }),
    };
    let limits = Limits {
        stall_timeout: opts.stall_timeout,
        deadline,
        heartbeat: opts.heartbeat,
        always_watched,
        wait_budget: opts.settings.max_wait(),
    };
    let mut watched = attempt::watch(&mut running, &inbox.rx, &disk, limits, early, out);
    let finished = running.finish(watched.status, watched.stopped.is_some());
    attempt::drain_hits(&inbox.rx, &mut watched.hits);
    let tail: Vec<String> = finished
        .tails
        .iter()
        .map(|(_, t)| String::from_utf8_lossy(&crate::detect::record::strip_ansi(t)).into_owned())
        .collect();
    // Output that could not be delivered after the child had exited ends the run all the same.
    let undelivered = watched.undelivered.or(finished.undelivered);
    let stopped = watched.stopped.or(undelivered.as_ref().map(|_| StopReason::Output));
    AttemptEnd {
        code: finished.code,
        stopped,
        hits: watched.hits,
        tail: tail.join("\n"),
        duration: finished.duration,
        stdout_ends_mid_line: finished.stdout_ends_mid_line,
        streams_closed: finished.streams_closed,
        paused: watched.paused,
        undelivered,
        unmatched: finished.unmatched,
    }
}

/// A warning, unless this run already gave the same one.
fn warn_once(out: &mut Reporters, warned: &mut Vec<String>, message: String) {
    if !warned.contains(&message) {
        out.emit(Event::Warning { message: &message });
        warned.push(message);
    }
}

/// hfwrap's stdout or stderr could not take the child's output. A reader that went away (EPIPE)
/// ends the run as a pipeline's writer ends, quietly with 128+SIGPIPE; any other write error is
/// an error of hfwrap's own, said on stderr, exit code 1 (as `echo hi >&-` fails).
fn output_failed(
    report: &mut Report,
    stream: process::StreamId,
    why: &process::Undelivered,
    out: &mut Reporters,
) -> i32 {
    let name = if stream == process::StreamId::Stderr { "stderr" } else { "stdout" };
    match why {
        process::Undelivered::Closed => {
            report.outcome = Outcome::Interrupted;
            report.exit_code = exit_code::BROKEN_PIPE;
        }
        process::Undelivered::Failed(error) => {
            report.outcome = Outcome::Failed;
            report.exit_code = exit_code::OUTPUT_FAILED;
            out.emit(Event::OutputFailed { stream: name, error });
        }
    }
    out.emit(Event::Finished { report, failure: None });
    report.exit_code
}

fn interrupted(report: &mut Report, sig: i32, out: &mut Reporters) -> i32 {
    report.outcome = Outcome::Interrupted;
    report.exit_code = exit_code::from_signal(sig);
    out.emit(Event::Finished { report, failure: None });
    out.emit(Event::Interrupted { signal: sig });
    report.exit_code
}

fn spawn_failed(e: &SpawnError, cmd: &Command, report: &mut Report, out: &mut Reporters) -> i32 {
    let program = ("program", cmd.program.to_string_lossy().into_owned());
    let (code, d) = match e {
        SpawnError::NotFound => {
            let hint = match cmd.client() {
                Client::Hf | Client::LegacyCli => " (install it with `pip install -U huggingface_hub`)",
                Client::Git => " (install git)",
                _ => "",
            };
            (exit_code::NOT_FOUND, synthetic::diagnosis("spawn_not_found", &[program, ("hint", hint.into())]))
        }
        SpawnError::NotExecutable(err) => (
            exit_code::NOT_EXECUTABLE,
            synthetic::diagnosis("spawn_not_executable", &[program, ("error", err.to_string())]),
        ),
        SpawnError::Other(err) => {
            (exit_code::NOT_EXECUTABLE, synthetic::diagnosis("spawn_other", &[program, ("error", err.to_string())]))
        }
    };
    out.emit(Event::SpawnFailed { message: &d.fix });
    report.outcome = Outcome::Failed;
    report.exit_code = code;
    report.cause = Some(d.cause);
    report.rule = d.rule.clone();
    report.fix = Some(d.fix.clone());
    out.emit(Event::Finished { report, failure: None });
    code
}

/// Wait before a re-run; a signal cuts it short. The reporters hear the time left each second.
fn wait_or_interrupt(rx: &Receiver<Message>, wait: Duration, out: &mut Reporters) -> Option<i32> {
    // A signal that came while the last attempt was winding down counts, even for a zero wait.
    while let Ok(m) = rx.try_recv() {
        if let Message::Signal(sig) = m {
            if let Some(sig) = interrupting(sig) {
                return Some(sig);
            }
        }
    }
    let until = Instant::now() + wait;
    let mut last_shown = u64::MAX;
    loop {
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            out.emit(Event::Waiting { left });
            return None;
        }
        if left.as_secs() != last_shown {
            last_shown = left.as_secs();
            out.emit(Event::Waiting { left });
        }
        if let Ok(Message::Signal(sig)) = rx.recv_timeout(left.min(Duration::from_millis(200))) {
            if let Some(sig) = interrupting(sig) {
                return Some(sig);
            }
        }
    }
}

/// Between attempts: a signal that ends the run, or none (a resize; Ctrl-Z stops hfwrap here and
/// now, there being no child to stop with it).
fn interrupting(sig: i32) -> Option<i32> {
    use process::signals::{CONT, TSTP, WINCH};
    match sig {
        WINCH | CONT => None,
        TSTP => {
            process::stop_self();
            None
        }
        sig => Some(sig),
    }
}
