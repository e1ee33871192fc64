//! Outputs whole or absent: the files of one command are put in place together, or not at all.
//!
//! Why: a command that stops halfway (a full disk, a file-size limit, a bug) must not leave
//! `households.csv` cut mid-row beside the previous run's `summary.csv`, nor a complete
//! `comparison.csv` beside a truncated `baseline/households.csv`: a reader of the directory
//! would take them for one run's results. And a link planted in the output directory
//! (`out/summary.csv -> ~/.bashrc`) must not make a run write somewhere else.
//!
//! How: every file is written to a new temporary file in its final directory (`create_new`, so
//! nothing that already exists there, a link least of all, is opened), flushed and synced. Only
//! when the command has written all its files are they renamed over the old ones; a rename
//! within a directory replaces the name, never follows a link. If anything fails before that,
//! the temporaries are removed (also when the `Staged` is dropped on an early return), the
//! directories this command created are removed again if they are empty, and the error names
//! the file and says that nothing was changed. A final path that is a link or a directory is
//! refused, and so is a subdirectory of the output (compare's `baseline/`) that is a link; the
//! output directory itself may be a link, since the user named it.
//!
//! What it does not cover: a process killed between two renames leaves the files already renamed
//! new and the others old (renames within a directory take microseconds), and a process killed
//! before leaves its temporaries (`.NAME.PID.tmp`) behind.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use anyhow::{Result, anyhow, bail};

/// The files of one command, written aside until [`Staged::commit`].
pub struct Staged {
    /// The output directory, for "nothing in … was changed".
    root: PathBuf,
    /// `(temporary, final)` for each file written so far.
    files: Vec<(PathBuf, PathBuf)>,
    /// Directories this command created, outermost first.
    created: Vec<PathBuf>,
    /// `Some`: every `.csv` file is turned into Latvian Excel's (`--csv-lv`, [`crate::csv_lv`])
    /// before it is written.
    latvian_csv: Option<std::sync::Arc<crate::csv_lv::Lexicon>>,
}

impl Staged {
    /// Outputs in `root`, which is created (with its parents) if missing.
    pub fn new(root: &Path) -> Result<Staged> {
        let root = if root.as_os_str().is_empty() {
            Path::new(".")
        } else {
            root
        };
        let mut staged = Staged {
            root: root.to_path_buf(),
            files: Vec::new(),
            created: Vec::new(),
            latvian_csv: None,
        };
        staged.create_dirs(root)?;
        if !root.is_dir() {
            bail!("{}: exists and is not a directory", root.display());
        }
        Ok(staged)
    }

    /// From now on, write every `.csv` file for Latvian Excel (`;`, decimal commas, Latvian
    /// headers and council names, UTF-8 with a BOM): what the writers give is converted whole
    /// before it is written, so it is held in memory once.
    pub fn latvian_csv(&mut self, lexicon: std::sync::Arc<crate::csv_lv::Lexicon>) {
        self.latvian_csv = Some(lexicon);
    }

    /// The directory of `file`, a file outside the output directory (`--xlsx FILE`), created if
    /// missing; its directories created here are removed again if nothing is committed.
    pub fn parent_of(&mut self, file: &Path) -> Result<()> {
        match file.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => {
                self.create_dirs(dir)?;
                if !dir.is_dir() {
                    bail!(
                        "{}: exists and is not a directory{}",
                        dir.display(),
                        self.unchanged()
                    );
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// The subdirectory `name` of the output directory, created if missing. A link is refused:
    /// it would put this command's files somewhere the user did not name.
    pub fn subdir(&mut self, name: &str) -> Result<PathBuf> {
        let dir = self.root.join(name);
        match std::fs::symlink_metadata(&dir) {
            Ok(m) if m.file_type().is_symlink() => bail!(
                "{}: is a symbolic link; slieksnis writes its subdirectories itself and does not \
                 follow links there (remove it){}",
                dir.display(),
                self.unchanged()
            ),
            Ok(m) if !m.is_dir() => bail!(
                "{}: exists and is not a directory{}",
                dir.display(),
                self.unchanged()
            ),
            Ok(_) => {}
            Err(_) => self.create_dirs(&dir)?,
        }
        Ok(dir)
    }

    /// Writes the file `path` (in the output directory or one of its subdirectories) aside:
    /// `fill` gets a buffered writer; the file is flushed and synced.
    pub fn write(
        &mut self,
        path: &Path,
        fill: impl FnOnce(&mut dyn Write) -> io::Result<()>,
    ) -> Result<()> {
        match std::fs::symlink_metadata(path) {
            Ok(m) if m.file_type().is_symlink() => bail!(
                "{}: is a symbolic link; slieksnis does not write through links in its output \
                 directory (remove it, or choose another directory){}",
                path.display(),
                self.unchanged()
            ),
            Ok(m) if m.is_dir() => bail!("{}: is a directory{}", path.display(), self.unchanged()),
            _ => {}
        }
        let (temp, file) = self.create_temp(path)?;
        // Registered before writing, so that a failure below removes it too.
        self.files.push((temp, path.to_path_buf()));
        let lexicon = match &self.latvian_csv {
            Some(l) if path.extension().is_some_and(|x| x == "csv") => Some(l.clone()),
            _ => None,
        };
        let written = (|| {
            let mut w = io::BufWriter::with_capacity(1 << 20, file);
            match lexicon {
                Some(lexicon) => {
                    let mut plain = Vec::new();
                    fill(&mut plain)?;
                    w.write_all(&crate::csv_lv::convert(&plain, &lexicon)?)?;
                }
                None => fill(&mut w)?,
            }
            w.flush()?;
            let file = w.into_inner().map_err(|e| e.into_error())?;
            file.sync_all()
        })();
        written.map_err(|e| anyhow!("{}: cannot write: {e}{}", path.display(), self.unchanged()))
    }

    /// Puts every file in place.
    pub fn commit(mut self) -> Result<()> {
        let files = std::mem::take(&mut self.files);
        for (i, (temp, path)) in files.iter().enumerate() {
            if let Err(e) = std::fs::rename(temp, path) {
                // The ones not yet renamed go with `self` (dropped); say which were replaced.
                self.files = files[i..].to_vec();
                let done: Vec<String> = files[..i]
                    .iter()
                    .map(|(_, p)| p.display().to_string())
                    .collect();
                bail!(
                    "{}: cannot put in place: {e}; {}",
                    path.display(),
                    if done.is_empty() {
                        format!("nothing in {} was changed", slash(&self.root))
                    } else {
                        format!(
                            "only {} {} replaced",
                            done.join(", "),
                            if i == 1 { "was" } else { "were" }
                        )
                    }
                );
            }
        }
        // The renames are in place; syncing the directories makes them survive a power cut.
        // A directory that cannot be synced changes nothing about the files, so it is not an error.
        self.created.clear();
        let mut dirs: Vec<&Path> = files.iter().filter_map(|(_, p)| p.parent()).collect();
        dirs.dedup();
        for dir in dirs {
            let dir = if dir.as_os_str().is_empty() {
                Path::new(".")
            } else {
                dir
            };
            if let Ok(d) = std::fs::File::open(dir) {
                let _ = d.sync_all();
            }
        }
        Ok(())
    }

    /// A new temporary file beside `path`: `.NAME.PID.tmp`, or with a counter if that exists.
    fn create_temp(&self, path: &Path) -> Result<(PathBuf, std::fs::File)> {
        let name = path
            .file_name()
            .ok_or_else(|| anyhow!("{}: not a file name", path.display()))?
            .to_string_lossy();
        let pid = std::process::id();
        for k in 0..100 {
            let temp_name = if k == 0 {
                format!(".{name}.{pid}.tmp")
            } else {
                format!(".{name}.{pid}-{k}.tmp")
            };
            let temp = path.with_file_name(temp_name);
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&temp)
            {
                Ok(file) => return Ok((temp, file)),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => bail!(
                    "{}: cannot create {}: {e}{}",
                    path.display(),
                    temp.display(),
                    self.unchanged()
                ),
            }
        }
        bail!(
            "{}: cannot create a temporary file beside it (100 names taken){}",
            path.display(),
            self.unchanged()
        )
    }

    /// Creates `dir` and its missing parents, remembering each one created.
    fn create_dirs(&mut self, dir: &Path) -> Result<()> {
        let mut missing = Vec::new();
        let mut d = dir;
        while !d.as_os_str().is_empty() && std::fs::symlink_metadata(d).is_err() {
            missing.push(d.to_path_buf());
            match d.parent() {
                Some(p) => d = p,
                None => break,
            }
        }
        for d in missing.into_iter().rev() {
            match std::fs::create_dir(&d) {
                Ok(()) => self.created.push(d),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists && d.is_dir() => {}
                Err(e) => bail!("{}: cannot create: {e}", d.display()),
            }
        }
        Ok(())
    }

    fn unchanged(&self) -> String {
        format!("; nothing in {} was changed", slash(&self.root))
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        for (temp, _) in &self.files {
            let _ = std::fs::remove_file(temp);
        }
        // Innermost first; a directory that is not empty (someone else's files) stays.
        for d in self.created.iter().rev() {
            let _ = std::fs::remove_dir(d);
        }
    }
}

/// A directory as messages show it: with a trailing slash.
fn slash(dir: &Path) -> String {
    let s = dir.display().to_string();
    if s.ends_with('/') { s } else { format!("{s}/") }
}
