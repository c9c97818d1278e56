fn main() {
    println!("snowform {}", env!("CARGO_PKG_VERSION"));
}
