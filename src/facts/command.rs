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
            n if n.starts_with("python") => Client::Python,
            _ => Client::Other,
        }
    }

    /// `hf download …` / `huggingface-cli download …`.
    pub fn is_hub_download(&self) -> bool {
        matches!(self.client(), Client::Hf | Client::LegacyCli) && self.args.first().is_some_and(|a| a == "download")
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
        if !self.is_hub_download() {
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
        // git's global options up to the subcommand; those that take a separate value skip it.
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
                "clone" => break,
                // `git lfs clone` (deprecated, still works): the same arguments as `git clone`.
                "lfs" if self.args.get(pos + 1).is_some_and(|n| n == "clone") => {
                    pos += 1;
                    break;
                }
                _ if a.starts_with('-') => pos += 1,
                _ => return None,
            }
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
            Client::Aria2c => Some(("-x", self.flag_value("-x").and_then(|v| v.parse().ok()).unwrap_or(1))),
            Client::Hfd => Some(("-x", self.flag_value("-x").and_then(|v| v.parse().ok()).unwrap_or(4))),
            _ => None,
        }
    }

    /// Halve the child's concurrency (down to 1). Returns the new value when it changed.
    pub fn lower_concurrency(&mut self) -> Option<u32> {
        let (flag, current) = self.concurrency()?;
        let next = (current / 2).max(1);
        if next == current {
            return None;
        }
        self.set_flag(flag, &next.to_string());
        if self.client() == Client::Aria2c {
            self.set_flag("-s", &next.to_string());
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

#[cfg(test)]
mod tests {
    use super::*;

    fn cmd(words: &str) -> Command {
        let mut w = words.split_whitespace().map(OsString::from);
        Command::new(w.next().unwrap(), w.collect())
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
        assert_eq!(a.lower_concurrency(), Some(8));
        assert!(a.display().join(" ").contains("-x=8"));
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
