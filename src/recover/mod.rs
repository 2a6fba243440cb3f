//! What to do after a failed attempt.
pub mod backend;
pub mod cooldown;
pub mod policy;
pub mod probe;
pub mod rerun;
mod tokens;
pub mod wait;
