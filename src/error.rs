//! hfwrap's own failures (not the child's): one type, each variant with its exit code,
//! so a subcommand returns `Result<i32, Error>` and only `lib::run` prints and maps it.

use crate::exit_code;
use std::fmt;
use std::path::PathBuf;

#[derive(Debug)]
pub enum Error {
    /// Bad flags, values, configuration or signature files: the message says which and where.
    Usage(String),
    /// A file hfwrap was told to read cannot be read.
    Read { what: &'static str, path: PathBuf, error: std::io::Error },
    /// A path that must be a file is something else.
    NotAFile { what: &'static str, path: PathBuf, is: &'static str },
    /// Writing hfwrap's own output failed (other than a reader going away).
    Write { what: &'static str, error: std::io::Error },
}

impl Error {
    /// The exit code this failure ends hfwrap with.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Usage(_) | Error::Read { .. } | Error::NotAFile { .. } | Error::Write { .. } => exit_code::USAGE,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Usage(msg) => f.write_str(msg),
            Error::Read { what, path, error } => write!(f, "cannot read {what} {}: {error}", path.display()),
            Error::NotAFile { what, path, is } => {
                write!(f, "{} is {is}; give the {what} (or - for standard input)", path.display())
            }
            Error::Write { what, error } => write!(f, "cannot write {what}: {error}"),
        }
    }
}

impl std::error::Error for Error {}

impl From<crate::detect::catalogue::CatalogueError> for Error {
    fn from(e: crate::detect::catalogue::CatalogueError) -> Error {
        Error::Usage(format!("invalid signatures: {e}"))
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
