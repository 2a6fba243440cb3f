//! What hfwrap knows about this machine and this command, for the live run and for `doctor`
//! alike: the command line ([`command`]), the child's environment and what follows from it
//! ([`context`]), tokens ([`token`]), endpoints and the network ([`endpoint`]), where a command's
//! requests went and which of those places may get a token ([`destination`]), the clients and the
//! huggingface_hub behind them ([`hub`]), the disk ([`cache`]), who holds a lock file ([`locks`]), the child's Hub connections
//! ([`sockets`]), the bounded runner the probes use ([`subprocess`]), and how a file in a place
//! others can write is read or written ([`shared_file`]). Facts sit below everything else: nothing
//! here imports `app`, `recover`, `report` or `supervise`.
pub mod cache;
pub mod command;
pub mod context;
pub mod destination;
pub mod endpoint;
pub mod hub;
pub mod locks;
pub mod shared_file;
pub mod sockets;
pub mod subprocess;
pub mod token;
