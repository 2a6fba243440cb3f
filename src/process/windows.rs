//! Spawning and controlling the child on Windows: pipes only (no pseudo-console), a process group
//! of its own for console control events, and a Job Object so the whole tree dies with hfwrap.
//!
//! - The child is created with `CREATE_NEW_PROCESS_GROUP`: the console's Ctrl-C then reaches
//!   hfwrap alone, whose handler tells the loop; the loop forwards it to the child's group as
//!   `CTRL_BREAK_EVENT` (Windows cannot send Ctrl-C to another group) — Python turns it into
//!   `KeyboardInterrupt`-like SIGBREAK, git and the C runtime exit on it.
//! - The child is assigned to a Job Object with `JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE`: SIGKILL is
//!   `TerminateJobObject`, and when hfwrap exits (however: even killed) its handle closes and the
//!   kernel ends every process of the job. A process the child starts in the instant before it is
//!   assigned is not in the job: a narrow window, accepted (closing it needs a suspended start).
//!   Assignment is best effort (a child that already exited, or a job that forbids nesting): the
//!   child then runs without one and is stopped through its own handle.
//! - Liveness: the job's I/O counters (bytes read by every process of it, sockets included).
//! - No job control: Ctrl-Z is not a signal here.

use super::output::UserStream;
use super::signals::{KILL, TERM};
use super::{Notice, Notify, SpawnError, Spec, Stopped, StreamId, Streams};
use std::fs::File;
use std::io;
use std::os::windows::io::{AsHandle, AsRawHandle, OwnedHandle};
use std::os::windows::process::CommandExt;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::OnceLock;
use std::time::Duration;
use windows_sys::Win32::Foundation::{CloseHandle, HANDLE};
use windows_sys::Win32::System::Console::{
    GenerateConsoleCtrlEvent, SetConsoleCtrlHandler, CTRL_BREAK_EVENT, CTRL_CLOSE_EVENT, CTRL_C_EVENT,
};
use windows_sys::Win32::System::JobObjects::{
    AssignProcessToJobObject, CreateJobObjectW, JobObjectBasicAndIoAccountingInformation,
    JobObjectExtendedLimitInformation, QueryInformationJobObject, SetInformationJobObject, TerminateJobObject,
    JOBOBJECT_BASIC_AND_IO_ACCOUNTING_INFORMATION, JOBOBJECT_EXTENDED_LIMIT_INFORMATION,
    JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE,
};
use windows_sys::Win32::System::Threading::{
    OpenProcess, TerminateProcess, WaitForSingleObject, CREATE_NEW_PROCESS_GROUP, INFINITE, PROCESS_SYNCHRONIZE,
};

type Deliver = Box<dyn Fn(i32) -> bool + Send + Sync>;

/// The console control handler has no user-data pointer: where it finds the loop's channel.
/// Written once, by [`listen`].
static DELIVER: OnceLock<Deliver> = OnceLock::new();

unsafe extern "system" fn on_console_event(kind: u32) -> windows_sys::core::BOOL {
    let sig = match kind {
        CTRL_C_EVENT => super::signals::INT,
        CTRL_BREAK_EVENT | CTRL_CLOSE_EVENT => TERM,
        _ => TERM,
    };
    match DELIVER.get() {
        Some(deliver) => i32::from(deliver(sig)),
        None => 0,
    }
}

/// Ctrl-C, Ctrl-Break and the console closing reach `deliver` instead of ending hfwrap.
pub fn listen(deliver: Deliver) -> io::Result<()> {
    if DELIVER.set(deliver).is_err() {
        return Ok(());
    }
    // SAFETY: registers a handler function that lives for the whole program.
    if unsafe { SetConsoleCtrlHandler(Some(on_console_event), 1) } == 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

fn user_stream(h: impl AsHandle, name: &'static str) -> UserStream {
    let file = h.as_handle().try_clone_to_owned().ok().map(File::from);
    UserStream::new(file, name)
}

pub struct Session {}

impl Session {
    pub fn start() -> Session {
        Session {}
    }

    pub fn spawn(&self, spec: &Spec, notify: Notify) -> Result<(Child, Streams), SpawnError> {
        let mut cmd = Command::new(&spec.program);
        cmd.args(&spec.args);
        super::apply_env(&mut cmd, &spec.env);
        cmd.creation_flags(CREATE_NEW_PROCESS_GROUP);
        cmd.stdin(Stdio::inherit()).stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = cmd.spawn().map_err(classify)?;
        // Best effort: a child that exited at once cannot be assigned any more, and a job that
        // forbids nesting refuses; the child then runs without one (stopped by its handle alone).
        let job = Job::for_child(&child).ok();
        let out = File::from(OwnedHandle::from(child.stdout.take().expect("piped stdout")));
        let err = File::from(OwnedHandle::from(child.stderr.take().expect("piped stderr")));
        watch_exit(child.id(), notify);
        let streams = vec![
            (StreamId::Stdout, out, user_stream(io::stdout(), "stdout")),
            (StreamId::Stderr, err, user_stream(io::stderr(), "stderr")),
        ];
        Ok((Child { child, job }, streams))
    }
}

fn classify(e: io::Error) -> SpawnError {
    match e.kind() {
        io::ErrorKind::NotFound => SpawnError::NotFound,
        io::ErrorKind::PermissionDenied => SpawnError::NotExecutable(e),
        // ERROR_BAD_EXE_FORMAT: not a program Windows can run.
        _ if e.raw_os_error() == Some(193) => SpawnError::NotExecutable(e),
        _ => SpawnError::Other(e),
    }
}

/// Wake the loop the moment the child exits (its handle becomes signalled); std reaps it.
fn watch_exit(pid: u32, notify: Notify) {
    let _ = std::thread::Builder::new().name("hfwrap-wait".into()).spawn(move || {
        // SAFETY: a handle we own, opened for waiting only, closed after the wait.
        unsafe {
            let h = OpenProcess(PROCESS_SYNCHRONIZE, 0, pid);
            if !h.is_null() {
                WaitForSingleObject(h, INFINITE);
                CloseHandle(h);
            }
        }
        notify(Notice::ChildChanged);
    });
}

/// A Job Object that ends its processes when its last handle (hfwrap's) closes.
struct Job(HANDLE);

// SAFETY: a kernel handle, usable from any thread.
unsafe impl Send for Job {}

impl Job {
    fn for_child(child: &std::process::Child) -> io::Result<Job> {
        // SAFETY: plain Win32 calls on handles we own or that `child` keeps open; the limit
        // structure is fully initialised.
        unsafe {
            let h = CreateJobObjectW(std::ptr::null(), std::ptr::null());
            if h.is_null() {
                return Err(io::Error::last_os_error());
            }
            let job = Job(h);
            let mut limits: JOBOBJECT_EXTENDED_LIMIT_INFORMATION = std::mem::zeroed();
            limits.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
            let size = std::mem::size_of::<JOBOBJECT_EXTENDED_LIMIT_INFORMATION>() as u32;
            if SetInformationJobObject(
                h,
                JobObjectExtendedLimitInformation,
                &limits as *const JOBOBJECT_EXTENDED_LIMIT_INFORMATION as *const core::ffi::c_void,
                size,
            ) == 0
                || AssignProcessToJobObject(h, child.as_raw_handle()) == 0
            {
                return Err(io::Error::last_os_error());
            }
            Ok(job)
        }
    }

    fn terminate(&self) {
        // SAFETY: a job handle we own.
        unsafe { TerminateJobObject(self.0, 1) };
    }

    fn bytes_read(&self) -> u64 {
        // SAFETY: the out-parameter is a properly sized, zeroed structure.
        unsafe {
            let mut info: JOBOBJECT_BASIC_AND_IO_ACCOUNTING_INFORMATION = std::mem::zeroed();
            let size = std::mem::size_of::<JOBOBJECT_BASIC_AND_IO_ACCOUNTING_INFORMATION>() as u32;
            let ok = QueryInformationJobObject(
                self.0,
                JobObjectBasicAndIoAccountingInformation,
                &mut info as *mut JOBOBJECT_BASIC_AND_IO_ACCOUNTING_INFORMATION as *mut core::ffi::c_void,
                size,
                std::ptr::null_mut(),
            );
            if ok == 0 {
                0
            } else {
                info.IoInfo.ReadTransferCount
            }
        }
    }
}

impl Drop for Job {
    fn drop(&mut self) {
        // SAFETY: closing the handle we own; with KILL_ON_JOB_CLOSE this ends what is left.
        unsafe { CloseHandle(self.0) };
    }
}

/// The running child and its job.
pub struct Child {
    child: std::process::Child,
    job: Option<Job>,
}

impl Child {
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGKILL ends the job; any other stop signal is Ctrl-Break to the child's group.
    pub fn signal(&self, sig: i32) {
        match sig {
            KILL => match &self.job {
                Some(job) => job.terminate(),
                // SAFETY: the process handle `child` keeps open.
                None => unsafe {
                    TerminateProcess(self.child.as_raw_handle(), 1);
                },
            },
            super::signals::INT | TERM | super::signals::HUP | super::signals::QUIT | super::signals::PIPE => {
                // SAFETY: a console event to the process group the child leads.
                unsafe { GenerateConsoleCtrlEvent(CTRL_BREAK_EVENT, self.child.id()) };
            }
            _ => {}
        }
    }

    pub fn try_exit(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// Windows has no job-control stops.
    pub fn try_stop(&mut self) -> Option<i32> {
        None
    }

    pub fn resize(&self) {}

    pub fn bytes_read(&self) -> u64 {
        self.job.as_ref().map_or(0, Job::bytes_read)
    }

    pub fn suspend(&mut self, _already_stopped: bool) -> Duration {
        Duration::ZERO
    }

    pub fn stopped(&mut self, _sig: i32) -> Stopped {
        Stopped::Ignored
    }

    pub fn continued(&mut self) -> Stopped {
        Stopped::Ignored
    }

    pub fn had_terminal(&self) -> bool {
        false
    }

    pub fn kill_leftovers(&self, sig: i32) {
        self.signal(if sig == KILL { KILL } else { TERM });
    }

    pub fn release(&mut self) {}
}

/// The exit code as Windows reports it (a process ended by Ctrl-C reports 0xC000013A).
pub fn code_of(status: ExitStatus) -> i32 {
    status.code().unwrap_or(1)
}
