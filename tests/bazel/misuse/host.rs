//! A host of a plugin it was not built for; the build must stop before this compiles.

fn main() {}
