using System.Collections.Generic;
using System.CommandLine;
using System.CommandLine.Help;

namespace StepOperator.Hosting;

/// <summary>
/// The program's root command. System.CommandLine names a <see cref="RootCommand"/> after the executable and puts
/// the root's name and its subcommands' names in one token table, so a program called like one of its commands
/// (a project named <c>plan</c> or <c>stack</c>) failed every parse with "An item with the same key has already been
/// added". Such a program's root command is named <c>./plan</c> instead: only the help's usage line shows it, and
/// it loses the <c>[suggest]</c> directive for shell completion, which only a <see cref="RootCommand"/> has.
/// </summary>
internal static class ProgramCommand
{
    public static Command Create(string programName, IReadOnlySet<string> commandNames, string description)
    {
        if (!commandNames.Contains(programName) && programName == RootCommand.ExecutableName)
        {
            return new RootCommand(description);
        }

        var root = new Command(commandNames.Contains(programName) ? "./" + programName : programName, description);
        root.Options.Add(new HelpOption());
        root.Options.Add(new VersionOption());
        return root;
    }
}
