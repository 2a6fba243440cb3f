//! The one decision loop: run an attempt, listen to its hits, signals and
//! the disk, decide what comes next, within one global budget.
//!
//! Everything that can stop a child arrives here as an event or a tick: a
//! user's Ctrl-C (forwarded, escalated after a grace period, never retried),
//! the stall watchdog, `--max-time`. After an attempt, the policy says
//! whether a safe action exists; the report records every attempt.

use crate::detect::catalogue::{Catalogue, Cause};
use crate::report::ci::CiSession;
use crate::app::cli::{PtyMode, RunOptions};
use crate::facts::command::{Client, Command};
use crate::facts::context::{self, Context};
use crate::recover::cooldown;
use crate::diagnose::{Collector, Diagnosis};
use crate::exit_code;
use crate::report::terminal as output;
use crate::recover::policy::{self, Decision, Plan, Settings, Situation};
use crate::report::json::{self as report, Outcome, Report};
use crate::process::{self, Event, SpawnError, Spec};
use crate::facts::cache;
use std::collections::BTreeMap;
use std::ffi::OsString;
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

/// Grace between the steps of stopping a child: SIGINT, SIGINT, SIGTERM, SIGKILL.
/// (A first SIGINT is absorbed by huggingface_hub's worker threads blocked on a socket.)
const STOP_GRACE: Duration = Duration::from_secs(2);
const TICK: Duration = Duration::from_millis(50);
const DISK_POLL: Duration = Duration::from_millis(1000);

/// Why an attempt was stopped by hfwrap rather than ending by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StopReason {
    /// The user (or a supervisor) signalled hfwrap.
    Interrupt(i32),
    Stall,
    MaxTime,
}

/// A child being stopped: the signals still to send and when.
struct Stopping {
    steps: Vec<i32>,
    next_at: Instant,
}

impl Stopping {
    fn new(first_sent: i32) -> Stopping {
        let steps = match first_sent {
            libc::SIGINT => vec![libc::SIGINT, libc::SIGTERM, libc::SIGKILL],
            _ => vec![libc::SIGKILL],
        };
        Stopping { steps, next_at: Instant::now() + STOP_GRACE }
    }

    fn tick(&mut self, child: &process::Running) {
        if Instant::now() >= self.next_at && !self.steps.is_empty() {
            child.signal(self.steps.remove(0));
            self.next_at = Instant::now() + STOP_GRACE;
        }
    }
}

struct AttemptEnd {
    code: i32,
    stopped: Option<StopReason>,
    collector: Collector,
    tail: String,
    duration: Duration,
    /// The child's stdout ended mid-line (matters to GitHub's command parser).
    stdout_ends_mid_line: bool,
}

/// Run `command` under hfwrap; returns the exit code.
pub fn run(opts: &RunOptions, catalogue: Catalogue, command: Vec<OsString>) -> i32 {
    let style = output::Style::init(opts.quiet);
    let catalogue = Arc::new(catalogue);
    let (tx, rx) = channel::<Event>();
    let _signals = process::signals::listen(tx.clone());

    let mut words = command.into_iter();
    let program = words.next().expect("clap requires a command");
    let cmd = Command::new(program, words.collect());
    let use_pty = match opts.pty {
        PtyMode::Always => true,
        PtyMode::Never => false,
        PtyMode::Auto => process::is_tty(1) && process::is_tty(2),
    };
    let mut env = context::current_env(crate::app::config::supplied_vars());
    if !use_pty {
        env.insert("PYTHONUNBUFFERED".into(), "1".into());
    }
    let settings = Settings {
        trusted: opts.trust_endpoint.clone(),
        mirror: opts.mirror.clone(),
        token_file: opts.token_file.clone(),
    };
    if let Some(f) = &opts.token_file {
        if let Err(e) = std::fs::metadata(f) {
            output::error(&format!("cannot read --token-file {}: {e}", f.display()));
            return exit_code::USAGE;
        }
    }
    let clone_dir_existed = cmd.git_clone_target().map(|(_, d)| d.exists());
    let mut plan = Plan::new(cmd, env);
    let retries = if opts.no_retry { 0 } else { opts.retries };
    let started = Instant::now();
    let wall_start = SystemTime::now();
    let deadline = opts.max_time.map(|d| started + d);
    let mut report = Report::new(plan.command.display());
    let seed = wall_start.duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(7)
        ^ std::process::id() as u64;
    let mut reruns = 0u32;
    let mut ci = CiSession::new(seed);
    let mut secrets: Vec<String> = Vec::new();
    let hub_version = match plan.command.client() {
        // Read from disk for the CLIs; for `python …` it would mean starting Python, so it stays unknown.
        Client::Hf | Client::LegacyCli => context::hub_version(&plan.command.program, &plan.env),
        _ => None,
    };

    loop {
        let number = reruns + 1;
        let mut ctx = Context::for_child(&plan.env, &plan.command.args);
        ctx.hub_major = hub_version.map(|v| v.0);
        if let Some(t) = &ctx.token {
            secrets.push(t.secret().to_string());
        }
        for (k, v) in &plan.env {
            let (k, v) = (k.to_string_lossy(), v.to_string_lossy());
            if k == "HF_TOKEN" || k == "HUGGING_FACE_HUB_TOKEN" {
                secrets.push(v.trim().to_string());
            } else if let Some(t) =
                v.strip_prefix("Authorization: Bearer ").filter(|_| k.starts_with("GIT_CONFIG_VALUE_"))
            {
                secrets.push(t.to_string());
            }
        }
        secrets.retain(|s| !s.is_empty());
        secrets.dedup();
        // Another hfwrap on this machine was told to back off: honour it before asking again.
        if let Some(wait) = cooldown::remaining(&plan.env, &ctx.endpoint) {
            output::note(&format!(
                "another hfwrap on this machine was rate-limited by {}; waiting {:.0}s before asking again",
                ctx.endpoint,
                wait.as_secs_f64().ceil()
            ));
            if let Some(sig) = wait_or_interrupt(&rx, wait, style.interactive) {
                report.outcome = Outcome::Interrupted;
                report.exit_code = exit_code::from_signal(sig);
                conclude(opts, &mut ci, &mut report, &secrets.iter().map(|s| s.as_str()).collect::<Vec<_>>());
                return report.exit_code;
            }
        }
        let attempt_started = report::now_rfc3339();
        let attempt_wall_start = SystemTime::now();
        ci.mask(&secrets.iter().map(|s| s.as_str()).collect::<Vec<_>>());
        let spec = Spec {
            program: plan.command.program.clone(),
            args: plan.command.args.clone(),
            env: plan.env.clone(),
            pty: use_pty,
        };
        ci.attempt_start(number, retries + 1, &report::redact_command(&plan.command.display()).join(" "));
        let spawned = process::spawn(&spec, catalogue.clone(), tx.clone());
        let end = match spawned {
            Ok(running) => {
                let end = watch(running, &rx, &plan, opts.stall_timeout, deadline, style);
                ci.attempt_end_after(number, end.stdout_ends_mid_line);
                end
            }
            Err(e) => {
                ci.attempt_end(number);
                // A legacy `huggingface-cli` that is not installed: try `hf` if it is.
                if matches!(e, SpawnError::NotFound) && plan.command.client() == Client::LegacyCli && !plan.translated {
                    if let Some(hf) = which::which("hf").ok().map(OsString::from) {
                        if let Some(cmd) = plan.command.as_hf_download(hf) {
                            output::note(&format!(
                                "`huggingface-cli` is not installed; running `{}` instead",
                                cmd.display().join(" ")
                            ));
                            plan.command = cmd;
                            plan.translated = true;
                            continue;
                        }
                    }
                }
                return spawn_failed(&e, &plan.command, opts, &mut ci, &mut report);
            }
        };

        let secret_refs: Vec<&str> = secrets.iter().map(|s| s.as_str()).collect();
        let mut record = report::Attempt {
            number,
            command: report::redact_command(&plan.command.display()),
            started_at: attempt_started,
            duration_ms: end.duration.as_millis() as u64,
            exit_code: end.code,
            cause: None,
            rule: None,
            action: None,
            env_changes: Vec::new(),
        };
        report.tail = crate::facts::token::scrub(&crate::diagnose::redact(&end.tail), &secret_refs);

        if let Some(StopReason::Interrupt(sig)) = end.stopped {
            report.attempts.push(record);
            report.outcome = Outcome::Interrupted;
            report.exit_code = exit_code::from_signal(sig);
            conclude(opts, &mut ci, &mut report, &secret_refs);
            output::note(&format!("interrupted ({}); not retrying", signal_name(sig)));
            return report.exit_code;
        }
        // Success, checked against the filesystem.
        let mut problem = None;
        if end.code == 0 && end.stopped.is_none() {
            problem = incomplete_success(&plan, attempt_wall_start, clone_dir_existed);
            match problem.take() {
                None => {
                    report.attempts.push(record);
                    report.outcome = Outcome::Success;
                    report.exit_code = 0;
                    if reruns > 0 {
                        output::note(&format!("recovered: the command succeeded on attempt {number}"));
                    }
                    conclude(opts, &mut ci, &mut report, &secret_refs);
                    return exit_code::SUCCESS;
                }
                Some(d) => problem = Some(d),
            }
        }
        let mut diagnosis = match (problem, end.stopped) {
            (Some(d), _) => d,
            (None, Some(StopReason::Stall)) => stall_diagnosis(&ctx, opts.stall_timeout),
            _ => end.collector.diagnose(&catalogue, &ctx),
        };

        if diagnosis.cause == Cause::AuthRequired && ctx.token.is_some() && !plan.on_mirror {
            refine_with_probe(&mut diagnosis, &plan, &ctx);
        }
        record.cause = Some(diagnosis.cause);
        record.rule = diagnosis.rule.clone();
        let hf_on_path = which::which_in("hf", plan.env.get(&OsString::from("PATH")), ".").ok().map(OsString::from);
        let out_of_time = end.stopped == Some(StopReason::MaxTime) || deadline.is_some_and(|d| Instant::now() >= d);
        // `why` of a Stop decided here (time, budget) is a note; the policy's and the clone guard's
        // say what the user can do about it, so they become part of the fix (report included).
        let mut why_is_a_fix = false;
        let decision = if out_of_time {
            Decision::Stop(Some(format!("--max-time {} ran out", humantime(opts.max_time.unwrap_or_default()))))
        } else if reruns >= retries {
            Decision::Stop(if retries > 0 { Some(format!("the retry budget ({retries}) is used up")) } else { None })
        } else {
            let situation = Situation {
                diagnosis: &diagnosis,
                reruns,
                settings: &settings,
                token_in_effect: ctx.token.as_ref(),
                hf_on_path,
                seed: seed.wrapping_add(reruns as u64),
            };
            why_is_a_fix = true;
            let decided = policy::decide(&mut plan, &situation);
            match (decided, clone_rerun_blocked(&plan, clone_dir_existed)) {
                (Decision::Retry { .. }, Some(why)) => Decision::Stop(Some(why)),
                (d, _) => d,
            }
        };

        match decision {
            Decision::Retry { wait, action, env_changes } => {
                if deadline.is_some_and(|d| Instant::now() + wait >= d) {
                    record.action = None;
                    report.attempts.push(record);
                    return finish_failed(
                        opts,
                        &mut ci,
                        &mut report,
                        &diagnosis,
                        end.code,
                        Some("--max-time would run out during the wait"),
                        &secret_refs,
                        plan_ended_code(&end),
                    );
                }
                if diagnosis.cause == Cause::RateLimited {
                    cooldown::record(&plan.env, &ctx.endpoint, wait);
                }
                record.action = Some(action.clone());
                record.env_changes = env_changes;
                report.attempts.push(record);
                reruns += 1;
                output::note(&format!("{}; {action} (attempt {}/{})", diagnosis.summary, reruns + 1, retries + 1));
                if let Some((_, dir)) = plan.command.git_clone_target() {
                    if clone_dir_existed == Some(false) && dir.exists() {
                        // Only what hfwrap's own attempt created is removed.
                        let _ = std::fs::remove_dir_all(&dir);
                    }
                }
                if let Some(sig) = wait_or_interrupt(&rx, wait, style.interactive) {
                    report.outcome = Outcome::Interrupted;
                    report.exit_code = exit_code::from_signal(sig);
                    conclude(opts, &mut ci, &mut report, &secret_refs);
                    return report.exit_code;
                }
            }
            Decision::Stop(mut why) => {
                report.attempts.push(record);
                if why_is_a_fix {
                    if let Some(w) = why.take() {
                        diagnosis.fix = format!("{} hfwrap did not retry: {w}.", diagnosis.fix.trim_end());
                    }
                }
                return finish_failed(
                    opts,
                    &mut ci,
                    &mut report,
                    &diagnosis,
                    end.code,
                    why.as_deref(),
                    &secret_refs,
                    plan_ended_code(&end),
                );
            }
        }
    }
}

fn plan_ended_code(end: &AttemptEnd) -> i32 {
    match end.stopped {
        // hfwrap stopped the child: its code (130 from our SIGINT, 137 from our SIGKILL) is not its
        // own and must not read as the user's Ctrl-C.
        Some(StopReason::MaxTime) | Some(StopReason::Stall) => exit_code::INCOMPLETE,
        _ if end.code == 0 => exit_code::INCOMPLETE,
        _ => end.code,
    }
}

fn finish_failed(
    opts: &RunOptions,
    ci: &mut CiSession,
    report: &mut Report,
    d: &Diagnosis,
    _child_code: i32,
    why: Option<&str>,
    secrets: &[&str],
    code: i32,
) -> i32 {
    report.outcome = Outcome::Failed;
    report.exit_code = code;
    report.set_diagnosis(d);
    if let Some(w) = why {
        output::note(w);
    }
    output::report_failure(d, code);
    conclude(opts, ci, report, secrets);
    code
}

/// Every way a run ends comes through here: CI annotations and summary, then the report.
fn conclude(opts: &RunOptions, ci: &mut CiSession, report: &mut Report, secrets: &[&str]) {
    ci.finish(report);
    if let Some(path) = &opts.report {
        if let Err(e) = report.write(path, secrets) {
            output::error(&format!("cannot write report {}: {e}", path.display()));
        }
    }
}

fn spawn_failed(e: &SpawnError, cmd: &Command, opts: &RunOptions, ci: &mut CiSession, report: &mut Report) -> i32 {
    let name = cmd.program.to_string_lossy();
    let (code, msg) = match e {
        SpawnError::NotFound => {
            let hint = match cmd.client() {
                Client::Hf | Client::LegacyCli => " (install it with `pip install -U huggingface_hub`)",
                Client::Git => " (install git)",
                _ => "",
            };
            (exit_code::NOT_FOUND, format!("command not found: {name}{hint}"))
        }
        SpawnError::NotExecutable(err) => (exit_code::NOT_EXECUTABLE, format!("cannot execute {name}: {err}")),
        SpawnError::Other(err) => (exit_code::NOT_EXECUTABLE, format!("cannot start {name}: {err}")),
    };
    output::error(&msg);
    report.outcome = Outcome::Failed;
    report.exit_code = code;
    report.cause = Some(Cause::ToolMissing);
    report.rule = Some("spawn-failed".into());
    report.fix = Some(msg);
    conclude(opts, ci, report, &[]);
    code
}

/// Run one attempt to its end, acting on signals, stalls and the deadline.
fn watch(
    mut child: process::Running,
    rx: &Receiver<Event>,
    plan: &Plan,
    stall_timeout: Duration,
    deadline: Option<Instant>,
    style: output::Style,
) -> AttemptEnd {
    let heartbeat = heartbeat_interval(style);
    let mut next_heartbeat = Instant::now() + heartbeat.unwrap_or(Duration::MAX / 4);
    let mut heartbeat_bytes = 0u64;
    let mut collector = Collector::new();
    let mut stopped: Option<StopReason> = None;
    let mut stopping: Option<Stopping> = None;
    let roots = cache::watched_roots(&plan.command, &plan.env);
    // A known download is watched from the start. Any other command (`python train.py`, aria2c
    // writing outside the cache) only while a download of its own is under way — a partial file
    // written during this attempt — or a healthy run would be killed for writing nothing to the cache.
    let always_watched = plan.command.is_hub_download() || plan.command.git_clone_target().is_some();
    let attempt_began = SystemTime::now() - Duration::from_secs(2);
    // Liveness: bytes on disk plus bytes the child's processes read (sockets included).
    let pgid = child.pgid();
    let liveness = |roots: &[std::path::PathBuf]| cache::bytes_on_disk(roots) + cache::group_read_bytes(pgid);
    let mut last_bytes = liveness(&roots);
    let mut last_progress = Instant::now();
    let mut next_disk_poll = Instant::now() + DISK_POLL;
    let status = loop {
        match rx.recv_timeout(TICK) {
            Ok(Event::Hits(_, hits)) => {
                // The child is reporting something (its own retry, a wait): not a silent stall.
                last_progress = Instant::now();
                for h in hits {
                    collector.push(h);
                }
            }
            Ok(Event::Signal(sig)) if sig == libc::SIGWINCH => child.resize(),
            Ok(Event::Signal(sig)) => {
                if matches!(stopped, Some(StopReason::Interrupt(_))) {
                    // A second interrupt forces it.
                    child.signal(libc::SIGKILL);
                } else {
                    stopped = Some(StopReason::Interrupt(sig));
                    child.signal(sig);
                    stopping = Some(Stopping::new(sig));
                }
            }
            Ok(Event::StreamClosed(_) | Event::ChildExited)
            | Err(RecvTimeoutError::Timeout)
            | Err(RecvTimeoutError::Disconnected) => {}
        }
        if let Some(status) = child.try_exit() {
            break status;
        }
        if let Some(s) = stopping.as_mut() {
            s.tick(&child);
            continue;
        }
        let now = Instant::now();
        if deadline.is_some_and(|d| now >= d) {
            stopped = Some(StopReason::MaxTime);
            child.signal(libc::SIGINT);
            stopping = Some(Stopping::new(libc::SIGINT));
            continue;
        }
        if now >= next_disk_poll {
            next_disk_poll = now + DISK_POLL;
            let bytes = cache::bytes_on_disk(&roots);
            let alive = bytes + cache::group_read_bytes(pgid);
            if let Some(every) = heartbeat.filter(|_| now >= next_heartbeat) {
                next_heartbeat = now + every;
                let rate = bytes.saturating_sub(heartbeat_bytes) as f64 / every.as_secs_f64();
                heartbeat_bytes = bytes;
                output::note(&format!(
                    "still running: {} on disk, {}/s, {} since the start",
                    context::human_bytes(bytes),
                    context::human_bytes(rate as u64),
                    humantime(child.started.elapsed())
                ));
            }
            if alive != last_bytes {
                last_bytes = alive;
                last_progress = now;
            } else if now.duration_since(last_progress) >= stall_timeout
                && (always_watched || !cache::leftover_partials(&roots, attempt_began).is_empty())
            {
                output::note(&format!(
                    "no byte arrived or reached the disk for {}; stopping the command to re-run it",
                    humantime(stall_timeout)
                ));
                stopped = Some(StopReason::Stall);
                child.signal(libc::SIGINT);
                stopping = Some(Stopping::new(libc::SIGINT));
            }
        }
    };
    if stopped.is_some() {
        // hfwrap stopped this attempt: nothing of the child's tree may outlive it — workers that
        // ignore SIGINT/SIGTERM, or hold no stream open that would make `finish` wait for them.
        child.signal(libc::SIGKILL);
    }
    let finished = child.finish(status);
    // Hits that arrived while the streams drained.
    while let Ok(ev) = rx.try_recv() {
        if let Event::Hits(_, hits) = ev {
            hits.into_iter().for_each(|h| collector.push(h));
        }
    }
    let tail = finished.tails.iter().map(|(_, t)| t.as_str()).collect::<Vec<_>>().join("\n");
    AttemptEnd {
        code: finished.code,
        stopped,
        collector,
        tail,
        duration: finished.duration,
        stdout_ends_mid_line: finished.stdout_ends_mid_line,
    }
}

/// Without a terminal, progress bars are off: a calm line now and then shows the run is alive.
/// `HFWRAP_HEARTBEAT` sets the interval (`0` turns it off); default 60 s.
fn heartbeat_interval(style: output::Style) -> Option<Duration> {
    if style.interactive || style.quiet {
        return None;
    }
    let every = std::env::var("HFWRAP_HEARTBEAT")
        .ok()
        .and_then(|v| crate::app::cli::parse_duration(&v).ok())
        .unwrap_or(Duration::from_secs(60));
    (!every.is_zero()).then_some(every)
}

/// Wait before a re-run; a signal cuts it short. Shows a countdown on a terminal.
fn wait_or_interrupt(rx: &Receiver<Event>, wait: Duration, interactive: bool) -> Option<i32> {
    // A signal that came while the last attempt was winding down counts, even for a zero wait.
    while let Ok(ev) = rx.try_recv() {
        if let Event::Signal(sig) = ev {
            if sig != libc::SIGWINCH {
                return Some(sig);
            }
        }
    }
    let until = Instant::now() + wait;
    let mut last_shown = u64::MAX;
    loop {
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            if interactive && last_shown != u64::MAX {
                eprint!("\r\x1b[2K");
            }
            return None;
        }
        if interactive && left.as_secs() != last_shown {
            last_shown = left.as_secs();
            eprint!("\r\x1b[2Khfwrap: retrying in {}s…", last_shown + 1);
        }
        match rx.recv_timeout(left.min(Duration::from_millis(200))) {
            Ok(Event::Signal(sig)) if sig != libc::SIGWINCH => return Some(sig),
            _ => {}
        }
    }
}

fn stall_diagnosis(ctx: &Context, timeout: Duration) -> Diagnosis {
    let mut details = BTreeMap::new();
    details.insert("stall_seconds".to_string(), timeout.as_secs().to_string());
    Diagnosis {
        cause: Cause::Stalled,
        rule: Some("watchdog-no-bytes-on-disk".into()),
        summary: Cause::Stalled.summary().into(),
        evidence: vec![format!("no byte arrived or reached the disk for {}", humantime(timeout))],
        fix: format!(
            "The transfer from {} stopped making progress. Check the network path to the Hub; on a slow link raise the client's timeout (`export HF_HUB_DOWNLOAD_TIMEOUT=60`) and lower concurrency (`--max-workers 2`); hfwrap's own limit is --stall-timeout.",
            ctx.endpoint
        ),
        details,
        recovery: crate::detect::catalogue::Recovery::Rerun,
    }
}

/// `hf` 2.x says the same for every gated case: ask the Hub which one it is
/// (only where the token already goes; see `probe`).
fn refine_with_probe(d: &mut Diagnosis, plan: &Plan, ctx: &Context) {
    let path_var = plan.env.get(&OsString::from("PATH")).cloned();
    let Ok(exe) = which::which_in(&plan.command.program, path_var, ".") else { return };
    let interpreter = match plan.command.client() {
        Client::Python => Some(exe),
        Client::Hf | Client::LegacyCli => crate::facts::hub::hub_behind(&exe, &plan.env).interpreter,
        _ => None,
    };
    let Some(py) = interpreter else { return };
    let repo = plan.command.repo_id().or_else(|| d.details.get("repo").cloned());
    let Some(verdict) = crate::recover::probe::ask(&py, &plan.env, repo.as_deref(), &plan.command.repo_type()) else { return };
    let repo_name = repo.clone().unwrap_or_else(|| "the repo".into());
    let repo_url = d.details.get("repo_url").cloned().unwrap_or_else(|| format!("{}/{repo_name}", ctx.endpoint));
    let token = ctx.token_description();
    let (said, fix) = match verdict {
        crate::recover::probe::Verdict::TokenInvalid => {
            d.cause = Cause::TokenInvalid;
            d.summary = Cause::TokenInvalid.summary().into();
            d.rule = Some("hub-probe-token-invalid".into());
            ("token_invalid", format!("The Hub rejects the token from {token}: it is wrong, revoked or expired. Create a new read token at {}/settings/tokens and set it with `hf auth login` or HF_TOKEN.", ctx.endpoint))
        }
        crate::recover::probe::Verdict::RequestPending => ("request_pending", format!("Your access request for {repo_name} is still pending: the repo's authors must approve it (see {repo_url}). Nothing to retry until then.")),
        crate::recover::probe::Verdict::TokenScope => ("token_scope", format!("Your fine-grained token ({token}) may not read gated repos: edit it at {}/settings/tokens and enable \"Read access to contents of all public gated repos you can access\", or use a read token.", ctx.endpoint)),
        crate::recover::probe::Verdict::LicenceNotAccepted => ("licence_not_accepted", format!("Your token works, but you have not accepted the licence of {repo_name}: open {repo_url} while logged in, accept it, then re-run.")),
        crate::recover::probe::Verdict::AccessGranted | crate::recover::probe::Verdict::RepoNotFound => return,
    };
    d.details.insert("hub_says".into(), said.into());
    d.fix = fix;
}

/// A failed `git clone` whose target directory existed before hfwrap started is not re-run once git
/// has left something in it: hfwrap removes only what its own attempts created, and git refuses a
/// non-empty destination. (Still empty — git cleans up after e.g. an authentication failure — a re-run
/// is safe and nothing needs deleting.)
fn clone_rerun_blocked(plan: &Plan, clone_dir_existed: Option<bool>) -> Option<String> {
    let (_, dir) = plan.command.git_clone_target()?;
    if clone_dir_existed != Some(true) {
        return None;
    }
    let empty = std::fs::read_dir(&dir).map(|mut d| d.next().is_none()).unwrap_or(true);
    (!empty).then(|| {
        format!(
            "{} existed before hfwrap started and the failed clone left files in it; hfwrap never deletes what it did not create: remove it (or clone into a new directory) and re-run",
            dir.display()
        )
    })
}

/// A zero exit that is not a complete download: partial files left, or a clone of pointer files.
fn incomplete_success(plan: &Plan, since: SystemTime, clone_dir_existed: Option<bool>) -> Option<Diagnosis> {
    if let Some((_, dir)) = plan.command.git_clone_target() {
        let pointers = cache::lfs_pointer_files(&dir);
        if clone_dir_existed == Some(false) && !pointers.is_empty() {
            let mut details = BTreeMap::new();
            details.insert("pointer_files".into(), pointers.len().to_string());
            details.insert("path".into(), dir.display().to_string());
            return Some(Diagnosis {
                cause: Cause::ToolMissing,
                rule: Some("git-lfs-pointer-files".into()),
                summary: "the clone holds git-lfs pointer files instead of the large files".into(),
                evidence: pointers.iter().take(3).map(|p| format!("pointer file: {}", p.display())).collect(),
                fix: format!(
                    "git-lfs is not installed, so {} large file(s) in {} are 130-byte pointers. Install it (`apt-get install git-lfs` or `brew install git-lfs`), run `git lfs install`, then `git lfs pull` inside the clone — or use `hf download` instead of git.",
                    pointers.len(),
                    dir.display()
                ),
                details,
                recovery: crate::detect::catalogue::Recovery::None,
            });
        }
    }
    if !plan.command.is_hub_download() {
        return None;
    }
    let partials = cache::leftover_partials(&cache::watched_roots(&plan.command, &plan.env), since);
    if partials.is_empty() {
        return None;
    }
    let mut details = BTreeMap::new();
    details.insert("partial_files".into(), partials.len().to_string());
    details.insert("path".into(), partials[0].display().to_string());
    Some(Diagnosis {
        cause: Cause::CorruptPartial,
        rule: Some(policy::EXIT_0_WITH_PARTIALS.into()),
        summary: "the command exited 0 but left partial downloads".into(),
        evidence: partials.iter().take(3).map(|p| format!("partial file: {}", p.display())).collect(),
        fix: format!("The download reported success but {} partial file(s) remain (e.g. {}): re-run the download; if it repeats, run it with `--force-download`.", partials.len(), partials[0].display()),
        details,
        recovery: crate::detect::catalogue::Recovery::Rerun,
    })
}

pub fn humantime(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 3600 && s % 60 == 0 {
        format!("{}h{:02}m", s / 3600, s % 3600 / 60)
    } else if s >= 60 {
        format!("{}m{:02}s", s / 60, s % 60)
    } else {
        format!("{:.0}s", d.as_secs_f64())
    }
}

fn signal_name(sig: i32) -> &'static str {
    match sig {
        libc::SIGINT => "SIGINT",
        libc::SIGTERM => "SIGTERM",
        libc::SIGHUP => "SIGHUP",
        libc::SIGQUIT => "SIGQUIT",
        _ => "signal",
    }
}
