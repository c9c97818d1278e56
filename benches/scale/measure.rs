//! Running the release binary as a child process and measuring it: wall time, and peak
//! resident memory from the kernel's accounting of that one child (`wait4`), so the numbers
//! are those `/usr/bin/time -v` would print.

use std::fs::File;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

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
    cmd.stdin(Stdio::null())
        .stdout(File::create(&out_path).expect("stdout file"))
        .stderr(File::create(&err_path).expect("stderr file"));
    let started = Instant::now();
    // Reaped below by wait4, which also returns its resource usage.
    #[allow(clippy::zombie_processes)]
    let child = cmd.spawn().expect("start snowform");
    let mut status: libc::c_int = 0;
    // SAFETY: rusage is plain data, filled by the kernel; the pid is our own unreaped child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = child.id() as libc::pid_t;
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let wall = started.elapsed();
    assert_eq!(r, pid, "wait4 failed: {}", std::io::Error::last_os_error());
    let exit_code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -1
    };
    let stdout = std::fs::read_to_string(&out_path).unwrap_or_default();
    if exit_code != 0 && exit_code != 2 {
        let err = std::fs::read_to_string(&err_path).unwrap_or_default();
        let tail: Vec<&str> = err.lines().rev().take(20).collect();
        panic!(
            "{name} exited with {exit_code}:\n{}",
            tail.into_iter().rev().collect::<Vec<_>>().join("\n")
        );
    }
    Measured {
        wall,
        // Linux reports ru_maxrss in KiB.
        peak_rss_mib: usage.ru_maxrss as f64 / 1024.0,
        stdout,
    }
}
