//! The subcommands, each thin: parse, load configuration, hand over to the pipeline.
pub mod cli;
pub mod config;
pub mod doctor;
pub mod explain;
