//! Everything hfwrap says: to a person, to CI, to a JSON file.
pub mod ci;
pub mod json;
pub mod terminal;
