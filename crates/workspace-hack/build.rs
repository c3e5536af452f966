// An empty build script: the build dependencies in Cargo.toml are those of build scripts and
// procedural macros, resolved apart from the others.
fn main() {}
