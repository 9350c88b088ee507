//! The `irp` command.

fn main() {
    println!("irp: not yet");
}
