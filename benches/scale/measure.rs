//! Running the release binary as a child process and measuring it: wall time, and peak
//! resident memory from the kernel's accounting of that one child (`wait4`), so the numbers
//! are those `/usr/bin/time -v` would print.
//!
//! Linux counts the memory a process had before `exec` towards its peak, and a forked child
//! starts with its parent's: measured straight from this driver, which holds parsed plans,
//! every child would report at least the driver's size. So the child is started by a fresh,
//! small copy of this binary (`__child`), which waits for it and passes its figure on.

use std::ffi::OsString;
use std::fs::File;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The first argument that makes this binary the measuring parent of one command.
pub const CHILD: &str = "__child";

pub struct Measured {
    pub wall: Duration,
    /// Peak resident set size in MiB.
    pub peak_rss_mib: f64,
    pub stdout: String,
}

/// Run `cmd` to completion with stdout and stderr captured in `log_dir/<name>.out|.err`.
pub fn run(cmd: &mut Command, log_dir: &Path, name: &str) -> Measured {
    let out_path = log_dir.join(format!("{name}.out"));
    let err_path = log_dir.join(format!("{name}.err"));
    let rss_path = log_dir.join(format!("{name}.maxrss"));
    let mut wrapper = Command::new(std::env::current_exe().expect("this binary"));
    wrapper
        .arg(CHILD)
        .arg(&rss_path)
        .arg(cmd.get_program())
        .args(cmd.get_args());
    for (k, v) in cmd.get_envs() {
        match v {
            Some(v) => wrapper.env(k, v),
            None => wrapper.env_remove(k),
        };
    }
    wrapper
        .stdin(Stdio::null())
        .stdout(File::create(&out_path).expect("stdout file"))
        .stderr(File::create(&err_path).expect("stderr file"));
    let started = Instant::now();
    let status = wrapper.status().expect("start the measuring parent");
    let wall = started.elapsed();
    let stdout = std::fs::read_to_string(&out_path).unwrap_or_default();
    let exit_code = status.code().unwrap_or(-1);
    if exit_code != 0 && exit_code != 2 {
        let err = std::fs::read_to_string(&err_path).unwrap_or_default();
        let tail: Vec<&str> = err.lines().rev().take(20).collect();
        panic!(
            "{name} exited with {exit_code}:\n{}",
            tail.into_iter().rev().collect::<Vec<_>>().join("\n")
        );
    }
    let kib: f64 = std::fs::read_to_string(&rss_path)
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .expect("peak memory from the measuring parent");
    Measured {
        wall,
        peak_rss_mib: kib / 1024.0,
        stdout,
    }
}

/// `__child RSS_FILE PROGRAM ARGS...`: run PROGRAM with this process's stdio and
/// environment, write its peak resident memory (KiB) to RSS_FILE, exit with its code.
pub fn child_main(args: &[OsString]) -> ! {
    let [rss_file, program, rest @ ..] = args else {
        eprintln!("usage: {CHILD} RSS_FILE PROGRAM [ARGS...]");
        std::process::exit(2)
    };
    // Reaped below by wait4, which also returns its resource usage.
    #[allow(clippy::zombie_processes)]
    let child = Command::new(program)
        .args(rest)
        .spawn()
        .expect("start the command");
    let mut status: libc::c_int = 0;
    // SAFETY: rusage is plain data, filled by the kernel; the pid is our own unreaped child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = child.id() as libc::pid_t;
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(r, pid, "wait4 failed: {}", std::io::Error::last_os_error());
    // Linux reports ru_maxrss in KiB.
    std::fs::write(rss_file, usage.ru_maxrss.to_string()).expect("write the peak memory");
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        1
    };
    std::process::exit(code)
}
