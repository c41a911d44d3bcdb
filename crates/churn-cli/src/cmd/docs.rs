//! `churn completions SHELL` and `churn man`: generated from the clap definition.

use std::io::Write;

use clap::CommandFactory;

use crate::args::Cli;

/// Prints the completion script of `shell` to stdout.
pub fn completions(shell: clap_complete::Shell) -> anyhow::Result<()> {
    let mut cmd = Cli::command();
    let mut out = std::io::stdout().lock();
    clap_complete::generate(shell, &mut cmd, "churn", &mut out);
    out.flush()?;
    Ok(())
}

/// Prints the man page (roff) to stdout: the top-level page, then a section per command.
pub fn man() -> anyhow::Result<()> {
    let cmd = Cli::command();
    let mut out = std::io::stdout().lock();
    clap_mangen::Man::new(cmd.clone()).render(&mut out)?;
    for sub in cmd.get_subcommands() {
        let name: &'static str = Box::leak(format!("churn-{}", sub.get_name()).into_boxed_str());
        let sub = sub.clone().name(name).bin_name(name).version(env!("CARGO_PKG_VERSION"));
        clap_mangen::Man::new(sub).render(&mut out)?;
    }
    out.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn clap_definition_is_consistent() {
        crate::args::Cli::command().debug_assert();
    }
}
