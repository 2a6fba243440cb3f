//! Is the child waiting on the Hub? Liveness for commands hfwrap does not know as downloads.
//!
//! `hf download` is watched from its start: no byte on disk or off the socket for
//! `--stall-timeout` is a stall. `python train.py` cannot be: it may compute for an hour without
//! reading a byte. It is stalled only while a download of its own is under way, and a Python
//! download that hangs before its first byte leaves no partial file (issue 12: an API call that
//! never answers hung forever). So: a child that has a *request open to the Hub* — one of its
//! threads blocked reading (or connecting, or polling) a TCP socket whose peer is the endpoint's
//! host or a Hub CDN host — is downloading.
//!
//! Linux: the child's process group from `/proc/*/stat`, its sockets from `/proc/<pid>/fd`
//! (`socket:[inode]`), their peers from `/proc/<pid>/net/tcp{,6}`, and what each thread waits on
//! from `/proc/<pid>/task/<tid>/syscall` (`read`/`recvfrom`/`connect` name the descriptor;
//! `poll`/`ppoll` point at a `pollfd` array, read from `/proc/<pid>/mem`). An idle pooled
//! keep-alive connection is not a request: no thread waits on it. Where the syscall files cannot be
//! read, an open connection to the Hub counts. Elsewhere `lsof` is asked (bounded), which sees
//! connections but not waits.
//!
//! A child that is busy on the CPU is not stalled whatever its sockets: [`group_cpu_ticks`].

use std::cell::Cell;
#[cfg(target_os = "linux")]
use std::collections::{HashMap, HashSet};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, ToSocketAddrs};
use std::sync::{Arc, OnceLock};
use std::time::Instant;

/// Hosts the official Hub serves file bodies from (LFS CDN, Xet).
pub const HUB_CDN_HOSTS: &[&str] = &[
    "cdn-lfs.huggingface.co",
    "cdn-lfs.hf.co",
    "cdn-lfs-us-1.hf.co",
    "cdn-lfs-eu-1.hf.co",
    "cas-bridge.xethub.hf.co",
    "transfer.xethub.hf.co",
];

/// The addresses a request to the Hub goes to: the endpoint host's (any port: a mirror or a test
/// Hub serves its files from the same host), and for the official Hub its CDN hosts'. Resolving
/// a name can block: call it off the watchdog's thread.
pub fn hub_addresses(endpoint: &str) -> Vec<IpAddr> {
    let Ok(u) = url::Url::parse(endpoint) else { return Vec::new() };
    let mut hosts: Vec<String> = Vec::new();
    let port = u.port_or_known_default().unwrap_or(443);
    match u.host() {
        Some(url::Host::Ipv4(ip)) => return vec![IpAddr::V4(ip)],
        Some(url::Host::Ipv6(ip)) => return vec![IpAddr::V6(ip)],
        Some(url::Host::Domain(d)) => hosts.push(d.to_string()),
        None => return Vec::new(),
    }
    if crate::facts::endpoint::trusted(endpoint, &[]) {
        hosts.extend(HUB_CDN_HOSTS.iter().map(|h| h.to_string()));
    }
    let mut out: Vec<IpAddr> = Vec::new();
    for h in hosts {
        if let Ok(addrs) = (h.as_str(), port).to_socket_addrs() {
            out.extend(addrs.map(|a| a.ip()));
        }
    }
    out.sort();
    out.dedup();
    out
}

/// What the child's process group is doing on the network, as far as the OS tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HubTraffic {
    /// A thread waits on a connection to the Hub (a request is open).
    Waiting,
    /// A connection to the Hub is open; whether anyone waits on it cannot be seen here.
    Connected,
    /// No connection to the Hub.
    None,
}

/// The child's (process group `pgid`) traffic to `addrs`.
pub fn hub_traffic(pgid: i32, addrs: &[IpAddr]) -> HubTraffic {
    if addrs.is_empty() {
        return HubTraffic::None;
    }
    imp::hub_traffic(pgid, addrs)
}

/// CPU time (clock ticks, user + system) used so far by the process group `pgid`; 0 where unknown.
pub fn group_cpu_ticks(pgid: i32) -> u64 {
    group_pids(pgid)
        .iter()
        .filter_map(|pid| std::fs::read_to_string(format!("/proc/{pid}/stat")).ok())
        .filter_map(|stat| {
            let after = stat.rsplit_once(')')?.1.split_whitespace().collect::<Vec<_>>();
            // After the command: state(0) ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime(11) stime(12)
            Some(after.get(11)?.parse::<u64>().ok()? + after.get(12)?.parse::<u64>().ok()?)
        })
        .sum()
}

/// A child's watch on its Hub traffic, for the stall watchdog: the Hub's addresses (resolved in
/// the background, so a slow resolver never holds the watchdog up) and its last CPU sample. The
/// watch begins on the first question, not at spawn: resolving and the first sample read a file
/// per process, which a child that exits at once (`hfwrap true`) must not pay for, and the
/// watchdog first asks a poll after spawn.
pub struct HubWatch {
    pgid: i32,
    endpoint: String,
    begun: Cell<bool>,
    addrs: Arc<OnceLock<Vec<IpAddr>>>,
    /// The sample taken as the watch began, until `cpu` holds a newer one.
    first: Arc<OnceLock<(Instant, u64)>>,
    cpu: Cell<Option<(Instant, u64)>>,
}

/// A group using more than this share of one core is computing, not waiting on the network.
const BUSY_SHARE: f64 = 0.25;

impl HubWatch {
    pub fn new(pgid: i32, endpoint: &str) -> HubWatch {
        HubWatch {
            pgid,
            endpoint: endpoint.to_string(),
            begun: Cell::new(false),
            addrs: Arc::new(OnceLock::new()),
            first: Arc::new(OnceLock::new()),
            cpu: Cell::new(None),
        }
    }

    /// Resolve the Hub and take the first CPU sample, on a thread of their own.
    fn begin(&self) {
        self.begun.set(true);
        let (slot, sample) = (self.addrs.clone(), self.first.clone());
        let (pgid, endpoint) = (self.pgid, self.endpoint.clone());
        let _ = std::thread::Builder::new().name("hfwrap-resolve".into()).spawn(move || {
            let _ = sample.set((Instant::now(), group_cpu_ticks(pgid)));
            let _ = slot.set(hub_addresses(&endpoint));
        });
    }

    /// A request to the Hub is open (or a connection is, where waits cannot be seen), and the
    /// child is not busy on the CPU since the last call. The first question only begins the
    /// watch (no baseline yet): it answers no.
    pub fn request_open(&self) -> bool {
        if !self.begun.get() {
            self.begin();
            return false;
        }
        let now = (Instant::now(), group_cpu_ticks(self.pgid));
        let before = self.cpu.replace(Some(now)).or_else(|| self.first.get().copied());
        let busy = before.is_some_and(|(t0, c0)| {
            let hz = clock_ticks_per_second();
            let wall = now.0.duration_since(t0).as_secs_f64();
            wall > 0.0 && (now.1.saturating_sub(c0) as f64 / hz) > BUSY_SHARE * wall
        });
        if busy {
            return false;
        }
        self.addrs.get().is_some_and(|a| hub_traffic(self.pgid, a) != HubTraffic::None)
    }
}

/// The pids of process group `pgid` (Linux `/proc`; empty elsewhere).
fn group_pids(pgid: i32) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else { return Vec::new() };
    let mut pids = Vec::new();
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(pid) = name.to_str().and_then(|n| n.parse::<u32>().ok()) else { continue };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { continue };
        let pgrp = stat.rsplit_once(')').and_then(|x| x.1.split_whitespace().nth(2)?.parse::<i32>().ok());
        if pgrp == Some(pgid) {
            pids.push(pid);
        }
    }
    pids
}

/// One line of `/proc/net/tcp` or `tcp6`: (inode, peer address, state). (Linux reads these; the
/// parser is plain text and tested everywhere.)
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
fn parse_tcp_line(line: &str, v6: bool) -> Option<(u64, IpAddr, u8)> {
    let f: Vec<&str> = line.split_whitespace().collect();
    let (peer, state, inode) = (f.get(2)?, f.get(3)?, f.get(9)?);
    let addr = peer.split(':').next()?;
    let ip = if v6 {
        if addr.len() != 32 {
            return None;
        }
        // Four 32-bit words, each in host (little-endian) byte order.
        let mut bytes = [0u8; 16];
        for w in 0..4 {
            let word = u32::from_str_radix(&addr[w * 8..w * 8 + 8], 16).ok()?;
            bytes[w * 4..w * 4 + 4].copy_from_slice(&word.to_le_bytes());
        }
        let v6 = Ipv6Addr::from(bytes);
        match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(v6),
        }
    } else {
        IpAddr::V4(Ipv4Addr::from(u32::from_str_radix(addr, 16).ok()?.to_le_bytes()))
    };
    Some((inode.parse().ok()?, ip, u8::from_str_radix(state, 16).ok()?))
}

#[cfg(target_os = "linux")]
mod imp {
    use super::*;
    use std::os::unix::fs::FileExt;

    /// TCP states that mean a request can be open: ESTABLISHED (1), SYN_SENT (2).
    const OPEN_STATES: [u8; 2] = [1, 2];

    #[cfg(target_arch = "x86_64")]
    mod nr {
        /// read, pread64, readv, recvfrom, recvmsg, connect: the first argument is the descriptor.
        pub const ON_FD: &[i64] = &[0, 17, 19, 45, 47, 42];
        /// poll, ppoll: a `pollfd` array and its length.
        pub const POLL: &[i64] = &[7, 271];
    }
    #[cfg(target_arch = "aarch64")]
    mod nr {
        pub const ON_FD: &[i64] = &[63, 67, 65, 207, 212, 203];
        pub const POLL: &[i64] = &[73];
    }
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    mod nr {
        pub const ON_FD: &[i64] = &[];
        pub const POLL: &[i64] = &[];
    }

    /// Connection inodes to `addrs` in the network namespace of `pid`.
    fn hub_inodes(pid: u32, addrs: &[IpAddr]) -> HashSet<u64> {
        let mut out = HashSet::new();
        for (file, v6) in [("tcp", false), ("tcp6", true)] {
            let Ok(text) = std::fs::read_to_string(format!("/proc/{pid}/net/{file}")) else { continue };
            for line in text.lines().skip(1) {
                if let Some((inode, ip, state)) = parse_tcp_line(line, v6) {
                    if inode != 0 && OPEN_STATES.contains(&state) && addrs.contains(&ip) {
                        out.insert(inode);
                    }
                }
            }
        }
        out
    }

    /// The process's descriptors that are sockets: fd → inode.
    fn socket_fds(pid: u32) -> HashMap<i64, u64> {
        let mut out = HashMap::new();
        let Ok(entries) = std::fs::read_dir(format!("/proc/{pid}/fd")) else { return out };
        for e in entries.flatten() {
            let Some(fd) = e.file_name().to_str().and_then(|n| n.parse::<i64>().ok()) else { continue };
            let Ok(target) = std::fs::read_link(e.path()) else { continue };
            let t = target.to_string_lossy();
            if let Some(inode) = t.strip_prefix("socket:[").and_then(|r| r.strip_suffix(']')) {
                if let Ok(i) = inode.parse() {
                    out.insert(fd, i);
                }
            }
        }
        out
    }

    /// The descriptors thread `tid` of `pid` is blocked on; `None` when the OS will not say.
    fn waited_fds(pid: u32, tid: &str) -> Option<Vec<i64>> {
        let text = std::fs::read_to_string(format!("/proc/{pid}/task/{tid}/syscall")).ok()?;
        let mut f = text.split_whitespace();
        let Some(Ok(call)) = f.next().map(|n| n.parse::<i64>()) else { return Some(Vec::new()) }; // "running"
        let args: Vec<u64> = f.filter_map(|a| u64::from_str_radix(a.trim_start_matches("0x"), 16).ok()).collect();
        if nr::ON_FD.contains(&call) {
            return Some(args.first().map(|&fd| vec![fd as i64]).unwrap_or_default());
        }
        if nr::POLL.contains(&call) {
            let (ptr, n) = (*args.first()?, *args.get(1)?);
            if n == 0 || n > 64 {
                return Some(Vec::new());
            }
            let mem = std::fs::File::open(format!("/proc/{pid}/mem")).ok()?;
            let mut buf = vec![0u8; n as usize * 8];
            mem.read_exact_at(&mut buf, ptr).ok()?;
            return Some(buf.chunks(8).map(|c| i32::from_ne_bytes([c[0], c[1], c[2], c[3]]) as i64).collect());
        }
        Some(Vec::new())
    }

    pub fn hub_traffic(pgid: i32, addrs: &[IpAddr]) -> HubTraffic {
        let mut connected = false;
        let mut unseen = false;
        for pid in group_pids(pgid) {
            let inodes = hub_inodes(pid, addrs);
            if inodes.is_empty() {
                continue;
            }
            let fds: HashMap<i64, u64> = socket_fds(pid).into_iter().filter(|(_, i)| inodes.contains(i)).collect();
            if fds.is_empty() {
                continue;
            }
            connected = true;
            let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else { continue };
            for t in tasks.flatten() {
                match waited_fds(pid, &t.file_name().to_string_lossy()) {
                    Some(waits) if waits.iter().any(|fd| fds.contains_key(fd)) => return HubTraffic::Waiting,
                    Some(_) => {}
                    None => unseen = true,
                }
            }
        }
        match (connected, unseen) {
            (true, true) => HubTraffic::Connected,
            _ => HubTraffic::None,
        }
    }
}

#[cfg(not(target_os = "linux"))]
mod imp {
    use super::*;

    /// `lsof -a -g PGID -iTCP -sTCP:ESTABLISHED -nP -Fn`: the peers of the group's connections.
    pub fn hub_traffic(pgid: i32, addrs: &[IpAddr]) -> HubTraffic {
        let mut cmd = std::process::Command::new("lsof");
        cmd.args(["-a", "-g", &pgid.to_string(), "-iTCP", "-sTCP:ESTABLISHED", "-nP", "-Fn"]);
        let Ok(out) = crate::facts::subprocess::run(&mut cmd, std::time::Duration::from_secs(3)) else {
            return HubTraffic::None;
        };
        let text = out.stdout_text();
        let connected = text.lines().filter_map(|l| l.strip_prefix('n')).any(|n| {
            let peer = n.rsplit_once("->").map(|x| x.1).unwrap_or(n);
            let host = peer.rsplit_once(':').map(|x| x.0).unwrap_or(peer).trim_matches(['[', ']']);
            host.parse::<IpAddr>().is_ok_and(|ip| addrs.contains(&ip))
        });
        if connected {
            HubTraffic::Connected
        } else {
            HubTraffic::None
        }
    }
}

/// The kernel's clock ticks per second (the unit of `/proc/<pid>/stat`'s CPU times).
#[cfg(unix)]
fn clock_ticks_per_second() -> f64 {
    // SAFETY: sysconf has no preconditions.
    unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64
}

#[cfg(not(unix))]
fn clock_ticks_per_second() -> f64 {
    100.0
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_os = "linux")]
    use std::io::Read;
    #[cfg(target_os = "linux")]
    use std::net::TcpListener;

    #[test]
    fn parses_proc_net_tcp() {
        let v4 = "   1: 0100007F:A1B2 0100007F:1F90 01 00000000:00000000 00:00000000 00000000     0        0 4242 1 0";
        assert_eq!(parse_tcp_line(v4, false), Some((4242, IpAddr::V4(Ipv4Addr::LOCALHOST), 1)));
        let mapped =
            "  0: 0000000000000000FFFF00000100007F:A1B2 0000000000000000FFFF00000100007F:1F90 01 0:0 00:0 0 0 0 77 1";
        assert_eq!(parse_tcp_line(mapped, true), Some((77, IpAddr::V4(Ipv4Addr::LOCALHOST), 1)));
    }

    #[test]
    fn ip_endpoints_need_no_lookup() {
        assert_eq!(hub_addresses("http://127.0.0.1:8000"), vec![IpAddr::V4(Ipv4Addr::LOCALHOST)]);
        assert!(hub_addresses("not a url").is_empty());
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_thread_blocked_on_a_hub_socket_is_waiting_and_an_idle_one_is_not() {
        // A child in its own process group connects to a loopback "Hub" that never answers.
        let hub = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = hub.local_addr().unwrap().port();
        let code = format!(
            "import socket,sys,time\ns=socket.create_connection(('127.0.0.1',{port}))\nprint('up',flush=True)\n\
             mode=sys.stdin.readline().strip()\nprint('go',flush=True)\n\
             s.recv(1) if mode=='wait' else time.sleep(30)\n"
        );
        for (mode, want) in [("wait", HubTraffic::Waiting), ("idle", HubTraffic::None)] {
            use std::io::{BufRead, Write};
            use std::os::unix::process::CommandExt;
            let mut child = std::process::Command::new("python3")
                .args(["-c", &code])
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .process_group(0)
                .spawn()
                .unwrap();
            let (_conn, _) = hub.accept().unwrap();
            let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
            let mut line = String::new();
            out.read_line(&mut line).unwrap();
            writeln!(child.stdin.as_mut().unwrap(), "{mode}").unwrap();
            line.clear();
            out.read_line(&mut line).unwrap();
            let pgid = child.id() as i32;
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
            let mut seen = hub_traffic(pgid, &[IpAddr::V4(Ipv4Addr::LOCALHOST)]);
            while seen != want && std::time::Instant::now() < deadline {
                std::thread::sleep(std::time::Duration::from_millis(50));
                seen = hub_traffic(pgid, &[IpAddr::V4(Ipv4Addr::LOCALHOST)]);
            }
            assert_eq!(hub_traffic(pgid, &[IpAddr::V4(Ipv4Addr::new(10, 9, 9, 9))]), HubTraffic::None);
            let _ = child.kill();
            let _ = child.wait();
            let mut rest = String::new();
            let _ = out.read_to_string(&mut rest);
            assert_eq!(seen, want, "{mode}");
        }
    }
}
