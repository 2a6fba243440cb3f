//! What to do after a failed attempt.
pub mod cooldown;
pub mod policy;
pub mod probe;
mod tokens;
pub mod wait;
