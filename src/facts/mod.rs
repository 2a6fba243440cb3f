//! What hfwrap knows about this machine and this command, for the live run and for `doctor`
//! alike: the command line ([`command`]), the child's environment and what follows from it
//! ([`context`]), tokens ([`token`]), endpoints and the network ([`endpoint`]), the clients and
//! the huggingface_hub behind them ([`hub`]), the disk ([`cache`]), the child's Hub connections
//! ([`sockets`]), and the bounded runner the
//! probes use ([`subprocess`]). Facts sit below everything else: nothing here imports `app`,
//! `recover`, `report` or `supervise`.
pub mod cache;
pub mod command;
pub mod context;
pub mod endpoint;
pub mod hub;
pub mod sockets;
pub mod subprocess;
pub mod token;
