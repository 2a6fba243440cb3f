//! What hfwrap knows about this machine and this command.
pub mod cache;
pub mod command;
pub mod context;
pub mod endpoint;
pub mod hub;
pub mod subprocess;
pub mod token;
