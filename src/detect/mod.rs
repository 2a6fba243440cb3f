//! Reading records out of a byte stream and matching them against the catalogue.
pub mod catalogue;
pub mod record;
