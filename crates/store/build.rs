//! `sqlx::migrate!` embeds the migration folders at compile time; a new migration file
//! must rebuild the crate (stable Rust cannot track a folder from the macro itself).
fn main() {
    println!("cargo:rerun-if-changed=../../migrations");
}
