fn main() -> std::process::ExitCode {
    snowform::cli::main()
}
