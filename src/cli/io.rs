//! What one run of the command line is given by its caller besides the arguments: the
//! environment, the working directory, the three streams and whether it may listen for
//! signals. The binary passes the process's own ([`Io::process`]); the end-to-end tests pass
//! their own ([`Io::captured`]), so that many runs share one process, in parallel, without
//! reading or changing anything process-wide.

use crate::snowflake::Env;
use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

pub struct Io {
    /// Environment variables and the home directory.
    pub env: Env,
    /// The directory relative paths of the arguments are taken from; None: the process's.
    pub(crate) cwd: Option<PathBuf>,
    pub stdin: Input,
    pub stdout: Output,
    pub stderr: Output,
    /// Whether apply listens for SIGINT, SIGTERM and SIGHUP (to release the state lock
    /// before it stops). Only a process of its own does: signal handlers are process-wide.
    pub signals: bool,
}

impl Io {
    /// The process's environment, working directory, streams and signals.
    pub fn process() -> Io {
        Io {
            env: Env::from_process(),
            cwd: None,
            stdin: Input::Process,
            stdout: Output::Stdout,
            stderr: Output::Stderr,
            signals: true,
        }
    }

    /// `env` and `cwd`, no input (not a terminal), output kept in memory (not a terminal),
    /// no signal handling: a run inside another program. The two [`Captured`] hold what was
    /// written to stdout and stderr.
    pub fn captured(env: Env, cwd: impl Into<PathBuf>) -> (Io, Captured, Captured) {
        let (stdout, out) = Output::captured();
        let (stderr, err) = Output::captured();
        let io = Io {
            env,
            cwd: Some(cwd.into()),
            stdin: Input::empty(),
            stdout,
            stderr,
            signals: false,
        };
        (io, out, err)
    }

    /// `path` as the process would open it: relative paths are taken from [`Io::cwd`].
    pub(crate) fn resolve(&self, path: &Path) -> PathBuf {
        match &self.cwd {
            Some(cwd) if path.is_relative() => cwd.join(path),
            _ => path.to_path_buf(),
        }
    }
}

/// Where a run reads an answer from (apply's and force-unlock's confirmation).
#[derive(Clone)]
pub enum Input {
    Process,
    Reader {
        reader: Arc<Mutex<Box<dyn BufRead + Send>>>,
        terminal: bool,
    },
}

impl Input {
    /// Nothing to read, and not a terminal.
    pub fn empty() -> Input {
        Input::Reader {
            reader: Arc::new(Mutex::new(Box::new(std::io::empty()))),
            terminal: false,
        }
    }

    pub(crate) fn is_terminal(&self) -> bool {
        match self {
            Input::Process => std::io::stdin().is_terminal(),
            Input::Reader { terminal, .. } => *terminal,
        }
    }

    pub fn read_line(&self, line: &mut String) -> std::io::Result<usize> {
        match self {
            Input::Process => std::io::stdin().lock().read_line(line),
            Input::Reader { reader, .. } => reader
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .read_line(line),
        }
    }
}

/// Where a run writes its report (stdout) or its messages and logs (stderr). Cheap to
/// clone: clones write to the same place.
#[derive(Clone)]
pub enum Output {
    Stdout,
    Stderr,
    Writer {
        writer: Arc<Mutex<Box<dyn Write + Send>>>,
        terminal: bool,
    },
}

impl Output {
    /// A stream kept in memory, and the handle that reads it.
    pub fn captured() -> (Output, Captured) {
        let captured = Captured::default();
        let out = Output::Writer {
            writer: Arc::new(Mutex::new(Box::new(captured.clone()))),
            terminal: false,
        };
        (out, captured)
    }

    pub(crate) fn is_terminal(&self) -> bool {
        match self {
            Output::Stdout => std::io::stdout().is_terminal(),
            Output::Stderr => std::io::stderr().is_terminal(),
            Output::Writer { terminal, .. } => *terminal,
        }
    }

    /// Write `args` whole (one lock, so that lines of concurrent writers do not mix).
    /// Errors are ignored, as for a message nobody reads any more.
    pub(crate) fn write_args(&self, args: std::fmt::Arguments<'_>, newline: bool) {
        fn put(mut writer: impl Write, args: std::fmt::Arguments<'_>, newline: bool) {
            let _ = writer.write_fmt(args);
            if newline {
                let _ = writer.write_all(b"\n");
            }
            let _ = writer.flush();
        }
        match self {
            Output::Stdout => put(std::io::stdout().lock(), args, newline),
            Output::Stderr => put(std::io::stderr().lock(), args, newline),
            Output::Writer { writer, .. } => put(
                &mut *writer.lock().unwrap_or_else(|e| e.into_inner()),
                args,
                newline,
            ),
        }
    }
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Output::Stdout => std::io::stdout().lock().write(buf),
            Output::Stderr => std::io::stderr().lock().write(buf),
            Output::Writer { writer, .. } => {
                writer.lock().unwrap_or_else(|e| e.into_inner()).write(buf)
            }
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Output::Stdout => std::io::stdout().flush(),
            Output::Stderr => std::io::stderr().flush(),
            Output::Writer { writer, .. } => {
                writer.lock().unwrap_or_else(|e| e.into_inner()).flush()
            }
        }
    }
}

/// An [`Output`] whose text waits until it is released, then goes straight through:
/// for messages of work done ahead that must not come before the messages of what it
/// ran alongside.
pub(crate) struct Held(Arc<Mutex<HeldText>>);

#[derive(Default)]
struct HeldText {
    waiting: Vec<u8>,
    to: Option<Output>,
}

impl Held {
    pub(crate) fn new(terminal: bool) -> (Output, Held) {
        let held = Arc::new(Mutex::new(HeldText::default()));
        let out = Output::Writer {
            writer: Arc::new(Mutex::new(Box::new(HeldWriter(held.clone())))),
            terminal,
        };
        (out, Held(held))
    }

    /// Print each line that waited with `print`, and from now on write everything to
    /// `to` as it comes.
    pub(crate) fn release(&self, print: impl Fn(&str), to: &Output) {
        let mut held = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let waiting = std::mem::take(&mut held.waiting);
        for line in String::from_utf8_lossy(&waiting).lines() {
            print(line);
        }
        held.to = Some(to.clone());
    }
}

struct HeldWriter(Arc<Mutex<HeldText>>);

impl Write for HeldWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut held = self.0.lock().unwrap_or_else(|e| e.into_inner());
        match &mut held.to {
            Some(to) => to.write(buf),
            None => {
                held.waiting.extend_from_slice(buf);
                Ok(buf.len())
            }
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        let mut held = self.0.lock().unwrap_or_else(|e| e.into_inner());
        match &mut held.to {
            Some(to) => to.flush(),
            None => Ok(()),
        }
    }
}

/// The bytes written to a captured [`Output`].
#[derive(Clone, Default)]
pub struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    /// What was written, as text (invalid UTF-8 replaced).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
    }
}

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// `println!` to an [`Output`].
macro_rules! println_to {
    ($out:expr $(,)?) => {
        $out.write_args(format_args!(""), true)
    };
    ($out:expr, $($arg:tt)+) => {
        $out.write_args(format_args!($($arg)+), true)
    };
}

/// `print!` to an [`Output`].
macro_rules! print_to {
    ($out:expr, $($arg:tt)+) => {
        $out.write_args(format_args!($($arg)+), false)
    };
}
