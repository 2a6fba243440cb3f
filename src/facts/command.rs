//! What the wrapped command is, read from its argv: which client, which
//! repo, where the files land, its concurrency. The recovery policy needs
//! these to act (lower `--max-workers`, watch the right partial files,
//! translate `huggingface-cli download` into `hf download`).

use std::ffi::OsString;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Client {
    /// `hf` (huggingface_hub >= 0.34).
    Hf,
    /// `huggingface-cli` (0.x; a stub or missing on >= 1.0).
    LegacyCli,
    Git,
    Python,
    /// Parallel downloaders people point at the Hub.
    Aria2c,
    Hfd,
    /// Plain URL downloaders.
    Wget,
    Curl,
    Other,
}

#[derive(Debug, Clone)]
pub struct Command {
    pub program: OsString,
    pub args: Vec<OsString>,
}

fn s(a: &OsString) -> String {
    a.to_string_lossy().into_owned()
}

impl Command {
    pub fn new(program: OsString, args: Vec<OsString>) -> Command {
        Command { program, args }
    }

    pub fn client(&self) -> Client {
        let name = Path::new(&self.program).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        match name.as_str() {
            "hf" => Client::Hf,
            "huggingface-cli" => Client::LegacyCli,
            "git" => Client::Git,
            "aria2c" => Client::Aria2c,
            "hfd.sh" | "hfd" => Client::Hfd,
            "wget" | "wget2" => Client::Wget,
            "curl" => Client::Curl,
            n if n.starts_with("python") => Client::Python,
            _ => Client::Other,
        }
    }

    /// `hf download …` / `huggingface-cli download …`, or aria2c / wget / curl of a Hub URL.
    pub fn is_hub_download(&self) -> bool {
        match self.client() {
            Client::Hf | Client::LegacyCli => self.args.first().is_some_and(|a| a == "download"),
            Client::Aria2c | Client::Wget | Client::Curl => self.hub_url().is_some(),
            _ => false,
        }
    }

    /// The command writes to the Hub: an upload, a push, a repo created, deleted or changed. A 401,
    /// 403 or 404 it gets is a refused write, not a download to recover: no token is injected
    /// into it and it is not re-run (the `git push` the Hub answers "Invalid username or
    /// password." reads like a private repo to the download rules).
    pub fn writes_to_hub(&self) -> bool {
        let arg = |i: usize| self.args.get(i).map(s).unwrap_or_default();
        match self.client() {
            Client::Hf | Client::LegacyCli => match arg(0).as_str() {
                "upload" | "upload-large-folder" | "lfs-multipart-upload" | "lfs-enable-largefiles" => true,
                "repo" | "repos" => match arg(1).as_str() {
                    "create" | "delete" | "move" | "settings" | "delete-files" => true,
                    "branch" | "tag" => matches!(arg(2).as_str(), "create" | "delete"),
                    _ => false,
                },
                "repo-files" => arg(1) == "delete",
                // `huggingface-cli tag REPO TAG` creates it; `-l` lists.
                "tag" => !self.args.iter().any(|a| a == "-l" || a == "--list"),
                _ => false,
            },
            Client::Git => self.git_subcommand().is_some_and(|(pos, _)| {
                let (sub, next) = (arg(pos), arg(pos + 1));
                sub == "push" || (sub == "lfs" && next == "push")
            }),
            _ => false,
        }
    }

    /// Where git's subcommand is in the arguments, past git's global options (those that take a
    /// separate value skip it), and the directory the `-C` options lead to.
    fn git_subcommand(&self) -> Option<(usize, PathBuf)> {
        let mut base = PathBuf::new();
        let mut pos = 0;
        loop {
            let a = s(self.args.get(pos)?);
            match a.as_str() {
                "-C" => {
                    base = base.join(self.args.get(pos + 1)?);
                    pos += 2;
                }
                "-c" | "--git-dir" | "--work-tree" | "--namespace" | "--config-env" => pos += 2,
                _ if a.starts_with('-') => pos += 1,
                _ => return Some((pos, base)),
            }
        }
    }

    /// curl told to fail on an HTTP error: `-f`, `--fail`, `--fail-with-body`, or `f` among
    /// bundled short options (`-fsSL`). Without it curl exits 0 and saves the error body.
    pub fn curl_fails_on_http_errors(&self) -> bool {
        self.args.iter().map(s).any(|a| {
            a == "--fail" || a == "--fail-with-body" || (a.starts_with('-') && !a.starts_with("--") && a.contains('f'))
        })
    }

    /// aria2c, wget or curl: a client that fetches URLs and reads no Hub setting (no HF_TOKEN).
    pub fn is_url_downloader(&self) -> bool {
        matches!(self.client(), Client::Aria2c | Client::Wget | Client::Curl)
    }

    /// The first argument that is a Hub file URL: `…/resolve/REV/FILE` on any host (the Hub, a
    /// mirror, `HF_ENDPOINT`), or any URL on huggingface.co / hf.co / hf-mirror.com.
    pub fn hub_url(&self) -> Option<String> {
        self.args.iter().map(s).find(|a| is_hub_url(a))
    }

    /// The file a URL downloader writes, as seen from hfwrap's working directory, when the command
    /// line says (`-o`, `-O`, `-d`/`-P`, curl `-O` = the URL's last segment); `None` when the server
    /// names it (a redirect, Content-Disposition) or the output goes to stdout.
    pub fn output_file(&self) -> Option<PathBuf> {
        let url = self.hub_url()?;
        let basename = || {
            let path = url.split(['?', '#']).next().unwrap_or(&url);
            path.rsplit('/').next().filter(|b| !b.is_empty()).map(str::to_string)
        };
        match self.client() {
            Client::Aria2c => {
                let dir = self.value_of(&["-d", "--dir"]).map(PathBuf::from).unwrap_or_default();
                Some(dir.join(self.value_of(&["-o", "--out"])?))
            }
            Client::Wget => {
                if let Some(o) = self.value_of(&["-O", "--output-document"]).filter(|o| o != "-") {
                    return Some(PathBuf::from(o));
                }
                let dir = self.value_of(&["-P", "--directory-prefix"]).map(PathBuf::from).unwrap_or_default();
                Some(dir.join(basename()?))
            }
            Client::Curl => {
                let dir = self.value_of(&["--output-dir"]).map(PathBuf::from).unwrap_or_default();
                if let Some(o) = self.value_of(&["-o", "--output"]).filter(|o| o != "-") {
                    return Some(dir.join(o));
                }
                let remote = self.args.iter().any(|a| a == "-O" || a == "--remote-name");
                remote.then(basename).flatten().map(|b| dir.join(b))
            }
            _ => None,
        }
    }

    /// The value of the first of `names` given, as `-x V`, `-xV` (one-letter short options),
    /// `--long V` or `--long=V`.
    fn value_of(&self, names: &[&str]) -> Option<String> {
        let mut it = self.args.iter().map(s);
        while let Some(a) = it.next() {
            for n in names {
                if a == *n {
                    return it.next();
                }
                if let Some(v) = a.strip_prefix(&format!("{n}=")) {
                    return Some(v.to_string());
                }
                if n.len() == 2 && !n.starts_with("--") && a.len() > 2 && a.starts_with(n) && !a.starts_with("--") {
                    return Some(a[2..].to_string());
                }
            }
        }
        None
    }

    /// Set the value of an option spelt as the command spells it (`-x V`, `-xV`, `--long=V`, …);
    /// added as `names[0] V` when absent.
    fn set_value_of(&mut self, names: &[&str], value: &str) {
        for i in 0..self.args.len() {
            let a = s(&self.args[i]);
            for n in names {
                if a == *n && i + 1 < self.args.len() {
                    self.args[i + 1] = value.into();
                    return;
                }
                if a.starts_with(&format!("{n}=")) {
                    self.args[i] = format!("{n}={value}").into();
                    return;
                }
                if n.len() == 2 && !n.starts_with("--") && a.len() > 2 && a.starts_with(n) && !a.starts_with("--") {
                    self.args[i] = format!("{n}{value}").into();
                    return;
                }
            }
        }
        // Options go before the URLs, as people write them.
        let at = self.args.iter().position(|a| is_url(&s(a))).unwrap_or(self.args.len());
        self.args.insert(at, value.into());
        self.args.insert(at, names[0].into());
    }

    /// The value of `--flag V` or `--flag=V`.
    pub fn flag_value(&self, flag: &str) -> Option<String> {
        let eq = format!("{flag}=");
        let mut it = self.args.iter();
        while let Some(a) = it.next() {
            let a = s(a);
            if a == flag {
                return it.next().map(s);
            }
            if let Some(v) = a.strip_prefix(&eq) {
                return Some(v.to_string());
            }
        }
        None
    }

    /// Replace (or add) `--flag V`.
    pub fn set_flag(&mut self, flag: &str, value: &str) {
        let eq = format!("{flag}=");
        let mut i = 0;
        while i < self.args.len() {
            let a = s(&self.args[i]);
            if a == flag && i + 1 < self.args.len() {
                self.args[i + 1] = value.into();
                return;
            }
            if a.starts_with(&eq) {
                self.args[i] = format!("{flag}={value}").into();
                return;
            }
            i += 1;
        }
        self.args.push(flag.into());
        self.args.push(value.into());
    }

    /// The repo id of a hub download (first positional after `download`).
    pub fn repo_id(&self) -> Option<String> {
        if !self.is_hub_download() || self.is_url_downloader() {
            return None;
        }
        let takes_value = [
            "--repo-type",
            "--type",
            "--revision",
            "--include",
            "--exclude",
            "--local-dir",
            "--cache-dir",
            "--token",
            "--max-workers",
            "--format",
            "--local-dir-use-symlinks",
        ];
        let mut it = self.args.iter().skip(1);
        while let Some(a) = it.next() {
            let a = s(a);
            // `--tok VALUE` (argparse's abbreviation) takes a value too: a token is never a repo id.
            if takes_value.contains(&a.as_str()) || crate::redact::is_token_flag(&a) {
                it.next();
                continue;
            }
            if !a.starts_with('-') {
                let a = a.strip_prefix("hf://").unwrap_or(&a).to_string();
                return Some(a.split('@').next().unwrap_or(&a).to_string());
            }
        }
        None
    }

    pub fn repo_type(&self) -> String {
        self.flag_value("--repo-type").or_else(|| self.flag_value("--type")).unwrap_or_else(|| "model".into())
    }

    pub fn local_dir(&self) -> Option<PathBuf> {
        self.flag_value("--local-dir").map(PathBuf::from)
    }

    pub fn cache_dir_flag(&self) -> Option<PathBuf> {
        self.flag_value("--cache-dir").map(PathBuf::from)
    }

    /// `git [-C PATH]... clone URL [DIR]`: the URL and the directory git will create, as seen from
    /// hfwrap's working directory (which the child shares): `-C` moves git before it clones, and a
    /// clone directory taken relative to the wrong place would be watched, checked and — after a
    /// failed attempt — removed in the wrong place.
    pub fn git_clone_target(&self) -> Option<(String, PathBuf)> {
        if self.client() != Client::Git {
            return None;
        }
        let (mut pos, base) = self.git_subcommand()?;
        match s(&self.args[pos]).as_str() {
            "clone" => {}
            // `git lfs clone` (deprecated, still works): the same arguments as `git clone`.
            "lfs" if self.args.get(pos + 1).is_some_and(|n| n == "clone") => pos += 1,
            _ => return None,
        }
        let takes_value = [
            "-b",
            "--branch",
            "--depth",
            "-o",
            "--origin",
            "-c",
            "--config",
            "--reference",
            "--filter",
            "-j",
            "--jobs",
            "--template",
            "--separate-git-dir",
            "--shallow-since",
            "--shallow-exclude",
            "-u",
            "--upload-pack",
        ];
        let mut positional = Vec::new();
        let mut it = self.args.iter().skip(pos + 1);
        while let Some(a) = it.next() {
            let a = s(a);
            if takes_value.contains(&a.as_str()) {
                it.next();
            } else if a == "--" {
                positional.extend(it.by_ref().map(s));
            } else if !a.starts_with('-') {
                positional.push(a);
            }
        }
        let url = positional.first()?.clone();
        let dir = match positional.get(1) {
            Some(d) => PathBuf::from(d),
            None => {
                let base = url.trim_end_matches('/').rsplit(['/', ':']).next().unwrap_or("repo");
                PathBuf::from(base.strip_suffix(".git").unwrap_or(base))
            }
        };
        Some((url, base.join(dir)))
    }

    /// Concurrency flag of the client, its current value and its default.
    pub fn concurrency(&self) -> Option<(&'static str, u32)> {
        match self.client() {
            Client::Hf | Client::LegacyCli if self.is_hub_download() => {
                Some(("--max-workers", self.flag_value("--max-workers").and_then(|v| v.parse().ok()).unwrap_or(8)))
            }
            Client::Aria2c => {
                Some(("-x", self.value_of(ARIA2_CONNECTIONS).and_then(|v| v.trim().parse().ok()).unwrap_or(1)))
            }
            Client::Hfd => Some(("-x", self.flag_value("-x").and_then(|v| v.parse().ok()).unwrap_or(4))),
            _ => None,
        }
    }

    /// Lower the child's concurrency: above the card's safe 4–8 connections straight to 4, else
    /// halved (down to 1). aria2c's `-s` (pieces per file) and an explicit `-j` (files at once)
    /// follow its `-x`. Returns the new value when it changed.
    pub fn lower_concurrency(&mut self) -> Option<u32> {
        let (flag, current) = self.concurrency()?;
        let next = if current > 8 { 4 } else { (current / 2).max(1) };
        if next == current {
            return None;
        }
        let v = next.to_string();
        if self.client() == Client::Aria2c {
            self.set_value_of(ARIA2_CONNECTIONS, &v);
            self.set_value_of(&["-s", "--split"], &v);
            let jobs = self.value_of(&["-j", "--max-concurrent-downloads"]).and_then(|j| j.trim().parse::<u32>().ok());
            if jobs.is_some_and(|j| j > next) {
                self.set_value_of(&["-j", "--max-concurrent-downloads"], &v);
            }
        } else {
            self.set_flag(flag, &v);
        }
        Some(next)
    }

    /// `huggingface-cli download A --include x y --resume-download` → `hf download A --include x --include y`.
    pub fn as_hf_download(&self, hf: OsString) -> Option<Command> {
        if self.client() != Client::LegacyCli || !self.is_hub_download() {
            return None;
        }
        let mut out: Vec<OsString> = vec!["download".into()];
        let mut it = self.args.iter().skip(1).peekable();
        while let Some(a) = it.next() {
            let a_s = s(a);
            match a_s.as_str() {
                "--resume-download" => {}
                "--local-dir-use-symlinks" => {
                    it.next();
                }
                "--include" | "--exclude" => {
                    while let Some(v) = it.peek() {
                        if s(v).starts_with('-') {
                            break;
                        }
                        out.push(a.clone());
                        out.push(it.next().unwrap().clone());
                    }
                }
                _ if a_s.starts_with("--local-dir-use-symlinks=") => {}
                _ => out.push(a.clone()),
            }
        }
        Some(Command { program: hf, args: out })
    }

    pub fn display(&self) -> Vec<String> {
        std::iter::once(&self.program).chain(self.args.iter()).map(s).collect()
    }
}

/// aria2c's connections per server: `-x N`, `-xN`, `--max-connection-per-server=N`.
const ARIA2_CONNECTIONS: &[&str] = &["-x", "--max-connection-per-server"];

fn is_url(a: &str) -> bool {
    a.starts_with("http://") || a.starts_with("https://")
}

/// A Hub file URL: `…/resolve/…` on any host, or any URL on the Hub's own hosts.
pub fn is_hub_url(a: &str) -> bool {
    let Ok(u) = url::Url::parse(a) else { return false };
    if !matches!(u.scheme(), "http" | "https") {
        return false;
    }
    let host = u.host_str().unwrap_or("").to_ascii_lowercase();
    let hub_host =
        ["huggingface.co", "hf.co", "hf-mirror.com"].iter().any(|h| host == *h || host.ends_with(&format!(".{h}")));
    hub_host || u.path_segments().is_some_and(|mut p| p.any(|seg| seg == "resolve"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmd(words: &str) -> Command {
        let mut w = words.split_whitespace().map(OsString::from);
        Command::new(w.next().unwrap(), w.collect())
    }

    #[test]
    fn uploads_pushes_and_repo_changes_write_to_the_hub() {
        for w in [
            "hf upload acme/m ./f f",
            "hf upload-large-folder acme/m ./d",
            "huggingface-cli upload acme/m ./f",
            "hf repo create acme/m",
            "hf repos delete acme/m",
            "hf repo branch create acme/m dev",
            "hf repo-files delete acme/m a.bin",
            "huggingface-cli tag acme/m v1",
            "git push origin main",
            "git -C clone -c http.extraHeader=x push",
            "git lfs push --all origin",
        ] {
            assert!(cmd(w).writes_to_hub(), "{w}");
        }
        for w in [
            "hf download acme/m",
            "hf repo branch list acme/m",
            "huggingface-cli tag acme/m -l",
            "git clone http://127.0.0.1:9/acme/m",
            "git -C push pull",
            "git lfs pull",
            "python push.py",
        ] {
            assert!(!cmd(w).writes_to_hub(), "{w}");
        }
    }

    #[test]
    fn reads_hub_download_arguments() {
        let c = cmd("hf download org/m --local-dir out --max-workers 4");
        assert!(c.is_hub_download());
        assert_eq!(c.repo_id().as_deref(), Some("org/m"));
        assert_eq!(c.local_dir(), Some(PathBuf::from("out")));
        assert_eq!(c.concurrency(), Some(("--max-workers", 4)));
        let c = cmd("hf download --repo-type dataset hf://datasets/org/d@main");
        assert_eq!(c.repo_id().as_deref(), Some("datasets/org/d"));
        for spelling in ["--token", "--toke", "--tok", "--t"] {
            let c = cmd(&format!("huggingface-cli download {spelling} secretvalue org/m"));
            assert_eq!(c.repo_id().as_deref(), Some("org/m"), "{spelling}");
        }
    }

    #[test]
    fn halves_concurrency_down_to_one() {
        let mut c = cmd("hf download org/m");
        assert_eq!(c.lower_concurrency(), Some(4));
        assert_eq!(c.display().join(" "), "hf download org/m --max-workers 4");
        c.set_flag("--max-workers", "1");
        assert_eq!(c.lower_concurrency(), None);
        let mut a = cmd("aria2c -x=16 url");
        assert_eq!(a.lower_concurrency(), Some(4));
        assert!(a.display().join(" ").contains("-x=4"));
    }

    #[test]
    fn url_downloaders_of_hub_urls() {
        let u = "https://huggingface.co/org/m/resolve/main/model.safetensors";
        let mut a = cmd(&format!("aria2c -x 16 -s16 -j 8 {u} -o m.bin -d out"));
        assert!(a.is_hub_download() && a.is_url_downloader());
        assert_eq!(a.repo_id(), None);
        assert_eq!(a.concurrency(), Some(("-x", 16)));
        assert_eq!(a.output_file(), Some(PathBuf::from("out/m.bin")));
        assert_eq!(a.lower_concurrency(), Some(4));
        assert_eq!(a.display().join(" "), format!("aria2c -x 4 -s4 -j 4 {u} -o m.bin -d out"));
        assert_eq!(a.lower_concurrency(), Some(2));
        assert_eq!(a.display().join(" "), format!("aria2c -x 2 -s2 -j 2 {u} -o m.bin -d out"));
        let mut a = cmd(&format!("aria2c --max-connection-per-server=16 {u}"));
        assert_eq!(a.lower_concurrency(), Some(4));
        assert_eq!(a.display().join(" "), format!("aria2c --max-connection-per-server=4 -s 4 {u}"));
        assert_eq!(a.output_file(), None, "the server names it");
        let local = "http://127.0.0.1:8000/org/m/resolve/abc/config.json";
        let w = cmd(&format!("wget -P dl {local}"));
        assert!(w.is_hub_download());
        assert_eq!(w.output_file(), Some(PathBuf::from("dl/config.json")));
        assert_eq!(cmd(&format!("curl -fL -O {local}")).output_file(), Some(PathBuf::from("config.json")));
        assert_eq!(cmd(&format!("curl -fL -o x {local}")).output_file(), Some(PathBuf::from("x")));
        assert_eq!(cmd(&format!("curl -fL {local}")).output_file(), None);
        assert!(!cmd("wget https://example.com/file.iso").is_hub_download());
        assert!(cmd("curl https://hf.co/org/m").is_hub_download());
        assert!(!cmd("curl https://evilhf.co/x").is_hub_download());
    }

    #[test]
    fn translates_the_legacy_cli() {
        let c = cmd("huggingface-cli download org/m --include *.json *.md --resume-download --local-dir-use-symlinks False --local-dir m");
        let hf = c.as_hf_download("hf".into()).unwrap();
        assert_eq!(hf.display().join(" "), "hf download org/m --include *.json --include *.md --local-dir m");
    }

    #[test]
    fn finds_the_clone_target() {
        assert_eq!(
            cmd("git clone https://huggingface.co/org/model").git_clone_target().unwrap().1,
            PathBuf::from("model")
        );
        assert_eq!(
            cmd("git clone --depth 1 http://h/org/m.git dest").git_clone_target().unwrap().1,
            PathBuf::from("dest")
        );
        assert_eq!(
            cmd("git -c http.x=y -C sub clone http://h/org/m").git_clone_target().unwrap().1,
            PathBuf::from("sub/m")
        );
        assert_eq!(
            cmd("git -C a -C b clone http://h/org/m /abs/dest").git_clone_target().unwrap().1,
            PathBuf::from("/abs/dest")
        );
        assert_eq!(cmd("git -C clone clone http://h/org/m d").git_clone_target().unwrap().1, PathBuf::from("clone/d"));
        assert_eq!(cmd("git lfs clone http://h/org/m").git_clone_target().unwrap().1, PathBuf::from("m"));
        assert!(cmd("git log --grep clone").git_clone_target().is_none());
    }
}
