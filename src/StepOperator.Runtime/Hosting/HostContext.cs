using System.CommandLine;
using System.IO;
using StepOperator.Configuration;

namespace StepOperator.Hosting;

/// <summary>
/// What the command line reads from its surroundings: the user-level configuration file, the folder whose
/// stepoperator.json applies, and the program's name. A program takes them from its process; tests give their own,
/// so the whole command line runs in-process against files of their own.
/// </summary>
/// <param name="UserFile">The user-level configuration file that registration commands write.</param>
/// <param name="ProjectDirectory">The folder whose stepoperator.json is read.</param>
/// <param name="ProgramName">The program's name as System.CommandLine names the root command (the executable's name).</param>
/// <param name="DefaultHome">Where runs are kept when neither --home nor STEPOPERATOR_HOME says.</param>
internal sealed record HostContext(string UserFile, string ProjectDirectory, string ProgramName, string DefaultHome = ".stepoperator")
{
    public static HostContext FromProcess() =>
        new(StackConfiguration.DefaultUserFile(), Directory.GetCurrentDirectory(), RootCommand.ExecutableName);

    /// <summary>Built-in components, the user-level file, the project's stepoperator.json and STEPOPERATOR_ variables.</summary>
    public StackConfiguration LoadConfiguration() => StackConfiguration.Load(UserFile, ProjectDirectory);

    /// <summary>The user-level file, for a command that changes it.</summary>
    public UserConfigurationFile OpenUserFile() => UserConfigurationFile.Open(UserFile);
}
