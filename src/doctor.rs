//! `hfwrap doctor` (being written).
pub fn run(_json: bool) -> i32 {
    0
}
